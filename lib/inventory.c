/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <stdio.h>

#include "fileio.h"
#include "image.h"
#include "inventory.h"
#include "log.h"
#include "measure.h"
#include "names.h"
#include "trust.h"
#include "util.h"
#include "verity.h"

static void realmfs_info_clear(RealmfsInfo *i) {
        free(i->name);
        free(i->channel);
        free(i->signer);
        free(i->device);
        free(i->mountpoint);
        for (size_t k = 0; k < i->n_realms; k++)
                free(i->realms[k]);
        free(i->realms);
        *i = (RealmfsInfo) {};
}

void realmfs_inventory_free(RealmfsInfo *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                realmfs_info_clear(&v[i]);
        free(v);
}

/* The mount point of device in /proc/self/mountinfo ("\040" and the other
 * octal escapes of the kernel undone), or NULL. */
static char *mount_point_of(const char *device) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t size = 0;

        if (!f)
                return NULL;
        while (getline(&line, &size, f) > 0) {
                char where[4096], source[4096], *sep = strstr(line, " - ");
                if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", where) != 1 ||
                    sscanf(sep + 3, "%*s %4095s", source) != 1 || !streq(source, device))
                        continue;
                for (char *r = where, *w = where; ; r++, w++) {
                        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
                            r[3] <= '7') {
                                *w = (char) ((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
                                r += 3;
                        } else if (!(*w = *r))
                                break;
                }
                return strdup(where);
        }
        return NULL;
}

/* Header and trust of one image (quietly: problems are its reason). */
static int describe_image(RealmfsInfo *info, const char *path, const TrustedKey *keys, size_t n_keys) {
        _cleanup_(realmfs_image_close) RealmfsImage img = REALMFS_IMAGE_NULL;
        const TrustedKey *k = NULL;
        int level = log_get_max_level(), r;

        log_set_max_level(LOG_CRIT);
        r = realmfs_image_open(path, &img);
        log_set_max_level(level);
        if (r < 0) {
                info->reason = "not a valid sealed RealmFS image";
                return 0;
        }
        info->channel = strdup(img.meta.channel);
        if (!info->channel)
                return -ENOMEM;
        info->version = img.meta.version;
        info->nblocks = img.meta.nblocks;
        r = realmfs_image_find_signer(&img, keys, n_keys, true, &k);
        if (r == -ENOMEDIUM)
                info->reason = "unsigned";
        else if (r == -ENOKEY)
                info->reason = "no trusted key for its channel";
        else if (r < 0)
                info->reason = "signature does not verify with any trusted key";
        else {
                info->trusted = true;
                if (streq(k->channel, REALMFS_USER_CHANNEL))
                        info->signer = strdup("user");
                else if (asprintf(&info->signer, "channel:%s", k->channel) < 0)
                        info->signer = NULL;
                if (!info->signer)
                        return -ENOMEM;
        }
        return 0;
}

static int describe_use(RealmfsInfo *info, const RealmEntry *realms, size_t n_realms) {
        _cleanup_free_ char *dm_name = NULL;
        uint8_t root[VERITY_ROOT_SIZE];

        if (realmfs_device_name(info->name, &dm_name) < 0 || realmfs_device_path(info->name, &info->device) < 0)
                return -ENOMEM;
        info->attached = verity_active_root_hash(dm_name, root) >= 0;
        /* this boot extended the word of the root the device has now */
        info->measured = info->attached && measure_realmfs_is_measured(info->name, root);
        info->mountpoint = info->attached ? mount_point_of(info->device) : NULL;
        for (size_t i = 0; i < n_realms; i++) {
                char **v;
                if (!streq(realms[i].realmfs, info->name))
                        continue;
                v = realloc(info->realms, (info->n_realms + 1) * sizeof *v);
                if (!v)
                        return -ENOMEM;
                info->realms = v;
                if (!(v[info->n_realms] = strdup(realms[i].name)))
                        return -ENOMEM;
                info->n_realms++;
        }
        return 0;
}

static int info_compare(const void *a, const void *b) {
        return strcmp(((const RealmfsInfo *) a)->name, ((const RealmfsInfo *) b)->name);
}

/* The NAMEs of <dir>/NAME-realmfs.img, into *ret (unsorted). */
static int list_images(const char *dir, RealmfsInfo **ret, size_t *ret_n) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        RealmfsInfo *v = NULL;
        size_t n = 0;
        struct dirent *de;

        if (!d)
                return errno == ENOENT ? 0 : negative_errno();
        while ((de = readdir(d))) {
                char *name = NULL;
                RealmfsInfo *nv;

                if (realmfs_name_from_image_path(de->d_name, &name) < 0)
                        continue; /* not NAME-realmfs.img: not ours (temporary files, backups) */
                nv = realloc(v, (n + 1) * sizeof *v);
                if (!nv) {
                        free(name);
                        realmfs_inventory_free(v, n);
                        return -ENOMEM;
                }
                v = nv;
                v[n++] = (RealmfsInfo) { .name = name };
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int realmfs_inventory(const RealmbootConfig *config, const RealmbootCmdline *cmdline, RealmfsInfo **ret,
                      size_t *ret_n) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_free_ TrustedKey *keys = NULL;
        RealmEntry *realms = NULL;
        RealmfsInfo *v = NULL;
        size_t n = 0, n_keys = 0, n_realms = 0;
        int level = log_get_max_level(), r;

        r = path_with_root(config->images_directory, &dir);
        if (r < 0)
                return r == -ENOMEM ? log_oom() : log_error_errno(r, "Cannot build the images directory path: %m");
        r = list_images(dir, &v, &n);
        if (r < 0)
                return r == -ENOMEM ? log_oom() : log_error_errno(r, "%s: cannot read: %m", dir);
        r = trust_collect(config, cmdline, &keys, &n_keys);
        if (r < 0) {
                realmfs_inventory_free(v, n);
                return r;
        }
        log_set_max_level(LOG_CRIT); /* a broken realm config is the generator's to report */
        (void) realm_scan(config, &realms, &n_realms);
        log_set_max_level(level);
        qsort(v, n, sizeof *v, info_compare);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *path = NULL;
                r = realmfs_image_path(dir, v[i].name, &path);
                if (r >= 0)
                        r = describe_image(&v[i], path, keys, n_keys);
                if (r >= 0)
                        r = describe_use(&v[i], realms, n_realms);
        }
        realm_entries_free(realms, n_realms);
        if (r < 0) {
                realmfs_inventory_free(v, n);
                return log_oom();
        }
        *ret = v;
        *ret_n = n;
        return 0;
}
