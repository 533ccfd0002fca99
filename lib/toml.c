/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The strict TOML subset of toml.h.  A hand-written recursive-descent parser
 * over one line at a time: every construct outside the subset is recognised
 * and refused by name, so nothing is ever half-understood. */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "secure.h"
#include "toml.h"

#define TOML_MAX_TABLE_ENTRIES 10000u

typedef struct Parser {
        const char *text;
        size_t len, pos;
        const char *filename;
        bool secure;
        unsigned line;       /* 1-based line of pos */
        size_t line_start;   /* offset of the first byte of that line */
        unsigned section;    /* incremented at every [header] */
        char **error;
        int error_code;
} Parser;

/* ---- memory: plain or secure (wiped), recorded per node ---- */

static void *mem_alloc(bool secure, size_t n) {
        void *p = secure ? secure_alloc(n) : malloc(n ? n : 1);
        if (p)
                memset(p, 0, n);
        return p;
}

static void mem_free(bool secure, void *p) {
        if (secure)
                secure_free(p);
        else
                free(p);
}

/* ---- positions and errors ---- */

static unsigned column_of(const Parser *p, size_t pos) {
        unsigned col = 1;

        /* columns count characters, not bytes: skip UTF-8 continuation bytes */
        for (size_t i = p->line_start; i < pos && i < p->len; i++)
                if (((unsigned char) p->text[i] & 0xc0) != 0x80)
                        col++;
        return col;
}

static _printf_(3, 4) int fail_at(Parser *p, size_t pos, const char *fmt, ...) {
        char msg[256];
        va_list ap;

        if (p->error_code < 0)
                return p->error_code; /* keep the first error */
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        p->error_code = -EINVAL;
        if (p->error && asprintf(p->error, "%s:%u:%u: %s", p->filename, p->line, column_of(p, pos), msg) < 0)
                *p->error = NULL;
        return -EINVAL;
}

static int fail_limit(Parser *p, const char *what) {
        int r = fail_at(p, p->pos, "%s", what);
        p->error_code = -E2BIG;
        return r < 0 ? -E2BIG : r;
}

static int oom(Parser *p) {
        if (p->error_code >= 0) {
                p->error_code = -ENOMEM;
                if (p->error && asprintf(p->error, "%s: out of memory", p->filename) < 0)
                        *p->error = NULL;
        }
        return -ENOMEM;
}

/* ---- nodes ---- */

static TomlValue *node_new(Parser *p, TomlType type, size_t pos) {
        TomlValue *v = mem_alloc(p->secure, sizeof *v);

        if (!v)
                return NULL;
        v->type = type;
        v->secure = p->secure;
        v->line = p->line;
        v->column = column_of(p, pos);
        return v;
}

void toml_free(TomlValue *v) {
        if (!v)
                return;
        switch (v->type) {
        case TOML_STRING:
                mem_free(v->secure, v->string.data);
                break;
        case TOML_ARRAY:
                for (size_t i = 0; i < v->array.n; i++)
                        toml_free(v->array.items[i]);
                mem_free(v->secure, v->array.items);
                break;
        case TOML_TABLE:
                for (size_t i = 0; i < v->table.n; i++) {
                        mem_free(v->secure, v->table.keys[i]);
                        toml_free(v->table.values[i]);
                }
                mem_free(v->secure, v->table.keys);
                mem_free(v->secure, v->table.values);
                break;
        default:
                break;
        }
        mem_free(v->secure, v);
}

/* Grows an array of pointers from n to at least n+1 entries. */
static int grow(bool secure, void ***arr, size_t n, size_t *capacity) {
        size_t ncap;
        void **na;

        if (n < *capacity)
                return 0;
        ncap = *capacity ? *capacity * 2 : 4;
        na = mem_alloc(secure, ncap * sizeof(void *));
        if (!na)
                return -ENOMEM;
        if (n)
                memcpy(na, *arr, n * sizeof(void *));
        mem_free(secure, *arr);
        *arr = na;
        *capacity = ncap;
        return 0;
}

static int array_append(Parser *p, TomlValue *a, TomlValue *item) {
        if (grow(p->secure, (void ***) &a->array.items, a->array.n, &a->capacity) < 0)
                return oom(p);
        a->array.items[a->array.n++] = item;
        return 0;
}

const TomlValue *toml_table_get(const TomlValue *table, const char *key) {
        if (!table || table->type != TOML_TABLE || !key)
                return NULL;
        for (size_t i = 0; i < table->table.n; i++)
                if (strcmp(table->table.keys[i], key) == 0)
                        return table->table.values[i];
        return NULL;
}

/* Adds key (taken over) = value to table; the caller checked it is new. */
static int table_add(Parser *p, TomlValue *t, char *key, TomlValue *value) {
        size_t cap = t->capacity;

        if (t->table.n >= TOML_MAX_TABLE_ENTRIES)
                return fail_limit(p, "too many keys in one table");
        if (grow(p->secure, (void ***) &t->table.keys, t->table.n, &cap) < 0)
                return oom(p);
        if (cap != t->capacity) {
                void **nv = mem_alloc(p->secure, cap * sizeof(void *));
                if (!nv)
                        return oom(p);
                if (t->table.n)
                        memcpy(nv, t->table.values, t->table.n * sizeof(void *));
                mem_free(p->secure, t->table.values);
                t->table.values = (TomlValue **) nv;
                t->capacity = cap;
        }
        t->table.keys[t->table.n] = key;
        t->table.values[t->table.n] = value;
        t->table.n++;
        return 0;
}

static TomlValue *table_get_mutable(TomlValue *t, const char *key) {
        return (TomlValue *) toml_table_get(t, key);
}

/* ---- lexical helpers ---- */

static bool at_end(const Parser *p) {
        return p->pos >= p->len;
}

static char peek(const Parser *p) {
        return at_end(p) ? 0 : p->text[p->pos];
}

static char peek_at(const Parser *p, size_t off) {
        return p->pos + off >= p->len ? 0 : p->text[p->pos + off];
}

static void skip_ws(Parser *p) {
        while (!at_end(p) && (peek(p) == ' ' || peek(p) == '\t'))
                p->pos++;
}

static bool is_bare_key_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool is_control(unsigned char c) {
        return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* At a comment, a newline or the end: consumes up to and including the
 * newline (CRLF or LF). */
static int expect_eol(Parser *p) {
        skip_ws(p);
        if (peek(p) == '#') {
                p->pos++;
                while (!at_end(p) && peek(p) != '\n' && peek(p) != '\r') {
                        if (is_control((unsigned char) peek(p)))
                                return fail_at(p, p->pos, "control character in comment");
                        p->pos++;
                }
        }
        if (at_end(p))
                return 0;
        if (peek(p) == '\r') {
                if (peek_at(p, 1) != '\n')
                        return fail_at(p, p->pos, "carriage return not followed by a newline");
                p->pos++;
        }
        if (peek(p) != '\n')
                return fail_at(p, p->pos, "expected the end of the line");
        p->pos++;
        p->line++;
        p->line_start = p->pos;
        return 0;
}

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at s (max n bytes), or 0 if invalid
 * (overlong, surrogate, above U+10FFFF, truncated). */
static size_t utf8_sequence_length(const unsigned char *s, size_t n) {
        uint32_t cp;
        size_t len;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                len = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                len = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                len = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

static int check_utf8(Parser *p) {
        const unsigned char *s = (const unsigned char *) p->text;

        for (size_t i = 0; i < p->len;) {
                size_t n;

                if (s[i] == 0) {
                        p->pos = i;
                        return fail_at(p, i, "NUL byte in document");
                }
                n = utf8_sequence_length(s + i, p->len - i);
                if (n == 0)
                        return fail_at(p, i, "invalid UTF-8");
                if (s[i] == '\n') {
                        p->line++;
                        p->line_start = i + 1;
                }
                i += n;
        }
        p->line = 1;
        p->line_start = 0;
        return 0;
}

static size_t utf8_encode(uint32_t cp, char *out) {
        if (cp < 0x80) {
                out[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char) (0xc0 | cp >> 6);
                out[1] = (char) (0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char) (0xe0 | cp >> 12);
                out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char) (0x80 | (cp & 0x3f));
                return 3;
        }
        out[0] = (char) (0xf0 | cp >> 18);
        out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char) (0x80 | (cp & 0x3f));
        return 4;
}

/* ---- strings ---- */

/* Parses a basic ("...") or literal ('...') single-line string at pos into
 * a new buffer (*ret, *ret_len).  The buffer is at most as long as the
 * source span: escapes only shrink. */
static int parse_string(Parser *p, char **ret, size_t *ret_len) {
        char quote = peek(p);
        size_t start = p->pos, end, n = 0;
        char *buf;

        if (peek_at(p, 1) == quote && peek_at(p, 2) == quote)
                return fail_at(p, p->pos, "multi-line strings are not supported");
        p->pos++;

        /* find the closing quote first, to size the buffer */
        for (end = p->pos; end < p->len; end++) {
                char c = p->text[end];
                if (c == '\n' || c == '\r')
                        break;
                if (c == quote)
                        break;
                if (quote == '"' && c == '\\' && end + 1 < p->len && p->text[end + 1] != '\n')
                        end++;
        }
        if (end >= p->len || p->text[end] != quote)
                return fail_at(p, start, "unterminated string");

        buf = mem_alloc(p->secure, end - p->pos + 1);
        if (!buf)
                return oom(p);

        while (p->pos < end) {
                unsigned char c = (unsigned char) p->text[p->pos];

                if (is_control(c)) {
                        mem_free(p->secure, buf);
                        return fail_at(p, p->pos, "control character in string (use an escape)");
                }
                if (quote == '\'' || c != '\\') {
                        buf[n++] = (char) c;
                        p->pos++;
                        continue;
                }
                /* escape */
                p->pos++;
                c = (unsigned char) p->text[p->pos];
                switch (c) {
                case 'b': buf[n++] = '\b'; p->pos++; break;
                case 't': buf[n++] = '\t'; p->pos++; break;
                case 'n': buf[n++] = '\n'; p->pos++; break;
                case 'f': buf[n++] = '\f'; p->pos++; break;
                case 'r': buf[n++] = '\r'; p->pos++; break;
                case '"': buf[n++] = '"'; p->pos++; break;
                case '\\': buf[n++] = '\\'; p->pos++; break;
                case 'u':
                case 'U': {
                        size_t digits = c == 'u' ? 4 : 8;
                        uint32_t cp = 0;

                        for (size_t i = 1; i <= digits; i++) {
                                char h = p->pos + i < end ? p->text[p->pos + i] : 0;
                                int d = (h >= '0' && h <= '9') ? h - '0' :
                                        (h >= 'a' && h <= 'f') ? h - 'a' + 10 :
                                        (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
                                if (d < 0) {
                                        mem_free(p->secure, buf);
                                        return fail_at(p, p->pos - 1, "\\%c needs %zu hex digits", c, digits);
                                }
                                cp = cp << 4 | (uint32_t) d;
                        }
                        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                                mem_free(p->secure, buf);
                                return fail_at(p, p->pos - 1, "escape is not a Unicode scalar value");
                        }
                        n += utf8_encode(cp, buf + n);
                        p->pos += digits + 1;
                        break;
                }
                default:
                        mem_free(p->secure, buf);
                        return fail_at(p, p->pos - 1, "invalid escape sequence");
                }
        }
        p->pos = end + 1;
        buf[n] = 0;
        *ret = buf;
        *ret_len = n;
        return 0;
}

/* ---- keys ---- */

#define MAX_KEY_PARTS TOML_MAX_DEPTH

typedef struct Key {
        char *parts[MAX_KEY_PARTS];
        size_t positions[MAX_KEY_PARTS];
        size_t n;
        bool secure;
} Key;

static void key_done(Key *k) {
        for (size_t i = 0; i < k->n; i++)
                mem_free(k->secure, k->parts[i]);
        k->n = 0;
}

static int parse_simple_key(Parser *p, char **ret) {
        size_t start = p->pos, len;
        char *s;
        int r;

        if (peek(p) == '"' || peek(p) == '\'') {
                r = parse_string(p, &s, &len);
                if (r < 0)
                        return r;
                if (strlen(s) != len) {
                        mem_free(p->secure, s);
                        return fail_at(p, start, "NUL in a key is not supported");
                }
                *ret = s;
                return 0;
        }
        while (!at_end(p) && is_bare_key_char(peek(p)))
                p->pos++;
        if (p->pos == start)
                return fail_at(p, start, "expected a key");
        s = mem_alloc(p->secure, p->pos - start + 1);
        if (!s)
                return oom(p);
        memcpy(s, p->text + start, p->pos - start);
        *ret = s;
        return 0;
}

static int parse_key(Parser *p, Key *k) {
        int r;

        k->secure = p->secure;
        for (;;) {
                if (k->n >= MAX_KEY_PARTS)
                        return fail_limit(p, "key has too many dotted parts");
                k->positions[k->n] = p->pos;
                r = parse_simple_key(p, &k->parts[k->n]);
                if (r < 0)
                        return r;
                k->n++;
                skip_ws(p);
                if (peek(p) != '.')
                        return 0;
                p->pos++;
                skip_ws(p);
        }
}

/* ---- values ---- */

static int parse_value(Parser *p, int depth, TomlValue **ret);

static bool is_value_end(char c) {
        return c == 0 || c == ' ' || c == '\t' || c == ',' || c == ']' || c == '#' || c == '\n' || c == '\r' ||
               c == '}';
}

static int parse_number_or_word(Parser *p, TomlValue **ret) {
        size_t start = p->pos, end = p->pos, i;
        const char *s = p->text + start;
        bool neg = false;
        uint64_t v = 0, limit;
        TomlValue *node;

        while (end < p->len && !is_value_end(p->text[end]))
                end++;
        size_t n = end - start;

        if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0)) {
                node = node_new(p, TOML_BOOLEAN, start);
                if (!node)
                        return oom(p);
                node->boolean = n == 4;
                p->pos = end;
                *ret = node;
                return 0;
        }

        /* classify what we refuse, by shape, so the message names it */
        i = (n > 0 && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
        if ((n - i == 3 && (memcmp(s + i, "inf", 3) == 0 || memcmp(s + i, "nan", 3) == 0)))
                return fail_at(p, start, "floats are not supported");
        if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b'))
                return fail_at(p, start, "hexadecimal, octal and binary integers are not supported");
        if (memchr(s, ':', n) || (n >= 5 && s[4] == '-' && s[0] >= '0' && s[0] <= '9'))
                return fail_at(p, start, "dates and times are not supported");
        for (size_t j = i; j < n; j++)
                if (s[j] == '.' || s[j] == 'e' || s[j] == 'E')
                        return fail_at(p, start, "floats are not supported");

        /* decimal integer: [+-]? (0 | [1-9] ( _? [0-9] )*) */
        if (i == n || s[i] < '0' || s[i] > '9')
                return fail_at(p, start, n == 0 ? "expected a value" : "invalid value (strings need quotes)");
        neg = s[0] == '-';
        if (s[i] == '0' && i + 1 < n)
                return fail_at(p, start, "leading zeros are not allowed in integers");
        limit = neg ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;
        for (size_t j = i; j < n; j++) {
                char c = s[j];
                if (c == '_') {
                        if (j == i || j + 1 >= n || s[j + 1] < '0' || s[j + 1] > '9' || s[j - 1] < '0' || s[j - 1] > '9')
                                return fail_at(p, start + j, "'_' must be between digits");
                        continue;
                }
                if (c < '0' || c > '9')
                        return fail_at(p, start + j, "invalid character in integer");
                if (v > (limit - (uint64_t) (c - '0')) / 10)
                        return fail_at(p, start, "integer does not fit in 64 bits");
                v = v * 10 + (uint64_t) (c - '0');
        }
        node = node_new(p, TOML_INTEGER, start);
        if (!node)
                return oom(p);
        node->integer = neg ? (v == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) v) : (int64_t) v;
        p->pos = end;
        *ret = node;
        return 0;
}

static int parse_array(Parser *p, int depth, TomlValue **ret) {
        TomlValue *a;
        int r;

        if (depth >= TOML_MAX_DEPTH)
                return fail_limit(p, "arrays nested too deeply");
        a = node_new(p, TOML_ARRAY, p->pos);
        if (!a)
                return oom(p);
        p->pos++; /* [ */
        for (;;) {
                TomlValue *item = NULL;

                skip_ws(p);
                if (at_end(p) || peek(p) == '\n' || peek(p) == '\r' || peek(p) == '#') {
                        toml_free(a);
                        return fail_at(p, p->pos, "arrays must be written on one line");
                }
                if (peek(p) == ']')
                        break;
                r = parse_value(p, depth + 1, &item);
                if (r < 0) {
                        toml_free(a);
                        return r;
                }
                r = array_append(p, a, item);
                if (r < 0) {
                        toml_free(item);
                        toml_free(a);
                        return r;
                }
                skip_ws(p);
                if (peek(p) == ',') {
                        p->pos++;
                        continue;
                }
                if (peek(p) == ']')
                        break;
                toml_free(a);
                if (at_end(p) || peek(p) == '\n' || peek(p) == '\r' || peek(p) == '#')
                        return fail_at(p, p->pos, "arrays must be written on one line");
                return fail_at(p, p->pos, "expected ',' or ']' in array");
        }
        p->pos++; /* ] */
        *ret = a;
        return 0;
}

static int parse_value(Parser *p, int depth, TomlValue **ret) {
        size_t start = p->pos;
        char c = peek(p);

        if (c == '"' || c == '\'') {
                TomlValue *v;
                char *s;
                size_t len;
                int r = parse_string(p, &s, &len);
                if (r < 0)
                        return r;
                v = node_new(p, TOML_STRING, start);
                if (!v) {
                        mem_free(p->secure, s);
                        return oom(p);
                }
                v->string.data = s;
                v->string.len = len;
                *ret = v;
                return 0;
        }
        if (c == '[')
                return parse_array(p, depth, ret);
        if (c == '{')
                return fail_at(p, start, "inline tables are not supported");
        return parse_number_or_word(p, ret);
}

/* ---- tables and key/value pairs ---- */

static bool table_is_explicit(const Parser *p, const TomlValue *t) {
        /* A table is closed to [header] redefinition and to dotted keys of
         * later sections once a header defined it, or once dotted keys of an
         * earlier section created it (TOML 1.0, as tomllib reads it). */
        return t->explicit_table || (t->dotted_section != 0 && t->dotted_section != p->section);
}

/* Descends from t into the sub-table named key, creating it if missing. */
static int descend(Parser *p, TomlValue *t, char *key, size_t pos, TomlValue **ret, bool *created) {
        TomlValue *sub = table_get_mutable(t, key);
        char *k;

        *created = false;
        if (sub) {
                if (sub->type != TOML_TABLE)
                        return fail_at(p, pos, "key already holds a value, cannot be a table");
                *ret = sub;
                return 0;
        }
        sub = node_new(p, TOML_TABLE, pos);
        if (!sub)
                return oom(p);
        k = mem_alloc(p->secure, strlen(key) + 1);
        if (!k) {
                toml_free(sub);
                return oom(p);
        }
        strcpy(k, key);
        if (table_add(p, t, k, sub) < 0) {
                mem_free(p->secure, k);
                toml_free(sub);
                return p->error_code;
        }
        *created = true;
        *ret = sub;
        return 0;
}

static int parse_table_header(Parser *p, TomlValue *root, TomlValue **current, unsigned *ret_depth) {
        size_t start = p->pos;
        Key k = {};
        TomlValue *t = root;
        bool created = false;
        int r;

        if (peek_at(p, 1) == '[')
                return fail_at(p, start, "arrays of tables ([[...]]) are not supported");
        p->pos++;
        p->section++;
        skip_ws(p);
        r = parse_key(p, &k);
        if (r < 0)
                goto out;
        skip_ws(p);
        if (peek(p) != ']') {
                r = fail_at(p, p->pos, "expected ']' at the end of the table header");
                goto out;
        }
        p->pos++;

        for (size_t i = 0; i < k.n; i++) {
                r = descend(p, t, k.parts[i], k.positions[i], &t, &created);
                if (r < 0)
                        goto out;
        }
        if (!created && table_is_explicit(p, t)) {
                r = fail_at(p, start, "table defined twice");
                goto out;
        }
        t->explicit_table = true;
        *ret_depth = (unsigned) k.n;
        t->line = p->line;
        t->column = column_of(p, start);
        *current = t;
        r = expect_eol(p);
out:
        key_done(&k);
        return r;
}

static int parse_key_value(Parser *p, TomlValue *current, unsigned header_depth) {
        Key k = {};
        TomlValue *t = current, *value = NULL;
        bool created;
        int r;

        r = parse_key(p, &k);
        if (r < 0)
                goto out;
        if (header_depth + k.n > TOML_MAX_DEPTH) {
                r = fail_limit(p, "tables nested too deeply");
                goto out;
        }
        skip_ws(p);
        if (peek(p) != '=') {
                r = fail_at(p, p->pos, "expected '=' after the key");
                goto out;
        }
        p->pos++;
        skip_ws(p);

        for (size_t i = 0; i + 1 < k.n; i++) {
                r = descend(p, t, k.parts[i], k.positions[i], &t, &created);
                if (r < 0)
                        goto out;
                if (!created && table_is_explicit(p, t)) {
                        r = fail_at(p, k.positions[i], "cannot add to a table defined elsewhere with dotted keys");
                        goto out;
                }
                t->dotted_section = p->section;
        }
        if (toml_table_get(t, k.parts[k.n - 1])) {
                r = fail_at(p, k.positions[k.n - 1], "duplicate key");
                goto out;
        }
        if (at_end(p) || peek(p) == '\n' || peek(p) == '\r' || peek(p) == '#') {
                r = fail_at(p, p->pos, "expected a value after '='");
                goto out;
        }
        r = parse_value(p, header_depth + (unsigned) k.n, &value);
        if (r < 0)
                goto out;
        r = table_add(p, t, k.parts[k.n - 1], value);
        if (r < 0) {
                toml_free(value);
                goto out;
        }
        k.n--; /* the last part now belongs to the table */
        r = expect_eol(p);
out:
        key_done(&k);
        return r;
}

int toml_parse(const char *text, size_t len, const char *filename, unsigned flags, TomlValue **ret,
               char **error) {
        Parser p = {
                .text = text,
                .len = len,
                .filename = filename ? filename : "<input>",
                .secure = flags & TOML_PARSE_SECURE,
                .line = 1,
                .section = 1,
                .error = error,
        };
        TomlValue *root, *current;
        unsigned header_depth = 0;
        int r;

        if (error)
                *error = NULL;
        if (len > TOML_MAX_SIZE)
                return fail_limit(&p, "document larger than 1 MiB");
        r = check_utf8(&p);
        if (r < 0)
                return r;

        root = node_new(&p, TOML_TABLE, 0);
        if (!root)
                return oom(&p);
        root->explicit_table = true;
        current = root;

        while (!at_end(&p)) {
                skip_ws(&p);
                if (at_end(&p))
                        break;
                switch (peek(&p)) {
                case '#':
                case '\n':
                case '\r':
                        r = expect_eol(&p);
                        break;
                case '[':
                        r = parse_table_header(&p, root, &current, &header_depth);
                        break;
                default:
                        r = parse_key_value(&p, current, header_depth);
                        break;
                }
                if (r < 0) {
                        toml_free(root);
                        return p.error_code < 0 ? p.error_code : r;
                }
        }
        *ret = root;
        return 0;
}

/* ---- typed getters ---- */

int toml_table_get_string(const TomlValue *table, const char *key, const char **ret) {
        const TomlValue *v = toml_table_get(table, key);

        if (!v)
                return -ENOENT;
        if (v->type != TOML_STRING)
                return -EMEDIUMTYPE;
        *ret = v->string.data;
        return 0;
}

int toml_table_get_integer(const TomlValue *table, const char *key, int64_t *ret) {
        const TomlValue *v = toml_table_get(table, key);

        if (!v)
                return -ENOENT;
        if (v->type != TOML_INTEGER)
                return -EMEDIUMTYPE;
        *ret = v->integer;
        return 0;
}

int toml_table_get_boolean(const TomlValue *table, const char *key, bool *ret) {
        const TomlValue *v = toml_table_get(table, key);

        if (!v)
                return -ENOENT;
        if (v->type != TOML_BOOLEAN)
                return -EMEDIUMTYPE;
        *ret = v->boolean;
        return 0;
}

const char *toml_type_name(TomlType t) {
        switch (t) {
        case TOML_STRING:
                return "string";
        case TOML_INTEGER:
                return "integer";
        case TOML_BOOLEAN:
                return "boolean";
        case TOML_ARRAY:
                return "array";
        case TOML_TABLE:
                return "table";
        }
        return "unknown";
}

int toml_quote_string(const char *s, size_t len, char **ret) {
        /* worst case every byte becomes \u00XX */
        char *out = malloc(len * 6 + 3), *o;

        if (!out)
                return -ENOMEM;
        o = out;
        *o++ = '"';
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];
                switch (c) {
                case '"': *o++ = '\\'; *o++ = '"'; break;
                case '\\': *o++ = '\\'; *o++ = '\\'; break;
                case '\b': *o++ = '\\'; *o++ = 'b'; break;
                case '\t': *o++ = '\\'; *o++ = 't'; break;
                case '\n': *o++ = '\\'; *o++ = 'n'; break;
                case '\f': *o++ = '\\'; *o++ = 'f'; break;
                case '\r': *o++ = '\\'; *o++ = 'r'; break;
                default:
                        if (c < 0x20 || c == 0x7f)
                                o += sprintf(o, "\\u%04X", c);
                        else
                                *o++ = (char) c;
                }
        }
        *o++ = '"';
        *o = 0;
        *ret = out;
        return 0;
}
