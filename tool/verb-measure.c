/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* realmfsctl pcr-predict: the words a boot extends and the PCR value they
 * give, from the images' headers and the trust rules (lib/predict.h). */

#include <stdio.h>

#include "json.h"
#include "log.h"
#include "names.h"
#include "predict.h"
#include "realmfsctl.h"
#include "trust.h"
#include "util.h"

static void print_json(const PcrPrediction *p, const char *hex) {
        printf("{\"pcr\": %u, \"words\": [", p->pcr);
        for (size_t i = 0; i < p->n_words; i++) {
                if (i)
                        fputs(", ", stdout);
                json_write_string(stdout, p->words[i], strlen(p->words[i]));
        }
        printf("], \"sha256\": \"%s\"}\n", hex);
}

static void print_text(const PcrPrediction *p, const char *hex) {
        printf("PCR %u, %zu word%s:\n", p->pcr, p->n_words, p->n_words == 1 ? "" : "s");
        for (size_t i = 0; i < p->n_words; i++)
                printf("  %s\n", p->words[i]);
        printf("sha256: %s\n", hex);
}

int verb_pcr_predict(const Args *a) {
        _cleanup_(realmboot_config_done) RealmbootConfig config = {};
        _cleanup_(realmboot_cmdline_done) RealmbootCmdline cmdline = {};
        _cleanup_(pcr_prediction_done) PcrPrediction pred = {};
        _cleanup_free_ TrustedKey *keys = NULL;
        uint8_t start[32];
        char hex[65];
        size_t n_keys = 0;
        int r;

        if (arg_set(a, OPT_START) && hex_decode(arg_str(a, OPT_START), start, sizeof start) < 0)
                return usage_error(a, "--start needs a SHA-256 PCR value: 64 hex digits");
        if (arg_set(a, OPT_SAFE_MODE) && a->argc > 0)
                return usage_error(a, "a safe-mode boot activates no RealmFS: no NAME with --safe-mode");
        for (int i = 0; i < a->argc; i++)
                if (!realmfs_name_is_valid(a->argv[i]))
                        return usage_error(a, "invalid RealmFS name \"%s\"", a->argv[i]);
        r = realmboot_system_load(&config, &cmdline);
        if (r < 0)
                return r;
        r = tool_trust_keys(a, &keys, &n_keys);
        if (r != 0)
                return r;
        r = pcr_predict(&config, &cmdline,
                        &(PredictParams) {
                                .start = arg_set(a, OPT_START) ? start : NULL,
                                .safe_mode = arg_set(a, OPT_SAFE_MODE),
                                .keys = keys,
                                .n_keys = n_keys,
                                .match_channel = !arg_set(a, OPT_PUBLIC_KEY),
                                .names = a->argc > 0 ? a->argv : NULL,
                                .n_names = (size_t) a->argc,
                        },
                        &pred);
        if (r == -EOPNOTSUPP)
                return log_error_errno(r, "Measurement is off (realmboot.measure=0, or [measure] pcr = \"off\"): "
                                          "nothing to predict.");
        if (r < 0)
                return r; /* logged */
        hex_encode(pred.sha256, sizeof pred.sha256, hex);
        if (arg_set(a, OPT_JSON))
                print_json(&pred, hex);
        else
                print_text(&pred, hex);
        return fflush(stdout) == 0 ? 0 : -EIO;
}
