/* scan.c — header, rows and shard boundaries of the input (see scan.h). */
#include "scan.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "colstats.h"
#include "csv.h"
#include "model.h"

static rc_err_t failf(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static rc_err_t failf(char *err, size_t errcap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errcap, fmt, ap);
    va_end(ap);
    return RC_EINVAL;
}

static rc_err_t check_header(rc_csv_t *c, const char *path, rc_scan_t *out, char *err,
                             size_t errcap)
{
    size_t n = c->nfields, numeric = 0;
    if (n > RC_MODEL_MAX_COLS)
        return failf(err, errcap, "%s:%" PRIu64 ": %zu columns; rayc-synth models at most %d", path,
                     c->row_line, n, RC_MODEL_MAX_COLS);
    for (size_t i = 0; i < n; i++) {
        const rc_csv_field_t *f = &c->fields[i];
        double v;
        int dec, integer;
        if (f->len == 0)
            return failf(err, errcap,
                         "%s:%" PRIu64 ": no header: column %zu has no name (the first line "
                         "must name the columns)",
                         path, c->row_line, i + 1);
        if (f->len > RC_MODEL_MAX_NAME)
            return failf(err, errcap, "%s:%" PRIu64 ": column %zu's name is longer than %d bytes",
                         path, c->row_line, i + 1, RC_MODEL_MAX_NAME);
        numeric += rc_cell_number(f->p, f->len, &v, &dec, &integer);
        for (size_t j = 0; j < i; j++)
            if (c->fields[j].len == f->len && memcmp(c->fields[j].p, f->p, f->len) == 0)
                return failf(err, errcap, "%s:%" PRIu64 ": column name '%.*s' appears twice", path,
                             c->row_line, (int)f->len, f->p);
    }
    if (numeric == n)
        return failf(err, errcap,
                     "%s:%" PRIu64 ": no header: the first line holds only numbers, it looks "
                     "like data (add a line naming the columns)",
                     path, c->row_line);
    out->ncols = n;
    out->names = rc_calloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) out->names[i] = rc_strndup(c->fields[i].p, c->fields[i].len);
    return RC_OK;
}

rc_err_t rc_scan_csv(const char *data, size_t len, const char *path, uint64_t shard_rows,
                     rc_scan_t *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof(*out));
    if (shard_rows == 0) shard_rows = 1;
    rc_csv_t c;
    rc_csv_init(&c, data, len, 1);
    rc_csv_skip_bom(&c);
    size_t cap = 0;
    rc_err_t rc = rc_csv_next(&c);
    rc_shard_t cur = {c.pos, c.pos, c.line, 0};
    if (rc == RC_ENOTFOUND) {
        rc = failf(err, errcap,
                   "%s: the file is empty (rayc-synth needs a header line and at least one row)",
                   path);
        goto fail;
    }
    if (rc == RC_OK) rc = check_header(&c, path, out, err, errcap);
    while (rc == RC_OK) {
        uint64_t line = c.line;
        size_t start = c.pos;
        rc = rc_csv_next(&c);
        if (rc != RC_OK) break;
        if (c.nfields != out->ncols) {
            rc =
                failf(err, errcap, "%s:%" PRIu64 ": ragged row: %zu fields, but the header has %zu",
                      path, c.row_line, c.nfields, out->ncols);
            break;
        }
        if (cur.rows == 0) {
            /* Starts where the previous record ended: blank lines in between
             * are the shard's to skip, and line stays exact. */
            cur.begin = start;
            cur.first_line = line;
        }
        cur.rows++;
        cur.end = c.pos;
        out->rows++;
        if (cur.rows == shard_rows) {
            if (out->nshards == cap) {
                cap = cap ? cap * 2 : 64;
                out->shards = rc_realloc(out->shards, cap * sizeof(*out->shards));
            }
            out->shards[out->nshards++] = cur;
            cur.rows = 0;
        }
    }
    if (rc == RC_ENOTFOUND) {
        rc = RC_OK;
        if (cur.rows) {
            if (out->nshards == cap)
                out->shards = rc_realloc(out->shards, (cap + 1) * sizeof(*out->shards));
            out->shards[out->nshards++] = cur;
        }
        if (out->rows == 0) rc = failf(err, errcap, "%s: the file has a header but no rows", path);
    } else if (rc == RC_ESYNTAX) {
        rc = failf(err, errcap, "%s:%" PRIu64 ": %s", path, c.err_line, c.err);
    }
fail:
    rc_csv_free(&c);
    if (rc != RC_OK) rc_scan_free(out);
    return rc;
}

size_t rc_scan_coalesce(rc_scan_t *s, size_t max_shards)
{
    if (max_shards == 0 || s->nshards <= max_shards) return 1;
    size_t k = (s->nshards + max_shards - 1) / max_shards, n = 0;
    for (size_t i = 0; i < s->nshards; i += k) {
        rc_shard_t m = s->shards[i];
        for (size_t j = i + 1; j < i + k && j < s->nshards; j++) {
            m.end = s->shards[j].end;
            m.rows += s->shards[j].rows;
        }
        s->shards[n++] = m;
    }
    s->nshards = n;
    return k;
}

void rc_scan_free(rc_scan_t *s)
{
    for (size_t i = 0; i < s->ncols; i++) rc_free(s->names[i]);
    rc_free(s->names);
    rc_free(s->shards);
    memset(s, 0, sizeof(*s));
}
