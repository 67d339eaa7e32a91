/* job_api.c — the Jobs REST routes and the WebSocket log tails (see job_api.h). */
#include "job_api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "json.h"
#include "log.h"

#define TAIL_POLL_MS     100
#define TAIL_CHUNK       (64u * 1024u)   /* bytes per WebSocket message */
#define TAIL_PER_TICK    (1024u * 1024u) /* bytes read per tick and tail */
#define JOBS_API_VERSION "2"

typedef struct tail tail_t;

struct rc_job_api {
    uv_loop_t *loop;
    rc_job_mgr_t *mgr;
    char *session_name;
    tail_t *tails;
};

/* One WebSocket following a job's log. Freed when both the socket has closed
 * (RC_WS_EV_CLOSED) and the timer handle has closed. */
struct tail {
    rc_job_api_t *a;
    rc_ws_t *ws;
    char *sid;
    uint64_t off;
    uint32_t job_id; /* tells a job deleted and submitted again under sid apart */
    int fd;          /* the log, opened once it exists; -1 before */
    uv_timer_t timer;
    tail_t *prev, *next;
    int closing; /* we asked the socket to close */
};

rc_job_api_t *rc_job_api_new(uv_loop_t *loop, rc_job_mgr_t *mgr, const char *session_name)
{
    rc_job_api_t *a = rc_calloc(1, sizeof(*a));
    a->loop = loop;
    a->mgr = mgr;
    a->session_name = rc_strdup(session_name ? session_name : "");
    return a;
}

static void respond_json(rc_http_req_t *req, int status, rc_buf_t *b)
{
    rc_http_req_respond(req, status, "application/json", b->data, b->len);
    rc_buf_free(b);
}

/* ---- tails ------------------------------------------------------------------- */

static void tail_timer_closed(uv_handle_t *h)
{
    tail_t *t = h->data;
    if (t->fd >= 0) close(t->fd);
    rc_free(t->sid);
    rc_free(t);
}

static void tail_unlink(tail_t *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        t->a->tails = t->next;
    if (t->next) t->next->prev = t->prev;
    t->prev = t->next = NULL;
}

static void tail_end(tail_t *t, const char *why)
{
    if (t->closing) return;
    t->closing = 1;
    uv_timer_stop(&t->timer);
    rc_ws_close(t->ws, 1000, why);
}

/* Sends what the log has beyond t->off; 1 when it reached the end of the file. */
static int tail_pump(tail_t *t, const rc_job_t *j)
{
    if (t->fd < 0) {
        char path[4200];
        rc_job_mgr_log_path(t->a->mgr, j, path, sizeof(path));
        t->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (t->fd < 0) return 1;
    }
    int fd = t->fd;
    static char buf[TAIL_CHUNK];
    size_t sent = 0;
    int eof = 0;
    while (sent < TAIL_PER_TICK) {
        ssize_t n = pread(fd, buf, sizeof(buf), (off_t)t->off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            eof = 1;
            break;
        }
        if (rc_ws_send_text(t->ws, buf, (size_t)n) != RC_OK) {
            /* The peer is too slow or gone: the server closes it, CLOSED follows. */
            t->closing = 1;
            uv_timer_stop(&t->timer);
            break;
        }
        t->off += (uint64_t)n;
        sent += (size_t)n;
    }
    return eof;
}

static void tail_tick(uv_timer_t *timer)
{
    tail_t *t = timer->data;
    const rc_job_t *j = rc_job_mgr_find(t->a->mgr, t->sid);
    if (!j || j->job_id != t->job_id) {
        tail_end(t, "job deleted");
        return;
    }
    /* Read the status before the log: a job that was finished before this read
     * has written everything it will write. */
    int done = rc_job_status_terminal(j->status);
    int eof = tail_pump(t, j);
    if (done && eof && !t->closing) tail_end(t, "job finished");
}

static void tail_event(void *arg, rc_ws_t *ws, rc_ws_ev_t ev, const char *data, size_t len)
{
    tail_t *t = arg;
    (void)ws;
    (void)data;
    (void)len;
    if (ev != RC_WS_EV_CLOSED) return; /* messages from the client mean nothing here */
    t->ws = NULL;
    t->closing = 1;
    tail_unlink(t);
    uv_timer_stop(&t->timer);
    uv_close((uv_handle_t *)&t->timer, tail_timer_closed);
}

static void start_tail(rc_job_api_t *a, rc_http_req_t *req, const rc_job_t *j)
{
    tail_t *t = rc_calloc(1, sizeof(*t));
    t->a = a;
    t->fd = -1;
    t->job_id = j->job_id;
    t->sid = rc_strdup(j->submission_id);
    t->ws = rc_http_req_upgrade_ws(req, tail_event, t);
    if (!t->ws) {
        rc_free(t->sid);
        rc_free(t);
        return;
    }
    uv_timer_init(a->loop, &t->timer);
    t->timer.data = t;
    t->next = a->tails;
    if (a->tails) a->tails->prev = t;
    a->tails = t;
    /* First pump at once (the whole log so far), then poll: the log may be
     * written by another node on the shared volume, where inotify sees nothing. */
    uv_timer_start(&t->timer, tail_tick, 0, TAIL_POLL_MS);
}

/* ---- routes ------------------------------------------------------------------ */

static void version(rc_job_api_t *a, rc_http_req_t *req)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "version");
    rc_jw_str(&w, JOBS_API_VERSION);
    rc_jw_key(&w, "ray_version");
    rc_jw_str(&w, RC_VERSION);
    rc_jw_key(&w, "ray_commit");
    rc_jw_str(&w, "rayc");
    rc_jw_key(&w, "session_name");
    rc_jw_str(&w, a->session_name);
    rc_jw_obj_end(&w);
    respond_json(req, 200, &b);
}

static void submit(rc_job_api_t *a, rc_http_req_t *req)
{
    size_t len;
    const char *body = rc_http_req_body(req, &len);
    char err[1024];
    rc_job_req_t jr;
    if (rc_job_req_parse(body ? body : "", body ? len : 0, &jr, err, sizeof(err)) != RC_OK) {
        rc_http_req_respond_text(req, 400, "%s", err);
        return;
    }
    const rc_job_t *j = NULL;
    rc_err_t rc = rc_job_mgr_submit(a->mgr, &jr, &j, err, sizeof(err));
    rc_job_req_free(&jr);
    if (rc != RC_OK) {
        rc_http_req_respond_text(req, rc == RC_ESTATE ? 503 : 400, "%s", err);
        return;
    }
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    rc_jw_obj_begin(&w);
    /* Ray answers job_id = the submission id (the deprecated name of the same
     * thing), so clients that read rst["job_id"] get an id they can use. */
    rc_jw_key(&w, "job_id");
    rc_jw_str(&w, j->submission_id);
    rc_jw_key(&w, "submission_id");
    rc_jw_str(&w, j->submission_id);
    rc_jw_obj_end(&w);
    respond_json(req, 200, &b);
}

static void list(rc_job_api_t *a, rc_http_req_t *req)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    rc_jw_arr_begin(&w);
    for (size_t i = 0; i < rc_job_mgr_count(a->mgr); i++)
        rc_job_to_json(rc_job_mgr_at(a->mgr, i), &w);
    rc_jw_arr_end(&w);
    respond_json(req, 200, &b);
}

static void one_bool(rc_http_req_t *req, const char *key, int v)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, key);
    rc_jw_bool(&w, v);
    rc_jw_obj_end(&w);
    respond_json(req, 200, &b);
}

static void job_route(rc_job_api_t *a, rc_http_req_t *req, const char *method, const char *id,
                      const char *rest)
{
    const rc_job_t *j = rc_job_mgr_find(a->mgr, id);
    char err[1024];
    if (!j) {
        rc_http_req_respond_text(req, 404, "Job %s does not exist", id);
        return;
    }
    if (*rest == '\0') {
        if (strcmp(method, "GET") == 0) {
            rc_buf_t b = RC_BUF_INIT;
            rc_jw_t w;
            rc_jw_init(&w, &b);
            rc_job_to_json(j, &w);
            respond_json(req, 200, &b);
        } else if (strcmp(method, "DELETE") == 0) {
            rc_err_t rc = rc_job_mgr_delete(a->mgr, j, err, sizeof(err));
            if (rc == RC_OK)
                one_bool(req, "deleted", 1);
            else
                rc_http_req_respond_text(req, rc == RC_ESTATE ? 400 : 500, "%s", err);
        } else {
            rc_http_req_respond_text(req, 405,
                                     "%s is not allowed on /api/jobs/%s (use GET or "
                                     "DELETE)",
                                     method, id);
        }
        return;
    }
    if (strcmp(rest, "logs") == 0 || strcmp(rest, "logs/") == 0) {
        if (strcmp(method, "GET") != 0) {
            rc_http_req_respond_text(req, 405, "use GET for the logs of a job");
            return;
        }
        rc_buf_t log = RC_BUF_INIT, b = RC_BUF_INIT;
        if (rc_job_mgr_read_log(a->mgr, j, &log, err, sizeof(err)) != RC_OK) {
            rc_buf_free(&log);
            rc_http_req_respond_text(req, 500, "%s", err);
            return;
        }
        rc_jw_t w;
        rc_jw_init(&w, &b);
        rc_jw_obj_begin(&w);
        rc_jw_key(&w, "logs");
        rc_jw_strn(&w, log.data ? log.data : "", log.len);
        rc_jw_obj_end(&w);
        rc_buf_free(&log);
        respond_json(req, 200, &b);
    } else if (strcmp(rest, "logs/tail") == 0) {
        if (strcmp(method, "GET") != 0 || !rc_http_req_is_websocket(req)) {
            rc_http_req_respond_text(req, 400,
                                     "/api/jobs/%s/logs/tail is a WebSocket: connect with an "
                                     "Upgrade: websocket request (or GET .../logs for the whole "
                                     "log)",
                                     id);
            return;
        }
        start_tail(a, req, j);
    } else if (strcmp(rest, "stop") == 0) {
        if (strcmp(method, "POST") != 0) {
            rc_http_req_respond_text(req, 405, "use POST to stop a job");
            return;
        }
        int stopped;
        rc_job_mgr_stop(a->mgr, j, &stopped);
        one_bool(req, "stopped", stopped);
    } else {
        rc_http_req_respond_text(req, 404, "no such Jobs API path: /api/jobs/%s/%s", id, rest);
    }
}

int rc_job_api_handle(rc_job_api_t *a, rc_http_req_t *req)
{
    const char *path = rc_http_req_path(req), *method = rc_http_req_method(req);
    if (strcmp(path, "/api/version") == 0) {
        if (strcmp(method, "GET") == 0)
            version(a, req);
        else
            rc_http_req_respond_text(req, 405, "use GET for /api/version");
        return 1;
    }
    if (strncmp(path, "/api/jobs", 9) != 0 || (path[9] != '\0' && path[9] != '/')) return 0;
    const char *p = path[9] ? path + 10 : path + 9;
    if (*p == '\0') {
        if (strcmp(method, "POST") == 0)
            submit(a, req);
        else if (strcmp(method, "GET") == 0)
            list(a, req);
        else
            rc_http_req_respond_text(req, 405, "use POST to submit a job, GET to list jobs");
        return 1;
    }
    const char *slash = strchr(p, '/');
    size_t idlen = slash ? (size_t)(slash - p) : strlen(p);
    char id[RC_JOB_SUBMISSION_ID_MAX + 1];
    if (idlen > RC_JOB_SUBMISSION_ID_MAX) {
        rc_http_req_respond_text(req, 404,
                                 "Job %.40s… does not exist (ids are at most %d "
                                 "characters)",
                                 p, RC_JOB_SUBMISSION_ID_MAX);
        return 1;
    }
    memcpy(id, p, idlen);
    id[idlen] = '\0';
    job_route(a, req, method, id, slash ? slash + 1 : "");
    return 1;
}

void rc_job_api_close(rc_job_api_t *a)
{
    for (tail_t *t = a->tails; t; t = t->next) tail_end(t, "head shutting down");
}

void rc_job_api_free(rc_job_api_t *a)
{
    if (!a) return;
    rc_free(a->session_name);
    rc_free(a);
}
