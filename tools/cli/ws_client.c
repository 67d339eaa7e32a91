/* ws_client.c — WebSocket client state machine and socket driver; see
 * ws_client.h. */
#include "ws_client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "alloc.h"
#include "clock.h"
#include "rand.h"
#include "ws.h"

struct rc_ws_client {
    rc_ws_client_state_t state;
    char key[25];    /* Sec-WebSocket-Key */
    char accept[29]; /* the Sec-WebSocket-Accept the server must answer */
    rc_buf_t in;     /* received, not yet consumed */
    size_t pending;  /* bytes of the last DATA frame, consumed on the next call */
    int http_status;
    size_t head_len;   /* bytes of the HTTP answer's head (error answers) */
    size_t body_len;   /* Content-Length of an error answer; SIZE_MAX: unknown */
    int in_message;    /* a fragmented text/binary message is under way */
    int close_sent;    /* we sent our CLOSE */
    int handshake_err; /* the upgrade was refused: the body is the error */
};

rc_ws_client_t *rc_ws_client_new(const uint8_t nonce[16])
{
    rc_ws_client_t *c = rc_calloc(1, sizeof(*c));
    c->state = RC_WS_CLIENT_HANDSHAKE;
    rc_base64_encode(nonce, 16, c->key);
    rc_ws_accept_key(c->key, c->accept);
    return c;
}

void rc_ws_client_free(rc_ws_client_t *c)
{
    if (!c) return;
    rc_buf_free(&c->in);
    rc_free(c);
}

void rc_ws_client_request(const rc_ws_client_t *c, const char *host, const char *path,
                          rc_buf_t *out)
{
    rc_buf_printf(out,
                  "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                  "User-Agent: rayc/" RC_VERSION "\r\n\r\n",
                  path, host, c->key);
}

void rc_ws_client_feed(rc_ws_client_t *c, const void *data, size_t len)
{
    rc_buf_append(&c->in, data, len);
}

rc_ws_client_state_t rc_ws_client_state(const rc_ws_client_t *c)
{
    return c->state;
}

int rc_ws_client_http_status(const rc_ws_client_t *c)
{
    return c->http_status;
}

static void mask_new(uint8_t mask[4])
{
    rc_rand_bytes(mask, 4);
}

void rc_ws_client_close(rc_ws_client_t *c, int code, rc_buf_t *out)
{
    if (c->close_sent || c->state != RC_WS_CLIENT_OPEN) return;
    uint8_t mask[4];
    mask_new(mask);
    rc_ws_close_frame_write(out, code, NULL, mask);
    c->close_sent = 1;
}

/* Ends the stream on a protocol error: CLOSE with code, state CLOSED. */
static rc_err_t fail_stream(rc_ws_client_t *c, rc_err_t e, int code, rc_buf_t *out)
{
    rc_ws_client_close(c, code, out);
    c->state = RC_WS_CLIENT_CLOSED;
    return e;
}

/* ---- the HTTP answer to the upgrade ---- */

static const char *find_crlfcrlf(const char *s, size_t len)
{
    for (size_t i = 0; i + 3 < len; i++)
        if (s[i] == '\r' && s[i + 1] == '\n' && s[i + 2] == '\r' && s[i + 3] == '\n') return s + i;
    return NULL;
}

/* The header's value with spaces trimmed, as [*v, *v + *vlen); 0 when absent. */
static int header(const char *head, size_t len, const char *name, const char **v, size_t *vlen)
{
    size_t nlen = strlen(name);
    const char *p = memchr(head, '\n', len); /* skip the status line */
    const char *end = head + len;
    while (p && p + 1 < end) {
        const char *line = p + 1;
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol) eol = end;
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (colon && (size_t)(colon - line) == nlen && strncasecmp(line, name, nlen) == 0) {
            const char *a = colon + 1, *b = eol;
            while (a < b && (*a == ' ' || *a == '\t')) a++;
            while (b > a && (b[-1] == '\r' || b[-1] == ' ' || b[-1] == '\t')) b--;
            *v = a;
            *vlen = (size_t)(b - a);
            return 1;
        }
        p = eol < end ? eol : NULL;
    }
    return 0;
}

static int value_is(const char *v, size_t vlen, const char *want)
{
    return vlen == strlen(want) && strncasecmp(v, want, vlen) == 0;
}

/* 1 when the comma-separated list v has the token want (any case). */
static int has_token(const char *v, size_t vlen, const char *want)
{
    size_t wl = strlen(want), i = 0;
    while (i < vlen) {
        while (i < vlen && (v[i] == ' ' || v[i] == ',' || v[i] == '\t')) i++;
        size_t j = i;
        while (j < vlen && v[j] != ',' && v[j] != ' ' && v[j] != '\t') j++;
        if (j - i == wl && strncasecmp(v + i, want, wl) == 0) return 1;
        i = j;
    }
    return 0;
}

/* The error of a refused upgrade: its body as the dashboard wrote it. */
static rc_err_t refused(rc_ws_client_t *c, char *err, size_t errcap)
{
    const char *body = c->in.data + c->head_len;
    size_t len = c->in.len - c->head_len;
    if (c->body_len != SIZE_MAX && len > c->body_len) len = c->body_len;
    while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' '))
        len--;
    if (len)
        snprintf(err, errcap, "%.*s", (int)len, body);
    else
        snprintf(err, errcap, "the dashboard answered HTTP %d to the log stream request",
                 c->http_status);
    c->state = RC_WS_CLIENT_CLOSED;
    return RC_EPROTO;
}

static rc_err_t handshake(rc_ws_client_t *c, char *err, size_t errcap)
{
    if (c->handshake_err) {
        /* Waiting for the rest of an error answer's body. */
        if ((c->body_len != SIZE_MAX && c->in.len - c->head_len >= c->body_len) ||
            c->in.len >= RC_WS_CLIENT_MAX_HANDSHAKE)
            return refused(c, err, errcap);
        return RC_EAGAIN;
    }
    const char *end = find_crlfcrlf(c->in.data ? c->in.data : "", c->in.len);
    if (!end) {
        if (c->in.len > RC_WS_CLIENT_MAX_HANDSHAKE) {
            snprintf(err, errcap, "the dashboard's answer to the log stream request is too long");
            c->state = RC_WS_CLIENT_CLOSED;
            return RC_ETOOBIG;
        }
        return RC_EAGAIN;
    }
    const char *head = c->in.data;
    size_t hlen = (size_t)(end - head) + 4;
    int major, minor, status;
    if (sscanf(head, "HTTP/%d.%d %3d", &major, &minor, &status) != 3 || status < 100 ||
        status > 599) {
        snprintf(err, errcap,
                 "the answer to the log stream request is not HTTP: is the address "
                 "the dashboard's?");
        c->state = RC_WS_CLIENT_CLOSED;
        return RC_EPROTO;
    }
    c->http_status = status;
    const char *v;
    size_t vlen;
    if (status != 101) {
        c->handshake_err = 1;
        c->head_len = hlen;
        c->body_len = SIZE_MAX;
        int64_t cl;
        if (header(head, hlen, "Content-Length", &v, &vlen) &&
            rc_str_to_i64(v, vlen, &cl) == RC_OK && cl >= 0)
            c->body_len = (size_t)cl;
        return handshake(c, err, errcap);
    }
    if (!header(head, hlen, "Upgrade", &v, &vlen) || !value_is(v, vlen, "websocket")) {
        snprintf(err, errcap, "the dashboard switched protocols but not to WebSocket");
        goto bad;
    }
    if (!header(head, hlen, "Connection", &v, &vlen) || !has_token(v, vlen, "upgrade")) {
        snprintf(err, errcap, "the dashboard's 101 answer lacks 'Connection: Upgrade'");
        goto bad;
    }
    if (!header(head, hlen, "Sec-WebSocket-Accept", &v, &vlen) || vlen != 28 ||
        memcmp(v, c->accept, 28) != 0) {
        snprintf(err, errcap, "the dashboard's Sec-WebSocket-Accept does not match our key");
        goto bad;
    }
    rc_buf_consume(&c->in, hlen);
    c->state = RC_WS_CLIENT_OPEN;
    return RC_OK;
bad:
    c->state = RC_WS_CLIENT_CLOSED;
    return RC_EPROTO;
}

/* ---- frames ---- */

rc_err_t rc_ws_client_next(rc_ws_client_t *c, rc_ws_event_t *ev, rc_buf_t *out, char *err,
                           size_t errcap)
{
    if (c->pending) {
        rc_buf_consume(&c->in, c->pending);
        c->pending = 0;
    }
    if (c->state == RC_WS_CLIENT_HANDSHAKE) {
        rc_err_t e = handshake(c, err, errcap);
        if (e != RC_OK) return e;
    }
    if (c->state == RC_WS_CLIENT_CLOSED) return RC_ECLOSED;
    for (;;) {
        rc_ws_frame_t f;
        size_t used;
        char why[128];
        rc_err_t e = rc_ws_frame_parse((uint8_t *)c->in.data, c->in.len, RC_WS_CLIENT_MAX_PAYLOAD,
                                       0, &f, &used, why, sizeof(why));
        if (e == RC_EAGAIN) return RC_EAGAIN;
        if (e == RC_ETOOBIG) {
            snprintf(err, errcap, "the dashboard sent a log frame larger than %u MiB",
                     RC_WS_CLIENT_MAX_PAYLOAD >> 20);
            return fail_stream(c, RC_ETOOBIG, RC_WS_CLOSE_TOOBIG, out);
        }
        if (e != RC_OK) {
            snprintf(err, errcap, "bad WebSocket frame from the dashboard: %s", why);
            return fail_stream(c, RC_EPROTO, RC_WS_CLOSE_PROTOCOL, out);
        }
        switch (f.opcode) {
        case RC_WS_OP_TEXT:
        case RC_WS_OP_BINARY:
        case RC_WS_OP_CONT:
            if ((f.opcode == RC_WS_OP_CONT) != (c->in_message != 0)) {
                snprintf(err, errcap, "bad WebSocket frame from the dashboard: %s",
                         c->in_message ? "a new message before the last one ended"
                                       : "a continuation frame outside a message");
                return fail_stream(c, RC_EPROTO, RC_WS_CLOSE_PROTOCOL, out);
            }
            c->in_message = !f.fin;
            c->pending = used;
            ev->type = RC_WS_EV_DATA;
            ev->data = f.payload;
            ev->len = f.len;
            ev->close_code = 0;
            return RC_OK;
        case RC_WS_OP_PING: {
            uint8_t mask[4];
            mask_new(mask);
            rc_ws_frame_write(out, RC_WS_OP_PONG, f.payload, f.len, mask);
            rc_buf_consume(&c->in, used);
            continue;
        }
        case RC_WS_OP_PONG: rc_buf_consume(&c->in, used); continue;
        case RC_WS_OP_CLOSE: {
            int code;
            const char *reason;
            size_t rlen;
            rc_ws_close_payload(f.payload, f.len, &code, &reason, &rlen);
            if (!c->close_sent) {
                /* Echo the status (RFC 6455 5.5.1); none when the server gave none. */
                uint8_t mask[4];
                mask_new(mask);
                rc_ws_close_frame_write(out, code == 1005 ? 0 : code, NULL, mask);
                c->close_sent = 1;
            }
            rc_buf_consume(&c->in, used);
            c->state = RC_WS_CLIENT_CLOSED;
            ev->type = RC_WS_EV_CLOSE;
            ev->data = NULL;
            ev->len = 0;
            ev->close_code = code;
            return RC_OK;
        }
        default:
            snprintf(err, errcap, "bad WebSocket frame from the dashboard: opcode %d", f.opcode);
            return fail_stream(c, RC_EPROTO, RC_WS_CLOSE_PROTOCOL, out);
        }
    }
}

rc_err_t rc_ws_client_eof(rc_ws_client_t *c, char *err, size_t errcap)
{
    if (c->handshake_err) return refused(c, err, errcap);
    if (c->state == RC_WS_CLIENT_CLOSED) return RC_OK;
    snprintf(err, errcap,
             c->state == RC_WS_CLIENT_HANDSHAKE
                 ? "the dashboard closed the connection before answering the log stream request"
                 : "the dashboard closed the log stream without a close frame");
    c->state = RC_WS_CLIENT_CLOSED;
    return RC_ECLOSED;
}

/* ---- the socket driver ---- */

typedef struct {
    char host[300];     /* for getaddrinfo: no brackets */
    char hostport[320]; /* the Host header */
    char port[8];
    char *path; /* path and query; rc_free */
} url_parts_t;

static rc_err_t split_url(const char *url, url_parts_t *u, char *err, size_t errcap)
{
    CURLU *h = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    rc_err_t rc = RC_EINVAL;
    memset(u, 0, sizeof(*u));
    if (!h || curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
        snprintf(err, errcap, "'%.200s' is not a URL", url);
        goto done;
    }
    if (strcasecmp(scheme, "http") != 0) {
        snprintf(err, errcap, "the log stream needs an http:// address, got '%.200s'", url);
        goto done;
    }
    curl_url_get(h, CURLUPART_QUERY, &query, 0);
    size_t hl = strlen(host);
    const char *bare = host;
    if (hl >= 2 && host[0] == '[') {
        bare = host + 1;
        hl -= 2;
    }
    if (hl >= sizeof(u->host) || strlen(port) >= sizeof(u->port)) {
        snprintf(err, errcap, "'%.200s': the host is too long", url);
        goto done;
    }
    memcpy(u->host, bare, hl);
    u->host[hl] = '\0';
    snprintf(u->port, sizeof(u->port), "%s", port);
    snprintf(u->hostport, sizeof(u->hostport), "%s:%s", host, port);
    rc_buf_t p = RC_BUF_INIT;
    rc_buf_append_str(&p, path);
    if (query) rc_buf_printf(&p, "?%s", query);
    u->path = rc_buf_detach(&p, NULL);
    rc = RC_OK;
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(h);
    return rc;
}

/* A non-blocking TCP connection to host:port within timeout_ms; -1 with err. */
static int dial(const url_parts_t *u, int timeout_ms, char *err, size_t errcap)
{
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(u->host, u->port, &hints, &ai);
    if (gai != 0) {
        snprintf(err, errcap, "cannot resolve host '%s': %s", u->host, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    snprintf(err, errcap, "no address for host '%s'", u->host);
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            snprintf(err, errcap, "socket: %s", strerror(errno));
            continue;
        }
        int soerr = 0;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            soerr = errno;
            if (soerr == EINPROGRESS) {
                struct pollfd p = {fd, POLLOUT, 0};
                int n;
                do n = poll(&p, 1, timeout_ms);
                while (n < 0 && errno == EINTR);
                socklen_t sl = sizeof(soerr);
                if (n == 0)
                    soerr = ETIMEDOUT;
                else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
                    soerr = errno;
            }
        }
        if (soerr == 0) break;
        snprintf(err, errcap, "connect to %s port %s: %s", u->host, u->port, strerror(soerr));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* Writes all of b (then empties it), waiting at most timeout_ms for room. */
static rc_err_t send_all(int fd, rc_buf_t *b, int timeout_ms, char *err, size_t errcap)
{
    size_t off = 0;
    while (off < b->len) {
        ssize_t n = send(fd, b->data + off, b->len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {fd, POLLOUT, 0};
            if (poll(&p, 1, timeout_ms) > 0) continue;
            snprintf(err, errcap, "sending to the dashboard timed out");
            rc_buf_clear(b);
            return RC_ETIMEOUT;
        }
        snprintf(err, errcap, "sending to the dashboard failed: %s", strerror(errno));
        rc_buf_clear(b);
        return RC_EIO;
    }
    rc_buf_clear(b);
    return RC_OK;
}

rc_err_t rc_ws_tail(const char *url, int connect_s, int handshake_s, rc_ws_data_fn fn, void *arg,
                    const volatile sig_atomic_t *stop, int *http_status, char *err, size_t errcap)
{
    url_parts_t u;
    rc_ws_client_t *c = NULL;
    rc_buf_t out = RC_BUF_INIT;
    char chunk[65536];
    int fd = -1;
    rc_err_t rc;
    if (http_status) *http_status = 0;
    if ((rc = split_url(url, &u, err, errcap)) != RC_OK) goto done;
    fd = dial(&u, connect_s * 1000, err, errcap);
    if (fd < 0) {
        rc = RC_ECONN;
        goto done;
    }
    uint8_t nonce[16];
    rc_rand_bytes(nonce, sizeof(nonce));
    c = rc_ws_client_new(nonce);
    rc_ws_client_request(c, u.hostport, u.path, &out);
    if ((rc = send_all(fd, &out, connect_s * 1000, err, errcap)) != RC_OK) goto done;
    int64_t deadline = rc_clock_mono_ms() + (int64_t)handshake_s * 1000;
    for (;;) {
        if (stop && *stop) {
            rc_ws_client_close(c, RC_WS_CLOSE_GOING, &out);
            send_all(fd, &out, 1000, err, errcap); /* best effort: we are leaving */
            snprintf(err, errcap, "interrupted");
            rc = RC_ECLOSED;
            goto done;
        }
        struct pollfd p = {fd, POLLIN, 0};
        /* A short wait, so *stop is seen soon after a signal that came before poll. */
        int n = poll(&p, 1, 250);
        if (n < 0 && errno != EINTR) {
            snprintf(err, errcap, "poll: %s", strerror(errno));
            rc = RC_EIO;
            goto done;
        }
        if (n <= 0) {
            if (rc_ws_client_state(c) == RC_WS_CLIENT_HANDSHAKE && rc_clock_mono_ms() > deadline) {
                snprintf(err, errcap, "the dashboard did not answer the log stream request in %d s",
                         handshake_s);
                rc = RC_ETIMEOUT;
                goto done;
            }
            continue;
        }
        ssize_t got = recv(fd, chunk, sizeof(chunk), 0);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            snprintf(err, errcap, "reading the log stream failed: %s", strerror(errno));
            rc = RC_EIO;
            goto done;
        }
        if (got == 0) {
            rc = rc_ws_client_eof(c, err, errcap);
            goto done;
        }
        rc_ws_client_feed(c, chunk, (size_t)got);
        for (;;) {
            rc_ws_event_t ev;
            rc = rc_ws_client_next(c, &ev, &out, err, errcap);
            if (out.len) {
                char serr[128];
                send_all(fd, &out, 5000, serr, sizeof(serr)); /* a failure shows on the read */
            }
            if (rc == RC_EAGAIN) break;
            if (rc != RC_OK) goto done;
            if (ev.type == RC_WS_EV_CLOSE) goto done;
            fn(ev.data, ev.len, arg);
        }
    }
done:
    if (http_status && c) *http_status = rc_ws_client_http_status(c);
    if (fd >= 0) close(fd);
    rc_ws_client_free(c);
    rc_buf_free(&out);
    rc_free(u.path);
    return rc;
}
