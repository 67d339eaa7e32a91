/* test_decide.c — the scaling decision (tools/operator/decide.h) on views built
 * from the same JSON the head and the API server send: demand scales up to
 * maxReplicas and no further; pods not yet registered count as capacity;
 * several groups and shapes (first fitting group in order, GPU nodes last);
 * unfulfillable and infeasible demand; idle nodes scale down to minReplicas
 * only, longest idle first, not while demand fits them, pods are starting or a
 * node has no pod; DRAINING and DEAD nodes ignored; clamps to min and max;
 * pod matching by name and IP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "decide.h"
#include "op_config.h"
#include "view.h"

typedef struct {
    rc_op_config_t cfg;
    rc_op_view_t v;
    rc_op_plan_t plan;
    rc_buf_t nodes, pending, infeasible;
    rc_buf_t pods[4];
    int have_plan;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    if (f->have_plan) rc_op_plan_free(&f->plan);
    rc_op_view_free(&f->v);
    rc_op_config_free(&f->cfg);
    rc_buf_free(&f->nodes);
    rc_buf_free(&f->pending);
    rc_buf_free(&f->infeasible);
    for (int i = 0; i < 4; i++) rc_buf_free(&f->pods[i]);
    free(f);
    return 0;
}

/* groups: "name:min:max:rayStartParams-json" entries, ';'-separated;
 * idle timeout 60 s. */
static void config(fx_t *f, const char *groups)
{
    rc_buf_t b = RC_BUF_INIT;
    char err[512];
    rc_buf_append_str(&b, "{\"headAddress\": \"head:6379\", \"idleTimeoutSeconds\": 60, "
                          "\"groups\": [");
    char *copy = strdup(groups), *save = NULL;
    int first = 1;
    for (char *g = strtok_r(copy, ";", &save); g; g = strtok_r(NULL, ";", &save)) {
        char name[32], params[256] = "{}";
        int min, max, off = 0;
        assert_true(sscanf(g, "%31[^:]:%d:%d:%n", name, &min, &max, &off) >= 3);
        if (off) snprintf(params, sizeof(params), "%s", g + off);
        rc_buf_printf(&b,
                      "%s{\"name\": \"%s\", \"deployment\": \"dep-%s\", \"minReplicas\": %d, "
                      "\"maxReplicas\": %d, \"rayStartParams\": %s, \"podSelector\": \"g=%s\"}",
                      first ? "" : ", ", name, name, min, max, params, name);
        first = 0;
    }
    free(copy);
    rc_buf_append_str(&b, "]}");
    if (rc_op_config_parse(b.data, b.len, &f->cfg, err, sizeof(err)) != RC_OK)
        fail_msg("config: %s\n%s", err, b.data);
    rc_buf_free(&b);
    rc_op_view_init(&f->v, f->cfg.ngroups);
}

/* Node k (id ...k, hostname pK, ip 10.0.0.K). */
static void node(fx_t *f, int k, const char *group, const char *state, const char *total,
                 const char *avail, int64_t idle_ms)
{
    rc_buf_printf(&f->nodes,
                  "%s{\"node_id\": \"%032x\", \"node_ip\": \"10.0.0.%d\", \"hostname\": \"p%d\","
                  " \"group\": \"%s\", \"state\": \"%s\", \"resources_total\": %s,"
                  " \"resources_available\": %s, \"idle_duration_ms\": %lld,"
                  " \"death_reason\": \"\"}",
                  f->nodes.len ? ", " : "", k, k, k, group, state, total, avail,
                  (long long)idle_ms);
}

static void demand(fx_t *f, const char *shape, long count, int infeasible)
{
    rc_buf_t *b = infeasible ? &f->infeasible : &f->pending;
    rc_buf_printf(b, "%s{\"shape\": %s, \"count\": %ld}", b->len ? ", " : "", shape, count);
}

/* Pod named name of group g; ip may be NULL. */
static void pod(fx_t *f, int g, const char *name, const char *ip, int ready, int cost)
{
    rc_buf_t *b = &f->pods[g];
    rc_buf_printf(b,
                  "%s{\"metadata\": {\"name\": \"%s\"%s}, \"status\": {\"phase\": \"%s\"%s%s%s,"
                  " \"conditions\": [{\"type\": \"Ready\", \"status\": \"%s\"}]}}",
                  b->len ? ", " : "", name,
                  cost ? ", \"annotations\": {\"controller.kubernetes.io/pod-deletion-cost\": "
                         "\"-1000\"}"
                       : "",
                  ready ? "Running" : "Pending", ip ? ", \"podIP\": \"" : "", ip ? ip : "",
                  ip ? "\"" : "", ready ? "True" : "False");
}

/* Ready pods p<k> (ip 10.0.0.k) for k in [from, to]. */
static void pods_ready(fx_t *f, int g, int from, int to)
{
    char name[16], ip[16];
    for (int k = from; k <= to; k++) {
        snprintf(name, sizeof(name), "p%d", k);
        snprintf(ip, sizeof(ip), "10.0.0.%d", k);
        pod(f, g, name, ip, 1, 0);
    }
}

static void decide(fx_t *f, const int64_t *replicas)
{
    char err[512], doc[4096];
    rc_buf_t t = RC_BUF_INIT;
    rc_buf_printf(&t, "[%s]", f->nodes.data ? f->nodes.data : "");
    if (rc_op_view_set_nodes(&f->v, t.data, t.len, err, sizeof(err)) != RC_OK)
        fail_msg("nodes: %s", err);
    rc_buf_clear(&t);
    rc_buf_printf(&t, "{\"nodes\": {}, \"pending_demand\": [%s], \"infeasible_demand\": [%s]}",
                  f->pending.data ? f->pending.data : "",
                  f->infeasible.data ? f->infeasible.data : "");
    if (rc_op_view_set_status(&f->v, t.data, t.len, err, sizeof(err)) != RC_OK)
        fail_msg("status: %s", err);
    for (size_t g = 0; g < f->cfg.ngroups; g++) {
        snprintf(doc, sizeof(doc),
                 "{\"kind\": \"Scale\", \"metadata\": {\"resourceVersion\": \"7\"}, \"spec\": "
                 "{\"replicas\": %lld}}",
                 (long long)replicas[g]);
        assert_int_equal(rc_op_view_set_scale(&f->v, g, doc, strlen(doc), err, sizeof(err)), RC_OK);
        rc_buf_clear(&t);
        rc_buf_printf(&t, "{\"kind\": \"PodList\", \"items\": [%s]}",
                      f->pods[g].data ? f->pods[g].data : "");
        if (rc_op_view_set_pods(&f->v, g, t.data, t.len, err, sizeof(err)) != RC_OK)
            fail_msg("pods: %s", err);
    }
    rc_buf_free(&t);
    assert_true(rc_op_view_complete(&f->v));
    if (f->have_plan) rc_op_plan_free(&f->plan);
    rc_op_decide(&f->cfg, &f->v, &f->plan);
    f->have_plan = 1;
}

static void reset_obs(fx_t *f)
{
    rc_buf_clear(&f->nodes);
    rc_buf_clear(&f->pending);
    rc_buf_clear(&f->infeasible);
    for (int i = 0; i < 4; i++) rc_buf_clear(&f->pods[i]);
}

static const rc_op_note_t *note(fx_t *f, const char *msg, const char *needle)
{
    for (size_t i = 0; i < f->plan.nnotes; i++)
        if (strcmp(f->plan.notes[i].msg, msg) == 0 && strstr(f->plan.notes[i].reason, needle))
            return &f->plan.notes[i];
    return NULL;
}

static void expect_note(fx_t *f, const char *msg, const char *needle)
{
    if (note(f, msg, needle)) return;
    for (size_t i = 0; i < f->plan.nnotes; i++)
        printf("note %s: %s\n", f->plan.notes[i].msg, f->plan.notes[i].reason);
    fail_msg("no %s note with '%s'", msg, needle);
}

static void expect_plan(fx_t *f, size_t g, const char *msg, int64_t to)
{
    const rc_op_group_plan_t *p = &f->plan.groups[g];
    if ((msg == NULL) != (p->msg == NULL) || (msg && strcmp(msg, p->msg) != 0) || p->to != to)
        fail_msg("group %zu: expected %s to %lld, got %s %lld -> %lld (%s)", g,
                 msg ? msg : "no change", (long long)to, p->msg ? p->msg : "no change",
                 (long long)p->from, (long long)p->to, p->reason ? p->reason : "");
}

#define CPU1 "{\"CPU\": 1}"

static void test_up_to_max(void **state)
{
    fx_t *f = *state;
    config(f, "workergroup:1:3:{\"num-cpus\": 1}");
    node(f, 1, "workergroup", "ALIVE", CPU1, "{}", 0);
    pods_ready(f, 0, 1, 1);
    demand(f, CPU1, 7, 0);
    int64_t r1[] = {1};
    decide(f, r1);
    expect_plan(f, 0, "scale-up", 3);
    assert_string_equal(f->plan.groups[0].reason,
                        "7 pending tasks of {CPU: 1} do not fit on 1 node");
    assert_int_equal(f->plan.groups[0].nvictims, 0);
    expect_note(f, "no-op", "5 pending tasks of {CPU: 1} need more nodes");
    expect_note(f, "no-op", "at maxReplicas (first: workergroup, maxReplicas 3)");

    /* Next pass: replicas are 3, two pods not registered yet: they are the room
     * the demand waits for, and the group is at max: no further. */
    int64_t r3[] = {3};
    decide(f, r3);
    expect_plan(f, 0, NULL, 3);
    expect_note(f, "no-op", "5 pending tasks");
}

static void test_pending_pods_are_capacity(void **state)
{
    fx_t *f = *state;
    config(f, "g:0:10:{\"num-cpus\": 2}");
    node(f, 1, "g", "ALIVE", "{\"CPU\": 2}", "{}", 0);
    pods_ready(f, 0, 1, 1);
    pod(f, 0, "p2", NULL, 0, 0); /* requested, not registered */
    demand(f, CPU1, 2, 0);
    int64_t r[] = {2};
    decide(f, r);
    expect_plan(f, 0, NULL, 2); /* the pending pod's 2 CPUs take both */
    assert_int_equal(f->plan.nnotes, 0);

    /* 3 tasks: one more node (2 CPUs) is enough. */
    reset_obs(f);
    node(f, 1, "g", "ALIVE", "{\"CPU\": 2}", "{}", 0);
    demand(f, CPU1, 5, 0);
    decide(f, r);
    expect_plan(f, 0, "scale-up", 4);
    assert_string_equal(f->plan.groups[0].reason,
                        "3 pending tasks of {CPU: 1} do not fit on 2 nodes");

    /* Free room on ALIVE nodes of any group counts. */
    reset_obs(f);
    node(f, 1, "g", "ALIVE", "{\"CPU\": 2}", "{\"CPU\": 1}", 0);
    node(f, 2, "manual", "ALIVE", "{\"CPU\": 4}", "{\"CPU\": 3}", 0);
    pods_ready(f, 0, 1, 1);
    demand(f, CPU1, 4, 0);
    int64_t r1[] = {1};
    decide(f, r1);
    expect_plan(f, 0, NULL, 1);
}

static void test_groups_and_shapes(void **state)
{
    fx_t *f = *state;
    config(f, "cpu:0:2:{\"num-cpus\": 2};gpu:0:1:{\"num-cpus\": 4, \"num-gpus\": 1};"
              "big:0:5:{\"num-cpus\": 16}");
    demand(f, "{\"CPU\": 1}", 6, 0);
    demand(f, "{\"CPU\": 1, \"GPU\": 1}", 1, 0);
    int64_t r[] = {0, 0, 0};
    decide(f, r);
    /* The GPU task first: a gpu node, 3 CPUs left on it, which 3 CPU tasks
     * take (no CPU node exists); the other 3 add 2 nodes of the first group
     * that fits, in order. */
    expect_plan(f, 1, "scale-up", 1);
    expect_plan(f, 0, "scale-up", 2);
    expect_plan(f, 2, NULL, 0);
    assert_string_equal(f->plan.groups[1].reason,
                        "1 pending task of {CPU: 1, GPU: 1} does not fit on 0 nodes");
    assert_string_equal(f->plan.groups[0].reason,
                        "3 pending tasks of {CPU: 1} do not fit on 0 nodes");
    assert_int_equal(f->plan.nnotes, 0);

    /* An 8-CPU task fits only "big"; 6 more CPU tasks take big's leftover. */
    reset_obs(f);
    demand(f, "{\"CPU\": 8}", 1, 1);
    demand(f, "{\"CPU\": 1}", 6, 0);
    decide(f, r);
    expect_plan(f, 0, NULL, 0);
    expect_plan(f, 1, NULL, 0);
    expect_plan(f, 2, "scale-up", 1);
    assert_string_equal(f->plan.groups[2].reason,
                        "1 infeasible task of {CPU: 8} does not fit on 0 nodes");

    /* cpu at max: its 2 pods (not registered) take 4, the rest spills over to
     * the next fitting groups in order. */
    reset_obs(f);
    demand(f, "{\"CPU\": 1}", 8, 0);
    int64_t full[] = {2, 0, 0};
    decide(f, full);
    expect_plan(f, 0, NULL, 2);
    expect_plan(f, 1, "scale-up", 1);
    expect_plan(f, 2, NULL, 0);
    reset_obs(f);
    demand(f, "{\"CPU\": 1}", 13, 0);
    decide(f, full);
    expect_plan(f, 1, "scale-up", 1);
    expect_plan(f, 2, "scale-up", 1);
    assert_string_equal(f->plan.groups[2].reason,
                        "9 pending tasks of {CPU: 1} do not fit on 2 nodes");
}

static void test_unfulfillable(void **state)
{
    fx_t *f = *state;
    config(f, "g:0:3:{\"num-cpus\": 2};acc:0:2:{\"num-cpus\": 1, \"resources\": "
              "\"{\\\"gizmo\\\": 1}\"}");
    demand(f, "{\"GPU\": 8}", 2, 1);
    demand(f, "{\"CPU\": 4}", 1, 1);
    demand(f, "{\"gizmo\": 1}", 3, 1);
    int64_t r[] = {0, 0};
    decide(f, r);
    expect_plan(f, 0, NULL, 0);
    expect_plan(f, 1, "scale-up", 2);
    const rc_op_note_t *n = note(f, "unfulfillable", "no worker group's node shape can fit");
    assert_non_null(n);
    assert_int_equal(n->group, -1);
    assert_string_equal(n->level, "warn");
    assert_non_null(strstr(n->reason, "2 infeasible tasks of {GPU: 8}"));
    assert_non_null(strstr(n->reason, "1 infeasible task of {CPU: 4}"));
    /* One unfulfillable note per pass, whatever the number of shapes. */
    size_t count = 0;
    for (size_t i = 0; i < f->plan.nnotes; i++)
        count += strcmp(f->plan.notes[i].msg, "unfulfillable") == 0;
    assert_int_equal(count, 1);
    expect_note(f, "no-op", "1 infeasible task of {gizmo: 1} needs more nodes");
}

static void test_zero_shape(void **state)
{
    fx_t *f = *state;
    config(f, "g:0:3:{\"num-cpus\": 1}");
    demand(f, "{}", 5, 0); /* zero-resource tasks still need a node */
    int64_t r[] = {0};
    decide(f, r);
    expect_plan(f, 0, "scale-up", 1);
}

static void test_idle_down_to_min(void **state)
{
    fx_t *f = *state;
    config(f, "g:1:5:{\"num-cpus\": 1}");
    node(f, 1, "g", "ALIVE", CPU1, CPU1, 70000);
    node(f, 2, "g", "ALIVE", CPU1, CPU1, 90000);
    node(f, 3, "g", "ALIVE", CPU1, CPU1, 10000); /* idle, not long enough */
    node(f, 4, "g", "ALIVE", CPU1, CPU1, 61000);
    pods_ready(f, 0, 1, 4);
    int64_t r[] = {4};
    decide(f, r);
    expect_plan(f, 0, "scale-down", 1);
    assert_int_equal(f->plan.groups[0].nvictims, 3);
    /* Longest idle first, each with its pod. */
    assert_string_equal(f->plan.groups[0].victims[0].pod, "p2");
    assert_string_equal(f->plan.groups[0].victims[1].pod, "p1");
    assert_string_equal(f->plan.groups[0].victims[2].pod, "p4");
    assert_int_equal(f->plan.groups[0].victims[0].idle_ms, 90000);
    char id[33];
    snprintf(id, sizeof(id), "%032x", 2);
    assert_string_equal(f->plan.groups[0].victims[0].node_id, id);
    assert_non_null(strstr(f->plan.groups[0].reason, "3 nodes idle for more than 60s"));
    assert_non_null(strstr(f->plan.groups[0].reason, "down to minReplicas 1"));

    /* min 2 now: only two go, the longest idle. */
    reset_obs(f);
    rc_op_config_free(&f->cfg);
    rc_op_view_free(&f->v);
    config(f, "g:2:5:{\"num-cpus\": 1}");
    node(f, 1, "g", "ALIVE", CPU1, CPU1, 70000);
    node(f, 2, "g", "ALIVE", CPU1, CPU1, 90000);
    node(f, 3, "g", "ALIVE", CPU1, CPU1, 80000);
    pods_ready(f, 0, 1, 3);
    int64_t r3[] = {3};
    decide(f, r3);
    expect_plan(f, 0, "scale-down", 2);
    assert_int_equal(f->plan.groups[0].nvictims, 1);
    assert_string_equal(f->plan.groups[0].victims[0].pod, "p2");

    /* At minReplicas: nothing, and nothing to say. */
    int64_t r2[] = {2};
    reset_obs(f);
    node(f, 1, "g", "ALIVE", CPU1, CPU1, 70000);
    node(f, 2, "g", "ALIVE", CPU1, CPU1, 90000);
    pods_ready(f, 0, 1, 2);
    decide(f, r2);
    expect_plan(f, 0, NULL, 2);
    assert_int_equal(f->plan.nnotes, 0);
}

static void test_idle_blocked(void **state)
{
    fx_t *f = *state;
    config(f, "g:0:5:{\"num-cpus\": 2}");
    /* Pending demand that fits the idle node's total keeps it. */
    node(f, 1, "g", "ALIVE", "{\"CPU\": 2}", "{\"CPU\": 2}", 100000);
    node(f, 2, "g", "ALIVE", "{\"CPU\": 2}", "{}", 0);
    pods_ready(f, 0, 1, 2);
    demand(f, "{\"CPU\": 2}", 1, 0);
    int64_t r[] = {2};
    decide(f, r);
    expect_plan(f, 0, NULL, 2);
    expect_note(f, "no-op", "1 idle node kept: pending demand fits it");

    /* A pod still starting: the ReplicaSet would delete it before the idle one. */
    reset_obs(f);
    node(f, 1, "g", "ALIVE", "{\"CPU\": 2}", "{\"CPU\": 2}", 100000);
    node(f, 2, "g", "ALIVE", "{\"CPU\": 2}", "{}", 0);
    pods_ready(f, 0, 1, 2);
    pod(f, 0, "p3", "10.0.0.3", 0, 0);
    int64_t r3[] = {3};
    decide(f, r3);
    expect_plan(f, 0, NULL, 3);
    expect_note(f, "no-op",
                "pods of dep-g are still starting (3 replicas, 2 registered, 1 not ready)");

    /* An idle node without a pod (name and IP match nothing) is not drained. */
    reset_obs(f);
    node(f, 1, "g", "ALIVE", "{\"CPU\": 2}", "{\"CPU\": 2}", 100000);
    node(f, 2, "g", "ALIVE", "{\"CPU\": 2}", "{}", 0);
    pods_ready(f, 0, 2, 2);
    pod(f, 0, "other", "10.9.9.9", 1, 0);
    decide(f, r);
    expect_plan(f, 0, NULL, 2);
    expect_note(f, "no-op", "no pod of dep-g matches them");

    /* DRAINING and DEAD nodes are never victims (nor counted as registered). */
    reset_obs(f);
    node(f, 1, "g", "DRAINING", "{\"CPU\": 2}", "{\"CPU\": 2}", 100000);
    node(f, 2, "g", "DEAD", "{\"CPU\": 2}", "{}", 0);
    node(f, 3, "g", "ALIVE", "{\"CPU\": 2}", "{}", 0);
    pods_ready(f, 0, 3, 3);
    int64_t r1[] = {1};
    decide(f, r1);
    expect_plan(f, 0, NULL, 1);
    assert_int_equal(f->plan.nnotes, 0);
}

static void test_draining_dead_no_capacity(void **state)
{
    fx_t *f = *state;
    config(f, "g:0:4:{\"num-cpus\": 2}");
    /* The DRAINING node's free CPUs are not room; its pod still counts as a
     * replica, so one of the 2 replicas is "not registered" (room for 2). */
    node(f, 1, "g", "DRAINING", "{\"CPU\": 2}", "{\"CPU\": 2}", 0);
    node(f, 2, "g", "ALIVE", "{\"CPU\": 2}", "{}", 0);
    node(f, 3, "g", "DEAD", "{\"CPU\": 2}", "{}", 0);
    pods_ready(f, 0, 1, 2);
    demand(f, CPU1, 4, 0);
    int64_t r[] = {2};
    decide(f, r);
    expect_plan(f, 0, "scale-up", 3);
    assert_string_equal(f->plan.groups[0].reason,
                        "2 pending tasks of {CPU: 1} do not fit on 2 nodes");
}

static void test_clamp(void **state)
{
    fx_t *f = *state;
    config(f, "g:2:3:{\"num-cpus\": 1}");
    int64_t r0[] = {0};
    decide(f, r0);
    expect_plan(f, 0, "clamp", 2);
    assert_string_equal(f->plan.groups[0].reason, "replicas 0 below minReplicas 2");
    /* Below min with demand: one scale-up line that says both. */
    reset_obs(f);
    demand(f, CPU1, 3, 0);
    decide(f, r0);
    expect_plan(f, 0, "scale-up", 3);
    assert_string_equal(f->plan.groups[0].reason, "replicas 0 below minReplicas 2; 1 pending "
                                                  "task of {CPU: 1} does not fit on 2 nodes");

    /* Above max: pods without a node first, then the longest idle, busy last. */
    reset_obs(f);
    node(f, 1, "g", "ALIVE", CPU1, "{}", 0);
    node(f, 2, "g", "ALIVE", CPU1, CPU1, 5000);
    node(f, 3, "g", "ALIVE", CPU1, CPU1, 9000);
    node(f, 4, "g", "ALIVE", CPU1, "{}", 0);
    pods_ready(f, 0, 1, 4);
    pod(f, 0, "p9", NULL, 0, 0);
    int64_t r5[] = {6};
    decide(f, r5);
    expect_plan(f, 0, "clamp", 3);
    assert_int_equal(f->plan.groups[0].nvictims, 3);
    assert_string_equal(f->plan.groups[0].victims[0].pod, "p9");
    assert_string_equal(f->plan.groups[0].victims[0].node_id, "");
    assert_string_equal(f->plan.groups[0].victims[1].pod, "p3");
    assert_string_equal(f->plan.groups[0].victims[2].pod, "p2");
    assert_non_null(strstr(f->plan.groups[0].reason, "replicas 6 above maxReplicas 3"));
}

static void test_unknown_shape(void **state)
{
    fx_t *f = *state;
    config(f, "g:0:3");
    demand(f, CPU1, 1, 0);
    int64_t r[] = {0};
    decide(f, r);
    expect_plan(f, 0, NULL, 0);
    expect_note(f, "no-op", "node shape of g is unknown");
    expect_note(f, "unfulfillable", "1 pending task of {CPU: 1}");
    /* Once a node of the group is ALIVE, its totals are the shape. */
    reset_obs(f);
    node(f, 1, "g", "ALIVE", "{\"CPU\": 4}", "{}", 0);
    pods_ready(f, 0, 1, 1);
    demand(f, CPU1, 5, 0);
    int64_t r1[] = {1};
    decide(f, r1);
    expect_plan(f, 0, "scale-up", 3);
}

static void test_pod_of(void **state)
{
    fx_t *f = *state;
    config(f, "g:0:3:{\"num-cpus\": 1}");
    node(f, 1, "g", "ALIVE", CPU1, CPU1, 0); /* p1 by name */
    node(f, 2, "g", "ALIVE", CPU1, CPU1, 0); /* named p2, no such pod; IP 10.0.0.2 */
    node(f, 3, "g", "ALIVE", CPU1, CPU1, 0); /* 10.0.0.3 has two pods: ambiguous */
    pod(f, 0, "p1", "10.0.0.1", 1, 0);
    pod(f, 0, "x2", "10.0.0.2", 1, 0);
    pod(f, 0, "x3", "10.0.0.3", 1, 0);
    pod(f, 0, "y3", "10.0.0.3", 1, 0);
    int64_t r[] = {4};
    decide(f, r);
    const rc_op_group_obs_t *g = &f->v.groups[0];
    assert_int_equal(rc_op_pod_of(&f->v, g, &f->v.nodes[0]), 0);
    assert_int_equal(rc_op_pod_of(&f->v, g, &f->v.nodes[1]), 1);
    assert_int_equal(rc_op_pod_of(&f->v, g, &f->v.nodes[2]), -1);

    /* A pod another node claims by name is not an IP match; terminating pods never match. */
    reset_obs(f);
    node(f, 1, "g", "ALIVE", CPU1, CPU1, 0);
    node(f, 5, "g", "ALIVE", CPU1, CPU1, 0); /* named p5, IP 10.0.0.5 */
    pod(f, 0, "p1", "10.0.0.5", 1, 0);
    rc_buf_append_str(&f->pods[0],
                      ", {\"metadata\": {\"name\": \"p5\", \"deletionTimestamp\": "
                      "\"2026-01-01T00:00:00Z\"}, \"status\": {\"phase\": \"Running\"}}");
    decide(f, r);
    g = &f->v.groups[0];
    assert_int_equal(rc_op_pod_of(&f->v, g, &f->v.nodes[0]), 0);
    assert_int_equal(rc_op_pod_of(&f->v, g, &f->v.nodes[1]), -1);
    assert_true(g->pods[1].terminating);
    assert_false(g->pods[0].has_cost);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_up_to_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_pods_are_capacity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_groups_and_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unfulfillable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_down_to_min, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_blocked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_draining_dead_no_capacity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clamp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pod_of, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
