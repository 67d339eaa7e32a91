/* sketch.c — quantile summaries and their exact mixture merge (see sketch.h). */
#include "sketch.h"

#include <math.h>
#include <stdlib.h>

#include "alloc.h"

size_t rc_sketch_summarize(const double *sorted, size_t n, size_t np_max, double *out)
{
    if (n == 1) {
        out[0] = sorted[0];
        return 1;
    }
    size_t np = n < np_max ? n : np_max;
    for (size_t k = 0; k < np; k++) {
        double pos = (double)k * (double)(n - 1) / (double)(np - 1);
        size_t i = (size_t)pos;
        if (i >= n - 1) {
            out[k] = sorted[n - 1];
            continue;
        }
        double f = pos - (double)i;
        out[k] = f == 0.0 ? sorted[i] : sorted[i] + f * (sorted[i + 1] - sorted[i]);
    }
    return np;
}

double rc_sketch_cdf(const double *q, size_t np, double x, int left)
{
    if (np == 1) return left ? (x > q[0]) : (x >= q[0]);
    if (left ? x <= q[0] : x < q[0]) return 0.0;
    if (left ? x > q[np - 1] : x >= q[np - 1]) return 1.0;
    /* k: the last index with q[k] <= x (right) or q[k] < x (left); k < np - 1. */
    size_t lo = 0, hi = np - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (left ? q[mid] < x : q[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    double span = q[lo + 1] - q[lo];
    double f = span > 0 ? (x - q[lo]) / span : 0.0;
    if (f > 1.0) f = 1.0;
    return ((double)lo + f) / (double)(np - 1);
}

double rc_sketch_quantile(const double *q, size_t np, double u)
{
    if (np == 1 || !(u > 0.0)) return q[0];
    if (u >= 1.0) return q[np - 1];
    double pos = u * (double)(np - 1);
    size_t k = (size_t)pos;
    if (k >= np - 1) return q[np - 1];
    double f = pos - (double)k;
    return q[k] + f * (q[k + 1] - q[k]);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void rc_sketch_merge(const rc_sketch_part_t *parts, size_t nparts, size_t np_out, double *out)
{
    size_t nb = 0;
    double total = 0;
    for (size_t s = 0; s < nparts; s++)
        if (parts[s].n) {
            nb += parts[s].np;
            total += (double)parts[s].n;
        }
    double *b = rc_malloc((nb ? nb : 1) * sizeof(double));
    nb = 0;
    for (size_t s = 0; s < nparts; s++)
        if (parts[s].n)
            for (size_t k = 0; k < parts[s].np; k++) b[nb++] = parts[s].q[k];
    qsort(b, nb, sizeof(double), cmp_double);
    size_t nu = 0;
    for (size_t i = 0; i < nb; i++)
        if (nu == 0 || b[i] != b[nu - 1]) b[nu++] = b[i];

    /* The mixture's CDF at each breakpoint and its left limit; in between,
     * every part's CDF is linear, so the mixture's is too. */
    double *fr = rc_malloc(nu * sizeof(double)), *fl = rc_malloc(nu * sizeof(double));
    for (size_t j = 0; j < nu; j++) {
        double r = 0, l = 0;
        for (size_t s = 0; s < nparts; s++) {
            if (!parts[s].n) continue;
            double w = (double)parts[s].n / total;
            r += w * rc_sketch_cdf(parts[s].q, parts[s].np, b[j], 0);
            l += w * rc_sketch_cdf(parts[s].q, parts[s].np, b[j], 1);
        }
        fr[j] = r;
        fl[j] = l;
    }
    out[0] = b[0];
    out[np_out - 1] = b[nu - 1];
    size_t j = 0;
    for (size_t k = 1; k + 1 < np_out; k++) {
        double u = (double)k / (double)(np_out - 1);
        while (j + 1 < nu && fr[j] < u) j++;
        double x = b[j];
        if (j > 0 && fl[j] >= u) {
            double d = fl[j] - fr[j - 1];
            double f = d > 0 ? (u - fr[j - 1]) / d : 1.0;
            if (f < 0) f = 0;
            if (f > 1) f = 1;
            x = b[j - 1] + f * (b[j] - b[j - 1]);
        }
        out[k] = x;
    }
    for (size_t k = 1; k < np_out; k++)
        if (out[k] < out[k - 1]) out[k] = out[k - 1];
    rc_free(fr);
    rc_free(fl);
    rc_free(b);
}
