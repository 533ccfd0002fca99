/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sodium.h>

#include "secure.h"
#include "tests.h"
#include "toml.h"

static TomlValue *parse_ok(const char *text) {
        TomlValue *doc = NULL;
        char *error = NULL;
        int r = toml_parse(text, strlen(text), "t", 0, &doc, &error);

        if (r < 0) {
                fprintf(stderr, "unexpected error for %s: %s\n", text, error);
                exit(1);
        }
        return doc;
}

/* The error must be exactly "t:LINE:COL: message". */
static void expect_error(const char *text, int code, const char *expected) {
        TomlValue *doc = NULL;
        char *error = NULL;
        int r = toml_parse(text, strlen(text), "t", 0, &doc, &error);

        if (r != code || !error || strcmp(error, expected) != 0) {
                fprintf(stderr, "for %s\n  got %d '%s'\n  expected %d '%s'\n", text, r, error ? error : "(null)",
                        code, expected);
                exit(1);
        }
        ASSERT_TRUE(doc == NULL);
        free(error);
}

TEST(values) {
        TomlValue *doc = parse_ok("s = \"a\\tb\\u00e9\"\nl = 'c:\\\\x'\ni = -1_000\nb = true\n"
                                  "a = [1, \"x\", [false]]\n[t.u]\nk = 1\n");
        const TomlValue *v, *t;
        const char *s;
        int64_t i;
        bool b;

        ASSERT_OK(toml_table_get_string(doc, "s", &s));
        ASSERT_STREQ(s, "a\tb\xc3\xa9");
        ASSERT_OK(toml_table_get_string(doc, "l", &s));
        ASSERT_STREQ(s, "c:\\\\x");
        ASSERT_OK(toml_table_get_integer(doc, "i", &i));
        ASSERT_EQ(i, -1000);
        ASSERT_OK(toml_table_get_boolean(doc, "b", &b));
        ASSERT_TRUE(b);
        v = toml_table_get(doc, "a");
        ASSERT_TRUE(v && v->type == TOML_ARRAY && v->array.n == 3);
        ASSERT_EQ(v->array.items[2]->array.items[0]->boolean, false);
        ASSERT_EQ(v->line, 5);
        ASSERT_EQ(v->column, 5);
        t = toml_table_get(toml_table_get(doc, "t"), "u");
        ASSERT_TRUE(t && t->type == TOML_TABLE);
        ASSERT_OK(toml_table_get_integer(t, "k", &i));
        ASSERT_EQ(i, 1);

        /* typed getters */
        ASSERT_EQ(toml_table_get_integer(doc, "s", &i), -EMEDIUMTYPE);
        ASSERT_EQ(toml_table_get_string(doc, "i", &s), -EMEDIUMTYPE);
        ASSERT_EQ(toml_table_get_boolean(doc, "nope", &b), -ENOENT);
        ASSERT_TRUE(toml_table_get(v, "x") == NULL); /* not a table */
        /* document order kept */
        ASSERT_STREQ(doc->table.keys[0], "s");
        ASSERT_STREQ(doc->table.keys[5], "t");
        toml_free(doc);
}

TEST(nul_and_positions) {
        TomlValue *doc = parse_ok("\n\n  k = \"a\\u0000b\"  # c\n");
        const TomlValue *v = toml_table_get(doc, "k");

        ASSERT_EQ(v->string.len, 3);
        ASSERT_EQ(v->string.data[1], 0);
        ASSERT_EQ(v->line, 3);
        ASSERT_EQ(v->column, 7);
        toml_free(doc);
        /* columns count characters, not bytes */
        doc = parse_ok("\"é\" = 1\n");
        ASSERT_EQ(toml_table_get(doc, "é")->column, 7);
        toml_free(doc);
}

TEST(errors) {
        expect_error("a = 1.5\n", -EINVAL, "t:1:5: floats are not supported");
        expect_error("x = 1\na = 1979-05-27\n", -EINVAL, "t:2:5: dates and times are not supported");
        expect_error("a = {x = 1}\n", -EINVAL, "t:1:5: inline tables are not supported");
        expect_error("a = \"\"\"x\"\"\"\n", -EINVAL, "t:1:5: multi-line strings are not supported");
        expect_error("a = [1,\n2]\n", -EINVAL, "t:1:8: arrays must be written on one line");
        expect_error("[[a]]\n", -EINVAL, "t:1:1: arrays of tables ([[...]]) are not supported");
        expect_error("a = 0x10\n", -EINVAL, "t:1:5: hexadecimal, octal and binary integers are not supported");
        expect_error("a = 1\nb = 2\na = 3\n", -EINVAL, "t:3:1: duplicate key");
        expect_error("[a]\n[a]\n", -EINVAL, "t:2:1: table defined twice");
        expect_error("a = 9223372036854775808\n", -EINVAL, "t:1:5: integer does not fit in 64 bits");
        expect_error("a = 01\n", -EINVAL, "t:1:5: leading zeros are not allowed in integers");
        expect_error("a = 1__0\n", -EINVAL, "t:1:6: '_' must be between digits");
        expect_error("a = \"\\q\"\n", -EINVAL, "t:1:6: invalid escape sequence");
        expect_error("a = \"\\uD800\"\n", -EINVAL, "t:1:6: escape is not a Unicode scalar value");
        expect_error("a = \"abc\n", -EINVAL, "t:1:5: unterminated string");
        expect_error("a = x\n", -EINVAL, "t:1:5: invalid value (strings need quotes)");
        expect_error("a\n", -EINVAL, "t:1:2: expected '=' after the key");
        expect_error("a = 1 b\n", -EINVAL, "t:1:7: expected the end of the line");
        expect_error("a = \"\xff\"\n", -EINVAL, "t:1:6: invalid UTF-8");
        expect_error("a = 1\rb = 2\n", -EINVAL, "t:1:6: carriage return not followed by a newline");
        expect_error("# \x01\n", -EINVAL, "t:1:3: control character in comment");
        expect_error("a = 1\na.b = 2\n", -EINVAL, "t:2:1: key already holds a value, cannot be a table");
        expect_error("[f]\na.b = 1\n[f.a]\n", -EINVAL, "t:3:1: table defined twice");
}

TEST(nul_in_input) {
        TomlValue *doc = NULL;
        char *error = NULL;

        ASSERT_EQ(toml_parse("a = 1\n\0", 7, "t", 0, &doc, &error), -EINVAL);
        ASSERT_STREQ(error, "t:2:1: NUL byte in document");
        free(error);
}

TEST(limits) {
        TomlValue *doc = NULL;
        char *error = NULL, *big, buf[256];
        size_t n;

        /* nesting: 16 array levels fit with a top-level key (1 + 15), more do not */
        snprintf(buf, sizeof buf, "a = %.*s%.*s\n", 15, "[[[[[[[[[[[[[[[[[[[[", 15, "]]]]]]]]]]]]]]]]]]]]");
        ASSERT_OK(toml_parse(buf, strlen(buf), "t", 0, &doc, &error));
        toml_free(doc);
        snprintf(buf, sizeof buf, "a = %.*s%.*s\n", 16, "[[[[[[[[[[[[[[[[[[[[", 16, "]]]]]]]]]]]]]]]]]]]]");
        ASSERT_EQ(toml_parse(buf, strlen(buf), "t", 0, &doc, &error), -E2BIG);
        ASSERT_STREQ(error, "t:1:20: arrays nested too deeply");
        free(error);

        /* size */
        n = TOML_MAX_SIZE + 1;
        big = malloc(n);
        ASSERT_TRUE(big);
        memset(big, '#', n);
        ASSERT_EQ(toml_parse(big, n, "t", 0, &doc, &error), -E2BIG);
        free(error);
        free(big);
}

TEST(secure) {
        static const char text[] = "[keypairs]\nrealmfs-user = \"00112233\"\nx = [\"a\", \"b\"]\n";
        TomlValue *doc = NULL;
        const char *s;

        ASSERT_OK(toml_parse(text, strlen(text), "t", TOML_PARSE_SECURE, &doc, NULL));
        ASSERT_TRUE(doc->secure);
        ASSERT_OK(toml_table_get_string(toml_table_get(doc, "keypairs"), "realmfs-user", &s));
        ASSERT_STREQ(s, "00112233");
        ASSERT_TRUE(toml_table_get(toml_table_get(doc, "keypairs"), "realmfs-user")->secure);
        toml_free(doc);
        /* an error in secure mode frees everything too (checked by ASan/LSan) */
        ASSERT_EQ(toml_parse("[a]\nb = \"x\"\nc = 1.5\n", 20, "t", TOML_PARSE_SECURE, &doc, NULL), -EINVAL);
}

TEST(quote_round_trip) {
        static const char *const inputs[] = {
                "", "plain", "quote\"back\\slash", "ctl\x01\x1f\x7f", "tab\tnl\ncr\rff\fbs\b", "é☕𝄞",
        };
        for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
                char *q, *doc_text;
                TomlValue *doc;
                const TomlValue *v;

                ASSERT_OK(toml_quote_string(inputs[i], strlen(inputs[i]), &q));
                ASSERT_TRUE(asprintf(&doc_text, "k = %s\n", q) > 0);
                doc = parse_ok(doc_text);
                v = toml_table_get(doc, "k");
                ASSERT_EQ(v->string.len, strlen(inputs[i]));
                ASSERT_TRUE(memcmp(v->string.data, inputs[i], v->string.len) == 0);
                toml_free(doc);
                free(doc_text);
                free(q);
        }
        {
                /* embedded NUL */
                char *q;
                ASSERT_OK(toml_quote_string("a\0b", 3, &q));
                ASSERT_STREQ(q, "\"a\\u0000b\"");
                free(q);
        }
}

int main(void) {
        ASSERT_OK(secure_init());
        RUN(values);
        RUN(nul_and_positions);
        RUN(errors);
        RUN(nul_in_input);
        RUN(limits);
        RUN(secure);
        RUN(quote_round_trip);
        return 0;
}
