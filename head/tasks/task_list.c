/* task_list.c — the task plane as the State API shows it: task rows (records
 * and the history ring), the per-name summary and the objects the head holds.
 * Field names are Ray's (docs/dashboard.md). Read-only over the plane. */
#include <string.h>

#include "alloc.h"
#include "dict.h"
#include "plane.h"
#include "task.pb-c.h"
#include "tasks.h"

const rc_state_col_t rc_task_cols[] = {
    {"task_id", 0},
    {"attempt_number", 0},
    {"name", 0},
    {"state", 0},
    {"job_id", 0},
    {"actor_id", 0},
    {"type", 0},
    {"func_or_class_name", 0},
    {"parent_task_id", 0},
    {"node_id", 0},
    {"worker_id", 0},
    {"worker_pid", 0},
    {"error_type", 0},
    {"language", 1},
    {"required_resources", 1},
    {"creation_time_ms", 1},
    {"start_time_ms", 1},
    {"end_time_ms", 1},
    {"error_message", 1},
    {NULL, 0},
};

const rc_state_col_t rc_object_cols[] = {
    {"object_id", 0}, {"object_size", 0}, {"task_status", 0}, {"reference_type", 0},
    {"call_site", 0}, {"type", 0},        {"ip", 0},          {"pid", 0},
    {"node_id", 0},   {NULL, 0},
};

/* Ray's ErrorType names for the statuses that end a task badly. */
static const char *error_type(int state, int status)
{
    if (state != RC_TASK_FAILED && state != RC_TASK_CANCELLED) return NULL;
    switch (status) {
    case RAYC__TASK_STATUS__STATUS_APP_ERROR:
    case RAYC__TASK_STATUS__STATUS_OBJECT_TOO_LARGE: return "TASK_EXECUTION_EXCEPTION";
    case RAYC__TASK_STATUS__STATUS_WORKER_DIED: return "WORKER_DIED";
    case RAYC__TASK_STATUS__STATUS_CANCELLED: return "TASK_CANCELLED";
    case RAYC__TASK_STATUS__STATUS_INFEASIBLE: return "TASK_UNSCHEDULABLE_ERROR";
    case RAYC__TASK_STATUS__STATUS_DEPENDENCY_FAILED: return "DEPENDENCY_RESOLUTION_FAILED";
    default: return state == RC_TASK_CANCELLED ? "TASK_CANCELLED" : NULL;
    }
}

/* What a row shows, from a record or a history summary. */
typedef struct {
    const rc_id_t *id, *node, *worker_id;
    const char *name;
    size_t name_len;
    const uint8_t *job; /* NULL: none */
    uint64_t create_ms, start_ms, end_ms;
    uint32_t attempt;
    int32_t worker_pid;
    int state, status;
    const task_t *live; /* a record: resources and the error message */
} row_t;

static void key_id(rc_jw_t *w, const char *key, const rc_id_t *id)
{
    static const rc_id_t zero;
    rc_jw_key(w, key);
    if (!id || !memcmp(id, &zero, sizeof(zero))) {
        rc_jw_null(w);
        return;
    }
    char hex[RC_ID_HEX_LEN + 1];
    rc_id_to_hex(id, hex);
    rc_jw_str(w, hex);
}

static void key_ms(rc_jw_t *w, const char *key, uint64_t ms)
{
    rc_jw_key(w, key);
    if (ms)
        rc_jw_uint(w, ms);
    else
        rc_jw_null(w);
}

static void write_error_message(rc_jw_t *w, const task_t *t)
{
    rc_jw_key(w, "error_message");
    Rayc__TaskResult *r = NULL;
    if (rc_plane_is_final(t) && t->status != RAYC__TASK_STATUS__STATUS_OK && t->result)
        r = rayc__task_result__unpack(NULL, t->result_len, t->result);
    if (r && r->error && *r->error)
        rc_jw_str(w, r->error);
    else
        rc_jw_null(w);
    if (r) rayc__task_result__free_unpacked(r, NULL);
}

static void write_row(rc_jw_t *w, const row_t *r, int detail)
{
    rc_jw_obj_begin(w);
    key_id(w, "task_id", r->id);
    rc_jw_key(w, "attempt_number");
    rc_jw_uint(w, r->attempt);
    rc_jw_key(w, "name");
    rc_jw_strn(w, r->name, r->name_len);
    rc_jw_key(w, "state");
    rc_jw_str(w, rc_task_state_name((rc_task_state_t)r->state));
    rc_jw_key(w, "job_id");
    if (r->job) {
        char hex[9];
        rc_hex_encode(r->job, 4, hex);
        rc_jw_str(w, hex);
    } else {
        rc_jw_null(w);
    }
    rc_jw_key(w, "actor_id");
    rc_jw_null(w);
    rc_jw_key(w, "type");
    rc_jw_str(w, "NORMAL_TASK");
    rc_jw_key(w, "func_or_class_name");
    rc_jw_strn(w, r->name, r->name_len);
    rc_jw_key(w, "parent_task_id");
    rc_jw_null(w);
    key_id(w, "node_id", r->node);
    key_id(w, "worker_id", r->worker_id);
    rc_jw_key(w, "worker_pid");
    if (r->worker_pid > 0)
        rc_jw_int(w, r->worker_pid);
    else
        rc_jw_null(w);
    rc_jw_key(w, "error_type");
    rc_jw_str(w, error_type(r->state, r->status));
    if (detail) {
        rc_jw_key(w, "language");
        rc_jw_str(w, "C");
        rc_jw_key(w, "required_resources");
        if (r->live)
            rc_res_to_json(&r->live->cls->res, w);
        else
            rc_jw_null(w);
        key_ms(w, "creation_time_ms", r->create_ms);
        key_ms(w, "start_time_ms", r->start_ms);
        key_ms(w, "end_time_ms", r->end_ms);
        if (r->live) {
            write_error_message(w, r->live);
        } else {
            rc_jw_key(w, "error_message");
            rc_jw_null(w);
        }
    }
    rc_jw_obj_end(w);
}

/* Filters on the state, name or job (the Tasks page's) reject most rows of a
 * large history: they are looked at before the row is written. */
static int prefilter(rc_state_list_t *L, const row_t *r)
{
    if (!rc_state_list_may_keep(L, "state", rc_task_state_name((rc_task_state_t)r->state)))
        return 0;
    if (L->q->nfilters > 1 || strcmp(L->q->filters[0].key, "state") != 0) {
        char name[256], job[9];
        size_t n = r->name_len < sizeof(name) - 1 ? r->name_len : sizeof(name) - 1;
        memcpy(name, r->name, n);
        name[n] = '\0';
        if (!rc_state_list_may_keep(L, "name", name) ||
            !rc_state_list_may_keep(L, "func_or_class_name", name))
            return 0;
        if (r->job) rc_hex_encode(r->job, 4, job);
        if (!rc_state_list_may_keep(L, "job_id", r->job ? job : NULL)) return 0;
    }
    return 1;
}

static void offer(rc_state_list_t *L, const row_t *r)
{
    if (L->q->nfilters && !prefilter(L, r)) {
        rc_state_list_skip(L);
        return;
    }
    rc_jw_t *w = rc_state_list_row(L);
    if (!w) return;
    write_row(w, r, rc_state_list_detail(L));
    rc_state_list_row_end(L);
}

static void offer_summary(rc_state_list_t *L, const rc_task_summary_t *s)
{
    row_t r = {
        .id = &s->id,
        .node = &s->node,
        .worker_id = &s->worker_id,
        .name = s->name,
        .name_len = strlen(s->name),
        .job = (s->flags & F_JOB) ? s->job : NULL,
        .create_ms = s->create_ms,
        .start_ms = s->start_ms,
        .end_ms = s->end_ms,
        .attempt = s->attempt,
        .worker_pid = s->worker_pid,
        .state = s->state,
        .status = s->status,
    };
    offer(L, &r);
}

void rc_task_plane_list(rc_task_plane_t *p, rc_state_list_t *L)
{
    uint64_t total = 0, left = p->st.records + p->ring_n;
    for (int s = 0; s < RC_TASK_NSTATES; s++) total += p->st.count[s];
    for (task_t *t = p->all; t; t = t->anext, left--) {
        if (rc_state_list_done(L)) goto done;
        row_t r = {
            .id = &t->id,
            .node = &t->ran_on,
            .worker_id = &t->worker_id,
            .name = task_name(t),
            .name_len = t->name_len,
            .job = (t->flags & F_JOB) ? t->job : NULL,
            .create_ms = t->create_ms,
            .start_ms = t->start_ms,
            .end_ms = t->end_ms,
            .attempt = t->attempt,
            .worker_pid = t->worker_pid,
            .state = t->state,
            .status = t->status,
            .live = t,
        };
        offer(L, &r);
    }
    /* The history, newest first. */
    for (size_t k = p->ring_n; k > 0; k--, left--) {
        if (rc_state_list_done(L)) goto done;
        offer_summary(L, &p->ring[(p->ring_start + k - 1) % p->ring_cap]);
    }
done:
    rc_state_list_count(L, left);
    char warn[200];
    uint64_t held = p->st.records + p->ring_n;
    if (total > held)
        snprintf(warn, sizeof(warn),
                 "%llu older finished tasks are no longer listed: the head keeps the last %zu "
                 "(RAY_task_events_max_num_task_in_gcs); counts stay exact",
                 (unsigned long long)(total - held), p->ring_cap);
    rc_state_list_end(L, total, total > held ? warn : NULL);
}

void rc_task_plane_each_name(const rc_task_plane_t *p, rc_task_name_fn fn, void *arg)
{
    for (size_t i = 0; i < p->nnames; i++) fn(arg, p->name_list[i]->name, p->name_list[i]->count);
}

void rc_task_plane_summary_json(const rc_task_plane_t *p, rc_buf_t *out)
{
    rc_jw_t w;
    rc_jw_init(&w, out);
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "node_id_to_summary");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "cluster");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "summary");
    rc_jw_obj_begin(&w);
    uint64_t total = 0;
    for (size_t i = 0; i < p->nnames; i++) {
        const tname_t *tn = p->name_list[i];
        uint64_t n = 0;
        for (int s = 0; s < RC_TASK_NSTATES; s++) n += tn->count[s];
        if (!n) continue;
        total += n;
        rc_jw_key(&w, tn->name);
        rc_jw_obj_begin(&w);
        rc_jw_key(&w, "func_or_class_name");
        rc_jw_str(&w, tn->name);
        rc_jw_key(&w, "type");
        rc_jw_str(&w, "NORMAL_TASK");
        rc_jw_key(&w, "state_counts");
        rc_jw_obj_begin(&w);
        for (int s = 0; s < RC_TASK_NSTATES; s++) {
            if (!tn->count[s]) continue;
            rc_jw_key(&w, rc_task_state_name((rc_task_state_t)s));
            rc_jw_uint(&w, tn->count[s]);
        }
        rc_jw_obj_end(&w);
        rc_jw_obj_end(&w);
    }
    rc_jw_obj_end(&w);
    rc_jw_key(&w, "total_tasks");
    rc_jw_uint(&w, total);
    rc_jw_key(&w, "total_actor_tasks");
    rc_jw_uint(&w, 0);
    rc_jw_key(&w, "total_actor_scheduled");
    rc_jw_uint(&w, 0);
    rc_jw_key(&w, "summary_by");
    rc_jw_str(&w, "func_name");
    rc_jw_obj_end(&w);
    rc_jw_obj_end(&w);
    rc_jw_obj_end(&w);
}

/* ---- objects ---------------------------------------------------------------------- */

static void offer_object(rc_state_list_t *L, const uint8_t *id, uint64_t size, const char *status,
                         int client_ref)
{
    rc_jw_t *w = rc_state_list_row(L);
    if (!w) return;
    char hex[RC_ID_HEX_LEN + 1];
    rc_hex_encode(id, 16, hex);
    rc_jw_obj_begin(w);
    rc_jw_key(w, "object_id");
    rc_jw_str(w, hex);
    rc_jw_key(w, "object_size");
    rc_jw_uint(w, size);
    rc_jw_key(w, "task_status");
    rc_jw_str(w, status);
    rc_jw_key(w, "reference_type");
    rc_jw_str(w, client_ref ? "LOCAL_REFERENCE" : "USED_BY_PENDING_TASK");
    rc_jw_key(w, "call_site");
    rc_jw_str(w, "disabled");
    rc_jw_key(w, "type");
    rc_jw_str(w, "DRIVER");
    /* Inline objects live in the head's memory, not on a node. */
    rc_jw_key(w, "ip");
    rc_jw_null(w);
    rc_jw_key(w, "pid");
    rc_jw_null(w);
    rc_jw_key(w, "node_id");
    rc_jw_null(w);
    rc_jw_obj_end(w);
    rc_state_list_row_end(L);
}

static void scan_obj(void *arg, rc_dict_entry_t *e)
{
    const tobj_t *o = e->val;
    offer_object(arg, (const uint8_t *)e->key, o->len, "FINISHED", o->client_ref);
}

void rc_task_plane_list_objects(rc_task_plane_t *p, rc_state_list_t *L)
{
    /* Task results first (newest first), then put objects; a full scan with no
     * change to the dict in between visits each entry once. */
    for (task_t *t = p->all; t; t = t->anext)
        if (rc_plane_is_final(t) && t->result)
            offer_object(L, t->id.b, t->data_len, rc_task_state_name((rc_task_state_t)t->state),
                         (t->flags & F_CLIENT_REF) != 0);
    uint64_t cur = 0;
    do cur = rc_dict_scan(p->objs, cur, scan_obj, L);
    while (cur);
    rc_state_list_end(L, 0, NULL);
}
