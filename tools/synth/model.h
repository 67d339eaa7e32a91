/* model.h — rayc-synth's model: per-column marginals and a Gaussian copula, and
 * its binary file.
 *
 * A numeric column keeps its empirical quantile function as npoints values at
 * probabilities k/(npoints-1) (interpolated linearly in between), how to write
 * its values (integers, or a number of decimals) and its fraction of empty
 * cells. A categorical column keeps its values in byte order with their
 * probabilities. The copula is the correlation matrix of the columns' normal
 * scores; rc_model_set_corr makes it positive definite if it is not (shrinking
 * it toward the identity) and keeps its Cholesky factor for generation.
 *
 * File (little-endian): "RCSYNTH\0", u32 version, u32 header size, u64 payload
 * size, u64 FNV-1a of the payload, then the payload (wire.h). Decoding trusts
 * nothing: sizes, checksum, counts, lengths, ordering and ranges are all
 * checked, and a damaged or hostile file gives an error text, never a crash or
 * an unbounded allocation. Files are written atomically (temporary + rename). */
#ifndef RC_MODEL_H
#define RC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define RC_MODEL_VERSION     1
#define RC_MODEL_MAX_COLS    128
#define RC_MODEL_MAX_POINTS  100001
#define RC_MODEL_MAX_CATS    1000000
#define RC_MODEL_MAX_NAME    512
#define RC_MODEL_MAX_FILE    (512u << 20)
#define RC_MODEL_GENERAL_FMT (-1) /* decimals: the input used exponents; write %.6g */

typedef enum { RC_COL_NUMERIC = 0, RC_COL_CATEGORICAL = 1 } rc_col_kind_t;

typedef struct {
    char *name; /* owned, NUL-terminated UTF-8 */
    rc_col_kind_t kind;
    /* Numeric. */
    int is_integer;
    int decimals;   /* 0..17, or RC_MODEL_GENERAL_FMT */
    double missing; /* fraction of empty cells, [0, 1] */
    size_t npoints;
    double *q; /* npoints non-decreasing finite values; owned */
    /* Categorical: ncat values in strictly increasing byte order. */
    size_t ncat;
    char **cat;     /* owned; may hold any bytes but NUL */
    size_t *catlen; /* owned */
    double *prob;   /* owned; each > 0, summing to 1 */
    double *cum;    /* owned; cum[i] = prob[0] + ... + prob[i], cum[ncat-1] = 1 */
} rc_model_col_t;

typedef struct {
    size_t ncols;
    uint64_t nrows; /* rows the model was fitted on */
    rc_model_col_t *cols;
    double *corr;  /* ncols x ncols, row-major, owned */
    double *chol;  /* lower-triangular Cholesky factor of corr, owned */
    double shrink; /* 1, or the factor corr's off-diagonal was scaled by */
} rc_model_t;

/* An empty model of ncols columns (names and marginals to fill in) with the
 * identity correlation. */
void rc_model_init(rc_model_t *m, size_t ncols);
void rc_model_free(rc_model_t *m);

/* Sets the correlation matrix (ncols x ncols, symmetric, unit diagonal, |r| <= 1)
 * and its Cholesky factor. When it is not positive definite, the off-diagonal is
 * scaled down until it is (m->shrink says by how much). RC_EINVAL when corr holds
 * non-finite numbers or cannot be repaired. */
rc_err_t rc_model_set_corr(rc_model_t *m, const double *corr);
/* Fills a categorical column's cum from prob (after prob is set). */
void rc_model_col_finish(rc_model_col_t *col);

/* Serialises m (file format above) to out. */
void rc_model_encode(const rc_model_t *m, rc_buf_t *out);
/* Parses and checks a model file's bytes; on error fills err (without a path). */
rc_err_t rc_model_decode(const void *data, size_t len, rc_model_t *out, char *err, size_t errcap);

/* Reads and decodes a model file; err gets "PATH: what was wrong". */
rc_err_t rc_model_load(const char *path, rc_model_t *out, char *err, size_t errcap);
/* Writes m to path atomically (path.tmp.PID, then rename). */
rc_err_t rc_model_save(const char *path, const rc_model_t *m, char *err, size_t errcap);

#endif
