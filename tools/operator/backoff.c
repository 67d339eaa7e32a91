/* backoff.c — retry policy of API requests (see backoff.h). */
#include "backoff.h"

#include <string.h>
#include <time.h>

#include "buf.h"

int64_t rc_backoff_delay(const rc_backoff_t *b, int retry, int64_t retry_after_ms, double rnd)
{
    if (retry_after_ms >= 0) return retry_after_ms < b->max_ms ? retry_after_ms : b->max_ms;
    int64_t d = b->base_ms;
    for (int i = 0; i < retry && d < b->max_ms; i++) d *= 2;
    if (d > b->max_ms) d = b->max_ms;
    if (rnd < 0) rnd = 0;
    if (rnd >= 1) rnd = 0.999999;
    return d / 2 + (int64_t)((double)(d - d / 2) * rnd);
}

int rc_backoff_retryable(long status)
{
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

int64_t rc_backoff_retry_after(const char *value, int64_t now_wall_ms)
{
    int64_t secs;
    if (!value) return -1;
    while (*value == ' ' || *value == '\t') value++;
    size_t n = strlen(value);
    while (n && (value[n - 1] == ' ' || value[n - 1] == '\t' || value[n - 1] == '\r' ||
                 value[n - 1] == '\n'))
        n--;
    if (n == 0) return -1;
    if (rc_str_to_i64(value, n, &secs) == RC_OK) {
        if (secs < 0) return -1;
        return secs > 86400 ? 86400000 : secs * 1000;
    }
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || (size_t)(end - value) != n) return -1;
    int64_t at = (int64_t)timegm(&tm) * 1000;
    return at > now_wall_ms ? at - now_wall_ms : 0;
}
