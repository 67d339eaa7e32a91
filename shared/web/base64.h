/* base64.h — base64 encoding (RFC 4648 section 4, with '=' padding). */
#ifndef RC_BASE64_H
#define RC_BASE64_H

#include <stddef.h>

/* Encodes in[0..len) into out, which must hold 4*((len+2)/3)+1 bytes; the text is
 * NUL-terminated. Returns its length (without the NUL). */
size_t rc_base64_encode(const void *in, size_t len, char *out);

#endif
