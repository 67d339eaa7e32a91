/* bigobj.h — the SDK's side of values over 100 KiB: they stay in node object
 * stores, and the client moves their bytes straight to or from a node's object
 * port (shared/objxfer), never through the head.
 *
 * Owns: nothing but the lazily made transfer client (*xc, pooled connections),
 * which the caller frees with rc_bigobj_free. Codes returned are RAYC_E…; err
 * says what went wrong and with which node. */
#ifndef RC_CLIENT_BIGOBJ_H
#define RC_CLIENT_BIGOBJ_H

#include <stddef.h>

#include "id.h"
#include "rayc.h"
#include "task.pb-c.h"

typedef struct rc_objxfer_client rc_objxfer_client_t;

/* r says the value is in a store (in_store, object_size, locations): fetches it
 * from the first holder that has it into r->data (freed with r).
 * RAYC_EOBJECT_LOST when no holder has it, RAYC_ENOMEM, RAYC_ECONNLOST. */
int rc_bigobj_fetch(rc_objxfer_client_t **xc, const rc_id_t *id, Rayc__TaskResult *r, char *err,
                    size_t errcap);
/* Pushes a put value to the node at addr ("HOST:PORT"). RAYC_ETOOBIG when its
 * store cannot take it, RAYC_ECONNLOST otherwise. */
int rc_bigobj_push(rc_objxfer_client_t **xc, const char *addr, const rc_id_t *id, const void *data,
                   size_t len, char *err, size_t errcap);
void rc_bigobj_free(rc_objxfer_client_t *xc);

#endif
