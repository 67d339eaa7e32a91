/* test_task_list.c — the task plane through the State API's eyes: rows of
 * records and history, filters, exact totals past the history bound, the
 * per-name summary, objects and the scheduling-latency histogram. */
#include "tasks_harness.h"

#include "json.h"

static int setup(void **state)
{
    unsetenv("RAY_task_events_max_num_task_in_gcs");
    *state = tf_new();
    return 0;
}

static int teardown(void **state)
{
    tf_free(*state);
    return 0;
}

typedef void (*lister_fn)(rc_task_plane_t *p, rc_state_list_t *L);

static rc_json_t *list_with(tf_t *f, lister_fn fn, const rc_state_col_t *cols, const char *query)
{
    rc_state_query_t q;
    char err[200];
    assert_int_equal(rc_state_query_parse(query, &q, err, sizeof(err)), RC_OK);
    assert_int_equal(rc_state_query_check(&q, cols, err, sizeof(err)), RC_OK);
    rc_buf_t out = RC_BUF_INIT;
    rc_state_list_t L;
    rc_state_list_begin(&L, &q, cols, &out);
    fn(f->p, &L);
    rc_state_query_free(&q);
    rc_json_t *d = NULL;
    assert_int_equal(rc_json_parse(out.data, out.len, &d, err, sizeof(err)), RC_OK);
    rc_buf_free(&out);
    return d;
}

static rc_json_t *list(tf_t *f, const char *query)
{
    return list_with(f, rc_task_plane_list, rc_task_cols, query);
}

static const rc_json_t *res(const rc_json_t *d)
{
    return rc_json_get(rc_json_get(d, "data"), "result");
}

static int64_t num(const rc_json_t *v)
{
    int64_t n = -1;
    rc_json_int(v, &n);
    return n;
}

static const char *str(const rc_json_t *v)
{
    return rc_json_str(v, NULL);
}

/* Five tasks: 1 and 2 finish and are released (history), 3 fails, 4 and 5 run. */
static void five_tasks(tf_t *f)
{
    tf_node(f, 1, 3);
    spec_t s[5];
    for (int i = 0; i < 5; i++) s[i] = spec_default(i + 1);
    assert_int_equal(tf_submit(f, s, 5), 5);
    f->now += 7;
    Rayc__PullReply *pr = tf_pull(f, 1, 10, 0);
    assert_int_equal(pr->n_tasks, 3);
    rayc__pull_reply__free_unpacked(pr, NULL);
    assert_int_equal(tf_done1(f, 1, 0, 0, "a"), 1);
    assert_int_equal(tf_done1(f, 2, 0, 0, "b"), 1);
    assert_int_equal(reply_int(CALL("OBJ.RELEASE", hexid(tid(1)).s, hexid(tid(2)).s)), 2);
    assert_int_equal(tf_done1(f, 3, 0, RAYC__TASK_STATUS__STATUS_APP_ERROR, "boom"), 1);
    pr = tf_pull(f, 1, 10, 0);
    rayc__pull_reply__free_unpacked(pr, NULL);
}

static void rows_and_order(void **state)
{
    tf_t *f = *state;
    five_tasks(f);
    rc_json_t *d = list(f, "detail=true");
    const rc_json_t *r = res(d), *rows = rc_json_get(r, "result");
    assert_int_equal(num(rc_json_get(r, "total")), 5);
    assert_int_equal(num(rc_json_get(r, "num_after_truncation")), 5);
    assert_int_equal(rc_json_len(rows), 5);
    /* Records newest first (5, 4, 3), then the history newest first (2, 1). */
    const int order[5] = {5, 4, 3, 2, 1};
    for (int i = 0; i < 5; i++)
        assert_string_equal(str(rc_json_get(rc_json_at(rows, (size_t)i), "task_id")),
                            hexid(tid(order[i])).s);
    const rc_json_t *t3 = rc_json_at(rows, 2), *t1 = rc_json_at(rows, 4);
    assert_string_equal(str(rc_json_get(t3, "state")), "FAILED");
    assert_string_equal(str(rc_json_get(t3, "error_type")), "TASK_EXECUTION_EXCEPTION");
    assert_string_equal(str(rc_json_get(t3, "name")), "noop");
    assert_string_equal(str(rc_json_get(t3, "type")), "NORMAL_TASK");
    assert_string_equal(str(rc_json_get(t3, "node_id")), hexid(nid(1)).s);
    assert_int_equal(num(rc_json_get(rc_json_get(t3, "required_resources"), "CPU")), 1);
    assert_int_equal(num(rc_json_get(t3, "creation_time_ms")), (int64_t)T0);
    assert_int_equal(num(rc_json_get(t3, "start_time_ms")), (int64_t)T0 + 7);
    assert_string_equal(str(rc_json_get(t1, "state")), "FINISHED");
    assert_int_equal(rc_json_type(rc_json_get(t1, "error_type")), RC_JSON_NULL);
    assert_int_equal(num(rc_json_get(t1, "end_time_ms")), (int64_t)T0 + 7);
    /* A running task has started and not ended. */
    const rc_json_t *t5 = rc_json_at(rows, 0);
    assert_string_equal(str(rc_json_get(t5, "state")), "RUNNING");
    assert_int_equal(num(rc_json_get(t5, "start_time_ms")), (int64_t)T0 + 7);
    assert_int_equal(rc_json_type(rc_json_get(t5, "end_time_ms")), RC_JSON_NULL);
    rc_json_free(d);
    /* Without detail, no detail fields. */
    d = list(f, "limit=1");
    rows = rc_json_get(res(d), "result");
    assert_int_equal(rc_json_len(rows), 1);
    assert_null(rc_json_get(rc_json_at(rows, 0), "creation_time_ms"));
    assert_int_equal(num(rc_json_get(res(d), "num_filtered")), 5);
    rc_json_free(d);
}

static void filters(void **state)
{
    tf_t *f = *state;
    five_tasks(f);
    rc_json_t *d = list(f, "filter_keys=state&filter_predicates=%3D&filter_values=finished");
    assert_int_equal(num(rc_json_get(res(d), "num_filtered")), 2);
    rc_json_free(d);
    d = list(f, "filter_keys=state&filter_predicates=!%3D&filter_values=FINISHED&limit=2");
    assert_int_equal(num(rc_json_get(res(d), "num_filtered")), 3);
    assert_int_equal(rc_json_len(rc_json_get(res(d), "result")), 2);
    rc_json_free(d);
    /* name and job_id are looked at before a row is written; the answer is the same. */
    d = list(f, "filter_keys=name&filter_predicates=%3D&filter_values=noop&filter_keys=job_id"
                "&filter_predicates=%3D&filter_values=null");
    assert_int_equal(num(rc_json_get(res(d), "num_filtered")), 5);
    rc_json_free(d);
    d = list(f, "filter_keys=name&filter_predicates=%3D&filter_values=NOOP");
    assert_int_equal(num(rc_json_get(res(d), "num_filtered")), 0);
    assert_int_equal(num(rc_json_get(res(d), "num_after_truncation")), 5);
    rc_json_free(d);
    char q[200];
    snprintf(q, sizeof(q), "filter_keys=task_id&filter_predicates=%%3D&filter_values=%s",
             hexid(tid(2)).s);
    d = list(f, q);
    assert_int_equal(num(rc_json_get(res(d), "num_filtered")), 1);
    rc_json_free(d);
}

static void history_bound_keeps_counts(void **state)
{
    tf_free(*state);
    setenv("RAY_task_events_max_num_task_in_gcs", "1", 1);
    tf_t *f = *state = tf_new();
    five_tasks(f);
    rc_json_t *d = list(f, "");
    const rc_json_t *r = res(d);
    assert_int_equal(num(rc_json_get(r, "total")), 5);
    assert_int_equal(num(rc_json_get(r, "num_after_truncation")), 4);
    assert_int_equal(rc_json_len(rc_json_get(r, "warnings")), 1);
    assert_non_null(strstr(str(rc_json_at(rc_json_get(r, "warnings"), 0)), "1 older"));
    rc_json_free(d);
    /* The summary's counts are exact all the same. */
    rc_buf_t out = RC_BUF_INIT;
    rc_task_plane_summary_json(f->p, &out);
    assert_int_equal(rc_json_parse(out.data, out.len, &d, NULL, 0), RC_OK);
    const rc_json_t *c = rc_json_get(rc_json_get(d, "node_id_to_summary"), "cluster");
    assert_int_equal(num(rc_json_get(c, "total_tasks")), 5);
    const rc_json_t *sc =
        rc_json_get(rc_json_get(rc_json_get(c, "summary"), "noop"), "state_counts");
    assert_int_equal(num(rc_json_get(sc, "FINISHED")), 2);
    assert_int_equal(num(rc_json_get(sc, "FAILED")), 1);
    assert_int_equal(num(rc_json_get(sc, "RUNNING")), 2);
    assert_null(rc_json_get(sc, "PENDING_NODE_ASSIGNMENT"));
    assert_string_equal(str(rc_json_get(c, "summary_by")), "func_name");
    rc_json_free(d);
    rc_buf_free(&out);
    unsetenv("RAY_task_events_max_num_task_in_gcs");
}

static void latency_and_objects(void **state)
{
    tf_t *f = *state;
    five_tasks(f);
    rc_task_stats_t st;
    rc_task_plane_stats(f->p, &st);
    /* Five tasks started, each 7 ms after it was ready: the (5 ms, 10 ms] bucket. */
    assert_int_equal(st.sched_latency.count, 5);
    assert_int_equal(st.sched_latency.sum_ms, 35);
    uint64_t n = 0;
    for (int i = 0; i <= RC_TASK_LAT_NBOUNDS; i++) n += st.sched_latency.bucket[i];
    assert_int_equal(n, 5);
    assert_int_equal(st.sched_latency.bucket[3], 5);
    /* The failed task's result is held; released ones are not. */
    rc_json_t *d = list_with(f, rc_task_plane_list_objects, rc_object_cols, "");
    const rc_json_t *rows = rc_json_get(res(d), "result");
    assert_int_equal(rc_json_len(rows), 1);
    assert_string_equal(str(rc_json_get(rc_json_at(rows, 0), "object_id")), hexid(tid(3)).s);
    assert_string_equal(str(rc_json_get(rc_json_at(rows, 0), "task_status")), "FAILED");
    assert_string_equal(str(rc_json_get(rc_json_at(rows, 0), "reference_type")), "LOCAL_REFERENCE");
    rc_json_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rows_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(filters, setup, teardown),
        cmocka_unit_test_setup_teardown(history_bound_keeps_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(latency_and_objects, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
