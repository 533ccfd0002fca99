/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The arithmetic of measured activation ([L], realmboot(7) MEASUREMENT),
 * without a TPM: the words realmboot extends, a bank's digest of a word,
 * a PCR extension (new = H(old || digest)), and the record of the
 * userspace measurement log that systemd's tools read.  Pure functions:
 * realmfsctl pcr-predict and the tests use them as the TPM code does. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The Linux TPM PCR registry's "system extension images" PCR, owned by the
 * administrator (systemd-stub measures a UKI's sysexts there too). */
#define PCR_DEFAULT 13
#define PCR_DIGEST_MAX 64 /* sha512 */

#define PCR_WORD_SAFE_MODE "realmboot:safe-mode"
#define PCR_WORD_NORMAL "realmboot:normal"
#define PCR_WORD_UNVERIFIED "realmboot:unverified"
/* "verity:realmfs-" NAME ":" 64 hex ":" 64 hex */
#define PCR_WORD_MAX (sizeof "verity:realmfs-" + 40 + 1 + 64 + 1 + 64)

/* A PCR userspace may extend: 8..16 and 23 (0..7 are the firmware's,
 * 17..22 need a locality the OS does not have). */
bool pcr_index_is_extendable(unsigned pcr);

/* The PCR banks realmboot can serve (TPM2_ALG_ID values). */
typedef struct PcrBank {
        uint16_t alg;       /* TPM2_ALG_SHA1 0x0004, SHA256 0x000b, SHA384 0x000c, SHA512 0x000d, SM3_256 0x0012 */
        const char *name;   /* "sha1", "sha256", ... as systemd's log writes it */
        size_t size;        /* digest bytes */
        const char *field;  /* the journal field: "DIGEST_SHA1", "DIGEST_SHA256", ... */
} PcrBank;

/* NULL for a hash realmboot cannot compute. */
const PcrBank *pcr_bank_from_alg(uint16_t alg);
const PcrBank *pcr_bank_from_name(const char *name);

/* The word for a RealmFS attached with dm-verity: verity:realmfs-NAME:ROOT:KEY
 * (lowercase hex; KEY all zero for an image accepted without a verified
 * signature, realmboot.nosignatures).  ret has PCR_WORD_MAX bytes.
 * -EINVAL for an invalid RealmFS name. */
int pcr_word_verity(const char *name, const uint8_t root[32], const uint8_t signer[32], char *ret, size_t size);

/* The bank's hash of the word's bytes (no NUL): what is extended.  out has
 * bank->size bytes.  -EIO when the hash library fails. */
int pcr_word_digest(const PcrBank *bank, const char *word, uint8_t *out);

/* value (bank->size bytes) = H(value || digest). */
int pcr_extend_value(const PcrBank *bank, uint8_t *value, const uint8_t *digest);

/* value = H(value || H(word)): one word extended. */
int pcr_extend_word(const PcrBank *bank, uint8_t *value, const char *word);

typedef struct PcrDigest {
        const PcrBank *bank;
        uint8_t digest[PCR_DIGEST_MAX];
} PcrDigest;

/* One record of /run/log/systemd/tpm2-measure.log as systemd's tpm2-util
 * writes it (JSON-SEQ, RFC 7464: 0x1E, JSON, '\n'):
 *   {"pcr":N,"digests":[{"hashAlg":"sha256","digest":"HEX"},...],
 *    "content_type":"systemd","content":{"string":WORD,"eventType":TYPE}}
 * event_type: "dm-verity" for verity words, "phase" for realmboot: words.
 * *ret is malloc'd (NUL-terminated). */
int pcr_log_record(unsigned pcr, const PcrDigest *digests, size_t n, const char *word, const char *event_type,
                   char **ret, size_t *ret_len);
