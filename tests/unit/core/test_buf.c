/* test_buf.c — growable buffer, number text in and out, and the allocator
 * wrapper underneath it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "buf.h"

/* Under ASan a failed huge allocation should return NULL (as jemalloc and
 * glibc do) instead of aborting, so the RC_ENOMEM paths can be tested. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

static void test_append(void **state)
{
    rc_buf_t b;
    rc_buf_init(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    rc_buf_append(&b, NULL, 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    rc_buf_append(&b, "abc", 3);
    rc_buf_append_str(&b, "def");
    rc_buf_append_char(&b, 'g');
    rc_buf_append(&b, "h\0i", 3);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, "abcdefgh\0i", 11); /* and NUL-terminated */
    /* Growth across many sizes keeps content and the terminator. */
    rc_buf_clear(&b);
    for (int i = 0; i < 100000; i++) rc_buf_append_char(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 100000);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[b.len], '\0');
    for (int i = 0; i < 100000; i += 997) assert_int_equal(b.data[i], 'a' + i % 26);
    rc_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.cap, 0);
    rc_buf_free(&b); /* twice is fine */
}

static void test_printf(void **state)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_buf_printf(&b, "%s=%d", "port", 6379);
    assert_string_equal(b.data, "port=6379");
    rc_buf_printf(&b, "%s", "");
    assert_int_equal(b.len, 9);
    char big[5000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    rc_buf_printf(&b, " %s|", big);
    assert_int_equal(b.len, 9 + 1 + 4999 + 1);
    assert_int_equal(b.data[b.len - 1], '|');
    assert_int_equal(b.data[b.len], '\0');
    rc_buf_free(&b);
    /* printf into an empty buffer with an empty result still gives a string. */
    rc_buf_printf(&b, "%s", "");
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    rc_buf_free(&b);
}

static void test_numbers_out(void **state)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_buf_append_i64(&b, 0);
    rc_buf_append_char(&b, ' ');
    rc_buf_append_i64(&b, -1);
    rc_buf_append_char(&b, ' ');
    rc_buf_append_i64(&b, INT64_MIN);
    rc_buf_append_char(&b, ' ');
    rc_buf_append_i64(&b, INT64_MAX);
    rc_buf_append_char(&b, ' ');
    rc_buf_append_u64(&b, UINT64_MAX);
    assert_string_equal(b.data,
                        "0 -1 -9223372036854775808 9223372036854775807 18446744073709551615");
    assert_int_equal(b.len, strlen(b.data));
    rc_buf_free(&b);

    char out[32];
    assert_int_equal(rc_i64_to_str(INT64_MIN, out), 20);
    assert_string_equal(out, "-9223372036854775808");
    assert_int_equal(rc_u64_to_str(0, out), 1);
    assert_string_equal(out, "0");
    assert_int_equal(rc_u64_to_str(UINT64_MAX, out), 20);
    /* Every power of ten and its neighbours agree with printf. */
    uint64_t p = 1;
    for (int i = 0; i < 20; i++, p *= 10) {
        uint64_t vals[] = {p - 1, p, p + 1};
        for (int k = 0; k < 3; k++) {
            char want[32];
            snprintf(want, sizeof(want), "%llu", (unsigned long long)vals[k]);
            rc_u64_to_str(vals[k], out);
            assert_string_equal(out, want);
            int64_t neg = -(int64_t)(vals[k] & INT64_MAX);
            snprintf(want, sizeof(want), "%lld", (long long)neg);
            rc_i64_to_str(neg, out);
            assert_string_equal(out, want);
        }
    }
}

static void test_consume_clear_detach(void **state)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_buf_consume(&b, 5); /* on an empty, unallocated buffer */
    rc_buf_clear(&b);
    assert_int_equal(b.len, 0);
    rc_buf_append_str(&b, "hello world");
    rc_buf_consume(&b, 6);
    assert_string_equal(b.data, "world");
    assert_int_equal(b.len, 5);
    rc_buf_consume(&b, 0);
    assert_string_equal(b.data, "world");
    rc_buf_consume(&b, 100);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    rc_buf_append_str(&b, "abc");
    rc_buf_clear(&b);
    assert_string_equal(b.data, "");

    rc_buf_append_str(&b, "mine");
    size_t len = 0;
    char *d = rc_buf_detach(&b, &len);
    assert_string_equal(d, "mine");
    assert_int_equal(len, 4);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    rc_free(d);
    d = rc_buf_detach(&b, &len); /* empty buffer: still a string to free */
    assert_non_null(d);
    assert_string_equal(d, "");
    assert_int_equal(len, 0);
    rc_free(d);
    d = rc_buf_detach(&b, NULL);
    rc_free(d);
}

static void test_reserve(void **state)
{
    rc_buf_t b = RC_BUF_INIT;
    char *p = rc_buf_reserve(&b, 100);
    assert_non_null(p);
    assert_true(b.cap >= 101);
    memset(p, 'z', 100);
    b.len += 100;
    b.data[b.len] = '\0';
    assert_int_equal(strlen(b.data), 100);
    assert_int_equal(rc_buf_reserve_try(&b, 1000), RC_OK);
    assert_true(b.cap >= b.len + 1001);

    /* Sizes chosen by a peer: impossible ones are refused quickly, never
     * wrap around, never hang, and leave the buffer intact. */
    const size_t huge[] = {SIZE_MAX,         SIZE_MAX - 1,         SIZE_MAX - 100,
                           SIZE_MAX - b.len, SIZE_MAX - b.len - 1, SIZE_MAX / 2 + 1,
                           (size_t)1 << 62,  (size_t)1 << 50};
    for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
        size_t cap = b.cap;
        assert_int_equal(rc_buf_reserve_try(&b, huge[i]), RC_ENOMEM);
        assert_int_equal(b.cap, cap);
        assert_int_equal(b.len, 100);
        assert_int_equal(strlen(b.data), 100);
    }
    rc_buf_free(&b);
    /* On a fresh buffer too. */
    assert_int_equal(rc_buf_reserve_try(&b, SIZE_MAX - 1), RC_ENOMEM);
    assert_null(b.data);
    assert_int_equal(rc_buf_reserve_try(&b, 0), RC_OK);
    rc_buf_free(&b);
}

static void test_str_to_i64(void **state)
{
    static const struct {
        const char *s;
        rc_err_t e;
        int64_t v;
    } cases[] = {
        {"0", RC_OK, 0},
        {"-0", RC_OK, 0},
        {"42", RC_OK, 42},
        {"-42", RC_OK, -42},
        {"007", RC_OK, 7},
        {"9223372036854775807", RC_OK, INT64_MAX},
        {"-9223372036854775808", RC_OK, INT64_MIN},
        {"9223372036854775808", RC_ERANGE, 0},
        {"-9223372036854775809", RC_ERANGE, 0},
        {"18446744073709551615", RC_ERANGE, 0},
        {"18446744073709551616", RC_ERANGE, 0},
        {"99999999999999999999999999999", RC_ERANGE, 0},
        {"", RC_ESYNTAX, 0},
        {"-", RC_ESYNTAX, 0},
        {"+1", RC_ESYNTAX, 0},
        {" 1", RC_ESYNTAX, 0},
        {"1 ", RC_ESYNTAX, 0},
        {"1a", RC_ESYNTAX, 0},
        {"1.0", RC_ESYNTAX, 0},
        {"--1", RC_ESYNTAX, 0},
        {"0x10", RC_ESYNTAX, 0},
        {"1e3", RC_ESYNTAX, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t v = 12345;
        rc_err_t e = rc_str_to_i64(cases[i].s, strlen(cases[i].s), &v);
        if (e != cases[i].e) fail_msg("'%s': got %s", cases[i].s, rc_errname(e));
        if (e == RC_OK)
            assert_true(v == cases[i].v);
        else
            assert_int_equal(v, 12345);
    }
    /* len is honoured: a prefix parses, an embedded NUL does not. */
    int64_t v;
    assert_int_equal(rc_str_to_i64("12345", 2, &v), RC_OK);
    assert_int_equal(v, 12);
    assert_int_equal(rc_str_to_i64("1\0002", 3, &v), RC_ESYNTAX);
}

static void test_str_to_double(void **state)
{
    double d;
    assert_int_equal(rc_str_to_double("1.5", 3, &d), RC_OK);
    assert_true(d == 1.5);
    assert_int_equal(rc_str_to_double("-2e3", 4, &d), RC_OK);
    assert_true(d == -2000);
    assert_int_equal(rc_str_to_double("0.25xyz", 4, &d), RC_OK);
    assert_true(d == 0.25);
    const char *bad[] = {"", " 1", "\t1", "\n1", "1 ", "1x", "abc", "1..2", "."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(rc_str_to_double(bad[i], strlen(bad[i]), &d), RC_ESYNTAX);
    const char *range[] = {"nan", "inf", "-inf", "infinity", "1e400", "-1e400"};
    for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++)
        assert_int_equal(rc_str_to_double(range[i], strlen(range[i]), &d), RC_ERANGE);
    assert_int_equal(rc_str_to_double("1\0002", 3, &d), RC_ESYNTAX);
    /* Overlong text is refused rather than read past a fixed buffer. */
    char big[200];
    memset(big, '1', sizeof(big));
    assert_int_equal(rc_str_to_double(big, sizeof(big), &d), RC_ESYNTAX);
}

static void test_alloc(void **state)
{
    char *s = rc_strdup("hello");
    assert_string_equal(s, "hello");
    rc_free(s);
    s = rc_strndup("hello", 3);
    assert_string_equal(s, "hel");
    rc_free(s);
    s = rc_strndup("hi", 100); /* n beyond the string is fine */
    assert_string_equal(s, "hi");
    rc_free(s);
    void *p = rc_malloc(0); /* never NULL, even for 0 */
    assert_non_null(p);
    p = rc_realloc(p, 0);
    assert_non_null(p);
    rc_free(p);
    p = rc_calloc(0, 0);
    assert_non_null(p);
    rc_free(p);
    int *z = rc_calloc(100, sizeof(int));
    for (int i = 0; i < 100; i++) assert_int_equal(z[i], 0);
    rc_free(z);
    rc_free(NULL);
    /* rc_try_*: NULL, not an abort, for impossible sizes. */
    assert_null(rc_try_malloc(SIZE_MAX));
    assert_null(rc_try_malloc(SIZE_MAX / 2));
    p = rc_try_malloc(16);
    assert_non_null(p);
    assert_null(rc_try_realloc(p, SIZE_MAX - 8));
    p = rc_try_realloc(p, 32); /* the original block is still valid */
    assert_non_null(p);
    rc_free(p);

    rc_mem_stats_t st;
    rc_mem_stats(&st);
    assert_true(st.rss > 0);
    const char *name = rc_allocator_name();
    assert_true(strcmp(name, "libc") == 0 || strncmp(name, "jemalloc-", 9) == 0);
#ifdef RC_HAVE_JEMALLOC
    assert_true(st.allocated > 0);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append),        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_numbers_out),   cmocka_unit_test(test_consume_clear_detach),
        cmocka_unit_test(test_reserve),       cmocka_unit_test(test_str_to_i64),
        cmocka_unit_test(test_str_to_double), cmocka_unit_test(test_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
