/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <sodium.h>

#include "secure.h"
#include "tests.h"
#include "toml.h"

static TomlValue *parse_flags(const char *text, size_t len, unsigned flags) {
        TomlValue *doc = NULL;
        char *error = NULL;
        int r = toml_parse(text, len, "t", flags, &doc, &error);

        if (r < 0) {
                fprintf(stderr, "unexpected error %d: %s\n", r, error ? error : "(null)");
                exit(1);
        }
        ASSERT_TRUE(error == NULL);
        ASSERT_TRUE(doc && doc->type == TOML_TABLE);
        return doc;
}

static TomlValue *parse_ok(const char *text) {
        return parse_flags(text, strlen(text), 0);
}

/* The error must be exactly "t:LINE:COL: message", in plain and in secure
 * mode alike. */
static void expect_error_len(const char *text, size_t len, int code, const char *expected) {
        static const unsigned modes[] = { 0, TOML_PARSE_SECURE };

        for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
                TomlValue *doc = NULL;
                char *error = NULL;
                int r = toml_parse(text, len, "t", modes[m], &doc, &error);

                if (r != code || !error || strcmp(error, expected) != 0) {
                        fprintf(stderr, "for '%s' (flags %u)\n  got %d '%s'\n  expected %d '%s'\n", text, modes[m],
                                r, error ? error : "(null)", code, expected);
                        exit(1);
                }
                ASSERT_TRUE(doc == NULL);
                free(error);
        }
}

static void expect_limit(const char *text, const char *expected) {
        expect_error_len(text, strlen(text), -E2BIG, expected);
}

static void expect_error(const char *text, const char *expected) {
        expect_error_len(text, strlen(text), -EINVAL, expected);
}

static const TomlValue *get(const TomlValue *t, const char *key, TomlType type) {
        const TomlValue *v = toml_table_get(t, key);

        if (!v || v->type != type) {
                fprintf(stderr, "key '%s': expected a %s, got %s\n", key, toml_type_name(type),
                        v ? toml_type_name(v->type) : "nothing");
                exit(1);
        }
        return v;
}

static void check_string(const TomlValue *t, const char *key, const char *expected) {
        const char *s;

        ASSERT_OK(toml_table_get_string(t, key, &s));
        ASSERT_STREQ(s, expected);
        ASSERT_EQ(get(t, key, TOML_STRING)->string.len, strlen(expected));
}

static void check_integer(const TomlValue *t, const char *key, int64_t expected) {
        int64_t i;

        ASSERT_OK(toml_table_get_integer(t, key, &i));
        ASSERT_TRUE(i == expected);
}

TEST(empty_documents) {
        static const char *const docs[] = { "", "\n", "\r\n", "   \t  ", "# only a comment", "# c\n\n  # d\r\n" };

        for (size_t i = 0; i < ELEMENTSOF(docs); i++) {
                TomlValue *doc = parse_ok(docs[i]);
                ASSERT_EQ(doc->table.n, 0);
                toml_free(doc);
        }
        /* NULL text with length 0 is an empty document as well */
        toml_free(parse_flags(NULL, 0, 0));
}

TEST(keys) {
        TomlValue *doc = parse_ok("bare_key-1 = 1\n"
                                  "1234 = 2\n"
                                  "- = 3\n"
                                  "\"quoted key\" = 4\n"
                                  "'lit\\eral' = 5\n"
                                  "\"\" = 6\n"
                                  "\"esc\\u00e9\\t\" = 7\n"
                                  "true = 8\n"
                                  "a.b.c = 9\n"
                                  "a . \"b.x\" .\td = 10\n"
                                  "\"a\".'e' = 11\n");
        const TomlValue *a;

        check_integer(doc, "bare_key-1", 1);
        check_integer(doc, "1234", 2);
        check_integer(doc, "-", 3);
        check_integer(doc, "quoted key", 4);
        check_integer(doc, "lit\\eral", 5);
        check_integer(doc, "", 6);
        check_integer(doc, "esc\xc3\xa9\t", 7);
        check_integer(doc, "true", 8);
        a = get(doc, "a", TOML_TABLE);
        check_integer(get(a, "b", TOML_TABLE), "c", 9);
        check_integer(get(a, "b.x", TOML_TABLE), "d", 10);
        ASSERT_EQ(get(a, "e", TOML_INTEGER)->integer, 11);
        toml_free(doc);
}

TEST(strings) {
        TomlValue *doc = parse_ok("plain = \"hello world\"\n"
                                  "escapes = \"\\b\\t\\n\\f\\r\\\"\\\\\"\n"
                                  "u4 = \"\\u00e9\\u20AC\\u0041\"\n"
                                  "u8 = \"\\U0001F600\\U0010FFFF\\U00000041\"\n"
                                  "nul = \"a\\u0000b\"\n"
                                  "literal = 'C:\\Users\\x \"quoted\" \\u0041'\n"
                                  "utf8 = \"é☕𝄞\"\n"
                                  "tab = \"a\tb\"\n"
                                  "hash = \"a # not a comment\"\n"
                                  "empty = \"\"\n"
                                  "empty-literal = ''\n"
                                  "c1 = \"\xc2\x80\xc2\x9f\"\n");
        const TomlValue *nul;

        check_string(doc, "plain", "hello world");
        check_string(doc, "escapes", "\b\t\n\f\r\"\\");
        check_string(doc, "u4", "\xc3\xa9\xe2\x82\xac" "A");
        check_string(doc, "u8", "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf" "A");
        nul = get(doc, "nul", TOML_STRING);
        ASSERT_EQ(nul->string.len, 3);
        ASSERT_TRUE(memcmp(nul->string.data, "a\0b", 4) == 0);
        check_string(doc, "literal", "C:\\Users\\x \"quoted\" \\u0041");
        check_string(doc, "utf8", "é☕𝄞");
        check_string(doc, "tab", "a\tb");
        check_string(doc, "hash", "a # not a comment");
        check_string(doc, "empty", "");
        check_string(doc, "empty-literal", "");
        check_string(doc, "c1", "\xc2\x80\xc2\x9f"); /* C1 controls are allowed raw */
        toml_free(doc);
}

TEST(integers) {
        TomlValue *doc = parse_ok("a = 0\nb = +0\nc = -0\nd = 42\ne = +17\nf = -17\ng = 1_000_000\nh = 5_3_4\n"
                                  "max = 9223372036854775807\nmin = -9223372036854775808\n"
                                  "max_ = 9_223_372_036_854_775_807\n");

        check_integer(doc, "a", 0);
        check_integer(doc, "b", 0);
        check_integer(doc, "c", 0);
        check_integer(doc, "d", 42);
        check_integer(doc, "e", 17);
        check_integer(doc, "f", -17);
        check_integer(doc, "g", 1000000);
        check_integer(doc, "h", 534);
        check_integer(doc, "max", INT64_MAX);
        check_integer(doc, "min", INT64_MIN);
        check_integer(doc, "max_", INT64_MAX);
        toml_free(doc);
}

TEST(booleans_and_arrays) {
        TomlValue *doc = parse_ok("t = true\nf = false\n"
                                  "empty = []\nblank = [ \t ]\n"
                                  "mask = [\"a.service\", \"b.service\"]\n"
                                  "trailing = [1, 2, ]\n"
                                  "mixed = [1, 'x', true, [], [[-3]]]\n"
                                  "tight = [1,2,3]#c\n");
        const TomlValue *v;
        bool b;

        ASSERT_OK(toml_table_get_boolean(doc, "t", &b));
        ASSERT_TRUE(b);
        ASSERT_OK(toml_table_get_boolean(doc, "f", &b));
        ASSERT_TRUE(!b);
        ASSERT_EQ(get(doc, "empty", TOML_ARRAY)->array.n, 0);
        ASSERT_EQ(get(doc, "blank", TOML_ARRAY)->array.n, 0);
        v = get(doc, "mask", TOML_ARRAY);
        ASSERT_EQ(v->array.n, 2);
        ASSERT_STREQ(v->array.items[1]->string.data, "b.service");
        ASSERT_EQ(get(doc, "trailing", TOML_ARRAY)->array.n, 2);
        v = get(doc, "mixed", TOML_ARRAY);
        ASSERT_EQ(v->array.n, 5);
        ASSERT_EQ(v->array.items[0]->type, TOML_INTEGER);
        ASSERT_EQ(v->array.items[1]->type, TOML_STRING);
        ASSERT_EQ(v->array.items[2]->type, TOML_BOOLEAN);
        ASSERT_EQ(v->array.items[3]->array.n, 0);
        ASSERT_EQ(v->array.items[4]->array.items[0]->array.items[0]->integer, -3);
        ASSERT_EQ(get(doc, "tight", TOML_ARRAY)->array.n, 3);
        toml_free(doc);
}

TEST(tables) {
        TomlValue *doc = parse_ok("top = 1\n"
                                  "[options]\n"
                                  "use-network = true\n"
                                  "  [ a . \"b\" . 'c' ]  # header comment\n"
                                  "k = 'v'\n"
                                  "[a]\n" /* super-table defined after its sub-table */
                                  "x = 1\n"
                                  "[d.e]\n"
                                  "f.g = 2\n"
                                  "f.h = 3\n"
                                  "[empty]\n");
        const TomlValue *a, *f;

        check_integer(doc, "top", 1);
        ASSERT_EQ(get(doc, "options", TOML_TABLE)->table.n, 1);
        a = get(doc, "a", TOML_TABLE);
        check_string(get(get(a, "b", TOML_TABLE), "c", TOML_TABLE), "k", "v");
        check_integer(a, "x", 1);
        f = get(get(get(doc, "d", TOML_TABLE), "e", TOML_TABLE), "f", TOML_TABLE);
        check_integer(f, "g", 2);
        check_integer(f, "h", 3);
        ASSERT_EQ(get(doc, "empty", TOML_TABLE)->table.n, 0);
        /* document order */
        ASSERT_STREQ(doc->table.keys[0], "top");
        ASSERT_STREQ(doc->table.keys[1], "options");
        ASSERT_STREQ(doc->table.keys[2], "a");
        ASSERT_STREQ(doc->table.keys[3], "d");
        ASSERT_STREQ(doc->table.keys[4], "empty");
        toml_free(doc);

        /* what TOML 1.0 (and tomllib) allows around implicit tables */
        toml_free(parse_ok("[x.y.z]\n[x]\n"));              /* implicit x, then defined */
        toml_free(parse_ok("[x.y.z]\n[x]\ny.w = 1\n"));     /* dotted keys into implicit x.y */
        toml_free(parse_ok("a.b = 1\n[a.c]\n"));            /* header below a dotted-key table */
        toml_free(parse_ok("[t]\na.b = 1\n[t.a.c]\n"));     /* likewise, one level down */
        toml_free(parse_ok("a.b.c = 1\na.b.d = 2\na.e = 3\n"));
}

TEST(line_endings) {
        TomlValue *doc = parse_ok("a = 1\r\n# c\r\n[t]\r\nb = \"x\"\r\n");

        check_integer(doc, "a", 1);
        check_string(get(doc, "t", TOML_TABLE), "b", "x");
        ASSERT_EQ(get(get(doc, "t", TOML_TABLE), "b", TOML_STRING)->line, 4);
        toml_free(doc);
        doc = parse_ok("a = 1");
        check_integer(doc, "a", 1);
        toml_free(doc);
}

TEST(realistic_documents) {
        TomlValue *doc = parse_ok("realmfs = \"base\"\nautostart = true\nuse-gpu = false\n"
                                  "[options]\nmask = [\"a.service\", \"b.service\"]\n");
        bool b;

        check_string(doc, "realmfs", "base");
        ASSERT_OK(toml_table_get_boolean(doc, "autostart", &b));
        ASSERT_TRUE(b);
        ASSERT_EQ(get(get(doc, "options", TOML_TABLE), "mask", TOML_ARRAY)->array.n, 2);
        toml_free(doc);

        doc = parse_ok("image-type = \"realmfs\"\nrealmfs-name = \"main\"\nnblocks = 2560\nversion = 1\n"
                       "verity-salt = \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n");
        check_string(doc, "image-type", "realmfs");
        check_integer(doc, "nblocks", 2560);
        ASSERT_EQ(strlen(get(doc, "verity-salt", TOML_STRING)->string.data), 64);
        toml_free(doc);
}

TEST(positions) {
        TomlValue *doc = parse_ok("\n\n  k = \"a\\u0000b\"  # c\n"
                                  "arr = [1, [2]]\n"
                                  "  [ t.u ]\n"
                                  "\"é\" = 1\n");
        const TomlValue *v;

        v = get(doc, "k", TOML_STRING);
        ASSERT_EQ(v->line, 3);
        ASSERT_EQ(v->column, 7);
        v = get(doc, "arr", TOML_ARRAY);
        ASSERT_EQ(v->line, 4);
        ASSERT_EQ(v->column, 7);
        ASSERT_EQ(v->array.items[1]->column, 11);
        ASSERT_EQ(v->array.items[1]->array.items[0]->column, 12);
        v = get(get(doc, "t", TOML_TABLE), "u", TOML_TABLE);
        ASSERT_EQ(v->line, 5);
        ASSERT_EQ(v->column, 3);
        /* columns count characters, not bytes */
        v = get(get(get(doc, "t", TOML_TABLE), "u", TOML_TABLE), "é", TOML_INTEGER);
        ASSERT_EQ(v->line, 6);
        ASSERT_EQ(v->column, 7);
        toml_free(doc);
}

TEST(getters) {
        TomlValue *doc = parse_ok("s = \"x\"\ni = 1\nb = true\na = [1]\n[t]\n");
        const char *s = "untouched";
        int64_t i = 77;
        bool b = true;

        ASSERT_EQ(toml_table_get_string(doc, "nope", &s), -ENOENT);
        ASSERT_STREQ(s, "untouched");
        ASSERT_EQ(toml_table_get_integer(doc, "nope", &i), -ENOENT);
        ASSERT_EQ(i, 77);
        ASSERT_EQ(toml_table_get_boolean(doc, "nope", &b), -ENOENT);
        ASSERT_TRUE(b);

        ASSERT_EQ(toml_table_get_string(doc, "i", &s), -EMEDIUMTYPE);
        ASSERT_EQ(toml_table_get_string(doc, "a", &s), -EMEDIUMTYPE);
        ASSERT_EQ(toml_table_get_integer(doc, "s", &i), -EMEDIUMTYPE);
        ASSERT_EQ(toml_table_get_integer(doc, "b", &i), -EMEDIUMTYPE);
        ASSERT_EQ(toml_table_get_boolean(doc, "i", &b), -EMEDIUMTYPE);
        ASSERT_EQ(toml_table_get_boolean(doc, "t", &b), -EMEDIUMTYPE);
        ASSERT_STREQ(s, "untouched");
        ASSERT_EQ(i, 77);

        /* lookups in what is not a table, or with no table at all */
        ASSERT_TRUE(toml_table_get(get(doc, "a", TOML_ARRAY), "x") == NULL);
        ASSERT_TRUE(toml_table_get(NULL, "x") == NULL);
        ASSERT_TRUE(toml_table_get(doc, NULL) == NULL);
        ASSERT_EQ(toml_table_get_string(NULL, "s", &s), -ENOENT);
        ASSERT_EQ(toml_table_get_integer(get(doc, "i", TOML_INTEGER), "s", &i), -ENOENT);

        ASSERT_STREQ(toml_type_name(TOML_STRING), "string");
        ASSERT_STREQ(toml_type_name(TOML_INTEGER), "integer");
        ASSERT_STREQ(toml_type_name(TOML_BOOLEAN), "boolean");
        ASSERT_STREQ(toml_type_name(TOML_ARRAY), "array");
        ASSERT_STREQ(toml_type_name(TOML_TABLE), "table");
        ASSERT_STREQ(toml_type_name(TOML_FLOAT), "float");
        ASSERT_STREQ(toml_type_name(TOML_DATETIME), "offset date-time");
        ASSERT_STREQ(toml_type_name(TOML_DATETIME_LOCAL), "local date-time");
        ASSERT_STREQ(toml_type_name(TOML_DATE_LOCAL), "local date");
        ASSERT_STREQ(toml_type_name(TOML_TIME_LOCAL), "local time");
        toml_free(doc);

        /* the new types are other types: a float where a string or an
         * integer is expected is a wrong type, as before */
        doc = parse_ok("f = 1.0\nd = 1979-05-27\nt = { x = 1 }\n");
        ASSERT_EQ(toml_table_get_string(doc, "f", &s), -EMEDIUMTYPE);
        ASSERT_EQ(toml_table_get_integer(doc, "f", &i), -EMEDIUMTYPE);
        ASSERT_EQ(toml_table_get_string(doc, "d", &s), -EMEDIUMTYPE);
        ASSERT_EQ(toml_table_get_boolean(doc, "t", &b), -EMEDIUMTYPE);
        toml_free(doc);
        toml_free(NULL);
}

static void check_float(const TomlValue *t, const char *key, double expected) {
        const TomlValue *v = get(t, key, TOML_FLOAT);

        ASSERT_TRUE(memcmp(&v->floating, &expected, sizeof expected) == 0 ||
                    (isnan(v->floating) && isnan(expected)));
}

TEST(numbers) {
        TomlValue *doc = parse_ok("hex = 0xDEAD_beef\nhex0 = 0x00ff\noct = 0o755\nbin = 0b1101_0110\n"
                                  "hexmax = 0x7FFFFFFFFFFFFFFF\noctmax = 0o777777777777777777777\n"
                                  "binmax = 0b111111111111111111111111111111111111111111111111111111111111111\n"
                                  "f1 = 3.14\nf2 = -0.01\nf3 = 5e+22\nf4 = 1e06\nf5 = -2E-2\nf6 = 6.626e-34\n"
                                  "f7 = 1_000.000_1\nf8 = 0.0\nf9 = -0.0\nf10 = +0.0\nf11 = 224_617.445_991_228\n"
                                  "i1 = inf\ni2 = +inf\ni3 = -inf\nn1 = nan\nn2 = +nan\nn3 = -nan\n"
                                  "big = 1e400\ntiny = 1e-400\nsub = 5e-324\n"
                                  "in-array = [1, 2.5, 0x10, -inf]\n");
        const TomlValue *v;

        check_integer(doc, "hex", 0xdeadbeef);
        check_integer(doc, "hex0", 255);
        check_integer(doc, "oct", 0755);
        check_integer(doc, "bin", 214);
        check_integer(doc, "hexmax", INT64_MAX);
        check_integer(doc, "octmax", INT64_MAX);
        check_integer(doc, "binmax", INT64_MAX);
        check_float(doc, "f1", 3.14);
        check_float(doc, "f2", -0.01);
        check_float(doc, "f3", 5e22);
        check_float(doc, "f4", 1e6);
        check_float(doc, "f5", -2e-2);
        check_float(doc, "f6", 6.626e-34);
        check_float(doc, "f7", 1000.0001);
        check_float(doc, "f8", 0.0);
        check_float(doc, "f9", -0.0);
        ASSERT_TRUE(signbit(get(doc, "f9", TOML_FLOAT)->floating));
        check_float(doc, "f10", 0.0);
        check_float(doc, "f11", 224617.445991228);
        check_float(doc, "i1", INFINITY);
        check_float(doc, "i2", INFINITY);
        check_float(doc, "i3", -INFINITY);
        check_float(doc, "n1", NAN);
        check_float(doc, "n2", NAN);
        ASSERT_TRUE(isnan(get(doc, "n3", TOML_FLOAT)->floating));
        check_float(doc, "big", INFINITY); /* out of range, as tomllib (Python's float()) reads it */
        check_float(doc, "tiny", 0.0);
        check_float(doc, "sub", 5e-324);
        v = get(doc, "in-array", TOML_ARRAY);
        ASSERT_EQ(v->array.items[1]->type, TOML_FLOAT);
        ASSERT_EQ(v->array.items[2]->integer, 16);
        toml_free(doc);
}

static void check_datetime(const TomlValue *t, const char *key, TomlType type, const char *expected) {
        char buf[TOML_DATETIME_STRING_MAX];

        toml_format_datetime(type, &get(t, key, type)->datetime, buf);
        ASSERT_STREQ(buf, expected);
}

TEST(datetimes) {
        TomlValue *doc = parse_ok("odt1 = 1979-05-27T07:32:00Z\n"
                                  "odt2 = 1979-05-27T00:32:00-07:00\n"
                                  "odt3 = 1979-05-27T00:32:00.999999+05:30\n"
                                  "odt4 = 1979-05-27 07:32:00z\n"
                                  "odt5 = 1979-05-27t07:32:00.1234567891-00:00\n"
                                  "ldt = 1979-05-27T07:32:00\n"
                                  "ldt2 = 1979-05-27 00:32:00.5\n"
                                  "ld = 1979-05-27\n"
                                  "leap = 2000-02-29\n"
                                  "lt1 = 07:32:00\n"
                                  "lt2 = 00:32:00.000001\n"
                                  "arr = [1979-05-27 07:32:00, 07:32:00,1979-05-27]\n"
                                  "it = { when = 1979-05-27 }\n");
        const TomlValue *v;

        check_datetime(doc, "odt1", TOML_DATETIME, "1979-05-27T07:32:00Z");
        check_datetime(doc, "odt2", TOML_DATETIME, "1979-05-27T00:32:00-07:00");
        check_datetime(doc, "odt3", TOML_DATETIME, "1979-05-27T00:32:00.999999+05:30");
        check_datetime(doc, "odt4", TOML_DATETIME, "1979-05-27T07:32:00Z");
        check_datetime(doc, "odt5", TOML_DATETIME, "1979-05-27T07:32:00.123456789Z"); /* truncated to ns */
        check_datetime(doc, "ldt", TOML_DATETIME_LOCAL, "1979-05-27T07:32:00");
        check_datetime(doc, "ldt2", TOML_DATETIME_LOCAL, "1979-05-27T00:32:00.5");
        check_datetime(doc, "ld", TOML_DATE_LOCAL, "1979-05-27");
        check_datetime(doc, "leap", TOML_DATE_LOCAL, "2000-02-29");
        check_datetime(doc, "lt1", TOML_TIME_LOCAL, "07:32:00");
        check_datetime(doc, "lt2", TOML_TIME_LOCAL, "00:32:00.000001");
        v = get(doc, "odt2", TOML_DATETIME);
        ASSERT_EQ(v->datetime.year, 1979);
        ASSERT_EQ(v->datetime.month, 5);
        ASSERT_EQ(v->datetime.day, 27);
        ASSERT_EQ(v->datetime.hour, 0);
        ASSERT_EQ(v->datetime.minute, 32);
        ASSERT_EQ(v->datetime.offset_minutes, -420);
        ASSERT_EQ(get(doc, "odt3", TOML_DATETIME)->datetime.nanosecond, 999999000);
        ASSERT_EQ(get(doc, "odt3", TOML_DATETIME)->datetime.offset_minutes, 330);
        v = get(doc, "arr", TOML_ARRAY);
        ASSERT_EQ(v->array.n, 3);
        ASSERT_EQ(v->array.items[0]->type, TOML_DATETIME_LOCAL);
        ASSERT_EQ(v->array.items[1]->type, TOML_TIME_LOCAL);
        ASSERT_EQ(v->array.items[2]->type, TOML_DATE_LOCAL);
        check_datetime(get(doc, "it", TOML_TABLE), "when", TOML_DATE_LOCAL, "1979-05-27");
        toml_free(doc);
}

TEST(multiline_strings) {
        TomlValue *doc = parse_ok("a = \"\"\"\nroses\nare red\"\"\"\n"
                                  "b = \"\"\"\r\none\r\ntwo\r\n\"\"\"\n"
                                  "c = \"\"\"\\\n    The quick \\\n\n  \t brown \\   \r\n  fox.\\\n\"\"\"\n"
                                  "d = \"\"\"x\"\"\"\"\n"
                                  "e = \"\"\"x\"\"\"\"\"\n"
                                  "f = \"\"\"\"\"\"\n"
                                  "g = \"\"\"\"a\"\" \\\"\"\" \\u00e9\\t\"\"\"\n"
                                  "h = '''\nC:\\x\\ \"\"\" '' '''\n"
                                  "i = ''''a'''''\n"
                                  "j = \"\"\"\n\n\"\"\"\n"
                                  "k = '''x\ty # not a comment\n[not] = a table'''\n"
                                  "after = 1\n");

        check_string(doc, "a", "roses\nare red");
        check_string(doc, "b", "one\ntwo\n"); /* CRLF read as LF, as tomllib does */
        check_string(doc, "c", "The quick brown fox.");
        check_string(doc, "d", "x\"");
        check_string(doc, "e", "x\"\"");
        check_string(doc, "f", "");
        check_string(doc, "g", "\"a\"\" \"\"\" \xc3\xa9\t");
        check_string(doc, "h", "C:\\x\\ \"\"\" '' ");
        check_string(doc, "i", "'a''");
        check_string(doc, "j", "\n");
        check_string(doc, "k", "x\ty # not a comment\n[not] = a table");
        /* lines are counted inside multi-line values */
        ASSERT_EQ(get(doc, "after", TOML_INTEGER)->line, 26);
        ASSERT_EQ(get(doc, "k", TOML_STRING)->line, 24);
        toml_free(doc);
}

TEST(multiline_arrays) {
        TomlValue *doc = parse_ok("mask = [\n"
                                  "  \"a.service\", # the first\n"
                                  "  # a comment line\n"
                                  "\n"
                                  "  \"b.service\",\r\n"
                                  "]\n"
                                  "nested = [ [ 1,\n 2 ], [\n] ,\n]\n"
                                  "x = [\n  1\n  ,2]\n"
                                  "after = true\n");
        const TomlValue *v;

        v = get(doc, "mask", TOML_ARRAY);
        ASSERT_EQ(v->array.n, 2);
        ASSERT_STREQ(v->array.items[1]->string.data, "b.service");
        ASSERT_EQ(v->array.items[1]->line, 5);
        ASSERT_EQ(v->array.items[1]->column, 3);
        v = get(doc, "nested", TOML_ARRAY);
        ASSERT_EQ(v->array.n, 2);
        ASSERT_EQ(v->array.items[0]->array.n, 2);
        ASSERT_EQ(v->array.items[1]->array.n, 0);
        ASSERT_EQ(get(doc, "x", TOML_ARRAY)->array.n, 2);
        ASSERT_EQ(get(doc, "after", TOML_BOOLEAN)->line, 14);
        toml_free(doc);
}

TEST(inline_tables) {
        TomlValue *doc = parse_ok("point = { x = 1, y = 2 }\n"
                                  "empty = {}\n"
                                  "blank = {  }\n"
                                  "nested = {a={b={c=1}},d.e.f=\"g\", d.e.h = 2, 'q' . \"r\" = [ {}, { s = 1 } ]}\n"
                                  "ml = { s = \"\"\"\nx\"\"\", a = [\n1,\n] }\n"
                                  "[options]\n"
                                  "gpu = { enabled = true }\n");
        const TomlValue *v, *e;

        check_integer(get(doc, "point", TOML_TABLE), "y", 2);
        ASSERT_EQ(get(doc, "empty", TOML_TABLE)->table.n, 0);
        ASSERT_EQ(get(doc, "blank", TOML_TABLE)->table.n, 0);
        v = get(doc, "nested", TOML_TABLE);
        check_integer(get(get(v, "a", TOML_TABLE), "b", TOML_TABLE), "c", 1);
        e = get(get(v, "d", TOML_TABLE), "e", TOML_TABLE);
        check_string(e, "f", "g");
        check_integer(e, "h", 2);
        ASSERT_EQ(get(get(v, "q", TOML_TABLE), "r", TOML_ARRAY)->array.items[1]->type, TOML_TABLE);
        check_string(get(doc, "ml", TOML_TABLE), "s", "x");
        ASSERT_EQ(get(get(doc, "ml", TOML_TABLE), "a", TOML_ARRAY)->array.n, 1);
        ASSERT_EQ(get(doc, "options", TOML_TABLE)->line, 9);
        toml_free(doc);
}

TEST(arrays_of_tables) {
        TomlValue *doc = parse_ok("[[products]]\nname = \"Hammer\"\n"
                                  "[[products]]\n"
                                  "[[products]]\nname = \"Nail\"\n"
                                  "[[fruits]]\nname = \"apple\"\n"
                                  "[fruits.physical]\ncolor = \"red\"\n"
                                  "[[fruits.varieties]]\nname = \"red delicious\"\n"
                                  "[[fruits.varieties]]\nname = \"granny smith\"\n"
                                  "[[fruits]]\nname = \"banana\"\n"
                                  "[[fruits.varieties]]\nname = \"plantain\"\n"
                                  "[[a.b.c]]\n[a]\nx = 1\n"
                                  "[[ 'q' . \"r\" ]] # comment\n");
        const TomlValue *p, *f, *v;

        p = get(doc, "products", TOML_ARRAY);
        ASSERT_EQ(p->array.n, 3);
        check_string(p->array.items[0], "name", "Hammer");
        ASSERT_EQ(p->array.items[1]->table.n, 0);
        ASSERT_EQ(p->array.items[1]->line, 3);
        check_string(p->array.items[2], "name", "Nail");
        f = get(doc, "fruits", TOML_ARRAY);
        ASSERT_EQ(f->array.n, 2);
        check_string(get(f->array.items[0], "physical", TOML_TABLE), "color", "red");
        v = get(f->array.items[0], "varieties", TOML_ARRAY);
        ASSERT_EQ(v->array.n, 2);
        check_string(v->array.items[1], "name", "granny smith");
        v = get(f->array.items[1], "varieties", TOML_ARRAY);
        ASSERT_EQ(v->array.n, 1);
        check_string(v->array.items[0], "name", "plantain");
        ASSERT_EQ(get(get(get(doc, "a", TOML_TABLE), "b", TOML_TABLE), "c", TOML_ARRAY)->array.n, 1);
        check_integer(get(doc, "a", TOML_TABLE), "x", 1);
        ASSERT_EQ(get(get(doc, "q", TOML_TABLE), "r", TOML_ARRAY)->array.n, 1);
        toml_free(doc);
}

TEST(errors_beyond_limits) {
        expect_error("a = 9223372036854775808\n", "t:1:5: integer does not fit in 64 bits");
        expect_error("a = [-9223372036854775809]\n", "t:1:6: integer does not fit in 64 bits");
        expect_error("a = 0x8000000000000000\n", "t:1:5: integer does not fit in 64 bits");
        expect_error("a = 0o1000000000000000000000\n", "t:1:5: integer does not fit in 64 bits");
        expect_error("\"a\\u0000\" = 1\n", "t:1:1: NUL in a key is not supported");
        expect_error("a = 0000-01-01\n", "t:1:5: year 0000 is not supported");
        expect_error("a = 23:59:60\n", "t:1:11: second out of range (leap seconds are not supported)");
}

TEST(errors_numbers) {
        expect_error("a = 0x\n", "t:1:5: expected digits after 0x, 0o or 0b");
        expect_error("a = 0x_1\n", "t:1:7: '_' must be between digits");
        expect_error("a = 0x1_\n", "t:1:8: '_' must be between digits");
        expect_error("a = 0b102\n", "t:1:9: invalid digit for the base of the integer");
        expect_error("a = 0o8\n", "t:1:7: invalid digit for the base of the integer");
        expect_error("a = 0xfg\n", "t:1:8: invalid character in integer");
        expect_error("a = 0X10\n", "t:1:6: invalid character in integer");
        expect_error("a = -0x10\n", "t:1:5: hexadecimal, octal and binary integers take no sign");
        expect_error("a = 1.\n", "t:1:6: a float needs digits after '.'");
        expect_error("a = 1.e5\n", "t:1:6: a float needs digits after '.'");
        expect_error("a = .5\n", "t:1:5: invalid value (strings need quotes)");
        expect_error("a = 1e\n", "t:1:6: a float's exponent needs digits");
        expect_error("a = 1e+_1\n", "t:1:6: a float's exponent needs digits");
        expect_error("a = 1.5e1_\n", "t:1:10: '_' must be between digits");
        expect_error("a = 1_.5\n", "t:1:6: '_' must be between digits");
        expect_error("a = 1._5\n", "t:1:6: a float needs digits after '.'");
        expect_error("a = 01.5\n", "t:1:5: leading zeros are not allowed in numbers");
        expect_error("a = 1.5.3\n", "t:1:8: invalid character in float");
        expect_error("a = 1e5e5\n", "t:1:8: invalid character in float");
        expect_error("a = infinity\n", "t:1:5: invalid value (strings need quotes)");
        expect_error("a = Inf\n", "t:1:5: invalid value (strings need quotes)");
        expect_error("a = +nan_\n", "t:1:5: invalid value (strings need quotes)");
        expect_error("a = 1.5 x\n", "t:1:9: expected the end of the line");
}

TEST(errors_datetimes) {
        expect_error("a = 1979-02-29\n", "t:1:13: day out of range for the month");
        expect_error("a = 1900-02-29\n", "t:1:13: day out of range for the month");
        expect_error("a = 1979-04-31\n", "t:1:13: day out of range for the month");
        expect_error("a = 1979-00-01\n", "t:1:10: month out of range");
        expect_error("a = 1979-13-01\n", "t:1:10: month out of range");
        expect_error("a = 1979-1-01\n", "t:1:11: invalid date (expected YYYY-MM-DD)");
        expect_error("a = 1979-05-2\n", "t:1:13: invalid date (expected YYYY-MM-DD)");
        expect_error("a = 1979-05-27T\n", "t:1:15: invalid time (expected HH:MM:SS)");
        expect_error("a = 1979-05-27T07:32\n", "t:1:20: invalid time (expected HH:MM:SS)");
        expect_error("a = 1979-05-27 07:32\n", "t:1:20: invalid time (expected HH:MM:SS)");
        expect_error("a = 1979-05-27 x\n", "t:1:16: expected the end of the line");
        expect_error("a = 1979-05-27_07:32:00\n", "t:1:15: invalid character after the date (a time needs 'T' or a space)");
        expect_error("a = 1979-05-27T24:00:00\n", "t:1:16: hour out of range");
        expect_error("a = 1979-05-27T23:60:00\n", "t:1:19: minute out of range");
        expect_error("a = 1979-05-27T07:32:00.\n", "t:1:24: fractional seconds need digits after '.'");
        expect_error("a = 1979-05-27T07:32:00.Z\n", "t:1:24: fractional seconds need digits after '.'");
        expect_error("a = 1979-05-27T07:32:00X\n", "t:1:24: invalid time offset (expected Z or +HH:MM)");
        expect_error("a = 1979-05-27T07:32:00Zx\n", "t:1:25: invalid character after the date-time");
        expect_error("a = 1979-05-27T07:32:00+1:00\n", "t:1:26: invalid time offset (expected Z or +HH:MM)");
        expect_error("a = 1979-05-27T07:32:00+0100\n", "t:1:27: invalid time offset (expected Z or +HH:MM)");
        expect_error("a = 1979-05-27T07:32:00+24:00\n", "t:1:25: time offset out of range");
        expect_error("a = 1979-05-27T07:32:00+01:60\n", "t:1:28: time offset out of range");
        expect_error("a = 1979-05-27T07:32:00+01:00:00\n", "t:1:30: invalid character after the date-time");
        expect_error("a = 07:32\n", "t:1:9: invalid time (expected HH:MM:SS)");
        expect_error("a = 7:32:00\n", "t:1:6: invalid time (expected HH:MM:SS)");
        expect_error("a = 07:32:00Z\n", "t:1:13: a time without a date takes no offset");
        expect_error("a = 07:32:00-07:00\n", "t:1:13: a time without a date takes no offset");
        expect_error("a = 07:32:00 1\n", "t:1:14: expected the end of the line");
        expect_error("a = 1979-05-27 07:32:00 1\n", "t:1:25: expected the end of the line");
        expect_error("a = -1979-05-27\n", "t:1:10: invalid character in integer");
}

TEST(errors_multiline) {
        expect_error("a = \"\"\"abc\n", "t:1:5: unterminated multi-line string");
        expect_error("a = \"\"\"abc\"\"\n", "t:1:5: unterminated multi-line string");
        expect_error("a = '''abc''\n", "t:1:5: unterminated multi-line string");
        expect_error("a = \"\"\"abc\\\"\"\"\n", "t:1:5: unterminated multi-line string");
        expect_error("a = \"\"\"a\"\"\"\"\"\"\n", "t:1:14: expected the end of the line");
        expect_error("a = '''a''''''\n", "t:1:14: expected the end of the line");
        expect_error("x = 1\na = \"\"\"\nok\n\\q\"\"\"\n", "t:4:1: invalid escape sequence");
        expect_error("a = \"\"\"\\ x\"\"\"\n", "t:1:8: invalid escape sequence");
        expect_error("a = \"\"\"\\ \"\"\"\n", "t:1:8: invalid escape sequence");
        expect_error("a = \"\"\"\n\n  \x01\"\"\"\n", "t:3:3: control character in string (use an escape)");
        expect_error("a = '''\n\x7f'''\n", "t:2:1: control character in string (use an escape)");
        expect_error("a = '''a\rb'''\n", "t:1:9: carriage return not followed by a newline");
        expect_error("a = \"\"\"a\\ \rb\"\"\"\n", "t:1:11: carriage return not followed by a newline");
        expect_error("a = \"\"\"\n\\uD800\"\"\"\n", "t:2:1: escape is not a Unicode scalar value");
        expect_error("\"\"\"a\"\"\" = 1\n", "t:1:3: expected '=' after the key");
        expect_error("a = [\n", "t:1:5: unterminated array (no ']')");
        expect_error("a = [1,\n2\n", "t:1:5: unterminated array (no ']')");
        expect_error("a = [1 # c\n 2]\n", "t:2:2: expected ',' or ']' in array");
        expect_error("a = [1,\n#\x01\n]\n", "t:2:2: control character in comment");
        expect_error("a = [1,\r]\n", "t:1:8: carriage return not followed by a newline");
        expect_error("a = [\n1,\n,]\n", "t:3:1: expected a value");
        /* a key reported after its multi-line value is on its own line */
        {
                size_t cap = (size_t) TOML_MAX_TABLE_ENTRIES * 16 + 64, len = 0;
                char *text = malloc(cap), *error = NULL;
                TomlValue *doc = NULL;

                ASSERT_TRUE(text);
                for (unsigned i = 0; i < TOML_MAX_TABLE_ENTRIES; i++)
                        len += (size_t) snprintf(text + len, cap - len, "k%u = %u\n", i, i);
                len += (size_t) snprintf(text + len, cap - len, "  one-more = [\n1,\n]\n");
                ASSERT_EQ(toml_parse(text, len, "t", 0, &doc, &error), -E2BIG);
                ASSERT_STREQ(error, "t:10001:3: more than 10000 keys in one table");
                free(error);
                free(text);
        }
}

TEST(errors_inline_tables) {
        expect_error("a = {x = 1,}\n", "t:1:12: no trailing comma in an inline table");
        expect_error("a = {x = 1\n}\n", "t:1:11: inline tables must be written on one line");
        expect_error("a = {\nx = 1}\n", "t:1:6: inline tables must be written on one line");
        expect_error("a = {x = 1, # c\n}\n", "t:1:13: inline tables must be written on one line");
        expect_error("a = {x = 1 y = 2}\n", "t:1:12: expected ',' or '}' in inline table");
        expect_error("a = {,}\n", "t:1:6: expected a key");
        expect_error("a = {x = 1,, y = 2}\n", "t:1:12: expected a key");
        expect_error("a = {x}\n", "t:1:7: expected '=' after the key");
        expect_error("a = {x = }\n", "t:1:10: expected a value");
        expect_error("a = {x = 1, x = 2}\n", "t:1:13: duplicate key");
        expect_error("a = {x = 1, x.y = 2}\n", "t:1:13: key already holds a value, cannot be a table");
        expect_error("a = {x = {}, x.y = 2}\n", "t:1:14: an inline table cannot be extended");
        expect_error("a = {x.y = 1, x = {}}\n", "t:1:15: duplicate key");
        expect_error("a = {x = [], x.y = 2}\n", "t:1:14: key already holds a value, cannot be a table");
        expect_error("a = {x = 1\n", "t:1:11: inline tables must be written on one line");
        expect_error("a = {x = 1", "t:1:5: unterminated inline table (no '}')");
        expect_error("a = {", "t:1:5: unterminated inline table (no '}')");
        /* complete as written: no header, dotted key or [[header]] adds to it */
        expect_error("a = {x = 1}\na.y = 2\n", "t:2:1: an inline table cannot be extended");
        expect_error("a = {x = 1}\n[a]\n", "t:2:1: table defined twice (as an inline table)");
        expect_error("a = {x = {}}\n[a.x]\n", "t:2:2: an inline table cannot be extended");
        expect_error("a = {x = {}}\n[a.x.y]\n", "t:2:2: an inline table cannot be extended");
        expect_error("a = {}\n[[a.b]]\n", "t:2:3: an inline table cannot be extended");
        expect_error("a = {b = [{}]}\n[[a.b]]\n", "t:2:3: an inline table cannot be extended");
        expect_error("[t]\na = {x = 1}\n[t.a]\n", "t:3:1: table defined twice (as an inline table)");
}

TEST(errors_arrays_of_tables) {
        expect_error("[[a]\n", "t:1:4: expected ']]' at the end of the array of tables header");
        expect_error("[[a] ]\n", "t:1:4: expected ']]' at the end of the array of tables header");
        expect_error("[[]]\n", "t:1:3: expected a key");
        expect_error("[ [a]]\n", "t:1:3: expected a key");
        expect_error("[[a]] x\n", "t:1:7: expected the end of the line");
        expect_error("[a]\n[[a]]\n", "t:2:3: key already holds a table, cannot be an array of tables");
        expect_error("a.b = 1\n[[a]]\n", "t:2:3: key already holds a table, cannot be an array of tables");
        expect_error("[[a]]\n[a]\n", "t:2:1: table defined twice (as an array of tables)");
        expect_error("a = []\n[[a]]\n", "t:2:3: key already holds a value, cannot be an array of tables");
        expect_error("a = [{}]\n[[a]]\n", "t:2:3: key already holds a value, cannot be an array of tables");
        expect_error("a = [{}]\n[a.b]\n", "t:2:2: key already holds a value, cannot be a table");
        expect_error("a = 1\n[[a]]\n", "t:2:3: key already holds a value, cannot be an array of tables");
        expect_error("[[a.b]]\n[[a]]\n", "t:2:3: key already holds a table, cannot be an array of tables");
        expect_error("[[a]]\nb = 1\n[a.b]\n", "t:3:4: key already holds a value, cannot be a table");
        expect_error("[[a]]\n[a.b]\n[a.b]\n", "t:3:1: table defined twice");
        expect_error("[[a]]\nb.c = 1\n[a.b]\n", "t:3:1: table defined twice");
        /* dotted keys do not reach into an array of tables */
        expect_error("[[t.a]]\n[t]\na.b = 1\n", "t:3:1: key already holds a value, cannot be a table");
        expect_error("[[a.b]]\n[a]\nb.y = 2\n", "t:3:1: key already holds a value, cannot be a table");
        /* but [[a]] opens a new element: its tables are new */
        toml_free(parse_ok("[[a]]\n[a.b]\nb.c = 1\n[[a]]\n[a.b]\nb.c = 2\n"));
        toml_free(parse_ok("[[a]]\nb.c = 1\n[[a]]\nb.c = 2\n"));
        toml_free(parse_ok("[[a.b]]\n[a]\n[a.c]\n")); /* a implicit, then defined */
}

TEST(errors_syntax) {
        expect_error("a = 01\n", "t:1:5: leading zeros are not allowed in numbers");
        expect_error("a = -00\n", "t:1:5: leading zeros are not allowed in numbers");
        expect_error("a = 1__0\n", "t:1:6: '_' must be between digits");
        expect_error("a = 1_\n", "t:1:6: '_' must be between digits");
        expect_error("a = +_1\n", "t:1:5: invalid value (strings need quotes)");
        expect_error("a = 12a\n", "t:1:7: invalid character in integer");
        expect_error("a = +\n", "t:1:5: invalid value (strings need quotes)");
        expect_error("a = x\n", "t:1:5: invalid value (strings need quotes)");
        expect_error("a = True\n", "t:1:5: invalid value (strings need quotes)");
        expect_error("a =\n", "t:1:4: expected a value after '='");
        expect_error("a = # c\n", "t:1:5: expected a value after '='");
        expect_error("a\n", "t:1:2: expected '=' after the key");
        expect_error("a b = 1\n", "t:1:3: expected '=' after the key");
        expect_error("= 1\n", "t:1:1: expected a key");
        expect_error("a. = 1\n", "t:1:4: expected a key");
        expect_error("a..b = 1\n", "t:1:3: expected a key");
        expect_error("a = 1 b\n", "t:1:7: expected the end of the line");
        expect_error("a = \"x\" \"y\"\n", "t:1:9: expected the end of the line");
        expect_error("a = [1 2]\n", "t:1:8: expected ',' or ']' in array");
        expect_error("a = [,]\n", "t:1:6: expected a value");
        expect_error("a = [1,,]\n", "t:1:8: expected a value");
        expect_error("[]\n", "t:1:2: expected a key");
        expect_error("[a\n", "t:1:3: expected ']' at the end of the table header");
        expect_error("[a] b = 1\n", "t:1:5: expected the end of the line");
        expect_error("\xef\xbb\xbf" "a = 1\n", "t:1:1: expected a key"); /* TOML has no BOM */
}

TEST(errors_strings) {
        expect_error("a = \"\\q\"\n", "t:1:6: invalid escape sequence");
        expect_error("a = \"ok\\x41\"\n", "t:1:8: invalid escape sequence");
        expect_error("a = \"\\ \"\n", "t:1:6: invalid escape sequence");
        expect_error("a = \"\\uD800\"\n", "t:1:6: escape is not a Unicode scalar value");
        expect_error("a = \"\\uDFFF\"\n", "t:1:6: escape is not a Unicode scalar value");
        expect_error("a = \"\\U00110000\"\n", "t:1:6: escape is not a Unicode scalar value");
        expect_error("a = \"\\u12\"\n", "t:1:6: \\u needs 4 hex digits");
        expect_error("a = \"\\U0001F60\"\n", "t:1:6: \\U needs 8 hex digits");
        expect_error("a = \"\\u00g0\"\n", "t:1:6: \\u needs 4 hex digits");
        expect_error("a = \"abc\n", "t:1:5: unterminated string");
        expect_error("a = \"abc", "t:1:5: unterminated string");
        expect_error("a = \"abc\\", "t:1:5: unterminated string");
        expect_error("a = 'abc\n", "t:1:5: unterminated string");
        expect_error("a = \"abc\\\"\n", "t:1:5: unterminated string");
        expect_error("a = \"x\ty\x01\"\n", "t:1:9: control character in string (use an escape)");
        expect_error("a = 'x\x7f'\n", "t:1:7: control character in string (use an escape)");
        expect_error("\"k\x1b\" = 1\n", "t:1:3: control character in string (use an escape)");
        expect_error("a = \"x\ry\"\n", "t:1:5: unterminated string");
}

TEST(errors_bytes) {
        expect_error("a = \"\xff\"\n", "t:1:6: invalid UTF-8");
        expect_error("a = 1\nb = \"é\xc3\"\n", "t:2:7: invalid UTF-8");              /* truncated */
        expect_error("a = 1\n\xc3", "t:2:1: invalid UTF-8");                        /* cut at the end */
        expect_error("a = \"\xc0\xaf\"\n", "t:1:6: invalid UTF-8");                  /* overlong */
        expect_error("a = \"\xed\xa0\x80\"\n", "t:1:6: invalid UTF-8");              /* surrogate */
        expect_error("a = \"\xf4\x90\x80\x80\"\n", "t:1:6: invalid UTF-8");          /* > U+10FFFF */
        expect_error("# é \xfe\n", "t:1:5: invalid UTF-8");                          /* even in comments */
        expect_error("a = 1\rb = 2\n", "t:1:6: carriage return not followed by a newline");
        expect_error("a = 1 # c\r\n\r", "t:2:1: carriage return not followed by a newline");
        expect_error("# \x01\n", "t:1:3: control character in comment");
        expect_error("a = 1 # ok\tthen \x7f\n", "t:1:17: control character in comment");
        expect_error("a = 1\f\n", "t:1:6: invalid character in integer");
        expect_error("a = \"x\"\f\n", "t:1:8: expected the end of the line");
        expect_error_len("a = 1\n\0", 7, -EINVAL, "t:2:1: NUL byte in document");
        expect_error_len("a = \"x\0\"\n", 9, -EINVAL, "t:1:7: NUL byte in document");
}

TEST(errors_redefinition) {
        expect_error("a = 1\nb = 2\na = 3\n", "t:3:1: duplicate key");
        expect_error("a = 1\n\"a\" = 2\n", "t:2:1: duplicate key");
        expect_error("a = 1\n'a' = 2\n", "t:2:1: duplicate key");
        expect_error("[t]\nx.y = 1\nx . 'y' = 2\n", "t:3:5: duplicate key");
        expect_error("[a]\n[a]\n", "t:2:1: table defined twice");
        expect_error("[a.b]\nx = 1\n[ \"a\".b ]\n", "t:3:1: table defined twice");
        expect_error("a = 1\n[a]\n", "t:2:2: key already holds a value, cannot be a table");
        expect_error("a = [1]\n[a.b]\n", "t:2:2: key already holds a value, cannot be a table");
        expect_error("a = 1\na.b = 2\n", "t:2:1: key already holds a value, cannot be a table");
        expect_error("[x]\na = true\n[x.a.b]\n", "t:3:4: key already holds a value, cannot be a table");
        /* dotted keys create tables that are closed once their section ends */
        expect_error("a.b = 1\n[a]\n", "t:2:1: table defined twice");
        expect_error("[f]\na.b = 1\n[f.a]\n", "t:3:1: table defined twice");
        expect_error("[t]\na.b = 1\n[u]\n[t]\n", "t:4:1: table defined twice");
        /* ... and dotted keys cannot extend a table a header defined */
        expect_error("[a.b]\nx = 1\n[a]\nb.y = 2\n", "t:4:1: cannot add to a table defined elsewhere with dotted keys");
        expect_error("[a]\nb.c = 1\n[a.b]\n", "t:3:1: table defined twice");
        expect_error("[t]\n[t.s]\n[t]\n", "t:3:1: table defined twice");
        /* a table header redefining the key a dotted key used as a value */
        expect_error("[a]\nb = 1\n[a.b]\n", "t:3:4: key already holds a value, cannot be a table");
}

#define REPEAT20(s) s s s s s s s s s s s s s s s s s s s s

TEST(limits) {
        TomlValue *doc = NULL;
        char *error = NULL, *big, buf[512];
        size_t n;

        /* nesting: any value at most TOML_MAX_DEPTH keys and indexes below the root */
        snprintf(buf, sizeof buf, "a = %.*s%.*s\n", 16, "[[[[[[[[[[[[[[[[[[[[", 16, "]]]]]]]]]]]]]]]]]]]]");
        toml_free(parse_ok(buf));
        snprintf(buf, sizeof buf, "a = %.*s1%.*s\n", 15, "[[[[[[[[[[[[[[[[[[[[", 15, "]]]]]]]]]]]]]]]]]]]]");
        toml_free(parse_ok(buf));
        snprintf(buf, sizeof buf, "a = %.*s%.*s\n", 17, "[[[[[[[[[[[[[[[[[[[[", 17, "]]]]]]]]]]]]]]]]]]]]");
        expect_error_len(buf, strlen(buf), -E2BIG, "t:1:21: tables and arrays nested more than 16 deep");
        snprintf(buf, sizeof buf, "a = %.*s1%.*s\n", 16, "[[[[[[[[[[[[[[[[[[[[", 16, "]]]]]]]]]]]]]]]]]]]]");
        expect_error_len(buf, strlen(buf), -E2BIG, "t:1:21: tables and arrays nested more than 16 deep");

        toml_free(parse_ok("[a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p]\n"));
        toml_free(parse_ok("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p = 1\n"));
        toml_free(parse_ok("[a.b.c.d.e.f.g.h]\ni.j.k.l.m.n.o.p = []\n"));
        expect_error_len("[a.b.c.d.e.f.g.h]\ni.j.k.l.m.n.o.p = [1]\n", 39, -E2BIG,
                         "t:2:20: tables and arrays nested more than 16 deep");
        expect_error_len("[a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q]\n", 36, -E2BIG,
                         "t:1:34: key has more than 16 dotted parts");
        expect_error_len("[a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p]\nx = 1\n", 40, -E2BIG,
                         "t:2:1: tables and arrays nested more than 16 deep");
        expect_error_len("[a.b.c.d.e.f.g.h.i.j]\nk.l.m.n.o.p.q = 1\n", 40, -E2BIG,
                         "t:2:13: tables and arrays nested more than 16 deep");

        /* keys per table */
        {
                size_t cap = (size_t) TOML_MAX_TABLE_ENTRIES * 16 + 64, len = 0;
                char *text = malloc(cap);

                ASSERT_TRUE(text);
                for (unsigned i = 0; i < TOML_MAX_TABLE_ENTRIES; i++)
                        len += (size_t) snprintf(text + len, cap - len, "k%u = %u\n", i, i);
                doc = parse_flags(text, len, 0);
                ASSERT_EQ(doc->table.n, TOML_MAX_TABLE_ENTRIES);
                toml_free(doc);
                len += (size_t) snprintf(text + len, cap - len, "one-more = 1\n");
                ASSERT_EQ(toml_parse(text, len, "t", 0, &doc, &error), -E2BIG);
                ASSERT_STREQ(error, "t:10001:1: more than 10000 keys in one table");
                free(error);
                free(text);
        }

        /* size: exactly the limit is fine, one byte more is not */
        n = TOML_MAX_SIZE + 1;
        big = malloc(n);
        ASSERT_TRUE(big);
        memset(big, '#', n);
        doc = parse_flags(big, TOML_MAX_SIZE, 0);
        toml_free(doc);
        ASSERT_EQ(toml_parse(big, n, "t", 0, &doc, &error), -E2BIG);
        ASSERT_STREQ(error, "t:1:1: document larger than 1048576 bytes");
        free(error);

        /* a megabyte on one line parses in linear time (was quadratic in the
         * column computation); the test timeout catches a regression */
        memcpy(big, "a = [", 5);
        for (n = 5; n + 3 < TOML_MAX_SIZE; n += 2)
                memcpy(big + n, "1,", 2);
        big[n++] = ']';
        doc = parse_flags(big, n, 0);
        ASSERT_EQ(get(doc, "a", TOML_ARRAY)->array.n, (n - 6) / 2);
        toml_free(doc);
        free(big);

        /* a NULL error pointer is fine */
        ASSERT_EQ(toml_parse("a = 1.", 6, "t", 0, &doc, NULL), -EINVAL);

        /* an array of tables is a key and an index deep, each time */
        toml_free(parse_ok("[[a.b.c.d.e.f.g.h.i.j.k.l.m.n.o]]\n"));
        expect_limit("[[a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p]]\n",
                         "t:1:33: tables and arrays nested more than 16 deep");
        toml_free(parse_ok("[[a]]\n[[a.b]]\n[[a.b.c]]\n[[a.b.c.d]]\n[[a.b.c.d.e]]\n[[a.b.c.d.e.f]]\n"
                           "[[a.b.c.d.e.f.g]]\n[[a.b.c.d.e.f.g.h]]\n"));
        expect_limit("[[a]]\n[[a.b]]\n[[a.b.c]]\n[[a.b.c.d]]\n[[a.b.c.d.e]]\n[[a.b.c.d.e.f]]\n"
                         "[[a.b.c.d.e.f.g]]\n[[a.b.c.d.e.f.g.h]]\n[[a.b.c.d.e.f.g.h.i]]\n",
                         "t:9:19: tables and arrays nested more than 16 deep");
        toml_free(parse_ok("[[a.b.c.d.e.f.g]]\ni.j.k.l.m.n.o.p = 1\n"));
        expect_limit("[[a.b.c.d.e.f.g]]\ni.j.k.l.m.n.o.p.q = 1\n",
                         "t:2:17: tables and arrays nested more than 16 deep");
        expect_limit("[[a]]\n[a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p]\n",
                         "t:2:32: tables and arrays nested more than 16 deep");
        /* inline tables: a key each */
        snprintf(buf, sizeof buf, "a = %.*s1%.*s\n", 15 * 6, REPEAT20("{ b = "), 15, "}}}}}}}}}}}}}}}}}}}}");
        toml_free(parse_ok(buf));
        snprintf(buf, sizeof buf, "a = %.*s1%.*s\n", 16 * 6, REPEAT20("{ b = "), 16, "}}}}}}}}}}}}}}}}}}}}");
        expect_error_len(buf, strlen(buf), -E2BIG, "t:1:97: tables and arrays nested more than 16 deep");
        toml_free(parse_ok("a = { b.c.d.e.f.g.h.i.j.k.l.m.n.o.p = [] }\n"));
        expect_limit("a = { b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q = 1 }\n",
                         "t:1:37: tables and arrays nested more than 16 deep");

        /* tables in one array of tables */
        {
                size_t cap = (size_t) TOML_MAX_TABLE_ENTRIES * 8 + 64, len = 0;
                char *text = malloc(cap);

                ASSERT_TRUE(text);
                for (unsigned i = 0; i < TOML_MAX_TABLE_ENTRIES; i++)
                        len += (size_t) snprintf(text + len, cap - len, "[[a]]\n");
                doc = parse_flags(text, len, 0);
                ASSERT_EQ(get(doc, "a", TOML_ARRAY)->array.n, TOML_MAX_TABLE_ENTRIES);
                toml_free(doc);
                len += (size_t) snprintf(text + len, cap - len, "[[a]]\n");
                ASSERT_EQ(toml_parse(text, len, "t", 0, &doc, &error), -E2BIG);
                ASSERT_STREQ(error, "t:10001:1: more than 10000 tables in one array of tables");
                free(error);
                free(text);
        }
}

static void check_all_secure(const TomlValue *v, bool secure) {
        ASSERT_TRUE(v->secure == secure);
        if (v->type == TOML_ARRAY)
                for (size_t i = 0; i < v->array.n; i++)
                        check_all_secure(v->array.items[i], secure);
        if (v->type == TOML_TABLE)
                for (size_t i = 0; i < v->table.n; i++)
                        check_all_secure(v->table.values[i], secure);
}

/* sodium_malloc() maps every allocation (with guard pages) and LSan does not
 * see mappings: a leaked secure allocation shows as a mapping left over. */
static size_t count_mappings(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/maps", "re");
        size_t n = 0;
        int c;

        ASSERT_TRUE(f);
        while ((c = fgetc(f)) != EOF)
                n += c == '\n';
        return n;
}

static size_t mappings_added_by_secure_parse(const char *text) {
        size_t before = count_mappings();
        TomlValue *doc = NULL;
        char *error = NULL;

        if (toml_parse(text, strlen(text), "t", TOML_PARSE_SECURE, &doc, &error) >= 0)
                toml_free(doc);
        free(error);
        return count_mappings() - before;
}

TEST(secure_no_leaks) {
        static const char *const docs[] = {
                "[keypairs]\nrealmfs-user = \"0011\"\nx = [1, ['a', [true]]]\n",
                "[a]\nb = \"x\"\nc = 1.5\n",
                "a = [\"x\", [\"y\", \"\\q\"]]\n",
                "a.b.c = 'x'\na.b = 1\n",
                "[a.b]\n[a]\nb.c = 'x'\n",
                "k = \"\\uD800\"\n",
                "\"k\\u0000\" = 1\n",
                "a = [[[[[[[[[[[[[[[[['deep']]]]]]]]]]]]]]]]]\n",
                "[a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p]\nx = 'too deep'\n",
                "x = 'v' junk\n",
                "a = { b = 1.5, c = [1979-05-27, 07:32:00], d.e = \"\"\"\nx\"\"\" }\n",
                "[[a]]\nx = '''s\nt'''\n[[a]]\n[a.b]\ny = -inf\n",
                "a = { b = 'x', b = 'y' }\n",
                "a = \"\"\"\nSECRET\\q\"\"\"\n",
                "a = [\n'x',\n1.5e\n]\n",
                "[[a]]\n[a]\n",
        };

        /* The ordinary allocator may map memory now and then too, but a leak
         * adds mappings on every repetition. */
        for (size_t i = 0; i < ELEMENTSOF(docs); i++) {
                unsigned grew = 0;

                for (unsigned k = 0; k < 4; k++)
                        grew += mappings_added_by_secure_parse(docs[i]) > 0;
                if (grew == 4) {
                        fprintf(stderr, "secure parse leaks: %s\n", docs[i]);
                        exit(1);
                }
        }
}

/* Secure allocations are mappings, and the kernel allows only so many
 * (vm.max_map_count): a big document in secure mode runs out of memory
 * somewhere in the middle of the parse, which must then free everything. */
TEST(secure_out_of_memory) {
        size_t cap = 1024 * 1024, len;
        char *text = malloc(cap);
        int n_oom = 0;

        ASSERT_TRUE(text);
        for (unsigned variant = 0; variant < 3; variant++) {
                TomlValue *doc = NULL;
                char *error = NULL;
                size_t before;
                int r;

                len = 0;
                if (variant == 0) { /* array items */
                        len += (size_t) snprintf(text, cap, "a = [");
                        for (unsigned i = 0; i < 60000; i++)
                                len += (size_t) snprintf(text + len, cap - len, "%u,", i);
                        len += (size_t) snprintf(text + len, cap - len, "]\n");
                } else if (variant == 1) { /* keys and string values */
                        for (unsigned i = 0; i < 9000; i++)
                                len += (size_t) snprintf(text + len, cap - len, "k%u = 'v'\n", i);
                } else { /* tables */
                        for (unsigned i = 0; i < 9000; i++)
                                len += (size_t) snprintf(text + len, cap - len, "[t%u.u]\n", i);
                }
                before = count_mappings();
                r = toml_parse(text, len, "t", TOML_PARSE_SECURE, &doc, &error);
                if (r == -ENOMEM) {
                        ASSERT_STREQ(error, "t: out of memory");
                        n_oom++;
                } else {
                        ASSERT_OK(r); /* a system with a higher vm.max_map_count */
                        toml_free(doc);
                }
                free(error);
                /* everything unmapped again, give or take the ordinary allocator */
                ASSERT_TRUE(count_mappings() <= before + 8);
        }
        fprintf(stderr, "   %d of 3 secure parses ran out of memory\n", n_oom);
        free(text);
}

TEST(secure) {
        static const char text[] = "[keypairs]\nrealmfs-user = \"00112233\"\nx = [\"a\", \"b\", [1]]\n"
                                   "\"quoted\".dotted = true\n"
                                   "ml = \"\"\"\nline\\\n  more\"\"\"\nf = 1.5\nd = 1979-05-27T07:32:00Z\n"
                                   "it = { a = [{ b = '''x''' }] }\n[[aot]]\nk = 'v'\n[[aot]]\n";
        TomlValue *doc;
        const char *s;

        doc = parse_flags(text, strlen(text), TOML_PARSE_SECURE);
        check_all_secure(doc, true);
        ASSERT_OK(toml_table_get_string(get(doc, "keypairs", TOML_TABLE), "realmfs-user", &s));
        ASSERT_STREQ(s, "00112233");
        toml_free(doc);
        doc = parse_flags(text, strlen(text), 0);
        check_all_secure(doc, false);
        toml_free(doc);
        /* every error path frees everything too (checked by ASan/LSan), see
         * expect_error(), which runs each case in both modes */
}

static void check_written(const char *text, const char *expected) {
        _cleanup_free_ char *out = NULL;
        TomlValue *doc = parse_ok(text);
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);

        ASSERT_TRUE(f);
        ASSERT_OK(toml_write_value(f, doc));
        ASSERT_TRUE(fclose(f) == 0);
        ASSERT_STREQ(out, expected);
        toml_free(doc);
}

TEST(write_value) {
        check_written("", "{}");
        check_written("s = \"\"\"\na\"b\tc\"\"\"\ni = -7\nb = false\n"
                      "f = [0.1, -0.0, 1e+300, 100.0, 5e-324, nan, -inf, 1_0.5e-1_0]\n",
                      "{ s = \"a\\\"b\\tc\", i = -7, b = false, f = [0.1, -0.0, 1e+300, 100.0, 5e-324, nan, -inf, 1.05e-09] }");
        check_written("d = [1979-05-27 07:32:00.250z, 1979-05-27T07:32:00+01:30, 1979-05-27, 07:32:00.000000001]\n",
                      "{ d = [1979-05-27T07:32:00.25Z, 1979-05-27T07:32:00+01:30, 1979-05-27, 07:32:00.000000001] }");
        check_written("\"a b\" = 1\n\"\" = 2\n'é' = 3\nbare-key_1 = 4\n[t.u]\n[[v]]\nw = {}\n",
                      "{ \"a b\" = 1, \"\" = 2, \"é\" = 3, bare-key_1 = 4, t = { u = {} }, v = [{ w = {} }] }");
}

TEST(quote_round_trip) {
        static const char *const inputs[] = {
                "", "plain", "quote\"back\\slash", "ctl\x01\x1f\x7f", "tab\tnl\ncr\rff\fbs\b", "é☕𝄞",
                "'single' # hash [x] = y", "\xc2\x80 C1", "\\u0041 not an escape",
        };
        char all[256];
        size_t n = 0;

        /* every byte value that is valid UTF-8 on its own */
        for (unsigned c = 0; c < 0x80; c++)
                all[n++] = (char) c;

        for (size_t i = 0; i <= ELEMENTSOF(inputs); i++) {
                const char *in = i < ELEMENTSOF(inputs) ? inputs[i] : all;
                size_t len = i < ELEMENTSOF(inputs) ? strlen(in) : n;

                for (unsigned flags = 0; flags <= TOML_PARSE_SECURE; flags += TOML_PARSE_SECURE) {
                        _cleanup_free_ char *q = NULL, *doc_text = NULL;
                        TomlValue *doc;
                        const TomlValue *v;

                        ASSERT_OK(toml_quote_string(in, len, &q));
                        ASSERT_TRUE(q[0] == '"' && q[strlen(q) - 1] == '"');
                        ASSERT_TRUE(asprintf(&doc_text, "k = %s\n", q) > 0);
                        doc = parse_flags(doc_text, strlen(doc_text), flags);
                        v = get(doc, "k", TOML_STRING);
                        ASSERT_EQ(v->string.len, len);
                        ASSERT_TRUE(memcmp(v->string.data, in, len) == 0);
                        toml_free(doc);
                }
        }
        {
                _cleanup_free_ char *q = NULL;
                ASSERT_OK(toml_quote_string("a\0b\x7f", 4, &q));
                ASSERT_STREQ(q, "\"a\\u0000b\\u007F\"");
        }
}

int main(void) {
        ASSERT_OK(secure_init());
        RUN(empty_documents);
        RUN(keys);
        RUN(strings);
        RUN(integers);
        RUN(booleans_and_arrays);
        RUN(tables);
        RUN(line_endings);
        RUN(realistic_documents);
        RUN(positions);
        RUN(getters);
        RUN(numbers);
        RUN(datetimes);
        RUN(multiline_strings);
        RUN(multiline_arrays);
        RUN(inline_tables);
        RUN(arrays_of_tables);
        RUN(errors_beyond_limits);
        RUN(errors_numbers);
        RUN(errors_datetimes);
        RUN(errors_multiline);
        RUN(errors_inline_tables);
        RUN(errors_arrays_of_tables);
        RUN(errors_syntax);
        RUN(errors_strings);
        RUN(errors_bytes);
        RUN(errors_redefinition);
        RUN(limits);
        RUN(secure);
        RUN(secure_no_leaks);
        RUN(secure_out_of_memory);
        RUN(quote_round_trip);
        RUN(write_value);
        return 0;
}
