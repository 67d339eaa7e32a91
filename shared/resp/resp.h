/* resp.h — the RESP2 codec (the Redis protocol).
 *
 * Parsing is pure and incremental: bytes in, commands or replies out. Neither
 * parser owns the input: the caller keeps unconsumed bytes at the front of its
 * buffer, appends what arrives, and calls again with the whole unconsumed span.
 * The parser remembers how far it got, so a large bulk arriving in pieces is not
 * rescanned. Nothing is read past `len`; bulk lengths above `max_bulk` (default
 * 512 MiB) and element counts above `max_elems` are protocol errors.
 *
 * Writing appends replies to one rc_buf_t (a connection's output buffer), which
 * is flushed once per loop turn by the server. */
#ifndef RC_RESP_H
#define RC_RESP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define RC_RESP_DEFAULT_MAX_BULK  ((size_t)512 * 1024 * 1024)
#define RC_RESP_DEFAULT_MAX_ELEMS ((size_t)1024 * 1024)
#define RC_RESP_MAX_INLINE        ((size_t)64 * 1024) /* Redis's PROTO_INLINE_MAX_SIZE */
#define RC_RESP_MAX_DEPTH         32                  /* nesting of reply arrays */

/* ---- requests (server side) ---------------------------------------------- */

/* One argument of a parsed command: a byte range of the caller's buffer. */
typedef struct {
    size_t off; /* from the start of the buffer given to rc_resp_parse_command */
    size_t len;
} rc_resp_arg_t;

typedef struct rc_resp_cmd_parser rc_resp_cmd_parser_t;

rc_resp_cmd_parser_t *rc_resp_cmd_parser_new(size_t max_bulk, size_t max_elems);
void rc_resp_cmd_parser_free(rc_resp_cmd_parser_t *p);
/* Forget any partial progress (after the caller dropped its buffer). */
void rc_resp_cmd_parser_reset(rc_resp_cmd_parser_t *p);

/* Parses one command from buf[0..len).
 *  RC_OK:     a whole command; *consumed = its length in bytes; *argv and *argc
 *             describe its arguments as ranges of buf, valid until the next call.
 *             A multibulk of zero elements or an empty inline line is consumed
 *             with *argc == 0 (Redis ignores them); the caller skips it.
 *             Inline commands (a line not starting with '*') are split on
 *             spaces and tabs, with "double" (C escapes, \xHH) and 'single'
 *             quotes as redis-cli writes them; an inline argument that is
 *             unquoted points into buf, a quoted one into the parser's own
 *             scratch (then off is relative to rc_resp_cmd_parser_scratch(p)
 *             and the arg has RC_RESP_ARG_SCRATCH set in the high bit of off).
 *  RC_EAGAIN: incomplete; call again with the same bytes plus more.
 *  RC_EPROTO: malformed; rc_resp_cmd_parser_error(p) gives Redis's text without
 *             the "-ERR " prefix, e.g. "Protocol error: invalid bulk length".
 *             The connection should answer it and close. */
rc_err_t rc_resp_parse_command(rc_resp_cmd_parser_t *p, const char *buf, size_t len,
                               size_t *consumed, const rc_resp_arg_t **argv, size_t *argc);
const char *rc_resp_cmd_parser_error(const rc_resp_cmd_parser_t *p);

#define RC_RESP_ARG_SCRATCH ((size_t)1 << (sizeof(size_t) * 8 - 1))
const char *rc_resp_cmd_parser_scratch(const rc_resp_cmd_parser_t *p);
/* The bytes of argument a: in buf, or in the parser's scratch for quoted inline args. */
static inline const char *rc_resp_arg_ptr(const rc_resp_cmd_parser_t *p, const char *buf,
                                          const rc_resp_arg_t *a)
{
    if (a->off & RC_RESP_ARG_SCRATCH)
        return rc_resp_cmd_parser_scratch(p) + (a->off & ~RC_RESP_ARG_SCRATCH);
    return buf + a->off;
}

/* ---- replies (client side) ----------------------------------------------- */

typedef enum {
    RC_RESP_STATUS,  /* +OK */
    RC_RESP_ERROR,   /* -ERR ... */
    RC_RESP_INTEGER, /* :42 */
    RC_RESP_BULK,    /* $3\r\nfoo */
    RC_RESP_NIL,     /* $-1 or *-1 */
    RC_RESP_ARRAY    /* *N ... */
} rc_resp_type_t;

typedef struct rc_resp_reply {
    rc_resp_type_t type;
    int64_t integer;              /* RC_RESP_INTEGER */
    char *str;                    /* STATUS/ERROR/BULK: owned, NUL-terminated */
    size_t len;                   /* length of str */
    struct rc_resp_reply **elems; /* ARRAY: owned */
    size_t nelems;
} rc_resp_reply_t;

typedef struct rc_resp_reply_parser rc_resp_reply_parser_t;

rc_resp_reply_parser_t *rc_resp_reply_parser_new(size_t max_bulk, size_t max_elems);
void rc_resp_reply_parser_free(rc_resp_reply_parser_t *p);
/* Parses one reply from buf[0..len). RC_OK: *out is a new tree (free with
 * rc_resp_reply_free), *consumed its length. RC_EAGAIN: incomplete, call again
 * with the same bytes plus more (progress is kept). RC_EPROTO: malformed, see
 * rc_resp_reply_parser_error. Nesting deeper than RC_RESP_MAX_DEPTH is an error. */
rc_err_t rc_resp_parse_reply(rc_resp_reply_parser_t *p, const char *buf, size_t len,
                             size_t *consumed, rc_resp_reply_t **out);
const char *rc_resp_reply_parser_error(const rc_resp_reply_parser_t *p);
void rc_resp_reply_free(rc_resp_reply_t *r);

/* ---- writer ---------------------------------------------------------------- */

void rc_resp_write_status(rc_buf_t *out, const char *s); /* +s\r\n */
void rc_resp_write_error(rc_buf_t *out,
                         const char *s); /* -s\r\n (s has its prefix, e.g. "ERR ...") */
void rc_resp_write_errorf(rc_buf_t *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rc_resp_write_int(rc_buf_t *out, int64_t v);                     /* :v\r\n */
void rc_resp_write_bulk(rc_buf_t *out, const void *data, size_t len); /* $len\r\n...\r\n */
void rc_resp_write_bulk_str(rc_buf_t *out, const char *s);
void rc_resp_write_bulk_i64(rc_buf_t *out, int64_t v);
void rc_resp_write_nil(rc_buf_t *out);             /* $-1\r\n */
void rc_resp_write_nil_array(rc_buf_t *out);       /* *-1\r\n */
void rc_resp_write_array(rc_buf_t *out, size_t n); /* *n\r\n */
/* Common replies as static strings, appended with one memcpy. */
void rc_resp_write_ok(rc_buf_t *out); /* +OK\r\n */
/* Encodes a whole command (what a client sends): *argc then each arg as a bulk. */
void rc_resp_write_command(rc_buf_t *out, size_t argc, const char *const *argv, const size_t *lens);

#endif
