/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* realmfsctl attach | detach: what realmfs-verity@.service runs. */

#include "attach.h"
#include "realmfsctl.h"

int verb_attach(const Args *a) {
        return realmfs_attach(a->argv[0], arg_set(a, OPT_DRY_RUN));
}

int verb_detach(const Args *a) {
        return realmfs_detach(a->argv[0]);
}
