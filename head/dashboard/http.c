/* http.c — the dashboard's HTTP server: nng's handler, the mailbox to the loop
 * thread, request accessors and answers, the WebSocket handshake (see http.h).
 *
 * A request's path through the threads:
 *   nng thread: on_nng_request — early answers (400/411/413) or, when a body is
 *     announced, on_body reads it (after "100 Continue" when asked); then
 *     post_request puts it in the mailbox (or answers 503 when stopping).
 *   loop thread: on_msg links it into s->live and calls the handler; an answer
 *     builds an nng_http_res and finishes nng's aio, which nng then writes. */
#include "http.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "addr.h"
#include "alloc.h"
#include "buf.h"
#include "id.h"
#include "log.h"
#include "query.h"
#include "ws.h"
#include "wsconn.h"

#define LOG "dashboard"
/* How long a client may take to send the body it announced. */
#define BODY_TIMEOUT_MS 30000

struct rc_http_server {
    uv_loop_t *loop;
    rc_mailbox_t mb;
    nng_http_server *srv;
    rc_http_handler_fn fn;
    void *arg;
    size_t max_body;
    int port;
    int stopped;
    rc_http_req_t *live; /* delivered to the handler, not answered yet */
    rc_ws_set_t ws;
};

enum { BODY_CONTINUE = 1, BODY_READ = 2 };

struct rc_http_req {
    rc_dash_msg_t msg;     /* first: the request is its own mailbox message */
    rc_http_server_t *srv; /* NULL once rc_http_server_stop answered it */
    nng_aio *aio;          /* nng's handler aio; finished by the answer */
    nng_http_req *nreq;    /* nng's; NULL once answered by stop */
    nng_http_conn *conn;
    nng_aio *body_aio; /* nng threads only, while reading the body */
    int body_state;
    char *method;
    char *target; /* raw target copy; query points into it */
    const char *query;
    char *path; /* percent-decoded */
    uint8_t *body;
    size_t body_len;
    rc_buf_t res_hdrs;          /* "name\0value\0" pairs for the answer */
    rc_http_req_t *prev, *next; /* s->live */
};

static const char CONTINUE_100[] = "HTTP/1.1 100 Continue\r\n\r\n";

void rc_http_opts_default(rc_http_opts_t *o)
{
    o->host = "127.0.0.1";
    o->port = RC_HTTP_DEFAULT_PORT;
    o->max_body = RC_HTTP_DEFAULT_MAX_BODY;
}

/* ---- small text helpers -------------------------------------------------- */

/* Strict percent-decoding of a path: a malformed escape or %00 fails. out
 * holds len+1 bytes. */
static rc_err_t decode_path(const char *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] != '%') {
            out[o++] = in[i];
            continue;
        }
        if (i + 2 >= len) return RC_ESYNTAX;
        int hi = rc_hex_digit((unsigned char)in[i + 1]);
        int lo = rc_hex_digit((unsigned char)in[i + 2]);
        if (hi < 0 || lo < 0 || (hi | lo) == 0) return RC_ESYNTAX;
        out[o++] = (char)(hi << 4 | lo);
        i += 2;
    }
    out[o] = '\0';
    return RC_OK;
}

/* Does the comma-separated header value list token (case-insensitive)? */
static int has_token(const char *value, const char *token)
{
    size_t tl = strlen(token);
    const char *p = value;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        const char *e = p;
        while (*e && *e != ',') e++;
        const char *t = e;
        while (t > p && (t[-1] == ' ' || t[-1] == '\t')) t--;
        if ((size_t)(t - p) == tl && strncasecmp(p, token, tl) == 0) return 1;
        p = e;
    }
    return 0;
}

/* ---- answering through nng (any thread) ---------------------------------- */

/* Finishes nng's handler aio with an answer. hdrs: "name\0value\0" pairs or
 * NULL. close: ask nng to close the connection after writing (the peer's
 * unread bytes would otherwise be taken for the next request). */
static void nng_answer(nng_aio *aio, int status, const char *ctype, const void *body, size_t len,
                       const rc_buf_t *hdrs, int close)
{
    nng_http_res *res;
    if (nng_http_res_alloc(&res) != 0) goto fail;
    if (status < 100 || status > 599) status = 500;
    if (nng_http_res_set_status(res, (uint16_t)status) != 0) goto fail_res;
    if (ctype && nng_http_res_set_header(res, "Content-Type", ctype) != 0) goto fail_res;
    for (size_t off = 0; hdrs && off < hdrs->len;) {
        const char *name = hdrs->data + off;
        const char *value = name + strlen(name) + 1;
        off = (size_t)(value - hdrs->data) + strlen(value) + 1;
        if (nng_http_res_add_header(res, name, value) != 0) goto fail_res;
    }
    if (close && nng_http_res_set_header(res, "Connection", "close") != 0) goto fail_res;
    int rv = len ? nng_http_res_copy_data(res, body, len) : nng_http_res_set_data(res, NULL, 0);
    if (rv != 0) goto fail_res;
    nng_aio_set_output(aio, 0, res);
    nng_aio_finish(aio, 0);
    return;
fail_res:
    nng_http_res_free(res);
fail:
    /* No memory for an answer: nng drops the connection. */
    nng_aio_set_output(aio, 0, NULL);
    nng_aio_finish(aio, NNG_ENOMEM);
}

static void nng_answer_text(nng_aio *aio, int status, int close, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void nng_answer_text(nng_aio *aio, int status, int close, const char *fmt, ...)
{
    rc_buf_t b = RC_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    rc_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    rc_buf_append_char(&b, '\n');
    nng_answer(aio, status, "text/plain; charset=utf-8", b.data, b.len, NULL, close);
    rc_buf_free(&b);
}

static void req_free(rc_http_req_t *r)
{
    rc_free(r->method);
    rc_free(r->target);
    rc_free(r->path);
    rc_free(r->body);
    rc_buf_free(&r->res_hdrs);
    rc_free(r);
}

#define SHUTDOWN_TEXT "the rayc head is shutting down; retry when it is back\n"

static void answer_503(nng_aio *aio)
{
    nng_answer(aio, 503, "text/plain; charset=utf-8", SHUTDOWN_TEXT, sizeof SHUTDOWN_TEXT - 1, NULL,
               1);
}

/* At stop, nng's server closes every connection at once, so an answer handed
 * to it would likely never be written. Requests still pending then are taken
 * from nng (hijacked) and answered here; rc_http_server_stop waits (bounded)
 * until these answers are written. */
typedef struct parting {
    nng_aio *aio;
    nng_http_conn *conn;
    struct parting *next;
} parting_t;

static const char PARTING[] = "HTTP/1.1 503 Service Unavailable\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\n"
                              "Connection: close\r\n"
                              "Content-Length: 54\r\n\r\n" SHUTDOWN_TEXT;
_Static_assert(sizeof SHUTDOWN_TEXT - 1 == 54, "Content-Length of PARTING");

static void parting_begin(parting_t **list, rc_http_req_t *r)
{
    nng_http_conn *conn = r->conn;
    nng_http_hijack(conn);
    nng_aio_set_output(r->aio, 0, NULL);
    nng_aio_finish(r->aio, 0);
    nng_http_req_free(r->nreq); /* ours since the hijack */
    r->nreq = NULL;

    parting_t *p = rc_calloc(1, sizeof *p);
    p->conn = conn;
    if (nng_aio_alloc(&p->aio, NULL, NULL) != 0) {
        nng_http_conn_close(conn);
        rc_free(p);
        return;
    }
    nng_aio_set_timeout(p->aio, 1000);
    nng_iov iov = {(void *)PARTING, sizeof PARTING - 1};
    nng_aio_set_iov(p->aio, 1, &iov);
    nng_http_conn_write_all(conn, p->aio);
    p->next = *list;
    *list = p;
}

static void parting_end(parting_t *list)
{
    while (list) {
        parting_t *p = list;
        list = p->next;
        nng_aio_wait(p->aio);
        nng_http_conn_close(p->conn);
        nng_aio_free(p->aio);
        rc_free(p);
    }
}

/* ---- nng threads: from request to mailbox -------------------------------- */

static void post_request(rc_http_server_t *s, rc_http_req_t *r)
{
    if (rc_mailbox_post(&s->mb, &r->msg.node) == RC_OK) return;
    /* Stopping: the loop will not look at the mailbox again. */
    answer_503(r->aio);
    req_free(r);
}

/* Splits the target into a decoded path and the raw query. */
static rc_err_t parse_target(rc_http_req_t *r)
{
    const char *p = r->target;
    if (strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0) {
        p = strstr(p, "://") + 3;
        p += strcspn(p, "/?");
    }
    size_t plen = strcspn(p, "?");
    r->query = p[plen] == '?' ? p + plen + 1 : "";
    r->path = rc_malloc(plen + 2);
    if (plen == 0) {
        memcpy(r->path, "/", 2);
        return RC_OK;
    }
    return decode_path(p, plen, r->path);
}

static void on_body(void *arg)
{
    rc_http_req_t *r = arg;
    int rv = nng_aio_result(r->body_aio);
    if (rv == 0 && r->body_state == BODY_CONTINUE) {
        nng_iov iov = {r->body, r->body_len};
        r->body_state = BODY_READ;
        nng_aio_set_iov(r->body_aio, 1, &iov);
        nng_http_conn_read_all(r->conn, r->body_aio);
        return;
    }
    /* Done with the aio either way; it may not be freed from its own callback. */
    nng_aio_reap(r->body_aio);
    r->body_aio = NULL;
    if (rv != 0) {
        /* The peer went away, was too slow (nng has closed the connection on
         * the timeout, so no 408 could be written), or the server is stopping:
         * drop the connection. */
        nng_aio_set_output(r->aio, 0, NULL);
        nng_aio_finish(r->aio, rv);
        req_free(r);
    } else {
        post_request(r->srv, r);
    }
}

/* nng's handler: runs on an nng thread for every request. nng has already called
 * nng_aio_begin on aio for us. */
static void on_nng_request(nng_aio *aio)
{
    nng_http_req *nreq = nng_aio_get_input(aio, 0);
    nng_http_handler *h = nng_aio_get_input(aio, 1);
    nng_http_conn *conn = nng_aio_get_input(aio, 2);
    rc_http_server_t *s = nng_http_handler_get_data(h);

    rc_http_req_t *r = rc_calloc(1, sizeof *r);
    r->msg.kind = RC_DASH_MSG_REQ;
    r->srv = s;
    r->aio = aio;
    r->nreq = nreq;
    r->conn = conn;
    r->method = rc_strdup(nng_http_req_get_method(nreq));
    r->target = rc_strdup(nng_http_req_get_uri(nreq));

    if (parse_target(r) != RC_OK) {
        nng_answer_text(aio, 400, 1,
                        "bad request path: malformed percent-encoding or an encoded NUL (%%00)");
        goto done;
    }
    if (nng_http_req_get_header(nreq, "Transfer-Encoding")) {
        nng_answer_text(aio, 411, 1,
                        "chunked request bodies are not supported: send the body with a "
                        "Content-Length header");
        goto done;
    }
    const char *cl = nng_http_req_get_header(nreq, "Content-Length");
    if (cl) {
        size_t n = strlen(cl);
        int64_t v;
        if (n == 0 || n > 18 || strspn(cl, "0123456789") != n ||
            rc_str_to_i64(cl, n, &v) != RC_OK) {
            nng_answer_text(aio, 400, 1, "bad Content-Length header '%s'", cl);
            goto done;
        }
        r->body_len = (size_t)v;
    }
    if (r->body_len > s->max_body) {
        nng_answer_text(aio, 413, 1,
                        "request body too large: %zu bytes, the dashboard accepts at most %zu "
                        "bytes; send less data",
                        r->body_len, s->max_body);
        goto done;
    }
    if (r->body_len == 0) {
        post_request(s, r);
        return;
    }

    r->body = rc_try_malloc(r->body_len);
    if (!r->body || nng_aio_alloc(&r->body_aio, on_body, r) != 0) {
        nng_answer_text(aio, 503, 1, "out of memory for the request body; retry later");
        goto done;
    }
    nng_aio_set_timeout(r->body_aio, BODY_TIMEOUT_MS);
    const char *expect = nng_http_req_get_header(nreq, "Expect");
    if (expect && strcasecmp(expect, "100-continue") == 0) {
        /* The client waits for this before sending the body. */
        nng_iov iov = {(void *)CONTINUE_100, sizeof CONTINUE_100 - 1};
        r->body_state = BODY_CONTINUE;
        nng_aio_set_iov(r->body_aio, 1, &iov);
        nng_http_conn_write_all(conn, r->body_aio);
    } else {
        nng_iov iov = {r->body, r->body_len};
        r->body_state = BODY_READ;
        nng_aio_set_iov(r->body_aio, 1, &iov);
        nng_http_conn_read_all(conn, r->body_aio);
    }
    return;
done:
    if (r->body_aio) nng_aio_free(r->body_aio);
    req_free(r);
}

/* ---- loop thread: dispatch ----------------------------------------------- */

static void live_unlink(rc_http_server_t *s, rc_http_req_t *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        s->live = r->next;
    if (r->next) r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

static void on_msg(void *arg, rc_mbox_node_t *node)
{
    rc_http_server_t *s = arg;
    rc_dash_msg_t *m = (rc_dash_msg_t *)node;
    if (m->kind != RC_DASH_MSG_REQ) {
        rc_wsconn_dispatch(m);
        return;
    }
    rc_http_req_t *r = (rc_http_req_t *)m;
    r->next = s->live;
    if (s->live) s->live->prev = r;
    s->live = r;
    s->fn(s->arg, r);
}

/* ---- server -------------------------------------------------------------- */

static void on_closed(uv_handle_t *h)
{
    rc_http_server_t *s = (rc_http_server_t *)((char *)h->data - offsetof(rc_http_server_t, mb));
    rc_mailbox_fini(&s->mb);
    rc_free(s);
}

rc_err_t rc_http_server_start(uv_loop_t *loop, const rc_http_opts_t *o, rc_http_handler_fn fn,
                              void *arg, rc_http_server_t **out, char *err, size_t errcap)
{
    rc_http_opts_t def;
    if (!o) {
        rc_http_opts_default(&def);
        o = &def;
    }
    const char *host = o->host && *o->host ? o->host : "127.0.0.1";
    rc_err_t rc = RC_EIO;
    nng_url *url = NULL;
    nng_http_handler *h = NULL;
    int mb_ready = 0, added = 0, rv;
    char text[300], noerr[1];
    *out = NULL;
    if (!err || !errcap) {
        err = noerr;
        errcap = sizeof noerr;
    }
    if (o->port < 0 || o->port > 65535) {
        snprintf(err, errcap, "dashboard port %d is out of range: use 0..65535", o->port);
        return RC_EINVAL;
    }

    rc_http_server_t *s = rc_calloc(1, sizeof *s);
    s->loop = loop;
    s->fn = fn;
    s->arg = arg;
    s->max_body = o->max_body ? o->max_body : RC_HTTP_DEFAULT_MAX_BODY;
    s->ws.loop = loop;
    s->ws.mb = &s->mb;

    rc_addr_join("http://", host, o->port, text, sizeof text);
    if ((rv = nng_url_parse(&url, text)) != 0) {
        snprintf(err, errcap, "bad dashboard host '%s': %s", host, nng_strerror(rv));
        rc = RC_EINVAL;
        goto fail;
    }
    if ((rv = nng_http_server_hold(&s->srv, url)) != 0) {
        snprintf(err, errcap, "dashboard server on %s: %s", text, nng_strerror(rv));
        goto fail;
    }
    if ((rv = nng_http_handler_alloc(&h, "/", on_nng_request)) != 0 ||
        (rv = nng_http_handler_set_method(h, NULL)) != 0 ||
        (rv = nng_http_handler_set_tree(h)) != 0 ||
        /* Bodies are read by on_nng_request itself: nng 1.5 answers an oversized
         * one with a bare 400, the dashboard owes the client a 413 that says why. */
        (rv = nng_http_handler_collect_body(h, false, 0)) != 0 ||
        (rv = nng_http_handler_set_data(h, s, NULL)) != 0) {
        snprintf(err, errcap, "dashboard handler: %s", nng_strerror(rv));
        goto fail;
    }
    if ((rv = nng_http_server_add_handler(s->srv, h)) != 0) {
        snprintf(err, errcap, "%s is already served by this process (%s)", text, nng_strerror(rv));
        goto fail;
    }
    added = 1;
    char page[200];
    snprintf(page, sizeof page,
             "request body too large: the dashboard accepts at most %zu bytes; send less data\n",
             s->max_body);
    (void)nng_http_server_set_error_page(s->srv, 413, page);

    /* Before nng starts: its threads post from the first request on. */
    if (rc_mailbox_init(&s->mb, loop, on_msg, s) != RC_OK) {
        snprintf(err, errcap, "dashboard: cannot create its event handle");
        rc = RC_EINTERNAL;
        goto fail;
    }
    mb_ready = 1;
    if ((rv = nng_http_server_start(s->srv)) != 0) {
        if (rv == NNG_EADDRINUSE)
            snprintf(err, errcap,
                     "dashboard port %d on %s is already in use (another rayc head?): stop the "
                     "process that holds it or choose another dashboard port",
                     o->port, host);
        else if (rv == NNG_EADDRINVAL)
            snprintf(err, errcap,
                     "cannot listen on %s: no such local address; use 127.0.0.1 "
                     "or 0.0.0.0",
                     host);
        else
            snprintf(err, errcap, "cannot listen on %s: %s", text, nng_strerror(rv));
        goto fail;
    }
    nng_sockaddr sa;
    s->port = o->port;
    if (nng_http_server_get_addr(s->srv, &sa) == 0) {
        if (sa.s_family == NNG_AF_INET) s->port = ntohs(sa.s_in.sa_port);
        if (sa.s_family == NNG_AF_INET6) s->port = ntohs(sa.s_in6.sa_port);
    }
    nng_url_free(url);
    rc_log_info(LOG, "listening addr=%s port=%d", host, s->port);
    *out = s;
    return RC_OK;

fail:
    if (url) nng_url_free(url);
    if (added) nng_http_server_del_handler(s->srv, h);
    if (h) nng_http_handler_free(h);
    if (s->srv) nng_http_server_release(s->srv);
    if (mb_ready) {
        rc_mailbox_shut(&s->mb);
        rc_mailbox_close(&s->mb, on_closed);
    } else {
        rc_free(s);
    }
    return rc;
}

int rc_http_server_port(const rc_http_server_t *s)
{
    return s->port;
}

size_t rc_http_server_ws_count(const rc_http_server_t *s)
{
    return s->ws.count;
}

void rc_http_server_stop(rc_http_server_t *s)
{
    if (!s || s->stopped) return;
    s->stopped = 1;
    /* From here nng threads answer 503 themselves instead of posting. */
    rc_mailbox_shut(&s->mb);
    rc_wsconn_close_all(&s->ws);

    parting_t *parting = NULL;
    rc_mbox_node_t *n = rc_mailbox_take_all(&s->mb);
    while (n) {
        rc_dash_msg_t *m = (rc_dash_msg_t *)n;
        n = n->next;
        if (m->kind == RC_DASH_MSG_REQ) {
            rc_http_req_t *r = (rc_http_req_t *)m;
            parting_begin(&parting, r);
            req_free(r);
        } else {
            rc_wsconn_dispatch(m); /* none left after close_all; frees it anyway */
        }
    }
    /* nng_http_server_stop waits for every handler aio: answer the ones the
     * handler still holds; it may "answer" them later, which only frees them. */
    while (s->live) {
        rc_http_req_t *r = s->live;
        live_unlink(s, r);
        parting_begin(&parting, r);
        r->srv = NULL;
        r->aio = NULL;
        r->conn = NULL;
    }
    parting_end(parting);
    nng_http_server_stop(s->srv);
    nng_http_server_release(s->srv);
    s->srv = NULL;
    rc_mailbox_close(&s->mb, on_closed);
}

/* ---- request accessors --------------------------------------------------- */

const char *rc_http_req_method(const rc_http_req_t *r)
{
    return r->method;
}

const char *rc_http_req_path(const rc_http_req_t *r)
{
    return r->path;
}

const char *rc_http_req_query(const rc_http_req_t *r)
{
    return r->srv ? r->query : "";
}

typedef struct {
    const char *name;
    char *out;
    size_t outcap;
} param_find_t;

static int param_match(void *arg, const char *key, const char *value)
{
    param_find_t *f = arg;
    if (strcmp(key, f->name) != 0) return 0;
    snprintf(f->out, f->outcap, "%s", value);
    return 1;
}

int rc_http_req_query_param(const rc_http_req_t *r, const char *name, char *out, size_t outcap)
{
    param_find_t f = {name, out, outcap};
    return rc_query_each(rc_http_req_query(r), param_match, &f);
}

const char *rc_http_req_header(const rc_http_req_t *r, const char *name)
{
    return r->nreq ? nng_http_req_get_header(r->nreq, name) : NULL;
}

const void *rc_http_req_body(const rc_http_req_t *r, size_t *len)
{
    *len = r->body ? r->body_len : 0;
    return r->body;
}

/* ---- answers ------------------------------------------------------------- */

void rc_http_req_add_res_header(rc_http_req_t *r, const char *name, const char *value)
{
    rc_buf_append(&r->res_hdrs, name, strlen(name) + 1);
    rc_buf_append(&r->res_hdrs, value, strlen(value) + 1);
}

void rc_http_req_respond(rc_http_req_t *r, int status, const char *content_type, const void *body,
                         size_t len)
{
    if (r->srv) {
        live_unlink(r->srv, r);
        nng_answer(r->aio, status, content_type, body, len, &r->res_hdrs, 0);
    }
    req_free(r);
}

void rc_http_req_respond_text(rc_http_req_t *r, int status, const char *fmt, ...)
{
    rc_buf_t b = RC_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    rc_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    rc_buf_append_char(&b, '\n');
    rc_http_req_respond(r, status, "text/plain; charset=utf-8", b.data, b.len);
    rc_buf_free(&b);
}

/* ---- WebSocket handshake ------------------------------------------------- */

int rc_http_req_is_websocket(const rc_http_req_t *r)
{
    const char *up = rc_http_req_header(r, "Upgrade");
    return strcmp(r->method, "GET") == 0 && up && has_token(up, "websocket");
}

/* A Sec-WebSocket-Key is the base64 of 16 bytes: 22 characters and "==". */
static int key_valid(const char *key)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (!key || strlen(key) != 24 || strcmp(key + 22, "==") != 0) return 0;
    for (int i = 0; i < 22; i++)
        if (!strchr(b64, key[i])) return 0;
    return 1;
}

rc_ws_t *rc_http_req_upgrade_ws(rc_http_req_t *r, rc_ws_event_fn fn, void *arg)
{
    rc_http_server_t *s = r->srv;
    if (!s) {
        req_free(r);
        return NULL;
    }
    const char *conn_hdr = rc_http_req_header(r, "Connection");
    const char *version = rc_http_req_header(r, "Sec-WebSocket-Version");
    const char *key = rc_http_req_header(r, "Sec-WebSocket-Key");
    if (!rc_http_req_is_websocket(r) || !conn_hdr || !has_token(conn_hdr, "upgrade")) {
        rc_http_req_respond_text(r, 400,
                                 "bad WebSocket handshake: expected GET with 'Upgrade: websocket' "
                                 "and 'Connection: Upgrade'");
        return NULL;
    }
    if (!version || strcmp(version, "13") != 0) {
        rc_http_req_add_res_header(r, "Sec-WebSocket-Version", "13");
        rc_http_req_respond_text(r, 400,
                                 "bad WebSocket handshake: unsupported Sec-WebSocket-Version "
                                 "'%s', this server speaks 13",
                                 version ? version : "");
        return NULL;
    }
    if (!key_valid(key)) {
        rc_http_req_respond_text(r, 400,
                                 "bad WebSocket handshake: Sec-WebSocket-Key must be the base64 "
                                 "of 16 bytes");
        return NULL;
    }

    char accept[29];
    rc_ws_accept_key(key, accept);
    char first[200];
    int n = snprintf(first, sizeof first,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                     accept);

    /* Take the connection from nng's server, then let it finish the request
     * with no answer: nng drops its session and leaves the connection alone.
     * The hijacked request is ours to free from here. */
    nng_http_conn *conn = r->conn;
    nng_http_hijack(conn);
    live_unlink(s, r);
    nng_aio_set_output(r->aio, 0, NULL);
    nng_aio_finish(r->aio, 0);
    nng_http_req_free(r->nreq);
    r->nreq = NULL;
    req_free(r);

    rc_ws_t *ws = NULL;
    if (rc_wsconn_open(&s->ws, conn, first, (size_t)n, fn, arg, &ws) != RC_OK) return NULL;
    return ws;
}
