/* wire.h — the little-endian byte format of rayc-synth's task arguments,
 * results and model file.
 *
 * Writers append to an rc_buf_t and never fail. The reader walks bytes that
 * came from another process or a file, so every read is bounds-checked: a read
 * past the end (or a length that does not fit) sets a sticky error flag and
 * returns 0 / NULL, so a decoder can read a whole record and check
 * rc_wire_ok once at the end. Byte strings are a u32 length and the bytes. */
#ifndef RC_WIRE_H
#define RC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* Bytes held elsewhere (a task argument, a mapped file). */
typedef struct {
    const void *data;
    size_t len;
} rc_blob_t;

void rc_wire_put_u8(rc_buf_t *b, uint8_t v);
void rc_wire_put_u32(rc_buf_t *b, uint32_t v);
void rc_wire_put_u64(rc_buf_t *b, uint64_t v);
void rc_wire_put_f64(rc_buf_t *b, double v);
/* A u32 length, then len bytes; len must fit in 32 bits (RC_ASSERT). */
void rc_wire_put_bytes(rc_buf_t *b, const void *p, size_t len);
void rc_wire_put_str(rc_buf_t *b, const char *s);

typedef struct {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int bad; /* a read failed: everything read since is 0 / NULL */
} rc_wire_reader_t;

void rc_wire_reader_init(rc_wire_reader_t *r, const void *p, size_t len);
uint8_t rc_wire_get_u8(rc_wire_reader_t *r);
uint32_t rc_wire_get_u32(rc_wire_reader_t *r);
uint64_t rc_wire_get_u64(rc_wire_reader_t *r);
double rc_wire_get_f64(rc_wire_reader_t *r);
/* A length-prefixed byte string: a pointer into the reader's bytes (not NUL
 * terminated) and its length in *len; NULL (and *len 0) when it does not fit. */
const char *rc_wire_get_bytes(rc_wire_reader_t *r, size_t *len);
/* A length-prefixed string copied into out[cap] with a NUL; fails (sticky) when
 * it does not fit or holds a NUL byte. */
void rc_wire_get_str(rc_wire_reader_t *r, char *out, size_t cap);
/* Advances over n raw bytes and returns a pointer to them (NULL if short). */
const uint8_t *rc_wire_get_raw(rc_wire_reader_t *r, size_t n);
/* Bytes not read yet (0 once bad). */
size_t rc_wire_left(const rc_wire_reader_t *r);
/* 1 while no read has failed. */
int rc_wire_ok(const rc_wire_reader_t *r);
/* 1 when no read failed and every byte was read. */
int rc_wire_done(const rc_wire_reader_t *r);

/* 64-bit FNV-1a of p[0..n), continuing from h (start with RC_WIRE_FNV_INIT);
 * the model file's checksum. */
#define RC_WIRE_FNV_INIT 0xcbf29ce484222325ULL
uint64_t rc_wire_fnv1a(uint64_t h, const void *p, size_t n);
/* Writes a message about malformed bytes (printf format) and returns RC_EPROTO. */
rc_err_t rc_wire_bad(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
