/* test_copula.c — the copula in process: Phi and its inverse; the whole fit
 * (scan, pass-1 shards, reduce, pass-2 shards, reduce: the task handlers as
 * --local calls them) on a 60,000-row sample, then generation, with the
 * synthetic table checked against the input: KS < 0.05 per numeric column,
 * category frequencies within 1 %, Spearman of every pair within 0.05;
 * determinism: a shard's bytes depend on (seed, shard) only, written in chunks
 * or at once, and the generate handler writes the same part file twice;
 * handler errors name the file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "colstats.h"
#include "copula.h"
#include "csv.h"
#include "file.h"
#include "fdio.h"
#include "model.h"
#include "sample.h"
#include "scan.h"
#include "synth.h"

#define ROWS 60000

static char dir[] = "/tmp/rc-copula-XXXXXX";
static char data_path[64], marg_path[64], model_path[64];

static void test_phi(void **state)
{
    (void)state;
    assert_true(fabs(rc_copula_phi(0) - 0.5) < 1e-15);
    assert_true(fabs(rc_copula_phi(1.959963984540054) - 0.975) < 1e-12);
    assert_true(fabs(rc_copula_phi_inv(0.975) - 1.959963984540054) < 1e-12);
    assert_true(fabs(rc_copula_phi_inv(1e-10) + 6.361340902404056) < 1e-9);
    for (double p = 1e-12; p < 1; p = p < 0.01 ? p * 10 : p + 0.01) {
        double z = rc_copula_phi_inv(p);
        if (fabs(rc_copula_phi(z) - p) > 1e-12 * fmax(1, p / 1e-3))
            fail_msg("Phi(Phi^-1(%g)) = %.17g", p, rc_copula_phi(z));
    }
    assert_true(isfinite(rc_copula_phi_inv(0)) && isfinite(rc_copula_phi_inv(1)));
}

static rc_err_t call(rc_synth_fn fn, rc_blob_t *args, size_t n, rc_buf_t *out)
{
    char err[512] = "";
    rc_err_t rc = fn(args, n, out, err, sizeof(err));
    if (rc != RC_OK) fail_msg("handler failed: %s", err);
    return rc;
}

/* The whole fit as --local runs it; returns the loaded model. */
static void fit(rc_model_t *m)
{
    char err[512];
    rc_file_map_t map;
    assert_int_equal(rc_file_map(data_path, &map, err, sizeof(err)), RC_OK);
    rc_scan_t s;
    assert_int_equal(rc_scan_csv(map.data, map.len, data_path, 7000, &s, err, sizeof(err)), RC_OK);
    rc_file_unmap(&map);
    assert_int_equal(s.rows, ROWS);
    assert_int_equal(s.ncols, RC_SAMPLE_COLS);
    rc_buf_t *res = rc_calloc(s.nshards + 1, sizeof(rc_buf_t));
    rc_blob_t *args = rc_calloc(s.nshards + 1, sizeof(rc_blob_t));
    rc_buf_t req = RC_BUF_INIT, out = RC_BUF_INIT;
    for (int pass = 1; pass <= 2; pass++) {
        for (size_t i = 0; i < s.nshards; i++) {
            rc_synth_fit_req_t r = {.begin = s.shards[i].begin,
                                    .end = s.shards[i].end,
                                    .first_line = s.shards[i].first_line,
                                    .ncols = (uint32_t)s.ncols};
            snprintf(r.input, sizeof(r.input), "%s", data_path);
            if (pass == 2) snprintf(r.model, sizeof(r.model), "%s", marg_path);
            rc_buf_clear(&req);
            rc_synth_fit_req_encode(&r, &req);
            rc_blob_t a = {req.data, req.len};
            rc_buf_clear(&res[i]);
            call(pass == 1 ? rc_synth_fit_marginals : rc_synth_fit_copula, &a, 1, &res[i]);
            assert_int_equal(rc_synth_fit_result_rows(res[i].data, res[i].len), s.shards[i].rows);
            assert_true(res[i].len < 100 * 1024); /* the SDK's inline limit */
            args[i + 1] = (rc_blob_t){res[i].data, res[i].len};
        }
        rc_buf_clear(&req);
        if (pass == 1) {
            rc_synth_reduce1_req_t r = {.ncols = (uint32_t)s.ncols,
                                        .names = (const char *const *)s.names};
            snprintf(r.out, sizeof(r.out), "%s", marg_path);
            rc_synth_reduce1_req_encode(&r, &req);
        } else {
            rc_synth_reduce2_req_t r;
            snprintf(r.marginals, sizeof(r.marginals), "%s", marg_path);
            snprintf(r.out, sizeof(r.out), "%s", model_path);
            rc_synth_reduce2_req_encode(&r, &req);
        }
        args[0] = (rc_blob_t){req.data, req.len};
        rc_buf_clear(&out);
        call(pass == 1 ? rc_synth_reduce_marginals : rc_synth_reduce_copula, args, s.nshards + 1,
             &out);
        if (pass == 1) {
            rc_synth_summary_t sum;
            assert_int_equal(rc_synth_summary_decode(out.data, out.len, &sum), RC_OK);
            assert_int_equal(sum.rows, ROWS);
            const char kinds[] = "nnnnccnc";
            for (int c = 0; c < RC_SAMPLE_COLS; c++)
                assert_int_equal(sum.kind[c],
                                 kinds[c] == 'n' ? RC_COL_NUMERIC : RC_COL_CATEGORICAL);
            assert_true(sum.integer[0] && !sum.integer[1] && sum.integer[3]);
            assert_int_equal(sum.ncat[4], 6);
        }
    }
    for (size_t i = 0; i <= s.nshards; i++) rc_buf_free(&res[i]);
    rc_free(res);
    rc_free(args);
    rc_buf_free(&req);
    rc_buf_free(&out);
    rc_scan_free(&s);
    assert_int_equal(rc_model_load(model_path, m, err, sizeof(err)), RC_OK);
}

typedef struct {
    size_t n;
    char ***cells; /* [row][col], owned copies */
} table_t;

static void table_read(const char *d, size_t len, table_t *t)
{
    rc_csv_t c;
    rc_csv_init(&c, d, len, 1);
    assert_int_equal(rc_csv_next(&c), RC_OK); /* header */
    t->n = 0;
    t->cells = rc_malloc((ROWS + 1) * sizeof(char **));
    while (rc_csv_next(&c) == RC_OK) {
        assert_int_equal(c.nfields, RC_SAMPLE_COLS);
        assert_true(t->n < ROWS);
        char **row = rc_malloc(RC_SAMPLE_COLS * sizeof(char *));
        for (int k = 0; k < RC_SAMPLE_COLS; k++)
            row[k] = rc_strndup(c.fields[k].p, c.fields[k].len);
        t->cells[t->n++] = row;
    }
    rc_csv_free(&c);
}

static void table_free(table_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        for (int k = 0; k < RC_SAMPLE_COLS; k++) rc_free(t->cells[i][k]);
        rc_free(t->cells[i]);
    }
    rc_free(t->cells);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ks(double *a, size_t na, double *b, size_t nb)
{
    qsort(a, na, sizeof(double), cmp_double);
    qsort(b, nb, sizeof(double), cmp_double);
    size_t i = 0, j = 0;
    double d = 0;
    while (i < na && j < nb) {
        double x = a[i] < b[j] ? a[i] : b[j];
        while (i < na && a[i] <= x) i++;
        while (j < nb && b[j] <= x) j++;
        double e = fabs((double)i / (double)na - (double)j / (double)nb);
        if (e > d) d = e;
    }
    return d;
}

/* A cell's value for rank correlation: the number, or the category's index. */
static double code(const rc_model_col_t *c, const char *s)
{
    if (c->kind == RC_COL_NUMERIC) return atof(s);
    for (size_t k = 0; k < c->ncat; k++)
        if (strcmp(c->cat[k], s) == 0) return (double)k;
    return -1;
}

typedef struct {
    double v;
    size_t i;
} vi_t;

static int cmp_vi(const void *a, const void *b)
{
    const vi_t *x = a, *y = b;
    return (x->v > y->v) - (x->v < y->v);
}

/* Average ranks (ties), centred and scaled to unit norm. */
static void zranks(const double *v, size_t n, double *out)
{
    vi_t *o = rc_malloc(n * sizeof(*o));
    for (size_t i = 0; i < n; i++) o[i] = (vi_t){v[i], i};
    qsort(o, n, sizeof(*o), cmp_vi);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && o[j + 1].v == o[i].v) j++;
        for (size_t k = i; k <= j; k++) out[o[k].i] = (double)(i + j) / 2.0;
        i = j + 1;
    }
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++) m += out[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) s += (out[i] - m) * (out[i] - m);
    s = sqrt(s);
    for (size_t i = 0; i < n; i++) out[i] = s > 0 ? (out[i] - m) / s : 0;
    rc_free(o);
}

/* Spearman matrix over the rows with no empty numeric cell. */
static void spearman(const rc_model_t *m, const table_t *t, double *rho)
{
    size_t p = m->ncols, n = 0;
    double **z = rc_malloc(p * sizeof(double *));
    double *v = rc_malloc(t->n * sizeof(double));
    size_t *rows = rc_malloc(t->n * sizeof(size_t));
    for (size_t i = 0; i < t->n; i++) {
        int ok = 1;
        for (size_t c = 0; c < p; c++)
            if (m->cols[c].kind == RC_COL_NUMERIC && !t->cells[i][c][0]) ok = 0;
        if (ok) rows[n++] = i;
    }
    for (size_t c = 0; c < p; c++) {
        z[c] = rc_malloc(n * sizeof(double));
        for (size_t i = 0; i < n; i++) v[i] = code(&m->cols[c], t->cells[rows[i]][c]);
        zranks(v, n, z[c]);
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < p; b++) {
            double s = 0;
            for (size_t i = 0; i < n; i++) s += z[a][i] * z[b][i];
            rho[a * p + b] = s;
        }
    for (size_t c = 0; c < p; c++) rc_free(z[c]);
    rc_free(z);
    rc_free(v);
    rc_free(rows);
}

static void test_fit_generate_statistics(void **state)
{
    (void)state;
    rc_model_t m;
    fit(&m);
    rc_buf_t gen = RC_BUF_INIT;
    rc_copula_header(&m, &gen);
    assert_string_equal(gen.data, "age,income,score,visits,city,segment,balance,note\r\n");
    /* Three shards, as generate tasks would write them. */
    for (uint64_t s = 0; s < 3; s++) {
        rc_copula_begin(99, s);
        rc_copula_rows(&m, ROWS / 3, &gen);
    }
    char err[256];
    rc_file_map_t map;
    assert_int_equal(rc_file_map(data_path, &map, err, sizeof(err)), RC_OK);
    table_t in, out;
    table_read(map.data, map.len, &in);
    table_read(gen.data, gen.len, &out);
    rc_file_unmap(&map);
    assert_int_equal(in.n, ROWS);
    assert_int_equal(out.n, ROWS);

    double *a = rc_malloc(ROWS * sizeof(double)), *b = rc_malloc(ROWS * sizeof(double));
    for (size_t c = 0; c < m.ncols; c++) {
        const rc_model_col_t *col = &m.cols[c];
        if (col->kind == RC_COL_NUMERIC) {
            size_t na = 0, nb = 0;
            for (size_t i = 0; i < ROWS; i++) {
                if (in.cells[i][c][0]) a[na++] = atof(in.cells[i][c]);
                if (out.cells[i][c][0]) b[nb++] = atof(out.cells[i][c]);
            }
            double d = ks(a, na, b, nb);
            print_message("  %-8s KS %.4f, empty %.4f vs %.4f\n", col->name, d,
                          1 - (double)na / ROWS, 1 - (double)nb / ROWS);
            assert_true(d < 0.05);
            assert_true(fabs((double)na - (double)nb) / ROWS < 0.01);
        } else {
            double worst = 0;
            for (size_t k = 0; k < col->ncat; k++) {
                size_t fa = 0, fb = 0;
                for (size_t i = 0; i < ROWS; i++) {
                    fa += strcmp(in.cells[i][c], col->cat[k]) == 0;
                    fb += strcmp(out.cells[i][c], col->cat[k]) == 0;
                }
                double d = fabs((double)fa - (double)fb) / ROWS;
                if (d > worst) worst = d;
            }
            print_message("  %-8s category frequency off by at most %.4f\n", col->name, worst);
            assert_true(worst < 0.01);
        }
    }
    double ri[RC_SAMPLE_COLS * RC_SAMPLE_COLS], ro[RC_SAMPLE_COLS * RC_SAMPLE_COLS];
    spearman(&m, &in, ri);
    spearman(&m, &out, ro);
    double worst = 0;
    for (size_t i = 0; i < m.ncols; i++)
        for (size_t j = 0; j < i; j++) {
            double d = fabs(ri[i * m.ncols + j] - ro[i * m.ncols + j]);
            if (d > worst) worst = d;
            if (d >= 0.05)
                fail_msg("spearman(%s, %s): input %.3f, synthetic %.3f", m.cols[i].name,
                         m.cols[j].name, ri[i * m.ncols + j], ro[i * m.ncols + j]);
        }
    print_message("  Spearman off by at most %.4f\n", worst);
    /* The structure is real, not all zeros: age~income is strongly positive. */
    assert_true(ro[0 * m.ncols + 1] > 0.4);
    rc_free(a);
    rc_free(b);
    table_free(&in);
    table_free(&out);
    rc_buf_free(&gen);
    rc_model_free(&m);
}

static void test_determinism(void **state)
{
    (void)state;
    rc_model_t m;
    char err[512];
    assert_int_equal(rc_model_load(model_path, &m, err, sizeof(err)), RC_OK);
    rc_buf_t one = RC_BUF_INIT, chunks = RC_BUF_INIT, other = RC_BUF_INIT, again = RC_BUF_INIT;
    rc_copula_begin(7, 3);
    rc_copula_rows(&m, 1000, &one);
    rc_copula_begin(7, 2); /* another shard in between changes nothing */
    rc_copula_rows(&m, 10, &other);
    rc_copula_begin(7, 3);
    rc_copula_rows(&m, 1, &chunks);
    rc_copula_rows(&m, 499, &chunks);
    rc_copula_rows(&m, 500, &chunks);
    assert_int_equal(one.len, chunks.len);
    assert_memory_equal(one.data, chunks.data, one.len);
    rc_buf_clear(&other);
    rc_copula_begin(8, 3);
    rc_copula_rows(&m, 1000, &other);
    assert_true(other.len != one.len || memcmp(other.data, one.data, one.len) != 0);
    assert_true(rc_copula_shard_seed(7, 3) != rc_copula_shard_seed(7, 4));
    assert_true(rc_copula_shard_seed(7, 3) != rc_copula_shard_seed(8, 3));

    /* The generate handler, run twice (a retry): the same part file. */
    char part[64];
    snprintf(part, sizeof(part), "%s/part-000003.csv", dir);
    rc_synth_gen_req_t g = {.shard = 3, .rows = 10000, .seed = 7};
    snprintf(g.model, sizeof(g.model), "%s", model_path);
    snprintf(g.part, sizeof(g.part), "%s", part);
    rc_buf_t req = RC_BUF_INIT, res = RC_BUF_INIT, first = RC_BUF_INIT;
    rc_synth_gen_req_encode(&g, &req);
    rc_blob_t a = {req.data, req.len};
    uint64_t rows, bytes;
    for (int k = 0; k < 2; k++) {
        rc_buf_clear(&res);
        call(rc_synth_generate, &a, 1, &res);
        assert_int_equal(rc_synth_gen_result_decode(res.data, res.len, &rows, &bytes), RC_OK);
        assert_int_equal(rows, 10000);
        rc_buf_t f = RC_BUF_INIT;
        assert_int_equal(rc_read_file(part, 0, 1 << 26, &f), RC_OK);
        assert_int_equal(f.len, bytes);
        if (k == 0) {
            rc_buf_append(&first, f.data, f.len);
            assert_memory_equal(f.data, one.data, one.len); /* rows 0..999 of shard 3 */
        } else {
            assert_memory_equal(f.data, first.data, first.len);
        }
        rc_buf_free(&f);
    }
    unlink(part);
    rc_buf_free(&req);
    rc_buf_free(&res);
    rc_buf_free(&first);
    rc_buf_free(&one);
    rc_buf_free(&chunks);
    rc_buf_free(&other);
    rc_buf_free(&again);
    rc_model_free(&m);
}

/* A constant numeric column: every row writes v in the column's format. */
static void constant_col(rc_model_col_t *c, const char *name, double v, int integer, int dec)
{
    c->name = rc_strdup(name);
    c->kind = RC_COL_NUMERIC;
    c->is_integer = integer;
    c->decimals = dec;
    c->npoints = 2;
    c->q = rc_malloc(2 * sizeof(double));
    c->q[0] = c->q[1] = v;
}

static void test_number_format(void **state)
{
    (void)state;
    rc_model_t m;
    rc_model_init(&m, 8);
    constant_col(&m.cols[0], "a", -0.001, 0, 2);     /* rounds to zero: no sign */
    constant_col(&m.cols[1], "b", 1234.56, 0, 1);    /* rounded */
    constant_col(&m.cols[2], "c", -7.0000001, 1, 0); /* integer */
    constant_col(&m.cols[3], "d", 2.5e-7, 0, RC_MODEL_GENERAL_FMT);
    constant_col(&m.cols[4], "e", 3.14159265358979, 0, 14); /* beyond the fast path */
    constant_col(&m.cols[5], "f", 1e300, 0, 2);             /* likewise */
    constant_col(&m.cols[6], "g", 1e20, 1, 0);
    constant_col(&m.cols[7], "h", -12.5, 0, 3);
    rc_buf_t out = RC_BUF_INIT;
    rc_copula_begin(1, 0);
    rc_copula_rows(&m, 1, &out);
    char want[512];
    snprintf(want, sizeof(want), "0.00,1234.6,-7,2.5e-07,3.14159265358979,%.2f,%.0f,-12.500\r\n",
             1e300, 1e20);
    assert_string_equal(out.data, want);
    rc_buf_free(&out);
    rc_model_free(&m);
}

static void test_handler_errors(void **state)
{
    (void)state;
    char path[64], err[512];
    snprintf(path, sizeof(path), "%s/bad.csv", dir);
    const char *bad = "a,b\n1,2\n3,\"x\ny\"\n4\n";
    assert_int_equal(rc_file_write_atomic(path, bad, strlen(bad), err, sizeof(err)), RC_OK);
    rc_synth_fit_req_t r = {.begin = 4, .end = strlen(bad), .first_line = 2, .ncols = 2};
    snprintf(r.input, sizeof(r.input), "%s", path);
    rc_buf_t req = RC_BUF_INIT, out = RC_BUF_INIT;
    rc_synth_fit_req_encode(&r, &req);
    rc_blob_t a = {req.data, req.len};
    assert_int_equal(rc_synth_fit_marginals(&a, 1, &out, err, sizeof(err)), RC_EINVAL);
    char want[128];
    snprintf(want, sizeof(want), "%s:5: ragged row: 1 fields, but the header has 2", path);
    assert_string_equal(err, want);
    /* A range past the end of the file (it shrank), and garbage requests. */
    r.end = 1000;
    rc_buf_clear(&req);
    rc_synth_fit_req_encode(&r, &req);
    a = (rc_blob_t){req.data, req.len};
    assert_int_equal(rc_synth_fit_marginals(&a, 1, &out, err, sizeof(err)), RC_EINVAL);
    assert_non_null(strstr(err, "shorter than when it was scanned"));
    rc_blob_t junk = {"junk", 4};
    assert_int_equal(rc_synth_fit_marginals(&junk, 1, &out, err, sizeof(err)), RC_EPROTO);
    assert_int_equal(rc_synth_generate(&junk, 1, &out, err, sizeof(err)), RC_EPROTO);
    assert_int_equal(rc_synth_reduce_copula(&junk, 1, &out, err, sizeof(err)), RC_EPROTO);
    unlink(path);
    rc_buf_free(&req);
    rc_buf_free(&out);
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    if (!mkdtemp(dir)) return -1;
    snprintf(data_path, sizeof(data_path), "%s/data.csv", dir);
    snprintf(marg_path, sizeof(marg_path), "%s/marginals.bin", dir);
    snprintf(model_path, sizeof(model_path), "%s/model.bin", dir);
    return rc_sample_write(data_path, ROWS, 3, err, sizeof(err)) == RC_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    unlink(data_path);
    unlink(marg_path);
    unlink(model_path);
    rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phi),
        cmocka_unit_test(test_fit_generate_statistics),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_number_format),
        cmocka_unit_test(test_handler_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
