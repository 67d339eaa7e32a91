/* test_stats.c — type detection and the fit's statistics: rc_cell_number's
 * grammar (what is a number, its decimals); quantile summaries and their
 * merge across shards of different distributions, continuous and with ties,
 * against the exact distribution of all values (full and tight budgets);
 * colstats parts merged into marginals: numeric vs categorical per column
 * across shards, missing fractions, integer/decimal formats, bounded parts
 * with a note for dropped values, and malformed parts refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "colstats.h"
#include "rand.h"
#include "sketch.h"

static void test_cell_number(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok, decimals, integer;
        double v;
    } cases[] = {
        {"0", 1, 0, 1, 0},       {"-12", 1, 0, 1, -12},   {"+7", 1, 0, 1, 7},
        {"3.25", 1, 2, 0, 3.25}, {"-0.5", 1, 1, 0, -0.5}, {".5", 1, 1, 0, 0.5},
        {"5.", 1, 0, 0, 5},      {"1e3", 1, -1, 0, 1000}, {"2.5E-2", 1, -1, 0, 0.025},
        {"0.000", 1, 3, 0, 0},   {"007", 0, 0, 0, 0},     {"01.5", 0, 0, 0, 0},
        {"", 0, 0, 0, 0},        {"-", 0, 0, 0, 0},       {".", 0, 0, 0, 0},
        {"1e", 0, 0, 0, 0},      {" 1", 0, 0, 0, 0},      {"1 ", 0, 0, 0, 0},
        {"inf", 0, 0, 0, 0},     {"nan", 0, 0, 0, 0},     {"0x10", 0, 0, 0, 0},
        {"1,5", 0, 0, 0, 0},     {"1e999", 0, 0, 0, 0},   {"12abc", 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double v = -99;
        int dec = -99, integer = -99;
        int ok = rc_cell_number(cases[i].s, strlen(cases[i].s), &v, &dec, &integer);
        if (ok != cases[i].ok) fail_msg("'%s': ok %d", cases[i].s, ok);
        if (!ok) continue;
        assert_true(v == cases[i].v);
        assert_int_equal(dec, cases[i].decimals);
        assert_int_equal(integer, cases[i].integer);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Max over the merged table's knots of |F_data(q_k) - k/(np-1)| (right-limit
 * ECDF, and at atoms the interval [F(x-), F(x)] must contain k/(np-1)). */
static double rank_error(const double *all, size_t n, const double *q, size_t np)
{
    double worst = 0;
    for (size_t k = 0; k < np; k++) {
        double u = (double)k / (double)(np - 1);
        size_t lo = 0, hi = n; /* first index with all[i] >= q[k] */
        while (lo < hi) {
            size_t m = (lo + hi) / 2;
            if (all[m] < q[k])
                lo = m + 1;
            else
                hi = m;
        }
        size_t lo2 = lo, hi2 = n; /* first index with all[i] > q[k] */
        while (lo2 < hi2) {
            size_t m = (lo2 + hi2) / 2;
            if (all[m] <= q[k])
                lo2 = m + 1;
            else
                hi2 = m;
        }
        double fl = (double)lo / (double)n, fr = (double)lo2 / (double)n;
        double e = u < fl ? fl - u : u > fr ? u - fr : 0;
        if (e > worst) worst = e;
    }
    return worst;
}

static void merge_case(int discrete, size_t shard_points, double tol)
{
    enum { SHARDS = 20, PER = 10000 };
    double *all = malloc(sizeof(double) * SHARDS * PER);
    double *qs = malloc(sizeof(double) * SHARDS * 1001);
    rc_sketch_part_t parts[SHARDS];
    rc_rand_seed(42 + (uint64_t)discrete);
    size_t n = 0;
    for (int s = 0; s < SHARDS; s++) {
        /* Shards differ: shifted normals, exponentials, and different sizes. */
        size_t cnt = PER - (size_t)s * 300;
        double *v = all + n;
        for (size_t i = 0; i < cnt; i++) {
            double u1 = rc_rand_double() + 1e-12, u2 = rc_rand_double();
            double x = s % 2 ? -log(u1) * (1 + s * 0.1)
                             : s * 0.2 + sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
            v[i] = discrete ? floor(x * 2) : x;
        }
        qsort(v, cnt, sizeof(double), cmp_double);
        size_t np = rc_sketch_summarize(v, cnt, shard_points, qs + (size_t)s * 1001);
        parts[s] = (rc_sketch_part_t){qs + (size_t)s * 1001, np, cnt};
        n += cnt;
    }
    qsort(all, n, sizeof(double), cmp_double);
    double out[1001];
    rc_sketch_merge(parts, SHARDS, 1001, out);
    assert_true(out[0] == all[0]);
    assert_true(out[1000] == all[n - 1]);
    for (int k = 1; k < 1001; k++) assert_true(out[k] >= out[k - 1]);
    double err = rank_error(all, n, out, 1001);
    if (err > tol)
        fail_msg("discrete=%d points=%zu: rank error %.5f > %.5f", discrete, shard_points, err,
                 tol);
    /* And the merged CDF at data values is close to the data's. */
    for (size_t i = 0; i < n; i += 997) {
        double f = rc_sketch_cdf(out, 1001, all[i], 0);
        size_t j = i;
        while (j < n && all[j] <= all[i]) j++;
        assert_true(fabs(f - (double)j / (double)n) <= tol + 0.001);
    }
    free(all);
    free(qs);
}

static void test_sketch_merge(void **state)
{
    (void)state;
    merge_case(0, 1001, 0.003);
    merge_case(1, 1001, 0.003); /* integers: atoms */
    merge_case(0, 45, 0.03);    /* a tight budget (128 columns) */

    /* Small cases: one value, one shard of two, a point mass. */
    double one = 5, q[4];
    assert_int_equal(rc_sketch_summarize(&one, 1, 1001, q), 1);
    assert_true(rc_sketch_cdf(q, 1, 4.9, 0) == 0 && rc_sketch_cdf(q, 1, 5, 0) == 1);
    assert_true(rc_sketch_cdf(q, 1, 5, 1) == 0);
    double two[2] = {1, 3};
    assert_int_equal(rc_sketch_summarize(two, 2, 1001, q), 2);
    assert_true(fabs(rc_sketch_cdf(q, 2, 2, 0) - 0.5) < 1e-12);
    assert_true(fabs(rc_sketch_quantile(q, 2, 0.25) - 1.5) < 1e-12);
    rc_sketch_part_t p[2] = {{&one, 1, 3}, {q, 2, 1}};
    double m[5];
    rc_sketch_merge(p, 2, 5, m); /* 3/4 of the mass at 5, 1/4 spread over [1, 3] */
    assert_true(m[0] == 1 && m[4] == 5);
    assert_true(m[1] == 3 && m[2] == 5 && m[3] == 5);
}

static rc_csv_field_t F(const char *s)
{
    return (rc_csv_field_t){s, strlen(s)};
}

static void test_colstats_merge(void **state)
{
    (void)state;
    /* Columns: num (numeric everywhere, one empty), mixed (a number in shard 0,
     * text in shard 1), code ("007" is text), dec (2 decimals, then 3), many
     * (a distinct value per row: overflows a tiny budget). */
    const char *names[] = {"num", "mixed", "code", "dec", "many"};
    rc_colstats_t *a = rc_colstats_new(5), *b = rc_colstats_new(5);
    char many[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(many, sizeof(many), "v%04d", i);
        rc_csv_field_t r[5] = {F(i == 3 ? "" : "1.5"), F(i % 2 ? "1" : "2"), F("007"), F("2.25"),
                               F(many)};
        rc_colstats_add_row(i < 600 ? a : b, r);
    }
    rc_csv_field_t r[5] = {F("-4"), F("n/a"), F("008"), F("1.125"), F("x")};
    rc_colstats_add_row(b, r);
    assert_int_equal(rc_colstats_rows(a), 600);
    rc_buf_t pa = RC_BUF_INIT, pb = RC_BUF_INIT, notes = RC_BUF_INIT;
    rc_colstats_encode(a, 90 * 1024, &pa);
    rc_colstats_encode(b, 3000, &pb); /* tiny: "many" keeps only its most frequent values */
    assert_true(pb.len <= 3000 + 5 * 48 + 16);
    rc_blob_t parts[2] = {{pa.data, pa.len}, {pb.data, pb.len}};
    rc_model_t m;
    char err[256];
    assert_int_equal(rc_colstats_merge(parts, 2, names, 5, 101, &m, &notes, err, sizeof(err)),
                     RC_OK);
    assert_int_equal(m.nrows, 1001);
    assert_int_equal(m.cols[0].kind, RC_COL_NUMERIC);
    assert_false(m.cols[0].is_integer);
    assert_int_equal(m.cols[0].decimals, 1);
    assert_true(fabs(m.cols[0].missing - 1.0 / 1001) < 1e-12);
    assert_true(m.cols[0].q[0] == -4 && m.cols[0].q[100] == 1.5);
    assert_int_equal(m.cols[1].kind, RC_COL_CATEGORICAL);
    assert_int_equal(m.cols[1].ncat, 3); /* "1", "2", "n/a" in byte order */
    assert_string_equal(m.cols[1].cat[2], "n/a");
    assert_true(fabs(m.cols[1].prob[0] - 500.0 / 1001) < 1e-12);
    assert_int_equal(m.cols[2].kind, RC_COL_CATEGORICAL);
    assert_string_equal(m.cols[2].cat[0], "007");
    assert_int_equal(m.cols[3].kind, RC_COL_NUMERIC);
    assert_int_equal(m.cols[3].decimals, 3);
    assert_int_equal(m.cols[4].kind, RC_COL_CATEGORICAL);
    assert_true(m.cols[4].ncat < 1001);
    assert_non_null(strstr(notes.data, "column 'many': too many distinct values"));
    double sum = 0;
    for (size_t i = 0; i < m.cols[4].ncat; i++) sum += m.cols[4].prob[i];
    assert_true(fabs(sum - 1) < 1e-9 && m.cols[4].cum[m.cols[4].ncat - 1] == 1.0);
    rc_model_free(&m);

    /* Malformed or mismatched parts. */
    rc_blob_t bad[2] = {{pa.data, pa.len - 3}, {pb.data, pb.len}};
    assert_int_equal(rc_colstats_merge(bad, 2, names, 5, 101, &m, &notes, err, sizeof(err)),
                     RC_EPROTO);
    assert_non_null(strstr(err, "shard 0"));
    assert_int_equal(rc_colstats_merge(parts, 2, names, 4, 101, &m, &notes, err, sizeof(err)),
                     RC_EPROTO);
    rc_blob_t junk = {"hello world, not a part", 23};
    assert_int_equal(rc_colstats_merge(&junk, 1, names, 5, 101, &m, &notes, err, sizeof(err)),
                     RC_EPROTO);
    rc_buf_free(&pa);
    rc_buf_free(&pb);
    rc_buf_free(&notes);
    rc_colstats_free(a);
    rc_colstats_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cell_number),
        cmocka_unit_test(test_sketch_merge),
        cmocka_unit_test(test_colstats_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
