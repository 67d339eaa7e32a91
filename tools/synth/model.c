/* model.c — the model, its Cholesky factor and its checked file format (see model.h). */
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "fdio.h"
#include "file.h"
#include "json.h"
#include "wire.h"

#define MAGIC       "RCSYNTH"
#define HEADER_SIZE 32u
#define GENERAL_U8  255u

void rc_model_init(rc_model_t *m, size_t ncols)
{
    memset(m, 0, sizeof(*m));
    m->ncols = ncols;
    m->cols = rc_calloc(ncols ? ncols : 1, sizeof(*m->cols));
    m->corr = rc_calloc(ncols * ncols + 1, sizeof(double));
    m->chol = rc_calloc(ncols * ncols + 1, sizeof(double));
    for (size_t i = 0; i < ncols; i++) m->corr[i * ncols + i] = m->chol[i * ncols + i] = 1.0;
    m->shrink = 1.0;
}

static void col_free(rc_model_col_t *c)
{
    rc_free(c->name);
    rc_free(c->q);
    for (size_t i = 0; i < c->ncat; i++) rc_free(c->cat[i]);
    rc_free(c->cat);
    rc_free(c->catlen);
    rc_free(c->prob);
    rc_free(c->cum);
}

void rc_model_free(rc_model_t *m)
{
    if (!m->cols) return;
    for (size_t i = 0; i < m->ncols; i++) col_free(&m->cols[i]);
    rc_free(m->cols);
    rc_free(m->corr);
    rc_free(m->chol);
    memset(m, 0, sizeof(*m));
}

void rc_model_col_finish(rc_model_col_t *c)
{
    rc_free(c->cum);
    c->cum = rc_malloc((c->ncat ? c->ncat : 1) * sizeof(double));
    double s = 0;
    for (size_t i = 0; i < c->ncat; i++) c->cum[i] = (s += c->prob[i]);
    /* Exactly 1 at the end, so a uniform draw below 1 always finds a value. */
    if (c->ncat) c->cum[c->ncat - 1] = 1.0;
}

/* Cholesky of a (n x n, row-major) into l (lower); 0 when a is not safely
 * positive definite. */
static int cholesky(const double *a, size_t n, double *l)
{
    memset(l, 0, n * n * sizeof(double));
    for (size_t j = 0; j < n; j++) {
        double d = a[j * n + j];
        for (size_t k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
        if (!(d > 1e-9)) return 0;
        l[j * n + j] = sqrt(d);
        for (size_t i = j + 1; i < n; i++) {
            double s = a[i * n + j];
            for (size_t k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
            l[i * n + j] = s / l[j * n + j];
        }
    }
    return 1;
}

rc_err_t rc_model_set_corr(rc_model_t *m, const double *corr)
{
    size_t n = m->ncols;
    for (size_t i = 0; i < n * n; i++)
        if (!isfinite(corr[i]) || fabs(corr[i]) > 1.0 + 1e-9) return RC_EINVAL;
    double *a = rc_malloc(n * n * sizeof(double) + 1);
    rc_err_t rc = RC_EINVAL;
    /* Shrinking toward the identity keeps the structure of the correlations
     * and always ends positive definite (at 0 it is the identity). */
    double lambda = 1.0;
    for (int step = 0; step <= 200; step++) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                a[i * n + j] = i == j ? 1.0 : lambda * 0.5 * (corr[i * n + j] + corr[j * n + i]);
        if (cholesky(a, n, m->chol)) {
            memcpy(m->corr, a, n * n * sizeof(double));
            m->shrink = lambda;
            rc = RC_OK;
            break;
        }
        lambda = step < 199 ? lambda * 0.97 : 0.0;
    }
    rc_free(a);
    return rc;
}

/* ---- encoding ---------------------------------------------------------------- */

void rc_model_encode(const rc_model_t *m, rc_buf_t *out)
{
    rc_buf_t p = RC_BUF_INIT;
    rc_wire_put_u32(&p, (uint32_t)m->ncols);
    rc_wire_put_u64(&p, m->nrows);
    for (size_t i = 0; i < m->ncols; i++) {
        const rc_model_col_t *c = &m->cols[i];
        rc_wire_put_str(&p, c->name);
        rc_wire_put_u8(&p, (uint8_t)c->kind);
        rc_wire_put_u8(&p, (uint8_t)(c->is_integer != 0));
        rc_wire_put_u8(&p, c->decimals < 0 ? GENERAL_U8 : (uint8_t)c->decimals);
        rc_wire_put_u8(&p, 0);
        rc_wire_put_f64(&p, c->missing);
        if (c->kind == RC_COL_NUMERIC) {
            rc_wire_put_u32(&p, (uint32_t)c->npoints);
            for (size_t k = 0; k < c->npoints; k++) rc_wire_put_f64(&p, c->q[k]);
        } else {
            rc_wire_put_u32(&p, (uint32_t)c->ncat);
            for (size_t k = 0; k < c->ncat; k++) {
                rc_wire_put_bytes(&p, c->cat[k], c->catlen[k]);
                rc_wire_put_f64(&p, c->prob[k]);
            }
        }
    }
    for (size_t i = 1; i < m->ncols; i++)
        for (size_t j = 0; j < i; j++) rc_wire_put_f64(&p, m->corr[i * m->ncols + j]);

    rc_buf_append(out, MAGIC, 8); /* with its NUL */
    rc_wire_put_u32(out, RC_MODEL_VERSION);
    rc_wire_put_u32(out, HEADER_SIZE);
    rc_wire_put_u64(out, p.len);
    rc_wire_put_u64(out, rc_wire_fnv1a(RC_WIRE_FNV_INIT, p.data, p.len));
    rc_buf_append(out, p.data, p.len);
    rc_buf_free(&p);
}

static int valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = rc_utf8_seq_len((const unsigned char *)s + i, n - i);
        if (!k || s[i] == '\0') return 0;
        i += k;
    }
    return 1;
}

static int bytes_less(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c < 0 || (c == 0 && an < bn);
}

static rc_err_t decode_col(rc_wire_reader_t *r, size_t idx, rc_model_col_t *c, char *err,
                           size_t errcap)
{
    size_t nlen;
    const char *name = rc_wire_get_bytes(r, &nlen);
    if (!name) return rc_wire_bad(err, errcap, "column %zu: truncated", idx + 1);
    if (nlen == 0 || nlen > RC_MODEL_MAX_NAME || !valid_utf8(name, nlen))
        return rc_wire_bad(err, errcap, "column %zu: bad name (empty, too long or not UTF-8)",
                           idx + 1);
    c->name = rc_strndup(name, nlen);
    unsigned kind = rc_wire_get_u8(r), isint = rc_wire_get_u8(r), dec = rc_wire_get_u8(r);
    rc_wire_get_u8(r);
    c->missing = rc_wire_get_f64(r);
    if (!rc_wire_ok(r)) return rc_wire_bad(err, errcap, "column '%s': truncated", c->name);
    if (kind > RC_COL_CATEGORICAL || isint > 1 || (dec > 17 && dec != GENERAL_U8))
        return rc_wire_bad(err, errcap, "column '%s': unknown kind or format", c->name);
    if (!(c->missing >= 0.0 && c->missing < 1.0))
        return rc_wire_bad(err, errcap, "column '%s': missing fraction out of range", c->name);
    c->kind = (rc_col_kind_t)kind;
    c->is_integer = (int)isint;
    c->decimals = dec == GENERAL_U8 ? RC_MODEL_GENERAL_FMT : (int)dec;
    if (c->kind == RC_COL_NUMERIC) {
        uint32_t np = rc_wire_get_u32(r);
        if (np < 2 || np > RC_MODEL_MAX_POINTS || rc_wire_left(r) / 8 < np)
            return rc_wire_bad(err, errcap, "column '%s': bad number of quantiles (%u)", c->name,
                               np);
        c->npoints = np;
        c->q = rc_malloc(np * sizeof(double));
        for (size_t k = 0; k < np; k++) {
            c->q[k] = rc_wire_get_f64(r);
            if (!isfinite(c->q[k]) || (k && c->q[k] < c->q[k - 1]))
                return rc_wire_bad(err, errcap, "column '%s': quantiles not finite and increasing",
                                   c->name);
        }
        return RC_OK;
    }
    uint32_t nc = rc_wire_get_u32(r);
    if (nc < 1 || nc > RC_MODEL_MAX_CATS || rc_wire_left(r) / 12 < nc)
        return rc_wire_bad(err, errcap, "column '%s': bad number of categories (%u)", c->name, nc);
    c->cat = rc_calloc(nc, sizeof(char *));
    c->catlen = rc_calloc(nc, sizeof(size_t));
    c->prob = rc_calloc(nc, sizeof(double));
    double sum = 0;
    for (size_t k = 0; k < nc; k++) {
        size_t len;
        const char *v = rc_wire_get_bytes(r, &len);
        double p = rc_wire_get_f64(r);
        if (!rc_wire_ok(r)) {
            c->ncat = k;
            return rc_wire_bad(err, errcap, "column '%s': truncated", c->name);
        }
        if (len && !valid_utf8(v, len))
            return rc_wire_bad(err, errcap, "column '%s': category %zu is not UTF-8 text", c->name,
                               k + 1);
        c->cat[k] = rc_malloc(len + 1);
        if (len) memcpy(c->cat[k], v, len);
        c->cat[k][len] = '\0';
        c->catlen[k] = len;
        c->prob[k] = p;
        c->ncat = k + 1;
        if (k && !bytes_less(c->cat[k - 1], c->catlen[k - 1], c->cat[k], len))
            return rc_wire_bad(err, errcap,
                               "column '%s': categories not in strictly increasing order", c->name);
        if (!(p > 0.0 && p <= 1.0))
            return rc_wire_bad(err, errcap, "column '%s': category probability out of range",
                               c->name);
        sum += p;
    }
    if (fabs(sum - 1.0) > 1e-6)
        return rc_wire_bad(err, errcap, "column '%s': category probabilities sum to %g, not 1",
                           c->name, sum);
    rc_model_col_finish(c);
    return RC_OK;
}

rc_err_t rc_model_decode(const void *data, size_t len, rc_model_t *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof(*out));
    rc_wire_reader_t h;
    rc_wire_reader_init(&h, data, len);
    const uint8_t *magic = rc_wire_get_raw(&h, 8);
    if (!magic || memcmp(magic, MAGIC, 8) != 0)
        return rc_wire_bad(err, errcap, "not a rayc-synth model (no RCSYNTH magic)");
    uint32_t version = rc_wire_get_u32(&h), hsize = rc_wire_get_u32(&h);
    uint64_t plen = rc_wire_get_u64(&h), sum = rc_wire_get_u64(&h);
    if (!rc_wire_ok(&h)) return rc_wire_bad(err, errcap, "truncated model header");
    if (version != RC_MODEL_VERSION)
        return rc_wire_bad(err, errcap, "model format version %u; this rayc-synth reads version %u",
                           version, RC_MODEL_VERSION);
    if (hsize != HEADER_SIZE) return rc_wire_bad(err, errcap, "bad model header size %u", hsize);
    if (plen != len - HEADER_SIZE)
        return rc_wire_bad(err, errcap,
                           "model is truncated or has extra bytes: its header says %llu bytes of "
                           "content, the file has %zu",
                           (unsigned long long)plen, len - HEADER_SIZE);
    const uint8_t *payload = (const uint8_t *)data + HEADER_SIZE;
    if (rc_wire_fnv1a(RC_WIRE_FNV_INIT, payload, (size_t)plen) != sum)
        return rc_wire_bad(err, errcap, "model checksum mismatch: the file is damaged");

    rc_wire_reader_t r;
    rc_wire_reader_init(&r, payload, (size_t)plen);
    uint32_t ncols = rc_wire_get_u32(&r);
    uint64_t nrows = rc_wire_get_u64(&r);
    if (!rc_wire_ok(&r) || ncols < 1 || ncols > RC_MODEL_MAX_COLS)
        return rc_wire_bad(err, errcap, "bad number of columns (%u)", ncols);
    rc_model_init(out, ncols);
    out->nrows = nrows;
    rc_err_t rc;
    for (size_t i = 0; i < ncols; i++) {
        rc = decode_col(&r, i, &out->cols[i], err, errcap);
        if (rc != RC_OK) goto fail;
        for (size_t j = 0; j < i; j++)
            if (strcmp(out->cols[j].name, out->cols[i].name) == 0) {
                rc = rc_wire_bad(err, errcap, "column name '%s' appears twice", out->cols[i].name);
                goto fail;
            }
    }
    double *corr = out->corr;
    for (size_t i = 1; i < ncols; i++)
        for (size_t j = 0; j < i; j++) {
            double v = rc_wire_get_f64(&r);
            if (!rc_wire_ok(&r) || !isfinite(v) || fabs(v) > 1.0) {
                rc = rc_wire_bad(err, errcap, "correlation matrix truncated or out of range");
                goto fail;
            }
            corr[i * ncols + j] = corr[j * ncols + i] = v;
        }
    if (!rc_wire_done(&r)) {
        rc = rc_wire_bad(err, errcap, "unexpected bytes after the correlation matrix");
        goto fail;
    }
    double *copy = rc_malloc((size_t)ncols * ncols * sizeof(double));
    memcpy(copy, corr, (size_t)ncols * ncols * sizeof(double));
    rc = rc_model_set_corr(out, copy);
    rc_free(copy);
    if (rc != RC_OK) {
        rc = rc_wire_bad(err, errcap, "correlation matrix cannot be used");
        goto fail;
    }
    return RC_OK;
fail:
    rc_model_free(out);
    return rc;
}

rc_err_t rc_model_load(const char *path, rc_model_t *out, char *err, size_t errcap)
{
    rc_buf_t b = RC_BUF_INIT;
    char why[200];
    memset(out, 0, sizeof(*out));
    rc_err_t rc = rc_read_file(path, 0, RC_MODEL_MAX_FILE, &b);
    if (rc == RC_ETOOBIG) {
        snprintf(err, errcap, "%s: larger than %u MiB: not a rayc-synth model", path,
                 RC_MODEL_MAX_FILE >> 20);
    } else if (rc != RC_OK) {
        snprintf(err, errcap, "%s: cannot read the model: %s", path, strerror(errno));
    } else {
        rc = rc_model_decode(b.data, b.len, out, why, sizeof(why));
        if (rc != RC_OK) snprintf(err, errcap, "%s: %s", path, why);
    }
    rc_buf_free(&b);
    return rc;
}

rc_err_t rc_model_save(const char *path, const rc_model_t *m, char *err, size_t errcap)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_model_encode(m, &b);
    rc_err_t rc = rc_file_write_atomic(path, b.data, b.len, err, errcap);
    rc_buf_free(&b);
    return rc;
}
