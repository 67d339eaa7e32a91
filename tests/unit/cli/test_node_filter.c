/* test_node_filter.c — --filter parsing and matching on node JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node_filter.h"

static const char *NODE =
    "{\"node_id\": \"0123456789abcdef0123456789abcdef\", \"node_ip\": \"10.0.0.7\","
    " \"hostname\": \"w7\", \"group\": \"cpu\", \"state\": \"ALIVE\", \"is_head_node\": false,"
    " \"labels\": {\"zone\": \"a\", \"tier\": \"x=y\"}, \"pid\": 4242, \"death_reason\": \"\"}";

static int match(const char *filter)
{
    rc_json_t *node = NULL;
    char err[512] = "";
    assert_int_equal(rc_json_parse(NODE, strlen(NODE), &node, err, sizeof(err)), RC_OK);
    rc_node_filter_t f;
    rc_err_t e = rc_node_filter_parse(filter, &f, err, sizeof(err));
    if (e != RC_OK) fail_msg("filter '%s' refused: %s", filter, err);
    int m = rc_node_filter_match(&f, node);
    rc_node_filter_free(&f);
    rc_json_free(node);
    return m;
}

static void bad(const char *filter, const char *needle)
{
    rc_node_filter_t f;
    char err[512] = "";
    assert_int_equal(rc_node_filter_parse(filter, &f, err, sizeof(err)), RC_EINVAL);
    if (!strstr(err, needle)) fail_msg("error '%s' lacks '%s'", err, needle);
}

static void test_parse(void **state)
{
    (void)state;
    rc_node_filter_t f;
    char err[256];
    assert_int_equal(rc_node_filter_parse(" state != DEAD ", &f, err, sizeof(err)), RC_OK);
    assert_string_equal(f.key, "state");
    assert_string_equal(f.value, "DEAD");
    assert_int_equal(f.negate, 1);
    rc_node_filter_free(&f);
    assert_int_equal(rc_node_filter_parse("labels.tier=x=y", &f, err, sizeof(err)), RC_OK);
    assert_string_equal(f.key, "labels.tier");
    assert_string_equal(f.value, "x=y"); /* only the first '=' separates */
    assert_int_equal(f.negate, 0);
    rc_node_filter_free(&f);
    assert_int_equal(rc_node_filter_parse("group=", &f, err, sizeof(err)), RC_OK);
    assert_string_equal(f.value, "");
    rc_node_filter_free(&f);

    bad("state", "expected KEY=VALUE");
    bad("=ALIVE", "key before '=' is missing");
    bad("!=ALIVE", "key before '!=' is missing");
    bad("colour=red", "nodes have no field 'colour'");
    bad("colour=red", "labels.NAME");
    bad("labels.=x", "no field 'labels.'");
}

static void test_match(void **state)
{
    (void)state;
    assert_true(match("state=ALIVE"));
    assert_true(match("state=alive")); /* enum values: any case */
    assert_false(match("state=DEAD"));
    assert_true(match("state!=DEAD"));
    assert_true(match("group=cpu"));
    assert_false(match("group=CPU")); /* other strings compare exactly */
    assert_true(match("node_id=0123456789ABCDEF0123456789ABCDEF"));
    assert_false(match("node_id=0123"));
    assert_true(match("node_ip=10.0.0.7"));
    assert_true(match("labels.zone=a"));
    assert_true(match("labels.tier=x=y"));
    assert_false(match("labels.missing=a"));
    assert_true(match("labels.missing!=a")); /* absent field: only != matches */
    assert_false(match("version=0.1.0"));
    assert_true(match("is_head_node=false"));
    assert_true(match("is_head_node=no"));
    assert_false(match("is_head_node=true"));
    assert_true(match("pid=4242"));
    assert_false(match("pid=42"));
    assert_false(match("pid=abc"));
    assert_true(match("death_reason="));
}

static void test_match_all(void **state)
{
    (void)state;
    rc_json_t *node = NULL;
    char err[256];
    assert_int_equal(rc_json_parse(NODE, strlen(NODE), &node, err, sizeof(err)), RC_OK);
    rc_node_filter_t fs[2];
    assert_int_equal(rc_node_filter_parse("state=ALIVE", &fs[0], err, sizeof(err)), RC_OK);
    assert_int_equal(rc_node_filter_parse("group!=cpu", &fs[1], err, sizeof(err)), RC_OK);
    assert_true(rc_node_filter_match_all(fs, 1, node));
    assert_false(rc_node_filter_match_all(fs, 2, node));
    assert_true(rc_node_filter_match_all(fs, 0, node));
    rc_node_filter_free(&fs[0]);
    rc_node_filter_free(&fs[1]);
    rc_json_free(node);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_match_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
