/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parses a TOML file with our parser and prints it as JSON, byte for byte as
 * Python's json.dumps(tomllib.load(f), sort_keys=True) would (keys sorted by
 * code point, ", " and ": " separators, ensure_ascii escapes, floats as
 * repr() writes them and NaN, Infinity, -Infinity bare), with tomllib's
 * dates and times replaced by their str(), for the differential test
 * against tomllib (tests/toml/check-toml.py).  Exit 1 with the one-line
 * error on stderr when the document is refused, 2 on usage or I/O errors. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "fileio.h"
#include "toml.h"

/* Decodes one UTF-8 character (the parser only returns valid UTF-8). */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *i) {
        unsigned char c = s[*i];
        size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1fu : n == 3 ? c & 0x0fu : c & 0x07u;

        for (size_t k = 1; k < n && *i + k < len; k++)
                cp = cp << 6 | (s[*i + k] & 0x3fu);
        *i += n;
        return cp;
}

static void write_string(const char *str, size_t len) {
        const unsigned char *s = (const unsigned char *) str;

        putchar('"');
        for (size_t i = 0; i < len;) {
                uint32_t cp = utf8_next(s, len, &i);

                switch (cp) {
                case '"': fputs("\\\"", stdout); break;
                case '\\': fputs("\\\\", stdout); break;
                case '\n': fputs("\\n", stdout); break;
                case '\r': fputs("\\r", stdout); break;
                case '\t': fputs("\\t", stdout); break;
                case '\b': fputs("\\b", stdout); break;
                case '\f': fputs("\\f", stdout); break;
                default:
                        if (cp >= 0x20 && cp < 0x7f)
                                putchar((int) cp);
                        else if (cp < 0x10000)
                                printf("\\u%04" PRIx32, cp);
                        else /* UTF-16 surrogate pair, as Python writes it */
                                printf("\\u%04" PRIx32 "\\u%04" PRIx32, 0xd800 + ((cp - 0x10000) >> 10),
                                       0xdc00 + ((cp - 0x10000) & 0x3ff));
                }
        }
        putchar('"');
}

static void write_value(const TomlValue *v);

static void write_table(const TomlValue *t) {
        _cleanup_free_ bool *done = calloc(t->table.n ? t->table.n : 1, sizeof(bool));

        if (!done)
                abort();
        putchar('{');
        /* selection by smallest remaining key: tables here are small, and
         * strcmp() order on UTF-8 is code point order, like Python's sort */
        for (size_t out = 0; out < t->table.n; out++) {
                size_t best = SIZE_MAX;

                for (size_t i = 0; i < t->table.n; i++)
                        if (!done[i] && (best == SIZE_MAX || strcmp(t->table.keys[i], t->table.keys[best]) < 0))
                                best = i;
                done[best] = true;
                if (out)
                        fputs(", ", stdout);
                write_string(t->table.keys[best], strlen(t->table.keys[best]));
                fputs(": ", stdout);
                write_value(t->table.values[best]);
        }
        putchar('}');
}

/* A float as json.dumps() writes one: repr(), or its bare words for the
 * values JSON lacks. */
static void write_float(double d) {
        char buf[TOML_FLOAT_STRING_MAX];

        if (isnan(d))
                fputs("NaN", stdout);
        else if (isinf(d))
                fputs(d < 0 ? "-Infinity" : "Infinity", stdout);
        else {
                toml_format_float(d, buf);
                fputs(buf, stdout);
        }
}

/* A date or time as the string of Python's str() of tomllib's value:
 * "1979-05-27 07:32:00.999999-07:00" (a space, microseconds truncated and
 * only when not 0, +00:00 for Z), "1979-05-27", "07:32:00". */
static void write_datetime(const TomlValue *v) {
        const TomlDatetime *dt = &v->datetime;
        char buf[64];
        size_t k = 0;
        unsigned micro = dt->nanosecond / 1000;

        if (v->type != TOML_TIME_LOCAL)
                k += (size_t) snprintf(buf + k, sizeof buf - k, "%04u-%02u-%02u", dt->year % 10000u, dt->month % 100u,
                                       dt->day % 100u);
        if (v->type == TOML_DATETIME || v->type == TOML_DATETIME_LOCAL)
                buf[k++] = ' ';
        if (v->type != TOML_DATE_LOCAL) {
                k += (size_t) snprintf(buf + k, sizeof buf - k, "%02u:%02u:%02u", dt->hour % 100u,
                                       dt->minute % 100u, dt->second % 100u);
                if (micro)
                        k += (size_t) snprintf(buf + k, sizeof buf - k, ".%06u", micro % 1000000u);
        }
        if (v->type == TOML_DATETIME) {
                unsigned m = (unsigned) abs(dt->offset_minutes) % 1440u;

                k += (size_t) snprintf(buf + k, sizeof buf - k, "%c%02u:%02u", dt->offset_minutes < 0 ? '-' : '+',
                                       m / 60, m % 60);
        }
        write_string(buf, k);
}

static void write_value(const TomlValue *v) {
        switch (v->type) {
        case TOML_STRING:
                write_string(v->string.data, v->string.len);
                break;
        case TOML_INTEGER:
                printf("%" PRId64, v->integer);
                break;
        case TOML_BOOLEAN:
                fputs(v->boolean ? "true" : "false", stdout);
                break;
        case TOML_FLOAT:
                write_float(v->floating);
                break;
        case TOML_DATETIME:
        case TOML_DATETIME_LOCAL:
        case TOML_DATE_LOCAL:
        case TOML_TIME_LOCAL:
                write_datetime(v);
                break;
        case TOML_ARRAY:
                putchar('[');
                for (size_t i = 0; i < v->array.n; i++) {
                        if (i)
                                fputs(", ", stdout);
                        write_value(v->array.items[i]);
                }
                putchar(']');
                break;
        case TOML_TABLE:
                write_table(v);
                break;
        }
}

int main(int argc, char **argv) {
        _cleanup_free_ char *text = NULL, *error = NULL;
        _cleanup_toml_free_ TomlValue *doc = NULL;
        size_t len;
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: toml-to-json FILE\n");
                return 2;
        }
        /* read more than the limit, so the parser's own size check is exercised */
        r = read_full_file(argv[1], 2 * TOML_MAX_SIZE, 0, &text, &len);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", argv[1], strerror(-r));
                return 2;
        }
        r = toml_parse(text, len, argv[1], 0, &doc, &error);
        if (r < 0) {
                fprintf(stderr, "%s\n", error ? error : "out of memory");
                return 1;
        }
        write_value(doc);
        putchar('\n');
        return fflush(stdout) == 0 ? 0 : 2;
}
