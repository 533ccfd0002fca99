/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Minimal test helpers: each test-*.c is one meson test; a failed check
 * prints file:line and the expression and exits 1. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

#define ASSERT_TRUE(expr)                                                                  \
        do {                                                                               \
                if (!(expr)) {                                                             \
                        fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #expr); \
                        exit(1);                                                           \
                }                                                                          \
        } while (0)

#define ASSERT_EQ(a, b)                                                                    \
        do {                                                                               \
                long long _a = (long long) (a), _b = (long long) (b);                      \
                if (_a != _b) {                                                            \
                        fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, \
                                #a, #b, _a, _b);                                           \
                        exit(1);                                                           \
                }                                                                          \
        } while (0)

#define ASSERT_STREQ(a, b)                                                                 \
        do {                                                                               \
                const char *_a = (a), *_b = (b);                                           \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                   \
                        fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
                                #a, #b, _a ? _a : "(null)", _b ? _b : "(null)");          \
                        exit(1);                                                           \
                }                                                                          \
        } while (0)

#define ASSERT_OK(expr)                                                                    \
        do {                                                                               \
                long long _r = (long long) (expr);                                         \
                if (_r < 0) {                                                              \
                        fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr, \
                                strerror((int) -_r));                                      \
                        exit(1);                                                           \
                }                                                                          \
        } while (0)

#define TEST(name) static void test_##name(void)
#define RUN(name)                                                                          \
        do {                                                                               \
                fprintf(stderr, "-- %s\n", #name);                                          \
                test_##name();                                                             \
        } while (0)
