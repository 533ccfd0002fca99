/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verb machinery of realmfsctl (systemd's verbs.h and cryptsetup's
 * tools_check_args shape): the options a verb takes, its argument count,
 * per-verb --help, and the one mapping of a verb's result to the exit
 * status. */

#include <getopt.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>

#include "header.h"
#include "log.h"
#include "realmfsctl.h"
#include "trust.h"
#include "util.h"

int usage_error(const Args *a, const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "realmfsctl: %s%s", a && a->verb ? a->verb : "", a && a->verb ? ": " : "");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, " (see realmfsctl %s%s--help)\n", a && a->verb ? a->verb : "", a && a->verb ? " " : "");
        return VERB_USAGE;
}

static void print_usage(const char *prefix, const Verb *v) {
        if (v->sub)
                for (size_t i = 0; i < *v->n_sub; i++)
                        printf("  realmfsctl %s %s %s\n", v->name, v->sub[i].name, v->sub[i].usage);
        else
                printf("  realmfsctl %s%s %s\n", prefix, v->name, v->usage);
}

int verbs_help(const VerbTable *t) {
        printf("%s\n\nUsage:\n", t->summary);
        for (size_t i = 0; i < t->n_verbs; i++)
                print_usage("", &t->verbs[i]);
        printf("  realmfsctl --help | --version\n\n%s", t->notes);
        return fflush(stdout) == 0 ? 0 : 1;
}

static int verb_help(const char *parent, const Verb *v) {
        _cleanup_free_ char *prefix = NULL;

        if (asprintf(&prefix, "%s%s", parent ? parent : "", parent ? " " : "") < 0)
                return log_oom();
        printf("Usage:\n");
        print_usage(prefix, v);
        printf("\nSee realmfsctl(1).\n");
        return fflush(stdout) == 0 ? 0 : -EIO;
}

static void args_done(Args *a) {
        for (size_t o = 0; o < _OPT_MAX; o++)
                free(a->values[o]);
}

/* The positional arguments of a usage line ("NAME NEW"): its words but the
 * [optional] groups, the options and the value after an option. */
static void positional_words(const char *usage, char *buf, size_t size) {
        const char *p = usage;
        size_t n = 0;
        int depth = 0;
        bool after_option = false;

        buf[0] = 0;
        while (*p) {
                size_t len;
                while (*p == ' ' || *p == '\n')
                        p++;
                len = strcspn(p, " \n");
                if (len == 0)
                        break;
                for (size_t i = 0; i < len; i++)
                        depth += p[i] == '[' ? 1 : p[i] == ']' ? -1 : 0;
                if (depth == 0 && p[0] != '[' && p[len - 1] != ']') {
                        if (p[0] == '-')
                                after_option = true;
                        else if (after_option)
                                after_option = false;
                        else if (n + len + 2 < size) {
                                n += (size_t) snprintf(buf + n, size - n, "%s%.*s", n > 0 ? " " : "", (int) len, p);
                        }
                } else
                        after_option = false;
                p += len;
        }
}

/* The options v takes, then its positional arguments (at most max). */
static int parse_args(const VerbTable *t, const Verb *v, int argc, char **argv, Args *a) {
        struct option long_options[_OPT_MAX + 1] = {};
        int c;

        for (size_t o = 0; o < _OPT_MAX; o++)
                long_options[o] = (struct option) { t->options[o].name,
                                                    t->options[o].has_value ? required_argument : no_argument, NULL,
                                                    0x100 + (int) o };
        /* options anywhere before "--" (update NAME --commit -- COMMAND);
         * what follows "--" is positional, as given */
        for (int j = 1; j < argc && !a->dashdash; j++)
                a->dashdash = streq(argv[j], "--");
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":", long_options, NULL)) >= 0) {
                size_t o = (size_t) c - 0x100;
                char **values;

                if (c == '?')
                        return usage_error(a, "unknown option '%s'", argv[optind - 1]);
                if (c == ':')
                        return usage_error(a, "option '%s' needs a value", argv[optind - 1]);
                if (!(v->options & OPT_BIT(o)))
                        return usage_error(a, "option '--%s' does not apply", t->options[o].name);
                values = realloc(a->values[o], (a->n_values[o] + 1) * sizeof(char *));
                if (!values)
                        return log_oom();
                a->values[o] = values;
                values[a->n_values[o]++] = optarg ? optarg : (char *) "";
        }
        a->argc = argc - optind;
        a->argv = argv + optind;
        if ((unsigned) a->argc < v->min_args || (unsigned) a->argc > v->max_args) {
                char words[256];
                positional_words(v->usage, words, sizeof words);
                if ((unsigned) a->argc < v->min_args)
                        return usage_error(a, "expected %s", words);
                return usage_error(a, "unexpected argument '%s': expected %s", a->argv[v->max_args],
                                   *words ? words : "none");
        }
        return 0;
}

static const Verb *find_verb(const Verb *table, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (streq(table[i].name, name))
                        return &table[i];
        return NULL;
}

static bool wants_help(int argc, char **argv) {
        for (int j = 1; j < argc && !streq(argv[j], "--"); j++) /* after --: a command's */
                if (streq(argv[j], "--help") || streq(argv[j], "-h"))
                        return true;
        return false;
}

/* argv[0] is the verb.  The one place a verb's result becomes an exit
 * status: negative errno (logged) 1, VERB_REJECTED 1, VERB_USAGE 2. */
int verbs_dispatch(const VerbTable *t, int argc, char **argv) {
        _cleanup_free_ char *name = NULL;
        const Verb *v = find_verb(t->verbs, t->n_verbs, argv[0]), *parent = NULL;
        Args a = { .verb = argv[0] };
        int r;

        if (!v)
                return usage_error(NULL, "unknown command '%s'", argv[0]);
        if (v->sub) {
                parent = v;
                if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                        if (argc >= 2)
                                return verb_help(NULL, v) < 0 ? 1 : 0;
                        return usage_error(&a, "expected init, passwd or show-public");
                }
                v = find_verb(parent->sub, *parent->n_sub, argv[1]);
                if (!v)
                        return usage_error(&a, "unknown command '%s'", argv[1]);
                if (asprintf(&name, "%s %s", parent->name, v->name) < 0) {
                        log_oom();
                        return 1;
                }
                a.verb = name;
                argc--, argv++;
        }
        if (wants_help(argc, argv))
                return verb_help(parent ? parent->name : NULL, v) < 0 ? 1 : 0;
        r = parse_args(t, v, argc, argv, &a);
        if (r == 0)
                r = v->run(&a);
        args_done(&a);
        return r < 0 ? 1 : r;
}


/* The keys of --public-key (any may verify), else those of the system's
 * trust rules (by channel). */
int tool_trust_keys(const Args *a, TrustedKey **ret, size_t *ret_n) {
        size_t n = a->n_values[OPT_PUBLIC_KEY];
        _cleanup_free_ TrustedKey *keys = NULL;

        if (n == 0)
                return trust_collect_system(ret, ret_n);
        keys = calloc(n, sizeof *keys);
        if (!keys)
                return log_oom();
        for (size_t i = 0; i < n; i++) {
                if (hex_decode(a->values[OPT_PUBLIC_KEY][i], keys[i].public_key, REALMFS_PUBLIC_KEY_SIZE) < 0)
                        return usage_error(a, "--public-key needs 64 hex digits");
                snprintf(keys[i].origin, sizeof keys[i].origin, "--public-key");
        }
        *ret = TAKE_PTR(keys);
        *ret_n = n;
        return 0;
}
