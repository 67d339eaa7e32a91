/* sample.h — a synthetic input table with known structure, for tests, demos and
 * benchmarks (nothing is downloaded).
 *
 * Eight columns drawn from a latent Gaussian with a fixed correlation matrix:
 *   age (integer 18..90), income (2 decimals, log-normal), score (3 decimals),
 *   visits (small integers, many ties), city (6 values, some quoted with commas
 *   and quotes), segment (A-D), balance (2 decimals, 5% empty),
 *   note (4 values: empty, plain, one with a line break, one with quotes and a
 *   comma).
 * Categories are ordered so that byte order follows the latent variable, which
 * makes rank correlations of category codes meaningful. LF line endings. The
 * bytes depend only on (rows, seed). */
#ifndef RC_SAMPLE_H
#define RC_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define RC_SAMPLE_COLS 8

/* The latent correlation matrix (RC_SAMPLE_COLS x RC_SAMPLE_COLS, row-major). */
const double *rc_sample_corr(void);

/* Writes the table (header + rows) to path atomically. */
rc_err_t rc_sample_write(const char *path, uint64_t rows, uint64_t seed, char *err, size_t errcap);

#endif
