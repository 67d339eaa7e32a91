/* value.h — TaskResult bytes → rayc_value_t (pure, no I/O).
 *
 * Owns: the mapping of a task's final status to the SDK's error codes, and the
 * lifetime of a value: a value holds its unpacked TaskResult (priv_), so data
 * and message point into it until rayc_value_free. A value with no result (not
 * ready at the timeout, a refused request) carries a static message. */
#ifndef RC_VALUE_H
#define RC_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "rayc.h"

/* RAYC_E… code of a TaskStatus (RAYC_OK for STATUS_OK, RAYC_EPROTO for unknown ones). */
int rc_value_status_err(int status);
/* Decodes a TaskResult into v (zeroed first). Returns v->err: RAYC_OK, the task's
 * error code, or RAYC_EPROTO when the bytes are not a TaskResult. */
int rc_value_from_result(const void *data, size_t len, rayc_value_t *v);
/* Marks v as missing with err and a static (or otherwise long-lived) message. */
void rc_value_set_error(rayc_value_t *v, int err, const char *message);

#endif
