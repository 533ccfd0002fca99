/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* TOML dates and times (RFC 3339), for lib/toml.c (toml_format_datetime()
 * is in toml.h). */

#include "toml.h"

/* Whether the token s[0..n) is meant as a date or a time (four digits and
 * '-', or a ':'), so that its errors speak of dates and times. */
bool toml_token_is_datetime(const char *s, size_t n);

/* Reads the date/time token s[0..n), whole (lib/toml.c includes the space
 * of "1979-05-27 07:32:00").  Sets v->type to one of the four date/time
 * kinds and v->datetime; returns 0, or -EINVAL with *ret_offset the
 * offending byte of s and *ret_message a fixed text. */
int toml_scan_datetime(const char *s, size_t n, TomlValue *v, size_t *ret_offset, const char **ret_message);

/* Days in that month of that year (Gregorian leap years). */
unsigned toml_days_in_month(unsigned year, unsigned month);
