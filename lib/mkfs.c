/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fts.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "header.h"
#include "log.h"
#include "mkfs.h"
#include "process.h"

#define BLOCK REALMFS_BLOCK_SIZE

/* Sizing (found by tests/realmfsctl and bench/): each inode takes 256 bytes
 * of inode table; a file gets an extent block per 128 MiB; a directory and
 * a long symlink (60 bytes and more do not fit in the inode) one block.
 * Then 10 % and 64 blocks of slack for the group metadata, and 16 spare
 * inodes.  When mkfs.ext4 still finds it too small, grow by a quarter
 * plus 256 blocks (and inodes by a quarter plus 16), at most 8 times. */
#define MKFS_INODE_SIZE 256u
#define MKFS_EXTENT_SPAN (UINT64_C(128) << 20)
#define MKFS_LONG_SYMLINK 60
#define MKFS_SLACK_PERCENT 10u
#define MKFS_SLACK_BLOCKS 64u
#define MKFS_SPARE_INODES 16u
#define MKFS_ATTEMPTS 8u
#define MKFS_GROW_BLOCKS 256u
#define MKFS_TIMEOUT_USEC (UINT64_C(30) * 60 * 1000000) /* 30 minutes: a huge tree on a slow disk */
#define MKFS_MAX_OUTPUT 4096u

typedef struct Estimate {
        uint64_t blocks, inodes;
} Estimate;

static int estimate(const char *from_dir, Estimate *ret) {
        char *paths[] = { (char *) from_dir, NULL };
        Estimate e = {};
        FTS *fts;
        FTSENT *ent;
        int r = 0;

        fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
        if (!fts)
                return negative_errno();
        errno = 0; /* fts_read() says the end with NULL and errno 0 */
        while ((ent = fts_read(fts))) {
                const struct stat *st = ent->fts_statp;

                if (ent->fts_info == FTS_DP)
                        continue; /* a directory, on the way back up */
                if (ent->fts_info == FTS_ERR || ent->fts_info == FTS_DNR || ent->fts_info == FTS_NS) {
                        r = -ent->fts_errno;
                        break;
                }
                e.inodes++;
                if (S_ISREG(st->st_mode))
                        e.blocks += ((uint64_t) st->st_size + BLOCK - 1) / BLOCK + (uint64_t) st->st_size / MKFS_EXTENT_SPAN;
                else if (S_ISDIR(st->st_mode))
                        e.blocks += 1;
                else if (S_ISLNK(st->st_mode) && st->st_size >= MKFS_LONG_SYMLINK)
                        e.blocks += 1;
        }
        if (r == 0 && errno != 0 && !ent)
                r = negative_errno();
        fts_close(fts);
        if (r < 0)
                return r;
        *ret = e;
        return 0;
}

int mkfs_ext4_from_dir(const char *mkfs, const char *path, int fd, const char *from_dir, const char *label,
                       uint64_t *ret_nblocks) {
        char nblocks_str[32], inodes_str[32], label_str[17];
        uint64_t nblocks, inodes;
        Estimate e;
        int r;

        r = estimate(from_dir, &e);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read source directory: %m", from_dir);
        inodes = e.inodes + MKFS_SPARE_INODES;
        nblocks = e.blocks + (inodes * MKFS_INODE_SIZE + BLOCK - 1) / BLOCK;
        nblocks = nblocks + nblocks * MKFS_SLACK_PERCENT / 100 + MKFS_SLACK_BLOCKS;
        snprintf(label_str, sizeof label_str, "%s", label);

        for (unsigned attempt = 0; attempt < MKFS_ATTEMPTS; attempt++) {
                _cleanup_(process_result_done_plain) ProcessResult res = { .exit_status = -1 };
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
                r = process_run(argv, now_usec() + MKFS_TIMEOUT_USEC, 0, MKFS_MAX_OUTPUT, &res);
                if (r >= 0) {
                        *ret_nblocks = nblocks;
                        return 0;
                }
                if (r != -EPROTO)
                        return log_error_errno(r, "Cannot run %s: %m", mkfs);
                if (res.exit_status == 127 && !process_last_line(&res))
                        return log_error_errno(ENOEXEC, "%s: cannot execute", mkfs);
                log_debug("%s with %" PRIu64 " blocks failed (%s), growing", mkfs, nblocks,
                          strempty(process_last_line(&res)));
                if (attempt == MKFS_ATTEMPTS - 1)
                        return log_error_errno(EIO, "%s -d %s failed: %s", mkfs, from_dir,
                                               strempty(process_last_line(&res)));
                nblocks += nblocks / 4 + MKFS_GROW_BLOCKS;
                inodes += inodes / 4 + MKFS_SPARE_INODES;
        }
        return -EIO;
}
