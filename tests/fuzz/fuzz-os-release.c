/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* os-release(5) as the trust rules read it (CITADEL_CHANNEL,
 * CITADEL_IMAGE_PUBKEY).  Invariants: never a crash; on success every value
 * is a string no longer than the input, the same on a second parse; on
 * failure no value and one line "FILE:LINE:COL: message" inside the input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "os-release.h"

static const char *const keys[] = { "CITADEL_CHANNEL", "CITADEL_IMAGE_PUBKEY", "ID", "A" };
#define N_KEYS (sizeof keys / sizeof keys[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *v[N_KEYS], *w[N_KEYS], *error = NULL, *error2 = NULL;
        unsigned line, col;
        size_t lines = 1;
        int r, r2;

        r = os_release_parse((const char *) data, size, "f", keys, N_KEYS, v, &error);
        r2 = os_release_parse((const char *) data, size, "f", keys, N_KEYS, w, &error2);
        if (r != r2)
                abort();
        for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
        if (r < 0) {
                if (r == -ENOMEM)
                        return 0;
                if (!error || !error2 || strcmp(error, error2) != 0 || strchr(error, '\n') ||
                    sscanf(error, "f:%u:%u: ", &line, &col) != 2 || line < 1 || line > lines || col < 1)
                        abort();
                for (size_t i = 0; i < N_KEYS; i++)
                        if (v[i] || w[i])
                                abort();
        } else {
                if (error)
                        abort();
                for (size_t i = 0; i < N_KEYS; i++) {
                        if (!v[i] != !w[i] || (v[i] && (strlen(v[i]) > size || strcmp(v[i], w[i]) != 0)))
                                abort();
                        free(v[i]);
                        free(w[i]);
                }
        }
        free(error);
        free(error2);
        return 0;
}
