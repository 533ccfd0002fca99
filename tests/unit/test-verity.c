/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>

#include "fileio.h"
#include "loop.h"
#include "tests.h"
#include "util.h"
#include "verity.h"

static char dir[] = "/tmp/test-verity-XXXXXX";

TEST(hash_area_size) {
        ASSERT_EQ(verity_hash_area_size(1), 2 * 4096);
        ASSERT_EQ(verity_hash_area_size(128), 2 * 4096);
        ASSERT_EQ(verity_hash_area_size(129), 4 * 4096);       /* 2 leaves + root + sb */
        ASSERT_EQ(verity_hash_area_size(128 * 128), 130 * 4096); /* 128 leaves + root + sb */
}

static void write_random(const char *path, uint64_t nblocks) {
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        uint8_t buf[4096];

        ASSERT_TRUE(fd >= 0);
        for (uint64_t i = 0; i < nblocks; i++) {
                randombytes_buf(buf, sizeof buf);
                ASSERT_OK(pwrite_full(fd, buf, sizeof buf, (off_t) (i * 4096)));
        }
}

/* Our format must produce what veritysetup produces for the same data and
 * salt: same root hash, same bytes on disk. */
TEST(format_matches_veritysetup) {
        char a[128], b[128], cmd[2048], salt_hex[65], root_hex[65], line[256];
        uint8_t salt[32], root[32];
        uint64_t nblocks = 300;
        struct stat st;
        FILE *p;

        snprintf(a, sizeof a, "%s/a", dir);
        snprintf(b, sizeof b, "%s/b", dir);
        write_random(a, nblocks);
        snprintf(cmd, sizeof cmd, "cp %s %s", a, b);
        ASSERT_EQ(system(cmd), 0);
        randombytes_buf(salt, sizeof salt);
        hex_encode(salt, 32, salt_hex);

        ASSERT_OK(verity_format(a, nblocks, salt, root));
        hex_encode(root, 32, root_hex);
        ASSERT_OK(stat(a, &st));
        ASSERT_EQ((uint64_t) st.st_size, nblocks * 4096 + verity_hash_area_size(nblocks));

        snprintf(cmd, sizeof cmd,
                 "veritysetup format --hash=sha256 --format=1 --data-block-size=4096 --hash-block-size=4096 "
                 "--data-blocks=%llu --hash-offset=%llu --salt=%s %s %s 2>&1 | sed -n 's/^Root hash:[[:space:]]*//p'",
                 (unsigned long long) nblocks, (unsigned long long) nblocks * 4096, salt_hex, b, b);
        p = popen(cmd, "r");
        ASSERT_TRUE(p);
        ASSERT_TRUE(fgets(line, sizeof line, p) != NULL);
        pclose(p);
        line[strcspn(line, "\n")] = 0;
        ASSERT_STREQ(root_hex, line);
        /* byte for byte, except the superblock's random UUID (offset 16, 16 bytes) */
        snprintf(cmd, sizeof cmd,
                 "cmp -s -n %llu %s %s && cmp -s -i %llu %s %s",
                 (unsigned long long) nblocks * 4096 + 16, a, b, (unsigned long long) nblocks * 4096 + 32, a, b);
        ASSERT_EQ(system(cmd), 0);
}

TEST(verify_via_loop) {
        char path[256];
        VerityParams p = { .nblocks = 64 };
        LoopDevice loop = LOOP_DEVICE_NULL;
        const char *reason = NULL;
        int r, fd;
        uint8_t byte;

        if (access("/dev/loop-control", W_OK) < 0) {
                fprintf(stderr, "no loop devices, skipping\n");
                exit(77); /* a skip (tests/run-all counts it as a failure), not a pass */
        }
        snprintf(path, sizeof path, "%s/c", dir);
        write_random(path, p.nblocks);
        randombytes_buf(p.salt, sizeof p.salt);
        ASSERT_OK(verity_format(path, p.nblocks, p.salt, p.root_hash));

        fd = open(path, O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        r = loop_device_attach_fd(fd, 0, 0, LOOP_READ_ONLY, &loop);
        close(fd);
        if (r == -EPERM || r == -EACCES) {
                fprintf(stderr, "cannot attach loop devices here, skipping\n");
                exit(77);
        }
        ASSERT_OK(r);
        ASSERT_OK(verity_verify(loop.path, &p, &reason));

        /* wrong root hash */
        p.root_hash[0] ^= 1;
        ASSERT_EQ(verity_verify(loop.path, &p, &reason), -EBADMSG);
        ASSERT_STREQ(reason, "verity hash tree does not match the signed verity-root");
        p.root_hash[0] ^= 1;
        /* salt disagreeing with the superblock */
        p.salt[5] ^= 1;
        ASSERT_EQ(verity_verify(loop.path, &p, &reason), -EBADMSG);
        ASSERT_STREQ(reason, "verity superblock salt disagrees with signed verity-salt");
        p.salt[5] ^= 1;
        /* nblocks disagreeing: the superblock is looked for elsewhere */
        p.nblocks = 63;
        ASSERT_TRUE(verity_verify(loop.path, &p, &reason) < 0);
        p.nblocks = 64;
        loop_device_release(&loop);

        /* a flipped data byte */
        fd = open(path, O_RDWR | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(pread_full(fd, &byte, 1, 4096 * 10 + 7));
        byte ^= 0x40;
        ASSERT_OK(pwrite_full(fd, &byte, 1, 4096 * 10 + 7));
        ASSERT_OK(loop_device_attach_fd(fd, 0, 0, LOOP_READ_ONLY, &loop));
        close(fd);
        ASSERT_EQ(verity_verify(loop.path, &p, &reason), -EBADMSG);
        loop_device_release(&loop);
}

int main(void) {
        char cmd[300];

        ASSERT_TRUE(sodium_init() >= 0);
        ASSERT_TRUE(mkdtemp(dir));
        RUN(hash_area_size);
        RUN(format_matches_veritysetup);
        RUN(verify_via_loop);
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : 1;
}
