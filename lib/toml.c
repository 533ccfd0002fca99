/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The strict TOML subset of toml.h.  A hand-written recursive-descent parser
 * over one line at a time: every construct outside the subset is recognised
 * and refused by name, so nothing is ever half-understood.  Recursion only
 * follows nested arrays, bounded by TOML_MAX_DEPTH; work is linear in the
 * input apart from key lookups, which TOML_MAX_TABLE_ENTRIES bounds. */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "secure.h"
#include "toml.h"
#include "util.h"

typedef struct Parser {
        const char *text;
        size_t len, pos;
        const char *filename;
        bool secure;
        unsigned line;       /* 1-based line of pos */
        size_t line_start;   /* offset of the first byte of that line */
        unsigned section;    /* incremented at every [header] */
        /* Last computed column, so that positions along one long line cost
         * linear time in total, not quadratic. */
        size_t column_line_start, column_pos;
        unsigned column;
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

static char *mem_strndup(bool secure, const char *s, size_t n) {
        char *d = mem_alloc(secure, n + 1);

        if (d)
                memcpy(d, s, n);
        return d;
}

/* ---- positions and errors ---- */

/* Columns count characters, not bytes: UTF-8 continuation bytes are skipped. */
static unsigned column_of(Parser *p, size_t pos) {
        size_t i = p->line_start;
        unsigned col = 1;

        if (p->column_line_start == p->line_start && p->column_pos <= pos) {
                i = p->column_pos;
                col = p->column;
        }
        for (; i < pos && i < p->len; i++)
                if (((unsigned char) p->text[i] & 0xc0) != 0x80)
                        col++;
        p->column_line_start = p->line_start;
        p->column_pos = i;
        p->column = col;
        return col;
}

/* Records the first error as "FILE:LINE:COL: message" (pos is on the current
 * line).  Messages are fixed texts: never any part of the document. */
static _printf_(4, 5) int fail_with(Parser *p, int code, size_t pos, const char *fmt, ...) {
        char msg[256];
        va_list ap;

        if (p->error_code < 0)
                return p->error_code; /* keep the first error */
        p->error_code = code;
        if (!p->error)
                return code;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (asprintf(p->error, "%s:%u:%u: %s", p->filename, p->line, column_of(p, pos), msg) < 0)
                *p->error = NULL;
        return code;
}

#define fail_at(p, pos, ...) fail_with(p, -EINVAL, pos, __VA_ARGS__)
#define fail_limit(p, pos, ...) fail_with(p, -E2BIG, pos, __VA_ARGS__)

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

/* Returns a copy of the n first pointers of old in a new array of ncap
 * entries (old is left alone), or NULL. */
static void **pointers_grown(bool secure, void **old, size_t n, size_t ncap) {
        void **na = mem_alloc(secure, ncap * sizeof(void *));

        if (na && n)
                memcpy(na, old, n * sizeof(void *));
        return na;
}

static size_t capacity_next(size_t capacity) {
        return capacity ? capacity * 2 : 4;
}

/* Appends item to array a.  Takes over item even on failure. */
static int array_append_consume(Parser *p, TomlValue *a, TomlValue *item) {
        if (a->array.n >= a->capacity) {
                size_t ncap = capacity_next(a->capacity);
                void **na = pointers_grown(p->secure, (void **) a->array.items, a->array.n, ncap);

                if (!na) {
                        toml_free(item);
                        return oom(p);
                }
                mem_free(p->secure, a->array.items);
                a->array.items = (TomlValue **) na;
                a->capacity = ncap;
        }
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

static TomlValue *table_get_mutable(TomlValue *t, const char *key) {
        return (TomlValue *) toml_table_get(t, key);
}

/* Adds key = value to table t; the caller checked that key is new.  Takes
 * over key and value even on failure. */
static int table_add_consume(Parser *p, TomlValue *t, char *key, TomlValue *value, size_t pos) {
        if (t->table.n >= TOML_MAX_TABLE_ENTRIES) {
                mem_free(p->secure, key);
                toml_free(value);
                return fail_limit(p, pos, "more than %d keys in one table", TOML_MAX_TABLE_ENTRIES);
        }
        if (t->table.n >= t->capacity) {
                size_t ncap = capacity_next(t->capacity);
                void **nk, **nv;

                nk = pointers_grown(p->secure, (void **) t->table.keys, t->table.n, ncap);
                nv = nk ? pointers_grown(p->secure, (void **) t->table.values, t->table.n, ncap) : NULL;
                if (!nv) {
                        mem_free(p->secure, nk);
                        mem_free(p->secure, key);
                        toml_free(value);
                        return oom(p);
                }
                mem_free(p->secure, t->table.keys);
                mem_free(p->secure, t->table.values);
                t->table.keys = (char **) nk;
                t->table.values = (TomlValue **) nv;
                t->capacity = ncap;
        }
        t->table.keys[t->table.n] = key;
        t->table.values[t->table.n] = value;
        t->table.n++;
        return 0;
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

static bool at_line_end(const Parser *p) {
        return at_end(p) || peek(p) == '\n' || peek(p) == '\r' || peek(p) == '#';
}

static void skip_ws(Parser *p) {
        while (!at_end(p) && (peek(p) == ' ' || peek(p) == '\t'))
                p->pos++;
}

static bool is_bare_key_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* What TOML forbids in strings and comments: C0 controls but tab, and DEL. */
static bool is_control(unsigned char c) {
        return (c < 0x20 && c != '\t') || c == 0x7f;
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
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

/* The whole document is checked first: TOML is UTF-8 without NUL, and the
 * parser below can then treat every byte >= 0x80 as part of a character. */
static int check_utf8(Parser *p) {
        const unsigned char *s = (const unsigned char *) p->text;

        for (size_t i = 0; i < p->len;) {
                size_t n;

                if (s[i] == 0)
                        return fail_at(p, i, "NUL byte in document");
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

/* Offset of the closing quote of the one-line string opening at p->pos, or
 * 0 when the line ends first. */
static size_t string_end(const Parser *p, char quote) {
        for (size_t end = p->pos + 1; end < p->len; end++) {
                char c = p->text[end];

                if (c == '\n' || c == '\r')
                        return 0;
                if (c == quote)
                        return end;
                if (quote == '"' && c == '\\' && end + 1 < p->len && p->text[end + 1] != '\n')
                        end++;
        }
        return 0;
}

/* Decodes \uXXXX or \UXXXXXXXX at p->pos (on the 'u'/'U'); end is the
 * closing quote. */
static int parse_unicode_escape(Parser *p, size_t end, char *out, size_t *n) {
        char c = peek(p);
        size_t digits = c == 'u' ? 4 : 8;
        uint32_t cp = 0;

        for (size_t i = 1; i <= digits; i++) {
                int d = p->pos + i < end ? unhex_char(p->text[p->pos + i]) : -1;

                if (d < 0)
                        return fail_at(p, p->pos - 1, "\\%c needs %zu hex digits", c, digits);
                cp = cp << 4 | (uint32_t) d;
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return fail_at(p, p->pos - 1, "escape is not a Unicode scalar value");
        *n += utf8_encode(cp, out + *n);
        p->pos += digits + 1;
        return 0;
}

/* Decodes the escape at p->pos (on the backslash) into out[*n...]. */
static int parse_escape(Parser *p, size_t end, char *out, size_t *n) {
        static const char simple[][2] = {
                { 'b', '\b' }, { 't', '\t' }, { 'n', '\n' }, { 'f', '\f' },
                { 'r', '\r' }, { '"', '"' },  { '\\', '\\' },
        };
        char c;

        p->pos++;
        c = peek(p);
        if (c == 'u' || c == 'U')
                return parse_unicode_escape(p, end, out, n);
        for (size_t i = 0; i < ELEMENTSOF(simple); i++)
                if (c == simple[i][0]) {
                        out[(*n)++] = simple[i][1];
                        p->pos++;
                        return 0;
                }
        return fail_at(p, p->pos - 1, "invalid escape sequence");
}

/* Parses a basic ("...") or literal ('...') one-line string at p->pos into a
 * new string node.  Its buffer is sized by the source span: escapes only
 * shrink (\uXXXX is 6 bytes for at most 3, \UXXXXXXXX 10 for at most 4). */
static int parse_string(Parser *p, TomlValue **ret) {
        _cleanup_toml_free_ TomlValue *v = NULL;
        char quote = peek(p);
        size_t end;
        char *buf;
        size_t n = 0;
        int r;

        if (peek_at(p, 1) == quote && peek_at(p, 2) == quote)
                return fail_at(p, p->pos, "multi-line strings are not supported");
        end = string_end(p, quote);
        if (end == 0)
                return fail_at(p, p->pos, "unterminated string");
        v = node_new(p, TOML_STRING, p->pos);
        if (!v)
                return oom(p);
        buf = v->string.data = mem_alloc(p->secure, end - p->pos);
        if (!buf)
                return oom(p);

        p->pos++;
        while (p->pos < end) {
                unsigned char c = (unsigned char) p->text[p->pos];

                if (is_control(c))
                        return fail_at(p, p->pos, "control character in string (use an escape)");
                if (quote == '"' && c == '\\') {
                        r = parse_escape(p, end, buf, &n);
                        if (r < 0)
                                return r;
                        continue;
                }
                buf[n++] = (char) c;
                p->pos++;
        }
        p->pos = end + 1;
        v->string.len = n;
        *ret = TAKE_PTR(v);
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

static int parse_quoted_key(Parser *p, char **ret) {
        _cleanup_toml_free_ TomlValue *s = NULL;
        size_t start = p->pos;
        int r;

        r = parse_string(p, &s);
        if (r < 0)
                return r;
        if (strlen(s->string.data) != s->string.len)
                return fail_at(p, start, "NUL in a key is not supported");
        *ret = TAKE_PTR(s->string.data);
        return 0;
}

static int parse_simple_key(Parser *p, char **ret) {
        size_t start = p->pos;

        if (peek(p) == '"' || peek(p) == '\'')
                return parse_quoted_key(p, ret);
        while (!at_end(p) && is_bare_key_char(peek(p)))
                p->pos++;
        if (p->pos == start)
                return fail_at(p, start, "expected a key");
        *ret = mem_strndup(p->secure, p->text + start, p->pos - start);
        return *ret ? 0 : oom(p);
}

/* key ( '.' key )*, with blanks around the dots. */
static int parse_key(Parser *p, Key *k) {
        int r;

        k->secure = p->secure;
        for (;;) {
                if (k->n >= MAX_KEY_PARTS)
                        return fail_limit(p, p->pos, "key has more than %d dotted parts", MAX_KEY_PARTS);
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

static int parse_value(Parser *p, unsigned depth, TomlValue **ret);

static bool is_value_end(char c) {
        return c == 0 || c == ' ' || c == '\t' || c == ',' || c == ']' || c == '#' || c == '\n' || c == '\r' ||
               c == '}';
}

/* Names what the token s[0..n) is when it looks like a TOML value outside
 * the subset, so the message says what is not supported; NULL otherwise. */
static const char *unsupported_kind(const char *s, size_t n) {
        size_t i = n > 0 && (s[0] == '+' || s[0] == '-') ? 1 : 0;

        if (n - i == 3 && (memcmp(s + i, "inf", 3) == 0 || memcmp(s + i, "nan", 3) == 0))
                return "floats are not supported";
        if (i == n || !is_digit(s[i]))
                return NULL; /* not a number of any kind */
        if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b'))
                return "hexadecimal, octal and binary integers are not supported";
        if (i == 0 && (memchr(s, ':', n) || (n >= 5 && s[4] == '-')))
                return "dates and times are not supported";
        for (size_t j = i; j < n; j++)
                if (s[j] == '.' || s[j] == 'e' || s[j] == 'E')
                        return "floats are not supported";
        return NULL;
}

/* Decimal integer: [+-]? (0 | [1-9] ( _? [0-9] )*), within int64. */
static int parse_integer(Parser *p, size_t start, size_t n, int64_t *ret) {
        const char *s = p->text + start;
        size_t i = n > 0 && (s[0] == '+' || s[0] == '-') ? 1 : 0;
        bool neg = n > 0 && s[0] == '-';
        uint64_t v = 0, limit = neg ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;

        if (i == n || !is_digit(s[i]))
                return fail_at(p, start, n == 0 ? "expected a value" : "invalid value (strings need quotes)");
        if (s[i] == '0' && i + 1 < n)
                return fail_at(p, start, "leading zeros are not allowed in integers");
        for (size_t j = i; j < n; j++) {
                char c = s[j];

                if (c == '_') {
                        if (j + 1 >= n || !is_digit(s[j + 1]) || !is_digit(s[j - 1]))
                                return fail_at(p, start + j, "'_' must be between digits");
                        continue;
                }
                if (!is_digit(c))
                        return fail_at(p, start + j, "invalid character in integer");
                if (v > (limit - (uint64_t) (c - '0')) / 10)
                        return fail_at(p, start, "integer does not fit in 64 bits");
                v = v * 10 + (uint64_t) (c - '0');
        }
        *ret = neg ? (v == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) v) : (int64_t) v;
        return 0;
}

static int parse_number_or_word(Parser *p, TomlValue **ret) {
        size_t start = p->pos, end = p->pos, n;
        const char *s = p->text + start, *kind;
        TomlValue *v;
        int64_t i = 0;
        bool is_bool;
        int r;

        while (end < p->len && !is_value_end(p->text[end]))
                end++;
        n = end - start;
        is_bool = (n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0);
        if (!is_bool) {
                kind = unsupported_kind(s, n);
                if (kind)
                        return fail_at(p, start, "%s", kind);
                r = parse_integer(p, start, n, &i);
                if (r < 0)
                        return r;
        }
        v = node_new(p, is_bool ? TOML_BOOLEAN : TOML_INTEGER, start);
        if (!v)
                return oom(p);
        if (is_bool)
                v->boolean = n == 4;
        else
                v->integer = i;
        p->pos = end;
        *ret = v;
        return 0;
}

/* One-line array; depth is the array's own depth (see parse_value()). */
static int parse_array(Parser *p, unsigned depth, TomlValue **ret) {
        _cleanup_toml_free_ TomlValue *a = NULL;
        int r;

        a = node_new(p, TOML_ARRAY, p->pos);
        if (!a)
                return oom(p);
        p->pos++; /* [ */
        for (;;) {
                TomlValue *item = NULL;

                skip_ws(p);
                if (at_line_end(p))
                        return fail_at(p, p->pos, "arrays must be written on one line");
                if (peek(p) == ']')
                        break;
                r = parse_value(p, depth + 1, &item);
                if (r < 0)
                        return r;
                r = array_append_consume(p, a, item);
                if (r < 0)
                        return r;
                skip_ws(p);
                if (peek(p) == ',') {
                        p->pos++;
                        continue;
                }
                if (peek(p) == ']')
                        break;
                if (at_line_end(p))
                        return fail_at(p, p->pos, "arrays must be written on one line");
                return fail_at(p, p->pos, "expected ',' or ']' in array");
        }
        p->pos++; /* ] */
        *ret = TAKE_PTR(a);
        return 0;
}

/* depth: steps from the root table to this value (1 for a top-level key's
 * value, +1 per array level). */
static int parse_value(Parser *p, unsigned depth, TomlValue **ret) {
        if (depth > TOML_MAX_DEPTH)
                return fail_limit(p, p->pos, "tables and arrays nested more than %d deep", TOML_MAX_DEPTH);
        switch (peek(p)) {
        case '"':
        case '\'':
                return parse_string(p, ret);
        case '[':
                return parse_array(p, depth, ret);
        case '{':
                return fail_at(p, p->pos, "inline tables are not supported");
        default:
                return parse_number_or_word(p, ret);
        }
}

/* ---- tables and key/value pairs ---- */

static bool table_is_explicit(const Parser *p, const TomlValue *t) {
        /* A table is closed to [header] redefinition and to dotted keys of
         * later sections once a header defined it, or once dotted keys of an
         * earlier section created it (TOML 1.0, as tomllib reads it). */
        return t->explicit_table || (t->dotted_section != 0 && t->dotted_section != p->section);
}

/* Descends from t into the sub-table named key, creating it if missing. */
static int descend(Parser *p, TomlValue *t, const char *key, size_t pos, TomlValue **ret, bool *created) {
        TomlValue *sub = table_get_mutable(t, key);
        char *k;
        int r;

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
        k = mem_strndup(p->secure, key, strlen(key));
        if (!k) {
                toml_free(sub);
                return oom(p);
        }
        r = table_add_consume(p, t, k, sub, pos);
        if (r < 0)
                return r;
        *created = true;
        *ret = sub;
        return 0;
}

static int parse_table_header(Parser *p, TomlValue *root, TomlValue **current, unsigned *ret_depth) {
        _cleanup_(key_done) Key k = {};
        size_t start = p->pos;
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
                return r;
        skip_ws(p);
        if (peek(p) != ']')
                return fail_at(p, p->pos, "expected ']' at the end of the table header");
        p->pos++;

        for (size_t i = 0; i < k.n; i++) {
                r = descend(p, t, k.parts[i], k.positions[i], &t, &created);
                if (r < 0)
                        return r;
        }
        if (!created && table_is_explicit(p, t))
                return fail_at(p, start, "table defined twice");
        t->explicit_table = true;
        t->line = p->line;
        t->column = column_of(p, start);
        *current = t;
        *ret_depth = (unsigned) k.n;
        return expect_eol(p);
}

/* Walks (creating as needed) the tables named by all but the last part of
 * a dotted key, from the current table t. */
static int descend_dotted(Parser *p, const Key *k, TomlValue *t, TomlValue **ret) {
        for (size_t i = 0; i + 1 < k->n; i++) {
                bool created;
                int r = descend(p, t, k->parts[i], k->positions[i], &t, &created);

                if (r < 0)
                        return r;
                if (!created && table_is_explicit(p, t))
                        return fail_at(p, k->positions[i],
                                       "cannot add to a table defined elsewhere with dotted keys");
                t->dotted_section = p->section;
        }
        *ret = t;
        return 0;
}

static int parse_key_value(Parser *p, TomlValue *current, unsigned header_depth) {
        _cleanup_(key_done) Key k = {};
        TomlValue *t = NULL, *value = NULL;
        size_t last;
        int r;

        r = parse_key(p, &k);
        if (r < 0)
                return r;
        last = k.n - 1;
        if (header_depth + k.n > TOML_MAX_DEPTH) /* point at the first part too deep */
                return fail_limit(p, k.positions[TOML_MAX_DEPTH - header_depth],
                                  "tables and arrays nested more than %d deep", TOML_MAX_DEPTH);
        skip_ws(p);
        if (peek(p) != '=')
                return fail_at(p, p->pos, "expected '=' after the key");
        p->pos++;
        skip_ws(p);

        r = descend_dotted(p, &k, current, &t);
        if (r < 0)
                return r;
        if (toml_table_get(t, k.parts[last]))
                return fail_at(p, k.positions[last], "duplicate key");
        if (at_line_end(p))
                return fail_at(p, p->pos, "expected a value after '='");
        r = parse_value(p, header_depth + (unsigned) k.n, &value);
        if (r < 0)
                return r;
        r = table_add_consume(p, t, TAKE_PTR(k.parts[last]), value, k.positions[last]);
        if (r < 0)
                return r;
        return expect_eol(p);
}

static int parse_document(Parser *p, TomlValue *root) {
        TomlValue *current = root;
        unsigned header_depth = 0;

        while (!at_end(p)) {
                int r;

                skip_ws(p);
                if (at_end(p))
                        break;
                switch (peek(p)) {
                case '#':
                case '\n':
                case '\r':
                        r = expect_eol(p);
                        break;
                case '[':
                        r = parse_table_header(p, root, &current, &header_depth);
                        break;
                default:
                        r = parse_key_value(p, current, header_depth);
                        break;
                }
                if (r < 0)
                        return p->error_code < 0 ? p->error_code : r;
        }
        return 0;
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
                .column = 1,
                .error = error,
        };
        _cleanup_toml_free_ TomlValue *root = NULL;
        int r;

        if (error)
                *error = NULL;
        if (len > TOML_MAX_SIZE)
                return fail_limit(&p, 0, "document larger than %d bytes", TOML_MAX_SIZE);
        r = check_utf8(&p);
        if (r < 0)
                return r;

        root = node_new(&p, TOML_TABLE, 0);
        if (!root)
                return oom(&p);
        root->explicit_table = true;
        r = parse_document(&p, root);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(root);
        return 0;
}

/* ---- typed getters ---- */

int toml_table_get_typed(const TomlValue *table, const char *key, TomlType type, const TomlValue **ret) {
        const TomlValue *v = toml_table_get(table, key);

        *ret = v;
        if (!v)
                return -ENOENT;
        return v->type == type ? 0 : -EMEDIUMTYPE;
}

int toml_table_get_string(const TomlValue *table, const char *key, const char **ret) {
        const TomlValue *v;
        int r = toml_table_get_typed(table, key, TOML_STRING, &v);

        if (r >= 0)
                *ret = v->string.data;
        return r;
}

int toml_table_get_integer(const TomlValue *table, const char *key, int64_t *ret) {
        const TomlValue *v;
        int r = toml_table_get_typed(table, key, TOML_INTEGER, &v);

        if (r >= 0)
                *ret = v->integer;
        return r;
}

int toml_table_get_boolean(const TomlValue *table, const char *key, bool *ret) {
        const TomlValue *v;
        int r = toml_table_get_typed(table, key, TOML_BOOLEAN, &v);

        if (r >= 0)
                *ret = v->boolean;
        return r;
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
        char *out, *o;

        /* worst case every byte becomes \u00XX */
        if (len > (SIZE_MAX - 3) / 6)
                return -ENOMEM;
        out = malloc(len * 6 + 3);
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
