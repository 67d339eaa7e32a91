/* csv.h — an RFC 4180 CSV reader over bytes in memory, and the field writer.
 *
 * Reader: rc_csv_next returns one record at a time from data[0..len) (a whole
 * file or a shard's [begin, end) range, mapped by the caller). It is pure (no
 * I/O) and strict where a mistake would silently shift columns:
 *   - fields are separated by ',' and records by LF, CRLF or a lone CR;
 *   - a field that starts with '"' is quoted: it may hold commas, line breaks
 *     and doubled quotes (""), and must be followed by ',', a line break or
 *     the end; a quote inside an unquoted field is kept as a literal;
 *   - every byte must be valid UTF-8 and not NUL;
 *   - empty lines between records are skipped (no record).
 * Line numbers are physical (a line break inside a quoted field counts), so an
 * error names the line an editor shows. The caller checks the field count
 * (ragged rows) because only it knows the header.
 *
 * Fields point into data or into the reader's scratch buffer (quoted fields
 * with "" escapes); they stay valid until the next rc_csv_next or rc_csv_free.
 *
 * Writer: rc_csv_write_field appends one field, quoted when it holds a comma,
 * a quote, CR or LF (quotes doubled), as RFC 4180 asks. */
#ifndef RC_CSV_H
#define RC_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* More fields than this in one record is an error, so a hostile line of commas
 * cannot make the reader allocate without bound. */
#define RC_CSV_MAX_FIELDS 100000

typedef struct {
    const char *p;
    size_t len;
} rc_csv_field_t;

typedef struct {
    const char *data;
    size_t len;
    size_t pos;        /* next byte to read: the start of the next record */
    uint64_t line;     /* physical line of data[pos], 1-based */
    uint64_t row_line; /* the line the record last returned starts on */
    rc_csv_field_t *fields;
    size_t nfields;
    size_t cap;
    /* Per field while a record is read: offset and whether it is in scratch. */
    size_t *offs;
    unsigned char *in_scratch;
    rc_buf_t scratch;
    uint64_t err_line; /* the line of the error, when rc_csv_next failed */
    char err[200];     /* what was wrong, without the file and line */
} rc_csv_t;

/* data[0..len) is read in place (not copied). first_line is the physical line
 * number of data[0] (1 for a whole file). */
void rc_csv_init(rc_csv_t *c, const char *data, size_t len, uint64_t first_line);
void rc_csv_free(rc_csv_t *c);
/* Skips a UTF-8 byte order mark at the current position (the start of a file). */
void rc_csv_skip_bom(rc_csv_t *c);
/* Reads the next record into c->fields[0..nfields). RC_OK; RC_ENOTFOUND at the
 * end of the data; RC_ESYNTAX with c->err and c->err_line on malformed input. */
rc_err_t rc_csv_next(rc_csv_t *c);

/* Appends one field, quoted when needed. */
void rc_csv_write_field(rc_buf_t *out, const char *s, size_t len);

#endif
