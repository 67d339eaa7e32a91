/* test_perf.c — prints the cost of a placement (ns) on 4, 100 and 1,000-node
 * clusters. It asserts only that placements succeed, never anything about time
 * (machines and sanitizers vary); the figures are for the issue note. */
#include <time.h>

#include "sched_fx.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* A cluster of n nodes (64 CPU, 256 GiB, 64 GiB object store), each already
 * partly used by a pseudo-random amount, so scores differ. */
static rc_sched_t *cluster(unsigned n, double threshold)
{
    rc_sched_t *s = fx_new(threshold, 5);
    rc_res_t total = fx_res(64, 0, 256, 64);
    uint64_t x = 12345;
    for (unsigned i = 0; i < n; i++) {
        uint32_t slot = fx_add(s, i, &total, i % 10 == 0 ? "gpu" : "cpu");
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        rc_res_t used = fx_res((double)((x >> 33) % 60), 0, (double)((x >> 40) % 200), 0);
        assert_int_equal(rc_sched_acquire(s, slot, &used), RC_OK);
    }
    return s;
}

typedef enum { PLACE, PLACE_APPLY, PLACE_LOCAL, PLACE_SPREAD } mode_t_;

static double measure(unsigned n, double threshold, mode_t_ mode)
{
    rc_sched_t *s = cluster(n, threshold);
    rc_res_t one = fx_res(1, 0, 1, 0);
    rc_sched_request_t q = fx_req(&one);
    if (mode == PLACE_LOCAL) q.local_node = fx_id(n / 2);
    if (mode == PLACE_SPREAD) q.strategy = RC_SCHED_SPREAD;
    rc_sched_result_t out;
    unsigned iters = 0;
    double t0 = now_ns(), t1 = t0;
    /* Batches of 1,000 until ~100 ms have passed. */
    while (t1 - t0 < 1e8) {
        for (int i = 0; i < 1000; i++) {
            rc_sched_place(s, &q, &out);
            assert_true(out.kind == RC_SCHED_AVAILABLE);
            if (mode == PLACE_APPLY) {
                rc_sched_acquire(s, out.slot, &one);
                rc_sched_release(s, out.slot, &one);
            }
        }
        iters += 1000;
        t1 = now_ns();
    }
    rc_sched_free(s);
    return (t1 - t0) / iters;
}

static void test_placement_cost(void **state)
{
    static const unsigned sizes[] = {4, 100, 1000};
    printf("ns per placement (1 CPU + 1 GiB task, nodes partly used)\n");
    printf("%6s %12s %12s %14s %12s %12s\n", "nodes", "thr=0.5", "thr=0.0", "+acq/release", "local",
           "SPREAD");
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned n = sizes[i];
        double a = measure(n, 0.5, PLACE), b = measure(n, 0.0, PLACE);
        double c = measure(n, 0.0, PLACE_APPLY), d = measure(n, 0.0, PLACE_LOCAL);
        double e = measure(n, 0.0, PLACE_SPREAD);
        printf("%6u %12.0f %12.0f %14.0f %12.0f %12.0f\n", n, a, b, c, d, e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placement_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
