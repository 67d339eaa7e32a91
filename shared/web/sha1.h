/* sha1.h — SHA-1 (FIPS 180-4), only for the WebSocket handshake (RFC 6455 4.2.2),
 * where the protocol fixes the hash. Not for anything that needs security. */
#ifndef RC_SHA1_H
#define RC_SHA1_H

#include <stddef.h>
#include <stdint.h>

/* Writes the 20-byte digest of data[0..len) to out. */
void rc_sha1(const void *data, size_t len, uint8_t out[20]);

#endif
