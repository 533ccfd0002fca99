/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include "toml.h"

/* JSON output for --json: strings escaped per RFC 8259 (control characters
 * as \u00XX, other bytes as they are: our TOML strings are valid UTF-8). */
void json_write_string(FILE *f, const char *s, size_t len);
/* Tables become objects (document order), arrays arrays, integers numbers. */
void json_write_toml(FILE *f, const TomlValue *v);
