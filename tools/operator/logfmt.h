/* logfmt.h — the operator's decision log: one logfmt line per event on stdout,
 * which is what `kubectl logs deploy/ray-operator` shows.
 *
 *   time=2026-11-23T12:00:00.123Z level=info msg=scale-up group=workergroup
 *   deployment=ray-cluster-ray-worker-workergroup from=1 to=3
 *   reason="7 pending tasks of {CPU: 1} do not fit on 1 node"
 *
 * (one line). Values are written bare when they are made of printable
 * characters other than space, '"', '=' and '\'; otherwise quoted, with '"' and
 * '\' escaped and control characters as \n, \t or \u00XX. A line is built in
 * a buffer and written with one write(2), so lines never interleave. Tests
 * capture lines with rc_logfmt_set_sink. Belongs to the operator's one thread. */
#ifndef RC_LOGFMT_H
#define RC_LOGFMT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct {
    rc_buf_t b;
} rc_logfmt_t;

/* Starts a line: time, level ("debug", "info", "warn", "error") and msg. */
void rc_logfmt_begin(rc_logfmt_t *l, const char *level, const char *msg);
/* key=value; a NULL value is written as "". */
void rc_logfmt_str(rc_logfmt_t *l, const char *key, const char *val);
void rc_logfmt_int(rc_logfmt_t *l, const char *key, int64_t v);
/* Ends the line (adds '\n'), hands it to the sink and releases the buffer. */
void rc_logfmt_end(rc_logfmt_t *l);

/* Where lines go: NULL restores stdout. The sink gets the line with its '\n'. */
typedef void (*rc_logfmt_sink_fn)(void *arg, const char *line, size_t len);
void rc_logfmt_set_sink(rc_logfmt_sink_fn fn, void *arg);

/* Appends v as a logfmt value (bare or quoted, as above). Pure. */
void rc_logfmt_value(rc_buf_t *out, const char *v);
/* RFC 3339 UTC time of wall_ms: "2026-11-23T12:00:00.123Z" (with_ms) or
 * "2026-11-23T12:00:00Z" (what Kubernetes timestamps take). out >= 32 bytes. */
void rc_logfmt_time(int64_t wall_ms, int with_ms, char *out, size_t cap);

#endif
