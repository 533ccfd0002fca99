/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A strict TOML 1.0 parser: realm configs, realmboot.conf, RealmFS metainfo
 * and the keyring plaintext.  All of TOML 1.0 is read: comments; bare,
 * quoted and dotted keys; [table] and [[array of tables]] headers (dotted
 * and quoted too); basic and literal strings, one-line and multi-line (every
 * escape, the line-ending backslash, the newline after the opening """ or
 * ''' dropped, CRLF inside read as LF); decimal integers (sign, '_' between
 * digits) and hexadecimal, octal and binary ones (0x 0o 0b, no sign);
 * floats (fraction, exponent, '_', inf and nan with a sign, -0.0); booleans;
 * offset date-times, local date-times, local dates and local times ('T', 't'
 * or a space between date and time, Z or z or +HH:MM, fractional seconds
 * kept to the nanosecond, more digits truncated); arrays over several lines
 * with comments and a trailing comma; inline tables ({ a = 1, b.c = 2 }: on
 * one line, no trailing comma, complete as written).  The rules on defining
 * tables are TOML 1.0's, as Python's tomllib applies them: a table is
 * defined once, by a [header], by the dotted keys of one section, or as an
 * inline table; dotted keys cannot extend a table defined elsewhere; an
 * inline table or an array written as a value is never extended; [[a]]
 * appends to an array of tables and [a.b] after it means its last element.
 *
 * Refused although TOML 1.0 allows it, each with the error below:
 *  - integers outside int64 (TOML says an error must be thrown, tomllib has
 *    arbitrary precision);
 *  - a NUL (\u0000) in a key: keys are C strings in this API (values may
 *    hold NUL: string.len);
 *  - year 0000 and second 60 (leap seconds), which tomllib (Python's
 *    datetime) refuses too;
 *  - documents beyond the limits below.
 * Everything else is "FILE:LINE:COL: message" too: never a crash, never a
 * silent misparse.  Messages are fixed texts, never a part of the document
 * (which may hold secrets). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"

#define TOML_MAX_SIZE  (1024 * 1024)  /* bytes of input */
#define TOML_MAX_DEPTH 16             /* nesting of tables, arrays and inline tables
                                       * together: at most this many keys and array
                                       * indexes (an array of tables' too) lead from
                                       * the root table to any value */
#define TOML_MAX_TABLE_ENTRIES 10000  /* keys in one table, inline tables too (lookups
                                       * are linear); tables in one array of tables */

typedef enum TomlType {
        TOML_STRING,
        TOML_INTEGER,
        TOML_BOOLEAN,
        TOML_ARRAY,
        TOML_TABLE,
        TOML_FLOAT,
        TOML_DATETIME,       /* offset date-time: 1979-05-27T07:32:00-07:00 */
        TOML_DATETIME_LOCAL, /* local date-time: 1979-05-27T07:32:00 */
        TOML_DATE_LOCAL,     /* local date: 1979-05-27 */
        TOML_TIME_LOCAL,     /* local time: 07:32:00 */
} TomlType;

/* The fields a date/time kind has: the date for all but TOML_TIME_LOCAL,
 * the time for all but TOML_DATE_LOCAL, the offset for TOML_DATETIME only
 * (the others leave the fields they lack 0). */
typedef struct TomlDatetime {
        uint16_t year;          /* 1..9999 */
        uint8_t month, day;     /* 1..12, 1..the days of that month */
        uint8_t hour, minute, second; /* 0..23, 0..59, 0..59 */
        uint32_t nanosecond;    /* 0..999999999 */
        int16_t offset_minutes; /* east of UTC, -1439..1439; Z is 0 */
} TomlDatetime;

typedef struct TomlValue TomlValue;

struct TomlValue {
        TomlType type;
        unsigned line, column; /* 1-based position of the value (or table header) */
        /* internal to the parser: allocator, table definition state, capacity */
        bool secure;
        bool explicit_table;   /* defined by a [header] or [[header]] */
        bool frozen;           /* an inline table or an array written as a value:
                                * complete as written (an array of tables is not) */
        unsigned dotted_section; /* section in which dotted keys created/used it */
        size_t capacity;
        union {
                struct {
                        char *data; /* NUL-terminated; may contain NUL (\u0000): use len */
                        size_t len;
                } string;
                int64_t integer;
                double floating;
                bool boolean;
                TomlDatetime datetime; /* the four date/time kinds */
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

static inline bool toml_type_is_datetime(TomlType t) {
        return t == TOML_DATETIME || t == TOML_DATETIME_LOCAL || t == TOML_DATE_LOCAL || t == TOML_TIME_LOCAL;
}

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

/* ---- writing TOML ---- */

/* Writes a TOML string literal (basic string, escaped as needed) for s. */
int toml_quote_string(const char *s, size_t len, char **ret);

#define TOML_FLOAT_STRING_MAX 32
/* The shortest decimal that reads back as d, as Python's repr() writes it
 * (3.14, 100.0, -0.0, 1e+300, 1.5e-07), or inf, -inf, nan: TOML syntax
 * (lib/toml-number.c). */
void toml_format_float(double d, char buf[static TOML_FLOAT_STRING_MAX]);

#define TOML_DATETIME_STRING_MAX 40
/* A date/time kind in TOML (RFC 3339) syntax: 1979-05-27T07:32:00.5-07:00,
 * Z for offset 0, as many fraction digits as needed (lib/toml-datetime.c). */
void toml_format_datetime(TomlType type, const TomlDatetime *dt, char buf[static TOML_DATETIME_STRING_MAX]);

/* Writes v as a TOML value on one line: arrays as [...], tables as inline
 * tables { k = v, ... }.  0, or -ENOMEM. */
int toml_write_value(FILE *f, const TomlValue *v);
