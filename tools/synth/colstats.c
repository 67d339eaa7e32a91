/* colstats.c — per-shard column statistics, their bounded encoding and the
 * reduce into marginals (see colstats.h). */
#include "colstats.h"
#include "wire.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dict.h"
#include "sketch.h"

#define PART_MAGIC       0x31504353u /* "SCP1" */
#define NUMERIC_CAT_CAP  1000
#define CAT_CAP          65536
#define SHARD_POINTS_MAX 1001
#define GENERAL_U8       255u

int rc_cell_number(const char *s, size_t len, double *v, int *decimals, int *integer)
{
    size_t i = 0, digits = 0, frac = 0;
    int dot = 0, exp = 0;
    if (len == 0 || len > 64) return 0;
    if (s[i] == '+' || s[i] == '-') i++;
    size_t int_start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++, digits++;
    if (digits > 1 && s[int_start] == '0') return 0;
    if (i < len && s[i] == '.') {
        dot = 1;
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++, frac++;
    }
    if (digits + frac == 0) return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        exp = 1;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        size_t ed = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++, ed++;
        if (!ed) return 0;
    }
    if (i != len) return 0;
    char tmp[72];
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    double x = strtod(tmp, NULL);
    if (!isfinite(x)) return 0;
    *v = x;
    *decimals = exp ? RC_MODEL_GENERAL_FMT : (int)(frac > 17 ? 17 : frac);
    *integer = !dot && !exp;
    return 1;
}

/* ---- one shard ---------------------------------------------------------------- */

typedef struct {
    int numeric_ok;
    int all_integer;
    int decimals;
    uint64_t missing;
    double *vals;
    size_t nvals, cap;
    rc_dict_t *cats; /* value -> count (as uintptr_t) */
    uint64_t cat_total, cat_dropped;
} col_acc_t;

struct rc_colstats {
    size_t ncols;
    uint64_t rows;
    col_acc_t *cols;
};

rc_colstats_t *rc_colstats_new(size_t ncols)
{
    rc_colstats_t *cs = rc_calloc(1, sizeof(*cs));
    cs->ncols = ncols;
    cs->cols = rc_calloc(ncols ? ncols : 1, sizeof(*cs->cols));
    for (size_t i = 0; i < ncols; i++) {
        cs->cols[i].numeric_ok = 1;
        cs->cols[i].all_integer = 1;
        cs->cols[i].cats = rc_dict_new(NULL);
    }
    return cs;
}

void rc_colstats_free(rc_colstats_t *cs)
{
    if (!cs) return;
    for (size_t i = 0; i < cs->ncols; i++) {
        rc_free(cs->cols[i].vals);
        rc_dict_free(cs->cols[i].cats);
    }
    rc_free(cs->cols);
    rc_free(cs);
}

uint64_t rc_colstats_rows(const rc_colstats_t *cs)
{
    return cs->rows;
}

static void count_cat(col_acc_t *c, const char *s, size_t len)
{
    c->cat_total++;
    size_t cap = c->numeric_ok ? NUMERIC_CAT_CAP : CAT_CAP;
    rc_dict_entry_t *e = rc_dict_find(c->cats, s, len);
    if (!e) {
        if (rc_dict_size(c->cats) >= cap) {
            c->cat_dropped++;
            return;
        }
        e = rc_dict_add(c->cats, s, len, NULL);
    }
    e->val = (void *)((uintptr_t)e->val + 1);
}

void rc_colstats_add_row(rc_colstats_t *cs, const rc_csv_field_t *f)
{
    cs->rows++;
    for (size_t i = 0; i < cs->ncols; i++) {
        col_acc_t *c = &cs->cols[i];
        if (f[i].len == 0) {
            c->missing++;
        } else if (c->numeric_ok) {
            double v;
            int dec, integer;
            if (rc_cell_number(f[i].p, f[i].len, &v, &dec, &integer)) {
                if (c->nvals == c->cap) {
                    c->cap = c->cap ? c->cap * 2 : 1024;
                    c->vals = rc_realloc(c->vals, c->cap * sizeof(double));
                }
                c->vals[c->nvals++] = v;
                c->all_integer &= integer;
                if (dec == RC_MODEL_GENERAL_FMT || c->decimals == RC_MODEL_GENERAL_FMT)
                    c->decimals = RC_MODEL_GENERAL_FMT;
                else if (dec > c->decimals)
                    c->decimals = dec;
            } else {
                c->numeric_ok = 0;
                rc_free(c->vals);
                c->vals = NULL;
                c->nvals = c->cap = 0;
            }
        }
        count_cat(c, f[i].p, f[i].len);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_count_desc(const void *a, const void *b)
{
    const rc_dict_entry_t *x = *(rc_dict_entry_t *const *)a, *y = *(rc_dict_entry_t *const *)b;
    uintptr_t cx = (uintptr_t)x->val, cy = (uintptr_t)y->val;
    if (cx != cy) return cx > cy ? -1 : 1;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

static void encode_col(col_acc_t *c, size_t budget, rc_buf_t *out)
{
    int numeric = c->numeric_ok && c->nvals > 0;
    rc_wire_put_u8(out, (uint8_t)(c->numeric_ok != 0));
    rc_wire_put_u8(out, (uint8_t)(c->all_integer != 0));
    rc_wire_put_u8(out, c->decimals < 0 ? GENERAL_U8 : (uint8_t)c->decimals);
    rc_wire_put_u8(out, 0);
    rc_wire_put_u64(out, c->missing);
    rc_wire_put_u64(out, numeric ? c->nvals : 0);
    size_t catbudget = budget;
    if (numeric) {
        size_t np_max = budget / 2 / 8;
        if (np_max > SHARD_POINTS_MAX) np_max = SHARD_POINTS_MAX;
        if (np_max < 2) np_max = 2;
        qsort(c->vals, c->nvals, sizeof(double), cmp_double);
        double *q = rc_malloc(np_max * sizeof(double));
        size_t np = rc_sketch_summarize(c->vals, c->nvals, np_max, q);
        rc_wire_put_u32(out, (uint32_t)np);
        for (size_t k = 0; k < np; k++) rc_wire_put_f64(out, q[k]);
        rc_free(q);
        catbudget = budget > np * 8 ? budget - np * 8 : 0;
    } else {
        rc_wire_put_u32(out, 0);
    }
    /* The most frequent values that fit the budget; the rest are dropped. */
    size_t n = rc_dict_size(c->cats), k = 0;
    rc_dict_entry_t **ents = rc_malloc((n ? n : 1) * sizeof(*ents));
    rc_dict_iter_t it;
    rc_dict_iter_init(c->cats, &it);
    for (rc_dict_entry_t *e; (e = rc_dict_iter_next(&it)) && k < n;) ents[k++] = e;
    rc_dict_iter_done(&it);
    qsort(ents, k, sizeof(*ents), cmp_count_desc);
    size_t used = 0, keep = 0;
    uint64_t dropped = c->cat_dropped;
    for (size_t i = 0; i < k; i++) {
        size_t need = 12 + ents[i]->klen;
        if (keep == i && used + need <= catbudget) {
            used += need;
            keep++;
        } else {
            dropped += (uintptr_t)ents[i]->val;
        }
    }
    rc_wire_put_u64(out, c->cat_total);
    rc_wire_put_u64(out, dropped);
    rc_wire_put_u32(out, (uint32_t)keep);
    for (size_t i = 0; i < keep; i++) {
        rc_wire_put_bytes(out, ents[i]->key, ents[i]->klen);
        rc_wire_put_u64(out, (uint64_t)(uintptr_t)ents[i]->val);
    }
    rc_free(ents);
}

void rc_colstats_encode(rc_colstats_t *cs, size_t budget, rc_buf_t *out)
{
    rc_wire_put_u32(out, PART_MAGIC);
    rc_wire_put_u32(out, (uint32_t)cs->ncols);
    rc_wire_put_u64(out, cs->rows);
    size_t per = cs->ncols ? budget / cs->ncols : budget;
    /* Each column's fixed fields (flags, counts) come out of its share. */
    per = per > 48 ? per - 48 : 0;
    for (size_t i = 0; i < cs->ncols; i++) encode_col(&cs->cols[i], per, out);
}

/* ---- the reduce ---------------------------------------------------------------- */

typedef struct {
    int numeric_ok, all_integer, decimals;
    uint64_t missing, nvals, cat_total, cat_dropped;
    rc_sketch_part_t *sk;
    size_t nsk;
    rc_dict_t *cats;
} col_merge_t;

static rc_err_t merge_part(const rc_blob_t *b, size_t idx, col_merge_t *m, size_t ncols,
                           uint64_t *rows, char *err, size_t errcap)
{
    rc_wire_reader_t r;
    rc_wire_reader_init(&r, b->data, b->len);
    uint32_t magic = rc_wire_get_u32(&r), nc = rc_wire_get_u32(&r);
    uint64_t n = rc_wire_get_u64(&r);
    if (!rc_wire_ok(&r) || magic != PART_MAGIC || nc != ncols)
        return rc_wire_bad(err, errcap, "shard %zu: not a fit result for %zu columns", idx, ncols);
    *rows += n;
    for (size_t i = 0; i < ncols; i++) {
        col_merge_t *c = &m[i];
        unsigned ok = rc_wire_get_u8(&r), isint = rc_wire_get_u8(&r), dec = rc_wire_get_u8(&r);
        rc_wire_get_u8(&r);
        uint64_t missing = rc_wire_get_u64(&r), nvals = rc_wire_get_u64(&r);
        uint32_t np = rc_wire_get_u32(&r);
        if (!rc_wire_ok(&r) || np > RC_MODEL_MAX_POINTS || rc_wire_left(&r) / 8 < np ||
            (nvals && !np) || (!nvals && np) || (dec > 17 && dec != GENERAL_U8))
            return rc_wire_bad(err, errcap, "shard %zu column %zu: malformed", idx, i + 1);
        c->numeric_ok &= ok != 0;
        c->missing += missing;
        c->nvals += nvals;
        if (nvals) {
            c->all_integer &= isint != 0;
            int d = dec == GENERAL_U8 ? RC_MODEL_GENERAL_FMT : (int)dec;
            if (d == RC_MODEL_GENERAL_FMT || c->decimals == RC_MODEL_GENERAL_FMT)
                c->decimals = RC_MODEL_GENERAL_FMT;
            else if (d > c->decimals)
                c->decimals = d;
            double *q = rc_malloc(np * sizeof(double));
            for (size_t k = 0; k < np; k++) {
                q[k] = rc_wire_get_f64(&r);
                if (!isfinite(q[k]) || (k && q[k] < q[k - 1])) {
                    rc_free(q);
                    return rc_wire_bad(err, errcap, "shard %zu column %zu: bad quantiles", idx,
                                       i + 1);
                }
            }
            c->sk = rc_realloc(c->sk, (c->nsk + 1) * sizeof(*c->sk));
            c->sk[c->nsk++] = (rc_sketch_part_t){q, np, nvals};
        }
        c->cat_total += rc_wire_get_u64(&r);
        c->cat_dropped += rc_wire_get_u64(&r);
        uint32_t ncat = rc_wire_get_u32(&r);
        if (!rc_wire_ok(&r) || rc_wire_left(&r) / 12 < ncat)
            return rc_wire_bad(err, errcap, "shard %zu column %zu: malformed categories", idx,
                               i + 1);
        for (uint32_t k = 0; k < ncat; k++) {
            size_t len;
            const char *v = rc_wire_get_bytes(&r, &len);
            uint64_t cnt = rc_wire_get_u64(&r);
            if (!rc_wire_ok(&r))
                return rc_wire_bad(err, errcap, "shard %zu column %zu: malformed categories", idx,
                                   i + 1);
            int added;
            rc_dict_entry_t *e = rc_dict_add_or_find(c->cats, v ? v : "", len, &added);
            e->val = (void *)((uintptr_t)e->val + (uintptr_t)cnt);
        }
    }
    if (!rc_wire_done(&r)) return rc_wire_bad(err, errcap, "shard %zu: trailing bytes", idx);
    return RC_OK;
}

static int cmp_key(const void *a, const void *b)
{
    const rc_dict_entry_t *x = *(rc_dict_entry_t *const *)a, *y = *(rc_dict_entry_t *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

static rc_err_t build_categorical(col_merge_t *c, rc_model_col_t *mc, rc_buf_t *notes, char *err,
                                  size_t errcap)
{
    size_t n = rc_dict_size(c->cats), k = 0;
    if (n == 0)
        return rc_wire_bad(err, errcap,
                           "column '%s': every value is too long or too rare to model (%llu values "
                           "dropped)",
                           mc->name, (unsigned long long)c->cat_dropped);
    if (n > RC_MODEL_MAX_CATS)
        return rc_wire_bad(err, errcap, "column '%s': more than %d distinct values", mc->name,
                           RC_MODEL_MAX_CATS);
    rc_dict_entry_t **ents = rc_malloc(n * sizeof(*ents));
    rc_dict_iter_t it;
    rc_dict_iter_init(c->cats, &it);
    for (rc_dict_entry_t *e; (e = rc_dict_iter_next(&it)) && k < n;) ents[k++] = e;
    rc_dict_iter_done(&it);
    qsort(ents, k, sizeof(*ents), cmp_key);
    double kept = 0;
    for (size_t i = 0; i < k; i++) kept += (double)(uintptr_t)ents[i]->val;
    mc->kind = RC_COL_CATEGORICAL;
    mc->ncat = k;
    mc->cat = rc_calloc(k, sizeof(char *));
    mc->catlen = rc_calloc(k, sizeof(size_t));
    mc->prob = rc_calloc(k, sizeof(double));
    for (size_t i = 0; i < k; i++) {
        mc->cat[i] = rc_malloc(ents[i]->klen + 1);
        memcpy(mc->cat[i], ents[i]->key, ents[i]->klen + 1);
        mc->catlen[i] = ents[i]->klen;
        mc->prob[i] = (double)(uintptr_t)ents[i]->val / kept;
    }
    rc_model_col_finish(mc);
    rc_free(ents);
    if (c->cat_dropped)
        rc_buf_printf(notes,
                      "column '%s': too many distinct values to keep them all; the model keeps "
                      "the %zu most frequent (%.1f%% of the cells)\n",
                      mc->name, k, 100.0 * kept / (double)(c->cat_total ? c->cat_total : 1));
    return RC_OK;
}

rc_err_t rc_colstats_merge(const rc_blob_t *parts, size_t nparts, const char *const *names,
                           size_t ncols, size_t npoints, rc_model_t *out, rc_buf_t *notes,
                           char *err, size_t errcap)
{
    memset(out, 0, sizeof(*out));
    if (ncols < 1 || ncols > RC_MODEL_MAX_COLS)
        return rc_wire_bad(err, errcap, "%zu columns; rayc-synth models 1 to %d", ncols,
                           RC_MODEL_MAX_COLS);
    if (npoints < 2 || npoints > RC_MODEL_MAX_POINTS)
        return rc_wire_bad(err, errcap, "bad number of quantiles %zu", npoints);
    col_merge_t *m = rc_calloc(ncols, sizeof(*m));
    for (size_t i = 0; i < ncols; i++) {
        m[i].numeric_ok = m[i].all_integer = 1;
        m[i].cats = rc_dict_new(NULL);
    }
    uint64_t rows = 0;
    rc_err_t rc = RC_OK;
    for (size_t s = 0; s < nparts && rc == RC_OK; s++)
        rc = merge_part(&parts[s], s, m, ncols, &rows, err, errcap);
    if (rc == RC_OK && rows == 0) rc = rc_wire_bad(err, errcap, "no rows to fit");
    if (rc != RC_OK) goto done;
    rc_model_init(out, ncols);
    out->nrows = rows;
    for (size_t i = 0; i < ncols && rc == RC_OK; i++) {
        col_merge_t *c = &m[i];
        rc_model_col_t *mc = &out->cols[i];
        mc->name = rc_strdup(names[i]);
        if (c->numeric_ok && c->nvals > 0) {
            mc->kind = RC_COL_NUMERIC;
            mc->is_integer = c->all_integer;
            mc->decimals = c->decimals;
            mc->missing = (double)c->missing / (double)rows;
            mc->npoints = npoints;
            mc->q = rc_malloc(npoints * sizeof(double));
            rc_sketch_merge(c->sk, c->nsk, npoints, mc->q);
        } else {
            rc = build_categorical(c, mc, notes, err, errcap);
            if (rc != RC_OK) rc = RC_EINVAL;
        }
    }
    if (rc != RC_OK) rc_model_free(out);
done:
    for (size_t i = 0; i < ncols; i++) {
        for (size_t k = 0; k < m[i].nsk; k++) rc_free((void *)m[i].sk[k].q);
        rc_free(m[i].sk);
        rc_dict_free(m[i].cats);
    }
    rc_free(m);
    return rc;
}
