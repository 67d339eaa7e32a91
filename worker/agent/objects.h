/* objects.h — the node's large objects: its object store (worker/objstore), the
 * object server other nodes and clients fetch from or push to (shared/objxfer,
 * on the node's object port), and the fetches of arguments held elsewhere.
 *
 * Owns: the store (every call under one mutex: the loop thread, the server's
 * connection threads and the fetch threads all use it), the server, a client
 * with pooled connections and a few fetch threads. Fetch results come back to
 * the loop through a uv_async mailbox; a fetched copy is announced to the head
 * with OBJ.ADDLOC (a reply of 0 means the object is gone: the copy is deleted).
 *
 * Executors read objects without a copy: the agent pins an object
 * (rc_objects_pin) and hands its sealed memfd to the executor pool, which
 * passes it over the executor's fd 5 (task.proto, ExecRequest); results over
 * 100 KiB come back as sealed memfds the store adopts (rc_objects_adopt).
 *
 * The loop-side API (everything but the callbacks' insides) belongs to the
 * agent's loop thread. */
#ifndef RC_AGENT_OBJECTS_H
#define RC_AGENT_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/async.h>
#include <uv.h>

#include "err.h"
#include "id.h"
#include "objstore.h"

typedef struct rc_objects rc_objects_t;

typedef struct {
    int64_t capacity;       /* bytes (--object-store-memory) */
    const char *spill_dir;  /* where the store spills (created when needed) */
    const char *bind_ip;    /* the object port listens here (the node's IP) */
    const rc_id_t *node_id; /* for OBJ.ADDLOC */
    redisAsyncContext **ac; /* the agent's head connection (may be NULL when down) */
    unsigned fetch_threads; /* 0: 4 */
} rc_objects_config_t;

/* Starts the store, the server and the fetch threads. NULL with err when the
 * store or the object port cannot be set up. */
rc_objects_t *rc_objects_new(uv_loop_t *loop, const rc_objects_config_t *cfg, char *err,
                             size_t errcap);
/* The object port (TCP), for NodeInfo.object_port. */
int rc_objects_port(const rc_objects_t *o);

/* When a wanted object is local (rc == RC_OK) or cannot be had (err says why;
 * RC_ENOTFOUND: no node holds it any more, RC_ETOOBIG: larger than this
 * store can take, others: the transfer failed). Runs on the loop thread. */
typedef void (*rc_objects_want_fn)(void *arg, rc_err_t rc, const char *err);

/* Makes id (size bytes) local, fetching it from the first of addrs
 * ("HOST:PORT") that has it. Returns 1 when it is already here (cb is not
 * called), 0 when cb will be called exactly once, later. Several wants of one
 * object share one fetch. */
int rc_objects_want(rc_objects_t *o, const rc_id_t *id, uint64_t size, char *const *addrs,
                    size_t naddrs, rc_objects_want_fn cb, void *arg);
/* Pins a local object and gives its memfd (the store's: do not close) and size. */
rc_err_t rc_objects_pin(rc_objects_t *o, const rc_id_t *id, int *fd, uint64_t *size, char *err,
                        size_t errcap);
void rc_objects_unpin(rc_objects_t *o, const rc_id_t *id);
/* Takes an executor's result memfd into the store (see rc_objstore_adopt):
 * on RC_OK the store owns fd. */
rc_err_t rc_objects_adopt(rc_objects_t *o, const rc_id_t *id, int fd, uint64_t size, char *err,
                          size_t errcap);
/* The head freed id: the local copy goes (after its last unpin). */
void rc_objects_delete(rc_objects_t *o, const rc_id_t *id);
void rc_objects_stats(rc_objects_t *o, rc_objstore_stats_t *out);

/* Stops the server and the fetch threads (joined; wants never answered are
 * dropped) and closes the mailbox; closed(arg) runs when o may be freed. */
void rc_objects_close(rc_objects_t *o, void (*closed)(void *), void *arg);
void rc_objects_free(rc_objects_t *o);

#endif
