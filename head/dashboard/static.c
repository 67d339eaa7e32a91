/* static.c — the dashboard's web UI from one directory (see static.h).
 *
 * A request goes: route check (never_static) → method → path syntax (check_path)
 * → candidate root + path → realpath, must stay under the root → a directory
 * gives its index.html (resolved and checked again) → open without following a
 * last symlink, regular file, size cap → read whole → answer. */
#include "static.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "log.h"
#include "proc.h"

#define LOG "dashboard"

#ifndef RC_DASHBOARD_WEB_DIR
#define RC_DASHBOARD_WEB_DIR "dashboard/web"
#endif

struct rc_static {
    char *root; /* realpath, no trailing '/' (except "/" itself) */
    size_t root_len;
};

/* ---- setup ---------------------------------------------------------------- */

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

rc_err_t rc_static_new(const char *root, rc_static_t **out, char *err, size_t errcap)
{
    char real[PATH_MAX], noerr[1];
    *out = NULL;
    if (!err || !errcap) {
        err = noerr;
        errcap = sizeof noerr;
    }
    if (!root || !*root) {
        snprintf(err, errcap, "no dashboard web directory given: pass --dashboard-web-dir DIR");
        return RC_ENOTFOUND;
    }
    if (!realpath(root, real)) {
        int e = errno;
        snprintf(err, errcap,
                 "dashboard web directory '%s': %s (build rayc to install the UI, or pass "
                 "--dashboard-web-dir DIR)",
                 root, strerror(e));
        return e == ENOENT || e == ENOTDIR ? RC_ENOTFOUND : RC_EIO;
    }
    if (!is_dir(real)) {
        snprintf(err, errcap,
                 "dashboard web directory '%s' is not a directory: pass --dashboard-web-dir DIR",
                 root);
        return RC_ENOTFOUND;
    }
    if (access(real, R_OK | X_OK) != 0) {
        snprintf(err, errcap,
                 "dashboard web directory '%s' cannot be read: %s (fix its permissions)", root,
                 strerror(errno));
        return RC_EIO;
    }
    rc_static_t *s = rc_calloc(1, sizeof *s);
    s->root = rc_strdup(real);
    s->root_len = strlen(real);
    *out = s;
    return RC_OK;
}

void rc_static_free(rc_static_t *s)
{
    if (!s) return;
    rc_free(s->root);
    rc_free(s);
}

const char *rc_static_root(const rc_static_t *s)
{
    return s->root;
}

void rc_static_default_root(char *out, size_t cap)
{
    const char *env = getenv("RAYC_DASHBOARD_WEB_DIR");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return;
    }
    /* Installed (and build tree) layout: bin/rayc-head beside share/rayc/. */
    char p[PATH_MAX];
    if (rc_proc_sibling("../share/rayc/dashboard/web", p, sizeof p) == 0 && is_dir(p)) {
        snprintf(out, cap, "%s", p);
        return;
    }
    snprintf(out, cap, "%s", RC_DASHBOARD_WEB_DIR);
}

/* ---- routing and path checks --------------------------------------------- */

/* Paths of the APIs, the metrics and the health checks: never files, even when
 * a file of that name exists, so the UI cannot shadow them. */
static int never_static(const char *path)
{
    static const char *const prefixes[] = {"/api", "/metrics", "/-"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(path, prefixes[i], n) == 0 && (path[n] == '\0' || path[n] == '/')) return 1;
    }
    return 0;
}

/* NULL when path may name a file under the root, else why not. Only the last
 * segment may be empty (a trailing '/' names a directory). */
static const char *check_path(const char *path)
{
    if (path[0] != '/') return "it does not start with '/'";
    if (strchr(path, '\\')) return "it contains a backslash";
    const char *seg = path + 1;
    for (;;) {
        size_t n = strcspn(seg, "/");
        int last = seg[n] == '\0';
        if (n == 0 && !last) return "it contains an empty segment ('//')";
        if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return "it contains a '.' or '..' segment";
        if (last) return NULL;
        seg += n + 1;
    }
}

/* Is the resolved path the root or under root + "/"? */
static int under_root(const rc_static_t *s, const char *real)
{
    if (s->root_len == 1) return real[0] == '/'; /* root is "/" */
    return strncmp(real, s->root, s->root_len) == 0 &&
           (real[s->root_len] == '\0' || real[s->root_len] == '/');
}

typedef struct {
    const char *ext;
    const char *type;
} mime_t;

static const mime_t MIME[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"svg", "image/svg+xml; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"png", "image/png"},
    {"ico", "image/x-icon"},
};

static const char *content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot && dot != name) {
        for (size_t i = 0; i < sizeof MIME / sizeof MIME[0]; i++)
            if (strcasecmp(dot + 1, MIME[i].ext) == 0) return MIME[i].type;
    }
    return "application/octet-stream";
}

/* ---- answering ------------------------------------------------------------ */

static void common_headers(rc_http_req_t *req)
{
    rc_http_req_add_res_header(req, "Cache-Control", "no-cache");
    rc_http_req_add_res_header(req, "X-Content-Type-Options", "nosniff");
}

static void not_found(rc_http_req_t *req, const char *path)
{
    rc_http_req_respond_text(req, 404, "not found: %s (no such file in the dashboard UI)", path);
}

/* Reads all of fd (size bytes expected) into a new buffer. A file that shrank
 * meanwhile gives what is there; one that grew is cut at size. */
static rc_err_t read_whole(int fd, size_t size, char **out, size_t *len)
{
    char *data = rc_try_malloc(size ? size : 1);
    if (!data) return RC_ENOMEM;
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, data + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            rc_free(data);
            return RC_EIO;
        }
        if (n == 0) break;
        got += (size_t)n;
    }
    *out = data;
    *len = got;
    return RC_OK;
}

/* Opens real (already checked to be under the root) and answers with its
 * bytes; name gives the Content-Type. */
static void serve_file(rc_http_req_t *req, const char *path, const char *real, const char *name)
{
    /* O_NOFOLLOW: the last component was resolved by realpath; should it have
     * become a symlink since, the open fails instead of following it. */
    int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == EACCES) {
            rc_http_req_respond_text(req, 403, "forbidden: %s cannot be read", path);
            return;
        }
        not_found(req, path);
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        not_found(req, path);
        return;
    }
    if ((uint64_t)st.st_size > RC_STATIC_MAX_FILE) {
        close(fd);
        rc_log_warn(LOG, "static file too large path=%s size=%lld max=%zu", real,
                    (long long)st.st_size, RC_STATIC_MAX_FILE);
        rc_http_req_respond_text(req, 500,
                                 "%s is too large to serve (%lld bytes, at most %zu): the "
                                 "dashboard UI is misbuilt",
                                 path, (long long)st.st_size, RC_STATIC_MAX_FILE);
        return;
    }
    char *data = NULL;
    size_t len = 0;
    rc_err_t rc = read_whole(fd, (size_t)st.st_size, &data, &len);
    close(fd);
    if (rc != RC_OK) {
        rc_log_warn(LOG, "static file unreadable path=%s err=%s", real, rc_strerror(rc));
        rc_http_req_respond_text(req, 500, "cannot read %s: %s", path, rc_strerror(rc));
        return;
    }
    rc_http_req_respond(req, 200, content_type(name), data, len);
    rc_free(data);
}

int rc_static_serve(rc_static_t *s, rc_http_req_t *req)
{
    const char *path = rc_http_req_path(req);
    if (never_static(path)) return 0;
    common_headers(req);
    const char *method = rc_http_req_method(req);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        rc_http_req_add_res_header(req, "Allow", "GET, HEAD");
        rc_http_req_respond_text(req, 405, "method %s not allowed on %s: the UI's files take GET",
                                 method, path);
        return 1;
    }
    const char *why = check_path(path);
    if (why) {
        rc_http_req_respond_text(req, 400, "bad path %s: %s", path, why);
        return 1;
    }

    static const char INDEX[] = "index.html";
    size_t plen = strlen(path);
    char cand[PATH_MAX], real[PATH_MAX];
    if (s->root_len + plen + sizeof INDEX + 1 > sizeof cand) {
        not_found(req, path);
        return 1;
    }
    /* root has no trailing '/', path starts with one. */
    size_t off = s->root_len == 1 ? 0 : s->root_len;
    memcpy(cand, s->root, off);
    memcpy(cand + off, path, plen + 1);
    if (path[plen - 1] == '/') memcpy(cand + off + plen, INDEX, sizeof INDEX);
    const char *name = strrchr(cand, '/') + 1;

    if (!realpath(cand, real) || !under_root(s, real)) {
        not_found(req, path);
        return 1;
    }
    if (is_dir(real)) {
        size_t rlen = strlen(real);
        if (rlen + sizeof INDEX + 1 > sizeof cand) {
            not_found(req, path);
            return 1;
        }
        /* Length checked above: plain copies (snprintf would make the compiler
         * warn that two PATH_MAX buffers may not fit in one). */
        memcpy(cand, real, rlen);
        if (rlen != 1) cand[rlen++] = '/';
        memcpy(cand + rlen, INDEX, sizeof INDEX);
        /* index.html itself may be a symlink: resolve and check it again. */
        if (!realpath(cand, real) || !under_root(s, real)) {
            not_found(req, path);
            return 1;
        }
        name = INDEX;
    }
    serve_file(req, path, real, name);
    return 1;
}
