/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What realmfsctl.c (the verb and option tables, main) shares with the verb
 * files (verb-*.c).  A verb gets its parsed arguments and returns 0, a
 * small positive VERB_* value, or a negative errno it has already logged;
 * realmfsctl.c alone turns that into the exit status. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* Every option of every verb: adding one is an entry here and one in
 * option_table[] (realmfsctl.c), and its bit in the verbs that take it. */
typedef enum Option {
        OPT_JSON,
        OPT_PUBLIC_KEY,
        OPT_KEYRING,
        OPT_PASSPHRASE_FILE,
        OPT_NEW_PASSPHRASE_FILE,
        OPT_NAME,
        OPT_FROM,
        OPT_CHANNEL,
        OPT_OWNER,
        OPT_DRY_RUN,
        OPT_GROW,
        OPT_COMMIT,
        OPT_DISCARD,
        OPT_START,
        OPT_SAFE_MODE,
        _OPT_MAX,
} Option;

#define OPT_BIT(o) (UINT32_C(1) << (o))
/* the options of every verb that reads a keyring file */
#define KEYRING_OPTIONS (OPT_BIT(OPT_KEYRING) | OPT_BIT(OPT_PASSPHRASE_FILE))

typedef struct Args {
        const char *verb;            /* "verify", "keyring init": for messages */
        char **values[_OPT_MAX];     /* every value given, in order (flags: "") */
        size_t n_values[_OPT_MAX];
        int argc;                    /* positional arguments */
        char **argv;
        bool dashdash;               /* "--" was given: the arguments after it are last */
} Args;

static inline bool arg_set(const Args *a, Option o) {
        return a->n_values[o] > 0;
}

/* The last value given for o, or NULL. */
static inline const char *arg_str(const Args *a, Option o) {
        return a->n_values[o] > 0 ? a->values[o][a->n_values[o] - 1] : NULL;
}

enum {
        VERB_OK = 0,
        VERB_REJECTED = 1, /* the image or input was refused (logged) */
        VERB_USAGE = 2,    /* a usage error (printed by usage_error()) */
};

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args;
        uint32_t options; /* OPT_BIT()s it takes */
        int (*run)(const Args *a);
        const char *usage; /* after "realmfsctl NAME " */
        const struct Verb *sub; /* sub-verbs (keyring init, ...) or NULL */
        const size_t *n_sub;
} Verb;

typedef struct OptionDef {
        const char *name;
        bool has_value;
} OptionDef;

typedef struct VerbTable {
        const Verb *verbs;
        size_t n_verbs;
        const OptionDef *options; /* indexed by Option */
        const char *summary, *notes;
} VerbTable;

/* verbs.c: argv[0] is the verb; parses its options and arguments, runs it
 * and returns the exit status (negative errno and VERB_REJECTED 1,
 * VERB_USAGE 2).  verbs_help() prints the usage of every verb. */
int verbs_dispatch(const VerbTable *t, int argc, char **argv);
int verbs_help(const VerbTable *t);

/* "realmfsctl: VERB: message (see realmfsctl VERB --help)" on stderr;
 * returns VERB_USAGE. */
int usage_error(const Args *a, const char *fmt, ...) _printf_(2, 3);

/* The passphrase of FILE (--passphrase-file, else asked on the terminal),
 * in secure memory.  Logs one line on failure. */
int tool_keyring_passphrase(const Args *a, const char *keyring, char **ret, size_t *ret_len);

/* The signing key of create, sign, fork, update, resize and rollback, in the
 * order of DESIGN.md: --keyring FILE (its passphrase asked now, its KDF in
 * a thread), else the seed the boot loaded into the kernel.  Logged. */
struct SeedLoader;
int tool_signing_key(const Args *a, struct SeedLoader *l);

/* The keys of --public-key (any may verify), else those of the system's
 * trust rules (by channel).  Logged; a bad key is a usage error. */
struct TrustedKey;
int tool_trust_keys(const Args *a, struct TrustedKey **ret, size_t *ret_n);

/* verb-image.c */
int verb_inspect(const Args *a);
int verb_verify(const Args *a);
int verb_create(const Args *a);
int verb_sign(const Args *a);
/* verb-fork.c */
int verb_fork(const Args *a);
/* verb-update.c */
int verb_update(const Args *a);
int verb_resize(const Args *a);
int verb_rollback(const Args *a);
/* verb-list.c */
int verb_list(const Args *a);
/* verb-attach.c */
int verb_attach(const Args *a);
int verb_detach(const Args *a);
/* verb-measure.c */
int verb_pcr_predict(const Args *a);
/* verb-keyring.c */
extern const Verb keyring_verbs[];
extern const size_t n_keyring_verbs;
