/* test_strategies.c — SPREAD, node affinity (hard/soft), group and label
 * selectors, options from the environment, and the view's bookkeeping. */
#include "sched_fx.h"

static void test_spread_round_robin(void **state)
{
    rc_sched_t *s = fx_new(1.0, 1); /* threshold 1 would pack under DEFAULT */
    rc_res_t one = fx_res(1, 0, 0, 0);
    for (unsigned i = 0; i < 3; i++) fx_add_cpu(s, i, 2);
    rc_sched_request_t q = fx_req(&one);
    q.strategy = RC_SCHED_SPREAD;
    for (uint32_t t = 0; t < 6; t++) assert_int_equal(fx_place_apply_req(s, &q), t % 3);
    /* None available: round-robin over the feasible ones, cursor kept. */
    for (uint32_t t = 0; t < 6; t++) {
        rc_sched_result_t r = fx_place_req(s, &q);
        assert_int_equal(r.kind, RC_SCHED_FEASIBLE);
        assert_int_equal(r.slot, t % 3);
    }
    /* A node with room is found wherever the cursor is. */
    assert_int_equal(rc_sched_release(s, 1, &one), RC_OK);
    assert_int_equal(fx_place_apply_req(s, &q), 1);
    /* Nodes that cannot fit are skipped; none fitting at all is INFEASIBLE. */
    rc_res_t big = fx_res(3, 0, 0, 0);
    q.res = &big;
    assert_int_equal(fx_place_req(s, &q).kind, RC_SCHED_INFEASIBLE);
    uint32_t b = fx_add_cpu(s, 3, 4);
    for (int t = 0; t < 3; t++) assert_int_equal(fx_place_req(s, &q).slot, b);
    rc_sched_free(s);
}

static void test_spread_skips_dead_and_draining(void **state)
{
    rc_sched_t *s = fx_new(0.5, 1);
    rc_res_t one = fx_res(1, 0, 0, 0);
    for (unsigned i = 0; i < 4; i++) fx_add_cpu(s, i, 8);
    assert_int_equal(rc_sched_node_set_state(s, 1, RC_SCHED_DRAINING), RC_OK);
    assert_int_equal(rc_sched_node_set_state(s, 2, RC_SCHED_DEAD), RC_OK);
    rc_sched_request_t q = fx_req(&one);
    q.strategy = RC_SCHED_SPREAD;
    for (int t = 0; t < 6; t++) assert_int_equal(fx_place_apply_req(s, &q), t % 2 ? 3 : 0);
    rc_sched_free(s);
}

static void test_affinity_hard(void **state)
{
    rc_sched_t *s = fx_new(0.5, 1);
    rc_res_t two = fx_res(2, 0, 0, 0), nine = fx_res(9, 0, 0, 0);
    fx_add_cpu(s, 0, 8);
    uint32_t t = fx_add_cpu(s, 1, 2);
    rc_sched_request_t q = fx_req(&two);
    q.strategy = RC_SCHED_NODE_AFFINITY;
    q.affinity_node = fx_id(1);
    q.local_node = fx_id(0);
    assert_int_equal(fx_place_apply_req(s, &q), t);
    /* Busy: queue there, never elsewhere. */
    rc_sched_result_t r = fx_place_req(s, &q);
    assert_int_equal(r.kind, RC_SCHED_FEASIBLE);
    assert_int_equal(r.slot, t);
    /* Can never fit there (even though node 0 could): INFEASIBLE. */
    q.res = &nine;
    q.affinity_node = fx_id(0);
    r = fx_place_req(s, &q);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_non_null(strstr(r.reason, "has 8 CPU; the task needs 9 CPU"));
    q.res = &two;
    /* Draining: waits (INFEASIBLE), does not fail yet. */
    assert_int_equal(rc_sched_node_set_state(s, t, RC_SCHED_DRAINING), RC_OK);
    q.affinity_node = fx_id(1);
    r = fx_place_req(s, &q);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_non_null(strstr(r.reason, "draining"));
    /* Dead: FAILED, as Ray fails the task. */
    assert_int_equal(rc_sched_node_set_state(s, t, RC_SCHED_DEAD), RC_OK);
    r = fx_place_req(s, &q);
    assert_int_equal(r.kind, RC_SCHED_FAILED);
    assert_non_null(strstr(r.reason, "is dead"));
    /* Gone from the view, or never known: FAILED too. */
    rc_id_t gone = fx_id(1);
    assert_int_equal(rc_sched_node_remove(s, &gone), RC_OK);
    r = fx_place_req(s, &q);
    assert_int_equal(r.kind, RC_SCHED_FAILED);
    assert_non_null(strstr(r.reason, "not in the cluster"));
    q.affinity_node = fx_id(77);
    assert_int_equal(fx_place_req(s, &q).kind, RC_SCHED_FAILED);
    rc_sched_free(s);
}

static void test_affinity_soft(void **state)
{
    rc_sched_t *s = fx_new(0.5, 1);
    rc_res_t two = fx_res(2, 0, 0, 0);
    uint32_t other = fx_add_cpu(s, 0, 8);
    uint32_t t = fx_add_cpu(s, 1, 2);
    rc_sched_request_t q = fx_req(&two);
    q.strategy = RC_SCHED_NODE_AFFINITY;
    q.affinity_soft = 1;
    q.affinity_node = fx_id(1);
    assert_int_equal(fx_place_apply_req(s, &q), t);
    /* Busy: DEFAULT elsewhere. */
    assert_int_equal(fx_place_apply_req(s, &q), other);
    /* Dead or unknown: DEFAULT elsewhere. */
    assert_int_equal(rc_sched_release(s, t, &two), RC_OK);
    assert_int_equal(rc_sched_node_set_state(s, t, RC_SCHED_DEAD), RC_OK);
    assert_int_equal(fx_place_req(s, &q).slot, other);
    q.affinity_node = fx_id(55);
    assert_int_equal(fx_place_req(s, &q).slot, other);
    rc_sched_free(s);
}

static void test_group_selector(void **state)
{
    rc_sched_t *s = fx_new(0.0, 1);
    rc_res_t cpu8 = fx_res(8, 0, 0, 0), one = fx_res(1, 0, 0, 0);
    fx_add(s, 0, &cpu8, "cpu-group");
    fx_add(s, 1, &cpu8, "cpu-group");
    uint32_t g = fx_add(s, 2, &cpu8, "big-group");
    fx_add(s, 3, &cpu8, NULL);
    rc_sched_request_t q = fx_req(&one);
    q.group = "big-group";
    for (int t = 0; t < 8; t++) assert_int_equal(fx_place_apply_req(s, &q), g);
    rc_sched_result_t r = fx_place_req(s, &q);
    assert_int_equal(r.kind, RC_SCHED_FEASIBLE); /* full: queue there, not elsewhere */
    assert_int_equal(r.slot, g);
    q.strategy = RC_SCHED_SPREAD;
    assert_int_equal(fx_place_req(s, &q).slot, g);
    /* A group no node has. */
    q.strategy = RC_SCHED_DEFAULT;
    q.group = "nope";
    r = fx_place_req(s, &q);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_string_equal(r.reason, "no alive node matches the selector in group 'nope': add such a "
                                  "node or change the selector");
    q.strategy = RC_SCHED_SPREAD;
    assert_int_equal(fx_place_req(s, &q).kind, RC_SCHED_INFEASIBLE);
    /* Group too small for the request. */
    rc_res_t nine = fx_res(9, 0, 0, 0);
    q.strategy = RC_SCHED_DEFAULT;
    q.group = "cpu-group";
    q.res = &nine;
    r = fx_place_req(s, &q);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_non_null(strstr(r.reason, "no node in group 'cpu-group' has 9 CPU"));
    /* Hard affinity to a node outside the group. */
    q.res = &one;
    q.strategy = RC_SCHED_NODE_AFFINITY;
    q.affinity_node = fx_id(2);
    r = fx_place_req(s, &q);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_non_null(strstr(r.reason, "does not match the selector"));
    rc_sched_free(s);
}

static void test_label_selector(void **state)
{
    rc_sched_t *s = fx_new(0.5, 1);
    rc_res_t cpu8 = fx_res(8, 0, 0, 0), one = fx_res(1, 0, 0, 0);
    const rc_sched_label_t la[] = {{"zone", "a"}, {"disk", "ssd"}};
    const rc_sched_label_t lb[] = {{"zone", "b"}, {"disk", "ssd"}};
    rc_sched_node_info_t info = {0};
    info.total = &cpu8;
    info.id = fx_id(0);
    info.labels = la;
    info.nlabels = 2;
    assert_int_equal(rc_sched_node_set(s, &info, NULL), RC_OK);
    info.id = fx_id(1);
    info.labels = lb;
    assert_int_equal(rc_sched_node_set(s, &info, NULL), RC_OK);
    fx_add_cpu(s, 2, 8); /* no labels */

    const rc_sched_label_t want_b[] = {{"disk", "ssd"}, {"zone", "b"}};
    rc_sched_request_t q = fx_req(&one);
    q.labels = want_b;
    q.nlabels = 2;
    for (int t = 0; t < 6; t++) assert_int_equal(fx_place_apply_req(s, &q), 1);
    const rc_sched_label_t want_ssd[] = {{"disk", "ssd"}};
    q.labels = want_ssd;
    q.nlabels = 1;
    assert_int_equal(fx_place_req(s, &q).slot, 0); /* 1 is past 50% */
    const rc_sched_label_t want_c[] = {{"zone", "c"}};
    q.labels = want_c;
    rc_sched_result_t r = fx_place_req(s, &q);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_non_null(strstr(r.reason, "with labels zone=c"));
    /* Bad selector entries are an error, not a crash. */
    const rc_sched_label_t bad[] = {{"zone", NULL}};
    q.labels = bad;
    rc_sched_result_t out;
    assert_int_equal(rc_sched_place(s, &q, &out), RC_EINVAL);
    assert_int_equal(out.kind, RC_SCHED_INFEASIBLE);
    rc_sched_free(s);
}

static void test_opts_from_env(void **state)
{
    rc_sched_opts_t o;
    rc_sched_opts_default(&o);
    assert_true(o.spread_threshold == 0.5);
    assert_true(o.top_k_fraction == 0.2);
    assert_int_equal(o.top_k_absolute, 1);
    assert_int_equal(o.avoid_gpu_nodes, 1);

    setenv("RAY_SCHEDULER_SPREAD_THRESHOLD", "0.0", 1);
    setenv("RAY_scheduler_avoid_gpu_nodes", "false", 1);
    setenv("RAY_scheduler_top_k_fraction", "0.5", 1);
    rc_sched_opts_from_env(&o);
    assert_true(o.spread_threshold == 0.0);
    assert_true(o.top_k_fraction == 0.5);
    assert_int_equal(o.avoid_gpu_nodes, 0);

    const char *bad[] = {"abc", "1.5", "-0.1", "", "0.5x", "nan"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rc_sched_opts_default(&o);
        setenv("RAY_SCHEDULER_SPREAD_THRESHOLD", bad[i], 1);
        rc_sched_opts_from_env(&o);
        assert_true(o.spread_threshold == 0.5);
    }
    /* Ray's own spelling is read when ours is absent. */
    unsetenv("RAY_SCHEDULER_SPREAD_THRESHOLD");
    setenv("RAY_scheduler_spread_threshold", "1", 1);
    rc_sched_opts_from_env(&o);
    assert_true(o.spread_threshold == 1.0);
    setenv("RAY_scheduler_top_k_absolute", "0", 1);
    rc_sched_opts_from_env(&o);
    assert_int_equal(o.top_k_absolute, 1);
    unsetenv("RAY_scheduler_spread_threshold");
    unsetenv("RAY_scheduler_avoid_gpu_nodes");
    unsetenv("RAY_scheduler_top_k_fraction");
    unsetenv("RAY_scheduler_top_k_absolute");

    /* Out-of-range options given directly are clamped. */
    o.spread_threshold = 7;
    o.top_k_fraction = -1;
    o.top_k_absolute = 0;
    rc_sched_t *s = rc_sched_new(&o);
    assert_true(rc_sched_opts(s)->spread_threshold == 1.0);
    assert_true(rc_sched_opts(s)->top_k_fraction == 0.0);
    assert_int_equal(rc_sched_opts(s)->top_k_absolute, 1);
    rc_sched_free(s);
    s = rc_sched_new(NULL);
    assert_true(rc_sched_opts(s)->spread_threshold == 0.5);
    rc_sched_free(s);
}

static void test_view_bookkeeping(void **state)
{
    rc_sched_t *s = fx_new(0.5, 1);
    rc_res_t cpu4 = fx_res(4, 0, 0, 0), one = fx_res(1, 0, 0, 0), five = fx_res(5, 0, 0, 0);
    uint32_t a = fx_add_cpu(s, 0, 4), b = fx_add_cpu(s, 1, 4);
    assert_int_equal(rc_sched_node_count(s), 2);
    rc_id_t ida = fx_id(0), idb = fx_id(1);
    assert_int_equal(rc_sched_node_find(s, &ida), a);
    /* Replacing by id keeps the slot. */
    rc_res_t cpu6 = fx_res(6, 0, 0, 0);
    assert_int_equal(fx_add(s, 0, &cpu6, "g"), a);
    assert_int_equal(rc_sched_node_total(s, a)->cpu, RC_RES_UNITS(6));
    /* Acquire beyond available fails and changes nothing; release caps at total. */
    assert_int_equal(rc_sched_acquire(s, b, &five), RC_ERANGE);
    assert_int_equal(rc_sched_acquire(s, b, &one), RC_OK);
    assert_int_equal(rc_sched_release(s, b, &five), RC_OK);
    assert_true(rc_res_eq(rc_sched_node_available(s, b), &cpu4));
    /* Reports above the total are clamped; resources the node lacks dropped. */
    rc_res_t report = fx_res(9, 1, 0, 0);
    assert_int_equal(rc_res_set(&report, "foo", RC_RES_UNITS(1)), RC_OK);
    assert_int_equal(rc_sched_node_set_available(s, b, &report), RC_OK);
    assert_true(rc_res_eq(rc_sched_node_available(s, b), &cpu4));
    rc_res_free(&report);
    /* Removal frees the slot, which the next node reuses. */
    assert_int_equal(rc_sched_node_remove(s, &idb), RC_OK);
    assert_int_equal(rc_sched_node_remove(s, &idb), RC_ENOTFOUND);
    assert_int_equal(rc_sched_node_find(s, &idb), RC_SCHED_NONE);
    assert_null(rc_sched_node_total(s, b));
    assert_int_equal(rc_sched_node_state(s, b), RC_SCHED_DEAD);
    assert_int_equal(rc_sched_acquire(s, b, &one), RC_EINVAL);
    assert_int_equal(rc_sched_node_set_state(s, b, RC_SCHED_ALIVE), RC_EINVAL);
    assert_int_equal(rc_sched_node_count(s), 1);
    assert_int_equal(fx_add_cpu(s, 2, 2), b);
    rc_id_t id2 = fx_id(2), got = rc_sched_node_id(s, b);
    assert_true(rc_id_eq(&got, &id2));
    /* Invalid node info. */
    rc_sched_node_info_t info = {0};
    info.total = &cpu4;
    assert_int_equal(rc_sched_node_set(s, &info, NULL), RC_EINVAL); /* nil id */
    info.id = fx_id(5);
    info.state = (rc_sched_state_t)9;
    assert_int_equal(rc_sched_node_set(s, &info, NULL), RC_EINVAL);
    info.state = RC_SCHED_ALIVE;
    info.total = NULL;
    assert_int_equal(rc_sched_node_set(s, &info, NULL), RC_EINVAL);
    assert_int_equal(rc_sched_node_count(s), 2);
    /* Unknown strategy. */
    rc_sched_request_t q = fx_req(&one);
    q.strategy = (rc_sched_strategy_t)42;
    rc_sched_result_t out;
    assert_int_equal(rc_sched_place(s, &q, &out), RC_EINVAL);
    assert_int_equal(out.kind, RC_SCHED_INFEASIBLE);
    assert_non_null(strstr(out.reason, "strategy"));
    /* An empty request fits anywhere. */
    q = fx_req(NULL);
    assert_int_equal(fx_place_req(s, &q).kind, RC_SCHED_AVAILABLE);
    assert_string_equal(rc_sched_kind_name(RC_SCHED_FAILED), "FAILED");
    rc_sched_free(s);
}

/* Many nodes, added and removed in bulk: slots grow and are reused. */
static void test_many_nodes(void **state)
{
    rc_sched_t *s = fx_new(0.0, 9);
    rc_res_t one = fx_res(1, 0, 0, 0);
    for (unsigned i = 0; i < 1000; i++) fx_add_cpu(s, i, 4);
    for (unsigned i = 0; i < 1000; i += 2) {
        rc_id_t id = fx_id(i);
        assert_int_equal(rc_sched_node_remove(s, &id), RC_OK);
    }
    assert_int_equal(rc_sched_node_count(s), 500);
    for (int t = 0; t < 2000; t++) {
        uint32_t at = fx_place_apply(s, &one);
        assert_int_not_equal(at, RC_SCHED_NONE);
        assert_int_equal(at % 2, 1);
    }
    assert_int_equal(fx_place(s, &one).kind, RC_SCHED_FEASIBLE);
    for (unsigned i = 1000; i < 1500; i++) assert_int_equal(fx_add_cpu(s, i, 4) % 2, 0);
    rc_sched_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spread_round_robin),
        cmocka_unit_test(test_spread_skips_dead_and_draining),
        cmocka_unit_test(test_affinity_hard),
        cmocka_unit_test(test_affinity_soft),
        cmocka_unit_test(test_group_selector),
        cmocka_unit_test(test_label_selector),
        cmocka_unit_test(test_opts_from_env),
        cmocka_unit_test(test_view_bookkeeping),
        cmocka_unit_test(test_many_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
