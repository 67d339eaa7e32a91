/* wire.h — the few protobuf wire-format operations the task plane does by hand.
 *
 * Owns nothing. protobuf-c unpacks a whole TaskSpecBatch at once, but keeps no
 * offsets; to store each TaskSpec as the bytes the client sent (no repacking)
 * and to splice stored specs and results into replies without copying them
 * twice, the plane walks the outer messages itself. Every reader here is total
 * over hostile input: it returns 0 on anything malformed. */
#ifndef RC_TASK_WIRE_H
#define RC_TASK_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct {
    const uint8_t *p;
    size_t len;
} rc_wire_slice_t;

/* Reads a varint at *p (< end); advances *p. 0 when truncated or too long. */
int rc_wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);
/* Collects the length-delimited occurrences of field `field` of the message
 * buf[0..len) into out (up to cap; *n gets the count). Other fields are skipped.
 * Returns 0 when the message is malformed or more than cap occurrences exist. */
int rc_wire_split(const void *buf, size_t len, uint32_t field, rc_wire_slice_t *out, size_t cap,
                  size_t *n);
/* Finds the last length-delimited field `field` of a message; 0 if absent. */
int rc_wire_find(const void *buf, size_t len, uint32_t field, rc_wire_slice_t *out);
/* Bytes a varint of v takes. */
size_t rc_wire_varint_len(uint64_t v);
/* Appends a varint. */
void rc_wire_put_varint(rc_buf_t *b, uint64_t v);
/* Appends the key and length of a length-delimited field. */
void rc_wire_put_ld(rc_buf_t *b, uint32_t field, size_t len);

#endif
