/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* realmfsctl list: the images of the images directory, who vouches for
 * them, where they are in use. */

#include <inttypes.h>
#include <stdio.h>

#include "header.h"
#include "inventory.h"
#include "json.h"
#include "log.h"
#include "realmfsctl.h"
#include "util.h"

static void json_string_or_null(FILE *f, const char *s) {
        if (s)
                json_write_string(f, s, strlen(s));
        else
                fputs("null", f);
}

static void print_json(const RealmfsInfo *v, size_t n) {
        fputc('[', stdout);
        for (size_t i = 0; i < n; i++) {
                fputs(i ? ", {\"name\": " : "{\"name\": ", stdout);
                json_write_string(stdout, v[i].name, strlen(v[i].name));
                fputs(", \"channel\": ", stdout);
                json_string_or_null(stdout, v[i].channel);
                printf(", \"version\": %" PRId64 ", \"nblocks\": %" PRIu64 ", \"trusted\": %s, \"signer\": ",
                       v[i].version, v[i].nblocks, v[i].trusted ? "true" : "false");
                json_string_or_null(stdout, v[i].signer);
                printf(", \"attached\": %s, \"measured\": %s, \"mountpoint\": ", v[i].attached ? "true" : "false",
                       v[i].measured ? "true" : "false");
                json_string_or_null(stdout, v[i].mountpoint);
                fputs(", \"realms\": [", stdout);
                for (size_t k = 0; k < v[i].n_realms; k++) {
                        if (k)
                                fputs(", ", stdout);
                        json_write_string(stdout, v[i].realms[k], strlen(v[i].realms[k]));
                }
                fputs("]}", stdout);
        }
        fputs("]\n", stdout);
}

static void print_table(const RealmfsInfo *v, size_t n) {
        printf("%-16s %-14s %7s %9s  %-46s %-28s %s\n", "NAME", "CHANNEL", "VERSION", "SIZE", "VOUCHED FOR BY",
               "ATTACHED / MOUNTED", "REALMS");
        for (size_t i = 0; i < n; i++) {
                char channel[4 * 64 + 1], size[32], who[96], use[4096 + 64];
                size_t off = 0;

                /* the channel comes from the image: printed escaped */
                escape_control(v[i].channel ? v[i].channel : "-", NULL, channel, sizeof channel);
                snprintf(size, sizeof size, "%" PRIu64 "M", v[i].nblocks * REALMFS_BLOCK_SIZE >> 20);
                if (v[i].trusted)
                        snprintf(who, sizeof who, "%s", v[i].signer);
                else
                        snprintf(who, sizeof who, "untrusted: %s", v[i].reason);
                if (v[i].attached)
                        snprintf(use, sizeof use, "%s %s", v[i].device, v[i].mountpoint ? v[i].mountpoint : "(not mounted)");
                else
                        snprintf(use, sizeof use, "no");
                printf("%-16s %-14s %7" PRId64 " %9s  %-46s %-28s ", v[i].name, channel, v[i].version, size, who, use);
                for (size_t k = 0; k < v[i].n_realms; k++)
                        off += (size_t) printf("%s%s", off ? "," : "", v[i].realms[k]);
                printf("%s\n", off ? "" : "-");
        }
}

int verb_list(const Args *a) {
        _cleanup_(realmboot_config_done) RealmbootConfig config = {};
        _cleanup_(realmboot_cmdline_done) RealmbootCmdline cmdline = {};
        RealmfsInfo *v = NULL;
        size_t n = 0;
        int r;

        r = realmboot_system_load(&config, &cmdline);
        if (r < 0)
                return r;
        r = realmfs_inventory(&config, &cmdline, &v, &n);
        if (r < 0)
                return r;
        if (arg_set(a, OPT_JSON))
                print_json(v, n);
        else
                print_table(v, n);
        realmfs_inventory_free(v, n);
        return fflush(stdout) == 0 ? 0 : -EIO;
}
