/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "realm-state.h"
#include "unit-name.h"
#include "util.h"

static bool unit_is_running(sd_bus *bus, const char *realm) {
        _cleanup_free_ char *unit = NULL, *path = NULL, *state = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        bool running;

        if (unit_name_build_instance("realm", realm, ".service", &unit) < 0 ||
            sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path) < 0)
                return false;
        /* a unit never loaded has no object: not running */
        if (sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Unit",
                                       "ActiveState", &error, &state) < 0) {
                sd_bus_error_free(&error);
                return false;
        }
        running = streq(state, "active") || streq(state, "activating") || streq(state, "deactivating") ||
                  streq(state, "reloading");
        return running;
}

int realms_running_on(const RealmbootConfig *config, const char *realmfs, char ***ret, size_t *ret_n) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        RealmEntry *realms = NULL;
        size_t n_realms = 0, n = 0;
        char **v = NULL;
        int r;

        *ret = NULL;
        *ret_n = 0;
        if (sd_booted() <= 0)
                return -ENOMEDIUM;
        if (sd_bus_open_system(&bus) < 0)
                return -ENOTCONN;
        r = realm_scan(config, &realms, &n_realms);
        if (r < 0)
                return r;
        v = calloc(n_realms + 1, sizeof *v);
        if (!v) {
                realm_entries_free(realms, n_realms);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n_realms; i++)
                if (streq(realms[i].realmfs, realmfs) && unit_is_running(bus, realms[i].name)) {
                        v[n] = strdup(realms[i].name);
                        if (!v[n]) {
                                strv_free_n(v, n);
                                realm_entries_free(realms, n_realms);
                                return -ENOMEM;
                        }
                        n++;
                }
        realm_entries_free(realms, n_realms);
        *ret = v;
        *ret_n = n;
        return 0;
}
