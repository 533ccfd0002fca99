/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* realmfsctl: RealmFS images and the realmboot user keyring.  This file is
 * the verb and option tables and main; verbs.c parses and dispatches, each
 * verb family is a verb-*.c over lib/.  Exit status: 0 ok, 1 failure or
 * rejected, 2 usage. */

#include <limits.h>
#include <stdio.h>

#include "log.h"
#include "realmfsctl.h"
#include "secure.h"
#include "util.h"

/* Every option, once; the verbs below say which ones they take. */
static const OptionDef option_table[_OPT_MAX] = {
        [OPT_JSON] = { "json", false },
        [OPT_PUBLIC_KEY] = { "public-key", true },
        [OPT_KEYRING] = { "keyring", true },
        [OPT_PASSPHRASE_FILE] = { "passphrase-file", true },
        [OPT_NEW_PASSPHRASE_FILE] = { "new-passphrase-file", true },
        [OPT_NAME] = { "name", true },
        [OPT_FROM] = { "from", true },
        [OPT_CHANNEL] = { "channel", true },
        [OPT_OWNER] = { "owner", true },
        [OPT_DRY_RUN] = { "dry-run", false },
        [OPT_GROW] = { "grow", true },
        [OPT_COMMIT] = { "commit", false },
        [OPT_DISCARD] = { "discard", false },
        [OPT_START] = { "start", true },
        [OPT_SAFE_MODE] = { "safe-mode", false },
};

static const Verb verbs[] = {
        { "inspect", 1, 1, OPT_BIT(OPT_JSON), verb_inspect, "[--json] IMAGE", NULL, NULL },
        { "verify", 1, 1, OPT_BIT(OPT_PUBLIC_KEY), verb_verify, "[--public-key HEX]... IMAGE", NULL, NULL },
        { "list", 0, 0, OPT_BIT(OPT_JSON), verb_list, "[--json]", NULL, NULL },
        { "fork", 2, 2, KEYRING_OPTIONS, verb_fork, "[--keyring FILE [--passphrase-file FILE]] NAME NEW", NULL, NULL },
        { "update", 1, UINT_MAX, OPT_BIT(OPT_GROW) | OPT_BIT(OPT_COMMIT) | OPT_BIT(OPT_DISCARD) | KEYRING_OPTIONS,
          verb_update, "[--keyring FILE [--passphrase-file FILE]] [--grow SIZE]\n"
                       "                    [--commit|--discard] NAME [-- COMMAND [ARG...]]", NULL, NULL },
        { "resize", 2, 2, KEYRING_OPTIONS, verb_resize, "[--keyring FILE [--passphrase-file FILE]] NAME SIZE", NULL, NULL },
        { "rollback", 1, 1, KEYRING_OPTIONS, verb_rollback, "[--keyring FILE [--passphrase-file FILE]] NAME", NULL, NULL },
        { "attach", 1, 1, OPT_BIT(OPT_DRY_RUN), verb_attach, "[--dry-run] NAME", NULL, NULL },
        { "detach", 1, 1, 0, verb_detach, "NAME", NULL, NULL },
        { "create", 1, 1,
          OPT_BIT(OPT_NAME) | OPT_BIT(OPT_FROM) | OPT_BIT(OPT_CHANNEL) | OPT_BIT(OPT_OWNER) | KEYRING_OPTIONS,
          verb_create, "--name NAME --from DIR [--channel C] [--owner REALM]\n"
                       "                    [--keyring FILE [--passphrase-file FILE]] OUT", NULL, NULL },
        { "sign", 1, 1, OPT_BIT(OPT_CHANNEL) | KEYRING_OPTIONS, verb_sign,
          "[--channel C] [--keyring FILE [--passphrase-file FILE]] IMAGE", NULL, NULL },
        { "seal", 1, 1, OPT_BIT(OPT_CHANNEL) | KEYRING_OPTIONS, verb_sign,
          "[--channel C] [--keyring FILE [--passphrase-file FILE]] IMAGE", NULL, NULL },
        { "pcr-predict", 0, UINT_MAX,
          OPT_BIT(OPT_JSON) | OPT_BIT(OPT_START) | OPT_BIT(OPT_SAFE_MODE) | OPT_BIT(OPT_PUBLIC_KEY), verb_pcr_predict,
          "[--json] [--start HEX] [--safe-mode] [--public-key HEX]... [NAME...]", NULL, NULL },
        { "keyring", 0, 0, 0, NULL, "init|passwd|show-public ...", keyring_verbs, &n_keyring_verbs },
};

static const VerbTable tool = {
        .verbs = verbs,
        .n_verbs = ELEMENTSOF(verbs),
        .options = option_table,
        .summary = "realmfsctl — RealmFS images and the realmboot user keyring",
        .notes = "IMAGE files are named NAME-realmfs.img; fork, update, resize, rollback, attach and\n"
                 "detach take the NAME of an image in the configured images directory.  Passphrase files are read whole,\n"
                 "minus one trailing newline; without one, the passphrase is asked on the terminal.\n"
                 "Signing verbs use --keyring FILE, else the key the boot loaded into the kernel\n"
                 "(only in safe mode when the key mode is \"public\").\n"
                 "realmfsctl VERB --help shows one verb.\n"
                 "Exit status: 0 success, 1 failure or image rejected, 2 usage error.\n"
                 "See realmfsctl(1), realmfs(5).\n",
};

int main(int argc, char **argv) {
        log_setup("realmfsctl", LOG_TARGET_AUTO);
        if (secure_init() < 0) {
                fputs("realmfsctl: cannot initialize libsodium\n", stderr);
                return 1;
        }
        if (argc < 2)
                return usage_error(NULL, "missing command");
        if (streq(argv[1], "--help") || streq(argv[1], "-h"))
                return verbs_help(&tool);
        if (streq(argv[1], "--version"))
                return version_print("realmfsctl");
        return verbs_dispatch(&tool, argc - 1, argv + 1);
}
