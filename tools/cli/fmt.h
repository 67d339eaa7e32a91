/* fmt.h — how the CLI writes amounts for people (pure).
 *
 * Bytes follow `ray status`: 1024-based units with two decimals from KiB up
 * ("12.00GiB", "512.00MiB"), whole bytes below ("0B", "1000B"). Other amounts
 * are written in their shortest exact decimal ("4", "0.5"). Text cells coming
 * from the head are sanitised so control characters cannot move a terminal's
 * cursor or break a table. */
#ifndef RC_FMT_H
#define RC_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* "12.00GiB"; out needs 32 bytes. Negative or non-finite values print as 0B. */
void rc_fmt_bytes(double bytes, char *out, size_t cap);
/* "4", "0.5", "0.0001" (rounded to Ray's 4 decimals); out needs 32 bytes. */
void rc_fmt_amount(double v, char *out, size_t cap);
/* 1 for resources counted in bytes (memory, object_store_memory). */
int rc_fmt_is_bytes_resource(const char *name);
/* "2026-11-23 12:00:00" in local time for a wall-clock time in ms since the
 * epoch; out needs 32 bytes. */
void rc_fmt_time(int64_t ms, char *out, size_t cap);
/* Appends s[0..len) with every control character (and DEL) replaced by '?'. */
void rc_fmt_append_clean(rc_buf_t *out, const char *s, size_t len);

#endif
