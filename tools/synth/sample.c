/* sample.c — the sample table generator (see sample.h). */
#include "sample.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "copula.h"
#include "csv.h"
#include "file.h"
#include "rand.h"

#define N RC_SAMPLE_COLS

static const char *const names[N] = {"age",  "income",  "score",   "visits",
                                     "city", "segment", "balance", "note"};

/* Byte order of the values follows the latent order (see sample.h). */
static const char *const cities[] = {"Berlin",    "Lisbon", "New York, NY",
                                     "Paris, FR", "Tokyo",  "Washington, \"D.C.\""};
static const double city_cum[] = {0.10, 0.25, 0.50, 0.70, 0.85, 1.0};
static const char *const segments[] = {"A", "B", "C", "D"};
static const double segment_cum[] = {0.40, 0.70, 0.90, 1.0};
static const char *const notes[] = {"", "called twice", "line one\nline two", "said \"hi\", left"};
static const double note_cum[] = {0.55, 0.80, 0.92, 1.0};

const double *rc_sample_corr(void)
{
    static double r[N * N];
    static const struct {
        int i, j;
        double v;
    } pairs[] = {{0, 1, 0.5},  {0, 3, 0.3},  {1, 2, 0.4}, {1, 4, 0.3},  {2, 5, -0.4}, {3, 5, 0.3},
                 {1, 6, 0.35}, {6, 7, 0.25}, {0, 6, 0.2}, {2, 3, -0.2}, {4, 5, 0.2}};
    if (r[0] == 0.0) {
        for (int i = 0; i < N; i++) r[i * N + i] = 1.0;
        for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++)
            r[pairs[k].i * N + pairs[k].j] = r[pairs[k].j * N + pairs[k].i] = pairs[k].v;
    }
    return r;
}

static size_t pick(const double *cum, size_t n, double u)
{
    size_t i = 0;
    while (i + 1 < n && u >= cum[i]) i++;
    return i;
}

static void put_cat(rc_buf_t *b, const char *s)
{
    rc_csv_write_field(b, s, strlen(s));
}

rc_err_t rc_sample_write(const char *path, uint64_t rows, uint64_t seed, char *err, size_t errcap)
{
    /* The Cholesky factor of the latent correlation. */
    const double *r = rc_sample_corr();
    double l[N * N] = {0};
    for (int j = 0; j < N; j++) {
        double d = r[j * N + j];
        for (int k = 0; k < j; k++) d -= l[j * N + k] * l[j * N + k];
        RC_ASSERT(d > 0); /* a constant matrix, checked by the unit tests */
        l[j * N + j] = sqrt(d);
        for (int i = j + 1; i < N; i++) {
            double s = r[i * N + j];
            for (int k = 0; k < j; k++) s -= l[i * N + k] * l[j * N + k];
            l[i * N + j] = s / l[j * N + j];
        }
    }
    rc_file_atomic_t f;
    rc_err_t rc = rc_file_atomic_open(&f, path, err, errcap);
    if (rc != RC_OK) return rc;
    rc_buf_t b = RC_BUF_INIT;
    for (int i = 0; i < N; i++) rc_buf_printf(&b, "%s%s", i ? "," : "", names[i]);
    rc_buf_append_char(&b, '\n');
    rc_rand_seed(seed ^ 0x5a3d1e0000000000ULL);
    for (uint64_t row = 0; row < rows && rc == RC_OK; row++) {
        double e[N], z[N], u[N];
        for (int i = 0; i < N; i++)
            e[i] = rc_copula_phi_inv(((double)(rc_rand_u64() >> 11) + 0.5) * 0x1.0p-53);
        for (int i = 0; i < N; i++) {
            z[i] = 0;
            for (int k = 0; k <= i; k++) z[i] += l[i * N + k] * e[k];
            u[i] = rc_copula_phi(z[i]);
        }
        double age = fmin(90, fmax(18, round(45 + 15 * z[0])));
        rc_buf_printf(&b, "%d,%.2f,%.3f,%d,", (int)age, exp(10.5 + 0.5 * z[1]), 50 + 10 * z[2],
                      (int)floor(exp(1.2 + 0.6 * z[3])));
        put_cat(&b, cities[pick(city_cum, 6, u[4])]);
        rc_buf_append_char(&b, ',');
        put_cat(&b, segments[pick(segment_cum, 4, u[5])]);
        rc_buf_append_char(&b, ',');
        if (rc_rand_double() >= 0.05) rc_buf_printf(&b, "%.2f", 200 + 1000 * z[6]);
        rc_buf_append_char(&b, ',');
        put_cat(&b, notes[pick(note_cum, 4, u[7])]);
        rc_buf_append_char(&b, '\n');
        if (b.len >= (1u << 20)) {
            rc = rc_file_atomic_write(&f, b.data, b.len, err, errcap);
            rc_buf_clear(&b);
        }
    }
    if (rc == RC_OK) rc = rc_file_atomic_write(&f, b.data, b.len, err, errcap);
    rc_buf_free(&b);
    if (rc == RC_OK) return rc_file_atomic_commit(&f, err, errcap);
    rc_file_atomic_abort(&f);
    return rc;
}
