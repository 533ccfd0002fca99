/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* TOML integers and floats, for lib/toml.c (toml_format_float() is in
 * toml.h). */

#include "toml.h"

/* Reads the number token s[0..n), whole: lib/toml.c cuts a value at the
 * first blank, ',', ']', '}', '#' or line end.  Decimal, 0x 0o 0b integers
 * (int64), floats (fraction and/or exponent, inf, nan).  Sets v->type to
 * TOML_INTEGER or TOML_FLOAT and v->integer or v->floating; returns 0.  On
 * a syntax error -EINVAL with *ret_offset the offending byte of s and
 * *ret_message a fixed text; -ENOMEM when the scratch copy for strtod()
 * (from secure_alloc() when secure) fails. */
int toml_scan_number(const char *s, size_t n, bool secure, TomlValue *v, size_t *ret_offset,
                     const char **ret_message);
