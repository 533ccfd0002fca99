/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Each fuzz-<parser>.c defines this.  Built with -fsanitize=fuzzer when
 * -Dfuzzers=true (clang); otherwise linked with fuzz-main.c, which replays
 * the corpus files given on the command line, so every corpus entry is also
 * a regression test in the ordinary (and sanitizer) test runs. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
