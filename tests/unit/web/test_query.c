/* test_query.c — URL query walking and lenient decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "query.h"

static int collect(void *arg, const char *key, const char *value)
{
    rc_buf_t *b = arg;
    rc_buf_printf(b, "[%s|%s]", key, value);
    return 0;
}

static void check_walk(const char *q, const char *want)
{
    rc_buf_t b = RC_BUF_INIT;
    assert_int_equal(rc_query_each(q, collect, &b), 0);
    rc_buf_append(&b, "", 1);
    assert_string_equal(b.data, want);
    rc_buf_free(&b);
}

static void test_walk(void **state)
{
    (void)state;
    check_walk("", "");
    check_walk("a=1&b=2", "[a|1][b|2]");
    check_walk("a=1&&b&=x&c=", "[a|1][b|][|x][c|]");
    /* Repeated keys all come, in order (the State API's filters). */
    check_walk("filter_keys=state&filter_keys=name", "[filter_keys|state][filter_keys|name]");
    check_walk("k=a%3Db%26c&x+y=1+2", "[k|a=b&c][x y|1 2]");
    /* Malformed escapes and %00 stay as written. */
    check_walk("a=%zz%4&b=%00", "[a|%zz%4][b|%00]");
}

static int stop_at_b(void *arg, const char *key, const char *value)
{
    (void)value;
    (*(int *)arg)++;
    return strcmp(key, "b") == 0 ? 7 : 0;
}

static void test_stop(void **state)
{
    (void)state;
    int n = 0;
    assert_int_equal(rc_query_each("a=1&b=2&c=3", stop_at_b, &n), 7);
    assert_int_equal(n, 2);
}

static void test_decode_cap(void **state)
{
    (void)state;
    char out[4];
    rc_query_decode("abcdef", 6, out, sizeof(out));
    assert_string_equal(out, "abc");
    rc_query_decode("%41%42", 6, out, sizeof(out));
    assert_string_equal(out, "AB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_decode_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
