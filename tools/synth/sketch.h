/* sketch.h — quantile summaries of numeric columns, and their merge.
 *
 * A summary is a table q[0..np) of the values at probabilities k/(np-1): the
 * empirical distribution interpolated linearly between order statistics. Its
 * CDF (rc_sketch_cdf) is piecewise linear, with jumps where values repeat (an
 * integer column's atoms). A fit shard summarises its rows with a bounded
 * number of points (its rank error is at most 1/(np-1)); rc_sketch_merge
 * combines the shards' summaries, weighted by their row counts, by inverting
 * the mixture of their CDFs exactly, so the merged table carries no error of
 * its own beyond the parts'. Pure functions; no allocation but in merge. */
#ifndef RC_SKETCH_H
#define RC_SKETCH_H

#include <stddef.h>
#include <stdint.h>

/* Writes the quantiles of sorted[0..n) (n >= 1, ascending) at k/(np-1) into
 * out and returns np = min(np_max, n) (np_max >= 2; np is 1 when n is 1). */
size_t rc_sketch_summarize(const double *sorted, size_t n, size_t np_max, double *out);

/* F(x) of the table q[0..np) (np >= 1): the right-continuous CDF, or with left
 * set its left limit F(x-), so that F(x) - F(x-) is the mass of an atom at x. */
double rc_sketch_cdf(const double *q, size_t np, double x, int left);

/* The value at probability u in [0, 1]: linear interpolation in the table. */
double rc_sketch_quantile(const double *q, size_t np, double u);

typedef struct {
    const double *q;
    size_t np;
    uint64_t n; /* rows behind the summary: its weight */
} rc_sketch_part_t;

/* The np_out-point table (np_out >= 2) of the mixture of the parts (weights n;
 * parts with n == 0 are ignored; at least one must have n > 0). */
void rc_sketch_merge(const rc_sketch_part_t *parts, size_t nparts, size_t np_out, double *out);

#endif
