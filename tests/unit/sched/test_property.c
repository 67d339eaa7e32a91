/* test_property.c — random clusters and requests: whatever the policy picks,
 * AVAILABLE fits the node's available resources, FEASIBLE fits its total and
 * only when nothing fits available, INFEASIBLE only when no eligible ALIVE node's
 * total fits, FAILED only for hard affinity to a dead or unknown node; and the
 * DEFAULT pick has the best score (checked against a plain double-precision
 * reference when k = 1 and no local node is given). */
#include <math.h>

#include "sched_fx.h"

#define NODES_MAX 40

static uint64_t st = 88172645463325252ULL;

static uint64_t rnd(uint64_t n)
{
    st ^= st << 13;
    st ^= st >> 7;
    st ^= st << 17;
    return n ? st % n : 0;
}

typedef struct {
    rc_res_t total, avail;
    rc_sched_state_t state;
    const char *group;
    int zone; /* label zone=<a|b> */
} model_t;

static const char *const groups[] = {NULL, "g1", "g2"};
static const char *const zones[] = {"a", "b"};

static int ok_fit(const rc_res_t *req, const rc_res_t *have)
{
    return rc_res_fits(req, have);
}

static int eligible(const model_t *m, const rc_sched_request_t *q)
{
    if (m->state != RC_SCHED_ALIVE) return 0;
    if (q->group && (!m->group || strcmp(q->group, m->group) != 0)) return 0;
    if (q->nlabels && strcmp(q->labels[0].value, zones[m->zone]) != 0) return 0;
    return 1;
}

/* Reference score: double precision utilisation after placing; 0 when every
 * scored resource stays within the threshold (checked exactly). */
static double ref_score(const model_t *m, const rc_res_t *r, double thr)
{
    const int64_t t[3] = {m->total.cpu, m->total.memory, m->total.object_store_memory};
    const int64_t a[3] = {m->avail.cpu, m->avail.memory, m->avail.object_store_memory};
    const int64_t q[3] = {r->cpu, r->memory, r->object_store_memory};
    int64_t thr_fixed = rc_res_from_double(thr);
    int within = 1;
    double best = 0;
    for (int i = 0; i < 3; i++) {
        if (t[i] <= 0) continue;
        int64_t used = t[i] - a[i] + q[i];
        if ((__int128)used * RC_RES_SCALE > (__int128)thr_fixed * t[i]) within = 0;
        double u = (double)used / (double)t[i];
        if (u > best) best = u;
    }
    return within ? 0 : best;
}

static rc_res_t random_total(void)
{
    rc_res_t r = RC_RES_INIT;
    r.cpu = (int64_t)rnd(33) * RC_RES_SCALE / 2; /* 0 .. 16 by halves */
    if (rnd(4) == 0) r.gpu = RC_RES_UNITS(1 + rnd(2));
    if (rnd(2)) r.memory = (int64_t)(1 + rnd(64)) * GIB * RC_RES_SCALE;
    if (rnd(2)) r.object_store_memory = (int64_t)(1 + rnd(16)) * GIB * RC_RES_SCALE;
    if (rnd(3) == 0) assert_int_equal(rc_res_set(&r, "foo", RC_RES_UNITS(1 + rnd(4))), RC_OK);
    return r;
}

static int64_t part(int64_t x)
{
    return x ? (int64_t)rnd((uint64_t)x + 1) : 0;
}

static void random_avail(const rc_res_t *t, rc_res_t *a)
{
    rc_res_copy(a, t);
    a->cpu = part(t->cpu);
    a->gpu = part(t->gpu);
    a->memory = part(t->memory);
    a->object_store_memory = part(t->object_store_memory);
    int64_t foo = rc_res_get(t, "foo");
    assert_int_equal(rc_res_set(a, "foo", part(foo)), RC_OK);
}

static rc_res_t random_request(void)
{
    rc_res_t r = RC_RES_INIT;
    r.cpu = (int64_t)rnd(13) * RC_RES_SCALE / 4; /* 0 .. 3 by quarters */
    if (rnd(5) == 0) r.cpu = RC_RES_UNITS(10 + rnd(10));
    if (rnd(6) == 0) r.gpu = RC_RES_UNITS(1);
    if (rnd(4) == 0) r.memory = (int64_t)(1 + rnd(32)) * GIB * RC_RES_SCALE;
    if (rnd(6) == 0) r.object_store_memory = (int64_t)(1 + rnd(8)) * GIB * RC_RES_SCALE;
    if (rnd(6) == 0) assert_int_equal(rc_res_set(&r, "foo", RC_RES_UNITS(1 + rnd(3))), RC_OK);
    return r;
}

static void one_round(unsigned round)
{
    model_t m[NODES_MAX];
    unsigned n = 1 + (unsigned)rnd(NODES_MAX);
    if (rnd(10) == 0) n = 0;
    const double thresholds[] = {0.0, 0.25, 0.5, 1.0};
    rc_sched_opts_t o;
    rc_sched_opts_default(&o);
    o.spread_threshold = thresholds[rnd(4)];
    o.avoid_gpu_nodes = (int)rnd(2);
    o.seed = round + 1;
    rc_sched_t *s = rc_sched_new(&o);

    for (unsigned i = 0; i < n; i++) {
        m[i].total = random_total();
        rc_res_init(&m[i].avail);
        random_avail(&m[i].total, &m[i].avail);
        unsigned st_pick = (unsigned)rnd(10);
        m[i].state = st_pick < 7 ? RC_SCHED_ALIVE : st_pick < 9 ? RC_SCHED_DRAINING : RC_SCHED_DEAD;
        m[i].group = groups[rnd(3)];
        m[i].zone = (int)rnd(2);
        rc_sched_label_t label = {"zone", zones[m[i].zone]};
        rc_sched_node_info_t info = {0};
        info.id = fx_id(i);
        info.group = m[i].group;
        info.labels = &label;
        info.nlabels = 1;
        info.total = &m[i].total;
        info.available = &m[i].avail;
        info.state = m[i].state;
        uint32_t slot;
        assert_int_equal(rc_sched_node_set(s, &info, &slot), RC_OK);
        assert_int_equal(slot, i);
    }

    for (int t = 0; t < 50; t++) {
        rc_res_t r = random_request();
        rc_sched_request_t q = fx_req(&r);
        rc_sched_label_t sel = {"zone", zones[rnd(2)]};
        q.strategy = (rc_sched_strategy_t)rnd(3);
        if (rnd(4) == 0) q.group = groups[1 + rnd(2)];
        if (rnd(5) == 0) {
            q.labels = &sel;
            q.nlabels = 1;
        }
        if (rnd(3) == 0) q.local_node = fx_id((unsigned)rnd(n + 2));
        if (q.strategy == RC_SCHED_NODE_AFFINITY) {
            q.affinity_node = fx_id((unsigned)rnd(n + 2));
            q.affinity_soft = (int)rnd(2);
        }
        rc_sched_result_t out = fx_place_req(s, &q);

        int any_avail = 0, any_total = 0;
        for (unsigned i = 0; i < n; i++) {
            if (!eligible(&m[i], &q)) continue;
            if (ok_fit(&r, &m[i].avail)) any_avail = 1;
            if (ok_fit(&r, &m[i].total)) any_total = 1;
        }
        unsigned target = 0;
        int hard = q.strategy == RC_SCHED_NODE_AFFINITY && !q.affinity_soft;
        if (q.strategy == RC_SCHED_NODE_AFFINITY) {
            target = (unsigned)q.affinity_node.b[15];
        }

        switch (out.kind) {
        case RC_SCHED_AVAILABLE:
            assert_true(out.slot < n);
            assert_true(eligible(&m[out.slot], &q));
            assert_true(ok_fit(&r, &m[out.slot].avail));
            if (hard) assert_int_equal(out.slot, target);
            break;
        case RC_SCHED_FEASIBLE:
            assert_true(out.slot < n);
            assert_true(eligible(&m[out.slot], &q));
            assert_true(ok_fit(&r, &m[out.slot].total));
            assert_false(ok_fit(&r, &m[out.slot].avail));
            if (hard)
                assert_int_equal(out.slot, target);
            else
                assert_false(any_avail);
            break;
        case RC_SCHED_INFEASIBLE:
            if (!hard) {
                assert_false(any_total);
            } else {
                assert_true(target < n && m[target].state != RC_SCHED_DEAD);
                assert_true(m[target].state == RC_SCHED_DRAINING || !eligible(&m[target], &q) ||
                            !ok_fit(&r, &m[target].total));
            }
            break;
        case RC_SCHED_FAILED:
            assert_true(hard);
            assert_true(target >= n || m[target].state == RC_SCHED_DEAD);
            break;
        default: fail();
        }

        /* The pick is among the best when only one can be (k = 1, no local). */
        if (q.strategy == RC_SCHED_DEFAULT && out.kind == RC_SCHED_AVAILABLE && n < 10 &&
            rc_id_is_nil(&q.local_node)) {
            int gpu_pick = m[out.slot].total.gpu > 0;
            int avoiding = o.avoid_gpu_nodes && r.gpu == 0;
            if (!avoiding || !gpu_pick) {
                double best = INFINITY;
                for (unsigned i = 0; i < n; i++) {
                    if (!eligible(&m[i], &q) || !ok_fit(&r, &m[i].avail)) continue;
                    if (avoiding && m[i].total.gpu > 0) continue;
                    double sc = ref_score(&m[i], &r, o.spread_threshold);
                    if (sc < best) best = sc;
                }
                assert_true(ref_score(&m[out.slot], &r, o.spread_threshold) <= best + 1e-6);
            } else {
                /* A GPU node for a CPU task only when no other node fits. */
                for (unsigned i = 0; i < n; i++)
                    if (eligible(&m[i], &q) && m[i].total.gpu == 0)
                        assert_false(ok_fit(&r, &m[i].avail));
            }
        }

        /* Sometimes apply it, so later requests see a changing cluster. */
        if (out.kind == RC_SCHED_AVAILABLE && rnd(2)) {
            assert_int_equal(rc_sched_acquire(s, out.slot, &r), RC_OK);
            assert_int_equal(rc_res_sub(&m[out.slot].avail, &r), RC_OK);
            assert_true(rc_res_eq(rc_sched_node_available(s, out.slot), &m[out.slot].avail));
        }
        rc_res_free(&r);
    }

    for (unsigned i = 0; i < n; i++) {
        rc_res_free(&m[i].total);
        rc_res_free(&m[i].avail);
    }
    rc_sched_free(s);
}

static void test_random_clusters(void **state)
{
    for (unsigned round = 0; round < 1500; round++) one_round(round);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_clusters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
