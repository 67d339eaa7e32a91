/* test_model.c — the model file: encode/decode round trip (every field), save
 * and load through a file; damaged files: every single-byte change and every
 * truncation is refused with a message; hostile files with a valid checksum
 * (huge counts over few bytes, NaN, unordered or duplicate values, bad
 * probabilities, a non-positive-definite correlation) are refused or repaired,
 * never trusted; the correlation repair shrinks toward the identity. */
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
#include "model.h"
#include "wire.h"

static void build(rc_model_t *m)
{
    rc_model_init(m, 3);
    m->nrows = 12345;
    rc_model_col_t *a = &m->cols[0], *b = &m->cols[1], *c = &m->cols[2];
    a->name = rc_strdup("age");
    a->kind = RC_COL_NUMERIC;
    a->is_integer = 1;
    a->missing = 0.125;
    a->npoints = 5;
    a->q = rc_malloc(5 * sizeof(double));
    for (int i = 0; i < 5; i++) a->q[i] = 18 + i * 10;
    b->name = rc_strdup("city, \"quoted\"");
    b->kind = RC_COL_CATEGORICAL;
    b->ncat = 3;
    b->cat = rc_calloc(3, sizeof(char *));
    b->catlen = rc_calloc(3, sizeof(size_t));
    b->prob = rc_calloc(3, sizeof(double));
    const char *v[3] = {"", "Berlin", "New York, NY"};
    double p[3] = {0.2, 0.5, 0.3};
    for (int i = 0; i < 3; i++) {
        b->cat[i] = rc_strdup(v[i]);
        b->catlen[i] = strlen(v[i]);
        b->prob[i] = p[i];
    }
    rc_model_col_finish(b);
    c->name = rc_strdup("score");
    c->kind = RC_COL_NUMERIC;
    c->decimals = RC_MODEL_GENERAL_FMT;
    c->npoints = 2;
    c->q = rc_malloc(2 * sizeof(double));
    c->q[0] = -1e10;
    c->q[1] = 2.5e-3;
    double corr[9] = {1, 0.5, -0.25, 0.5, 1, 0.1, -0.25, 0.1, 1};
    assert_int_equal(rc_model_set_corr(m, corr), RC_OK);
    assert_true(m->shrink == 1.0);
}

static void same(const rc_model_t *x, const rc_model_t *y)
{
    assert_int_equal(x->ncols, y->ncols);
    assert_int_equal(x->nrows, y->nrows);
    for (size_t i = 0; i < x->ncols; i++) {
        const rc_model_col_t *a = &x->cols[i], *b = &y->cols[i];
        assert_string_equal(a->name, b->name);
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->is_integer, b->is_integer);
        assert_int_equal(a->decimals, b->decimals);
        assert_true(a->missing == b->missing);
        assert_int_equal(a->npoints, b->npoints);
        for (size_t k = 0; k < a->npoints; k++) assert_true(a->q[k] == b->q[k]);
        assert_int_equal(a->ncat, b->ncat);
        for (size_t k = 0; k < a->ncat; k++) {
            assert_int_equal(a->catlen[k], b->catlen[k]);
            assert_memory_equal(a->cat[k], b->cat[k], a->catlen[k] + 1);
            assert_true(a->prob[k] == b->prob[k]);
            assert_true(a->cum[k] == b->cum[k]);
        }
    }
    for (size_t i = 0; i < x->ncols * x->ncols; i++) {
        assert_true(x->corr[i] == y->corr[i]);
        assert_true(fabs(x->chol[i] - y->chol[i]) < 1e-15);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    rc_model_t m, back;
    build(&m);
    rc_buf_t b = RC_BUF_INIT;
    rc_model_encode(&m, &b);
    char err[256];
    assert_int_equal(rc_model_decode(b.data, b.len, &back, err, sizeof(err)), RC_OK);
    same(&m, &back);
    rc_model_free(&back);

    char dir[] = "/tmp/rc-model-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/m.bin", dir);
    assert_int_equal(rc_model_save(path, &m, err, sizeof(err)), RC_OK);
    assert_int_equal(rc_model_load(path, &back, err, sizeof(err)), RC_OK);
    same(&m, &back);
    rc_model_free(&back);
    unlink(path);
    assert_int_not_equal(rc_model_load(path, &back, err, sizeof(err)), RC_OK);
    assert_non_null(strstr(err, path));
    rmdir(dir);
    rc_buf_free(&b);
    rc_model_free(&m);
}

static void test_damaged(void **state)
{
    (void)state;
    rc_model_t m, back;
    build(&m);
    rc_buf_t b = RC_BUF_INIT;
    rc_model_encode(&m, &b);
    char err[256];
    unsigned char *d = (unsigned char *)b.data;
    for (size_t i = 0; i < b.len; i++) {
        unsigned char keep = d[i];
        for (int bit = 0; bit < 8; bit += 3) {
            d[i] = keep ^ (unsigned char)(1u << bit);
            err[0] = '\0';
            if (rc_model_decode(d, b.len, &back, err, sizeof(err)) == RC_OK)
                fail_msg("byte %zu bit %d changed: accepted", i, bit);
            assert_true(err[0] != '\0');
        }
        d[i] = keep;
    }
    for (size_t n = 0; n < b.len; n++) {
        assert_int_not_equal(rc_model_decode(d, n, &back, err, sizeof(err)), RC_OK);
        assert_true(err[0] != '\0');
    }
    rc_buf_append(&b, "x", 1);
    assert_int_not_equal(rc_model_decode(b.data, b.len, &back, err, sizeof(err)), RC_OK);
    assert_non_null(strstr(err, "truncated or has extra bytes"));
    assert_int_not_equal(rc_model_decode("RCSYNTH", 8, &back, err, sizeof(err)), RC_OK);
    assert_int_not_equal(rc_model_decode("hello, I am a CSV file", 22, &back, err, sizeof(err)),
                         RC_OK);
    assert_non_null(strstr(err, "not a rayc-synth model"));
    rc_buf_free(&b);
    rc_model_free(&m);
}

/* A file around a hand-made payload, with a correct checksum. */
static void wrap(const rc_buf_t *payload, rc_buf_t *out, uint32_t version)
{
    rc_buf_clear(out);
    rc_buf_append(out, "RCSYNTH", 8);
    rc_wire_put_u32(out, version);
    rc_wire_put_u32(out, 32);
    rc_wire_put_u64(out, payload->len);
    rc_wire_put_u64(out, rc_wire_fnv1a(RC_WIRE_FNV_INIT, payload->data, payload->len));
    rc_buf_append(out, payload->data, payload->len);
}

/* One numeric column "x" (npoints values from q) and one categorical "c". */
static void payload(rc_buf_t *p, uint32_t ncols, uint32_t npoints, const double *q, uint32_t ncat,
                    const char *const *cats, const double *probs, const char *name2, double r)
{
    rc_buf_clear(p);
    rc_wire_put_u32(p, ncols);
    rc_wire_put_u64(p, 100);
    rc_wire_put_str(p, "x");
    rc_wire_put_u8(p, RC_COL_NUMERIC);
    rc_wire_put_u8(p, 0);
    rc_wire_put_u8(p, 2);
    rc_wire_put_u8(p, 0);
    rc_wire_put_f64(p, 0);
    rc_wire_put_u32(p, npoints);
    for (uint32_t i = 0; i < npoints && i < 3 && q; i++) rc_wire_put_f64(p, q[i]); /* q has 3 */
    rc_wire_put_str(p, name2);
    rc_wire_put_u8(p, RC_COL_CATEGORICAL);
    rc_wire_put_u8(p, 0);
    rc_wire_put_u8(p, 0);
    rc_wire_put_u8(p, 0);
    rc_wire_put_f64(p, 0);
    rc_wire_put_u32(p, ncat);
    for (uint32_t i = 0; i < ncat && i < 2 && cats; i++) { /* cats has 2 */
        rc_wire_put_str(p, cats[i]);
        rc_wire_put_f64(p, probs[i]);
    }
    rc_wire_put_f64(p, r);
}

static void expect_refused(const rc_buf_t *p, const char *msg)
{
    rc_buf_t f = RC_BUF_INIT;
    wrap(p, &f, RC_MODEL_VERSION);
    rc_model_t m;
    char err[256];
    assert_int_equal(rc_model_decode(f.data, f.len, &m, err, sizeof(err)), RC_EPROTO);
    if (!strstr(err, msg)) fail_msg("got '%s', want '%s'", err, msg);
    rc_buf_free(&f);
}

static void test_hostile(void **state)
{
    (void)state;
    const double q[3] = {1, 2, 3}, nanq[3] = {1, NAN, 3}, down[3] = {3, 2, 1};
    const char *cats[2] = {"a", "b"}, *unsorted[2] = {"b", "a"}, *dup[2] = {"a", "a"};
    const double probs[2] = {0.25, 0.75}, badp[2] = {0.5, 0.6}, zero[2] = {0, 1};
    rc_buf_t p = RC_BUF_INIT, f = RC_BUF_INIT;
    rc_model_t m;
    char err[256];

    payload(&p, 2, 3, q, 2, cats, probs, "c", 0.3);
    wrap(&p, &f, RC_MODEL_VERSION);
    assert_int_equal(rc_model_decode(f.data, f.len, &m, err, sizeof(err)), RC_OK);
    assert_true(fabs(m.corr[1] - 0.3) < 1e-15 && m.shrink == 1.0);
    rc_model_free(&m);
    wrap(&p, &f, 2);
    assert_int_equal(rc_model_decode(f.data, f.len, &m, err, sizeof(err)), RC_EPROTO);
    assert_non_null(strstr(err, "version 2"));

    payload(&p, 0, 3, q, 2, cats, probs, "c", 0);
    expect_refused(&p, "bad number of columns (0)");
    payload(&p, 100000, 3, q, 2, cats, probs, "c", 0);
    expect_refused(&p, "bad number of columns (100000)");
    payload(&p, 2, 4000000000u, NULL, 0, NULL, NULL, "c", 0);
    expect_refused(&p, "bad number of quantiles (4000000000)");
    payload(&p, 2, 1000, q, 2, cats, probs, "c", 0); /* claims more than it holds */
    expect_refused(&p, "bad number of quantiles (1000)");
    payload(&p, 2, 3, nanq, 2, cats, probs, "c", 0);
    expect_refused(&p, "quantiles not finite and increasing");
    payload(&p, 2, 3, down, 2, cats, probs, "c", 0);
    expect_refused(&p, "quantiles not finite and increasing");
    payload(&p, 2, 3, q, 900000, cats, probs, "c", 0);
    expect_refused(&p, "bad number of categories (900000)");
    payload(&p, 2, 3, q, 2, unsorted, probs, "c", 0);
    expect_refused(&p, "not in strictly increasing order");
    payload(&p, 2, 3, q, 2, dup, probs, "c", 0);
    expect_refused(&p, "not in strictly increasing order");
    payload(&p, 2, 3, q, 2, cats, badp, "c", 0);
    expect_refused(&p, "sum to 1.1");
    payload(&p, 2, 3, q, 2, cats, zero, "c", 0);
    expect_refused(&p, "probability out of range");
    payload(&p, 2, 3, q, 2, cats, probs, "x", 0);
    expect_refused(&p, "column name 'x' appears twice");
    payload(&p, 2, 3, q, 2, cats, probs, "c", 1.5);
    expect_refused(&p, "correlation matrix truncated or out of range");
    payload(&p, 2, 3, q, 2, cats, probs, "c", NAN);
    expect_refused(&p, "correlation matrix");
    payload(&p, 2, 3, q, 2, cats, probs, "c\xff", 0);
    expect_refused(&p, "bad name");
    payload(&p, 2, 3, q, 2, cats, probs, "c", 0.3);
    rc_buf_append(&p, "zz", 2);
    expect_refused(&p, "unexpected bytes after the correlation matrix");
    rc_buf_free(&p);
    rc_buf_free(&f);
}

static void test_corr_repair(void **state)
{
    (void)state;
    rc_model_t m;
    rc_model_init(&m, 3);
    /* Pairwise plausible, jointly impossible: not positive definite. */
    double bad[9] = {1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1};
    assert_int_equal(rc_model_set_corr(&m, bad), RC_OK);
    assert_true(m.shrink < 1.0 && m.shrink > 0.0);
    assert_true(fabs(m.corr[1] - 0.9 * m.shrink) < 1e-12);
    /* L L^T reproduces the repaired matrix. */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++) s += m.chol[i * 3 + k] * m.chol[j * 3 + k];
            assert_true(fabs(s - m.corr[i * 3 + j]) < 1e-12);
        }
    double nan[9] = {1, NAN, 0, NAN, 1, 0, 0, 0, 1};
    assert_int_equal(rc_model_set_corr(&m, nan), RC_EINVAL);
    rc_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_corr_repair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
