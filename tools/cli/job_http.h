/* job_http.h — HTTP requests to the dashboard's Jobs REST API (libcurl).
 *
 * One client per command: it keeps one libcurl handle, so the polls of
 * `rayc job stop` and `rayc job submit` reuse one connection. Requests time
 * out after RC_JOB_HTTP_TIMEOUT_S (connecting after RC_JOB_HTTP_CONNECT_S).
 * Proxies from the environment are not used: the dashboard is reached
 * directly, as the log tail's WebSocket is. An HTTP error status is not an
 * error of the call: the caller gets the status and the body (the dashboard's
 * text/plain explanation) and decides what to print.
 *
 * rc_job_http_escape is pure: percent-encoding of a path segment, so an id the
 * user typed cannot change the path it lands in. */
#ifndef RC_JOB_HTTP_H
#define RC_JOB_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define RC_JOB_HTTP_CONNECT_S 5
#define RC_JOB_HTTP_TIMEOUT_S 30
/* Longest response body accepted (whole job logs come back in one body). */
#define RC_JOB_HTTP_MAX_BODY (512u << 20)

typedef struct rc_job_http rc_job_http_t;

/* base_url: "http://host:port[/prefix]" without a trailing slash (copied). */
rc_job_http_t *rc_job_http_new(const char *base_url);
void rc_job_http_free(rc_job_http_t *h);

/* method "GET", "POST" or "DELETE"; path starts with '/' and is appended to the
 * base URL; json_body (may be NULL) is sent as application/json. On RC_OK
 * *status is the HTTP status and body holds the response (appended). Errors,
 * with err filled from libcurl's explanation:
 *   RC_ECONN     the dashboard cannot be reached (refused, unreachable, unknown
 *                host, no connection within the connect timeout);
 *   RC_ETIMEOUT  connected, but no complete answer within the request timeout;
 *   RC_EPROTO    what answered does not speak HTTP (e.g. the GCS port);
 *   RC_ETOOBIG   the body is larger than RC_JOB_HTTP_MAX_BODY;
 *   RC_EIO       anything else. */
rc_err_t rc_job_http_call(rc_job_http_t *h, const char *method, const char *path,
                          const char *json_body, long *status, rc_buf_t *body, char *err,
                          size_t errcap);

/* Appends what to tell a user when rc_job_http_call to the dashboard at url
 * failed with e (why: its err text): for RC_ECONN that the dashboard cannot be
 * reached and how to start one, for RC_EPROTO that the address is not a
 * dashboard's, else "METHOD PATH: why". `rayc job` and `rayc list` say the
 * same. */
void rc_job_http_explain(rc_buf_t *out, rc_err_t e, const char *url, const char *method,
                         const char *path, const char *why);

/* A libcurl write callback (CURLOPT_WRITEFUNCTION with CURLOPT_WRITEDATA = a
 * sink) that appends the response to body, at most max bytes: past that, or
 * when memory runs out, it sets too_big and makes libcurl stop with
 * CURLE_WRITE_ERROR. Also the operator's (tools/operator/kube.c). */
typedef struct {
    rc_buf_t *body;
    size_t max, got;
    int too_big;
} rc_http_sink_t;
size_t rc_http_sink_write(char *data, size_t size, size_t nmemb, void *sink);

/* Appends s percent-encoded (everything but A-Z a-z 0-9 - . _ ~). */
void rc_job_http_escape(rc_buf_t *out, const char *s);

#endif
