/* test_objects.c — the head's table of objects kept in node object stores
 * (head/tasks/objects.c): where results and put values over 100 KiB are, what
 * TASK.GET and the PullReply say about them, frees sent to their holders, and
 * what happens when the last holder dies. */
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

/* Task k's attempt ended OK with a value of size bytes kept in node's store. */
static int64_t done_stored(tf_t *f, int k, uint32_t attempt, int node, uint64_t size)
{
    Rayc__TaskResult m, *pm = &m;
    Rayc__TaskResultBatch b;
    rayc__task_result__init(&m);
    rayc__task_result_batch__init(&b);
    rc_id_t id = tid(k), n = nid(node);
    m.task_id.data = id.b;
    m.task_id.len = 16;
    m.attempt = attempt;
    m.node_id.data = n.b;
    m.node_id.len = 16;
    m.in_store = 1;
    m.object_size = size;
    b.n_results = 1;
    b.results = &pm;
    uint8_t buf[256];
    size_t len = rayc__task_result_batch__pack(&b, buf);
    return reply_int(tf_call_bin(f, "TASK.DONE", buf, len));
}

/* Pulls node k's reply and returns its free_object_ids count (frees them). */
static size_t pulled_frees(tf_t *f, int k, rc_id_t *first)
{
    Rayc__PullReply *pr = tf_pull(f, k, 0, 0);
    size_t n = pr->n_free_object_ids;
    if (n && first) memcpy(first->b, pr->free_object_ids[0].data, 16);
    rayc__pull_reply__free_unpacked(pr, NULL);
    return n;
}

static void stored_result_located_and_freed(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    tf_node(f, 2, 1);
    spec_t s = spec_default(1);
    s.cpu = 1;
    tf_submit1(f, s);
    Rayc__PullReply *pr = tf_pull(f, 1, 1, 0);
    assert_int_equal(pr->n_tasks, 1);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(done_stored(f, 1, 0, 1, 5u << 20), 1);

    /* TASK.GET: no bytes, the size and where to fetch them. */
    Rayc__TaskResult *r = tf_get1(f, tid(1));
    assert_true(r->in_store);
    assert_int_equal(r->object_size, 5u << 20);
    assert_int_equal(r->n_locations, 1);
    assert_string_equal(r->locations[0], "10.0.0.1:7001");
    assert_int_equal(r->data.len, 0);
    rayc__task_result__free_unpacked(r, NULL);

    /* A dependent on node 2 gets the ref with its size and holder. */
    spec_t d = spec_default(2);
    d.cpu = 1;
    d.nrefs = 1;
    d.refs[0] = tid(1);
    d.data = "x";
    tf_submit1(f, d);
    /* Wherever it was placed, the holder is named (the scheduler picks the node). */
    pr = tf_pull(f, 2, 1, 0);
    if (pr->n_tasks == 0) {
        rayc__pull_reply__free_unpacked(pr, NULL);
        pr = tf_pull(f, 1, 1, 0);
    }
    assert_int_equal(pr->n_tasks, 1);
    Rayc__TaskArg *a = pr->tasks[0]->args[0];
    assert_int_equal(a->value_case, RAYC__TASK_ARG__VALUE_REF);
    assert_int_equal(a->size, 5u << 20);
    assert_int_equal(a->n_locations, 1);
    assert_string_equal(a->locations[0], "10.0.0.1:7001");
    assert_memory_equal(pr->tasks[0]->args[1]->data.data, "x", 1);
    rayc__pull_reply__free_unpacked(pr, NULL);

    /* Node 2 fetched a copy: both are holders; a third node is refused. */
    assert_int_equal(reply_int(CALL("OBJ.ADDLOC", hexid(tid(1)).s, "5242880", hexid(nid(2)).s)), 1);
    assert_non_null(strstr(CALL("OBJ.ADDLOC", hexid(tid(1)).s, "12", hexid(nid(2)).s), "differs"));
    assert_non_null(
        strstr(CALL("OBJ.ADDLOC", hexid(tid(1)).s, "5242880", hexid(nid(9)).s), "not alive"));
    r = tf_get1(f, tid(1));
    assert_int_equal(r->n_locations, 2);
    rayc__task_result__free_unpacked(r, NULL);
    assert_int_equal(tf_done1(f, 2, 0, 0, "ok"), 1);

    /* Released by the client, no dependent left: both holders are told to delete. */
    assert_int_equal(reply_int(CALL("OBJ.RELEASE", hexid(tid(1)).s, hexid(tid(2)).s)), 2);
    rc_id_t freed;
    assert_int_equal(pulled_frees(f, 1, &freed), 1);
    assert_memory_equal(freed.b, tid(1).b, 16);
    assert_int_equal(pulled_frees(f, 2, NULL), 1);
    assert_int_equal(pulled_frees(f, 1, NULL), 0);
    /* A late ADDLOC for a freed object: 0, the node deletes its copy. */
    assert_int_equal(reply_int(CALL("OBJ.ADDLOC", hexid(tid(1)).s, "5242880", hexid(nid(2)).s)), 0);
}

static void put_target_and_loc(void **state)
{
    tf_t *f = *state;
    /* No node with an object store: a clear error. */
    assert_non_null(strstr(CALL("OBJ.PUTTARGET", "1000000"), "no alive node"));
    tf_node(f, 1, 1);
    tf_node(f, 2, 1);
    const char *r = CALL("OBJ.PUTTARGET", "1000000", hexid(nid(2)).s);
    assert_non_null(strstr(r, hexid(nid(2)).s));
    assert_non_null(strstr(r, "10.0.0.1:7002"));
    assert_non_null(strstr(CALL("OBJ.PUTTARGET", "0"), "positive"));
    assert_non_null(strstr(CALL("OBJ.PUTTARGET", "5", hexid(nid(7)).s), "not alive"));

    rc_id_t o = tid(900);
    assert_string_equal(CALL("OBJ.PUTLOC", hexid(o).s, "300000", hexid(nid(2)).s), "+OK\r\n");
    Rayc__TaskResult *tr = tf_get1(f, o);
    assert_true(tr->in_store);
    assert_int_equal(tr->object_size, 300000);
    assert_int_equal(tr->n_locations, 1);
    assert_string_equal(tr->locations[0], "10.0.0.1:7002");
    rayc__task_result__free_unpacked(tr, NULL);
    /* A task's id cannot be a put value. */
    tf_submit1(f, spec_default(1));
    assert_non_null(strstr(CALL("OBJ.PUTLOC", hexid(tid(1)).s, "300000", hexid(nid(2)).s),
                           "belongs to a task"));
    /* Released: node 2 deletes it. */
    assert_int_equal(reply_int(CALL("OBJ.RELEASE", hexid(o).s)), 1);
    assert_int_equal(pulled_frees(f, 2, NULL), 1);
    rc_task_stats_t st;
    rc_task_plane_stats(f->p, &st);
    assert_int_equal(st.objects, 0);
}

static void lost_with_its_node(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    tf_node(f, 2, 1);
    /* Task 1 (retryable) and task 2 (max_retries 0) both stored on node 1. */
    spec_t s = spec_default(1);
    s.cpu = 1;
    s.max_retries = 2;
    spec_t s2 = spec_default(2);
    s2.cpu = 1;
    s2.max_retries = 0;
    tf_submit1(f, s);
    Rayc__PullReply *pr = tf_pull(f, 1, 1, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(done_stored(f, 1, 0, 1, 200000), 1);
    tf_submit1(f, s2);
    pr = tf_pull(f, 1, 1, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(done_stored(f, 2, 0, 1, 300000), 1);
    rc_id_t o = tid(800);
    assert_string_equal(CALL("OBJ.PUTLOC", hexid(o).s, "400000", hexid(nid(1)).s), "+OK\r\n");
    assert_int_equal(tf_count(f, RC_TASK_FINISHED), 2);

    tf_kill(f, 1);
    /* Task 1 runs again (on node 2, attempt 1); FINISHED counts it once. */
    assert_int_equal(tf_state(f, 1), RC_TASK_SUBMITTED_TO_WORKER);
    assert_int_equal(tf_count(f, RC_TASK_FINISHED), 1);
    pr = tf_pull(f, 2, 1, 0);
    assert_int_equal(pr->n_tasks, 1);
    assert_int_equal(pr->tasks[0]->attempt, 1);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(done_stored(f, 1, 1, 2, 200000), 1);
    Rayc__TaskResult *r = tf_get1(f, tid(1));
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_int_equal(r->n_locations, 1);
    assert_string_equal(r->locations[0], "10.0.0.1:7002");
    rayc__task_result__free_unpacked(r, NULL);

    /* Task 2 and the put value are lost for good, each with its reason. */
    r = tf_get1(f, tid(2));
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OBJECT_LOST);
    assert_non_null(strstr(r->error, "no retries left"));
    rayc__task_result__free_unpacked(r, NULL);
    r = tf_get1(f, o);
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OBJECT_LOST);
    assert_non_null(strstr(r->error, "put it again"));
    rayc__task_result__free_unpacked(r, NULL);
    /* A dependent of the lost value learns it has no holder (no locations). */
    spec_t d = spec_default(3);
    d.cpu = 1;
    d.nrefs = 1;
    d.refs[0] = tid(2);
    tf_submit1(f, d);
    pr = tf_pull(f, 2, 1, 0);
    assert_int_equal(pr->n_tasks, 1);
    assert_int_equal(pr->tasks[0]->args[0]->size, 300000);
    assert_int_equal(pr->tasks[0]->args[0]->n_locations, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
}

static void dependents_wait_for_reconstruction(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    spec_t s = spec_default(1);
    s.cpu = 1;
    s.max_retries = 1;
    tf_submit1(f, s);
    Rayc__PullReply *pr = tf_pull(f, 1, 1, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(done_stored(f, 1, 0, 1, 200000), 1);
    /* A dependent waits for a node while node 1, the only holder, dies. */
    spec_t d = spec_default(2);
    d.cpu = 2; /* fits no node yet: stays PENDING_NODE_ASSIGNMENT */
    d.nrefs = 1;
    d.refs[0] = tid(1);
    tf_submit1(f, d);
    assert_int_equal(tf_state(f, 2), RC_TASK_PENDING_NODE_ASSIGNMENT);
    tf_kill(f, 1);
    /* Its argument is being made again: the dependent waits for it. */
    assert_int_equal(tf_state(f, 2), RC_TASK_PENDING_ARGS_AVAIL);
    tf_node(f, 3, 2);
    pr = tf_pull(f, 3, 1, 0);
    assert_int_equal(pr->n_tasks, 1);
    assert_int_equal(pr->tasks[0]->attempt, 1); /* task 1 again */
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(done_stored(f, 1, 1, 3, 200000), 1);
    assert_int_equal(tf_state(f, 2), RC_TASK_SUBMITTED_TO_WORKER);
    pr = tf_pull(f, 3, 1, 0);
    assert_int_equal(pr->n_tasks, 1);
    assert_string_equal(pr->tasks[0]->args[0]->locations[0], "10.0.0.1:7003");
    rayc__pull_reply__free_unpacked(pr, NULL);
}

static void bad_stored_results(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    spec_t s = spec_default(1);
    s.cpu = 1;
    tf_submit1(f, s);
    Rayc__PullReply *pr = tf_pull(f, 1, 1, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
    /* in_store with inline data too: refused with the reason, not trusted. */
    Rayc__TaskResult m, *pm = &m;
    Rayc__TaskResultBatch b;
    rayc__task_result__init(&m);
    rayc__task_result_batch__init(&b);
    rc_id_t id = tid(1);
    m.task_id.data = id.b;
    m.task_id.len = 16;
    m.in_store = 1;
    m.object_size = 10;
    m.data.data = (uint8_t *)"abc";
    m.data.len = 3;
    b.n_results = 1;
    b.results = &pm;
    uint8_t buf[256];
    size_t len = rayc__task_result_batch__pack(&b, buf);
    assert_int_equal(reply_int(tf_call_bin(f, "TASK.DONE", buf, len)), 1);
    Rayc__TaskResult *r = tf_get1(f, tid(1));
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OBJECT_TOO_LARGE);
    rayc__task_result__free_unpacked(r, NULL);
}

static void job_end_releases(void **state)
{
    tf_t *f = *state;
    tf_node(f, 1, 1);
    /* Job 07's task (stored result) and put values, and one of another job. */
    spec_t s = spec_default(1);
    s.cpu = 1;
    s.job = 7;
    tf_submit1(f, s);
    Rayc__PullReply *pr = tf_pull(f, 1, 1, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(done_stored(f, 1, 0, 1, 200000), 1);
    assert_string_equal(CALL("OBJ.PUTLOC", hexid(tid(50)).s, "300000", hexid(nid(1)).s, "07000000"),
                        "+OK\r\n");
    assert_string_equal(CALL("OBJ.PUT", hexid(tid(51)).s, "small", "07000000"), "+OK\r\n");
    assert_string_equal(CALL("OBJ.PUT", hexid(tid(52)).s, "other", "08000000"), "+OK\r\n");
    assert_non_null(strstr(CALL("OBJ.PUT", hexid(tid(53)).s, "x", "zz"), "8 hex digits"));
    const uint8_t job[4] = {7, 0, 0, 0};
    rc_task_plane_job_ended(f->p, job);
    /* The stored values' holder is told to delete them; job 08's value stays. */
    assert_int_equal(pulled_frees(f, 1, NULL), 2);
    rc_task_stats_t st;
    rc_task_plane_stats(f->p, &st);
    assert_int_equal(st.objects, 1);
    assert_int_equal(st.records, 0);
    rc_task_plane_job_ended(f->p, job); /* again: nothing left */
    assert_int_equal(reply_int(CALL("OBJ.RELEASE", hexid(tid(52)).s)), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(stored_result_located_and_freed, setup, teardown),
        cmocka_unit_test_setup_teardown(put_target_and_loc, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_with_its_node, setup, teardown),
        cmocka_unit_test_setup_teardown(dependents_wait_for_reconstruction, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_stored_results, setup, teardown),
        cmocka_unit_test_setup_teardown(job_end_releases, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
