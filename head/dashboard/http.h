/* http.h — the dashboard's HTTP + WebSocket server (port 8265), on nng's HTTP server.
 *
 * Threads. The head is one libuv loop thread that owns all state; nng parses
 * requests and runs its callbacks on its own threads. Every request is handed to
 * the loop through a mailbox (mailbox.h) and the handler runs on the loop thread;
 * every function below is for the loop thread only. nng's threads never call the
 * handler or a WebSocket owner, and never free what the loop thread uses.
 *
 * Requests. One nng handler at "/" takes every method and path. Before the
 * handler sees a request, the server answers by itself: 400 for a path whose
 * percent-decoding is malformed or contains NUL and for a bad Content-Length,
 * 411 for a chunked body, 413 (text, then the connection is closed) for a body
 * over max_body, 503 while stopping; a connection whose announced body does not
 * arrive within 30 s is dropped. "Expect: 100-continue" is honoured. The handler must answer
 * each request exactly once (rc_http_req_respond*, rc_http_req_upgrade_ws), now
 * or later on the loop thread; nng keeps the connection waiting until then.
 *
 * WebSockets (RFC 6455). rc_http_req_upgrade_ws takes the connection away from
 * nng (nng_http_hijack) and writes the 101 answer itself. nng threads read and
 * parse frames (client frames must be masked; messages up to 1 MiB, fragmented
 * ones reassembled; PING answered with PONG, CLOSE with CLOSE) and post messages
 * to the loop. Sends are queued on the loop thread into a per-connection buffer
 * under a mutex; one write is in flight at a time.
 *
 * Ownership and lifetimes. An rc_http_req_t belongs to the server until it is
 * delivered to the handler, then to the handler until answered (answering frees
 * it). An rc_ws_t is owned by the server: only the loop thread closes its nng
 * connection and frees it, after stopping its nng aios (so no nng callback can
 * still run) and after delivering every message still queued for it, then
 * RC_WS_EV_CLOSED as its last event. nng callbacks only touch a ws under its
 * mutex and stop as soon as they see it marked dead.
 *
 * Shutdown. rc_http_server_stop (loop thread) refuses new work (nng threads then
 * answer 503 themselves), closes every WebSocket (owners get RC_WS_EV_CLOSED from
 * inside the call), answers 503 to queued requests and to requests the handler
 * has not answered yet — the handler may still "answer" those later: that only
 * frees them, and their accessors return NULL/"" — then stops nng's server. */
#ifndef RC_HTTP_H
#define RC_HTTP_H

#include <stddef.h>
#include <uv.h>

#include "err.h"

typedef struct rc_http_server rc_http_server_t;
typedef struct rc_http_req rc_http_req_t;

#define RC_HTTP_DEFAULT_PORT     8265
#define RC_HTTP_DEFAULT_MAX_BODY ((size_t)1 << 20)
/* Longest WebSocket message accepted from a peer (bigger: closed with 1009). */
#define RC_WS_MAX_MESSAGE ((size_t)1 << 20)
/* Most bytes a WebSocket may have queued unsent before rc_ws_send_text gives up. */
#define RC_WS_MAX_QUEUED ((size_t)16 << 20)

typedef struct {
    const char *host; /* "127.0.0.1" default; "0.0.0.0" allowed */
    int port;         /* 8265; 0 = ephemeral (tests) */
    size_t max_body;  /* default 1 MiB: larger bodies get 413 with a clear text message */
} rc_http_opts_t;

void rc_http_opts_default(rc_http_opts_t *o);

/* Called on the loop thread, once per request. The handler (or later code on the
 * loop thread) must answer every req exactly once with rc_http_req_respond* or
 * rc_http_req_upgrade_ws. */
typedef void (*rc_http_handler_fn)(void *arg, rc_http_req_t *req);

/* Binds + starts (port in use -> RC_EIO and a message in err that says what to do). */
rc_err_t rc_http_server_start(uv_loop_t *loop, const rc_http_opts_t *o, rc_http_handler_fn fn,
                              void *arg, rc_http_server_t **out, char *err, size_t errcap);
/* The port actually bound. */
int rc_http_server_port(const rc_http_server_t *s);
/* Open WebSockets (for /metrics and tests). */
size_t rc_http_server_ws_count(const rc_http_server_t *s);
/* Loop thread. Answers everything still queued with 503, closes open WebSockets
 * (their owners get RC_WS_EV_CLOSED), stops nng's server, closes the uv_async
 * handle; frees itself after the handle close callback (so call before uv_run
 * drains at shutdown). Blocks only while nng's threads finish their callbacks. */
void rc_http_server_stop(rc_http_server_t *s);

/* ---- requests (loop thread, valid until answered) ----------------------- */

const char *rc_http_req_method(const rc_http_req_t *r); /* "GET" */
/* Percent-decoded path without the query ("/api/jobs/x y"); '+' stays '+'. An
 * absolute-form target (http://host/path) gives its path. */
const char *rc_http_req_path(const rc_http_req_t *r);
/* Raw query string after '?', "" when none. */
const char *rc_http_req_query(const rc_http_req_t *r);
/* Value of the first query parameter name (percent-decoded, '+' as space; a
 * malformed escape or %00 is kept as written) copied into out (NUL-terminated,
 * cut to outcap-1 bytes); 1 if present (also "?name" without '='), else 0. */
int rc_http_req_query_param(const rc_http_req_t *r, const char *name, char *out, size_t outcap);
/* NULL when absent; name is case-insensitive; repeated headers come joined by ", ". */
const char *rc_http_req_header(const rc_http_req_t *r, const char *name);
/* The body (NULL and *len 0 when none). */
const void *rc_http_req_body(const rc_http_req_t *r, size_t *len);

/* ---- answering (loop thread; frees req) ---------------------------------- */

/* Adds a header to the coming answer (e.g. "Cache-Control", "Allow"); call
 * before rc_http_req_respond*. Content-Type and Content-Length are set there. */
void rc_http_req_add_res_header(rc_http_req_t *r, const char *name, const char *value);
/* content_type may be NULL (no Content-Type); body is copied. */
void rc_http_req_respond(rc_http_req_t *r, int status, const char *content_type, const void *body,
                         size_t len);
/* text/plain; charset=utf-8, fmt + "\n". */
void rc_http_req_respond_text(rc_http_req_t *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- WebSocket ---------------------------------------------------------- */

typedef struct rc_ws rc_ws_t;
typedef enum { RC_WS_EV_TEXT, RC_WS_EV_CLOSED } rc_ws_ev_t;
/* Loop thread. TEXT: a complete text (or binary) message from the peer (data
 * valid during the call, NUL-terminated after len). CLOSED: exactly once, last
 * event; ws is invalid afterwards. Messages received before rc_ws_close may still
 * arrive after it; none received after it are delivered. */
typedef void (*rc_ws_event_fn)(void *arg, rc_ws_t *ws, rc_ws_ev_t ev, const char *data, size_t len);

/* GET with an Upgrade header naming websocket. */
int rc_http_req_is_websocket(const rc_http_req_t *r);
/* Performs the handshake (checks Upgrade, Connection, Sec-WebSocket-Key and
 * Version 13; a bad handshake is answered 400 and NULL returned, req freed). On
 * success req is consumed and the ws is open; events go to fn on the loop thread.
 * NULL also when the server is stopping (req freed). */
rc_ws_t *rc_http_req_upgrade_ws(rc_http_req_t *r, rc_ws_event_fn fn, void *arg);
/* Loop thread. Queues a text message; RC_ETOOBIG (and the connection is closed ->
 * CLOSED event later) when more than 16 MiB would be queued unsent; RC_ECLOSED
 * after close. */
rc_err_t rc_ws_send_text(rc_ws_t *ws, const char *data, size_t len);
/* Sends everything queued, then a close frame (code, reason), then closes the
 * connection once the peer answers the close (or after 2 s); the CLOSED event
 * still comes (asynchronously, never from inside this call). */
void rc_ws_close(rc_ws_t *ws, int code, const char *reason);

#endif
