/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>

#include "fileio.h"
#include "header.h"
#include "log.h"
#include "names.h"
#include "secure.h"
#include "util.h"

static const char magic[4] = { 'S', 'G', 'O', 'S' };

static const char *const status_names[_REALMFS_STATUS_MAX] = {
        [REALMFS_STATUS_INVALID] = "invalid",
        [REALMFS_STATUS_NEW] = "new",
        [REALMFS_STATUS_TRY_BOOT] = "try-boot",
        [REALMFS_STATUS_GOOD] = "good",
        [REALMFS_STATUS_FAILED] = "failed",
        [REALMFS_STATUS_BAD_SIG] = "bad-sig",
        [REALMFS_STATUS_BAD_META] = "bad-meta",
};

const char *realmfs_status_to_string(uint8_t status) {
        return status < _REALMFS_STATUS_MAX ? status_names[status] : NULL;
}

int realmfs_header_parse(const uint8_t block[REALMFS_HEADER_SIZE], RealmfsHeader *ret, const char **reason) {
        size_t len, end;

        if (memcmp(block, magic, sizeof magic) != 0) {
                *reason = "bad magic (not a RealmFS image)";
                return -EBADMSG;
        }
        if (block[4] >= _REALMFS_STATUS_MAX) {
                *reason = "unknown status code";
                return -EBADMSG;
        }
        if (block[5] & ~_REALMFS_FLAGS_KNOWN) {
                *reason = "unknown header flags";
                return -EBADMSG;
        }
        len = (size_t) block[6] << 8 | block[7];
        if (len == 0) {
                *reason = "metainfo length is 0";
                return -EBADMSG;
        }
        if (len > REALMFS_METAINFO_MAX) {
                *reason = "metainfo length exceeds 4024";
                return -EBADMSG;
        }
        end = REALMFS_METAINFO_OFFSET + len + REALMFS_SIGNATURE_SIZE;
        for (size_t i = end; i < REALMFS_HEADER_SIZE; i++)
                if (block[i] != 0) {
                        *reason = "non-zero bytes after the signature";
                        return -EBADMSG;
                }

        *ret = (RealmfsHeader) {
                .status = block[4],
                .flags = block[5],
                .metainfo_len = (uint16_t) len,
        };
        memcpy(ret->metainfo, block + REALMFS_METAINFO_OFFSET, len);
        ret->metainfo[len] = 0;
        memcpy(ret->signature, block + REALMFS_METAINFO_OFFSET + len, REALMFS_SIGNATURE_SIZE);
        return 0;
}

int realmfs_header_read(const char *path, RealmfsHeader *ret) {
        _cleanup_close_ int fd = open_regular(path);

        if (fd < 0)
                return log_error_errno(fd, "%s: cannot open: %s", path, fileio_error(fd));
        return realmfs_header_read_fd(fd, path, ret);
}

int realmfs_header_read_fd(int fd, const char *path, RealmfsHeader *ret) {
        uint8_t block[REALMFS_HEADER_SIZE];
        const char *reason = NULL;
        int r;

        r = pread_full(fd, block, sizeof block, 0);
        if (r == -EIO)
                return log_error_errno(EBADMSG, "%s: file too short for a RealmFS header (4096 bytes)", path);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read header: %m", path);
        r = realmfs_header_parse(block, ret, &reason);
        if (r < 0)
                return log_error_errno(r, "%s: invalid header: %s", path, reason);
        return 0;
}

void realmfs_header_serialize(const RealmfsHeader *h, uint8_t block[REALMFS_HEADER_SIZE]) {
        memset(block, 0, REALMFS_HEADER_SIZE);
        memcpy(block, magic, sizeof magic);
        block[4] = h->status;
        block[5] = h->flags;
        block[6] = (uint8_t) (h->metainfo_len >> 8);
        block[7] = (uint8_t) (h->metainfo_len & 0xff);
        memcpy(block + REALMFS_METAINFO_OFFSET, h->metainfo, h->metainfo_len);
        memcpy(block + REALMFS_METAINFO_OFFSET + h->metainfo_len, h->signature, REALMFS_SIGNATURE_SIZE);
}

int realmfs_header_set_metainfo(RealmfsHeader *h, const char *text, size_t len) {
        if (len == 0 || len > REALMFS_METAINFO_MAX)
                return -E2BIG;
        memcpy(h->metainfo, text, len);
        h->metainfo[len] = 0;
        h->metainfo_len = (uint16_t) len;
        memset(h->signature, 0, sizeof h->signature);
        return 0;
}

bool realmfs_header_is_signed(const RealmfsHeader *h) {
        static const uint8_t zero[REALMFS_SIGNATURE_SIZE];
        return memcmp(h->signature, zero, sizeof zero) != 0;
}

int realmfs_header_sign(RealmfsHeader *h, const uint8_t seed[REALMFS_SEED_SIZE]) {
        _cleanup_secure_free_ uint8_t *sk = secure_alloc(crypto_sign_SECRETKEYBYTES);
        uint8_t pk[crypto_sign_PUBLICKEYBYTES];

        if (!sk)
                return -ENOMEM;
        if (crypto_sign_seed_keypair(pk, sk, seed) < 0)
                return -EINVAL;
        if (crypto_sign_detached(h->signature, NULL, (const uint8_t *) h->metainfo, h->metainfo_len, sk) < 0)
                return -EINVAL;
        return 0;
}

int realmfs_header_verify(const RealmfsHeader *h, const uint8_t public_key[REALMFS_PUBLIC_KEY_SIZE]) {
        if (!realmfs_header_is_signed(h))
                return -ENOKEY;
        if (sodium_init() < 0)
                return -EIO;
        if (crypto_sign_verify_detached(h->signature, (const uint8_t *) h->metainfo, h->metainfo_len,
                                        public_key) != 0)
                return -EKEYREJECTED;
        return 0;
}

/* ---- metainfo ---- */

static int metainfo_error(char **error, const char *filename, const TomlValue *v, const char *fmt,
                          const char *key) {
        if (error && asprintf(error, "%s:%u:%u: %s '%s'", filename, v ? v->line : 1, v ? v->column : 1,
                              fmt, key) < 0)
                *error = NULL;
        return -EBADMSG;
}

static int get_string(const TomlValue *doc, const char *filename, const char *key, const char **ret,
                      char **error) {
        const TomlValue *v;
        int r = toml_table_get_typed(doc, key, TOML_STRING, &v);

        if (r == -ENOENT)
                return 0;
        if (r < 0 || strlen(v->string.data) != v->string.len) /* no NUL inside */
                return metainfo_error(error, filename, v, "expected a string for", key);
        *ret = v->string.data;
        return 0;
}

static int get_hex32(const TomlValue *doc, const char *filename, const char *key, uint8_t out[VERITY_ROOT_SIZE],
                     bool *found, char **error) {
        const char *s = NULL;
        int r = get_string(doc, filename, key, &s, error);

        if (r < 0 || !s)
                return r;
        if (hex_decode(s, out, VERITY_ROOT_SIZE) < 0)
                return metainfo_error(error, filename, toml_table_get(doc, key),
                                      "expected 64 hex digits for", key);
        *found = true;
        return 0;
}

int realmfs_metainfo_parse(const char *text, size_t len, const char *filename, RealmfsMetainfo *ret,
                           char **error) {
        _cleanup_(realmfs_metainfo_done) RealmfsMetainfo m = {};
        const TomlValue *v;
        bool has_salt = false, has_root = false;
        int r;

        r = toml_parse(text, len, filename, 0, &m.doc, error);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;

        if ((r = get_string(m.doc, filename, "image-type", &m.image_type, error)) < 0 ||
            (r = get_string(m.doc, filename, "realmfs-name", &m.realmfs_name, error)) < 0 ||
            (r = get_string(m.doc, filename, "realmfs-owner", &m.realmfs_owner, error)) < 0 ||
            (r = get_string(m.doc, filename, "channel", &m.channel, error)) < 0 ||
            (r = get_string(m.doc, filename, "timestamp", &m.timestamp, error)) < 0 ||
            (r = get_string(m.doc, filename, "shasum", &m.shasum, error)) < 0 ||
            (r = get_hex32(m.doc, filename, "verity-salt", m.verity.salt, &has_salt, error)) < 0 ||
            (r = get_hex32(m.doc, filename, "verity-root", m.verity.root_hash, &has_root, error)) < 0)
                return r;

        r = toml_table_get_typed(m.doc, "version", TOML_INTEGER, &v);
        if (v) {
                if (r < 0 || v->integer < 0)
                        return metainfo_error(error, filename, v, "expected a non-negative integer for", "version");
                m.version = v->integer;
        }
        r = toml_table_get_typed(m.doc, "nblocks", TOML_INTEGER, &v);
        if (v) {
                /* Bound it so nblocks*4096 plus the hash area cannot overflow. */
                if (r < 0 || v->integer <= 0 || v->integer > (INT64_C(1) << 40))
                        return metainfo_error(error, filename, v, "expected a positive block count for", "nblocks");
                m.nblocks = (uint64_t) v->integer;
        }
        m.verity.nblocks = m.nblocks;
        m.has_verity = has_salt && has_root;
        *ret = m;
        m = (RealmfsMetainfo) {};
        return 0;
}

void realmfs_metainfo_done(RealmfsMetainfo *m) {
        toml_free(m->doc);
        *m = (RealmfsMetainfo) {};
}

int realmfs_metainfo_check_sealed(const RealmfsMetainfo *m, const char **reason) {
        if (!m->image_type || !streq(m->image_type, "realmfs"))
                *reason = "image-type is not \"realmfs\"";
        else if (!m->realmfs_name)
                *reason = "realmfs-name missing";
        else if (!realmfs_name_is_valid(m->realmfs_name))
                *reason = "realmfs-name is not a valid name";
        else if (!m->channel || !*m->channel)
                *reason = "channel missing";
        else if (m->nblocks == 0)
                *reason = "nblocks missing";
        else if (!m->has_verity)
                *reason = "verity-salt or verity-root missing (image not sealed)";
        else
                return 0;
        return -EBADMSG;
}

/* ---- serialization ---- */

typedef struct Out {
        char *buf;
        size_t len;
        FILE *f;
} Out;

static bool key_is_bare(const char *k) {
        if (!*k)
                return false;
        for (; *k; k++)
                if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
                      *k == '-' || *k == '_'))
                        return false;
        return true;
}

static int write_key(FILE *f, const char *k) {
        _cleanup_free_ char *q = NULL;
        int r;

        if (key_is_bare(k)) {
                fputs(k, f);
                return 0;
        }
        r = toml_quote_string(k, strlen(k), &q);
        if (r < 0)
                return r;
        fputs(q, f);
        return 0;
}

static bool key_is_known(const char *k) {
        static const char *const known[] = {
                "image-type", "realmfs-name", "realmfs-owner", "channel", "version",
                "timestamp",  "nblocks",      "shasum",        "verity-salt", "verity-root",
        };
        for (size_t i = 0; i < ELEMENTSOF(known); i++)
                if (streq(k, known[i]))
                        return true;
        return false;
}

/* Writes the scalar keys of table t, then its sub-tables as [prefix.key]. */
static int write_table(FILE *f, const TomlValue *t, const char *prefix, bool skip_known) {
        int r;

        for (size_t i = 0; i < t->table.n; i++) {
                if (t->table.values[i]->type == TOML_TABLE || (skip_known && key_is_known(t->table.keys[i])))
                        continue;
                if ((r = write_key(f, t->table.keys[i])) < 0)
                        return r;
                fputs(" = ", f);
                if ((r = toml_write_value(f, t->table.values[i])) < 0)
                        return r;
                fputc('\n', f);
        }
        for (size_t i = 0; i < t->table.n; i++) {
                _cleanup_free_ char *header = NULL, *key = NULL;
                size_t keylen;
                FILE *kf;

                if (t->table.values[i]->type != TOML_TABLE)
                        continue;
                kf = open_memstream(&key, &keylen);
                if (!kf)
                        return -ENOMEM;
                r = write_key(kf, t->table.keys[i]);
                fclose(kf);
                if (r < 0)
                        return r;
                if (asprintf(&header, "%s%s%s", prefix, *prefix ? "." : "", key) < 0)
                        return -ENOMEM;
                fprintf(f, "[%s]\n", header);
                if ((r = write_table(f, t->table.values[i], header, false)) < 0)
                        return r;
        }
        return 0;
}

static void write_string_key(FILE *f, const char *key, const char *value) {
        _cleanup_free_ char *q = NULL;

        if (!value)
                return;
        if (toml_quote_string(value, strlen(value), &q) >= 0)
                fprintf(f, "%s = %s\n", key, q);
}

const char *realmfs_metainfo_beyond_citadel(const RealmfsMetainfo *m) {
        if (m->version < 0 || (uint64_t) m->version > REALMFS_METAINFO_UINT_MAX)
                return "version above 4294967295: Citadel reads it as a 32-bit number";
        if (m->nblocks > REALMFS_METAINFO_UINT_MAX)
                return "nblocks above 4294967295 (16 TiB): Citadel reads it as a 32-bit number";
        return NULL;
}

int realmfs_metainfo_format(const RealmfsMetainfo *m, char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        char hex[2 * VERITY_ROOT_SIZE + 1];
        FILE *f;
        int r = 0;

        if (realmfs_metainfo_beyond_citadel(m))
                return -ERANGE;
        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        write_string_key(f, "image-type", m->image_type);
        write_string_key(f, "realmfs-name", m->realmfs_name);
        write_string_key(f, "realmfs-owner", m->realmfs_owner);
        write_string_key(f, "channel", m->channel);
        fprintf(f, "version = %" PRId64 "\n", m->version);
        write_string_key(f, "timestamp", m->timestamp);
        if (m->nblocks > 0)
                fprintf(f, "nblocks = %" PRIu64 "\n", m->nblocks);
        write_string_key(f, "shasum", m->shasum);
        if (m->has_verity) {
                hex_encode(m->verity.salt, VERITY_SALT_SIZE, hex);
                fprintf(f, "verity-salt = \"%s\"\n", hex);
                hex_encode(m->verity.root_hash, VERITY_ROOT_SIZE, hex);
                fprintf(f, "verity-root = \"%s\"\n", hex);
        }
        if (m->doc)
                r = write_table(f, m->doc, "", true);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}
