/* id.h — 128-bit identifiers.
 *
 * Ray's NodeID, JobID, TaskID and ObjectID are all this one type here: 16 random
 * bytes, written as 32 lower-case hex digits on the wire, in logs and in the
 * dashboard. The all-zero id (RC_ID_NIL) means "none" and is never produced by
 * rc_id_random. A value type: copy it with `=`. */
#ifndef RC_ID_H
#define RC_ID_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct {
    uint8_t b[16];
} rc_id_t;

#define RC_ID_HEX_LEN 32
#define RC_ID_NIL     ((rc_id_t){{0}})

/* A new random id (rc_rand, per thread); never nil. */
rc_id_t rc_id_random(void);
int rc_id_is_nil(const rc_id_t *id);
int rc_id_eq(const rc_id_t *a, const rc_id_t *b);
/* memcmp order; for sorting and trees. */
int rc_id_cmp(const rc_id_t *a, const rc_id_t *b);
/* Writes 32 lower-case hex digits and a NUL. */
void rc_id_to_hex(const rc_id_t *id, char out[RC_ID_HEX_LEN + 1]);
/* Parses exactly 32 hex digits (either case) from s[0..len); anything else
 * (other lengths, spaces, "0x", signs) is RC_EINVAL and leaves *out untouched. */
rc_err_t rc_id_from_hex(const char *s, size_t len, rc_id_t *out);
/* The same for any byte string: rc_hex_encode writes 2n lower-case digits and a
 * NUL; rc_hex_decode parses exactly 2n digits (either case) from s[0..len) into
 * out[0..n), RC_EINVAL (out untouched) for anything else. Job ids (4 bytes)
 * use them too. */
void rc_hex_encode(const uint8_t *bytes, size_t n, char *out);
rc_err_t rc_hex_decode(const char *s, size_t len, uint8_t *out, size_t n);
/* The value of one hex digit (either case), -1 for any other character. */
int rc_hex_digit(int c);
/* A well-mixed 64-bit hash of all 16 bytes (ids may come from peers, so the
 * hash does not trust them to be random). */
uint64_t rc_id_hash(const rc_id_t *id);

#endif
