/* query.h — URL query strings (application/x-www-form-urlencoded), read the
 * lenient way browsers and curl write them: '+' is a space, a malformed escape
 * or %00 is kept as written. Pure functions; the dashboard's request accessors
 * and the State API's repeated filter parameters both read queries through them. */
#ifndef RC_QUERY_H
#define RC_QUERY_H

#include <stddef.h>

/* Decodes in[0..len) into out (at most cap-1 bytes, then a NUL). */
void rc_query_decode(const char *in, size_t len, char *out, size_t cap);

/* Called for each "key=value" (or bare "key", value "") of a query, in order,
 * both decoded; returns 0 to go on, non-zero to stop (returned by rc_query_each). */
typedef int (*rc_query_fn)(void *arg, const char *key, const char *value);
/* Walks q (without the '?'); empty segments ("a=1&&b=2") are skipped. */
int rc_query_each(const char *q, rc_query_fn fn, void *arg);

#endif
