/* mailbox.h — hands work from other threads (nng's callbacks) to one libuv loop.
 *
 * A mutex-protected FIFO plus a uv_async_t. Any thread posts; the loop thread
 * receives the messages, in posting order, through the dispatch function. The
 * message is a node the caller embeds in its own struct (rc_mbox_node_t first or
 * recovered with container arithmetic); the mailbox never allocates or frees.
 *
 * Shutdown (loop thread): rc_mailbox_shut makes every later post fail with
 * RC_ECLOSED, so a poster that gets RC_ECLOSED still owns its message and must
 * handle it itself; rc_mailbox_take* drain what is left; rc_mailbox_close closes
 * the async handle; close_cb calls rc_mailbox_fini and frees the memory. Dispatch stops as
 * soon as the mailbox is shut, even in the middle of a batch. */
#ifndef RC_MAILBOX_H
#define RC_MAILBOX_H

#include <uv.h>

#include "err.h"

typedef struct rc_mbox_node {
    struct rc_mbox_node *next;
} rc_mbox_node_t;

typedef void (*rc_mailbox_fn)(void *arg, rc_mbox_node_t *msg);

typedef struct {
    uv_async_t async;
    uv_mutex_t mu;
    rc_mbox_node_t *head, *tail; /* under mu */
    int shut;                    /* under mu: posts refused */
    rc_mailbox_fn fn;
    void *arg;
} rc_mailbox_t;

/* Loop thread. fn(arg, msg) is called on the loop thread for each message. */
rc_err_t rc_mailbox_init(rc_mailbox_t *mb, uv_loop_t *loop, rc_mailbox_fn fn, void *arg);
/* Any thread. RC_ECLOSED (message not taken) once the mailbox is shut. */
rc_err_t rc_mailbox_post(rc_mailbox_t *mb, rc_mbox_node_t *msg);
/* Loop thread: refuse every later post. */
void rc_mailbox_shut(rc_mailbox_t *mb);
/* Loop thread: detaches and returns the whole queue (a list linked by next). */
rc_mbox_node_t *rc_mailbox_take_all(rc_mailbox_t *mb);
/* Loop thread: detaches the messages for which match(arg, msg) is true, keeping
 * their order and the order of the rest. */
rc_mbox_node_t *rc_mailbox_take_if(rc_mailbox_t *mb, int (*match)(void *arg, rc_mbox_node_t *),
                                   void *arg);
/* Loop thread, after rc_mailbox_shut: closes the async handle. */
void rc_mailbox_close(rc_mailbox_t *mb, uv_close_cb close_cb);
/* In close_cb: releases the mutex (the queue must be empty). */
void rc_mailbox_fini(rc_mailbox_t *mb);

#endif
