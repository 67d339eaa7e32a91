/* netutil.h — facts about this host's network, shared by rayc-head and
 * rayc-worker (their --node-ip-address default). */
#ifndef RC_NETUTIL_H
#define RC_NETUTIL_H

#include <stddef.h>

/* Writes the first non-loopback IPv4 address of this host into out, as Ray's
 * default node IP; "127.0.0.1" when there is none (or the interfaces cannot be
 * listed). cap >= 16. */
void rc_net_default_ip(char *out, size_t cap);

#endif
