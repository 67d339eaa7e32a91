/* job_addr.h — the dashboard URL that `rayc job` talks to (pure).
 *
 * The Jobs REST API is served by the head's dashboard (port 8265). Users write
 * the cluster's address in any of Ray's forms, so:
 *   http://H:P/…, https://H:P/…  used as given (trailing slashes trimmed);
 *   HOST, HOST:6379, HOST:10001,
 *   ray://HOST[:PORT]            the GCS or Ray Client address of a head, so
 *                                the dashboard is assumed on http://HOST:8265;
 *   HOST:PORT (any other port)   a dashboard on that port: http://HOST:PORT;
 *   auto                         the local head, http://127.0.0.1:8265.
 * IPv6 literals are written in brackets. The address comes from --address,
 * else $RAY_ADDRESS, else http://127.0.0.1:8265. */
#ifndef RC_JOB_ADDR_H
#define RC_JOB_ADDR_H

#include <stddef.h>

#include "err.h"

#define RC_DASHBOARD_DEFAULT_PORT 8265
#define RC_DASHBOARD_DEFAULT_URL  "http://127.0.0.1:8265"

/* Writes the dashboard URL for text (a form above) into out. RC_EINVAL with err
 * filled when text is not an address; RC_ETOOBIG when out is too small. */
rc_err_t rc_job_addr_normalize(const char *text, char *out, size_t cap, char *err, size_t errcap);
/* flag (--address) if non-empty, else env ($RAY_ADDRESS) if non-empty, else
 * the default; then rc_job_addr_normalize. err names where the address came
 * from when it is bad. */
rc_err_t rc_job_addr_resolve(const char *flag, const char *env, char *out, size_t cap, char *err,
                             size_t errcap);

#endif
