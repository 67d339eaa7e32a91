/* colstats.h — what a fit shard learns about each column (pass 1), the bounded
 * wire form of it (a task result must stay under the 100 KiB inline limit), and
 * the reduce that merges every shard's part into the model's marginals.
 *
 * Type detection: a column is numeric when every non-empty cell in every shard
 * is a number (rc_cell_number); empty cells of a numeric column are missing
 * values. Anything else is categorical ("" is then a category like any other).
 *
 * A shard keeps, per column: whether it is still numeric, whether all numbers
 * are integers and how many decimals they have, its numbers (summarised at
 * encode time as a quantile table, sketch.h) and the counts of its distinct
 * values. Counting is bounded: a numeric column counts at most 1,000 distinct
 * values and any column at most 65,536; cells of values not counted are
 * "dropped". The encoded part gives each column an equal share of the byte
 * budget; a column whose values do not fit keeps its most frequent ones. The
 * merge turns dropped mass into a note, because the model then reproduces only
 * the values it kept (renormalised). */
#ifndef RC_COLSTATS_H
#define RC_COLSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "csv.h"
#include "err.h"
#include "model.h"
#include "wire.h"

/* 1 when s[0..len) is a number: [+-]digits[.digits][(e|E)[+-]digits] (or .digits),
 * without spaces, "inf", "nan", hex or a leading zero before another digit
 * ("007" is a code, not a number). Sets *v and *decimals (digits after the
 * point; RC_MODEL_GENERAL_FMT when there is an exponent) and *integer (no point,
 * no exponent). */
int rc_cell_number(const char *s, size_t len, double *v, int *decimals, int *integer);

typedef struct rc_colstats rc_colstats_t;

rc_colstats_t *rc_colstats_new(size_t ncols);
void rc_colstats_free(rc_colstats_t *cs);
/* Adds one record of exactly ncols fields. */
void rc_colstats_add_row(rc_colstats_t *cs, const rc_csv_field_t *fields);
uint64_t rc_colstats_rows(const rc_colstats_t *cs);
/* Appends the shard's part, about budget bytes at most (never less than what
 * two quantiles per numeric column need). */
void rc_colstats_encode(rc_colstats_t *cs, size_t budget, rc_buf_t *out);

/* Merges parts (in any order) into out: names[0..ncols) become the columns,
 * numeric columns get npoints quantiles. Notes for the user (values dropped)
 * are appended to notes, one line each. RC_EPROTO with err on a malformed part,
 * RC_EINVAL when the data cannot be modelled. */
rc_err_t rc_colstats_merge(const rc_blob_t *parts, size_t nparts, const char *const *names,
                           size_t ncols, size_t npoints, rc_model_t *out, rc_buf_t *notes,
                           char *err, size_t errcap);

#endif
