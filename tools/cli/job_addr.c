/* job_addr.c — the dashboard URL from Ray's address forms; see job_addr.h. */
#include "job_addr.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"

static int has_prefix_ci(const char *s, const char *p)
{
    return strncasecmp(s, p, strlen(p)) == 0;
}

static rc_err_t put(char *out, size_t cap, const char *text, size_t len, char *err, size_t errcap)
{
    if (len >= cap) {
        snprintf(err, errcap, "address '%.200s' is too long", text);
        return RC_ETOOBIG;
    }
    memcpy(out, text, len);
    out[len] = '\0';
    return RC_OK;
}

rc_err_t rc_job_addr_normalize(const char *text, char *out, size_t cap, char *err, size_t errcap)
{
    if (!text || !*text) {
        snprintf(err, errcap, "the address is empty (use http://HOST:%d or HOST)",
                 RC_DASHBOARD_DEFAULT_PORT);
        return RC_EINVAL;
    }
    if (strcmp(text, "auto") == 0)
        return put(out, cap, RC_DASHBOARD_DEFAULT_URL, strlen(RC_DASHBOARD_DEFAULT_URL), err,
                   errcap);
    if (has_prefix_ci(text, "http://") || has_prefix_ci(text, "https://")) {
        size_t len = strlen(text);
        while (len > 0 && text[len - 1] == '/') len--;
        size_t scheme = (size_t)(strstr(text, "://") + 3 - text);
        if (len <= scheme || text[scheme] == '/' || text[scheme] == ':') {
            snprintf(err, errcap, "bad address '%.200s': the host is missing", text);
            return RC_EINVAL;
        }
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)text[i] <= 0x20 || text[i] == 0x7f) {
                snprintf(err, errcap, "bad address '%.200s': URLs cannot contain spaces", text);
                return RC_EINVAL;
            }
        return put(out, cap, text, len, err, errcap);
    }
    if (strstr(text, "://") && !has_prefix_ci(text, "ray://")) {
        snprintf(err, errcap,
                 "bad address '%.200s': unknown scheme (use http://HOST:%d, https://…, HOST:PORT "
                 "or ray://HOST)",
                 text, RC_DASHBOARD_DEFAULT_PORT);
        return RC_EINVAL;
    }
    rc_addr_t a;
    char aerr[384];
    if (rc_addr_parse(text, &a, aerr, sizeof(aerr)) != RC_OK) {
        snprintf(err, errcap, "%s, or http://HOST:%d for the dashboard", aerr,
                 RC_DASHBOARD_DEFAULT_PORT);
        return RC_EINVAL;
    }
    /* The GCS (6379) and Ray Client (10001) ports are not the dashboard's: the
     * user named the head, whose dashboard listens on 8265. */
    int port = a.port;
    if (a.ray_client || port == RC_GCS_DEFAULT_PORT || port == RC_CLIENT_DEFAULT_PORT)
        port = RC_DASHBOARD_DEFAULT_PORT;
    char url[300];
    int n = rc_addr_join("http://", a.host, port, url, sizeof(url));
    return put(out, cap, url, (size_t)n < sizeof(url) ? (size_t)n : sizeof(url), err, errcap);
}

rc_err_t rc_job_addr_resolve(const char *flag, const char *env, char *out, size_t cap, char *err,
                             size_t errcap)
{
    const char *text = RC_DASHBOARD_DEFAULT_URL, *from = NULL;
    if (flag && *flag) {
        text = flag;
        from = "--address";
    } else if (env && *env) {
        text = env;
        from = "$RAY_ADDRESS";
    }
    char why[512];
    rc_err_t e = rc_job_addr_normalize(text, out, cap, why, sizeof(why));
    if (e != RC_OK) snprintf(err, errcap, "%s%s%s", from ? from : "", from ? ": " : "", why);
    return e;
}
