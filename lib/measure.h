/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Measured activation ([L]; realmboot(7) MEASUREMENT): what realmboot
 * extends into the TPM, when, and where it is written down.
 *
 * Every extension holds the exclusive lock of the userspace measurement log
 * /run/log/systemd/tpm2-measure.log (as systemd's tools do) from before the
 * TPM command until its record is written, so the log's order is the
 * extension order, also against systemd's own measurements.  While a
 * record is missing the log file carries the sticky bit, systemd's marker
 * of an incomplete log: a writer killed between extension and record
 * leaves it set for good.  Each word is also one journal message.
 *
 * Once-per-boot state lives in /run/realmboot/measure/ (kept across
 * switch-root): "unverified", "safe-mode" and "normal" when those words
 * were extended, "realmfs-NAME" holding the word last measured for NAME, and
 * "no-tpm" once the missing TPM was logged (one line per boot).
 *
 * The functions apply [measure] required: without it a failure is logged
 * and they return 0 (go on, unmeasured); with it they return the error and
 * the caller refuses.  Measurement off (pcr = "off", realmboot.measure=0)
 * returns 0 at once. */

#include <stdbool.h>
#include <stdint.h>

#include "cmdline.h"
#include "config.h"

#define MEASURE_LOG_PATH "/run/log/systemd/tpm2-measure.log"
#define MEASURE_STATE_DIR "/run/realmboot/measure"

typedef struct MeasureSettings {
        int pcr;        /* -1: off */
        bool required;  /* [measure] required */
} MeasureSettings;

/* The PCR and the policy of this boot: realmboot.measure= over [measure]. */
void measure_settings(const RealmbootConfig *config, const RealmbootCmdline *cmdline, MeasureSettings *ret);

/* The words of the boot itself, each once per boot and in this order:
 * realmboot:unverified for realmboot.noverity or .nosignatures, then
 * realmboot:safe-mode in safe mode, realmboot:normal otherwise (every boot
 * moves the PCR away from zero before anything after the initrd runs: no
 * later extension can then give the value of another kind of boot).
 * realmboot-unlock calls it in the initrd, before it loads the seed;
 * measure_realmfs() calls it before any image, so these always come first. */
int measure_boot(const MeasureSettings *s, const RealmbootCmdline *cmdline);

/* Measures the RealmFS NAME attached with dm-verity with root hash root,
 * verified by signer (NULL: no verified signature, realmboot.nosignatures;
 * the word then carries 64 zeros).  Nothing is extended when this boot
 * already measured the same word for NAME (a detach and attach again of
 * the same image). */
int measure_realmfs(const MeasureSettings *s, const RealmbootCmdline *cmdline, const char *name,
                    const uint8_t root[32], const uint8_t *signer);

/* Whether this boot measured NAME with this root hash. */
bool measure_realmfs_is_measured(const char *name, const uint8_t root[32]);
