/* test_quantity.c — Kubernetes quantities (tools/operator/quantity.h): every
 * suffix family, fractions rounded up exactly, exponents, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "quantity.h"

static int64_t q(const char *s)
{
    char err[256] = "";
    int64_t m = -1;
    rc_err_t e = rc_quantity_parse(s, &m, err, sizeof(err));
    if (e != RC_OK) fail_msg("'%s' refused: %s", s, err);
    return m;
}

static void bad(const char *s, rc_err_t want, const char *needle)
{
    char err[256] = "";
    int64_t m = 7;
    assert_int_equal(rc_quantity_parse(s, &m, err, sizeof(err)), want);
    if (!strstr(err, needle)) fail_msg("error for '%s' is '%s', lacks '%s'", s, err, needle);
    assert_int_equal(m, 0);
}

static void test_plain_and_decimal(void **state)
{
    (void)state;
    assert_int_equal(q("0"), 0);
    assert_int_equal(q("2"), 2000);
    assert_int_equal(q("500m"), 500);
    assert_int_equal(q("0.5"), 500);
    assert_int_equal(q(".5"), 500);
    assert_int_equal(q("1.5"), 1500);
    assert_int_equal(q("+3"), 3000);
    assert_int_equal(q("0.1"), 100); /* exact: not 100.000001 rounded up to 101 */
    assert_int_equal(q("1k"), 1000000);
    assert_int_equal(q("1M"), INT64_C(1000000000));
    assert_int_equal(q("1G"), INT64_C(1000000000000));
    assert_int_equal(q("2T"), INT64_C(2000000000000000));
    assert_int_equal(q("1P"), INT64_C(1000000000000000000));
    assert_int_equal(q("250u"), 1); /* 0.25m rounds up to 1m */
    assert_int_equal(q("1n"), 1);   /* any positive amount is at least 1m */
    assert_int_equal(q("1000000n"), 1);
    assert_int_equal(q("1500000n"), 2);
    assert_int_equal(q("0.0001"), 1);
    assert_int_equal(q("000250m"), 250);
}

static void test_binary(void **state)
{
    (void)state;
    assert_int_equal(q("1Ki"), 1024 * 1000);
    assert_int_equal(q("2Gi"), INT64_C(2147483648) * 1000);
    assert_int_equal(q("1.5Gi"), INT64_C(1610612736) * 1000);
    assert_int_equal(q("512Mi"), INT64_C(536870912) * 1000);
    assert_int_equal(q("1Ti"), INT64_C(1099511627776) * 1000);
    assert_int_equal(q("1Pi") / 1000, INT64_C(1125899906842624));
    assert_int_equal(rc_quantity_ceil_units(q("2Gi")), INT64_C(2147483648));
}

static void test_exponent(void **state)
{
    (void)state;
    assert_int_equal(q("1e3"), 1000000);
    assert_int_equal(q("1E3"), 1000000); /* an exponent, not exa */
    assert_int_equal(q("2e-3"), 2);
    assert_int_equal(q("12e0"), 12000);
    assert_int_equal(q("1.5e2"), 150000);
    assert_int_equal(q("1e+2"), 100000);
    /* "E" alone is exa; "Ei" is exbi (too large for thousandths: refused). */
    bad("1E", RC_ERANGE, "too large");
    bad("8Ei", RC_ERANGE, "too large");
}

static void test_ceil_units(void **state)
{
    (void)state;
    assert_int_equal(rc_quantity_ceil_units(0), 0);
    assert_int_equal(rc_quantity_ceil_units(1), 1);
    assert_int_equal(rc_quantity_ceil_units(500), 1); /* 500m CPU: 1 CPU, as a cgroup quota */
    assert_int_equal(rc_quantity_ceil_units(1000), 1);
    assert_int_equal(rc_quantity_ceil_units(1001), 2);
    assert_int_equal(rc_quantity_ceil_units(2500), 3);
}

static void test_errors(void **state)
{
    (void)state;
    bad("", RC_EINVAL, "empty");
    bad("abc", RC_EINVAL, "not a quantity");
    bad("m", RC_EINVAL, "not a quantity");
    bad(".", RC_EINVAL, "not a quantity");
    bad("2x", RC_EINVAL, "unknown suffix 'x'");
    bad("2 Gi", RC_EINVAL, "unknown suffix");
    bad("2gi", RC_EINVAL, "unknown suffix 'gi'");
    bad("2GiB", RC_EINVAL, "unknown suffix 'GiB'");
    bad("1e", RC_EINVAL, "unknown suffix 'e'");
    bad("1e3.5", RC_EINVAL, "bad exponent");
    bad("1e3m", RC_EINVAL, "bad exponent");
    bad("1e1234", RC_EINVAL, "bad exponent");
    bad("1.2.3", RC_EINVAL, "unknown suffix");
    bad("-1", RC_EINVAL, "negative");
    bad("-500m", RC_EINVAL, "negative");
    bad("99999999999999999999", RC_ERANGE, "too large");
    bad("10E", RC_ERANGE, "too large");
    /* "-0" is zero, not negative. */
    assert_int_equal(q("-0"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_decimal),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_exponent),
        cmocka_unit_test(test_ceil_units),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
