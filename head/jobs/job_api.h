/* job_api.h — Ray's Jobs REST API on the dashboard port, over the job manager:
 *
 *   GET    /api/version                    {"version","ray_version","ray_commit","session_name"}
 *   POST   /api/jobs/                      {"job_id","submission_id"}
 *   GET    /api/jobs/                      [JobDetails…]
 *   GET    /api/jobs/{id}                  JobDetails
 *   GET    /api/jobs/{id}/logs             {"logs"}
 *   GET    /api/jobs/{id}/logs/tail        WebSocket: the log as text messages, from
 *                                          the start, then live; closed (1000) once
 *                                          the job has finished and all was sent
 *   POST   /api/jobs/{id}/stop             {"stopped"}
 *   DELETE /api/jobs/{id}                  {"deleted"} (finished jobs only)
 *
 * {id} is a submission id or a job id. Errors are text/plain with what was
 * wrong, as Ray answers them: 400 bad request (bad JSON, missing entrypoint,
 * duplicate submission id, deleting a running job), 404 unknown job or path,
 * 405 wrong method, 413 oversized body (from the server). Belongs to the
 * head's loop. */
#ifndef RC_JOB_API_H
#define RC_JOB_API_H

#include <uv.h>

#include "http.h"
#include "job_mgr.h"

typedef struct rc_job_api rc_job_api_t;

rc_job_api_t *rc_job_api_new(uv_loop_t *loop, rc_job_mgr_t *mgr, const char *session_name);
/* 1 when the request was for the Jobs API (and has been answered, now or later). */
int rc_job_api_handle(rc_job_api_t *a, rc_http_req_t *req);
/* Closes the log tails (their sockets are closed by the server's stop). */
void rc_job_api_close(rc_job_api_t *a);
/* After the loop's last run. */
void rc_job_api_free(rc_job_api_t *a);

#endif
