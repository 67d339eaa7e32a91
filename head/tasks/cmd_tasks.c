/* cmd_tasks.c — the TASK.* and OBJ.* commands and their blocked waiters
 * (TASK.PULL, TASK.GET, TASK.WAIT): argument parsing, replies, the deadline
 * heap and its timer. The model lives in plane.c. */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "alloc.h"
#include "id.h"
#include "clock.h"
#include "plane.h"
#include "resp.h"
#include "task.pb-c.h"
#include "wire.h"

#define ERRLEN 256

static rc_task_plane_t *plane_of(rc_cmd_ctx_t *c)
{
    if (c->tasks) {
        c->tasks->now = c->now_ms;
        return c->tasks;
    }
    rc_resp_write_error(c->out, "ERR the task plane is not available on this server");
    return NULL;
}

static int arg_id(rc_cmd_ctx_t *c, size_t i, rc_id_t *id)
{
    if (rc_id_from_hex(c->argv[i], c->argl[i], id) == RC_OK) return 1;
    rc_resp_write_errorf(c->out, "ERR invalid id (%zu bytes): expected 32 hex digits", c->argl[i]);
    return 0;
}

/* ---- deadline heap ---------------------------------------------------------------- */

static void heap_swap(rc_task_plane_t *p, size_t a, size_t b)
{
    waiter_t *t = p->heap[a];
    p->heap[a] = p->heap[b];
    p->heap[b] = t;
    p->heap[a]->hidx = a;
    p->heap[b]->hidx = b;
}

static void heap_up(rc_task_plane_t *p, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (p->heap[parent]->deadline <= p->heap[i]->deadline) break;
        heap_swap(p, i, parent);
        i = parent;
    }
}

static void heap_down(rc_task_plane_t *p, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < p->nheap && p->heap[l]->deadline < p->heap[m]->deadline) m = l;
        if (r < p->nheap && p->heap[r]->deadline < p->heap[m]->deadline) m = r;
        if (m == i) return;
        heap_swap(p, i, m);
        i = m;
    }
}

static void heap_add(rc_task_plane_t *p, waiter_t *w)
{
    if (p->nheap == p->capheap) {
        p->capheap = p->capheap ? p->capheap * 2 : 16;
        p->heap = rc_realloc(p->heap, p->capheap * sizeof(*p->heap));
    }
    w->hidx = p->nheap;
    p->heap[p->nheap++] = w;
    heap_up(p, w->hidx);
}

static void heap_del(rc_task_plane_t *p, waiter_t *w)
{
    size_t i = w->hidx;
    if (i == SIZE_MAX) return;
    w->hidx = SIZE_MAX;
    if (i != --p->nheap) {
        p->heap[i] = p->heap[p->nheap];
        p->heap[i]->hidx = i;
        heap_down(p, i);
        heap_up(p, i);
    }
}

static void on_timer(uv_timer_t *h)
{
    rc_task_plane_expire(h->data, rc_clock_wall_ms());
}

void rc_waiters_arm(rc_task_plane_t *p)
{
    if (!p->timer_inited || uv_is_closing((uv_handle_t *)&p->timer)) return;
    if (p->nheap == 0 || p->heap[0]->deadline == UINT64_MAX) {
        uv_timer_stop(&p->timer);
        return;
    }
    uint64_t d = p->heap[0]->deadline, now = rc_clock_wall_ms();
    uv_timer_start(&p->timer, on_timer, d > now ? d - now : 0, 0);
}

/* ---- waiters ------------------------------------------------------------------------- */

static waiter_t *waiter_new(rc_task_plane_t *p, wkind_t kind, uint64_t deadline)
{
    waiter_t *w = rc_calloc(1, sizeof(*w));
    w->kind = kind;
    w->plane = p;
    w->deadline = deadline;
    w->hidx = SIZE_MAX;
    w->wnext = p->waiters;
    if (p->waiters) p->waiters->wprev = w;
    p->waiters = w;
    if (deadline != UINT64_MAX) heap_add(p, w);
    return w;
}

/* Takes w out of every structure (heap, watch lists, node) and frees it. */
static void waiter_free(rc_task_plane_t *p, waiter_t *w)
{
    heap_del(p, w);
    if (w->wprev)
        w->wprev->wnext = w->wnext;
    else
        p->waiters = w->wnext;
    if (w->wnext) w->wnext->wprev = w->wprev;
    if (w->kind == W_PULL) {
        if (w->node && w->node->puller == w) w->node->puller = NULL;
    } else {
        for (size_t i = 0; i < w->nids; i++) {
            task_t *t = rc_plane_task(p, &w->ids[i]);
            if (!t || !t->watch) continue;
            watch_t *wt = t->watch;
            for (uint32_t k = 0; k < wt->ngetters;)
                if (wt->getters[k] == w)
                    wt->getters[k] = wt->getters[--wt->ngetters];
                else
                    k++;
        }
    }
    rc_free(w->ids);
    rc_free(w);
}

/* A TaskResult the head makes for id (a put value, or a lost stored value). */
static void write_made_result(rc_task_plane_t *p, const rc_id_t *id, int status, const char *error,
                              const uint8_t *data, size_t len, const tloc_t *l, rc_buf_t *out)
{
    Rayc__TaskResult r;
    rayc__task_result__init(&r);
    r.task_id.data = (uint8_t *)id->b;
    r.task_id.len = 16;
    r.status = (Rayc__TaskStatus)status;
    r.error = (char *)(error ? error : "");
    r.data.data = (uint8_t *)data;
    r.data.len = len;
    size_t n = rayc__task_result__get_packed_size(&r);
    size_t extra = l ? rc_plane_loc_result_fields(p, l, NULL) : 0;
    rc_buf_printf(out, "$%zu\r\n", n + extra);
    char *dst = rc_buf_reserve(out, n + 2);
    out->len += rayc__task_result__pack(&r, (uint8_t *)dst);
    if (l) rc_plane_loc_result_fields(p, l, out);
    rc_buf_append(out, "\r\n", 2);
}

static void write_result(rc_task_plane_t *p, const rc_id_t *id, rc_buf_t *out)
{
    task_t *t = rc_plane_task(p, id);
    tloc_t *l = rc_plane_loc(p, id);
    if (l && l->lost && (!t || rc_plane_is_final(t))) {
        write_made_result(p, id, RAYC__TASK_STATUS__STATUS_OBJECT_LOST, l->lost, NULL, 0, NULL,
                          out);
        return;
    }
    if (t && rc_plane_is_final(t)) {
        if (!l) {
            rc_resp_write_bulk(out, t->result, t->result_len);
            return;
        }
        /* The stored result plus where its value is (protobuf merges the fields). */
        size_t extra = rc_plane_loc_result_fields(p, l, NULL);
        rc_buf_printf(out, "$%zu\r\n", (size_t)t->result_len + extra);
        rc_buf_append(out, t->result, t->result_len);
        rc_plane_loc_result_fields(p, l, out);
        rc_buf_append(out, "\r\n", 2);
        return;
    }
    tobj_t *o = t ? NULL : rc_plane_obj(p, id);
    if (!o) {
        rc_resp_write_nil(out);
        return;
    }
    write_made_result(p, id, RAYC__TASK_STATUS__STATUS_OK, NULL, o->data, o->len, l, out);
}

static int is_ready(rc_task_plane_t *p, const rc_id_t *id)
{
    task_t *t = rc_plane_task(p, id);
    if (t) return rc_plane_is_final(t);
    return rc_plane_obj(p, id) != NULL;
}

static void write_get_reply(rc_task_plane_t *p, const rc_id_t *ids, size_t n, rc_buf_t *out)
{
    rc_resp_write_array(out, n);
    for (size_t i = 0; i < n; i++) write_result(p, &ids[i], out);
}

static void write_wait_reply(rc_task_plane_t *p, const rc_id_t *ids, size_t n, rc_buf_t *out)
{
    rc_resp_write_array(out, n);
    for (size_t i = 0; i < n; i++) rc_resp_write_int(out, is_ready(p, &ids[i]));
}

/* Writes w's reply into its client and unblocks it; w is marked done. */
static void answer(rc_task_plane_t *p, waiter_t *w)
{
    rc_buf_t *out = rc_client_blocked_out(w->client);
    if (w->kind == W_GET)
        write_get_reply(p, w->ids, w->nids, out);
    else if (w->kind == W_WAIT)
        write_wait_reply(p, w->ids, w->nids, out);
    else
        rc_plane_pull_reply(p, w->node, w->slots, out);
    w->done = 1;
    rc_client_unblock(w->client);
}

static int satisfied(const waiter_t *w)
{
    return w->nids - w->remaining >= w->need;
}

void rc_waiters_task_final(rc_task_plane_t *p, waiter_t **getters, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        waiter_t *w = getters[i];
        if (w->done) continue;
        if (w->remaining) w->remaining--;
        if (satisfied(w)) answer(p, w);
    }
    /* Freed only now: a waiter watching the same ref twice is in the list twice. */
    for (uint32_t i = 0; i < n; i++) {
        waiter_t *w = getters[i];
        if (w->done == 1) {
            w->done = 2;
            waiter_free(p, w);
        }
    }
}

void rc_waiters_answer_pull(rc_task_plane_t *p, tnode_t *n, const char *err)
{
    waiter_t *w = n->puller;
    if (!w) return;
    n->puller = NULL;
    if (err) {
        rc_buf_t *out = rc_client_blocked_out(w->client);
        rc_buf_append_char(out, '-');
        rc_buf_append_str(out, err);
        rc_buf_append(out, "\r\n", 2);
        rc_client_unblock(w->client);
    } else {
        answer(p, w);
    }
    w->node = NULL;
    waiter_free(p, w);
}

static void on_gone(void *arg)
{
    waiter_t *w = arg;
    waiter_free(w->plane, w);
}

void rc_task_plane_expire(rc_task_plane_t *p, uint64_t now_ms)
{
    p->now = now_ms;
    while (p->nheap && p->heap[0]->deadline <= now_ms) {
        waiter_t *w = p->heap[0];
        heap_del(p, w);
        if (w->kind == W_PULL) {
            if (w->node) w->node->puller = NULL;
            answer(p, w);
        } else {
            answer(p, w);
        }
        waiter_free(p, w);
    }
    rc_plane_flush(p);
}

void rc_waiters_free_all(rc_task_plane_t *p)
{
    while (p->waiters) {
        waiter_t *w = p->waiters;
        if (w->kind == W_PULL && w->node) w->node->puller = NULL;
        waiter_free(p, w);
    }
}

/* ---- commands ------------------------------------------------------------------------ */

static void cmd_submit(rc_cmd_ctx_t *c)
{
    rc_task_plane_t *p = plane_of(c);
    if (!p) return;
    Rayc__TaskSpecBatch *b =
        rayc__task_spec_batch__unpack(NULL, c->argl[1], (const uint8_t *)c->argv[1]);
    if (!b) {
        rc_resp_write_error(c->out, "ERR TASK.SUBMIT: the payload is not a TaskSpecBatch");
        return;
    }
    char err[ERRLEN];
    for (size_t i = 0; i < b->n_specs; i++) {
        const char *msg = rc_plane_check_spec(b->specs[i], err, sizeof(err));
        if (!msg) continue;
        char hex[RC_ID_HEX_LEN + 1] = "(no id)";
        if (b->specs[i]->task_id.len == 16) {
            rc_id_t id;
            memcpy(id.b, b->specs[i]->task_id.data, 16);
            rc_id_to_hex(&id, hex);
        }
        rc_resp_write_errorf(c->out, "ERR task %s: %s (the whole batch was refused)", hex, msg);
        rayc__task_spec_batch__free_unpacked(b, NULL);
        return;
    }
    rc_wire_slice_t *raw = rc_malloc((b->n_specs ? b->n_specs : 1) * sizeof(*raw));
    size_t nraw = 0;
    int use_raw =
        rc_wire_split(c->argv[1], c->argl[1], 1, raw, b->n_specs, &nraw) && nraw == b->n_specs;
    rc_buf_t pk = RC_BUF_INIT;
    int64_t accepted = 0;
    for (size_t i = 0; i < b->n_specs; i++) {
        if (use_raw) {
            accepted += rc_plane_submit(p, b->specs[i], raw[i].p, raw[i].len);
        } else {
            rc_buf_clear(&pk);
            size_t n = rayc__task_spec__get_packed_size(b->specs[i]);
            char *dst = rc_buf_reserve(&pk, n);
            pk.len = rayc__task_spec__pack(b->specs[i], (uint8_t *)dst);
            accepted += rc_plane_submit(p, b->specs[i], (const uint8_t *)pk.data, pk.len);
        }
    }
    rc_buf_free(&pk);
    rc_free(raw);
    rayc__task_spec_batch__free_unpacked(b, NULL);
    rc_resp_write_int(c->out, accepted);
    rc_plane_flush(p);
}

static void cmd_pull(rc_cmd_ctx_t *c)
{
    rc_task_plane_t *p = plane_of(c);
    rc_id_t id;
    int64_t slots, timeout;
    if (!p || !arg_id(c, 1, &id)) return;
    if (!rc_cmd_arg_i64(c, 2, &slots) || !rc_cmd_arg_i64(c, 3, &timeout) || slots < 0 ||
        slots > UINT32_MAX || timeout < 0) {
        rc_resp_write_error(c->out,
                            "ERR TASK.PULL <node-hex> <slots> <timeout_ms>: slots and timeout_ms "
                            "must be non-negative integers");
        return;
    }
    tnode_t *n = rc_plane_node(p, &id);
    if (!n || n->state == RC_NODE_DEAD) {
        char hex[RC_ID_HEX_LEN + 1];
        rc_id_to_hex(&id, hex);
        rc_resp_write_errorf(c->out, "NOTFOUND node %s is not ALIVE: register again", hex);
        return;
    }
    /* One long poll per node: an older one gets its (empty) answer now. */
    if (n->puller) rc_waiters_answer_pull(p, n, NULL);
    if (rc_plane_node_has_work(n) || n->state != RC_NODE_ALIVE || timeout == 0) {
        rc_plane_pull_reply(p, n, (uint32_t)slots, c->out);
        rc_plane_flush(p);
        return;
    }
    waiter_t *w = waiter_new(p, W_PULL, c->now_ms + (uint64_t)timeout);
    w->node = n;
    w->slots = (uint32_t)slots;
    n->puller = w;
    w->client = rc_cmd_block(c, on_gone, w);
    rc_waiters_arm(p);
}

static void cmd_done(rc_cmd_ctx_t *c)
{
    rc_task_plane_t *p = plane_of(c);
    if (!p) return;
    Rayc__TaskResultBatch *b =
        rayc__task_result_batch__unpack(NULL, c->argl[1], (const uint8_t *)c->argv[1]);
    if (!b) {
        rc_resp_write_error(c->out, "ERR TASK.DONE: the payload is not a TaskResultBatch");
        return;
    }
    rc_wire_slice_t *raw = rc_malloc((b->n_results ? b->n_results : 1) * sizeof(*raw));
    size_t nraw = 0;
    int use_raw =
        rc_wire_split(c->argv[1], c->argl[1], 1, raw, b->n_results, &nraw) && nraw == b->n_results;
    rc_buf_t pk = RC_BUF_INIT;
    int64_t accepted = 0;
    for (size_t i = 0; i < b->n_results; i++) {
        if (use_raw) {
            accepted += rc_plane_done(p, b->results[i], raw[i].p, raw[i].len);
        } else {
            rc_buf_clear(&pk);
            size_t n = rayc__task_result__get_packed_size(b->results[i]);
            char *dst = rc_buf_reserve(&pk, n);
            pk.len = rayc__task_result__pack(b->results[i], (uint8_t *)dst);
            accepted += rc_plane_done(p, b->results[i], (const uint8_t *)pk.data, pk.len);
        }
    }
    rc_buf_free(&pk);
    rc_free(raw);
    rayc__task_result_batch__free_unpacked(b, NULL);
    rc_resp_write_int(c->out, accepted);
    rc_plane_flush(p);
}

/* Parses ids from argv[first..]; replies an error (and returns NULL) when one is
 * malformed or unknown. */
static rc_id_t *parse_refs(rc_cmd_ctx_t *c, rc_task_plane_t *p, size_t first, size_t *n)
{
    *n = c->argc - first;
    rc_id_t *ids = rc_malloc(*n * sizeof(*ids));
    for (size_t i = 0; i < *n; i++) {
        if (!arg_id(c, first + i, &ids[i])) goto fail;
        if (!rc_plane_task(p, &ids[i]) && !rc_plane_obj(p, &ids[i])) {
            rc_resp_write_errorf(c->out,
                                 "ERR unknown object %.*s: never submitted or already released",
                                 (int)c->argl[first + i], c->argv[first + i]);
            goto fail;
        }
    }
    return ids;
fail:
    rc_free(ids);
    return NULL;
}

static int arg_timeout(rc_cmd_ctx_t *c, size_t i, uint64_t *deadline)
{
    int64_t t;
    if (!rc_cmd_arg_i64(c, i, &t) || t < -1) {
        rc_resp_write_error(c->out,
                            "ERR timeout_ms must be -1 (no limit) or a non-negative integer");
        return 0;
    }
    *deadline = t < 0 ? UINT64_MAX : c->now_ms + (uint64_t)t;
    return 1;
}

/* GET and WAIT: answer now when enough refs are final, else block. */
static void get_or_wait(rc_cmd_ctx_t *c, rc_task_plane_t *p, wkind_t kind, size_t need,
                        uint64_t deadline, rc_id_t *ids, size_t n)
{
    size_t pending = 0;
    for (size_t i = 0; i < n; i++) pending += !is_ready(p, &ids[i]);
    if (need > n) need = n;
    if (n - pending >= need || deadline <= c->now_ms) {
        if (kind == W_GET)
            write_get_reply(p, ids, n, c->out);
        else
            write_wait_reply(p, ids, n, c->out);
        rc_free(ids);
        return;
    }
    waiter_t *w = waiter_new(p, kind, deadline);
    w->ids = ids;
    w->nids = n;
    w->need = need;
    w->remaining = pending;
    for (size_t i = 0; i < n; i++) {
        task_t *t = rc_plane_task(p, &ids[i]);
        if (!t || rc_plane_is_final(t)) continue;
        if (!t->watch) t->watch = rc_calloc(1, sizeof(*t->watch));
        watch_t *wt = t->watch;
        if (wt->ngetters == wt->capgetters) {
            wt->capgetters = wt->capgetters ? wt->capgetters * 2 : 2;
            wt->getters = rc_realloc(wt->getters, wt->capgetters * sizeof(*wt->getters));
        }
        wt->getters[wt->ngetters++] = w;
    }
    w->client = rc_cmd_block(c, on_gone, w);
    rc_waiters_arm(p);
}

static void cmd_get(rc_cmd_ctx_t *c)
{
    rc_task_plane_t *p = plane_of(c);
    uint64_t deadline;
    size_t n;
    if (!p || !arg_timeout(c, 1, &deadline)) return;
    rc_id_t *ids = parse_refs(c, p, 2, &n);
    if (!ids) return;
    get_or_wait(c, p, W_GET, n, deadline, ids, n);
}

static void cmd_wait(rc_cmd_ctx_t *c)
{
    rc_task_plane_t *p = plane_of(c);
    uint64_t deadline;
    int64_t need;
    size_t n;
    if (!p) return;
    if (!rc_cmd_arg_i64(c, 1, &need) || need < 0) {
        rc_resp_write_error(c->out, "ERR num_returns must be a non-negative integer");
        return;
    }
    if (!arg_timeout(c, 2, &deadline)) return;
    rc_id_t *ids = parse_refs(c, p, 3, &n);
    if (!ids) return;
    get_or_wait(c, p, W_WAIT, (size_t)need, deadline, ids, n);
}

static void cmd_cancel(rc_cmd_ctx_t *c)
{
    rc_task_plane_t *p = plane_of(c);
    rc_id_t id;
    if (!p || !arg_id(c, 1, &id)) return;
    if (c->argl[2] != 1 || (c->argv[2][0] != '0' && c->argv[2][0] != '1')) {
        rc_resp_write_error(c->out, "ERR TASK.CANCEL <ref-hex> <0|1>: force must be 0 or 1");
        return;
    }
    task_t *t = rc_plane_task(p, &id);
    int r = t ? rc_plane_cancel(p, t, c->argv[2][0] == '1') : 0;
    rc_resp_write_int(c->out, r);
    rc_plane_flush(p);
}

static void cmd_stats(rc_cmd_ctx_t *c)
{
    rc_task_plane_t *p = plane_of(c);
    if (!p) return;
    rc_buf_t b = RC_BUF_INIT;
    rc_task_plane_stats_json(p, &b);
    rc_resp_write_bulk(c->out, b.data, b.len);
    rc_buf_free(&b);
}

/* The put object id, new or resent (then the first value is kept and 0 is
 * returned); replies an error and returns -1 when id is a task's. */
static int put_record(rc_cmd_ctx_t *c, rc_task_plane_t *p, const rc_id_t *id, const void *data,
                      size_t len, size_t job_arg)
{
    uint8_t job[4];
    int has_job = job_arg < c->argc;
    if (has_job &&
        (c->argl[job_arg] != 8 || rc_hex_decode(c->argv[job_arg], 8, job, sizeof(job)) != RC_OK)) {
        rc_resp_write_error(c->out, "ERR a job id is 8 hex digits");
        return -1;
    }
    if (rc_plane_task(p, id)) {
        rc_resp_write_error(c->out, "ERR this id belongs to a task's result: choose a new id");
        return -1;
    }
    tobj_t *o = rc_plane_obj(p, id);
    if (o) { /* a resent put: keep the first value */
        o->client_ref = 1;
        return 0;
    }
    o = rc_malloc(sizeof(*o) + (len ? len : 1));
    o->len = (uint32_t)len;
    o->npins = 0;
    o->client_ref = 1;
    o->has_job = (uint8_t)has_job;
    if (has_job) memcpy(o->job, job, sizeof(job));
    if (len) memcpy(o->data, data, len);
    rc_dict_add(p->objs, id->b, 16, o);
    p->st.objects++;
    return 1;
}

static void cmd_put(rc_cmd_ctx_t *c)
{
    rc_task_plane_t *p = plane_of(c);
    rc_id_t id;
    if (!p || !arg_id(c, 1, &id)) return;
    size_t len = c->argl[2];
    if (len > RC_TASK_INLINE_MAX) {
        rc_resp_write_errorf(c->out,
                             "ERR object of %zu bytes exceeds the 100 KiB inline limit; put it "
                             "in a node's object store (OBJ.PUTTARGET, then OBJ.PUTLOC)",
                             len);
        return;
    }
    if (put_record(c, p, &id, c->argv[2], len, 3) >= 0) rc_resp_write_ok(c->out);
}

static tnode_t *node_arg(rc_cmd_ctx_t *c, rc_task_plane_t *p, size_t i)
{
    rc_id_t nid;
    if (!arg_id(c, i, &nid)) return NULL;
    tnode_t *n = rc_plane_node(p, &nid);
    if (!n || n->state == RC_NODE_DEAD) {
        rc_resp_write_errorf(c->out, "NOTFOUND node %.*s is not alive", (int)c->argl[i],
                             c->argv[i]);
        return NULL;
    }
    return n;
}

static int size_arg(rc_cmd_ctx_t *c, size_t i, uint64_t *size)
{
    int64_t v;
    if (rc_cmd_arg_i64(c, i, &v) && v > 0) {
        *size = (uint64_t)v;
        return 1;
    }
    rc_resp_write_error(c->out, "ERR size must be a positive integer (bytes)");
    return 0;
}

/* OBJ.PUTTARGET size [node]: where a client should push a large put value —
 * the node asked for when it is alive and has an object port, else the alive
 * node with the most object store memory free. Replies [node_id, "HOST:PORT"]. */
static void cmd_put_target(rc_cmd_ctx_t *c)
{
    rc_task_plane_t *p = plane_of(c);
    uint64_t size;
    if (!p || !size_arg(c, 1, &size)) return;
    tnode_t *best = NULL;
    if (c->argc > 2) {
        best = node_arg(c, p, 2);
        if (!best) return;
        if (!best->objaddr[0]) {
            rc_resp_write_error(c->out, "ERR that node has no object store (no object port)");
            return;
        }
    } else {
        int64_t best_free = INT64_MIN;
        rc_dict_iter_t it;
        rc_dict_entry_t *e;
        rc_dict_iter_init(p->tnodes, &it);
        while ((e = rc_dict_iter_next(&it)) != NULL) {
            tnode_t *n = e->val;
            if (n->state != RC_NODE_ALIVE || !n->objaddr[0]) continue;
            int64_t fr = n->total.object_store_memory / RC_RES_SCALE - (int64_t)n->obj_bytes;
            if (fr > best_free) {
                best_free = fr;
                best = n;
            }
        }
        rc_dict_iter_done(&it);
        if (!best) {
            rc_resp_write_error(c->out, "NOTFOUND no alive node with an object store: start a "
                                        "worker before putting values over 100 KiB");
            return;
        }
    }
    char hex[RC_ID_HEX_LEN + 1];
    rc_id_to_hex(&best->id, hex);
    rc_resp_write_array(c->out, 2);
    rc_resp_write_bulk(c->out, hex, RC_ID_HEX_LEN);
    rc_resp_write_bulk(c->out, best->objaddr, strlen(best->objaddr));
}

/* The arguments "id size node" of OBJ.PUTLOC and OBJ.ADDLOC: the alive node,
 * or NULL after replying the error. */
static tnode_t *loc_args(rc_cmd_ctx_t *c, rc_task_plane_t **p, rc_id_t *id, uint64_t *size)
{
    *p = plane_of(c);
    if (!*p || !arg_id(c, 1, id) || !size_arg(c, 2, size)) return NULL;
    return node_arg(c, *p, 3);
}

/* OBJ.PUTLOC id size node: a client pushed a put value of size bytes to node's
 * store; it becomes a put object kept there. */
static void cmd_put_loc(rc_cmd_ctx_t *c)
{
    rc_task_plane_t *p;
    rc_id_t id;
    uint64_t size;
    tnode_t *n = loc_args(c, &p, &id, &size);
    if (!n) return;
    tloc_t *l = rc_plane_loc(p, &id);
    tobj_t *o = rc_plane_obj(p, &id);
    if (o && !l) {
        rc_resp_write_error(c->out, "ERR this id is already a put value kept on the head");
        return;
    }
    char err[ERRLEN];
    int added = put_record(c, p, &id, NULL, 0, 4);
    if (added < 0) return;
    if (rc_plane_loc_add(p, &id, size, n, err, sizeof(err)) != RC_OK) {
        if (added) {
            tobj_t *fresh = rc_plane_obj(p, &id);
            fresh->client_ref = 0;
            rc_plane_maybe_free_obj(p, &id, fresh);
        }
        rc_resp_write_errorf(c->out, "ERR %s", err);
        return;
    }
    rc_resp_write_ok(c->out);
    rc_plane_flush(p);
}

/* OBJ.ADDLOC id size node: node fetched a copy of id. Replies 1, or 0 when
 * the object is gone meanwhile (the node should delete its copy). */
static void cmd_add_loc(rc_cmd_ctx_t *c)
{
    rc_task_plane_t *p;
    rc_id_t id;
    uint64_t size;
    tnode_t *n = loc_args(c, &p, &id, &size);
    if (!n) return;
    if (!rc_plane_loc(p, &id)) {
        rc_resp_write_int(c->out, 0);
        return;
    }
    char err[ERRLEN];
    if (rc_plane_loc_add(p, &id, size, n, err, sizeof(err)) != RC_OK) {
        rc_resp_write_errorf(c->out, "ERR %s", err);
        return;
    }
    rc_resp_write_int(c->out, 1);
    rc_plane_flush(p);
}

static void cmd_release(rc_cmd_ctx_t *c)
{
    rc_task_plane_t *p = plane_of(c);
    if (!p) return;
    rc_id_t id;
    for (size_t i = 1; i < c->argc; i++)
        if (!arg_id(c, i, &id)) return;
    int64_t n = 0;
    for (size_t i = 1; i < c->argc; i++) {
        (void)rc_id_from_hex(c->argv[i], c->argl[i], &id);
        task_t *t = rc_plane_task(p, &id);
        if (t) {
            if (!(t->flags & F_CLIENT_REF)) continue;
            t->flags &= (uint8_t)~F_CLIENT_REF;
            n++;
            rc_plane_maybe_free_task(p, t);
            continue;
        }
        tobj_t *o = rc_plane_obj(p, &id);
        if (o && o->client_ref) {
            o->client_ref = 0;
            n++;
            rc_plane_maybe_free_obj(p, &id, o);
        }
    }
    rc_resp_write_int(c->out, n);
    rc_plane_flush(p);
}

const rc_cmd_def_t rc_task_commands[] = {
    {"TASK.SUBMIT", 2, RC_CMD_WRITE | RC_CMD_CLIENT, cmd_submit, 0, 0, 0,
     "Queue a TaskSpecBatch; replies the number of new tasks"},
    {"TASK.PULL", 4, RC_CMD_WRITE, cmd_pull, 0, 0, 0,
     "Long poll of a worker node: tasks placed on it and cancellations (PullReply)"},
    {"TASK.DONE", 2, RC_CMD_WRITE, cmd_done, 0, 0, 0,
     "Results of finished attempts (TaskResultBatch)"},
    {"TASK.GET", -3, RC_CMD_READONLY | RC_CMD_CLIENT, cmd_get, 0, 0, 0,
     "Blocks until every ref is final or the timeout; TaskResult per ref"},
    {"TASK.WAIT", -4, RC_CMD_READONLY | RC_CMD_CLIENT, cmd_wait, 0, 0, 0,
     "Blocks until num_returns refs are final or the timeout"},
    {"TASK.CANCEL", 3, RC_CMD_WRITE | RC_CMD_CLIENT, cmd_cancel, 0, 0, 0,
     "Cancel a task (force 1 kills it)"},
    {"TASK.STATS", 1, RC_CMD_READONLY | RC_CMD_CLIENT | RC_CMD_FAST, cmd_stats, 0, 0, 0,
     "Exact per-state task counts (JSON)"},
    {"OBJ.PUT", -3, RC_CMD_WRITE | RC_CMD_CLIENT, cmd_put, 0, 0, 0,
     "Store an object of at most 100 KiB on the head [of a job]"},
    {"OBJ.PUTTARGET", -2, RC_CMD_READONLY | RC_CMD_CLIENT, cmd_put_target, 0, 0, 0,
     "The node (id, object address) to push a put value over 100 KiB to"},
    {"OBJ.PUTLOC", -4, RC_CMD_WRITE | RC_CMD_CLIENT, cmd_put_loc, 0, 0, 0,
     "Record a put value pushed to a node's object store [of a job]"},
    {"OBJ.ADDLOC", 4, RC_CMD_WRITE, cmd_add_loc, 0, 0, 0,
     "A node holds a copy of a stored object now (1), or the object is gone (0)"},
    {"OBJ.RELEASE", -2, RC_CMD_WRITE | RC_CMD_CLIENT, cmd_release, 0, 0, 0,
     "Drop the client's reference to objects"},
};
const size_t rc_task_commands_count = sizeof(rc_task_commands) / sizeof(rc_task_commands[0]);
