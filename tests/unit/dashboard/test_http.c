/* test_http.c — the dashboard's HTTP + WebSocket server on loopback.
 *
 * The loop runs in the test's main thread (uv_run); a client thread talks to
 * the server with libcurl or a raw socket, records what it saw, and signals the
 * loop when done. Assertions run on the main thread after pthread_join (cmocka
 * must not fail from another thread). Every server uses an ephemeral port on
 * 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "alloc.h"
#include "buf.h"
#include "http.h"
#include "ws.h"

#define IO_TIMEOUT_MS 5000
#define GUARD_MS      9000

/* ---- fixture: loop side ---------------------------------------------------- */

typedef struct fx fx_t;
struct fx {
    uv_loop_t loop;
    uv_async_t done_async;
    uv_timer_t guard;
    rc_http_server_t *srv;
    int port;
    size_t max_body;
    void *(*client)(void *);
    pthread_t th;
    int client_done; /* loop thread */
    int timed_out;
    int want_ws_closed; /* finish only after this many CLOSED events */

    /* loop-thread records */
    int nreq;
    int ws_closed;
    int ws_opened;
    int ws_echo;
    rc_buf_t ws_texts; /* every TEXT event, each followed by '\n' */
    int late_answer_done;
    rc_err_t flood_rc, flood_after;
    int flood_n;

    /* /block: the handler waits for the client's go */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int go;

    /* client results (read by the main thread after join) */
    int status[8];
    rc_buf_t body[8];
    int ok; /* client-side checks that passed */
    int n_ok;
    char accept[64], want_accept[29];
    rc_buf_t got; /* what the client read over a WebSocket */
};

static fx_t *FX;

static void stop_server(fx_t *fx)
{
    rc_http_server_t *s = fx->srv;
    fx->srv = NULL;
    if (s) rc_http_server_stop(s);
}

static void maybe_finish(fx_t *fx)
{
    if (!fx->client_done) return;
    if (!fx->timed_out && fx->ws_closed < fx->want_ws_closed) return;
    stop_server(fx);
    if (!uv_is_closing((uv_handle_t *)&fx->done_async)) {
        uv_close((uv_handle_t *)&fx->done_async, NULL);
        uv_close((uv_handle_t *)&fx->guard, NULL);
    }
}

static void on_client_done(uv_async_t *a)
{
    fx_t *fx = a->data;
    fx->client_done = 1;
    maybe_finish(fx);
}

static void on_guard(uv_timer_t *t)
{
    fx_t *fx = t->data;
    fx->timed_out = 1;
    stop_server(fx); /* unblocks the client */
    maybe_finish(fx);
}

static void ws_event(void *arg, rc_ws_t *ws, rc_ws_ev_t ev, const char *data, size_t len)
{
    fx_t *fx = arg;
    if (ev == RC_WS_EV_CLOSED) {
        fx->ws_closed++;
        maybe_finish(fx);
        return;
    }
    assert_int_equal(data[len], '\0');
    rc_buf_append(&fx->ws_texts, data, len);
    rc_buf_append_char(&fx->ws_texts, '\n');
    if (fx->ws_echo) {
        rc_buf_t b = RC_BUF_INIT;
        rc_buf_printf(&b, "echo:%.*s", (int)len, data);
        /* RC_ECLOSED when delivered during teardown (server stop). */
        rc_err_t rc = rc_ws_send_text(ws, b.data, b.len);
        assert_true(rc == RC_OK || rc == RC_ECLOSED);
        rc_buf_free(&b);
    }
}

static void handler(void *arg, rc_http_req_t *r)
{
    fx_t *fx = arg;
    const char *p = rc_http_req_path(r);
    fx->nreq++;
    if (strncmp(p, "/echo", 5) == 0) {
        char a[64] = "-", b[64] = "-", none[8];
        size_t blen;
        const void *body = rc_http_req_body(r, &blen);
        rc_http_req_query_param(r, "a", a, sizeof a);
        rc_http_req_query_param(r, "b", b, sizeof b);
        int has_none = rc_http_req_query_param(r, "none", none, sizeof none);
        const char *x = rc_http_req_header(r, "x-TEST");
        rc_buf_t o = RC_BUF_INIT;
        rc_buf_printf(&o, "%s|%s|%s|a=%s|b=%s|none=%d|hdr=%s|len=%zu|", rc_http_req_method(r), p,
                      rc_http_req_query(r), a, b, has_none, x ? x : "(null)", blen);
        if (blen <= 64) rc_buf_append(&o, body, blen);
        rc_http_req_add_res_header(r, "X-Reply", "yes");
        rc_http_req_respond(r, 200, "text/plain", o.data, o.len);
        rc_buf_free(&o);
    } else if (strcmp(p, "/ws") == 0 && rc_http_req_is_websocket(r)) {
        char mode[16] = "";
        rc_http_req_query_param(r, "mode", mode, sizeof mode);
        rc_ws_t *ws = rc_http_req_upgrade_ws(r, ws_event, fx);
        if (!ws) return;
        fx->ws_opened++;
        fx->ws_echo = strcmp(mode, "echo") == 0;
        if (strcmp(mode, "push") == 0) {
            assert_int_equal(rc_ws_send_text(ws, "m1", 2), RC_OK);
            assert_int_equal(rc_ws_send_text(ws, "second message", 14), RC_OK);
            char big[70000];
            memset(big, 'z', sizeof big);
            assert_int_equal(rc_ws_send_text(ws, big, sizeof big), RC_OK);
            rc_ws_close(ws, RC_WS_CLOSE_NORMAL, "bye");
            assert_int_equal(rc_ws_send_text(ws, "late", 4), RC_ECLOSED);
            rc_ws_close(ws, RC_WS_CLOSE_NORMAL, "again"); /* no-op */
        } else if (strcmp(mode, "flood") == 0) {
            /* The client does not read yet: the queue passes 16 MiB. */
            size_t n = (size_t)1 << 20;
            char *big = rc_malloc(n);
            memset(big, 'f', n);
            rc_err_t rc = RC_OK;
            int i;
            for (i = 0; i < 64 && rc == RC_OK; i++) rc = rc_ws_send_text(ws, big, n);
            fx->flood_rc = rc;
            fx->flood_n = i;
            fx->flood_after = rc_ws_send_text(ws, "x", 1);
            rc_free(big);
        }
    } else if (strcmp(p, "/ws") == 0) {
        rc_http_req_respond_text(r, 426, "use a WebSocket");
    } else if (strcmp(p, "/block") == 0) {
        /* Hold the loop until the client has sent more work, then stop the
         * server with this request unanswered, another queued and a ws open. */
        pthread_mutex_lock(&fx->mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        while (!fx->go)
            if (pthread_cond_timedwait(&fx->cv, &fx->mu, &ts) != 0) break;
        pthread_mutex_unlock(&fx->mu);
        stop_server(fx);
        /* Answering after stop only frees the request. */
        assert_null(rc_http_req_header(r, "Host"));
        rc_http_req_respond_text(r, 200, "too late");
        fx->late_answer_done = 1;
    } else if (strcmp(p, "/count") == 0) {
        rc_http_req_respond(r, 200, "text/plain", "ok", 2);
    } else {
        rc_http_req_respond_text(r, 404, "no route for %s", p);
    }
}

static void fx_run(fx_t *fx, void *(*client)(void *))
{
    FX = fx;
    assert_int_equal(uv_loop_init(&fx->loop), 0);
    rc_http_opts_t o;
    rc_http_opts_default(&o);
    o.port = 0;
    if (fx->max_body) o.max_body = fx->max_body;
    char err[256] = "";
    assert_int_equal(rc_http_server_start(&fx->loop, &o, handler, fx, &fx->srv, err, sizeof err),
                     RC_OK);
    fx->port = rc_http_server_port(fx->srv);
    assert_true(fx->port > 0);
    pthread_mutex_init(&fx->mu, NULL);
    pthread_cond_init(&fx->cv, NULL);
    uv_async_init(&fx->loop, &fx->done_async, on_client_done);
    fx->done_async.data = fx;
    uv_timer_init(&fx->loop, &fx->guard);
    fx->guard.data = fx;
    uv_timer_start(&fx->guard, on_guard, GUARD_MS, 0);
    assert_int_equal(pthread_create(&fx->th, NULL, client, fx), 0);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    pthread_join(fx->th, NULL);
    assert_int_equal(uv_loop_close(&fx->loop), 0);
    pthread_mutex_destroy(&fx->mu);
    pthread_cond_destroy(&fx->cv);
    assert_false(fx->timed_out);
}

static void fx_free(fx_t *fx)
{
    rc_buf_free(&fx->ws_texts);
    rc_buf_free(&fx->got);
    for (int i = 0; i < 8; i++) rc_buf_free(&fx->body[i]);
}

static void client_done(fx_t *fx)
{
    uv_async_send(&fx->done_async);
}

/* ---- client helpers (client threads) -------------------------------------- */

static size_t curl_write(char *p, size_t size, size_t n, void *arg)
{
    rc_buf_append(arg, p, size * n);
    return size * n;
}

/* One request with libcurl; returns the status (0 on a transport error). */
static int curl_req(CURL *c, int port, const char *method, const char *path, const char *hdr,
                    const void *body, size_t len, rc_buf_t *out)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *h = NULL;
    if (hdr) h = curl_slist_append(h, hdr);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)IO_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    return (int)status;
}

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Appends what arrives to b; 0 on EOF, -1 on error or timeout, else bytes. */
static ssize_t recv_some(int fd, rc_buf_t *b)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, IO_TIMEOUT_MS) != 1) return -1;
    char *dst = rc_buf_reserve(b, 65536);
    ssize_t n = recv(fd, dst, 65536, 0);
    if (n > 0) {
        b->len += (size_t)n;
        b->data[b->len] = '\0';
    }
    return n;
}

/* Reads one HTTP response (headers + Content-Length body) from fd; in holds
 * what was read so far and keeps bytes past the response. Status or -1. */
static int read_response(int fd, rc_buf_t *in, rc_buf_t *body, char *hdrs, size_t hcap)
{
    char *end;
    while (!in->data || !(end = strstr(in->data, "\r\n\r\n")))
        if (recv_some(fd, in) <= 0) return -1;
    size_t hlen = (size_t)(end - in->data) + 4;
    if (hdrs) snprintf(hdrs, hcap, "%.*s", (int)hlen, in->data);
    int status = 0;
    sscanf(in->data, "HTTP/1.1 %d", &status);
    size_t clen = 0;
    const char *cl = strcasestr(in->data, "Content-Length:");
    if (cl && cl < end) clen = strtoul(cl + 15, NULL, 10);
    if (status == 101) clen = 0;
    while (in->len < hlen + clen)
        if (recv_some(fd, in) <= 0) return -1;
    if (body) rc_buf_append(body, in->data + hlen, clen);
    rc_buf_consume(in, hlen + clen);
    return status;
}

/* One raw request on a fresh connection. */
static int raw_req(int port, const char *req, size_t len, rc_buf_t *body)
{
    int fd = tcp_connect(port);
    if (fd < 0) return -1;
    rc_buf_t in = RC_BUF_INIT;
    int st = send_all(fd, req, len) == 0 ? read_response(fd, &in, body, NULL, 0) : -1;
    rc_buf_free(&in);
    close(fd);
    return st;
}

static const char WS_KEY[] = "dGhlIHNhbXBsZSBub25jZQ==";

/* Handshake; returns the fd (in keeps bytes past the 101) or -1. */
static int ws_open(fx_t *fx, const char *path, rc_buf_t *in)
{
    int fd = tcp_connect(fx->port);
    if (fd < 0) return -1;
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     path, WS_KEY);
    char hdrs[1024] = "";
    if (send_all(fd, req, (size_t)n) != 0 ||
        read_response(fd, in, NULL, hdrs, sizeof hdrs) != 101) {
        close(fd);
        return -1;
    }
    const char *a = strcasestr(hdrs, "Sec-WebSocket-Accept: ");
    if (a) sscanf(a + 22, "%63s", fx->accept);
    rc_ws_accept_key(WS_KEY, fx->want_accept);
    return fd;
}

static int ws_send(int fd, int opcode, const void *p, size_t len, int fin)
{
    static const uint8_t mask[4] = {0x11, 0x22, 0x33, 0x44};
    rc_buf_t b = RC_BUF_INIT;
    rc_ws_frame_write(&b, opcode, p, len, mask);
    if (!fin) b.data[0] &= 0x7F;
    int rc = send_all(fd, b.data, b.len);
    rc_buf_free(&b);
    return rc;
}

/* Reads one server frame; appends "op:payload\n" to out. 1, 0 on EOF, -1. */
static int ws_recv(int fd, rc_buf_t *in, rc_buf_t *out)
{
    for (;;) {
        rc_ws_frame_t f;
        size_t used;
        rc_err_t rc = in->len ? rc_ws_frame_parse((uint8_t *)in->data, in->len, 1 << 20, 0, &f,
                                                  &used, NULL, 0)
                              : RC_EAGAIN;
        if (rc == RC_OK) {
            if (f.opcode == RC_WS_OP_CLOSE) {
                int code;
                const char *reason;
                size_t rl;
                rc_ws_close_payload(f.payload, f.len, &code, &reason, &rl);
                rc_buf_printf(out, "close:%d:%.*s\n", code, (int)rl, reason);
            } else if (f.len > 100) {
                rc_buf_printf(out, "%d:[%zu bytes]\n", f.opcode, f.len);
            } else {
                rc_buf_printf(out, "%d:%.*s\n", f.opcode, (int)f.len, (char *)f.payload);
            }
            rc_buf_consume(in, used);
            return 1;
        }
        if (rc != RC_EAGAIN) return -1;
        ssize_t n = recv_some(fd, in);
        if (n <= 0) return n == 0 ? 0 : -1;
    }
}

/* ---- tests ----------------------------------------------------------------- */

static void *client_basic(void *arg)
{
    fx_t *fx = arg;
    CURL *c = curl_easy_init();
    fx->status[0] = curl_req(c, fx->port, "GET", "/echo/x%20y%2Fz?a=1%202&b=c+d&none", "X-Test: hi",
                             NULL, 0, &fx->body[0]);
    fx->status[1] = curl_req(c, fx->port, "POST", "/echo", "Content-Type: text/plain",
                             "hello world", 11, &fx->body[1]);
    fx->status[2] = curl_req(c, fx->port, "PUT", "/echo?a=%zz&b=%00", NULL, "", 0, &fx->body[2]);
    fx->status[3] = curl_req(c, fx->port, "GET", "/missing", NULL, NULL, 0, &fx->body[3]);
    /* A body big enough for curl to ask "Expect: 100-continue". */
    size_t big = 300000;
    char *p = rc_malloc(big);
    memset(p, 'b', big);
    fx->status[4] = curl_req(c, fx->port, "POST", "/echo", NULL, p, big, &fx->body[4]);
    fx->status[5] =
        curl_req(c, fx->port, "POST", "/echo", "Expect: 100-continue", "xyz", 3, &fx->body[5]);
    rc_free(p);
    curl_easy_cleanup(c);
    client_done(fx);
    return NULL;
}

static void test_requests(void **state)
{
    fx_t fx = {0};
    fx_run(&fx, client_basic);
    assert_int_equal(fx.status[0], 200);
    assert_string_equal(fx.body[0].data,
                        "GET|/echo/x y/z|a=1%202&b=c+d&none|a=1 2|b=c d|none=1|hdr=hi|len=0|");
    assert_int_equal(fx.status[1], 200);
    assert_string_equal(fx.body[1].data,
                        "POST|/echo||a=-|b=-|none=0|hdr=(null)|len=11|hello world");
    /* Malformed escapes in the query are kept as written. */
    assert_int_equal(fx.status[2], 200);
    assert_string_equal(fx.body[2].data,
                        "PUT|/echo|a=%zz&b=%00|a=%zz|b=%00|none=0|hdr=(null)|len=0|");
    assert_int_equal(fx.status[3], 404);
    assert_string_equal(fx.body[3].data, "no route for /missing\n");
    assert_int_equal(fx.status[4], 200);
    assert_string_equal(fx.body[4].data, "POST|/echo||a=-|b=-|none=0|hdr=(null)|len=300000|");
    assert_int_equal(fx.status[5], 200);
    assert_string_equal(fx.body[5].data, "POST|/echo||a=-|b=-|none=0|hdr=(null)|len=3|xyz");
    assert_int_equal(fx.nreq, 6);
    fx_free(&fx);
}

static void *client_bad(void *arg)
{
    fx_t *fx = arg;
    static const char *reqs[] = {
        "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /a%2 HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        /* Absolute-form target. */
        "GET http://127.0.0.1/echo/abs?a=%41 HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    for (int i = 0; i < 6; i++)
        fx->status[i] = raw_req(fx->port, reqs[i], strlen(reqs[i]), &fx->body[i]);
    client_done(fx);
    return NULL;
}

static void test_bad_requests(void **state)
{
    fx_t fx = {0};
    fx_run(&fx, client_bad);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fx.status[i], 400);
        assert_non_null(strstr(fx.body[i].data, "percent-encoding"));
    }
    assert_int_equal(fx.status[3], 400);
    assert_non_null(strstr(fx.body[3].data, "Content-Length"));
    assert_int_equal(fx.status[4], 411);
    assert_int_equal(fx.status[5], 200);
    assert_string_equal(fx.body[5].data, "GET|/echo/abs|a=%41|a=A|b=-|none=0|hdr=(null)|len=0|");
    assert_int_equal(fx.nreq, 1); /* only the good one reached the handler */
    fx_free(&fx);
}

static void *client_too_big(void *arg)
{
    fx_t *fx = arg;
    CURL *c = curl_easy_init();
    char body[5000];
    memset(body, 'q', sizeof body);
    fx->status[0] = curl_req(c, fx->port, "POST", "/echo", NULL, body, sizeof body, &fx->body[0]);
    /* Exactly the limit is fine. */
    fx->status[1] = curl_req(c, fx->port, "POST", "/echo", NULL, body, 1000, &fx->body[1]);
    curl_easy_cleanup(c);
    /* Headers only: the server must not wait for the body. */
    const char *req = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n";
    fx->status[2] = raw_req(fx->port, req, strlen(req), &fx->body[2]);
    /* A body that never comes in full... is cut by the client; the server
     * answers nothing until then. Not waited for here (30 s). */
    client_done(fx);
    return NULL;
}

static void test_body_too_large(void **state)
{
    fx_t fx = {.max_body = 1000};
    fx_run(&fx, client_too_big);
    assert_int_equal(fx.status[0], 413);
    assert_non_null(strstr(fx.body[0].data, "request body too large: 5000 bytes"));
    assert_non_null(strstr(fx.body[0].data, "at most 1000 bytes"));
    assert_int_equal(fx.status[1], 200);
    assert_int_equal(fx.status[2], 413);
    assert_non_null(strstr(fx.body[2].data, "2000000 bytes"));
    assert_int_equal(fx.nreq, 1);
    fx_free(&fx);
}

static int conc_ok[4];

static void *conc_worker(void *arg)
{
    fx_t *fx = FX;
    int idx = (int)(intptr_t)arg;
    CURL *c = curl_easy_init();
    for (int i = 0; i < 50; i++) {
        rc_buf_t b = RC_BUF_INIT;
        /* Half on a kept-alive connection, half on fresh ones. */
        if (i % 2)
            curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
        else
            curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 0L);
        if (curl_req(c, fx->port, "GET", "/count", NULL, NULL, 0, &b) == 200 && b.len == 2 &&
            memcmp(b.data, "ok", 2) == 0)
            conc_ok[idx]++;
        rc_buf_free(&b);
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void *client_concurrent(void *arg)
{
    fx_t *fx = arg;
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, conc_worker, (void *)(intptr_t)i);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    client_done(fx);
    return NULL;
}

static void test_concurrent(void **state)
{
    fx_t fx = {0};
    memset(conc_ok, 0, sizeof conc_ok);
    fx_run(&fx, client_concurrent);
    assert_int_equal(conc_ok[0] + conc_ok[1] + conc_ok[2] + conc_ok[3], 200);
    assert_int_equal(fx.nreq, 200);
    fx_free(&fx);
}

static void *client_ws_push(void *arg)
{
    fx_t *fx = arg;
    rc_buf_t in = RC_BUF_INIT;
    int fd = ws_open(fx, "/ws?mode=push", &in);
    if (fd >= 0) {
        for (int i = 0; i < 4; i++)
            if (ws_recv(fd, &in, &fx->got) != 1) break;
        /* Answer the close; then the server ends the connection. */
        ws_send(fd, RC_WS_OP_CLOSE, "\x03\xe8", 2, 1);
        rc_buf_t rest = RC_BUF_INIT;
        fx->n_ok = ws_recv(fd, &in, &rest) == 0; /* EOF */
        rc_buf_free(&rest);
        close(fd);
    }
    rc_buf_free(&in);
    client_done(fx);
    return NULL;
}

static void test_ws_push_and_close(void **state)
{
    fx_t fx = {.want_ws_closed = 1};
    fx_run(&fx, client_ws_push);
    assert_string_equal(fx.accept, fx.want_accept);
    assert_string_equal(fx.got.data, "1:m1\n1:second message\n1:[70000 bytes]\nclose:1000:bye\n");
    assert_int_equal(fx.n_ok, 1);
    assert_int_equal(fx.ws_opened, 1);
    assert_int_equal(fx.ws_closed, 1);
    fx_free(&fx);
}

static void *client_ws_echo(void *arg)
{
    fx_t *fx = arg;
    rc_buf_t in = RC_BUF_INIT;
    int fd = ws_open(fx, "/ws?mode=echo", &in);
    if (fd >= 0) {
        ws_send(fd, RC_WS_OP_TEXT, "hello", 5, 1);
        ws_recv(fd, &in, &fx->got);
        /* A fragmented message with a ping in the middle. */
        ws_send(fd, RC_WS_OP_TEXT, "frag", 4, 0);
        ws_send(fd, RC_WS_OP_PING, "pp", 2, 1);
        ws_send(fd, RC_WS_OP_CONT, "men", 3, 0);
        ws_send(fd, RC_WS_OP_CONT, "ted", 3, 1);
        ws_recv(fd, &in, &fx->got); /* pong */
        ws_recv(fd, &in, &fx->got); /* echo */
        ws_send(fd, RC_WS_OP_BINARY, "\x01\x02", 2, 1);
        ws_recv(fd, &in, &fx->got);
        /* Close from the client: the server echoes the code. */
        ws_send(fd, RC_WS_OP_CLOSE, "\x0f\xa0gone", 6, 1);
        ws_recv(fd, &in, &fx->got);
        fx->n_ok = ws_recv(fd, &in, &fx->got) == 0;
        close(fd);
    }
    rc_buf_free(&in);
    client_done(fx);
    return NULL;
}

static void test_ws_client_messages(void **state)
{
    fx_t fx = {.want_ws_closed = 1};
    fx_run(&fx, client_ws_echo);
    assert_string_equal(fx.ws_texts.data, "hello\nfragmented\n\x01\x02\n");
    assert_string_equal(fx.got.data,
                        "1:echo:hello\n10:pp\n1:echo:fragmented\n1:echo:\x01\x02\nclose:4000:\n");
    assert_int_equal(fx.n_ok, 1);
    assert_int_equal(fx.ws_closed, 1);
    fx_free(&fx);
}

static void *client_ws_abrupt(void *arg)
{
    fx_t *fx = arg;
    for (int i = 0; i < 5; i++) {
        rc_buf_t in = RC_BUF_INIT;
        int fd = ws_open(fx, "/ws", &in);
        if (fd >= 0) {
            if (i == 3) {
                /* A 2 MiB frame is refused from its header: 1009. */
                send_all(fd, "\x81\xff\x00\x00\x00\x00\x00\x20\x00\x00\x01\x02\x03\x04", 14);
                ws_recv(fd, &in, &fx->got);
            }
            if (i == 4) {
                /* Fragments adding up to more than 1 MiB: 1009. */
                char *p = rc_calloc(1, 600000);
                ws_send(fd, RC_WS_OP_TEXT, p, 600000, 0);
                ws_send(fd, RC_WS_OP_CONT, p, 600000, 1);
                rc_free(p);
                ws_recv(fd, &in, &fx->got);
            }
            if (i == 1) ws_send(fd, RC_WS_OP_TEXT, "half", 4, 0); /* then vanish */
            if (i == 2) {
                /* Protocol error: an unmasked frame. The server closes with 1002. */
                send_all(fd, "\x81\x02hi", 4);
                ws_recv(fd, &in, &fx->got);
            }
            close(fd);
        }
        rc_buf_free(&in);
    }
    client_done(fx);
    return NULL;
}

static void test_ws_abrupt_disconnect(void **state)
{
    /* Finishes only when the server saw all the connections end. */
    fx_t fx = {.want_ws_closed = 5};
    fx_run(&fx, client_ws_abrupt);
    assert_int_equal(fx.ws_opened, 5);
    assert_int_equal(fx.ws_closed, 5);
    assert_string_equal(fx.got.data, "close:1002:client frame not masked\n"
                                     "close:1009:frame payload too large\n"
                                     "close:1009:message larger than 1 MiB\n");
    assert_null(fx.ws_texts.data);
    fx_free(&fx);
}

static void *client_ws_bad(void *arg)
{
    fx_t *fx = arg;
    static const char *reqs[] = {
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n",
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: short==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    };
    for (int i = 0; i < 4; i++)
        fx->status[i] = raw_req(fx->port, reqs[i], strlen(reqs[i]), &fx->body[i]);
    client_done(fx);
    return NULL;
}

static void test_ws_bad_handshake(void **state)
{
    fx_t fx = {0};
    fx_run(&fx, client_ws_bad);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(fx.status[i], 400);
        assert_non_null(strstr(fx.body[i].data, "bad WebSocket handshake"));
    }
    assert_non_null(strstr(fx.body[1].data, "speaks 13"));
    assert_int_equal(fx.ws_opened, 0);
    fx_free(&fx);
}

static void *client_stop(void *arg)
{
    fx_t *fx = arg;
    rc_buf_t in = RC_BUF_INIT, in2 = RC_BUF_INIT, in3 = RC_BUF_INIT;
    int ws = ws_open(fx, "/ws?mode=echo", &in);
    int a = tcp_connect(fx->port), b = tcp_connect(fx->port);
    const char *ra = "GET /block HTTP/1.1\r\nHost: x\r\n\r\n";
    const char *rb = "GET /echo/queued HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(a, ra, strlen(ra));
    usleep(200 * 1000); /* the loop is now blocked in the /block handler */
    send_all(b, rb, strlen(rb));
    ws_send(ws, RC_WS_OP_TEXT, "while blocked", 13, 1);
    usleep(300 * 1000); /* nng has queued both */
    pthread_mutex_lock(&fx->mu);
    fx->go = 1;
    pthread_cond_signal(&fx->cv);
    pthread_mutex_unlock(&fx->mu);
    fx->status[0] = read_response(a, &in2, &fx->body[0], NULL, 0);
    fx->status[1] = read_response(b, &in3, &fx->body[1], NULL, 0);
    rc_buf_t rest = RC_BUF_INIT;
    fx->n_ok = ws_recv(ws, &in, &rest) <= 0; /* closed, no more frames */
    rc_buf_free(&rest);
    close(a);
    close(b);
    close(ws);
    rc_buf_free(&in);
    rc_buf_free(&in2);
    rc_buf_free(&in3);
    client_done(fx);
    return NULL;
}

static void test_stop_with_pending_work(void **state)
{
    fx_t fx = {0};
    fx_run(&fx, client_stop);
    assert_int_equal(fx.status[0], 503);
    assert_int_equal(fx.status[1], 503);
    assert_non_null(strstr(fx.body[1].data, "shutting down"));
    assert_int_equal(fx.n_ok, 1);
    assert_int_equal(fx.ws_closed, 1);
    /* The message sent while the loop was blocked was delivered before CLOSED. */
    assert_string_equal(fx.ws_texts.data, "while blocked\n");
    assert_int_equal(fx.late_answer_done, 1);
    assert_int_equal(fx.nreq, 2); /* the ws and /block; the queued one never got there */
    fx_free(&fx);
}

static void *client_ws_flood(void *arg)
{
    fx_t *fx = arg;
    rc_buf_t in = RC_BUF_INIT;
    int fd = ws_open(fx, "/ws?mode=flood", &in);
    if (fd >= 0) {
        usleep(500 * 1000);
        size_t total = in.len;
        for (;;) {
            rc_buf_clear(&in);
            ssize_t n = recv_some(fd, &in);
            if (n <= 0) {
                fx->n_ok = n == 0 || errno == ECONNRESET; /* ended by the server */
                break;
            }
            total += (size_t)n;
        }
        fx->status[0] = total > 0;
        close(fd);
    }
    rc_buf_free(&in);
    client_done(fx);
    return NULL;
}

static void test_ws_slow_consumer(void **state)
{
    fx_t fx = {.want_ws_closed = 1};
    fx_run(&fx, client_ws_flood);
    assert_int_equal(fx.flood_rc, RC_ETOOBIG);
    assert_true(fx.flood_n >= 16 && fx.flood_n < 64);
    assert_int_equal(fx.flood_after, RC_ECLOSED);
    assert_int_equal(fx.n_ok, 1);
    assert_int_equal(fx.ws_closed, 1);
    fx_free(&fx);
}

static void *client_ws_silent(void *arg)
{
    fx_t *fx = arg;
    rc_buf_t in = RC_BUF_INIT;
    int fd = ws_open(fx, "/ws?mode=push", &in);
    if (fd >= 0) {
        for (int i = 0; i < 4; i++)
            if (ws_recv(fd, &in, &fx->got) != 1) break;
        /* Never answer the close: the server gives up after 2 s. */
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc_buf_t rest = RC_BUF_INIT;
        fx->n_ok = ws_recv(fd, &in, &rest) == 0;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        fx->status[0] = (int)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
        rc_buf_free(&rest);
        close(fd);
    }
    rc_buf_free(&in);
    client_done(fx);
    return NULL;
}

static void test_ws_close_timeout(void **state)
{
    fx_t fx = {.want_ws_closed = 1};
    fx_run(&fx, client_ws_silent);
    assert_string_equal(fx.got.data, "1:m1\n1:second message\n1:[70000 bytes]\nclose:1000:bye\n");
    assert_int_equal(fx.n_ok, 1);
    assert_true(fx.status[0] >= 1500 && fx.status[0] < 4000);
    assert_int_equal(fx.ws_closed, 1);
    fx_free(&fx);
}

static void test_port_in_use(void **state)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 1), 0);
    socklen_t sl = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    rc_http_opts_t o;
    rc_http_opts_default(&o);
    o.port = ntohs(sa.sin_port);
    rc_http_server_t *s = (rc_http_server_t *)1;
    char err[256] = "";
    assert_int_equal(rc_http_server_start(&loop, &o, handler, NULL, &s, err, sizeof err), RC_EIO);
    assert_null(s);
    assert_non_null(strstr(err, "already in use"));
    o.port = 70000;
    assert_int_equal(rc_http_server_start(&loop, &o, handler, NULL, &s, err, sizeof err),
                     RC_EINVAL);
    uv_run(&loop, UV_RUN_DEFAULT); /* the failed server's handle closes */
    assert_int_equal(uv_loop_close(&loop), 0);
    close(fd);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_body_too_large),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_ws_push_and_close),
        cmocka_unit_test(test_ws_client_messages),
        cmocka_unit_test(test_ws_abrupt_disconnect),
        cmocka_unit_test(test_ws_bad_handshake),
        cmocka_unit_test(test_ws_slow_consumer),
        cmocka_unit_test(test_ws_close_timeout),
        cmocka_unit_test(test_stop_with_pending_work),
        cmocka_unit_test(test_port_in_use),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
