/* test_ws.c — WebSocket framing: the RFC 6455 handshake example, frames of every
 * length class round-tripped masked and unmasked, incremental parsing at every
 * split point, and malformed frames refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "buf.h"
#include "ws.h"

static void test_accept_key(void **state)
{
    char out[29];
    /* RFC 6455 section 1.3 (also: openssl sha1 -binary | base64). */
    rc_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_int_equal(strlen(out), 28);
}

static const uint8_t MASK[4] = {0x37, 0xfa, 0x21, 0x3d};

/* RFC 6455 5.7: the exact bytes of its examples. */
static void test_rfc_examples(void **state)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_ws_frame_write(&b, RC_WS_OP_TEXT, "Hello", 5, NULL);
    assert_int_equal(b.len, 7);
    assert_memory_equal(b.data, "\x81\x05\x48\x65\x6c\x6c\x6f", 7);
    rc_buf_clear(&b);
    rc_ws_frame_write(&b, RC_WS_OP_TEXT, "Hello", 5, MASK);
    assert_int_equal(b.len, 11);
    assert_memory_equal(b.data, "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11);
    rc_buf_free(&b);

    /* A fragmented unmasked text message, then an unmasked ping. */
    uint8_t in[] = {0x01, 0x03, 'H',  'e', 'l', 0x80, 0x02, 'l',
                    'o',  0x89, 0x05, 'H', 'e', 'l',  'l',  'o'};
    rc_ws_frame_t f;
    size_t used, off = 0;
    assert_int_equal(rc_ws_frame_parse(in, sizeof in, 100, 0, &f, &used, NULL, 0), RC_OK);
    assert_int_equal(f.fin, 0);
    assert_int_equal(f.opcode, RC_WS_OP_TEXT);
    assert_int_equal(f.len, 3);
    assert_memory_equal(f.payload, "Hel", 3);
    off += used;
    assert_int_equal(rc_ws_frame_parse(in + off, sizeof in - off, 100, 0, &f, &used, NULL, 0),
                     RC_OK);
    assert_int_equal(f.fin, 1);
    assert_int_equal(f.opcode, RC_WS_OP_CONT);
    assert_memory_equal(f.payload, "lo", 2);
    off += used;
    assert_int_equal(rc_ws_frame_parse(in + off, sizeof in - off, 100, 0, &f, &used, NULL, 0),
                     RC_OK);
    assert_int_equal(f.opcode, RC_WS_OP_PING);
    assert_memory_equal(f.payload, "Hello", 5);
    off += used;
    assert_int_equal(off, sizeof in);
}

static size_t header_len(size_t len, int masked)
{
    size_t h = len < 126 ? 2 : len <= 0xFFFF ? 4 : 10;
    return h + (masked ? 4 : 0);
}

/* Writes one frame, checks its header size, parses it back, and checks that
 * every shorter prefix is RC_EAGAIN (step > 1 for long frames: the payload
 * middle is all alike, so test every split in the header and near the ends). */
static void roundtrip(int opcode, size_t len, int masked)
{
    uint8_t *payload = rc_malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++) payload[i] = (uint8_t)(i * 7 + 3);
    rc_buf_t b = RC_BUF_INIT;
    rc_ws_frame_write(&b, opcode, payload, len, masked ? MASK : NULL);
    assert_int_equal(b.len, header_len(len, masked) + len);
    assert_int_equal((uint8_t)b.data[1] & 0x80, masked ? 0x80 : 0);

    rc_ws_frame_t f;
    size_t used = 0;
    for (size_t cut = 0; cut < b.len; cut++) {
        if (cut > 64 && cut < b.len - 64) cut = b.len - 64;
        assert_int_equal(
            rc_ws_frame_parse((uint8_t *)b.data, cut, SIZE_MAX, masked, &f, &used, NULL, 0),
            RC_EAGAIN);
    }
    /* Trailing bytes of a next frame are not consumed. */
    rc_buf_append(&b, "\x81", 1);
    assert_int_equal(
        rc_ws_frame_parse((uint8_t *)b.data, b.len, SIZE_MAX, masked, &f, &used, NULL, 0), RC_OK);
    assert_int_equal(used, b.len - 1);
    assert_int_equal(f.fin, 1);
    assert_int_equal(f.opcode, opcode);
    assert_int_equal(f.len, len);
    if (len) assert_memory_equal(f.payload, payload, len);
    assert_ptr_equal(f.payload, (uint8_t *)b.data + header_len(len, masked));
    rc_buf_free(&b);
    rc_free(payload);
}

static void test_roundtrip_lengths(void **state)
{
    static const size_t lens[] = {0, 1, 5, 125, 126, 127, 1000, 65535, 65536, 70000};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        roundtrip(RC_WS_OP_TEXT, lens[i], 0);
        roundtrip(RC_WS_OP_TEXT, lens[i], 1);
        roundtrip(RC_WS_OP_BINARY, lens[i], 1);
    }
    roundtrip(RC_WS_OP_PING, 125, 1);
    roundtrip(RC_WS_OP_PONG, 0, 0);
}

/* -1 accepts either masking. */
static void test_expect_any(void **state)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_ws_frame_write(&b, RC_WS_OP_TEXT, "ab", 2, MASK);
    rc_ws_frame_write(&b, RC_WS_OP_TEXT, "cd", 2, NULL);
    rc_ws_frame_t f;
    size_t used;
    assert_int_equal(rc_ws_frame_parse((uint8_t *)b.data, b.len, 10, -1, &f, &used, NULL, 0),
                     RC_OK);
    assert_memory_equal(f.payload, "ab", 2);
    assert_int_equal(
        rc_ws_frame_parse((uint8_t *)b.data + used, b.len - used, 10, -1, &f, &used, NULL, 0),
        RC_OK);
    assert_memory_equal(f.payload, "cd", 2);
    rc_buf_free(&b);
}

static void test_close_frames(void **state)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_ws_close_frame_write(&b, RC_WS_CLOSE_NORMAL, "bye", NULL);
    rc_ws_frame_t f;
    size_t used;
    assert_int_equal(rc_ws_frame_parse((uint8_t *)b.data, b.len, 0, 0, &f, &used, NULL, 0),
                     RC_ETOOBIG); /* max_payload applies to control frames too */
    assert_int_equal(rc_ws_frame_parse((uint8_t *)b.data, b.len, 125, 0, &f, &used, NULL, 0),
                     RC_OK);
    assert_int_equal(f.opcode, RC_WS_OP_CLOSE);
    int code;
    const char *reason;
    size_t rlen;
    rc_ws_close_payload(f.payload, f.len, &code, &reason, &rlen);
    assert_int_equal(code, 1000);
    assert_int_equal(rlen, 3);
    assert_memory_equal(reason, "bye", 3);

    /* A long reason is cut to the control frame limit. */
    char longr[300];
    memset(longr, 'x', sizeof longr - 1);
    longr[sizeof longr - 1] = '\0';
    rc_buf_clear(&b);
    rc_ws_close_frame_write(&b, RC_WS_CLOSE_GOING, longr, MASK);
    assert_int_equal(rc_ws_frame_parse((uint8_t *)b.data, b.len, 1000, 1, &f, &used, NULL, 0),
                     RC_OK);
    assert_int_equal(f.len, 125);
    rc_ws_close_payload(f.payload, f.len, &code, &reason, &rlen);
    assert_int_equal(code, 1001);
    assert_int_equal(rlen, 123);

    /* No code: empty payload, reported as 1005. */
    rc_buf_clear(&b);
    rc_ws_close_frame_write(&b, 0, "ignored", NULL);
    assert_int_equal(b.len, 2);
    assert_int_equal(rc_ws_frame_parse((uint8_t *)b.data, b.len, 1000, 0, &f, &used, NULL, 0),
                     RC_OK);
    rc_ws_close_payload(f.payload, f.len, &code, &reason, &rlen);
    assert_int_equal(code, 1005);
    assert_int_equal(rlen, 0);
    rc_buf_free(&b);
}

static void expect_err(const void *bytes, size_t len, int expect_masked, size_t max, rc_err_t want,
                       const char *msg_part)
{
    uint8_t buf[64];
    assert_true(len <= sizeof buf);
    memcpy(buf, bytes, len);
    rc_ws_frame_t f;
    size_t used = 12345;
    char err[128] = "";
    assert_int_equal(rc_ws_frame_parse(buf, len, max, expect_masked, &f, &used, err, sizeof err),
                     want);
    assert_int_equal(used, 12345);
    assert_non_null(strstr(err, msg_part));
}

static void test_malformed(void **state)
{
    /* Reserved bits RSV1..3. */
    expect_err("\xc1\x00", 2, 0, 100, RC_EPROTO, "reserved");
    expect_err("\xa1\x00", 2, 0, 100, RC_EPROTO, "reserved");
    expect_err("\x91\x00", 2, 0, 100, RC_EPROTO, "reserved");
    /* Reserved opcodes. */
    for (int op = 3; op <= 7; op++) {
        uint8_t fr[2] = {(uint8_t)(0x80 | op), 0};
        expect_err(fr, 2, 0, 100, RC_EPROTO, "opcode");
    }
    for (int op = 0xB; op <= 0xF; op++) {
        uint8_t fr[2] = {(uint8_t)(0x80 | op), 0};
        expect_err(fr, 2, 0, 100, RC_EPROTO, "opcode");
    }
    /* Control frames: fragmented, or longer than 125 (7-bit 126 = 16-bit length). */
    expect_err("\x09\x00", 2, 0, 100, RC_EPROTO, "fragmented");
    expect_err("\x88\x7e\x00\x7e", 4, 0, 1000, RC_EPROTO, "125");
    expect_err("\x8a\x7f", 2, 0, 1000, RC_EPROTO, "125");
    /* Close with a 1-byte payload (a code needs 2). */
    expect_err("\x88\x01\x03", 3, 0, 100, RC_EPROTO, "1-byte");
    /* Masking against expectations. */
    expect_err("\x81\x00", 2, 1, 100, RC_EPROTO, "not masked");
    expect_err("\x81\x80\x01\x02\x03\x04", 6, 0, 100, RC_EPROTO, "masked");
    /* 64-bit length with the top bit set. */
    expect_err("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10, 0, SIZE_MAX, RC_EPROTO, "top bit");
    /* Too big: known from the header, before the payload arrives. */
    expect_err("\x82\x7e\x01\x00", 4, 0, 255, RC_ETOOBIG, "too large");
    expect_err("\x82\x7f\x00\x00\x00\x01\x00\x00\x00\x00", 10, 0, 1 << 20, RC_ETOOBIG, "too large");
    expect_err("\x81\x06", 2, 0, 5, RC_ETOOBIG, "too large");
    /* errmsg may be NULL. */
    uint8_t bad[2] = {0xc1, 0};
    rc_ws_frame_t f;
    size_t used;
    assert_int_equal(rc_ws_frame_parse(bad, 2, 10, -1, &f, &used, NULL, 0), RC_EPROTO);
    /* Fewer than 2 bytes is always RC_EAGAIN. */
    assert_int_equal(rc_ws_frame_parse(bad, 0, 10, -1, &f, &used, NULL, 0), RC_EAGAIN);
    assert_int_equal(rc_ws_frame_parse(bad, 1, 10, -1, &f, &used, NULL, 0), RC_EAGAIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_key),        cmocka_unit_test(test_rfc_examples),
        cmocka_unit_test(test_roundtrip_lengths), cmocka_unit_test(test_expect_any),
        cmocka_unit_test(test_close_frames),      cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
