/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The measurement arithmetic from fixed vectors: the words, a bank's digest
 * of a word, the extension per bank, the log record, and the settings of
 * realmboot.measure= over [measure].  The vectors were computed with
 * Python's hashlib (H(old || H(word)) per bank), not with this code. */
#include "config.h"
#include "cmdline.h"
#include "measure.h"
#include "names.h"
#include "pcr.h"
#include "tests.h"
#include "util.h"

static void assert_hex(const uint8_t *v, size_t n, const char *expected) {
        char hex[2 * PCR_DIGEST_MAX + 1];

        hex_encode(v, n, hex);
        ASSERT_STREQ(hex, expected);
}

TEST(banks) {
        ASSERT_EQ(pcr_bank_from_alg(0x0004)->size, 20);
        ASSERT_EQ(pcr_bank_from_alg(0x000b)->size, 32);
        ASSERT_EQ(pcr_bank_from_alg(0x000c)->size, 48);
        ASSERT_EQ(pcr_bank_from_alg(0x000d)->size, 64);
        ASSERT_STREQ(pcr_bank_from_alg(0x000b)->name, "sha256");
        ASSERT_TRUE(pcr_bank_from_alg(0x0005) == NULL);
        ASSERT_TRUE(pcr_bank_from_name("sha384") == pcr_bank_from_alg(0x000c));
        ASSERT_TRUE(pcr_bank_from_name("md5") == NULL);
        for (unsigned i = 0; i < 8; i++)
                ASSERT_TRUE(!pcr_index_is_extendable(i));
        for (unsigned i = 8; i <= 16; i++)
                ASSERT_TRUE(pcr_index_is_extendable(i));
        for (unsigned i = 17; i <= 22; i++)
                ASSERT_TRUE(!pcr_index_is_extendable(i));
        ASSERT_TRUE(pcr_index_is_extendable(23));
        ASSERT_TRUE(!pcr_index_is_extendable(24));
}

TEST(word) {
        uint8_t root[32], key[32];
        char w[PCR_WORD_MAX];
        char longest[REALMFS_NAME_MAX + 1];

        for (int i = 0; i < 32; i++)
                root[i] = (uint8_t) i, key[i] = (uint8_t) (0xf0 + (i & 0xf));
        ASSERT_OK(pcr_word_verity("work-tools", root, key, w, sizeof w));
        ASSERT_STREQ(w, "verity:realmfs-work-tools:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f:"
                        "f0f1f2f3f4f5f6f7f8f9fafbfcfdfefff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        ASSERT_EQ(pcr_word_verity("-bad", root, key, w, sizeof w), -EINVAL);
        ASSERT_EQ(pcr_word_verity("a/b", root, key, w, sizeof w), -EINVAL);
        ASSERT_EQ(pcr_word_verity("base", root, key, w, 20), -ENOBUFS);
        /* the longest name fits PCR_WORD_MAX */
        memset(longest, 'a', sizeof longest - 1);
        longest[sizeof longest - 1] = 0;
        ASSERT_OK(pcr_word_verity(longest, root, key, w, sizeof w));
        ASSERT_EQ(strlen(w), sizeof w - 1);
}

/* From Python:
 *   h = hashlib.new(alg); v = bytes(h.digest_size)
 *   for w in words: v = H(v + H(w.encode()))  */
TEST(extend) {
        const PcrBank *sha1 = pcr_bank_from_name("sha1"), *sha256 = pcr_bank_from_name("sha256"),
                      *sha384 = pcr_bank_from_name("sha384"), *sha512 = pcr_bank_from_name("sha512");
        uint8_t d[PCR_DIGEST_MAX], v1[20] = {}, v256[32] = {}, v384[48] = {}, v512[64] = {};

        ASSERT_OK(pcr_word_digest(sha256, "realmboot:safe-mode", d));
        assert_hex(d, 32, "2682027844d2973dbb88306d597daf6d2607c77e67278d483eab2456ea90d40a");
        ASSERT_OK(pcr_word_digest(sha1, "realmboot:safe-mode", d));
        assert_hex(d, 20, "8611f1888e922ba8a0d546f88b942c36706cee5e");

        ASSERT_OK(pcr_extend_word(sha256, v256, PCR_WORD_SAFE_MODE));
        assert_hex(v256, 32, "03ad04a2e0207ddce4c3944d30a38b78adba9ace97aeadc1a22b771c8dc681e7");
        memset(v256, 0, sizeof v256);
        ASSERT_OK(pcr_extend_word(sha256, v256, PCR_WORD_UNVERIFIED));
        ASSERT_OK(pcr_extend_word(sha256, v256, PCR_WORD_SAFE_MODE));
        assert_hex(v256, 32, "2726718a788aa2d4c9281b8e5bb9598d80745c04671c9c9a48f90b91fbb7fafc");
        ASSERT_OK(pcr_extend_word(sha1, v1, PCR_WORD_UNVERIFIED));
        ASSERT_OK(pcr_extend_word(sha1, v1, PCR_WORD_SAFE_MODE));
        assert_hex(v1, 20, "2c4f06871e1b461174e05989570fa3e3f029f82b");
        ASSERT_OK(pcr_extend_word(sha384, v384, PCR_WORD_SAFE_MODE));
        assert_hex(v384, 48, "92a159db96c8c6446afab27f1e916d88f62e2c57708ee6ee9ed8326b5024b860f772687e31643030d4524efca898d3aa");
        ASSERT_OK(pcr_extend_word(sha512, v512, PCR_WORD_SAFE_MODE));
        assert_hex(v512, 64, "897f50a9b88bf75b5dfd24318b883f5436cd23752e6e701240686b444e21d4e1"
                   "8fbca61de0f684041f5c80b56d8696c3a8517b94c3ae6733527776a9dd317c11");

        /* the extension of a digest is what extend_word does */
        uint8_t a[32] = {}, b[32] = {};
        ASSERT_OK(pcr_word_digest(sha256, "x", d));
        ASSERT_OK(pcr_extend_value(sha256, a, d));
        ASSERT_OK(pcr_extend_word(sha256, b, "x"));
        ASSERT_TRUE(memcmp(a, b, 32) == 0);
}

TEST(record) {
        PcrDigest d[2] = { { .bank = pcr_bank_from_name("sha1") }, { .bank = pcr_bank_from_name("sha256") } };
        char *rec = NULL;
        size_t len = 0;

        memset(d[0].digest, 0xab, 20);
        memset(d[1].digest, 0x01, 32);
        ASSERT_OK(pcr_log_record(13, d, 2, "verity:realmfs-a:\"q\"", "dm-verity", &rec, &len));
        ASSERT_EQ(len, strlen(rec));
        ASSERT_STREQ(rec, "\x1e{\"pcr\":13,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":"
                          "\"abababababababababababababababababababab\"},{\"hashAlg\":\"sha256\",\"digest\":"
                          "\"0101010101010101010101010101010101010101010101010101010101010101\"}],"
                          "\"content_type\":\"systemd\",\"content\":{\"string\":\"verity:realmfs-a:\\\"q\\\"\","
                          "\"eventType\":\"dm-verity\"}}\n");
        free(rec);
}

TEST(settings) {
        RealmbootConfig c = { .measure_pcr = 13 };
        RealmbootCmdline l = { .measure = -1 };
        MeasureSettings s;

        measure_settings(&c, &l, &s);
        ASSERT_TRUE(s.pcr == 13 && !s.required);
        c.measure_required = true;
        c.measure_pcr = 9;
        measure_settings(&c, &l, &s);
        ASSERT_TRUE(s.pcr == 9 && s.required);
        l.measure = 0; /* realmboot.measure=0 */
        measure_settings(&c, &l, &s);
        ASSERT_EQ(s.pcr, -1);
        l.measure = 1; /* realmboot.measure: the config's PCR */
        measure_settings(&c, &l, &s);
        ASSERT_EQ(s.pcr, 9);
        c.measure_pcr = -1; /* ... or the default when the config said off */
        measure_settings(&c, &l, &s);
        ASSERT_EQ(s.pcr, 13);
        l.measure_pcr = 23; /* realmboot.measure=23 */
        measure_settings(&c, &l, &s);
        ASSERT_EQ(s.pcr, 23);
        l = (RealmbootCmdline) { .measure = -1 };
        measure_settings(&c, &l, &s);
        ASSERT_EQ(s.pcr, -1);
}

int main(void) {
        RUN(banks);
        RUN(word);
        RUN(extend);
        RUN(record);
        RUN(settings);
        return 0;
}
