/* test_policy.c — the DEFAULT (hybrid) policy on synthetic clusters: spread
 * threshold, tiers, local preference, top-k, GPU avoidance, critical resource. */
#include "sched_fx.h"

/* Threshold 0: every score counts, the least utilised node wins, so equal nodes
 * fill evenly (k = 1 with 4 nodes: ties go to the lowest slot). */
static void test_threshold_zero_spreads_evenly(void **state)
{
    rc_sched_t *s = fx_new(0.0, 1);
    rc_res_t one = fx_res(1, 0, 0, 0);
    for (unsigned i = 0; i < 4; i++) fx_add_cpu(s, i, 100);
    for (int t = 0; t < 400; t++) {
        assert_int_not_equal(fx_place_apply(s, &one), RC_SCHED_NONE);
        double lo = 1e9, hi = 0;
        for (uint32_t n = 0; n < 4; n++) {
            double u = fx_used_cpu(s, n);
            lo = u < lo ? u : lo;
            hi = u > hi ? u : hi;
        }
        assert_true(hi - lo <= 1.0); /* even at every step */
    }
    for (uint32_t n = 0; n < 4; n++) assert_true(fx_used_cpu(s, n) == 100);
    rc_sched_free(s);
}

/* The same with a random pick: 20 nodes give k = 4, each pick among the 4 least
 * utilised, so the spread stays within a few tasks of even. */
static void test_threshold_zero_random_top_k_stays_even(void **state)
{
    rc_sched_t *s = fx_new(0.0, 7);
    rc_res_t one = fx_res(1, 0, 0, 0);
    for (unsigned i = 0; i < 20; i++) fx_add_cpu(s, i, 50);
    for (int t = 0; t < 500; t++) assert_int_not_equal(fx_place_apply(s, &one), RC_SCHED_NONE);
    for (uint32_t n = 0; n < 20; n++) {
        double u = fx_used_cpu(s, n);
        assert_true(u >= 22 && u <= 28); /* 25 each ± a little */
    }
    rc_sched_free(s);
}

/* Threshold 0.5: node 0 takes tasks until it is at 50% while the others stay
 * empty; then the next node; once all are at 50%, the spread begins. */
static void test_threshold_half_packs_to_50_percent(void **state)
{
    rc_sched_t *s = fx_new(0.5, 1);
    rc_res_t one = fx_res(1, 0, 0, 0);
    for (unsigned i = 0; i < 4; i++) fx_add_cpu(s, i, 8);
    for (int t = 0; t < 4; t++) assert_int_equal(fx_place_apply(s, &one), 0);
    assert_true(fx_used_cpu(s, 0) == 4);
    for (uint32_t n = 1; n < 4; n++) assert_true(fx_used_cpu(s, n) == 0);
    for (uint32_t n = 1; n < 4; n++)
        for (int t = 0; t < 4; t++) assert_int_equal(fx_place_apply(s, &one), n);
    /* All at 50%: now every placement crosses the threshold, least utilised wins. */
    assert_int_equal(fx_place_apply(s, &one), 0);
    assert_int_equal(fx_place_apply(s, &one), 1);
    assert_int_equal(fx_place_apply(s, &one), 2);
    assert_int_equal(fx_place_apply(s, &one), 3);
    rc_sched_free(s);
}

/* Threshold 1.0: nothing crosses it, so nodes fill one after another. */
static void test_threshold_one_packs(void **state)
{
    rc_sched_t *s = fx_new(1.0, 1);
    rc_res_t one = fx_res(1, 0, 0, 0);
    for (unsigned i = 0; i < 4; i++) fx_add_cpu(s, i, 8);
    for (uint32_t t = 0; t < 32; t++) assert_int_equal(fx_place_apply(s, &one), t / 8);
    /* Full: FEASIBLE now. */
    rc_sched_result_t r = fx_place(s, &one);
    assert_int_equal(r.kind, RC_SCHED_FEASIBLE);
    rc_sched_free(s);
}

/* A task with no GPU stays off the GPU node while CPU nodes have room, even
 * when the GPU node is the local one; lands there once they are full. */
static void test_cpu_task_avoids_gpu_node(void **state)
{
    rc_sched_t *s = fx_new(0.0, 3);
    rc_res_t cpu4 = fx_res(4, 0, 0, 0), gpu = fx_res(8, 1, 0, 0);
    rc_res_t one = fx_res(1, 0, 0, 0), one_gpu = fx_res(1, 1, 0, 0);
    fx_add(s, 0, &cpu4, NULL);
    uint32_t g = fx_add(s, 1, &gpu, NULL);
    fx_add(s, 2, &cpu4, NULL);
    rc_sched_request_t q = fx_req(&one);
    q.local_node = fx_id(1);
    for (int t = 0; t < 8; t++) {
        uint32_t at = fx_place_apply_req(s, &q);
        assert_int_not_equal(at, RC_SCHED_NONE);
        assert_int_not_equal(at, g);
    }
    /* CPU nodes full: the GPU node takes CPU work rather than queueing it. */
    assert_int_equal(fx_place_apply_req(s, &q), g);
    /* A GPU task goes to the GPU node. */
    rc_sched_result_t r = fx_place(s, &one_gpu);
    assert_int_equal(r.kind, RC_SCHED_AVAILABLE);
    assert_int_equal(r.slot, g);
    /* Everything full: the task queues, and the GPU node is a candidate too. */
    for (int t = 0; t < 7; t++) assert_int_equal(fx_place_apply(s, &one), g);
    r = fx_place(s, &one);
    assert_int_equal(r.kind, RC_SCHED_FEASIBLE);
    rc_sched_free(s);

    /* With the option off, the GPU node is just a bigger node (lower score). */
    rc_sched_opts_t o;
    rc_sched_opts_default(&o);
    o.spread_threshold = 0;
    o.avoid_gpu_nodes = 0;
    o.seed = 1;
    s = rc_sched_new(&o);
    fx_add(s, 0, &cpu4, NULL);
    g = fx_add(s, 1, &gpu, NULL);
    assert_int_equal(fx_place(s, &one).slot, g);
    rc_sched_free(s);
}

/* Bigger than every node: INFEASIBLE with a reason; then a big node arrives. */
static void test_infeasible_then_feasible(void **state)
{
    rc_sched_t *s = fx_new(0.5, 1);
    rc_res_t big = fx_res(16, 0, 0, 0);
    rc_sched_result_t r = fx_place(s, &big);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_non_null(strstr(r.reason, "no alive node"));

    fx_add_cpu(s, 0, 8);
    fx_add_cpu(s, 1, 8);
    r = fx_place(s, &big);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_true(rc_id_is_nil(&r.node_id));
    assert_string_equal(
        r.reason, "no node has 16 CPU; the largest has 8 CPU: add a node with enough resources");

    uint32_t b = fx_add_cpu(s, 2, 32);
    r = fx_place(s, &big);
    assert_int_equal(r.kind, RC_SCHED_AVAILABLE);
    assert_int_equal(r.slot, b);

    /* Other resources name themselves. */
    rc_res_t mem = fx_res(1, 0, 64, 0);
    r = fx_place(s, &mem);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_string_equal(r.reason, "no node has resource 'memory': add a node that provides it");
    rc_res_t mem_total = fx_res(8, 0, 16, 0);
    fx_add(s, 9, &mem_total, NULL);
    r = fx_place(s, &mem);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_string_equal(r.reason, "no node has 64 GiB memory; the largest has 16 GiB memory: add a "
                                  "node with enough resources");
    rc_res_t foo = fx_res(1, 0, 0, 0);
    assert_int_equal(rc_res_set(&foo, "foo", RC_RES_UNITS(1)), RC_OK);
    r = fx_place(s, &foo);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_non_null(strstr(r.reason, "resource 'foo'"));
    rc_res_free(&foo);

    /* Each resource exists somewhere, but not together. */
    rc_res_t g1 = fx_res(1, 1, 0, 0), want = fx_res(16, 1, 0, 0);
    fx_add(s, 3, &g1, NULL);
    r = fx_place(s, &want);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_non_null(strstr(r.reason, "no single node has all of CPU: 16, GPU: 1"));
    rc_sched_free(s);
}

/* All nodes busy but their totals fit: FEASIBLE (queue) on one of them; the
 * local node wins ties there too. */
static void test_feasible_when_busy(void **state)
{
    rc_sched_t *s = fx_new(0.5, 1);
    rc_res_t four = fx_res(4, 0, 0, 0), two = fx_res(2, 0, 0, 0), eight = fx_res(8, 0, 0, 0);
    uint32_t a = fx_add_cpu(s, 0, 4), b = fx_add_cpu(s, 1, 4);
    assert_int_equal(rc_sched_acquire(s, a, &four), RC_OK);
    assert_int_equal(rc_sched_acquire(s, b, &four), RC_OK);
    rc_sched_result_t r = fx_place(s, &two);
    assert_int_equal(r.kind, RC_SCHED_FEASIBLE);
    assert_int_equal(r.slot, a); /* tie: lowest slot */
    rc_sched_request_t q = fx_req(&two);
    q.local_node = fx_id(1);
    r = fx_place_req(s, &q);
    assert_int_equal(r.kind, RC_SCHED_FEASIBLE);
    assert_int_equal(r.slot, b);
    /* A node that is less busy is preferred for the queue. */
    assert_int_equal(rc_sched_release(s, b, &two), RC_OK); /* b: 2 of 4 used */
    rc_res_t three_req = fx_res(3, 0, 0, 0);
    r = fx_place(s, &three_req);
    assert_int_equal(r.kind, RC_SCHED_FEASIBLE);
    assert_int_equal(r.slot, b);
    /* Never fits: INFEASIBLE, not FEASIBLE. */
    assert_int_equal(fx_place(s, &eight).kind, RC_SCHED_INFEASIBLE);
    rc_sched_free(s);
}

/* The local node wins when its score ties the best, not when it is worse. */
static void test_local_preference(void **state)
{
    rc_sched_t *s = fx_new(0.0, 1);
    rc_res_t one = fx_res(1, 0, 0, 0);
    for (unsigned i = 0; i < 4; i++) fx_add_cpu(s, i, 8);
    rc_sched_request_t q = fx_req(&one);
    q.local_node = fx_id(2);
    assert_int_equal(fx_place_apply_req(s, &q), 2); /* all tie: local */
    assert_int_equal(fx_place_apply_req(s, &q), 0); /* local now worse */
    assert_int_equal(fx_place_apply_req(s, &q), 1);
    assert_int_equal(fx_place_apply_req(s, &q), 3);
    assert_int_equal(fx_place_apply_req(s, &q), 2); /* tie again */
    rc_sched_free(s);

    /* Threshold 0.5: the local node packs to 50% before any other gets work. */
    s = fx_new(0.5, 1);
    for (unsigned i = 0; i < 4; i++) fx_add_cpu(s, i, 8);
    for (int t = 0; t < 4; t++) assert_int_equal(fx_place_apply_req(s, &q), 2);
    assert_int_equal(fx_place_apply_req(s, &q), 0);
    /* An unknown local node is ignored. */
    q.local_node = fx_id(99);
    assert_int_equal(fx_place_apply_req(s, &q), 0);
    rc_sched_free(s);
}

/* Top k = max(1, floor(0.2 * 20)) = 4: with all scores 0 (threshold 1), picks
 * spread uniformly over the 4 lowest slots and never beyond. */
static void test_top_k_uniform(void **state)
{
    rc_sched_t *s = fx_new(1.0, 42);
    rc_res_t one = fx_res(1, 0, 0, 0);
    unsigned hits[20] = {0};
    for (unsigned i = 0; i < 20; i++) fx_add_cpu(s, i, 8);
    for (int t = 0; t < 2000; t++) {
        rc_sched_result_t r = fx_place(s, &one);
        assert_int_equal(r.kind, RC_SCHED_AVAILABLE);
        assert_true(r.slot < 20);
        hits[r.slot]++;
    }
    for (unsigned i = 0; i < 4; i++) assert_true(hits[i] > 400 && hits[i] < 600);
    for (unsigned i = 4; i < 20; i++) assert_int_equal(hits[i], 0);

    /* Non-zero scores: quickselect path. Threshold 0 with distinct utilisation:
     * the 4 least utilised nodes (slots 16..19, made emptiest) get all the work. */
    rc_sched_free(s);
    s = fx_new(0.0, 42);
    for (unsigned i = 0; i < 20; i++) {
        uint32_t slot = fx_add_cpu(s, i, 20);
        rc_res_t used = fx_res(19 - i, 0, 0, 0);
        assert_int_equal(rc_sched_acquire(s, slot, &used), RC_OK);
    }
    memset(hits, 0, sizeof(hits));
    for (int t = 0; t < 2000; t++) hits[fx_place(s, &one).slot]++;
    for (unsigned i = 16; i < 20; i++) assert_true(hits[i] > 400 && hits[i] < 600);
    for (unsigned i = 0; i < 16; i++) assert_int_equal(hits[i], 0);
    rc_sched_free(s);
}

/* The same seed gives the same sequence. */
static void test_seed_is_deterministic(void **state)
{
    uint32_t seq[2][200];
    rc_res_t one = fx_res(1, 0, 0, 0);
    for (int run = 0; run < 2; run++) {
        rc_sched_t *s = fx_new(0.0, 1234);
        for (unsigned i = 0; i < 50; i++) fx_add_cpu(s, i, 16);
        for (int t = 0; t < 200; t++) seq[run][t] = fx_place_apply(s, &one);
        rc_sched_free(s);
    }
    assert_memory_equal(seq[0], seq[1], sizeof(seq[0]));
}

/* Memory and object-store utilisation count like CPU: the most used of the
 * three is the node's score. */
static void test_memory_is_critical_resource(void **state)
{
    rc_sched_t *s = fx_new(0.0, 1);
    rc_res_t total = fx_res(8, 0, 16, 16);
    uint32_t a = fx_add(s, 0, &total, NULL), b = fx_add(s, 1, &total, NULL);
    rc_res_t mem_used = fx_res(0, 0, 12, 0);
    assert_int_equal(rc_sched_acquire(s, a, &mem_used), RC_OK);
    rc_res_t one = fx_res(1, 0, 0, 0);
    assert_int_equal(fx_place(s, &one).slot, b);
    /* Object store on b used more: a wins now (75% vs 87.5%). */
    rc_res_t obj_used = fx_res(0, 0, 0, 14);
    assert_int_equal(rc_sched_acquire(s, b, &obj_used), RC_OK);
    assert_int_equal(fx_place(s, &one).slot, a);
    /* A memory request that only b can hold right now. */
    rc_res_t mem8 = fx_res(1, 0, 8, 0);
    rc_sched_result_t r = fx_place(s, &mem8);
    assert_int_equal(r.kind, RC_SCHED_AVAILABLE);
    assert_int_equal(r.slot, b);
    /* Threshold 0.5 with memory: a placement pushing memory past 50% scores. */
    rc_sched_free(s);
    s = fx_new(0.5, 1);
    a = fx_add(s, 0, &total, NULL);
    b = fx_add(s, 1, &total, NULL);
    rc_res_t mem6 = fx_res(0, 0, 6, 0);
    assert_int_equal(rc_sched_acquire(s, a, &mem6), RC_OK);
    rc_res_t mem2 = fx_res(0, 0, 2, 0), mem3 = fx_res(0, 0, 3, 0);
    assert_int_equal(fx_place(s, &mem2).slot, a); /* 8/16: within the threshold */
    assert_int_equal(fx_place(s, &mem3).slot, b); /* 9/16 on a would cross it */
    rc_sched_free(s);
}

/* Fractional CPUs are exact; custom resources restrict candidates. */
static void test_fractional_and_custom(void **state)
{
    rc_sched_t *s = fx_new(0.5, 1);
    rc_res_t half = fx_res(0.5, 0, 0, 0);
    uint32_t n = fx_add_cpu(s, 0, 1);
    assert_int_equal(fx_place_apply(s, &half), n);
    assert_int_equal(fx_place_apply(s, &half), n);
    assert_int_equal(fx_place(s, &half).kind, RC_SCHED_FEASIBLE);
    assert_int_equal(rc_sched_release(s, n, &half), RC_OK);
    assert_int_equal(fx_place(s, &half).kind, RC_SCHED_AVAILABLE);

    rc_res_t plain = fx_res(4, 0, 0, 0), special = fx_res(4, 0, 0, 0);
    assert_int_equal(rc_res_set(&special, "foo", RC_RES_UNITS(2)), RC_OK);
    fx_add(s, 1, &plain, NULL);
    uint32_t f = fx_add(s, 2, &special, NULL);
    rc_res_t want = fx_res(0.25, 0, 0, 0);
    assert_int_equal(rc_res_set(&want, "foo", RC_RES_UNITS(1)), RC_OK);
    for (int t = 0; t < 2; t++) assert_int_equal(fx_place_apply(s, &want), f);
    rc_sched_result_t r = fx_place(s, &want);
    assert_int_equal(r.kind, RC_SCHED_FEASIBLE);
    assert_int_equal(r.slot, f);
    assert_int_equal(rc_sched_release(s, f, &want), RC_OK);
    assert_int_equal(fx_place(s, &want).kind, RC_SCHED_AVAILABLE);
    rc_res_t lots = fx_res(0, 0, 0, 0);
    assert_int_equal(rc_res_set(&lots, "foo", RC_RES_UNITS(3)), RC_OK);
    r = fx_place(s, &lots);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_string_equal(
        r.reason, "no node has 3 foo; the largest has 2 foo: add a node with enough resources");
    rc_res_free(&lots);
    rc_res_free(&want);
    rc_res_free(&special);
    rc_sched_free(s);
}

/* DRAINING and DEAD nodes never get work. */
static void test_draining_and_dead_skipped(void **state)
{
    rc_sched_t *s = fx_new(1.0, 1);
    rc_res_t one = fx_res(1, 0, 0, 0);
    uint32_t a = fx_add_cpu(s, 0, 8), b = fx_add_cpu(s, 1, 8), c = fx_add_cpu(s, 2, 8);
    assert_int_equal(rc_sched_node_set_state(s, a, RC_SCHED_DRAINING), RC_OK);
    assert_int_equal(rc_sched_node_set_state(s, b, RC_SCHED_DEAD), RC_OK);
    for (int t = 0; t < 8; t++) assert_int_equal(fx_place_apply(s, &one), c);
    /* Full: queue on c, not on the idle draining or dead nodes. */
    assert_int_equal(fx_place(s, &one).kind, RC_SCHED_FEASIBLE);
    assert_int_equal(fx_place(s, &one).slot, c);
    assert_int_equal(rc_sched_node_set_state(s, c, RC_SCHED_DEAD), RC_OK);
    rc_sched_result_t r = fx_place(s, &one);
    assert_int_equal(r.kind, RC_SCHED_INFEASIBLE);
    assert_non_null(strstr(r.reason, "no alive node"));
    /* Back alive: work again. */
    assert_int_equal(rc_sched_node_set_state(s, a, RC_SCHED_ALIVE), RC_OK);
    assert_int_equal(fx_place(s, &one).slot, a);
    rc_sched_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threshold_zero_spreads_evenly),
        cmocka_unit_test(test_threshold_zero_random_top_k_stays_even),
        cmocka_unit_test(test_threshold_half_packs_to_50_percent),
        cmocka_unit_test(test_threshold_one_packs),
        cmocka_unit_test(test_cpu_task_avoids_gpu_node),
        cmocka_unit_test(test_infeasible_then_feasible),
        cmocka_unit_test(test_feasible_when_busy),
        cmocka_unit_test(test_local_preference),
        cmocka_unit_test(test_top_k_uniform),
        cmocka_unit_test(test_seed_is_deterministic),
        cmocka_unit_test(test_memory_is_critical_resource),
        cmocka_unit_test(test_fractional_and_custom),
        cmocka_unit_test(test_draining_and_dead_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
