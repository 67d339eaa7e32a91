/* exec.c — task results and launch environments (see exec.h). */
#include "exec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"

rc_exec_result_t *rc_exec_result_new(const ProtobufCBinaryData *task_id, uint32_t attempt,
                                     int status)
{
    rc_exec_result_t *r = rc_calloc(1, sizeof(*r));
    if (task_id && task_id->len) {
        r->task_id = rc_malloc(task_id->len);
        memcpy(r->task_id, task_id->data, task_id->len);
        r->task_id_len = task_id->len;
    }
    r->attempt = attempt;
    r->status = status;
    r->fd = -1;
    return r;
}

void rc_exec_result_error(rc_exec_result_t *r, const char *fmt, ...)
{
    rc_buf_t b = RC_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    rc_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    rc_free(r->error);
    r->error = b.data ? rc_buf_detach(&b, NULL) : rc_strdup("");
}

void rc_exec_result_free(rc_exec_result_t *r)
{
    if (!r) return;
    rc_free(r->task_id);
    rc_free(r->data);
    rc_free(r->error);
    if (r->fd >= 0) close(r->fd);
    rc_free(r);
}

void rc_exec_result_to_pb(const rc_exec_result_t *r, Rayc__TaskResult *out)
{
    rayc__task_result__init(out);
    out->task_id.data = r->task_id;
    out->task_id.len = r->task_id_len;
    out->attempt = r->attempt;
    out->status = (Rayc__TaskStatus)r->status;
    out->data.data = r->data;
    out->data.len = r->len;
    out->error = r->error ? r->error : (char *)"";
    out->exit_code = r->exit_code;
    /* fd: still ours; object_size alone: the agent moved it into its store. */
    if (r->fd >= 0 || r->object_size > 0) {
        out->in_store = 1;
        out->object_size = r->object_size;
    }
    if (r->worker_pid) {
        out->worker_pid = r->worker_pid;
        out->worker_id.data = (uint8_t *)r->worker_id;
        out->worker_id.len = sizeof(r->worker_id);
    }
}

int rc_exec_id_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

void rc_exec_scratch_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    static char scratch[64 * 1024];
    (void)h;
    (void)suggested;
    buf->base = scratch;
    buf->len = sizeof(scratch);
}
