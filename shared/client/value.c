/* value.c — task results as values; see value.h. */
#include "value.h"

#include <string.h>

#include "task.pb-c.h"

int rc_value_status_err(int status)
{
    switch (status) {
    case RAYC__TASK_STATUS__STATUS_OK: return RAYC_OK;
    case RAYC__TASK_STATUS__STATUS_APP_ERROR: return RAYC_ETASK;
    case RAYC__TASK_STATUS__STATUS_WORKER_DIED: return RAYC_EWORKER;
    case RAYC__TASK_STATUS__STATUS_CANCELLED: return RAYC_ECANCELLED;
    case RAYC__TASK_STATUS__STATUS_INFEASIBLE: return RAYC_EINFEASIBLE;
    case RAYC__TASK_STATUS__STATUS_DEPENDENCY_FAILED: return RAYC_EDEPENDENCY;
    case RAYC__TASK_STATUS__STATUS_OBJECT_TOO_LARGE: return RAYC_ETOOBIG;
    case RAYC__TASK_STATUS__STATUS_OBJECT_LOST: return RAYC_EOBJECT_LOST;
    default: return RAYC_EPROTO;
    }
}

void rc_value_set_error(rayc_value_t *v, int err, const char *message)
{
    memset(v, 0, sizeof(*v));
    v->data = "";
    v->err = err;
    v->message = message ? message : rayc_strerror(err);
}

int rc_value_from_result(const void *data, size_t len, rayc_value_t *v)
{
    memset(v, 0, sizeof(*v));
    /* protobuf-c's own allocator: the value keeps the unpacked message and
     * frees it with rayc__task_result__free_unpacked. */
    Rayc__TaskResult *r = rayc__task_result__unpack(NULL, len, data);
    if (!r) {
        rc_value_set_error(v, RAYC_EPROTO,
                           "the cluster sent a result that is not a TaskResult (is the head the "
                           "same rayc version as this SDK?)");
        return v->err;
    }
    v->priv_ = r;
    v->data = r->data.data ? (const void *)r->data.data : "";
    v->len = r->data.len;
    v->exit_code = r->exit_code;
    v->err = rc_value_status_err(r->status);
    if (v->err != RAYC_OK) {
        v->message = r->error && *r->error ? r->error : rayc_strerror(v->err);
    }
    return v->err;
}

void rayc_value_free(rayc_value_t *value)
{
    if (!value) return;
    if (value->priv_) rayc__task_result__free_unpacked(value->priv_, NULL);
    memset(value, 0, sizeof(*value));
}
