/* wsconn.c — one server-side WebSocket connection (see wsconn.h, http.h).
 *
 * Threads and state:
 *   reader (on_read, nng threads, one callback at a time): rbuf/rlen/rcap and
 *     the reassembly buffer frag are its own; it parses frames and takes mu to
 *     queue PONG/CLOSE answers or to post a message.
 *   writer (on_write, nng threads) and the loop thread (rc_ws_send_text,
 *     rc_ws_close) share out/inflight and the flags below under mu. One write is
 *     in flight at a time: inflight is being written, out collects what comes
 *     meanwhile; on completion they are swapped.
 *   loop thread only: the set links, the close timer and teardown.
 *
 * Ending: whoever learns the connection is over (read error or EOF, write error,
 * our close frame flushed after the peer's close, protocol error flushed, send
 * queue overflow) posts one WS_DEAD message (dead_posted). The loop thread then
 * tears down: marks dead under mu (callbacks do nothing more), closes and frees
 * the nng connection, stops and frees both aios (waiting for running callbacks),
 * delivers the messages still queued for this ws, then RC_WS_EV_CLOSED, and
 * frees the ws. */
#include "wsconn.h"

#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "log.h"
#include "ws.h"

#define LOG          "dashboard"
#define RBUF_INITIAL 4096
#define RBUF_MAX     (RC_WS_MAX_MESSAGE + RC_WS_MAX_HEADER)
/* How long rc_ws_close waits for the peer's close frame. */
#define CLOSE_WAIT_MS 2000

struct rc_ws {
    rc_ws_set_t *set;
    rc_ws_t *prev, *next; /* set->head list (loop thread) */
    nng_http_conn *conn;
    nng_aio *rd_aio, *wr_aio;
    rc_ws_event_fn fn;
    void *arg;

    /* reader */
    uint8_t *rbuf;
    size_t rlen, rcap;
    rc_buf_t frag;
    int frag_active;

    /* under mu */
    uv_mutex_t mu;
    rc_buf_t out, inflight;
    int writing;         /* a write of inflight is in flight */
    int reading;         /* the reader goes on */
    int close_sent;      /* a CLOSE frame is queued: no more sends or deliveries */
    int flush_then_dead; /* post WS_DEAD once out and inflight are written */
    int dead_posted;
    int dead; /* torn down: callbacks do nothing */

    /* loop thread */
    uv_timer_t timer;
    int timer_on;
    int torn_down;
};

enum { WS_TEXT, WS_DEAD };
typedef struct {
    rc_dash_msg_t msg;
    int what;
    rc_ws_t *ws;
    char *data; /* WS_TEXT: NUL-terminated copy */
    size_t len;
} ws_msg_t;

/* Any thread. ws->mu may be held (lock order: ws->mu, then the mailbox's). */
static void post(rc_ws_t *ws, int what, const void *data, size_t len)
{
    ws_msg_t *m = rc_calloc(1, sizeof *m);
    m->msg.kind = RC_DASH_MSG_WS;
    m->what = what;
    m->ws = ws;
    if (what == WS_TEXT) {
        m->data = rc_malloc(len + 1);
        if (len) memcpy(m->data, data, len);
        m->data[len] = '\0';
        m->len = len;
    }
    if (rc_mailbox_post(ws->set->mb, &m->msg.node) != RC_OK) {
        /* The server is stopping and will tear every ws down itself. */
        rc_free(m->data);
        rc_free(m);
    }
}

static void post_dead_locked(rc_ws_t *ws)
{
    if (ws->dead_posted) return;
    ws->dead_posted = 1;
    post(ws, WS_DEAD, NULL, 0);
}

/* ---- writer --------------------------------------------------------------- */

static void kick_locked(rc_ws_t *ws)
{
    if (ws->dead || ws->writing) return;
    if (ws->out.len == 0) {
        if (ws->flush_then_dead) post_dead_locked(ws);
        return;
    }
    rc_buf_t t = ws->inflight;
    ws->inflight = ws->out;
    ws->out = t;
    nng_iov iov = {ws->inflight.data, ws->inflight.len};
    nng_aio_set_iov(ws->wr_aio, 1, &iov);
    ws->writing = 1;
    nng_http_conn_write_all(ws->conn, ws->wr_aio);
}

static void on_write(void *arg)
{
    rc_ws_t *ws = arg;
    int rv = nng_aio_result(ws->wr_aio);
    uv_mutex_lock(&ws->mu);
    ws->writing = 0;
    if (!ws->dead) {
        if (rv != 0) {
            post_dead_locked(ws);
        } else {
            /* A burst can leave a big buffer behind: give it back. */
            if (ws->inflight.cap > ((size_t)1 << 20))
                rc_buf_free(&ws->inflight);
            else
                rc_buf_clear(&ws->inflight);
            kick_locked(ws);
        }
    }
    uv_mutex_unlock(&ws->mu);
}

/* ---- reader --------------------------------------------------------------- */

static void submit_read_locked(rc_ws_t *ws)
{
    if (ws->dead || !ws->reading) return;
    nng_iov iov = {ws->rbuf + ws->rlen, ws->rcap - ws->rlen};
    nng_aio_set_iov(ws->rd_aio, 1, &iov);
    nng_http_conn_read(ws->conn, ws->rd_aio);
}

/* A broken peer: send a close frame with the reason, stop reading, and end the
 * connection once it is written. */
static void fail_close(rc_ws_t *ws, int code, const char *reason)
{
    rc_log_debug(LOG, "websocket closed code=%d reason=\"%s\"", code, reason);
    uv_mutex_lock(&ws->mu);
    if (!ws->close_sent) {
        ws->close_sent = 1;
        rc_ws_close_frame_write(&ws->out, code, reason, NULL);
    }
    ws->flush_then_dead = 1;
    ws->reading = 0;
    kick_locked(ws);
    uv_mutex_unlock(&ws->mu);
}

static void deliver(rc_ws_t *ws, const void *data, size_t len)
{
    uv_mutex_lock(&ws->mu);
    if (!ws->close_sent && !ws->dead) post(ws, WS_TEXT, data, len);
    uv_mutex_unlock(&ws->mu);
}

/* Status codes a peer may send (RFC 6455 7.4; 1004-1006 and 1015 never go on
 * the wire). */
static int close_code_valid(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

/* Returns 1 to go on reading, 0 when the reader is done. */
static int handle_frame(rc_ws_t *ws, const rc_ws_frame_t *f)
{
    switch (f->opcode) {
    case RC_WS_OP_TEXT:
    case RC_WS_OP_BINARY:
        if (ws->frag_active) {
            fail_close(ws, RC_WS_CLOSE_PROTOCOL, "new message inside a fragmented one");
            return 0;
        }
        if (f->fin) {
            deliver(ws, f->payload, f->len);
        } else {
            rc_buf_clear(&ws->frag);
            rc_buf_append(&ws->frag, f->payload, f->len);
            ws->frag_active = 1;
        }
        return 1;
    case RC_WS_OP_CONT:
        if (!ws->frag_active) {
            fail_close(ws, RC_WS_CLOSE_PROTOCOL, "continuation frame outside a message");
            return 0;
        }
        if (ws->frag.len + f->len > RC_WS_MAX_MESSAGE) {
            fail_close(ws, RC_WS_CLOSE_TOOBIG, "message larger than 1 MiB");
            return 0;
        }
        rc_buf_append(&ws->frag, f->payload, f->len);
        if (f->fin) {
            deliver(ws, ws->frag.data, ws->frag.len);
            ws->frag_active = 0;
            rc_buf_free(&ws->frag);
        }
        return 1;
    case RC_WS_OP_PING:
        uv_mutex_lock(&ws->mu);
        if (!ws->close_sent) {
            rc_ws_frame_write(&ws->out, RC_WS_OP_PONG, f->payload, f->len, NULL);
            kick_locked(ws);
        }
        uv_mutex_unlock(&ws->mu);
        return 1;
    case RC_WS_OP_PONG: return 1;
    default: { /* RC_WS_OP_CLOSE (the codec refuses other opcodes) */
        int code;
        const char *reason;
        size_t rlen;
        rc_ws_close_payload(f->payload, f->len, &code, &reason, &rlen);
        uv_mutex_lock(&ws->mu);
        if (!ws->close_sent) {
            /* The peer starts the closing handshake: echo its code. */
            ws->close_sent = 1;
            if (f->len == 0)
                rc_ws_close_frame_write(&ws->out, 0, NULL, NULL);
            else if (close_code_valid(code))
                rc_ws_close_frame_write(&ws->out, code, NULL, NULL);
            else
                rc_ws_close_frame_write(&ws->out, RC_WS_CLOSE_PROTOCOL, "invalid close code", NULL);
        }
        ws->flush_then_dead = 1;
        ws->reading = 0;
        kick_locked(ws);
        uv_mutex_unlock(&ws->mu);
        return 0;
    }
    }
}

/* Parses every complete frame in rbuf. Returns 1 to go on reading. */
static int process_input(rc_ws_t *ws)
{
    size_t off = 0;
    int more = 1;
    char err[96];
    while (more) {
        rc_ws_frame_t f;
        size_t used;
        rc_err_t rc = rc_ws_frame_parse(ws->rbuf + off, ws->rlen - off, RC_WS_MAX_MESSAGE, 1, &f,
                                        &used, err, sizeof err);
        if (rc == RC_EAGAIN) break;
        if (rc != RC_OK) {
            fail_close(ws, rc == RC_ETOOBIG ? RC_WS_CLOSE_TOOBIG : RC_WS_CLOSE_PROTOCOL, err);
            return 0;
        }
        off += used;
        more = handle_frame(ws, &f);
    }
    if (!more) return 0;
    memmove(ws->rbuf, ws->rbuf + off, ws->rlen - off);
    ws->rlen -= off;
    if (ws->rlen == ws->rcap) {
        /* A frame bigger than the buffer; the codec refuses any larger than
         * RBUF_MAX before it gets here. */
        if (ws->rcap >= RBUF_MAX) {
            fail_close(ws, RC_WS_CLOSE_TOOBIG, "frame too large");
            return 0;
        }
        ws->rcap = ws->rcap * 2 > RBUF_MAX ? RBUF_MAX : ws->rcap * 2;
        ws->rbuf = rc_realloc(ws->rbuf, ws->rcap);
    }
    return 1;
}

static void on_read(void *arg)
{
    rc_ws_t *ws = arg;
    int rv = nng_aio_result(ws->rd_aio);
    size_t n = nng_aio_count(ws->rd_aio);
    uv_mutex_lock(&ws->mu);
    if (ws->dead) {
        uv_mutex_unlock(&ws->mu);
        return;
    }
    if (rv != 0) {
        /* EOF or a broken connection: nothing more can be written either. */
        ws->reading = 0;
        post_dead_locked(ws);
        uv_mutex_unlock(&ws->mu);
        return;
    }
    uv_mutex_unlock(&ws->mu);

    ws->rlen += n;
    if (!process_input(ws)) return;
    uv_mutex_lock(&ws->mu);
    submit_read_locked(ws);
    uv_mutex_unlock(&ws->mu);
}

/* ---- loop thread ---------------------------------------------------------- */

static void free_ws(rc_ws_t *ws)
{
    rc_buf_free(&ws->out);
    rc_buf_free(&ws->inflight);
    rc_buf_free(&ws->frag);
    rc_free(ws->rbuf);
    uv_mutex_destroy(&ws->mu);
    rc_free(ws);
}

static void on_timer_closed(uv_handle_t *h)
{
    free_ws(h->data);
}

/* cppcheck-suppress constParameter ; the signature is rc_mailbox_take_if's */
static int match_ws(void *arg, rc_mbox_node_t *n)
{
    rc_dash_msg_t *m = (rc_dash_msg_t *)n;
    return m->kind == RC_DASH_MSG_WS && ((ws_msg_t *)m)->ws == arg;
}

static void teardown(rc_ws_t *ws)
{
    if (ws->torn_down) return;
    ws->torn_down = 1;
    uv_mutex_lock(&ws->mu);
    ws->dead = 1;
    ws->dead_posted = 1;
    uv_mutex_unlock(&ws->mu);

    /* Closing fails the pending read and write; stopping the aios then waits
     * for their callbacks, which see dead and return. */
    if (ws->conn) nng_http_conn_close(ws->conn);
    ws->conn = NULL;
    nng_aio_stop(ws->rd_aio);
    nng_aio_stop(ws->wr_aio);
    nng_aio_free(ws->rd_aio);
    nng_aio_free(ws->wr_aio);
    ws->rd_aio = ws->wr_aio = NULL;

    rc_ws_set_t *set = ws->set;
    if (ws->prev)
        ws->prev->next = ws->next;
    else
        set->head = ws->next;
    if (ws->next) ws->next->prev = ws->prev;
    set->count--;

    /* No callback can post any more: deliver what is queued, then CLOSED. */
    rc_mbox_node_t *n = rc_mailbox_take_if(set->mb, match_ws, ws);
    while (n) {
        ws_msg_t *m = (ws_msg_t *)n;
        n = n->next;
        if (m->what == WS_TEXT) ws->fn(ws->arg, ws, RC_WS_EV_TEXT, m->data, m->len);
        rc_free(m->data);
        rc_free(m);
    }
    ws->fn(ws->arg, ws, RC_WS_EV_CLOSED, NULL, 0);

    if (ws->timer_on) {
        uv_timer_stop(&ws->timer);
        uv_close((uv_handle_t *)&ws->timer, on_timer_closed);
    } else {
        free_ws(ws);
    }
}

void rc_wsconn_dispatch(rc_dash_msg_t *msg)
{
    ws_msg_t *m = (ws_msg_t *)msg;
    rc_ws_t *ws = m->ws;
    if (m->what == WS_TEXT)
        ws->fn(ws->arg, ws, RC_WS_EV_TEXT, m->data, m->len);
    else
        teardown(ws);
    rc_free(m->data);
    rc_free(m);
}

void rc_wsconn_close_all(rc_ws_set_t *set)
{
    while (set->head) teardown(set->head);
}

rc_err_t rc_wsconn_open(rc_ws_set_t *set, nng_http_conn *conn, const char *first, size_t first_len,
                        rc_ws_event_fn fn, void *arg, rc_ws_t **out)
{
    rc_ws_t *ws = rc_calloc(1, sizeof *ws);
    *out = NULL;
    if (uv_mutex_init(&ws->mu) != 0) {
        rc_free(ws);
        nng_http_conn_close(conn);
        return RC_ENOMEM;
    }
    if (nng_aio_alloc(&ws->rd_aio, on_read, ws) != 0 ||
        nng_aio_alloc(&ws->wr_aio, on_write, ws) != 0) {
        nng_aio_free(ws->rd_aio);
        nng_http_conn_close(conn);
        free_ws(ws);
        return RC_ENOMEM;
    }
    ws->set = set;
    ws->conn = conn;
    ws->fn = fn;
    ws->arg = arg;
    ws->rcap = RBUF_INITIAL;
    ws->rbuf = rc_malloc(ws->rcap);
    ws->next = set->head;
    if (set->head) set->head->prev = ws;
    set->head = ws;
    set->count++;

    uv_mutex_lock(&ws->mu);
    rc_buf_append(&ws->out, first, first_len);
    ws->reading = 1;
    kick_locked(ws);
    submit_read_locked(ws);
    uv_mutex_unlock(&ws->mu);
    *out = ws;
    return RC_OK;
}

rc_err_t rc_ws_send_text(rc_ws_t *ws, const char *data, size_t len)
{
    rc_err_t rc = RC_OK;
    uv_mutex_lock(&ws->mu);
    size_t queued = ws->out.len + (ws->writing ? ws->inflight.len : 0);
    if (ws->dead || ws->dead_posted || ws->close_sent) {
        rc = RC_ECLOSED;
    } else if (len > RC_WS_MAX_QUEUED || queued + len + RC_WS_MAX_HEADER > RC_WS_MAX_QUEUED) {
        /* The peer does not read: give up on it rather than grow without bound. */
        rc_log_warn(LOG, "websocket peer too slow, closing queued=%zu message=%zu", queued, len);
        post_dead_locked(ws);
        rc = RC_ETOOBIG;
    } else {
        rc_ws_frame_write(&ws->out, RC_WS_OP_TEXT, data, len, NULL);
        kick_locked(ws);
    }
    uv_mutex_unlock(&ws->mu);
    return rc;
}

static void on_close_timeout(uv_timer_t *t)
{
    teardown(t->data);
}

void rc_ws_close(rc_ws_t *ws, int code, const char *reason)
{
    if (ws->torn_down) return;
    uv_mutex_lock(&ws->mu);
    int already = ws->close_sent || ws->dead_posted;
    if (!already) {
        ws->close_sent = 1;
        rc_ws_close_frame_write(&ws->out, code, reason, NULL);
        kick_locked(ws);
    }
    uv_mutex_unlock(&ws->mu);
    if (already) return;
    /* The reader ends the connection when the peer answers; this bounds the wait. */
    if (!ws->timer_on) {
        uv_timer_init(ws->set->loop, &ws->timer);
        ws->timer.data = ws;
        ws->timer_on = 1;
    }
    uv_timer_start(&ws->timer, on_close_timeout, CLOSE_WAIT_MS, 0);
}
