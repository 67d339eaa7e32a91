/* frame.h — the length-prefixed frames between the worker agent and its
 * executors (docs/protocol.md, "Executor frames"): a little-endian uint32
 * length, then that many bytes of protobuf.
 *
 * Owns: an incremental, pure frame reader (bytes in, whole frames out; split
 * reads and several frames per read both work) and the two blocking fd
 * helpers the executor program uses. A length above RC_FRAME_MAX is never
 * trusted: the reader reports RC_ETOOBIG and the stream is unusable after it
 * (the peer is broken; the caller closes it). */
#ifndef RC_EXEC_FRAME_H
#define RC_EXEC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define RC_FRAME_MAX (UINT32_C(512) << 20) /* 512 MiB */

typedef struct {
    rc_buf_t buf;
    size_t pos;   /* start of the first unconsumed byte */
    int broken;   /* a bad length was seen */
    uint32_t bad; /* that length, for messages */
} rc_frame_reader_t;

void rc_frame_reader_init(rc_frame_reader_t *r);
void rc_frame_reader_free(rc_frame_reader_t *r);
/* Appends bytes read from the stream. RC_ENOMEM when they cannot be kept. */
rc_err_t rc_frame_reader_feed(rc_frame_reader_t *r, const void *data, size_t len);
/* The next whole frame: RC_OK with msg and len pointing into the reader (valid
 * until the next feed or next call), RC_EAGAIN when more bytes are needed,
 * RC_ETOOBIG when the length prefix exceeds RC_FRAME_MAX (then forever). */
rc_err_t rc_frame_reader_next(rc_frame_reader_t *r, const uint8_t **msg, size_t *len);
/* Bytes buffered but not yet returned as frames. */
size_t rc_frame_reader_pending(const rc_frame_reader_t *r);

/* Appends the 4-byte prefix and msg to out. RC_ETOOBIG above RC_FRAME_MAX. */
rc_err_t rc_frame_append(rc_buf_t *out, const void *msg, size_t len);

/* Blocking: writes one frame to fd (retrying short writes and EINTR). RC_EIO
 * on a write error (errno set), RC_ETOOBIG above RC_FRAME_MAX. */
rc_err_t rc_frame_write_fd(int fd, const void *msg, size_t len);
/* Blocking: writes every byte of out (frames built with rc_frame_append) to fd
 * in as few writes as the kernel allows, then empties out. RC_EIO as above. */
rc_err_t rc_frame_flush_fd(int fd, rc_buf_t *out);
/* Blocking: reads one frame from fd into *out (rc_free it). RC_ECLOSED on a
 * clean EOF before a frame starts, RC_EPROTO on EOF inside a frame, RC_ETOOBIG
 * on a length above RC_FRAME_MAX, RC_ENOMEM, RC_EIO (errno set). EINTR is
 * retried unless *interrupted (may be NULL) becomes non-zero. */
rc_err_t rc_frame_read_fd(int fd, uint8_t **out, size_t *len, volatile int *interrupted);

#endif
