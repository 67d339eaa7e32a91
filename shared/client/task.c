/* task.c — the task-side API (rayc_task_*) and the executor's hooks of
 * task_internal.h. Kept free of I/O: only rayc_task_client connects, lazily,
 * and the executor reuses that client across calls. */
#include <string.h>

#include "alloc.h"
#include "task_internal.h"

size_t rayc_task_nargs(const rayc_task_t *t)
{
    return t ? t->nargs : 0;
}

const void *rayc_task_arg(const rayc_task_t *t, size_t i, size_t *len)
{
    if (!t || i >= t->nargs) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = t->lens[i];
    return t->args[i];
}

int rayc_task_return(rayc_task_t *t, const void *data, size_t len)
{
    if (!t || (len && !data)) return RAYC_EINVAL;
    /* A new result replaces the previous one: the last return wins. Always a
     * real allocation so result != NULL means "has bytes to free". */
    void *copy = rc_malloc(len ? len : 1);
    if (len) memcpy(copy, data, len);
    rc_free(t->result);
    t->result = copy;
    t->result_len = len;
    t->has_result = 1;
    return RAYC_OK;
}

int rayc_task_fail(rayc_task_t *t, const char *msg)
{
    if (!t) return RAYC_EINVAL;
    char *copy = rc_strdup(msg && *msg ? msg : "the task failed (no message given)");
    rc_free(t->error);
    t->error = copy;
    /* Non-zero, so `return rayc_task_fail(t, "...");` fails the task. */
    return RAYC_ETASK;
}

rayc_client_t *rayc_task_client(rayc_task_t *t)
{
    if (!t) return NULL;
    if (!t->client && rayc_connect(NULL, NULL, &t->client) != RAYC_OK) t->client = NULL;
    return t->client;
}

void rc_task_begin(rayc_task_t *t, size_t nargs, const void *const *args, const size_t *lens)
{
    rc_task_end(t);
    t->nargs = nargs;
    t->args = args;
    t->lens = lens;
}

void rc_task_end(rayc_task_t *t)
{
    rc_free(t->result);
    rc_free(t->error);
    t->result = NULL;
    t->result_len = 0;
    t->has_result = 0;
    t->error = NULL;
    t->nargs = 0;
    t->args = NULL;
    t->lens = NULL;
}

void rc_task_close(rayc_task_t *t)
{
    rc_task_end(t);
    if (t->client) rayc_disconnect(t->client);
    t->client = NULL;
}
