/* test_frame.c — the executor frame codec (worker/exec/frame.h): whole, split
 * and batched frames, oversized lengths, and the blocking fd helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "frame.h"

static void test_split_and_batched(void **state)
{
    (void)state;
    rc_buf_t wire = RC_BUF_INIT;
    assert_int_equal(rc_frame_append(&wire, "hello", 5), RC_OK);
    assert_int_equal(rc_frame_append(&wire, "", 0), RC_OK);
    assert_int_equal(rc_frame_append(&wire, "world!", 6), RC_OK);
    assert_int_equal(wire.len, 4 + 5 + 4 + 4 + 6);

    /* One byte at a time: a frame appears only once complete. */
    rc_frame_reader_t r;
    rc_frame_reader_init(&r);
    const uint8_t *msg;
    size_t len;
    int got = 0;
    const char *want[] = {"hello", "", "world!"};
    for (size_t i = 0; i < wire.len; i++) {
        assert_int_equal(rc_frame_reader_feed(&r, wire.data + i, 1), RC_OK);
        rc_err_t rc;
        while ((rc = rc_frame_reader_next(&r, &msg, &len)) == RC_OK) {
            assert_true(got < 3);
            assert_int_equal(len, strlen(want[got]));
            assert_memory_equal(msg, want[got], len);
            got++;
        }
        assert_int_equal(rc, RC_EAGAIN);
    }
    assert_int_equal(got, 3);
    assert_int_equal(rc_frame_reader_pending(&r), 0);

    /* All at once. */
    assert_int_equal(rc_frame_reader_feed(&r, wire.data, wire.len), RC_OK);
    for (int i = 0; i < 3; i++) assert_int_equal(rc_frame_reader_next(&r, &msg, &len), RC_OK);
    assert_int_equal(rc_frame_reader_next(&r, &msg, &len), RC_EAGAIN);
    rc_frame_reader_free(&r);
    rc_buf_free(&wire);
}

static void test_bad_length(void **state)
{
    (void)state;
    rc_frame_reader_t r;
    rc_frame_reader_init(&r);
    const uint8_t *msg;
    size_t len;
    /* 512 MiB + 1: never trusted, and the stream stays broken. */
    uint32_t n = RC_FRAME_MAX + 1;
    uint8_t hdr[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    assert_int_equal(rc_frame_reader_feed(&r, hdr, 3), RC_OK);
    assert_int_equal(rc_frame_reader_next(&r, &msg, &len), RC_EAGAIN);
    assert_int_equal(rc_frame_reader_feed(&r, hdr + 3, 1), RC_OK);
    assert_int_equal(rc_frame_reader_next(&r, &msg, &len), RC_ETOOBIG);
    assert_int_equal(r.bad, n);
    assert_int_equal(rc_frame_reader_feed(&r, "xx", 2), RC_OK);
    assert_int_equal(rc_frame_reader_next(&r, &msg, &len), RC_ETOOBIG);
    rc_frame_reader_free(&r);

    /* 0xffffffff too; exactly the limit is a length we would wait for. */
    rc_frame_reader_init(&r);
    uint8_t ff[4] = {0xff, 0xff, 0xff, 0xff};
    rc_frame_reader_feed(&r, ff, 4);
    assert_int_equal(rc_frame_reader_next(&r, &msg, &len), RC_ETOOBIG);
    rc_frame_reader_free(&r);
    rc_frame_reader_init(&r);
    n = RC_FRAME_MAX;
    uint8_t ok[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    rc_frame_reader_feed(&r, ok, 4);
    assert_int_equal(rc_frame_reader_next(&r, &msg, &len), RC_EAGAIN);
    rc_frame_reader_free(&r);

    rc_buf_t b = RC_BUF_INIT;
    assert_int_equal(rc_frame_append(&b, "x", (size_t)RC_FRAME_MAX + 1), RC_ETOOBIG);
    rc_buf_free(&b);
}

static void test_fd_helpers(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(rc_frame_write_fd(fds[1], "abc", 3), RC_OK);
    assert_int_equal(rc_frame_write_fd(fds[1], NULL, 0), RC_OK);
    /* A frame cut short by EOF. */
    uint8_t cut[6] = {10, 0, 0, 0, 'a', 'b'};
    assert_int_equal(write(fds[1], cut, sizeof(cut)), (ssize_t)sizeof(cut));
    close(fds[1]);
    uint8_t *out;
    size_t len;
    assert_int_equal(rc_frame_read_fd(fds[0], &out, &len, NULL), RC_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "abc", 3);
    rc_free(out);
    assert_int_equal(rc_frame_read_fd(fds[0], &out, &len, NULL), RC_OK);
    assert_int_equal(len, 0);
    rc_free(out);
    assert_int_equal(rc_frame_read_fd(fds[0], &out, &len, NULL), RC_EPROTO);
    assert_int_equal(rc_frame_read_fd(fds[0], &out, &len, NULL), RC_ECLOSED);
    close(fds[0]);

    /* An oversized length read from a descriptor. */
    assert_int_equal(pipe(fds), 0);
    uint8_t ff[4] = {0xff, 0xff, 0xff, 0x7f};
    assert_int_equal(write(fds[1], ff, 4), 4);
    close(fds[1]);
    assert_int_equal(rc_frame_read_fd(fds[0], &out, &len, NULL), RC_ETOOBIG);
    close(fds[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_and_batched),
        cmocka_unit_test(test_bad_length),
        cmocka_unit_test(test_fd_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
