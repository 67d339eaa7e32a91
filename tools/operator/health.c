/* health.c — the operator's health endpoint (see health.h). */
#include "health.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "fdio.h"

#define REQ_MAX         8192
#define REQ_DEADLINE_MS 1000

struct rc_op_health {
    int fd;
    int port;
    int64_t start_ms, period_ms, last_ok_ms;
    char last_error[512];
};

rc_err_t rc_op_health_listen(const char *host, int port, rc_op_health_t **out, char *err,
                             size_t errcap)
{
    struct addrinfo hints, *res = NULL;
    char ps[16];
    *out = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(ps, sizeof(ps), "%d", port);
    int gai = getaddrinfo(host && *host ? host : NULL, ps, &hints, &res);
    if (gai != 0) {
        snprintf(err, errcap, "--health-host '%.100s': %s", host ? host : "", gai_strerror(gai));
        return RC_EINVAL;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 16) != 0) {
        snprintf(err, errcap,
                 "cannot listen for health checks on %s:%d: %s (another process "
                 "on the port? pick one with --health-port, or 0 to turn it off)",
                 host && *host ? host : "0.0.0.0", port, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(res);
        return RC_EIO;
    }
    freeaddrinfo(res);
    rc_op_health_t *h = rc_calloc(1, sizeof(*h));
    h->fd = fd;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    h->start_ms = rc_clock_mono_ms();
    h->period_ms = 5000;
    *out = h;
    return RC_OK;
}

void rc_op_health_free(rc_op_health_t *h)
{
    if (!h) return;
    close(h->fd);
    rc_free(h);
}

int rc_op_health_port(const rc_op_health_t *h)
{
    return h->port;
}

void rc_op_health_update(rc_op_health_t *h, int64_t start_ms, int64_t period_ms, int64_t last_ok_ms,
                         const char *last_error)
{
    h->start_ms = start_ms;
    h->period_ms = period_ms;
    h->last_ok_ms = last_ok_ms;
    snprintf(h->last_error, sizeof(h->last_error), "%s", last_error ? last_error : "");
}

int rc_op_health_eval(int64_t now_ms, int64_t start_ms, int64_t period_ms, int64_t last_ok_ms,
                      const char *last_error, rc_buf_t *out)
{
    int64_t since = last_ok_ms > 0 ? last_ok_ms : start_ms;
    int64_t age = now_ms - since;
    if (age <= 3 * period_ms) {
        rc_buf_append_str(out, "ok");
        return 200;
    }
    if (last_ok_ms > 0)
        rc_buf_printf(out, "no pass completed for %lld s (3 periods of %g s)",
                      (long long)(age / 1000), (double)period_ms / 1000);
    else
        rc_buf_printf(out, "no pass completed since the start %lld s ago (3 periods of %g s)",
                      (long long)(age / 1000), (double)period_ms / 1000);
    if (last_error && *last_error) rc_buf_printf(out, ": %s", last_error);
    return 503;
}

int rc_op_health_answer(const char *req, size_t len, int status, const char *body, rc_buf_t *out)
{
    const char *end = NULL;
    for (size_t i = 0; i + 3 < len && !end; i++)
        if (memcmp(req + i, "\r\n\r\n", 4) == 0) end = req + i;
    for (size_t i = 0; i + 1 < len && !end; i++)
        if (memcmp(req + i, "\n\n", 2) == 0) end = req + i;
    if (!end) return 0;
    const char *sp1 = memchr(req, ' ', (size_t)(end - req));
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
    const char *text = "bad request";
    if (sp1 && sp2) {
        int code;
        size_t mlen = (size_t)(sp1 - req), plen = (size_t)(sp2 - sp1 - 1);
        int is_get = mlen == 3 && memcmp(req, "GET", 3) == 0;
        int is_head = mlen == 4 && memcmp(req, "HEAD", 4) == 0;
        const char *path = sp1 + 1;
        /* The query string does not matter (probes may add one). */
        const char *q = memchr(path, '?', plen);
        if (q) plen = (size_t)(q - path);
        if (plen != 10 || memcmp(path, "/-/healthz", 10) != 0) {
            code = 404;
            text = "not found: the health check is GET /-/healthz";
        } else if (is_get || is_head) {
            code = status;
            text = body;
        } else {
            code = 405;
            text = "method not allowed: use GET";
        }
        rc_buf_printf(out,
                      "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      code,
                      code == 200   ? "OK"
                      : code == 404 ? "Not Found"
                      : code == 405 ? "Method Not Allowed"
                      : code == 503 ? "Service Unavailable"
                                    : "Bad Request",
                      strlen(text) + 1);
        if (!is_head) rc_buf_printf(out, "%s\n", text);
        return 1;
    }
    rc_buf_printf(out,
                  "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                  "Connection: close\r\n\r\n%s\n",
                  strlen(text) + 1, text);
    return 1;
}

/* Reads one request with a deadline, answers it, closes the connection. */
static void serve_one(rc_op_health_t *h, int cfd)
{
    char req[REQ_MAX] = "";
    size_t len = 0;
    int64_t deadline = rc_clock_mono_ms() + REQ_DEADLINE_MS;
    rc_buf_t body = RC_BUF_INIT, resp = RC_BUF_INIT;
    int status = rc_op_health_eval(rc_clock_mono_ms(), h->start_ms, h->period_ms, h->last_ok_ms,
                                   h->last_error, &body);
    for (;;) {
        if (rc_op_health_answer(req, len, status, body.data, &resp)) break;
        int64_t left = deadline - rc_clock_mono_ms();
        if (left <= 0 || len == sizeof(req)) goto done;
        struct pollfd p = {cfd, POLLIN, 0};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) goto done;
        ssize_t n = read(cfd, req + len, sizeof(req) - len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) goto done;
        len += (size_t)n;
    }
    /* Blocking for the short answer: it fits the socket buffer. */
    int fl = fcntl(cfd, F_GETFL);
    if (fl >= 0) (void)fcntl(cfd, F_SETFL, fl & ~O_NONBLOCK);
    (void)rc_write_all(cfd, resp.data, resp.len);
done:
    rc_buf_free(&body);
    rc_buf_free(&resp);
    close(cfd);
}

void rc_op_health_poll(rc_op_health_t *h, int64_t timeout_ms)
{
    int64_t until = rc_clock_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int64_t left = until - rc_clock_mono_ms();
        struct pollfd p = {h->fd, POLLIN, 0};
        int r = poll(&p, 1, left > 0 ? (int)(left > 1000000 ? 1000000 : left) : 0);
        if (r < 0 && errno == EINTR) return; /* a signal: let the caller look at it */
        if (r > 0) {
            int cfd = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (cfd >= 0) serve_one(h, cfd);
        }
        if (r <= 0 && left <= 0) return;
        if (rc_clock_mono_ms() >= until) return;
    }
}
