/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The TOML subset parser, plain and secure.  Invariants checked:
 *  - a refusal is one line "fuzz:LINE:COL: message" (or out of memory);
 *  - an accepted tree is well formed: NUL-terminated strings, unique keys,
 *    positions set, depth within TOML_MAX_DEPTH, allocator flag consistent;
 *  - every string survives toml_quote_string() and a parse back;
 *  - the whole document written back as TOML parses to an equal tree;
 *  - secure mode (small inputs) gives the same result and the same error,
 *    and frees every secure allocation on success and error paths. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "toml.h"

#define CHECK(x)                        \
        do {                            \
                if (!(x))               \
                        abort();        \
        } while (0)

static void check_string(const TomlValue *v) {
        _cleanup_free_ char *q = NULL, *doc_text = NULL;
        _cleanup_toml_free_ TomlValue *doc = NULL;
        const TomlValue *back;

        CHECK(toml_quote_string(v->string.data, v->string.len, &q) >= 0);
        CHECK(asprintf(&doc_text, "k = %s\n", q) >= 0);
        CHECK(toml_parse(doc_text, strlen(doc_text), "requote", 0, &doc, NULL) >= 0);
        back = toml_table_get(doc, "k");
        CHECK(back && back->type == TOML_STRING && back->string.len == v->string.len);
        CHECK(memcmp(back->string.data, v->string.data, v->string.len) == 0);
}

static void walk(const TomlValue *v, unsigned depth, bool secure) {
        CHECK(depth <= TOML_MAX_DEPTH);
        CHECK(v->secure == secure);
        CHECK(v->line >= 1 && v->column >= 1);
        switch (v->type) {
        case TOML_STRING:
                CHECK(v->string.data[v->string.len] == 0);
                check_string(v);
                break;
        case TOML_INTEGER:
        case TOML_BOOLEAN:
                break;
        case TOML_ARRAY:
                for (size_t i = 0; i < v->array.n; i++)
                        walk(v->array.items[i], depth + 1, secure);
                break;
        case TOML_TABLE:
                CHECK(v->table.n <= TOML_MAX_TABLE_ENTRIES);
                for (size_t i = 0; i < v->table.n; i++) {
                        CHECK(toml_table_get(v, v->table.keys[i]) == v->table.values[i]); /* unique keys */
                        walk(v->table.values[i], depth + 1, secure);
                }
                break;
        default:
                abort();
        }
}

static bool equal(const TomlValue *a, const TomlValue *b) {
        if (a->type != b->type)
                return false;
        switch (a->type) {
        case TOML_STRING:
                return a->string.len == b->string.len && memcmp(a->string.data, b->string.data, a->string.len) == 0;
        case TOML_INTEGER:
                return a->integer == b->integer;
        case TOML_BOOLEAN:
                return a->boolean == b->boolean;
        case TOML_ARRAY:
                if (a->array.n != b->array.n)
                        return false;
                for (size_t i = 0; i < a->array.n; i++)
                        if (!equal(a->array.items[i], b->array.items[i]))
                                return false;
                return true;
        case TOML_TABLE:
                if (a->table.n != b->table.n)
                        return false;
                for (size_t i = 0; i < a->table.n; i++) {
                        const TomlValue *o = toml_table_get(b, a->table.keys[i]);
                        if (!o || !equal(a->table.values[i], o))
                                return false;
                }
                return true;
        }
        return false;
}

/* ---- writing a tree back as TOML: every value as a dotted key from the
 * root, then a [header] for each empty table ---- */

typedef struct Path {
        const char *parts[TOML_MAX_DEPTH + 1];
        size_t n;
} Path;

static void write_quoted(FILE *f, const char *s, size_t len) {
        _cleanup_free_ char *q = NULL;

        CHECK(toml_quote_string(s, len, &q) >= 0);
        fputs(q, f);
}

static void write_path(FILE *f, const Path *path) {
        for (size_t i = 0; i < path->n; i++) {
                if (i)
                        fputc('.', f);
                write_quoted(f, path->parts[i], strlen(path->parts[i]));
        }
}

static void write_value(FILE *f, const TomlValue *v) {
        switch (v->type) {
        case TOML_STRING:
                write_quoted(f, v->string.data, v->string.len);
                break;
        case TOML_INTEGER:
                fprintf(f, "%" PRId64, v->integer);
                break;
        case TOML_BOOLEAN:
                fputs(v->boolean ? "true" : "false", f);
                break;
        case TOML_ARRAY:
                fputc('[', f);
                for (size_t i = 0; i < v->array.n; i++) {
                        if (i)
                                fputs(", ", f);
                        write_value(f, v->array.items[i]);
                }
                fputc(']', f);
                break;
        case TOML_TABLE:
                abort(); /* arrays hold no tables in the subset */
        }
}

/* empty_tables: false writes the values, true the headers of empty tables */
static void write_table(FILE *f, const TomlValue *t, Path *path, bool empty_tables) {
        if (empty_tables && t->table.n == 0 && path->n > 0) {
                fputc('[', f);
                write_path(f, path);
                fputs("]\n", f);
        }
        for (size_t i = 0; i < t->table.n; i++) {
                const TomlValue *v = t->table.values[i];

                CHECK(path->n < ELEMENTSOF(path->parts));
                path->parts[path->n++] = t->table.keys[i];
                if (v->type == TOML_TABLE)
                        write_table(f, v, path, empty_tables);
                else if (!empty_tables) {
                        write_path(f, path);
                        fputs(" = ", f);
                        write_value(f, v);
                        fputc('\n', f);
                }
                path->n--;
        }
}

static void check_rewrite(const TomlValue *doc) {
        _cleanup_free_ char *text = NULL;
        _cleanup_toml_free_ TomlValue *back = NULL;
        _cleanup_free_ char *error = NULL;
        Path path = {};
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        CHECK(f);
        write_table(f, doc, &path, false);
        write_table(f, doc, &path, true);
        CHECK(fclose(f) == 0);
        if (len > TOML_MAX_SIZE)
                return; /* escapes can make the text longer than the limit */
        if (toml_parse(text, len, "rewrite", 0, &back, &error) < 0) {
                fprintf(stderr, "rewritten document refused: %s\n%s\n", error, text);
                abort();
        }
        CHECK(equal(doc, back));
}

static bool leak_check_sampled = false;

/* Called by libFuzzer only, not by the corpus replay in fuzz-main.c. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
        leak_check_sampled = true;
        return 0;
}

/* sodium_malloc() maps every allocation and LSan does not track mappings:
 * a leaked secure allocation shows as a mapping left over. */
static size_t count_mappings(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/maps", "re");
        char buf[4096];
        size_t n = 0, k;

        CHECK(f);
        while ((k = fread(buf, 1, sizeof buf, f)) > 0)
                for (size_t i = 0; i < k; i++)
                        n += buf[i] == '\n';
        return n;
}

static size_t mappings_added_by_secure_parse(const uint8_t *data, size_t size) {
        size_t before = count_mappings();
        TomlValue *doc = NULL;
        char *error = NULL;

        if (toml_parse((const char *) data, size, "fuzz", TOML_PARSE_SECURE, &doc, &error) >= 0)
                toml_free(doc);
        free(error);
        return count_mappings() - before;
}

/* The ordinary allocator may map memory now and then too, but only a leak
 * adds mappings on every repetition. */
static void check_secure_leaks(const uint8_t *data, size_t size) {
        static unsigned long calls = 0;

        /* reading /proc/self/maps is slow: under libFuzzer check every 16th
         * input; corpus replay (fuzz-main.c) checks them all */
        if (leak_check_sampled && calls++ % 16 != 0)
                return;
        for (unsigned i = 0; i < 4; i++)
                if (mappings_added_by_secure_parse(data, size) == 0)
                        return;
        fprintf(stderr, "secure parse leaks mappings\n");
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_toml_free_ TomlValue *doc = NULL, *sdoc = NULL;
        _cleanup_free_ char *error = NULL, *serror = NULL;
        int r, sr;

        r = toml_parse((const char *) data, size, "fuzz", 0, &doc, &error);
        if (r >= 0) {
                CHECK(r == 0 && !error && doc && doc->type == TOML_TABLE);
                walk(doc, 0, false);
                check_rewrite(doc);
        } else {
                CHECK(!doc);
                CHECK(r == -EINVAL || r == -E2BIG || r == -ENOMEM);
                /* every refusal explains itself in one line */
                CHECK(r == -ENOMEM || (error && !strchr(error, '\n') && strncmp(error, "fuzz:", 5) == 0));
        }

        if (size >= 1024)
                return 0; /* secure allocations are slow (mmap + mlock each) */
        check_secure_leaks(data, size);
        sr = toml_parse((const char *) data, size, "fuzz", TOML_PARSE_SECURE, &sdoc, &serror);
        if (sr == -ENOMEM || r == -ENOMEM)
                return 0;
        CHECK(sr == r);
        if (sr >= 0) {
                walk(sdoc, 0, true);
                CHECK(equal(doc, sdoc));
        } else
                CHECK(serror && error && strcmp(serror, error) == 0);
        return 0;
}
