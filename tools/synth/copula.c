/* copula.c — normal scores, the correlation estimate and row generation (see copula.h). */
#include "copula.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "colstats.h"
#include "csv.h"
#include "rand.h"
#include "sketch.h"

#define ACC_MAGIC 0x32504353u /* "SCP2" */

double rc_copula_phi(double z)
{
    return 0.5 * erfc(-z * M_SQRT1_2);
}

static double poly(const double *c, int n, double r)
{
    double v = c[n - 1];
    for (int i = n - 2; i >= 0; i--) v = v * r + c[i];
    return v;
}

double rc_copula_phi_inv(double p)
{
    static const double a[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                                1.9715909503065514427e+3, 1.3731693765509461125e+4,
                                4.5921953931549871457e+4, 6.7265770927008700853e+4,
                                3.3430575583588128105e+4, 2.5090809287301226727e+3};
    static const double b[8] = {1.0,
                                4.2313330701600911252e+1,
                                6.8718700749205790830e+2,
                                5.3941960214247511077e+3,
                                2.1213794301586595867e+4,
                                3.9307895800092710610e+4,
                                2.8729085735721942674e+4,
                                5.2264952788528545610e+3};
    static const double c[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                                5.76949722146069140550e0,  3.64784832476320460504e0,
                                1.27045825245236838258e0,  2.41780725177450611770e-1,
                                2.27238449892691845833e-2, 7.74545014278341407640e-4};
    static const double d[8] = {1.0,
                                2.05319162663775882187e0,
                                1.67638483018380384940e0,
                                6.89767334985100004550e-1,
                                1.48103976427480074590e-1,
                                1.51986665636164571966e-2,
                                5.47593808499534494600e-4,
                                1.05075007164441684324e-9};
    static const double e[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                                1.78482653991729133580e0,  2.96560571828504891230e-1,
                                2.65321895265761230930e-2, 1.24266094738807843860e-3,
                                2.71155556874348757815e-5, 2.01033439929228813265e-7};
    static const double f[8] = {1.0,
                                5.99832206555887937690e-1,
                                1.36929880922735805310e-1,
                                1.48753612908506148525e-2,
                                7.86869131145613259100e-4,
                                1.84631831751005468180e-5,
                                1.42151175831644588870e-7,
                                2.04426310338993978564e-15};
    if (!(p > 1e-300)) p = 1e-300;
    if (p > 1.0 - 1e-16) p = 1.0 - 1e-16;
    double q = p - 0.5;
    if (fabs(q) <= 0.425) {
        double r = 0.180625 - q * q;
        return q * poly(a, 8, r) / poly(b, 8, r);
    }
    double r = sqrt(-log(q < 0 ? p : 1.0 - p));
    double v;
    if (r <= 5.0) {
        r -= 1.6;
        v = poly(c, 8, r) / poly(d, 8, r);
    } else {
        r -= 5.0;
        v = poly(e, 8, r) / poly(f, 8, r);
    }
    return q < 0 ? -v : v;
}

static double phi_density(double z)
{
    return isinf(z) ? 0.0 : exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
}

/* E[Z | Phi(Z) in [lo, hi]], or the point's score when the bucket is a point. */
static double bucket_score(double lo, double hi, double eps)
{
    if (lo < 0) lo = 0;
    if (hi > 1) hi = 1;
    if (hi - lo < 1e-9) {
        double mid = 0.5 * (lo + hi);
        if (mid < eps) mid = eps;
        if (mid > 1 - eps) mid = 1 - eps;
        return rc_copula_phi_inv(mid);
    }
    double za = lo <= 0 ? -INFINITY : rc_copula_phi_inv(lo);
    double zb = hi >= 1 ? INFINITY : rc_copula_phi_inv(hi);
    return (phi_density(za) - phi_density(zb)) / (hi - lo);
}

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

double rc_copula_score(const rc_model_col_t *col, uint64_t nrows, const char *s, size_t len)
{
    double eps = 0.5 / (double)(nrows ? nrows : 1);
    if (col->kind == RC_COL_NUMERIC) {
        double v;
        int dec, integer;
        if (!len || !rc_cell_number(s, len, &v, &dec, &integer)) return 0.0;
        double lo = rc_sketch_cdf(col->q, col->npoints, v, 1);
        double hi = rc_sketch_cdf(col->q, col->npoints, v, 0);
        return bucket_score(lo, hi, eps);
    }
    size_t lo = 0, hi = col->ncat;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = bytes_cmp(col->cat[mid], col->catlen[mid], s, len);
        if (c == 0) return bucket_score(mid ? col->cum[mid - 1] : 0.0, col->cum[mid], eps);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0.0; /* a value the model dropped */
}

/* ---- the correlation estimate ------------------------------------------------- */

void rc_copula_acc_init(rc_copula_acc_t *a, size_t p)
{
    a->p = p;
    a->n = 0;
    a->sum = rc_calloc(p ? p : 1, sizeof(double));
    a->cross = rc_calloc(p * (p + 1) / 2 + 1, sizeof(double));
}

void rc_copula_acc_free(rc_copula_acc_t *a)
{
    rc_free(a->sum);
    rc_free(a->cross);
    memset(a, 0, sizeof(*a));
}

void rc_copula_acc_add(rc_copula_acc_t *a, const double *s)
{
    a->n++;
    double *x = a->cross;
    for (size_t i = 0; i < a->p; i++) {
        a->sum[i] += s[i];
        for (size_t j = 0; j <= i; j++) *x++ += s[i] * s[j];
    }
}

void rc_copula_acc_encode(const rc_copula_acc_t *a, rc_buf_t *out)
{
    rc_wire_put_u32(out, ACC_MAGIC);
    rc_wire_put_u32(out, (uint32_t)a->p);
    rc_wire_put_u64(out, a->n);
    for (size_t i = 0; i < a->p; i++) rc_wire_put_f64(out, a->sum[i]);
    for (size_t i = 0; i < a->p * (a->p + 1) / 2; i++) rc_wire_put_f64(out, a->cross[i]);
}

rc_err_t rc_copula_acc_merge(rc_copula_acc_t *a, const rc_blob_t *b)
{
    rc_wire_reader_t r;
    rc_wire_reader_init(&r, b->data, b->len);
    uint32_t magic = rc_wire_get_u32(&r), p = rc_wire_get_u32(&r);
    uint64_t n = rc_wire_get_u64(&r);
    size_t nc = a->p * (a->p + 1) / 2;
    if (!rc_wire_ok(&r) || magic != ACC_MAGIC || p != a->p || rc_wire_left(&r) != 8 * (p + nc))
        return RC_EPROTO;
    for (size_t i = 0; i < p; i++) {
        double v = rc_wire_get_f64(&r);
        if (!isfinite(v)) return RC_EPROTO;
        a->sum[i] += v;
    }
    for (size_t i = 0; i < nc; i++) {
        double v = rc_wire_get_f64(&r);
        if (!isfinite(v)) return RC_EPROTO;
        a->cross[i] += v;
    }
    a->n += n;
    return RC_OK;
}

void rc_copula_acc_corr(const rc_copula_acc_t *a, double *corr)
{
    size_t p = a->p;
    double n = a->n ? (double)a->n : 1.0;
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j <= i; j++) {
            double cov = a->cross[i * (i + 1) / 2 + j] / n - (a->sum[i] / n) * (a->sum[j] / n);
            double r;
            if (i == j) {
                r = 1.0;
            } else {
                double vi = a->cross[i * (i + 1) / 2 + i] / n - (a->sum[i] / n) * (a->sum[i] / n);
                double vj = a->cross[j * (j + 1) / 2 + j] / n - (a->sum[j] / n) * (a->sum[j] / n);
                r = vi > 1e-12 && vj > 1e-12 ? cov / (vi * vj) : 0.0;
                if (r > 0.999) r = 0.999;
                if (r < -0.999) r = -0.999;
            }
            corr[i * p + j] = corr[j * p + i] = r;
        }
}

/* ---- generation ---------------------------------------------------------------- */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdULL;
    z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ULL;
    return z ^ (z >> 33);
}

uint64_t rc_copula_shard_seed(uint64_t seed, uint64_t shard)
{
    return mix64(seed ^ mix64(shard + 0x9e3779b97f4a7c15ULL));
}

/* A uniform in (0, 1): never 0, so its normal quantile is finite. */
static double uniform_open(void)
{
    return ((double)(rc_rand_u64() >> 11) + 0.5) * 0x1.0p-53;
}

/* x with d (0..9) decimals, rounded half away from zero; 0 when out of its
 * range (the caller falls back to printf). printf's exact decimal expansion is
 * half the cost of generation; this differs from it at most in a last digit on
 * a near-tie, and is as deterministic. A value that rounds to zero is "0.00",
 * never "-0.00". */
static size_t fmt_fixed(double x, int d, char *out)
{
    static const uint64_t p10[10] = {1,      10,      100,      1000,      10000,
                                     100000, 1000000, 10000000, 100000000, 1000000000};
    double s = fabs(x) * (double)p10[d];
    if (!(s < 9e15)) return 0;
    uint64_t v = (uint64_t)(s + 0.5);
    size_t n = 0;
    if (x < 0 && v) out[n++] = '-';
    n += rc_u64_to_str(v / p10[d], out + n);
    if (d) {
        out[n++] = '.';
        uint64_t f = v % p10[d];
        for (int k = d - 1; k >= 0; k--) {
            out[n + (size_t)k] = (char)('0' + f % 10);
            f /= 10;
        }
        n += (size_t)d;
    }
    return n;
}

static void write_number(const rc_model_col_t *c, double x, rc_buf_t *out)
{
    char tmp[400]; /* "%.17f" of the largest double */
    size_t n = 0;
    if (c->is_integer) {
        if (fabs(x) < 9e18) n = rc_i64_to_str((int64_t)llround(x), tmp);
    } else if (c->decimals != RC_MODEL_GENERAL_FMT && c->decimals <= 9) {
        n = fmt_fixed(x, c->decimals, tmp);
    }
    if (n == 0) {
        int k = c->is_integer ? snprintf(tmp, sizeof(tmp), "%.0f", x)
                : c->decimals == RC_MODEL_GENERAL_FMT
                    ? snprintf(tmp, sizeof(tmp), "%.6g", x)
                    : snprintf(tmp, sizeof(tmp), "%.*f", c->decimals, x);
        if (k <= 0 || (size_t)k >= sizeof(tmp)) return;
        n = (size_t)k;
    }
    rc_buf_append(out, tmp, n);
}

void rc_copula_header(const rc_model_t *m, rc_buf_t *out)
{
    for (size_t i = 0; i < m->ncols; i++) {
        if (i) rc_buf_append_char(out, ',');
        rc_csv_write_field(out, m->cols[i].name, strlen(m->cols[i].name));
    }
    rc_buf_append(out, "\r\n", 2);
}

void rc_copula_begin(uint64_t seed, uint64_t shard)
{
    rc_rand_seed(rc_copula_shard_seed(seed, shard));
}

void rc_copula_rows(const rc_model_t *m, uint64_t rows, rc_buf_t *out)
{
    size_t p = m->ncols;
    double *e = rc_malloc(2 * p * sizeof(double));
    double *z = e + p;
    for (uint64_t r = 0; r < rows; r++) {
        for (size_t i = 0; i < p; i++) e[i] = rc_copula_phi_inv(uniform_open());
        for (size_t i = 0; i < p; i++) {
            const double *l = m->chol + i * p;
            double s = 0;
            for (size_t j = 0; j <= i; j++) s += l[j] * e[j];
            z[i] = s;
        }
        for (size_t i = 0; i < p; i++) {
            const rc_model_col_t *c = &m->cols[i];
            if (i) rc_buf_append_char(out, ',');
            double u = rc_copula_phi(z[i]);
            if (c->kind == RC_COL_NUMERIC) {
                /* Drawn for every row, missing or not, so the stream stays aligned. */
                double w = c->missing > 0 ? rc_rand_double() : 1.0;
                if (w >= c->missing) write_number(c, rc_sketch_quantile(c->q, c->npoints, u), out);
            } else {
                size_t lo = 0, hi = c->ncat - 1;
                while (lo < hi) {
                    size_t mid = lo + (hi - lo) / 2;
                    if (c->cum[mid] > u)
                        hi = mid;
                    else
                        lo = mid + 1;
                }
                rc_csv_write_field(out, c->cat[lo], c->catlen[lo]);
            }
        }
        rc_buf_append(out, "\r\n", 2);
    }
    rc_free(e);
}
