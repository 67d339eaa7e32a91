/* envv.h — environment vectors for child processes (uv_spawn's env).
 *
 * rc_envv_new returns our environment with extra "K=V" entries applied: an
 * entry replaces the variable of the same name, and when extra names a
 * variable twice the later entry wins (so callers list defaults first and the
 * user's settings after them). NULL-terminated; free with rc_envv_free. */
#ifndef RC_ENVV_H
#define RC_ENVV_H

#include <stddef.h>

char **rc_envv_new(const char *const *extra, size_t nextra);
/* The same over base (a NULL-terminated "K=V" list) instead of our environment. */
char **rc_envv_merge(char *const *base, const char *const *extra, size_t nextra);
void rc_envv_free(char **env);

#endif
