/* drive.h — how rayc-synth's driver runs a phase of tasks: on a rayc cluster
 * through the public SDK (rayc.h), or in its own process (--local), with the
 * same handlers (synth.h) either way.
 *
 * A phase is n shard tasks, each with one request argument; the driver waits
 * for them as they finish, keeps each result, and prints a progress line
 * (shards done / total, rows, rows/s), flushed at once because a job's log is
 * a file that `rayc job logs --follow` tails: lines, never "\r". A reduce is
 * one task whose arguments are a request and every result of the previous
 * phase (on a cluster: the results' refs, so they are not uploaded again).
 * The first failed task ends the phase: the others are cancelled and its
 * message (with the file and line of a CSV error) is the phase's error. */
#ifndef RC_DRIVE_H
#define RC_DRIVE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "rayc.h"
#include "synth.h"

typedef struct {
    rayc_client_t *client; /* NULL: run locally */
    const char *library;   /* absolute path of librayc_synth.so (cluster) */
    double timeout_s;      /* per phase; < 0: none */
    int max_retries;       /* of shard tasks on worker death */
    /* The previous phase's results (and refs on a cluster), for a reduce. */
    rc_buf_t *results;
    rayc_ref_t *refs;
    size_t nresults;
    /* Rows of the last phase, per second of its run. */
    double last_rows_per_s;
} rc_drive_t;

/* How a phase's result counts rows for the progress line. */
typedef uint64_t (*rc_drive_rows_fn)(const void *data, size_t len);

void rc_drive_init(rc_drive_t *d, rayc_client_t *client, const char *library);
void rc_drive_free(rc_drive_t *d);

/* Runs n tasks of function fn (handler: the same work in process) with one
 * request each; label names the phase in progress lines. Results replace the
 * previous phase's. RC_OK, or an error with err filled. */
rc_err_t rc_drive_shards(rc_drive_t *d, const char *label, const char *fn, rc_synth_fn handler,
                         const rc_buf_t *reqs, size_t n, rc_drive_rows_fn rows, char *err,
                         size_t errcap);

/* Runs one reduce task over the previous phase's results; its result goes to
 * out. The previous results are released. */
rc_err_t rc_drive_reduce(rc_drive_t *d, const char *fn, rc_synth_fn handler, const rc_buf_t *req,
                         rc_buf_t *out, char *err, size_t errcap);

/* Releases the previous phase's results (and refs). */
void rc_drive_release(rc_drive_t *d);

#endif
