/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The TOML parser, plain and secure.  Invariants checked:
 *  - a refusal is one line "fuzz:LINE:COL: message" (or out of memory);
 *  - an accepted tree is well formed: NUL-terminated strings, unique keys,
 *    positions set, depth within TOML_MAX_DEPTH, allocator flag consistent,
 *    dates and times within their ranges (the fields a kind lacks 0);
 *  - every string survives toml_quote_string() and a parse back, every
 *    float toml_format_float() (the same double), every date and time
 *    toml_format_datetime();
 *  - the whole document written back as TOML, three ways, parses to an
 *    equal tree: (1) every value as a dotted key from the root, arrays and
 *    the tables in them inline, then a [header] for each empty table;
 *    (2) a [header] per table and [[header]] per element of every array of
 *    tables, arrays over several lines with comments and trailing commas,
 *    strings as multi-line basic strings; (3) every top-level value inline
 *    (toml_write_value(): inline tables);
 *  - secure mode (small inputs) gives the same result and the same error,
 *    and frees every secure allocation on success and error paths. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "toml-datetime.h"
#include "toml.h"

#define CHECK(x)                        \
        do {                            \
                if (!(x))               \
                        abort();        \
        } while (0)

static bool equal(const TomlValue *a, const TomlValue *b);

/* "k = TEXT" parses, and k is equal to v. */
static void check_reparse(const TomlValue *v, const char *text) {
        _cleanup_free_ char *doc_text = NULL, *error = NULL;
        _cleanup_toml_free_ TomlValue *doc = NULL;
        const TomlValue *back;

        CHECK(asprintf(&doc_text, "k = %s\n", text) >= 0);
        if (toml_parse(doc_text, strlen(doc_text), "requote", 0, &doc, &error) < 0) {
                fprintf(stderr, "written value refused: %s\n%s\n", error, doc_text);
                abort();
        }
        back = toml_table_get(doc, "k");
        CHECK(back && equal(back, v));
}

static void check_string(const TomlValue *v) {
        _cleanup_free_ char *q = NULL;

        CHECK(toml_quote_string(v->string.data, v->string.len, &q) >= 0);
        check_reparse(v, q);
}

static void check_float(const TomlValue *v) {
        char buf[TOML_FLOAT_STRING_MAX];

        toml_format_float(v->floating, buf);
        CHECK(strlen(buf) < sizeof buf);
        check_reparse(v, buf);
}

static void check_datetime(const TomlValue *v) {
        const TomlDatetime *dt = &v->datetime;
        char buf[TOML_DATETIME_STRING_MAX];

        if (v->type != TOML_TIME_LOCAL) {
                CHECK(dt->year >= 1 && dt->year <= 9999 && dt->month >= 1 && dt->month <= 12);
                CHECK(dt->day >= 1 && dt->day <= toml_days_in_month(dt->year, dt->month));
        } else
                CHECK(dt->year == 0 && dt->month == 0 && dt->day == 0);
        if (v->type != TOML_DATE_LOCAL)
                CHECK(dt->hour <= 23 && dt->minute <= 59 && dt->second <= 59 && dt->nanosecond <= 999999999);
        else
                CHECK(dt->hour == 0 && dt->minute == 0 && dt->second == 0 && dt->nanosecond == 0);
        if (v->type == TOML_DATETIME)
                CHECK(dt->offset_minutes > -1440 && dt->offset_minutes < 1440);
        else
                CHECK(dt->offset_minutes == 0);
        toml_format_datetime(v->type, dt, buf);
        CHECK(strlen(buf) < sizeof buf);
        check_reparse(v, buf);
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
        case TOML_FLOAT:
                check_float(v);
                break;
        case TOML_DATETIME:
        case TOML_DATETIME_LOCAL:
        case TOML_DATE_LOCAL:
        case TOML_TIME_LOCAL:
                check_datetime(v);
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
        case TOML_FLOAT:
                /* the same double: -0.0 is not 0.0; any nan is nan (its sign is not written back) */
                if (isnan(a->floating) || isnan(b->floating))
                        return isnan(a->floating) && isnan(b->floating);
                return a->floating == b->floating && signbit(a->floating) == signbit(b->floating);
        case TOML_DATETIME:
        case TOML_DATETIME_LOCAL:
        case TOML_DATE_LOCAL:
        case TOML_TIME_LOCAL:
                return a->datetime.year == b->datetime.year && a->datetime.month == b->datetime.month &&
                       a->datetime.day == b->datetime.day && a->datetime.hour == b->datetime.hour &&
                       a->datetime.minute == b->datetime.minute && a->datetime.second == b->datetime.second &&
                       a->datetime.nanosecond == b->datetime.nanosecond &&
                       a->datetime.offset_minutes == b->datetime.offset_minutes;
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

/* ---- writing a tree back as TOML ---- */

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

static void path_push(Path *path, const char *key) {
        CHECK(path->n < ELEMENTSOF(path->parts));
        path->parts[path->n++] = key;
}

/* ---- (1) dotted keys from the root ---- */

/* empty_tables: false writes the values, true the headers of empty tables */
static void write_dotted(FILE *f, const TomlValue *t, Path *path, bool empty_tables) {
        if (empty_tables && t->table.n == 0 && path->n > 0) {
                fputc('[', f);
                write_path(f, path);
                fputs("]\n", f);
        }
        for (size_t i = 0; i < t->table.n; i++) {
                const TomlValue *v = t->table.values[i];

                path_push(path, t->table.keys[i]);
                if (v->type == TOML_TABLE)
                        write_dotted(f, v, path, empty_tables);
                else if (!empty_tables) {
                        write_path(f, path);
                        fputs(" = ", f);
                        CHECK(toml_write_value(f, v) >= 0);
                        fputc('\n', f);
                }
                path->n--;
        }
}

/* ---- (2) sections ---- */

static bool is_array_of_tables(const TomlValue *v) {
        if (v->type != TOML_ARRAY || v->array.n == 0)
                return false;
        for (size_t i = 0; i < v->array.n; i++)
                if (v->array.items[i]->type != TOML_TABLE)
                        return false;
        return true;
}

/* Values spread over lines: arrays one item a line with a comment and a
 * trailing comma, strings as multi-line basic strings (the one-line
 * quoting has no raw newline and no unescaped quote, so """ around it
 * reads the same), the rest as toml_write_value() writes it. */
static void write_spread(FILE *f, const TomlValue *v) {
        _cleanup_free_ char *q = NULL;

        switch (v->type) {
        case TOML_STRING:
                CHECK(toml_quote_string(v->string.data, v->string.len, &q) >= 0);
                q[strlen(q) - 1] = 0;
                fprintf(f, "\"\"\"%s\"\"\"", q + 1);
                break;
        case TOML_ARRAY:
                fputs("[ # items\n", f);
                for (size_t i = 0; i < v->array.n; i++) {
                        fputs("  ", f);
                        write_spread(f, v->array.items[i]);
                        fputs(",\n", f);
                }
                fputs("\n]", f);
                break;
        default:
                CHECK(toml_write_value(f, v) >= 0);
        }
}

static void write_sections(FILE *f, const TomlValue *t, Path *path) {
        for (size_t i = 0; i < t->table.n; i++) {
                const TomlValue *v = t->table.values[i];

                if (v->type == TOML_TABLE || is_array_of_tables(v))
                        continue;
                write_quoted(f, t->table.keys[i], strlen(t->table.keys[i]));
                fputs(" = ", f);
                write_spread(f, v);
                fputc('\n', f);
        }
        for (size_t i = 0; i < t->table.n; i++) {
                const TomlValue *v = t->table.values[i];

                path_push(path, t->table.keys[i]);
                if (v->type == TOML_TABLE) {
                        fputc('[', f);
                        write_path(f, path);
                        fputs("]\n", f);
                        write_sections(f, v, path);
                } else if (is_array_of_tables(v))
                        for (size_t k = 0; k < v->array.n; k++) {
                                fputs("[[", f);
                                write_path(f, path);
                                fputs("]]\n", f);
                                write_sections(f, v->array.items[k], path);
                        }
                path->n--;
        }
}

/* ---- (3) inline ---- */

static void write_inline(FILE *f, const TomlValue *t) {
        for (size_t i = 0; i < t->table.n; i++) {
                write_quoted(f, t->table.keys[i], strlen(t->table.keys[i]));
                fputs(" = ", f);
                CHECK(toml_write_value(f, t->table.values[i]) >= 0);
                fputc('\n', f);
        }
}

static void check_rewrite(const TomlValue *doc, unsigned style) {
        _cleanup_free_ char *text = NULL;
        _cleanup_toml_free_ TomlValue *back = NULL;
        _cleanup_free_ char *error = NULL;
        Path path = {};
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        CHECK(f);
        switch (style) {
        case 1:
                write_dotted(f, doc, &path, false);
                write_dotted(f, doc, &path, true);
                break;
        case 2:
                write_sections(f, doc, &path);
                break;
        default:
                write_inline(f, doc);
        }
        CHECK(fclose(f) == 0);
        if (len > TOML_MAX_SIZE)
                return; /* escapes can make the text longer than the limit */
        if (toml_parse(text, len, "rewrite", 0, &back, &error) < 0) {
                fprintf(stderr, "rewritten document (style %u) refused: %s\n%s\n", style, error, text);
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
                for (unsigned style = 1; style <= 3; style++)
                        check_rewrite(doc, style);
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
