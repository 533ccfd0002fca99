/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>

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
