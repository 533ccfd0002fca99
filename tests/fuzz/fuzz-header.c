/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The RealmFS header and metainfo parsers: the first 4096 input bytes are
 * the header block (zero-padded when shorter). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t block[REALMFS_HEADER_SIZE] = {}, out[REALMFS_HEADER_SIZE];
        RealmfsHeader h;
        RealmfsMetainfo m, m2;
        const char *reason = NULL;
        char *error = NULL, *text = NULL;
        size_t len;

        memcpy(block, data, size < sizeof block ? size : sizeof block);
        if (realmfs_header_parse(block, &h, &reason) < 0) {
                if (!reason)
                        abort();
                return 0;
        }
        /* serialization is the exact inverse of parsing */
        realmfs_header_serialize(&h, out);
        if (memcmp(block, out, sizeof block) != 0)
                abort();

        if (realmfs_metainfo_parse(h.metainfo, h.metainfo_len, "fuzz", &m, &error) < 0) {
                free(error);
                return 0;
        }
        (void) realmfs_metainfo_check_sealed(&m, &reason);
        /* what we write we must read back, with the same known fields */
        if (realmfs_metainfo_format(&m, &text, &len) >= 0) {
                if (realmfs_metainfo_parse(text, len, "fuzz-out", &m2, &error) < 0)
                        abort();
                if (m2.version != m.version || m2.nblocks != m.nblocks || m2.has_verity != m.has_verity ||
                    (m.realmfs_name && (!m2.realmfs_name || strcmp(m.realmfs_name, m2.realmfs_name) != 0)))
                        abort();
                realmfs_metainfo_done(&m2);
                free(text);
        }
        realmfs_metainfo_done(&m);
        return 0;
}
