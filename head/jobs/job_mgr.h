/* job_mgr.h — the head's job manager (Ray's JobManager): the table of jobs,
 * their life (PENDING -> RUNNING -> SUCCEEDED | FAILED | STOPPED), the driver
 * processes it supervises, and the records and logs on the shared volume.
 *
 * Owns: every rc_job_t (listed in submission order), the driver runners
 * (job_proc.h) and the working_dir downloads. Belongs to the head's loop.
 *
 * Where a driver runs: on the head, unless the job asks for entrypoint_num_cpus,
 * _num_gpus, _memory or _resources. Then the head runs rayc-job-runner in its
 * place, which submits the entrypoint as a command task with those resources:
 * the scheduler puts it on a node that fits (the job waits while none has room)
 * and its output is appended to the same driver log. Its environment: the
 * head's, plus RAY_ADDRESS (this cluster's GCS
 * address), RAY_JOB_ID, RAY_SUBMISSION_ID, RAYC_REDIS_PASSWORD when the GCS
 * has one, and runtime_env.env_vars (which win). Its cwd: runtime_env.
 * working_dir — an absolute directory (on the shared volume, so every node
 * sees the same files) or an http(s):// URL of a .zip, downloaded with libcurl
 * into the job's directory and unpacked (a single top-level directory in the
 * archive becomes the cwd, as Ray does).
 *
 * At start the manager reads the records back: a job that was PENDING or
 * RUNNING when the previous head died is marked FAILED (with a message saying
 * so), and its driver, if still alive (same pid and start time), is killed. */
#ifndef RC_JOB_MGR_H
#define RC_JOB_MGR_H

#include <stddef.h>

#include <uv.h>

#include "buf.h"
#include "err.h"
#include "job.h"

typedef struct rc_job_mgr rc_job_mgr_t;

typedef struct {
    const char *storage;     /* the shared volume, e.g. /tmp/ray/storage */
    const char *gcs_address; /* RAY_ADDRESS for drivers, "127.0.0.1:6379" */
    const char *password;    /* NULL or "" when the GCS has none */
    size_t max_log_read;     /* GET .../logs returns at most this many (last) bytes */
    const char *runner;      /* rayc-job-runner, for drivers that ask for resources */
} rc_job_mgr_opts_t;

/* Observer of status changes (the dashboard's live views and pub/sub). */
typedef void (*rc_job_mgr_event_fn)(void *arg, const rc_job_t *j);

rc_err_t rc_job_mgr_new(uv_loop_t *loop, const rc_job_mgr_opts_t *o, rc_job_mgr_t **out, char *err,
                        size_t errcap);
void rc_job_mgr_set_observer(rc_job_mgr_t *m, rc_job_mgr_event_fn fn, void *arg);
/* Head shutdown: drivers still running are killed (SIGKILL to their groups) and
 * their jobs marked FAILED; returns at once. Free after the loop has run. */
void rc_job_mgr_close(rc_job_mgr_t *m);
void rc_job_mgr_free(rc_job_mgr_t *m);

/* Submits (takes nothing from req: copies). On a refusal returns RC_EEXISTS
 * (duplicate submission id) or RC_EINVAL (bad working_dir) with a message. */
rc_err_t rc_job_mgr_submit(rc_job_mgr_t *m, const rc_job_req_t *req, const rc_job_t **out,
                           char *err, size_t errcap);
/* By submission id, or by job id ("02000000"); NULL when unknown. */
/* A running (or pending) job's driver adds keys to its metadata (JOB.METADATA):
 * json is an object of string values merged over the current metadata.
 * RC_ESTATE once the job has ended; RC_EINVAL / RC_ESYNTAX for bad JSON. */
rc_err_t rc_job_mgr_set_metadata(rc_job_mgr_t *m, const rc_job_t *j, const char *json, size_t len,
                                 char *err, size_t errcap);
const rc_job_t *rc_job_mgr_find(const rc_job_mgr_t *m, const char *id);
size_t rc_job_mgr_count(const rc_job_mgr_t *m);
const rc_job_t *rc_job_mgr_at(const rc_job_mgr_t *m, size_t i);
/* Stop: *stopped = 1 when the job was not finished (it is being stopped),
 * 0 when it already was. */
void rc_job_mgr_stop(rc_job_mgr_t *m, const rc_job_t *j, int *stopped);
/* Deletes a finished job (record, log, directory). RC_ESTATE when it is not
 * finished. j is invalid afterwards. */
rc_err_t rc_job_mgr_delete(rc_job_mgr_t *m, const rc_job_t *j, char *err, size_t errcap);
/* The driver log's path. */
void rc_job_mgr_log_path(const rc_job_mgr_t *m, const rc_job_t *j, char *out, size_t cap);
/* Appends the log (its last max_log_read bytes) to out. A job without a log yet
 * has an empty one. */
rc_err_t rc_job_mgr_read_log(const rc_job_mgr_t *m, const rc_job_t *j, rc_buf_t *out, char *err,
                             size_t errcap);
/* Job counts by status (index rc_job_status_t). */
void rc_job_mgr_counts(const rc_job_mgr_t *m, size_t counts[RC_JOB_NSTATUS]);

#endif
