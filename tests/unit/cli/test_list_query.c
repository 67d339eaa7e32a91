/* test_list_query.c — `rayc list` flags to a State API path: filters split at
 * the first = or !=, percent-encoding, and the bad filter texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "list_query.h"

static void path_is(const char *resource, const char *const *filters, size_t n, int64_t limit,
                    int detail, const char *want)
{
    rc_buf_t out = RC_BUF_INIT;
    char err[256];
    assert_int_equal(
        rc_list_query_path(resource, filters, n, limit, detail, &out, err, sizeof(err)), RC_OK);
    assert_string_equal(out.data, want);
    rc_buf_free(&out);
}

static void test_path(void **state)
{
    (void)state;
    path_is("nodes", NULL, 0, 100, 0, "/api/v0/nodes?limit=100");
    path_is("tasks", NULL, 0, 5, 1, "/api/v0/tasks?limit=5&detail=true");
    const char *f1[] = {"state=FINISHED", "name!=echo"};
    path_is("tasks", f1, 2, 5, 0,
            "/api/v0/tasks?limit=5&filter_keys=state&filter_predicates=%3D&filter_values=FINISHED"
            "&filter_keys=name&filter_predicates=%21%3D&filter_values=echo");
    /* Blanks around key and value go; what is inside is escaped, '=' included. */
    const char *f2[] = {" name = a b&c=d/é ", "group="};
    path_is("nodes", f2, 2, 0, 0,
            "/api/v0/nodes?limit=0&filter_keys=name&filter_predicates=%3D&filter_values=a%20b%26c%"
            "3Dd%2F%C3%A9&filter_keys=group&filter_predicates=%3D&filter_values=");
    /* Limits are the head's to judge: passed on as given. */
    path_is("workers", NULL, 0, -3, 0, "/api/v0/workers?limit=-3");
}

static void test_filter_parse(void **state)
{
    (void)state;
    rc_list_filter_t f;
    char err[256];
    assert_int_equal(rc_list_filter_parse("state!=DEAD", &f, err, sizeof(err)), RC_OK);
    assert_string_equal(f.key, "state");
    assert_string_equal(f.value, "DEAD");
    assert_true(f.negate);
    rc_list_filter_free(&f);
    /* The first operator splits: the value keeps its own "!=" and "=". */
    assert_int_equal(rc_list_filter_parse("name=a!=b=c", &f, err, sizeof(err)), RC_OK);
    assert_string_equal(f.key, "name");
    assert_string_equal(f.value, "a!=b=c");
    assert_false(f.negate);
    rc_list_filter_free(&f);
    /* A key may not end in '!' then: "a!" "=" is read as "a" "!=". */
    assert_int_equal(rc_list_filter_parse("a!=", &f, err, sizeof(err)), RC_OK);
    assert_string_equal(f.key, "a");
    assert_string_equal(f.value, "");
    assert_true(f.negate);
    rc_list_filter_free(&f);
}

static void bad(const char *text, const char *want)
{
    rc_buf_t out = RC_BUF_INIT;
    char err[256] = "";
    const char *filters[] = {"state=RUNNING", text};
    rc_buf_append_str(&out, "kept");
    assert_int_equal(rc_list_query_path("tasks", filters, 2, 100, 0, &out, err, sizeof(err)),
                     RC_EINVAL);
    assert_string_equal(out.data, "kept");
    if (!strstr(err, want)) fail_msg("error '%s' lacks '%s'", err, want);
    rc_buf_free(&out);
}

static void test_bad_filters(void **state)
{
    (void)state;
    bad("state", "bad filter 'state': no operator; write KEY=VALUE or KEY!=VALUE");
    bad("", "no operator");
    bad("=FINISHED", "the key before '=' is missing");
    bad("  != x", "the key before '!=' is missing");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path),
        cmocka_unit_test(test_filter_parse),
        cmocka_unit_test(test_bad_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
