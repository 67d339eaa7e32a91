/* envv.h — environment vectors for child processes (uv_spawn's env).
 *
 * rc_envv_new returns our environment with extra "K=V" entries applied: an
 * entry replaces the variable of the same name, and when extra names a
 * variable twice the later entry wins (so callers list defaults first and the
 * user's settings after them). NULL-terminated; free with rc_envv_free. */
#ifndef RC_ENVV_H
#define RC_ENVV_H

#include <stddef.h>
#include <stdint.h>

char **rc_envv_new(const char *const *extra, size_t nextra);
/* The same over base (a NULL-terminated "K=V" list) instead of our environment. */
char **rc_envv_merge(char *const *base, const char *const *extra, size_t nextra);
void rc_envv_free(char **env);

/* Reads the integer setting name from our environment: unset or empty
 * changes nothing (0); a value that is not an integer in [lo, hi] is logged as
 * a warning for component, naming the range and the value kept (0); else
 * *inout is set (1). */
int rc_env_i64(const char *name, int64_t lo, int64_t hi, int64_t *inout, const char *component);

#endif
