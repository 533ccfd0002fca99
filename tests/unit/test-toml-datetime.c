/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tests.h"
#include "toml-datetime.h"

static void check_scan(const char *s, TomlType type, const char *formatted) {
        char buf[TOML_DATETIME_STRING_MAX];
        TomlValue v = {};
        const char *message = NULL;
        size_t offset = 0;

        ASSERT_TRUE(toml_token_is_datetime(s, strlen(s)));
        if (toml_scan_datetime(s, strlen(s), &v, &offset, &message) < 0) {
                fprintf(stderr, "'%s': %s at %zu\n", s, message, offset);
                exit(1);
        }
        ASSERT_EQ(v.type, type);
        toml_format_datetime(v.type, &v.datetime, buf);
        ASSERT_STREQ(buf, formatted);
}

static void expect_scan_error(const char *s, size_t expected_offset, const char *expected) {
        TomlValue v = {};
        const char *message = NULL;
        size_t offset = 0;

        ASSERT_EQ(toml_scan_datetime(s, strlen(s), &v, &offset, &message), -EINVAL);
        if (offset != expected_offset || strcmp(message, expected) != 0) {
                fprintf(stderr, "'%s': got '%s' at %zu, expected '%s' at %zu\n", s, message, offset, expected,
                        expected_offset);
                exit(1);
        }
}

TEST(days_in_month) {
        ASSERT_EQ(toml_days_in_month(2023, 2), 28);
        ASSERT_EQ(toml_days_in_month(2024, 2), 29);
        ASSERT_EQ(toml_days_in_month(1900, 2), 28);
        ASSERT_EQ(toml_days_in_month(2000, 2), 29);
        ASSERT_EQ(toml_days_in_month(1, 1), 31);
        ASSERT_EQ(toml_days_in_month(9999, 12), 31);
        ASSERT_EQ(toml_days_in_month(2024, 4), 30);
        ASSERT_EQ(toml_days_in_month(2024, 0), 0);
        ASSERT_EQ(toml_days_in_month(2024, 13), 0);
}

TEST(token_kind) {
        ASSERT_TRUE(toml_token_is_datetime("1979-05-27", 10));
        ASSERT_TRUE(toml_token_is_datetime("07:32:00", 8));
        ASSERT_TRUE(toml_token_is_datetime("7:3", 3));
        ASSERT_TRUE(!toml_token_is_datetime("1979", 4));
        ASSERT_TRUE(!toml_token_is_datetime("-1979-05-27", 11));
        ASSERT_TRUE(!toml_token_is_datetime("1e-5", 4));
        ASSERT_TRUE(!toml_token_is_datetime("12", 2));
}

TEST(scan) {
        check_scan("0001-01-01", TOML_DATE_LOCAL, "0001-01-01");
        check_scan("9999-12-31T23:59:59.999999999999", TOML_DATETIME_LOCAL, "9999-12-31T23:59:59.999999999");
        check_scan("1979-05-27 07:32:00.10", TOML_DATETIME_LOCAL, "1979-05-27T07:32:00.1");
        check_scan("1979-05-27t07:32:00z", TOML_DATETIME, "1979-05-27T07:32:00Z");
        check_scan("1979-05-27T07:32:00-00:00", TOML_DATETIME, "1979-05-27T07:32:00Z");
        check_scan("1979-05-27T07:32:00+23:59", TOML_DATETIME, "1979-05-27T07:32:00+23:59");
        check_scan("1979-05-27T07:32:00-23:59", TOML_DATETIME, "1979-05-27T07:32:00-23:59");
        check_scan("00:00:00", TOML_TIME_LOCAL, "00:00:00");
        check_scan("23:59:59.000000001", TOML_TIME_LOCAL, "23:59:59.000000001");
        check_scan("23:59:59.0000000001", TOML_TIME_LOCAL, "23:59:59");
        expect_scan_error("0000-01-01", 0, "year 0000 is not supported");
        expect_scan_error("2023-02-29", 8, "day out of range for the month");
        expect_scan_error("2023-02-00", 8, "day out of range for the month");
        expect_scan_error("2023-00-10", 5, "month out of range");
        expect_scan_error("2023-1", 5, "invalid date (expected YYYY-MM-DD)");
        expect_scan_error("2023-01-01T", 10, "invalid time (expected HH:MM:SS)");
        expect_scan_error("2023-01-01X10:00:00", 10, "invalid character after the date (a time needs 'T' or a space)");
        expect_scan_error("2023-01-01T10:00:60", 17, "second out of range (leap seconds are not supported)");
        expect_scan_error("2023-01-01T10:00:00+", 19, "invalid time offset (expected Z or +HH:MM)");
        expect_scan_error("10:00:00z", 8, "a time without a date takes no offset");
        expect_scan_error("10:00:00.", 8, "fractional seconds need digits after '.'");
        expect_scan_error("10:00:00.5x", 10, "invalid character after the time");
        expect_scan_error("1:00:00", 1, "invalid time (expected HH:MM:SS)");
}

TEST(format) {
        TomlDatetime dt = { .year = 2024, .month = 5, .day = 20, .hour = 16, .minute = 1, .second = 2,
                            .nanosecond = 120000000, .offset_minutes = -90 };
        char buf[TOML_DATETIME_STRING_MAX];

        toml_format_datetime(TOML_DATETIME, &dt, buf);
        ASSERT_STREQ(buf, "2024-05-20T16:01:02.12-01:30");
        toml_format_datetime(TOML_DATETIME_LOCAL, &dt, buf);
        ASSERT_STREQ(buf, "2024-05-20T16:01:02.12");
        toml_format_datetime(TOML_DATE_LOCAL, &dt, buf);
        ASSERT_STREQ(buf, "2024-05-20");
        toml_format_datetime(TOML_TIME_LOCAL, &dt, buf);
        ASSERT_STREQ(buf, "16:01:02.12");
        /* the widest */
        dt = (TomlDatetime) { .year = 9999, .month = 12, .day = 31, .hour = 23, .minute = 59, .second = 59,
                              .nanosecond = 999999999, .offset_minutes = -1439 };
        toml_format_datetime(TOML_DATETIME, &dt, buf);
        ASSERT_STREQ(buf, "9999-12-31T23:59:59.999999999-23:59");
}

int main(void) {
        RUN(days_in_month);
        RUN(token_kind);
        RUN(scan);
        RUN(format);
        return 0;
}
