/* objxfer.h — moving large objects between nodes and clients over a node's
 * object port: nng byte streams (nng_stream over tcp://) carrying the frames of
 * shared/proto/object.proto, with an object's bytes sent from and received into
 * the caller's memory by scatter/gather I/O — no copy in user space, so a
 * transfer costs what a plain socket copy costs.
 *
 * Owns: the server (a listener, an accept thread and one thread per connection,
 * at most max_conns) and the client (a pool of idle connections per address;
 * every fetch or push takes one, so any number of threads transfer at once).
 *
 * Objects stay with the caller: the server reaches them through callbacks
 * (called on its connection threads, concurrently: they must be thread-safe),
 * the client writes into memory an alloc callback gives.
 *
 * Every frame from the other side is checked (lengths bounded, ids, offsets in
 * order, sizes as announced); a lying, slow or vanishing peer ends the transfer
 * with a clear error — never a crash, an overflow or a hang longer than the
 * I/O timeout. */
#ifndef RC_OBJXFER_H
#define RC_OBJXFER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "id.h"

#define RC_OBJXFER_CHUNK_DEFAULT (4u << 20)
#define RC_OBJXFER_CHUNK_MAX     (8u << 20)
#define RC_OBJXFER_CONNS_DEFAULT 256

typedef struct {
    /* GET: pins the object and gives its bytes, valid until release. RC_ENOTFOUND
     * (or any error, with err) is answered to the client. */
    rc_err_t (*lookup)(void *arg, const rc_id_t *id, const uint8_t **data, uint64_t *size,
                       char *err, size_t errcap);
    void (*release)(void *arg, const rc_id_t *id);
    /* PUT: room for size bytes at *dst (writable until commit). RC_ETOOBIG is
     * answered as TOO_BIG. May be NULL: PUT is refused. */
    rc_err_t (*create)(void *arg, const rc_id_t *id, uint64_t size, uint8_t **dst, char *err,
                       size_t errcap);
    /* The bytes arrived (ok) or the transfer failed (!ok: drop the object). */
    rc_err_t (*commit)(void *arg, const rc_id_t *id, int ok, char *err, size_t errcap);
    void *arg;
    unsigned max_conns; /* 0: RC_OBJXFER_CONNS_DEFAULT */
    uint32_t chunk;     /* bytes per chunk sent; 0: RC_OBJXFER_CHUNK_DEFAULT (at most _MAX) */
    int timeout_ms;     /* per I/O operation; 0: 30 s */
} rc_objxfer_server_opts_t;

typedef struct rc_objxfer_server rc_objxfer_server_t;

/* Listens on url ("tcp://HOST:PORT", port 0: any free one) and serves. */
rc_err_t rc_objxfer_server_start(const char *url, const rc_objxfer_server_opts_t *opts,
                                 rc_objxfer_server_t **out, char *err, size_t errcap);
int rc_objxfer_server_port(const rc_objxfer_server_t *s);
/* Stops accepting, closes every connection and joins the threads: no callback
 * runs after it returns. Idempotent. */
void rc_objxfer_server_stop(rc_objxfer_server_t *s);
void rc_objxfer_server_free(rc_objxfer_server_t *s);

typedef struct rc_objxfer_client rc_objxfer_client_t;

/* timeout_ms bounds each I/O operation (0: 30 s). */
rc_objxfer_client_t *rc_objxfer_client_new(int timeout_ms);
void rc_objxfer_client_free(rc_objxfer_client_t *c);

/* Where a fetched object goes: called once with its size, before any byte. */
typedef rc_err_t (*rc_objxfer_alloc_fn)(void *arg, uint64_t size, uint8_t **dst, char *err,
                                        size_t errcap);

/* expect of a fetch whose size the caller does not know. */
#define RC_OBJXFER_ANY_SIZE UINT64_MAX

/* Fetches id from the node at addr ("HOST:PORT"). A node announcing another
 * size than expect (the head's record) is refused before alloc, RC_EPROTO.
 * After a successful alloc, a failed transfer calls abort(arg) (may be NULL) so
 * the caller drops the memory. *size (may be NULL) gets the object's size.
 * RC_ENOTFOUND (the node does not hold it), RC_ECONN (cannot connect),
 * RC_ECLOSED, RC_ETIMEOUT, RC_EPROTO, or alloc's error; err names the node and
 * what went wrong. */
rc_err_t rc_objxfer_fetch(rc_objxfer_client_t *c, const char *addr, const rc_id_t *id,
                          uint64_t expect, rc_objxfer_alloc_fn alloc, void (*abort)(void *arg),
                          void *arg, uint64_t *size, char *err, size_t errcap);
/* Pushes size bytes as object id to the node at addr. RC_ETOOBIG when its store
 * cannot take it, RC_EEXISTS, and the transport errors of fetch. */
rc_err_t rc_objxfer_push(rc_objxfer_client_t *c, const char *addr, const rc_id_t *id,
                         const uint8_t *data, uint64_t size, char *err, size_t errcap);

#endif
