/* synth.h — the work of rayc-synth's tasks, their requests and results.
 *
 * Each task is a handler over byte arguments: the task library
 * (librayc_synth.so, tasks.c) calls it with the task's arguments, and
 * `rayc-synth --local` calls the same handler in its own process, so the two
 * modes cannot drift apart. Arguments and results stay under the SDK's 100 KiB
 * inline limit: big things (the input, the model, the part files) are files on
 * the shared volume, named by absolute paths in the requests.
 *
 *   fit_marginals(req)            pass 1 over rows [begin, end) of the input
 *                                 -> a colstats part (colstats.h)
 *   reduce_marginals(req, part…)  -> writes the marginal model (identity
 *                                 copula) to req.out; returns a summary
 *   fit_copula(req)               pass 2 (needs the marginal model) -> sums of
 *                                 normal scores (copula.h)
 *   reduce_copula(req, sums…)     -> writes the final model to req.out
 *   generate(req)                 shard rows -> part file (atomic); returns
 *                                 (rows, bytes)
 *
 * Every handler returns RC_OK with its result appended to result, or an error
 * with a message for the user in err (a CSV error names the file and line). */
#ifndef RC_SYNTH_H
#define RC_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "model.h"
#include "wire.h"

#define RC_SYNTH_PATH_MAX 4096
/* Byte budget of a pass-1 part (under the 100 KiB inline limit with room to spare). */
#define RC_SYNTH_PART_BUDGET ((size_t)90 * 1024)
#define RC_SYNTH_NPOINTS     1001

typedef rc_err_t (*rc_synth_fn)(const rc_blob_t *args, size_t nargs, rc_buf_t *result, char *err,
                                size_t errcap);

/* A fit shard (both passes). */
typedef struct {
    char input[RC_SYNTH_PATH_MAX];
    uint64_t begin, end;           /* byte range: starts at a record, ends after one */
    uint64_t first_line;           /* physical line of begin */
    uint32_t ncols;                /* fields every record must have */
    uint32_t delay_ms;             /* sleep first (tests, demos) */
    char model[RC_SYNTH_PATH_MAX]; /* pass 2: the marginal model; "" in pass 1 */
} rc_synth_fit_req_t;

typedef struct {
    char out[RC_SYNTH_PATH_MAX]; /* where the marginal model goes */
    uint32_t ncols;
    const char *const *names; /* ncols column names */
} rc_synth_reduce1_req_t;

typedef struct {
    char marginals[RC_SYNTH_PATH_MAX];
    char out[RC_SYNTH_PATH_MAX];
} rc_synth_reduce2_req_t;

typedef struct {
    char model[RC_SYNTH_PATH_MAX];
    char part[RC_SYNTH_PATH_MAX];
    uint64_t shard, rows, seed;
    uint32_t delay_ms;
} rc_synth_gen_req_t;

void rc_synth_fit_req_encode(const rc_synth_fit_req_t *r, rc_buf_t *out);
void rc_synth_reduce1_req_encode(const rc_synth_reduce1_req_t *r, rc_buf_t *out);
void rc_synth_reduce2_req_encode(const rc_synth_reduce2_req_t *r, rc_buf_t *out);
void rc_synth_gen_req_encode(const rc_synth_gen_req_t *r, rc_buf_t *out);

/* The handlers (see above). */
rc_err_t rc_synth_fit_marginals(const rc_blob_t *args, size_t nargs, rc_buf_t *result, char *err,
                                size_t errcap);
rc_err_t rc_synth_reduce_marginals(const rc_blob_t *args, size_t nargs, rc_buf_t *result, char *err,
                                   size_t errcap);
rc_err_t rc_synth_fit_copula(const rc_blob_t *args, size_t nargs, rc_buf_t *result, char *err,
                             size_t errcap);
rc_err_t rc_synth_reduce_copula(const rc_blob_t *args, size_t nargs, rc_buf_t *result, char *err,
                                size_t errcap);
rc_err_t rc_synth_generate(const rc_blob_t *args, size_t nargs, rc_buf_t *result, char *err,
                           size_t errcap);

/* Rows behind a fit result (either pass), or 0 when it is not one. */
uint64_t rc_synth_fit_result_rows(const void *data, size_t len);

/* reduce_marginals' summary: the columns' kinds, for the driver to print. */
typedef struct {
    uint64_t rows;
    uint32_t ncols;
    uint8_t kind[RC_MODEL_MAX_COLS];
    uint8_t integer[RC_MODEL_MAX_COLS];
    uint32_t ncat[RC_MODEL_MAX_COLS];
    char notes[2048]; /* lines for the user, may be empty */
} rc_synth_summary_t;
rc_err_t rc_synth_summary_decode(const void *data, size_t len, rc_synth_summary_t *out);

/* generate's result. */
rc_err_t rc_synth_gen_result_decode(const void *data, size_t len, uint64_t *rows, uint64_t *bytes);

/* reduce_copula's result: the shrink factor the correlation needed (1: none). */
rc_err_t rc_synth_reduce2_result_decode(const void *data, size_t len, double *shrink);

#endif
