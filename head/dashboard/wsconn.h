/* wsconn.h — the server side of one WebSocket connection (internal to
 * head/dashboard; the public API is in http.h).
 *
 * A connection is created on the loop thread from a hijacked nng connection.
 * nng threads run its read loop (frame parsing, PING/CLOSE answers) and its
 * write loop; they post messages (a complete text message, "connection dead")
 * to the server's mailbox. The loop thread dispatches them with
 * rc_wsconn_dispatch and is the only one that closes the nng connection and
 * frees the rc_ws_t (see the lifetime rules in http.h). */
#ifndef RC_WSCONN_H
#define RC_WSCONN_H

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "http.h"
#include "mailbox.h"

/* Every mailbox message of the dashboard starts with this. */
enum { RC_DASH_MSG_REQ = 1, RC_DASH_MSG_WS = 2 };
typedef struct {
    rc_mbox_node_t node;
    int kind;
} rc_dash_msg_t;

/* The open WebSockets of one server (loop thread). */
typedef struct {
    uv_loop_t *loop;
    rc_mailbox_t *mb;
    rc_ws_t *head;
    size_t count;
} rc_ws_set_t;

/* Loop thread. Takes over conn (already hijacked from nng's server), sends
 * first[0..first_len) (the 101 answer) and starts reading. On RC_ENOMEM the
 * connection is closed. */
rc_err_t rc_wsconn_open(rc_ws_set_t *set, nng_http_conn *conn, const char *first, size_t first_len,
                        rc_ws_event_fn fn, void *arg, rc_ws_t **out);
/* Loop thread: handles one RC_DASH_MSG_WS message (and frees it). */
void rc_wsconn_dispatch(rc_dash_msg_t *msg);
/* Loop thread, at server stop (the mailbox is shut): closes every connection
 * at once; each owner gets its queued messages, then RC_WS_EV_CLOSED. */
void rc_wsconn_close_all(rc_ws_set_t *set);

#endif
