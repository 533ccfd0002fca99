/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parses a TOML file with our parser and prints it as JSON (for the
 * differential test against Python's tomllib).  Exit 1 with the one-line
 * error on stderr when the document is refused. */
#include <stdio.h>

#include "fileio.h"
#include "json.h"
#include "toml.h"

int main(int argc, char **argv) {
        _cleanup_free_ char *text = NULL, *error = NULL;
        TomlValue *doc = NULL;
        size_t len;
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: toml-to-json FILE\n");
                return 2;
        }
        r = read_full_file(argv[1], 2 * TOML_MAX_SIZE, false, &text, &len);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", argv[1], strerror(-r));
                return 2;
        }
        r = toml_parse(text, len, argv[1], 0, &doc, &error);
        if (r < 0) {
                fprintf(stderr, "%s\n", error ? error : "error");
                return 1;
        }
        json_write_toml(stdout, doc);
        putchar('\n');
        toml_free(doc);
        return 0;
}
