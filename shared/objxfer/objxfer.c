/* objxfer.c — object transfers over nng byte streams (see objxfer.h). */
#include "objxfer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>

#include "alloc.h"
#include "object.pb-c.h"

#define FRAME_MAX       4096  /* a request, reply or chunk header; never an object's bytes */
#define TIMEOUT_DEFAULT 30000 /* ms per I/O operation */
#define IDLE_MS         60000 /* a server connection waits this long for its next request */
#define POOL_MAX        64    /* idle client connections kept */
#define ADDR_MAX        128

/* ---- one connection: blocking I/O on an nng stream ---- */

/* mu and closed exist because libnng 1.5.2 does not fail an operation started
 * on a stream after nng_stream_close: it waits for its timeout. The server's
 * stop closes streams from another thread, so an operation is started only
 * under mu with closed clear, and chan_shut sets closed under mu: an operation
 * either started before (and the close aborts it) or is never started. */
typedef struct {
    nng_stream *s;
    nng_aio *aio;
    int timeout_ms;
    pthread_mutex_t mu;
    int closed;
} chan_t;

static void chan_init(chan_t *c, int timeout_ms)
{
    c->s = NULL;
    c->aio = NULL;
    c->timeout_ms = timeout_ms;
    c->closed = 0;
    pthread_mutex_init(&c->mu, NULL);
}

/* Ends the connection: an operation under way fails at once, later ones too.
 * Any thread. */
static void chan_shut(chan_t *c)
{
    pthread_mutex_lock(&c->mu);
    c->closed = 1;
    if (c->s) nng_stream_close(c->s);
    pthread_mutex_unlock(&c->mu);
}

static rc_err_t nng_err(int rv)
{
    return rv == NNG_ETIMEDOUT ? RC_ETIMEOUT : rv == NNG_ENOMEM ? RC_EIO : RC_ECLOSED;
}

/* Moves every byte of iov[0..n) (send or receive), however the stream splits it. */
static rc_err_t chan_iov(chan_t *c, int send, nng_iov *iov, unsigned n, int timeout_ms)
{
    while (n) {
        pthread_mutex_lock(&c->mu);
        rc_err_t rc = c->closed ? RC_ECLOSED : nng_aio_set_iov(c->aio, n, iov) ? RC_EIO : RC_OK;
        if (rc != RC_OK) {
            pthread_mutex_unlock(&c->mu);
            return rc;
        }
        nng_aio_set_timeout(c->aio, timeout_ms);
        if (send)
            nng_stream_send(c->s, c->aio);
        else
            nng_stream_recv(c->s, c->aio);
        pthread_mutex_unlock(&c->mu);
        nng_aio_wait(c->aio);
        int rv = nng_aio_result(c->aio);
        if (rv != 0) return nng_err(rv);
        size_t done = nng_aio_count(c->aio);
        if (done == 0) return RC_ECLOSED;
        while (n && done >= iov->iov_len) {
            done -= iov->iov_len;
            iov++;
            n--;
        }
        if (n) {
            iov->iov_buf = (uint8_t *)iov->iov_buf + done;
            iov->iov_len -= done;
        }
    }
    return RC_OK;
}

static rc_err_t chan_io(chan_t *c, int send, void *buf, size_t len, int timeout_ms)
{
    nng_iov iov = {.iov_buf = buf, .iov_len = len};
    return len ? chan_iov(c, send, &iov, 1, timeout_ms) : RC_OK;
}

/* Sends a packed message as a frame, then payload (may be NULL), in one go. */
static rc_err_t send_frame(chan_t *c, const ProtobufCMessage *m, const void *payload, size_t plen)
{
    uint8_t hdr[4 + FRAME_MAX];
    size_t n = protobuf_c_message_get_packed_size(m);
    if (n > FRAME_MAX) return RC_ETOOBIG;
    protobuf_c_message_pack(m, hdr + 4);
    hdr[0] = (uint8_t)n;
    hdr[1] = (uint8_t)(n >> 8);
    hdr[2] = (uint8_t)(n >> 16);
    hdr[3] = (uint8_t)(n >> 24);
    nng_iov iov[2] = {{.iov_buf = hdr, .iov_len = n + 4},
                      {.iov_buf = (void *)payload, .iov_len = plen}};
    return chan_iov(c, 1, iov, plen ? 2 : 1, c->timeout_ms);
}

/* Receives one frame's message; NULL and *rc on error (RC_EPROTO: malformed). */
static ProtobufCMessage *recv_frame(chan_t *c, const ProtobufCMessageDescriptor *d, int timeout_ms,
                                    rc_err_t *rc)
{
    uint8_t b[FRAME_MAX];
    *rc = chan_io(c, 0, b, 4, timeout_ms);
    if (*rc != RC_OK) return NULL;
    uint32_t n = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    if (n > FRAME_MAX) {
        *rc = RC_EPROTO;
        return NULL;
    }
    *rc = chan_io(c, 0, b, n, c->timeout_ms);
    if (*rc != RC_OK) return NULL;
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, n, b);
    if (!m) *rc = RC_EPROTO;
    return m;
}

/* Frees the connection; no other thread may use it any more. */
static void chan_close(chan_t *c)
{
    if (c->s) {
        nng_stream_close(c->s);
        nng_stream_free(c->s);
    }
    if (c->aio) nng_aio_free(c->aio);
    c->s = NULL;
    c->aio = NULL;
    pthread_mutex_destroy(&c->mu);
}

static int valid_id(const ProtobufCBinaryData *b)
{
    return b->len == 16;
}

/* Receives size bytes as chunks into dst (the PUT body or a GET reply). */
static rc_err_t recv_chunks(chan_t *c, uint8_t *dst, uint64_t size, char *err, size_t errcap)
{
    uint64_t off = 0;
    while (off < size) {
        rc_err_t rc;
        Rayc__ObjectChunk *h =
            (Rayc__ObjectChunk *)recv_frame(c, &rayc__object_chunk__descriptor, c->timeout_ms, &rc);
        if (!h) {
            snprintf(err, errcap, "%s at byte %llu of %llu",
                     rc == RC_EPROTO ? "malformed chunk header" : rc_strerror(rc),
                     (unsigned long long)off, (unsigned long long)size);
            return rc;
        }
        uint64_t hoff = h->offset;
        uint32_t len = h->length;
        rayc__object_chunk__free_unpacked(h, NULL);
        if (hoff != off || len == 0 || len > RC_OBJXFER_CHUNK_MAX || len > size - off) {
            snprintf(err, errcap,
                     "chunk of %u bytes at offset %llu does not follow byte %llu of %llu", len,
                     (unsigned long long)hoff, (unsigned long long)off, (unsigned long long)size);
            return RC_EPROTO;
        }
        rc = chan_io(c, 0, dst + off, len, c->timeout_ms);
        if (rc != RC_OK) {
            snprintf(err, errcap, "%s in the chunk at byte %llu of %llu", rc_strerror(rc),
                     (unsigned long long)off, (unsigned long long)size);
            return rc;
        }
        off += len;
    }
    return RC_OK;
}

static rc_err_t send_chunks(chan_t *c, const uint8_t *src, uint64_t size, uint32_t chunk)
{
    for (uint64_t off = 0; off < size;) {
        uint32_t len = size - off < chunk ? (uint32_t)(size - off) : chunk;
        Rayc__ObjectChunk h;
        rayc__object_chunk__init(&h);
        h.offset = off;
        h.length = len;
        rc_err_t rc = send_frame(c, &h.base, src + off, len);
        if (rc != RC_OK) return rc;
        off += len;
    }
    return RC_OK;
}

static rc_err_t send_reply(chan_t *c, Rayc__ObjectReply__Status st, uint64_t size,
                           const char *error)
{
    Rayc__ObjectReply r;
    rayc__object_reply__init(&r);
    r.status = st;
    r.size = size;
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", error ? error : "");
    r.error = buf;
    return send_frame(c, &r.base, NULL, 0);
}

/* ---- server ---- */

typedef struct conn {
    struct conn *next;
    rc_objxfer_server_t *srv;
    chan_t ch;
    pthread_t thread;
    int done; /* its thread has returned (under srv->mu) */
} conn_t;

struct rc_objxfer_server {
    rc_objxfer_server_opts_t o;
    nng_stream_listener *l;
    nng_aio *accept_aio;
    pthread_t accept_thread;
    int started, stopped, port;
    pthread_mutex_t mu;
    conn_t *conns;
    unsigned nconns;
    int stopping;
};

static Rayc__ObjectReply__Status status_of(rc_err_t rc)
{
    switch (rc) {
    case RC_ENOTFOUND: return RAYC__OBJECT_REPLY__STATUS__NOT_FOUND;
    case RC_ETOOBIG: return RAYC__OBJECT_REPLY__STATUS__TOO_BIG;
    case RC_EINVAL:
    case RC_EEXISTS: return RAYC__OBJECT_REPLY__STATUS__BAD_REQUEST;
    default: return RAYC__OBJECT_REPLY__STATUS__INTERNAL;
    }
}

static rc_err_t serve_get(rc_objxfer_server_t *s, chan_t *c, const rc_id_t *id)
{
    const uint8_t *data = NULL;
    uint64_t size = 0;
    char err[512] = "";
    rc_err_t rc = s->o.lookup(s->o.arg, id, &data, &size, err, sizeof(err));
    if (rc != RC_OK) return send_reply(c, status_of(rc), 0, err[0] ? err : rc_strerror(rc));
    rc = send_reply(c, RAYC__OBJECT_REPLY__STATUS__OK, size, NULL);
    if (rc == RC_OK) rc = send_chunks(c, data, size, s->o.chunk);
    if (s->o.release) s->o.release(s->o.arg, id);
    return rc;
}

static rc_err_t serve_put(rc_objxfer_server_t *s, chan_t *c, const rc_id_t *id, uint64_t size)
{
    char err[512] = "";
    if (!s->o.create || !s->o.commit)
        return send_reply(c, RAYC__OBJECT_REPLY__STATUS__BAD_REQUEST, 0,
                          "this object port takes no pushes");
    uint8_t *dst = NULL;
    rc_err_t rc = s->o.create(s->o.arg, id, size, &dst, err, sizeof(err));
    if (rc != RC_OK) return send_reply(c, status_of(rc), 0, err[0] ? err : rc_strerror(rc));
    rc = send_reply(c, RAYC__OBJECT_REPLY__STATUS__OK, size, NULL);
    if (rc == RC_OK) rc = recv_chunks(c, dst, size, err, sizeof(err));
    if (rc != RC_OK) {
        char e2[64];
        (void)s->o.commit(s->o.arg, id, 0, e2, sizeof(e2));
        return rc; /* the connection is in an unknown state: dropped */
    }
    rc = s->o.commit(s->o.arg, id, 1, err, sizeof(err));
    return rc == RC_OK ? send_reply(c, RAYC__OBJECT_REPLY__STATUS__OK, size, NULL)
                       : send_reply(c, status_of(rc), 0, err);
}

static void *conn_main(void *arg)
{
    conn_t *cn = arg;
    rc_objxfer_server_t *s = cn->srv;
    for (;;) {
        rc_err_t rc;
        Rayc__ObjectRequest *rq = (Rayc__ObjectRequest *)recv_frame(
            &cn->ch, &rayc__object_request__descriptor, IDLE_MS, &rc);
        if (!rq) {
            if (rc == RC_EPROTO)
                (void)send_reply(&cn->ch, RAYC__OBJECT_REPLY__STATUS__BAD_REQUEST, 0,
                                 "the request is not an ObjectRequest frame");
            break;
        }
        rc_id_t id;
        if (!valid_id(&rq->object_id)) {
            rayc__object_request__free_unpacked(rq, NULL);
            (void)send_reply(&cn->ch, RAYC__OBJECT_REPLY__STATUS__BAD_REQUEST, 0,
                             "object_id must be 16 bytes");
            break;
        }
        memcpy(id.b, rq->object_id.data, 16);
        Rayc__ObjectRequest__Op op = rq->op;
        uint64_t size = rq->size;
        rayc__object_request__free_unpacked(rq, NULL);
        if (op == RAYC__OBJECT_REQUEST__OP__GET)
            rc = serve_get(s, &cn->ch, &id);
        else if (op == RAYC__OBJECT_REQUEST__OP__PUT)
            rc = serve_put(s, &cn->ch, &id, size);
        else
            rc = send_reply(&cn->ch, RAYC__OBJECT_REPLY__STATUS__BAD_REQUEST, 0, "unknown op");
        if (rc != RC_OK) break;
    }
    chan_shut(&cn->ch);
    pthread_mutex_lock(&s->mu);
    cn->done = 1;
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Joins and frees finished connections (all of them when all is set). */
static void reap(rc_objxfer_server_t *s, int all)
{
    pthread_mutex_lock(&s->mu);
    conn_t **pp = &s->conns;
    while (*pp) {
        conn_t *cn = *pp;
        if (!cn->done && !all) {
            pp = &cn->next;
            continue;
        }
        *pp = cn->next;
        s->nconns--;
        pthread_mutex_unlock(&s->mu);
        pthread_join(cn->thread, NULL);
        chan_close(&cn->ch);
        rc_free(cn);
        pthread_mutex_lock(&s->mu);
        pp = &s->conns;
    }
    pthread_mutex_unlock(&s->mu);
}

static void *accept_main(void *arg)
{
    rc_objxfer_server_t *s = arg;
    for (;;) {
        nng_stream_listener_accept(s->l, s->accept_aio);
        nng_aio_wait(s->accept_aio);
        int rv = nng_aio_result(s->accept_aio);
        pthread_mutex_lock(&s->mu);
        int stopping = s->stopping;
        pthread_mutex_unlock(&s->mu);
        if (rv != 0) {
            if (stopping || rv == NNG_ECLOSED || rv == NNG_ECANCELED) break;
            continue; /* a failed handshake or a transient error: keep serving */
        }
        nng_stream *st = nng_aio_get_output(s->accept_aio, 0);
        reap(s, 0);
        pthread_mutex_lock(&s->mu);
        int full = s->stopping || s->nconns >= s->o.max_conns;
        pthread_mutex_unlock(&s->mu);
        conn_t *cn = full ? NULL : rc_calloc(1, sizeof(*cn));
        if (cn) chan_init(&cn->ch, s->o.timeout_ms);
        if (cn && nng_aio_alloc(&cn->ch.aio, NULL, NULL) != 0) {
            chan_close(&cn->ch);
            rc_free(cn);
            cn = NULL;
        }
        if (!cn) {
            /* Too many connections: this one is closed at once; its client
             * sees a closed connection and may retry. */
            nng_stream_close(st);
            nng_stream_free(st);
            continue;
        }
        cn->srv = s;
        cn->ch.s = st;
        pthread_mutex_lock(&s->mu);
        cn->next = s->conns;
        s->conns = cn;
        s->nconns++;
        int ok = pthread_create(&cn->thread, NULL, conn_main, cn) == 0;
        if (!ok) {
            s->conns = cn->next;
            s->nconns--;
        }
        pthread_mutex_unlock(&s->mu);
        if (!ok) {
            chan_close(&cn->ch);
            rc_free(cn);
        }
    }
    return NULL;
}

rc_err_t rc_objxfer_server_start(const char *url, const rc_objxfer_server_opts_t *opts,
                                 rc_objxfer_server_t **out, char *err, size_t errcap)
{
    *out = NULL;
    if (!opts || !opts->lookup) {
        snprintf(err, errcap, "the object server needs a lookup callback");
        return RC_EINVAL;
    }
    rc_objxfer_server_t *s = rc_calloc(1, sizeof(*s));
    s->o = *opts;
    if (!s->o.max_conns) s->o.max_conns = RC_OBJXFER_CONNS_DEFAULT;
    if (!s->o.chunk) s->o.chunk = RC_OBJXFER_CHUNK_DEFAULT;
    if (s->o.chunk > RC_OBJXFER_CHUNK_MAX) s->o.chunk = RC_OBJXFER_CHUNK_MAX;
    if (s->o.timeout_ms <= 0) s->o.timeout_ms = TIMEOUT_DEFAULT;
    pthread_mutex_init(&s->mu, NULL);
    int rv = nng_stream_listener_alloc(&s->l, url);
    if (rv == 0) rv = nng_stream_listener_listen(s->l);
    if (rv == 0) rv = nng_stream_listener_get_int(s->l, NNG_OPT_TCP_BOUND_PORT, &s->port);
    if (rv == 0) rv = nng_aio_alloc(&s->accept_aio, NULL, NULL);
    if (rv != 0) {
        snprintf(err, errcap, "cannot listen on %s for objects: %s", url, nng_strerror(rv));
        rc_objxfer_server_free(s);
        return RC_EIO;
    }
    if (pthread_create(&s->accept_thread, NULL, accept_main, s) != 0) {
        snprintf(err, errcap, "cannot start the object server's thread");
        rc_objxfer_server_free(s);
        return RC_EIO;
    }
    s->started = 1;
    *out = s;
    return RC_OK;
}

int rc_objxfer_server_port(const rc_objxfer_server_t *s)
{
    return s ? s->port : 0;
}

void rc_objxfer_server_stop(rc_objxfer_server_t *s)
{
    if (!s || s->stopped) return;
    s->stopped = 1;
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    for (conn_t *cn = s->conns; cn; cn = cn->next) chan_shut(&cn->ch);
    pthread_mutex_unlock(&s->mu);
    if (s->l) nng_stream_listener_close(s->l);
    if (s->accept_aio) nng_aio_stop(s->accept_aio);
    if (s->started) pthread_join(s->accept_thread, NULL);
    /* Connections the accept thread added before it saw stopping. */
    pthread_mutex_lock(&s->mu);
    for (conn_t *cn = s->conns; cn; cn = cn->next) chan_shut(&cn->ch);
    pthread_mutex_unlock(&s->mu);
    reap(s, 1);
}

void rc_objxfer_server_free(rc_objxfer_server_t *s)
{
    if (!s) return;
    rc_objxfer_server_stop(s);
    if (s->l) nng_stream_listener_free(s->l);
    if (s->accept_aio) nng_aio_free(s->accept_aio);
    pthread_mutex_destroy(&s->mu);
    rc_free(s);
}

/* ---- client ---- */

typedef struct pconn {
    struct pconn *next;
    char addr[ADDR_MAX];
    chan_t ch;
} pconn_t;

/* A dialer per address, kept for the client's life: nng reaps a freed dialer
 * on its own thread, and a dialer freed per connection races with that. */
typedef struct dialer {
    struct dialer *next;
    char addr[ADDR_MAX];
    nng_stream_dialer *d;
} dialer_t;

struct rc_objxfer_client {
    int timeout_ms;
    pthread_mutex_t mu;
    pconn_t *idle;
    unsigned nidle;
    dialer_t *dialers;
};

rc_objxfer_client_t *rc_objxfer_client_new(int timeout_ms)
{
    rc_objxfer_client_t *c = rc_calloc(1, sizeof(*c));
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : TIMEOUT_DEFAULT;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void pconn_free(pconn_t *p)
{
    chan_close(&p->ch);
    rc_free(p);
}

void rc_objxfer_client_free(rc_objxfer_client_t *c)
{
    if (!c) return;
    while (c->idle) {
        pconn_t *p = c->idle;
        c->idle = p->next;
        pconn_free(p);
    }
    while (c->dialers) {
        dialer_t *d = c->dialers;
        c->dialers = d->next;
        nng_stream_dialer_free(d->d);
        rc_free(d);
    }
    pthread_mutex_destroy(&c->mu);
    rc_free(c);
}

static int dialer_for(rc_objxfer_client_t *c, const char *addr, nng_stream_dialer **out)
{
    pthread_mutex_lock(&c->mu);
    dialer_t *d = c->dialers;
    while (d && strcmp(d->addr, addr) != 0) d = d->next;
    int rv = 0;
    if (!d) {
        char url[ADDR_MAX + 8];
        snprintf(url, sizeof(url), "tcp://%s", addr);
        d = rc_calloc(1, sizeof(*d));
        snprintf(d->addr, sizeof(d->addr), "%s", addr);
        rv = nng_stream_dialer_alloc(&d->d, url);
        if (rv == 0) {
            d->next = c->dialers;
            c->dialers = d;
        } else {
            rc_free(d);
            d = NULL;
        }
    }
    *out = d ? d->d : NULL;
    pthread_mutex_unlock(&c->mu);
    return rv;
}

/* An idle connection to addr (*reused set), or a new one. */
static pconn_t *take(rc_objxfer_client_t *c, const char *addr, int fresh, int *reused, char *err,
                     size_t errcap)
{
    *reused = 0;
    if (strlen(addr) >= ADDR_MAX) {
        snprintf(err, errcap, "object address too long");
        return NULL;
    }
    if (!fresh) {
        pthread_mutex_lock(&c->mu);
        for (pconn_t **pp = &c->idle; *pp; pp = &(*pp)->next)
            if (strcmp((*pp)->addr, addr) == 0) {
                pconn_t *p = *pp;
                *pp = p->next;
                c->nidle--;
                pthread_mutex_unlock(&c->mu);
                *reused = 1;
                return p;
            }
        pthread_mutex_unlock(&c->mu);
    }
    pconn_t *p = rc_calloc(1, sizeof(*p));
    snprintf(p->addr, sizeof(p->addr), "%s", addr);
    chan_init(&p->ch, c->timeout_ms);
    nng_stream_dialer *d = NULL;
    int rv = dialer_for(c, addr, &d);
    if (rv == 0) rv = nng_aio_alloc(&p->ch.aio, NULL, NULL);
    if (rv == 0) {
        nng_aio_set_timeout(p->ch.aio, c->timeout_ms);
        nng_stream_dialer_dial(d, p->ch.aio);
        nng_aio_wait(p->ch.aio);
        rv = nng_aio_result(p->ch.aio);
        if (rv == 0) p->ch.s = nng_aio_get_output(p->ch.aio, 0);
    }
    if (rv != 0) {
        snprintf(err, errcap, "cannot connect to the object port %s: %s", addr, nng_strerror(rv));
        pconn_free(p);
        return NULL;
    }
    return p;
}

static void give_back(rc_objxfer_client_t *c, pconn_t *p)
{
    pthread_mutex_lock(&c->mu);
    if (c->nidle < POOL_MAX) {
        p->next = c->idle;
        c->idle = p;
        c->nidle++;
        p = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (p) pconn_free(p);
}

static rc_err_t reply_err(const Rayc__ObjectReply *r, const char *addr, char *err, size_t errcap)
{
    const char *e = r->error && *r->error ? r->error : "no reason given";
    snprintf(err, errcap, "%s: %s", addr, e);
    switch (r->status) {
    case RAYC__OBJECT_REPLY__STATUS__NOT_FOUND: return RC_ENOTFOUND;
    case RAYC__OBJECT_REPLY__STATUS__TOO_BIG: return RC_ETOOBIG;
    case RAYC__OBJECT_REPLY__STATUS__BAD_REQUEST: return RC_EINVAL;
    default: return RC_EIO;
    }
}

/* Sends a request and reads the first reply; on a pooled connection that the
 * node closed meanwhile, once more on a new one. Returns the OK reply and its
 * connection (*out); NULL with *rc and err on a refusal (the connection goes
 * back to the pool: the exchange ended cleanly) or a failure. */
static Rayc__ObjectReply *request(rc_objxfer_client_t *c, const char *addr,
                                  Rayc__ObjectRequest__Op op, const rc_id_t *id, uint64_t size,
                                  pconn_t **out, rc_err_t *rc, char *err, size_t errcap)
{
    Rayc__ObjectRequest rqm, *rq = &rqm;
    rayc__object_request__init(rq);
    rq->op = op;
    rq->object_id.data = (uint8_t *)id->b;
    rq->object_id.len = 16;
    rq->size = size;
    for (int attempt = 0; attempt < 2; attempt++) {
        int reused;
        pconn_t *p = take(c, addr, attempt > 0, &reused, err, errcap);
        if (!p) {
            *rc = RC_ECONN;
            return NULL;
        }
        *rc = send_frame(&p->ch, &rq->base, NULL, 0);
        Rayc__ObjectReply *r = NULL;
        if (*rc == RC_OK)
            r = (Rayc__ObjectReply *)recv_frame(&p->ch, &rayc__object_reply__descriptor,
                                                c->timeout_ms, rc);
        if (r && r->status != RAYC__OBJECT_REPLY__STATUS__OK) {
            *rc = reply_err(r, addr, err, errcap);
            rayc__object_reply__free_unpacked(r, NULL);
            give_back(c, p);
            return NULL;
        }
        if (r) {
            *out = p;
            return r;
        }
        pconn_free(p);
        if (!(reused && *rc == RC_ECLOSED)) break;
    }
    snprintf(err, errcap, "%s: %s", addr,
             *rc == RC_EPROTO ? "the node's reply is not an ObjectReply frame" : rc_strerror(*rc));
    return NULL;
}

rc_err_t rc_objxfer_fetch(rc_objxfer_client_t *c, const char *addr, const rc_id_t *id,
                          uint64_t expect, rc_objxfer_alloc_fn alloc, void (*abort)(void *arg),
                          void *arg, uint64_t *size, char *err, size_t errcap)
{
    pconn_t *p = NULL;
    rc_err_t rc;
    Rayc__ObjectReply *r =
        request(c, addr, RAYC__OBJECT_REQUEST__OP__GET, id, 0, &p, &rc, err, errcap);
    if (!r) return rc;
    uint64_t total = r->size;
    rayc__object_reply__free_unpacked(r, NULL);
    if (expect != RC_OBJXFER_ANY_SIZE && total != expect) {
        snprintf(err, errcap, "%s: the node has %llu bytes, the head said %llu", addr,
                 (unsigned long long)total, (unsigned long long)expect);
        pconn_free(p); /* it is already sending them */
        return RC_EPROTO;
    }
    uint8_t *dst = NULL;
    char e[400] = "";
    rc = alloc(arg, total, &dst, e, sizeof(e));
    if (rc != RC_OK) {
        /* The node is already sending: this connection cannot be reused. */
        snprintf(err, errcap, "%s", e[0] ? e : rc_strerror(rc));
        pconn_free(p);
        return rc;
    }
    rc = recv_chunks(&p->ch, dst, total, e, sizeof(e));
    if (rc != RC_OK) {
        snprintf(err, errcap, "%s: %s", addr, e);
        pconn_free(p);
        if (abort) abort(arg);
        return rc;
    }
    give_back(c, p);
    if (size) *size = total;
    return RC_OK;
}

rc_err_t rc_objxfer_push(rc_objxfer_client_t *c, const char *addr, const rc_id_t *id,
                         const uint8_t *data, uint64_t size, char *err, size_t errcap)
{
    pconn_t *p = NULL;
    rc_err_t rc;
    Rayc__ObjectReply *r =
        request(c, addr, RAYC__OBJECT_REQUEST__OP__PUT, id, size, &p, &rc, err, errcap);
    if (!r) return rc;
    rayc__object_reply__free_unpacked(r, NULL);
    rc = send_chunks(&p->ch, data, size, RC_OBJXFER_CHUNK_DEFAULT);
    if (rc == RC_OK) {
        r = (Rayc__ObjectReply *)recv_frame(&p->ch, &rayc__object_reply__descriptor, c->timeout_ms,
                                            &rc);
        if (r) {
            rc = r->status == RAYC__OBJECT_REPLY__STATUS__OK ? RC_OK
                                                             : reply_err(r, addr, err, errcap);
            rayc__object_reply__free_unpacked(r, NULL);
            give_back(c, p);
            return rc;
        }
    }
    snprintf(err, errcap, "%s: %s while sending %llu bytes", addr, rc_strerror(rc),
             (unsigned long long)size);
    pconn_free(p);
    return rc;
}
