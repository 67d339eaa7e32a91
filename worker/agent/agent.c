/* agent.c — the node agent's state machine (see agent.h).
 *
 * hiredis 0.14 rules this file relies on: hiredis frees a context itself
 * after a failed connect callback and after the disconnect callback; we free
 * it (redisAsyncFree) from timers and signal callbacks, and from reply
 * callbacks, where hiredis defers the free until the callback returns. We
 * never free it from the connect or disconnect callbacks. A pending reply
 * callback is called with a NULL reply while its context goes away: NULL
 * means "no answer" and is ignored, because the disconnect callback (or our
 * own drop) already drives the state machine. Every callback first checks
 * that its context is still the current one (a->ac). */
#include "agent.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "alloc.h"
#include "clock.h"
#include "hiredis_uv.h"
#include "log.h"
#include "node.pb-c.h"
#include "node_version.h"
#include "tasks.h"

#define COMP "agent"

#define BACKOFF_MIN_MS     100
#define BACKOFF_MAX_MS     2000
#define HANDSHAKE_MS       3000 /* connect + AUTH + NODE.REGISTER */
#define DRAIN_MS           2000 /* wait for NODE.UNREGISTER's answer */
#define CHANGE_MIN_MS      100  /* at most one change-driven report per 100 ms */
#define WATCH_MS           250
#define REPORT_MIN_MS      50 /* bounds on what the head may ask for */
#define REPORT_MAX_MS      60000
#define REPLY_TIMEOUT_MIN  5000 /* a report unanswered this long: the connection is dead */
#define LOST_WARN_EVERY_MS 10000

typedef enum {
    EV_START,
    EV_CONNECTED,
    EV_AUTH_OK,
    EV_REGISTERED,
    EV_NOTFOUND,   /* a report was answered -NOTFOUND: register again */
    EV_HEAD_DRAIN, /* a report was answered +DRAIN */
    EV_LOST,       /* the connection or an attempt failed; a->why says why */
    EV_REFUSED,    /* the head refused us (AUTH, NODE.REGISTER); a->why says why */
    EV_RETRY,      /* the backoff timer fired */
    EV_DRAIN,      /* a signal or rc_agent_drain */
    EV_UNREGISTERED,
    EV_DRAIN_TIMEOUT
} ev_t;

/* Lives apart from the agent: a getaddrinfo on the thread pool cannot always be
 * cancelled, so finishing detaches it (a = NULL) and the callback frees it. */
typedef struct {
    uv_getaddrinfo_t req;
    rc_agent_t *a;
} resolve_t;

struct rc_agent {
    uv_loop_t *loop;
    const rc_agent_config_t *cfg;
    rc_id_t id;
    char id_hex[RC_ID_HEX_LEN + 1];
    int64_t start_time_ms; /* wall clock */
    uint64_t started_at;   /* monotonic */

    rc_agent_state_t state;
    uint64_t state_since;
    redisAsyncContext *ac;
    resolve_t *resolving;
    char why[400]; /* the reason of the last EV_LOST / EV_REFUSED */
    int registered_once;
    uint64_t lost_since, backoff_ms, last_lost_warn;

    rc_res_t available;
    uint64_t seq, report_every_ms, health_period_ms, reply_timeout_ms;
    int report_in_flight, report_dirty;
    uint64_t report_sent_at, last_report_at;

    int drain_requested;
    int drain_signaled; /* a signal (or rc_agent_drain) asked: a second one exits at once */
    int drain_wait;     /* draining, waiting for running tasks before NODE.UNREGISTER */
    uint64_t drain_at;
    rc_tasks_t *tasks;
    char head_ip[64]; /* what the head's name resolved to, for the pull connection */
    char drain_reason[64];

    uv_timer_t report_timer, retry_timer, watch_timer;
    uv_signal_t sigterm, sigint;
    int handle_signals, handles_open, closing;
    int warned_no_password;

    rc_agent_started_fn started_fn;
    void *started_arg;
    int started_reported;
    int exit_code;
    char exit_reason[1400];
};

static void advance(rc_agent_t *a, ev_t ev);

const char *rc_agent_state_name(rc_agent_state_t s)
{
    static const char *const names[] = {"CONNECTING", "AUTHING",  "REGISTERING", "RUNNING",
                                        "BACKOFF",    "DRAINING", "EXITING"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void set_state(rc_agent_t *a, rc_agent_state_t s)
{
    if (a->state != s)
        rc_log_debug(COMP, "state %s -> %s", rc_agent_state_name(a->state), rc_agent_state_name(s));
    a->state = s;
    a->state_since = rc_clock_mono_ms();
    /* Pull only while registered and not draining (the drain stops it itself). */
    if (a->tasks && s != RC_AGENT_DRAINING)
        rc_tasks_set_running(a->tasks, s == RC_AGENT_RUNNING, a->head_ip);
}

/* ---- protobuf payloads ---- */

/* A Resources message borrowing the names of an rc_res_t. */
typedef struct {
    Rayc__Resources msg;
    Rayc__ResourceAmount *items;
    Rayc__ResourceAmount **ptrs;
} pb_res_t;

static void pb_res_build(pb_res_t *p, const rc_res_t *r)
{
    static const char *const predefined[] = {"CPU", "GPU", "memory", "object_store_memory"};
    const int64_t amounts[] = {r->cpu, r->gpu, r->memory, r->object_store_memory};
    size_t cap = 4 + r->ncustom, n = 0;
    rayc__resources__init(&p->msg);
    p->items = rc_calloc(cap, sizeof(*p->items));
    p->ptrs = rc_calloc(cap, sizeof(*p->ptrs));
    for (size_t i = 0; i < 4; i++) {
        if (amounts[i] == 0) continue;
        rayc__resource_amount__init(&p->items[n]);
        p->items[n].name = (char *)predefined[i];
        p->items[n].amount = amounts[i];
        p->ptrs[n] = &p->items[n];
        n++;
    }
    for (size_t i = 0; i < r->ncustom; i++) {
        rayc__resource_amount__init(&p->items[n]);
        p->items[n].name = (char *)r->custom[i].name;
        p->items[n].amount = r->custom[i].amount;
        p->ptrs[n] = &p->items[n];
        n++;
    }
    p->msg.n_amounts = n;
    p->msg.amounts = p->ptrs;
}

static void pb_res_free(pb_res_t *p)
{
    rc_free(p->items);
    rc_free(p->ptrs);
}

/* The serialized NodeInfo (to rc_free); *len set. */
static uint8_t *node_info_pack(const rc_agent_t *a, size_t *len)
{
    const rc_agent_config_t *c = a->cfg;
    Rayc__NodeInfo ni;
    pb_res_t total, avail;
    rayc__node_info__init(&ni);
    ni.node_id.data = (uint8_t *)a->id.b;
    ni.node_id.len = sizeof(a->id.b);
    ni.node_ip = (char *)c->node_ip;
    ni.hostname = (char *)c->hostname;
    ni.group = (char *)c->group;
    Rayc__Label *labels = rc_calloc(c->nlabels ? c->nlabels : 1, sizeof(*labels));
    Rayc__Label **lptrs = rc_calloc(c->nlabels ? c->nlabels : 1, sizeof(*lptrs));
    for (size_t i = 0; i < c->nlabels; i++) {
        rayc__label__init(&labels[i]);
        labels[i].key = c->labels[i].key;
        labels[i].value = c->labels[i].value;
        lptrs[i] = &labels[i];
    }
    ni.n_labels = c->nlabels;
    ni.labels = lptrs;
    pb_res_build(&total, &c->total);
    pb_res_build(&avail, &a->available);
    ni.total = &total.msg;
    ni.available = &avail.msg;
    ni.start_time_ms = a->start_time_ms;
    ni.protocol_version = RC_NODE_PROTOCOL_VERSION;
    ni.version = (char *)RC_VERSION;
    ni.pid = (int32_t)getpid();
    ni.object_port = (uint32_t)rc_tasks_object_port(a->tasks);
    *len = rayc__node_info__get_packed_size(&ni);
    uint8_t *buf = rc_malloc(*len ? *len : 1);
    rayc__node_info__pack(&ni, buf);
    pb_res_free(&total);
    pb_res_free(&avail);
    rc_free(labels);
    rc_free(lptrs);
    return buf;
}

/* The pool's executors as WorkerInfo messages borrowing its bytes (valid until
 * the loop runs again). */
typedef struct {
    rc_exec_worker_t *ws;
    Rayc__WorkerInfo *items;
    Rayc__WorkerInfo **ptrs;
    size_t n;
} pb_workers_t;

static void pb_workers_build(pb_workers_t *p, const rc_exec_pool_t *pool)
{
    size_t cap = rc_exec_pool_executors(pool);
    memset(p, 0, sizeof(*p));
    if (cap == 0) return;
    p->ws = rc_malloc(cap * sizeof(*p->ws));
    p->items = rc_malloc(cap * sizeof(*p->items));
    p->ptrs = rc_malloc(cap * sizeof(*p->ptrs));
    p->n = rc_exec_pool_workers(pool, p->ws, cap);
    for (size_t i = 0; i < p->n; i++) {
        const rc_exec_worker_t *w = &p->ws[i];
        Rayc__WorkerInfo *m = &p->items[i];
        rayc__worker_info__init(m);
        m->worker_id.data = (uint8_t *)w->id.b;
        m->worker_id.len = sizeof(w->id.b);
        m->pid = w->pid;
        m->busy = w->busy != 0;
        m->task_id.data = (uint8_t *)w->task_id;
        m->task_id.len = w->task_id_len;
        m->tasks_done = w->tasks_done;
        m->start_time_ms = w->start_time_ms;
        p->ptrs[i] = m;
    }
}

static void pb_workers_free(pb_workers_t *p)
{
    rc_free(p->ws);
    rc_free(p->items);
    rc_free(p->ptrs);
}

static uint8_t *report_pack(const rc_agent_t *a, uint64_t seq, size_t *len)
{
    Rayc__ResourceReport rr;
    pb_res_t avail;
    pb_workers_t workers;
    rayc__resource_report__init(&rr);
    rr.node_id.data = (uint8_t *)a->id.b;
    rr.node_id.len = sizeof(a->id.b);
    pb_res_build(&avail, &a->available);
    rr.available = &avail.msg;
    rr.seq = seq;
    /* Every report carries the whole list (one entry per executor: small), so
     * the head simply replaces what it had. */
    pb_workers_build(&workers, rc_tasks_pool(a->tasks));
    rr.n_workers = workers.n;
    rr.workers = workers.ptrs;
    *len = rayc__resource_report__get_packed_size(&rr);
    uint8_t *buf = rc_malloc(*len ? *len : 1);
    rayc__resource_report__pack(&rr, buf);
    pb_res_free(&avail);
    pb_workers_free(&workers);
    return buf;
}

/* ---- the connection ---- */

/* Forgets the current connection and frees it (deferred by hiredis when we are
 * inside one of its reply callbacks) and abandons a name resolution in
 * flight. Never called from the connect or
 * disconnect callbacks (there hiredis frees the context itself). */
static void conn_drop(rc_agent_t *a)
{
    redisAsyncContext *ac = a->ac;
    if (a->resolving) {
        /* Its callback must not start a connection of its own later. */
        a->resolving->a = NULL;
        uv_cancel((uv_req_t *)&a->resolving->req);
        a->resolving = NULL;
    }
    a->ac = NULL;
    a->report_in_flight = 0;
    if (ac) redisAsyncFree(ac);
}

/* Queues a command on the current connection; 0 when hiredis refused it (the
 * context is being torn down: its disconnect path follows). */
static int send_cmd(rc_agent_t *a, redisCallbackFn *fn, int argc, const char **argv,
                    const size_t *lens)
{
    if (!a->ac) return 0;
    if (redisAsyncCommandArgv(a->ac, fn, NULL, argc, argv, lens) != REDIS_OK) {
        rc_log_debug(COMP, "could not queue %s: the connection is closing", argv[0]);
        return 0;
    }
    return 1;
}

/* A reply's text for a message: the error or status string, or its type. */
static const char *reply_text(const redisReply *r, char *buf, size_t cap)
{
    if ((r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_STATUS ||
         r->type == REDIS_REPLY_STRING) &&
        r->str) {
        size_t n = 0;
        for (size_t i = 0; i < r->len && n + 1 < cap && n < 200; i++)
            buf[n++] = r->str[i] >= 32 && r->str[i] < 127 ? r->str[i] : '?';
        buf[n] = '\0';
        return buf;
    }
    static const char *const types[] = {"?",   "string", "array", "integer",
                                        "nil", "status", "error"};
    snprintf(buf, cap, "an unexpected %s reply",
             r->type > 0 && r->type < (int)(sizeof(types) / sizeof(types[0])) ? types[r->type]
                                                                              : "unknown");
    return buf;
}

static int is_error(const redisReply *r, const char *code)
{
    size_t n = strlen(code);
    return r->type == REDIS_REPLY_ERROR && r->str && r->len >= n && strncmp(r->str, code, n) == 0 &&
           (r->len == n || r->str[n] == ' ');
}

static void arm_report(rc_agent_t *a, uint64_t delay);
static void on_report_reply(redisAsyncContext *ac, void *r, void *priv);

/* Reports go out while running, and while a drain waits for running tasks
 * (the head must keep seeing the node alive until they are done). */
static int reporting(const rc_agent_t *a)
{
    return a->state == RC_AGENT_RUNNING || (a->state == RC_AGENT_DRAINING && a->drain_wait);
}

static void send_report(rc_agent_t *a)
{
    if (!reporting(a) || !a->ac) return;
    if (a->report_in_flight) {
        /* One report at a time: the next goes out when this one is answered. */
        a->report_dirty = 1;
        return;
    }
    size_t len;
    uint8_t *buf = report_pack(a, a->seq + 1, &len);
    const char *argv[2] = {"NODE.REPORT", (const char *)buf};
    size_t lens[2] = {11, len};
    if (send_cmd(a, on_report_reply, 2, argv, lens)) {
        a->seq++;
        a->report_in_flight = 1;
        a->report_dirty = 0;
        a->report_sent_at = a->last_report_at = rc_clock_mono_ms();
    }
    rc_free(buf);
    arm_report(a, a->report_every_ms);
}

static void on_report_timer(uv_timer_t *t)
{
    send_report(t->data);
}

static void arm_report(rc_agent_t *a, uint64_t delay)
{
    if (!a->closing) uv_timer_start(&a->report_timer, on_report_timer, delay, 0);
}

/* A change to report: now, or once 100 ms have passed since the last report. */
static void schedule_change(rc_agent_t *a)
{
    if (!reporting(a) || a->report_in_flight) return;
    uint64_t now = rc_clock_mono_ms(), next = a->last_report_at + CHANGE_MIN_MS;
    arm_report(a, next > now ? next - now : 0);
}

static void on_report_reply(redisAsyncContext *ac, void *r, void *priv)
{
    rc_agent_t *a = ac->data;
    redisReply *reply = r;
    char t[256];
    (void)priv;
    if (!reply || !a || a->ac != ac) return;
    a->report_in_flight = 0;
    if (a->state == RC_AGENT_DRAINING && a->drain_wait) {
        /* Waiting for tasks: any answer is a heartbeat; results may go out. */
        if (a->report_dirty) schedule_change(a);
        rc_tasks_kick(a->tasks);
        return;
    }
    if (a->state != RC_AGENT_RUNNING) return; /* draining: only UNREGISTER matters now */
    if (reply->type == REDIS_REPLY_STATUS && reply->str && strcmp(reply->str, "OK") == 0) {
        /* Only a working exchange proves the head healthy: a head that accepts
         * the registration but garbles reports keeps the backoff growing. */
        a->backoff_ms = BACKOFF_MIN_MS;
        if (a->report_dirty) schedule_change(a);
        rc_tasks_kick(a->tasks);
        return;
    }
    if (reply->type == REDIS_REPLY_STATUS && reply->str && strcmp(reply->str, "DRAIN") == 0) {
        advance(a, EV_HEAD_DRAIN);
        return;
    }
    if (is_error(reply, "NOTFOUND")) {
        rc_log_warn(COMP, "the head does not know this node (%s): registering again node_id=%s",
                    reply_text(reply, t, sizeof(t)), a->id_hex);
        advance(a, EV_NOTFOUND);
        return;
    }
    snprintf(a->why, sizeof(a->why), "unexpected answer to NODE.REPORT: %s",
             reply_text(reply, t, sizeof(t)));
    advance(a, EV_LOST);
}

static void on_register_reply(redisAsyncContext *ac, void *r, void *priv)
{
    rc_agent_t *a = ac->data;
    redisReply *reply = r;
    char t[256];
    (void)priv;
    if (!reply || !a || a->ac != ac || a->state != RC_AGENT_REGISTERING) return;
    const char *h = a->cfg->head_text;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
        (reply->element[0]->type == REDIS_REPLY_STRING ||
         reply->element[0]->type == REDIS_REPLY_STATUS) &&
        reply->element[0]->str && strcmp(reply->element[0]->str, "OK") == 0 &&
        reply->element[1]->type == REDIS_REPLY_INTEGER &&
        reply->element[2]->type == REDIS_REPLY_INTEGER) {
        long long period = reply->element[1]->integer, every = reply->element[2]->integer;
        a->health_period_ms = period > 0 ? (uint64_t)period : 3000;
        a->report_every_ms = every < REPORT_MIN_MS   ? REPORT_MIN_MS
                             : every > REPORT_MAX_MS ? REPORT_MAX_MS
                                                     : (uint64_t)every;
        a->reply_timeout_ms =
            3 * a->report_every_ms > REPLY_TIMEOUT_MIN ? 3 * a->report_every_ms : REPLY_TIMEOUT_MIN;
        advance(a, EV_REGISTERED);
        return;
    }
    if (is_error(reply, "NOAUTH"))
        snprintf(a->why, sizeof(a->why),
                 "the head at %s requires a password: pass --redis-password (the head's "
                 "--redis-password)",
                 h);
    else if (is_error(reply, "NODEVERSION"))
        snprintf(a->why, sizeof(a->why),
                 "the head at %s does not speak this worker's node protocol (version %d): %s; "
                 "run the same rayc release on head and workers",
                 h, RC_NODE_PROTOCOL_VERSION, reply_text(reply, t, sizeof(t)));
    else if (reply->type == REDIS_REPLY_ERROR && reply->str &&
             strstr(reply->str, "unknown command"))
        snprintf(a->why, sizeof(a->why),
                 "%s is not a rayc head (it answered: %s): --address must be the head's GCS "
                 "port (6379)",
                 h, reply_text(reply, t, sizeof(t)));
    else if (reply->type == REDIS_REPLY_ERROR)
        snprintf(a->why, sizeof(a->why), "the head at %s refused the registration: %s", h,
                 reply_text(reply, t, sizeof(t)));
    else
        snprintf(a->why, sizeof(a->why),
                 "unexpected answer to NODE.REGISTER from %s (%s): is it a rayc head?", h,
                 reply_text(reply, t, sizeof(t)));
    advance(a, EV_REFUSED);
}

static void on_auth_reply(redisAsyncContext *ac, void *r, void *priv)
{
    rc_agent_t *a = ac->data;
    redisReply *reply = r;
    char t[256];
    (void)priv;
    if (!reply || !a || a->ac != ac || a->state != RC_AGENT_AUTHING) return;
    if (reply->type == REDIS_REPLY_STATUS) {
        advance(a, EV_AUTH_OK);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR && reply->str &&
        strstr(reply->str, "without any password configured")) {
        /* A password the head does not need does no harm: say so (once) and go on. */
        if (!a->warned_no_password++)
            rc_log_warn(COMP,
                        "the head at %s has no password, --redis-password is not needed: "
                        "continuing without it",
                        a->cfg->head_text);
        advance(a, EV_AUTH_OK);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR)
        snprintf(a->why, sizeof(a->why),
                 "the head at %s refused the password (%s): check --redis-password",
                 a->cfg->head_text, reply_text(reply, t, sizeof(t)));
    else
        snprintf(a->why, sizeof(a->why), "unexpected answer to AUTH from %s (%s)",
                 a->cfg->head_text, reply_text(reply, t, sizeof(t)));
    advance(a, EV_REFUSED);
}

static void on_unregister_reply(redisAsyncContext *ac, void *r, void *priv)
{
    rc_agent_t *a = ac->data;
    redisReply *reply = r;
    char t[256];
    (void)priv;
    if (!reply || !a || a->ac != ac || a->state != RC_AGENT_DRAINING) return;
    if (reply->type == REDIS_REPLY_INTEGER) {
        if (reply->integer == 0)
            rc_log_warn(COMP, "the head no longer knew this node when it unregistered node_id=%s",
                        a->id_hex);
        advance(a, EV_UNREGISTERED);
        return;
    }
    snprintf(a->why, sizeof(a->why), "unexpected answer to NODE.UNREGISTER: %s",
             reply_text(reply, t, sizeof(t)));
    advance(a, EV_LOST);
}

static void send_register(rc_agent_t *a)
{
    size_t len;
    uint8_t *buf = node_info_pack(a, &len);
    const char *argv[2] = {"NODE.REGISTER", (const char *)buf};
    size_t lens[2] = {13, len};
    send_cmd(a, on_register_reply, 2, argv, lens);
    rc_free(buf);
}

static void send_auth(rc_agent_t *a)
{
    const char *argv[2] = {"AUTH", a->cfg->password};
    size_t lens[2] = {4, strlen(a->cfg->password)};
    send_cmd(a, on_auth_reply, 2, argv, lens);
}

static void send_unregister(rc_agent_t *a)
{
    const char *argv[3] = {"NODE.UNREGISTER", a->id_hex, "drained"};
    size_t lens[3] = {15, RC_ID_HEX_LEN, 7};
    send_cmd(a, on_unregister_reply, 3, argv, lens);
}

static void on_connect(const redisAsyncContext *cac, int status)
{
    rc_agent_t *a = cac->data;
    if (!a || a->ac != cac) return;
    if (status != REDIS_OK) {
        snprintf(a->why, sizeof(a->why), "cannot connect to the head at %s: %s", a->cfg->head_text,
                 cac->errstr[0] ? cac->errstr : "connection failed");
        a->ac = NULL; /* hiredis frees it when this returns */
        advance(a, EV_LOST);
        return;
    }
    advance(a, EV_CONNECTED);
}

static void on_disconnect(const redisAsyncContext *cac, int status)
{
    rc_agent_t *a = cac->data;
    if (!a || a->ac != cac) return; /* one we dropped ourselves */
    a->ac = NULL;
    a->report_in_flight = 0;
    snprintf(a->why, sizeof(a->why), "lost the connection to the head at %s: %s", a->cfg->head_text,
             status == REDIS_OK || !cac->errstr[0] ? "closed by the head" : cac->errstr);
    advance(a, EV_LOST);
}

static void async_connect(rc_agent_t *a, const char *ip)
{
    redisAsyncContext *ac = redisAsyncConnect(ip, a->cfg->head.port);
    if (!ac) {
        snprintf(a->why, sizeof(a->why), "cannot connect to the head: out of memory");
        advance(a, EV_LOST);
        return;
    }
    if (ac->err) {
        snprintf(a->why, sizeof(a->why), "cannot connect to the head at %s: %s", a->cfg->head_text,
                 ac->errstr);
        redisAsyncFree(ac);
        advance(a, EV_LOST);
        return;
    }
    ac->data = a;
    if (rc_hiredis_uv_attach(ac, a->loop) != REDIS_OK) {
        redisAsyncFree(ac);
        snprintf(a->why, sizeof(a->why), "cannot watch the socket to the head");
        advance(a, EV_LOST);
        return;
    }
    a->ac = ac;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    resolve_t *r = (resolve_t *)req;
    rc_agent_t *a = r->a;
    char ip[INET6_ADDRSTRLEN] = "";
    /* IPv4 first, as hiredis does: a name often has both, a head often listens on IPv4. */
    for (int pass = 0; a && status == 0 && pass < 2 && !ip[0]; pass++) {
        for (struct addrinfo *ai = res; ai && !ip[0]; ai = ai->ai_next) {
            if (pass == 0 && ai->ai_family == AF_INET)
                inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, ip, sizeof(ip));
            else if (pass == 1 && ai->ai_family == AF_INET6)
                inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, ip,
                          sizeof(ip));
        }
    }
    if (res) uv_freeaddrinfo(res);
    rc_free(r);
    if (!a) return;
    a->resolving = NULL;
    if (a->state != RC_AGENT_CONNECTING) return;
    if (ip[0]) snprintf(a->head_ip, sizeof(a->head_ip), "%s", ip);
    if (!ip[0]) {
        snprintf(a->why, sizeof(a->why), "cannot resolve the head's address %s: %s",
                 a->cfg->head.host, status != 0 ? uv_strerror(status) : "no IPv4 or IPv6 address");
        advance(a, EV_LOST);
        return;
    }
    async_connect(a, ip);
}

/* Resolving on the thread pool keeps a slow DNS (a Kubernetes Service name)
 * from blocking the loop; hiredis would call getaddrinfo inline. */
static void start_connect(rc_agent_t *a)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    resolve_t *r = rc_malloc(sizeof(*r));
    r->a = a;
    int rc = uv_getaddrinfo(a->loop, &r->req, on_resolved, a->cfg->head.host, NULL, &hints);
    if (rc != 0) {
        rc_free(r);
        snprintf(a->why, sizeof(a->why), "cannot resolve the head's address %s: %s",
                 a->cfg->head.host, uv_strerror(rc));
        advance(a, EV_LOST);
        return;
    }
    a->resolving = r;
}

/* ---- timers, signals, the end ---- */

static void on_handle_closed(uv_handle_t *h)
{
    rc_agent_t *a = h->data;
    a->handles_open--;
}

static void on_tasks_closed(void *arg)
{
    rc_agent_t *a = arg;
    a->handles_open--;
}

/* Enters EXITING: records the outcome, tells the starter if it still waits,
 * drops the connection and closes every handle, so the loop ends. */
static void finish(rc_agent_t *a, int code, const char *reason)
{
    if (a->closing) return;
    a->closing = 1;
    set_state(a, RC_AGENT_EXITING);
    a->exit_code = code;
    snprintf(a->exit_reason, sizeof(a->exit_reason), "%s", reason);
    if (code == 0)
        rc_log_info(COMP, "exiting: %s node_id=%s", reason, a->id_hex);
    else
        rc_log_error(COMP, "exiting: %s node_id=%s", reason, a->id_hex);
    if (!a->started_reported) {
        a->started_reported = 1;
        if (a->started_fn) a->started_fn(a->started_arg, RC_ECONN, reason);
    }
    conn_drop(a);
    rc_tasks_close(a->tasks, on_tasks_closed, a);
    uv_close((uv_handle_t *)&a->report_timer, on_handle_closed);
    uv_close((uv_handle_t *)&a->retry_timer, on_handle_closed);
    uv_close((uv_handle_t *)&a->watch_timer, on_handle_closed);
    if (a->handle_signals) {
        uv_close((uv_handle_t *)&a->sigterm, on_handle_closed);
        uv_close((uv_handle_t *)&a->sigint, on_handle_closed);
    }
}

static void on_retry(uv_timer_t *t)
{
    advance(t->data, EV_RETRY);
}

static void on_watch(uv_timer_t *t)
{
    rc_agent_t *a = t->data;
    uint64_t now = rc_clock_mono_ms(), in_state = now - a->state_since;
    switch (a->state) {
    case RC_AGENT_CONNECTING:
    case RC_AGENT_AUTHING:
    case RC_AGENT_REGISTERING:
        if (a->drain_requested && now - a->drain_at >= DRAIN_MS) {
            advance(a, EV_DRAIN_TIMEOUT);
        } else if (in_state >= HANDSHAKE_MS) {
            snprintf(a->why, sizeof(a->why), "no answer from the head at %s within %d s (%s)",
                     a->cfg->head_text, HANDSHAKE_MS / 1000,
                     a->state == RC_AGENT_CONNECTING ? "connecting"
                     : a->state == RC_AGENT_AUTHING  ? "AUTH"
                                                     : "NODE.REGISTER");
            advance(a, EV_LOST);
        }
        break;
    case RC_AGENT_RUNNING:
        rc_tasks_kick(a->tasks); /* pending results; a stuck poll */
        if (a->report_in_flight && now - a->report_sent_at >= a->reply_timeout_ms) {
            snprintf(a->why, sizeof(a->why), "no answer to NODE.REPORT from %s within %llu ms",
                     a->cfg->head_text, (unsigned long long)a->reply_timeout_ms);
            advance(a, EV_LOST);
        }
        break;
    case RC_AGENT_DRAINING:
        if (a->drain_wait) {
            /* The tasks module has its own deadline; here only the head's health. */
            rc_tasks_kick(a->tasks);
            if (a->report_in_flight && now - a->report_sent_at >= a->reply_timeout_ms) {
                snprintf(a->why, sizeof(a->why), "no answer to NODE.REPORT from %s within %llu ms",
                         a->cfg->head_text, (unsigned long long)a->reply_timeout_ms);
                advance(a, EV_LOST);
            }
        } else if (in_state >= DRAIN_MS) {
            advance(a, EV_DRAIN_TIMEOUT);
        }
        break;
    default: break;
    }
}

static void on_signal(uv_signal_t *s, int signum)
{
    rc_agent_drain(s->data, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

static void enter_backoff(rc_agent_t *a)
{
    set_state(a, RC_AGENT_BACKOFF);
    uv_timer_stop(&a->report_timer);
    uv_timer_start(&a->retry_timer, on_retry, a->backoff_ms, 0);
    a->backoff_ms = a->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : a->backoff_ms * 2;
}

/* Every task has ended and its result was answered: leave. */
static void on_tasks_drained(void *arg)
{
    rc_agent_t *a = arg;
    if (a->closing || a->state != RC_AGENT_DRAINING) return;
    a->drain_wait = 0;
    uv_timer_stop(&a->report_timer);
    set_state(a, RC_AGENT_DRAINING); /* restarts the 2 s UNREGISTER deadline */
    rc_log_info(COMP, "draining: no new work; unregistering from the head reason=%s node_id=%s",
                a->drain_reason, a->id_hex);
    send_unregister(a);
}

static void enter_draining(rc_agent_t *a)
{
    set_state(a, RC_AGENT_DRAINING);
    /* Stop pulling; tasks already running may finish (reports go on meanwhile). */
    a->drain_wait = 1;
    rc_tasks_drain(a->tasks, on_tasks_drained, a);
}

/* The one function that moves the state machine (see agent.h). */
static void advance(rc_agent_t *a, ev_t ev)
{
    uint64_t now = rc_clock_mono_ms();
    char msg[1400];
    if (a->closing) return;
    switch (ev) {
    case EV_START:
    case EV_RETRY:
        if (ev == EV_RETRY && a->state != RC_AGENT_BACKOFF) return;
        set_state(a, RC_AGENT_CONNECTING);
        start_connect(a);
        return;

    case EV_CONNECTED:
        if (a->cfg->password) {
            set_state(a, RC_AGENT_AUTHING);
            send_auth(a);
        } else {
            set_state(a, RC_AGENT_REGISTERING);
            send_register(a);
        }
        return;

    case EV_AUTH_OK:
        set_state(a, RC_AGENT_REGISTERING);
        send_register(a);
        return;

    case EV_NOTFOUND:
        set_state(a, RC_AGENT_REGISTERING);
        uv_timer_stop(&a->report_timer);
        send_register(a);
        return;

    case EV_REGISTERED:
        if (!a->registered_once) {
            a->registered_once = 1;
            rc_log_info(COMP,
                        "registered node_id=%s head=%s group=%s ip=%s report_every_ms=%llu "
                        "health_period_ms=%llu",
                        a->id_hex, a->cfg->head_text, a->cfg->group, a->cfg->node_ip,
                        (unsigned long long)a->report_every_ms,
                        (unsigned long long)a->health_period_ms);
        } else {
            rc_log_info(COMP, "registered again node_id=%s head=%s after_ms=%llu", a->id_hex,
                        a->cfg->head_text,
                        (unsigned long long)(a->lost_since ? now - a->lost_since : 0));
        }
        a->lost_since = 0;
        set_state(a, RC_AGENT_RUNNING);
        if (!a->started_reported) {
            a->started_reported = 1;
            if (a->started_fn) a->started_fn(a->started_arg, RC_OK, NULL);
        }
        if (a->closing) return;
        if (a->drain_requested) {
            enter_draining(a);
            return;
        }
        /* At once: the registration opened a fresh health window, keep it fed. */
        send_report(a);
        return;

    case EV_HEAD_DRAIN:
        if (a->state != RC_AGENT_RUNNING) return;
        a->drain_requested = 1;
        a->drain_at = now;
        snprintf(a->drain_reason, sizeof(a->drain_reason), "asked by the head");
        enter_draining(a);
        return;

    case EV_DRAIN:
        if (a->drain_signaled) {
            finish(a, 1, "exiting at once on a second signal, before the head confirmed the drain");
            return;
        }
        a->drain_signaled = 1;
        if (a->state == RC_AGENT_DRAINING || a->drain_requested) {
            /* The head asked first (the operator drains a node, then Kubernetes
             * deletes its pod): the same drain goes on, unregistering at its end. */
            rc_log_info(COMP, "a signal while draining as the head asked: the drain goes on");
            return;
        }
        a->drain_requested = 1;
        a->drain_at = now;
        if (a->state == RC_AGENT_RUNNING) {
            enter_draining(a);
        } else if (!a->registered_once) {
            snprintf(msg, sizeof(msg), "interrupted (%s) before registering with the head at %s",
                     a->drain_reason, a->cfg->head_text);
            finish(a, 1, msg);
        } else if (a->state == RC_AGENT_BACKOFF) {
            snprintf(msg, sizeof(msg),
                     "stopped (%s) while the head at %s was unreachable: not unregistered, the "
                     "head will mark this node dead after its health checks",
                     a->drain_reason, a->cfg->head_text);
            finish(a, 1, msg);
        }
        /* Otherwise a connection is being made: drain once registered (on_watch
         * gives up after 2 s). */
        return;

    case EV_UNREGISTERED: finish(a, 0, "drained and unregistered from the head"); return;

    case EV_DRAIN_TIMEOUT:
        snprintf(msg, sizeof(msg),
                 "the head at %s did not confirm NODE.UNREGISTER within %d s: exiting without "
                 "it (the head will mark this node dead after its health checks)",
                 a->cfg->head_text, DRAIN_MS / 1000);
        finish(a, 1, msg);
        return;

    case EV_LOST:
    case EV_REFUSED:
        conn_drop(a);
        uv_timer_stop(&a->report_timer);
        if (a->drain_requested) {
            snprintf(msg, sizeof(msg), "lost the head while draining: %s", a->why);
            finish(a, 1, msg);
            return;
        }
        if (!a->registered_once) {
            if (ev == EV_REFUSED) {
                finish(a, 1, a->why);
                return;
            }
            if (now - a->started_at >= a->cfg->start_timeout_ms) {
                snprintf(msg, sizeof(msg), "%s (gave up after %llu s of retries)", a->why,
                         (unsigned long long)(a->cfg->start_timeout_ms / 1000));
                finish(a, 1, msg);
                return;
            }
            rc_log_debug(COMP, "head not reachable yet: %s", a->why);
            enter_backoff(a);
            return;
        }
        if (!a->lost_since) {
            a->lost_since = now;
            a->last_lost_warn = now;
            rc_log_warn(COMP, "lost the head, reconnecting head=%s error=\"%s\" node_id=%s",
                        a->cfg->head_text, a->why, a->id_hex);
        } else if (now - a->last_lost_warn >= LOST_WARN_EVERY_MS) {
            a->last_lost_warn = now;
            rc_log_warn(COMP, "still cannot reach the head head=%s down_s=%llu error=\"%s\"",
                        a->cfg->head_text, (unsigned long long)((now - a->lost_since) / 1000),
                        a->why);
        } else {
            rc_log_debug(COMP, "reconnect failed: %s", a->why);
        }
        if (now - a->lost_since >= a->cfg->reconnect_timeout_ms) {
            snprintf(msg, sizeof(msg), "lost the head at %s for %llu s; exiting (last error: %s)",
                     a->cfg->head_text, (unsigned long long)((now - a->lost_since + 500) / 1000),
                     a->why);
            finish(a, 1, msg);
            return;
        }
        enter_backoff(a);
        return;
    }
}

/* ---- public API ---- */

rc_agent_t *rc_agent_new(uv_loop_t *loop, const rc_agent_config_t *cfg, int handle_signals)
{
    rc_agent_t *a = rc_calloc(1, sizeof(*a));
    a->loop = loop;
    a->cfg = cfg;
    a->id = rc_id_random();
    rc_id_to_hex(&a->id, a->id_hex);
    a->start_time_ms = rc_clock_wall_ms();
    a->started_at = rc_clock_mono_ms();
    a->state = RC_AGENT_CONNECTING;
    a->state_since = a->started_at;
    a->backoff_ms = BACKOFF_MIN_MS;
    a->report_every_ms = 1000;
    a->health_period_ms = 3000;
    a->reply_timeout_ms = REPLY_TIMEOUT_MIN;
    rc_res_init(&a->available);
    rc_res_copy(&a->available, &cfg->total);
    a->tasks = rc_tasks_new(loop, a, cfg, &a->id, &a->ac);
    a->handles_open++; /* closed by rc_tasks_close in finish() */
    uv_timer_t *timers[3] = {&a->report_timer, &a->retry_timer, &a->watch_timer};
    for (int i = 0; i < 3; i++) {
        uv_timer_init(loop, timers[i]);
        timers[i]->data = a;
        a->handles_open++;
    }
    a->handle_signals = handle_signals;
    if (handle_signals) {
        uv_signal_init(loop, &a->sigterm);
        uv_signal_init(loop, &a->sigint);
        a->sigterm.data = a->sigint.data = a;
        a->handles_open += 2;
    }
    return a;
}

void rc_agent_on_started(rc_agent_t *a, rc_agent_started_fn fn, void *arg)
{
    a->started_fn = fn;
    a->started_arg = arg;
}

void rc_agent_start(rc_agent_t *a)
{
    if (a->handle_signals) {
        uv_signal_start(&a->sigterm, on_signal, SIGTERM);
        uv_signal_start(&a->sigint, on_signal, SIGINT);
    }
    uv_timer_start(&a->watch_timer, on_watch, WATCH_MS, WATCH_MS);
    rc_log_info(COMP, "starting node_id=%s head=%s group=%s", a->id_hex, a->cfg->head_text,
                a->cfg->group);
    advance(a, EV_START);
}

void rc_agent_drain(rc_agent_t *a, const char *reason)
{
    if (a->closing) return;
    rc_log_info(COMP, "drain requested reason=%s state=%s", reason, rc_agent_state_name(a->state));
    if (!a->drain_requested) snprintf(a->drain_reason, sizeof(a->drain_reason), "%s", reason);
    advance(a, EV_DRAIN);
}

void rc_agent_set_available(rc_agent_t *a, const rc_res_t *avail)
{
    if (rc_res_eq(&a->available, avail)) return;
    rc_res_copy(&a->available, avail);
    a->report_dirty = 1;
    schedule_change(a);
}

rc_agent_state_t rc_agent_state(const rc_agent_t *a)
{
    return a->state;
}

rc_id_t rc_agent_node_id(const rc_agent_t *a)
{
    return a->id;
}

int rc_agent_exit_code(const rc_agent_t *a)
{
    return a->exit_code;
}

const char *rc_agent_exit_reason(const rc_agent_t *a)
{
    return a->exit_reason;
}

uint64_t rc_agent_reports_sent(const rc_agent_t *a)
{
    return a->seq;
}

void rc_agent_free(rc_agent_t *a)
{
    if (!a) return;
    /* Normally finish() already ran; this covers a loop stopped from outside. */
    if (!a->closing) finish(a, 1, "stopped");
    while (a->handles_open > 0) uv_run(a->loop, UV_RUN_NOWAIT);
    rc_tasks_free(a->tasks);
    rc_res_free(&a->available);
    rc_free(a);
}
