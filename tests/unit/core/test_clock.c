/* test_clock.c — wall time agrees with time(2); monotonic time moves forward
 * by at least what we slept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"

static void test_clocks(void **state)
{
    (void)state;
    int64_t before = (int64_t)time(NULL) * 1000;
    int64_t wall = rc_clock_wall_ms();
    int64_t after = (int64_t)time(NULL) * 1000 + 1000;
    assert_true(wall >= before && wall <= after);
    int64_t m1 = rc_clock_mono_ms();
    usleep(20000);
    int64_t m2 = rc_clock_mono_ms();
    assert_true(m2 - m1 >= 20);
    assert_true(m2 - m1 < 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_clocks)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
