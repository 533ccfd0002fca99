/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TOML dates and times: RFC 3339 as TOML 1.0 has it (a 'T', 't' or space
 * between date and time, Z/z or +HH:MM, seconds required, any number of
 * fraction digits), checked the way Python's tomllib does (the day within
 * its month, year 0000 and second 60 refused), and written back. */

#include "toml-datetime.h"

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

bool toml_token_is_datetime(const char *s, size_t n) {
        if (n < 3 || !is_digit(s[0]))
                return false;
        if (memchr(s, ':', n))
                return true;
        return n >= 5 && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) && s[4] == '-';
}

unsigned toml_days_in_month(unsigned year, unsigned month) {
        static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

        if (month < 1 || month > 12)
                return 0;
        return month == 2 && leap ? 29 : days[month - 1];
}

typedef struct Scan {
        const char *s;
        size_t n;
        size_t error_offset;
        const char *error;
} Scan;

static int scan_fail(Scan *sc, size_t offset, const char *message) {
        sc->error_offset = offset;
        sc->error = message;
        return -EINVAL;
}

/* Whether s[at...] has the shape of pattern ('d' a digit, anything else
 * itself); else the error points at the first byte that does not fit (or
 * the last one of a token that ends too soon). */
static int match(Scan *sc, size_t at, const char *pattern, const char *message) {
        for (size_t k = 0; pattern[k]; k++) {
                size_t i = at + k;

                if (i >= sc->n)
                        return scan_fail(sc, sc->n > 0 ? sc->n - 1 : 0, message);
                if (pattern[k] == 'd' ? !is_digit(sc->s[i]) : sc->s[i] != pattern[k])
                        return scan_fail(sc, i, message);
        }
        return 0;
}

static unsigned number_at(const Scan *sc, size_t at, size_t digits) {
        unsigned v = 0;

        for (size_t k = 0; k < digits; k++)
                v = v * 10 + (unsigned) (sc->s[at + k] - '0');
        return v;
}

/* YYYY-MM-DD at at */
static int scan_date(Scan *sc, size_t at, TomlDatetime *dt) {
        unsigned year, month, day;
        int r = match(sc, at, "dddd-dd-dd", "invalid date (expected YYYY-MM-DD)");

        if (r < 0)
                return r;
        year = number_at(sc, at, 4);
        month = number_at(sc, at + 5, 2);
        day = number_at(sc, at + 8, 2);
        if (year == 0)
                return scan_fail(sc, at, "year 0000 is not supported");
        if (month < 1 || month > 12)
                return scan_fail(sc, at + 5, "month out of range");
        if (day < 1 || day > toml_days_in_month(year, month))
                return scan_fail(sc, at + 8, "day out of range for the month");
        dt->year = (uint16_t) year;
        dt->month = (uint8_t) month;
        dt->day = (uint8_t) day;
        return 0;
}

/* HH:MM:SS[.fraction] at *i; *i ends after it. */
static int scan_time(Scan *sc, size_t *i, TomlDatetime *dt) {
        size_t at = *i, j;
        unsigned hour, minute, second;
        uint32_t ns = 0, scale = 100000000;
        int r = match(sc, at, "dd:dd:dd", "invalid time (expected HH:MM:SS)");

        if (r < 0)
                return r;
        hour = number_at(sc, at, 2);
        minute = number_at(sc, at + 3, 2);
        second = number_at(sc, at + 6, 2);
        if (hour > 23)
                return scan_fail(sc, at, "hour out of range");
        if (minute > 59)
                return scan_fail(sc, at + 3, "minute out of range");
        if (second > 59)
                return scan_fail(sc, at + 6, "second out of range (leap seconds are not supported)");
        j = at + 8;
        if (j < sc->n && sc->s[j] == '.') {
                if (j + 1 >= sc->n || !is_digit(sc->s[j + 1]))
                        return scan_fail(sc, j, "fractional seconds need digits after '.'");
                /* nanoseconds: further digits are truncated */
                for (j++; j < sc->n && is_digit(sc->s[j]); j++) {
                        ns += (uint32_t) (sc->s[j] - '0') * scale;
                        scale /= 10;
                }
        }
        dt->hour = (uint8_t) hour;
        dt->minute = (uint8_t) minute;
        dt->second = (uint8_t) second;
        dt->nanosecond = ns;
        *i = j;
        return 0;
}

/* Z, z or +HH:MM / -HH:MM at at, the rest of the token. */
static int scan_offset(Scan *sc, size_t at, TomlDatetime *dt) {
        const char *message = "invalid time offset (expected Z or +HH:MM)";
        unsigned hours, minutes;
        int r;

        if (sc->s[at] == 'Z' || sc->s[at] == 'z') {
                if (at + 1 < sc->n)
                        return scan_fail(sc, at + 1, "invalid character after the date-time");
                dt->offset_minutes = 0;
                return 0;
        }
        if (sc->s[at] != '+' && sc->s[at] != '-')
                return scan_fail(sc, at, message);
        r = match(sc, at + 1, "dd:dd", message);
        if (r < 0)
                return r;
        hours = number_at(sc, at + 1, 2);
        minutes = number_at(sc, at + 4, 2);
        if (hours > 23 || minutes > 59)
                return scan_fail(sc, hours > 23 ? at + 1 : at + 4, "time offset out of range");
        if (at + 6 < sc->n)
                return scan_fail(sc, at + 6, "invalid character after the date-time");
        dt->offset_minutes = (int16_t) ((sc->s[at] == '-' ? -1 : 1) * (int) (hours * 60 + minutes));
        return 0;
}

int toml_scan_datetime(const char *s, size_t n, TomlValue *v, size_t *ret_offset, const char **ret_message) {
        Scan sc = { .s = s, .n = n };
        TomlDatetime dt = {};
        TomlType type;
        size_t i = 0;
        int r;

        if (memchr(s, ':', MIN(n, (size_t) 3))) { /* 07:32:00, or a time missing a digit */
                type = TOML_TIME_LOCAL;
                r = scan_time(&sc, &i, &dt);
                if (r >= 0 && i < n)
                        r = scan_fail(&sc, i,
                                      s[i] == 'Z' || s[i] == 'z' || s[i] == '+' || s[i] == '-'
                                              ? "a time without a date takes no offset"
                                              : "invalid character after the time");
        } else {
                type = TOML_DATE_LOCAL;
                r = scan_date(&sc, 0, &dt);
                if (r >= 0 && n > 10) {
                        type = TOML_DATETIME_LOCAL;
                        i = 11;
                        if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
                                r = scan_fail(&sc, 10, "invalid character after the date (a time needs 'T' or a space)");
                        else
                                r = scan_time(&sc, &i, &dt);
                        if (r >= 0 && i < n) {
                                type = TOML_DATETIME;
                                r = scan_offset(&sc, i, &dt);
                        }
                }
        }
        if (r < 0) {
                *ret_offset = sc.error_offset;
                *ret_message = sc.error;
                return r;
        }
        v->type = type;
        v->datetime = dt;
        return 0;
}

void toml_format_datetime(TomlType type, const TomlDatetime *dt, char buf[static TOML_DATETIME_STRING_MAX]) {
        size_t size = TOML_DATETIME_STRING_MAX, k = 0;

        buf[0] = 0;
        if (type != TOML_TIME_LOCAL)
                k += (size_t) snprintf(buf, size, "%04u-%02u-%02u", dt->year % 10000u, dt->month % 100u,
                                       dt->day % 100u);
        if (type == TOML_DATE_LOCAL)
                return;
        if (type != TOML_TIME_LOCAL)
                buf[k++] = 'T';
        k += (size_t) snprintf(buf + k, size - k, "%02u:%02u:%02u", dt->hour % 100u, dt->minute % 100u,
                               dt->second % 100u);
        if (dt->nanosecond != 0) {
                char frac[16];
                size_t f;

                snprintf(frac, sizeof frac, "%09u", (unsigned) (dt->nanosecond % 1000000000u));
                for (f = 9; f > 1 && frac[f - 1] == '0'; f--)
                        ;
                frac[f] = 0;
                k += (size_t) snprintf(buf + k, size - k, ".%s", frac);
        }
        if (type == TOML_DATETIME) {
                unsigned m = (unsigned) (dt->offset_minutes < 0 ? -dt->offset_minutes : dt->offset_minutes) % 1440u;

                if (dt->offset_minutes == 0)
                        snprintf(buf + k, size - k, "Z");
                else
                        snprintf(buf + k, size - k, "%c%02u:%02u", dt->offset_minutes < 0 ? '-' : '+', m / 60,
                                 m % 60);
        }
}
