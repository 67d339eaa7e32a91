/* hiredis_uv.c — the libuv adapter of hiredis with socket errors delivered; see
 * hiredis_uv.h. */
#include "hiredis_uv.h"

#include <string.h>

#include <hiredis/hiredis.h>
#include <hiredis/adapters/libuv.h>

static void on_poll(uv_poll_t *h, int status, int events)
{
    redisLibuvEvents *p = h->data;
    /* An error stops the handle: let hiredis try what it waited for and fail. */
    if (status < 0) events = p->events;
    if (p->context && (events & UV_READABLE)) redisAsyncHandleRead(p->context);
    /* p->context is NULL once hiredis freed the context during the read. */
    if (p->context && (events & UV_WRITABLE)) redisAsyncHandleWrite(p->context);
}

static void ev_update(redisLibuvEvents *p)
{
    if (p->events)
        uv_poll_start(&p->handle, p->events, on_poll);
    else
        uv_poll_stop(&p->handle);
}

static void ev_add_read(void *arg)
{
    redisLibuvEvents *p = arg;
    p->events |= UV_READABLE;
    ev_update(p);
}

static void ev_del_read(void *arg)
{
    redisLibuvEvents *p = arg;
    p->events &= ~UV_READABLE;
    ev_update(p);
}

static void ev_add_write(void *arg)
{
    redisLibuvEvents *p = arg;
    p->events |= UV_WRITABLE;
    ev_update(p);
}

static void ev_del_write(void *arg)
{
    redisLibuvEvents *p = arg;
    p->events &= ~UV_WRITABLE;
    ev_update(p);
}

int rc_hiredis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop)
{
    if (redisLibuvAttach(ac, loop) != REDIS_OK) {
        /* The adapter leaves its hooks set when uv_poll_init fails; clear them
         * so freeing does not run its cleanup on a handle that never existed. */
        memset(&ac->ev, 0, sizeof(ac->ev));
        return REDIS_ERR;
    }
    ac->ev.addRead = ev_add_read;
    ac->ev.delRead = ev_del_read;
    ac->ev.addWrite = ev_add_write;
    ac->ev.delWrite = ev_del_write;
    return REDIS_OK;
}
