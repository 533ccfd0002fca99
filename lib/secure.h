/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "macro.h"

/* Secrets (passphrases, seeds, derived keys) live in memory from
 * sodium_malloc(): mlock'ed, guarded, and wiped by sodium_free().  These
 * wrappers make the release declarable with _cleanup_secure_free_. */

int secure_init(void);  /* sodium_init() + PR_SET_DUMPABLE=0; call once in main() */
void *secure_alloc(size_t size);
void secure_free(void *p);  /* NULL-safe; wipes */

static inline void secure_freep(void *p) {
        secure_free(*(void **) p);
}
#define _cleanup_secure_free_ _cleanup_(secure_freep)
