/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TOML integers and floats: a token read exactly as TOML 1.0's grammar has
 * it (the caller cut it out of the document), and a double written back as
 * the shortest decimal that reads back the same, the way Python's repr()
 * writes it.  Both are independent of the locale: strtod_l() and snprintf()
 * under the C locale. */

#include <locale.h>
#include <math.h>
#include <stdlib.h>

#include "secure.h"
#include "toml-number.h"
#include "util.h"

typedef struct Scan {
        const char *s;
        size_t n;
        bool secure;
        size_t error_offset;
        const char *error;
} Scan;

static int scan_fail(Scan *sc, size_t offset, const char *message) {
        sc->error_offset = offset;
        sc->error = message;
        return -EINVAL;
}

static bool is_digit_of(char c, unsigned base) {
        switch (base) {
        case 2:
                return c == '0' || c == '1';
        case 8:
                return c >= '0' && c <= '7';
        case 10:
                return c >= '0' && c <= '9';
        default:
                return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        }
}

static unsigned digit_value(char c) {
        if (c >= '0' && c <= '9')
                return (unsigned) (c - '0');
        if (c >= 'a' && c <= 'f')
                return (unsigned) (c - 'a' + 10);
        return (unsigned) (c - 'A' + 10);
}

/* digit ( '_'? digit )* from *i, which is on a digit; *i ends after it. */
static int scan_digits(Scan *sc, size_t *i, unsigned base) {
        size_t j = *i;

        while (j < sc->n) {
                if (is_digit_of(sc->s[j], base))
                        j++;
                else if (sc->s[j] == '_') {
                        if (j + 1 >= sc->n || !is_digit_of(sc->s[j + 1], base))
                                return scan_fail(sc, j, "'_' must be between digits");
                        j++;
                } else
                        break;
        }
        *i = j;
        return 0;
}

/* The value of the digits (and '_') s[from..n) in base, within int64
 * (negative: down to INT64_MIN). */
static int accumulate(Scan *sc, size_t from, unsigned base, bool negative, int64_t *ret) {
        uint64_t v = 0, limit = negative ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;

        for (size_t j = from; j < sc->n; j++) {
                unsigned d;

                if (sc->s[j] == '_')
                        continue;
                d = digit_value(sc->s[j]);
                if (v > (limit - d) / base)
                        return scan_fail(sc, 0, "integer does not fit in 64 bits");
                v = v * base + d;
        }
        *ret = negative ? (v == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) v) : (int64_t) v;
        return 0;
}

/* 0x 0o 0b: no sign, leading zeros allowed, '_' between digits. */
static int scan_radix(Scan *sc, TomlValue *v) {
        unsigned base = sc->s[1] == 'x' ? 16 : sc->s[1] == 'o' ? 8 : 2;
        size_t i = 2;
        int r;

        if (i >= sc->n)
                return scan_fail(sc, 0, "expected digits after 0x, 0o or 0b");
        if (sc->s[i] == '_')
                return scan_fail(sc, i, "'_' must be between digits");
        if (!is_digit_of(sc->s[i], base))
                return scan_fail(sc, i, "invalid digit for the base of the integer");
        r = scan_digits(sc, &i, base);
        if (r < 0)
                return r;
        if (i < sc->n)
                return scan_fail(sc, i, is_digit_of(sc->s[i], 16) ? "invalid digit for the base of the integer"
                                                                  : "invalid character in integer");
        v->type = TOML_INTEGER;
        return accumulate(sc, 2, base, false, &v->integer);
}

static int scan_float_value(Scan *sc, TomlValue *v) {
        char *buf = sc->secure ? secure_alloc(sc->n + 1) : malloc(sc->n + 1);
        locale_t c_locale;
        size_t k = 0;

        if (!buf)
                return -ENOMEM;
        for (size_t j = 0; j < sc->n; j++)
                if (sc->s[j] != '_')
                        buf[k++] = sc->s[j];
        buf[k] = 0;
        c_locale = newlocale(LC_ALL_MASK, "C", (locale_t) 0);
        if (c_locale == (locale_t) 0) {
                sc->secure ? secure_free(buf) : free(buf);
                return -ENOMEM;
        }
        /* out of range: ±inf or a (sub)normal/zero, as Python's float() */
        v->type = TOML_FLOAT;
        v->floating = strtod_l(buf, NULL, c_locale);
        freelocale(c_locale);
        if (sc->secure)
                secure_free(buf);
        else
                free(buf);
        return 0;
}

/* [+-]? (0 | [1-9] ('_'? digit)*), then a fraction and/or an exponent make
 * it a float. */
static int scan_decimal(Scan *sc, size_t i, TomlValue *v) {
        const char *s = sc->s;
        size_t n = sc->n, j = i;
        bool is_float = false;
        int r;

        if (s[i] == '0' && i + 1 < n && (is_digit_of(s[i + 1], 10) || s[i + 1] == '_'))
                return scan_fail(sc, 0, "leading zeros are not allowed in numbers");
        r = scan_digits(sc, &j, 10);
        if (r < 0)
                return r;
        if (j < n && s[j] == '.') {
                if (j + 1 >= n || !is_digit_of(s[j + 1], 10))
                        return scan_fail(sc, j, "a float needs digits after '.'");
                j++;
                r = scan_digits(sc, &j, 10);
                if (r < 0)
                        return r;
                is_float = true;
        }
        if (j < n && (s[j] == 'e' || s[j] == 'E')) {
                size_t e = j++;

                if (j < n && (s[j] == '+' || s[j] == '-'))
                        j++;
                if (j >= n || !is_digit_of(s[j], 10))
                        return scan_fail(sc, e, "a float's exponent needs digits");
                r = scan_digits(sc, &j, 10);
                if (r < 0)
                        return r;
                is_float = true;
        }
        if (j < n)
                return scan_fail(sc, j, is_float ? "invalid character in float" : "invalid character in integer");
        if (is_float)
                return scan_float_value(sc, v);
        v->type = TOML_INTEGER;
        return accumulate(sc, i, 10, s[0] == '-', &v->integer);
}

int toml_scan_number(const char *s, size_t n, bool secure, TomlValue *v, size_t *ret_offset,
                     const char **ret_message) {
        Scan sc = { .s = s, .n = n, .secure = secure };
        size_t i = n > 0 && (s[0] == '+' || s[0] == '-') ? 1 : 0;
        int r;

        if (n - i == 3 && (memcmp(s + i, "inf", 3) == 0 || memcmp(s + i, "nan", 3) == 0)) {
                double d = s[i] == 'i' ? INFINITY : NAN;

                v->type = TOML_FLOAT;
                v->floating = s[0] == '-' ? -d : d;
                return 0;
        }
        if (i == n || !is_digit_of(s[i], 10))
                r = scan_fail(&sc, 0, n == 0 ? "expected a value" : "invalid value (strings need quotes)");
        else if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o' || s[i + 1] == 'b'))
                r = i == 0 ? scan_radix(&sc, v)
                           : scan_fail(&sc, 0, "hexadecimal, octal and binary integers take no sign");
        else
                r = scan_decimal(&sc, i, v);
        if (r == -EINVAL) {
                *ret_offset = sc.error_offset;
                *ret_message = sc.error;
        }
        return r;
}

/* ---- writing ---- */

/* x (> 0, finite) with prec significant digits, correctly rounded: the
 * digits and the decimal exponent of the first. */
static void digits_at(double x, int prec, char digits[static 18], int *exp10) {
        char buf[48];
        const char *e;
        size_t k = 0;

        snprintf(buf, sizeof buf, "%.*e", prec - 1, x);
        e = strchr(buf, 'e');
        for (const char *c = buf; c < e; c++)
                if (*c >= '0' && *c <= '9' && k < 17)
                        digits[k++] = *c;
        digits[k] = 0;
        *exp10 = atoi(e + 1);
}

static double read_back(const char *digits, int exp10, locale_t c_locale) {
        char buf[48];

        snprintf(buf, sizeof buf, "%c.%se%d", digits[0], digits + 1, exp10);
        return c_locale != (locale_t) 0 ? strtod_l(buf, NULL, c_locale) : strtod(buf, NULL);
}

/* The next decimal up with as many digits: 1.25 -> 1.26, 9.99 -> 10.0. */
static void digits_increment(char *digits, int *exp10) {
        size_t k = strlen(digits);

        while (k > 0) {
                if (digits[k - 1] != '9') {
                        digits[k - 1]++;
                        return;
                }
                digits[--k] = '0';
        }
        digits[0] = '1';
        (*exp10)++;
}

/* Shortest digits that read back as x (> 0, finite), and among those the
 * closest to x (David Gay's mode 0, as Python): the correctly rounded
 * digits at each precision, and, when they fall below x, the next ones up,
 * which read back as x when x is a power of two with its closer neighbour
 * below. */
static void shortest_digits(double x, locale_t c_locale, char digits[static 18], int *exp10) {
        for (int prec = 1; prec <= 17; prec++) {
                double y;

                digits_at(x, prec, digits, exp10);
                y = read_back(digits, *exp10, c_locale);
                if (y == x)
                        break;
                if (y < x) {
                        digits_increment(digits, exp10);
                        if (read_back(digits, *exp10, c_locale) == x)
                                break;
                }
        }
        for (size_t k = strlen(digits); k > 1 && digits[k - 1] == '0'; k--)
                digits[k - 1] = 0;
}

void toml_format_float(double d, char buf[static TOML_FLOAT_STRING_MAX]) {
        char digits[18], *o = buf;
        locale_t c_locale, old = (locale_t) 0;
        int exp10, decpt;
        size_t n;

        if (isnan(d)) {
                strcpy(buf, "nan");
                return;
        }
        if (isinf(d)) {
                strcpy(buf, d < 0 ? "-inf" : "inf");
                return;
        }
        if (signbit(d))
                *o++ = '-';
        if (d == 0) {
                strcpy(o, "0.0");
                return;
        }
        c_locale = newlocale(LC_ALL_MASK, "C", (locale_t) 0);
        if (c_locale != (locale_t) 0)
                old = uselocale(c_locale);
        shortest_digits(d < 0 ? -d : d, c_locale, digits, &exp10);
        if (c_locale != (locale_t) 0) {
                uselocale(old);
                freelocale(c_locale);
        }

        /* Python's repr(): an exponent below 1e-4 and from 1e16 on */
        n = strlen(digits);
        decpt = exp10 + 1;
        if (decpt <= -4 || decpt > 16) {
                *o++ = digits[0];
                if (n > 1) {
                        *o++ = '.';
                        memcpy(o, digits + 1, n - 1);
                        o += n - 1;
                }
                sprintf(o, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
        } else if (decpt <= 0) {
                *o++ = '0';
                *o++ = '.';
                for (int z = 0; z < -decpt; z++)
                        *o++ = '0';
                strcpy(o, digits);
        } else if ((size_t) decpt < n) {
                memcpy(o, digits, (size_t) decpt);
                o += decpt;
                *o++ = '.';
                strcpy(o, digits + decpt);
        } else {
                memcpy(o, digits, n);
                o += n;
                for (size_t z = n; z < (size_t) decpt; z++)
                        *o++ = '0';
                strcpy(o, ".0");
        }
}
