/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* realmfsctl inspect | verify | create | sign (seal): one image file. */

#include <stdio.h>

#include "header.h"
#include "image.h"
#include "json.h"
#include "log.h"
#include "realmfsctl.h"
#include "seal.h"
#include "secure.h"
#include "seed-loader.h"
#include "trust.h"
#include "util.h"

/* ---- inspect ---- */

static void print_inspect_text(const RealmfsHeader *h, const RealmfsMetainfo *m) {
        const char *s = realmfs_status_to_string(h->status);
        char escaped[4 * REALMFS_METAINFO_MAX + 1];

        printf("status:   %u (%s)\n", h->status, s ? s : "?");
        printf("flags:    0x%02x%s%s%s\n", h->flags, h->flags & REALMFS_FLAG_PREFER_BOOT ? " prefer-boot" : "",
               h->flags & REALMFS_FLAG_HASH_TREE ? " hash-tree" : "",
               h->flags & REALMFS_FLAG_DATA_COMPRESSED ? " data-compressed" : "");
        printf("signed:   %s\n", realmfs_header_is_signed(h) ? "yes" : "no");
        printf("tree:     %s\n", h->flags & REALMFS_FLAG_HASH_TREE ? "appended"
                                  : "none yet (attach computes it from the data and appends it)");
        if (m && m->has_verity) {
                char hex[2 * VERITY_ROOT_SIZE + 1];
                hex_encode(m->verity.root_hash, VERITY_ROOT_SIZE, hex);
                printf("tag:      %.8s\n", hex);
        }
        printf("metainfo: %u bytes\n", h->metainfo_len);
        /* the metainfo of an image not (yet) trusted: its lines as they are,
         * any other control character escaped */
        fputs(escape_control(h->metainfo, "\n\t", escaped, sizeof escaped), stdout);
        if (h->metainfo_len > 0 && h->metainfo[h->metainfo_len - 1] != '\n')
                putchar('\n');
}

static void print_inspect_json(const RealmfsHeader *h, const RealmfsMetainfo *m) {
        const char *s = realmfs_status_to_string(h->status);

        printf("{\"status\": %u, \"status-name\": ", h->status);
        json_write_string(stdout, s, strlen(s));
        printf(", \"flags\": %u, \"hash-tree\": %s, \"signed\": %s", h->flags,
               h->flags & REALMFS_FLAG_HASH_TREE ? "true" : "false", realmfs_header_is_signed(h) ? "true" : "false");
        if (m->has_verity) {
                char hex[2 * VERITY_ROOT_SIZE + 1];
                hex_encode(m->verity.root_hash, VERITY_ROOT_SIZE, hex);
                printf(", \"tag\": \"%.8s\"", hex);
        }
        fputs(", \"metainfo\": ", stdout);
        json_write_toml(stdout, m->doc);
        fputs("}\n", stdout);
}

int verb_inspect(const Args *a) {
        _cleanup_free_ char *error = NULL;
        _cleanup_(realmfs_metainfo_done) RealmfsMetainfo m = {};
        const char *path = a->argv[0];
        RealmfsHeader h;
        int r;

        r = realmfs_header_read(path, &h);
        if (r < 0)
                return r;
        r = realmfs_metainfo_parse(h.metainfo, h.metainfo_len, path, &m, &error);
        if (r < 0) {
                if (!arg_set(a, OPT_JSON))
                        print_inspect_text(&h, NULL);
                return log_error_errno(r, "%s (header metainfo)", error ? error : path);
        }
        if (arg_set(a, OPT_JSON))
                print_inspect_json(&h, &m);
        else
                print_inspect_text(&h, &m);
        return fflush(stdout) == 0 ? 0 : -EIO;
}

/* ---- verify ---- */

int verb_verify(const Args *a) {
        _cleanup_free_ TrustedKey *keys = NULL;
        _cleanup_(realmfs_image_close) RealmfsImage img = REALMFS_IMAGE_NULL;
        size_t n_keys = 0;
        int r;

        r = tool_trust_keys(a, &keys, &n_keys);
        if (r != 0)
                return r;
        r = realmfs_image_open(a->argv[0], &img);
        if (r < 0)
                return r;
        r = realmfs_image_check_signature(&img, keys, n_keys, !arg_set(a, OPT_PUBLIC_KEY));
        if (r < 0)
                return r;
        return realmfs_image_verify_data(&img);
}

/* ---- create / sign ---- */

int verb_create(const Args *a) {
        _cleanup_(seed_loader_done) SeedLoader seed = {};
        int r;

        if (!arg_set(a, OPT_NAME) || !arg_set(a, OPT_FROM))
                return usage_error(a, "--name and --from are required");
        r = tool_signing_key(a, &seed);
        if (r < 0)
                return r;
        return realmfs_image_create(a->argv[0],
                                    &(RealmfsCreateParams) {
                                            .name = arg_str(a, OPT_NAME),
                                            .from_dir = arg_str(a, OPT_FROM),
                                            .channel = arg_str(a, OPT_CHANNEL),
                                            .owner = arg_str(a, OPT_OWNER),
                                    },
                                    &(SealParams) { .get_seed = seed_loader_get, .seed_userdata = &seed });
}

int verb_sign(const Args *a) {
        _cleanup_(seed_loader_done) SeedLoader seed = {};
        int r;

        r = tool_signing_key(a, &seed);
        if (r < 0)
                return r;
        return realmfs_image_sign(a->argv[0], arg_str(a, OPT_CHANNEL),
                                  &(SealParams) { .get_seed = seed_loader_get, .seed_userdata = &seed });
}
