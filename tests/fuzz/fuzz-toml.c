/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The TOML subset parser, plain and secure; on success the tree is walked
 * and every string is re-quoted and parsed back to the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "toml.h"

static void check_string(const TomlValue *v) {
        char *q = NULL, *doc_text = NULL;
        TomlValue *doc = NULL;
        const TomlValue *back;

        if (toml_quote_string(v->string.data, v->string.len, &q) < 0)
                abort();
        if (asprintf(&doc_text, "k = %s\n", q) < 0)
                abort();
        if (toml_parse(doc_text, strlen(doc_text), "requote", 0, &doc, NULL) < 0)
                abort();
        back = toml_table_get(doc, "k");
        if (!back || back->type != TOML_STRING || back->string.len != v->string.len ||
            memcmp(back->string.data, v->string.data, v->string.len) != 0)
                abort();
        toml_free(doc);
        free(doc_text);
        free(q);
}

static void walk(const TomlValue *v, int depth) {
        if (depth > 2 * TOML_MAX_DEPTH + 2)
                abort(); /* the limits must bound the tree */
        switch (v->type) {
        case TOML_STRING:
                if (v->string.data[v->string.len] != 0)
                        abort();
                check_string(v);
                break;
        case TOML_ARRAY:
                for (size_t i = 0; i < v->array.n; i++)
                        walk(v->array.items[i], depth + 1);
                break;
        case TOML_TABLE:
                for (size_t i = 0; i < v->table.n; i++) {
                        if (toml_table_get(v, v->table.keys[i]) != v->table.values[i])
                                abort(); /* keys are unique */
                        walk(v->table.values[i], depth + 1);
                }
                break;
        default:
                break;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        TomlValue *doc = NULL;
        char *error = NULL;
        int r;

        r = toml_parse((const char *) data, size, "fuzz", 0, &doc, &error);
        if (r >= 0) {
                if (error)
                        abort();
                walk(doc, 0);
                toml_free(doc);
        } else {
                /* every refusal explains itself in one line */
                if (r != -ENOMEM && (!error || strchr(error, '\n') || strncmp(error, "fuzz:", 5) != 0))
                        abort();
                free(error);
        }
        if (size < 1024) { /* secure allocations are slow (mmap + mlock each) */
                r = toml_parse((const char *) data, size, "fuzz", TOML_PARSE_SECURE, &doc, NULL);
                if (r >= 0)
                        toml_free(doc);
        }
        return 0;
}
