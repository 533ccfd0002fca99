/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The TOML 1.0 parser of toml.h.  Hand-written recursive descent over the
 * whole document: statements line by line, values (multi-line strings and
 * arrays, inline tables) across lines where TOML allows it.  Numbers are
 * read in toml-number.c, dates and times in toml-datetime.c.  Recursion
 * only follows nested arrays and inline tables, bounded by TOML_MAX_DEPTH;
 * work is linear in the input apart from key lookups, which
 * TOML_MAX_TABLE_ENTRIES bounds.
 *
 * How tables may be defined (TOML 1.0 as tomllib reads it) is kept on the
 * nodes: explicit_table for one defined by a [header] (or an element of an
 * array of tables), dotted_section for one that dotted keys created or
 * used, and in which section (a [header] or an inline table) they did,
 * frozen for an inline table or an array written as a value. */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "secure.h"
#include "toml-datetime.h"
#include "toml-number.h"
#include "toml.h"
#include "util.h"

typedef struct Parser {
        const char *text;
        size_t len, pos;
        const char *filename;
        bool secure;
        unsigned line;       /* 1-based line of pos */
        size_t line_start;   /* offset of the first byte of that line */
        unsigned section;    /* the current [header] section or inline table */
        unsigned sections;   /* the last section number given out */
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

/* Line and column of pos: on the current line, or on an earlier one (a key
 * reported after its multi-line value), which is counted back to. */
static void position_of(Parser *p, size_t pos, unsigned *ret_line, unsigned *ret_column) {
        size_t start = p->line_start;
        unsigned line = p->line, col = 1;

        if (pos >= start) {
                *ret_line = line;
                *ret_column = column_of(p, pos);
                return;
        }
        while (start > 0 && pos < start) {
                start--; /* the newline ending the line before */
                while (start > 0 && p->text[start - 1] != '\n')
                        start--;
                line--;
        }
        for (size_t i = start; i < pos; i++)
                if (((unsigned char) p->text[i] & 0xc0) != 0x80)
                        col++;
        *ret_line = line;
        *ret_column = col;
}

/* Records the first error as "FILE:LINE:COL: message".  Messages are fixed
 * texts: never any part of the document. */
static _printf_(4, 5) int fail_with(Parser *p, int code, size_t pos, const char *fmt, ...) {
        char msg[256];
        unsigned line, col;
        va_list ap;

        if (p->error_code < 0)
                return p->error_code; /* keep the first error */
        p->error_code = code;
        if (!p->error)
                return code;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        position_of(p, pos, &line, &col);
        if (asprintf(p->error, "%s:%u:%u: %s", p->filename, line, col, msg) < 0)
                *p->error = NULL;
        return code;
}

#define fail_at(p, pos, ...) fail_with(p, -EINVAL, pos, __VA_ARGS__)
#define fail_limit(p, pos, ...) fail_with(p, -E2BIG, pos, __VA_ARGS__)
#define fail_depth(p, pos) fail_limit(p, pos, "tables and arrays nested more than %d deep", TOML_MAX_DEPTH)

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
        position_of(p, pos, &v->line, &v->column);
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

/* Adds a new node of that type under key (a copy) to table t. */
static int table_add_new(Parser *p, TomlValue *t, const char *key, TomlType type, size_t pos, TomlValue **ret) {
        TomlValue *v = node_new(p, type, pos);
        char *k;
        int r;

        if (!v)
                return oom(p);
        k = mem_strndup(p->secure, key, strlen(key));
        if (!k) {
                toml_free(v);
                return oom(p);
        }
        r = table_add_consume(p, t, k, v, pos);
        if (r < 0)
                return r;
        *ret = v;
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

/* At '\n' or "\r\n": steps onto the next line. */
static int step_newline(Parser *p) {
        if (peek(p) == '\r') {
                if (peek_at(p, 1) != '\n')
                        return fail_at(p, p->pos, "carriage return not followed by a newline");
                p->pos++;
        }
        p->pos++;
        p->line++;
        p->line_start = p->pos;
        return 0;
}

/* At '#': the comment, up to the line end. */
static int skip_comment(Parser *p) {
        for (p->pos++; !at_end(p) && peek(p) != '\n' && peek(p) != '\r'; p->pos++)
                if (is_control((unsigned char) peek(p)))
                        return fail_at(p, p->pos, "control character in comment");
        return 0;
}

/* At a comment, a newline or the end: consumes up to and including the
 * newline (CRLF or LF). */
static int expect_eol(Parser *p) {
        skip_ws(p);
        if (peek(p) == '#') {
                int r = skip_comment(p);
                if (r < 0)
                        return r;
        }
        if (at_end(p))
                return 0;
        if (peek(p) != '\n' && peek(p) != '\r')
                return fail_at(p, p->pos, "expected the end of the line");
        return step_newline(p);
}

/* Blanks, comments and newlines: what may come between array items. */
static int skip_ws_comments_newlines(Parser *p) {
        for (;;) {
                int r = 0;

                skip_ws(p);
                if (peek(p) == '#')
                        r = skip_comment(p);
                if (r < 0)
                        return r;
                if (peek(p) != '\n' && peek(p) != '\r')
                        return 0;
                r = step_newline(p);
                if (r < 0)
                        return r;
        }
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
        c = p->pos < end ? peek(p) : 0;
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

/* Offset of the closing delimiter of the multi-line string whose content
 * starts at from: the first three quotes not escaped, then up to two more
 * quotes are content.  0 when there is none. */
static size_t multiline_end(const Parser *p, size_t from, char quote) {
        for (size_t i = from; i + 2 < p->len; i++) {
                const char *s = p->text + i;

                if (quote == '"' && s[0] == '\\') {
                        i++; /* an escaped character is never a delimiter */
                        continue;
                }
                if (s[0] == quote && s[1] == quote && s[2] == quote) {
                        for (size_t extra = 0; extra < 2 && i + 3 < p->len && p->text[i + 3] == quote; extra++)
                                i++;
                        return i;
                }
        }
        return 0;
}

/* At a backslash in a multi-line basic string: a backslash ending a line
 * takes the newline and every blank and newline after it along; any other
 * is an escape. */
static int parse_multiline_escape(Parser *p, size_t end, char *out, size_t *n) {
        size_t i = p->pos + 1;

        while (i < end && (p->text[i] == ' ' || p->text[i] == '\t'))
                i++;
        if (i >= end || (p->text[i] != '\n' && p->text[i] != '\r'))
                return parse_escape(p, end, out, n);
        p->pos = i;
        while (p->pos < end) {
                char c = peek(p);
                int r;

                if (c == ' ' || c == '\t') {
                        p->pos++;
                        continue;
                }
                if (c != '\n' && c != '\r')
                        break;
                r = step_newline(p);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A multi-line basic ("""...""") or literal ('''...''') string at p->pos.
 * The buffer is sized by the source span, as in parse_string(): CRLF read
 * as LF and trimmed newlines only shrink it too. */
static int parse_multiline_string(Parser *p, TomlValue **ret) {
        _cleanup_toml_free_ TomlValue *v = NULL;
        char quote = peek(p);
        size_t open = p->pos, end;
        char *buf;
        size_t n = 0;
        int r;

        end = multiline_end(p, open + 3, quote);
        if (end == 0)
                return fail_at(p, open, "unterminated multi-line string");
        v = node_new(p, TOML_STRING, open);
        if (!v)
                return oom(p);
        buf = v->string.data = mem_alloc(p->secure, end - open);
        if (!buf)
                return oom(p);

        p->pos = open + 3;
        /* a newline right after the opening delimiter is not part of the string */
        if (peek(p) == '\n' || (peek(p) == '\r' && peek_at(p, 1) == '\n'))
                (void) step_newline(p);
        while (p->pos < end) {
                unsigned char c = (unsigned char) p->text[p->pos];

                if (c == '\n' || c == '\r') {
                        r = step_newline(p);
                        if (r < 0)
                                return r;
                        buf[n++] = '\n';
                        continue;
                }
                if (is_control(c))
                        return fail_at(p, p->pos, "control character in string (use an escape)");
                if (quote == '"' && c == '\\') {
                        r = parse_multiline_escape(p, end, buf, &n);
                        if (r < 0)
                                return r;
                        continue;
                }
                buf[n++] = (char) c;
                p->pos++;
        }
        p->pos = end + 3;
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

/* A quoted key is a one-line string: '"""' is the empty key and a quote. */
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
static int parse_keyval(Parser *p, TomlValue *t, unsigned depth);

static bool is_value_end(char c) {
        return c == 0 || c == ' ' || c == '\t' || c == ',' || c == ']' || c == '#' || c == '\n' || c == '\r' ||
               c == '}';
}

static bool is_date(const char *s) {
        for (size_t i = 0; i < 10; i++)
                if (i == 4 || i == 7 ? s[i] != '-' : !is_digit(s[i]))
                        return false;
        return true;
}

/* End of the bare value (number, boolean, date/time) at p->pos: up to a
 * blank, ',', ']', '}', '#' or the line end, or, after a date, past the
 * space before a time (1979-05-27 07:32:00). */
static size_t bare_value_end(const Parser *p) {
        size_t end = p->pos;

        while (end < p->len && !is_value_end(p->text[end]))
                end++;
        if (end - p->pos == 10 && end + 1 < p->len && p->text[end] == ' ' && is_digit(p->text[end + 1]) &&
            is_date(p->text + p->pos))
                for (end++; end < p->len && !is_value_end(p->text[end]); end++)
                        ;
        return end;
}

/* Booleans, numbers, dates and times: the token is cut first and then
 * read whole, so anything after a valid prefix is an error of the value. */
static int parse_bare_value(Parser *p, TomlValue **ret) {
        _cleanup_toml_free_ TomlValue *v = NULL;
        size_t start = p->pos, end = bare_value_end(p), n = end - start, offset = 0;
        const char *s = p->text + start, *message = NULL;
        int r;

        v = node_new(p, TOML_BOOLEAN, start);
        if (!v)
                return oom(p);
        if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0)) {
                v->boolean = n == 4;
                r = 0;
        } else if (toml_token_is_datetime(s, n))
                r = toml_scan_datetime(s, n, v, &offset, &message);
        else
                r = toml_scan_number(s, n, p->secure, v, &offset, &message);
        if (r == -ENOMEM)
                return oom(p);
        if (r < 0)
                return fail_at(p, start + offset, "%s", message);
        p->pos = end;
        *ret = TAKE_PTR(v);
        return 0;
}

/* An array value: items across lines, comments, a trailing comma.  depth
 * is the array's own depth (see parse_value()). */
static int parse_array(Parser *p, unsigned depth, TomlValue **ret) {
        _cleanup_toml_free_ TomlValue *a = NULL;
        size_t open = p->pos;
        int r;

        a = node_new(p, TOML_ARRAY, p->pos);
        if (!a)
                return oom(p);
        a->frozen = true;
        p->pos++; /* [ */
        for (;;) {
                TomlValue *item = NULL;

                r = skip_ws_comments_newlines(p);
                if (r < 0)
                        return r;
                if (at_end(p))
                        return fail_at(p, open, "unterminated array (no ']')");
                if (peek(p) == ']')
                        break;
                r = parse_value(p, depth + 1, &item);
                if (r < 0)
                        return r;
                r = array_append_consume(p, a, item);
                if (r < 0)
                        return r;
                r = skip_ws_comments_newlines(p);
                if (r < 0)
                        return r;
                if (peek(p) == ',') {
                        p->pos++;
                        continue;
                }
                if (peek(p) == ']')
                        break;
                if (at_end(p))
                        return fail_at(p, open, "unterminated array (no ']')");
                return fail_at(p, p->pos, "expected ',' or ']' in array");
        }
        p->pos++; /* ] */
        *ret = TAKE_PTR(a);
        return 0;
}

/* An inline table that a newline, a comment or the end cuts short. */
static int inline_table_cut(Parser *p, size_t open) {
        if (at_end(p))
                return fail_at(p, open, "unterminated inline table (no '}')");
        return fail_at(p, p->pos, "inline tables must be written on one line");
}

/* { key = value, ... } on one line (values such as multi-line strings
 * may span lines), no trailing comma; its own section for dotted keys, and
 * complete once closed.  depth is its own depth. */
static int parse_inline_table(Parser *p, unsigned depth, TomlValue **ret) {
        _cleanup_toml_free_ TomlValue *t = NULL;
        unsigned outer_section = p->section;
        size_t open = p->pos;
        int r;

        t = node_new(p, TOML_TABLE, p->pos);
        if (!t)
                return oom(p);
        p->section = ++p->sections;
        p->pos++; /* { */
        skip_ws(p);
        if (peek(p) != '}')
                for (;;) {
                        if (at_line_end(p))
                                return inline_table_cut(p, open);
                        r = parse_keyval(p, t, depth);
                        if (r < 0)
                                return r;
                        skip_ws(p);
                        if (peek(p) == '}')
                                break;
                        if (at_line_end(p))
                                return inline_table_cut(p, open);
                        if (peek(p) != ',')
                                return fail_at(p, p->pos, "expected ',' or '}' in inline table");
                        p->pos++;
                        skip_ws(p);
                        if (peek(p) == '}')
                                return fail_at(p, p->pos, "no trailing comma in an inline table");
                }
        p->pos++; /* } */
        p->section = outer_section;
        t->frozen = true;
        *ret = TAKE_PTR(t);
        return 0;
}

/* depth: steps from the root table to this value (1 for a top-level key's
 * value, +1 per key part and array level). */
static int parse_value(Parser *p, unsigned depth, TomlValue **ret) {
        char c = peek(p);

        if (depth > TOML_MAX_DEPTH)
                return fail_depth(p, p->pos);
        switch (c) {
        case '"':
        case '\'':
                if (peek_at(p, 1) == c && peek_at(p, 2) == c)
                        return parse_multiline_string(p, ret);
                return parse_string(p, ret);
        case '[':
                return parse_array(p, depth, ret);
        case '{':
                return parse_inline_table(p, depth, ret);
        default:
                return parse_bare_value(p, ret);
        }
}

/* ---- tables and key/value pairs ---- */

static bool table_is_explicit(const Parser *p, const TomlValue *t) {
        /* A table is closed to [header] redefinition and to dotted keys of
         * later sections once a header defined it, or once dotted keys of an
         * earlier section created it (TOML 1.0, as tomllib reads it). */
        return t->explicit_table || (t->dotted_section != 0 && t->dotted_section != p->section);
}

/* One step of a [header] or [[header]] path from *t into key, creating an
 * implicit table if missing; into an array of tables means into its last
 * element, one level deeper. */
static int header_step(Parser *p, TomlValue **t, const char *key, size_t pos, unsigned *depth) {
        TomlValue *sub = table_get_mutable(*t, key);
        int r;

        if (++*depth > TOML_MAX_DEPTH)
                return fail_depth(p, pos);
        if (!sub) {
                r = table_add_new(p, *t, key, TOML_TABLE, pos, &sub);
                if (r < 0)
                        return r;
        } else if (sub->type == TOML_ARRAY && !sub->frozen) {
                if (++*depth > TOML_MAX_DEPTH)
                        return fail_depth(p, pos);
                sub = sub->array.items[sub->array.n - 1];
        } else if (sub->type != TOML_TABLE)
                return fail_at(p, pos, "key already holds a value, cannot be a table");
        else if (sub->frozen)
                return fail_at(p, pos, "an inline table cannot be extended");
        *t = sub;
        return 0;
}

/* [key]: defines the table (once). */
static int define_table(Parser *p, TomlValue *t, const Key *k, size_t start, unsigned depth, TomlValue **ret) {
        const char *last = k->parts[k->n - 1];
        size_t pos = k->positions[k->n - 1];
        TomlValue *sub = table_get_mutable(t, last);
        int r;

        if (depth + 1 > TOML_MAX_DEPTH)
                return fail_depth(p, pos);
        if (!sub) {
                r = table_add_new(p, t, last, TOML_TABLE, start, &sub);
                if (r < 0)
                        return r;
        } else if (sub->type == TOML_ARRAY && !sub->frozen)
                return fail_at(p, start, "table defined twice (as an array of tables)");
        else if (sub->type != TOML_TABLE)
                return fail_at(p, pos, "key already holds a value, cannot be a table");
        else if (sub->frozen)
                return fail_at(p, start, "table defined twice (as an inline table)");
        else if (table_is_explicit(p, sub))
                return fail_at(p, start, "table defined twice");
        sub->explicit_table = true;
        position_of(p, start, &sub->line, &sub->column);
        *ret = sub;
        return 0;
}

/* [[key]]: a new table at the end of the array of tables key. */
static int append_table(Parser *p, TomlValue *t, const Key *k, size_t start, unsigned depth, TomlValue **ret) {
        const char *last = k->parts[k->n - 1];
        size_t pos = k->positions[k->n - 1];
        TomlValue *a = table_get_mutable(t, last), *elem;
        int r;

        if (depth + 2 > TOML_MAX_DEPTH)
                return fail_depth(p, pos);
        if (!a) {
                r = table_add_new(p, t, last, TOML_ARRAY, start, &a);
                if (r < 0)
                        return r;
        } else if (a->type == TOML_TABLE)
                return fail_at(p, pos, "key already holds a table, cannot be an array of tables");
        else if (a->type != TOML_ARRAY || a->frozen)
                return fail_at(p, pos, "key already holds a value, cannot be an array of tables");
        if (a->array.n >= TOML_MAX_TABLE_ENTRIES)
                return fail_limit(p, start, "more than %d tables in one array of tables", TOML_MAX_TABLE_ENTRIES);
        elem = node_new(p, TOML_TABLE, start);
        if (!elem)
                return oom(p);
        elem->explicit_table = true;
        r = array_append_consume(p, a, elem);
        if (r < 0)
                return r;
        *ret = elem;
        return 0;
}

/* [key] or [[key]]; *ret_depth is the depth of the table it opens. */
static int parse_table_header(Parser *p, TomlValue *root, TomlValue **current, unsigned *ret_depth) {
        _cleanup_(key_done) Key k = {};
        bool array = peek_at(p, 1) == '[';
        size_t start = p->pos;
        TomlValue *t = root;
        unsigned depth = 0;
        int r;

        p->pos += array ? 2 : 1;
        p->section = ++p->sections;
        skip_ws(p);
        r = parse_key(p, &k);
        if (r < 0)
                return r;
        skip_ws(p);
        if (peek(p) != ']' || (array && peek_at(p, 1) != ']'))
                return fail_at(p, p->pos,
                               array ? "expected ']]' at the end of the array of tables header"
                                     : "expected ']' at the end of the table header");
        p->pos += array ? 2 : 1;

        for (size_t i = 0; i + 1 < k.n; i++) {
                r = header_step(p, &t, k.parts[i], k.positions[i], &depth);
                if (r < 0)
                        return r;
        }
        r = array ? append_table(p, t, &k, start, depth, current) : define_table(p, t, &k, start, depth, current);
        if (r < 0)
                return r;
        *ret_depth = depth + (array ? 2 : 1);
        return expect_eol(p);
}

/* Walks (creating as needed) the tables named by all but the last part of
 * a dotted key, from the table t of the current section. */
static int descend_dotted(Parser *p, const Key *k, TomlValue *t, TomlValue **ret) {
        for (size_t i = 0; i + 1 < k->n; i++) {
                TomlValue *sub = table_get_mutable(t, k->parts[i]);
                int r;

                if (!sub) {
                        r = table_add_new(p, t, k->parts[i], TOML_TABLE, k->positions[i], &sub);
                        if (r < 0)
                                return r;
                } else if (sub->type != TOML_TABLE)
                        return fail_at(p, k->positions[i], "key already holds a value, cannot be a table");
                else if (sub->frozen)
                        return fail_at(p, k->positions[i], "an inline table cannot be extended");
                else if (table_is_explicit(p, sub))
                        return fail_at(p, k->positions[i],
                                       "cannot add to a table defined elsewhere with dotted keys");
                sub->dotted_section = p->section;
                t = sub;
        }
        *ret = t;
        return 0;
}

/* key = value into table t, whose depth is depth. */
static int parse_keyval(Parser *p, TomlValue *t, unsigned depth) {
        _cleanup_(key_done) Key k = {};
        TomlValue *value = NULL;
        size_t last;
        int r;

        r = parse_key(p, &k);
        if (r < 0)
                return r;
        last = k.n - 1;
        if (depth + k.n > TOML_MAX_DEPTH) /* point at the first part too deep */
                return fail_depth(p, k.positions[TOML_MAX_DEPTH - depth]);
        skip_ws(p);
        if (peek(p) != '=')
                return fail_at(p, p->pos, "expected '=' after the key");
        p->pos++;
        skip_ws(p);

        r = descend_dotted(p, &k, t, &t);
        if (r < 0)
                return r;
        if (toml_table_get(t, k.parts[last]))
                return fail_at(p, k.positions[last], "duplicate key");
        if (at_line_end(p))
                return fail_at(p, p->pos, "expected a value after '='");
        r = parse_value(p, depth + (unsigned) k.n, &value);
        if (r < 0)
                return r;
        return table_add_consume(p, t, TAKE_PTR(k.parts[last]), value, k.positions[last]);
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
                        r = parse_keyval(p, current, header_depth);
                        if (r >= 0)
                                r = expect_eol(p);
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
                .sections = 1,
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
        case TOML_FLOAT:
                return "float";
        case TOML_DATETIME:
                return "offset date-time";
        case TOML_DATETIME_LOCAL:
                return "local date-time";
        case TOML_DATE_LOCAL:
                return "local date";
        case TOML_TIME_LOCAL:
                return "local time";
        }
        return "unknown";
}

/* ---- writing ---- */

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

static int write_quoted(FILE *f, const char *s, size_t len) {
        _cleanup_free_ char *q = NULL;
        int r = toml_quote_string(s, len, &q);

        if (r < 0)
                return r;
        fputs(q, f);
        return 0;
}

static int write_key(FILE *f, const char *key) {
        bool bare = *key != 0;

        for (const char *c = key; *c && bare; c++)
                bare = is_bare_key_char(*c);
        if (!bare)
                return write_quoted(f, key, strlen(key));
        fputs(key, f);
        return 0;
}

int toml_write_value(FILE *f, const TomlValue *v) {
        char buf[MAX(TOML_FLOAT_STRING_MAX, TOML_DATETIME_STRING_MAX)];
        int r;

        switch (v->type) {
        case TOML_STRING:
                return write_quoted(f, v->string.data, v->string.len);
        case TOML_INTEGER:
                fprintf(f, "%" PRId64, v->integer);
                return 0;
        case TOML_BOOLEAN:
                fputs(v->boolean ? "true" : "false", f);
                return 0;
        case TOML_FLOAT:
                toml_format_float(v->floating, buf);
                fputs(buf, f);
                return 0;
        case TOML_DATETIME:
        case TOML_DATETIME_LOCAL:
        case TOML_DATE_LOCAL:
        case TOML_TIME_LOCAL:
                toml_format_datetime(v->type, &v->datetime, buf);
                fputs(buf, f);
                return 0;
        case TOML_ARRAY:
                fputc('[', f);
                for (size_t i = 0; i < v->array.n; i++) {
                        if (i > 0)
                                fputs(", ", f);
                        r = toml_write_value(f, v->array.items[i]);
                        if (r < 0)
                                return r;
                }
                fputc(']', f);
                return 0;
        case TOML_TABLE:
                if (v->table.n == 0) {
                        fputs("{}", f);
                        return 0;
                }
                fputs("{ ", f);
                for (size_t i = 0; i < v->table.n; i++) {
                        if (i > 0)
                                fputs(", ", f);
                        r = write_key(f, v->table.keys[i]);
                        if (r < 0)
                                return r;
                        fputs(" = ", f);
                        r = toml_write_value(f, v->table.values[i]);
                        if (r < 0)
                                return r;
                }
                fputs(" }", f);
                return 0;
        }
        return -EINVAL;
}
