/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A small, strict TOML subset: what realm configs, realmboot.conf and RealmFS
 * metainfo use.  Supported: comments, bare and quoted keys, dotted keys,
 * [table] headers (dotted too), basic strings with every TOML escape
 * (\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX), literal strings, decimal integers
 * (sign, '_' between digits, int64 overflow detected), booleans, and arrays
 * of those written on one line.  Everything else TOML has (floats, dates and
 * times, inline tables, multi-line strings and arrays, arrays of tables,
 * hex/octal/binary integers) is rejected with "FILE:LINE:COL: message":
 * never a crash, never a silent misparse.  Duplicate keys and tables are
 * errors, as in TOML. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define TOML_MAX_SIZE  (1024 * 1024)  /* bytes of input */
#define TOML_MAX_DEPTH 16             /* nesting of tables and arrays together: at most
                                       * this many keys and array indexes lead from the
                                       * root table to any value */
#define TOML_MAX_TABLE_ENTRIES 10000  /* keys in one table (lookups are linear) */

typedef enum TomlType {
        TOML_STRING,
        TOML_INTEGER,
        TOML_BOOLEAN,
        TOML_ARRAY,
        TOML_TABLE,
} TomlType;

typedef struct TomlValue TomlValue;

struct TomlValue {
        TomlType type;
        unsigned line, column; /* 1-based position of the value (or table header) */
        /* internal to the parser: allocator, table definition state, capacity */
        bool secure;
        bool explicit_table;   /* defined by a [header] (or frozen dotted prefix) */
        unsigned dotted_section; /* section in which dotted keys created/used it */
        size_t capacity;
        union {
                struct {
                        char *data; /* NUL-terminated; may contain NUL (\u0000): use len */
                        size_t len;
                } string;
                int64_t integer;
                bool boolean;
                struct {
                        TomlValue **items;
                        size_t n;
                } array;
                struct {
                        char **keys;   /* in document order */
                        TomlValue **values;
                        size_t n;
                } table;
        };
};

/* Flags for toml_parse(). */
enum {
        /* Every allocation of the result (and of the parser's scratch space)
         * comes from secure_alloc() and is wiped when freed: for documents
         * holding secrets (the keyring plaintext). */
        TOML_PARSE_SECURE = 1 << 0,
};

/* Parses text[0..len) (need not be NUL-terminated).  filename is used only
 * in error messages.  On success *ret is the root table.  On failure returns
 * a negative errno (-EINVAL for syntax, -E2BIG over the limits, -ENOMEM) and,
 * when error is not NULL, *error is a malloc'd one-line message
 * "FILENAME:LINE:COL: what is wrong" (never quoting string contents, which
 * may be secret). */
int toml_parse(const char *text, size_t len, const char *filename, unsigned flags,
               TomlValue **ret, char **error);

void toml_free(TomlValue *v);
static inline void toml_freep(TomlValue **v) {
        toml_free(*v);
}
#define _cleanup_toml_free_ _cleanup_(toml_freep)

/* Lookup in a table; NULL when absent or when table is not a table. */
const TomlValue *toml_table_get(const TomlValue *table, const char *key);

/* The value of key when it has that type: 0.  -ENOENT when absent (*ret
 * NULL), -EMEDIUMTYPE when present with another type (*ret is the value,
 * for the line and column of a message). */
int toml_table_get_typed(const TomlValue *table, const char *key, TomlType type, const TomlValue **ret);

/* Typed lookups.  Return 0 and set *ret; -ENOENT when the key is absent
 * (*ret untouched); -EMEDIUMTYPE (wrong type) when present with another type. */
int toml_table_get_string(const TomlValue *table, const char *key, const char **ret);
int toml_table_get_integer(const TomlValue *table, const char *key, int64_t *ret);
int toml_table_get_boolean(const TomlValue *table, const char *key, bool *ret);

const char *toml_type_name(TomlType t);

/* Writes a TOML string literal (basic string, escaped as needed) for s. */
int toml_quote_string(const char *s, size_t len, char **ret);
