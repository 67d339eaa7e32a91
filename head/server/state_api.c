/* state_api.c — Ray's State API on the dashboard port (GET /api/v0/nodes,
 * jobs, tasks, workers, objects, tasks/summarize) and /api/cluster_status,
 * the Overview page's one request. The listing rules (limit, filters,
 * envelope) are head/state's; this file says which rows each resource has. */
#include <string.h>

#include "clock.h"
#include "http.h"
#include "job_mgr.h"
#include "node_json.h"
#include "srv.h"
#include "state.h"

static const rc_state_col_t node_cols[] = {
    {"node_id", 0},
    {"node_ip", 0},
    {"is_head_node", 0},
    {"state", 0},
    {"state_message", 0},
    {"node_name", 0},
    {"resources_total", 0},
    {"labels", 0},
    {"start_time_ms", 0},
    {"end_time_ms", 0},
    {"group", 0},
    {"resources_available", 0},
    {"hostname", 1},
    {"pid", 1},
    {"version", 1},
    {"object_port", 1},
    {"last_report_ms", 1},
    {"idle_duration_ms", 1},
    {NULL, 0},
};

static const rc_state_col_t job_cols[] = {
    {"type", 0},
    {"job_id", 0},
    {"submission_id", 0},
    {"driver_info", 0},
    {"status", 0},
    {"entrypoint", 0},
    {"message", 0},
    {"error_type", 0},
    {"start_time", 0},
    {"end_time", 0},
    {"metadata", 0},
    {"runtime_env", 0},
    {"driver_agent_http_address", 0},
    {"driver_node_id", 0},
    {"driver_exit_code", 0},
    {"entrypoint_num_cpus", 0},
    {"entrypoint_num_gpus", 0},
    {"entrypoint_memory", 0},
    {"entrypoint_resources", 0},
    {NULL, 0},
};

static const rc_state_col_t worker_cols[] = {
    {"worker_id", 0}, {"is_alive", 0},   {"worker_type", 0}, {"exit_type", 0},
    {"node_id", 0},   {"ip", 0},         {"pid", 0},         {"state", 0},
    {"task_id", 0},   {"tasks_done", 0}, {NULL, 0},
};

static const char *const node_state_names[] = {"ALIVE", "DRAINING", "DEAD"};

static void key_ms(rc_jw_t *w, const char *key, int64_t ms)
{
    rc_jw_key(w, key);
    if (ms > 0)
        rc_jw_int(w, ms);
    else
        rc_jw_null(w);
}

/* A node with Ray's `ray list nodes` names (node_json.c has rayc's own view). */
static void node_row(const rc_node_t *n, rc_jw_t *w, int detail)
{
    char hex[RC_ID_HEX_LEN + 1];
    rc_id_to_hex(&n->id, hex);
    rc_jw_obj_begin(w);
    rc_jw_key(w, "node_id");
    rc_jw_str(w, hex);
    rc_jw_key(w, "node_ip");
    rc_jw_str(w, n->node_ip);
    rc_jw_key(w, "is_head_node");
    rc_jw_bool(w, 0);
    rc_jw_key(w, "state");
    rc_jw_str(w, node_state_names[n->state]);
    rc_jw_key(w, "state_message");
    rc_jw_str(w, *n->death_reason ? n->death_reason : NULL);
    rc_jw_key(w, "node_name");
    rc_jw_str(w, n->hostname);
    rc_jw_key(w, "resources_total");
    rc_res_to_json(&n->total, w);
    rc_jw_key(w, "labels");
    rc_jw_obj_begin(w);
    for (size_t i = 0; i < n->nlabels; i++) {
        rc_jw_key(w, n->labels[i].key);
        rc_jw_str(w, n->labels[i].value);
    }
    rc_jw_obj_end(w);
    key_ms(w, "start_time_ms", n->start_time_ms);
    key_ms(w, "end_time_ms", n->end_time_ms);
    rc_jw_key(w, "group");
    rc_jw_str(w, n->group);
    rc_jw_key(w, "resources_available");
    rc_res_to_json(&n->available, w);
    if (detail) {
        rc_jw_key(w, "hostname");
        rc_jw_str(w, n->hostname);
        rc_jw_key(w, "pid");
        rc_jw_int(w, n->pid);
        rc_jw_key(w, "version");
        rc_jw_str(w, n->version);
        rc_jw_key(w, "object_port");
        rc_jw_uint(w, n->object_port);
        key_ms(w, "last_report_ms", n->last_report_ms);
        rc_jw_key(w, "idle_duration_ms");
        rc_jw_int(w, rc_node_idle_ms(n));
    }
    rc_jw_obj_end(w);
}

static void list_nodes(rc_head_t *h, rc_state_list_t *L)
{
    for (rc_node_t *n = rc_node_table_first(h->nodes); n; n = n->next) {
        rc_jw_t *w = rc_state_list_row(L);
        if (!w) continue;
        node_row(n, w, rc_state_list_detail(L));
        rc_state_list_row_end(L);
    }
    rc_state_list_end(L, 0, NULL);
}

static void list_jobs(rc_head_t *h, rc_state_list_t *L)
{
    size_t n = h->jobs ? rc_job_mgr_count(h->jobs) : 0;
    for (size_t i = 0; i < n; i++) {
        rc_jw_t *w = rc_state_list_row(L);
        if (!w) continue;
        rc_job_to_json(rc_job_mgr_at(h->jobs, i), w);
        rc_state_list_row_end(L);
    }
    rc_state_list_end(L, 0, NULL);
}

static void list_workers(rc_head_t *h, rc_state_list_t *L)
{
    for (rc_node_t *n = rc_node_table_first(h->nodes); n; n = n->next)
        for (size_t i = 0; i < rc_node_nworkers(n); i++) {
            rc_jw_t *w = rc_state_list_row(L);
            if (!w) continue;
            rc_node_worker_to_json(n, i, w);
            rc_state_list_row_end(L);
        }
    rc_state_list_end(L, 0, NULL);
}

static void list_tasks(rc_head_t *h, rc_state_list_t *L)
{
    rc_task_plane_list(h->tasks, L);
}

static void list_objects(rc_head_t *h, rc_state_list_t *L)
{
    rc_task_plane_list_objects(h->tasks, L);
}

static const struct {
    const char *resource;
    const rc_state_col_t *cols;
    void (*fn)(rc_head_t *h, rc_state_list_t *L);
} lists[] = {
    {"nodes", node_cols, list_nodes},          {"jobs", job_cols, list_jobs},
    {"tasks", rc_task_cols, list_tasks},       {"workers", worker_cols, list_workers},
    {"objects", rc_object_cols, list_objects},
};
#define NLISTS (sizeof(lists) / sizeof(lists[0]))

static void respond_json(rc_http_req_t *req, int status, rc_buf_t *b)
{
    rc_http_req_add_res_header(req, "Cache-Control", "no-store");
    rc_http_req_respond(req, status, "application/json", b->data, b->len);
    rc_buf_free(b);
}

static void respond_error(rc_http_req_t *req, int status, const char *msg)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_state_error_json(&b, msg);
    respond_json(req, status, &b);
}

static void serve_list(rc_head_t *h, rc_http_req_t *req, size_t which)
{
    rc_state_query_t q;
    char err[1024];
    if (rc_state_query_parse(rc_http_req_query(req), &q, err, sizeof(err)) != RC_OK ||
        rc_state_query_check(&q, lists[which].cols, err, sizeof(err)) != RC_OK) {
        rc_state_query_free(&q);
        respond_error(req, 400, err);
        return;
    }
    rc_buf_t b = RC_BUF_INIT;
    rc_state_list_t L;
    rc_state_list_begin(&L, &q, lists[which].cols, &b);
    lists[which].fn(h, &L);
    rc_state_query_free(&q);
    respond_json(req, 200, &b);
}

static void serve_summary(rc_head_t *h, rc_http_req_t *req)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_state_envelope_begin(&b);
    rc_task_plane_summary_json(h->tasks, &b);
    rc_state_envelope_end(&b);
    respond_json(req, 200, &b);
}

static void serve_cluster_status(rc_head_t *h, rc_http_req_t *req)
{
    /* Ray's non-State endpoints put their fields in "data" directly. */
    rc_buf_t b = RC_BUF_INIT;
    rc_buf_append_str(&b, "{\"result\":true,\"msg\":\"\",\"data\":{\"cluster\":");
    rc_node_table_status_json(h->nodes, &b);
    rc_buf_append_str(&b, ",\"tasks\":");
    rc_task_plane_stats_json(h->tasks, &b);
    rc_buf_append_str(&b, ",\"jobs\":{");
    size_t counts[RC_JOB_NSTATUS] = {0};
    if (h->jobs) rc_job_mgr_counts(h->jobs, counts);
    for (size_t i = 0; i < RC_JOB_NSTATUS; i++)
        rc_buf_printf(&b, "%s\"%s\":%zu", i ? "," : "", rc_job_status_name((rc_job_status_t)i),
                      counts[i]);
    rc_buf_printf(&b, "},\"time_ms\":%lld}}", (long long)rc_clock_wall_ms());
    respond_json(req, 200, &b);
}

int rc_head_state_api_handle(rc_head_t *h, rc_http_req_t *req)
{
    const char *path = rc_http_req_path(req);
    static const char v0[] = "/api/v0/";
    size_t plen = strlen(path);
    if (plen > 1 && path[plen - 1] == '/') plen--; /* "/api/v0/nodes/" as "/api/v0/nodes" */
    enum { NONE, LIST, SUMMARY, STATUS } kind = NONE;
    size_t which = 0;
    if (plen == strlen("/api/cluster_status") && !memcmp(path, "/api/cluster_status", plen)) {
        kind = STATUS;
    } else if (plen > sizeof(v0) - 1 && !memcmp(path, v0, sizeof(v0) - 1)) {
        const char *r = path + sizeof(v0) - 1;
        size_t rlen = plen - (sizeof(v0) - 1);
        if (rlen == strlen("tasks/summarize") && !memcmp(r, "tasks/summarize", rlen))
            kind = SUMMARY;
        for (size_t i = 0; i < NLISTS && kind == NONE; i++)
            if (strlen(lists[i].resource) == rlen && !memcmp(r, lists[i].resource, rlen)) {
                kind = LIST;
                which = i;
            }
        if (kind == NONE) {
            respond_error(req, 404,
                          "no such State API resource: use /api/v0/nodes, jobs, tasks, workers, "
                          "objects or tasks/summarize");
            return 1;
        }
    }
    if (kind == NONE) return 0;
    if (strcmp(rc_http_req_method(req), "GET") != 0) {
        rc_http_req_add_res_header(req, "Allow", "GET");
        respond_error(req, 405, "the State API answers GET only");
        return 1;
    }
    switch (kind) {
    case LIST: serve_list(h, req, which); break;
    case SUMMARY: serve_summary(h, req); break;
    default: serve_cluster_status(h, req); break;
    }
    return 1;
}
