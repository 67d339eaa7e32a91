/* test_status_view.c — `rayc status` text from CLUSTER.STATUS JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "status_view.h"

static char *render(const char *json, rc_err_t want)
{
    rc_buf_t out = RC_BUF_INIT;
    char err[256] = "";
    rc_err_t e =
        rc_status_view_render(json, strlen(json), "2026-11-23 12:00:00", &out, err, sizeof(err));
    assert_int_equal(e, want);
    if (e != RC_OK) {
        rc_buf_free(&out);
        rc_buf_append_str(&out, err);
    }
    return rc_buf_detach(&out, NULL);
}

static void expect(const char *json, const char *want)
{
    char *got = render(json, RC_OK);
    if (strcmp(got, want) != 0) fail_msg("got:\n%s\nwant:\n%s", got, want);
    rc_free(got);
}

#define RULE "---------------------------------------------------------------\n"

static void test_full(void **state)
{
    (void)state;
    expect("{\"nodes\": {\"alive\": 3, \"draining\": 0, \"dead\": 1},"
           " \"groups\": {\"g2\": {\"alive\": 1, \"draining\": 0, \"dead\": 0},"
           "              \"g1\": {\"alive\": 2, \"draining\": 0, \"dead\": 1}},"
           " \"resources_total\": {\"memory\": 12884901888, \"CPU\": 6, \"zeta\": 1,"
           "                       \"object_store_memory\": 5519413248, \"custom\": 2},"
           " \"resources_available\": {\"CPU\": 4.5, \"memory\": 12884901888,"
           "                           \"object_store_memory\": 5519413248, \"custom\": 2, "
           "\"zeta\": 0},"
           " \"pending_demand\": [], \"infeasible_demand\": []}",
           "======== Cluster status: 2026-11-23 12:00:00 ========\n"
           "Node status\n" RULE "Active:\n"
           " 2 g1\n"
           " 1 g2\n"
           "Draining:\n"
           " (no draining nodes)\n"
           "Dead:\n"
           " 1 g1\n"
           "\n"
           "Resources\n" RULE "Usage:\n"
           " 1.5/6.0 CPU\n"
           " 0B/12.00GiB memory\n"
           " 0B/5.14GiB object_store_memory\n"
           " 0.0/2.0 custom\n"
           " 1.0/1.0 zeta\n"
           "\n"
           "Demands:\n"
           " (no resource demands)\n");
}

static void test_empty_and_missing(void **state)
{
    (void)state;
    /* Nothing at all: every section says so rather than printing nothing. */
    expect("{}", "======== Cluster status: 2026-11-23 12:00:00 ========\n"
                 "Node status\n" RULE "Active:\n"
                 " (no active nodes)\n"
                 "Draining:\n"
                 " (no draining nodes)\n"
                 "Dead:\n"
                 " (no dead nodes)\n"
                 "\n"
                 "Resources\n" RULE "Usage:\n"
                 " (no resources)\n"
                 "\n"
                 "Demands:\n"
                 " (no resource demands)\n");
    /* Counts without a per-group breakdown still show. */
    char *got = render("{\"nodes\": {\"alive\": 4, \"draining\": 1}}", RC_OK);
    assert_non_null(strstr(got, "Active:\n 4 nodes\nDraining:\n 1 nodes\nDead:\n (no dead"));
    rc_free(got);
}

static void test_demands(void **state)
{
    (void)state;
    char *got = render("{\"pending_demand\": [{\"CPU\": 1}, {\"CPU\": 1},"
                       "  {\"resources\": {\"CPU\": 0.5, \"memory\": 1073741824}, \"count\": 7}],"
                       " \"infeasible_demand\": [{\"shape\": {\"GPU\": 8}, \"count\": 2}, 5]}",
                       RC_OK);
    const char *want = "Demands:\n"
                       " {CPU: 1}: 2+ pending tasks/actors\n"
                       " {CPU: 0.5, memory: 1.00GiB}: 7+ pending tasks/actors\n"
                       " {GPU: 8}: 2+ pending tasks/actors (infeasible: no node in the cluster "
                       "can fit it)\n";
    if (!strstr(got, want)) fail_msg("got:\n%s", got);
    rc_free(got);
}

static void test_hostile_text(void **state)
{
    (void)state;
    /* A group name with an escape sequence must not reach the terminal raw. */
    char *got = render(
        "{\"nodes\": {\"alive\": 1}, \"groups\": {\"a\\u001b[2Jb\": {\"alive\": 1}}}", RC_OK);
    assert_non_null(strstr(got, " 1 a?[2Jb\n"));
    assert_null(strchr(got, 0x1b));
    rc_free(got);
}

static void test_errors(void **state)
{
    (void)state;
    char *got = render("[1, 2]", RC_EPROTO);
    assert_non_null(strstr(got, "expected an object"));
    rc_free(got);
    got = render("{\"nodes\": ", RC_ESYNTAX);
    assert_non_null(strstr(got, "not valid JSON"));
    rc_free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full),    cmocka_unit_test(test_empty_and_missing),
        cmocka_unit_test(test_demands), cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
