/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* realmfsctl fork NAME NEW: a new image with NAME's content, sealed with
 * the user key. */

#include "image.h"
#include "log.h"
#include "names.h"
#include "realmfsctl.h"
#include "seal.h"
#include "seed-loader.h"
#include "trust.h"
#include "util.h"

int verb_fork(const Args *a) {
        _cleanup_(realmboot_config_done) RealmbootConfig config = {};
        _cleanup_(realmboot_cmdline_done) RealmbootCmdline cmdline = {};
        _cleanup_(realmfs_image_close) RealmfsImage source = REALMFS_IMAGE_NULL;
        _cleanup_(seed_loader_done) SeedLoader seed = {};
        _cleanup_free_ char *source_path = NULL, *new_path = NULL;
        _cleanup_free_ TrustedKey *keys = NULL;
        size_t n_keys = 0;
        int r;

        r = realmboot_system_load(&config, &cmdline);
        if (r < 0)
                return r;
        if ((r = realmboot_image_path(&config, a->argv[0], &source_path)) < 0 ||
            (r = realmboot_image_path(&config, a->argv[1], &new_path)) < 0)
                return r;
        r = realmfs_image_open(source_path, &source);
        if (r < 0)
                return r;
        /* never seal again what no trusted key vouched for */
        r = trust_collect(&config, &cmdline, &keys, &n_keys);
        if (r < 0)
                return r;
        r = realmfs_image_check_signature(&source, keys, n_keys, true);
        if (r < 0)
                return r;
        r = tool_signing_key(a, &seed);
        if (r < 0)
                return r;
        r = realmfs_image_fork(&source, new_path, &(SealParams) { .get_seed = seed_loader_get, .seed_userdata = &seed });
        if (r < 0)
                return r;
        log_info("%s: forked from %s (version 1, signed with the user key).", new_path, source_path);
        return 0;
}
