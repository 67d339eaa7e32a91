/* plane.c — task records, objects, classes, nodes and every state change of a
 * task (see tasks.h and plane.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "plane.h"
#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "envv.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "task.pb-c.h"
#include "wire.h"

#define DEFAULT_RETRIES 3
#define NAME_MAX_LEN    45

static const char *const state_names[RC_TASK_NSTATES] = {"PENDING_ARGS_AVAIL",
                                                         "PENDING_NODE_ASSIGNMENT",
                                                         "SUBMITTED_TO_WORKER",
                                                         "RUNNING",
                                                         "FINISHED",
                                                         "FAILED",
                                                         "CANCELLED"};

const char *rc_task_state_name(rc_task_state_t s)
{
    return (unsigned)s < RC_TASK_NSTATES ? state_names[s] : "UNKNOWN";
}

int rc_plane_is_final(const task_t *t)
{
    return t->state >= RC_TASK_FINISHED;
}

/* ---- queues ---------------------------------------------------------------------- */

static void q_push(tqueue_t *q, task_t *t)
{
    t->next = NULL;
    t->prev = q->tail;
    if (q->tail)
        q->tail->next = t;
    else
        q->head = t;
    q->tail = t;
    q->n++;
}

static void q_remove(tqueue_t *q, task_t *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        q->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        q->tail = t->prev;
    t->prev = t->next = NULL;
    q->n--;
}

const double rc_task_lat_bounds_s[RC_TASK_LAT_NBOUNDS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30,
};

static void observe_latency(rc_task_latency_t *h, uint64_t ms)
{
    size_t i = 0;
    while (i < RC_TASK_LAT_NBOUNDS && (double)ms > rc_task_lat_bounds_s[i] * 1000.0) i++;
    h->bucket[i]++;
    h->count++;
    h->sum_ms += ms;
}

/* The class's running time, a moving average (weight 1/8) of its tasks'. */
static void observe_run(tclass_t *c, uint64_t ms)
{
    uint32_t v = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
    c->run_ms = c->run_known ? (uint32_t)(((uint64_t)c->run_ms * 7 + v) / 8) : v;
    c->run_known = 1;
}

static void set_state(rc_task_plane_t *p, task_t *t, rc_task_state_t s)
{
    if (!rc_plane_is_final(t)) {
        p->st.count[t->state]--;
        t->tn->count[t->state]--;
    }
    p->st.count[s]++;
    t->tn->count[s]++;
    t->state = (uint8_t)s;
    switch (s) {
    case RC_TASK_PENDING_NODE_ASSIGNMENT: t->ready_ms = p->now; break;
    case RC_TASK_RUNNING:
        t->start_ms = p->now;
        observe_latency(&p->st.sched_latency, p->now > t->ready_ms ? p->now - t->ready_ms : 0);
        break;
    case RC_TASK_FINISHED:
    case RC_TASK_FAILED:
        if (t->start_ms) observe_run(t->cls, p->now > t->start_ms ? p->now - t->start_ms : 0);
        t->end_ms = p->now;
        break;
    case RC_TASK_CANCELLED: t->end_ms = p->now; break;
    default: break;
    }
}

/* The counters of a name; past RC_TASK_NAMES_MAX distinct names, the shared
 * "(other names)" entry, so the head's memory stays bounded whatever names
 * clients send. */
static tname_t *name_entry(rc_task_plane_t *p, const char *name, size_t len)
{
    rc_dict_entry_t *e = rc_dict_find(p->names, name, len);
    if (e) return e->val;
    if (p->other) return p->other;
    int full = rc_dict_size(p->names) >= RC_TASK_NAMES_MAX - 1;
    if (full) {
        name = RC_TASK_OTHER_NAME;
        len = strlen(name);
    }
    tname_t *tn = rc_calloc(1, sizeof(*tn) + len + 1);
    memcpy(tn->name, name, len);
    rc_dict_add(p->names, tn->name, len, tn);
    if (full) p->other = tn;
    if (p->nnames == p->capnames) {
        p->capnames = p->capnames ? 2 * p->capnames : 16;
        p->name_list = rc_realloc(p->name_list, p->capnames * sizeof(*p->name_list));
    }
    p->name_list[p->nnames++] = tn;
    return tn;
}

static void all_unlink(rc_task_plane_t *p, task_t *t)
{
    if (t->aprev)
        t->aprev->anext = t->anext;
    else
        p->all = t->anext;
    if (t->anext) t->anext->aprev = t->aprev;
}

/* ---- records --------------------------------------------------------------------- */

task_t *rc_plane_task(rc_task_plane_t *p, const rc_id_t *id)
{
    rc_dict_entry_t *e = rc_dict_find(p->tasks, id->b, 16);
    return e ? e->val : NULL;
}

tobj_t *rc_plane_obj(rc_task_plane_t *p, const rc_id_t *id)
{
    rc_dict_entry_t *e = rc_dict_find(p->objs, id->b, 16);
    return e ? e->val : NULL;
}

tnode_t *rc_plane_node(rc_task_plane_t *p, const rc_id_t *id)
{
    rc_dict_entry_t *e = rc_dict_find(p->tnodes, id->b, 16);
    return e ? e->val : NULL;
}

static void remember(rc_task_plane_t *p, task_t *t)
{
    size_t i;
    if (!p->ring_cap) return;
    if (p->ring_n < p->ring_cap) {
        i = (p->ring_start + p->ring_n++) % p->ring_cap;
    } else {
        i = p->ring_start;
        p->ring_start = (p->ring_start + 1) % p->ring_cap;
    }
    rc_task_summary_t *s = &p->ring[i];
    s->id = t->id;
    s->node = t->ran_on;
    s->worker_id = t->worker_id;
    s->create_ms = t->create_ms;
    s->start_ms = t->start_ms;
    s->end_ms = t->end_ms;
    s->attempt = t->attempt;
    s->worker_pid = t->worker_pid;
    memcpy(s->job, t->job, sizeof(s->job));
    s->state = t->state;
    s->status = t->status;
    s->flags = t->flags & (F_JOB | F_COMMAND);
    size_t n = t->name_len < sizeof(s->name) - 1 ? t->name_len : sizeof(s->name) - 1;
    memcpy(s->name, task_name(t), n);
    s->name[n] = '\0';
}

void rc_plane_maybe_free_task(rc_task_plane_t *p, task_t *t)
{
    if (!rc_plane_is_final(t) || (t->flags & F_CLIENT_REF) || t->npins || t->watch) return;
    remember(p, t);
    all_unlink(p, t);
    rc_plane_loc_drop(p, &t->id);
    rc_dict_delete(p->tasks, t->id.b, 16); /* frees t and its result */
    p->st.records--;
}

void rc_plane_maybe_free_obj(rc_task_plane_t *p, const rc_id_t *id, tobj_t *o)
{
    if (o->client_ref || o->npins) return;
    rc_plane_loc_drop(p, id);
    rc_dict_delete(p->objs, id->b, 16);
    p->st.objects--;
}

/* Drops one pin of a dependency (a task result or a put object). */
static void unpin(rc_task_plane_t *p, const rc_id_t *id)
{
    task_t *d = rc_plane_task(p, id);
    if (d) {
        if (d->npins) d->npins--;
        rc_plane_maybe_free_task(p, d);
        return;
    }
    tobj_t *o = rc_plane_obj(p, id);
    if (o) {
        if (o->npins) o->npins--;
        rc_plane_maybe_free_obj(p, id, o);
    }
}

static watch_t *watch_of(task_t *t)
{
    if (!t->watch) t->watch = rc_calloc(1, sizeof(*t->watch));
    return t->watch;
}

static void watch_add_dep(task_t *t, task_t *dep)
{
    watch_t *w = watch_of(t);
    if (w->ndeps == w->capdeps) {
        w->capdeps = w->capdeps ? w->capdeps * 2 : 2;
        w->deps = rc_realloc(w->deps, w->capdeps * sizeof(*w->deps));
    }
    w->deps[w->ndeps++] = dep;
}

static void watch_free(watch_t *w)
{
    if (!w) return;
    rc_free(w->deps);
    rc_free(w->getters);
    rc_free(w);
}

/* ---- results ---------------------------------------------------------------------- */

uint8_t *rc_plane_make_result(const task_t *t, int status, const char *error, size_t *len)
{
    Rayc__TaskResult r;
    rayc__task_result__init(&r);
    r.task_id.data = (uint8_t *)t->id.b;
    r.task_id.len = 16;
    r.attempt = t->attempt;
    r.status = (Rayc__TaskStatus)status;
    r.error = (char *)(error ? error : "");
    if (!rc_id_is_nil(&t->ran_on)) {
        r.node_id.data = (uint8_t *)t->ran_on.b;
        r.node_id.len = 16;
    }
    size_t n = rayc__task_result__get_packed_size(&r);
    uint8_t *b = rc_malloc(n ? n : 1);
    *len = rayc__task_result__pack(&r, b);
    return b;
}

/* ---- nodes and classes -------------------------------------------------------------- */

static void wake_node(rc_task_plane_t *p, tnode_t *n)
{
    if (n->woken || !n->puller) return;
    n->woken = 1;
    n->wnext = p->wake;
    p->wake = n;
}

void rc_plane_wake(rc_task_plane_t *p, tnode_t *n)
{
    wake_node(p, n);
}

static void class_activate(rc_task_plane_t *p, tclass_t *c)
{
    if (c->active) return;
    c->active = 1;
    c->aprev = NULL;
    c->anext = p->active;
    if (p->active) p->active->aprev = c;
    p->active = c;
}

static void class_deactivate(rc_task_plane_t *p, tclass_t *c)
{
    if (!c->active) return;
    c->active = 0;
    if (c->aprev)
        c->aprev->anext = c->anext;
    else
        p->active = c->anext;
    if (c->anext) c->anext->aprev = c->aprev;
    c->aprev = c->anext = NULL;
}

static void publish_infeasible(rc_task_plane_t *p, task_t *t)
{
    if (t->flags & F_PUBLISHED) return;
    t->flags |= F_PUBLISHED;
    if (!p->publish) return;
    char hex[RC_ID_HEX_LEN + 1];
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_id_to_hex(&t->id, hex);
    rc_jw_init(&w, &b);
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "event");
    rc_jw_str(&w, "TASK_INFEASIBLE");
    rc_jw_key(&w, "task_id");
    rc_jw_str(&w, hex);
    rc_jw_key(&w, "name");
    rc_jw_strn(&w, task_name(t), t->name_len);
    rc_jw_key(&w, "shape");
    rc_res_to_json(&t->cls->res, &w);
    rc_jw_obj_end(&w);
    p->publish(p->publish_arg, RC_TASK_EVENTS_CHANNEL, sizeof(RC_TASK_EVENTS_CHANNEL) - 1, b.data,
               b.len);
    rc_buf_free(&b);
}

static void class_set_infeasible(rc_task_plane_t *p, tclass_t *c, int inf)
{
    if (c->infeasible == inf) return;
    c->infeasible = inf;
    if (inf) {
        p->st.infeasible += c->wait.n;
        for (task_t *t = c->wait.head; t; t = t->next) publish_infeasible(p, t);
    } else {
        p->st.infeasible -= c->wait.n;
    }
}

static void class_push(rc_task_plane_t *p, tclass_t *c, task_t *t)
{
    q_push(&c->wait, t);
    class_activate(p, c);
    if (c->infeasible) {
        p->st.infeasible++;
        publish_infeasible(p, t);
    }
}

static void class_remove(rc_task_plane_t *p, tclass_t *c, task_t *t)
{
    q_remove(&c->wait, t);
    if (c->infeasible) p->st.infeasible--;
    if (c->wait.n == 0) {
        class_deactivate(p, c);
        /* An empty class is not reported as infeasible demand any more. */
        c->infeasible = 0;
    }
}

static void class_free(void *v)
{
    tclass_t *c = v;
    rc_res_free(&c->res);
    rc_free(c->group);
    rc_free(c);
}

static void request_of(const tclass_t *c, rc_sched_request_t *r)
{
    memset(r, 0, sizeof(*r));
    r->res = &c->res;
    r->strategy = c->strategy;
    r->affinity_node = c->affinity;
    r->affinity_soft = c->soft;
    r->group = c->group;
    r->local_node = c->local;
}

/* Queues t on n for its worker to pull (SUBMITTED_TO_WORKER). */
static void queue_on(rc_task_plane_t *p, task_t *t, tnode_t *n)
{
    t->node = n;
    t->ran_on = n->id;
    set_state(p, t, RC_TASK_SUBMITTED_TO_WORKER);
    q_push(&n->queued, t);
    wake_node(p, n);
}

/* Places t on the node of slot (AVAILABLE): resources taken, queued there. */
static int assign(rc_task_plane_t *p, task_t *t, uint32_t slot)
{
    tnode_t *n = slot < p->nslots ? p->byslot[slot] : NULL;
    if (!n || rc_sched_acquire(p->sched, slot, &t->cls->res) != RC_OK) return 0;
    (void)rc_res_add(&n->used, &t->cls->res);
    queue_on(p, t, n);
    return 1;
}

/* Pipelining. Without it a node only ever holds as many tasks as its free
 * resources allow, so each pull → run → TASK.DONE → place round trip moves at
 * most that many tasks and short tasks leave the cluster idle between trips.
 * When no node has room, a plain DEFAULT task (no affinity, group or SPREAD,
 * which keep their exact placement; commands neither) is queued ahead of its resources on the
 * least loaded ALIVE node whose totals fit it, up to a window per node
 * (RAYC_TASK_PREFETCH_PER_CPU × CPUs, default 32 × CPUs: with 2 × CPUs the
 * round trips stay small and a 2-core cluster ran 36,000 no-op tasks/s, with
 * 32 × CPUs 100,000–120,000); the
 * agent keeps it in a local queue until an executor is free. It takes over the
 * resources of a task of that node as one ends (promote()).
 * Only classes whose tasks are known to be short are prefetched (their average
 * running time at most RAYC_TASK_PREFETCH_MAX_MS, default 100 ms): for long
 * tasks the round trip saved is nothing, and they wait in their class queue,
 * where a node that joins (an autoscaled one) takes them and where they count
 * as pending demand. Until a task of the class has finished, none is. */
static uint32_t prefetch_window(const rc_task_plane_t *p, const tnode_t *n)
{
    int64_t cpus = n->total.cpu / RC_RES_SCALE;
    if (p->prefetch_per_cpu == 0) return 0;
    if (cpus < 1) cpus = 1;
    int64_t w = cpus * p->prefetch_per_cpu;
    return w < 4 ? 4 : w > 1024 ? 1024 : (uint32_t)w;
}

static int prefetch(rc_task_plane_t *p, tclass_t *c, task_t *t)
{
    /* Commands start a process each as they arrive: only function tasks queue
     * on a node (in its executor pool's FIFO). */
    if (c->strategy != RC_SCHED_DEFAULT || c->group || (t->flags & F_COMMAND)) return 0;
    if (!c->run_known || c->run_ms > p->prefetch_max_ms) return 0;
    tnode_t *best = NULL;
    size_t best_load = SIZE_MAX;
    for (size_t i = 0; i < p->nslots; i++) {
        tnode_t *n = p->byslot[i];
        if (!n || n->state != RC_NODE_ALIVE || n->nprefetch >= prefetch_window(p, n)) continue;
        /* GPU nodes are for GPU tasks, as in placement. */
        if (c->res.gpu == 0 && n->total.gpu > 0) continue;
        if (!rc_res_fits(&c->res, &n->total)) continue;
        size_t load = n->queued.n + n->running.n;
        if (load < best_load) {
            best = n;
            best_load = load;
        }
    }
    if (!best) return 0;
    class_remove(p, c, t);
    t->flags |= F_PREFETCH;
    best->nprefetch++;
    queue_on(p, t, best);
    return 1;
}

/* n just got resources back: the first prefetched task of n that fits takes them. */
static int promote_in(rc_task_plane_t *p, tnode_t *n, tqueue_t *q)
{
    for (task_t *t = q->head; t; t = t->next) {
        if (!(t->flags & F_PREFETCH)) continue;
        if (rc_sched_acquire(p->sched, n->slot, &t->cls->res) != RC_OK) continue;
        (void)rc_res_add(&n->used, &t->cls->res);
        t->flags &= (uint8_t)~F_PREFETCH;
        n->nprefetch--;
        /* A pulled one starts now, not when it was pulled: its running time
         * (and the class's) must not count the wait in the agent's queue. */
        if (t->state == RC_TASK_RUNNING) t->start_ms = p->now;
        return 1;
    }
    return 0;
}

static void promote(rc_task_plane_t *p, tnode_t *n)
{
    /* Pulled ones first: the worker is closest to running them. */
    if (n->nprefetch && !promote_in(p, n, &n->running)) (void)promote_in(p, n, &n->queued);
}

/* Takes t off its node (SUBMITTED_TO_WORKER or RUNNING), giving back its resources. */
static void unassign(rc_task_plane_t *p, task_t *t)
{
    tnode_t *n = t->node;
    if (!n) return;
    q_remove(t->state == RC_TASK_RUNNING ? &n->running : &n->queued, t);
    t->node = NULL;
    if (t->flags & F_PREFETCH) {
        t->flags &= (uint8_t)~F_PREFETCH;
        n->nprefetch--;
        return;
    }
    (void)rc_sched_release(p->sched, n->slot, &t->cls->res);
    (void)rc_res_sub(&n->used, &t->cls->res);
    if (n->state == RC_NODE_ALIVE) promote(p, n);
    p->released = 1;
}

/* One placement attempt for the head of class c. Returns 1 when the head left
 * the class (placed, or failed because it can never run), 0 when it stays. */
static int place_head(rc_task_plane_t *p, tclass_t *c)
{
    task_t *t = c->wait.head;
    rc_sched_request_t req;
    rc_sched_result_t res;
    if (!t) return 0;
    request_of(c, &req);
    rc_sched_place(p->sched, &req, &res);
    switch (res.kind) {
    case RC_SCHED_AVAILABLE: {
        class_set_infeasible(p, c, 0);
        class_remove(p, c, t);
        if (assign(p, t, res.slot)) return 1;
        class_push(p, c, t); /* the view and the node list disagree: wait */
        return 0;
    }
    case RC_SCHED_FEASIBLE: class_set_infeasible(p, c, 0); return prefetch(p, c, t);
    case RC_SCHED_INFEASIBLE: class_set_infeasible(p, c, 1); return 0;
    case RC_SCHED_FAILED:
    default: {
        char msg[RC_SCHED_REASON_MAX + 64];
        snprintf(msg, sizeof(msg), "cannot be scheduled: %s", res.reason);
        class_remove(p, c, t);
        rc_plane_finish(p, t, RC_TASK_FAILED, RAYC__TASK_STATUS__STATUS_INFEASIBLE, msg);
        return 1;
    }
    }
}

/* t has every argument: it joins its class's FIFO; alone there, it is placed
 * at once (the common case: one place call per task). */
static void make_ready(rc_task_plane_t *p, task_t *t)
{
    tclass_t *c = t->cls;
    set_state(p, t, RC_TASK_PENDING_NODE_ASSIGNMENT);
    class_push(p, c, t);
    if (c->wait.n == 1) (void)place_head(p, c);
}

/* Tries the head of every waiting class until it does not fit; infeasible
 * classes only when the set of nodes changed. */
static void retry_classes(rc_task_plane_t *p, int all)
{
    tclass_t *c = p->active, *next;
    for (; c; c = next) {
        next = c->anext;
        if (c->infeasible && !all) continue;
        while (c->wait.head && place_head(p, c)) {
        }
    }
}

/* ---- final states ----------------------------------------------------------------- */

static void queue_dep_failure(rc_task_plane_t *p, const rc_id_t *id)
{
    if (p->nwork == p->capwork) {
        p->capwork = p->capwork ? p->capwork * 2 : 64;
        p->work = rc_realloc(p->work, p->capwork * sizeof(*p->work));
    }
    p->work[p->nwork++] = *id;
}

/* Removes t from the dependents list of every producer it still waits for. */
static void unwatch_producers(rc_task_plane_t *p, task_t *t)
{
    rc_id_t *deps = task_deps(t);
    for (uint16_t i = 0; i < t->ndeps; i++) {
        task_t *d = rc_plane_task(p, &deps[i]);
        if (!d || !d->watch) continue;
        watch_t *w = d->watch;
        for (uint32_t k = 0; k < w->ndeps; k++)
            if (w->deps[k] == t) {
                w->deps[k] = w->deps[--w->ndeps];
                break;
            }
    }
}

/* Ends t with result bytes (owned). t may be freed on return. */
static void finalize(rc_task_plane_t *p, task_t *t, rc_task_state_t st, int status, uint8_t *result,
                     size_t len, uint32_t data_off, uint32_t data_len)
{
    if (rc_plane_is_final(t)) {
        rc_free(result);
        return;
    }
    if (t->state == RC_TASK_PENDING_ARGS_AVAIL) unwatch_producers(p, t);
    if (t->state == RC_TASK_PENDING_NODE_ASSIGNMENT) class_remove(p, t->cls, t);
    if (t->node) unassign(p, t);
    set_state(p, t, st);
    t->status = (uint8_t)status;
    rc_free(t->result);
    t->result = result;
    t->result_len = (uint32_t)len;
    t->data_off = data_off;
    t->data_len = data_len;
    t->unresolved = 0;

    /* Unpin the arguments: they are no longer needed by this task. */
    rc_id_t *deps = task_deps(t);
    for (uint16_t i = 0; i < t->ndeps; i++) unpin(p, &deps[i]);

    watch_t *w = t->watch;
    t->watch = NULL;
    if (w) {
        /* Getters first: placing a dependent below may end other tasks, whose
         * getters must not include one already freed here. */
        rc_waiters_task_final(p, w->getters, w->ngetters);
        for (uint32_t i = 0; i < w->ndeps; i++) {
            task_t *d = w->deps[i];
            if (st == RC_TASK_FINISHED) {
                if (d->unresolved && --d->unresolved == 0 && d->state == RC_TASK_PENDING_ARGS_AVAIL)
                    make_ready(p, d);
            } else {
                queue_dep_failure(p, &d->id);
            }
        }
        watch_free(w);
    }
    rc_plane_maybe_free_task(p, t);
}

void rc_plane_finish(rc_task_plane_t *p, task_t *t, rc_task_state_t st, int status,
                     const char *error)
{
    size_t len;
    uint8_t *r = rc_plane_make_result(t, status, error, &len);
    finalize(p, t, st, status, r, len, 0, 0);
}

static void drain_work(rc_task_plane_t *p)
{
    if (p->draining_work) return;
    p->draining_work = 1;
    while (p->nwork) {
        rc_id_t id = p->work[--p->nwork];
        task_t *t = rc_plane_task(p, &id);
        if (!t || rc_plane_is_final(t)) continue;
        rc_plane_finish(p, t, RC_TASK_FAILED, RAYC__TASK_STATUS__STATUS_DEPENDENCY_FAILED,
                        "a task this task depends on failed or was cancelled");
    }
    p->draining_work = 0;
}

/* Worker died (or node death): another attempt, or FAILED. */
static void retry_or_fail(rc_task_plane_t *p, task_t *t, int status, const char *why)
{
    if (t->retries_left > 0) {
        if (t->node) unassign(p, t);
        t->retries_left--;
        t->attempt++;
        p->st.retries++;
        make_ready(p, t);
        return;
    }
    char msg[512];
    if (status == RAYC__TASK_STATUS__STATUS_WORKER_DIED)
        snprintf(msg, sizeof(msg), "worker died after %u retries%s%s", t->attempt,
                 why && *why ? ": " : "", why ? why : "");
    else
        snprintf(msg, sizeof(msg), "%s", why ? why : "failed");
    rc_plane_finish(p, t, RC_TASK_FAILED, status, msg);
}

void rc_plane_flush(rc_task_plane_t *p)
{
    drain_work(p);
    if (p->released || p->nodes_changed) {
        int all = p->nodes_changed;
        p->released = p->nodes_changed = 0;
        retry_classes(p, all);
        drain_work(p);
    }
    while (p->wake) {
        tnode_t *n = p->wake;
        p->wake = n->wnext;
        n->woken = 0;
        if (n->puller && rc_plane_node_has_work(n)) rc_waiters_answer_pull(p, n, NULL);
    }
    rc_waiters_arm(p);
}

/* ---- submit ---------------------------------------------------------------------- */

const char *rc_plane_check_spec(const void *spec, char *err, size_t errcap)
{
    const Rayc__TaskSpec *s = spec;
    if (s->task_id.len != 16) return "task_id must be 16 bytes";
    if (s->job_id.len != 0 && s->job_id.len != 4) return "job_id must be empty or 4 bytes";
    if (s->submitter_node_id.len != 0 && s->submitter_node_id.len != 16)
        return "submitter_node_id must be empty or 16 bytes";
    if (s->kind == RAYC__TASK_KIND__TASK_FUNCTION) {
        if (!s->library || !*s->library || !s->function || !*s->function)
            return "a TASK_FUNCTION needs library and function";
    } else if (s->kind == RAYC__TASK_KIND__TASK_COMMAND) {
        if (s->n_argv == 0 || !s->argv[0] || !*s->argv[0])
            return "a TASK_COMMAND needs a non-empty argv";
        for (size_t i = 0; i < s->n_env; i++)
            if (!strchr(s->env[i], '=') || s->env[i][0] == '=')
                return "every env entry of a TASK_COMMAND must be NAME=VALUE";
        if ((*s->cwd && *s->cwd != '/') || (*s->log_path && *s->log_path != '/'))
            return "cwd and log_path of a TASK_COMMAND must be absolute paths";
        if (s->stop_signal < 0 || s->stop_signal > 64) return "stop_signal must be 0..64";
    } else {
        return "unknown kind";
    }
    if (s->kind != RAYC__TASK_KIND__TASK_COMMAND &&
        (s->n_env || *s->cwd || *s->log_path || s->stop_signal))
        return "env, cwd, log_path and stop_signal are for TASK_COMMAND only";
    if ((unsigned)s->strategy > RAYC__STRATEGY__STRATEGY_NODE_AFFINITY) return "unknown strategy";
    if (s->strategy == RAYC__STRATEGY__STRATEGY_NODE_AFFINITY && s->affinity_node_id.len != 16)
        return "NODE_AFFINITY needs a 16-byte affinity_node_id";
    if (s->max_retries < -1) return "max_retries must be -1 (default) or >= 0";
    if (s->n_args > 65535) return "too many arguments";
    for (size_t i = 0; i < s->n_args; i++) {
        const Rayc__TaskArg *a = s->args[i];
        if (a->value_case == RAYC__TASK_ARG__VALUE_REF && a->ref.len != 16) {
            snprintf(err, errcap, "argument %zu: a ref must be 16 bytes", i);
            return err;
        }
        if (a->value_case == RAYC__TASK_ARG__VALUE_DATA && a->data.len > RC_TASK_INLINE_MAX) {
            snprintf(err, errcap,
                     "argument %zu: %zu bytes exceed the 100 KiB inline limit; OBJ.PUT it and "
                     "pass a ref",
                     i, a->data.len);
            return err;
        }
    }
    if (s->resources) {
        rc_res_t r = RC_RES_INIT;
        for (size_t i = 0; i < s->resources->n_amounts; i++) {
            const Rayc__ResourceAmount *a = s->resources->amounts[i];
            if (!a->name || rc_res_set(&r, a->name, a->amount) != RC_OK) {
                snprintf(err, errcap, "bad resource \"%s\": %lld", a->name ? a->name : "",
                         (long long)a->amount);
                rc_res_free(&r);
                return err;
            }
        }
        rc_res_free(&r);
    }
    return NULL;
}

static void key_put(rc_buf_t *k, const void *d, size_t n)
{
    rc_buf_append(k, d, n);
}

static tclass_t *class_for(rc_task_plane_t *p, const Rayc__TaskSpec *s)
{
    rc_res_t *r = &p->tmpres;
    r->cpu = r->gpu = r->memory = r->object_store_memory = 0;
    r->ncustom = 0;
    /* No resources at all means Ray's default {CPU: 1}; a list (even one saying
     * CPU 0) is taken as written, so zero-CPU tasks are possible. */
    if (!s->resources || s->resources->n_amounts == 0) {
        r->cpu = RC_RES_UNITS(1);
    } else {
        for (size_t i = 0; i < s->resources->n_amounts; i++)
            (void)rc_res_set(r, s->resources->amounts[i]->name, s->resources->amounts[i]->amount);
    }
    rc_buf_t *k = &p->key;
    rc_buf_clear(k);
    uint8_t hdr[2] = {(uint8_t)s->strategy, (uint8_t)(s->affinity_soft ? 1 : 0)};
    key_put(k, hdr, 2);
    rc_id_t aff = RC_ID_NIL, local = RC_ID_NIL;
    if (s->strategy == RAYC__STRATEGY__STRATEGY_NODE_AFFINITY)
        memcpy(aff.b, s->affinity_node_id.data, 16);
    if (s->submitter_node_id.len == 16) memcpy(local.b, s->submitter_node_id.data, 16);
    key_put(k, aff.b, 16);
    key_put(k, local.b, 16);
    const char *g = s->group ? s->group : "";
    key_put(k, g, strlen(g) + 1);
    int64_t fixed[4] = {r->cpu, r->gpu, r->memory, r->object_store_memory};
    key_put(k, fixed, sizeof(fixed));
    for (size_t i = 0; i < r->ncustom; i++) {
        key_put(k, r->custom[i].name, strlen(r->custom[i].name) + 1);
        key_put(k, &r->custom[i].amount, sizeof(int64_t));
    }
    int added;
    rc_dict_entry_t *e = rc_dict_add_or_find(p->classes, k->data, k->len, &added);
    if (!added) return e->val;
    tclass_t *c = rc_calloc(1, sizeof(*c));
    rc_res_init(&c->res);
    rc_res_copy(&c->res, r);
    c->strategy = (rc_sched_strategy_t)s->strategy;
    c->affinity = aff;
    c->soft = s->affinity_soft ? 1 : 0;
    c->group = *g ? rc_strdup(g) : NULL;
    c->local = local;
    e->val = c;
    return c;
}

int rc_plane_submit(rc_task_plane_t *p, const void *spec, const uint8_t *raw, size_t rawlen)
{
    const Rayc__TaskSpec *s = spec;
    rc_id_t id;
    memcpy(id.b, s->task_id.data, 16);
    if (rc_plane_task(p, &id) || rc_plane_obj(p, &id)) return 0;

    const char *name = s->name && *s->name                         ? s->name
                       : s->kind == RAYC__TASK_KIND__TASK_FUNCTION ? s->function
                                                                   : s->argv[0];
    size_t name_len = strlen(name);
    if (name_len > NAME_MAX_LEN) name_len = NAME_MAX_LEN;
    size_t nref = 0;
    for (size_t i = 0; i < s->n_args; i++)
        if (s->args[i]->value_case == RAYC__TASK_ARG__VALUE_REF) nref++;
    size_t spec_pad = (rawlen + 7u) & ~(size_t)7u;
    task_t *t = rc_malloc(sizeof(*t) + spec_pad + nref * sizeof(rc_id_t) + name_len + 1);
    memset(t, 0, sizeof(*t));
    t->id = id;
    t->spec_len = (uint32_t)rawlen;
    memcpy(t->data, raw, rawlen);
    t->retries_left = s->max_retries < 0 ? DEFAULT_RETRIES : s->max_retries;
    t->flags = F_CLIENT_REF | (s->retry_exceptions ? F_RETRY_EXC : 0) | (nref ? F_REFARGS : 0) |
               (s->kind == RAYC__TASK_KIND__TASK_COMMAND ? F_COMMAND : 0);
    t->name_len = (uint8_t)name_len;
    t->state = RC_TASK_PENDING_ARGS_AVAIL;
    t->create_ms = p->now;
    t->tn = name_entry(p, name, name_len);
    if (s->job_id.len == sizeof(t->job)) {
        memcpy(t->job, s->job_id.data, sizeof(t->job));
        t->flags |= F_JOB;
    }
    t->cls = class_for(p, s);

    /* Dependencies: pin each existing object; wait for producers not yet final. */
    rc_id_t *deps = task_deps(t);
    const char *fail = NULL;
    char failbuf[160];
    int dep_failed = 0;
    for (size_t i = 0; i < s->n_args; i++) {
        const Rayc__TaskArg *a = s->args[i];
        if (a->value_case != RAYC__TASK_ARG__VALUE_REF) continue;
        rc_id_t rid;
        memcpy(rid.b, a->ref.data, 16);
        task_t *d = rc_plane_task(p, &rid);
        tobj_t *o = d ? NULL : rc_plane_obj(p, &rid);
        if (!d && !o) {
            if (!fail) {
                char hex[RC_ID_HEX_LEN + 1];
                rc_id_to_hex(&rid, hex);
                snprintf(failbuf, sizeof(failbuf),
                         "argument %zu refers to unknown object %s: never submitted or already "
                         "released",
                         i, hex);
                fail = failbuf;
            }
            continue;
        }
        deps[t->ndeps++] = rid;
        if (o) {
            o->npins++;
            continue;
        }
        d->npins++;
        if (!rc_plane_is_final(d)) {
            t->unresolved++;
            watch_add_dep(d, t);
        } else if (d->state != RC_TASK_FINISHED) {
            dep_failed = 1;
        }
    }
    memcpy((char *)(deps + t->ndeps), name, name_len);
    ((char *)(deps + t->ndeps))[name_len] = '\0';
    /* The name was written right after the pinned ids; ndeps is final now, so
     * task_name(t) points at it (the buffer was sized for every ref). */
    rc_dict_add(p->tasks, id.b, 16, t);
    t->anext = p->all;
    if (p->all) p->all->aprev = t;
    p->all = t;
    p->st.records++;
    p->st.submitted++;
    p->st.count[RC_TASK_PENDING_ARGS_AVAIL]++;
    t->tn->count[RC_TASK_PENDING_ARGS_AVAIL]++;

    if (fail) {
        rc_plane_finish(p, t, RC_TASK_FAILED, RAYC__TASK_STATUS__STATUS_DEPENDENCY_FAILED, fail);
    } else if (dep_failed) {
        rc_plane_finish(p, t, RC_TASK_FAILED, RAYC__TASK_STATUS__STATUS_DEPENDENCY_FAILED,
                        "a task this task depends on failed or was cancelled");
    } else if (t->unresolved == 0) {
        make_ready(p, t);
    }
    return 1;
}

/* ---- done / cancel ---------------------------------------------------------------- */

int rc_plane_done(rc_task_plane_t *p, const void *res, const uint8_t *raw, size_t rawlen)
{
    const Rayc__TaskResult *r = res;
    rc_id_t id;
    if (r->task_id.len != 16) goto stale;
    memcpy(id.b, r->task_id.data, 16);
    task_t *t = rc_plane_task(p, &id);
    if (!t || t->state != RC_TASK_RUNNING || r->attempt != t->attempt || !t->node) goto stale;
    if (r->node_id.len && (r->node_id.len != 16 || memcmp(r->node_id.data, t->node->id.b, 16)))
        goto stale;
    t->worker_pid = r->worker_pid;
    if (r->worker_id.len == sizeof(t->worker_id.b))
        memcpy(t->worker_id.b, r->worker_id.data, sizeof(t->worker_id.b));
    switch (r->status) {
    case RAYC__TASK_STATUS__STATUS_OK: {
        char msg[300];
        if (r->data.len > RC_TASK_INLINE_MAX || (r->in_store && r->data.len)) {
            snprintf(msg, sizeof(msg),
                     "result of %zu bytes sent inline; values over the 100 KiB inline limit stay "
                     "in the node's object store (the worker is too old or broken)",
                     r->data.len);
            rc_plane_finish(p, t, RC_TASK_FAILED, RAYC__TASK_STATUS__STATUS_OBJECT_TOO_LARGE, msg);
            return 1;
        }
        if (r->in_store) {
            char why[160];
            if (rc_plane_loc_add(p, &id, r->object_size, t->node, why, sizeof(why)) != RC_OK) {
                snprintf(msg, sizeof(msg), "result kept in the node's object store refused: %s",
                         why);
                rc_plane_finish(p, t, RC_TASK_FAILED, RAYC__TASK_STATUS__STATUS_OBJECT_TOO_LARGE,
                                msg);
                return 1;
            }
        }
        rc_wire_slice_t d = {NULL, 0};
        uint32_t off = 0;
        if (rc_wire_find(raw, rawlen, 4, &d)) off = (uint32_t)(d.p - raw);
        uint8_t *copy = rc_malloc(rawlen ? rawlen : 1);
        memcpy(copy, raw, rawlen);
        finalize(p, t, RC_TASK_FINISHED, r->status, copy, rawlen, off, (uint32_t)d.len);
        return 1;
    }
    case RAYC__TASK_STATUS__STATUS_APP_ERROR:
        if ((t->flags & F_RETRY_EXC) && t->retries_left > 0) {
            retry_or_fail(p, t, r->status, NULL);
            return 1;
        }
        break;
    case RAYC__TASK_STATUS__STATUS_WORKER_DIED: retry_or_fail(p, t, r->status, r->error); return 1;
    case RAYC__TASK_STATUS__STATUS_CANCELLED: {
        uint8_t *copy = rc_malloc(rawlen ? rawlen : 1);
        memcpy(copy, raw, rawlen);
        finalize(p, t, RC_TASK_CANCELLED, r->status, copy, rawlen, 0, 0);
        return 1;
    }
    default: break;
    }
    uint8_t *copy = rc_malloc(rawlen ? rawlen : 1);
    memcpy(copy, raw, rawlen);
    finalize(p, t, RC_TASK_FAILED, r->status, copy, rawlen, 0, 0);
    return 1;
stale:
    p->st.stale_results++;
    return 0;
}

static void add_cancel(tnode_t *n, const rc_id_t *id, int force)
{
    if (n->ncancels == n->capcancels) {
        n->capcancels = n->capcancels ? n->capcancels * 2 : 4;
        n->cancels = rc_realloc(n->cancels, n->capcancels * sizeof(*n->cancels));
    }
    n->cancels[n->ncancels].id = *id;
    n->cancels[n->ncancels++].force = (uint8_t)(force ? 1 : 0);
}

int rc_plane_cancel(rc_task_plane_t *p, task_t *t, int force)
{
    if (rc_plane_is_final(t)) return 0;
    if (t->state == RC_TASK_RUNNING && t->node) {
        add_cancel(t->node, &t->id, force);
        /* A puller present now gets the cancellation at once. */
        wake_node(p, t->node);
    }
    /* Cancelled at once, also when running: the worker's later result is stale. */
    rc_plane_finish(p, t, RC_TASK_CANCELLED, RAYC__TASK_STATUS__STATUS_CANCELLED,
                    force ? "cancelled (force)" : "cancelled");
    return 1;
}

/* ---- pull ---------------------------------------------------------------------------- */

int rc_plane_node_has_work(const tnode_t *n)
{
    return n->ncancels > 0 || n->nfrees > 0 || (n->state == RC_NODE_ALIVE && n->queued.n > 0);
}

typedef struct {
    task_t *t;
    Rayc__TaskSpec *spec; /* unpacked when some argument is a ref */
    ProtobufCBinaryData *saved;
    size_t size; /* bytes of the TaskSpec as sent */
} pitem_t;

#define LOC_ADDRS_MAX 8

/* Replaces ref arguments by the data of their objects, in place (pointers into
 * the stored results; nothing is copied). A ref to an object kept in node
 * stores stays a ref, with its size and where to fetch it (n's own address
 * first when n holds it). */
static void resolve_refs(rc_task_plane_t *p, tnode_t *n, pitem_t *it)
{
    Rayc__TaskSpec *s = it->spec;
    it->saved = rc_calloc(s->n_args ? s->n_args : 1, sizeof(*it->saved));
    for (size_t i = 0; i < s->n_args; i++) {
        Rayc__TaskArg *a = s->args[i];
        if (a->value_case != RAYC__TASK_ARG__VALUE_REF || a->ref.len != 16) continue;
        rc_id_t rid;
        memcpy(rid.b, a->ref.data, 16);
        tloc_t *l = rc_plane_loc(p, &rid);
        if (l) {
            const char *addrs[LOC_ADDRS_MAX];
            size_t na = rc_plane_loc_addrs(p, l, addrs, LOC_ADDRS_MAX);
            for (size_t k = 1; k < na; k++)
                if (addrs[k] == n->objaddr) {
                    addrs[k] = addrs[0];
                    addrs[0] = n->objaddr;
                }
            a->size = l->size ? l->size : 1;
            a->n_locations = na;
            a->locations = na ? rc_malloc(na * sizeof(char *)) : NULL;
            if (na) memcpy(a->locations, addrs, na * sizeof(char *));
            continue;
        }
        it->saved[i] = a->ref;
        ProtobufCBinaryData d = {0, NULL};
        task_t *dt = rc_plane_task(p, &rid);
        tobj_t *o = dt ? NULL : rc_plane_obj(p, &rid);
        if (dt && dt->result) {
            d.data = dt->result + dt->data_off;
            d.len = dt->data_len;
        } else if (o) {
            d.data = o->data;
            d.len = o->len;
        }
        a->value_case = RAYC__TASK_ARG__VALUE_DATA;
        a->data = d;
    }
    s->attempt = it->t->attempt;
}

static void unresolve(pitem_t *it)
{
    Rayc__TaskSpec *s = it->spec;
    for (size_t i = 0; i < s->n_args; i++) {
        if (it->saved[i].data) {
            s->args[i]->value_case = RAYC__TASK_ARG__VALUE_REF;
            s->args[i]->ref = it->saved[i];
        }
        /* Borrowed addresses: only the array is ours. */
        rc_free(s->args[i]->locations);
        s->args[i]->locations = NULL;
        s->args[i]->n_locations = 0;
    }
    rc_free(it->saved);
    rayc__task_spec__free_unpacked(s, NULL);
}

void rc_plane_pull_reply(rc_task_plane_t *p, tnode_t *n, uint32_t slots, rc_buf_t *out)
{
    size_t ntask = n->state == RC_NODE_ALIVE ? n->queued.n : 0;
    if (ntask > slots) ntask = slots;
    pitem_t stackitems[64];
    pitem_t *items = ntask <= 64 ? stackitems : rc_malloc(ntask * sizeof(*items));
    size_t total = 0, k = 0;
    for (task_t *t = n->queued.head; t && k < ntask; t = t->next, k++) {
        pitem_t *it = &items[k];
        it->t = t;
        it->spec = NULL;
        it->saved = NULL;
        if (t->flags & F_REFARGS) {
            it->spec = rayc__task_spec__unpack(NULL, t->spec_len, task_spec(t));
        }
        if (it->spec) {
            resolve_refs(p, n, it);
            it->size = rayc__task_spec__get_packed_size(it->spec);
        } else {
            /* The stored bytes plus attempt (field 17, varint): a later field
             * value wins in protobuf, so the head's attempt overrides. */
            it->size = t->spec_len + 2 + rc_wire_varint_len(t->attempt);
        }
        total += 1 + rc_wire_varint_len(it->size) + it->size;
    }
    for (size_t i = 0; i < n->ncancels; i++) total += 1 + 1 + 16;
    if (n->ncancels) total += 1 + rc_wire_varint_len(n->ncancels) + n->ncancels;
    total += n->nfrees * (1 + 1 + 16);

    rc_buf_printf(out, "$%zu\r\n", total);
    size_t start = out->len;
    rc_buf_reserve(out, total + 2);
    for (k = 0; k < ntask; k++) {
        pitem_t *it = &items[k];
        task_t *t = it->t;
        rc_wire_put_ld(out, 1, it->size);
        if (it->spec) {
            char *dst = rc_buf_reserve(out, it->size);
            out->len += rayc__task_spec__pack(it->spec, (uint8_t *)dst);
            unresolve(it);
        } else {
            rc_buf_append(out, task_spec(t), t->spec_len);
            rc_wire_put_varint(out, (17u << 3) | 0);
            rc_wire_put_varint(out, t->attempt);
        }
        q_remove(&n->queued, t);
        set_state(p, t, RC_TASK_RUNNING);
        q_push(&n->running, t);
    }
    for (size_t i = 0; i < n->ncancels; i++) {
        rc_wire_put_ld(out, 2, 16);
        rc_buf_append(out, n->cancels[i].id.b, 16);
    }
    if (n->ncancels) {
        rc_wire_put_ld(out, 3, n->ncancels);
        for (size_t i = 0; i < n->ncancels; i++) rc_buf_append_char(out, (char)n->cancels[i].force);
    }
    n->ncancels = 0;
    for (size_t i = 0; i < n->nfrees; i++) {
        rc_wire_put_ld(out, 4, 16);
        rc_buf_append(out, n->frees[i].b, 16);
    }
    n->nfrees = 0;
    RC_ASSERT(out->len - start == total);
    rc_buf_append(out, "\r\n", 2);
    if (items != stackitems) rc_free(items);
}

static void node_view_set(rc_task_plane_t *p, tnode_t *tn, const rc_node_t *n);

/* ---- reconstruction ------------------------------------------------------------------- */

static int deps_present(rc_task_plane_t *p, task_t *t)
{
    rc_id_t *deps = task_deps(t);
    for (uint16_t i = 0; i < t->ndeps; i++) {
        task_t *d = rc_plane_task(p, &deps[i]);
        if (d ? d->state != RC_TASK_FINISHED : !rc_plane_obj(p, &deps[i])) return 0;
    }
    return 1;
}

static int depends_on(task_t *t, const rc_id_t *id)
{
    rc_id_t *deps = task_deps(t);
    for (uint16_t i = 0; i < t->ndeps; i++)
        if (rc_id_eq(&deps[i], id)) return 1;
    return 0;
}

int rc_plane_rerun(rc_task_plane_t *p, task_t *t)
{
    if (t->state != RC_TASK_FINISHED || (t->flags & F_COMMAND) || t->retries_left <= 0 ||
        !deps_present(p, t))
        return 0;
    /* Back to not final: the FINISHED count it added is taken back. */
    p->st.count[RC_TASK_FINISHED]--;
    t->tn->count[RC_TASK_FINISHED]--;
    t->state = RC_TASK_PENDING_ARGS_AVAIL;
    p->st.count[RC_TASK_PENDING_ARGS_AVAIL]++;
    t->tn->count[RC_TASK_PENDING_ARGS_AVAIL]++;
    rc_free(t->result);
    t->result = NULL;
    t->result_len = t->data_off = t->data_len = 0;
    t->status = 0;
    t->start_ms = t->end_ms = 0;
    t->retries_left--;
    t->attempt++;
    p->st.retries++;
    rc_id_t *deps = task_deps(t);
    for (uint16_t i = 0; i < t->ndeps; i++) {
        task_t *d = rc_plane_task(p, &deps[i]);
        tobj_t *o = d ? NULL : rc_plane_obj(p, &deps[i]);
        if (d) d->npins++;
        if (o) o->npins++;
    }
    /* Tasks waiting for a node with this value as an argument wait for it again. */
    for (task_t *d = p->all; d; d = d->anext) {
        if (d->state != RC_TASK_PENDING_NODE_ASSIGNMENT || !depends_on(d, &t->id)) continue;
        class_remove(p, d->cls, d);
        set_state(p, d, RC_TASK_PENDING_ARGS_AVAIL);
        d->unresolved++;
        watch_add_dep(t, d);
    }
    make_ready(p, t);
    return 1;
}

/* ---- nodes ----------------------------------------------------------------------------- */

void rc_plane_node_refresh(rc_task_plane_t *p, tnode_t *n)
{
    rc_node_t *info = p->nodes ? rc_node_table_get(p->nodes, &n->id) : NULL;
    if (!info || n->state == RC_NODE_DEAD) return;
    node_view_set(p, n, info);
    p->released = 1;
}

static void tnode_free(void *v)
{
    tnode_t *n = v;
    rc_res_free(&n->total);
    rc_res_free(&n->used);
    rc_free(n->cancels);
    rc_free(n->frees);
    rc_free(n);
}

/* Every task placed on n gets another attempt (or fails): n is gone, or is a
 * new process of the same node. */
static void evacuate(rc_task_plane_t *p, tnode_t *n, const char *why)
{
    while (n->running.head)
        retry_or_fail(p, n->running.head, RAYC__TASK_STATUS__STATUS_WORKER_DIED, why);
    while (n->queued.head)
        retry_or_fail(p, n->queued.head, RAYC__TASK_STATUS__STATUS_WORKER_DIED, why);
    n->ncancels = 0;
}

static void node_view_set(rc_task_plane_t *p, tnode_t *tn, const rc_node_t *n)
{
    rc_sched_label_t lstack[16];
    rc_sched_label_t *labels = n->nlabels <= 16 ? lstack : rc_malloc(n->nlabels * sizeof(*labels));
    for (size_t i = 0; i < n->nlabels; i++) {
        labels[i].key = n->labels[i].key;
        labels[i].value = n->labels[i].value;
    }
    /* available = total - what the head placed there (clamped at 0). */
    rc_res_t avail = RC_RES_INIT;
    rc_res_copy(&avail, &n->total);
    avail.cpu = avail.cpu > tn->used.cpu ? avail.cpu - tn->used.cpu : 0;
    avail.gpu = avail.gpu > tn->used.gpu ? avail.gpu - tn->used.gpu : 0;
    avail.memory = avail.memory > tn->used.memory ? avail.memory - tn->used.memory : 0;
    /* The object store also holds the objects kept there (their bytes, as the
     * head knows them), so a node full of objects scores as busy. */
    int64_t obj = tn->obj_bytes > (uint64_t)(RC_RES_MAX / RC_RES_SCALE)
                      ? RC_RES_MAX
                      : (int64_t)tn->obj_bytes * RC_RES_SCALE;
    int64_t osm_used = tn->used.object_store_memory + obj;
    avail.object_store_memory =
        avail.object_store_memory > osm_used ? avail.object_store_memory - osm_used : 0;
    for (size_t i = 0; i < avail.ncustom;) {
        int64_t u = rc_res_get(&tn->used, avail.custom[i].name);
        int64_t a = avail.custom[i].amount > u ? avail.custom[i].amount - u : 0;
        char name[RC_RES_NAME_MAX + 1];
        memcpy(name, avail.custom[i].name, sizeof(name));
        (void)rc_res_set(&avail, name, a);
        if (a > 0) i++;
    }
    rc_sched_node_info_t info = {.id = n->id,
                                 .group = n->group,
                                 .labels = labels,
                                 .nlabels = n->nlabels,
                                 .total = &n->total,
                                 .available = &avail,
                                 .state = (rc_sched_state_t)n->state};
    uint32_t slot = RC_SCHED_NONE;
    if (rc_sched_node_set(p->sched, &info, &slot) != RC_OK) {
        char hex[RC_ID_HEX_LEN + 1];
        rc_id_to_hex(&n->id, hex);
        rc_log_warn("tasks", "node %s not usable for scheduling (bad resources or labels)", hex);
    }
    if (slot != RC_SCHED_NONE) {
        if (slot >= p->nslots) {
            size_t ns = p->nslots ? p->nslots : 16;
            while (ns <= slot) ns *= 2;
            p->byslot = rc_realloc(p->byslot, ns * sizeof(*p->byslot));
            memset(p->byslot + p->nslots, 0, (ns - p->nslots) * sizeof(*p->byslot));
            p->nslots = ns;
        }
        p->byslot[slot] = tn;
    }
    tn->slot = slot;
    rc_res_copy(&tn->total, &n->total);
    rc_res_free(&avail);
    if (labels != lstack) rc_free(labels);
}

static void node_remove(rc_task_plane_t *p, tnode_t *tn)
{
    if (tn->puller) rc_waiters_answer_pull(p, tn, "NOTFOUND node is DEAD: register it again");
    if (tn->slot != RC_SCHED_NONE && tn->slot < p->nslots) p->byslot[tn->slot] = NULL;
    (void)rc_sched_node_remove(p->sched, &tn->id);
    /* No stale wake entry may point at it. */
    tnode_t **pp = &p->wake;
    while (*pp) {
        if (*pp == tn)
            *pp = tn->wnext;
        else
            pp = &(*pp)->wnext;
    }
    rc_dict_delete(p->tnodes, tn->id.b, 16);
}

void rc_task_plane_node_event(void *arg, const rc_node_t *n, const char *event)
{
    rc_task_plane_t *p = arg;
    tnode_t *tn = rc_plane_node(p, &n->id);
    if (!p->now) p->now = rc_clock_wall_ms();
    if (n->state == RC_NODE_DEAD) {
        if (!tn) return;
        /* Out of the view first, so retried tasks go elsewhere. */
        if (tn->slot != RC_SCHED_NONE)
            (void)rc_sched_node_set_state(p->sched, tn->slot, RC_SCHED_DEAD);
        tn->state = RC_NODE_DEAD;
        evacuate(p, tn, n->death_reason);
        rc_plane_loc_node_gone(p, tn);
        node_remove(p, tn);
        p->nodes_changed = 1;
        rc_plane_flush(p);
        return;
    }
    if (!tn) {
        tn = rc_calloc(1, sizeof(*tn));
        tn->id = n->id;
        tn->slot = RC_SCHED_NONE;
        rc_res_init(&tn->total);
        rc_res_init(&tn->used);
        rc_dict_add(p->tnodes, n->id.b, 16, tn);
    } else if (strcmp(event, "NODE_RECONNECTED") == 0 &&
               (tn->start_time_ms != n->start_time_ms || tn->pid != n->pid)) {
        /* A new agent process: what the old one ran is lost. */
        if (tn->slot != RC_SCHED_NONE)
            (void)rc_sched_node_set_state(p->sched, tn->slot, RC_SCHED_DEAD);
        evacuate(p, tn, "the node's agent restarted");
        rc_plane_loc_node_gone(p, tn);
    }
    if (n->object_port && n->node_ip && *n->node_ip)
        snprintf(tn->objaddr, sizeof(tn->objaddr), strchr(n->node_ip, ':') ? "[%s]:%u" : "%s:%u",
                 n->node_ip, (unsigned)n->object_port);
    else
        tn->objaddr[0] = '\0';
    tn->start_time_ms = n->start_time_ms;
    tn->pid = n->pid;
    tn->state = n->state;
    node_view_set(p, tn, n);
    if (n->state == RC_NODE_DRAINING) {
        /* Queued, not started: place them elsewhere. */
        while (tn->queued.head) {
            task_t *t = tn->queued.head;
            unassign(p, t);
            make_ready(p, t);
        }
        if (tn->puller) rc_waiters_answer_pull(p, tn, NULL);
    }
    p->nodes_changed = 1;
    rc_plane_flush(p);
}

void rc_task_plane_job_ended(rc_task_plane_t *p, const uint8_t job[4])
{
    /* Collected first: releasing frees records the walk would step on. */
    rc_id_t *ids = NULL;
    size_t n = 0, cap = 0;
    for (task_t *t = p->all; t; t = t->anext)
        if ((t->flags & F_JOB) && (t->flags & F_CLIENT_REF) && !memcmp(t->job, job, 4)) {
            if (n == cap) ids = rc_realloc(ids, (cap = cap ? 2 * cap : 64) * sizeof(*ids));
            ids[n++] = t->id;
        }
    size_t ntasks = n;
    rc_dict_iter_t it;
    rc_dict_entry_t *e;
    rc_dict_iter_init(p->objs, &it);
    while ((e = rc_dict_iter_next(&it)) != NULL) {
        tobj_t *o = e->val;
        if (!o->has_job || !o->client_ref || memcmp(o->job, job, 4)) continue;
        if (n == cap) ids = rc_realloc(ids, (cap = cap ? 2 * cap : 64) * sizeof(*ids));
        memcpy(ids[n++].b, e->key, 16);
    }
    rc_dict_iter_done(&it);
    for (size_t i = 0; i < n; i++) {
        if (i < ntasks) {
            task_t *t = rc_plane_task(p, &ids[i]);
            if (!t) continue;
            t->flags &= (uint8_t)~F_CLIENT_REF;
            rc_plane_maybe_free_task(p, t);
        } else {
            tobj_t *o = rc_plane_obj(p, &ids[i]);
            if (!o) continue;
            o->client_ref = 0;
            rc_plane_maybe_free_obj(p, &ids[i], o);
        }
    }
    if (n)
        rc_log_info("tasks", "job %02x%02x%02x%02x ended: released %zu tasks and %zu put values",
                    job[0], job[1], job[2], job[3], ntasks, n - ntasks);
    rc_free(ids);
    rc_plane_flush(p);
}

/* ---- plane ------------------------------------------------------------------------- */

static void task_free(void *v)
{
    task_t *t = v;
    watch_free(t->watch);
    rc_free(t->result);
    rc_free(t);
}

typedef struct {
    struct {
        const rc_res_t *res;
        uint64_t count;
    } * v;
    size_t n, cap;
} demand_agg_t;

static void demand_add(demand_agg_t *a, const rc_res_t *res, uint64_t count)
{
    size_t i;
    for (i = 0; i < a->n; i++)
        if (rc_res_eq(a->v[i].res, res)) break;
    if (i == a->n) {
        if (a->n == a->cap) {
            a->cap = a->cap ? a->cap * 2 : 8;
            a->v = rc_realloc(a->v, a->cap * sizeof(*a->v));
        }
        a->v[i].res = res;
        a->v[a->n++].count = 0;
    }
    a->v[i].count += count;
}

/* Tasks placed on a node ahead of its resources (prefetched, F_PREFETCH) wait
 * for resources like those in a class queue: they are pending demand too, as
 * the tasks queued in Ray's raylets are in its resource load. */
static void demand_prefetched(rc_task_plane_t *p, demand_agg_t *a)
{
    rc_dict_iter_t it;
    rc_dict_entry_t *e;
    rc_dict_iter_init(p->tnodes, &it);
    while ((e = rc_dict_iter_next(&it)) != NULL) {
        tnode_t *n = e->val;
        uint32_t left = n->nprefetch;
        tqueue_t *lists[2] = {&n->queued, &n->running};
        for (int l = 0; l < 2 && left; l++)
            for (task_t *t = lists[l]->head; t && left; t = t->next)
                if (t->flags & F_PREFETCH) {
                    demand_add(a, &t->cls->res, 1);
                    left--;
                }
    }
    rc_dict_iter_done(&it);
}

static void demand(void *arg, rc_jw_t *w, int infeasible)
{
    rc_task_plane_t *p = arg;
    demand_agg_t a = {0};
    for (tclass_t *c = p->active; c; c = c->anext)
        if (c->wait.n && (c->infeasible != 0) == (infeasible != 0))
            demand_add(&a, &c->res, c->wait.n);
    if (!infeasible) demand_prefetched(p, &a);
    rc_jw_arr_begin(w);
    for (size_t i = 0; i < a.n; i++) {
        rc_jw_obj_begin(w);
        rc_jw_key(w, "shape");
        rc_res_to_json(a.v[i].res, w);
        rc_jw_key(w, "count");
        rc_jw_uint(w, a.v[i].count);
        rc_jw_obj_end(w);
    }
    rc_jw_arr_end(w);
    rc_free(a.v);
}

rc_task_plane_t *rc_task_plane_new(uv_loop_t *loop, rc_node_table_t *nodes,
                                   rc_node_publish_fn publish, void *publish_arg)
{
    rc_task_plane_t *p = rc_calloc(1, sizeof(*p));
    rc_sched_opts_t so;
    rc_sched_opts_default(&so);
    rc_sched_opts_from_env(&so);
    p->sched = rc_sched_new(&so);
    p->loop = loop;
    int64_t v = RC_TASK_PREFETCH_PER_CPU_DEFAULT;
    rc_env_i64("RAYC_TASK_PREFETCH_PER_CPU", 0, 64, &v, "tasks");
    p->prefetch_per_cpu = (uint32_t)v;
    v = RC_TASK_PREFETCH_MAX_MS_DEFAULT;
    rc_env_i64("RAYC_TASK_PREFETCH_MAX_MS", 0, 3600000, &v, "tasks");
    p->prefetch_max_ms = (uint32_t)v;
    p->nodes = nodes;
    p->publish = publish;
    p->publish_arg = publish_arg;
    p->tasks = rc_dict_new(task_free);
    p->objs = rc_dict_new(rc_free);
    p->locs = rc_dict_new(rc_plane_loc_free);
    p->classes = rc_dict_new(class_free);
    p->tnodes = rc_dict_new(tnode_free);
    p->names = rc_dict_new(rc_free);
    /* Finished tasks kept for listing (Ray's setting of the same name). */
    v = RC_TASK_HISTORY;
    rc_env_i64("RAY_task_events_max_num_task_in_gcs", 0, 10000000, &v, "tasks");
    p->ring_cap = (size_t)v;
    p->ring = rc_calloc(p->ring_cap ? p->ring_cap : 1, sizeof(*p->ring));
    rc_res_init(&p->tmpres);
    rc_buf_init(&p->key);
    if (loop) {
        uv_timer_init(loop, &p->timer);
        p->timer.data = p;
        p->timer_inited = 1;
    }
    if (nodes) {
        rc_node_table_set_listener(nodes, rc_task_plane_node_event, p);
        rc_node_table_set_demand(nodes, demand, p);
        for (rc_node_t *n = rc_node_table_first(nodes); n; n = n->next)
            if (n->state != RC_NODE_DEAD) rc_task_plane_node_event(p, n, "NODE_ADDED");
    }
    return p;
}

void rc_task_plane_close(rc_task_plane_t *p)
{
    if (!p) return;
    if (p->nodes) {
        rc_node_table_set_listener(p->nodes, NULL, NULL);
        rc_node_table_set_demand(p->nodes, NULL, NULL);
        p->nodes = NULL;
    }
    if (p->timer_inited && !uv_is_closing((uv_handle_t *)&p->timer))
        uv_close((uv_handle_t *)&p->timer, NULL);
}

void rc_task_plane_free(rc_task_plane_t *p)
{
    if (!p) return;
    if (p->nodes) {
        rc_node_table_set_listener(p->nodes, NULL, NULL);
        rc_node_table_set_demand(p->nodes, NULL, NULL);
    }
    rc_waiters_free_all(p);
    rc_dict_free(p->tasks);
    rc_dict_free(p->objs);
    rc_dict_free(p->locs);
    rc_dict_free(p->classes);
    rc_dict_free(p->tnodes);
    rc_dict_free(p->names);
    rc_free(p->name_list);
    rc_sched_free(p->sched);
    rc_free(p->byslot);
    rc_free(p->heap);
    rc_free(p->ring);
    rc_free(p->work);
    rc_res_free(&p->tmpres);
    rc_buf_free(&p->key);
    rc_free(p);
}

void rc_task_plane_stats(const rc_task_plane_t *p, rc_task_stats_t *out)
{
    *out = p->st;
}

void rc_task_plane_stats_json(const rc_task_plane_t *p, rc_buf_t *out)
{
    rc_jw_t w;
    rc_jw_init(&w, out);
    rc_jw_obj_begin(&w);
    for (int s = 0; s < RC_TASK_NSTATES; s++) {
        rc_jw_key(&w, state_names[s]);
        rc_jw_uint(&w, p->st.count[s]);
    }
    rc_jw_key(&w, "infeasible");
    rc_jw_uint(&w, p->st.infeasible);
    rc_jw_key(&w, "records");
    rc_jw_uint(&w, p->st.records);
    rc_jw_key(&w, "objects");
    rc_jw_uint(&w, p->st.objects);
    rc_jw_key(&w, "submitted");
    rc_jw_uint(&w, p->st.submitted);
    rc_jw_key(&w, "retries");
    rc_jw_uint(&w, p->st.retries);
    rc_jw_key(&w, "stale_results");
    rc_jw_uint(&w, p->st.stale_results);
    rc_jw_obj_end(&w);
}

int rc_task_plane_state(rc_task_plane_t *p, const rc_id_t *id)
{
    task_t *t = rc_plane_task(p, id);
    return t ? t->state : -1;
}

size_t rc_task_plane_history(const rc_task_plane_t *p, const rc_task_summary_t **first,
                             size_t *nfirst, const rc_task_summary_t **second, size_t *nsecond)
{
    size_t a = p->ring_n;
    if (p->ring_start + a > p->ring_cap) a = p->ring_cap - p->ring_start;
    *first = p->ring + p->ring_start;
    *nfirst = a;
    *second = p->ring;
    *nsecond = p->ring_n - a;
    return p->ring_n;
}
