/* addr.h — cluster addresses as users write them (Ray's forms).
 *
 *   HOST:PORT          the GCS port of a head (6379) or its client port
 *   HOST               port 6379
 *   ray://HOST[:PORT]  Ray Client form; port 10001 when absent
 *   [IPv6]:PORT        IPv6 literal
 *
 * An empty or NULL address means $RAY_ADDRESS (rc_addr_from_env). Parsing is pure. */
#ifndef RC_ADDR_H
#define RC_ADDR_H

#include <stddef.h>

#include "err.h"

#define RC_GCS_DEFAULT_PORT    6379
#define RC_CLIENT_DEFAULT_PORT 10001

typedef struct {
    char host[256];
    int port;
    int ray_client; /* written as ray://… */
} rc_addr_t;

/* Parses text; on error fills err with what was wrong and the accepted forms. */
rc_err_t rc_addr_parse(const char *text, rc_addr_t *out, char *err, size_t errcap);
/* text if non-empty, else $RAY_ADDRESS; RC_ENOTFOUND (with a message) when neither. */
rc_err_t rc_addr_resolve(const char *text, rc_addr_t *out, char *err, size_t errcap);
/* "host:port" (IPv6 in brackets) into out. */
void rc_addr_format(const rc_addr_t *a, char *out, size_t cap);
/* prefix, host and port into out, an IPv6 literal in brackets: ("http://",
 * "::1", 8265) gives "http://[::1]:8265"; prefix may be "". Returns the length
 * the full text has (as snprintf). */
int rc_addr_join(const char *prefix, const char *host, int port, char *out, size_t cap);

#endif
