/* task.c — the task-side API (rayc_task_*) and the executor's hooks of
 * task_internal.h. Kept free of network I/O: only rayc_task_client connects,
 * lazily, and the executor reuses that client across calls. The one other
 * system work is a large result's memfd (task_internal.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc.h"
#include "task_internal.h"

#define WRITE_CHUNK ((size_t)1 << 30) /* under write()'s 0x7ffff000 cap */

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

static void drop_result(rayc_task_t *t)
{
    rc_free(t->result);
    rc_free(t->result_error);
    if (t->in_store) close(t->result_fd);
    t->result = NULL;
    t->result_error = NULL;
    t->in_store = 0;
    t->result_fd = -1;
    t->result_len = 0;
    t->has_result = 0;
}

/* The memfd path: one copy, from the task's buffer into the memfd's pages
 * (write() allocates them directly, without a page fault per page as copying
 * through a mapping would), then the seals that make it an object. */
static int return_to_memfd(rayc_task_t *t, const void *data, size_t len)
{
    char why[256];
    int fd = memfd_create("rayc-obj", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        int e = errno;
        snprintf(why, sizeof(why), "cannot create a memfd for the task's result of %zu bytes: %s%s",
                 len, strerror(e),
                 e == EMFILE || e == ENFILE ? " (too many open files in the executor)" : "");
        goto fail;
    }
    for (size_t off = 0; off < len;) {
        size_t want = len - off < WRITE_CHUNK ? len - off : WRITE_CHUNK;
        ssize_t n = pwrite(fd, (const uint8_t *)data + off, want, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            snprintf(why, sizeof(why),
                     "cannot write the task's result of %zu bytes into a memfd: %s (is the node "
                     "out of memory?)",
                     len, n < 0 ? strerror(errno) : "no progress");
            goto fail;
        }
        off += (size_t)n;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
        snprintf(why, sizeof(why), "cannot seal the memfd of the task's result: %s",
                 strerror(errno));
        goto fail;
    }
    drop_result(t);
    t->in_store = 1;
    t->result_fd = fd;
    t->result_len = len;
    t->has_result = 1;
    return RAYC_OK;
fail:
    if (fd >= 0) close(fd);
    /* The failed return is the last one: it replaces any earlier result. */
    drop_result(t);
    t->result_error = rc_strdup(why);
    return RAYC_ENOMEM;
}

int rayc_task_return(rayc_task_t *t, const void *data, size_t len)
{
    if (!t || (len && !data)) return RAYC_EINVAL;
    if (t->store_min && len > t->store_min) return return_to_memfd(t, data, len);
    /* A new result replaces the previous one: the last return wins. Always a
     * real allocation so result != NULL means "has bytes to free". */
    void *copy = rc_malloc(len ? len : 1);
    if (len) memcpy(copy, data, len);
    drop_result(t);
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
    drop_result(t);
    rc_free(t->error);
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
