/* sim_nodes.c — simulated worker nodes; see sim_nodes.h.
 *
 * Each node is a small state machine (node_state_t) advanced by hiredis reply
 * callbacks and its own timer. hiredis 0.14 rules followed here: a context is
 * freed by hiredis after a failed connect callback and after the disconnect
 * callback; inside a reply callback only redisAsyncDisconnect is allowed;
 * pending callbacks get a NULL reply when a context goes away (NULL means
 * "no answer", and changes nothing). */
#include "sim_nodes.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <uv.h>

#include "alloc.h"
#include "clock.h"
#include "hiredis_uv.h"
#include "id.h"
#include "node.pb-c.h"
#include "node_version.h"
#include "rand.h"

#define RECONNECT_MS      1000
#define SHUTDOWN_GRACE_MS 5000
#define MAX_PRINTED_ERRS  5
#define HIST_STEP_US      20
#define HIST_BUCKETS      100000 /* 20 µs steps up to 2 s; slower goes in the last */
#define MAX_AMOUNTS       (4 + 64)

typedef enum {
    N_IDLE,       /* no connection: waiting for its first connect or a reconnect */
    N_CONNECTING, /* connected or connecting, AUTH/NODE.REGISTER sent */
    N_RUNNING,    /* registered: reports on its timer */
    N_LEAVING,    /* unregistering or disconnecting */
    N_GONE        /* finished */
} node_state_t;

typedef struct sim sim_t;

typedef struct {
    sim_t *sim;
    size_t index;
    rc_id_t id;
    char hex[RC_ID_HEX_LEN + 1];
    node_state_t state;
    redisAsyncContext *ac;
    uv_timer_t timer;
    int holds_slot; /* counts against connect_parallel */
    int inflight;   /* a NODE.REPORT is unanswered */
    int failed;     /* an error was already counted for this connection */
    uint64_t sent_ns;
    uint64_t seq;
    uint64_t due_ms; /* loop time of the next report */
} node_t;

struct sim {
    const rc_sim_opts_t *o;
    rc_sim_stats_t *st;
    uv_loop_t loop;
    uv_timer_t stop_timer, progress_timer, grace_timer;
    uv_signal_t sigint, sigterm;
    node_t *nodes;
    size_t next;    /* next node to connect for the first time */
    int connecting; /* slots in use */
    size_t open;    /* hiredis contexts alive */
    size_t running; /* nodes in N_RUNNING */
    size_t ever_registered;
    int stopping, closed;
    unsigned errs_printed;
    char ip[INET6_ADDRSTRLEN];
    char hostname[64];
    uint64_t start_ns;
    uint64_t last_progress_ns, last_progress_ok;
    uint32_t *hist;
    uint64_t lat_max_ns;
    /* Resources as protobuf, built once: names point into o->total. */
    Rayc__ResourceAmount amounts[MAX_AMOUNTS];
    Rayc__ResourceAmount *amount_ptrs[MAX_AMOUNTS];
    size_t namounts;
    char custom_names[MAX_AMOUNTS][RC_RES_NAME_MAX + 1];
};

static void stop(sim_t *s);
static void node_connect(node_t *n);
static void on_node_timer(uv_timer_t *t);

static double since_start_s(const sim_t *s)
{
    return (double)(uv_hrtime() - s->start_ns) / 1e9;
}

static void report_error(sim_t *s, const node_t *n, const char *what, const char *detail)
{
    s->st->errors++;
    if (s->errs_printed++ < MAX_PRINTED_ERRS)
        fprintf(stderr, "rayc-sim-nodes: node %zu: %s: %s\n", n->index, what, detail);
    else if (s->errs_printed == MAX_PRINTED_ERRS + 1)
        fprintf(stderr, "rayc-sim-nodes: (further errors are only counted)\n");
}

static void build_amounts(sim_t *s)
{
    const rc_res_t *t = &s->o->total;
    static const char *const pre[] = {"CPU", "GPU", "memory", "object_store_memory"};
    const int64_t vals[] = {t->cpu, t->gpu, t->memory, t->object_store_memory};
    for (size_t i = 0; i < 4; i++) {
        if (vals[i] == 0) continue;
        snprintf(s->custom_names[s->namounts], sizeof(s->custom_names[0]), "%s", pre[i]);
        s->amounts[s->namounts].amount = vals[i];
        s->namounts++;
    }
    for (size_t i = 0; i < t->ncustom && s->namounts < MAX_AMOUNTS; i++) {
        snprintf(s->custom_names[s->namounts], sizeof(s->custom_names[0]), "%s", t->custom[i].name);
        s->amounts[s->namounts].amount = t->custom[i].amount;
        s->namounts++;
    }
    for (size_t i = 0; i < s->namounts; i++) {
        int64_t amount = s->amounts[i].amount;
        rayc__resource_amount__init(&s->amounts[i]);
        s->amounts[i].name = s->custom_names[i];
        s->amounts[i].amount = amount;
        s->amount_ptrs[i] = &s->amounts[i];
    }
}

/* ---- sending ---- */

static void on_register(redisAsyncContext *ac, void *r, void *priv);
static void on_report(redisAsyncContext *ac, void *r, void *priv);
static void on_unregister(redisAsyncContext *ac, void *r, void *priv);

static void send_register(node_t *n)
{
    sim_t *s = n->sim;
    char hostname[128], idx[32];
    snprintf(hostname, sizeof(hostname), "%s-sim-%zu", s->hostname, n->index);
    snprintf(idx, sizeof(idx), "%zu", n->index);
    Rayc__Label l1 = RAYC__LABEL__INIT, l2 = RAYC__LABEL__INIT;
    l1.key = "rayc.io/simulated";
    l1.value = "true";
    l2.key = "rayc.io/sim-index";
    l2.value = idx;
    Rayc__Label *labels[] = {&l1, &l2};
    Rayc__Resources total = RAYC__RESOURCES__INIT;
    total.n_amounts = s->namounts;
    total.amounts = s->amount_ptrs;
    Rayc__NodeInfo m = RAYC__NODE_INFO__INIT;
    m.node_id.data = n->id.b;
    m.node_id.len = sizeof(n->id.b);
    m.node_ip = (char *)s->o->node_ip;
    m.hostname = hostname;
    m.group = (char *)s->o->group;
    m.n_labels = 2;
    m.labels = labels;
    m.total = &total;
    m.start_time_ms = rc_clock_wall_ms();
    m.protocol_version = RC_NODE_PROTOCOL_VERSION;
    m.version = RC_VERSION;
    m.pid = (int32_t)getpid();
    size_t len = rayc__node_info__get_packed_size(&m);
    uint8_t *buf = rc_malloc(len ? len : 1);
    rayc__node_info__pack(&m, buf);
    redisAsyncCommand(n->ac, on_register, n, "NODE.REGISTER %b", buf, len);
    rc_free(buf);
}

static void send_report(node_t *n)
{
    sim_t *s = n->sim;
    if (n->inflight) {
        s->st->late++;
        return;
    }
    Rayc__ResourceAmount avail[MAX_AMOUNTS];
    Rayc__ResourceAmount *ptrs[MAX_AMOUNTS];
    for (size_t i = 0; i < s->namounts; i++) {
        avail[i] = s->amounts[i];
        /* Whole units (CPU counts) or any fraction of bytes: what busy nodes look like. */
        if (s->o->vary) {
            int64_t total = s->amounts[i].amount;
            if (total >= RC_RES_SCALE && total % RC_RES_SCALE == 0)
                avail[i].amount =
                    (int64_t)rc_rand_below((uint64_t)(total / RC_RES_SCALE) + 1) * RC_RES_SCALE;
            else
                avail[i].amount = (int64_t)rc_rand_below((uint64_t)total + 1);
        }
        ptrs[i] = &avail[i];
    }
    Rayc__Resources res = RAYC__RESOURCES__INIT;
    res.n_amounts = s->namounts;
    res.amounts = ptrs;
    Rayc__ResourceReport m = RAYC__RESOURCE_REPORT__INIT;
    m.node_id.data = n->id.b;
    m.node_id.len = sizeof(n->id.b);
    m.available = &res;
    m.seq = ++n->seq;
    uint8_t stackbuf[2048];
    size_t len = rayc__resource_report__get_packed_size(&m);
    uint8_t *buf = len <= sizeof(stackbuf) ? stackbuf : rc_malloc(len);
    rayc__resource_report__pack(&m, buf);
    redisAsyncCommand(n->ac, on_report, n, "NODE.REPORT %b", buf, len);
    if (buf != stackbuf) rc_free(buf);
    n->inflight = 1;
    n->sent_ns = uv_hrtime();
    s->st->reports_sent++;
}

/* ---- state changes ---- */

static void release_slot(node_t *n);

static void pump(sim_t *s)
{
    while (!s->stopping && s->connecting < s->o->connect_parallel && s->next < s->o->nodes) {
        node_t *n = &s->nodes[s->next++];
        n->holds_slot = 1;
        s->connecting++;
        node_connect(n);
    }
}

static void release_slot(node_t *n)
{
    if (!n->holds_slot) return;
    n->holds_slot = 0;
    n->sim->connecting--;
    pump(n->sim);
}

static void close_cb_noop(uv_handle_t *h)
{
    (void)h;
}

static void close_all(sim_t *s)
{
    if (s->closed) return;
    s->closed = 1;
    for (size_t i = 0; i < s->o->nodes; i++) uv_close((uv_handle_t *)&s->nodes[i].timer, NULL);
    uv_close((uv_handle_t *)&s->stop_timer, close_cb_noop);
    uv_close((uv_handle_t *)&s->progress_timer, close_cb_noop);
    uv_close((uv_handle_t *)&s->grace_timer, close_cb_noop);
    uv_close((uv_handle_t *)&s->sigint, close_cb_noop);
    uv_close((uv_handle_t *)&s->sigterm, close_cb_noop);
}

/* Everything is over when no context is left and nothing can make one again. */
static void check_done(sim_t *s)
{
    if (s->open > 0) return;
    if (!s->stopping) {
        int any_alive = s->next < s->o->nodes;
        for (size_t i = 0; !any_alive && i < s->o->nodes; i++)
            any_alive = s->nodes[i].state != N_GONE;
        if (any_alive) return;
        fprintf(stderr, "rayc-sim-nodes: every node has left; stopping\n");
        stop(s);
        return;
    }
    close_all(s);
}

static void leave(node_t *n, const char *reason, int unregister)
{
    if (n->state == N_RUNNING) n->sim->running--;
    n->state = N_LEAVING;
    uv_timer_stop(&n->timer);
    if (!n->ac) {
        n->state = N_GONE;
        return;
    }
    if (unregister)
        redisAsyncCommand(n->ac, on_unregister, n, "NODE.UNREGISTER %s %s", n->hex, reason);
    else
        redisAsyncDisconnect(n->ac);
}

/* ---- hiredis callbacks ---- */

static void on_connect(const redisAsyncContext *ac, int status)
{
    node_t *n = ac->data;
    if (status == REDIS_OK) return;
    /* hiredis frees ac after this callback; pending callbacks get NULL. */
    sim_t *s = n->sim;
    n->ac = NULL;
    s->open--;
    report_error(s, n, "cannot connect", ac->errstr);
    release_slot(n);
    if (s->stopping) {
        n->state = N_GONE;
        check_done(s);
        return;
    }
    n->state = N_IDLE;
    uv_timer_start(&n->timer, on_node_timer, RECONNECT_MS, 0);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    node_t *n = ac->data;
    sim_t *s = n->sim;
    n->ac = NULL;
    s->open--;
    n->inflight = 0;
    release_slot(n);
    if (n->state == N_RUNNING) s->running--;
    if (s->stopping || n->state == N_LEAVING || n->state == N_GONE) {
        n->state = N_GONE;
        check_done(s);
        return;
    }
    /* Lost while registering or running: come back, as an agent would. */
    (void)status;
    s->st->disconnects++;
    if (s->errs_printed++ < MAX_PRINTED_ERRS)
        fprintf(stderr, "rayc-sim-nodes: node %zu: connection lost: %s\n", n->index,
                ac->errstr[0] ? ac->errstr : "closed by the head");
    n->state = N_IDLE;
    uv_timer_start(&n->timer, on_node_timer, RECONNECT_MS, 0);
}

static void on_auth(redisAsyncContext *ac, void *r, void *priv)
{
    node_t *n = priv;
    redisReply *reply = r;
    if (!reply || reply->type != REDIS_REPLY_ERROR) return;
    /* A head without a password refuses AUTH; the commands work anyway. */
    if (strstr(reply->str, "without any password configured")) return;
    report_error(n->sim, n, "AUTH refused (check --redis-password)", reply->str);
    n->failed = 1;
    n->state = N_LEAVING;
    release_slot(n);
    redisAsyncDisconnect(ac);
}

static void on_register(redisAsyncContext *ac, void *r, void *priv)
{
    node_t *n = priv;
    sim_t *s = n->sim;
    redisReply *reply = r;
    if (!reply || n->state == N_LEAVING || n->state == N_GONE) return;
    if (reply->type == REDIS_REPLY_ERROR || reply->type != REDIS_REPLY_ARRAY ||
        reply->elements < 1 || !reply->element[0]->str ||
        strcmp(reply->element[0]->str, "OK") != 0) {
        if (!n->failed)
            report_error(s, n, "NODE.REGISTER refused",
                         reply->type == REDIS_REPLY_ERROR ? reply->str
                                                          : "unexpected reply (not [OK, …])");
        n->failed = 1;
        if (n->state == N_RUNNING) s->running--;
        n->state = N_LEAVING;
        uv_timer_stop(&n->timer);
        release_slot(n);
        redisAsyncDisconnect(ac);
        return;
    }
    s->st->registered++;
    if (n->state == N_RUNNING) return; /* re-registered after -NOTFOUND */
    n->state = N_RUNNING;
    s->running++;
    release_slot(n);
    if (++s->ever_registered == s->o->nodes) {
        s->st->all_registered_s = since_start_s(s);
        fprintf(stderr, "rayc-sim-nodes: all %zu nodes registered in %.2f s\n", s->o->nodes,
                s->st->all_registered_s);
    }
    /* Spread the nodes over the interval so the head sees a steady stream. */
    n->due_ms = uv_now(&s->loop) + rc_rand_below((uint64_t)s->o->interval_ms) + 1;
    uv_timer_start(&n->timer, on_node_timer, n->due_ms - uv_now(&s->loop), 0);
}

static void on_report(redisAsyncContext *ac, void *r, void *priv)
{
    node_t *n = priv;
    sim_t *s = n->sim;
    redisReply *reply = r;
    if (!reply) return;
    n->inflight = 0;
    uint64_t lat = uv_hrtime() - n->sent_ns;
    size_t b = (size_t)(lat / 1000 / HIST_STEP_US);
    s->hist[b < HIST_BUCKETS ? b : HIST_BUCKETS - 1]++;
    if (lat > s->lat_max_ns) s->lat_max_ns = lat;
    if (reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "OK") == 0) {
        s->st->reports_ok++;
        return;
    }
    if (reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "DRAIN") == 0) {
        s->st->reports_ok++;
        if (n->state != N_RUNNING) return;
        s->st->drained++;
        leave(n, "drained", 1);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOTFOUND", 8) == 0) {
        /* The head forgot us (restart, or declared us dead): register again. */
        s->st->notfound++;
        if (n->state == N_RUNNING) send_register(n);
        return;
    }
    report_error(s, n, "NODE.REPORT failed",
                 reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
    (void)ac;
}

static void on_unregister(redisAsyncContext *ac, void *r, void *priv)
{
    node_t *n = priv;
    redisReply *reply = r;
    if (!reply) return;
    if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1) n->sim->st->unregistered++;
    redisAsyncDisconnect(ac);
}

/* ---- timers and signals ---- */

static void on_node_timer(uv_timer_t *t)
{
    node_t *n = t->data;
    if (n->sim->stopping) return;
    if (n->state == N_IDLE) {
        node_connect(n);
    } else if (n->state == N_RUNNING) {
        send_report(n);
        /* Each node keeps its own phase. A repeating uv timer would re-arm from
         * the time it fired, so after any loop delay all nodes would drift into
         * the same instant and report in bursts. */
        uint64_t now = uv_now(&n->sim->loop), every = (uint64_t)n->sim->o->interval_ms;
        n->due_ms += every;
        if (n->due_ms <= now) n->due_ms += ((now - n->due_ms) / every + 1) * every;
        uv_timer_start(&n->timer, on_node_timer, n->due_ms - now, 0);
    }
}

static void node_connect(node_t *n)
{
    sim_t *s = n->sim;
    n->failed = 0;
    n->inflight = 0;
    redisAsyncContext *ac = redisAsyncConnect(s->ip, s->o->port);
    if (!ac || ac->err || rc_hiredis_uv_attach(ac, &s->loop) != REDIS_OK) {
        report_error(s, n, "cannot connect", ac ? ac->errstr : "out of memory");
        if (ac) redisAsyncFree(ac);
        n->state = N_IDLE;
        release_slot(n);
        uv_timer_start(&n->timer, on_node_timer, RECONNECT_MS, 0);
        return;
    }
    ac->data = n;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    n->ac = ac;
    s->open++;
    n->state = N_CONNECTING;
    if (s->o->password && *s->o->password)
        redisAsyncCommand(ac, on_auth, n, "AUTH %s", s->o->password);
    send_register(n);
}

static double percentile(const sim_t *s, double p)
{
    uint64_t total = 0, acc = 0;
    for (size_t i = 0; i < HIST_BUCKETS; i++) total += s->hist[i];
    if (total == 0) return 0;
    uint64_t want = (uint64_t)(p * (double)total);
    if (want == 0) want = 1;
    size_t i;
    for (i = 0; i + 1 < HIST_BUCKETS; i++) {
        acc += s->hist[i];
        if (acc >= want) break;
    }
    /* The bucket's upper edge, but never above the slowest one seen. */
    double ms = (double)((i + 1) * HIST_STEP_US) / 1000.0, max = (double)s->lat_max_ns / 1e6;
    return ms < max ? ms : max;
}

static void on_progress(uv_timer_t *t)
{
    sim_t *s = t->data;
    uint64_t now = uv_hrtime();
    double dt = (double)(now - s->last_progress_ns) / 1e9;
    uint64_t ok = s->st->reports_ok;
    fprintf(stderr,
            "rayc-sim-nodes: t=%.0fs running=%zu/%zu reports/s=%.0f late=%llu errors=%llu "
            "p99(so far)=%.2fms\n",
            since_start_s(s), s->running, s->o->nodes,
            dt > 0 ? (double)(ok - s->last_progress_ok) / dt : 0.0, (unsigned long long)s->st->late,
            (unsigned long long)s->st->errors, percentile(s, 0.99));
    s->last_progress_ns = now;
    s->last_progress_ok = ok;
}

static void on_grace(uv_timer_t *t)
{
    sim_t *s = t->data;
    /* The head did not answer in time: drop what is left (each free runs the
     * disconnect callback, which counts the context as closed). */
    fprintf(stderr, "rayc-sim-nodes: %zu connections still open after %d ms; closing them\n",
            s->open, SHUTDOWN_GRACE_MS);
    for (size_t i = 0; i < s->o->nodes; i++) {
        node_t *n = &s->nodes[i];
        if (!n->ac) continue;
        redisAsyncContext *ac = n->ac;
        n->state = N_GONE;
        redisAsyncFree(ac);
        if (n->ac == ac) { /* never connected: no disconnect callback ran */
            n->ac = NULL;
            s->open--;
        }
    }
    check_done(s);
}

static void stop(sim_t *s)
{
    if (s->stopping) return;
    s->stopping = 1;
    s->st->run_s = since_start_s(s);
    uv_timer_stop(&s->stop_timer);
    uv_timer_stop(&s->progress_timer);
    for (size_t i = 0; i < s->o->nodes; i++) {
        node_t *n = &s->nodes[i];
        uv_timer_stop(&n->timer);
        switch (n->state) {
        case N_IDLE: n->state = N_GONE; break;
        case N_CONNECTING:
            n->state = N_LEAVING;
            redisAsyncDisconnect(n->ac);
            break;
        case N_RUNNING: leave(n, "simulation ended", s->o->unregister); break;
        case N_LEAVING:
        case N_GONE: break;
        }
    }
    uv_timer_start(&s->grace_timer, on_grace, SHUTDOWN_GRACE_MS, 0);
    check_done(s);
}

static void on_stop_timer(uv_timer_t *t)
{
    stop(t->data);
}

static void on_signal(uv_signal_t *h, int signum)
{
    sim_t *s = h->data;
    if (s->stopping) {
        fprintf(stderr, "rayc-sim-nodes: second signal: exiting without waiting\n");
        _exit(1);
    }
    fprintf(stderr, "rayc-sim-nodes: %s: stopping\n", signum == SIGINT ? "SIGINT" : "SIGTERM");
    stop(s);
}

static int resolve(const char *host, char *out, size_t cap)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "rayc-sim-nodes: cannot resolve %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    const void *a = res->ai_family == AF_INET6
                        ? (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr
                        : (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
    inet_ntop(res->ai_family, a, out, (socklen_t)cap);
    freeaddrinfo(res);
    return 0;
}

int rc_sim_run(const rc_sim_opts_t *o, rc_sim_stats_t *st)
{
    memset(st, 0, sizeof(*st));
    sim_t *s = rc_calloc(1, sizeof(*s));
    s->o = o;
    s->st = st;
    if (resolve(o->host, s->ip, sizeof(s->ip)) != 0) {
        rc_free(s);
        return -1;
    }
    if (gethostname(s->hostname, sizeof(s->hostname) - 1) != 0)
        snprintf(s->hostname, sizeof(s->hostname), "localhost");
    build_amounts(s);
    s->hist = rc_calloc(HIST_BUCKETS, sizeof(*s->hist));
    s->nodes = rc_calloc(o->nodes, sizeof(*s->nodes));
    uv_loop_init(&s->loop);
    for (size_t i = 0; i < o->nodes; i++) {
        node_t *n = &s->nodes[i];
        n->sim = s;
        n->index = i;
        n->id = rc_id_random();
        rc_id_to_hex(&n->id, n->hex);
        uv_timer_init(&s->loop, &n->timer);
        n->timer.data = n;
    }
    uv_timer_init(&s->loop, &s->stop_timer);
    uv_timer_init(&s->loop, &s->progress_timer);
    uv_timer_init(&s->loop, &s->grace_timer);
    s->stop_timer.data = s->progress_timer.data = s->grace_timer.data = s;
    uv_signal_init(&s->loop, &s->sigint);
    uv_signal_init(&s->loop, &s->sigterm);
    s->sigint.data = s->sigterm.data = s;
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);

    s->start_ns = s->last_progress_ns = uv_hrtime();
    if (o->duration_s > 0)
        uv_timer_start(&s->stop_timer, on_stop_timer, (uint64_t)(o->duration_s * 1000), 0);
    if (o->progress_s > 0) {
        uint64_t every = (uint64_t)(o->progress_s * 1000);
        uv_timer_start(&s->progress_timer, on_progress, every, every);
    }
    pump(s);
    uv_run(&s->loop, UV_RUN_DEFAULT);

    st->lat_p50_ms = percentile(s, 0.50);
    st->lat_p99_ms = percentile(s, 0.99);
    st->lat_max_ms = (double)s->lat_max_ns / 1e6;
    uv_loop_close(&s->loop);
    rc_free(s->nodes);
    rc_free(s->hist);
    rc_free(s);
    return 0;
}
