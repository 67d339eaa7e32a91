/* health.h — GET /-/healthz of rayc-operator.
 *
 * 200 "ok" while the last completed reconcile pass finished within three
 * periods (and during the first three periods after start); 503 with the
 * reason otherwise, e.g. "no pass completed for 21 s (3 periods of 5 s):
 * cannot reach the head at ray-cluster-ray-head:6379: connection refused".
 * Other paths are 404, other methods 405.
 *
 * The server is a listening socket served by rc_op_health_poll from the
 * operator's one thread between passes and during retry waits: one request
 * per connection, read with a short deadline (a slow client cannot hold the
 * operator), answered, closed. The decision (rc_op_health_eval) and the
 * request parsing (rc_op_health_answer) are pure. */
#ifndef RC_OP_HEALTH_H
#define RC_OP_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

typedef struct rc_op_health rc_op_health_t;

/* Listens on host:port (port 0 picks one: see rc_op_health_port). */
rc_err_t rc_op_health_listen(const char *host, int port, rc_op_health_t **out, char *err,
                             size_t errcap);
void rc_op_health_free(rc_op_health_t *h);
int rc_op_health_port(const rc_op_health_t *h);
/* What the operator reports: start time, period, the last completed pass (0:
 * none yet) and the last error (NULL or "" after a good pass). */
void rc_op_health_update(rc_op_health_t *h, int64_t start_ms, int64_t period_ms, int64_t last_ok_ms,
                         const char *last_error);
/* Serves requests until timeout_ms have passed (0: only what is waiting). */
void rc_op_health_poll(rc_op_health_t *h, int64_t timeout_ms);

/* 200 or 503, with the body text in out. Pure. */
int rc_op_health_eval(int64_t now_ms, int64_t start_ms, int64_t period_ms, int64_t last_ok_ms,
                      const char *last_error, rc_buf_t *out);
/* The whole HTTP response to the request head req[0..len) (request line and
 * headers), given the status and body the health check has now. Returns 0
 * when the request is not complete yet (no blank line), 1 when out holds the
 * response. Pure. */
int rc_op_health_answer(const char *req, size_t len, int status, const char *body, rc_buf_t *out);

#endif
