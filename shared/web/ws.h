/* ws.h — the WebSocket codec (RFC 6455): frames in and out, and the handshake key.
 *
 * Pure and incremental like the RESP codec: no sockets, no state between calls.
 * The caller keeps unconsumed bytes at the front of its buffer, appends what
 * arrives, and calls rc_ws_frame_parse again on the whole unconsumed span; a frame
 * is parsed only once all its bytes are there. Used by the head's dashboard server
 * (head/dashboard) and by the CLI's WebSocket client.
 *
 * Fragmented messages come out as separate frames (opcode RC_WS_OP_CONT after the
 * first); reassembling them is the caller's job, as is answering PING and CLOSE. */
#ifndef RC_WS_H
#define RC_WS_H

#include <stddef.h>
#include <stdint.h>

#include "base64.h"
#include "buf.h"
#include "err.h"
#include "sha1.h"

#define RC_WS_OP_CONT   0x0
#define RC_WS_OP_TEXT   0x1
#define RC_WS_OP_BINARY 0x2
#define RC_WS_OP_CLOSE  0x8
#define RC_WS_OP_PING   0x9
#define RC_WS_OP_PONG   0xA
#define RC_WS_GUID      "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* Close status codes (RFC 6455 7.4.1) that rayc sends. */
#define RC_WS_CLOSE_NORMAL   1000
#define RC_WS_CLOSE_GOING    1001
#define RC_WS_CLOSE_PROTOCOL 1002
#define RC_WS_CLOSE_TOOBIG   1009
#define RC_WS_CLOSE_INTERNAL 1011

/* Longest frame header: 2 bytes, 8 of extended length, 4 of mask. */
#define RC_WS_MAX_HEADER 14
/* Longest payload of a control frame (CLOSE, PING, PONG). */
#define RC_WS_MAX_CONTROL 125

/* Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64(sha1(key GUID)),
 * 28 chars + NUL. */
void rc_ws_accept_key(const char *client_key, char out[29]);

/* Appends one complete frame (FIN=1) to out. mask: NULL for server->client
 * frames, 4 bytes for client->server frames (the payload is masked in out, the
 * caller's payload is left alone). */
void rc_ws_frame_write(rc_buf_t *out, int opcode, const void *payload, size_t len,
                       const uint8_t *mask);
/* Appends a CLOSE frame carrying code (omitted when 0) and reason (may be NULL;
 * cut to fit the 125-byte control frame limit). mask as for rc_ws_frame_write. */
void rc_ws_close_frame_write(rc_buf_t *out, int code, const char *reason, const uint8_t *mask);

typedef struct {
    int fin;
    int opcode;
    uint8_t *payload;
    size_t len;
} rc_ws_frame_t;

/* Parses one frame at buf[0..len).
 *   RC_OK: *f filled, *used = bytes consumed, payload unmasked IN PLACE (points
 *          into buf; so parse those bytes only once).
 *   RC_EAGAIN: need more bytes (nothing is changed).
 *   RC_EPROTO: malformed — reserved bits set, unknown opcode, a control frame
 *          longer than 125 bytes or fragmented, a CLOSE payload of one byte, a
 *          64-bit length with its top bit set, or the mask bit not as expected
 *          (expect_masked 1: client frames must be masked; 0: server frames must
 *          not be; -1: accept both).
 *   RC_ETOOBIG: payload > max_payload (known from the header alone, so a huge
 *          frame is refused before its payload arrives).
 * errmsg (may be NULL) gets a short reason on errors. */
rc_err_t rc_ws_frame_parse(uint8_t *buf, size_t len, size_t max_payload, int expect_masked,
                           rc_ws_frame_t *f, size_t *used, char *errmsg, size_t errcap);

/* Reads the status code and reason of a CLOSE payload (as returned by
 * rc_ws_frame_parse). code is 1005 ("no status") for an empty payload; reason
 * points into payload, not NUL-terminated. */
void rc_ws_close_payload(const uint8_t *payload, size_t len, int *code, const char **reason,
                         size_t *reason_len);

#endif
