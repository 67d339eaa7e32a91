/* test_idle.c — idle_duration_ms (head/nodes): the idle clock starts at the first
 * report (or registration) that finds every available amount equal to its
 * total and no busy worker, stops at the first that does not, grows with
 * heartbeats, survives a re-registration, ignores stale reports, reads 0 once
 * the node is DEAD, and is shown by NODE.GET/NODE.LIST JSON. */
#include "nodes_harness.h"

#include "log.h"
#include "node_json.h"

#define GiB INT64_C(1073741824)

/* A ResourceReport of node k: available CPU (fixed point) and memory 1 GiB (what
 * info_default registers), optionally one busy worker; cpu == -1: a heartbeat
 * only. */
static void report_full_pack(int k, int64_t cpu, int busy_worker, uint64_t seq, rc_buf_t *out)
{
    Rayc__ResourceReport m;
    Rayc__Resources avail;
    Rayc__ResourceAmount a[2], *pa[2] = {&a[0], &a[1]};
    Rayc__WorkerInfo wi, *pw[1] = {&wi};
    uint8_t id[16], wid[16], tid[16];
    id_of(id, k);
    memset(wid, 0x33, sizeof(wid));
    memset(tid, 0x44, sizeof(tid));
    rayc__resource_report__init(&m);
    rayc__resources__init(&avail);
    rayc__resource_amount__init(&a[0]);
    rayc__resource_amount__init(&a[1]);
    a[0].name = "CPU";
    a[0].amount = cpu;
    a[1].name = "memory";
    a[1].amount = RC_RES_UNITS(GiB);
    avail.n_amounts = 2;
    avail.amounts = pa;
    m.node_id.data = id;
    m.node_id.len = 16;
    m.seq = seq;
    if (cpu != -1) m.available = &avail;
    rayc__worker_info__init(&wi);
    wi.worker_id.data = wid;
    wi.worker_id.len = 16;
    wi.pid = 77;
    wi.busy = busy_worker;
    if (busy_worker) {
        wi.task_id.data = tid;
        wi.task_id.len = 16;
    }
    m.n_workers = 1;
    m.workers = pw;
    rc_buf_clear(out);
    size_t n = rayc__resource_report__get_packed_size(&m);
    rc_buf_reserve(out, n);
    out->len = rayc__resource_report__pack(&m, (uint8_t *)out->data);
}

static void report(fx_t *f, int k, int64_t cpu, int busy, uint64_t seq)
{
    rc_buf_t pb = RC_BUF_INIT;
    report_full_pack(k, cpu, busy, seq, &pb);
    const char *r = fx_call_pb(f, "NODE.REPORT", &pb);
    assert_true(strcmp(r, "+OK\r\n") == 0 || strcmp(r, "+DRAIN\r\n") == 0);
    rc_buf_free(&pb);
}

static int64_t idle_of(fx_t *f, int k)
{
    rc_json_t *j = fx_get_json(f, k);
    assert_non_null(j);
    int64_t v = jint(j, "idle_duration_ms");
    rc_json_free(j);
    return v;
}

static void test_idle_clock(void **state)
{
    fx_t *f = *state;
    fx_register(f, 1); /* CPU 2, memory 1 GiB, everything available */
    assert_int_equal(idle_of(f, 1), 0);
    f->now += 500;
    report(f, 1, RC_RES_UNITS(2), 0, 1);
    assert_int_equal(idle_of(f, 1), 500);
    /* Heartbeats move last_report_ms, so the idle time grows with them. */
    f->now += 700;
    report(f, 1, -1, 0, 2);
    assert_int_equal(idle_of(f, 1), 1200);

    /* One CPU in use: busy, 0. */
    f->now += 100;
    report(f, 1, RC_RES_UNITS(1), 1, 3);
    assert_int_equal(idle_of(f, 1), 0);
    assert_int_equal(rc_node_table_first(f->t)->idle_since_ms, 0);
    /* A stale report (lower seq) showing it idle changes nothing. */
    f->now += 100;
    report(f, 1, RC_RES_UNITS(2), 0, 2);
    assert_int_equal(idle_of(f, 1), 0);
    /* Everything available but a worker still busy: not idle either. */
    report(f, 1, RC_RES_UNITS(2), 1, 4);
    assert_int_equal(idle_of(f, 1), 0);

    /* Idle again: counted from this report, not from the first idle period. */
    f->now += 1000;
    uint64_t idle_from = f->now;
    report(f, 1, RC_RES_UNITS(2), 0, 5);
    assert_int_equal(idle_of(f, 1), 0);
    f->now += 2500;
    report(f, 1, RC_RES_UNITS(2), 0, 6);
    assert_int_equal(idle_of(f, 1), (int64_t)(f->now - idle_from));
}

static void test_idle_register_drain_dead(void **state)
{
    fx_t *f = *state;
    char hex[RC_ID_HEX_LEN + 1];
    fx_register(f, 1);
    f->now += 1000;
    report(f, 1, RC_RES_UNITS(2), 0, 1);
    assert_int_equal(idle_of(f, 1), 1000);
    /* A re-registration (lost connection) of an idle node keeps its clock. */
    f->now += 1000;
    fx_register(f, 1);
    assert_int_equal(idle_of(f, 1), 2000);

    /* DRAINING nodes keep reporting: the value stays meaningful. */
    hex_of(1, hex);
    assert_string_equal(CALL("NODE.DRAIN", hex, "idle for 2s"), ":1\r\n");
    f->now += 500;
    report(f, 1, RC_RES_UNITS(2), 0, 2);
    assert_int_equal(idle_of(f, 1), 2500);
    /* DEAD: 0, and a later registration of the same id starts a new clock. */
    assert_string_equal(CALL("NODE.UNREGISTER", hex), ":1\r\n");
    assert_int_equal(idle_of(f, 1), 0);
    f->now += 100;
    fx_register(f, 1);
    assert_int_equal(idle_of(f, 1), 0);
    f->now += 300;
    report(f, 1, RC_RES_UNITS(2), 0, 3);
    assert_int_equal(idle_of(f, 1), 300);

    /* NODE.LIST JSON carries the field for every node. */
    fx_register(f, 2);
    const char *r = CALL("NODE.LIST", "JSON");
    rc_json_t *arr = NULL;
    assert_int_equal(
        rc_json_parse(strstr(r, "\r\n") + 2, (size_t)strtol(r + 1, NULL, 10), &arr, NULL, 0),
        RC_OK);
    assert_int_equal(rc_json_len(arr), 2);
    assert_int_equal(jint(rc_json_at(arr, 0), "idle_duration_ms"), 300);
    assert_int_equal(jint(rc_json_at(arr, 1), "idle_duration_ms"), 0);
    rc_json_free(arr);
}

int main(void)
{
    rc_log_set_level(RC_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_idle_clock, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_idle_register_drain_dead, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
