/* dashboard.c — the head's HTTP side: nng's server on the dashboard port
 * (head/dashboard/http.h hands each request to this loop), the job manager,
 * and the routing of requests to the Jobs API and the health checks. */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "http.h"
#include "job_api.h"
#include "job_mgr.h"
#include "log.h"
#include "proc.h"
#include "srv.h"
#include "static.h"

#define JOB_EVENTS_CHANNEL "rayc:job_events"

static void job_event(void *arg, const rc_job_t *j)
{
    rc_head_t *h = arg;
    if (rc_job_status_terminal(j->status) && h->tasks) {
        /* The bytes of RAY_JOB_ID (rc_job_id_hex), as tasks carry them. */
        uint8_t job[4] = {(uint8_t)j->job_id, (uint8_t)(j->job_id >> 8), (uint8_t)(j->job_id >> 16),
                          (uint8_t)(j->job_id >> 24)};
        rc_task_plane_job_ended(h->tasks, job);
    }
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    rc_job_to_json(j, &w);
    rc_head_publish(h, JOB_EVENTS_CHANNEL, strlen(JOB_EVENTS_CHANNEL), b.data, b.len);
    rc_buf_free(&b);
}

static void on_request(void *arg, rc_http_req_t *req)
{
    rc_head_t *h = arg;
    const char *path = rc_http_req_path(req);
    if (h->job_api && rc_job_api_handle(h->job_api, req)) return;
    if (rc_head_state_api_handle(h, req)) return;
    if (rc_head_metrics_handle(h, req)) return;
    if (strcmp(path, "/api/gcs_healthz") == 0 || strcmp(path, "/-/healthz") == 0) {
        rc_http_req_respond_text(req, 200, "success");
        return;
    }
    if (h->web && rc_static_serve(h->web, req)) return;
    rc_http_req_respond_text(req, 404, "no such path: %s (the Jobs API is under /api/jobs/)", path);
}

rc_err_t rc_head_dashboard_start(rc_head_t *h, char *err, size_t errcap)
{
    rc_err_t rc;
    if (h->opts.dashboard_port <= 0) return RC_OK;
    if (h->opts.storage) {
        char gcs[300];
        const char *host = h->opts.bind_host;
        /* Drivers run here: a wildcard bind is reached on loopback. */
        if (!host || !strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !*host) host = "127.0.0.1";
        rc_addr_join("", host, h->gcs.port, gcs, sizeof(gcs));
        /* rayc-job-runner lives beside rayc-head. */
        char runner[4200];
        rc_proc_sibling("rayc-job-runner", runner, sizeof(runner));
        rc_job_mgr_opts_t jo = {.storage = h->opts.storage,
                                .gcs_address = gcs,
                                .password = h->password,
                                .runner = runner};
        rc = rc_job_mgr_new(&h->loop, &jo, &h->jobs, err, errcap);
        if (rc != RC_OK) return rc;
        rc_job_mgr_set_observer(h->jobs, job_event, h);
        h->job_api = rc_job_api_new(&h->loop, h->jobs, h->opts.session_name);
    }
    char web[4200];
    if (h->opts.dashboard_web_dir && *h->opts.dashboard_web_dir)
        snprintf(web, sizeof web, "%s", h->opts.dashboard_web_dir);
    else
        rc_static_default_root(web, sizeof web);
    char werr[4400];
    /* The APIs work without the UI: a missing directory is only a warning. */
    if (rc_static_new(web, &h->web, werr, sizeof werr) != RC_OK)
        rc_log_warn("dashboard", "no web UI: %s", werr);
    else
        rc_log_info("dashboard", "web UI served from %s", web);
    rc_http_opts_t ho;
    rc_http_opts_default(&ho);
    ho.host = h->opts.dashboard_host ? h->opts.dashboard_host : "127.0.0.1";
    ho.port = h->opts.dashboard_port;
    if (h->opts.dashboard_max_body) ho.max_body = h->opts.dashboard_max_body;
    rc = rc_http_server_start(&h->loop, &ho, on_request, h, &h->http, err, errcap);
    if (rc != RC_OK) return rc;
    rc_log_info("dashboard", "listening host=%s port=%d", ho.host, rc_http_server_port(h->http));
    return RC_OK;
}

int rc_head_dashboard_port(const rc_head_t *h)
{
    return h->http ? rc_http_server_port(h->http) : 0;
}

void rc_head_dashboard_close(rc_head_t *h)
{
    if (h->job_api) rc_job_api_close(h->job_api);
    if (h->http) {
        rc_http_server_stop(h->http);
        h->http = NULL;
    }
    if (h->jobs) {
        rc_job_mgr_set_observer(h->jobs, NULL, NULL);
        rc_job_mgr_close(h->jobs);
    }
}

void rc_head_dashboard_free(rc_head_t *h)
{
    rc_static_free(h->web);
    h->web = NULL;
    rc_job_api_free(h->job_api);
    h->job_api = NULL;
    rc_job_mgr_free(h->jobs);
    h->jobs = NULL;
}
