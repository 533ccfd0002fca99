/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json.h"
#include "tests.h"

static char *capture(void (*fn)(FILE *f, const void *arg), const void *arg) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        ASSERT_TRUE(f);
        fn(f, arg);
        ASSERT_TRUE(fclose(f) == 0);
        return buf;
}

static void write_string(FILE *f, const void *arg) {
        json_write_string(f, arg, strlen(arg));
}

static void write_doc(FILE *f, const void *arg) {
        json_write_toml(f, arg);
}

TEST(strings) {
        char *s;

        s = capture(write_string, "plain");
        ASSERT_STREQ(s, "\"plain\"");
        free(s);
        /* quotes, backslashes and every control character escaped: text
         * from untrusted images */
        s = capture(write_string, "a\"b\\c\n\x1b[2J\x7f");
        ASSERT_STREQ(s, "\"a\\\"b\\\\c\\n\\u001b[2J\\u007f\"");
        free(s);
        s = capture(write_string, "caf\xc3\xa9");
        ASSERT_STREQ(s, "\"caf\xc3\xa9\"");
        free(s);
}

TEST(document) {
        const char *text = "a = 1\nb = \"x\"\nc = [true, false]\n[t]\nd = -7\n";
        TomlValue *doc = NULL;
        char *s, *error = NULL;

        ASSERT_OK(toml_parse(text, strlen(text), "test", 0, &doc, &error));
        s = capture(write_doc, doc);
        ASSERT_STREQ(s, "{\"a\": 1, \"b\": \"x\", \"c\": [true, false], \"t\": {\"d\": -7}}");
        free(s);
        toml_free(doc);
}

TEST(all_types) {
        const char *text = "f = [1.5, -0.0, 1e+300, inf, -inf, nan]\n"
                           "d = [1979-05-27T07:32:00.5-07:00, 1979-05-27 07:32:00, 1979-05-27, 07:32:00]\n"
                           "it = { x = 0x10 }\n[[aot]]\n[[aot]]\ny = '''z'''\n";
        TomlValue *doc = NULL;
        char *s, *error = NULL;

        ASSERT_OK(toml_parse(text, strlen(text), "test", 0, &doc, &error));
        s = capture(write_doc, doc);
        ASSERT_STREQ(s, "{\"f\": [1.5, -0.0, 1e+300, \"inf\", \"-inf\", \"nan\"], "
                        "\"d\": [\"1979-05-27T07:32:00.5-07:00\", \"1979-05-27T07:32:00\", \"1979-05-27\", \"07:32:00\"], "
                        "\"it\": {\"x\": 16}, \"aot\": [{}, {\"y\": \"z\"}]}");
        free(s);
        toml_free(doc);
}

int main(void) {
        RUN(strings);
        RUN(document);
        RUN(all_types);
        return 0;
}
