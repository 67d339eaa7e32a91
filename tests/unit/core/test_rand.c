/* test_rand.c — per-thread xoshiro256**: determinism, ranges, uniformity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>

#include "rand.h"

static void test_seed_deterministic(void **state)
{
    uint64_t a[100], b[100];
    rc_rand_seed(42);
    for (int i = 0; i < 100; i++) a[i] = rc_rand_u64();
    rc_rand_seed(42);
    for (int i = 0; i < 100; i++) b[i] = rc_rand_u64();
    assert_memory_equal(a, b, sizeof(a));
    rc_rand_seed(43);
    for (int i = 0; i < 100; i++) b[i] = rc_rand_u64();
    assert_memory_not_equal(a, b, sizeof(a));
    /* Seed 0 is a fine seed too (the state is never all zero). */
    rc_rand_seed(0);
    uint64_t x = rc_rand_u64(), y = rc_rand_u64();
    assert_true(x != 0 || y != 0);
    assert_true(x != y);
}

static void *draw(void *arg)
{
    uint64_t *out = arg;
    for (int i = 0; i < 8; i++) out[i] = rc_rand_u64();
    return NULL;
}

static void test_threads_differ(void **state)
{
    /* Unseeded threads seed themselves from the kernel independently. */
    uint64_t a[8], b[8];
    pthread_t t1, t2;
    pthread_create(&t1, NULL, draw, a);
    pthread_create(&t2, NULL, draw, b);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_memory_not_equal(a, b, sizeof(a));
}

static void test_double_range(void **state)
{
    rc_rand_seed(1);
    double sum = 0, lo = 1, hi = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double d = rc_rand_double();
        assert_true(d >= 0.0 && d < 1.0);
        sum += d;
        if (d < lo) lo = d;
        if (d > hi) hi = d;
    }
    assert_true(sum / n > 0.49 && sum / n < 0.51);
    assert_true(lo < 0.001 && hi > 0.999);
}

static void test_below(void **state)
{
    rc_rand_seed(2);
    assert_int_equal(rc_rand_below(0), 0);
    for (int i = 0; i < 100; i++) assert_int_equal(rc_rand_below(1), 0);
    /* Roughly uniform over 7 values (chi-square with 6 dof, p ~ 1e-6 bound). */
    int counts[7] = {0};
    int n = 70000;
    for (int i = 0; i < n; i++) {
        uint64_t v = rc_rand_below(7);
        assert_true(v < 7);
        counts[v]++;
    }
    double chi = 0, expect = n / 7.0;
    for (int i = 0; i < 7; i++) chi += (counts[i] - expect) * (counts[i] - expect) / expect;
    assert_true(chi < 40);
    /* Large bounds, including ones where rejection is frequent. */
    const uint64_t bounds[] = {(1ULL << 63) + 1, UINT64_MAX, UINT64_MAX - 1, 3, 1ULL << 32};
    for (size_t k = 0; k < 5; k++)
        for (int i = 0; i < 10000; i++) assert_true(rc_rand_below(bounds[k]) < bounds[k]);
    /* (2^63 + 1): about half the draws are at or above 2^62. */
    int upper = 0;
    for (int i = 0; i < 10000; i++) upper += rc_rand_below((1ULL << 63) + 1) >= (1ULL << 62);
    assert_true(upper > 4700 && upper < 5300);
}

static void test_bytes(void **state)
{
    unsigned char buf[40];
    for (size_t n = 0; n <= 32; n++) {
        memset(buf, 0xAA, sizeof(buf));
        rc_rand_bytes(buf, n);
        for (size_t i = n; i < sizeof(buf); i++) assert_int_equal(buf[i], 0xAA);
    }
    /* All byte values show up. */
    int seen[256] = {0};
    unsigned char big[8192];
    rc_rand_bytes(big, sizeof(big));
    for (size_t i = 0; i < sizeof(big); i++) seen[big[i]] = 1;
    for (int i = 0; i < 256; i++) assert_true(seen[i]);
    rc_rand_bytes(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_deterministic),
        cmocka_unit_test(test_threads_differ),
        cmocka_unit_test(test_double_range),
        cmocka_unit_test(test_below),
        cmocka_unit_test(test_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
