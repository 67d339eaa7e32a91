/* blob.h — deterministic test bytes and a fast digest, shared by the test
 * task library (its blob and digest tasks, tasks.c) and the test programs
 * that check what those tasks return. Header-only (static inline): the task
 * library and each test program get their own copy, so both sides compute
 * the same bytes without linking anything.
 *
 * A blob of (size, seed): size bytes where the 8-byte little-endian word i is
 * rc_blob_splitmix64(seed + i), the last partial word truncated.
 * The digest: a 64-bit word-wise multiply-xor hash of any bytes, tail bytes
 * and length included; not cryptographic, just fast (several GB/s) and
 * sensitive to every byte and its position. */
#ifndef RC_TEST_BLOB_H
#define RC_TEST_BLOB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t rc_blob_splitmix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static inline void rc_blob_put_le64(uint8_t *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(p, &v, 8);
}

static inline uint64_t rc_blob_get_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* Writes the blob of (size, seed) to out[0..size). */
static inline void rc_blob_fill(void *out, uint64_t size, uint64_t seed)
{
    uint8_t *p = out;
    uint64_t words = size / 8;
    for (uint64_t i = 0; i < words; i++) rc_blob_put_le64(p + 8 * i, rc_blob_splitmix64(seed + i));
    if (size % 8) {
        uint8_t w[8];
        rc_blob_put_le64(w, rc_blob_splitmix64(seed + words));
        memcpy(p + 8 * words, w, (size_t)(size % 8));
    }
}

static inline uint64_t rc_blob_rotl(uint64_t x, int r)
{
    return x << r | x >> (64 - r);
}

/* The digest of data[0..len). */
static inline uint64_t rc_blob_digest(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t h = UINT64_C(0x243f6a8885a308d3) ^ ((uint64_t)len * UINT64_C(0x9e3779b97f4a7c15));
    size_t words = len / 8;
    for (size_t i = 0; i < words; i++) {
        uint64_t w = rc_blob_get_le64(p + 8 * i) * UINT64_C(0xff51afd7ed558ccd);
        h = rc_blob_rotl(h ^ w, 31) * UINT64_C(0xc4ceb9fe1a85ec53);
    }
    if (len % 8) {
        uint8_t w[8] = {0};
        memcpy(w, p + 8 * words, len % 8);
        h = rc_blob_rotl(h ^ (rc_blob_get_le64(w) * UINT64_C(0xff51afd7ed558ccd)), 31) *
            UINT64_C(0xc4ceb9fe1a85ec53);
    }
    /* Murmur3's finaliser: every input bit reaches every output bit. */
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    return h ^ (h >> 33);
}

#endif
