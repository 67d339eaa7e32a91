/* ws_client.h — a WebSocket client (RFC 6455) for reading a stream of text
 * messages, as `rayc job logs --follow` reads /api/jobs/{id}/logs/tail.
 *
 * Two layers:
 *   rc_ws_client_t — the protocol as a pure state machine (bytes in, events and
 *     bytes to send out; no sockets), so the handshake and the frame handling
 *     are tested against in-memory byte streams. States: HANDSHAKE (request
 *     sent, reading the HTTP answer) -> OPEN (reading frames) -> CLOSED (a close
 *     frame was received and answered, or the stream was bad). PINGs are
 *     answered with PONGs and a CLOSE with a CLOSE, both masked as client frames
 *     must be. The frame codec is shared/web/ws.h.
 *   rc_ws_tail — the socket driver: connects to an http:// URL (no TLS), runs
 *     the state machine and hands every text/binary payload to a callback until
 *     the server closes the socket.
 *
 * Messages are not reassembled: each frame's payload is delivered as it comes
 * (a log chunk is written out at once). A non-101 answer to the upgrade (e.g.
 * 404 for an unknown job) is an error whose text is the answer's body. */
#ifndef RC_WS_CLIENT_H
#define RC_WS_CLIENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* Largest frame payload accepted; larger frames close the stream (1009). */
#define RC_WS_CLIENT_MAX_PAYLOAD (16u << 20)
/* Largest HTTP answer to the upgrade request (headers, or headers + error body). */
#define RC_WS_CLIENT_MAX_HANDSHAKE (64u << 10)

typedef enum {
    RC_WS_CLIENT_HANDSHAKE,
    RC_WS_CLIENT_OPEN,
    RC_WS_CLIENT_CLOSED,
} rc_ws_client_state_t;

typedef enum {
    RC_WS_EV_DATA,  /* a text or binary payload (or a continuation of one) */
    RC_WS_EV_CLOSE, /* the server closed; the answering CLOSE is in out */
} rc_ws_event_type_t;

typedef struct {
    rc_ws_event_type_t type;
    const uint8_t *data; /* DATA: valid until the next call on the client */
    size_t len;
    int close_code; /* CLOSE: the server's status code (1005 when none) */
} rc_ws_event_t;

typedef struct rc_ws_client rc_ws_client_t;

/* nonce: 16 random bytes, the Sec-WebSocket-Key before base64. */
rc_ws_client_t *rc_ws_client_new(const uint8_t nonce[16]);
void rc_ws_client_free(rc_ws_client_t *c);
/* Appends the upgrade request for path (with its query) on host (the Host
 * header: "h:port", IPv6 in brackets). */
void rc_ws_client_request(const rc_ws_client_t *c, const char *host, const char *path,
                          rc_buf_t *out);
/* Bytes received from the server. */
void rc_ws_client_feed(rc_ws_client_t *c, const void *data, size_t len);
/* The next event from the bytes fed so far. Bytes to send back (PONG, CLOSE)
 * are appended to out, also when an error is returned (a CLOSE with 1002 or
 * 1009). Returns RC_OK with *ev filled, RC_EAGAIN when more bytes are needed,
 * RC_ECLOSED once CLOSED, or an error with err filled: RC_EPROTO (a bad
 * handshake or frame; an HTTP error answer, whose body is err), RC_ETOOBIG (a
 * frame or handshake answer over the limits). */
rc_err_t rc_ws_client_next(rc_ws_client_t *c, rc_ws_event_t *ev, rc_buf_t *out, char *err,
                           size_t errcap);
/* The server closed the TCP connection: RC_OK when the stream had been closed
 * properly, else the error to report (the HTTP error answer read so far, or
 * RC_ECLOSED "closed without a close frame"). */
rc_err_t rc_ws_client_eof(rc_ws_client_t *c, char *err, size_t errcap);
/* Starts a close from this side (code e.g. 1001 when the user leaves). */
void rc_ws_client_close(rc_ws_client_t *c, int code, rc_buf_t *out);
rc_ws_client_state_t rc_ws_client_state(const rc_ws_client_t *c);
/* Status of the HTTP answer to the upgrade; 0 before it arrived. */
int rc_ws_client_http_status(const rc_ws_client_t *c);

typedef void (*rc_ws_data_fn)(const void *data, size_t len, void *arg);

/* Opens a WebSocket to url ("http://host:port/path?query"), calls fn for every
 * payload, and returns RC_OK when the server closes the stream properly.
 * Connecting times out after connect_s seconds, the handshake after
 * handshake_s; an open stream may stay quiet for any time. *stop (may be NULL)
 * is polled a few times a second: when it becomes nonzero a CLOSE (1001) is
 * sent and RC_ECLOSED returned. Errors: RC_EINVAL (not an http:// URL),
 * RC_ECONN (cannot connect; err is the system's reason), RC_ETIMEOUT, RC_EIO,
 * and those of rc_ws_client_next/eof. *http_status (may be NULL) gets the
 * status of the upgrade answer. */
rc_err_t rc_ws_tail(const char *url, int connect_s, int handshake_s, rc_ws_data_fn fn, void *arg,
                    const volatile sig_atomic_t *stop, int *http_status, char *err, size_t errcap);

#endif
