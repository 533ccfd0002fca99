/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sodium.h>

#include "header.h"
#include "tests.h"
#include "util.h"

static const char meta[] =
        "image-type = \"realmfs\"\n"
        "realmfs-name = \"main\"\n"
        "channel = \"realmfs-user\"\n"
        "version = 3\n"
        "timestamp = \"1700000000\"\n"
        "nblocks = 2560\n"
        "shasum = \"abc\"\n"
        "verity-salt = \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"\n"
        "verity-root = \"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\"\n"
        "extra-key = [1, 2]\n"
        "[custom]\n"
        "x = \"y\"\n";

static void make_block(uint8_t block[4096], size_t len) {
        memset(block, 0, 4096);
        memcpy(block, "SGOS", 4);
        block[4] = 3;
        block[5] = 0x02;
        block[6] = (uint8_t) (len >> 8);
        block[7] = (uint8_t) len;
        memset(block + 8, 'a', MIN(len, (size_t) 4088));
}

TEST(parse_layout) {
        uint8_t block[4096], out[4096];
        RealmfsHeader h;
        const char *reason = NULL;

        make_block(block, strlen(meta));
        memcpy(block + 8, meta, strlen(meta));
        memset(block + 8 + strlen(meta), 0x5a, 64);
        ASSERT_OK(realmfs_header_parse(block, &h, &reason));
        ASSERT_EQ(h.status, 3);
        ASSERT_EQ(h.flags, 2);
        ASSERT_EQ(h.metainfo_len, strlen(meta));
        ASSERT_STREQ(h.metainfo, meta);
        ASSERT_EQ(h.signature[0], 0x5a);
        ASSERT_TRUE(realmfs_header_is_signed(&h));
        realmfs_header_serialize(&h, out);
        ASSERT_TRUE(memcmp(block, out, 4096) == 0);
}

TEST(parse_bad) {
        uint8_t block[4096];
        RealmfsHeader h;
        const char *reason = NULL;

        make_block(block, 10);
        block[0] = 'X';
        ASSERT_EQ(realmfs_header_parse(block, &h, &reason), -EBADMSG);
        ASSERT_STREQ(reason, "bad magic (not a RealmFS image)");

        make_block(block, 0);
        ASSERT_EQ(realmfs_header_parse(block, &h, &reason), -EBADMSG);
        ASSERT_STREQ(reason, "metainfo length is 0");

        make_block(block, 4025);
        ASSERT_EQ(realmfs_header_parse(block, &h, &reason), -EBADMSG);
        ASSERT_STREQ(reason, "metainfo length exceeds 4024");

        /* 4024 is the largest that fits: metainfo + signature end at 4096 */
        make_block(block, 4024);
        ASSERT_OK(realmfs_header_parse(block, &h, &reason));
        ASSERT_EQ(h.metainfo_len, 4024);

        make_block(block, 10);
        block[4] = 7;
        ASSERT_EQ(realmfs_header_parse(block, &h, &reason), -EBADMSG);
        make_block(block, 10);
        block[5] = 0x08;
        ASSERT_EQ(realmfs_header_parse(block, &h, &reason), -EBADMSG);
        make_block(block, 10);
        block[4095] = 1;
        ASSERT_EQ(realmfs_header_parse(block, &h, &reason), -EBADMSG);
        ASSERT_STREQ(reason, "non-zero bytes after the signature");
}

TEST(sign_verify) {
        RealmfsHeader h = { .status = 1 };
        uint8_t seed[32], pk[32], sk[64], other_pk[32];

        randombytes_buf(seed, sizeof seed);
        crypto_sign_seed_keypair(pk, sk, seed);
        crypto_sign_keypair(other_pk, sk);

        ASSERT_OK(realmfs_header_set_metainfo(&h, meta, strlen(meta)));
        ASSERT_TRUE(!realmfs_header_is_signed(&h));
        ASSERT_EQ(realmfs_header_verify(&h, pk), -ENOKEY);
        ASSERT_OK(realmfs_header_sign(&h, seed));
        ASSERT_OK(realmfs_header_verify(&h, pk));
        ASSERT_EQ(realmfs_header_verify(&h, other_pk), -EKEYREJECTED);

        /* independent check: libsodium over exactly the metainfo bytes */
        ASSERT_OK(crypto_sign_verify_detached(h.signature, (const uint8_t *) meta, strlen(meta), pk));

        h.metainfo[5] ^= 1;
        ASSERT_EQ(realmfs_header_verify(&h, pk), -EKEYREJECTED);
        h.metainfo[5] ^= 1;
        h.signature[63] ^= 0x80;
        ASSERT_EQ(realmfs_header_verify(&h, pk), -EKEYREJECTED);

        ASSERT_EQ(realmfs_header_set_metainfo(&h, meta, 0), -E2BIG);
        {
                char big[4025];
                memset(big, 'a', sizeof big);
                ASSERT_EQ(realmfs_header_set_metainfo(&h, big, 4025), -E2BIG);
                ASSERT_OK(realmfs_header_set_metainfo(&h, big, 4024));
        }
}

TEST(metainfo) {
        RealmfsMetainfo m;
        char *error = NULL, *text;
        size_t len;
        const char *reason;
        char hex[65];

        ASSERT_OK(realmfs_metainfo_parse(meta, strlen(meta), "img", &m, &error));
        ASSERT_STREQ(m.image_type, "realmfs");
        ASSERT_STREQ(m.realmfs_name, "main");
        ASSERT_TRUE(m.realmfs_owner == NULL);
        ASSERT_EQ(m.version, 3);
        ASSERT_EQ(m.nblocks, 2560);
        ASSERT_TRUE(m.has_verity);
        ASSERT_EQ(m.verity.nblocks, 2560);
        hex_encode(m.verity.root_hash, 32, hex);
        ASSERT_STREQ(hex, "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100");
        ASSERT_OK(realmfs_metainfo_check_sealed(&m, &reason));

        /* serialization keeps the unknown keys and tables, round-trips */
        m.version = 4;
        ASSERT_OK(realmfs_metainfo_format(&m, &text, &len));
        realmfs_metainfo_done(&m);
        ASSERT_OK(realmfs_metainfo_parse(text, len, "img", &m, &error));
        ASSERT_EQ(m.version, 4);
        ASSERT_TRUE(toml_table_get(m.doc, "extra-key") != NULL);
        ASSERT_TRUE(toml_table_get(toml_table_get(m.doc, "custom"), "x") != NULL);
        ASSERT_TRUE(strstr(text, "image-type = \"realmfs\"\nrealmfs-name = \"main\"\n") == text);
        free(text);
        realmfs_metainfo_done(&m);

        /* unknown keys of any TOML type are kept through a rewrite too */
        {
                static const char other[] =
                        "image-type = \"realmfs\"\n"
                        "f = 1.5e-07\nnan = -nan\nwhen = 1979-05-27 07:32:00.5-07:00\nday = 1979-05-27\n"
                        "at = 07:32:00\nlocal = 1979-05-27T07:32:00\nlong = \"\"\"\none\ntwo\"\"\"\n"
                        "point = { x = 1, y.z = [2.5, { w = true }] }\n"
                        "[[builds]]\nn = 1\n[[builds]]\nn = 2\n[builds.sub]\nq = 'r'\n";
                _cleanup_free_ char *text2 = NULL;
                RealmfsMetainfo m2;

                ASSERT_OK(realmfs_metainfo_parse(other, strlen(other), "img", &m, &error));
                ASSERT_OK(realmfs_metainfo_format(&m, &text, &len));
                ASSERT_OK(realmfs_metainfo_parse(text, len, "img", &m2, &error));
                ASSERT_OK(realmfs_metainfo_format(&m2, &text2, &len));
                ASSERT_STREQ(text, text2);
                ASSERT_TRUE(strstr(text, "f = 1.5e-07\nnan = nan\nwhen = 1979-05-27T07:32:00.5-07:00\n"
                                         "day = 1979-05-27\nat = 07:32:00\nlocal = 1979-05-27T07:32:00\n"
                                         "long = \"one\\ntwo\"\n"
                                         "builds = [{ n = 1 }, { n = 2, sub = { q = \"r\" } }]\n"
                                         "[point]\nx = 1\n[point.y]\nz = [2.5, { w = true }]\n"));
                ASSERT_EQ(toml_table_get(m2.doc, "builds")->array.n, 2);
                free(text);
                realmfs_metainfo_done(&m);
                realmfs_metainfo_done(&m2);
        }
}

/* Citadel reads version and nblocks as u32: never more is written. */
TEST(metainfo_citadel_limits) {
        RealmfsMetainfo m;
        char *error = NULL, *text = NULL;
        size_t len;

        ASSERT_OK(realmfs_metainfo_parse(meta, strlen(meta), "img", &m, &error));
        m.version = UINT32_MAX;
        m.nblocks = UINT32_MAX;
        ASSERT_TRUE(realmfs_metainfo_beyond_citadel(&m) == NULL);
        ASSERT_OK(realmfs_metainfo_format(&m, &text, &len));
        ASSERT_TRUE(strstr(text, "\nversion = 4294967295\n") && strstr(text, "\nnblocks = 4294967295\n"));
        free(text);
        text = NULL;
        m.version = (int64_t) UINT32_MAX + 1;
        ASSERT_TRUE(strstr(realmfs_metainfo_beyond_citadel(&m), "version above 4294967295"));
        ASSERT_EQ(realmfs_metainfo_format(&m, &text, &len), -ERANGE);
        ASSERT_TRUE(text == NULL);
        m.version = 1;
        m.nblocks = (uint64_t) UINT32_MAX + 1;
        ASSERT_TRUE(strstr(realmfs_metainfo_beyond_citadel(&m), "nblocks above 4294967295"));
        ASSERT_EQ(realmfs_metainfo_format(&m, &text, &len), -ERANGE);
        m.nblocks = 1;
        m.version = -1;
        ASSERT_TRUE(realmfs_metainfo_beyond_citadel(&m) != NULL);
        realmfs_metainfo_done(&m);
}

static void expect_meta_error(const char *doc, const char *expected_prefix) {
        RealmfsMetainfo m;
        char *error = NULL;

        ASSERT_EQ(realmfs_metainfo_parse(doc, strlen(doc), "img", &m, &error), -EBADMSG);
        ASSERT_TRUE(error != NULL);
        if (strncmp(error, expected_prefix, strlen(expected_prefix)) != 0) {
                fprintf(stderr, "got error '%s', expected prefix '%s'\n", error, expected_prefix);
                exit(1);
        }
        free(error);
}

TEST(metainfo_bad) {
        RealmfsMetainfo m;
        char *error = NULL;
        const char *reason;

        expect_meta_error("nblocks = \"12\"\n", "img:1:11: expected a positive block count");
        expect_meta_error("nblocks = -1\n", "img:1:11:");
        expect_meta_error("version = true\n", "img:1:11:");
        expect_meta_error("realmfs-name = 5\n", "img:1:16: expected a string");
        expect_meta_error("verity-salt = \"0011\"\n", "img:1:15: expected 64 hex digits");
        expect_meta_error("verity-root = \"zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"\n",
                          "img:1:15: expected 64 hex digits");
        expect_meta_error("a = 1.\n", "img:1:6: a float needs digits after '.'");
        /* all of TOML parses, but the keys we read keep their types */
        expect_meta_error("version = 1.0\n", "img:1:11: expected a non-negative integer for 'version'");
        expect_meta_error("timestamp = 2024-05-20T16:00:00Z\n", "img:1:13: expected a string for 'timestamp'");
        expect_meta_error("channel = { name = \"x\" }\n", "img:1:11: expected a string for 'channel'");

#define PARSE(doc) realmfs_metainfo_parse(doc, strlen(doc), "img", &m, &error)
        ASSERT_OK(PARSE("image-type = \"realmfs\"\n"));
        ASSERT_EQ(realmfs_metainfo_check_sealed(&m, &reason), -EBADMSG);
        ASSERT_STREQ(reason, "realmfs-name missing");
        realmfs_metainfo_done(&m);
        ASSERT_OK(PARSE("image-type = \"rootfs\"\n"));
        ASSERT_EQ(realmfs_metainfo_check_sealed(&m, &reason), -EBADMSG);
        realmfs_metainfo_done(&m);
        ASSERT_OK(PARSE("image-type = \"realmfs\"\nrealmfs-name = \"1bad\"\n"));
        ASSERT_EQ(realmfs_metainfo_check_sealed(&m, &reason), -EBADMSG);
        ASSERT_STREQ(reason, "realmfs-name is not a valid name");
        realmfs_metainfo_done(&m);
}

int main(void) {
        ASSERT_TRUE(sodium_init() >= 0);
        RUN(parse_layout);
        RUN(parse_bad);
        RUN(sign_verify);
        RUN(metainfo);
        RUN(metainfo_bad);
        RUN(metainfo_citadel_limits);
        return 0;
}
