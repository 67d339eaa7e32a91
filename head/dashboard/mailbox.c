/* mailbox.c — see mailbox.h. */
#include "mailbox.h"

/* Messages dispatched per async wake-up before yielding to the rest of the loop
 * (a flood of requests must not starve timers and sockets). */
#define BATCH 256

static void on_async(uv_async_t *h)
{
    rc_mailbox_t *mb = h->data;
    for (int i = 0; i < BATCH; i++) {
        uv_mutex_lock(&mb->mu);
        rc_mbox_node_t *m = mb->shut ? NULL : mb->head;
        if (m) {
            mb->head = m->next;
            if (!mb->head) mb->tail = NULL;
        }
        uv_mutex_unlock(&mb->mu);
        if (!m) return;
        m->next = NULL;
        mb->fn(mb->arg, m);
    }
    /* More left: come back on the next loop turn. */
    uv_mutex_lock(&mb->mu);
    if (!mb->shut && mb->head) uv_async_send(&mb->async);
    uv_mutex_unlock(&mb->mu);
}

rc_err_t rc_mailbox_init(rc_mailbox_t *mb, uv_loop_t *loop, rc_mailbox_fn fn, void *arg)
{
    mb->head = mb->tail = NULL;
    mb->shut = 0;
    mb->fn = fn;
    mb->arg = arg;
    if (uv_mutex_init(&mb->mu) != 0) return RC_EINTERNAL;
    if (uv_async_init(loop, &mb->async, on_async) != 0) {
        uv_mutex_destroy(&mb->mu);
        return RC_EINTERNAL;
    }
    mb->async.data = mb;
    return RC_OK;
}

rc_err_t rc_mailbox_post(rc_mailbox_t *mb, rc_mbox_node_t *msg)
{
    msg->next = NULL;
    uv_mutex_lock(&mb->mu);
    if (mb->shut) {
        uv_mutex_unlock(&mb->mu);
        return RC_ECLOSED;
    }
    if (mb->tail)
        mb->tail->next = msg;
    else
        mb->head = msg;
    mb->tail = msg;
    /* Under the lock: shut + uv_close happen under it too, so the handle is
     * never signalled after it started closing. */
    uv_async_send(&mb->async);
    uv_mutex_unlock(&mb->mu);
    return RC_OK;
}

void rc_mailbox_shut(rc_mailbox_t *mb)
{
    uv_mutex_lock(&mb->mu);
    mb->shut = 1;
    uv_mutex_unlock(&mb->mu);
}

rc_mbox_node_t *rc_mailbox_take_all(rc_mailbox_t *mb)
{
    uv_mutex_lock(&mb->mu);
    rc_mbox_node_t *m = mb->head;
    mb->head = mb->tail = NULL;
    uv_mutex_unlock(&mb->mu);
    return m;
}

rc_mbox_node_t *rc_mailbox_take_if(rc_mailbox_t *mb, int (*match)(void *arg, rc_mbox_node_t *),
                                   void *arg)
{
    rc_mbox_node_t *out = NULL, **out_tail = &out;
    uv_mutex_lock(&mb->mu);
    rc_mbox_node_t **pp = &mb->head;
    mb->tail = NULL;
    while (*pp) {
        rc_mbox_node_t *m = *pp;
        if (match(arg, m)) {
            *pp = m->next;
            m->next = NULL;
            *out_tail = m;
            out_tail = &m->next;
        } else {
            mb->tail = m;
            pp = &m->next;
        }
    }
    uv_mutex_unlock(&mb->mu);
    return out;
}

void rc_mailbox_close(rc_mailbox_t *mb, uv_close_cb close_cb)
{
    uv_mutex_lock(&mb->mu);
    mb->shut = 1;
    uv_close((uv_handle_t *)&mb->async, close_cb);
    uv_mutex_unlock(&mb->mu);
}

void rc_mailbox_fini(rc_mailbox_t *mb)
{
    uv_mutex_destroy(&mb->mu);
}
