/* wire.c — hand-made protobuf wire reading and writing (see wire.h). */
#include "wire.h"

int rc_wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*p >= end) return 0;
        uint8_t c = *(*p)++;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            return 1;
        }
    }
    return 0;
}

/* Skips one field of wire type wt; 0 when malformed. For length-delimited
 * fields *ld gets the payload. */
static int skip_field(const uint8_t **p, const uint8_t *end, unsigned wt, rc_wire_slice_t *ld)
{
    uint64_t v;
    switch (wt) {
    case 0: return rc_wire_varint(p, end, &v);
    case 1:
        if (end - *p < 8) return 0;
        *p += 8;
        return 1;
    case 2:
        if (!rc_wire_varint(p, end, &v) || v > (uint64_t)(end - *p)) return 0;
        if (ld) {
            ld->p = *p;
            ld->len = (size_t)v;
        }
        *p += v;
        return 1;
    case 5:
        if (end - *p < 4) return 0;
        *p += 4;
        return 1;
    default: return 0; /* groups are not used by proto3 */
    }
}

/* Walks every field of a message; each length-delimited field numbered `field`
 * goes to out[] (at most cap; *n counts them). With cap 0 only the last one is
 * kept, in out[0]. Returns 0 on a malformed message or too many fields. */
static int walk(const void *buf, size_t len, uint32_t field, rc_wire_slice_t *out, size_t cap,
                size_t *n)
{
    const uint8_t *p = buf, *end = p + len;
    *n = 0;
    while (p < end) {
        uint64_t key;
        rc_wire_slice_t s = {0, 0};
        if (!rc_wire_varint(&p, end, &key)) return 0;
        unsigned wt = (unsigned)(key & 7);
        if (!skip_field(&p, end, wt, &s)) return 0;
        if ((key >> 3) != field || wt != 2) continue;
        if (cap == 0) {
            out[0] = s; /* protobuf: the last occurrence wins */
            *n = 1;
        } else {
            if (*n >= cap) return 0;
            out[(*n)++] = s;
        }
    }
    return 1;
}

int rc_wire_split(const void *buf, size_t len, uint32_t field, rc_wire_slice_t *out, size_t cap,
                  size_t *n)
{
    if (cap == 0) {
        rc_wire_slice_t last;
        /* No room: fine only when there is no such field. */
        return walk(buf, len, field, &last, 0, n) && *n == 0;
    }
    return walk(buf, len, field, out, cap, n);
}

int rc_wire_find(const void *buf, size_t len, uint32_t field, rc_wire_slice_t *out)
{
    size_t n;
    return walk(buf, len, field, out, 0, &n) && n == 1;
}

size_t rc_wire_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

void rc_wire_put_varint(rc_buf_t *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    rc_buf_append(b, tmp, n);
}

void rc_wire_put_ld(rc_buf_t *b, uint32_t field, size_t len)
{
    rc_wire_put_varint(b, ((uint64_t)field << 3) | 2);
    rc_wire_put_varint(b, len);
}
