/* test_tasks.c — the task plane through its commands: round trip, dependencies,
 * retries, cancellation, infeasible tasks, counters, objects, blocked waiters. */
#include "tasks_harness.h"

static int setup(void **state)
{
    *state = tf_new();
    return 0;
}

static int teardown(void **state)
{
    tf_free(*state);
    return 0;
}

static void round_trip(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 2);
    spec_t s[3] = {spec_default(1), spec_default(2), spec_default(3)};
    s[0].data = "hello";
    assert_int_equal(tf_submit(f, s, 3), 3);
    assert_int_equal(tf_submit(f, s, 3), 0); /* a resent batch is harmless */
    /* 2 CPUs: two placed, one waits. */
    assert_int_equal(tf_count(f, RC_TASK_SUBMITTED_TO_WORKER), 2);
    assert_int_equal(tf_count(f, RC_TASK_PENDING_NODE_ASSIGNMENT), 1);
    Rayc__PullReply *pr = tf_pull(f, 1, 10, 0);
    assert_int_equal(pr->n_tasks, 2);
    assert_int_equal(pr->tasks[0]->attempt, 0);
    assert_memory_equal(pr->tasks[0]->task_id.data, tid(1).b, 16);
    assert_string_equal(pr->tasks[0]->function, "noop");
    assert_int_equal(pr->tasks[0]->n_args, 1);
    assert_memory_equal(pr->tasks[0]->args[0]->data.data, "hello", 5);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(tf_count(f, RC_TASK_RUNNING), 2);
    assert_int_equal(tf_done1(f, 1, 0, 0, "r1"), 1);
    assert_int_equal(tf_done1(f, 1, 0, 0, "r1"), 0); /* exactly once */
    /* Task 3 got the freed CPU. */
    assert_int_equal(tf_state(f, 3), RC_TASK_SUBMITTED_TO_WORKER);
    Rayc__TaskResult *r = tf_get1(f, tid(1));
    assert_non_null(r);
    assert_int_equal(r->status, 0);
    assert_memory_equal(r->data.data, "r1", 2);
    rayc__task_result__free_unpacked(r, NULL);
    assert_null(tf_get1(f, tid(2)));
    /* Released and final: the record goes to the history ring. */
    assert_int_equal(reply_int(CALL("OBJ.RELEASE", hexid(tid(1)).s)), 1);
    assert_int_equal(tf_state(f, 1), -1);
    const rc_task_summary_t *a, *b;
    size_t na, nb;
    assert_int_equal(rc_task_plane_history(f->p, &a, &na, &b, &nb), 1);
    assert_string_equal(a[0].name, "noop");
    assert_int_equal(a[0].state, RC_TASK_FINISHED);
    assert_true(strncmp(CALL("TASK.GET", "0", hexid(tid(1)).s), "-ERR unknown object", 19) == 0);
}

static void bad_batch_refused(void **state)
{
    tf_t *f = *state;
    spec_t s[2] = {spec_default(1), spec_default(2)};
    rc_buf_t b = RC_BUF_INIT;
    pack_batch(s, 2, &b);
    /* Corrupt: not a batch at all. */
    assert_true(strncmp(tf_call_bin(f, "TASK.SUBMIT", "\xff\xff", 2), "-ERR", 4) == 0);
    /* A spec without function: the whole batch is refused. */
    Rayc__TaskSpecBatch *bt = rayc__task_spec_batch__unpack(NULL, b.len, (uint8_t *)b.data);
    char *orig = bt->specs[1]->function;
    bt->specs[1]->function = "";
    uint8_t buf[1024];
    size_t n = rayc__task_spec_batch__pack(bt, buf);
    bt->specs[1]->function = orig;
    rayc__task_spec_batch__free_unpacked(bt, NULL);
    const char *r = tf_call_bin(f, "TASK.SUBMIT", buf, n);
    assert_non_null(strstr(r, "needs library and function"));
    assert_int_equal(tf_state(f, 1), -1);
    rc_buf_free(&b);
}

static void dependency_chain(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 4);
    spec_t s[100];
    for (int i = 0; i < 100; i++) {
        s[i] = spec_default(i + 1);
        if (i) {
            s[i].nrefs = 1;
            s[i].refs[0] = tid(i);
        }
    }
    assert_int_equal(tf_submit(f, s, 100), 100);
    assert_int_equal(tf_count(f, RC_TASK_PENDING_ARGS_AVAIL), 99);
    for (int i = 0; i < 100; i++) {
        Rayc__PullReply *pr = tf_pull(f, 1, 10, 0);
        assert_int_equal(pr->n_tasks, 1);
        assert_memory_equal(pr->tasks[0]->task_id.data, tid(i + 1).b, 16);
        if (i) {
            /* The ref is resolved to the producer's data. */
            char want[16];
            snprintf(want, sizeof(want), "v%d", i);
            assert_int_equal(pr->tasks[0]->args[0]->value_case, RAYC__TASK_ARG__VALUE_DATA);
            assert_int_equal(pr->tasks[0]->args[0]->data.len, strlen(want));
            assert_memory_equal(pr->tasks[0]->args[0]->data.data, want, strlen(want));
        }
        rayc__pull_reply__free_unpacked(pr, NULL);
        char v[16];
        snprintf(v, sizeof(v), "v%d", i + 1);
        assert_int_equal(tf_done1(f, i + 1, 0, 0, v), 1);
    }
    assert_int_equal(tf_count(f, RC_TASK_FINISHED), 100);
    assert_int_equal(tf_count(f, RC_TASK_PENDING_ARGS_AVAIL), 0);
}

static void failed_dependency(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 4);
    spec_t s[4] = {spec_default(1), spec_default(2), spec_default(3), spec_default(4)};
    s[0].max_retries = 0;
    s[1].nrefs = 1;
    s[1].refs[0] = tid(1);
    s[2].nrefs = 1;
    s[2].refs[0] = tid(2);
    s[3].nrefs = 1;
    s[3].refs[0] = tid(99); /* unknown */
    assert_int_equal(tf_submit(f, s, 4), 4);
    assert_int_equal(tf_state(f, 4), RC_TASK_FAILED);
    Rayc__TaskResult *r = tf_get1(f, tid(4));
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_DEPENDENCY_FAILED);
    assert_non_null(strstr(r->error, "unknown object"));
    rayc__task_result__free_unpacked(r, NULL);
    Rayc__PullReply *pr = tf_pull(f, 1, 10, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(tf_done1(f, 1, 0, RAYC__TASK_STATUS__STATUS_APP_ERROR, NULL), 1);
    assert_int_equal(tf_state(f, 1), RC_TASK_FAILED);
    assert_int_equal(tf_state(f, 2), RC_TASK_FAILED);
    assert_int_equal(tf_state(f, 3), RC_TASK_FAILED);
    r = tf_get1(f, tid(3));
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_DEPENDENCY_FAILED);
    rayc__task_result__free_unpacked(r, NULL);
    /* A dependent of a failed task submitted later fails at once. */
    spec_t late = spec_default(5);
    late.nrefs = 1;
    late.refs[0] = tid(1);
    tf_submit1(f, late);
    assert_int_equal(tf_state(f, 5), RC_TASK_FAILED);
    assert_int_equal(tf_count(f, RC_TASK_FAILED), 5);
}

static void retry_on_node_death(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    spec_t s = spec_default(1);
    s.max_retries = 1;
    tf_submit1(f, s);
    Rayc__PullReply *pr = tf_pull(f, 1, 10, 0);
    assert_int_equal(pr->n_tasks, 1);
    rayc__pull_reply__free_unpacked(pr, NULL);
    tf_node(f, 2, 1);
    tf_kill(f, 1);
    /* Retried on node 2 with attempt 1. */
    assert_int_equal(tf_state(f, 1), RC_TASK_SUBMITTED_TO_WORKER);
    assert_true(strncmp(CALL("TASK.PULL", hexid(nid(1)).s, "1", "0"), "-NOTFOUND", 9) == 0);
    pr = tf_pull(f, 2, 10, 0);
    assert_int_equal(pr->n_tasks, 1);
    assert_int_equal(pr->tasks[0]->attempt, 1);
    rayc__pull_reply__free_unpacked(pr, NULL);
    /* The old attempt's late result is stale; the new one counts once. */
    assert_int_equal(tf_done1(f, 1, 0, 0, "old"), 0);
    assert_int_equal(tf_done1(f, 1, 1, 0, "new"), 1);
    assert_int_equal(tf_done1(f, 1, 1, 0, "new"), 0);
    Rayc__TaskResult *r = tf_get1(f, tid(1));
    assert_memory_equal(r->data.data, "new", 3);
    rayc__task_result__free_unpacked(r, NULL);
    /* No retries left: the second death fails it. */
    spec_t s2 = spec_default(2);
    s2.max_retries = 0;
    tf_submit1(f, s2);
    pr = tf_pull(f, 2, 10, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
    tf_kill(f, 2);
    assert_int_equal(tf_state(f, 2), RC_TASK_FAILED);
    r = tf_get1(f, tid(2));
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_WORKER_DIED);
    assert_non_null(strstr(r->error, "worker died after 0 retries"));
    rayc__task_result__free_unpacked(r, NULL);
}

static void retry_exceptions(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    spec_t s[2] = {spec_default(1), spec_default(2)};
    s[0].retry_exc = 1;
    s[0].max_retries = 1;
    tf_submit(f, s, 2);
    Rayc__PullReply *pr = tf_pull(f, 1, 10, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(tf_done1(f, 1, 0, RAYC__TASK_STATUS__STATUS_APP_ERROR, NULL), 1);
    assert_int_equal(tf_state(f, 1), RC_TASK_PENDING_NODE_ASSIGNMENT); /* task 2 took the CPU */
    pr = tf_pull(f, 1, 10, 0);
    assert_int_equal(pr->n_tasks, 1);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(tf_done1(f, 2, 0, RAYC__TASK_STATUS__STATUS_APP_ERROR, NULL), 1);
    assert_int_equal(tf_state(f, 2), RC_TASK_FAILED); /* no retry_exceptions */
    pr = tf_pull(f, 1, 10, 0);
    assert_int_equal(pr->tasks[0]->attempt, 1);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(tf_done1(f, 1, 1, RAYC__TASK_STATUS__STATUS_APP_ERROR, NULL), 1);
    assert_int_equal(tf_state(f, 1), RC_TASK_FAILED);
}

static void cancel(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    spec_t s[3] = {spec_default(1), spec_default(2), spec_default(3)};
    s[2].nrefs = 1;
    s[2].refs[0] = tid(2);
    tf_submit(f, s, 3);
    Rayc__PullReply *pr = tf_pull(f, 1, 10, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
    /* Pending task 2: cancelled at once; its dependent fails. */
    assert_int_equal(reply_int(CALL("TASK.CANCEL", hexid(tid(2)).s, "0")), 1);
    assert_int_equal(tf_state(f, 2), RC_TASK_CANCELLED);
    assert_int_equal(tf_state(f, 3), RC_TASK_FAILED);
    assert_int_equal(reply_int(CALL("TASK.CANCEL", hexid(tid(2)).s, "0")), 0);
    /* Running task 1: CANCELLED now, the worker told in its next PullReply. */
    assert_int_equal(reply_int(CALL("TASK.CANCEL", hexid(tid(1)).s, "1")), 1);
    assert_int_equal(tf_state(f, 1), RC_TASK_CANCELLED);
    pr = tf_pull(f, 1, 10, 0);
    assert_int_equal(pr->n_tasks, 0);
    assert_int_equal(pr->n_cancel_task_ids, 1);
    assert_memory_equal(pr->cancel_task_ids[0].data, tid(1).b, 16);
    assert_int_equal(pr->n_cancel_force, 1);
    assert_true(pr->cancel_force[0]);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(tf_done1(f, 1, 0, RAYC__TASK_STATUS__STATUS_CANCELLED, NULL), 0);
    Rayc__TaskResult *r = tf_get1(f, tid(1));
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_CANCELLED);
    rayc__task_result__free_unpacked(r, NULL);
    assert_int_equal(tf_count(f, RC_TASK_CANCELLED), 2);
    assert_int_equal(tf_count(f, RC_TASK_RUNNING), 0);
}

static void infeasible_then_placed(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 2);
    spec_t s[2] = {spec_default(1), spec_default(2)};
    s[0].cpu = 8;
    s[1].cpu = 8;
    tf_submit(f, s, 2);
    rc_task_stats_t st;
    rc_task_plane_stats(f->p, &st);
    assert_int_equal(st.infeasible, 2);
    assert_int_equal(f->nevents, 2);
    assert_non_null(strstr(f->events[0], "\"event\":\"TASK_INFEASIBLE\""));
    assert_non_null(strstr(f->events[0], "\"CPU\":8"));
    const char *r = CALL("CLUSTER.STATUS");
    assert_non_null(strstr(r, "\"infeasible_demand\":[{\"shape\":{\"CPU\":8},\"count\":2}]"));
    tf_node(f, 2, 16);
    rc_task_plane_stats(f->p, &st);
    assert_int_equal(st.infeasible, 0);
    assert_int_equal(tf_count(f, RC_TASK_SUBMITTED_TO_WORKER), 2);
    assert_int_equal(f->nevents, 2); /* once per task */
    r = CALL("CLUSTER.STATUS");
    assert_non_null(strstr(r, "\"infeasible_demand\":[]"));
}

static void zero_cpu_and_counts(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    spec_t s[5];
    for (int i = 0; i < 5; i++) {
        s[i] = spec_default(i + 1);
        s[i].cpu = 0; /* explicit zero: all run at once on 1 CPU */
    }
    tf_submit(f, s, 5);
    assert_int_equal(tf_count(f, RC_TASK_SUBMITTED_TO_WORKER), 5);
    Rayc__PullReply *pr = tf_pull(f, 1, 3, 0);
    assert_int_equal(pr->n_tasks, 3);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(tf_count(f, RC_TASK_RUNNING), 3);
    assert_int_equal(tf_count(f, RC_TASK_SUBMITTED_TO_WORKER), 2);
    const char *r = CALL("TASK.STATS");
    assert_non_null(strstr(r, "\"RUNNING\":3"));
    assert_non_null(strstr(r, "\"SUBMITTED_TO_WORKER\":2"));
}

static void objects(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    rc_id_t o = tid(500);
    assert_string_equal(CALL("OBJ.PUT", hexid(o).s, "payload"), "+OK\r\n");
    char *big = malloc(RC_TASK_INLINE_MAX + 2);
    memset(big, 'x', RC_TASK_INLINE_MAX + 1);
    big[RC_TASK_INLINE_MAX + 1] = 0;
    assert_non_null(strstr(CALL("OBJ.PUT", hexid(tid(501)).s, big), "exceeds the 100 KiB"));
    /* A task needs it: released by the client, still kept for the task. */
    spec_t s = spec_default(1);
    s.nrefs = 1;
    s.refs[0] = o;
    tf_submit1(f, s);
    assert_int_equal(reply_int(CALL("OBJ.RELEASE", hexid(o).s)), 1);
    assert_int_equal(reply_int(CALL("OBJ.RELEASE", hexid(o).s)), 0);
    Rayc__PullReply *pr = tf_pull(f, 1, 1, 0);
    assert_memory_equal(pr->tasks[0]->args[0]->data.data, "payload", 7);
    rayc__pull_reply__free_unpacked(pr, NULL);
    rc_task_stats_t st;
    rc_task_plane_stats(f->p, &st);
    assert_int_equal(st.objects, 1);
    /* Too large a result fails the task. */
    res_t rr = {1, 0, 0, big, RC_TASK_INLINE_MAX + 1, 0};
    assert_int_equal(tf_done(f, &rr, 1), 1);
    Rayc__TaskResult *r = tf_get1(f, tid(1));
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OBJECT_TOO_LARGE);
    rayc__task_result__free_unpacked(r, NULL);
    rc_task_plane_stats(f->p, &st);
    assert_int_equal(st.objects, 0); /* the task ended: the object is gone */
    free(big);
}

static void blocked_get_wait_pull(void **state)
{
    tf_t *f = *state;
    struct rc_client puller = {0}, getter = {0}, waiter = {0};
    tf_node(f, 1, 1);
    /* A puller blocks, then gets the task when it is submitted. */
    f->as = &puller;
    assert_null(tf_pull(f, 1, 5, 1000));
    assert_true(puller.blocked);
    f->as = NULL;
    spec_t s[2] = {spec_default(1), spec_default(2)};
    tf_submit(f, s, 2);
    assert_false(puller.blocked);
    size_t len = 0;
    const char *b = bulk(puller.out.data, &len);
    Rayc__PullReply *pr = rayc__pull_reply__unpack(NULL, len, (const uint8_t *)b);
    assert_int_equal(pr->n_tasks, 1);
    rayc__pull_reply__free_unpacked(pr, NULL);
    /* GET of both blocks; WAIT for 1 of both blocks. */
    f->as = &getter;
    assert_string_equal(CALL("TASK.GET", "-1", hexid(tid(1)).s, hexid(tid(2)).s), "");
    f->as = &waiter;
    assert_string_equal(CALL("TASK.WAIT", "1", "5000", hexid(tid(1)).s, hexid(tid(2)).s), "");
    f->as = NULL;
    assert_true(getter.blocked && waiter.blocked);
    assert_int_equal(tf_done1(f, 1, 0, 0, "a"), 1);
    assert_false(waiter.blocked);
    assert_string_equal(waiter.out.data, "*2\r\n:1\r\n:0\r\n");
    assert_true(getter.blocked);
    pr = tf_pull(f, 1, 5, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(tf_done1(f, 2, 0, 0, "b"), 1);
    assert_false(getter.blocked);
    assert_int_equal(getter.unblocks, 1);
    assert_true(strncmp(getter.out.data, "*2\r\n$", 5) == 0);
    rc_buf_free(&puller.out);
    rc_buf_free(&getter.out);
    rc_buf_free(&waiter.out);
}

static void timeouts_and_gone(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    tf_node(f, 2, 1);
    spec_t s[2] = {spec_default(1), spec_default(2)};
    s[0].cpu = 1;
    tf_submit(f, s, 2);
    /* GET with a 100 ms timeout: nil at the deadline. */
    assert_string_equal(CALL("TASK.GET", "100", hexid(tid(1)).s), "");
    rc_task_plane_expire(f->p, f->now + 99);
    assert_true(f->cl.blocked);
    rc_task_plane_expire(f->p, f->now + 100);
    assert_false(f->cl.blocked);
    assert_string_equal(f->cl.out.data, "*1\r\n$-1\r\n");
    rc_buf_clear(&f->cl.out);
    /* A client that goes away while blocked is forgotten. */
    assert_string_equal(CALL("TASK.GET", "-1", hexid(tid(1)).s), "");
    f->cl.gone(f->cl.gone_arg);
    f->cl.blocked = 0;
    /* A pull that times out is empty. */
    Rayc__PullReply *pr = tf_pull(f, 1, 5, 0);
    assert_int_equal(pr->n_tasks, 1);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_null(tf_pull(f, 1, 5, 50));
    rc_task_plane_expire(f->p, f->now + 50);
    assert_false(f->cl.blocked);
    assert_string_equal(f->cl.out.data, "$0\r\n\r\n");
    rc_buf_clear(&f->cl.out);
    assert_int_equal(tf_done1(f, 1, 0, 0, "x"), 1);
}

static void agent_restart_retries(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    tf_submit1(f, spec_default(1));
    Rayc__PullReply *pr = tf_pull(f, 1, 5, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
    tf_node(f, 1, 1); /* same pid: the same process reconnecting */
    assert_int_equal(tf_state(f, 1), RC_TASK_RUNNING);
    rc_id_t id = nid(1);
    assert_int_equal(rc_node_table_drain(f->nodes, &id, "test", f->now), 1);
    /* Draining: empty pulls, running tasks continue. */
    pr = tf_pull(f, 1, 5, 1000);
    assert_int_equal(pr->n_tasks, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(tf_done1(f, 1, 0, 0, "ok"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_batch_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(dependency_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_dependency, setup, teardown),
        cmocka_unit_test_setup_teardown(retry_on_node_death, setup, teardown),
        cmocka_unit_test_setup_teardown(retry_exceptions, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(infeasible_then_placed, setup, teardown),
        cmocka_unit_test_setup_teardown(zero_cpu_and_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(objects, setup, teardown),
        cmocka_unit_test_setup_teardown(blocked_get_wait_pull, setup, teardown),
        cmocka_unit_test_setup_teardown(timeouts_and_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(agent_restart_retries, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
