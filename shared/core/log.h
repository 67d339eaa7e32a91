/* log.h — structured logging: one line per event.
 *
 *   2026-11-23T12:00:00.123Z INFO  gcs: listening port=6379 addr=127.0.0.1
 *
 * UTC time, level, component, message, then key=value fields (the caller writes
 * them into the format). Lines go to stderr and, when rc_log_open_file was
 * called, to that file too. The level comes from RAYC_LOG_LEVEL (debug, info,
 * warn, error; default info) at rc_log_init. Safe to call from any thread: each
 * line is written with one write(2). */
#ifndef RC_LOG_H
#define RC_LOG_H

#include <stddef.h>

#include "err.h"

typedef enum { RC_LOG_DEBUG, RC_LOG_INFO, RC_LOG_WARN, RC_LOG_ERROR, RC_LOG_OFF } rc_log_level_t;

/* Reads RAYC_LOG_LEVEL; an unknown value keeps "info" and says so once. */
void rc_log_init(void);
void rc_log_set_level(rc_log_level_t level);
rc_log_level_t rc_log_get_level(void);
/* Parses "debug"/"info"/"warn"/"warning"/"error"/"off" (any case). */
rc_err_t rc_log_level_parse(const char *s, rc_log_level_t *out);
/* Also append every line to path (created 0644). */
rc_err_t rc_log_open_file(const char *path);
/* Stop writing to stderr (a daemon whose stderr is /dev/null keeps the file). */
void rc_log_set_stderr(int enabled);
void rc_log_close(void);

void rc_log(rc_log_level_t level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define rc_log_debug(comp, ...)                                                                    \
    do {                                                                                           \
        if (rc_log_get_level() <= RC_LOG_DEBUG) rc_log(RC_LOG_DEBUG, comp, __VA_ARGS__);           \
    } while (0)
#define rc_log_info(comp, ...)  rc_log(RC_LOG_INFO, comp, __VA_ARGS__)
#define rc_log_warn(comp, ...)  rc_log(RC_LOG_WARN, comp, __VA_ARGS__)
#define rc_log_error(comp, ...) rc_log(RC_LOG_ERROR, comp, __VA_ARGS__)

/* Formats the line rc_log would write (without the newline) into out; for tests. */
int rc_log_format(char *out, size_t cap, rc_log_level_t level, const char *component,
                  const char *msg);

#endif
