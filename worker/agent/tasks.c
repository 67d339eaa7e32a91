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
#include "objects.h"
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
    rc_id_t *pins; /* store objects pinned for it (its arguments) */
    size_t npins;
} held_t;

/* A pulled task whose arguments are being fetched into the object store. */
typedef struct staged {
    struct staged *next;
    uint8_t *spec; /* packed TaskSpec */
    size_t speclen;
    ProtobufCBinaryData task_id; /* into spec's copy below */
    uint8_t id[16];
    uint32_t attempt;
    unsigned waiting; /* fetches not answered yet */
    int status;       /* first failure (TaskStatus), 0: none */
    char *error;
    int cancelled;
    struct rc_tasks *t;
} staged_t;

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
    staged_t *staged;
    rc_objects_t *objs;         /* NULL when the object port could not be set up */
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
    if (t->objs) {
        /* The store's bytes in memory are object_store_memory in use, as Ray
         * reports it: `rayc status` shows them and a node holding objects is
         * not idle (removing it would lose them). */
        rc_objstore_stats_t st;
        rc_objects_stats(t->objs, &st);
        int64_t inmem = st.used > (uint64_t)(RC_RES_MAX / RC_RES_SCALE)
                            ? RC_RES_MAX
                            : (int64_t)st.used * RC_RES_SCALE;
        used.object_store_memory += inmem;
    }
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
            for (size_t i = 0; i < h->npins; i++) rc_objects_unpin(t->objs, &h->pins[i]);
            rc_free(h->pins);
            rc_res_free(&h->res);
            rc_free(h);
            return;
        }
    }
}

/* ---- results ---- */

/* A result over 100 KiB came as a memfd: into the store, so that the head
 * records this node as its holder; a result that cannot be kept fails. */
static void keep_result(rc_tasks_t *t, rc_exec_result_t *res)
{
    char err[300];
    rc_id_t id;
    rc_err_t rc = RC_EINVAL;
    if (res->task_id_len == 16 && t->objs) {
        memcpy(id.b, res->task_id, 16);
        rc = rc_objects_adopt(t->objs, &id, res->fd, res->object_size, err, sizeof(err));
    } else {
        snprintf(err, sizeof(err), "this node has no object store (its object port failed)");
    }
    if (rc == RC_OK || rc == RC_EEXISTS) {
        /* EEXISTS: an earlier attempt's copy is still here; it stands for this one. */
        if (rc == RC_EEXISTS) close(res->fd);
        res->fd = -1;
        return;
    }
    close(res->fd);
    res->fd = -1;
    uint64_t size = res->object_size;
    res->object_size = 0;
    res->status = rc == RC_ETOOBIG ? RAYC__TASK_STATUS__STATUS_OBJECT_TOO_LARGE
                                   : RAYC__TASK_STATUS__STATUS_APP_ERROR;
    rc_exec_result_error(res, "the result of %llu bytes cannot be kept in the object store: %s",
                         (unsigned long long)size, err);
}

static void on_result(void *arg, rc_exec_result_t *res)
{
    rc_tasks_t *t = arg;
    if (res->fd >= 0) keep_result(t, res);
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

/* ---- arguments in the object store ---- */

static held_t *held_of(rc_tasks_t *t, const uint8_t *id, size_t len)
{
    for (held_t *h = t->held; h; h = h->next)
        if (rc_exec_id_eq(h->id, h->idlen, id, len > 16 ? 16 : len)) return h;
    return NULL;
}

static int store_arg(const Rayc__TaskArg *a)
{
    return a->value_case == RAYC__TASK_ARG__VALUE_REF && a->ref.len == 16 && a->size > 0;
}

/* Ends a task that never reached an executor (its result goes to the head). */
static void fail_task(rc_tasks_t *t, const ProtobufCBinaryData *task_id, uint32_t attempt,
                      int status, const char *msg)
{
    rc_exec_result_t *res = rc_exec_result_new(task_id, attempt, status);
    if (status != RAYC__TASK_STATUS__STATUS_CANCELLED || msg) rc_exec_result_error(res, "%s", msg);
    on_result(t, res);
}

static int fetch_status(rc_err_t rc)
{
    return rc == RC_ENOTFOUND ? RAYC__TASK_STATUS__STATUS_OBJECT_LOST
           : rc == RC_ETOOBIG ? RAYC__TASK_STATUS__STATUS_OBJECT_TOO_LARGE
                              : RAYC__TASK_STATUS__STATUS_WORKER_DIED;
}

/* Every store argument is local: pin them and hand the task to the pool. */
static void launch(rc_tasks_t *t, const Rayc__TaskSpec *spec)
{
    rc_exec_obj_t stack[8];
    size_t n = 0;
    for (size_t i = 0; i < spec->n_args; i++) n += store_arg(spec->args[i]);
    if (n == 0) {
        rc_exec_pool_submit(t->pool, spec, NULL, 0);
        return;
    }
    rc_exec_obj_t *objs = n <= 8 ? stack : rc_malloc(n * sizeof(*objs));
    held_t *h = held_of(t, spec->task_id.data, spec->task_id.len);
    if (h) h->pins = rc_calloc(n, sizeof(*h->pins));
    size_t k = 0;
    for (size_t i = 0; i < spec->n_args; i++) {
        const Rayc__TaskArg *a = spec->args[i];
        if (!store_arg(a)) continue;
        rc_id_t id;
        char err[300], msg[400];
        memcpy(id.b, a->ref.data, 16);
        rc_err_t rc =
            t->objs ? rc_objects_pin(t->objs, &id, &objs[k].fd, &objs[k].size, err, sizeof(err))
                    : RC_ENOTFOUND;
        if (rc != RC_OK) {
            if (!t->objs) snprintf(err, sizeof(err), "this node has no object store");
            snprintf(msg, sizeof(msg), "argument %zu: %s", i, err);
            fail_task(t, &spec->task_id, spec->attempt, fetch_status(rc), msg);
            goto out;
        }
        if (h) h->pins[h->npins++] = id;
        objs[k++].arg = (uint32_t)i;
    }
    rc_exec_pool_submit(t->pool, spec, objs, k);
out:
    if (objs != stack) rc_free(objs);
}

static void staged_unlink(rc_tasks_t *t, staged_t *st)
{
    for (staged_t **pp = &t->staged; *pp; pp = &(*pp)->next)
        if (*pp == st) {
            *pp = st->next;
            return;
        }
}

static void staged_free(staged_t *st)
{
    rc_free(st->spec);
    rc_free(st->error);
    rc_free(st);
}

static void on_arg_fetched(void *arg, rc_err_t rc, const char *err)
{
    staged_t *st = arg;
    rc_tasks_t *t = st->t;
    if (rc != RC_OK && !st->status) {
        st->status = fetch_status(rc);
        st->error = rc_strdup(err && *err ? err : rc_strerror(rc));
    }
    if (--st->waiting) return;
    staged_unlink(t, st);
    ProtobufCBinaryData tid = {16, st->id};
    if (st->cancelled) {
        fail_task(t, &tid, st->attempt, RAYC__TASK_STATUS__STATUS_CANCELLED, "cancelled");
    } else if (st->status) {
        char msg[512];
        snprintf(msg, sizeof(msg), "cannot fetch an argument: %s", st->error);
        fail_task(t, &tid, st->attempt, st->status, msg);
    } else {
        Rayc__TaskSpec *spec = rayc__task_spec__unpack(NULL, st->speclen, st->spec);
        if (spec) {
            launch(t, spec);
            rayc__task_spec__free_unpacked(spec, NULL);
        } else {
            fail_task(t, &tid, st->attempt, RAYC__TASK_STATUS__STATUS_WORKER_DIED,
                      "the agent could not decode the task it kept");
        }
    }
    staged_free(st);
    update_available(t);
}

/* Runs a pulled task: at once when its store arguments are here, else after
 * they are fetched from the nodes the head named. */
static void start_task(rc_tasks_t *t, const Rayc__TaskSpec *spec)
{
    staged_t *st = NULL;
    for (size_t i = 0; i < spec->n_args; i++) {
        const Rayc__TaskArg *a = spec->args[i];
        if (!store_arg(a)) continue;
        if (!t->objs) break; /* launch() reports it */
        if (!st) {
            st = rc_calloc(1, sizeof(*st));
            st->t = t;
            st->attempt = spec->attempt;
            if (spec->task_id.len == 16) memcpy(st->id, spec->task_id.data, 16);
            st->waiting = 1; /* held by this loop until the end */
        }
        rc_id_t id;
        memcpy(id.b, a->ref.data, 16);
        st->waiting++;
        if (rc_objects_want(t->objs, &id, a->size, a->locations, a->n_locations, on_arg_fetched,
                            st))
            st->waiting--;
    }
    if (!st) {
        launch(t, spec);
        return;
    }
    if (st->waiting == 1) { /* all local */
        staged_free(st);
        launch(t, spec);
        return;
    }
    st->speclen = rayc__task_spec__get_packed_size(spec);
    st->spec = rc_malloc(st->speclen ? st->speclen : 1);
    rayc__task_spec__pack(spec, st->spec);
    st->next = t->staged;
    t->staged = st;
    on_arg_fetched(st, RC_OK, NULL); /* drops the loop's hold */
}

static void cancel_staged(rc_tasks_t *t, const uint8_t *id, size_t len)
{
    for (staged_t *st = t->staged; st; st = st->next)
        if (rc_exec_id_eq(st->id, 16, id, len)) st->cancelled = 1;
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
        start_task(t, pr->tasks[i]);
    }
    if (pr->n_tasks) update_available(t);
    for (size_t i = 0; i < pr->n_cancel_task_ids; i++) {
        int force = i < pr->n_cancel_force && pr->cancel_force[i];
        if (!rc_exec_pool_cancel(t->pool, pr->cancel_task_ids[i].data, pr->cancel_task_ids[i].len,
                                 force))
            cancel_staged(t, pr->cancel_task_ids[i].data, pr->cancel_task_ids[i].len);
    }
    for (size_t i = 0; t->objs && i < pr->n_free_object_ids; i++) {
        rc_id_t id;
        if (pr->free_object_ids[i].len != 16) continue;
        memcpy(id.b, pr->free_object_ids[i].data, 16);
        rc_objects_delete(t->objs, &id);
    }
    /* Also catches what the object server changed (values pushed by clients). */
    if (t->objs && !pr->n_tasks) update_available(t);
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
    t->handles = t->objs ? 5 : 4;
    uv_close((uv_handle_t *)&t->retry_timer, on_handle_closed);
    uv_close((uv_handle_t *)&t->flush_timer, on_handle_closed);
    uv_close((uv_handle_t *)&t->drain_timer, on_handle_closed);
    rc_exec_pool_close(t->pool, on_closed, t);
    if (t->objs) rc_objects_close(t->objs, on_closed, t);
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

/* The object store and port. Without them the node still runs tasks, but no
 * object over 100 KiB can be made or read here: the head sends none (no object
 * port in its NodeInfo) and tasks that need one fail with the reason. */
static void objects_start(rc_tasks_t *t)
{
    const rc_agent_config_t *cfg = t->cfg;
    char spill[4200], err[400];
    snprintf(spill, sizeof(spill), "%s/spill/%s", cfg->storage ? cfg->storage : cfg->temp_dir,
             t->node_hex);
    rc_objects_config_t oc;
    memset(&oc, 0, sizeof(oc));
    oc.capacity = cfg->total.object_store_memory / RC_RES_SCALE;
    oc.spill_dir = spill;
    oc.bind_ip = cfg->node_ip;
    oc.node_id = &t->node_id;
    oc.ac = t->main_ac;
    if (oc.capacity <= 0) {
        rc_log_warn(COMP, "object store disabled (--object-store-memory 0): objects over 100 KiB "
                          "cannot be made or read on this node");
        return;
    }
    t->objs = rc_objects_new(t->loop, &oc, err, sizeof(err));
    if (!t->objs) {
        rc_log_error(COMP,
                     "no object store: %s; objects over 100 KiB cannot be made or read on "
                     "this node",
                     err);
        return;
    }
    rc_log_info(COMP, "object store capacity=%lld port=%d spill_dir=%s", (long long)oc.capacity,
                rc_objects_port(t->objs), spill);
}

int rc_tasks_object_port(const rc_tasks_t *t)
{
    return t->objs ? rc_objects_port(t->objs) : 0;
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
    objects_start(t);
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
        rc_free(h->pins);
        rc_res_free(&h->res);
        rc_free(h);
    }
    while (t->staged) {
        staged_t *st = t->staged;
        t->staged = st->next;
        staged_free(st);
    }
    rc_exec_pool_free(t->pool);
    rc_objects_free(t->objs);
    rc_envv_free(t->env);
    rc_free(t->exe);
    if (t->log_fd >= 0) close(t->log_fd);
    rc_free(t);
}
