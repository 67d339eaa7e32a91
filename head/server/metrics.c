/* metrics.c — GET /metrics on the dashboard port: the head's state in
 * Prometheus's text format (head/state/prom.h writes it). Every family is
 * prefixed rayc_ (the write_* functions below are the list). One answer is built in one
 * buffer from the head's own counters: no sample allocates, so a scrape of a
 * 1,000-node cluster stays a few milliseconds of the loop. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "http.h"
#include "job_mgr.h"
#include "prom.h"
#include "srv.h"

/* Labels written in place, no array to declare: L({"k", v}, ...) and its count. */
#define L(...)  ((const rc_prom_label_t[]){__VA_ARGS__})
#define NL(...) (sizeof(L(__VA_ARGS__)) / sizeof(rc_prom_label_t))
/* One integer sample: SAMPLE_U64(p, value, {"k", v}, ...). */
#define SAMPLE_U64(p, v, ...) rc_prom_sample_u64(p, L(__VA_ARGS__), NL(__VA_ARGS__), v)

/* ---- tasks ------------------------------------------------------------------------- */

static void task_name_row(void *arg, const char *name, const uint64_t count[RC_TASK_NSTATES])
{
    rc_prom_t *p = arg;
    /* A pair with no task is left out: 10,000 names times 7 states would
     * otherwise be mostly zeros. */
    for (int s = 0; s < RC_TASK_NSTATES; s++)
        if (count[s])
            SAMPLE_U64(p, count[s], {"state", rc_task_state_name((rc_task_state_t)s)},
                       {"name", name});
}

static void write_tasks(rc_head_t *h, rc_prom_t *p)
{
    rc_task_stats_t st;
    rc_task_plane_stats(h->tasks, &st);

    rc_prom_family(p, "rayc_tasks", RC_PROM_GAUGE,
                   "Tasks per function name and state; FINISHED, FAILED and CANCELLED count "
                   "every task that reached them since the head started (as Ray's ray_tasks).");
    rc_task_plane_each_name(h->tasks, task_name_row, p);

    rc_prom_family(p, "rayc_tasks_by_state", RC_PROM_GAUGE,
                   "Tasks per state (final states: since the head started).");
    for (int s = 0; s < RC_TASK_NSTATES; s++)
        SAMPLE_U64(p, st.count[s], {"state", rc_task_state_name((rc_task_state_t)s)});

    rc_prom_family(p, "rayc_tasks_submitted_total", RC_PROM_COUNTER,
                   "Tasks submitted since the head started.");
    rc_prom_sample_u64(p, NULL, 0, st.submitted);
    rc_prom_family(p, "rayc_tasks_retries_total", RC_PROM_COUNTER,
                   "Task attempts retried since the head started.");
    rc_prom_sample_u64(p, NULL, 0, st.retries);
    rc_prom_family(p, "rayc_tasks_ended_total", RC_PROM_COUNTER,
                   "Tasks that reached a final state; rate() of it is the task throughput.");
    for (int s = RC_TASK_FINISHED; s <= RC_TASK_CANCELLED; s++)
        SAMPLE_U64(p, st.count[s], {"state", rc_task_state_name((rc_task_state_t)s)});

    rc_prom_family(p, "rayc_task_scheduling_latency_seconds", RC_PROM_HISTOGRAM,
                   "Time from a task being ready (every argument available) to RUNNING.");
    rc_prom_histogram(p, NULL, 0, rc_task_lat_bounds_s, RC_TASK_LAT_NBOUNDS,
                      st.sched_latency.bucket, (double)st.sched_latency.sum_ms / 1000.0);

    rc_prom_family(p, "rayc_tasks_infeasible", RC_PROM_GAUGE,
                   "Pending tasks that no node of the cluster could ever run.");
    rc_prom_sample_u64(p, NULL, 0, st.infeasible);
    rc_prom_family(p, "rayc_task_records", RC_PROM_GAUGE,
                   "Task records the head holds (live tasks and kept results).");
    rc_prom_sample_u64(p, NULL, 0, st.records);
    rc_prom_family(p, "rayc_objects", RC_PROM_GAUGE, "Put objects the head holds.");
    rc_prom_sample_u64(p, NULL, 0, st.objects);
}

/* ---- nodes ------------------------------------------------------------------------- */

static int node_cmp(const void *a, const void *b)
{
    const rc_node_t *x = *(const rc_node_t *const *)a, *y = *(const rc_node_t *const *)b;
    if (x->state != y->state) return x->state < y->state ? -1 : 1;
    return strcmp(x->group, y->group);
}

/* rayc_nodes{state,group}: nodes sorted by (state, group) so each pair is one
 * run; one array for the scrape, whatever the number of groups. */
static void write_node_counts(rc_head_t *h, rc_prom_t *p)
{
    rc_prom_family(p, "rayc_nodes", RC_PROM_GAUGE, "Nodes per state and group.");
    size_t n = rc_node_table_size(h->nodes), i = 0;
    if (!n) return;
    const rc_node_t **v = rc_malloc(n * sizeof(*v));
    for (rc_node_t *x = rc_node_table_first(h->nodes); x && i < n; x = x->next) v[i++] = x;
    n = i;
    qsort(v, n, sizeof(*v), node_cmp);
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && node_cmp(&v[a], &v[b]) == 0) b++;
        SAMPLE_U64(p, b - a, {"state", rc_node_state_name(v[a]->state)}, {"group", v[a]->group});
        a = b;
    }
    rc_free(v);
}

static const struct {
    const char *name;
    size_t off;
} predefined[] = {
    {"CPU", offsetof(rc_res_t, cpu)},
    {"GPU", offsetof(rc_res_t, gpu)},
    {"memory", offsetof(rc_res_t, memory)},
    {"object_store_memory", offsetof(rc_res_t, object_store_memory)},
};

static int64_t res_field(const rc_res_t *r, size_t off)
{
    return *(const int64_t *)(const void *)((const char *)r + off);
}

/* One sample per resource the node has a total of (as rc_res_to_json lists
 * them), in natural units: cores, bytes, counts. The available amount of a
 * resource fully in use is 0, written rather than left out. */
static void node_resources(rc_prom_t *p, const rc_node_t *n, const char *hex, int available)
{
    const rc_res_t *r = available ? &n->available : &n->total;
    rc_prom_label_t l[] = {{"node_id", hex}, {"group", n->group}, {"resource", NULL}};
    for (size_t i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++) {
        if (!res_field(&n->total, predefined[i].off)) continue;
        l[2].value = predefined[i].name;
        rc_prom_sample(p, l, 3, rc_res_to_double(res_field(r, predefined[i].off)));
    }
    for (size_t i = 0; i < n->total.ncustom; i++) {
        l[2].value = n->total.custom[i].name;
        rc_prom_sample(p, l, 3, rc_res_to_double(rc_res_get(r, l[2].value)));
    }
}

static void write_node_resources(rc_head_t *h, rc_prom_t *p, int available)
{
    if (available)
        rc_prom_family(p, "rayc_node_resources_available", RC_PROM_GAUGE,
                       "Resources not in use on ALIVE and DRAINING nodes (CPU in cores, memory "
                       "in bytes).");
    else /* not "_total": that suffix means a counter (promtool rejects a gauge with it) */
        rc_prom_family(p, "rayc_node_resources_capacity", RC_PROM_GAUGE,
                       "Resources of ALIVE and DRAINING nodes (CPU in cores, memory in bytes).");
    char hex[RC_ID_HEX_LEN + 1];
    for (rc_node_t *n = rc_node_table_first(h->nodes); n; n = n->next) {
        if (n->state != RC_NODE_ALIVE && n->state != RC_NODE_DRAINING) continue;
        rc_id_to_hex(&n->id, hex);
        node_resources(p, n, hex, available);
    }
}

/* ---- jobs, server, process --------------------------------------------------------- */

static void write_jobs(rc_head_t *h, rc_prom_t *p)
{
    size_t counts[RC_JOB_NSTATUS] = {0};
    if (h->jobs) rc_job_mgr_counts(h->jobs, counts);
    rc_prom_family(p, "rayc_jobs", RC_PROM_GAUGE, "Jobs per status.");
    for (size_t i = 0; i < RC_JOB_NSTATUS; i++)
        SAMPLE_U64(p, counts[i], {"status", rc_job_status_name((rc_job_status_t)i)});
}

static void write_server(rc_head_t *h, rc_prom_t *p)
{
    /* The command table is const and counts nothing per command, so only the
     * total is exported. CONFIG RESETSTAT zeroes these counters (a reset
     * rate() copes with). */
    rc_prom_family(p, "rayc_gcs_commands_total", RC_PROM_COUNTER,
                   "Commands processed on the GCS and client ports.");
    rc_prom_sample_u64(p, NULL, 0, h->total_commands);
    rc_prom_family(p, "rayc_gcs_connected_clients", RC_PROM_GAUGE,
                   "Open connections on the GCS and client ports.");
    rc_prom_sample_u64(p, NULL, 0, h->nclients);
    rc_prom_family(p, "rayc_gcs_connections_total", RC_PROM_COUNTER,
                   "Connections accepted on the GCS and client ports.");
    rc_prom_sample_u64(p, NULL, 0, h->total_connections);
    rc_prom_family(p, "rayc_dashboard_websockets", RC_PROM_GAUGE,
                   "Open WebSockets on the dashboard port.");
    rc_prom_sample_u64(p, NULL, 0, h->http ? rc_http_server_ws_count(h->http) : 0);
}

static void write_process(rc_head_t *h, rc_prom_t *p)
{
    rc_mem_stats_t m;
    rc_mem_stats(&m);
    /* The allocator's figures exist with jemalloc only; under libc (sanitizer
     * builds) the family has no samples and the RSS below is the figure. */
    rc_prom_family(p, "rayc_head_memory_bytes", RC_PROM_GAUGE,
                   "The head's allocator: bytes allocated, in active pages, resident "
                   "(jemalloc only).");
    if (strcmp(rc_allocator_name(), "libc") != 0) {
        SAMPLE_U64(p, m.allocated, {"kind", "allocated"});
        SAMPLE_U64(p, m.active, {"kind", "active"});
        SAMPLE_U64(p, m.resident, {"kind", "resident"});
    }
    rc_prom_family(p, "rayc_head_rss_bytes", RC_PROM_GAUGE,
                   "Resident set size of the head process (/proc/self/statm).");
    rc_prom_sample_u64(p, NULL, 0, m.rss);
    uint64_t now = rc_clock_wall_ms();
    rc_prom_family(p, "rayc_head_uptime_seconds", RC_PROM_GAUGE, "Seconds since the head started.");
    rc_prom_sample(p, NULL, 0, now > h->start_ms ? (double)(now - h->start_ms) / 1000.0 : 0);
    rc_prom_family(p, "rayc_build_info", RC_PROM_GAUGE,
                   "Always 1; the labels say which build of rayc-head answers.");
    SAMPLE_U64(p, 1, {"version", RC_VERSION}, {"allocator", rc_allocator_name()});
}

int rc_head_metrics_handle(rc_head_t *h, rc_http_req_t *req)
{
    if (strcmp(rc_http_req_path(req), "/metrics") != 0) return 0;
    if (strcmp(rc_http_req_method(req), "GET") != 0) {
        rc_http_req_add_res_header(req, "Allow", "GET");
        rc_http_req_respond_text(req, 405, "use GET for /metrics");
        return 1;
    }
    rc_buf_t b = RC_BUF_INIT;
    /* Most of a large answer is two resource lines per node resource. */
    rc_buf_reserve(&b, 16384 + rc_node_table_size(h->nodes) * 1024);
    rc_prom_t p;
    rc_prom_init(&p, &b);
    write_tasks(h, &p);
    write_node_counts(h, &p);
    write_node_resources(h, &p, 0);
    write_node_resources(h, &p, 1);
    write_jobs(h, &p);
    write_server(h, &p);
    write_process(h, &p);
    rc_prom_free(&p);
    rc_http_req_add_res_header(req, "Cache-Control", "no-store");
    rc_http_req_respond(req, 200, RC_PROM_CONTENT_TYPE, b.data, b.len);
    rc_buf_free(&b);
    return 1;
}
