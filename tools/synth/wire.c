/* wire.c — little-endian encoding with bounds-checked reads (see wire.h). */
#include "wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

void rc_wire_put_u8(rc_buf_t *b, uint8_t v)
{
    rc_buf_append(b, &v, 1);
}

void rc_wire_put_u32(rc_buf_t *b, uint32_t v)
{
    uint8_t o[4];
    for (int i = 0; i < 4; i++) o[i] = (uint8_t)(v >> (8 * i));
    rc_buf_append(b, o, sizeof(o));
}

void rc_wire_put_u64(rc_buf_t *b, uint64_t v)
{
    uint8_t o[8];
    for (int i = 0; i < 8; i++) o[i] = (uint8_t)(v >> (8 * i));
    rc_buf_append(b, o, sizeof(o));
}

void rc_wire_put_f64(rc_buf_t *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof(u));
    rc_wire_put_u64(b, u);
}

void rc_wire_put_bytes(rc_buf_t *b, const void *p, size_t len)
{
    RC_ASSERT(len <= UINT32_MAX);
    rc_wire_put_u32(b, (uint32_t)len);
    if (len) rc_buf_append(b, p, len);
}

void rc_wire_put_str(rc_buf_t *b, const char *s)
{
    rc_wire_put_bytes(b, s, strlen(s));
}

void rc_wire_reader_init(rc_wire_reader_t *r, const void *p, size_t len)
{
    r->p = p;
    r->len = p ? len : 0;
    r->pos = 0;
    r->bad = 0;
}

const uint8_t *rc_wire_get_raw(rc_wire_reader_t *r, size_t n)
{
    if (r->bad || r->len - r->pos < n) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *q = r->p + r->pos;
    r->pos += n;
    return q;
}

uint8_t rc_wire_get_u8(rc_wire_reader_t *r)
{
    const uint8_t *q = rc_wire_get_raw(r, 1);
    return q ? q[0] : 0;
}

uint32_t rc_wire_get_u32(rc_wire_reader_t *r)
{
    const uint8_t *q = rc_wire_get_raw(r, 4);
    uint32_t v = 0;
    if (q)
        for (int i = 3; i >= 0; i--) v = (v << 8) | q[i];
    return v;
}

uint64_t rc_wire_get_u64(rc_wire_reader_t *r)
{
    const uint8_t *q = rc_wire_get_raw(r, 8);
    uint64_t v = 0;
    if (q)
        for (int i = 7; i >= 0; i--) v = (v << 8) | q[i];
    return v;
}

double rc_wire_get_f64(rc_wire_reader_t *r)
{
    uint64_t u = rc_wire_get_u64(r);
    double v;
    memcpy(&v, &u, sizeof(v));
    return v;
}

const char *rc_wire_get_bytes(rc_wire_reader_t *r, size_t *len)
{
    uint32_t n = rc_wire_get_u32(r);
    const uint8_t *q = rc_wire_get_raw(r, n);
    *len = q ? n : 0;
    return (const char *)q;
}

void rc_wire_get_str(rc_wire_reader_t *r, char *out, size_t cap)
{
    size_t n;
    const char *s = rc_wire_get_bytes(r, &n);
    if (!s || n >= cap || memchr(s, '\0', n)) {
        r->bad = 1;
        if (cap) out[0] = '\0';
        return;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

size_t rc_wire_left(const rc_wire_reader_t *r)
{
    return r->bad ? 0 : r->len - r->pos;
}

int rc_wire_ok(const rc_wire_reader_t *r)
{
    return !r->bad;
}

int rc_wire_done(const rc_wire_reader_t *r)
{
    return !r->bad && r->pos == r->len;
}

uint64_t rc_wire_fnv1a(uint64_t h, const void *p, size_t n)
{
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

rc_err_t rc_wire_bad(char *err, size_t errcap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errcap, fmt, ap);
    va_end(ap);
    return RC_EPROTO;
}
