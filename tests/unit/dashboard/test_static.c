/* test_static.c — the web UI's files (static.h) through the real HTTP server.
 *
 * A temp directory holds the UI root web/ and, beside it, secret.txt and
 * web-evil/ (whose name shares web's prefix). The loop runs in the test's main
 * thread; a client thread sends raw requests on 127.0.0.1 (paths go out
 * exactly as written, like curl --path-as-is), each with "Connection: close",
 * reads each answer to EOF and records it; assertions run on the main thread
 * after the join. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "alloc.h"
#include "buf.h"
#include "http.h"
#include "static.h"

#define IO_TIMEOUT_MS 5000
#define GUARD_MS      20000
#define SECRET        "TOP-SECRET-outside-the-root"
#define INDEX_HTML    "<!doctype html><title>rayc</title>\n"
#define APP_JS        "console.log('app');\n"

/* ---- the directory tree ------------------------------------------------------ */

static char BASE[64]; /* /tmp/rc-static.XXXXXX */

static void put(const char *rel, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", BASE, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void dir(const char *rel)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", BASE, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void link_to(const char *target, const char *rel)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", BASE, rel);
    assert_int_equal(symlink(target, p), 0);
}

static void make_tree(void)
{
    snprintf(BASE, sizeof BASE, "/tmp/rc-static.XXXXXX");
    assert_non_null(mkdtemp(BASE));
    put("secret.txt", SECRET "\n");
    dir("web-evil");
    put("web-evil/x.txt", SECRET " (evil)\n");
    dir("web");
    put("web/index.html", INDEX_HTML);
    put("web/app.js", APP_JS);
    put("web/mod.mjs", "export {};\n");
    put("web/data.json", "{}\n");
    put("web/logo.svg", "<svg/>\n");
    put("web/logo.png", "PNG");
    put("web/favicon.ico", "ICO");
    put("web/app.js.map", "{}\n");
    put("web/notes.txt", "notes\n");
    put("web/noext", "raw\n");
    put("web/UPPER.HTML", "<p>upper</p>\n");
    dir("web/css");
    put("web/css/site.css", "body{}\n");
    dir("web/sub");
    put("web/sub/index.html", "<p>sub</p>\n");
    dir("web/empty");
    dir("web/api");
    put("web/api/x", "shadow\n");
    put("web/metrics", "shadow\n");
    link_to("../secret.txt", "web/link-out");
    link_to(BASE, "web/linkdir-out"); /* absolute, to the directory above the root */
    link_to("../web-evil/x.txt", "web/link-prefix");
    link_to("app.js", "web/link-in.js");
    link_to("css", "web/linkdir-in");
    dir("web/evil-index");
    link_to("../../secret.txt", "web/evil-index/index.html");
    char p[256];
    snprintf(p, sizeof p, "%s/web/fifo", BASE);
    assert_int_equal(mkfifo(p, 0644), 0);
    /* One byte over the cap, sparse. */
    snprintf(p, sizeof p, "%s/web/big.bin", BASE);
    int fd = open(p, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)RC_STATIC_MAX_FILE + 1), 0);
    close(fd);
}

static void remove_tree(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", BASE);
    assert_int_equal(system(cmd), 0);
}

/* ---- requests --------------------------------------------------------------- */

typedef struct {
    const char *req; /* the raw request line and extra headers, without the final CRLF */
    int status;
    const char *ctype; /* exact Content-Type, or NULL: not checked */
    const char *body;  /* exact body, or NULL: not checked */
    const char *has;   /* substring of the body, or NULL */
} case_t;

#define H  " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
#define TH "text/html; charset=utf-8"
#define TJ "text/javascript; charset=utf-8"
#define TP "text/plain; charset=utf-8"

static const case_t CASES[] = {
    /* files */
    {"GET /" H, 200, TH, INDEX_HTML, NULL},
    {"GET /index.html" H, 200, TH, INDEX_HTML, NULL},
    {"GET /app.js?v=3" H, 200, TJ, APP_JS, NULL},
    {"GET /mod.mjs" H, 200, TJ, NULL, NULL},
    {"GET /css/site.css" H, 200, "text/css; charset=utf-8", "body{}\n", NULL},
    {"GET /data.json" H, 200, "application/json; charset=utf-8", NULL, NULL},
    {"GET /app.js.map" H, 200, "application/json; charset=utf-8", NULL, NULL},
    {"GET /logo.svg" H, 200, "image/svg+xml; charset=utf-8", NULL, NULL},
    {"GET /logo.png" H, 200, "image/png", "PNG", NULL},
    {"GET /favicon.ico" H, 200, "image/x-icon", "ICO", NULL},
    {"GET /notes.txt" H, 200, TP, "notes\n", NULL},
    {"GET /noext" H, 200, "application/octet-stream", "raw\n", NULL},
    {"GET /UPPER.HTML" H, 200, TH, NULL, NULL},
    {"GET /%61pp.js" H, 200, TJ, APP_JS, NULL}, /* percent-encoded letters are fine */
    /* directories */
    {"GET /sub/" H, 200, TH, "<p>sub</p>\n", NULL},
    {"GET /sub" H, 200, TH, "<p>sub</p>\n", NULL},
    {"GET /empty/" H, 404, TP, NULL, "not found: /empty/"},
    {"GET /empty" H, 404, TP, NULL, "not found: /empty"},
    {"GET /css/site.css/" H, 404, TP, NULL, NULL},
    /* unknown */
    {"GET /nope.js" H, 404, TP, NULL, "not found: /nope.js"},
    {"GET /etc/passwd" H, 404, TP, NULL, NULL},
    /* traversal in all spellings */
    {"GET /../secret.txt" H, 400, TP, NULL, "'..'"},
    {"GET /css/../../secret.txt" H, 400, TP, NULL, NULL},
    {"GET /%2e%2e/secret.txt" H, 400, TP, NULL, NULL},
    {"GET /%2E%2E%2Fsecret.txt" H, 400, TP, NULL, NULL},
    {"GET /css%2F..%2F..%2Fsecret.txt" H, 400, TP, NULL, NULL},
    {"GET /..%5csecret.txt" H, 400, TP, NULL, "backslash"},
    {"GET /%5c..%5csecret.txt" H, 400, TP, NULL, NULL},
    {"GET /css/..\\..\\secret.txt" H, 400, TP, NULL, NULL},
    {"GET /./index.html" H, 400, TP, NULL, NULL},
    {"GET /css/." H, 400, TP, NULL, NULL},
    {"GET /.." H, 400, TP, NULL, NULL},
    {"GET //etc/passwd" H, 400, TP, NULL, "empty segment"},
    {"GET /css//site.css" H, 400, TP, NULL, NULL},
    {"GET http://127.0.0.1/../secret.txt" H, 400, TP, NULL, NULL},
    {"GET http://127.0.0.1/%2e%2e/secret.txt" H, 400, TP, NULL, NULL},
    {"GET /web-evil/x.txt" H, 404, TP, NULL, NULL},
    {"GET /..%2fweb-evil/x.txt" H, 400, TP, NULL, NULL},
    /* symlinks */
    {"GET /link-out" H, 404, TP, NULL, NULL},
    {"GET /linkdir-out/secret.txt" H, 404, TP, NULL, NULL},
    {"GET /linkdir-out/" H, 404, TP, NULL, NULL},
    {"GET /link-prefix" H, 404, TP, NULL, NULL},
    {"GET /evil-index/" H, 404, TP, NULL, NULL},
    {"GET /link-in.js" H, 200, TJ, APP_JS, NULL},
    {"GET /linkdir-in/site.css" H, 200, "text/css; charset=utf-8", "body{}\n", NULL},
    /* not regular, too big */
    {"GET /fifo" H, 404, TP, NULL, NULL},
    {"GET /big.bin" H, 500, TP, NULL, "too large"},
    /* methods */
    {"POST /" H "Content-Length: 2\r\n", 405, TP, NULL, "method POST"},
    {"PUT /app.js" H "Content-Length: 0\r\n", 405, TP, NULL, NULL},
    {"DELETE /index.html" H, 405, TP, NULL, NULL},
    {"POST /app.js" H "Content-Length: 2000000\r\n", 413, TP, NULL, "request body too large"},
    /* other routes' paths are left to them (the test's handler answers 418) */
    {"GET /api/x" H, 418, TP, "route /api/x\n", NULL},
    {"GET /api" H, 418, TP, NULL, NULL},
    {"GET /metrics" H, 418, TP, NULL, NULL},
    {"GET /-/healthz" H, 418, TP, NULL, NULL},
    {"POST /api/jobs/" H "Content-Length: 0\r\n", 418, TP, NULL, NULL},
    {"GET /apix" H, 404, TP, NULL, "not found: /apix"},
};
#define NCASES (sizeof CASES / sizeof CASES[0])

typedef struct {
    int status;
    char hdrs[2048];
    rc_buf_t body;
} result_t;

typedef struct {
    uv_loop_t loop;
    uv_async_t done;
    uv_timer_t guard;
    rc_http_server_t *srv;
    rc_static_t *st;
    int port;
    int timed_out;
    pthread_t th;
    result_t res[NCASES];
    result_t head; /* HEAD /app.js */
    int head_extra;
} fx_t;

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends req + CRLF (+ "hi" when a small body is announced), reads to EOF and
 * splits the answer into status, headers and body. */
static void exchange(int port, const char *req, result_t *out)
{
    out->status = -1;
    int fd = tcp_connect(port);
    if (fd < 0) return;
    rc_buf_t msg = RC_BUF_INIT, in = RC_BUF_INIT;
    rc_buf_printf(&msg, "%s\r\n", req);
    if (strstr(req, "Content-Length: 2\r\n")) rc_buf_append_str(&msg, "hi");
    if (send(fd, msg.data, msg.len, MSG_NOSIGNAL) != (ssize_t)msg.len) goto done;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, IO_TIMEOUT_MS) != 1) goto done;
        char *dst = rc_buf_reserve(&in, 65536);
        ssize_t n = recv(fd, dst, 65536, 0);
        if (n < 0) goto done;
        if (n == 0) break;
        in.len += (size_t)n;
        in.data[in.len] = '\0';
    }
    if (!in.data) goto done;
    char *end = strstr(in.data, "\r\n\r\n");
    if (!end || sscanf(in.data, "HTTP/1.1 %d", &out->status) != 1) goto done;
    size_t hlen = (size_t)(end - in.data) + 4;
    snprintf(out->hdrs, sizeof out->hdrs, "%.*s", (int)hlen, in.data);
    rc_buf_append(&out->body, in.data + hlen, in.len - hlen);
    if (!out->body.data) rc_buf_append_str(&out->body, "");
done:
    rc_buf_free(&msg);
    rc_buf_free(&in);
    close(fd);
}

/* Value of header name in hdrs ("" when absent), into out. */
static const char *header(const char *hdrs, const char *name, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "\r\n%s:", name);
    const char *p = strcasestr(hdrs, key);
    out[0] = '\0';
    if (!p) return out;
    p += strlen(key);
    while (*p == ' ') p++;
    size_t n = strcspn(p, "\r\n");
    snprintf(out, cap, "%.*s", (int)n, p);
    return out;
}

static void *client(void *arg)
{
    fx_t *fx = arg;
    for (size_t i = 0; i < NCASES; i++) exchange(fx->port, CASES[i].req, &fx->res[i]);
    exchange(fx->port, "HEAD /app.js" H, &fx->head);
    uv_async_send(&fx->done);
    return NULL;
}

static void stop(fx_t *fx)
{
    if (fx->srv) rc_http_server_stop(fx->srv);
    fx->srv = NULL;
    if (!uv_is_closing((uv_handle_t *)&fx->done)) {
        uv_close((uv_handle_t *)&fx->done, NULL);
        uv_close((uv_handle_t *)&fx->guard, NULL);
    }
}

static void on_done(uv_async_t *a)
{
    stop(a->data);
}

static void on_guard(uv_timer_t *t)
{
    fx_t *fx = t->data;
    fx->timed_out = 1;
    stop(fx);
}

static void handler(void *arg, rc_http_req_t *r)
{
    fx_t *fx = arg;
    if (rc_static_serve(fx->st, r)) return;
    rc_http_req_respond_text(r, 418, "route %s", rc_http_req_path(r));
}

/* ---- tests ------------------------------------------------------------------ */

static void test_serve(void **state)
{
    static fx_t fx; /* big: not on the stack */
    memset(&fx, 0, sizeof fx);
    make_tree();
    char root[128], err[512] = "";
    snprintf(root, sizeof root, "%s/web/", BASE); /* a trailing '/' is fine */
    assert_int_equal(rc_static_new(root, &fx.st, err, sizeof err), RC_OK);
    snprintf(root, sizeof root, "%s/web", BASE);
    assert_string_equal(rc_static_root(fx.st), root);

    assert_int_equal(uv_loop_init(&fx.loop), 0);
    rc_http_opts_t o;
    rc_http_opts_default(&o);
    o.port = 0;
    assert_int_equal(rc_http_server_start(&fx.loop, &o, handler, &fx, &fx.srv, err, sizeof err),
                     RC_OK);
    fx.port = rc_http_server_port(fx.srv);
    uv_async_init(&fx.loop, &fx.done, on_done);
    fx.done.data = &fx;
    uv_timer_init(&fx.loop, &fx.guard);
    fx.guard.data = &fx;
    uv_timer_start(&fx.guard, on_guard, GUARD_MS, 0);
    assert_int_equal(pthread_create(&fx.th, NULL, client, &fx), 0);
    uv_run(&fx.loop, UV_RUN_DEFAULT);
    pthread_join(fx.th, NULL);
    assert_int_equal(uv_loop_close(&fx.loop), 0);
    assert_false(fx.timed_out);

    char v[256];
    for (size_t i = 0; i < NCASES; i++) {
        const case_t *c = &CASES[i];
        result_t *r = &fx.res[i];
        const char *body = r->body.data ? r->body.data : "";
        if (r->status != c->status)
            fail_msg("%s: status %d, want %d", c->req, r->status, c->status);
        /* The secret never comes back, whatever the answer. */
        if (strstr(body, "TOP-SECRET")) fail_msg("%s: served the secret", c->req);
        if (c->ctype && strcmp(header(r->hdrs, "Content-Type", v, sizeof v), c->ctype) != 0)
            fail_msg("%s: Content-Type '%s', want '%s'", c->req, v, c->ctype);
        if (c->body && strcmp(body, c->body) != 0)
            fail_msg("%s: body '%s', want '%s'", c->req, body, c->body);
        if (c->has && !strstr(body, c->has))
            fail_msg("%s: body '%s' lacks '%s'", c->req, body, c->has);
        /* Every answer of the static module carries the two headers. */
        if (r->status != 418 && r->status != 413) {
            assert_string_equal(header(r->hdrs, "Cache-Control", v, sizeof v), "no-cache");
            assert_string_equal(header(r->hdrs, "X-Content-Type-Options", v, sizeof v), "nosniff");
        }
        if (r->status == 405)
            assert_string_equal(header(r->hdrs, "Allow", v, sizeof v), "GET, HEAD");
    }
    /* HEAD: GET's headers and Content-Length, no body. */
    assert_int_equal(fx.head.status, 200);
    assert_string_equal(header(fx.head.hdrs, "Content-Type", v, sizeof v), TJ);
    snprintf(root, sizeof root, "%zu", strlen(APP_JS));
    assert_string_equal(header(fx.head.hdrs, "Content-Length", v, sizeof v), root);
    assert_int_equal(fx.head.body.len, 0);

    for (size_t i = 0; i < NCASES; i++) rc_buf_free(&fx.res[i].body);
    rc_buf_free(&fx.head.body);
    rc_static_free(fx.st);
    remove_tree();
}

static void test_new_errors(void **state)
{
    make_tree();
    char p[128], err[512];
    rc_static_t *s = (rc_static_t *)1;
    snprintf(p, sizeof p, "%s/absent", BASE);
    assert_int_equal(rc_static_new(p, &s, err, sizeof err), RC_ENOTFOUND);
    assert_null(s);
    assert_non_null(strstr(err, "absent"));
    assert_non_null(strstr(err, "--dashboard-web-dir"));
    snprintf(p, sizeof p, "%s/secret.txt", BASE);
    assert_int_equal(rc_static_new(p, &s, err, sizeof err), RC_ENOTFOUND);
    assert_non_null(strstr(err, "not a directory"));
    assert_int_equal(rc_static_new("", &s, err, sizeof err), RC_ENOTFOUND);
    assert_int_equal(rc_static_new(NULL, &s, NULL, 0), RC_ENOTFOUND);
    /* Through a symlink: the root is the resolved directory. */
    snprintf(p, sizeof p, "%s/web/linkdir-in", BASE);
    assert_int_equal(rc_static_new(p, &s, err, sizeof err), RC_OK);
    snprintf(p, sizeof p, "%s/web/css", BASE);
    assert_string_equal(rc_static_root(s), p);
    rc_static_free(s);
    rc_static_free(NULL);
    remove_tree();
}

static void test_default_root(void **state)
{
    char out[4200];
    setenv("RAYC_DASHBOARD_WEB_DIR", "/somewhere/web", 1);
    rc_static_default_root(out, sizeof out);
    assert_string_equal(out, "/somewhere/web");
    setenv("RAYC_DASHBOARD_WEB_DIR", "", 1);
    rc_static_default_root(out, sizeof out);
    unsetenv("RAYC_DASHBOARD_WEB_DIR");
    /* The build tree's copy (beside tests/: ../share/…) or the source's. */
    size_t n = strlen(out), tail = strlen("dashboard/web");
    assert_true(n > tail);
    assert_string_equal(out + n - tail, "dashboard/web");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve),
        cmocka_unit_test(test_new_errors),
        cmocka_unit_test(test_default_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
