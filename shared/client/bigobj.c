/* bigobj.c — values over 100 KiB, which stay in node object stores: fetched
 * from a node that holds them (rayc_get) and pushed to one (rayc_put), over
 * the nodes' object ports (shared/objxfer). See bigobj.h. */
#include "bigobj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objxfer.h"

/* The buffer (arg) was sized from the head's record; rc_objxfer_fetch refuses
 * a node announcing another size before calling this. */
static rc_err_t sink_alloc(void *arg, uint64_t size, uint8_t **dst, char *err, size_t errcap)
{
    (void)size;
    (void)err;
    (void)errcap;
    *dst = arg;
    return RC_OK;
}

static void sink_abort(void *arg)
{
    (void)arg; /* the buffer is reused for the next holder, or freed by the caller */
}

static rc_objxfer_client_t *xfer(rc_objxfer_client_t **xc)
{
    if (!*xc) *xc = rc_objxfer_client_new(0);
    return *xc;
}

int rc_bigobj_fetch(rc_objxfer_client_t **xc, const rc_id_t *id, Rayc__TaskResult *r, char *err,
                    size_t errcap)
{
    if (r->n_locations == 0) {
        snprintf(err, errcap,
                 "no node holds the value any more (its node died and it could not be made "
                 "again)");
        return RAYC_EOBJECT_LOST;
    }
    if (r->object_size > SIZE_MAX / 2) {
        snprintf(err, errcap, "the value is %llu bytes, more than this process can address",
                 (unsigned long long)r->object_size);
        return RAYC_ENOMEM;
    }
    /* malloc, as protobuf-c's default allocator: free_unpacked frees it with r. */
    uint8_t *buf = malloc(r->object_size ? (size_t)r->object_size : 1);
    if (!buf) {
        snprintf(err, errcap, "cannot allocate %llu bytes for the value",
                 (unsigned long long)r->object_size);
        return RAYC_ENOMEM;
    }
    rc_err_t rc = RC_EINVAL;
    size_t used = 0;
    for (size_t i = 0; i < r->n_locations; i++) {
        char e[300];
        uint64_t got;
        rc = rc_objxfer_fetch(xfer(xc), r->locations[i], id, r->object_size, sink_alloc, sink_abort,
                              buf, &got, e, sizeof(e));
        if (rc == RC_OK) break;
        int n = snprintf(err + used, errcap - used, "%s%s: %s", i ? "; " : "", r->locations[i], e);
        if (n > 0) used += (size_t)n < errcap - used ? (size_t)n : errcap - used - 1;
    }
    if (rc != RC_OK) {
        free(buf);
        return rc == RC_ENOTFOUND ? RAYC_EOBJECT_LOST : RAYC_ECONNLOST;
    }
    free(r->data.data);
    r->data.data = buf;
    r->data.len = (size_t)r->object_size;
    return RAYC_OK;
}

int rc_bigobj_push(rc_objxfer_client_t **xc, const char *addr, const rc_id_t *id, const void *data,
                   size_t len, char *err, size_t errcap)
{
    char e[300];
    rc_err_t rc = rc_objxfer_push(xfer(xc), addr, id, data, len, e, sizeof(e));
    if (rc == RC_OK) return RAYC_OK;
    snprintf(err, errcap, "cannot push the value to node %s: %s", addr, e);
    return rc == RC_ETOOBIG ? RAYC_ETOOBIG : RAYC_ECONNLOST;
}

void rc_bigobj_free(rc_objxfer_client_t *xc)
{
    rc_objxfer_client_free(xc);
}
