/* job.h — one submitted job: its record (Ray's JobDetails), the submit request
 * that creates it, and their JSON forms. Pure: no I/O, no loop.
 *
 * Owns: every string of an rc_job_t (freed by rc_job_free). The JSON-valued
 * fields (metadata, runtime_env, entrypoint_resources) are kept as the
 * validated JSON text the user sent, so they go back out exactly as they came.
 *
 * Request rules follow Ray's JobSubmitRequest: `entrypoint` (non-empty string)
 * is required; `submission_id` (or the deprecated `job_id`) is optional and, as
 * it names a directory on the shared volume, limited to [A-Za-z0-9._-]{1,128}
 * not starting with '.'; `runtime_env` may hold `working_dir` (a path, or an
 * http(s):// URL of a .zip) and `env_vars` (string values); `metadata` is a
 * string -> string object; `entrypoint_num_cpus/gpus` are numbers >= 0,
 * `entrypoint_memory` an integer >= 0 (bytes), `entrypoint_resources` custom
 * resources (name -> number, not CPU/GPU/memory). Unknown fields are refused,
 * as Ray's dataclass does, with a message naming them. */
#ifndef RC_JOB_H
#define RC_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "json.h"

#define RC_JOB_SUBMISSION_ID_MAX 128

typedef enum {
    RC_JOB_PENDING = 0,
    RC_JOB_RUNNING = 1,
    RC_JOB_STOPPED = 2,
    RC_JOB_SUCCEEDED = 3,
    RC_JOB_FAILED = 4,
} rc_job_status_t;
#define RC_JOB_NSTATUS 5

typedef struct {
    char *submission_id;
    uint32_t job_id;
    rc_job_status_t status;
    char *entrypoint;
    char *message;
    char *error_type;
    int64_t start_time_ms;
    int64_t end_time_ms; /* 0 while running */
    char *metadata_json; /* "" = none */
    char *runtime_env_json;
    int has_exit_code;
    int32_t driver_exit_code;
    double entrypoint_num_cpus;
    double entrypoint_num_gpus;
    int64_t entrypoint_memory;
    char *entrypoint_resources_json;
    char *driver_node_id; /* hex; "" = the head */
    int32_t driver_pid;
    uint64_t driver_start_ticks;
} rc_job_t;

/* A parsed submit request; strings owned (rc_job_req_free). */
typedef struct {
    char *entrypoint;
    char *submission_id; /* NULL: the head picks one */
    char *runtime_env_json;
    char *metadata_json;
    char *working_dir; /* NULL: none */
    char **env;        /* "K=V" entries from env_vars */
    size_t nenv;
    double num_cpus, num_gpus;
    int64_t memory;
    char *resources_json;
} rc_job_req_t;

/* Longest metadata JSON a running job may set (JOB.METADATA). */
#define RC_JOB_METADATA_MAX (16 * 1024)

/* add (a JSON object of string values, len bytes) merged over old_json (its keys
 * win): *out is the new JSON text (rc_free). RC_EINVAL / RC_ESYNTAX with err. */
rc_err_t rc_job_metadata_merge(const char *old_json, const char *add, size_t len, char **out,
                               char *err, size_t errcap);
const char *rc_job_status_name(rc_job_status_t s);
int rc_job_status_terminal(rc_job_status_t s);

/* Parses and validates a POST /api/jobs/ body. On error returns RC_EINVAL (or
 * RC_ESYNTAX for bad JSON) and a message for the user in err. */
rc_err_t rc_job_req_parse(const char *body, size_t len, rc_job_req_t *out, char *err,
                          size_t errcap);
void rc_job_req_free(rc_job_req_t *r);

/* 1 when id may be used as a submission id (see the header comment). */
int rc_job_submission_id_valid(const char *id);
/* "raysubmit_" + 16 random letters and digits, as Ray makes them. */
void rc_job_submission_id_new(char out[27]);
/* Ray's JobID text: the 4 little-endian bytes of id in hex ("02000000"). */
void rc_job_id_hex(uint32_t id, char out[9]);
/* Inverse of rc_job_id_hex; 0 when text is not 8 hex digits. */
int rc_job_id_parse(const char *text, uint32_t *out);

/* A new PENDING job from req (copies what it needs). */
rc_job_t *rc_job_new(const rc_job_req_t *req, const char *submission_id, uint32_t job_id,
                     int64_t now_ms);
void rc_job_free(rc_job_t *j);
/* Replaces a string field (NULL -> ""). */
void rc_job_set_str(char **field, const char *value);
/* Moves the job to a terminal or running state with a message (printf format). */
void rc_job_set_status(rc_job_t *j, rc_job_status_t s, int64_t now_ms, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Ray's JobDetails object. */
void rc_job_to_json(const rc_job_t *j, rc_jw_t *w);

/* The record's bytes on the shared volume (protobuf JobInfo) and back. */
void rc_job_pack(const rc_job_t *j, rc_buf_t *out);
rc_err_t rc_job_unpack(const uint8_t *data, size_t len, rc_job_t **out, char *err, size_t errcap);

#endif
