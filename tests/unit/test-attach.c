/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What attach and detach refuse before any device is touched; the dry runs
 * and the units are tests/attach, real activation the VM suite. */
#include "attach.h"
#include "tests.h"

int main(void) {
        static const char *const bad[] = { "", "../etc", "a/b", "1abc", "-x", "with space", "a\nb",
                                           "abcdefghijabcdefghijabcdefghijabcdefghijX" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ASSERT_EQ(realmfs_attach(bad[i], true), -EINVAL);
                ASSERT_EQ(realmfs_detach(bad[i]), -EINVAL);
        }
        /* not active: detach is a no-op (also without device-mapper) */
        ASSERT_OK(realmfs_detach("nothere"));
        return 0;
}
