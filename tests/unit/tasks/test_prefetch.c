/* test_prefetch.c — pipelining: when no node has room, DEFAULT tasks of a class
 * known to be short (average running time ≤ RAYC_TASK_PREFETCH_MAX_MS) are
 * queued ahead of their resources on the least loaded node, up to a window per
 * node (RAYC_TASK_PREFETCH_PER_CPU × CPUs, at least 4), and take over the
 * resources of the node's tasks as they end. Every result still arrives
 * exactly once. Long tasks, and those of a class none of whose tasks has
 * finished yet, wait at the head, as pending demand. */
#include <stdlib.h>
#include <string.h>

#include "tasks_harness.h"

static int setup(void **state)
{
    setenv("RAYC_TASK_PREFETCH_PER_CPU", "2", 1);
    *state = tf_new();
    return 0;
}

static int teardown(void **state)
{
    tf_free(*state);
    unsetenv("RAYC_TASK_PREFETCH_PER_CPU");
    return 0;
}

/* Runs task k (the class's first) on node `node` for ms milliseconds. */
static void run_one(tf_t *f, int node, int k, uint64_t ms)
{
    assert_int_equal(tf_submit1(f, spec_default(k)), 1);
    Rayc__PullReply *pr = tf_pull(f, node, 100, 0);
    assert_int_equal(pr->n_tasks, 1);
    rayc__pull_reply__free_unpacked(pr, NULL);
    f->now += ms;
    assert_int_equal(tf_done1(f, k, 0, 0, "warm"), 1);
}

static void window_and_promotion(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 2); /* window: 4 */
    run_one(f, 1, 99, 0);
    spec_t s[10];
    for (int i = 0; i < 10; i++) s[i] = spec_default(i + 1);
    assert_int_equal(tf_submit(f, s, 10), 10);
    /* 2 with resources + 4 ahead of them; 4 wait at the head. */
    assert_int_equal(tf_count(f, RC_TASK_SUBMITTED_TO_WORKER), 6);
    assert_int_equal(tf_count(f, RC_TASK_PENDING_NODE_ASSIGNMENT), 4);
    Rayc__PullReply *pr = tf_pull(f, 1, 100, 0);
    assert_int_equal(pr->n_tasks, 6);
    rayc__pull_reply__free_unpacked(pr, NULL);
    /* One ends: a prefetched one takes its CPU, the window refills by one. */
    assert_int_equal(tf_done1(f, 1, 0, 0, "r1"), 1);
    assert_int_equal(tf_count(f, RC_TASK_RUNNING), 5);
    assert_int_equal(tf_count(f, RC_TASK_SUBMITTED_TO_WORKER), 1);
    assert_int_equal(tf_count(f, RC_TASK_PENDING_NODE_ASSIGNMENT), 3);
    /* Everything completes, each exactly once. */
    for (int round = 0; round < 10; round++) {
        pr = tf_pull(f, 1, 100, 0);
        rayc__pull_reply__free_unpacked(pr, NULL);
        for (int k = 2; k <= 10; k++) tf_done1(f, k, 0, 0, "r");
    }
    assert_int_equal(tf_count(f, RC_TASK_FINISHED), 11);
    for (int k = 1; k <= 10; k++) assert_int_equal(tf_done1(f, k, 0, 0, "again"), 0);
}

static void least_loaded_node_and_death(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    tf_node(f, 2, 1);
    run_one(f, 1, 99, 0);
    spec_t s[8];
    for (int i = 0; i < 8; i++) s[i] = spec_default(i + 1);
    assert_int_equal(tf_submit(f, s, 8), 8);
    /* 1 + 1 with resources, then 3 + 3 ahead: spread over both windows. */
    assert_int_equal(tf_count(f, RC_TASK_SUBMITTED_TO_WORKER), 8);
    Rayc__PullReply *a = tf_pull(f, 1, 100, 0);
    Rayc__PullReply *b = tf_pull(f, 2, 100, 0);
    assert_int_equal(a->n_tasks, 4);
    assert_int_equal(b->n_tasks, 4);
    rayc__pull_reply__free_unpacked(a, NULL);
    rayc__pull_reply__free_unpacked(b, NULL);
    /* Node 1 dies: its four (one with resources, three ahead) go to node 2. */
    tf_kill(f, 1);
    assert_int_equal(tf_count(f, RC_TASK_FAILED), 0);
    uint64_t placed = tf_count(f, RC_TASK_RUNNING) + tf_count(f, RC_TASK_SUBMITTED_TO_WORKER);
    assert_int_equal(placed + tf_count(f, RC_TASK_PENDING_NODE_ASSIGNMENT), 8);
}

/* Until a task of the class has finished its running time is unknown: nothing
 * is prefetched, the rest wait at the head and count as pending demand. */
static void unknown_class_waits(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 2);
    spec_t s[6];
    for (int i = 0; i < 6; i++) s[i] = spec_default(i + 1);
    assert_int_equal(tf_submit(f, s, 6), 6);
    assert_int_equal(tf_count(f, RC_TASK_SUBMITTED_TO_WORKER), 2);
    assert_int_equal(tf_count(f, RC_TASK_PENDING_NODE_ASSIGNMENT), 4);
    const char *st = tf_call(f, "CLUSTER.STATUS", NULL);
    assert_non_null(strstr(st, "\"pending_demand\":[{\"shape\":{\"CPU\":1},\"count\":4}]"));
}

/* Tasks that run longer than RAYC_TASK_PREFETCH_MAX_MS (100 ms) are not
 * prefetched; once the class's average (weight 1/8) is under it again, they are. */
static void long_tasks_not_prefetched(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1); /* window: 4 */
    run_one(f, 1, 90, 200);
    spec_t s[5];
    for (int i = 0; i < 5; i++) s[i] = spec_default(i + 1);
    assert_int_equal(tf_submit(f, s, 5), 5);
    assert_int_equal(tf_count(f, RC_TASK_SUBMITTED_TO_WORKER), 1);
    assert_int_equal(tf_count(f, RC_TASK_PENDING_NODE_ASSIGNMENT), 4);
    /* 200 → 175 → 153 → 133 → 116 → 101: still waiting after five short ones. */
    for (int k = 1; k <= 5; k++) {
        Rayc__PullReply *pr = tf_pull(f, 1, 100, 0);
        rayc__pull_reply__free_unpacked(pr, NULL);
        assert_int_equal(tf_count(f, RC_TASK_PENDING_NODE_ASSIGNMENT), (uint64_t)(5 - k));
        assert_int_equal(tf_done1(f, k, 0, 0, "short"), 1);
    }
    run_one(f, 1, 91, 0); /* 88 ms */
    for (int i = 0; i < 5; i++) s[i] = spec_default(i + 11);
    assert_int_equal(tf_submit(f, s, 5), 5);
    assert_int_equal(tf_count(f, RC_TASK_SUBMITTED_TO_WORKER), 5);
    assert_int_equal(tf_count(f, RC_TASK_PENDING_NODE_ASSIGNMENT), 0);
}

/* A prefetched task's running time counts from when it got its resources, not
 * from when the agent pulled it: waiting behind a long one does not make the
 * class look long. */
static void prefetched_time_from_promotion(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    run_one(f, 1, 90, 0);
    spec_t s[3];
    for (int i = 0; i < 3; i++) s[i] = spec_default(i + 1);
    assert_int_equal(tf_submit(f, s, 3), 3);
    Rayc__PullReply *pr = tf_pull(f, 1, 100, 0);
    assert_int_equal(pr->n_tasks, 3); /* one with the CPU, two ahead of it */
    rayc__pull_reply__free_unpacked(pr, NULL);
    f->now += 1000; /* task 1 runs for a second; 2 and 3 wait in the agent */
    assert_int_equal(tf_done1(f, 1, 0, 0, "r"), 1);
    assert_int_equal(tf_done1(f, 2, 0, 0, "r"), 1);
    assert_int_equal(tf_done1(f, 3, 0, 0, "r"), 1);
    /* (0·7 + 1000) / 8 = 125, then two of 0 ms: 109, 95 — under 100 again only
     * because 2 and 3 counted 0 ms; from the pull they would count 1000. */
    for (int i = 0; i < 3; i++) s[i] = spec_default(i + 11);
    assert_int_equal(tf_submit(f, s, 3), 3);
    assert_int_equal(tf_count(f, RC_TASK_PENDING_NODE_ASSIGNMENT), 0);
}

static void off_when_zero(void **state)
{
    tf_t *f;
    (void)state;
    setenv("RAYC_TASK_PREFETCH_PER_CPU", "0", 1);
    f = tf_new();
    tf_node(f, 1, 2);
    spec_t s[5];
    for (int i = 0; i < 5; i++) s[i] = spec_default(i + 1);
    assert_int_equal(tf_submit(f, s, 5), 5);
    assert_int_equal(tf_count(f, RC_TASK_SUBMITTED_TO_WORKER), 2);
    assert_int_equal(tf_count(f, RC_TASK_PENDING_NODE_ASSIGNMENT), 3);
    tf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(window_and_promotion, setup, teardown),
        cmocka_unit_test_setup_teardown(least_loaded_node_and_death, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_class_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(long_tasks_not_prefetched, setup, teardown),
        cmocka_unit_test_setup_teardown(prefetched_time_from_promotion, setup, teardown),
        cmocka_unit_test(off_when_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
