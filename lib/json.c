/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <math.h>

#include "json.h"

void json_write_string(FILE *f, const char *s, size_t len) {
        fputc('"', f);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];
                switch (c) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                default:
                        if (c < 0x20 || c == 0x7f)
                                fprintf(f, "\\u%04x", c);
                        else
                                fputc(c, f);
                }
        }
        fputc('"', f);
}

void json_write_toml(FILE *f, const TomlValue *v) {
        char buf[MAX(TOML_FLOAT_STRING_MAX, TOML_DATETIME_STRING_MAX)];

        switch (v->type) {
        case TOML_STRING:
                json_write_string(f, v->string.data, v->string.len);
                break;
        case TOML_INTEGER:
                fprintf(f, "%" PRId64, v->integer);
                break;
        case TOML_BOOLEAN:
                fputs(v->boolean ? "true" : "false", f);
                break;
        case TOML_FLOAT:
                toml_format_float(v->floating, buf);
                if (isfinite(v->floating))
                        fputs(buf, f);
                else /* JSON has no inf or nan */
                        json_write_string(f, buf, strlen(buf));
                break;
        case TOML_DATETIME:
        case TOML_DATETIME_LOCAL:
        case TOML_DATE_LOCAL:
        case TOML_TIME_LOCAL:
                toml_format_datetime(v->type, &v->datetime, buf);
                json_write_string(f, buf, strlen(buf));
                break;
        case TOML_ARRAY:
                fputc('[', f);
                for (size_t i = 0; i < v->array.n; i++) {
                        if (i)
                                fputs(", ", f);
                        json_write_toml(f, v->array.items[i]);
                }
                fputc(']', f);
                break;
        case TOML_TABLE:
                fputc('{', f);
                for (size_t i = 0; i < v->table.n; i++) {
                        if (i)
                                fputs(", ", f);
                        json_write_string(f, v->table.keys[i], strlen(v->table.keys[i]));
                        fputs(": ", f);
                        json_write_toml(f, v->table.values[i]);
                }
                fputc('}', f);
                break;
        }
}
