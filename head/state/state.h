/* state.h — Ray's State API listing rules (GET /api/v0/<resource>), written
 * once for every resource: the query (limit, offset, detail, filters), the
 * rows kept, and the answer's envelope. docs/dashboard.md is the contract.
 *
 * A lister describes its rows by a column table and writes each row as one
 * flat JSON object through the writer it is handed; this module decides which
 * rows are kept and streams the answer into the output buffer:
 *
 *   rc_state_list_t L;
 *   rc_state_list_begin(&L, &query, cols, &out);
 *   for each row:
 *       if (rc_state_list_done(&L)) { rc_state_list_count(&L, rows_left); break; }
 *       rc_jw_t *w = rc_state_list_row(&L);   NULL: counted, not needed
 *       if (w) { write the object, detail fields when rc_state_list_detail(&L);
 * rc_state_list_row_end(&L); } rc_state_list_end(&L, total, warning);
 *
 * Filters are matched on the row's JSON text: a row is written (into a scratch
 * buffer) only when it may be kept, so an unfiltered query with limit 100 over
 * 100,000 rows writes 100 rows and counts the rest. Values compare as text: a
 * string by its contents, other values as written (numbers, true/false, null;
 * a missing field is null). Fields whose name ends in "state", "status" or
 * "type" compare without regard to case (`state=running` works, as in Ray).
 *
 * Pure: no I/O, no clocks. */
#ifndef RC_STATE_H
#define RC_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "json.h"

#define RC_STATE_LIMIT_DEFAULT 100
#define RC_STATE_LIMIT_MAX     10000
#define RC_STATE_MAX_FILTERS   16

/* One field of a resource's rows; tables end with {NULL, 0}. */
typedef struct {
    const char *name;
    int detail; /* written only with detail=true (filters may still use it) */
} rc_state_col_t;

typedef enum { RC_STATE_EQ, RC_STATE_NE } rc_state_pred_t;

typedef struct {
    char *key, *value;
    rc_state_pred_t pred;
} rc_state_filter_t;

typedef struct {
    size_t limit, offset;
    int detail;
    rc_state_filter_t filters[RC_STATE_MAX_FILTERS];
    size_t nfilters;
} rc_state_query_t;

/* Parses a raw URL query (without '?'): limit (1..10000, default 100), offset,
 * detail (true/false/1/0), and the parallel lists filter_keys,
 * filter_predicates (= or !=), filter_values. Unknown parameters are ignored
 * (Ray's clients send timeout and others). RC_EINVAL with a message that says
 * what to send instead; q is then empty (nothing to free). */
rc_err_t rc_state_query_parse(const char *raw, rc_state_query_t *q, char *err, size_t errcap);
/* Checks that every filter names a column; RC_EINVAL and a message listing
 * the columns otherwise. */
rc_err_t rc_state_query_check(const rc_state_query_t *q, const rc_state_col_t *cols, char *err,
                              size_t errcap);
void rc_state_query_free(rc_state_query_t *q);

typedef struct {
    const rc_state_query_t *q;
    const rc_state_col_t *cols;
    rc_buf_t *out, row;
    rc_jw_t w;
    int detail;          /* rows are written with detail fields */
    int strip;           /* ... but the answer must not show them */
    uint64_t seen, kept; /* rows offered / rows passing the filters */
    size_t emitted;
} rc_state_list_t;

/* Starts the answer in out (appended). cols must outlive the list. */
void rc_state_list_begin(rc_state_list_t *L, const rc_state_query_t *q, const rc_state_col_t *cols,
                         rc_buf_t *out);
/* 1 when no further row can change the answer's rows (no filters and the
 * window is full): the lister may stop and pass the number of rows it did not
 * offer to rc_state_list_count. */
int rc_state_list_done(const rc_state_list_t *L);
void rc_state_list_count(rc_state_list_t *L, uint64_t rows);
/* Offers one row: a writer positioned for one JSON object, or NULL when the
 * row is only counted (then do not call rc_state_list_row_end). */
rc_jw_t *rc_state_list_row(rc_state_list_t *L);
/* A cheap look before writing a row: 0 when a filter on key rejects value
 * (the text the row would show for a string, number or boolean; NULL for
 * null), so the lister may pass the row over with rc_state_list_skip instead
 * of writing it. 1 says nothing: the row must still be offered. */
int rc_state_list_may_keep(const rc_state_list_t *L, const char *key, const char *value);
void rc_state_list_skip(rc_state_list_t *L);
/* Whether the row being written should carry its detail fields. */
int rc_state_list_detail(const rc_state_list_t *L);
void rc_state_list_row_end(rc_state_list_t *L);
/* Closes the answer: total is what the head knows of (>= rows offered; pass 0
 * to use the rows offered), warning (may be NULL) goes into "warnings". */
void rc_state_list_end(rc_state_list_t *L, uint64_t total, const char *warning);

/* The success envelope around a value the caller writes: rc_state_envelope_begin
 * returns after `"data": {"result": ` ... rc_state_envelope_end closes it. */
void rc_state_envelope_begin(rc_buf_t *out);
void rc_state_envelope_end(rc_buf_t *out);
/* {"result": false, "msg": msg, "data": {}}. */
void rc_state_error_json(rc_buf_t *out, const char *msg);

#endif
