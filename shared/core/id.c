/* id.c — 128-bit ids: random generation, hex text, hashing. */
#include "id.h"

#include <string.h>

#include "rand.h"

rc_id_t rc_id_random(void)
{
    rc_id_t id = RC_ID_NIL;
    do {
        rc_rand_bytes(id.b, sizeof(id.b));
    } while (rc_id_is_nil(&id));
    return id;
}

int rc_id_is_nil(const rc_id_t *id)
{
    static const uint8_t zero[16];
    return memcmp(id->b, zero, sizeof(zero)) == 0;
}

int rc_id_eq(const rc_id_t *a, const rc_id_t *b)
{
    return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

int rc_id_cmp(const rc_id_t *a, const rc_id_t *b)
{
    return memcmp(a->b, b->b, sizeof(a->b));
}

void rc_hex_encode(const uint8_t *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

void rc_id_to_hex(const rc_id_t *id, char out[RC_ID_HEX_LEN + 1])
{
    rc_hex_encode(id->b, sizeof(id->b), out);
}

int rc_hex_digit(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

rc_err_t rc_hex_decode(const char *s, size_t len, uint8_t *out, size_t n)
{
    if (!s || len != 2 * n) return RC_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (rc_hex_digit((unsigned char)s[2 * i]) < 0 ||
            rc_hex_digit((unsigned char)s[2 * i + 1]) < 0)
            return RC_EINVAL;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(rc_hex_digit((unsigned char)s[2 * i]) << 4 |
                           rc_hex_digit((unsigned char)s[2 * i + 1]));
    return RC_OK;
}

rc_err_t rc_id_from_hex(const char *s, size_t len, rc_id_t *out)
{
    return rc_hex_decode(s, len, out->b, sizeof(out->b));
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rc_id_hash(const rc_id_t *id)
{
    uint64_t lo, hi;
    memcpy(&lo, id->b, 8);
    memcpy(&hi, id->b + 8, 8);
    return mix64(lo ^ mix64(hi + 0x9e3779b97f4a7c15ULL));
}
