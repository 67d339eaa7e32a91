/* test_view.c — the documents a pass reads (tools/operator/view.h): CLUSTER.STATUS
 * demand, NODE.LIST JSON, the scale subresource and pod lists, with the error
 * for each missing or mistyped field (a pass must not decide on partial data). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "view.h"

#define NODE(extra)                                                                                \
    "[{\"node_id\": \"0123456789abcdef0123456789abcdef\", \"node_ip\": \"10.0.0.1\","              \
    " \"hostname\": \"pod-a\", \"group\": \"g\", \"state\": \"ALIVE\","                            \
    " \"resources_total\": {\"CPU\": 2}, \"resources_available\": {\"CPU\": 1}" extra "}]"

static void expect_err(rc_err_t e, const char *err, const char *needle)
{
    assert_int_equal(e, RC_EPROTO);
    if (!strstr(err, needle)) fail_msg("error '%s' lacks '%s'", err, needle);
}

static void test_status(void **state)
{
    (void)state;
    rc_op_view_t v;
    char err[256];
    rc_op_view_init(&v, 1);
    const char *st = "{\"nodes\": {\"alive\": 1}, \"pending_demand\": [{\"shape\": {\"CPU\": 1},"
                     " \"count\": 7}, {\"shape\": {\"CPU\": 2}, \"count\": 0}],"
                     " \"infeasible_demand\": [{\"shape\": {\"GPU\": 8}, \"count\": 2}]}";
    assert_int_equal(rc_op_view_set_status(&v, st, strlen(st), err, sizeof(err)), RC_OK);
    assert_int_equal(v.ndemand, 2); /* count 0 dropped */
    assert_int_equal(v.demand[0].count, 7);
    assert_int_equal(v.demand[0].shape.cpu, RC_RES_UNITS(1));
    assert_false(v.demand[0].infeasible);
    assert_true(v.demand[1].infeasible);
    assert_int_equal(v.demand[1].shape.gpu, RC_RES_UNITS(8));
    assert_false(rc_op_view_complete(&v));

    const char *bad[][2] = {
        {"nope", "CLUSTER.STATUS is not valid JSON"},
        {"{\"infeasible_demand\": []}", "\"pending_demand\" is missing"},
        {"{\"pending_demand\": []}", "\"infeasible_demand\" is missing"},
        {"{\"pending_demand\": [{\"shape\": {}, \"count\": -1}], \"infeasible_demand\": []}",
         "pending_demand[0].count"},
        {"{\"pending_demand\": [{\"shape\": [], \"count\": 1}], \"infeasible_demand\": []}",
         "pending_demand[0].shape"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_err(rc_op_view_set_status(&v, bad[i][0], strlen(bad[i][0]), err, sizeof(err)), err,
                   bad[i][1]);
    assert_int_equal(v.ndemand, 0);
    assert_false(v.have_status);
    rc_op_view_free(&v);
}

static void test_nodes(void **state)
{
    (void)state;
    rc_op_view_t v;
    char err[256];
    rc_op_view_init(&v, 1);
    const char *ok = NODE(", \"idle_duration_ms\": 1500, \"death_reason\": \"\"");
    assert_int_equal(rc_op_view_set_nodes(&v, ok, strlen(ok), err, sizeof(err)), RC_OK);
    assert_int_equal(v.nnodes, 1);
    assert_string_equal(v.nodes[0].id, "0123456789abcdef0123456789abcdef");
    assert_string_equal(v.nodes[0].name, "pod-a");
    assert_int_equal(v.nodes[0].state, RC_OP_NODE_ALIVE);
    assert_int_equal(v.nodes[0].idle_ms, 1500);
    assert_int_equal(v.nodes[0].avail.cpu, RC_RES_UNITS(1));
    /* A head without idle_duration_ms: never idle. */
    const char *old = NODE("");
    assert_int_equal(rc_op_view_set_nodes(&v, old, strlen(old), err, sizeof(err)), RC_OK);
    assert_int_equal(v.nodes[0].idle_ms, 0);

    const char *bad[][2] = {
        {"{}", "expected an array"},
        {"[{\"node_id\": \"xyz\"}]", "\"node_id\" is missing or not 32 hex digits"},
        {NODE(", \"idle_duration_ms\": \"soon\""), "\"idle_duration_ms\" is not a duration"},
        {"[{\"node_id\": \"0123456789abcdef0123456789abcdef\", \"state\": \"GONE\"}]",
         "\"state\" is missing or not ALIVE"},
        {"[{\"node_id\": \"0123456789abcdef0123456789abcdef\", \"state\": \"DEAD\", "
         "\"node_ip\": \"\", \"group\": \"g\"}]",
         "\"hostname\" is missing"},
        {"[{\"node_id\": \"0123456789abcdef0123456789abcdef\", \"state\": \"DEAD\", "
         "\"node_ip\": \"\", \"hostname\": \"h\", \"group\": \"g\", \"resources_total\": 3}]",
         "resources"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_err(rc_op_view_set_nodes(&v, bad[i][0], strlen(bad[i][0]), err, sizeof(err)), err,
                   bad[i][1]);
    assert_int_equal(v.nnodes, 0);
    rc_op_view_free(&v);
}

static void test_kube_docs(void **state)
{
    (void)state;
    rc_op_view_t v;
    char err[256];
    rc_op_view_init(&v, 2);
    const char *scale = "{\"kind\": \"Scale\", \"metadata\": {\"name\": \"d\", "
                        "\"resourceVersion\": \"4711\"}, \"spec\": {\"replicas\": 3}, "
                        "\"status\": {\"replicas\": 2}}";
    assert_int_equal(rc_op_view_set_scale(&v, 0, scale, strlen(scale), err, sizeof(err)), RC_OK);
    assert_int_equal(v.groups[0].replicas, 3);
    assert_string_equal(v.groups[0].resource_version, "4711");
    /* replicas omitted (0, omitempty). */
    const char *zero = "{\"kind\": \"Scale\", \"metadata\": {}, \"spec\": {}}";
    assert_int_equal(rc_op_view_set_scale(&v, 1, zero, strlen(zero), err, sizeof(err)), RC_OK);
    assert_int_equal(v.groups[1].replicas, 0);
    assert_null(v.groups[1].resource_version);
    const char *badscale = "{\"spec\": {\"replicas\": -2}}";
    expect_err(rc_op_view_set_scale(&v, 1, badscale, strlen(badscale), err, sizeof(err)), err,
               "spec.replicas");
    expect_err(rc_op_view_set_scale(&v, 1, "{}", 2, err, sizeof(err)), err, "spec.replicas");
    assert_int_equal(rc_op_view_set_scale(&v, 1, zero, strlen(zero), err, sizeof(err)), RC_OK);

    const char *pods =
        "{\"kind\": \"PodList\", \"items\": ["
        "{\"metadata\": {\"name\": \"a\", \"annotations\": "
        "{\"controller.kubernetes.io/pod-deletion-cost\": \"-1000\"}},"
        " \"status\": {\"phase\": \"Running\", \"podIP\": \"10.0.0.1\","
        " \"conditions\": [{\"type\": \"Ready\", \"status\": \"True\"}]}},"
        "{\"metadata\": {\"name\": \"b\"}, \"status\": {\"phase\": \"Running\","
        " \"conditions\": [{\"type\": \"Ready\", \"status\": \"False\"}]}},"
        "{\"metadata\": {\"name\": \"c\", \"deletionTimestamp\": \"2026-01-01T00:00:00Z\"},"
        " \"status\": {\"phase\": \"Pending\"}}]}";
    assert_int_equal(rc_op_view_set_pods(&v, 0, pods, strlen(pods), err, sizeof(err)), RC_OK);
    const rc_op_group_obs_t *g = &v.groups[0];
    assert_int_equal(g->npods, 3);
    assert_true(g->pods[0].ready && g->pods[0].has_cost && g->pods[0].cost == -1000);
    assert_string_equal(g->pods[0].ip, "10.0.0.1");
    assert_false(g->pods[1].ready);
    assert_string_equal(g->pods[1].ip, "");
    assert_true(g->pods[2].terminating);
    const char *empty = "{\"kind\": \"PodList\", \"items\": null}";
    assert_int_equal(rc_op_view_set_pods(&v, 1, empty, strlen(empty), err, sizeof(err)), RC_OK);
    assert_true(rc_op_view_complete(&v) == 0); /* no status, no nodes */
    expect_err(rc_op_view_set_pods(&v, 1, "{}", 2, err, sizeof(err)), err, "not a PodList");
    const char *noname = "{\"items\": [{\"metadata\": {}}]}";
    expect_err(rc_op_view_set_pods(&v, 1, noname, strlen(noname), err, sizeof(err)), err,
               "items[0].metadata.name");
    rc_op_view_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_nodes),
        cmocka_unit_test(test_kube_docs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
