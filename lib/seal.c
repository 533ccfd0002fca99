/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>

#include "fileio.h"
#include "image-lock.h"
#include "image.h"
#include "log.h"
#include "mkfs.h"
#include "names.h"
#include "seal.h"
#include "util.h"

#define BLOCK REALMFS_BLOCK_SIZE
#define SHA256_SIZE 32u /* the metainfo shasum */

static void EVP_MD_CTX_freep(EVP_MD_CTX **p) {
        EVP_MD_CTX_free(*p);
}


/* The metainfo's shasum: SHA-256 of the data area.  OpenSSL's, the one
 * libcryptsetup hashes the verity tree with (and already loads): it uses the
 * CPU's SHA instructions, about 5 times libsodium's portable code here. */
static int sha256_file_range(int fd, uint64_t size, char ret_hex[2 * SHA256_SIZE + 1]) {
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        uint8_t digest[EVP_MAX_MD_SIZE];
        unsigned digest_len = 0;
        size_t bufsize = 1u << 20;
        _cleanup_free_ uint8_t *buf = malloc(bufsize);
        uint64_t off = 0;

        if (!buf || !ctx)
                return -ENOMEM;
        if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
                return -EIO;
        (void) posix_fadvise(fd, 0, (off_t) size, POSIX_FADV_SEQUENTIAL);
        while (off < size) {
                size_t n = (size_t) MIN((uint64_t) bufsize, size - off);
                int r = pread_full(fd, buf, n, (off_t) off);
                if (r < 0)
                        return r;
                if (EVP_DigestUpdate(ctx, buf, n) != 1)
                        return -EIO;
                off += n;
        }
        if (EVP_DigestFinal_ex(ctx, digest, &digest_len) != 1 || digest_len != SHA256_SIZE)
                return -EIO;
        hex_encode(digest, SHA256_SIZE, ret_hex);
        return 0;
}

/* Makes room for the header: shifts the whole file up by one block.  On
 * ext4/xfs FALLOC_FL_INSERT_RANGE does it without moving data; elsewhere
 * copy backwards in place. */
static int insert_header_block(int fd, uint64_t size) {
        size_t bufsize = 1u << 20;
        _cleanup_free_ uint8_t *buf = NULL;
        uint64_t end = size;

        if (fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, BLOCK) == 0)
                return 0;
        if (errno != EOPNOTSUPP && errno != EINVAL && errno != ENOSYS)
                return negative_errno();
        buf = malloc(bufsize);
        if (!buf)
                return -ENOMEM;
        while (end > 0) {
                size_t n = (size_t) MIN((uint64_t) bufsize, end);
                int r = pread_full(fd, buf, n, (off_t) (end - n));
                if (r < 0)
                        return r;
                r = pwrite_full(fd, buf, n, (off_t) (end - n + BLOCK));
                if (r < 0)
                        return r;
                end -= n;
        }
        return 0;
}

/* One sealing: what create and sign (and update and resize, next) share
 * (SealParams) and what it produces on the way. */
typedef struct SealJob {
        RealmfsMetainfo *meta;        /* fields filled in by sealing */
        SealParams params;
        bool no_seed;                 /* get_seed failed (and said why) */
        uint8_t status, flags;
        /* for create */
        const char *mkfs;
        const char *from_dir;
        /* for sign and fork: the source image to copy from */
        int source_fd;
        uint64_t source_size;
        /* storage for the metainfo strings sealing produces */
        char shasum[2 * SHA256_SIZE + 1];
        char timestamp[32];
} SealJob;

typedef struct ShasumJob {
        int fd;
        uint64_t size;
        char *hex;
        int r;
} ShasumJob;

static void *shasum_thread(void *userdata) {
        ShasumJob *j = userdata;

        j->r = sha256_file_range(j->fd, j->size, j->hex);
        return NULL;
}

/* Now, or SOURCE_DATE_EPOCH (reproducible builds). */
static void set_timestamp(SealJob *job) {
        const char *epoch = getenv("SOURCE_DATE_EPOCH");

        if (epoch && *epoch)
                snprintf(job->timestamp, sizeof job->timestamp, "%s", epoch);
        else
                snprintf(job->timestamp, sizeof job->timestamp, "%lld", (long long) time(NULL));
        job->meta->timestamp = job->timestamp;
}

/* The header block at offset 0: the metainfo of job->meta, signed with
 * the seed get_seed() gives now (the KDF had all the sealing to finish). */
static int write_signed_header(int fd, const char *tmp_path, SealJob *job) {
        RealmfsHeader header = { .status = job->status, .flags = job->flags };
        uint8_t block[REALMFS_HEADER_SIZE];
        _cleanup_free_ char *text = NULL;
        const char *reason;
        const uint8_t *seed;
        size_t len;
        int r;

        reason = realmfs_metainfo_beyond_citadel(job->meta);
        if (reason)
                return log_error_errno(ERANGE, "%s: %s", tmp_path, reason);
        r = realmfs_metainfo_format(job->meta, &text, &len);
        if (r < 0)
                return log_error_errno(r, "Cannot format metainfo: %m");
        /* The format allows 4024 bytes, but Citadel's reader asserts fewer:
         * what we write stays readable there. */
        if (len >= REALMFS_METAINFO_MAX)
                return log_error_errno(E2BIG, "Metainfo is %zu bytes, more than the %u a header may carry",
                                       len, REALMFS_METAINFO_MAX - 1);
        r = realmfs_header_set_metainfo(&header, text, len);
        if (r < 0)
                return log_error_errno(r, "Cannot set metainfo: %m");
        r = job->params.get_seed(job->params.seed_userdata, &seed);
        if (r < 0) {
                job->no_seed = true;
                return r;
        }
        r = realmfs_header_sign(&header, seed);
        if (r < 0)
                return log_error_errno(r, "Cannot sign metainfo: %m");
        realmfs_header_serialize(&header, block);
        r = pwrite_full(fd, block, sizeof block, 0);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write header: %m", tmp_path);
        return 0;
}

/* The body of an image in a file with the data at offset 0: hash tree with a
 * fresh salt, shasum, header block in front, signed metainfo.  The shasum
 * is computed while libcryptsetup writes the tree: both only read the data
 * area (the tree goes after it), each is one pass of SHA-256 over it, and
 * the second reads what the first brought into the page cache.  No loop
 * device (a plain file hashes fastest, and create works without root); the
 * header block is inserted with FALLOC_FL_INSERT_RANGE where the filesystem
 * can (ext4, xfs: no data moves). */
static int seal_file(int fd, const char *tmp_path, SealJob *job) {
        RealmfsMetainfo *m = job->meta;
        uint64_t data_size = m->nblocks * BLOCK;
        ShasumJob sha = { .fd = fd, .size = data_size, .hex = job->shasum };
        pthread_t thread;
        int r, t;

        if (ftruncate(fd, (off_t) data_size) < 0)
                return negative_errno();
        randombytes_buf(m->verity.salt, sizeof m->verity.salt);
        m->verity.nblocks = m->nblocks;
        t = pthread_create(&thread, NULL, shasum_thread, &sha);
        if (t != 0)
                shasum_thread(&sha); /* no thread: one after the other */
        r = verity_format(tmp_path, m->nblocks, m->verity.salt, m->verity.root_hash);
        if (t == 0)
                (void) pthread_join(thread, NULL);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write verity hash tree: %m", tmp_path);
        m->has_verity = true;
        if (sha.r < 0)
                return log_error_errno(sha.r, "%s: cannot read back data: %m", tmp_path);
        m->shasum = job->shasum;
        set_timestamp(job);

        r = insert_header_block(fd, data_size + verity_hash_area_size(m->nblocks));
        if (r < 0)
                return log_error_errno(r, "%s: cannot make room for the header: %m", tmp_path);
        return write_signed_header(fd, tmp_path, job);
}

int realmfs_seal_work_copy(int fd, const char *tmp_path, RealmfsMetainfo *meta, uint8_t status, uint8_t flags,
                           const SealParams *seal) {
        const char *shasum = meta->shasum, *timestamp = meta->timestamp;
        SealJob job = {
                .meta = meta,
                .params = *seal,
                .status = status,
                .flags = flags | REALMFS_FLAG_HASH_TREE,
                .source_fd = -1,
        };
        int r;

        r = seal_file(fd, tmp_path, &job);
        /* the new strings lived in job */
        meta->shasum = shasum;
        meta->timestamp = timestamp;
        return r < 0 && job.no_seed ? -ENOKEY : r;
}

static int create_cb(int fd, const char *tmp_path, void *userdata) {
        SealJob *job = userdata;
        uint64_t nblocks;
        int r;

        r = mkfs_ext4_from_dir(job->mkfs, tmp_path, fd, job->from_dir, job->meta->realmfs_name, &nblocks);
        if (r < 0)
                return r;
        job->meta->nblocks = nblocks;
        return seal_file(fd, tmp_path, job);
}

static int check_output_name(const char *out, const char *name) {
        _cleanup_free_ char *n = NULL;

        if (realmfs_name_from_image_path(out, &n) < 0 || !streq(n, name))
                return log_error_errno(EINVAL, "%s: output must be named %s-realmfs.img", out, name);
        return 0;
}

int realmfs_image_create(const char *out, const RealmfsCreateParams *p, const SealParams *seal) {
        RealmfsMetainfo meta = {
                .image_type = "realmfs",
                .realmfs_name = p->name,
                .realmfs_owner = p->owner,
                .channel = p->channel ? p->channel : REALMFS_USER_CHANNEL,
                .version = 1,
        };
        SealJob job = {
                .meta = &meta,
                .params = *seal,
                .status = REALMFS_STATUS_NEW,
                .flags = REALMFS_FLAG_HASH_TREE,
                .mkfs = p->mkfs ? p->mkfs : MKFS_EXT4,
                .from_dir = p->from_dir,
                .source_fd = -1,
        };
        _cleanup_close_ int lock = -1;
        struct stat st;
        int r;

        if (!realmfs_name_is_valid(p->name))
                return log_error_errno(EINVAL, "Invalid RealmFS name \"%s\": a letter, then letters, digits or '-', at most 40", p->name);
        if (p->owner && !realm_name_is_valid(p->owner))
                return log_error_errno(EINVAL, "Invalid owner realm name \"%s\"", p->owner);
        if (p->channel && !realmfs_name_is_valid(p->channel) && !streq(p->channel, REALMFS_USER_CHANNEL))
                return log_error_errno(EINVAL, "Invalid channel name \"%s\"", p->channel);
        r = check_output_name(out, p->name);
        if (r < 0)
                return r;
        if (stat(p->from_dir, &st) < 0)
                return log_error_errno(errno, "%s: %m", p->from_dir);
        if (!S_ISDIR(st.st_mode))
                return log_error_errno(ENOTDIR, "%s: not a directory", p->from_dir);

        lock = image_lock(out);
        if (lock < 0)
                return lock;
        (void) image_remove_debris(out);
        r = write_file_atomic_with(out, 0644, false, create_cb, &job);
        if (r < 0 && !job.no_seed)
                return log_error_errno(r, "%s: image not created: %m", out);
        if (r < 0)
                return r;
        return 0;
}

/* The source image into fd (see copy_file_all()). */
static int copy_image(int source_fd, int fd, uint64_t size, const char *tmp_path) {
        int r = copy_file_all(source_fd, fd, size);

        if (r == -ENODATA)
                return log_error_errno(EIO, "%s: source image ended early", tmp_path);
        if (r < 0)
                return log_error_errno(r, "%s: cannot copy the image: %m", tmp_path);
        return 0;
}

static int sign_cb(int fd, const char *tmp_path, void *userdata) {
        SealJob *job = userdata;
        int r;

        /* the data area to offset 0 of the new file (the kernel copies, or
         * shares extents), hashed there as a plain file, the header in front */
        r = copy_range_full(job->source_fd, BLOCK, fd, 0, job->meta->nblocks * BLOCK);
        if (r == -ENODATA)
                return log_error_errno(EIO, "%s: source image ended early", tmp_path);
        if (r < 0)
                return log_error_errno(r, "%s: cannot copy data area: %m", tmp_path);
        return seal_file(fd, tmp_path, job);
}

int realmfs_image_sign(const char *path, const char *channel, const SealParams *seal) {
        _cleanup_(realmfs_image_close) RealmfsImage img = REALMFS_IMAGE_NULL;
        _cleanup_close_ int lock = -1;
        const char *beyond;
        struct stat st;
        SealJob job;
        int r;

        lock = image_lock(path);
        if (lock < 0)
                return lock;
        (void) image_remove_debris(path);
        r = realmfs_image_open_full(path, 0, &img);
        if (r < 0)
                return r;
        if (fstat(img.fd, &st) < 0)
                return log_error_errno(errno, "%s: %m", path);
        img.meta.version++;
        img.meta.channel = channel ? channel : REALMFS_USER_CHANNEL;
        beyond = realmfs_metainfo_beyond_citadel(&img.meta);
        if (beyond)
                return log_error_errno(ERANGE, "%s: cannot re-seal: the new %s", path, beyond);
        job = (SealJob) {
                .meta = &img.meta,
                .params = *seal,
                .status = img.header.status,
                .flags = img.header.flags | REALMFS_FLAG_HASH_TREE,
                .source_fd = img.fd,
        };
        r = write_file_atomic_with(path, st.st_mode & 07777, false, sign_cb, &job);
        if (r < 0 && !job.no_seed)
                return log_error_errno(r, "%s: not re-sealed, left as it was: %m", path);
        return r;
}

static int fork_cb(int fd, const char *tmp_path, void *userdata) {
        SealJob *job = userdata;
        int r;

        r = copy_image(job->source_fd, fd, job->source_size, tmp_path);
        if (r < 0)
                return r;
        set_timestamp(job);
        return write_signed_header(fd, tmp_path, job);
}

/* A copy of source with only its header changed (meta), signed: the data
 * and the tree are the source's.  Temporary file, renamed over path (or,
 * with no_replace, linked: never over an existing one). */
static int write_reheadered(const RealmfsImage *source, const char *path, RealmfsMetainfo *meta, bool no_replace,
                            const SealParams *seal) {
        SealJob job = {
                .meta = meta,
                .params = *seal,
                .status = source->header.status,
                .flags = source->header.flags,
                .source_fd = source->fd,
                .source_size = source->file_size,
        };
        int r;

        r = write_file_atomic_with(path, 0644, no_replace, fork_cb, &job);
        return r < 0 && job.no_seed ? -ENOKEY : r;
}

int realmfs_image_write_resigned(const RealmfsImage *img, const char *path, uint64_t version, const SealParams *seal) {
        RealmfsMetainfo meta = img->meta;
        int r;

        meta.version = version;
        meta.channel = REALMFS_USER_CHANNEL;
        r = write_reheadered(img, path, &meta, false, seal);
        if (r < 0 && r != -ENOKEY)
                return log_error_errno(r, "%s: not re-signed: %m", path);
        return r;
}

int realmfs_image_fork(const RealmfsImage *source, const char *new_path, const SealParams *seal) {
        _cleanup_free_ char *new_name = NULL;
        _cleanup_close_ int lock = -1;
        RealmfsMetainfo meta = source->meta;
        int r;

        r = realmfs_name_from_image_path(new_path, &new_name);
        if (r < 0)
                return log_error_errno(EINVAL, "%s: not NAME-realmfs.img with a valid NAME", new_path);
        if (streq(new_name, source->name))
                return log_error_errno(EINVAL, "%s: a fork needs another name than %s", new_path, source->name);
        lock = image_lock(new_path);
        if (lock < 0)
                return lock;
        (void) image_remove_debris(new_path);
        if (access(new_path, F_OK) == 0)
                return log_error_errno(EEXIST, "%s: already exists, not replacing it", new_path);

        /* only the header changes: the data and the hash tree (and so the
         * salt, root and shasum) are the source's */
        meta.realmfs_name = new_name;
        meta.channel = REALMFS_USER_CHANNEL;
        meta.version = 1;
        r = write_reheadered(source, new_path, &meta, true, seal);
        if (r < 0 && r != -ENOKEY)
                return log_error_errno(r, "%s: not forked: %m", new_path);
        return r;
}
