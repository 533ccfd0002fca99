/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "image.h"
#include "log.h"
#include "measure.h"
#include "names.h"
#include "pcr.h"
#include "predict.h"
#include "util.h"

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int realmfs_boot_set_of(const RealmbootConfig *config, const RealmEntry *realms, size_t n_realms, char ***ret,
                        size_t *ret_n) {
        char **v = calloc(n_realms + 1, sizeof(char *));
        size_t n = 0;
        int r = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n_realms; i++) {
                _cleanup_free_ char *image = NULL, *rooted = NULL;
                struct stat st;

                if (!realms[i].autostart)
                        continue;
                r = realmfs_image_path(config->images_directory, realms[i].realmfs, &image);
                if (r >= 0)
                        r = path_with_root(image, &rooted);
                if (r < 0)
                        break;
                /* as the generator: stat, never open (a FIFO cannot block) */
                if (stat(rooted, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (!(v[n] = strdup(realms[i].realmfs))) {
                        r = -ENOMEM;
                        break;
                }
                n++;
                r = 0;
        }
        if (r < 0) {
                strv_free_n(v, n);
                return r;
        }
        qsort(v, n, sizeof *v, cmp_str);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                if (k > 0 && streq(v[k - 1], v[i]))
                        free(v[i]);
                else
                        v[k++] = v[i];
        }
        *ret = v;
        *ret_n = k;
        return 0;
}

int realmfs_boot_set(const RealmbootConfig *config, char ***ret, size_t *ret_n) {
        RealmEntry *realms = NULL;
        size_t n_realms = 0;
        int r;

        r = realm_scan(config, &realms, &n_realms);
        if (r < 0)
                return r;
        r = realmfs_boot_set_of(config, realms, n_realms, ret, ret_n);
        realm_entries_free(realms, n_realms);
        return r;
}

void pcr_prediction_done(PcrPrediction *p) {
        strv_free_n(p->words, p->n_words);
        *p = (PcrPrediction) {};
}

static int add_word(PcrPrediction *p, const char *w) {
        char **v = realloc(p->words, (p->n_words + 1) * sizeof *v);

        if (!v)
                return -ENOMEM;
        p->words = v;
        if (!(v[p->n_words] = strdup(w)))
                return -ENOMEM;
        p->n_words++;
        return pcr_extend_word(pcr_bank_from_alg(0x000b), p->sha256, w);
}

/* The word attach would extend for NAME, or the error it would refuse
 * with (logged). */
static int image_word(const RealmbootConfig *config, const RealmbootCmdline *cmdline, const PredictParams *p,
                      const char *name, char *word, size_t size) {
        static const uint8_t none[32] = {};
        _cleanup_(realmfs_image_close) RealmfsImage img = REALMFS_IMAGE_NULL;
        _cleanup_free_ char *path = NULL;
        uint8_t signer[32];
        int r;

        r = realmboot_image_path(config, name, &path);
        if (r < 0)
                return r;
        r = realmfs_image_open(path, &img);
        if (r < 0)
                return r;
        if (cmdline->nosignatures)
                return pcr_word_verity(name, img.meta.verity.root_hash, none, word, size);
        r = realmfs_image_check_signer(&img, p->keys, p->n_keys, p->match_channel, signer);
        if (r < 0)
                return r;
        return pcr_word_verity(name, img.meta.verity.root_hash, signer, word, size);
}

int pcr_predict(const RealmbootConfig *config, const RealmbootCmdline *cmdline, const PredictParams *p,
                PcrPrediction *ret) {
        _cleanup_(pcr_prediction_done) PcrPrediction pred = {};
        char **set = NULL;
        size_t n_set = 0;
        MeasureSettings ms;
        int r = 0;

        measure_settings(config, cmdline, &ms);
        if (ms.pcr < 0)
                return -EOPNOTSUPP;
        pred.pcr = (unsigned) ms.pcr;
        if (p->start)
                memcpy(pred.sha256, p->start, sizeof pred.sha256);

        if (p->names) {
                /* images attached in a boot whose own words are in --start */
                for (size_t i = 0; r >= 0 && i < p->n_names; i++) {
                        char word[PCR_WORD_MAX];
                        r = image_word(config, cmdline, p, p->names[i], word, sizeof word);
                        if (r >= 0)
                                r = add_word(&pred, word);
                }
                goto done;
        }
        /* a whole boot: measure_boot()'s words, then the boot's set */
        if ((cmdline->noverity || cmdline->nosignatures) && (r = add_word(&pred, PCR_WORD_UNVERIFIED)) < 0)
                return r;
        if (p->safe_mode || cmdline->safe_mode)
                r = add_word(&pred, PCR_WORD_SAFE_MODE);
        else if ((r = add_word(&pred, PCR_WORD_NORMAL)) < 0)
                return r;
        else if (cmdline->noverity)
                ; /* mounted without dm-verity: nothing attached, nothing measured */
        else {
                r = realmfs_boot_set(config, &set, &n_set);
                if (r < 0)
                        return log_error_errno(r, "Cannot find the RealmFS of the boot: %m");
                for (size_t i = 0; r >= 0 && i < n_set; i++) {
                        char word[PCR_WORD_MAX];
                        if (image_word(config, cmdline, p, set[i], word, sizeof word) < 0)
                                log_warning("RealmFS %s: attach refuses it (above): not measured.", set[i]);
                        else
                                r = add_word(&pred, word);
                }
                strv_free_n(set, n_set);
        }
done:
        if (r < 0)
                return r;
        *ret = pred;
        pred = (PcrPrediction) {};
        return 0;
}
