/* tasks.c — the pull loop, the executor pool and TASK.DONE batches (see
 * tasks.h). The hiredis rules of agent.c apply to the pull connection too. */
#include "tasks.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "agent.h"
#include "alloc.h"
#include "clock.h"
#include "envv.h"
#include "exec.h"
#include "hiredis_uv.h"
#include "log.h"
#include "pool.h"
#include "proc.h"
#include "res.h"

#define COMP              "tasks"
#define PULL_TIMEOUT_MS   1000
#define PULL_STUCK_MS     (PULL_TIMEOUT_MS + 10000) /* an unanswered poll: connection dead */
#define BATCH_MAX         256
#define BATCH_EVERY_MS    0
#define RETRY_MIN_MS      100
#define RETRY_MAX_MS      2000
#define DRAIN_DEFAULT_S   30
#define PREFETCH_PER_SLOT 32 /* default of RAYC_TASK_PREFETCH_PER_CPU, as on the head */

typedef enum { P_NONE, P_CONNECTING, P_AUTHING, P_IDLE, P_PULLING, P_WAIT } pull_state_t;

typedef struct held {
    struct held *next;
    uint8_t id[16];
    size_t idlen;
    rc_res_t res;
} held_t;

struct rc_tasks {
    uv_loop_t *loop;
    rc_agent_t *agent;
    const rc_agent_config_t *cfg;
    rc_id_t node_id;
    char node_hex[RC_ID_HEX_LEN + 1];
    redisAsyncContext **main_ac;

    rc_exec_pool_t *pool;
    char **env;
    int log_fd;
    char *exe;

    int running; /* registered and RUNNING */
    char head_ip[64];
    redisAsyncContext *pac;
    pull_state_t pstate;
    uint64_t pull_sent_at, retry_ms;
    uv_timer_t retry_timer, flush_timer, drain_timer;

    held_t *held;
    rc_exec_result_t **pending; /* not yet sent */
    size_t npending, cappending;
    rc_exec_result_t **inflight; /* sent, not yet answered */
    size_t ninflight;
    redisAsyncContext *inflight_ac;
    uint64_t last_flush;

    int draining;
    void (*drained)(void *);
    void *drained_arg;
    int closing, handles;
    void (*closed)(void *);
    void *closed_arg;
    int pool_closed;
    size_t prefetch_per_slot;
};

static void maybe_pull(rc_tasks_t *t);
static void schedule_flush(rc_tasks_t *t);
static void check_drained(rc_tasks_t *t);

/* ---- resources held by running tasks ---- */

static void update_available(rc_tasks_t *t)
{
    rc_res_t avail, used = RC_RES_INIT;
    rc_res_init(&avail);
    rc_res_copy(&avail, &t->cfg->total);
    for (held_t *h = t->held; h; h = h->next) rc_res_add(&used, &h->res);
    if (rc_res_sub(&avail, &used) != RC_OK) {
        /* The head placed more than we have (it is authoritative): report
         * what is certainly free, nothing of the over-committed kinds. */
        rc_res_t zero = RC_RES_INIT;
        if (!rc_res_fits(&used, &avail)) rc_res_copy(&avail, &zero);
    }
    rc_agent_set_available(t->agent, &avail);
    rc_res_free(&avail);
    rc_res_free(&used);
}

static void hold(rc_tasks_t *t, const Rayc__TaskSpec *spec)
{
    held_t *h = rc_calloc(1, sizeof(*h));
    h->idlen = spec->task_id.len > 16 ? 16 : spec->task_id.len;
    if (h->idlen) memcpy(h->id, spec->task_id.data, h->idlen);
    rc_res_init(&h->res);
    if (spec->resources && spec->resources->n_amounts) {
        for (size_t i = 0; i < spec->resources->n_amounts; i++) {
            const Rayc__ResourceAmount *a = spec->resources->amounts[i];
            if (a->name && a->amount > 0) rc_res_set(&h->res, a->name, a->amount);
        }
    } else {
        h->res.cpu = RC_RES_UNITS(1);
    }
    h->next = t->held;
    t->held = h;
}

static void release(rc_tasks_t *t, const uint8_t *id, size_t len)
{
    for (held_t **pp = &t->held; *pp; pp = &(*pp)->next) {
        held_t *h = *pp;
        if (rc_exec_id_eq(h->id, h->idlen, id, len > 16 ? 16 : len)) {
            *pp = h->next;
            rc_res_free(&h->res);
            rc_free(h);
            return;
        }
    }
}

/* ---- results ---- */

static void on_result(void *arg, rc_exec_result_t *res)
{
    rc_tasks_t *t = arg;
    release(t, res->task_id, res->task_id_len);
    if (!t->closing) update_available(t);
    if (t->npending == t->cappending) {
        t->cappending = t->cappending ? 2 * t->cappending : 64;
        t->pending = rc_realloc(t->pending, t->cappending * sizeof(*t->pending));
    }
    t->pending[t->npending++] = res;
    schedule_flush(t);
    maybe_pull(t);
}

static void requeue_inflight(rc_tasks_t *t)
{
    /* Lost with the connection: send again (before anything newer). */
    size_t n = t->ninflight;
    if (!n) return;
    t->pending = rc_realloc(t->pending, (t->npending + n) * sizeof(*t->pending));
    t->cappending = t->npending + n;
    memmove(t->pending + n, t->pending, t->npending * sizeof(*t->pending));
    memcpy(t->pending, t->inflight, n * sizeof(*t->pending));
    t->npending += n;
    rc_free(t->inflight);
    t->inflight = NULL;
    t->ninflight = 0;
    t->inflight_ac = NULL;
}

static void free_inflight(rc_tasks_t *t)
{
    for (size_t i = 0; i < t->ninflight; i++) rc_exec_result_free(t->inflight[i]);
    rc_free(t->inflight);
    t->inflight = NULL;
    t->ninflight = 0;
    t->inflight_ac = NULL;
}

static void flush(rc_tasks_t *t);

static void on_done_reply(redisAsyncContext *ac, void *r, void *priv)
{
    rc_tasks_t *t = priv;
    redisReply *reply = r;
    if (!t || t->inflight_ac != ac) return;
    if (!reply) {
        requeue_inflight(t);
        return;
    }
    if (reply->type != REDIS_REPLY_INTEGER)
        rc_log_error(COMP, "the head refused %zu task results: %s", t->ninflight,
                     reply->type == REDIS_REPLY_ERROR && reply->str ? reply->str : "bad reply");
    free_inflight(t);
    if (t->npending) flush(t);
    check_drained(t);
}

static void flush(rc_tasks_t *t)
{
    redisAsyncContext *ac = *t->main_ac;
    if (t->ninflight || !t->npending || !ac || t->closing) return;
    rc_agent_state_t st = rc_agent_state(t->agent);
    if (st != RC_AGENT_RUNNING && st != RC_AGENT_DRAINING) return;
    size_t n = t->npending > BATCH_MAX ? BATCH_MAX : t->npending;
    Rayc__TaskResult *items = rc_calloc(n, sizeof(*items));
    Rayc__TaskResult **ptrs = rc_calloc(n, sizeof(*ptrs));
    for (size_t i = 0; i < n; i++) {
        rc_exec_result_to_pb(t->pending[i], &items[i]);
        items[i].node_id.data = t->node_id.b;
        items[i].node_id.len = sizeof(t->node_id.b);
        ptrs[i] = &items[i];
    }
    Rayc__TaskResultBatch batch;
    rayc__task_result_batch__init(&batch);
    batch.n_results = n;
    batch.results = ptrs;
    size_t len = rayc__task_result_batch__get_packed_size(&batch);
    uint8_t *buf = rc_malloc(len ? len : 1);
    rayc__task_result_batch__pack(&batch, buf);
    rc_free(items);
    rc_free(ptrs);
    const char *argv[2] = {"TASK.DONE", (const char *)buf};
    size_t lens[2] = {9, len};
    if (redisAsyncCommandArgv(ac, on_done_reply, t, 2, argv, lens) == REDIS_OK) {
        t->inflight = rc_malloc(n * sizeof(*t->inflight));
        memcpy(t->inflight, t->pending, n * sizeof(*t->pending));
        t->ninflight = n;
        t->inflight_ac = ac;
        memmove(t->pending, t->pending + n, (t->npending - n) * sizeof(*t->pending));
        t->npending -= n;
        t->last_flush = rc_clock_mono_ms();
    }
    rc_free(buf);
}

static void on_flush_timer(uv_timer_t *h)
{
    flush(h->data);
}

static void schedule_flush(rc_tasks_t *t)
{
    if (t->closing) return;
    if (t->npending >= BATCH_MAX) {
        flush(t);
        return;
    }
    if (uv_is_active((uv_handle_t *)&t->flush_timer)) return;
    /* 0 ms: after this loop turn, so one turn's results share a batch. */
    uint64_t now = rc_clock_mono_ms(), next = t->last_flush + BATCH_EVERY_MS;
    uv_timer_start(&t->flush_timer, on_flush_timer, next > now ? next - now : 0, 0);
}

/* ---- the pull connection ---- */

static void pull_drop(rc_tasks_t *t)
{
    redisAsyncContext *ac = t->pac;
    t->pac = NULL;
    t->pstate = P_NONE;
    if (ac) redisAsyncFree(ac);
}

static void on_retry(uv_timer_t *h)
{
    rc_tasks_t *t = h->data;
    if (t->pstate == P_WAIT) t->pstate = t->pac ? P_IDLE : P_NONE;
    maybe_pull(t);
}

/* Waits before the next attempt (pstate P_WAIT keeps maybe_pull quiet). */
static void backoff(rc_tasks_t *t, int drop)
{
    if (drop) pull_drop(t);
    t->pstate = P_WAIT;
    t->retry_ms = t->retry_ms ? t->retry_ms * 2 : RETRY_MIN_MS;
    if (t->retry_ms > RETRY_MAX_MS) t->retry_ms = RETRY_MAX_MS;
    if (!t->closing) uv_timer_start(&t->retry_timer, on_retry, t->retry_ms, 0);
}

static void on_pull_reply(redisAsyncContext *ac, void *r, void *priv)
{
    rc_tasks_t *t = ac->data;
    redisReply *reply = r;
    (void)priv;
    if (!reply || !t || t->pac != ac || t->pstate != P_PULLING) return;
    t->pstate = P_IDLE;
    if (reply->type == REDIS_REPLY_ERROR) {
        if (reply->str && strncmp(reply->str, "NOTFOUND", 8) == 0)
            rc_log_debug(COMP, "TASK.PULL: node not known yet (%s); retrying", reply->str);
        else
            rc_log_warn(COMP, "TASK.PULL refused: %s", reply->str ? reply->str : "?");
        backoff(t, 0);
        return;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        rc_log_warn(COMP, "unexpected reply type %d to TASK.PULL; reconnecting", reply->type);
        backoff(t, 1);
        return;
    }
    Rayc__PullReply *pr = rayc__pull_reply__unpack(NULL, reply->len, (const uint8_t *)reply->str);
    if (!pr) {
        rc_log_warn(COMP, "undecodable PullReply of %zu bytes; reconnecting", (size_t)reply->len);
        backoff(t, 1);
        return;
    }
    t->retry_ms = 0;
    for (size_t i = 0; i < pr->n_tasks; i++) {
        hold(t, pr->tasks[i]);
        rc_exec_pool_submit(t->pool, pr->tasks[i], NULL, 0);
    }
    if (pr->n_tasks) update_available(t);
    for (size_t i = 0; i < pr->n_cancel_task_ids; i++) {
        int force = i < pr->n_cancel_force && pr->cancel_force[i];
        rc_exec_pool_cancel(t->pool, pr->cancel_task_ids[i].data, pr->cancel_task_ids[i].len,
                            force);
    }
    rayc__pull_reply__free_unpacked(pr, NULL);
    maybe_pull(t);
}

static void on_auth_reply(redisAsyncContext *ac, void *r, void *priv)
{
    rc_tasks_t *t = ac->data;
    redisReply *reply = r;
    (void)priv;
    if (!reply || !t || t->pac != ac || t->pstate != P_AUTHING) return;
    if (reply->type == REDIS_REPLY_ERROR &&
        !(reply->str && strstr(reply->str, "without any password configured"))) {
        rc_log_warn(COMP, "AUTH on the pull connection refused: %s", reply->str);
        backoff(t, 1);
        return;
    }
    t->pstate = P_IDLE;
    maybe_pull(t);
}

static void on_connect(const redisAsyncContext *cac, int status)
{
    rc_tasks_t *t = cac->data;
    if (!t || t->pac != cac) return;
    if (status != REDIS_OK) {
        t->pac = NULL; /* hiredis frees it */
        rc_log_debug(COMP, "pull connection failed: %s", cac->errstr);
        backoff(t, 0);
        return;
    }
    if (t->cfg->password) {
        const char *argv[2] = {"AUTH", t->cfg->password};
        size_t lens[2] = {4, strlen(t->cfg->password)};
        t->pstate = P_AUTHING;
        redisAsyncCommandArgv(t->pac, on_auth_reply, NULL, 2, argv, lens);
        return;
    }
    t->pstate = P_IDLE;
    maybe_pull(t);
}

static void on_disconnect(const redisAsyncContext *cac, int status)
{
    rc_tasks_t *t = cac->data;
    (void)status;
    if (!t || t->pac != cac) return;
    t->pac = NULL;
    rc_log_debug(COMP, "pull connection lost: %s", cac->errstr[0] ? cac->errstr : "closed");
    backoff(t, 0);
}

static void pull_connect(rc_tasks_t *t)
{
    redisAsyncContext *ac = redisAsyncConnect(t->head_ip, t->cfg->head.port);
    if (!ac || ac->err) {
        if (ac) redisAsyncFree(ac);
        backoff(t, 0);
        return;
    }
    ac->data = t;
    if (rc_hiredis_uv_attach(ac, t->loop) != REDIS_OK) {
        redisAsyncFree(ac);
        backoff(t, 0);
        return;
    }
    t->pac = ac;
    t->pstate = P_CONNECTING;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
}

static void maybe_pull(rc_tasks_t *t)
{
    if (t->closing || !t->running || t->draining || !t->head_ip[0]) return;
    if (t->pstate == P_NONE) {
        pull_connect(t);
        return;
    }
    if (t->pstate == P_PULLING && rc_clock_mono_ms() - t->pull_sent_at > PULL_STUCK_MS) {
        rc_log_warn(COMP, "TASK.PULL unanswered for %d s: reconnecting the pull connection",
                    PULL_STUCK_MS / 1000);
        backoff(t, 1);
        return;
    }
    /* Free executors plus a window of tasks queued in the pool's FIFO, matching the
     * head's prefetch window (docs/protocol.md): the next task is at hand when an
     * executor finishes, instead of one pull/done round trip away. */
    size_t cap = rc_exec_pool_slots(t->pool), window = cap * t->prefetch_per_slot;
    if (window < 4 && t->prefetch_per_slot) window = 4;
    size_t have = rc_exec_pool_running(t->pool);
    size_t slots = have < cap + window ? cap + window - have : 0;
    if (t->pstate != P_IDLE || slots == 0) return;
    char s_slots[24], s_timeout[24];
    snprintf(s_slots, sizeof(s_slots), "%zu", slots);
    snprintf(s_timeout, sizeof(s_timeout), "%d", PULL_TIMEOUT_MS);
    const char *argv[4] = {"TASK.PULL", t->node_hex, s_slots, s_timeout};
    size_t lens[4] = {9, RC_ID_HEX_LEN, strlen(s_slots), strlen(s_timeout)};
    if (redisAsyncCommandArgv(t->pac, on_pull_reply, NULL, 4, argv, lens) == REDIS_OK) {
        t->pstate = P_PULLING;
        t->pull_sent_at = rc_clock_mono_ms();
    }
}

/* ---- drain and close ---- */

static void check_drained(rc_tasks_t *t)
{
    if (!t->draining || !t->drained || t->closing) return;
    if (rc_exec_pool_running(t->pool) || t->npending || t->ninflight) return;
    uv_timer_stop(&t->drain_timer);
    void (*fn)(void *) = t->drained;
    t->drained = NULL;
    fn(t->drained_arg);
}

static void on_drain_timer(uv_timer_t *h)
{
    rc_tasks_t *t = h->data;
    rc_log_warn(COMP, "drain: %zu tasks still running after the drain timeout; killing them",
                rc_exec_pool_running(t->pool));
    rc_exec_pool_kill_all(t->pool, "the node was drained and the task did not finish within the "
                                   "drain timeout (RAYC_DRAIN_TIMEOUT_S); it will be retried");
}

static uint64_t drain_timeout_ms(void)
{
    const char *s = getenv("RAYC_DRAIN_TIMEOUT_S");
    if (!s || !*s) return DRAIN_DEFAULT_S * 1000u;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || v < 0 || v > 86400) {
        rc_log_warn(COMP,
                    "RAYC_DRAIN_TIMEOUT_S=%s is not a number of seconds in [0, 86400]; "
                    "using %d",
                    s, DRAIN_DEFAULT_S);
        return DRAIN_DEFAULT_S * 1000u;
    }
    return (uint64_t)(v * 1000);
}

void rc_tasks_drain(rc_tasks_t *t, void (*drained)(void *), void *arg)
{
    t->draining = 1;
    t->drained = drained;
    t->drained_arg = arg;
    uv_timer_stop(&t->retry_timer);
    pull_drop(t);
    size_t n = rc_exec_pool_running(t->pool);
    if (n) {
        uint64_t ms = drain_timeout_ms();
        rc_log_info(COMP, "drain: waiting up to %llu ms for %zu running tasks",
                    (unsigned long long)ms, n);
        uv_timer_start(&t->drain_timer, on_drain_timer, ms, 0);
    }
    flush(t);
    check_drained(t);
}

static void on_closed(void *arg)
{
    rc_tasks_t *t = arg;
    if (--t->handles > 0) return;
    if (t->closed) t->closed(t->closed_arg);
}

static void on_handle_closed(uv_handle_t *h)
{
    on_closed(h->data);
}

void rc_tasks_close(rc_tasks_t *t, void (*closed)(void *), void *arg)
{
    if (t->closing) return;
    t->closing = 1;
    t->closed = closed;
    t->closed_arg = arg;
    pull_drop(t);
    t->handles = 4;
    uv_close((uv_handle_t *)&t->retry_timer, on_handle_closed);
    uv_close((uv_handle_t *)&t->flush_timer, on_handle_closed);
    uv_close((uv_handle_t *)&t->drain_timer, on_handle_closed);
    rc_exec_pool_close(t->pool, on_closed, t);
}

/* ---- setup ---- */

static char *executor_path(void)
{
    const char *env = getenv("RAYC_EXECUTOR");
    if (env && *env) return rc_strdup(env);
    char out[PATH_MAX + 32];
    rc_proc_sibling("rayc-executor", out, sizeof(out));
    return rc_strdup(out);
}

rc_tasks_t *rc_tasks_new(uv_loop_t *loop, struct rc_agent *agent, const rc_agent_config_t *cfg,
                         const rc_id_t *node_id, redisAsyncContext **main_ac)
{
    rc_tasks_t *t = rc_calloc(1, sizeof(*t));
    t->loop = loop;
    t->agent = agent;
    t->cfg = cfg;
    t->node_id = *node_id;
    rc_id_to_hex(node_id, t->node_hex);
    t->main_ac = main_ac;
    int64_t pf = PREFETCH_PER_SLOT;
    rc_env_i64("RAYC_TASK_PREFETCH_PER_CPU", 0, 64, &pf, COMP);
    t->prefetch_per_slot = (size_t)pf;
    uv_timer_t *timers[3] = {&t->retry_timer, &t->flush_timer, &t->drain_timer};
    for (int i = 0; i < 3; i++) {
        uv_timer_init(loop, timers[i]);
        timers[i]->data = t;
    }

    char path[4200];
    snprintf(path, sizeof(path), "%s/logs/worker-%.8s-tasks.log", cfg->temp_dir, t->node_hex);
    t->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (t->log_fd < 0)
        rc_log_warn(COMP, "cannot open the task log %s: %s; task output is discarded", path,
                    strerror(errno));

    char addr[320], node[64], pw[1100];
    const char *extra[3];
    size_t nextra = 0;
    snprintf(addr, sizeof(addr), "RAY_ADDRESS=%s", cfg->head_text);
    extra[nextra++] = addr;
    snprintf(node, sizeof(node), "RAY_NODE_ID=%s", t->node_hex);
    extra[nextra++] = node;
    if (cfg->password && strlen(cfg->password) < 1000) {
        snprintf(pw, sizeof(pw), "RAYC_REDIS_PASSWORD=%s", cfg->password);
        extra[nextra++] = pw;
    }
    t->env = rc_envv_new(extra, nextra);
    t->exe = executor_path();

    int64_t slots = cfg->num_executors;
    if (slots <= 0) slots = cfg->total.cpu / RC_RES_SCALE;
    if (slots < 1) slots = 1;
    rc_exec_pool_config_t pc;
    memset(&pc, 0, sizeof(pc));
    pc.executor_path = t->exe;
    pc.slots = (size_t)slots;
    pc.env.cwd = NULL;
    pc.env.env = t->env;
    pc.env.log_fd = t->log_fd;
    t->pool = rc_exec_pool_new(loop, &pc, on_result, t);
    rc_log_info(COMP, "task slots=%lld executor=%s task_log=%s", (long long)slots, t->exe, path);
    return t;
}

void rc_tasks_set_running(rc_tasks_t *t, int running, const char *head_ip)
{
    if (head_ip && *head_ip) snprintf(t->head_ip, sizeof(t->head_ip), "%s", head_ip);
    t->running = running;
    if (!running) {
        uv_timer_stop(&t->retry_timer);
        t->retry_ms = 0;
        pull_drop(t);
        return;
    }
    flush(t);
    maybe_pull(t);
}

void rc_tasks_kick(rc_tasks_t *t)
{
    if (t->inflight_ac && t->inflight_ac != *t->main_ac) requeue_inflight(t);
    flush(t);
    maybe_pull(t); /* also the watchdog of a stuck poll */
}

size_t rc_tasks_running(const rc_tasks_t *t)
{
    return rc_exec_pool_running(t->pool);
}

const rc_exec_pool_t *rc_tasks_pool(const rc_tasks_t *t)
{
    return t->pool;
}

void rc_tasks_free(rc_tasks_t *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->npending; i++) rc_exec_result_free(t->pending[i]);
    rc_free(t->pending);
    free_inflight(t);
    while (t->held) {
        held_t *h = t->held;
        t->held = h->next;
        rc_res_free(&h->res);
        rc_free(h);
    }
    rc_exec_pool_free(t->pool);
    rc_envv_free(t->env);
    rc_free(t->exe);
    if (t->log_fd >= 0) close(t->log_fd);
    rc_free(t);
}
