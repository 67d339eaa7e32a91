/* job_proc.h — a job's driver process on this node: `/bin/sh -c ENTRYPOINT`
 * in a session and process group of its own, stdout and stderr appended to the
 * driver log.
 *
 * Owns: the uv_process_t and the stop timer. Stop sends SIGTERM to the whole
 * group, then SIGKILL after RC_JOB_PROC_KILL_AFTER_MS. When the main process
 * ends (by itself or stopped), whatever is left in its group gets SIGKILL, so
 * no process of the job outlives it. The exit callback runs exactly once, on
 * the loop, after the handles are closed; the runner then frees itself. */
#ifndef RC_JOB_PROC_H
#define RC_JOB_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uv.h>

#include "err.h"

#define RC_JOB_PROC_KILL_AFTER_MS 3000

typedef struct rc_job_proc rc_job_proc_t;

/* exit_status: exit code, or 128+signal; term_signal: the signal or 0. */
typedef void (*rc_job_proc_exit_fn)(void *arg, int64_t exit_status, int term_signal);

typedef struct {
    const char *entrypoint;
    const char *cwd;      /* NULL: the head's */
    char **env;           /* NULL-terminated "K=V" */
    const char *log_path; /* opened O_APPEND|O_CREAT */
} rc_job_proc_opts_t;

rc_err_t rc_job_proc_start(uv_loop_t *loop, const rc_job_proc_opts_t *o, rc_job_proc_exit_fn fn,
                           void *arg, rc_job_proc_t **out, char *err, size_t errcap);
pid_t rc_job_proc_pid(const rc_job_proc_t *p);
/* SIGTERM to the group now, SIGKILL later; idempotent. */
void rc_job_proc_stop(rc_job_proc_t *p);
/* SIGKILL to the group now (head shutdown). */
void rc_job_proc_kill(rc_job_proc_t *p);

#endif
