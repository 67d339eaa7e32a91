/* spec.h — task options and arguments → TaskSpec wire bytes (pure, no I/O).
 *
 * Owns: validation of rayc_task_opts_t and rayc_arg_t, and the encoding of one
 * TaskSpec appended to a TaskSpecBatch under construction. A TaskSpecBatch is
 * just its specs each written as field 1 (tag 0x0a, varint length, bytes), so a
 * batch grows by appending and is never re-packed; the client sends the buffer
 * as the argument of TASK.SUBMIT.
 *
 * The encoder keeps reusable storage (the TaskArg array, the Resources message of
 * the last options seen) so that submitting many tasks with the same options does
 * no allocation per task. Not thread-safe: one encoder per client (under its mutex). */
#ifndef RC_SPEC_H
#define RC_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "id.h"
#include "rayc.h"
#include "res.h"
#include "task.pb-c.h"

/* Largest inline value: a bytes argument or a put object (protocol.md). */
#define RC_SPEC_INLINE_MAX (100 * 1024)

typedef struct {
    /* Cache key: the options whose resources are in res/pb. */
    int cached;
    double cpu, gpu, memory;
    char *json;
    rc_res_t res;
    /* The Resources message of res, pointing into res (names) and items. */
    Rayc__Resources pb;
    Rayc__ResourceAmount *items;
    Rayc__ResourceAmount **ptrs;
    size_t itemcap;
    /* RAY_JOB_ID of a job's driver (the job manager sets it): every task it
     * submits carries the job's id. */
    uint8_t job_id[4];
    int has_job_id;
    /* Reused TaskArg storage. */
    Rayc__TaskArg *args;
    Rayc__TaskArg **argp;
    size_t argcap;
} rc_spec_enc_t;

/* One task to encode. Exactly one of function (with library) or argv is used:
 * argv != NULL makes a TASK_COMMAND. opts NULL means the defaults. */
typedef struct {
    rc_id_t id;
    const char *library;
    const char *function;
    const char *const *argv;
    const rayc_arg_t *args;
    size_t nargs;
    const rayc_task_opts_t *opts;
} rc_spec_in_t;

void rc_spec_enc_init(rc_spec_enc_t *e);
void rc_spec_enc_free(rc_spec_enc_t *e);

/* Validates in and appends the spec (as a TaskSpecBatch element) to out. On error
 * returns a RAYC_E… code (RAYC_EINVAL, RAYC_ETOOBIG), leaves out unchanged and
 * writes what was wrong into err. */
int rc_spec_encode(rc_spec_enc_t *e, const rc_spec_in_t *in, rc_buf_t *out, char *err,
                   size_t errcap);

/* The resources of opts (num_cpus/num_gpus/memory plus the JSON); out is
 * initialised by the call and empty on error. For tests and error messages. */
int rc_spec_resources(const rayc_task_opts_t *opts, rc_res_t *out, char *err, size_t errcap);

#endif
