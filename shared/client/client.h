/* client.h — librayc's connection to a cluster (implements rayc_connect …
 * rayc_release of rayc.h); internal helpers exposed for the unit tests.
 *
 * Owns: one blocking hiredis connection per rayc_client_t, guarded by the
 * client's mutex; the pending submission batch; the FIFO of replies still owed
 * by the server for pipelined TASK.SUBMIT and OBJ.RELEASE commands.
 *
 * Pipelining contract: rayc_submit only encodes into the pending batch. A batch
 * is appended to the connection's output when it holds RC_CLIENT_BATCH_TASKS
 * tasks or RC_CLIENT_BATCH_BYTES bytes (and written at once), and before every
 * other command. Replies to batches (`:N`) are read lazily: before the reply of
 * any other command, or when more than RC_CLIENT_INFLIGHT batches are unanswered
 * (flow control). A refused batch (`-ERR …`) is reported, with the head's
 * message, by the next call that reads its reply or the one after.
 *
 * Lost connection: the call that notices returns RAYC_ECONNLOST; the next call
 * reconnects (same address and password). Batches sent but not acknowledged
 * before the loss are not resent (their tasks may or may not exist: their refs
 * then time out in rayc_get); the pending, unsent batch is kept and sent on the
 * new connection. */
#ifndef RC_CLIENT_H
#define RC_CLIENT_H

#include <stddef.h>

#include "rayc.h"

#define RC_CLIENT_BATCH_TASKS 1000
#define RC_CLIENT_BATCH_BYTES (1024 * 1024)
#define RC_CLIENT_INFLIGHT    8
#define RC_CLIENT_GET_CHUNK   10000
#define RC_CLIENT_CONNECT_MS  5000
/* Read timeout of ordinary commands; blocking ones (TASK.GET/WAIT) add theirs. */
#define RC_CLIENT_REPLY_MS 60000

/* The password to use: given (even "", meaning none) when non-NULL, else
 * $RAYC_REDIS_PASSWORD, else NULL (no AUTH). */
const char *rc_client_password(const char *given);

/* Number of tasks in the pending (unsent) batch; for tests. */
size_t rc_client_pending(rayc_client_t *c);

#endif
