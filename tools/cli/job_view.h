/* job_view.h — what `rayc job` sends and prints (pure: JSON in, text out; the
 * network part is in cmd_job.c).
 *
 * Submit body: Ray's JobSubmitRequest, every field present (null when not
 * given), built from the flags of `rayc job submit`. The JSON-valued flags are
 * checked here, before anything is sent, and an error names the flag:
 * --runtime-env-json must be an object, --metadata-json an object of strings,
 * --entrypoint-resources an object of numbers >= 0 without CPU/GPU/memory
 * (they have their own flags). --working-dir goes into runtime_env.working_dir,
 * replacing one given in --runtime-env-json.
 *
 * Texts follow Ray's job CLI (dashboard/modules/job/cli.py), with `rayc`:
 *   submitted:  "Job 'ID' submitted successfully" between dashed rules (as long
 *               as the line), then "Next steps" with the logs/status/stop
 *               commands;
 *   status:     "Status for job 'ID': RUNNING" and "Status message: …";
 *   final:      "Job 'ID' succeeded" / "Job 'ID' failed" between rules (failed
 *               adds "Status message: …"), "Job 'ID' was stopped";
 *   waiting:    "Waiting for job 'ID' to start (PENDING: message) 3s…";
 *   list:       a table SUBMISSION_ID, JOB_ID, STATUS, ENTRYPOINT (cut to
 *               RC_JOB_VIEW_ENTRYPOINT_MAX code points), START, END, oldest
 *               first; times in local time, "-" when unset.
 * Text that comes from the dashboard is sanitised (fmt.h) except the logs. */
#ifndef RC_JOB_VIEW_H
#define RC_JOB_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "json.h"

#define RC_JOB_VIEW_ENTRYPOINT_MAX 48

typedef struct {
    const char *entrypoint;       /* required, non-empty */
    const char *submission_id;    /* NULL: the head picks one */
    const char *working_dir;      /* already resolved (absolute path or URL); NULL: none */
    const char *runtime_env_json; /* flag texts as typed; NULL: not given */
    const char *metadata_json;
    const char *resources_json;
    int has_num_cpus, has_num_gpus, has_memory;
    double num_cpus, num_gpus;
    int64_t memory;
} rc_job_submit_opts_t;

/* Appends the POST /api/jobs/ body to out. RC_EINVAL with err naming the flag
 * when a value is unusable (out is then left as it was). */
rc_err_t rc_job_submit_body(const rc_job_submit_opts_t *o, rc_buf_t *out, char *err, size_t errcap);
/* words[0..n) joined with single spaces (rc_free); "" for n == 0. */
char *rc_job_join_words(size_t n, char *const *words);
/* 1 when working_dir is a URI (has "://") and goes to the head as given; 0
 * when it is a local path the CLI must make absolute. */
int rc_job_working_dir_is_uri(const char *working_dir);

/* The status string of a JobDetails object ("RUNNING"); NULL when missing. */
const char *rc_job_view_status_of(const rc_json_t *job);
/* 1 for STOPPED, SUCCEEDED and FAILED. */
int rc_job_status_terminal(const char *status);

void rc_job_view_submitted(const char *id, rc_buf_t *out);
/* RC_EPROTO with err filled when job has no status. */
rc_err_t rc_job_view_status(const char *id, const rc_json_t *job, rc_buf_t *out, char *err,
                            size_t errcap);
/* The closing text of `rayc job submit` and `rayc job stop`; returns the exit
 * code: 0 for SUCCEEDED, 1 otherwise (a job not yet finished prints its status). */
int rc_job_view_final(const char *id, const rc_json_t *job, rc_buf_t *out);
/* One progress line without line end; secs since the wait began. */
void rc_job_view_waiting(const char *id, const rc_json_t *job, int64_t secs, rc_buf_t *out);
/* list: the parsed GET /api/jobs/ answer. RC_EPROTO when it is not an array. */
rc_err_t rc_job_view_table(const rc_json_t *list, rc_buf_t *out, char *err, size_t errcap);

#endif
