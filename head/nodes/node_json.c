/* node_json.c — JSON views of nodes (see node_json.h). */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dict.h"
#include "node_json.h"
#include "res.h"

static void key_str(rc_jw_t *w, const char *k, const char *v)
{
    rc_jw_key(w, k);
    rc_jw_str(w, v);
}

static void key_int(rc_jw_t *w, const char *k, int64_t v)
{
    rc_jw_key(w, k);
    rc_jw_int(w, v);
}

void rc_node_to_json(const rc_node_t *n, rc_jw_t *w)
{
    char hex[RC_ID_HEX_LEN + 1];
    rc_id_to_hex(&n->id, hex);
    rc_jw_obj_begin(w);
    key_str(w, "node_id", hex);
    key_str(w, "node_ip", n->node_ip);
    key_str(w, "hostname", n->hostname);
    key_str(w, "group", n->group);
    key_str(w, "state", rc_node_state_name(n->state));
    rc_jw_key(w, "is_head_node");
    rc_jw_bool(w, 0);
    rc_jw_key(w, "labels");
    rc_jw_obj_begin(w);
    for (size_t i = 0; i < n->nlabels; i++) key_str(w, n->labels[i].key, n->labels[i].value);
    rc_jw_obj_end(w);
    rc_jw_key(w, "resources_total");
    rc_res_to_json(&n->total, w);
    rc_jw_key(w, "resources_available");
    rc_res_to_json(&n->available, w);
    key_int(w, "start_time_ms", n->start_time_ms);
    key_int(w, "end_time_ms", n->end_time_ms);
    key_str(w, "death_reason", n->death_reason);
    key_int(w, "object_port", n->object_port);
    key_str(w, "version", n->version);
    key_int(w, "pid", n->pid);
    key_int(w, "last_report_ms", n->last_report_ms);
    key_int(w, "idle_duration_ms", rc_node_idle_ms(n));
    rc_jw_obj_end(w);
}

void rc_node_worker_to_json(const rc_node_t *n, size_t i, rc_jw_t *w)
{
    RC_ASSERT(i < n->workers.n);
    const rc_node_worker_t *x = &n->workers.v[i];
    char hex[RC_ID_HEX_LEN + 1];
    rc_jw_obj_begin(w);
    rc_id_to_hex(&x->id, hex);
    key_str(w, "worker_id", hex);
    rc_jw_key(w, "is_alive");
    rc_jw_bool(w, n->state != RC_NODE_DEAD);
    key_str(w, "worker_type", "WORKER");
    rc_jw_key(w, "exit_type");
    rc_jw_null(w);
    rc_id_to_hex(&n->id, hex);
    key_str(w, "node_id", hex);
    key_str(w, "ip", n->node_ip);
    key_int(w, "pid", x->pid);
    key_str(w, "state", x->busy ? "BUSY" : "IDLE");
    rc_jw_key(w, "task_id");
    if (x->has_task) {
        rc_id_to_hex(&x->task_id, hex);
        rc_jw_str(w, hex);
    } else {
        rc_jw_null(w);
    }
    rc_jw_key(w, "tasks_done");
    rc_jw_uint(w, x->tasks_done);
    rc_jw_obj_end(w);
}

void rc_node_table_json(rc_node_table_t *t, rc_buf_t *out)
{
    rc_jw_t w;
    rc_jw_init(&w, out);
    rc_jw_arr_begin(&w);
    for (rc_node_t *n = rc_node_table_first(t); n; n = n->next) rc_node_to_json(n, &w);
    rc_jw_arr_end(&w);
}

typedef struct {
    size_t count[3]; /* by rc_node_state_t */
} counts_t;

static void write_counts(rc_jw_t *w, const size_t count[3])
{
    rc_jw_obj_begin(w);
    key_int(w, "alive", (int64_t)count[RC_NODE_ALIVE]);
    key_int(w, "draining", (int64_t)count[RC_NODE_DRAINING]);
    key_int(w, "dead", (int64_t)count[RC_NODE_DEAD]);
    rc_jw_obj_end(w);
}

static int by_key(const void *a, const void *b)
{
    const rc_dict_entry_t *x = *(rc_dict_entry_t *const *)a, *y = *(rc_dict_entry_t *const *)b;
    return strcmp(x->key, y->key);
}

void rc_node_table_status_json(rc_node_table_t *t, rc_buf_t *out)
{
    rc_dict_t *groups = rc_dict_new(rc_free);
    rc_res_t total = RC_RES_INIT, avail = RC_RES_INIT;
    size_t all[3] = {0, 0, 0};
    for (rc_node_t *n = rc_node_table_first(t); n; n = n->next) {
        int added;
        rc_dict_entry_t *e = rc_dict_add_or_find(groups, n->group, strlen(n->group), &added);
        if (added) e->val = rc_calloc(1, sizeof(counts_t));
        ((counts_t *)e->val)->count[n->state]++;
        all[n->state]++;
        if (n->state == RC_NODE_DEAD) continue;
        /* A sum beyond INT64_MAX (hundreds of TiB) stays at the last value that fit. */
        (void)rc_res_add(&total, &n->total);
        (void)rc_res_add(&avail, &n->available);
    }
    size_t ng = rc_dict_size(groups), i = 0;
    rc_dict_entry_t **sorted = rc_malloc((ng ? ng : 1) * sizeof(*sorted));
    rc_dict_iter_t it;
    rc_dict_entry_t *e;
    rc_dict_iter_init(groups, &it);
    while ((e = rc_dict_iter_next(&it)) != NULL) sorted[i++] = e;
    rc_dict_iter_done(&it);
    qsort(sorted, ng, sizeof(*sorted), by_key);

    rc_jw_t w;
    rc_jw_init(&w, out);
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "nodes");
    write_counts(&w, all);
    rc_jw_key(&w, "groups");
    rc_jw_obj_begin(&w);
    for (i = 0; i < ng; i++) {
        rc_jw_keyn(&w, sorted[i]->key, sorted[i]->klen);
        write_counts(&w, ((counts_t *)sorted[i]->val)->count);
    }
    rc_jw_obj_end(&w);
    rc_jw_key(&w, "resources_total");
    rc_res_to_json(&total, &w);
    rc_jw_key(&w, "resources_available");
    rc_res_to_json(&avail, &w);
    rc_jw_key(&w, "pending_demand");
    rc_node_table_write_demand(t, &w, 0);
    rc_jw_key(&w, "infeasible_demand");
    rc_node_table_write_demand(t, &w, 1);
    rc_jw_obj_end(&w);

    rc_free(sorted);
    rc_dict_free(groups);
    rc_res_free(&total);
    rc_res_free(&avail);
}

void rc_node_event_json(const rc_node_t *n, const char *event, uint64_t now_ms, rc_buf_t *out)
{
    char hex[RC_ID_HEX_LEN + 1];
    rc_jw_t w;
    rc_id_to_hex(&n->id, hex);
    rc_jw_init(&w, out);
    rc_jw_obj_begin(&w);
    key_str(&w, "event", event);
    key_str(&w, "node_id", hex);
    key_str(&w, "group", n->group);
    key_str(&w, "node_ip", n->node_ip);
    key_str(&w, "state", rc_node_state_name(n->state));
    key_str(&w, "reason", n->death_reason);
    key_int(&w, "time_ms", (int64_t)now_ms);
    rc_jw_obj_end(&w);
}
