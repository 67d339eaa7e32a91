/* synth.c — the task handlers and their requests (see synth.h). */
#include "synth.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "colstats.h"
#include "copula.h"
#include "csv.h"
#include "file.h"

#define GEN_CHUNK_ROWS 4096

static rc_err_t failf(char *err, size_t errcap, rc_err_t rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static rc_err_t failf(char *err, size_t errcap, rc_err_t rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errcap, fmt, ap);
    va_end(ap);
    return rc;
}

static void pause_ms(uint32_t ms)
{
    if (ms) usleep((useconds_t)(ms > 600000 ? 600000 : ms) * 1000u);
}

/* ---- requests ------------------------------------------------------------------ */

void rc_synth_fit_req_encode(const rc_synth_fit_req_t *r, rc_buf_t *out)
{
    rc_wire_put_str(out, r->input);
    rc_wire_put_u64(out, r->begin);
    rc_wire_put_u64(out, r->end);
    rc_wire_put_u64(out, r->first_line);
    rc_wire_put_u32(out, r->ncols);
    rc_wire_put_u32(out, r->delay_ms);
    rc_wire_put_str(out, r->model);
}

static rc_err_t fit_req_decode(const rc_blob_t *b, rc_synth_fit_req_t *r)
{
    rc_wire_reader_t w;
    rc_wire_reader_init(&w, b->data, b->len);
    rc_wire_get_str(&w, r->input, sizeof(r->input));
    r->begin = rc_wire_get_u64(&w);
    r->end = rc_wire_get_u64(&w);
    r->first_line = rc_wire_get_u64(&w);
    r->ncols = rc_wire_get_u32(&w);
    r->delay_ms = rc_wire_get_u32(&w);
    rc_wire_get_str(&w, r->model, sizeof(r->model));
    return rc_wire_done(&w) && r->begin <= r->end && r->ncols >= 1 ? RC_OK : RC_EPROTO;
}

void rc_synth_reduce1_req_encode(const rc_synth_reduce1_req_t *r, rc_buf_t *out)
{
    rc_wire_put_str(out, r->out);
    rc_wire_put_u32(out, r->ncols);
    for (uint32_t i = 0; i < r->ncols; i++) rc_wire_put_str(out, r->names[i]);
}

void rc_synth_reduce2_req_encode(const rc_synth_reduce2_req_t *r, rc_buf_t *out)
{
    rc_wire_put_str(out, r->marginals);
    rc_wire_put_str(out, r->out);
}

void rc_synth_gen_req_encode(const rc_synth_gen_req_t *r, rc_buf_t *out)
{
    rc_wire_put_str(out, r->model);
    rc_wire_put_str(out, r->part);
    rc_wire_put_u64(out, r->shard);
    rc_wire_put_u64(out, r->rows);
    rc_wire_put_u64(out, r->seed);
    rc_wire_put_u32(out, r->delay_ms);
}

/* ---- fit shards -------------------------------------------------------------- */

/* Calls row(ctx, fields) for every record of the shard, checking its shape. */
static rc_err_t each_row(const rc_synth_fit_req_t *req, void (*row)(void *, const rc_csv_field_t *),
                         void *ctx, char *err, size_t errcap)
{
    rc_file_map_t map;
    rc_err_t rc = rc_file_map(req->input, &map, err, errcap);
    if (rc != RC_OK) return rc;
    if (req->end > map.len) {
        rc_file_unmap(&map);
        return failf(err, errcap, RC_EINVAL,
                     "%s: the file is shorter than when it was scanned (%zu bytes, the shard "
                     "ends at %" PRIu64 "); was it changed during the job?",
                     req->input, map.len, req->end);
    }
    rc_csv_t c;
    rc_csv_init(&c, map.data ? map.data + req->begin : NULL, (size_t)(req->end - req->begin),
                req->first_line);
    while ((rc = rc_csv_next(&c)) == RC_OK) {
        if (c.nfields != req->ncols) {
            rc = failf(err, errcap, RC_EINVAL,
                       "%s:%" PRIu64 ": ragged row: %zu fields, but the header has %" PRIu32,
                       req->input, c.row_line, c.nfields, req->ncols);
            break;
        }
        row(ctx, c.fields);
    }
    if (rc == RC_ENOTFOUND) {
        rc = RC_OK;
    } else if (rc == RC_ESYNTAX) {
        rc = failf(err, errcap, RC_EINVAL, "%s:%" PRIu64 ": %s", req->input, c.err_line, c.err);
    }
    rc_csv_free(&c);
    rc_file_unmap(&map);
    return rc;
}

static void add_marginal_row(void *ctx, const rc_csv_field_t *f)
{
    rc_colstats_add_row(ctx, f);
}

rc_err_t rc_synth_fit_marginals(const rc_blob_t *args, size_t nargs, rc_buf_t *result, char *err,
                                size_t errcap)
{
    rc_synth_fit_req_t req;
    if (nargs != 1 || fit_req_decode(&args[0], &req) != RC_OK || req.ncols > RC_MODEL_MAX_COLS)
        return failf(err, errcap, RC_EPROTO, "fit_marginals: malformed request");
    pause_ms(req.delay_ms);
    rc_colstats_t *cs = rc_colstats_new(req.ncols);
    rc_err_t rc = each_row(&req, add_marginal_row, cs, err, errcap);
    if (rc == RC_OK) rc_colstats_encode(cs, RC_SYNTH_PART_BUDGET, result);
    rc_colstats_free(cs);
    return rc;
}

typedef struct {
    const rc_model_t *m;
    rc_copula_acc_t acc;
    double *scores;
} copula_ctx_t;

static void add_copula_row(void *ctx, const rc_csv_field_t *f)
{
    copula_ctx_t *k = ctx;
    for (size_t i = 0; i < k->m->ncols; i++)
        k->scores[i] = rc_copula_score(&k->m->cols[i], k->m->nrows, f[i].p, f[i].len);
    rc_copula_acc_add(&k->acc, k->scores);
}

rc_err_t rc_synth_fit_copula(const rc_blob_t *args, size_t nargs, rc_buf_t *result, char *err,
                             size_t errcap)
{
    rc_synth_fit_req_t req;
    if (nargs != 1 || fit_req_decode(&args[0], &req) != RC_OK || !req.model[0])
        return failf(err, errcap, RC_EPROTO, "fit_copula: malformed request");
    pause_ms(req.delay_ms);
    rc_model_t m;
    rc_err_t rc = rc_model_load(req.model, &m, err, errcap);
    if (rc != RC_OK) return rc;
    if (m.ncols != req.ncols) {
        rc_model_free(&m);
        return failf(err, errcap, RC_EINVAL, "%s: %zu columns, the input has %" PRIu32, req.model,
                     m.ncols, req.ncols);
    }
    copula_ctx_t k = {.m = &m};
    rc_copula_acc_init(&k.acc, m.ncols);
    k.scores = rc_calloc(m.ncols, sizeof(double));
    rc = each_row(&req, add_copula_row, &k, err, errcap);
    if (rc == RC_OK) rc_copula_acc_encode(&k.acc, result);
    rc_free(k.scores);
    rc_copula_acc_free(&k.acc);
    rc_model_free(&m);
    return rc;
}

uint64_t rc_synth_fit_result_rows(const void *data, size_t len)
{
    rc_wire_reader_t r;
    rc_wire_reader_init(&r, data, len);
    rc_wire_get_u32(&r);
    rc_wire_get_u32(&r);
    uint64_t n = rc_wire_get_u64(&r);
    return rc_wire_ok(&r) ? n : 0;
}

/* ---- reduces --------------------------------------------------------------------- */

rc_err_t rc_synth_reduce_marginals(const rc_blob_t *args, size_t nargs, rc_buf_t *result, char *err,
                                   size_t errcap)
{
    if (nargs < 2) return failf(err, errcap, RC_EPROTO, "reduce_marginals: no parts");
    rc_wire_reader_t w;
    rc_wire_reader_init(&w, args[0].data, args[0].len);
    char out[RC_SYNTH_PATH_MAX];
    rc_wire_get_str(&w, out, sizeof(out));
    uint32_t ncols = rc_wire_get_u32(&w);
    if (!rc_wire_ok(&w) || ncols < 1 || ncols > RC_MODEL_MAX_COLS)
        return failf(err, errcap, RC_EPROTO, "reduce_marginals: malformed request");
    char **names = rc_calloc(ncols, sizeof(char *));
    rc_err_t rc = RC_OK;
    for (uint32_t i = 0; i < ncols && rc == RC_OK; i++) {
        size_t len;
        const char *s = rc_wire_get_bytes(&w, &len);
        if (!s || len > RC_MODEL_MAX_NAME || memchr(s, '\0', len))
            rc = failf(err, errcap, RC_EPROTO, "reduce_marginals: malformed column name");
        else
            names[i] = rc_strndup(s, len);
    }
    rc_model_t m;
    rc_buf_t notes = RC_BUF_INIT;
    if (rc == RC_OK && !rc_wire_done(&w))
        rc = failf(err, errcap, RC_EPROTO, "reduce_marginals: malformed request");
    if (rc == RC_OK)
        rc = rc_colstats_merge(args + 1, nargs - 1, (const char *const *)names, ncols,
                               RC_SYNTH_NPOINTS, &m, &notes, err, errcap);
    if (rc == RC_OK) {
        rc = rc_model_save(out, &m, err, errcap);
        if (rc == RC_OK) {
            rc_wire_put_u64(result, m.nrows);
            rc_wire_put_u32(result, ncols);
            for (uint32_t i = 0; i < ncols; i++) {
                rc_wire_put_u8(result, (uint8_t)m.cols[i].kind);
                rc_wire_put_u8(result, (uint8_t)m.cols[i].is_integer);
                rc_wire_put_u32(result, (uint32_t)m.cols[i].ncat);
            }
            rc_wire_put_bytes(result, notes.data, notes.len < 2000 ? notes.len : 2000);
        }
        rc_model_free(&m);
    }
    rc_buf_free(&notes);
    for (uint32_t i = 0; i < ncols; i++) rc_free(names[i]);
    rc_free(names);
    return rc;
}

rc_err_t rc_synth_summary_decode(const void *data, size_t len, rc_synth_summary_t *out)
{
    memset(out, 0, sizeof(*out));
    rc_wire_reader_t r;
    rc_wire_reader_init(&r, data, len);
    out->rows = rc_wire_get_u64(&r);
    out->ncols = rc_wire_get_u32(&r);
    if (!rc_wire_ok(&r) || out->ncols > RC_MODEL_MAX_COLS) return RC_EPROTO;
    for (uint32_t i = 0; i < out->ncols; i++) {
        out->kind[i] = rc_wire_get_u8(&r);
        out->integer[i] = rc_wire_get_u8(&r);
        out->ncat[i] = rc_wire_get_u32(&r);
    }
    size_t n;
    const char *notes = rc_wire_get_bytes(&r, &n);
    if (!rc_wire_done(&r) || n >= sizeof(out->notes)) return RC_EPROTO;
    if (n) memcpy(out->notes, notes, n);
    out->notes[n] = '\0';
    return RC_OK;
}

rc_err_t rc_synth_reduce_copula(const rc_blob_t *args, size_t nargs, rc_buf_t *result, char *err,
                                size_t errcap)
{
    if (nargs < 2) return failf(err, errcap, RC_EPROTO, "reduce_copula: no parts");
    rc_wire_reader_t w;
    rc_wire_reader_init(&w, args[0].data, args[0].len);
    rc_synth_reduce2_req_t req;
    rc_wire_get_str(&w, req.marginals, sizeof(req.marginals));
    rc_wire_get_str(&w, req.out, sizeof(req.out));
    if (!rc_wire_done(&w)) return failf(err, errcap, RC_EPROTO, "reduce_copula: malformed request");
    rc_model_t m;
    rc_err_t rc = rc_model_load(req.marginals, &m, err, errcap);
    if (rc != RC_OK) return rc;
    rc_copula_acc_t acc;
    rc_copula_acc_init(&acc, m.ncols);
    for (size_t i = 1; i < nargs && rc == RC_OK; i++)
        if (rc_copula_acc_merge(&acc, &args[i]) != RC_OK)
            rc = failf(err, errcap, RC_EPROTO, "reduce_copula: shard %zu's sums are malformed",
                       i - 1);
    if (rc == RC_OK) {
        double *corr = rc_malloc(m.ncols * m.ncols * sizeof(double));
        rc_copula_acc_corr(&acc, corr);
        if (rc_model_set_corr(&m, corr) != RC_OK)
            rc = failf(err, errcap, RC_EINVAL, "the correlation estimate is not usable");
        rc_free(corr);
    }
    if (rc == RC_OK) rc = rc_model_save(req.out, &m, err, errcap);
    if (rc == RC_OK) rc_wire_put_f64(result, m.shrink);
    rc_copula_acc_free(&acc);
    rc_model_free(&m);
    return rc;
}

rc_err_t rc_synth_reduce2_result_decode(const void *data, size_t len, double *shrink)
{
    rc_wire_reader_t r;
    rc_wire_reader_init(&r, data, len);
    *shrink = rc_wire_get_f64(&r);
    return rc_wire_done(&r) ? RC_OK : RC_EPROTO;
}

/* ---- generation --------------------------------------------------------------- */

rc_err_t rc_synth_generate(const rc_blob_t *args, size_t nargs, rc_buf_t *result, char *err,
                           size_t errcap)
{
    rc_synth_gen_req_t req;
    rc_wire_reader_t w;
    if (nargs != 1) return failf(err, errcap, RC_EPROTO, "generate: malformed request");
    rc_wire_reader_init(&w, args[0].data, args[0].len);
    rc_wire_get_str(&w, req.model, sizeof(req.model));
    rc_wire_get_str(&w, req.part, sizeof(req.part));
    req.shard = rc_wire_get_u64(&w);
    req.rows = rc_wire_get_u64(&w);
    req.seed = rc_wire_get_u64(&w);
    req.delay_ms = rc_wire_get_u32(&w);
    if (!rc_wire_done(&w)) return failf(err, errcap, RC_EPROTO, "generate: malformed request");
    pause_ms(req.delay_ms);
    rc_model_t m;
    rc_err_t rc = rc_model_load(req.model, &m, err, errcap);
    if (rc != RC_OK) return rc;
    rc_file_atomic_t f;
    rc = rc_file_atomic_open(&f, req.part, err, errcap);
    if (rc != RC_OK) goto done;
    rc_buf_t buf = RC_BUF_INIT;
    uint64_t bytes = 0;
    rc_copula_begin(req.seed, req.shard);
    for (uint64_t done = 0; done < req.rows && rc == RC_OK;) {
        uint64_t n = req.rows - done < GEN_CHUNK_ROWS ? req.rows - done : GEN_CHUNK_ROWS;
        rc_buf_clear(&buf);
        rc_copula_rows(&m, n, &buf);
        rc = rc_file_atomic_write(&f, buf.data, buf.len, err, errcap);
        bytes += buf.len;
        done += n;
    }
    rc_buf_free(&buf);
    if (rc == RC_OK)
        rc = rc_file_atomic_commit(&f, err, errcap);
    else
        rc_file_atomic_abort(&f);
    if (rc == RC_OK) {
        rc_wire_put_u64(result, req.rows);
        rc_wire_put_u64(result, bytes);
    }
done:
    rc_model_free(&m);
    return rc;
}

rc_err_t rc_synth_gen_result_decode(const void *data, size_t len, uint64_t *rows, uint64_t *bytes)
{
    rc_wire_reader_t r;
    rc_wire_reader_init(&r, data, len);
    *rows = rc_wire_get_u64(&r);
    *bytes = rc_wire_get_u64(&r);
    return rc_wire_done(&r) ? RC_OK : RC_EPROTO;
}
