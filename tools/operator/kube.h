/* kube.h — the operator's Kubernetes API client (libcurl).
 *
 * Owns: one curl easy handle reused for every request (so the TLS connection
 * is kept), the API server URL, the service account directory and its
 * namespace. In a pod the URL is https://$KUBERNETES_SERVICE_HOST:
 * $KUBERNETES_SERVICE_PORT and the service account directory is
 * /var/run/secrets/kubernetes.io/serviceaccount (token, ca.crt, namespace);
 * both can be overridden (tests, kubectl proxy at http://127.0.0.1:8001, where
 * no token is needed). The server certificate is checked against ca.crt, and
 * the token is read again before every request because bound service
 * account tokens rotate. Proxies from the environment are not used: the API
 * server is always reached directly.
 *
 * rc_kube_call retries as backoff.h says (transport failures, 429, 5xx; a
 * 401 once, with the token re-read), each retry logged as one line
 * (msg=api-retry), within a budget of waiting per reconcile pass
 * (rc_kube_budget_reset): a pass that cannot get an answer in time gives up
 * and the next pass starts from fresh reads. Waits go through a sleep hook so
 * the health endpoint keeps answering. Belongs to one thread. */
#ifndef RC_KUBE_H
#define RC_KUBE_H

#include <stddef.h>
#include <stdint.h>

#include "backoff.h"
#include "buf.h"
#include "err.h"

#define RC_KUBE_SA_DIR     "/var/run/secrets/kubernetes.io/serviceaccount"
#define RC_KUBE_MAX_BODY   (64u << 20)
#define RC_KUBE_CONNECT_MS 5000
#define RC_KUBE_TIMEOUT_MS 30000

typedef struct rc_kube rc_kube_t;

/* Waits ms milliseconds (the operator serves /-/healthz meanwhile). */
typedef void (*rc_kube_sleep_fn)(void *arg, int64_t ms);

/* api_url: NULL for the in-cluster address; sa_dir: NULL for the standard
 * directory. Checks now what can be checked — the URL, the token and ca.crt
 * can be read — so a misconfigured pod fails at start with a message naming
 * the file. */
rc_err_t rc_kube_new(const char *api_url, const char *sa_dir, rc_kube_t **out, char *err,
                     size_t errcap);
void rc_kube_free(rc_kube_t *k);
const char *rc_kube_url(const rc_kube_t *k);
/* The service account's namespace file, trimmed; NULL when it is absent. */
const char *rc_kube_sa_namespace(const rc_kube_t *k);
void rc_kube_set_sleep(rc_kube_t *k, rc_kube_sleep_fn fn, void *arg);
void rc_kube_set_backoff(rc_kube_t *k, const rc_backoff_t *b);
/* Starts a pass: at most budget_ms of waiting between retries until the next reset. */
void rc_kube_budget_reset(rc_kube_t *k, int64_t budget_ms);

typedef struct {
    long status;   /* HTTP status of the last attempt */
    rc_buf_t body; /* its body (caller frees with rc_buf_free) */
    int attempts;
} rc_kube_resp_t;

/* One request. path starts with '/' (query included); body (may be NULL) is
 * sent with content_type. Returns RC_OK when an answer came (any status: see
 * resp->status; non-2xx are for the caller to judge), or RC_ECONN /
 * RC_ETIMEOUT / RC_EIO (TLS, token) / RC_ETOOBIG with err saying what failed,
 * after the retries. A retryable status still failing after the retries is
 * returned as RC_OK with that status. */
rc_err_t rc_kube_call(rc_kube_t *k, const char *method, const char *path, const char *content_type,
                      const char *body, rc_kube_resp_t *resp, char *err, size_t errcap);

/* One attempt, no retries (best-effort requests such as events). */
rc_err_t rc_kube_call_once(rc_kube_t *k, const char *method, const char *path,
                           const char *content_type, const char *body, rc_kube_resp_t *resp,
                           char *err, size_t errcap);

/* Appends the explanation of a non-2xx answer: "403 Forbidden: <the Status
 * message>" (the message field of a Status body, else the body's start). Pure. */
void rc_kube_explain(long status, const rc_buf_t *body, rc_buf_t *out);

#endif
