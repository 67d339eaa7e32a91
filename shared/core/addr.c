/* addr.c — parsing of cluster addresses; see addr.h. */
#include "addr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define FORMS "use HOST:PORT, HOST, or ray://HOST:PORT"

static rc_err_t bad(char *err, size_t cap, const char *text, const char *why)
{
    snprintf(err, cap, "bad address '%.200s': %s (%s)", text, why, FORMS);
    return RC_EINVAL;
}

rc_err_t rc_addr_parse(const char *text, rc_addr_t *out, char *err, size_t errcap)
{
    const char *s = text;
    memset(out, 0, sizeof(*out));
    if (!s || !*s) return bad(err, errcap, "", "it is empty");
    out->port = RC_GCS_DEFAULT_PORT;
    if (strncmp(s, "ray://", 6) == 0) {
        out->ray_client = 1;
        out->port = RC_CLIENT_DEFAULT_PORT;
        s += 6;
    } else if (strstr(s, "://")) {
        return bad(err, errcap, text, "unknown scheme");
    }
    const char *host = s, *host_end, *port = NULL;
    if (*s == '[') {
        host = s + 1;
        host_end = strchr(host, ']');
        if (!host_end) return bad(err, errcap, text, "missing ']' after an IPv6 address");
        if (host_end[1] == ':')
            port = host_end + 2;
        else if (host_end[1] != '\0' && strcmp(host_end + 1, "/") != 0)
            return bad(err, errcap, text, "unexpected text after ']'");
    } else {
        const char *colon = strchr(s, ':');
        if (colon && strchr(colon + 1, ':'))
            return bad(err, errcap, text, "IPv6 addresses must be in brackets");
        host_end = colon ? colon : s + strlen(s);
        if (colon) port = colon + 1;
    }
    size_t hlen = (size_t)(host_end - host);
    if (hlen > 0 && host[hlen - 1] == '/') hlen--; /* "ray://h/" */
    if (hlen == 0) return bad(err, errcap, text, "the host is missing");
    if (hlen >= sizeof(out->host)) return bad(err, errcap, text, "the host is too long");
    for (size_t i = 0; i < hlen; i++) {
        char ch = host[i];
        if (ch == ' ' || ch == '/' || ch == '@' || (unsigned char)ch < 0x21)
            return bad(err, errcap, text, "the host has characters a host name cannot have");
    }
    memcpy(out->host, host, hlen);
    out->host[hlen] = '\0';
    if (port) {
        size_t plen = strlen(port);
        if (plen > 0 && port[plen - 1] == '/') plen--;
        int64_t p;
        if (rc_str_to_i64(port, plen, &p) != RC_OK || p < 1 || p > 65535)
            return bad(err, errcap, text, "the port must be a number from 1 to 65535");
        out->port = (int)p;
    }
    return RC_OK;
}

rc_err_t rc_addr_resolve(const char *text, rc_addr_t *out, char *err, size_t errcap)
{
    if (text && *text) return rc_addr_parse(text, out, err, errcap);
    const char *env = getenv("RAY_ADDRESS");
    if (!env || !*env) {
        snprintf(err, errcap,
                 "no cluster address: pass --address HOST:6379 or set RAY_ADDRESS (%s)", FORMS);
        return RC_ENOTFOUND;
    }
    return rc_addr_parse(env, out, err, errcap);
}

int rc_addr_join(const char *prefix, const char *host, int port, char *out, size_t cap)
{
    int v6 = strchr(host, ':') != NULL;
    return snprintf(out, cap, "%s%s%s%s:%d", prefix, v6 ? "[" : "", host, v6 ? "]" : "", port);
}

void rc_addr_format(const rc_addr_t *a, char *out, size_t cap)
{
    rc_addr_join("", a->host, a->port, out, cap);
}
