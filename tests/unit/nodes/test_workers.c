/* test_workers.c — the executors ("workers") a node lists in its ResourceReport,
 * as the node table keeps them (head/nodes): the rows of `ray list workers`
 * (rc_node_worker_to_json), replacement only by applied reports, survival of
 * re-registration and death (is_alive false), the per-node cap with its one
 * warning, refused entries, and a steady stream reusing the node's array. */
#include "nodes_harness.h"

#include <unistd.h>

#include "log.h"
#include "node_json.h"
#include "node_pb.h"

/* A worker entry of a report. */
typedef struct {
    uint8_t id[16];
    size_t idlen;
    int32_t pid;
    int busy;
    uint8_t task[16];
    size_t tasklen;
    uint64_t done;
    int64_t start;
} wk_t;

static void wk_default(wk_t *w, int k)
{
    memset(w, 0, sizeof(*w));
    memset(w->id, 0x10 + (k & 0x3f), 16);
    w->id[0] = (uint8_t)(k >> 8);
    w->id[1] = (uint8_t)k;
    w->idlen = 16;
    w->pid = 1000 + k;
    w->start = (int64_t)FX_T0 - 5000;
}

static void wk_busy(wk_t *w, uint8_t task_byte, uint64_t done)
{
    w->busy = 1;
    memset(w->task, task_byte, 16);
    w->tasklen = 16;
    w->done = done;
}

/* A ResourceReport of node k (available CPU 1) listing n workers; avail 0:
 * without available resources (a heartbeat only). */
static void report_workers_pack(int k, uint64_t seq, const wk_t *ws, size_t n, int avail,
                                rc_buf_t *out)
{
    Rayc__ResourceReport m;
    Rayc__Resources res;
    Rayc__ResourceAmount a, *pa[1] = {&a};
    uint8_t id[16];
    Rayc__WorkerInfo *items = calloc(n ? n : 1, sizeof(*items));
    Rayc__WorkerInfo **ptrs = calloc(n ? n : 1, sizeof(*ptrs));
    id_of(id, k);
    rayc__resource_report__init(&m);
    rayc__resources__init(&res);
    rayc__resource_amount__init(&a);
    a.name = "CPU";
    a.amount = RC_RES_UNITS(1);
    res.n_amounts = 1;
    res.amounts = pa;
    m.node_id.data = id;
    m.node_id.len = 16;
    m.seq = seq;
    if (avail) m.available = &res;
    for (size_t i = 0; i < n; i++) {
        rayc__worker_info__init(&items[i]);
        items[i].worker_id.data = (uint8_t *)ws[i].id;
        items[i].worker_id.len = ws[i].idlen;
        items[i].pid = ws[i].pid;
        items[i].busy = ws[i].busy;
        items[i].task_id.data = (uint8_t *)ws[i].task;
        items[i].task_id.len = ws[i].tasklen;
        items[i].tasks_done = ws[i].done;
        items[i].start_time_ms = ws[i].start;
        ptrs[i] = &items[i];
    }
    m.n_workers = n;
    m.workers = ptrs;
    rc_buf_clear(out);
    size_t len = rayc__resource_report__get_packed_size(&m);
    rc_buf_reserve(out, len);
    out->len = rayc__resource_report__pack(&m, (uint8_t *)out->data);
    free(items);
    free(ptrs);
}

static const char *report_workers(fx_t *f, int k, uint64_t seq, const wk_t *ws, size_t n, int avail)
{
    rc_buf_t pb = RC_BUF_INIT;
    report_workers_pack(k, seq, ws, n, avail, &pb);
    const char *r = fx_call_pb(f, "NODE.REPORT", &pb);
    rc_buf_free(&pb);
    return r;
}

static rc_node_t *node_of(fx_t *f, int k)
{
    rc_id_t id;
    id_of(id.b, k);
    rc_node_t *n = rc_node_table_get(f->t, &id);
    assert_non_null(n);
    return n;
}

/* Row i of node k, parsed (free with rc_json_free). */
static rc_json_t *row(fx_t *f, int k, size_t i)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_json_t *j = NULL;
    char err[128];
    rc_jw_init(&w, &b);
    rc_node_worker_to_json(node_of(f, k), i, &w);
    assert_true(rc_jw_done(&w));
    assert_int_equal(rc_json_parse(b.data, b.len, &j, err, sizeof(err)), RC_OK);
    rc_buf_free(&b);
    return j;
}

static int jbool(const rc_json_t *j, const char *key)
{
    const rc_json_t *v = rc_json_get(j, key);
    assert_non_null(v);
    assert_int_equal(rc_json_type(v), RC_JSON_BOOL);
    return rc_json_bool(v);
}

static int jnull(const rc_json_t *j, const char *key)
{
    const rc_json_t *v = rc_json_get(j, key);
    assert_non_null(v); /* present, even when null */
    return rc_json_type(v) == RC_JSON_NULL;
}

static void hex16(const uint8_t b[16], char out[33])
{
    rc_hex_encode(b, 16, out);
}

static void test_rows(void **state)
{
    fx_t *f = *state;
    char hex[33], node_hex[33];
    wk_t ws[2];
    fx_register(f, 1);
    assert_int_equal(rc_node_nworkers(node_of(f, 1)), 0); /* none before a report */
    wk_default(&ws[0], 1);
    wk_busy(&ws[0], 0x77, 41);
    wk_default(&ws[1], 2);
    ws[1].done = 3;
    assert_string_equal(report_workers(f, 1, 1, ws, 2, 1), "+OK\r\n");
    assert_int_equal(rc_node_nworkers(node_of(f, 1)), 2);

    rc_json_t *j = row(f, 1, 0);
    /* Exactly the fields of docs/dashboard.md, in order. */
    static const char *const keys[] = {"worker_id", "is_alive",  "worker_type", "exit_type",
                                       "node_id",   "ip",        "pid",         "state",
                                       "task_id",   "tasks_done"};
    assert_int_equal(rc_json_len(j), sizeof(keys) / sizeof(keys[0]));
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        assert_string_equal(rc_json_key_at(j, i, NULL), keys[i]);
    hex16(ws[0].id, hex);
    assert_string_equal(jstr(j, "worker_id"), hex);
    assert_true(jbool(j, "is_alive"));
    assert_string_equal(jstr(j, "worker_type"), "WORKER");
    assert_true(jnull(j, "exit_type"));
    hex_of(1, node_hex);
    assert_string_equal(jstr(j, "node_id"), node_hex);
    assert_string_equal(jstr(j, "ip"), "10.0.0.1");
    assert_int_equal(jint(j, "pid"), 1001);
    assert_string_equal(jstr(j, "state"), "BUSY");
    hex16(ws[0].task, hex);
    assert_string_equal(jstr(j, "task_id"), hex);
    assert_int_equal(jint(j, "tasks_done"), 41);
    rc_json_free(j);

    j = row(f, 1, 1);
    assert_string_equal(jstr(j, "state"), "IDLE");
    assert_true(jnull(j, "task_id"));
    assert_int_equal(jint(j, "pid"), 1002);
    assert_int_equal(jint(j, "tasks_done"), 3);
    rc_json_free(j);

    /* The record holds what the rows do not show. */
    assert_int_equal(node_of(f, 1)->workers.v[0].start_time_ms, (int64_t)FX_T0 - 5000);
}

static void test_replace(void **state)
{
    fx_t *f = *state;
    wk_t ws[3];
    fx_register(f, 1);
    for (int i = 0; i < 3; i++) wk_default(&ws[i], i + 1);
    assert_string_equal(report_workers(f, 1, 5, ws, 3, 1), "+OK\r\n");
    assert_int_equal(rc_node_nworkers(node_of(f, 1)), 3);

    /* A stale report (lower seq) and a heartbeat-only one change nothing. */
    assert_string_equal(report_workers(f, 1, 4, ws, 1, 1), "+OK\r\n");
    assert_int_equal(rc_node_nworkers(node_of(f, 1)), 3);
    assert_string_equal(report_workers(f, 1, 6, ws, 1, 0), "+OK\r\n");
    assert_int_equal(rc_node_nworkers(node_of(f, 1)), 3);
    /* The plain reports of the harness list no workers: an applied one empties the list. */
    assert_string_equal(fx_report(f, 1, RC_RES_UNITS(1), 2), "+OK\r\n"); /* stale */
    assert_int_equal(rc_node_nworkers(node_of(f, 1)), 3);

    /* An applied report replaces the whole list (same seq is applied, as for resources). */
    wk_busy(&ws[2], 0x42, 9);
    assert_string_equal(report_workers(f, 1, 5, &ws[2], 1, 1), "+OK\r\n");
    assert_int_equal(rc_node_nworkers(node_of(f, 1)), 1);
    rc_json_t *j = row(f, 1, 0);
    assert_string_equal(jstr(j, "state"), "BUSY");
    assert_int_equal(jint(j, "pid"), 1003);
    rc_json_free(j);

    /* A steady stream of equal-sized lists reuses the node's array. */
    const rc_node_worker_t *arr = node_of(f, 1)->workers.v;
    for (uint64_t seq = 7; seq < 20; seq++) {
        ws[2].done = seq;
        assert_string_equal(report_workers(f, 1, seq, &ws[2], 1, 1), "+OK\r\n");
    }
    assert_ptr_equal(node_of(f, 1)->workers.v, arr);
    j = row(f, 1, 0);
    assert_int_equal(jint(j, "tasks_done"), 19);
    rc_json_free(j);

    assert_string_equal(fx_report(f, 1, RC_RES_UNITS(1), 20), "+OK\r\n");
    assert_int_equal(rc_node_nworkers(node_of(f, 1)), 0);
}

static void test_lifecycle(void **state)
{
    fx_t *f = *state;
    char hex[RC_ID_HEX_LEN + 1];
    wk_t ws[2];
    fx_register(f, 1);
    fx_register(f, 2);
    wk_default(&ws[0], 1);
    wk_default(&ws[1], 2);
    assert_string_equal(report_workers(f, 1, 1, ws, 2, 1), "+OK\r\n");
    assert_string_equal(report_workers(f, 2, 1, ws, 1, 1), "+OK\r\n");

    /* Re-registration (a lost connection) keeps the list until the next report. */
    fx_register(f, 1);
    assert_int_equal(rc_node_nworkers(node_of(f, 1)), 2);

    /* DRAINING: still alive. */
    hex_of(1, hex);
    assert_string_equal(CALL("NODE.DRAIN", hex), ":1\r\n");
    rc_json_t *j = row(f, 1, 1);
    assert_true(jbool(j, "is_alive"));
    rc_json_free(j);

    /* DEAD: the last list stays, not alive. Health-check death of node 2 too. */
    assert_string_equal(CALL("NODE.UNREGISTER", hex), ":1\r\n");
    assert_int_equal(rc_node_nworkers(node_of(f, 1)), 2);
    for (size_t i = 0; i < 2; i++) {
        j = row(f, 1, i);
        assert_false(jbool(j, "is_alive"));
        rc_json_free(j);
    }
    for (int i = 0; i < 4; i++) {
        f->now += 1000;
        rc_node_table_check(f->t, f->now);
    }
    assert_int_equal(node_of(f, 2)->state, RC_NODE_DEAD);
    assert_int_equal(rc_node_nworkers(node_of(f, 2)), 1);
    j = row(f, 2, 0);
    assert_false(jbool(j, "is_alive"));
    rc_json_free(j);

    /* A dead node's reports are refused (NOTFOUND): the list does not change. */
    assert_true(strncmp(report_workers(f, 1, 9, ws, 1, 1), "-NOTFOUND", 9) == 0);
    assert_int_equal(rc_node_nworkers(node_of(f, 1)), 2);

    /* Back ALIVE after registering again: alive, with the list it had. */
    fx_register(f, 1);
    j = row(f, 1, 0);
    assert_true(jbool(j, "is_alive"));
    rc_json_free(j);
}

static size_t count_in_file(const char *path, const char *what)
{
    FILE *fp = fopen(path, "r");
    char line[1024];
    size_t n = 0;
    assert_non_null(fp);
    while (fgets(line, sizeof(line), fp))
        if (strstr(line, what)) n++;
    fclose(fp);
    return n;
}

static void test_cap(void **state)
{
    fx_t *f = *state;
    size_t n = RC_NODE_MAX_WORKERS + 6;
    wk_t *ws = calloc(n, sizeof(*ws));
    char logpath[] = "/tmp/rc_test_workers_XXXXXX";
    int fd = mkstemp(logpath);
    assert_true(fd >= 0);
    close(fd);
    for (size_t i = 0; i < n; i++) wk_default(&ws[i], (int)i);
    /* Entries beyond the cap are ignored, not even checked. */
    ws[n - 1].idlen = 3;
    fx_register(f, 1);
    fx_register(f, 2);

    rc_log_level_t level = rc_log_get_level();
    rc_log_set_level(RC_LOG_WARN);
    rc_log_set_stderr(0);
    assert_int_equal(rc_log_open_file(logpath), RC_OK);
    for (uint64_t seq = 1; seq <= 3; seq++) {
        assert_string_equal(report_workers(f, 1, seq, ws, n, 1), "+OK\r\n");
        assert_string_equal(report_workers(f, 2, seq, ws, n, 1), "+OK\r\n");
    }
    rc_log_close();
    rc_log_set_stderr(1);
    rc_log_set_level(level);

    assert_int_equal(rc_node_nworkers(node_of(f, 1)), RC_NODE_MAX_WORKERS);
    assert_int_equal(rc_node_nworkers(node_of(f, 2)), RC_NODE_MAX_WORKERS);
    rc_json_t *j = row(f, 1, RC_NODE_MAX_WORKERS - 1);
    assert_int_equal(jint(j, "pid"), 1000 + RC_NODE_MAX_WORKERS - 1);
    rc_json_free(j);
    /* One warning per node, not one per report. */
    assert_int_equal(count_in_file(logpath, "only the first 1024 are kept"), 2);
    unlink(logpath);
    free(ws);
}

static void test_refused(void **state)
{
    fx_t *f = *state;
    wk_t ws[2];
    fx_register(f, 1);
    wk_default(&ws[0], 1);
    wk_default(&ws[1], 2);
    assert_string_equal(report_workers(f, 1, 1, ws, 2, 1), "+OK\r\n");

    ws[1].idlen = 15;
    assert_string_equal(report_workers(f, 1, 2, ws, 2, 1),
                        "-ERR NODE.REPORT refused: workers[1]: worker_id must be 16 bytes, got "
                        "15: send the executor's 128-bit id as raw bytes\r\n");
    wk_default(&ws[1], 2);
    ws[1].tasklen = 4;
    ws[1].busy = 1;
    const char *r = report_workers(f, 1, 2, ws, 2, 1);
    assert_non_null(strstr(r, "workers[1]: task_id must be 16 bytes (or empty when idle), got 4"));
    wk_default(&ws[1], 2);
    ws[1].pid = -1;
    r = report_workers(f, 1, 2, ws, 2, 1);
    assert_non_null(strstr(r, "workers[1]: pid is negative"));
    wk_default(&ws[1], 2);
    ws[1].start = -1;
    r = report_workers(f, 1, 2, ws, 2, 1);
    assert_non_null(strstr(r, "workers[1]: start_time_ms is negative"));

    /* Nothing of a refused report was applied. */
    assert_int_equal(rc_node_nworkers(node_of(f, 1)), 2);
    assert_int_equal(node_of(f, 1)->workers.v[1].pid, 1002);
    assert_int_equal(node_of(f, 1)->last_seq, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rows, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_replace, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_cap, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refused, fx_setup, fx_teardown),
    };
    rc_log_set_level(RC_LOG_WARN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
