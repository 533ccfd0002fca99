/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "cmdline.h"
#include "config.h"
#include "fileio.h"
#include "image.h"
#include "kernel-keys.h"
#include "log.h"
#include "loop.h"
#include "names.h"
#include "secure.h"
#include "util.h"

#define BLOCK REALMFS_BLOCK_SIZE

static void EVP_MD_CTX_freep(EVP_MD_CTX **p) {
        EVP_MD_CTX_free(*p);
}

/* ---- opening and checking ---- */

static int image_open_internal(const char *path, bool require_sealed, RealmfsImage *ret) {
        RealmfsImage img = REALMFS_IMAGE_NULL;
        _cleanup_free_ char *error = NULL;
        const char *reason = NULL;
        struct stat st;
        int r;

        r = realmfs_name_from_image_path(path, &img.name);
        if (r < 0)
                return log_error_errno(EINVAL, "%s: file name is not NAME-realmfs.img with a valid NAME", path);
        img.path = strdup(path);
        if (!img.path) {
                r = log_oom();
                goto fail;
        }
        img.fd = open_regular(path);
        if (img.fd < 0) {
                r = log_error_errno(img.fd, "%s: %s", path, fileio_error(img.fd));
                goto fail;
        }
        if (fstat(img.fd, &st) < 0) {
                r = log_error_errno(errno, "%s: %m", path);
                goto fail;
        }
        img.file_size = (uint64_t) st.st_size;

        r = realmfs_header_read_fd(img.fd, path, &img.header);
        if (r < 0)
                goto fail;
        r = realmfs_metainfo_parse(img.header.metainfo, img.header.metainfo_len, path, &img.meta, &error);
        if (r < 0) {
                if (r == -ENOMEM)
                        log_oom();
                else
                        log_error("%s (header metainfo)", error ? error : path);
                r = -EBADMSG;
                goto fail;
        }
        if (require_sealed)
                r = realmfs_metainfo_check_sealed(&img.meta, &reason);
        else if (!img.meta.image_type || !streq(img.meta.image_type, "realmfs"))
                r = -EBADMSG, reason = "image-type is not \"realmfs\"";
        else if (!img.meta.realmfs_name)
                r = -EBADMSG, reason = "realmfs-name missing";
        else if (img.meta.nblocks == 0)
                r = -EBADMSG, reason = "nblocks missing";
        if (r < 0) {
                log_error("%s: invalid metainfo: %s", path, reason);
                goto fail;
        }
        if (!streq(img.meta.realmfs_name, img.name)) {
                r = log_error_errno(EBADMSG, "%s: metainfo realmfs-name \"%s\" does not match the file name (%s)",
                                    path, img.meta.realmfs_name, img.name);
                goto fail;
        }
        if (img.header.flags & REALMFS_FLAG_DATA_COMPRESSED) {
                r = log_error_errno(EOPNOTSUPP, "%s: compressed image data is not supported", path);
                goto fail;
        }
        if (img.file_size < BLOCK + img.meta.nblocks * BLOCK +
                                    (require_sealed ? verity_hash_area_size(img.meta.nblocks) : 0)) {
                r = log_error_errno(EBADMSG, "%s: image truncated: shorter than the header + %" PRIu64 " data blocks%s",
                                    path, img.meta.nblocks, require_sealed ? " + hash area" : "");
                goto fail;
        }
        *ret = img;
        return 0;

fail:
        realmfs_image_close(&img);
        return r;
}

int realmfs_image_open(const char *path, RealmfsImage *ret) {
        return image_open_internal(path, true, ret);
}

void realmfs_image_close(RealmfsImage *img) {
        if (img->fd >= 0)
                close(img->fd);
        free(img->path);
        free(img->name);
        realmfs_metainfo_done(&img->meta);
        *img = REALMFS_IMAGE_NULL;
}

int realmfs_image_check_signature(const RealmfsImage *img, const TrustedKey *keys, size_t n_keys,
                                  bool match_channel) {
        size_t candidates = 0;

        if (!realmfs_header_is_signed(&img->header))
                return log_error_errno(ENOKEY, "%s: image is not signed", img->path);
        for (size_t i = 0; i < n_keys; i++) {
                if (match_channel && !streq(keys[i].channel, img->meta.channel))
                        continue;
                candidates++;
                if (realmfs_header_verify(&img->header, keys[i].public_key) == 0) {
                        log_debug("%s: signature verified with %s key of channel %s", img->path, keys[i].origin,
                                  keys[i].channel);
                        return 0;
                }
        }
        if (candidates == 0)
                return log_error_errno(ENOKEY, "%s: no trusted key for channel \"%s\"", img->path, img->meta.channel);
        return log_error_errno(EKEYREJECTED, "%s: signature does not verify with any trusted key", img->path);
}

int realmfs_image_verify_data(const RealmfsImage *img) {
        LoopDevice loop = LOOP_DEVICE_NULL;
        const char *reason = NULL;
        uint64_t size = img->meta.nblocks * BLOCK + verity_hash_area_size(img->meta.nblocks);
        int r;

        r = loop_device_attach_fd(img->fd, BLOCK, size, LOOP_READ_ONLY, &loop);
        if (r < 0)
                return log_error_errno(r, "%s: cannot set up a loop device to verify the data (needs root): %m",
                                       img->path);
        r = verity_verify(loop.path, &img->meta.verity, &reason);
        loop_device_release(&loop);
        if (r < 0)
                return log_error_errno(r, "%s: %s", img->path, reason ? reason : "verity verification failed");
        return 0;
}

static int trust_add(TrustedKey **keys, size_t *n, const char *channel, const uint8_t pk[32], const char *origin) {
        TrustedKey *k = realloc(*keys, (*n + 1) * sizeof **keys);

        if (!k)
                return -ENOMEM;
        *keys = k;
        k = &k[(*n)++];
        *k = (TrustedKey) {};
        snprintf(k->channel, sizeof k->channel, "%s", channel);
        snprintf(k->origin, sizeof k->origin, "%s", origin);
        memcpy(k->public_key, pk, 32);
        return 0;
}

int trust_collect(TrustedKey **ret, size_t *ret_n) {
        RealmbootConfig config = {};
        RealmbootCmdline cmdline = {};
        TrustedKey *keys = NULL;
        size_t n = 0;
        uint8_t pk[32];
        int r;

        r = kernel_key_read_trusted(KERNEL_KEY_PUBLIC, pk, sizeof pk);
        if (r >= 0)
                r = trust_add(&keys, &n, REALMFS_USER_CHANNEL, pk, "kernel key");
        else if (r == -ENOKEY)
                r = 0;
        else
                log_warning_errno(r, "Cannot read kernel key %s, ignoring: %m", KERNEL_KEY_PUBLIC), r = 0;

        (void) realmboot_config_load(NULL, &config); /* errors logged; defaults kept */
        for (size_t i = 0; r >= 0 && i < config.n_channels; i++)
                r = trust_add(&keys, &n, config.channels[i].name, config.channels[i].public_key, "config");
        realmboot_config_done(&config);

        if (r >= 0 && realmboot_cmdline_load(&cmdline) >= 0) {
                for (size_t i = 0; r >= 0 && i < cmdline.n_channels; i++)
                        r = trust_add(&keys, &n, cmdline.channels[i].name, cmdline.channels[i].public_key,
                                      "command line");
                realmboot_cmdline_done(&cmdline);
        }
        if (r < 0) {
                free(keys);
                return log_oom();
        }
        *ret = keys;
        *ret_n = n;
        return 0;
}

/* ---- building ---- */

static uint64_t estimate_blocks, estimate_inodes;

static int estimate_cb(const char *fpath, const struct stat *st, int type, struct FTW *ftw) {
        estimate_inodes++;
        if (S_ISREG(st->st_mode))
                /* data, plus an extent block per ~128 MiB for large files */
                estimate_blocks += ((uint64_t) st->st_size + BLOCK - 1) / BLOCK + (uint64_t) st->st_size / (128u << 20);
        else if (S_ISDIR(st->st_mode))
                estimate_blocks += 1;
        else if (S_ISLNK(st->st_mode) && st->st_size >= 60)
                estimate_blocks += 1;
        return 0;
}

/* Runs argv, stdin from /dev/null, stdout and stderr into a memfd whose
 * last line is returned in *ret_msg on failure. */
static int run_command(char *const argv[], char **ret_msg) {
        _cleanup_close_ int out = memfd_create("realmfsctl-child", MFD_CLOEXEC);
        int status;
        pid_t pid;

        if (out < 0)
                return negative_errno();
        pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY);
                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
                    dup2(out, STDERR_FILENO) < 0)
                        _exit(127);
                execv(argv[0], argv);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (ret_msg) {
                char buf[4096] = {};
                ssize_t n = pread(out, buf, sizeof buf - 1, 0);
                if (n > 0) {
                        char *line;
                        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                                buf[--n] = 0;
                        line = strrchr(buf, '\n');
                        *ret_msg = strdup(line ? line + 1 : buf);
                } else
                        *ret_msg = strdup(WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "cannot execute" : "failed");
        }
        return -EPROTO;
}

static int make_filesystem(const char *mkfs, const char *path, int fd, const char *from_dir, const char *label,
                           uint64_t *ret_nblocks) {
        char nblocks_str[32], inodes_str[32], label_str[17];
        uint64_t nblocks, inodes;
        int r = 0;

        estimate_blocks = estimate_inodes = 0;
        if (nftw(from_dir, estimate_cb, 32, FTW_PHYS) < 0)
                return log_error_errno(errno, "%s: cannot read source directory: %m", from_dir);

        inodes = estimate_inodes + 16;
        /* data + inode tables (256 bytes each) + group metadata, 10% slack */
        nblocks = estimate_blocks + (inodes * 256 + BLOCK - 1) / BLOCK;
        nblocks = nblocks + nblocks / 10 + 64;
        snprintf(label_str, sizeof label_str, "%s", label);

        for (unsigned attempt = 0; attempt < 8; attempt++) {
                _cleanup_free_ char *msg = NULL;
                char *argv[] = {
                        (char *) mkfs, (char *) "-q", (char *) "-F", (char *) "-t", (char *) "ext4",
                        (char *) "-b", (char *) "4096", (char *) "-m", (char *) "0",
                        (char *) "-O", (char *) "^has_journal,^resize_inode",
                        (char *) "-N", inodes_str, (char *) "-L", label_str,
                        (char *) "-d", (char *) from_dir, (char *) path, nblocks_str, NULL,
                };

                snprintf(nblocks_str, sizeof nblocks_str, "%" PRIu64, nblocks);
                snprintf(inodes_str, sizeof inodes_str, "%" PRIu64, inodes);
                if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t) (nblocks * BLOCK)) < 0)
                        return log_error_errno(errno, "%s: cannot size image file: %m", path);
                r = run_command(argv, &msg);
                if (r >= 0) {
                        *ret_nblocks = nblocks;
                        return 0;
                }
                if (r != -EPROTO)
                        return log_error_errno(r, "Cannot run %s: %m", mkfs);
                log_debug("%s with %" PRIu64 " blocks failed (%s), growing", mkfs, nblocks, strempty(msg));
                if (attempt == 7)
                        return log_error_errno(EIO, "%s -d %s failed: %s", mkfs, from_dir, strempty(msg));
                nblocks += nblocks / 4 + 256;
                inodes += inodes / 4 + 16;
        }
        return r;
}

/* The metainfo's shasum: SHA-256 of the data area.  OpenSSL's, the one
 * libcryptsetup hashes the verity tree with (and already loads): it uses the
 * CPU's SHA instructions, about 5 times libsodium's portable code here. */
static int sha256_file_range(int fd, uint64_t size, char ret_hex[65]) {
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
        if (EVP_DigestFinal_ex(ctx, digest, &digest_len) != 1 || digest_len != 32)
                return -EIO;
        hex_encode(digest, 32, ret_hex);
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

typedef struct SealJob {
        RealmfsMetainfo *meta;        /* fields filled in by sealing */
        RealmfsSeedFn get_seed;
        void *seed_userdata;
        bool no_seed;                 /* get_seed failed (and said why) */
        uint8_t status, flags;
        /* for create */
        const char *mkfs;
        const char *from_dir;
        /* for sign: the source image to copy the data area from */
        int source_fd;
        /* storage for the metainfo strings sealing produces */
        char shasum[65];
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

/* The body of an image in a file with the data at offset 0: hash tree with a
 * fresh salt, shasum, header block in front, signed metainfo.  The shasum
 * is computed while libcryptsetup writes the tree: both only read the data
 * area (the tree goes after it), and each is one pass of SHA-256 over it. */
static int seal_file(int fd, const char *tmp_path, SealJob *job) {
        RealmfsMetainfo *m = job->meta;
        RealmfsHeader header = { .status = job->status, .flags = job->flags };
        uint8_t block[REALMFS_HEADER_SIZE];
        _cleanup_free_ char *text = NULL;
        const char *epoch = getenv("SOURCE_DATE_EPOCH");
        uint64_t data_size = m->nblocks * BLOCK, total;
        ShasumJob sha = { .fd = fd, .size = data_size, .hex = job->shasum };
        const uint8_t *seed;
        pthread_t thread;
        size_t len;
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
        if (epoch && *epoch)
                snprintf(job->timestamp, sizeof job->timestamp, "%s", epoch);
        else
                snprintf(job->timestamp, sizeof job->timestamp, "%lld", (long long) time(NULL));
        m->timestamp = job->timestamp;

        total = data_size + verity_hash_area_size(m->nblocks);
        r = insert_header_block(fd, total);
        if (r < 0)
                return log_error_errno(r, "%s: cannot make room for the header: %m", tmp_path);

        r = realmfs_metainfo_format(m, &text, &len);
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
        r = job->get_seed(job->seed_userdata, &seed);
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

static int create_cb(int fd, const char *tmp_path, void *userdata) {
        SealJob *job = userdata;
        uint64_t nblocks;
        int r;

        r = make_filesystem(job->mkfs, tmp_path, fd, job->from_dir, job->meta->realmfs_name, &nblocks);
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

int realmfs_image_create(const char *out, const RealmfsCreateParams *p, RealmfsSeedFn get_seed, void *userdata) {
        RealmfsMetainfo meta = {
                .image_type = "realmfs",
                .realmfs_name = p->name,
                .realmfs_owner = p->owner,
                .channel = p->channel ? p->channel : REALMFS_USER_CHANNEL,
                .version = 1,
        };
        SealJob job = {
                .meta = &meta,
                .get_seed = get_seed,
                .seed_userdata = userdata,
                .status = REALMFS_STATUS_NEW,
                .flags = REALMFS_FLAG_HASH_TREE,
                .mkfs = p->mkfs ? p->mkfs : MKFS_EXT4,
                .from_dir = p->from_dir,
                .source_fd = -1,
        };
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

        r = write_file_atomic_with(out, 0644, false, create_cb, &job);
        if (r < 0 && !job.no_seed)
                return log_error_errno(r, "%s: image not created: %m", out);
        if (r < 0)
                return r;
        return 0;
}

static int sign_cb(int fd, const char *tmp_path, void *userdata) {
        SealJob *job = userdata;
        uint64_t size = job->meta->nblocks * BLOCK;
        loff_t in_off = BLOCK, out_off = 0;

        /* Copy the data area (not the old tree) to offset 0 of the new file;
         * the kernel copies (or shares extents) without a trip to userspace. */
        while (size > 0) {
                ssize_t n = copy_file_range(job->source_fd, &in_off, fd, &out_off, (size_t) MIN(size, (uint64_t) 1 << 30), 0);
                if (n < 0)
                        return log_error_errno(errno, "%s: cannot copy data area: %m", tmp_path);
                if (n == 0)
                        return log_error_errno(EIO, "%s: source image ended early", tmp_path);
                size -= (uint64_t) n;
        }
        return seal_file(fd, tmp_path, job);
}

int realmfs_image_sign(const char *path, const char *channel, RealmfsSeedFn get_seed, void *userdata) {
        RealmfsImage img = REALMFS_IMAGE_NULL;
        struct stat st;
        SealJob job;
        int r;

        r = image_open_internal(path, false, &img);
        if (r < 0)
                return r;
        if (fstat(img.fd, &st) < 0) {
                r = log_error_errno(errno, "%s: %m", path);
                goto out;
        }
        img.meta.version++;
        img.meta.channel = channel ? channel : REALMFS_USER_CHANNEL;
        job = (SealJob) {
                .meta = &img.meta,
                .get_seed = get_seed,
                .seed_userdata = userdata,
                .status = img.header.status,
                .flags = img.header.flags | REALMFS_FLAG_HASH_TREE,
                .source_fd = img.fd,
        };
        r = write_file_atomic_with(path, st.st_mode & 07777, false, sign_cb, &job);
        if (r < 0 && !job.no_seed)
                log_error_errno(r, "%s: not re-sealed, left as it was: %m", path);
out:
        realmfs_image_close(&img);
        return r;
}
