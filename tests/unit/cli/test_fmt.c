/* test_fmt.c — bytes, amounts and cleaned text as the CLI prints them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "fmt.h"
#include "table.h"

static void bytes(double v, const char *want)
{
    char out[32];
    rc_fmt_bytes(v, out, sizeof(out));
    assert_string_equal(out, want);
}

static void amount(double v, const char *want)
{
    char out[32];
    rc_fmt_amount(v, out, sizeof(out));
    assert_string_equal(out, want);
}

static void test_bytes(void **state)
{
    (void)state;
    bytes(0, "0B");
    bytes(1023, "1023B");
    bytes(1024, "1.00KiB");
    bytes(1536, "1.50KiB");
    bytes(12884901888.0, "12.00GiB");
    bytes(5519413248.0, "5.14GiB");
    bytes(1099511627776.0 * 3, "3.00TiB");
    bytes(-5, "0B");
}

static void test_amount(void **state)
{
    (void)state;
    amount(4, "4");
    amount(0.5, "0.5");
    amount(2.25, "2.25");
    amount(0.0001, "0.0001");
    amount(0.00001, "0");
    amount(-0.00001, "0");
    amount(100000000, "100000000");
    assert_true(rc_fmt_is_bytes_resource("memory"));
    assert_true(rc_fmt_is_bytes_resource("object_store_memory"));
    assert_false(rc_fmt_is_bytes_resource("CPU"));
}

static void test_clean_and_time(void **state)
{
    (void)state;
    rc_buf_t b = RC_BUF_INIT;
    rc_fmt_append_clean(&b, "a\nb\x1b[0m\x7f\xc3\xa4", 10);
    assert_string_equal(b.data, "a?b?[0m?\xc3\xa4");
    rc_buf_free(&b);
    char t[32];
    rc_fmt_time(rc_clock_wall_ms(), t, sizeof(t));
    assert_int_equal(strlen(t), 19); /* "2026-11-23 12:00:00" */
    assert_true(t[4] == '-' && t[10] == ' ' && t[13] == ':');
}

static void test_table(void **state)
{
    (void)state;
    const char *h[] = {"A", "LONG_HEADER", "C"};
    rc_table_t t;
    rc_table_init(&t, 3, h);
    const char *r1[] = {"x\ty", "1", NULL};
    const char *r2[] = {"\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", "", "z"};
    rc_table_add(&t, r1);
    rc_table_add(&t, r2);
    assert_int_equal(rc_table_rows(&t), 2);
    rc_buf_t out = RC_BUF_INIT;
    rc_table_render(&t, &out);
    assert_string_equal(out.data, "A     LONG_HEADER  C\n"
                                  "x?y   1\n"
                                  "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4               z\n");
    rc_buf_free(&out);
    rc_table_free(&t);
}

/* Multi-line cells: the row is as tall as its tallest cell; '\n' stays a
 * line break only through rc_table_add_lines. */
static void test_table_lines(void **state)
{
    (void)state;
    const char *h[] = {"NAME", "COUNTS", "TYPE"};
    rc_table_t t;
    rc_table_init(&t, 3, h);
    const char *r1[] = {"echo", "FINISHED: 100\nRUNNING: 2", "NORMAL_TASK"};
    const char *r2[] = {"a\rb", "x", "two\nlines\x1b"};
    const char *r3[] = {"flat", "a\nb", NULL};
    rc_table_add_lines(&t, r1);
    rc_table_add_lines(&t, r2);
    rc_table_add(&t, r3);
    rc_buf_t out = RC_BUF_INIT;
    rc_table_render(&t, &out);
    assert_string_equal(out.data, "NAME  COUNTS         TYPE\n"
                                  "echo  FINISHED: 100  NORMAL_TASK\n"
                                  "      RUNNING: 2\n"
                                  "a?b   x              two\n"
                                  "                     lines?\n"
                                  "flat  a?b\n");
    rc_buf_free(&out);
    rc_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes),          cmocka_unit_test(test_amount),
        cmocka_unit_test(test_clean_and_time), cmocka_unit_test(test_table),
        cmocka_unit_test(test_table_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
