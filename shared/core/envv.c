/* envv.c — environment vectors for child processes (see envv.h). */
#include "envv.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "log.h"

extern char **environ;

static size_t name_len(const char *kv)
{
    const char *eq = strchr(kv, '=');
    return eq ? (size_t)(eq - kv) : strlen(kv);
}

/* 1 when extra[j] is overridden by a later extra entry or names kv's variable. */
static int same_name(const char *a, const char *b)
{
    size_t n = name_len(a);
    return name_len(b) == n && strncmp(a, b, n) == 0;
}

char **rc_envv_new(const char *const *extra, size_t nextra)
{
    return rc_envv_merge(environ, extra, nextra);
}

char **rc_envv_merge(char *const *base, const char *const *extra, size_t nextra)
{
    size_t n = 0;
    while (base && base[n]) n++;
    char **env = rc_calloc(n + nextra + 1, sizeof(*env));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int replaced = 0;
        for (size_t j = 0; j < nextra && !replaced; j++) replaced = same_name(extra[j], base[i]);
        if (!replaced) env[k++] = rc_strdup(base[i]);
    }
    for (size_t j = 0; j < nextra; j++) {
        int later = 0;
        for (size_t l = j + 1; l < nextra && !later; l++) later = same_name(extra[j], extra[l]);
        if (!later) env[k++] = rc_strdup(extra[j]);
    }
    env[k] = NULL;
    return env;
}

void rc_envv_free(char **env)
{
    if (!env) return;
    for (size_t i = 0; env[i]; i++) rc_free(env[i]);
    rc_free(env);
}

int rc_env_i64(const char *name, int64_t lo, int64_t hi, int64_t *inout, const char *component)
{
    const char *v = getenv(name);
    int64_t x;
    if (!v || !*v) return 0;
    if (rc_str_to_i64(v, strlen(v), &x) != RC_OK || x < lo || x > hi) {
        rc_log_warn(component,
                    "ignoring %s='%.40s': expected an integer from %lld to %lld, using %lld", name,
                    v, (long long)lo, (long long)hi, (long long)*inout);
        return 0;
    }
    *inout = x;
    return 1;
}
