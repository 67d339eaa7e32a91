/* copula.h — the Gaussian copula: normal scores of cells, the correlation
 * estimate (fit pass 2) and the generation of rows.
 *
 * Every column is read as a latent standard normal cut into buckets: a cell
 * whose value spans [F(x-), F(x)] of its marginal (one point for a continuous
 * value, a whole interval for a category or a repeated integer) scores
 * E[Z | Z in that bucket]. Such scores understate the latent correlation of
 * discrete columns (by the fraction of variance the buckets explain, which is
 * the scores' own variance), so the estimate divides each covariance by both
 * variances; for continuous columns that variance is 1 and nothing changes.
 * Missing numeric cells score 0, which the same division also corrects.
 *
 * Generation draws z = L e (L the Cholesky factor, e independent normals),
 * maps u = Phi(z) through each marginal, and writes CSV rows (RFC 4180, CRLF).
 * The random stream is seeded from (seed, shard) only, so a shard's bytes
 * depend on nothing else: reruns and retries on other workers are identical.
 * It uses the calling thread's generator (rand.h). */
#ifndef RC_COPULA_H
#define RC_COPULA_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "model.h"
#include "wire.h"

/* The standard normal CDF and its inverse (Wichura's AS241, ~1e-16 relative;
 * p is clamped to (0, 1)). */
double rc_copula_phi(double z);
double rc_copula_phi_inv(double p);

/* The normal score of one cell s[0..len) of column col (nrows: the rows the
 * model was fitted on, which bounds the extreme scores). */
double rc_copula_score(const rc_model_col_t *col, uint64_t nrows, const char *s, size_t len);

/* Sums of scores and their products: what a fit shard returns in pass 2. */
typedef struct {
    size_t p;
    uint64_t n;
    double *sum;   /* p */
    double *cross; /* p(p+1)/2, lower triangle row by row: (i, j <= i) */
} rc_copula_acc_t;

void rc_copula_acc_init(rc_copula_acc_t *a, size_t p);
void rc_copula_acc_free(rc_copula_acc_t *a);
void rc_copula_acc_add(rc_copula_acc_t *a, const double *scores);
void rc_copula_acc_encode(const rc_copula_acc_t *a, rc_buf_t *out);
/* Adds an encoded accumulator of the same p; RC_EPROTO when malformed. */
rc_err_t rc_copula_acc_merge(rc_copula_acc_t *a, const rc_blob_t *b);
/* The latent correlation estimate (p x p, row-major, unit diagonal, clamped to
 * [-0.999, 0.999]); columns without variance get 0. */
void rc_copula_acc_corr(const rc_copula_acc_t *a, double *corr);

/* The seed of a shard's random stream. */
uint64_t rc_copula_shard_seed(uint64_t seed, uint64_t shard);
/* Starts shard shard's stream on the calling thread; rc_copula_rows then
 * appends the next rows rows (no header) to out, and may be called again for
 * more (a shard written in chunks gives the same bytes as in one piece). */
void rc_copula_begin(uint64_t seed, uint64_t shard);
void rc_copula_rows(const rc_model_t *m, uint64_t rows, rc_buf_t *out);
/* Appends the header line (the column names). */
void rc_copula_header(const rc_model_t *m, rc_buf_t *out);

#endif
