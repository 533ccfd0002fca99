/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replays fuzz corpus files (or every file in corpus directories) through
 * LLVMFuzzerTestOneInput() without libFuzzer. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "fuzz.h"
#include "log.h"

static int run_file(const char *path) {
        char *buf;
        size_t len;
        int r = read_full_file(path, 16 * 1024 * 1024, 0, &buf, &len);

        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return 1;
        }
        LLVMFuzzerTestOneInput((const uint8_t *) buf, len);
        free(buf);
        return 0;
}

int main(int argc, char **argv) {
        int n = 0, failed = 0;

        log_set_max_level(LOG_CRIT); /* parsers log about bad input; keep replay quiet */
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        perror(argv[i]);
                        return 1;
                }
                if (S_ISDIR(st.st_mode)) {
                        DIR *d = opendir(argv[i]);
                        struct dirent *de;
                        if (!d) {
                                perror(argv[i]);
                                return 1;
                        }
                        while ((de = readdir(d))) {
                                char p[4096];
                                if (de->d_name[0] == '.')
                                        continue;
                                snprintf(p, sizeof p, "%s/%s", argv[i], de->d_name);
                                failed += run_file(p);
                                n++;
                        }
                        closedir(d);
                } else {
                        failed += run_file(argv[i]);
                        n++;
                }
        }
        fprintf(stderr, "replayed %d inputs\n", n);
        return failed || n == 0 ? 1 : 0;
}
