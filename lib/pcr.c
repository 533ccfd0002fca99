/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <openssl/evp.h>
#include <stdio.h>

#include "json.h"
#include "names.h"
#include "pcr.h"
#include "util.h"

static const PcrBank banks[] = {
        { 0x0004, "sha1", 20, "DIGEST_SHA1" },
        { 0x000b, "sha256", 32, "DIGEST_SHA256" },
        { 0x000c, "sha384", 48, "DIGEST_SHA384" },
        { 0x000d, "sha512", 64, "DIGEST_SHA512" },
        { 0x0012, "sm3_256", 32, "DIGEST_SM3_256" },
};

bool pcr_index_is_extendable(unsigned pcr) {
        return (pcr >= 8 && pcr <= 16) || pcr == 23;
}

const PcrBank *pcr_bank_from_alg(uint16_t alg) {
        for (size_t i = 0; i < ELEMENTSOF(banks); i++)
                if (banks[i].alg == alg)
                        return &banks[i];
        return NULL;
}

const PcrBank *pcr_bank_from_name(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(banks); i++)
                if (streq(banks[i].name, name))
                        return &banks[i];
        return NULL;
}

int pcr_word_verity(const char *name, const uint8_t root[32], const uint8_t signer[32], char *ret, size_t size) {
        char r[65], k[65];
        int n;

        if (!name || !realmfs_name_is_valid(name))
                return -EINVAL;
        hex_encode(root, 32, r);
        hex_encode(signer, 32, k);
        n = snprintf(ret, size, "verity:realmfs-%s:%s:%s", name, r, k);
        return n < 0 || (size_t) n >= size ? -ENOBUFS : 0;
}

static const EVP_MD *bank_md(const PcrBank *bank) {
        /* "SM3" exists only when OpenSSL was built with it */
        return EVP_get_digestbyname(bank->alg == 0x0012 ? "SM3" : bank->name);
}

static int hash2(const PcrBank *bank, const void *a, size_t na, const void *b, size_t nb, uint8_t *out) {
        const EVP_MD *md = bank_md(bank);
        EVP_MD_CTX *ctx;
        unsigned len = 0;
        int ok;

        if (!md || (size_t) EVP_MD_get_size(md) != bank->size)
                return -EOPNOTSUPP;
        ctx = EVP_MD_CTX_new();
        if (!ctx)
                return -ENOMEM;
        ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, a, na) == 1 &&
             (nb == 0 || EVP_DigestUpdate(ctx, b, nb) == 1) && EVP_DigestFinal_ex(ctx, out, &len) == 1 &&
             len == bank->size;
        EVP_MD_CTX_free(ctx);
        return ok ? 0 : -EIO;
}

int pcr_word_digest(const PcrBank *bank, const char *word, uint8_t *out) {
        return hash2(bank, word, strlen(word), NULL, 0, out);
}

int pcr_extend_value(const PcrBank *bank, uint8_t *value, const uint8_t *digest) {
        uint8_t next[PCR_DIGEST_MAX];
        int r = hash2(bank, value, bank->size, digest, bank->size, next);

        if (r < 0)
                return r;
        memcpy(value, next, bank->size);
        return 0;
}

int pcr_extend_word(const PcrBank *bank, uint8_t *value, const char *word) {
        uint8_t d[PCR_DIGEST_MAX];
        int r = pcr_word_digest(bank, word, d);

        return r < 0 ? r : pcr_extend_value(bank, value, d);
}

int pcr_log_record(unsigned pcr, const PcrDigest *digests, size_t n, const char *word, const char *event_type,
                   char **ret, size_t *ret_len) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return -ENOMEM;
        fprintf(f, "\x1e{\"pcr\":%u,\"digests\":[", pcr);
        for (size_t i = 0; i < n; i++) {
                char hex[2 * PCR_DIGEST_MAX + 1];

                hex_encode(digests[i].digest, digests[i].bank->size, hex);
                fprintf(f, "%s{\"hashAlg\":\"%s\",\"digest\":\"%s\"}", i ? "," : "", digests[i].bank->name, hex);
        }
        fputs("],\"content_type\":\"systemd\",\"content\":{\"string\":", f);
        json_write_string(f, word, strlen(word));
        fputs(",\"eventType\":", f);
        json_write_string(f, event_type, strlen(event_type));
        fputs("}}\n", f);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        if (ret_len)
                *ret_len = len;
        return 0;
}
