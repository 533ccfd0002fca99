/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The TPM, through tpm2-tss (libtss2-esys, libtss2-tctildr, libtss2-rc),
 * loaded with dlopen() as systemd does: a machine without a TPM needs no
 * TPM library, and the initrd carries them only when dracut's module finds
 * them (docs/decisions.md).  The TCTI is "device:/dev/tpmrm0" (the kernel's
 * resource manager; never tpm2-abrmd, a service early boot cannot wait
 * for); test-hooks builds take $REALMBOOT_TPM2_TCTI instead (a swtpm). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcr.h"

#define TPM2_DEVICE "/dev/tpmrm0"
#define TPM2_BANKS_MAX 8

typedef struct Tpm2 Tpm2;

/* Whether this machine has a TPM 2.0 the kernel drives (or the test hook
 * names one): /sys/class/tpmrm/ has an entry.  When the firmware announces
 * a TPM 2.0 (the ACPI TPM2 table) whose driver has not bound yet, waits
 * for it, at most timeout_usec (boot code: bounded). */
bool tpm2_present(uint64_t timeout_usec);

/* Without waiting: a TPM 2.0 the kernel drives, or one the firmware
 * announces (ACPI TPM2 table) whose driver may not have bound yet, as
 * systemd's ConditionSecurity=tpm2 tells.  Under $REALMBOOT_ROOT in
 * test-hooks builds (so are tpm2_present()'s paths). */
bool tpm2_announced(void);

/* Opens the TPM.  -ENODEV: no TPM; -EOPNOTSUPP: built without tpm2-tss, or
 * its libraries are not installed; -EIO: the TPM did not answer.  *ret_error
 * (static or from libtss2-rc) says what failed, for one log line. */
int tpm2_open(Tpm2 **ret, const char **ret_error);
void tpm2_close(Tpm2 *t);

/* The active banks with pcr allocated, as TPM2_ALG_IDs (at most
 * TPM2_BANKS_MAX). */
int tpm2_pcr_banks(Tpm2 *t, unsigned pcr, uint16_t *ret_algs, size_t *ret_n, const char **ret_error);

/* Extends pcr in each bank of digests (TPM2_PCR_Extend: one command for all
 * of them). */
int tpm2_pcr_extend(Tpm2 *t, unsigned pcr, const PcrDigest *digests, size_t n, const char **ret_error);

/* Reads pcr of one bank into out (PCR_DIGEST_MAX bytes). */
int tpm2_pcr_read(Tpm2 *t, unsigned pcr, uint16_t alg, uint8_t *out, size_t *ret_size, const char **ret_error);
