/* nodes.c — the node table, its state machine, health checks and persistence (see nodes.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "nodes.h"
#include "alloc.h"
#include "clock.h"
#include "envv.h"
#include "dict.h"
#include "log.h"
#include "node_json.h"
#include "node_pb.h"

#define DEFAULT_PERIOD_MS 3000
#define DEFAULT_THRESHOLD 5
#define DEFAULT_REPORT_MS 1000
#define DEFAULT_MAX_DEAD  1000
#define ARENA_BYTES       (64 * 1024)
#define ERRLEN            512

struct rc_node_table {
    rc_node_opts_t opts;
    rc_store_t *store;
    rc_dict_t *byid;          /* 16 id bytes → rc_node_t * (owned: freed through the dict) */
    rc_node_t *head, *tail;   /* all nodes, registration order */
    rc_node_t *dhead, *dtail; /* DEAD nodes, oldest death first */
    size_t nalive, ndraining, ndead;
    rc_node_stats_t stats;
    rc_node_publish_fn publish;
    void *publish_arg;
    rc_node_listener_fn listener;
    void *listener_arg;
    rc_node_demand_fn demand;
    void *demand_arg;
    rc_node_arena_t arena;
    rc_res_t scratch;           /* decoded available resources of the report being applied */
    rc_node_workers_t wscratch; /* decoded workers of that report */
    rc_buf_t pb;                /* scratch for encoding a record */
    uv_timer_t timer;
    int timer_inited;
};

/* ---- options -------------------------------------------------------------------- */

static uint64_t report_every(uint64_t period)
{
    uint64_t r = period / 2;
    if (r > DEFAULT_REPORT_MS) r = DEFAULT_REPORT_MS;
    return r ? r : 1;
}

void rc_node_opts_default(rc_node_opts_t *o)
{
    o->health_period_ms = DEFAULT_PERIOD_MS;
    o->failure_threshold = DEFAULT_THRESHOLD;
    o->report_every_ms = report_every(DEFAULT_PERIOD_MS);
    o->max_dead = DEFAULT_MAX_DEAD;
}

static int env_u64(const char *name, int64_t lo, int64_t hi, uint64_t *out)
{
    int64_t x = (int64_t)*out;
    if (!rc_env_i64(name, lo, hi, &x, "nodes")) return 0;
    *out = (uint64_t)x;
    return 1;
}

void rc_node_opts_from_env(rc_node_opts_t *o)
{
    uint64_t threshold = o->failure_threshold;
    env_u64("RAY_health_check_period_ms", 10, 86400000, &o->health_period_ms);
    if (env_u64("RAY_health_check_failure_threshold", 1, 1000000, &threshold))
        o->failure_threshold = (uint32_t)threshold;
    o->report_every_ms = report_every(o->health_period_ms);
}

/* ---- table ----------------------------------------------------------------------- */

static void node_free(void *p)
{
    rc_node_t *n = p;
    rc_node_clear(n);
    rc_free(n);
}

rc_node_table_t *rc_node_table_new(const rc_node_opts_t *opts, rc_store_t *store)
{
    rc_node_table_t *t = rc_calloc(1, sizeof(*t));
    t->opts = *opts;
    if (t->opts.health_period_ms == 0) t->opts.health_period_ms = DEFAULT_PERIOD_MS;
    if (t->opts.failure_threshold == 0) t->opts.failure_threshold = DEFAULT_THRESHOLD;
    if (t->opts.report_every_ms == 0)
        t->opts.report_every_ms = report_every(t->opts.health_period_ms);
    t->store = store;
    t->byid = rc_dict_new(node_free);
    rc_node_arena_init(&t->arena, ARENA_BYTES);
    rc_res_init(&t->scratch);
    return t;
}

void rc_node_table_set_publish(rc_node_table_t *t, rc_node_publish_fn fn, void *arg)
{
    t->publish = fn;
    t->publish_arg = arg;
}

void rc_node_table_set_listener(rc_node_table_t *t, rc_node_listener_fn fn, void *arg)
{
    t->listener = fn;
    t->listener_arg = arg;
}

void rc_node_table_set_demand(rc_node_table_t *t, rc_node_demand_fn fn, void *arg)
{
    t->demand = fn;
    t->demand_arg = arg;
}

void rc_node_table_write_demand(rc_node_table_t *t, rc_jw_t *w, int infeasible)
{
    if (t->demand) {
        t->demand(t->demand_arg, w, infeasible);
        return;
    }
    rc_jw_arr_begin(w);
    rc_jw_arr_end(w);
}

const rc_node_opts_t *rc_node_table_opts(const rc_node_table_t *t)
{
    return &t->opts;
}

void rc_node_table_free(rc_node_table_t *t)
{
    if (!t) return;
    RC_ASSERT(!t->timer_inited || uv_is_closing((uv_handle_t *)&t->timer));
    rc_dict_free(t->byid);
    rc_node_arena_free(&t->arena);
    rc_res_free(&t->scratch);
    rc_node_workers_free(&t->wscratch);
    rc_buf_free(&t->pb);
    rc_free(t);
}

rc_node_t *rc_node_table_get(rc_node_table_t *t, const rc_id_t *id)
{
    rc_dict_entry_t *e = rc_dict_find(t->byid, id->b, sizeof(id->b));
    return e ? e->val : NULL;
}

rc_node_t *rc_node_table_first(rc_node_table_t *t)
{
    return t->head;
}

size_t rc_node_table_size(const rc_node_table_t *t)
{
    return rc_dict_size(t->byid);
}

void rc_node_table_stats(const rc_node_table_t *t, rc_node_stats_t *out)
{
    *out = t->stats;
    out->alive = t->nalive;
    out->draining = t->ndraining;
    out->dead = t->ndead;
}

static size_t *count_of(rc_node_table_t *t, rc_node_state_t s)
{
    return s == RC_NODE_ALIVE ? &t->nalive : s == RC_NODE_DRAINING ? &t->ndraining : &t->ndead;
}

static void link_all(rc_node_table_t *t, rc_node_t *n)
{
    n->next = NULL;
    n->prev = t->tail;
    if (t->tail)
        t->tail->next = n;
    else
        t->head = n;
    t->tail = n;
}

static void unlink_all(rc_node_table_t *t, rc_node_t *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        t->head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        t->tail = n->prev;
    n->prev = n->next = NULL;
}

static void link_dead(rc_node_table_t *t, rc_node_t *n)
{
    n->dnext = NULL;
    n->dprev = t->dtail;
    if (t->dtail)
        t->dtail->dnext = n;
    else
        t->dhead = n;
    t->dtail = n;
}

static void unlink_dead(rc_node_table_t *t, rc_node_t *n)
{
    if (n->dprev)
        n->dprev->dnext = n->dnext;
    else
        t->dhead = n->dnext;
    if (n->dnext)
        n->dnext->dprev = n->dprev;
    else
        t->dtail = n->dprev;
    n->dprev = n->dnext = NULL;
}

/* ---- effects of a change: storage, event, log -------------------------------------- */

static void persist(rc_node_table_t *t, const rc_node_t *n)
{
    char hex[RC_ID_HEX_LEN + 1];
    if (!t->store || !rc_store_is_persistent(t->store)) return;
    rc_id_to_hex(&n->id, hex);
    rc_buf_clear(&t->pb);
    rc_node_to_pb(n, 0, &t->pb);
    rc_store_put(t->store, RC_NODE_STORE_TABLE, hex, RC_ID_HEX_LEN, t->pb.data, t->pb.len);
}

static void unpersist(rc_node_table_t *t, const rc_id_t *id)
{
    char hex[RC_ID_HEX_LEN + 1];
    if (!t->store || !rc_store_is_persistent(t->store)) return;
    rc_id_to_hex(id, hex);
    rc_store_del(t->store, RC_NODE_STORE_TABLE, hex, RC_ID_HEX_LEN);
}

static void publish(rc_node_table_t *t, const rc_node_t *n, const char *event, uint64_t now_ms)
{
    if (!t->publish) return;
    rc_buf_t b = RC_BUF_INIT;
    rc_node_event_json(n, event, now_ms, &b);
    t->publish(t->publish_arg, RC_NODE_EVENTS_CHANNEL, sizeof(RC_NODE_EVENTS_CHANNEL) - 1, b.data,
               b.len);
    rc_buf_free(&b);
}

static void log_change(const rc_node_t *n, const char *event)
{
    char hex[RC_ID_HEX_LEN + 1];
    rc_buf_t res = RC_BUF_INIT;
    rc_id_to_hex(&n->id, hex);
    rc_res_format(&n->total, &res);
    rc_log_info("nodes", "%s id=%s group=%s ip=%s state=%s%s%s resources={%s}", event, hex,
                n->group, *n->node_ip ? n->node_ip : "-", rc_node_state_name(n->state),
                *n->death_reason ? " reason=" : "", n->death_reason, res.data);
    rc_buf_free(&res);
}

static void changed(rc_node_table_t *t, rc_node_t *n, const char *event, uint64_t now_ms)
{
    persist(t, n);
    log_change(n, event);
    publish(t, n, event, now_ms);
    if (t->listener) t->listener(t->listener_arg, n, event);
}

static void set_state(rc_node_table_t *t, rc_node_t *n, rc_node_state_t s)
{
    (*count_of(t, n->state))--;
    (*count_of(t, s))++;
    if (n->state == RC_NODE_DEAD) unlink_dead(t, n);
    if (s == RC_NODE_DEAD) link_dead(t, n);
    n->state = s;
}

/* Drops the oldest DEAD records beyond max_dead, from memory and storage. */
static void trim_dead(rc_node_table_t *t)
{
    while (t->ndead > t->opts.max_dead && t->dhead) {
        rc_node_t *n = t->dhead;
        rc_id_t id = n->id;
        unlink_dead(t, n);
        unlink_all(t, n);
        t->ndead--;
        unpersist(t, &id);
        rc_dict_delete(t->byid, id.b, sizeof(id.b)); /* frees n */
    }
}

/* The caller calls trim_dead afterwards (not here: trimming frees other records,
 * which a caller walking the list may be about to visit). */
static void make_dead(rc_node_table_t *t, rc_node_t *n, const char *reason, uint64_t now_ms)
{
    set_state(t, n, RC_NODE_DEAD);
    rc_node_set_str(&n->death_reason, reason);
    n->end_time_ms = (int64_t)now_ms;
    /* Nothing of a dead node is available to anyone. */
    rc_res_free(&n->available);
    t->stats.deaths++;
    changed(t, n, "NODE_DEAD", now_ms);
}

/* ---- operations ----------------------------------------------------------------------- */

/* Starts the idle clock at the first report that finds n idle, stops it at the
 * first that does not (node.h, idle_since_ms). */
static void track_idle(rc_node_t *n, int64_t now_ms)
{
    if (!rc_node_is_idle(n))
        n->idle_since_ms = 0;
    else if (n->idle_since_ms == 0)
        n->idle_since_ms = now_ms;
}

/* Moves the fields of src (a decoded record) into dst, keeping dst's links and
 * its workers (the same agent process lists them again in its next report). */
static void take_fields(rc_node_t *dst, rc_node_t *src)
{
    rc_node_t *prev = dst->prev, *next = dst->next, *dprev = dst->dprev, *dnext = dst->dnext;
    rc_node_workers_t workers = dst->workers;
    int warned = dst->workers_warned;
    dst->workers = (rc_node_workers_t){NULL, 0, 0};
    rc_node_clear(dst);
    rc_node_workers_free(&src->workers);
    *dst = *src;
    dst->prev = prev;
    dst->next = next;
    dst->dprev = dprev;
    dst->dnext = dnext;
    dst->workers = workers;
    dst->workers_warned = warned;
    rc_node_init(src);
}

rc_err_t rc_node_table_register(rc_node_table_t *t, const void *pb, size_t len, uint64_t now_ms,
                                char *err, size_t errcap)
{
    rc_node_t rec;
    int has_avail;
    rc_err_t e =
        rc_node_from_pb(pb, len, RC_NODE_PB_REGISTER, &t->arena, &rec, &has_avail, err, errcap);
    if (e != RC_OK) return e;
    if (!has_avail) rc_res_copy(&rec.available, &rec.total);
    rec.last_report_ms = (int64_t)now_ms;
    rec.heard = 1;
    rc_node_t *n = rc_node_table_get(t, &rec.id);
    const char *event;
    if (n) {
        rc_node_state_t old = n->state;
        /* A re-registration of a node that stayed idle keeps its idle clock. */
        rec.idle_since_ms = old != RC_NODE_DEAD ? n->idle_since_ms : 0;
        /* A lost connection does not cancel a drain: keep DRAINING and its reason. */
        rc_node_state_t s = old == RC_NODE_DRAINING ? RC_NODE_DRAINING : RC_NODE_ALIVE;
        if (s == RC_NODE_DRAINING) rc_node_set_str(&rec.death_reason, n->death_reason);
        take_fields(n, &rec);
        n->state = old; /* so that set_state moves the counters and the dead list */
        set_state(t, n, s);
        event = "NODE_RECONNECTED";
    } else {
        n = rc_malloc(sizeof(*n));
        *n = rec;
        rc_node_init(&rec);
        n->prev = n->next = n->dprev = n->dnext = NULL;
        rc_dict_add(t->byid, n->id.b, sizeof(n->id.b), n);
        link_all(t, n);
        t->nalive++;
        event = "NODE_ADDED";
    }
    track_idle(n, (int64_t)now_ms);
    t->stats.registrations++;
    changed(t, n, event, now_ms);
    return RC_OK;
}

rc_err_t rc_node_table_report(rc_node_table_t *t, const void *pb, size_t len, uint64_t now_ms,
                              rc_node_report_result_t *res, rc_id_t *id, char *err, size_t errcap)
{
    rc_node_report_t r;
    rc_err_t e =
        rc_node_report_from_pb(pb, len, &t->arena, &r, &t->scratch, &t->wscratch, err, errcap);
    if (e != RC_OK) return e;
    *id = r.id;
    rc_node_t *n = rc_node_table_get(t, &r.id);
    if (!n || n->state == RC_NODE_DEAD) {
        *res = RC_NODE_REPORT_UNKNOWN;
        return RC_OK;
    }
    t->stats.reports++;
    n->last_report_ms = (int64_t)now_ms;
    n->heard = 1;
    if (r.has_available && r.seq >= n->last_seq) {
        /* Swap instead of copy: both vectors keep their arrays, so a steady
         * stream of reports allocates nothing. */
        rc_res_t tmp = n->available;
        n->available = t->scratch;
        t->scratch = tmp;
        n->last_seq = r.seq;
        /* Copied, not swapped: each node keeps an array of its own size, so
         * nodes with different executor counts never make each other grow. */
        rc_node_workers_copy(&n->workers, &t->wscratch);
        track_idle(n, (int64_t)now_ms);
        if (r.nworkers > RC_NODE_MAX_WORKERS && !n->workers_warned) {
            char hex[RC_ID_HEX_LEN + 1];
            rc_id_to_hex(&n->id, hex);
            rc_log_warn("nodes",
                        "node %s reported %zu workers; only the first %d are kept (the rest are "
                        "not listed)",
                        hex, r.nworkers, RC_NODE_MAX_WORKERS);
            n->workers_warned = 1;
        }
    }
    *res = n->state == RC_NODE_DRAINING ? RC_NODE_REPORT_DRAIN : RC_NODE_REPORT_OK;
    return RC_OK;
}

int rc_node_table_drain(rc_node_table_t *t, const rc_id_t *id, const char *reason, uint64_t now_ms)
{
    rc_node_t *n = rc_node_table_get(t, id);
    if (!n || n->state == RC_NODE_DEAD) return 0;
    if (n->state == RC_NODE_DRAINING) return 1;
    set_state(t, n, RC_NODE_DRAINING);
    rc_node_set_str(&n->death_reason, reason && *reason ? reason : "drain requested");
    changed(t, n, "NODE_DRAINING", now_ms);
    return 1;
}

int rc_node_table_unregister(rc_node_table_t *t, const rc_id_t *id, const char *reason,
                             uint64_t now_ms)
{
    rc_node_t *n = rc_node_table_get(t, id);
    if (!n || n->state == RC_NODE_DEAD) return 0;
    make_dead(t, n, reason && *reason ? reason : "drained", now_ms);
    trim_dead(t);
    return 1;
}

void rc_node_table_check(rc_node_table_t *t, uint64_t now_ms)
{
    char reason[96];
    rc_node_t *n = t->head, *next;
    for (; n; n = next) {
        next = n->next;
        if (n->state == RC_NODE_DEAD) continue;
        if (n->heard) {
            n->heard = 0;
            n->failures = 0;
            continue;
        }
        n->failures++;
        t->stats.health_failures++;
        if (n->failures < t->opts.failure_threshold) continue;
        int64_t silent = (int64_t)now_ms - n->last_report_ms;
        snprintf(reason, sizeof(reason), "health check failed: no report for %lld ms",
                 (long long)(silent > 0 ? silent : 0));
        make_dead(t, n, reason, now_ms);
    }
    trim_dead(t);
}

/* ---- timer ---------------------------------------------------------------------------- */

static void on_timer(uv_timer_t *h)
{
    rc_node_table_check(h->data, rc_clock_wall_ms());
}

void rc_node_table_start(rc_node_table_t *t, uv_loop_t *loop)
{
    uv_timer_init(loop, &t->timer);
    t->timer.data = t;
    t->timer_inited = 1;
    uv_timer_start(&t->timer, on_timer, t->opts.health_period_ms, t->opts.health_period_ms);
}

void rc_node_table_stop(rc_node_table_t *t)
{
    if (!t || !t->timer_inited) return;
    uv_timer_stop(&t->timer);
    if (!uv_is_closing((uv_handle_t *)&t->timer)) uv_close((uv_handle_t *)&t->timer, NULL);
}

/* ---- loading ------------------------------------------------------------------------- */

typedef struct {
    rc_node_table_t *t;
    uint64_t now_ms;
    size_t loaded, skipped;
} load_t;

static void load_entry(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    load_t *l = arg;
    rc_node_table_t *t = l->t;
    char err[ERRLEN], hex[RC_ID_HEX_LEN + 1];
    rc_node_t rec;
    int has_avail;
    if (rc_node_from_pb(val, vlen, RC_NODE_PB_STORED, &t->arena, &rec, &has_avail, err,
                        sizeof(err)) != RC_OK) {
        rc_log_warn("nodes", "skipping a malformed node record in the storage backend: %s", err);
        l->skipped++;
        return;
    }
    rc_id_to_hex(&rec.id, hex);
    if (klen != RC_ID_HEX_LEN || memcmp(key, hex, RC_ID_HEX_LEN) != 0) {
        rc_log_warn("nodes", "skipping a node record stored under a key that is not its id id=%s",
                    hex);
        rc_node_clear(&rec);
        l->skipped++;
        return;
    }
    if (rc_node_table_get(t, &rec.id)) { /* HSCAN may return an entry twice */
        rc_node_clear(&rec);
        return;
    }
    rc_node_t *n = rc_malloc(sizeof(*n));
    *n = rec;
    n->prev = n->next = n->dprev = n->dnext = NULL;
    if (n->state != RC_NODE_DEAD) {
        /* A fresh health window: workers have period × threshold to re-register. */
        rc_res_copy(&n->available, &n->total);
        n->last_report_ms = (int64_t)l->now_ms;
        n->heard = 1;
    }
    rc_dict_add(t->byid, n->id.b, sizeof(n->id.b), n);
    (*count_of(t, n->state))++;
    l->loaded++;
}

static int by_start(const void *a, const void *b)
{
    const rc_node_t *x = *(rc_node_t *const *)a, *y = *(rc_node_t *const *)b;
    if (x->start_time_ms != y->start_time_ms) return x->start_time_ms < y->start_time_ms ? -1 : 1;
    return rc_id_cmp(&x->id, &y->id);
}

static int by_end(const void *a, const void *b)
{
    const rc_node_t *x = *(rc_node_t *const *)a, *y = *(rc_node_t *const *)b;
    if (x->end_time_ms != y->end_time_ms) return x->end_time_ms < y->end_time_ms ? -1 : 1;
    return rc_id_cmp(&x->id, &y->id);
}

/* Loaded records arrive in hash order: rebuild both lists in a stable order. */
static void relink_loaded(rc_node_table_t *t)
{
    size_t n = rc_dict_size(t->byid), nd = 0, i = 0;
    if (n == 0) return;
    rc_node_t **all = rc_malloc(n * sizeof(*all)), **dead = rc_malloc(n * sizeof(*dead));
    rc_dict_iter_t it;
    rc_dict_entry_t *e;
    rc_dict_iter_init(t->byid, &it);
    while ((e = rc_dict_iter_next(&it)) != NULL) {
        rc_node_t *x = e->val;
        all[i++] = x;
        if (x->state == RC_NODE_DEAD) dead[nd++] = x;
    }
    rc_dict_iter_done(&it);
    qsort(all, n, sizeof(*all), by_start);
    qsort(dead, nd, sizeof(*dead), by_end);
    t->head = t->tail = t->dhead = t->dtail = NULL;
    for (i = 0; i < n; i++) link_all(t, all[i]);
    for (i = 0; i < nd; i++) link_dead(t, dead[i]);
    rc_free(all);
    rc_free(dead);
}

rc_err_t rc_node_table_load(rc_node_table_t *t, uint64_t now_ms, char *err, size_t errcap)
{
    load_t l = {t, now_ms, 0, 0};
    if (!t->store) return RC_OK;
    rc_err_t e = rc_store_load(t->store, RC_NODE_STORE_TABLE, load_entry, &l, err, errcap);
    if (e != RC_OK) return e;
    relink_loaded(t);
    trim_dead(t);
    if (l.loaded || l.skipped)
        rc_log_info("nodes",
                    "loaded nodes from storage alive=%zu draining=%zu dead=%zu skipped=%zu",
                    t->nalive, t->ndraining, t->ndead, l.skipped);
    return RC_OK;
}
