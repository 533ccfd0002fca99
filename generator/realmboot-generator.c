/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* realmboot-generator: turns the realm directory into units.
 *
 * Normal boot, for every realm with a valid config and an existing image:
 *   run-realmfs-NAME.mount           /dev/mapper/realmfs-NAME on /run/realmfs/NAME,
 *                                    after realmfs-verity@NAME.service
 *   realm@REALM.service.d/50-realmboot.conf   needs the mount, knows REALMFS_ROOT
 *   realms.target.wants/realm@REALM.service   for autostart realms
 * Safe mode: default.target -> realmboot-safe-mode.target, realms and the
 * network units masked, no RealmFS unit at all.
 *
 * Fast and self-contained: reads the command line, the config, the realm
 * configs (and, with realmboot.noverity only, image headers); never touches
 * the network or device-mapper and never waits.  Exit status is non-zero
 * only when the output cannot be written. */

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cmdline.h"
#include "config.h"
#include "fileio.h"
#include "header.h"
#include "log.h"
#include "measure.h"
#include "names.h"
#include "predict.h"
#include "tpm2.h"
#include "unit-file.h"
#include "unit-name.h"
#include "util.h"

#define SAFE_MODE_TARGET "realmboot-safe-mode.target"
#define NETGUARD_SERVICE "realmboot-netguard.service"

static const char *arg_dest = NULL;       /* normal */
static const char *arg_dest_early = NULL; /* outranks /etc: for safe mode */
static RealmbootCmdline arg_cmdline = { .key_mode = KEY_MODE_UNSET };
static RealmbootConfig arg_config = {};

/* One RealmFS used by at least one realm. */
typedef struct Realmfs {
        const char *name;
        const char *problem; /* why it cannot be used, or NULL */
        uint64_t nblocks;    /* noverity only */
} Realmfs;

/* ---- units ---- */

static int add_mount(const Realmfs *fs) {
        _cleanup_free_ char *where = NULL, *unit = NULL, *image = NULL, *verity = NULL, *device = NULL;
        FILE *f;
        int r;

        if ((r = realmfs_mount_point(fs->name, &where)) < 0 || (r = unit_name_from_path(where, ".mount", &unit)) < 0 ||
            (r = realmfs_image_path(arg_config.images_directory, fs->name, &image)) < 0 ||
            (r = unit_name_build_instance("realmfs-verity", fs->name, ".service", &verity)) < 0 ||
            (r = realmfs_device_path(fs->name, &device)) < 0)
                return log_error_errno(r, "Cannot build unit names for RealmFS %s: %m", fs->name);

        r = unit_file_create(arg_dest, unit, &f);
        if (r < 0)
                return r;
        /* Not part of local-fs.target: the images live on local file systems
         * and the verity service runs after them (default dependencies
         * would order the mount before local-fs.target: a cycle).  Mounted
         * while a realm needs it: once the last realm on it stopped, it is
         * unmounted (and its verity device detached), so that the next
         * realm runs on the image as it is then (realmfsctl update). */
        fprintf(f,
                "[Unit]\n"
                "Description=RealmFS %s%s\n"
                "Documentation=man:realmboot-generator(8)\n"
                "SourcePath=%s\n"
                "DefaultDependencies=no\n"
                "StopWhenUnneeded=yes\n"
                "Conflicts=umount.target\n"
                "Before=umount.target\n"
                "After=local-fs.target\n",
                fs->name, arg_cmdline.noverity ? " (UNVERIFIED: realmboot.noverity)" : " (dm-verity, read-only)", image);
        if (arg_cmdline.noverity)
                fprintf(f, "RequiresMountsFor=%s\n", image);
        else
                fprintf(f, "Requires=%s\nAfter=%s\n", verity, verity);
        fprintf(f, "\n[Mount]\n");
        if (arg_cmdline.noverity)
                /* the data area only: header before it, hash tree after it */
                fprintf(f,
                        "What=%s\n"
                        "Where=%s\n"
                        "Options=ro,nodev,nosuid,loop,offset=%u,sizelimit=%" PRIu64 "\n",
                        image, where, REALMFS_HEADER_SIZE, fs->nblocks * REALMFS_BLOCK_SIZE);
        else
                fprintf(f,
                        "What=%s\n"
                        "Where=%s\n"
                        "Options=ro,nodev,nosuid\n",
                        device, where);
        return unit_file_finish(f, unit);
}

static int add_realm(const RealmEntry *realm) {
        _cleanup_free_ char *where = NULL, *mount = NULL, *service = NULL, *dropin = NULL, *machine = NULL;
        FILE *f;
        int r;

        if ((r = realmfs_mount_point(realm->realmfs, &where)) < 0 ||
            (r = realm_machine_name(realm->name, &machine)) < 0 ||
            (r = unit_name_from_path(where, ".mount", &mount)) < 0 ||
            (r = unit_name_build_instance("realm", realm->name, ".service", &service)) < 0)
                return log_error_errno(r, "Cannot build unit names for realm %s: %m", realm->name);
        if (asprintf(&dropin, "%s.d/50-realmboot.conf", service) < 0)
                return log_oom();

        r = unit_file_create(arg_dest, dropin, &f);
        if (r < 0)
                return r;
        fprintf(f,
                "[Unit]\n"
                "Requires=%s\n"
                "After=%s\n"
                "\n[Service]\n"
                "Environment=REALMFS=%s REALMFS_ROOT=%s\n",
                mount, mount, realm->realmfs, where);
        if (!streq(machine, realm->name)) {
                /* realm@.service's REALM_MACHINE=%I would be too long */
                log_info("Realm %s: machine name %s (a machine name has at most %d characters).", realm->name,
                         machine, MACHINE_NAME_MAX);
                fprintf(f, "Environment=REALM_MACHINE=%s\n", machine);
        }
        if (realm->boot)
                /* the realm config asks for a booted container */
                fprintf(f, "ExecStart=\nExecStart=%s --boot\n", NSPAWN_REALM);
        r = unit_file_finish(f, dropin);
        if (r < 0)
                return r;

        if (realm->autostart) {
                _cleanup_free_ char *link = NULL;
                if (asprintf(&link, "realms.target.wants/%s", service) < 0)
                        return log_oom();
                r = unit_file_symlink(arg_dest, link, SYSTEM_UNIT_DIR "/realm@.service");
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Measured activation ([L]): the RealmFS the boot activates are measured
 * in name order, whatever order systemd would start them in, so that the
 * PCR value depends only on which images were activated.  Each one's
 * realmfs-verity@ unit is ordered after those of all names before it (not
 * only the one before: a failed or masked one does not break the chain);
 * only on a machine with a TPM (one without attaches them in parallel).
 * After= orders only units of the same transaction, so an image attached
 * later is measured when it is attached. */
static int add_measure_order_dropin(char *const *set, size_t i, int pcr) {
        _cleanup_free_ char *unit = NULL, *dropin = NULL;
        FILE *f;
        int r;

        if (unit_name_build_instance("realmfs-verity", set[i], ".service", &unit) < 0 ||
            asprintf(&dropin, "%s.d/50-realmboot-measure-order.conf", unit) < 0)
                return log_oom();
        r = unit_file_create(arg_dest, dropin, &f);
        if (r < 0)
                return r;
        fprintf(f, "# measured into PCR %d after the boot's RealmFS before it in name order\n[Unit]\nAfter=", pcr);
        for (size_t k = 0; k < i; k++) {
                _cleanup_free_ char *before = NULL;

                if (unit_name_build_instance("realmfs-verity", set[k], ".service", &before) < 0) {
                        fclose(f);
                        return log_oom();
                }
                fprintf(f, "%s%s", k ? " " : "", before);
        }
        fputc('\n', f);
        return unit_file_finish(f, dropin);
}

static int add_measure_order(const RealmEntry *realms, size_t n_realms) {
        char **set = NULL;
        MeasureSettings ms;
        size_t n = 0;
        int r, result = 0;

        measure_settings(&arg_config, &arg_cmdline, &ms);
        if (ms.pcr < 0 || arg_cmdline.noverity)
                return 0;
        if (!tpm2_announced()) {
                /* nothing can be measured: the attaches run in parallel */
                log_debug("No TPM 2.0: the boot's RealmFS are attached in any order, unmeasured.");
                return 0;
        }
        r = realmfs_boot_set_of(&arg_config, realms, n_realms, &set, &n);
        if (r < 0)
                return r == -ENOMEM ? log_oom() : log_error_errno(r, "Cannot build the image paths: %m");
        for (size_t i = 1; i < n; i++)
                if ((r = add_measure_order_dropin(set, i, ms.pcr)) < 0)
                        result = r;
        strv_free_n(set, n);
        return result;
}

/* The second network layer of safe mode, independent of the first
 * (realmboot-netguard keeping links down): systemd's BPF IP filter on the
 * root slice, which every process of the system is under.  Even a link that
 * something brings up carries no IP traffic but loopback. */
static int add_safe_mode_ip_filter(void) {
        FILE *f;
        int r;

        r = unit_file_create(arg_dest_early, "-.slice.d/50-realmboot-safe-mode.conf", &f);
        if (r < 0)
                return r;
        fputs("# realmboot safe mode: no IP traffic but loopback, for every process\n"
              "[Slice]\n"
              "IPAddressDeny=any\n"
              "IPAddressAllow=localhost\n",
              f);
        return unit_file_finish(f, "-.slice.d/50-realmboot-safe-mode.conf");
}

static int add_safe_mode(void) {
        static const char *const always[] = { "realm@.service", "realms.target" };
        int r, k;

        log_notice("Safe mode: booting %s; realms and networking masked, network links kept down, "
                   "no IP traffic but loopback, no RealmFS activated.", SAFE_MODE_TARGET);
        /* One link that cannot be written (logged) must not leave the
         * others unwritten: go on, and fail the generator at the end. */
        r = unit_file_symlink(arg_dest_early, "sysinit.target.wants/" NETGUARD_SERVICE,
                              SYSTEM_UNIT_DIR "/" NETGUARD_SERVICE);
        if ((k = add_safe_mode_ip_filter()) < 0)
                r = k;
        if ((k = unit_file_symlink(arg_dest_early, "default.target", SYSTEM_UNIT_DIR "/" SAFE_MODE_TARGET)) < 0)
                r = k;
        for (size_t i = 0; i < ELEMENTSOF(always); i++)
                if ((k = unit_file_symlink(arg_dest_early, always[i], "/dev/null")) < 0)
                        r = k;
        for (size_t i = 0; i < arg_config.n_safe_mode_mask; i++)
                if ((k = unit_file_symlink(arg_dest_early, arg_config.safe_mode_mask[i], "/dev/null")) < 0)
                        r = k;
        return r;
}

/* ---- realms ---- */

static int realmfs_compare(const void *a, const void *b) {
        return strcmp(((const Realmfs *) a)->name, ((const Realmfs *) b)->name);
}

/* Checks the image of fs: it exists; with noverity also a readable header
 * giving the data size.  Sets fs->problem (logged once per realm). */
static void check_realmfs(Realmfs *fs, const char *rooted_image) {
        _cleanup_free_ char *error = NULL;
        _cleanup_close_ int fd = -1;
        uint8_t block[REALMFS_HEADER_SIZE];
        const char *reason = NULL;
        RealmfsHeader h;
        RealmfsMetainfo m;
        struct stat st;

        /* stat, not open: nothing here may block on a FIFO */
        if (stat(rooted_image, &st) < 0) {
                fs->problem = "image missing";
                return;
        }
        if (!S_ISREG(st.st_mode)) {
                fs->problem = "image is not a regular file";
                return;
        }
        if (!arg_cmdline.noverity)
                return;
        fd = open_regular(rooted_image);
        if (fd < 0 || pread_full(fd, block, sizeof block, 0) < 0) {
                fs->problem = "image header unreadable";
                return;
        }
        if (realmfs_header_parse(block, &h, &reason) < 0) {
                fs->problem = "image header invalid";
                return;
        }
        if (realmfs_metainfo_parse(h.metainfo, h.metainfo_len, rooted_image, &m, &error) < 0) {
                fs->problem = "image metainfo invalid";
                return;
        }
        fs->nblocks = m.nblocks;
        realmfs_metainfo_done(&m);
        if (fs->nblocks == 0)
                fs->problem = "image metainfo has no nblocks";
}

/* The set of RealmFS the realms use, sorted and deduplicated (names point
 * into realms).  *ret is malloc'd. */
static int collect_realmfs(const RealmEntry *realms, size_t n_realms, Realmfs **ret, size_t *ret_n) {
        Realmfs *fs = calloc(n_realms, sizeof *fs);
        size_t k = 0;

        if (!fs)
                return -ENOMEM;
        for (size_t i = 0; i < n_realms; i++)
                fs[i] = (Realmfs) { .name = realms[i].realmfs };
        qsort(fs, n_realms, sizeof *fs, realmfs_compare);
        for (size_t i = 0; i < n_realms; i++)
                if (k == 0 || !streq(fs[k - 1].name, fs[i].name))
                        fs[k++] = fs[i];
        *ret = fs;
        *ret_n = k;
        return 0;
}

/* A mount unit for every RealmFS whose image is there. */
static int add_mounts(Realmfs *fs, size_t n_fs) {
        int r, result = 0;

        for (size_t i = 0; i < n_fs; i++) {
                _cleanup_free_ char *image = NULL, *rooted = NULL;

                if ((r = realmfs_image_path(arg_config.images_directory, fs[i].name, &image)) < 0 ||
                    (r = path_with_root(image, &rooted)) < 0)
                        return r == -ENOMEM ? log_oom()
                                            : log_error_errno(r, "Cannot build the image path of %s: %m", fs[i].name);
                check_realmfs(&fs[i], rooted);
                if (!fs[i].problem && (r = add_mount(&fs[i])) < 0)
                        result = r;
        }
        return result;
}

static int run_normal(void) {
        RealmEntry *realms = NULL;
        _cleanup_free_ Realmfs *fs = NULL;
        size_t n_realms = 0, n_fs = 0;
        int r, result;

        r = realm_scan(&arg_config, &realms, &n_realms);
        if (r < 0)
                return 0; /* logged; no realms is not an output error */
        if (n_realms == 0) {
                log_debug("No realms.");
                return 0;
        }
        if (arg_cmdline.noverity)
                log_warning("realmboot.noverity: RealmFS images are mounted WITHOUT dm-verity; "
                            "their content is NOT verified.");
        r = collect_realmfs(realms, n_realms, &fs, &n_fs);
        if (r < 0) {
                realm_entries_free(realms, n_realms);
                return log_oom();
        }
        result = add_mounts(fs, n_fs);
        if ((r = add_measure_order(realms, n_realms)) < 0)
                result = r;
        for (size_t i = 0; result >= 0 && i < n_realms; i++) {
                Realmfs key = { .name = realms[i].realmfs };
                Realmfs *f = bsearch(&key, fs, n_fs, sizeof *fs, realmfs_compare);

                if (f && f->problem) {
                        log_warning("Realm %s: skipped: RealmFS %s: %s (%s/%s-realmfs.img).", realms[i].name,
                                    f->name, f->problem, arg_config.images_directory, f->name);
                        continue;
                }
                if ((r = add_realm(&realms[i])) < 0)
                        result = r;
        }
        realm_entries_free(realms, n_realms);
        return result;
}

static void setup_logging(void) {
        const char *t = getenv("REALMBOOT_LOG_TARGET");

        /* systemd (251+) sets SYSTEMD_SCOPE for generators; they run before
         * journald, so their messages go to the kernel log. */
        if (t && streq(t, "stderr"))
                log_setup("realmboot-generator", LOG_TARGET_STDERR);
        else if ((t && streq(t, "kmsg")) || getenv("SYSTEMD_SCOPE"))
                log_setup("realmboot-generator", LOG_TARGET_KMSG);
        else
                log_setup("realmboot-generator", LOG_TARGET_STDERR);
}

static int help(void) {
        printf("realmboot-generator NORMAL-DIR [EARLY-DIR LATE-DIR]\n\n"
               "systemd generator: mount units for each realm's RealmFS, or safe mode.\n"
               "Run by systemd at boot and daemon-reload.  See realmboot-generator(8).\n");
        return 0;
}

static int run(void) {
        int r;

        r = realmboot_cmdline_load(&arg_cmdline);
        if (r < 0)
                return r; /* logged as what it is */
        if (arg_cmdline.debug)
                log_set_max_level(LOG_DEBUG);
        if (arg_cmdline.disable) {
                log_notice("realmboot.disable: generating nothing.");
                return 0;
        }
        (void) realmboot_config_load(NULL, &arg_config); /* problems logged; defaults kept */
        return arg_cmdline.safe_mode ? add_safe_mode() : run_normal();
}

int main(int argc, char **argv) {
        int r;

        setup_logging();
        if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h")))
                return help();
        if (argc == 2 && streq(argv[1], "--version"))
                return version_print("realmboot-generator");
        if (argc != 2 && argc != 4) {
                log_error("Expected one or three directory arguments (NORMAL [EARLY LATE]).");
                return 1;
        }
        arg_dest = argv[1];
        arg_dest_early = argc == 4 ? argv[2] : argv[1];

        if (in_initrd()) {
                log_debug("In the initrd: nothing to do.");
                return 0;
        }
        r = run();
        realmboot_config_done(&arg_config);
        realmboot_cmdline_done(&arg_cmdline);
        return r < 0 ? 1 : 0;
}
