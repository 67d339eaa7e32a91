/* job_store.h — job records and driver logs on the shared volume.
 *
 * Layout: <storage>/jobs/<submission_id>/job.pb (protobuf JobInfo) and
 * <storage>/jobs/<submission_id>/driver.log. A record is replaced atomically:
 * written to a temporary file beside it, fsync'd, renamed over job.pb, and the
 * directory fsync'd — a reader on any node sees the old or the new record,
 * never half of one. Blocking file I/O: records are small and written on
 * state changes only. */
#ifndef RC_JOB_STORE_H
#define RC_JOB_STORE_H

#include <stddef.h>

#include "err.h"
#include "job.h"

/* Creates <storage>/jobs. */
rc_err_t rc_job_store_init(const char *storage, char *err, size_t errcap);
/* <storage>/jobs/<sid>[/<leaf>] into out. */
void rc_job_store_path(const char *storage, const char *sid, const char *leaf, char *out,
                       size_t cap);
/* Creates the job's directory and writes its record. */
rc_err_t rc_job_store_save(const char *storage, const rc_job_t *j, char *err, size_t errcap);
/* Removes the job's directory (record, log, working_dir download). */
rc_err_t rc_job_store_delete(const char *storage, const char *sid, char *err, size_t errcap);
/* Calls fn for each readable record; unreadable ones are logged and skipped.
 * fn takes ownership of the job. */
typedef void (*rc_job_store_fn)(void *arg, rc_job_t *j);
rc_err_t rc_job_store_load(const char *storage, rc_job_store_fn fn, void *arg, char *err,
                           size_t errcap);

#endif
