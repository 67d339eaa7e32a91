/* test_ws_client.c — the WebSocket client's state machine against in-memory
 * byte streams: the upgrade request, the server's 101 (checked against our
 * key), frames fed whole and byte by byte, PING/PONG, fragmented messages,
 * the closing handshake, refused upgrades (404 with a body) and bad frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "ws.h"
#include "ws_client.h"

static const uint8_t nonce[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* The server side: a 101 answer for the client's key. */
static void server_accept(rc_buf_t *s, const char *key)
{
    char accept[29];
    rc_ws_accept_key(key, accept);
    rc_buf_printf(s,
                  "HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\n"
                  "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                  accept);
}

/* What a run of the client produced. */
typedef struct {
    rc_buf_t data;  /* every DATA payload, concatenated */
    size_t ndata;   /* DATA events */
    int closed;     /* a CLOSE event came */
    int close_code; /* its code */
    rc_buf_t sent;  /* what the client wants sent back */
    rc_err_t last;  /* the last non-OK result (RC_EAGAIN when it wants more) */
    char err[512];
} run_t;

static void run_init(run_t *r)
{
    memset(r, 0, sizeof(*r));
}

static void run_free(run_t *r)
{
    rc_buf_free(&r->data);
    rc_buf_free(&r->sent);
}

/* Drains the client's events. */
static void drain(rc_ws_client_t *c, run_t *r)
{
    for (;;) {
        rc_ws_event_t ev;
        rc_err_t e = rc_ws_client_next(c, &ev, &r->sent, r->err, sizeof(r->err));
        if (e != RC_OK) {
            r->last = e;
            return;
        }
        if (ev.type == RC_WS_EV_DATA) {
            rc_buf_append(&r->data, ev.data, ev.len);
            r->ndata++;
        } else {
            r->closed = 1;
            r->close_code = ev.close_code;
        }
    }
}

/* Feeds stream to a new client, all at once or byte by byte. */
static rc_ws_client_t *feed(const rc_buf_t *stream, int bytewise, run_t *r)
{
    rc_ws_client_t *c = rc_ws_client_new(nonce);
    run_init(r);
    if (!bytewise) {
        rc_ws_client_feed(c, stream->data, stream->len);
        drain(c, r);
        return c;
    }
    for (size_t i = 0; i < stream->len; i++) {
        rc_ws_client_feed(c, stream->data + i, 1);
        drain(c, r);
    }
    return c;
}

/* The key the client derives from nonce. */
static const char *client_key(void)
{
    static char key[25];
    rc_base64_encode(nonce, 16, key);
    return key;
}

/* Parses the client's frames in sent: each must be masked. */
static void expect_sent(const rc_buf_t *sent, int op1, const char *payload1, int close_code)
{
    rc_buf_t copy = RC_BUF_INIT;
    rc_buf_append(&copy, sent->data, sent->len);
    rc_ws_frame_t f;
    size_t used;
    char why[128];
    assert_int_equal(
        rc_ws_frame_parse((uint8_t *)copy.data, copy.len, 1 << 20, 1, &f, &used, why, sizeof(why)),
        RC_OK);
    assert_int_equal(f.opcode, op1);
    if (op1 == RC_WS_OP_CLOSE) {
        int code;
        const char *reason;
        size_t rlen;
        rc_ws_close_payload(f.payload, f.len, &code, &reason, &rlen);
        assert_int_equal(code, close_code);
    } else {
        assert_int_equal(f.len, strlen(payload1));
        assert_memory_equal(f.payload, payload1, f.len);
    }
    assert_int_equal(used, copy.len); /* exactly one frame */
    rc_buf_free(&copy);
}

static void test_request(void **state)
{
    (void)state;
    rc_ws_client_t *c = rc_ws_client_new(nonce);
    rc_buf_t out = RC_BUF_INIT;
    rc_ws_client_request(c, "127.0.0.1:8265", "/api/jobs/a%20b/logs/tail", &out);
    char want[512];
    snprintf(want, sizeof(want),
             "GET /api/jobs/a%%20b/logs/tail HTTP/1.1\r\nHost: 127.0.0.1:8265\r\n"
             "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
             "Sec-WebSocket-Version: 13\r\nUser-Agent: rayc/" RC_VERSION "\r\n\r\n",
             client_key());
    assert_string_equal(out.data, want);
    assert_string_equal(client_key(), "AQIDBAUGBwgJCgsMDQ4PEA==");
    assert_int_equal(rc_ws_client_state(c), RC_WS_CLIENT_HANDSHAKE);
    rc_buf_free(&out);
    rc_ws_client_free(c);
}

/* The log tail as the dashboard sends it: chunks, a ping, a close. */
static void stream_of_log(rc_buf_t *s)
{
    server_accept(s, client_key());
    rc_ws_frame_write(s, RC_WS_OP_TEXT, "hello ", 6, NULL);
    rc_ws_frame_write(s, RC_WS_OP_PING, "p1", 2, NULL);
    rc_ws_frame_write(s, RC_WS_OP_TEXT, "world\n", 6, NULL);
    rc_ws_frame_write(s, RC_WS_OP_TEXT, "", 0, NULL);
    rc_ws_close_frame_write(s, RC_WS_CLOSE_NORMAL, "job ended", NULL);
}

static void test_log_stream(void **state)
{
    (void)state;
    for (int bytewise = 0; bytewise <= 1; bytewise++) {
        rc_buf_t s = RC_BUF_INIT;
        stream_of_log(&s);
        run_t r;
        rc_ws_client_t *c = feed(&s, bytewise, &r);
        assert_int_equal(r.last, RC_ECLOSED);
        assert_int_equal(r.ndata, 3);
        assert_int_equal(r.data.len, 12);
        assert_memory_equal(r.data.data, "hello world\n", 12);
        assert_true(r.closed);
        assert_int_equal(r.close_code, 1000);
        assert_int_equal(rc_ws_client_state(c), RC_WS_CLIENT_CLOSED);
        assert_int_equal(rc_ws_client_http_status(c), 101);
        /* The PONG, then our CLOSE echoing 1000. */
        rc_buf_t copy = RC_BUF_INIT;
        rc_buf_append(&copy, r.sent.data, r.sent.len);
        rc_ws_frame_t f;
        size_t used;
        assert_int_equal(
            rc_ws_frame_parse((uint8_t *)copy.data, copy.len, 1 << 20, 1, &f, &used, NULL, 0),
            RC_OK);
        assert_int_equal(f.opcode, RC_WS_OP_PONG);
        assert_memory_equal(f.payload, "p1", 2);
        rc_buf_t rest = RC_BUF_INIT;
        rc_buf_append(&rest, copy.data + used, copy.len - used);
        expect_sent(&rest, RC_WS_OP_CLOSE, NULL, 1000);
        rc_buf_free(&rest);
        rc_buf_free(&copy);
        assert_int_equal(rc_ws_client_eof(c, r.err, sizeof(r.err)), RC_OK);
        run_free(&r);
        rc_buf_free(&s);
        rc_ws_client_free(c);
    }
}

static void test_fragments(void **state)
{
    (void)state;
    rc_buf_t s = RC_BUF_INIT;
    server_accept(&s, client_key());
    /* TEXT without FIN, a PING between, CONT with FIN. */
    rc_buf_append(&s,
                  "\x01\x03"
                  "abc",
                  5);
    rc_ws_frame_write(&s, RC_WS_OP_PING, "", 0, NULL);
    rc_buf_append(&s,
                  "\x80\x02"
                  "de",
                  4);
    /* A close without a status: echoed without one. */
    rc_buf_append(&s, "\x88\x00", 2);
    run_t r;
    rc_ws_client_t *c = feed(&s, 1, &r);
    assert_int_equal(r.ndata, 2);
    assert_memory_equal(r.data.data, "abcde", 5);
    assert_true(r.closed);
    assert_int_equal(r.close_code, 1005);
    run_free(&r);
    rc_ws_client_free(c);
    rc_buf_free(&s);
}

static void expect_stream_error(const char *what, void (*build)(rc_buf_t *), rc_err_t want,
                                const char *needle, int close_code)
{
    rc_buf_t s = RC_BUF_INIT;
    build(&s);
    run_t r;
    rc_ws_client_t *c = feed(&s, 0, &r);
    if (r.last != want) fail_msg("%s: got %s (%s)", what, rc_errname(r.last), r.err);
    if (!strstr(r.err, needle)) fail_msg("%s: error '%s' lacks '%s'", what, r.err, needle);
    if (close_code)
        expect_sent(&r.sent, RC_WS_OP_CLOSE, NULL, close_code);
    else
        assert_int_equal(r.sent.len, 0);
    assert_int_equal(rc_ws_client_state(c), RC_WS_CLIENT_CLOSED);
    /* Once failed, it stays failed. */
    rc_ws_event_t ev;
    assert_int_equal(rc_ws_client_next(c, &ev, &r.sent, r.err, sizeof(r.err)), RC_ECLOSED);
    run_free(&r);
    rc_ws_client_free(c);
    rc_buf_free(&s);
}

static void bad_accept(rc_buf_t *s)
{
    server_accept(s, "dGhlIHNhbXBsZSBub25jZQ==");
}

static void no_upgrade(rc_buf_t *s)
{
    char accept[29];
    rc_ws_accept_key(client_key(), accept);
    rc_buf_printf(s,
                  "HTTP/1.1 101 OK\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Accept: %s\r\n\r\n",
                  accept);
}

static void not_http(rc_buf_t *s)
{
    rc_buf_append_str(s, "-ERR unknown command\r\n\r\n");
}

static void masked_frame(rc_buf_t *s)
{
    server_accept(s, client_key());
    const uint8_t mask[4] = {1, 2, 3, 4};
    rc_ws_frame_write(s, RC_WS_OP_TEXT, "x", 1, mask);
}

static void huge_frame(rc_buf_t *s)
{
    server_accept(s, client_key());
    /* Header only: 64-bit length of 1 GiB; refused before the payload. */
    rc_buf_append(s, "\x81\x7f\x00\x00\x00\x00\x40\x00\x00\x00", 10);
}

static void stray_cont(rc_buf_t *s)
{
    server_accept(s, client_key());
    rc_buf_append(s, "\x80\x01x", 3);
}

static void unfinished_message(rc_buf_t *s)
{
    server_accept(s, client_key());
    rc_buf_append(s, "\x01\x01x\x81\x01y", 6);
}

static void test_errors(void **state)
{
    (void)state;
    expect_stream_error("bad accept", bad_accept, RC_EPROTO, "Sec-WebSocket-Accept", 0);
    expect_stream_error("no upgrade", no_upgrade, RC_EPROTO, "not to WebSocket", 0);
    expect_stream_error("not http", not_http, RC_EPROTO, "not HTTP", 0);
    expect_stream_error("masked", masked_frame, RC_EPROTO, "bad WebSocket frame", 1002);
    expect_stream_error("huge", huge_frame, RC_ETOOBIG, "larger than", 1009);
    expect_stream_error("cont", stray_cont, RC_EPROTO, "continuation frame outside", 1002);
    expect_stream_error("unfinished", unfinished_message, RC_EPROTO, "before the last one ended",
                        1002);
}

/* A refused upgrade: the body is the error, as for the REST calls. */
static void test_refused(void **state)
{
    (void)state;
    /* With Content-Length, byte by byte: known complete without EOF. */
    rc_buf_t s = RC_BUF_INIT;
    rc_buf_append_str(&s, "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                          "Content-Length: 30\r\n\r\nJob 'nope' does not exist.\r\n\r\n");
    run_t r;
    rc_ws_client_t *c = feed(&s, 1, &r);
    assert_int_equal(r.last, RC_EPROTO);
    assert_string_equal(r.err, "Job 'nope' does not exist.");
    assert_int_equal(rc_ws_client_http_status(c), 404);
    run_free(&r);
    rc_ws_client_free(c);
    rc_buf_free(&s);

    /* Without: the body is complete at EOF. */
    rc_buf_append_str(&s, "HTTP/1.0 500 Oops\r\n\r\nsomething broke\n");
    c = feed(&s, 0, &r);
    assert_int_equal(r.last, RC_EAGAIN);
    assert_int_equal(rc_ws_client_eof(c, r.err, sizeof(r.err)), RC_EPROTO);
    assert_string_equal(r.err, "something broke");
    assert_int_equal(rc_ws_client_http_status(c), 500);
    run_free(&r);
    rc_ws_client_free(c);
    rc_buf_free(&s);

    /* No body at all. */
    rc_buf_append_str(&s, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    c = feed(&s, 0, &r);
    assert_int_equal(r.last, RC_EPROTO);
    assert_non_null(strstr(r.err, "HTTP 403"));
    run_free(&r);
    rc_ws_client_free(c);
    rc_buf_free(&s);
}

static void test_eof(void **state)
{
    (void)state;
    /* EOF before any answer, and after frames without a close. */
    rc_ws_client_t *c = rc_ws_client_new(nonce);
    char err[256];
    assert_int_equal(rc_ws_client_eof(c, err, sizeof(err)), RC_ECLOSED);
    assert_non_null(strstr(err, "before answering"));
    rc_ws_client_free(c);

    rc_buf_t s = RC_BUF_INIT;
    server_accept(&s, client_key());
    rc_ws_frame_write(&s, RC_WS_OP_TEXT, "partial", 7, NULL);
    run_t r;
    c = feed(&s, 0, &r);
    assert_int_equal(r.last, RC_EAGAIN);
    assert_int_equal(r.ndata, 1);
    assert_int_equal(rc_ws_client_eof(c, err, sizeof(err)), RC_ECLOSED);
    assert_non_null(strstr(err, "without a close frame"));
    run_free(&r);
    rc_ws_client_free(c);
    rc_buf_free(&s);

    /* An over-long handshake answer is refused. */
    c = rc_ws_client_new(nonce);
    run_init(&r);
    char junk[4096];
    memset(junk, 'a', sizeof(junk));
    for (int i = 0; i < 20; i++) rc_ws_client_feed(c, junk, sizeof(junk));
    drain(c, &r);
    assert_int_equal(r.last, RC_ETOOBIG);
    run_free(&r);
    rc_ws_client_free(c);
}

/* Closing from our side (Ctrl-C): one masked CLOSE 1001, only once. */
static void test_client_close(void **state)
{
    (void)state;
    rc_buf_t s = RC_BUF_INIT;
    server_accept(&s, client_key());
    run_t r;
    rc_ws_client_t *c = feed(&s, 0, &r);
    assert_int_equal(rc_ws_client_state(c), RC_WS_CLIENT_OPEN);
    rc_ws_client_close(c, RC_WS_CLOSE_GOING, &r.sent);
    rc_ws_client_close(c, RC_WS_CLOSE_GOING, &r.sent);
    expect_sent(&r.sent, RC_WS_OP_CLOSE, NULL, 1001);
    /* The server's answering CLOSE is not echoed again. */
    rc_buf_clear(&r.sent);
    rc_buf_t s2 = RC_BUF_INIT;
    rc_ws_close_frame_write(&s2, 1001, NULL, NULL);
    rc_ws_client_feed(c, s2.data, s2.len);
    drain(c, &r);
    assert_true(r.closed);
    assert_int_equal(r.sent.len, 0);
    run_free(&r);
    rc_ws_client_free(c);
    rc_buf_free(&s);
    rc_buf_free(&s2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request),      cmocka_unit_test(test_log_stream),
        cmocka_unit_test(test_fragments),    cmocka_unit_test(test_errors),
        cmocka_unit_test(test_refused),      cmocka_unit_test(test_eof),
        cmocka_unit_test(test_client_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
