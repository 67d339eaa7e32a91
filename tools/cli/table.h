/* table.h — a text table with aligned columns (pure), as `ray list` prints.
 *
 * Owns copies of its cells. Columns are left-aligned, separated by two spaces;
 * widths count UTF-8 code points, so labels in any script line up. Cells are
 * sanitised (fmt.h) when added. The last column is not padded, so lines carry
 * no trailing spaces. A cell added with rc_table_add_lines may span several
 * lines (split at '\n', as tabulate prints a YAML cell in `ray list`): its row
 * then takes as many lines as its tallest cell, the other cells blank below
 * their first line. */
#ifndef RC_TABLE_H
#define RC_TABLE_H

#include <stddef.h>

#include "buf.h"

typedef struct {
    size_t ncols;
    size_t nrows; /* including the header row */
    size_t cap;   /* rows allocated */
    char **cells; /* row-major, nrows * ncols, owned */
} rc_table_t;

/* headers: ncols column names (copied). */
void rc_table_init(rc_table_t *t, size_t ncols, const char *const *headers);
/* Appends a row of ncols cells (copied; NULL is an empty cell). */
void rc_table_add(rc_table_t *t, const char *const *cells);
/* As rc_table_add, but a '\n' in a cell starts a new line within the cell. */
void rc_table_add_lines(rc_table_t *t, const char *const *cells);
size_t rc_table_rows(const rc_table_t *t); /* data rows, without the header */
void rc_table_render(const rc_table_t *t, rc_buf_t *out);
void rc_table_free(rc_table_t *t);

#endif
