/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The RealmFS image header (Citadel-compatible, byte for byte):
 *
 *   offset 0  magic "SGOS"
 *          4  status u8     (REALMFS_STATUS_*)
 *          5  flags u8      (REALMFS_FLAG_*)
 *          6  metainfo length u16, big-endian, 0 < len <= 4024
 *          8  metainfo: len bytes of TOML
 *    8 + len  64-byte ed25519 detached signature over exactly the metainfo
 *             bytes; all zero = unsigned
 *             the rest of the 4096-byte block is zero
 *
 * Neither status nor flags are covered by the signature (Citadel updates
 * status in place); nothing we decide on comes from them except refusing
 * compressed data. */

#include <stdbool.h>
#include <stdint.h>

#include "names.h"
#include "toml.h"
#include "verity.h"

/* data and hash blocks, and the header, are 4096 bytes */
#define REALMFS_BLOCK_SIZE 4096u
#define REALMFS_HEADER_SIZE 4096u
#define REALMFS_METAINFO_OFFSET 8u
#define REALMFS_SIGNATURE_SIZE 64u
#define REALMFS_METAINFO_MAX (REALMFS_HEADER_SIZE - REALMFS_METAINFO_OFFSET - REALMFS_SIGNATURE_SIZE)
#define REALMFS_PUBLIC_KEY_SIZE 32u
#define REALMFS_SEED_SIZE 32u

enum {
        REALMFS_STATUS_INVALID = 0,
        REALMFS_STATUS_NEW = 1,
        REALMFS_STATUS_TRY_BOOT = 2,
        REALMFS_STATUS_GOOD = 3,
        REALMFS_STATUS_FAILED = 4,
        REALMFS_STATUS_BAD_SIG = 5,
        REALMFS_STATUS_BAD_META = 6,
        _REALMFS_STATUS_MAX,
};

enum {
        REALMFS_FLAG_PREFER_BOOT = 0x01,
        REALMFS_FLAG_HASH_TREE = 0x02,
        REALMFS_FLAG_DATA_COMPRESSED = 0x04,
        _REALMFS_FLAGS_KNOWN = 0x07,
};

typedef struct RealmfsHeader {
        uint8_t status;
        uint8_t flags;
        uint16_t metainfo_len;
        char metainfo[REALMFS_METAINFO_MAX + 1]; /* NUL-terminated copy */
        uint8_t signature[REALMFS_SIGNATURE_SIZE];
} RealmfsHeader;

const char *realmfs_status_to_string(uint8_t status);

/* Parses a 4096-byte header block.  -EBADMSG with *reason (static) for a
 * malformed header. */
int realmfs_header_parse(const uint8_t block[REALMFS_HEADER_SIZE], RealmfsHeader *ret, const char **reason);

/* Reads and parses the header of an image file (a regular file, opened
 * without blocking: see open_regular()); failures are logged as one line
 * naming the file.  -EBADMSG: not a valid header. */
int realmfs_header_read(const char *path, RealmfsHeader *ret);
/* The same from an open image; path is for messages. */
int realmfs_header_read_fd(int fd, const char *path, RealmfsHeader *ret);

void realmfs_header_serialize(const RealmfsHeader *h, uint8_t block[REALMFS_HEADER_SIZE]);

/* Sets the metainfo text (and clears the signature). -E2BIG over 4024. */
int realmfs_header_set_metainfo(RealmfsHeader *h, const char *text, size_t len);

bool realmfs_header_is_signed(const RealmfsHeader *h);
int realmfs_header_sign(RealmfsHeader *h, const uint8_t seed[REALMFS_SEED_SIZE]);
/* 0 if the signature verifies with public_key; -EKEYREJECTED if not;
 * -ENOKEY if the header is unsigned. */
int realmfs_header_verify(const RealmfsHeader *h, const uint8_t public_key[REALMFS_PUBLIC_KEY_SIZE]);

/* The parsed metainfo.  Strings point into doc. */
typedef struct RealmfsMetainfo {
        TomlValue *doc;
        const char *image_type;
        const char *realmfs_name;
        const char *realmfs_owner; /* NULL if absent */
        const char *channel;
        const char *timestamp;
        const char *shasum;
        int64_t version;           /* 0 if absent */
        uint64_t nblocks;          /* 0 if absent */
        bool has_verity;           /* verity-salt and verity-root present */
        VerityParams verity;       /* nblocks, salt, root */
} RealmfsMetainfo;

/* Parses metainfo TOML.  Known keys with a wrong type or a malformed value
 * (hex length, negative nblocks) are errors; unknown keys are kept in doc.
 * *error: malloc'd one-line message starting with filename. */
int realmfs_metainfo_parse(const char *text, size_t len, const char *filename, RealmfsMetainfo *ret,
                           char **error);
void realmfs_metainfo_done(RealmfsMetainfo *m);

/* Everything activation needs is there and sane: image-type "realmfs",
 * realmfs-name valid, channel, nblocks > 0, verity-salt, verity-root. */
int realmfs_metainfo_check_sealed(const RealmfsMetainfo *m, const char **reason);

/* Citadel's reader (libcitadel MetaInfo) takes version and nblocks as u32:
 * what we write stays at most this. */
#define REALMFS_METAINFO_UINT_MAX UINT32_MAX

/* NULL when m's version and nblocks are within what Citadel reads, else
 * a static one-line reason. */
const char *realmfs_metainfo_beyond_citadel(const RealmfsMetainfo *m);

/* Serializes the metainfo document: keys in order, known keys taken from
 * m's fields (so callers update those), unknown keys of m->doc kept.  -ERANGE for a
 * version or nblocks above REALMFS_METAINFO_UINT_MAX. */
int realmfs_metainfo_format(const RealmfsMetainfo *m, char **ret, size_t *ret_len);
