/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sodium.h>
#include <sys/prctl.h>

#include "secure.h"

int secure_init(void) {
        /* Core dumps and ptrace by other users would expose secrets. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return negative_errno();
        if (sodium_init() < 0)
                return -EIO;
        return 0;
}

void *secure_alloc(size_t size) {
        if (sodium_init() < 0)
                return NULL;
        /* sodium_malloc(0) is allowed but we always want a terminator slot. */
        return sodium_malloc(size ? size : 1);
}

void secure_free(void *p) {
        if (p)
                sodium_free(p);
}
