/* test_nodes.c — the node table through its commands, with a fake clock and no
 * storage: registration (and every refusal with its text), re-registration,
 * reports, drain, unregister, health checks, the dead-node cap, the JSON and
 * protobuf views, CLUSTER.STATUS and the RAY_health_check_* variables. The
 * storage round trip is in test_nodes_store.c. */
#include "nodes_harness.h"

#include "log.h"
#include "node_pb.h"

static int has_event(fx_t *f, const char *event, int k)
{
    char hex[RC_ID_HEX_LEN + 1], want[96];
    hex_of(k, hex);
    snprintf(want, sizeof(want), "\"event\":\"%s\",\"node_id\":\"%s\"", event, hex);
    for (size_t i = 0; i < f->nevents; i++)
        if (strstr(f->events[i], want)) return 1;
    return 0;
}

static void test_register(void **state)
{
    fx_t *f = *state;
    fx_register(f, 1);
    assert_int_equal(rc_node_table_size(f->t), 1);
    assert_int_equal(f->nevents, 1);
    assert_true(has_event(f, "NODE_ADDED", 1));

    /* The event is JSON with every field of the contract. */
    rc_json_t *ev = NULL;
    assert_int_equal(rc_json_parse(f->events[0], strlen(f->events[0]), &ev, NULL, 0), RC_OK);
    assert_string_equal(jstr(ev, "group"), "default");
    assert_string_equal(jstr(ev, "node_ip"), "10.0.0.1");
    assert_string_equal(jstr(ev, "state"), "ALIVE");
    assert_string_equal(jstr(ev, "reason"), "");
    assert_int_equal(jint(ev, "time_ms"), (int64_t)FX_T0);
    rc_json_free(ev);

    rc_json_t *j = fx_get_json(f, 1);
    assert_non_null(j);
    assert_string_equal(jstr(j, "state"), "ALIVE");
    assert_string_equal(jstr(j, "hostname"), "worker-1");
    assert_int_equal(jint(j, "last_report_ms"), (int64_t)FX_T0);
    /* Without available resources in the NodeInfo, everything is available. */
    assert_int_equal(jint(rc_json_get(j, "resources_available"), "CPU"), 2);
    rc_json_free(j);
    assert_null(fx_get_json(f, 2));
}

static void test_register_again(void **state)
{
    fx_t *f = *state;
    info_t i;
    rc_buf_t pb = RC_BUF_INIT;
    fx_register(f, 1);
    fx_register(f, 2);
    info_default(&i, 1);
    i.hostname = "worker-1-again";
    info_pack(&i, &pb);
    f->now += 10;
    assert_string_equal(fx_call_pb(f, "NODE.REGISTER", &pb), REG_OK);
    assert_int_equal(rc_node_table_size(f->t), 2);
    assert_true(has_event(f, "NODE_RECONNECTED", 1));
    rc_json_t *j = fx_get_json(f, 1);
    assert_string_equal(jstr(j, "hostname"), "worker-1-again");
    rc_json_free(j);
    /* Registration order is kept. */
    rc_node_t *n = rc_node_table_first(f->t);
    assert_int_equal(n->id.b[15], 1);
    assert_int_equal(n->next->id.b[15], 2);
    assert_null(n->next->next);
    rc_node_stats_t s;
    rc_node_table_stats(f->t, &s);
    assert_int_equal(s.alive, 2);
    assert_int_equal(s.registrations, 3);
    rc_buf_free(&pb);
}

/* Registers a modified NodeInfo and checks the reply starts with prefix and
 * contains what; nothing may be registered. */
static void refuse(fx_t *f, const info_t *i, const char *prefix, const char *what)
{
    rc_buf_t pb = RC_BUF_INIT;
    info_pack(i, &pb);
    const char *r = fx_call_pb(f, "NODE.REGISTER", &pb);
    if (strncmp(r, prefix, strlen(prefix)) != 0 || !strstr(r, what))
        fail_msg("got %s, want %s...%s", r, prefix, what);
    assert_ptr_equal(strstr(r, "\r\n"), r + strlen(r) - 2); /* one line */
    assert_int_equal(rc_node_table_size(f->t), 0);
    rc_buf_free(&pb);
}

#define REFUSED "-ERR NODE.REGISTER refused: "

static void test_register_refused(void **state)
{
    fx_t *f = *state;
    info_t i;
    char longgroup[70], keys[80][8];

    const char *garbage = "\xff\xff\xff\xff";
    const char *argv[2] = {"NODE.REGISTER", garbage};
    size_t argl[2] = {13, 4};
    assert_string_equal(fx_callv(f, 2, argv, argl),
                        REFUSED "payload (4 bytes) is not a serialized NodeInfo: send "
                                "shared/proto/node.proto's NodeInfo\r\n");

    info_default(&i, 1);
    i.idlen = 15;
    refuse(f, &i, REFUSED, "node_id must be 16 bytes, got 15");
    info_default(&i, 1);
    memset(i.id, 0, 16);
    refuse(f, &i, REFUSED, "node_id is all zeros");

    info_default(&i, 1);
    i.protocol_version = RC_NODE_PROTOCOL_VERSION + 1;
    refuse(f, &i, "-NODEVERSION ", "newer than this head's (1): upgrade the head");
    info_default(&i, 1);
    i.protocol_version = 0;
    refuse(f, &i, "-NODEVERSION ", "protocol_version is not set");

    info_default(&i, 1);
    i.res_amounts[0] = -RC_RES_UNITS(1);
    refuse(f, &i, REFUSED, "total resources: CPU is negative (-1)");
    info_default(&i, 1);
    i.res_amounts[0] = RC_RES_MAX + 1;
    refuse(f, &i, REFUSED, "total resources: CPU is too large");
    info_default(&i, 1);
    i.res_names[0] = "bad name";
    refuse(f, &i, REFUSED, "invalid resource name \"bad name\"");
    info_default(&i, 1);
    i.res_names[1] = "CPU";
    refuse(f, &i, REFUSED, "CPU is listed twice");
    info_default(&i, 1);
    i.no_total = 1;
    refuse(f, &i, REFUSED, "total resources are empty");
    info_default(&i, 1);
    i.res_amounts[0] = i.res_amounts[1] = 0;
    refuse(f, &i, REFUSED, "total resources are empty");

    info_default(&i, 1);
    i.group = "";
    refuse(f, &i, REFUSED, "group is empty");
    info_default(&i, 1);
    i.group = "gpu workers";
    refuse(f, &i, REFUSED, "group \"gpu workers\" is invalid: use 1 to 63 of [A-Za-z0-9_.-]");
    memset(longgroup, 'g', 64);
    longgroup[64] = '\0';
    info_default(&i, 1);
    i.group = longgroup;
    refuse(f, &i, REFUSED, "is invalid");
    info_default(&i, 1);
    i.group = "a\r\nb";
    refuse(f, &i, REFUSED, "group \"a??b\" is invalid"); /* no CRLF in the reply */

    info_default(&i, 1);
    for (size_t k = 0; k < 65; k++) {
        snprintf(keys[k], sizeof(keys[k]), "k%zu", k);
        i.label_keys[k] = keys[k];
        i.label_values[k] = "v";
    }
    i.nlabels = 65;
    refuse(f, &i, REFUSED, "too many labels (65): at most 64");
    i.nlabels = 64;
    i.label_keys[1] = "k0";
    refuse(f, &i, REFUSED, "label k0 is given twice");
    info_default(&i, 1);
    i.label_keys[0] = "";
    refuse(f, &i, REFUSED, "label key \"\" is invalid");
    info_default(&i, 1);
    i.hostname = "a\tb";
    refuse(f, &i, REFUSED, "hostname contains control characters");
    info_default(&i, 1);
    i.start_time_ms = -5;
    refuse(f, &i, REFUSED, "start_time_ms is negative");
    assert_int_equal(f->nevents, 0);

    /* 64 labels are fine. */
    info_default(&i, 1);
    for (size_t k = 0; k < 64; k++) {
        i.label_keys[k] = keys[k];
        i.label_values[k] = "v";
    }
    i.nlabels = 64;
    rc_buf_t pb = RC_BUF_INIT;
    info_pack(&i, &pb);
    assert_string_equal(fx_call_pb(f, "NODE.REGISTER", &pb), REG_OK);
    rc_buf_free(&pb);
    assert_string_equal(CALL("NODE.REGISTER"),
                        "-ERR wrong number of arguments for 'node.register' command\r\n");
}

static void test_report(void **state)
{
    fx_t *f = *state;
    char hex[RC_ID_HEX_LEN + 1];
    fx_register(f, 1);
    f->now += 100;
    assert_string_equal(fx_report(f, 1, RC_RES_UNITS(1) / 2, 1), "+OK\r\n");
    rc_json_t *j = fx_get_json(f, 1);
    assert_int_equal(jint(j, "last_report_ms"), (int64_t)FX_T0 + 100);
    assert_true(rc_json_num(rc_json_get(rc_json_get(j, "resources_available"), "CPU")) == 0.5);
    /* Available memory was not reported: it is absent (0) now. */
    assert_null(rc_json_get(rc_json_get(j, "resources_available"), "memory"));
    rc_json_free(j);

    /* A stale report (lower seq) is a heartbeat only; one without resources too. */
    f->now += 100;
    assert_string_equal(fx_report(f, 1, RC_RES_UNITS(2), 0), "+OK\r\n");
    assert_string_equal(fx_report(f, 1, -1, 5), "+OK\r\n");
    rc_node_t *n = rc_node_table_first(f->t);
    assert_int_equal(n->available.cpu, RC_RES_UNITS(1) / 2);
    assert_int_equal(n->last_report_ms, (int64_t)FX_T0 + 200);
    assert_string_equal(fx_report(f, 1, 0, 6), "+OK\r\n");
    assert_int_equal(n->available.cpu, 0);

    hex_of(7, hex);
    char want[160];
    snprintf(want, sizeof(want), "-NOTFOUND node %s is not registered: register again\r\n", hex);
    assert_string_equal(fx_report(f, 7, 0, 1), want);

    const char *r = fx_report(f, 1, -RC_RES_UNITS(1), 9);
    assert_non_null(strstr(r, "-ERR NODE.REPORT refused: available resources: CPU is negative"));
    const char *argv[2] = {"NODE.REPORT", "\x0a\x03xyz"};
    size_t argl[2] = {11, 5};
    assert_non_null(strstr(fx_callv(f, 2, argv, argl), "node_id must be 16 bytes, got 3"));
    rc_node_stats_t s;
    rc_node_table_stats(f->t, &s);
    assert_int_equal(s.reports, 4);
    /* Reports are not events. */
    assert_int_equal(f->nevents, 1);
}

static void test_drain_unregister(void **state)
{
    fx_t *f = *state;
    char hex[RC_ID_HEX_LEN + 1], unknown[RC_ID_HEX_LEN + 1];
    hex_of(1, hex);
    hex_of(9, unknown);
    fx_register(f, 1);
    assert_string_equal(CALL("NODE.DRAIN", hex, "scale down"), ":1\r\n");
    assert_true(has_event(f, "NODE_DRAINING", 1));
    assert_string_equal(CALL("NODE.DRAIN", hex), ":1\r\n"); /* already draining */
    assert_string_equal(CALL("NODE.DRAIN", unknown), ":0\r\n");
    assert_string_equal(fx_report(f, 1, RC_RES_UNITS(2), 1), "+DRAIN\r\n");
    rc_json_t *j = fx_get_json(f, 1);
    assert_string_equal(jstr(j, "state"), "DRAINING");
    assert_string_equal(jstr(j, "death_reason"), "scale down");
    rc_json_free(j);

    /* A reconnecting node stays DRAINING: the drain is not lost. */
    fx_register(f, 1);
    assert_true(has_event(f, "NODE_RECONNECTED", 1));
    assert_string_equal(fx_report(f, 1, RC_RES_UNITS(2), 1), "+DRAIN\r\n");

    f->now += 1000;
    assert_string_equal(CALL("NODE.UNREGISTER", hex), ":1\r\n");
    assert_true(has_event(f, "NODE_DEAD", 1));
    j = fx_get_json(f, 1);
    assert_string_equal(jstr(j, "state"), "DEAD");
    assert_string_equal(jstr(j, "death_reason"), "drained");
    assert_int_equal(jint(j, "end_time_ms"), (int64_t)FX_T0 + 1000);
    assert_int_equal(rc_json_len(rc_json_get(j, "resources_available")), 0);
    rc_json_free(j);
    assert_string_equal(CALL("NODE.UNREGISTER", hex), ":0\r\n");
    assert_string_equal(CALL("NODE.DRAIN", hex), ":0\r\n");
    assert_non_null(strstr(fx_report(f, 1, 0, 2), "-NOTFOUND node "));

    /* Unregister with a reason; then argument errors. */
    fx_register(f, 2);
    char hex2[RC_ID_HEX_LEN + 1];
    hex_of(2, hex2);
    assert_string_equal(CALL("NODE.UNREGISTER", hex2, "preempted"), ":1\r\n");
    j = fx_get_json(f, 2);
    assert_string_equal(jstr(j, "death_reason"), "preempted");
    rc_json_free(j);
    assert_string_equal(CALL("NODE.DRAIN", "xyz"),
                        "-ERR invalid node id (3 bytes): expected 32 hex digits as NODE.LIST "
                        "shows them\r\n");
    assert_string_equal(CALL("NODE.DRAIN", hex, "a", "b"), "-ERR syntax error\r\n");
    assert_string_equal(CALL("NODE.LIST", "XML"), "-ERR syntax error\r\n");
    assert_string_equal(CALL("NODE.GET", hex, "JSON", "x"), "-ERR syntax error\r\n");
}

static void test_health(void **state)
{
    fx_t *f = *state;
    fx_register(f, 1); /* silent after registering */
    fx_register(f, 2); /* reports every 500 ms */
    fx_clear_events(f);
    for (int tick = 1; tick <= 8; tick++) {
        f->now += 500;
        assert_string_equal(fx_report(f, 2, RC_RES_UNITS(1), (uint64_t)tick), "+OK\r\n");
        if (tick % 2 == 0) rc_node_table_check(f->t, f->now);
    }
    /* Checks at +1000 (registration heard), +2000, +3000, +4000: the 3rd failure kills. */
    rc_node_t *n1 = rc_node_table_get(f->t, &(rc_id_t){{0xab, [15] = 1}});
    assert_non_null(n1);
    assert_int_equal(n1->state, RC_NODE_DEAD);
    assert_string_equal(n1->death_reason, "health check failed: no report for 4000 ms");
    assert_int_equal(n1->end_time_ms, (int64_t)FX_T0 + 4000);
    assert_int_equal(f->nevents, 1);
    assert_true(has_event(f, "NODE_DEAD", 1));
    assert_non_null(
        strstr(f->events[0], "\"reason\":\"health check failed: no report for 4000 ms\""));
    rc_json_t *j = fx_get_json(f, 2);
    assert_string_equal(jstr(j, "state"), "ALIVE");
    rc_json_free(j);

    /* A report resets the count: fail, fail, report, fail, fail keeps it alive. */
    fx_register(f, 3);
    rc_node_table_check(f->t, f->now += 1000); /* heard (registration) */
    rc_node_table_check(f->t, f->now += 1000); /* 1 */
    rc_node_table_check(f->t, f->now += 1000); /* 2 */
    fx_report(f, 3, RC_RES_UNITS(1), 1);
    rc_node_table_check(f->t, f->now += 1000); /* heard */
    rc_node_table_check(f->t, f->now += 1000); /* 1 */
    rc_node_table_check(f->t, f->now += 1000); /* 2 */
    j = fx_get_json(f, 3);
    assert_string_equal(jstr(j, "state"), "ALIVE");
    rc_json_free(j);
    rc_node_table_check(f->t, f->now += 1000); /* 3: dead */
    j = fx_get_json(f, 3);
    assert_string_equal(jstr(j, "state"), "DEAD");
    rc_json_free(j);

    /* A DRAINING node is checked too. */
    fx_register(f, 4);
    char hex[RC_ID_HEX_LEN + 1];
    hex_of(4, hex);
    assert_string_equal(CALL("NODE.DRAIN", hex), ":1\r\n");
    for (int k = 0; k < 4; k++) rc_node_table_check(f->t, f->now += 1000);
    j = fx_get_json(f, 4);
    assert_string_equal(jstr(j, "state"), "DEAD");
    assert_non_null(strstr(jstr(j, "death_reason"), "health check failed"));
    rc_json_free(j);

    /* Re-registration after death: ALIVE again, reason and end time cleared. */
    fx_clear_events(f);
    fx_register(f, 1);
    assert_true(has_event(f, "NODE_RECONNECTED", 1));
    j = fx_get_json(f, 1);
    assert_string_equal(jstr(j, "state"), "ALIVE");
    assert_string_equal(jstr(j, "death_reason"), "");
    assert_int_equal(jint(j, "end_time_ms"), 0);
    rc_json_free(j);
    assert_string_equal(fx_report(f, 1, RC_RES_UNITS(1), 1), "+OK\r\n");
    rc_node_stats_t s;
    rc_node_table_stats(f->t, &s);
    /* Node 2 stopped reporting after the first phase and died meanwhile. */
    assert_int_equal(s.alive, 1);
    assert_int_equal(s.dead, 3);
    assert_int_equal(s.deaths, 4);
}

static void test_dead_cap(void **state)
{
    (void)state;
    rc_node_opts_t o;
    fx_opts(&o);
    o.max_dead = 3;
    fx_t *f = fx_new(&o, NULL);
    char hex[RC_ID_HEX_LEN + 1];
    for (int k = 1; k <= 6; k++) fx_register(f, k);
    for (int k = 1; k <= 5; k++) {
        hex_of(k, hex);
        f->now += 1;
        assert_string_equal(CALL("NODE.UNREGISTER", hex), ":1\r\n");
    }
    assert_int_equal(rc_node_table_size(f->t), 4);
    for (int k = 1; k <= 2; k++) assert_null(fx_get_json(f, k));
    for (int k = 3; k <= 6; k++) {
        rc_json_t *j = fx_get_json(f, k);
        assert_non_null(j);
        rc_json_free(j);
    }
    /* A dead node that rejoins leaves the dead list: it is not dropped later. */
    fx_register(f, 3);
    for (int k = 6; k <= 9; k++) {
        if (k > 6) fx_register(f, k);
        hex_of(k, hex);
        assert_string_equal(CALL("NODE.UNREGISTER", hex), ":1\r\n");
    }
    rc_json_t *j = fx_get_json(f, 3);
    assert_non_null(j);
    assert_string_equal(jstr(j, "state"), "ALIVE");
    rc_json_free(j);
    rc_node_stats_t s;
    rc_node_table_stats(f->t, &s);
    assert_int_equal(s.dead, 3);
    assert_int_equal(s.alive, 1);
    assert_int_equal(rc_node_table_size(f->t), 4);
    fx_free(f);

    /* A health check that kills a node whose successor in the list is the oldest
     * dead record: the walk must not visit the dropped record. */
    o.max_dead = 1;
    f = fx_new(&o, NULL);
    fx_register(f, 1);
    fx_register(f, 2);
    hex_of(2, hex);
    assert_string_equal(CALL("NODE.UNREGISTER", hex), ":1\r\n");
    for (int k = 0; k < 4; k++) rc_node_table_check(f->t, f->now += 1000);
    assert_int_equal(rc_node_table_size(f->t), 1);
    assert_null(fx_get_json(f, 2));
    j = fx_get_json(f, 1);
    assert_string_equal(jstr(j, "state"), "DEAD");
    rc_json_free(j);
    fx_free(f);
}

static void test_list_json(void **state)
{
    fx_t *f = *state;
    info_t i;
    rc_buf_t pb = RC_BUF_INIT;
    fx_register(f, 1);
    info_default(&i, 2);
    i.group = "gpu";
    i.res_names[2] = "GPU";
    i.res_amounts[2] = RC_RES_UNITS(1);
    i.res_names[3] = "accel.v1";
    i.res_amounts[3] = RC_RES_UNITS(1) / 4;
    i.nres = 4;
    info_pack(&i, &pb);
    assert_string_equal(fx_call_pb(f, "NODE.REGISTER", &pb), REG_OK);
    fx_register(f, 3);
    char hex3[RC_ID_HEX_LEN + 1];
    hex_of(3, hex3);
    CALL("NODE.UNREGISTER", hex3);

    const char *r = CALL("NODE.LIST", "JSON");
    assert_true(r[0] == '$');
    rc_json_t *arr = NULL;
    assert_int_equal(
        rc_json_parse(strstr(r, "\r\n") + 2, (size_t)strtol(r + 1, NULL, 10), &arr, NULL, 0),
        RC_OK);
    assert_int_equal(rc_json_type(arr), RC_JSON_ARRAY);
    assert_int_equal(rc_json_len(arr), 3);
    const rc_json_t *n = rc_json_at(arr, 1);
    static const char *const keys[] = {"node_id",        "node_ip",         "hostname",
                                       "group",          "state",           "is_head_node",
                                       "labels",         "resources_total", "resources_available",
                                       "start_time_ms",  "end_time_ms",     "death_reason",
                                       "object_port",    "version",         "pid",
                                       "last_report_ms", "idle_duration_ms"};
    assert_int_equal(rc_json_len(n), sizeof(keys) / sizeof(keys[0]));
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
        assert_non_null(rc_json_get(n, keys[k]));
    char hex2[RC_ID_HEX_LEN + 1];
    hex_of(2, hex2);
    assert_string_equal(jstr(n, "node_id"), hex2);
    assert_string_equal(jstr(n, "group"), "gpu");
    assert_int_equal(rc_json_type(rc_json_get(n, "is_head_node")), RC_JSON_BOOL);
    assert_false(rc_json_bool(rc_json_get(n, "is_head_node")));
    assert_string_equal(jstr(rc_json_get(n, "labels"), "zone"), "a");
    const rc_json_t *tot = rc_json_get(n, "resources_total");
    assert_int_equal(jint(tot, "CPU"), 2);
    assert_int_equal(jint(tot, "GPU"), 1);
    assert_int_equal(jint(tot, "memory"), 1073741824);
    assert_true(rc_json_num(rc_json_get(tot, "accel.v1")) == 0.25);
    assert_int_equal(jint(n, "pid"), 4242);
    assert_string_equal(jstr(n, "version"), "0.1.0");
    assert_int_equal(jint(n, "start_time_ms"), (int64_t)FX_T0 - 1000 + 2);
    assert_string_equal(jstr(rc_json_at(arr, 2), "state"), "DEAD");
    rc_json_free(arr);

    /* Without JSON: NodeInfo bulks that decode to the same records. */
    r = CALL("NODE.LIST");
    assert_memory_equal(r, "*3\r\n", 4);
    const char *p = r + 4;
    for (int k = 0; k < 3; k++) {
        size_t len = (size_t)strtol(p + 1, NULL, 10);
        const char *body = strstr(p, "\r\n") + 2;
        Rayc__NodeInfo *m = rayc__node_info__unpack(NULL, len, (const uint8_t *)body);
        assert_non_null(m);
        assert_int_equal(m->node_id.len, 16);
        assert_int_equal(m->node_id.data[15], k + 1);
        assert_int_equal(m->state,
                         k == 2 ? RAYC__NODE_STATE__NODE_DEAD : RAYC__NODE_STATE__NODE_ALIVE);
        if (k < 2) {
            assert_non_null(m->available);
            assert_int_equal(m->last_report_ms, (int64_t)FX_T0);
        }
        rayc__node_info__free_unpacked(m, NULL);
        p = body + len + 2;
    }
    assert_int_equal(p - r, (long)f->out.len);
    char hex1[RC_ID_HEX_LEN + 1];
    hex_of(1, hex1);
    r = CALL("NODE.GET", hex1);
    assert_true(r[0] == '$' && r[1] != '-');

    /* CLUSTER.STATUS: counts by state and group, sums over the live nodes. */
    r = CALL("CLUSTER.STATUS");
    rc_json_t *st = NULL;
    assert_int_equal(
        rc_json_parse(strstr(r, "\r\n") + 2, (size_t)strtol(r + 1, NULL, 10), &st, NULL, 0), RC_OK);
    const rc_json_t *nodes = rc_json_get(st, "nodes");
    assert_int_equal(jint(nodes, "alive"), 2);
    assert_int_equal(jint(nodes, "draining"), 0);
    assert_int_equal(jint(nodes, "dead"), 1);
    const rc_json_t *groups = rc_json_get(st, "groups");
    assert_int_equal(rc_json_len(groups), 2);
    assert_string_equal(rc_json_key_at(groups, 0, NULL), "default");
    assert_string_equal(rc_json_key_at(groups, 1, NULL), "gpu");
    assert_int_equal(jint(rc_json_get(groups, "default"), "alive"), 1);
    assert_int_equal(jint(rc_json_get(groups, "default"), "dead"), 1);
    assert_int_equal(jint(rc_json_get(groups, "gpu"), "alive"), 1);
    assert_int_equal(jint(rc_json_get(st, "resources_total"), "CPU"), 4);
    assert_int_equal(jint(rc_json_get(st, "resources_total"), "memory"), 2 * 1073741824LL);
    assert_int_equal(jint(rc_json_get(st, "resources_available"), "GPU"), 1);
    assert_int_equal(rc_json_type(rc_json_get(st, "pending_demand")), RC_JSON_ARRAY);
    assert_int_equal(rc_json_len(rc_json_get(st, "infeasible_demand")), 0);
    rc_json_free(st);
    rc_buf_free(&pb);
}

static void test_flags(void **state)
{
    (void)state;
    /* Writes only on the GCS port; reads on the client port too. */
    static const char *const client_ok[] = {"NODE.LIST", "NODE.GET", "CLUSTER.STATUS"};
    for (size_t i = 0; i < rc_node_commands_count; i++) {
        int want = 0;
        for (size_t k = 0; k < 3; k++) want |= strcmp(rc_node_commands[i].name, client_ok[k]) == 0;
        assert_int_equal(!!(rc_node_commands[i].flags & RC_CMD_CLIENT), want);
    }
    /* Without a table (a server that has none): an error, no crash. */
    fx_t g = {0};
    rc_buf_init(&g.out);
    assert_string_equal(fx_call(&g, "CLUSTER.STATUS", NULL),
                        "-ERR the node table is not available on this server\r\n");
    rc_buf_free(&g.out);
}

static void test_env(void **state)
{
    (void)state;
    rc_node_opts_t o;
    rc_node_opts_default(&o);
    assert_int_equal(o.health_period_ms, 3000);
    assert_int_equal(o.failure_threshold, 5);
    assert_int_equal(o.report_every_ms, 1000);
    assert_int_equal(o.max_dead, 1000);
    setenv("RAY_health_check_period_ms", "500", 1);
    setenv("RAY_health_check_failure_threshold", "2", 1);
    rc_node_opts_from_env(&o);
    assert_int_equal(o.health_period_ms, 500);
    assert_int_equal(o.failure_threshold, 2);
    assert_int_equal(o.report_every_ms, 250);
    rc_node_opts_default(&o);
    setenv("RAY_health_check_period_ms", "3s", 1);
    setenv("RAY_health_check_failure_threshold", "0", 1);
    rc_node_opts_from_env(&o);
    assert_int_equal(o.health_period_ms, 3000);
    assert_int_equal(o.failure_threshold, 5);
    setenv("RAY_health_check_period_ms", "-1", 1);
    setenv("RAY_health_check_failure_threshold", "", 1);
    rc_node_opts_from_env(&o);
    assert_int_equal(o.health_period_ms, 3000);
    assert_int_equal(o.failure_threshold, 5);
    unsetenv("RAY_health_check_period_ms");
    unsetenv("RAY_health_check_failure_threshold");
}

/* The report path must not allocate once warm: decode into the arena, swap vectors. */
static void test_report_many(void **state)
{
    fx_t *f = *state;
    for (int k = 1; k <= 1000; k++) fx_register(f, k);
    rc_buf_t pb = RC_BUF_INIT;
    for (int round = 1; round <= 20; round++)
        for (int k = 1; k <= 1000; k++) {
            report_pack(k, RC_RES_UNITS(round % 3), (uint64_t)round, &pb);
            const char *argv[2] = {"NODE.REPORT", pb.data};
            size_t argl[2] = {11, pb.len};
            assert_string_equal(fx_callv(f, 2, argv, argl), "+OK\r\n");
        }
    rc_node_stats_t s;
    rc_node_table_stats(f->t, &s);
    assert_int_equal(s.reports, 20000);
    assert_int_equal(rc_node_table_first(f->t)->available.cpu, RC_RES_UNITS(20 % 3));
    rc_buf_free(&pb);
}

int main(void)
{
    rc_log_set_level(RC_LOG_WARN); /* one line per registration would drown the output */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_register_again, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_register_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_report, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_drain_unregister, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_health, fx_setup, fx_teardown),
        cmocka_unit_test(test_dead_cap),
        cmocka_unit_test_setup_teardown(test_list_json, fx_setup, fx_teardown),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_env),
        cmocka_unit_test_setup_teardown(test_report_many, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
