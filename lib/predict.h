/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a boot will measure ([L]): the RealmFS set a normal boot activates,
 * and the PCR value measuring it gives (realmfsctl pcr-predict), from the
 * images' headers and the trust rules alone: no TPM, no device. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "config.h"
#include "trust.h"

/* The RealmFS a normal boot activates: those of the autostart realms whose
 * image is there (a regular file), sorted by name, each once: the order in
 * which they are measured (realmboot-generator orders their
 * realmfs-verity@ units so).  *ret is a malloc'd array of malloc'd names. */
int realmfs_boot_set(const RealmbootConfig *config, char ***ret, size_t *ret_n);
/* The same for realms already scanned. */
int realmfs_boot_set_of(const RealmbootConfig *config, const RealmEntry *realms, size_t n_realms, char ***ret,
                        size_t *ret_n);

typedef struct PcrPrediction {
        unsigned pcr;
        char **words;
        size_t n_words;
        uint8_t sha256[32];
} PcrPrediction;

typedef struct PredictParams {
        const uint8_t *start;       /* the PCR before (32 bytes), NULL: zero */
        bool safe_mode;             /* a safe-mode boot (also: the command line's): its word, no image */
        const TrustedKey *keys;     /* the keys that may vouch */
        size_t n_keys;
        bool match_channel;         /* keys count for their channel only (the system's rules) */
        char **names;               /* the images, in measuring order; NULL: the boot set */
        size_t n_names;
} PredictParams;

/* The words in the order a boot extends them and the SHA-256 value they
 * give.  Without names: a whole boot, its own words (measure_boot()) and
 * then its RealmFS set, leaving out (each logged) the images attach would
 * refuse.  With names: only their words, as images attached later in a
 * boot (whose value is p->start); one that attach would refuse is the
 * error (logged).  -EOPNOTSUPP when measurement is off. */
int pcr_predict(const RealmbootConfig *config, const RealmbootCmdline *cmdline, const PredictParams *p,
                PcrPrediction *ret);
void pcr_prediction_done(PcrPrediction *p);
