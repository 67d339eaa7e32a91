/* backoff.h — when to retry a Kubernetes API request, and how long to wait.
 *
 * Retried: transport failures (no answer), 429 Too Many Requests and the
 * server-side 500, 502, 503, 504. Not retried: every other status (400, 403,
 * 404, 409 Conflict, 422 …), which the caller handles. The wait before retry
 * n (0-based) is base·2^n capped at max, with "equal jitter" (half fixed, half
 * random) so that operators restarted together do not retry in step; a
 * Retry-After header (seconds, or an HTTP date) replaces it, capped at max.
 * Pure: the random draw and the clock come from the caller. */
#ifndef RC_BACKOFF_H
#define RC_BACKOFF_H

#include <stdint.h>

typedef struct {
    int64_t base_ms;  /* first wait, 500 */
    int64_t max_ms;   /* longest wait, 30000 */
    int max_attempts; /* attempts of one request, first included, 6 */
} rc_backoff_t;

#define RC_BACKOFF_DEFAULT                                                                         \
    {                                                                                              \
        500, 30000, 6                                                                              \
    }

/* Wait before retry number retry (0 for the first retry); retry_after_ms >= 0
 * when the server said; rnd in [0, 1). */
int64_t rc_backoff_delay(const rc_backoff_t *b, int retry, int64_t retry_after_ms, double rnd);
/* 1 for the statuses worth retrying (429, 500, 502, 503, 504). */
int rc_backoff_retryable(long status);
/* Retry-After: delta seconds ("120") or an IMF-fixdate ("Wed, 21 Oct 2015
 * 07:28:00 GMT") taken against now_wall_ms; -1 when unreadable. */
int64_t rc_backoff_retry_after(const char *value, int64_t now_wall_ms);

#endif
