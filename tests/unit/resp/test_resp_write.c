/* test_resp_write.c — the RESP2 writer: the exact bytes of every call,
 * including errors and statuses cut at CR/LF and whole commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "buf.h"
#include "resp.h"

/* Asserts that out holds exactly the n bytes of want (binary-safe) and is
 * NUL-terminated as buf.h promises; then empties it. */
static void expect(rc_buf_t *out, const char *want, size_t n)
{
    assert_int_equal(out->len, n);
    assert_memory_equal(out->data, want, n);
    assert_int_equal(out->data[out->len], '\0');
    rc_buf_clear(out);
}
#define EXPECT(out, lit) expect(out, lit, sizeof(lit) - 1)

static void test_simple(void **state)
{
    (void)state;
    rc_buf_t out = RC_BUF_INIT;
    rc_resp_write_status(&out, "OK");
    EXPECT(&out, "+OK\r\n");
    rc_resp_write_status(&out, "");
    EXPECT(&out, "+\r\n");
    rc_resp_write_ok(&out);
    EXPECT(&out, "+OK\r\n");
    rc_resp_write_error(&out, "ERR unknown command");
    EXPECT(&out, "-ERR unknown command\r\n");
    /* CR or LF would break the stream: the text is cut there. */
    rc_resp_write_error(&out, "ERR line one\r\n-FAKE injected");
    EXPECT(&out, "-ERR line one\r\n");
    rc_resp_write_error(&out, "ERR a\nb");
    EXPECT(&out, "-ERR a\r\n");
    rc_resp_write_status(&out, "x\ry");
    EXPECT(&out, "+x\r\n");
    rc_resp_write_errorf(&out, "ERR wrong number of arguments for '%s' command", "get");
    EXPECT(&out, "-ERR wrong number of arguments for 'get' command\r\n");
    rc_resp_write_errorf(&out, "ERR %s", "evil\r\n+OK");
    EXPECT(&out, "-ERR evil\r\n");
    rc_buf_free(&out);
}

static void test_numbers(void **state)
{
    (void)state;
    rc_buf_t out = RC_BUF_INIT;
    rc_resp_write_int(&out, 0);
    EXPECT(&out, ":0\r\n");
    rc_resp_write_int(&out, 1);
    EXPECT(&out, ":1\r\n");
    rc_resp_write_int(&out, -1);
    EXPECT(&out, ":-1\r\n");
    rc_resp_write_int(&out, 1234567890123LL);
    EXPECT(&out, ":1234567890123\r\n");
    rc_resp_write_int(&out, INT64_MAX);
    EXPECT(&out, ":9223372036854775807\r\n");
    rc_resp_write_int(&out, INT64_MIN);
    EXPECT(&out, ":-9223372036854775808\r\n");
    rc_resp_write_array(&out, 0);
    EXPECT(&out, "*0\r\n");
    rc_resp_write_array(&out, 1000000);
    EXPECT(&out, "*1000000\r\n");
    rc_resp_write_nil(&out);
    EXPECT(&out, "$-1\r\n");
    rc_resp_write_nil_array(&out);
    EXPECT(&out, "*-1\r\n");
    rc_buf_free(&out);
}

static void test_bulk(void **state)
{
    (void)state;
    rc_buf_t out = RC_BUF_INIT;
    rc_resp_write_bulk(&out, "foo", 3);
    EXPECT(&out, "$3\r\nfoo\r\n");
    rc_resp_write_bulk(&out, NULL, 0);
    EXPECT(&out, "$0\r\n\r\n");
    rc_resp_write_bulk(&out, "a\0\r\n", 4);
    EXPECT(&out, "$4\r\na\0\r\n\r\n");
    rc_resp_write_bulk_str(&out, "hello world");
    EXPECT(&out, "$11\r\nhello world\r\n");
    rc_resp_write_bulk_i64(&out, -42);
    EXPECT(&out, "$3\r\n-42\r\n");
    rc_resp_write_bulk_i64(&out, INT64_MIN);
    EXPECT(&out, "$20\r\n-9223372036854775808\r\n");

    /* Appends keep what is there; a big bulk lands in one piece. */
    rc_buf_append_str(&out, "prefix");
    size_t big = 1 << 20;
    char *data = rc_malloc(big);
    memset(data, 'z', big);
    rc_resp_write_bulk(&out, data, big);
    assert_int_equal(out.len, 6 + 10 + big + 2);
    assert_memory_equal(out.data, "prefix$1048576\r\n", 16);
    assert_memory_equal(out.data + 16, data, big);
    assert_memory_equal(out.data + 16 + big, "\r\n", 2);
    rc_free(data);
    rc_buf_free(&out);
}

static void test_command(void **state)
{
    (void)state;
    rc_buf_t out = RC_BUF_INIT;
    const char *argv[] = {"SET", "key", "v\0x"};
    size_t lens[] = {3, 3, 3};
    rc_resp_write_command(&out, 3, argv, lens);
    EXPECT(&out, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\nv\0x\r\n");
    rc_resp_write_command(&out, 2, argv, NULL); /* lengths from strlen */
    EXPECT(&out, "*2\r\n$3\r\nSET\r\n$3\r\nkey\r\n");
    rc_resp_write_command(&out, 0, NULL, NULL);
    EXPECT(&out, "*0\r\n");
    rc_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_bulk),
        cmocka_unit_test(test_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
