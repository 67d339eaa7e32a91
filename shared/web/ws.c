/* ws.c — RFC 6455 framing and the handshake key (see ws.h). */
#include "ws.h"

#include <stdio.h>
#include <string.h>

void rc_ws_accept_key(const char *client_key, char out[29])
{
    rc_buf_t b = RC_BUF_INIT;
    rc_buf_append_str(&b, client_key);
    rc_buf_append_str(&b, RC_WS_GUID);
    uint8_t digest[20];
    rc_sha1(b.data, b.len, digest);
    rc_buf_free(&b);
    rc_base64_encode(digest, sizeof digest, out);
}

void rc_ws_frame_write(rc_buf_t *out, int opcode, const void *payload, size_t len,
                       const uint8_t *mask)
{
    uint8_t hdr[RC_WS_MAX_HEADER];
    size_t n = 0;
    hdr[n++] = (uint8_t)(0x80 | (opcode & 0x0F));
    uint8_t maskbit = mask ? 0x80 : 0;
    if (len < 126) {
        hdr[n++] = (uint8_t)(maskbit | len);
    } else if (len <= 0xFFFF) {
        hdr[n++] = maskbit | 126;
        hdr[n++] = (uint8_t)(len >> 8);
        hdr[n++] = (uint8_t)len;
    } else {
        hdr[n++] = maskbit | 127;
        for (int i = 7; i >= 0; i--) hdr[n++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    if (mask) {
        memcpy(hdr + n, mask, 4);
        n += 4;
    }
    rc_buf_append(out, hdr, n);
    if (!len) return;
    uint8_t *dst = (uint8_t *)rc_buf_reserve(out, len);
    memcpy(dst, payload, len);
    if (mask)
        for (size_t i = 0; i < len; i++) dst[i] ^= mask[i & 3];
    out->len += len;
    out->data[out->len] = '\0';
}

void rc_ws_close_frame_write(rc_buf_t *out, int code, const char *reason, const uint8_t *mask)
{
    uint8_t p[RC_WS_MAX_CONTROL];
    size_t n = 0;
    if (code) {
        p[n++] = (uint8_t)(code >> 8);
        p[n++] = (uint8_t)code;
        size_t rl = reason ? strlen(reason) : 0;
        if (rl > sizeof p - n) rl = sizeof p - n;
        if (rl) memcpy(p + n, reason, rl);
        n += rl;
    }
    rc_ws_frame_write(out, RC_WS_OP_CLOSE, p, n, mask);
}

static rc_err_t fail(rc_err_t err, char *errmsg, size_t errcap, const char *msg)
{
    if (errmsg && errcap) snprintf(errmsg, errcap, "%s", msg);
    return err;
}

rc_err_t rc_ws_frame_parse(uint8_t *buf, size_t len, size_t max_payload, int expect_masked,
                           rc_ws_frame_t *f, size_t *used, char *errmsg, size_t errcap)
{
    if (len < 2) return RC_EAGAIN;
    int fin = (buf[0] & 0x80) != 0;
    int opcode = buf[0] & 0x0F;
    int masked = (buf[1] & 0x80) != 0;
    uint64_t plen = buf[1] & 0x7F;

    if (buf[0] & 0x70)
        return fail(RC_EPROTO, errmsg, errcap, "reserved bits set (no extension was agreed)");
    switch (opcode) {
    case RC_WS_OP_CONT:
    case RC_WS_OP_TEXT:
    case RC_WS_OP_BINARY:
    case RC_WS_OP_CLOSE:
    case RC_WS_OP_PING:
    case RC_WS_OP_PONG: break;
    default: return fail(RC_EPROTO, errmsg, errcap, "unknown opcode");
    }
    int control = (opcode & 0x08) != 0;
    if (control && !fin) return fail(RC_EPROTO, errmsg, errcap, "fragmented control frame");
    if (control && plen > RC_WS_MAX_CONTROL)
        return fail(RC_EPROTO, errmsg, errcap, "control frame longer than 125 bytes");
    if (expect_masked == 1 && !masked)
        return fail(RC_EPROTO, errmsg, errcap, "client frame not masked");
    if (expect_masked == 0 && masked) return fail(RC_EPROTO, errmsg, errcap, "server frame masked");

    size_t hlen = 2;
    if (plen == 126) {
        if (len < 4) return RC_EAGAIN;
        plen = (uint64_t)buf[2] << 8 | buf[3];
        hlen = 4;
    } else if (plen == 127) {
        if (len < 10) return RC_EAGAIN;
        plen = 0;
        for (int i = 0; i < 8; i++) plen = plen << 8 | buf[2 + i];
        if (plen >> 63) return fail(RC_EPROTO, errmsg, errcap, "64-bit length with top bit set");
        hlen = 10;
    }
    if (opcode == RC_WS_OP_CLOSE && plen == 1)
        return fail(RC_EPROTO, errmsg, errcap, "close frame with a 1-byte payload");
    if (plen > max_payload) return fail(RC_ETOOBIG, errmsg, errcap, "frame payload too large");
    if (masked) hlen += 4;
    if (len < hlen || len - hlen < plen) return RC_EAGAIN;

    uint8_t *payload = buf + hlen;
    if (masked) {
        const uint8_t *mask = buf + hlen - 4;
        for (size_t i = 0; i < plen; i++) payload[i] ^= mask[i & 3];
    }
    f->fin = fin;
    f->opcode = opcode;
    f->payload = payload;
    f->len = (size_t)plen;
    *used = hlen + (size_t)plen;
    return RC_OK;
}

void rc_ws_close_payload(const uint8_t *payload, size_t len, int *code, const char **reason,
                         size_t *reason_len)
{
    if (len < 2) {
        *code = 1005;
        *reason = "";
        *reason_len = 0;
        return;
    }
    *code = payload[0] << 8 | payload[1];
    *reason = (const char *)payload + 2;
    *reason_len = len - 2;
}
