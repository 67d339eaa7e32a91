/* json.h — a small strict JSON (RFC 8259) reader and writer.
 *
 * Reader: rc_json_parse builds a tree (rc_json_t) from text. It is strict:
 * exactly one value, optional whitespace around it, nothing after it; no
 * comments, no trailing commas, no NaN/Infinity, no single quotes; strings must
 * be valid UTF-8 and their \u escapes must not leave lone surrogates; nesting
 * is limited to RC_JSON_MAX_DEPTH, so hostile input cannot exhaust the stack.
 * Errors come back as text that says where and what, e.g.
 *   "line 1, column 8: expected ':' after object key"
 * Memory for the tree is requested with the rc_try_* allocator (documents come
 * from peers), so a huge document yields RC_ENOMEM, not an abort.
 *
 * The tree owns all its strings; every value, string and key is valid until
 * rc_json_free(root). Objects keep their members in document order; when a key
 * appears twice, rc_json_get returns the last one (what most parsers do).
 * Accessors are NULL-safe and type-safe: asking a string for its length or an
 * array for a key returns 0/NULL rather than crashing, so callers can probe
 * untrusted documents without checking every type first.
 *
 * Writer: rc_json_write_str appends one quoted string; rc_jw_t is a builder
 * that tracks commas and nesting so callers only say what to write. Output is
 * always valid JSON: invalid UTF-8 is replaced by U+FFFD and non-finite
 * numbers are written as null. */
#ifndef RC_JSON_H
#define RC_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define RC_JSON_MAX_DEPTH 64

typedef enum {
    RC_JSON_NULL,
    RC_JSON_BOOL,
    RC_JSON_NUMBER,
    RC_JSON_STRING,
    RC_JSON_ARRAY,
    RC_JSON_OBJECT
} rc_json_type_t;

typedef struct rc_json rc_json_t;

/* Parses text[0..len) (need not be NUL-terminated). On success *out is the root,
 * to free with rc_json_free. On failure *out is NULL, err (if errcap > 0) holds
 * the message, and the result is RC_ESYNTAX (grammar, encoding), RC_ERANGE (a
 * number too large for a double), RC_ETOOBIG (nesting) or RC_ENOMEM. */
rc_err_t rc_json_parse(const char *text, size_t len, rc_json_t **out, char *err, size_t errcap);
/* Frees a root returned by rc_json_parse (and everything under it); NULL is a no-op. */
void rc_json_free(rc_json_t *root);

/* "null", "bool", "number", "string", "array", "object" — for error messages. */
const char *rc_json_type_name(rc_json_type_t t);
/* The type of v; RC_JSON_NULL for a NULL pointer. */
rc_json_type_t rc_json_type(const rc_json_t *v);
/* Object member by key (the last one when repeated); NULL if v is not an object
 * or has no such key. rc_json_getn takes a key that may contain NUL. */
const rc_json_t *rc_json_get(const rc_json_t *v, const char *key);
const rc_json_t *rc_json_getn(const rc_json_t *v, const char *key, size_t klen);
/* Number of elements (array) or members (object); 0 for anything else. */
size_t rc_json_len(const rc_json_t *v);
/* Array element i; NULL if out of range or not an array. */
const rc_json_t *rc_json_at(const rc_json_t *v, size_t i);
/* Object member i in document order (NUL-terminated key; klen may be NULL). */
const char *rc_json_key_at(const rc_json_t *v, size_t i, size_t *klen);
const rc_json_t *rc_json_value_at(const rc_json_t *v, size_t i);
/* String contents (NUL-terminated, but may contain NUL: use len); NULL if not a string. */
const char *rc_json_str(const rc_json_t *v, size_t *len);
/* The number as a double; 0 if not a number. */
double rc_json_num(const rc_json_t *v);
/* 1 and *out set when v is a number with an exact int64 value: integer text
 * that fits ("42", "-0"), or a double that is integral and in range ("2.0",
 * "1e3"); 0 otherwise. */
int rc_json_int(const rc_json_t *v, int64_t *out);
/* 1 when the number was written as an integer that fits int64 (no '.', no exponent). */
int rc_json_is_int(const rc_json_t *v);
/* 1 for true, 0 for false and for anything that is not a boolean. */
int rc_json_bool(const rc_json_t *v);

/* Length of the valid UTF-8 sequence at s[0..n) (1..4), or 0 when the bytes
 * there are not one (overlong forms, surrogates, values above U+10FFFF,
 * truncation). n must be at least 1. */
size_t rc_utf8_seq_len(const unsigned char *s, size_t n);

/* Appends s[0..len) as a JSON string: quotes, escapes for '"', '\\' and control
 * characters, U+FFFD for each byte that is not part of valid UTF-8. */
void rc_json_write_str(rc_buf_t *out, const char *s, size_t len);

/* The builder. Use: rc_jw_init(&w, &buf); rc_jw_obj_begin(&w); rc_jw_key(&w,
 * "a"); rc_jw_int(&w, 1); rc_jw_obj_end(&w). Inside an object every value must
 * be preceded by a key; misuse is a programming error (RC_ASSERT). */
#define RC_JW_MAX_DEPTH 64
typedef struct {
    rc_buf_t *out;
    unsigned depth;
    uint64_t is_obj;    /* bit d: level d is an object */
    uint64_t has_items; /* bit d: level d already has an element (comma needed) */
    int after_key;      /* a key was written; its value comes next */
    int complete;       /* the top-level value has been written */
} rc_jw_t;

void rc_jw_init(rc_jw_t *w, rc_buf_t *out);
void rc_jw_obj_begin(rc_jw_t *w);
void rc_jw_obj_end(rc_jw_t *w);
void rc_jw_arr_begin(rc_jw_t *w);
void rc_jw_arr_end(rc_jw_t *w);
void rc_jw_key(rc_jw_t *w, const char *key);
void rc_jw_keyn(rc_jw_t *w, const char *key, size_t len);
void rc_jw_str(rc_jw_t *w, const char *s); /* NULL writes null */
void rc_jw_strn(rc_jw_t *w, const char *s, size_t len);
void rc_jw_int(rc_jw_t *w, int64_t v);
void rc_jw_uint(rc_jw_t *w, uint64_t v);
/* Shortest text that reads back as the same double; integral values have no
 * ".0"; NaN and infinities are written as null. */
void rc_jw_double(rc_jw_t *w, double v);
void rc_jw_bool(rc_jw_t *w, int v);
void rc_jw_null(rc_jw_t *w);
/* Pre-encoded JSON text written as one value (the caller vouches for it). */
void rc_jw_raw(rc_jw_t *w, const char *json, size_t len);
/* Writes a parsed tree (for re-encoding, filtering, tests). */
void rc_jw_value(rc_jw_t *w, const rc_json_t *v);
/* 1 when every opened array/object was closed and a complete value was written. */
int rc_jw_done(const rc_jw_t *w);

/* Writes the shortest round-trip text of a finite double into out (>= 32 bytes);
 * returns its length. */
size_t rc_json_format_double(double v, char *out);

#endif
