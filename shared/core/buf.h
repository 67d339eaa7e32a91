/* buf.h — a growable byte buffer (the output buffer of a connection, JSON text,
 * request bodies). Appends never fail (see alloc.h); rc_buf_reserve_try is the
 * one call for sizes chosen by a peer. The bytes are kept NUL-terminated so a
 * buffer of text can be used as a C string. */
#ifndef RC_BUF_H
#define RC_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
} rc_buf_t;

#define RC_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void rc_buf_init(rc_buf_t *b);
void rc_buf_free(rc_buf_t *b);
/* Make room for n more bytes; returns a pointer to the free space. */
char *rc_buf_reserve(rc_buf_t *b, size_t n);
/* As rc_buf_reserve but returns RC_ENOMEM instead of aborting. */
rc_err_t rc_buf_reserve_try(rc_buf_t *b, size_t n);
void rc_buf_append(rc_buf_t *b, const void *data, size_t n);
void rc_buf_append_str(rc_buf_t *b, const char *s);
void rc_buf_append_char(rc_buf_t *b, char c);
void rc_buf_printf(rc_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rc_buf_vprintf(rc_buf_t *b, const char *fmt, va_list ap);
/* Appends the decimal text of v. */
void rc_buf_append_i64(rc_buf_t *b, int64_t v);
void rc_buf_append_u64(rc_buf_t *b, uint64_t v);
/* Drops the first n bytes (consumed input), moving the rest to the front. */
void rc_buf_consume(rc_buf_t *b, size_t n);
void rc_buf_clear(rc_buf_t *b);
/* Hands the bytes to the caller (to free with rc_free) and empties b. */
char *rc_buf_detach(rc_buf_t *b, size_t *len);

/* Writes the decimal text of v into out (at least 21 bytes); returns its length. */
size_t rc_i64_to_str(int64_t v, char *out);
size_t rc_u64_to_str(uint64_t v, char *out);
/* Parses all of s[0..len) as a decimal integer (optional leading '-'); rejects
 * empty strings, spaces, '+', leading zeros are allowed. RC_ERANGE on overflow. */
rc_err_t rc_str_to_i64(const char *s, size_t len, int64_t *out);
/* Parses all of s[0..len) as a finite double (strtod syntax, no spaces). */
rc_err_t rc_str_to_double(const char *s, size_t len, double *out);

#endif
