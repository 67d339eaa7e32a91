/* scan.h — the driver's pass over the input before fitting: the header, the row
 * count, and the shard boundaries.
 *
 * One sequential, quote-aware pass (csv.h) reads the header and every record,
 * so a line break inside a quoted field never splits a shard, and a malformed
 * file (no header, ragged row, unterminated quote, bad UTF-8) is refused before
 * any task runs, with the file and line. Every shard_rows data rows a boundary
 * is recorded: the byte offset of the next record and its physical line, so a
 * fit task parses exactly [begin, end) and reports true line numbers. Pure: the
 * caller maps the file. */
#ifndef RC_SCAN_H
#define RC_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct {
    uint64_t begin, end; /* byte range of the shard's records */
    uint64_t first_line; /* physical line of begin */
    uint64_t rows;
} rc_shard_t;

typedef struct {
    size_t ncols;
    char **names; /* owned */
    uint64_t rows;
    rc_shard_t *shards; /* owned */
    size_t nshards;
} rc_scan_t;

/* Scans data[0..len) (the file at path, named in errors). RC_EINVAL with err
 * ("PATH:LINE: what") when the file cannot be used. */
rc_err_t rc_scan_csv(const char *data, size_t len, const char *path, uint64_t shard_rows,
                     rc_scan_t *out, char *err, size_t errcap);
/* Merges runs of consecutive shards so that there are at most max_shards (a
 * reduce task takes every shard's result as an argument); returns how many
 * shards became one (1: unchanged). */
size_t rc_scan_coalesce(rc_scan_t *s, size_t max_shards);
void rc_scan_free(rc_scan_t *s);

#endif
