/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "fileio.h"
#include "log.h"
#include "names.h"
#include "os-release.h"
#include "util.h"

#define OS_RELEASE_MAX_SIZE (64u * 1024u)

/* DEVKEYS_HEX of libcitadel/src/lib.rs is the seed; this its public key. */
const uint8_t citadel_dev_public_key[32] = {
        0x08, 0xc7, 0x9a, 0x0e, 0xda, 0x3d, 0xe8, 0x0a, 0xc8, 0x3d, 0x3a, 0x8b, 0xad, 0x14, 0x5f, 0xba,
        0xeb, 0x8a, 0x08, 0xd5, 0x0f, 0x74, 0x7f, 0x88, 0x15, 0xa0, 0xe4, 0xb1, 0x33, 0xb9, 0x77, 0xed,
};

typedef struct Scanner {
        const char *text;
        size_t len, pos;
        const char *filename;
        char **error;
} Scanner;

static bool at_end(const Scanner *s) {
        return s->pos >= s->len;
}

static char cur(const Scanner *s) {
        return at_end(s) ? 0 : s->text[s->pos];
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
}

static bool is_key_char(char c, bool first) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

static _printf_(3, 4) int fail(Scanner *s, size_t pos, const char *fmt, ...) {
        unsigned line = 1, col = 1;
        _cleanup_free_ char *what = NULL;
        va_list ap;

        for (size_t i = 0; i < pos && i < s->len; i++) {
                if (s->text[i] == '\n')
                        line++, col = 1;
                else
                        col++;
        }
        if (s->error) {
                va_start(ap, fmt);
                if (vasprintf(&what, fmt, ap) < 0)
                        what = NULL;
                va_end(ap);
                if (!what || asprintf(s->error, "%s:%u:%u: %s", s->filename, line, col, what) < 0)
                        *s->error = NULL;
        }
        return -EINVAL;
}

typedef struct Buffer {
        char *data;
        size_t n, cap;
} Buffer;

static int buffer_put(Buffer *b, char c) {
        if (b->n + 1 >= b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 64;
                char *d = realloc(b->data, cap);
                if (!d)
                        return -ENOMEM;
                b->data = d;
                b->cap = cap;
        }
        b->data[b->n++] = c;
        b->data[b->n] = 0;
        return 0;
}

/* One value, from after "=" to the end of its line: bare, quoted and
 * bare again, as a shell reads it. */
static int scan_value(Scanner *s, Buffer *b) {
        size_t keep = 0; /* length without trailing bare blanks */
        int r = 0;

        while (!at_end(s) && cur(s) != '\n' && r >= 0) {
                char c = cur(s);
                size_t start = s->pos++;

                if (c == '"' || c == '\'') {
                        for (;;) {
                                if (at_end(s))
                                        return fail(s, start, "unterminated %s-quoted value",
                                                    c == '"' ? "double" : "single");
                                char d = s->text[s->pos++];
                                if (d == c)
                                        break;
                                if (c == '"' && d == '\\' && !at_end(s) && strchr("\\\"$`\n", cur(s))) {
                                        d = s->text[s->pos++];
                                        if (d == '\n')
                                                continue; /* a line continuation */
                                }
                                if ((r = buffer_put(b, d)) < 0)
                                        return r;
                        }
                        keep = b->n;
                } else if (c == '\\') {
                        if (at_end(s))
                                break;
                        c = s->text[s->pos++];
                        if (c != '\n' && (r = buffer_put(b, c)) < 0)
                                return r;
                        keep = b->n;
                } else {
                        if (b->n == 0 && is_blank(c))
                                continue; /* blanks after '=' */
                        r = buffer_put(b, c);
                        if (!is_blank(c))
                                keep = b->n;
                }
        }
        if (r < 0)
                return r;
        if (b->data)
                b->data[b->n = keep] = 0;
        return 0;
}

int os_release_parse(const char *text, size_t len, const char *filename, const char *const keys[], size_t n,
                     char *values[], char **error) {
        Scanner s = { .text = text, .len = len, .filename = filename, .error = error };
        int r = 0;

        if (error)
                *error = NULL;
        for (size_t i = 0; i < n; i++)
                values[i] = NULL;
        while (!at_end(&s) && r >= 0) {
                Buffer b = {};
                size_t key_start, key_len;

                while (is_blank(cur(&s)))
                        s.pos++;
                if (at_end(&s) || cur(&s) == '\n' || cur(&s) == '#' || cur(&s) == ';') {
                        while (!at_end(&s) && cur(&s) != '\n')
                                s.pos++;
                        s.pos++;
                        continue;
                }
                key_start = s.pos;
                if (!is_key_char(cur(&s), true)) {
                        r = fail(&s, s.pos, "expected a variable name (A-Z, a-z, 0-9, _)");
                        break;
                }
                while (is_key_char(cur(&s), false))
                        s.pos++;
                key_len = s.pos - key_start;
                while (is_blank(cur(&s)))
                        s.pos++;
                if (cur(&s) != '=') {
                        r = fail(&s, s.pos, "expected '=' after the variable name");
                        break;
                }
                s.pos++;
                r = scan_value(&s, &b);
                if (r < 0) {
                        free(b.data);
                        break;
                }
                s.pos++; /* the line end */
                if (memchr(b.data ? b.data : "", 0, b.n)) {
                        free(b.data);
                        r = fail(&s, key_start, "value holds a NUL byte");
                        break;
                }
                for (size_t i = 0; i < n; i++)
                        if (strlen(keys[i]) == key_len && memcmp(keys[i], text + key_start, key_len) == 0) {
                                free(values[i]);
                                values[i] = b.data ? b.data : strdup("");
                                b.data = NULL;
                                if (!values[i])
                                        r = -ENOMEM;
                                break;
                        }
                free(b.data);
        }
        if (r < 0)
                for (size_t i = 0; i < n; i++) {
                        free(values[i]);
                        values[i] = NULL;
                }
        return r;
}

/* The first of the two os-release files that exists: 1 with *ret_text,
 * 0 when neither does. */
static int read_os_release(char *ret_path, size_t path_size, char **ret_text, size_t *ret_len) {
        static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_free_ char *p = NULL;
                int r = path_with_root(paths[i], &p);

                if (r < 0)
                        return r;
                r = read_full_file(p, OS_RELEASE_MAX_SIZE, 0, ret_text, ret_len);
                if (r == -ENOENT)
                        continue;
                snprintf(ret_path, path_size, "%s", p);
                if (r < 0) {
                        log_warning("%s: cannot read: %s; not trusting an OS image channel from it", p,
                                    fileio_error(r));
                        return 0;
                }
                return 1;
        }
        return 0;
}

int os_release_read_channel(OsReleaseChannel *ret) {
        static const char *const keys[] = { "CITADEL_CHANNEL", "CITADEL_IMAGE_PUBKEY" };
        _cleanup_free_ char *text = NULL, *error = NULL;
        char *values[ELEMENTSOF(keys)] = {};
        OsReleaseChannel ch = {};
        size_t len;
        int r;

        r = read_os_release(ch.path, sizeof ch.path, &text, &len);
        if (r <= 0)
                return r == -ENOMEM ? log_oom() : 0;
        r = os_release_parse(text, len, ch.path, keys, ELEMENTSOF(keys), values, &error);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                log_warning("%s; not trusting an OS image channel from it", error ? error : ch.path);
                return 0;
        }
        r = 0;
        if (!values[0] || !*values[0])
                ; /* no channel: nothing to trust */
        else if (streq(values[0], REALMFS_USER_CHANNEL))
                log_warning("%s: CITADEL_CHANNEL=%s: only the kernel key vouches for that channel, ignoring it",
                            ch.path, REALMFS_USER_CHANNEL);
        else if (!realmfs_name_is_valid(values[0]))
                log_warning("%s: CITADEL_CHANNEL is not a valid channel name (a letter, then letters, digits or "
                            "'-', at most %d), ignoring it", ch.path, REALMFS_NAME_MAX);
        else if (!values[1] || hex_decode(values[1], ch.public_key, sizeof ch.public_key) < 0)
                log_warning("%s: CITADEL_IMAGE_PUBKEY is %s: not trusting channel %s", ch.path,
                            values[1] ? "not 64 hex digits" : "missing", values[0]);
        else if (memcmp(ch.public_key, citadel_dev_public_key, sizeof ch.public_key) == 0)
                log_warning("%s: CITADEL_IMAGE_PUBKEY is Citadel's development key, whose secret is public: "
                            "not trusting channel %s", ch.path, values[0]);
        else {
                snprintf(ch.name, sizeof ch.name, "%s", values[0]);
                *ret = ch;
                r = 1;
        }
        for (size_t i = 0; i < ELEMENTSOF(values); i++)
                free(values[i]);
        return r;
}
