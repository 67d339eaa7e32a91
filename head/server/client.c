/* client.c — one connection: accept, read, parse, dispatch, flush, close.
 *
 * Input is parsed in place from the query buffer; every complete command is
 * dispatched before the next read, so pipelined requests are answered in order.
 * Output is appended to `out` and written once per loop turn: uv_try_write first
 * (one syscall for the common small reply); what the kernel does not take moves
 * to `wbuf` for an asynchronous uv_write, while new replies keep going to `out`. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "srv.h"

#define READ_CHUNK (64 * 1024)

static void on_close(uv_handle_t *handle)
{
    rc_client_t *c = handle->data;
    rc_head_t *h = c->head;
    if (c->pending) {
        if (c->pprev)
            c->pprev->pnext = c->pnext;
        else
            h->pending = c->pnext;
        if (c->pnext) c->pnext->pprev = c->pprev;
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        h->clients = c->next;
    if (c->next) c->next->prev = c->prev;
    h->nclients--;
    rc_buf_free(&c->qbuf);
    rc_buf_free(&c->out);
    rc_buf_free(&c->wbuf);
    rc_resp_cmd_parser_free(c->parser);
    rc_free(c->name);
    rc_free(c);
}

void rc_client_close(rc_client_t *c, const char *why)
{
    if (c->state == RC_CONN_CLOSING) return;
    if (why)
        rc_log_debug("gcs", "closing client id=%llu addr=%s reason=\"%s\"",
                     (unsigned long long)c->id, c->addr, why);
    c->state = RC_CONN_CLOSING;
    if (c->blocked) {
        c->blocked = 0;
        c->head->nblocked--;
        if (c->gone) c->gone(c->gone_arg);
    }
    rc_pubsub_client_gone(c);
    uv_close((uv_handle_t *)&c->tcp, on_close);
}

void rc_client_mark_pending(rc_client_t *c)
{
    rc_head_t *h = c->head;
    if (c->pending || c->state == RC_CONN_CLOSING) return;
    c->pending = 1;
    c->pprev = NULL;
    c->pnext = h->pending;
    if (h->pending) h->pending->pprev = c;
    h->pending = c;
}

int rc_client_check_output(rc_client_t *c)
{
    size_t queued = c->out.len + c->wbuf.len;
    size_t limit =
        rc_client_in_pubsub(c) ? c->head->opts.max_output_pubsub : c->head->opts.max_output_normal;
    if (limit == 0 || queued <= limit) return 0;
    rc_log_warn("gcs",
                "disconnecting a client that does not read its replies id=%llu addr=%s "
                "queued=%zu limit=%zu",
                (unsigned long long)c->id, c->addr, queued, limit);
    rc_client_close(c, "output limit");
    return 1;
}

static void flush(rc_client_t *c);

static void on_write(uv_write_t *req, int status)
{
    rc_client_t *c = req->data;
    c->writing = 0;
    c->wbuf.len = 0;
    if (status < 0) {
        if (status != UV_ECANCELED) rc_client_close(c, uv_strerror(status));
        return;
    }
    flush(c);
}

static void flush(rc_client_t *c)
{
    if (c->state == RC_CONN_CLOSING || c->writing) return;
    if (c->out.len > 0) {
        uv_buf_t b = uv_buf_init(c->out.data, (unsigned)c->out.len);
        int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        if (n < 0 && n != UV_EAGAIN) {
            rc_client_close(c, uv_strerror(n));
            return;
        }
        if (n > 0) c->head->net_out += (uint64_t)n;
        if (n == (int)c->out.len) {
            c->out.len = 0;
        } else {
            /* The kernel took part of it: hand the rest to an asynchronous write and keep
             * `out` for new replies. Swapping buffers avoids copying the remainder. */
            if (n > 0) rc_buf_consume(&c->out, (size_t)n);
            rc_buf_t tmp = c->wbuf;
            c->wbuf = c->out;
            c->out = tmp;
            c->out.len = 0;
            b = uv_buf_init(c->wbuf.data, (unsigned)c->wbuf.len);
            c->wreq.data = c;
            int rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_write);
            if (rc < 0) {
                rc_client_close(c, uv_strerror(rc));
                return;
            }
            c->writing = 1;
            return;
        }
    }
    if (c->state == RC_CONN_CLOSE_AFTER_REPLY) rc_client_close(c, "closed after reply");
    /* A large buffer kept after a burst would pin memory per idle client. */
    if (c->out.cap > (1 << 20)) rc_buf_free(&c->out);
}

static void process_input(rc_client_t *c);

void rc_head_flush_pending(rc_head_t *h)
{
    /* Resuming may block or unblock other clients: take one at a time. */
    while (h->resume) {
        rc_client_t *c = h->resume;
        h->resume = c->rnext;
        if (h->resume) h->resume->rprev = NULL;
        c->resuming = 0;
        c->rnext = c->rprev = NULL;
        if (c->state == RC_CONN_OPEN && !c->blocked) process_input(c);
    }
    while (h->pending) {
        rc_client_t *c = h->pending;
        h->pending = c->pnext;
        if (h->pending) h->pending->pprev = NULL;
        c->pending = 0;
        c->pnext = c->pprev = NULL;
        flush(c);
    }
}

static void grow_argv(rc_head_t *h, size_t argc)
{
    if (argc <= h->argcap) return;
    size_t cap = h->argcap ? h->argcap : 16;
    while (cap < argc) cap *= 2;
    h->argv = rc_realloc(h->argv, cap * sizeof(*h->argv));
    h->argl = rc_realloc(h->argl, cap * sizeof(*h->argl));
    h->argcap = cap;
}

/* Parses and dispatches every complete command in the query buffer. */
static void process_input(rc_client_t *c)
{
    rc_head_t *h = c->head;
    size_t pos = 0;
    while (c->state == RC_CONN_OPEN && !c->blocked && pos < c->qbuf.len) {
        const rc_resp_arg_t *args;
        size_t argc, used;
        const char *base = c->qbuf.data + pos;
        rc_err_t rc =
            rc_resp_parse_command(c->parser, base, c->qbuf.len - pos, &used, &args, &argc);
        if (rc == RC_EAGAIN) break;
        if (rc != RC_OK) {
            rc_resp_write_errorf(&c->out, "ERR %s", rc_resp_cmd_parser_error(c->parser));
            rc_log_info("gcs", "protocol error from client id=%llu addr=%s error=\"%s\"",
                        (unsigned long long)c->id, c->addr, rc_resp_cmd_parser_error(c->parser));
            c->state = RC_CONN_CLOSE_AFTER_REPLY;
            pos = c->qbuf.len;
            break;
        }
        pos += used;
        if (argc == 0) continue;
        grow_argv(h, argc);
        for (size_t i = 0; i < argc; i++) {
            h->argv[i] = rc_resp_arg_ptr(c->parser, base, &args[i]);
            h->argl[i] = args[i].len;
        }
        rc_dispatch(c, argc, h->argv, h->argl);
        if (c->state == RC_CONN_CLOSING) return; /* the command closed it (CLIENT KILL) */
        if (rc_client_check_output(c)) return;
    }
    rc_buf_consume(&c->qbuf, pos);
    /* A large buffer left by one big request would pin memory per idle client. */
    if (c->qbuf.len == 0 && c->qbuf.cap > (1 << 20)) rc_buf_free(&c->qbuf);
    if (c->out.len) rc_client_mark_pending(c);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    rc_client_t *c = handle->data;
    (void)suggested;
    if (rc_buf_reserve_try(&c->qbuf, READ_CHUNK) != RC_OK) {
        *buf = uv_buf_init(NULL, 0); /* libuv reports UV_ENOBUFS; we close */
        return;
    }
    *buf = uv_buf_init(c->qbuf.data + c->qbuf.len, (unsigned)(c->qbuf.cap - c->qbuf.len - 1));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    rc_client_t *c = stream->data;
    (void)buf;
    if (nread < 0) {
        rc_client_close(c, nread == UV_EOF ? "peer closed" : uv_strerror((int)nread));
        return;
    }
    if (nread == 0 || c->state != RC_CONN_OPEN) return;
    c->qbuf.len += (size_t)nread;
    c->qbuf.data[c->qbuf.len] = '\0';
    c->head->net_in += (uint64_t)nread;
    c->atime_ms = rc_clock_wall_ms();
    process_input(c);
    if (c->state == RC_CONN_OPEN && c->qbuf.len > c->head->opts.max_query_buf) {
        rc_log_warn("gcs", "closing client id=%llu addr=%s: query buffer over limit bytes=%zu",
                    (unsigned long long)c->id, c->addr, c->qbuf.len);
        rc_client_close(c, "query buffer limit");
        return;
    }
    if (c->state == RC_CONN_CLOSE_AFTER_REPLY) {
        uv_read_stop(stream);
        rc_client_mark_pending(c);
    }
}

static void format_addr(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        uv_ip4_name(a, ip, sizeof(ip));
        port = ntohs(a->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        uv_ip6_name(a, ip, sizeof(ip));
        port = ntohs(a->sin6_port);
    }
    snprintf(out, cap, "%s:%d", ip, port);
}

void rc_client_accept(rc_listener_t *l)
{
    rc_head_t *h = l->head;
    rc_client_t *c = rc_calloc(1, sizeof(*c));
    uv_tcp_init(&h->loop, &c->tcp);
    c->tcp.data = c;
    c->head = h;
    if (uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, (uv_close_cb)rc_free);
        return;
    }
    c->id = h->next_client_id++;
    c->port_kind = l->kind;
    c->authed = h->password == NULL;
    c->ctime_ms = c->atime_ms = rc_clock_wall_ms();
    c->parser = rc_resp_cmd_parser_new(h->opts.max_bulk, RC_RESP_DEFAULT_MAX_ELEMS);
    c->next = h->clients;
    if (h->clients) h->clients->prev = c;
    h->clients = c;
    h->nclients++;
    h->total_connections++;
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
        format_addr(&ss, c->addr, sizeof(c->addr));
    len = sizeof(ss);
    if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
        format_addr(&ss, c->laddr, sizeof(c->laddr));
    uv_tcp_nodelay(&c->tcp, 1);

    if (h->nclients > h->opts.max_clients) {
        /* Redis answers this one error and closes. */
        h->rejected_connections++;
        rc_resp_write_error(&c->out, "ERR max number of clients reached");
        c->state = RC_CONN_CLOSE_AFTER_REPLY;
        rc_client_mark_pending(c);
        return;
    }
    int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (rc != 0) rc_client_close(c, uv_strerror(rc));
}

rc_client_t *rc_cmd_block(rc_cmd_ctx_t *ctx, void (*gone)(void *arg), void *arg)
{
    rc_client_t *c = ctx->client;
    RC_ASSERT(!c->blocked);
    c->blocked = 1;
    c->gone = gone;
    c->gone_arg = arg;
    c->head->nblocked++;
    return c;
}

rc_buf_t *rc_client_blocked_out(rc_client_t *c)
{
    return &c->out;
}

void rc_client_unblock(rc_client_t *c)
{
    rc_head_t *h = c->head;
    if (!c->blocked || c->state == RC_CONN_CLOSING) return;
    c->blocked = 0;
    c->gone = NULL;
    h->nblocked--;
    rc_client_mark_pending(c);
    if (!c->resuming && c->qbuf.len > 0) {
        /* Its pipelined commands run before the loop sleeps, not inside the caller's
         * handler: nesting would reuse the dispatcher's argument arrays. */
        c->resuming = 1;
        c->rprev = NULL;
        c->rnext = h->resume;
        if (h->resume) h->resume->rprev = c;
        h->resume = c;
    }
}
