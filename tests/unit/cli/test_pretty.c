/* test_pretty.c — indented JSON and YAML of parsed documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pretty.h"

static rc_json_t *parse(const char *text)
{
    rc_json_t *v = NULL;
    char err[256];
    if (rc_json_parse(text, strlen(text), &v, err, sizeof(err)) != RC_OK) fail_msg("%s", err);
    return v;
}

static void yaml_is(const char *doc, int indent, const char *want)
{
    rc_json_t *v = parse(doc);
    rc_buf_t out = RC_BUF_INIT;
    rc_pretty_yaml(v, indent, &out);
    if (strcmp(out.data, want) != 0) fail_msg("got:\n%s\nwant:\n%s", out.data, want);
    rc_buf_free(&out);
    rc_json_free(v);
}

static void test_yaml(void **state)
{
    (void)state;
    /* Keys and strings YAML would misread are quoted; nested sequences indent. */
    yaml_is("{\"yes\": [1, [2, 3], {\"a b\": null}], \"k\": [], \"m\": {}}", 0,
            "\"yes\":\n"
            "  - 1\n"
            "  -\n"
            "    - 2\n"
            "    - 3\n"
            "  - \"a b\": null\n"
            "k: []\n"
            "m: {}\n");
    yaml_is("[{\"node_id\": \"0a1b\", \"state\": \"ALIVE\", \"name\": \"No\", \"t\": true,"
            " \"x\": \"1.5\", \"s\": \"a: b\", \"e\": \"\", \"u\": \"\\u00e4\", \"r\": {\"CPU\": 2,"
            " \"memory\": 2000000000}}, 7]",
            0,
            "- node_id: \"0a1b\"\n"
            "  state: ALIVE\n"
            "  name: \"No\"\n"
            "  t: true\n"
            "  x: \"1.5\"\n"
            "  s: \"a: b\"\n"
            "  e: \"\"\n"
            "  u: \"\xc3\xa4\"\n"
            "  r:\n"
            "    CPU: 2\n"
            "    memory: 2000000000\n"
            "- 7\n");
    yaml_is("{\"FINISHED\": 100, \"RUNNING\": 2}", 2, "  FINISHED: 100\n  RUNNING: 2\n");
    yaml_is("[]", 0, "[]\n");
    yaml_is("\"null\"", 0, "\"null\"\n");
    yaml_is("null", 0, "null\n");
}

static void test_json(void **state)
{
    (void)state;
    const char *doc =
        "[{\"a\": 1, \"b\": {\"c\": [true, null, \"x\\\"y\"]}, \"d\": {}, \"e\": []}]";
    rc_json_t *v = parse(doc);
    rc_buf_t out = RC_BUF_INIT;
    rc_pretty_json(v, &out);
    const char *want = "[\n"
                       "  {\n"
                       "    \"a\": 1,\n"
                       "    \"b\": {\n"
                       "      \"c\": [\n"
                       "        true,\n"
                       "        null,\n"
                       "        \"x\\\"y\"\n"
                       "      ]\n"
                       "    },\n"
                       "    \"d\": {},\n"
                       "    \"e\": []\n"
                       "  }\n"
                       "]\n";
    if (strcmp(out.data, want) != 0) fail_msg("got:\n%s\nwant:\n%s", out.data, want);
    /* It reads back as the same document. */
    rc_json_t *back = parse(out.data);
    rc_buf_t a = RC_BUF_INIT, b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &a);
    rc_jw_value(&w, v);
    rc_jw_init(&w, &b);
    rc_jw_value(&w, back);
    assert_string_equal(a.data, b.data);
    rc_buf_free(&a);
    rc_buf_free(&b);
    rc_json_free(back);
    rc_buf_clear(&out);
    rc_json_free(v);

    v = parse("[]");
    rc_pretty_json(v, &out);
    assert_string_equal(out.data, "[]\n");
    rc_buf_free(&out);
    rc_json_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
