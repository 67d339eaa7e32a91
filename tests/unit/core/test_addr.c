/* test_addr.c — cluster address forms and their errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"

static void ok(const char *text, const char *host, int port, int rc_form)
{
    rc_addr_t a;
    char err[256] = "";
    assert_int_equal(rc_addr_parse(text, &a, err, sizeof(err)), RC_OK);
    assert_string_equal(a.host, host);
    assert_int_equal(a.port, port);
    assert_int_equal(a.ray_client, rc_form);
}

static void bad(const char *text, const char *needle)
{
    rc_addr_t a;
    char err[256] = "";
    assert_int_not_equal(rc_addr_parse(text, &a, err, sizeof(err)), RC_OK);
    if (!strstr(err, needle)) fail_msg("error '%s' lacks '%s'", err, needle);
}

static void test_forms(void **state)
{
    (void)state;
    ok("127.0.0.1:6379", "127.0.0.1", 6379, 0);
    ok("head", "head", 6379, 0);
    ok("ray://ray-cluster-ray-head:10001", "ray-cluster-ray-head", 10001, 1);
    ok("ray://head", "head", 10001, 1);
    ok("ray://head/", "head", 10001, 1);
    ok("[::1]:7000", "::1", 7000, 0);
    ok("[::1]", "::1", 6379, 0);
}

static void test_errors(void **state)
{
    (void)state;
    bad("", "empty");
    bad("http://x:1", "unknown scheme");
    bad("h:0", "port must be");
    bad("h:70000", "port must be");
    bad("h:abc", "port must be");
    bad(":6379", "host is missing");
    bad("::1:6379", "brackets");
    bad("[::1", "missing ']'");
    bad("a b:1", "characters");
}

static void test_env(void **state)
{
    rc_addr_t a;
    char err[256];
    (void)state;
    unsetenv("RAY_ADDRESS");
    assert_int_equal(rc_addr_resolve(NULL, &a, err, sizeof(err)), RC_ENOTFOUND);
    assert_non_null(strstr(err, "RAY_ADDRESS"));
    setenv("RAY_ADDRESS", "ray://envhost:12345", 1);
    assert_int_equal(rc_addr_resolve("", &a, err, sizeof(err)), RC_OK);
    assert_string_equal(a.host, "envhost");
    assert_int_equal(a.port, 12345);
    assert_int_equal(rc_addr_resolve("given:1", &a, err, sizeof(err)), RC_OK);
    assert_string_equal(a.host, "given");
    char text[300];
    rc_addr_format(&a, text, sizeof(text));
    assert_string_equal(text, "given:1");
    assert_int_equal(rc_addr_parse("[::1]:5", &a, err, sizeof(err)), RC_OK);
    rc_addr_format(&a, text, sizeof(text));
    assert_string_equal(text, "[::1]:5");
    assert_int_equal(rc_addr_join("http://", "::1", 8265, text, sizeof(text)), 17);
    assert_string_equal(text, "http://[::1]:8265");
    rc_addr_join("redis://", "127.0.0.1", 6379, text, sizeof(text));
    assert_string_equal(text, "redis://127.0.0.1:6379");
    char tiny[8];
    assert_int_equal(rc_addr_join("http://", "h", 80, tiny, sizeof(tiny)), 11);
    assert_string_equal(tiny, "http://");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
