/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/prctl.h>

#include "secure.h"
#include "tests.h"

int main(void) {
        _cleanup_secure_free_ char *a = NULL;
        char *b;

        ASSERT_OK(secure_init());
        /* not dumpable: no core file and no ptrace by the same user */
        ASSERT_EQ(prctl(PR_GET_DUMPABLE), 0);
        a = secure_alloc(64);
        ASSERT_TRUE(a);
        memset(a, 0x5a, 64);
        b = secure_alloc(1);
        ASSERT_TRUE(b);
        secure_free(b);
        secure_free(NULL);
        return 0;
}
