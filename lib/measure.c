/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "measure.h"
#include "names.h"
#include "pcr.h"
#include "tpm2.h"
#include "util.h"

#define MID_MEASURED "3eec1dcd89c24c20bdf2a8478d4e4352"
#define MID_NOT_MEASURED "801f4f3ef28142e1b89e1810807ee18d"
#define MID_NO_TPM "437bfdc28abd47f68322050f1c7263dd"

/* how long a TPM the firmware announced may take to get its driver */
#define TPM_WAIT_USEC (10u * 1000000u)

void measure_settings(const RealmbootConfig *config, const RealmbootCmdline *cmdline, MeasureSettings *ret) {
        int pcr = config->measure_pcr;

        if (cmdline->measure == 0)
                pcr = -1;
        else if (cmdline->measure > 0)
                pcr = cmdline->measure_pcr ? (int) cmdline->measure_pcr : pcr >= 0 ? pcr : PCR_DEFAULT;
        *ret = (MeasureSettings) { .pcr = pcr, .required = config->measure_required };
}

static int state_path(const char *file, char **ret) {
        char p[sizeof MEASURE_STATE_DIR + 64];

        snprintf(p, sizeof p, "%s/%s", MEASURE_STATE_DIR, file);
        return path_with_root(p, ret);
}

static bool state_exists(const char *file) {
        _cleanup_free_ char *p = NULL;

        return state_path(file, &p) >= 0 && access(p, F_OK) == 0;
}

static int state_write(const char *file, const char *content) {
        _cleanup_free_ char *p = NULL;
        int r = state_path(file, &p);

        if (r < 0)
                return r;
        r = mkdir_parents(p, 0755);
        if (r < 0)
                return r;
        return write_file_atomic(p, content, strlen(content), 0644, false);
}

/* Creates the marker; true when this call created it. */
static bool state_create_once(const char *file) {
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -1;

        if (state_path(file, &p) < 0 || mkdir_parents(p, 0755) < 0)
                return true;
        fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        return fd >= 0 || errno != EEXIST;
}

/* Opens and locks the measurement log; sets *was_dirty when an earlier
 * writer left the marker. */
static int log_open_locked(bool *was_dirty) {
        _cleanup_free_ char *p = NULL;
        struct stat st;
        int fd, r;

        r = path_with_root(MEASURE_LOG_PATH, &p);
        if (r < 0)
                return r;
        r = mkdir_parents(p, 0755);
        if (r < 0)
                return r;
        fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        if (!S_ISREG(st.st_mode)) {
                close(fd);
                return -EBADFD;
        }
        *was_dirty = st.st_mode & S_ISVTX;
        return fd;
}

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k < 0 ? -errno : -EIO;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

typedef struct Extension {
        const char *word;
        const char *event_type;
        const char *name; /* NAME= field, or NULL */
        const char *state_file;
        const char *state_content;
} Extension;

static int extend(const MeasureSettings *s, const Extension *e, const char **ret_error) {
        _cleanup_close_ int log_fd = -1;
        _cleanup_free_ char *record = NULL;
        PcrDigest digests[TPM2_BANKS_MAX];
        uint16_t algs[TPM2_BANKS_MAX];
        char fields[1024], banks[128] = "";
        size_t n = 0, len = 0, off;
        bool was_dirty = false;
        Tpm2 *tpm = NULL;
        int r;

        log_fd = log_open_locked(&was_dirty);
        if (log_fd < 0) {
                *ret_error = "cannot open " MEASURE_LOG_PATH;
                return log_fd;
        }
        /* under the lock: a state written meanwhile counts */
        if (e->state_file && e->state_content) {
                _cleanup_free_ char *p = NULL, *have = NULL;
                if (state_path(e->state_file, &p) >= 0 && read_full_file(p, 4096, 0, &have, NULL) >= 0 &&
                    streq(have, e->state_content))
                        return 0;
        } else if (e->state_file && state_exists(e->state_file))
                return 0;

        r = tpm2_open(&tpm, ret_error);
        if (r < 0)
                return r;
        r = tpm2_pcr_banks(tpm, (unsigned) s->pcr, algs, &n, ret_error);
        if (r >= 0 && n == 0) {
                *ret_error = "no PCR bank has this PCR";
                r = -ENOENT;
        }
        for (size_t i = 0; r >= 0 && i < n; i++) {
                digests[i].bank = pcr_bank_from_alg(algs[i]);
                if (!digests[i].bank || pcr_word_digest(digests[i].bank, e->word, digests[i].digest) < 0) {
                        /* a bank left as it is would keep a value no boot of ours gives */
                        *ret_error = "an active PCR bank has a hash realmboot cannot compute";
                        r = -EOPNOTSUPP;
                }
        }
        if (r >= 0) {
                /* the marker of an incomplete log, until the record is written */
                if (!was_dirty)
                        (void) fchmod(log_fd, 0600 | S_ISVTX);
                r = tpm2_pcr_extend(tpm, (unsigned) s->pcr, digests, n, ret_error);
        }
        tpm2_close(tpm);
        if (r < 0) {
                if (!was_dirty)
                        (void) fchmod(log_fd, 0600);
                return r;
        }
        test_hook_stop_point("measure-extended");

        r = pcr_log_record((unsigned) s->pcr, digests, n, e->word, e->event_type, &record, &len);
        if (r >= 0)
                r = write_all(log_fd, record, len);
        if (r >= 0 && fsync(log_fd) < 0)
                r = -errno;
        if (r < 0)
                log_error_errno(r, "%s: the record of %s could not be written; the log stays marked incomplete: %m",
                                MEASURE_LOG_PATH, e->word);
        else if (was_dirty)
                log_warning("%s was marked incomplete already (an earlier writer did not finish); it stays marked.",
                            MEASURE_LOG_PATH);
        else
                (void) fchmod(log_fd, 0600);
        if (e->state_file && state_write(e->state_file, e->state_content ? e->state_content : "") < 0)
                log_warning("Cannot write %s/%s: the next attach measures again.", MEASURE_STATE_DIR, e->state_file);

        off = (size_t) snprintf(fields, sizeof fields, "PCR=%d\nWORD=%s", s->pcr, e->word);
        if (e->name)
                off += (size_t) snprintf(fields + off, sizeof fields - MIN(off, sizeof fields), "\nNAME=%s", e->name);
        for (size_t i = 0; i < n && off < sizeof fields; i++) {
                char hex[2 * PCR_DIGEST_MAX + 1];

                hex_encode(digests[i].digest, digests[i].bank->size, hex);
                off += (size_t) snprintf(fields + off, sizeof fields - off, "\n%s=%s", digests[i].bank->field, hex);
                snprintf(banks + strlen(banks), sizeof banks - strlen(banks), "%s%s", i ? ", " : "",
                         digests[i].bank->name);
        }
        log_struct_errno(LOG_INFO, 0, MID_MEASURED, fields, "Measured %s into PCR %d (%s).", e->word, s->pcr, banks);
        return 1;
}

/* The policy around one extension. */
static int extend_or_log(const MeasureSettings *s, const Extension *e) {
        const char *error = NULL;
        int r;

        if (s->pcr < 0)
                return 0;
        /* the wait for a driver that has not bound, once per boot */
        if (!tpm2_present(state_exists("no-tpm") ? 0 : TPM_WAIT_USEC)) {
                r = -ENODEV;
                error = "no TPM 2.0";
        } else
                r = extend(s, e, &error);
        if (r >= 0)
                return 0;
        if (r == -ENODEV && !s->required) {
                /* one line per boot, whoever comes first */
                if (state_create_once("no-tpm"))
                        log_struct_errno(LOG_NOTICE, 0, MID_NO_TPM, NULL,
                                         "No TPM 2.0 on this machine (%s): RealmFS activations are not measured.",
                                         error ? error : "not found");
                else
                        log_debug("No TPM: %s not measured.", e->word);
                return 0;
        }
        if (!error)
                error = strerror(-r);
        if (s->required)
                return log_struct_errno(LOG_ERR, r, MID_NOT_MEASURED, NULL,
                                        "Cannot measure %s into PCR %d: %s; [measure] required = true: refusing.",
                                        e->word, s->pcr, error);
        log_struct_errno(LOG_WARNING, r, MID_NOT_MEASURED, NULL, "Cannot measure %s into PCR %d: %s; going on.",
                         e->word, s->pcr, error);
        return 0;
}

int measure_boot(const MeasureSettings *s, const RealmbootCmdline *cmdline) {
        int r;

        if (cmdline->noverity || cmdline->nosignatures) {
                r = extend_or_log(s, &(Extension) { .word = PCR_WORD_UNVERIFIED,
                                                    .event_type = "phase",
                                                    .state_file = "unverified" });
                if (r < 0)
                        return r;
        }
        if (cmdline->safe_mode)
                return extend_or_log(s, &(Extension) { .word = PCR_WORD_SAFE_MODE,
                                                       .event_type = "phase",
                                                       .state_file = "safe-mode" });
        return extend_or_log(s, &(Extension) { .word = PCR_WORD_NORMAL, .event_type = "phase", .state_file = "normal" });
}

int measure_realmfs(const MeasureSettings *s, const RealmbootCmdline *cmdline, const char *name,
                    const uint8_t root[32], const uint8_t *signer) {
        static const uint8_t none[32] = {};
        char word[PCR_WORD_MAX], file[sizeof "realmfs-" + REALMFS_NAME_MAX], content[PCR_WORD_MAX + 1];
        int r;

        if (s->pcr < 0)
                return 0;
        r = pcr_word_verity(name, root, signer ? signer : none, word, sizeof word);
        if (r < 0)
                return log_error_errno(r, "Cannot build the measurement word of %s: %m", name);
        r = measure_boot(s, cmdline);
        if (r < 0)
                return r;
        snprintf(file, sizeof file, "realmfs-%s", name);
        snprintf(content, sizeof content, "%s\n", word);
        return extend_or_log(s, &(Extension) { .word = word,
                                               .event_type = "dm-verity",
                                               .name = name,
                                               .state_file = file,
                                               .state_content = content });
}

bool measure_realmfs_is_measured(const char *name, const uint8_t root[32]) {
        _cleanup_free_ char *p = NULL, *have = NULL;
        char file[sizeof "realmfs-" + REALMFS_NAME_MAX], prefix[sizeof "verity:realmfs-" + REALMFS_NAME_MAX + 66];
        char hex[65];

        if (!realmfs_name_is_valid(name))
                return false;
        snprintf(file, sizeof file, "realmfs-%s", name);
        if (state_path(file, &p) < 0 || read_full_file(p, 4096, 0, &have, NULL) < 0)
                return false;
        hex_encode(root, 32, hex);
        snprintf(prefix, sizeof prefix, "verity:realmfs-%s:%s:", name, hex);
        return string_has_prefix(have, prefix);
}
