/* frame.c — length-prefixed frames (see frame.h). */
#include "frame.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "fdio.h"

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void rc_frame_reader_init(rc_frame_reader_t *r)
{
    memset(r, 0, sizeof(*r));
    rc_buf_init(&r->buf);
}

void rc_frame_reader_free(rc_frame_reader_t *r)
{
    rc_buf_free(&r->buf);
    r->pos = 0;
}

rc_err_t rc_frame_reader_feed(rc_frame_reader_t *r, const void *data, size_t len)
{
    /* Consumed frames are dropped only here, so pointers from _next stay valid
     * until the next feed. */
    if (r->pos) {
        rc_buf_consume(&r->buf, r->pos);
        r->pos = 0;
    }
    if (len == 0) return RC_OK;
    if (rc_buf_reserve_try(&r->buf, len) != RC_OK) return RC_ENOMEM;
    rc_buf_append(&r->buf, data, len);
    return RC_OK;
}

rc_err_t rc_frame_reader_next(rc_frame_reader_t *r, const uint8_t **msg, size_t *len)
{
    if (r->broken) return RC_ETOOBIG;
    size_t avail = r->buf.len - r->pos;
    if (avail < 4) return RC_EAGAIN;
    const uint8_t *p = (const uint8_t *)r->buf.data + r->pos;
    uint32_t n = get_le32(p);
    if (n > RC_FRAME_MAX) {
        r->broken = 1;
        r->bad = n;
        return RC_ETOOBIG;
    }
    if (avail - 4 < n) return RC_EAGAIN;
    *msg = p + 4;
    *len = n;
    r->pos += 4 + (size_t)n;
    return RC_OK;
}

size_t rc_frame_reader_pending(const rc_frame_reader_t *r)
{
    return r->buf.len - r->pos;
}

rc_err_t rc_frame_append(rc_buf_t *out, const void *msg, size_t len)
{
    if (len > RC_FRAME_MAX) return RC_ETOOBIG;
    uint8_t hdr[4];
    put_le32(hdr, (uint32_t)len);
    rc_buf_append(out, hdr, 4);
    if (len) rc_buf_append(out, msg, len);
    return RC_OK;
}

rc_err_t rc_frame_write_fd(int fd, const void *msg, size_t len)
{
    if (len > RC_FRAME_MAX) return RC_ETOOBIG;
    uint8_t hdr[4];
    put_le32(hdr, (uint32_t)len);
    rc_err_t rc = rc_write_all(fd, hdr, 4);
    if (rc == RC_OK && len) rc = rc_write_all(fd, msg, len);
    return rc;
}

/* Reads exactly n bytes. *got says how many arrived before EOF. */
static rc_err_t read_all(int fd, uint8_t *p, size_t n, size_t *got, volatile int *interrupted)
{
    *got = 0;
    while (*got < n) {
        ssize_t r = read(fd, p + *got, n - *got);
        if (r < 0) {
            if (errno == EINTR && !(interrupted && *interrupted)) continue;
            return RC_EIO;
        }
        if (r == 0) return RC_ECLOSED;
        *got += (size_t)r;
    }
    return RC_OK;
}

rc_err_t rc_frame_read_fd(int fd, uint8_t **out, size_t *len, volatile int *interrupted)
{
    uint8_t hdr[4];
    size_t got;
    *out = NULL;
    *len = 0;
    rc_err_t rc = read_all(fd, hdr, 4, &got, interrupted);
    if (rc == RC_ECLOSED) return got == 0 ? RC_ECLOSED : RC_EPROTO;
    if (rc != RC_OK) return rc;
    uint32_t n = get_le32(hdr);
    if (n > RC_FRAME_MAX) return RC_ETOOBIG;
    uint8_t *buf = rc_try_malloc(n ? n : 1);
    if (!buf) return RC_ENOMEM;
    rc = read_all(fd, buf, n, &got, interrupted);
    if (rc != RC_OK) {
        rc_free(buf);
        return rc == RC_ECLOSED ? RC_EPROTO : rc;
    }
    *out = buf;
    *len = n;
    return RC_OK;
}

rc_err_t rc_frame_flush_fd(int fd, rc_buf_t *out)
{
    rc_err_t rc = out->len ? rc_write_all(fd, (const uint8_t *)out->data, out->len) : RC_OK;
    rc_buf_clear(out);
    return rc;
}
