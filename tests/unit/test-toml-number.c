/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <locale.h>
#include <math.h>

#include "tests.h"
#include "toml-number.h"

static TomlValue scan_ok(const char *s) {
        TomlValue v = {};
        const char *message = NULL;
        size_t offset = 0;

        if (toml_scan_number(s, strlen(s), false, &v, &offset, &message) < 0) {
                fprintf(stderr, "'%s': %s at %zu\n", s, message, offset);
                exit(1);
        }
        return v;
}

static void expect_scan_error(const char *s, size_t expected_offset, const char *expected) {
        for (unsigned secure = 0; secure <= 1; secure++) {
                TomlValue v = {};
                const char *message = NULL;
                size_t offset = 0;

                ASSERT_EQ(toml_scan_number(s, strlen(s), secure, &v, &offset, &message), -EINVAL);
                if (offset != expected_offset || strcmp(message, expected) != 0) {
                        fprintf(stderr, "'%s': got '%s' at %zu, expected '%s' at %zu\n", s, message, offset, expected,
                                expected_offset);
                        exit(1);
                }
        }
}

TEST(integers) {
        static const struct {
                const char *s;
                int64_t v;
        } cases[] = {
                { "0", 0 },
                { "+0", 0 },
                { "-0", 0 },
                { "1_2_3", 123 },
                { "-9223372036854775808", INT64_MIN },
                { "9223372036854775807", INT64_MAX },
                { "0x7fffffffffffffff", INT64_MAX },
                { "0x0000000000000000007fffffffffffffff", INT64_MAX },
                { "0xDEAD_BEEF", 0xdeadbeef },
                { "0o0_7_5_5", 0755 },
                { "0b0", 0 },
                { "0b1_0", 2 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                TomlValue v = scan_ok(cases[i].s);

                ASSERT_EQ(v.type, TOML_INTEGER);
                ASSERT_TRUE(v.integer == cases[i].v);
        }
        expect_scan_error("9223372036854775808", 0, "integer does not fit in 64 bits");
        expect_scan_error("-9223372036854775809", 0, "integer does not fit in 64 bits");
        expect_scan_error("0x8000000000000000", 0, "integer does not fit in 64 bits");
        expect_scan_error("0b1000000000000000000000000000000000000000000000000000000000000000", 0,
                          "integer does not fit in 64 bits");
        expect_scan_error("", 0, "expected a value");
        expect_scan_error("-", 0, "invalid value (strings need quotes)");
        expect_scan_error("0x", 0, "expected digits after 0x, 0o or 0b");
        expect_scan_error("+0b1", 0, "hexadecimal, octal and binary integers take no sign");
        expect_scan_error("0o_7", 2, "'_' must be between digits");
        expect_scan_error("0o78", 3, "invalid digit for the base of the integer");
        expect_scan_error("0x1g", 3, "invalid character in integer");
        expect_scan_error("00", 0, "leading zeros are not allowed in numbers");
        expect_scan_error("0_0", 0, "leading zeros are not allowed in numbers");
        expect_scan_error("1__0", 1, "'_' must be between digits");
        expect_scan_error("12x", 2, "invalid character in integer");
}

TEST(floats) {
        static const struct {
                const char *s;
                double v;
        } cases[] = {
                { "1.0", 1.0 },      { "-0.0", -0.0 },        { "+0.0", 0.0 },     { "0e0", 0.0 },
                { "1e1_0", 1e10 },   { "1E-0_2", 0.01 },      { "3.1_4", 3.14 },   { "1e400", INFINITY },
                { "-1e400", -INFINITY }, { "1e-400", 0.0 },   { "inf", INFINITY }, { "+inf", INFINITY },
                { "-inf", -INFINITY }, { "4.9e-324", 5e-324 }, { "0.1", 0.1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                TomlValue v = scan_ok(cases[i].s);

                ASSERT_EQ(v.type, TOML_FLOAT);
                ASSERT_TRUE(memcmp(&v.floating, &cases[i].v, sizeof(double)) == 0);
        }
        ASSERT_TRUE(isnan(scan_ok("nan").floating));
        ASSERT_TRUE(isnan(scan_ok("-nan").floating) && signbit(scan_ok("-nan").floating));
        expect_scan_error("1.", 1, "a float needs digits after '.'");
        expect_scan_error("1e", 1, "a float's exponent needs digits");
        expect_scan_error("1e+", 1, "a float's exponent needs digits");
        expect_scan_error("1.5_", 3, "'_' must be between digits");
        expect_scan_error("1.5x", 3, "invalid character in float");
        expect_scan_error("01.5", 0, "leading zeros are not allowed in numbers");
        expect_scan_error("nan_", 0, "invalid value (strings need quotes)");
        expect_scan_error("in", 0, "invalid value (strings need quotes)");
}

/* The expected texts are Python's repr() of the same doubles. */
static const struct {
        uint64_t bits;
        const char *repr;
} reprs[] = {
        { UINT64_C(0x3fb999999999999a), "0.1" },
        { UINT64_C(0x3fd3333333333334), "0.30000000000000004" },
        { UINT64_C(0x3fd5555555555555), "0.3333333333333333" },
        { UINT64_C(0x4059000000000000), "100.0" },
        { UINT64_C(0x4341c37937e08000), "1e+16" },
        { UINT64_C(0x430c6bf526340000), "1000000000000000.0" },
        { UINT64_C(0x4341c37937e07fff), "9999999999999998.0" },
        { UINT64_C(0x437b69b4ba630f35), "1.2345678901234568e+17" },
        { UINT64_C(0x3f1a36e2eb1c432d), "0.0001" },
        { UINT64_C(0x3ee4f8b588e368f1), "1e-05" },
        { UINT64_C(0x3f202e4b6ce5dc68), "0.00012345" },
        { UINT64_C(0x3e8421f5f40d8376), "1.5e-07" },
        { UINT64_C(0x0000000000000001), "5e-324" },
        { UINT64_C(0x0000000000000003), "1.5e-323" },
        { UINT64_C(0x0010000000000000), "2.2250738585072014e-308" },
        { UINT64_C(0x7fefffffffffffff), "1.7976931348623157e+308" },
        { UINT64_C(0x43e0000000000000), "9.223372036854776e+18" },
        { UINT64_C(0x3d30000000000000), "5.684341886080802e-14" },
        { UINT64_C(0x7fe0000000000000), "8.98846567431158e+307" },
        { UINT64_C(0x4340000000000000), "9007199254740992.0" },
        { UINT64_C(0x44dfe185ca57c517), "6.02214076e+23" },
        { UINT64_C(0xbff0000000000000), "-1.0" },
        { UINT64_C(0x4480f0cf064dd592), "1e+22" },
        { UINT64_C(0x44b52d02c7e14af6), "1e+23" },
        { UINT64_C(0x405edd2f1a9fbe77), "123.456" },
        { UINT64_C(0x4011666666666666), "4.35" },
        { UINT64_C(0x3efa36e2eb1c432d), "2.5e-05" },
        /* powers of two whose correctly rounded shortest digits are one
         * below x and read back as the neighbour below */
        { UINT64_C(0x0060000000000000), "7.120236347223045e-307" },
        { UINT64_C(0x0100000000000000), "7.291122019556398e-304" },
        { UINT64_C(0x0420000000000000), "8.209073602596753e-289" },
        { UINT64_C(0x0000000000000000), "0.0" },
        { UINT64_C(0x8000000000000000), "-0.0" },
        { UINT64_C(0x7ff0000000000000), "inf" },
        { UINT64_C(0xfff0000000000000), "-inf" },
        { UINT64_C(0x7ff8000000000000), "nan" },
        { UINT64_C(0xfff8000000000000), "nan" },
};

static void check_reprs(void) {
        for (size_t i = 0; i < ELEMENTSOF(reprs); i++) {
                char buf[TOML_FLOAT_STRING_MAX];
                double d;

                memcpy(&d, &reprs[i].bits, sizeof d);
                toml_format_float(d, buf);
                if (strcmp(buf, reprs[i].repr) != 0) {
                        fprintf(stderr, "%016" PRIx64 ": got %s, expected %s\n", reprs[i].bits, buf, reprs[i].repr);
                        exit(1);
                }
                /* and it reads back as the same double */
                if (!isnan(d)) {
                        TomlValue v = scan_ok(buf);
                        ASSERT_TRUE(memcmp(&v.floating, &d, sizeof d) == 0);
                }
        }
}

TEST(format) {
        char buf[TOML_FLOAT_STRING_MAX];

        check_reprs();
        /* the widest */
        toml_format_float(-2.2250738585072014e-308, buf);
        ASSERT_STREQ(buf, "-2.2250738585072014e-308");
        toml_format_float(-0.00012345678901234567, buf);
        ASSERT_STREQ(buf, "-0.00012345678901234567");
}

TEST(locale) {
        /* a locale with a decimal comma changes neither reading nor writing */
        locale_t de = newlocale(LC_ALL_MASK, "de_DE.UTF-8", (locale_t) 0);

        if (de == (locale_t) 0) {
                fprintf(stderr, "   no de_DE.UTF-8 locale, skipped\n");
                return;
        }
        uselocale(de);
        check_reprs();
        ASSERT_TRUE(scan_ok("1.5").floating == 1.5);
        uselocale(LC_GLOBAL_LOCALE);
        freelocale(de);
}

int main(void) {
        RUN(integers);
        RUN(floats);
        RUN(format);
        RUN(locale);
        return 0;
}
