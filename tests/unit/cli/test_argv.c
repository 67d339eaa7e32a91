/* test_argv.c — repeated flags pulled out of argv, and the GCS client's
 * messages for the head's errors and for an unreachable head. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "argv.h"
#include "gcs_client.h"

static void test_take(void **state)
{
    (void)state;
    char *argv[] = {"nodes",     "--filter", "state=ALIVE", "--format=json", "--filter=group=cpu",
                    "--filterx", "1",        "--",          "--filter",      "kept"};
    int argc = 10;
    const char **vals = NULL;
    size_t n = 0;
    char err[128];
    assert_int_equal(rc_argv_take(&argc, argv, "filter", &vals, &n, err, sizeof(err)), RC_OK);
    assert_int_equal(n, 2);
    assert_string_equal(vals[0], "state=ALIVE");
    assert_string_equal(vals[1], "group=cpu");
    assert_int_equal(argc, 7);
    const char *want[] = {"nodes", "--format=json", "--filterx", "1", "--", "--filter", "kept"};
    for (int i = 0; i < argc; i++) assert_string_equal(argv[i], want[i]);
    rc_free(vals);

    char *argv2[] = {"nodes", "--filter"};
    argc = 2;
    assert_int_equal(rc_argv_take(&argc, argv2, "filter", &vals, &n, err, sizeof(err)), RC_EINVAL);
    assert_non_null(strstr(err, "--filter needs a value"));
    assert_null(vals);
}

static void explain(const char *resp, rc_err_t want_code, const char *needle)
{
    char err[512];
    assert_int_equal(rc_gcs_client_explain("h:1", "CLUSTER.STATUS", resp, err, sizeof(err)),
                     want_code);
    if (!strstr(err, needle)) fail_msg("'%s' lacks '%s'", err, needle);
}

static void test_explain(void **state)
{
    (void)state;
    explain("NOAUTH Authentication required.", RC_EAUTH,
            "requires a password: pass --redis-password");
    explain("WRONGPASS invalid username-password pair or user is disabled.", RC_EAUTH,
            "refused the password");
    explain("ERR unknown command 'CLUSTER.STATUS', with args beginning with: ", RC_ENOTFOUND,
            "does not know CLUSTER.STATUS");
    explain("ERR something else", RC_EPROTO,
            "answered CLUSTER.STATUS with an error: ERR something");
}

static void test_unreachable(void **state)
{
    (void)state;
    rc_gcs_client_t *c = (rc_gcs_client_t *)1;
    char err[512];
    /* Port 1 on loopback: nothing listens, the kernel refuses at once. */
    assert_int_equal(rc_gcs_client_connect("127.0.0.1:1", NULL, 2000, &c, err, sizeof(err)),
                     RC_ECONN);
    assert_null(c);
    assert_non_null(strstr(err, "cannot reach the head at 127.0.0.1:1: connection refused"));
    assert_non_null(strstr(err, "rayc start --head"));

    assert_int_equal(rc_gcs_client_connect("ray://h:10001", NULL, 0, &c, err, sizeof(err)),
                     RC_EINVAL);
    assert_non_null(strstr(err, "Ray Client address"));
    assert_int_equal(rc_gcs_client_connect("h:99999", NULL, 0, &c, err, sizeof(err)), RC_EINVAL);
    assert_non_null(strstr(err, "bad address"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
