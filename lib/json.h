/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include "toml.h"

/* JSON output for --json: strings escaped per RFC 8259 (control characters
 * as \u00XX, other bytes as they are: our TOML strings are valid UTF-8). */
void json_write_string(FILE *f, const char *s, size_t len);
/* Tables become objects (document order), arrays arrays, integers and
 * floats numbers (inf and nan, which JSON lacks, the strings "inf", "-inf",
 * "nan"), dates and times strings in TOML's RFC 3339 form. */
void json_write_toml(FILE *f, const TomlValue *v);
