/* kube.c — Kubernetes API requests over libcurl (see kube.h). */
#include "kube.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "addr.h"
#include "alloc.h"
#include "clock.h"
#include "fdio.h"
#include "job_http.h" /* rc_http_sink_t */
#include "json.h"
#include "logfmt.h"
#include "rand.h"

struct rc_kube {
    CURL *curl;
    char *url; /* without a trailing '/' */
    char *sa_dir;
    char *token_path, *ca_path;
    char *ns; /* NULL when the namespace file is absent */
    int https;
    int need_token; /* a token file is required (not for http:// through kubectl proxy) */
    rc_backoff_t backoff;
    int64_t budget_ms;
    rc_kube_sleep_fn sleep;
    void *sleep_arg;
    /* per request */
    rc_http_sink_t sink;
    int64_t retry_after_ms;
    char errbuf[CURL_ERROR_SIZE];
};

/* Reads a small file whole, trimmed of surrounding white space; NULL on error
 * (errno EFBIG when it holds more than max bytes). */
static char *read_trimmed(const char *path, size_t max)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_err_t e = rc_read_file(path, 0, max, &b);
    if (e != RC_OK) {
        if (e == RC_ETOOBIG) errno = EFBIG;
        rc_buf_free(&b);
        return NULL;
    }
    size_t s = 0, end = b.len;
    while (s < end && isspace((unsigned char)b.data[s])) s++;
    while (end > s && isspace((unsigned char)b.data[end - 1])) end--;
    char *out = rc_strndup(b.data ? b.data + s : "", end - s);
    rc_buf_free(&b);
    return out;
}

static char *join_path(const char *dir, const char *file)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_buf_printf(&b, "%s/%s", dir, file);
    return rc_buf_detach(&b, NULL);
}

void rc_kube_free(rc_kube_t *k)
{
    if (!k) return;
    if (k->curl) curl_easy_cleanup(k->curl);
    rc_free(k->url);
    rc_free(k->sa_dir);
    rc_free(k->token_path);
    rc_free(k->ca_path);
    rc_free(k->ns);
    rc_free(k);
}

rc_err_t rc_kube_new(const char *api_url, const char *sa_dir, rc_kube_t **out, char *err,
                     size_t errcap)
{
    static int global_done;
    rc_err_t e = RC_EINVAL;
    *out = NULL;
    if (!global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(err, errcap, "libcurl failed to initialise");
            return RC_EINTERNAL;
        }
        global_done = 1;
    }
    rc_kube_t *k = rc_calloc(1, sizeof(*k));
    rc_backoff_t def = RC_BACKOFF_DEFAULT;
    k->backoff = def;
    k->budget_ms = 60000;
    k->sa_dir = rc_strdup(sa_dir && *sa_dir ? sa_dir : RC_KUBE_SA_DIR);
    k->token_path = join_path(k->sa_dir, "token");
    k->ca_path = join_path(k->sa_dir, "ca.crt");

    if (api_url && *api_url) {
        size_t n = strlen(api_url);
        while (n && api_url[n - 1] == '/') n--;
        k->url = rc_strndup(api_url, n);
    } else {
        const char *host = getenv("KUBERNETES_SERVICE_HOST");
        const char *port = getenv("KUBERNETES_SERVICE_PORT");
        int64_t p = 443;
        if (!host || !*host) {
            snprintf(err, errcap,
                     "KUBERNETES_SERVICE_HOST is not set: not running in a Kubernetes pod? pass "
                     "--kube-api URL (e.g. http://127.0.0.1:8001 with kubectl proxy)");
            goto fail;
        }
        if (port && *port &&
            (rc_str_to_i64(port, strlen(port), &p) != RC_OK || p < 1 || p > 65535)) {
            snprintf(err, errcap, "KUBERNETES_SERVICE_PORT '%.20s' is not a port", port);
            goto fail;
        }
        char url[400];
        rc_addr_join("https://", host, (int)p, url, sizeof(url));
        k->url = rc_strdup(url);
    }
    if (strncasecmp(k->url, "https://", 8) == 0)
        k->https = 1;
    else if (strncasecmp(k->url, "http://", 7) != 0 || strlen(k->url) <= 7) {
        snprintf(err, errcap, "--kube-api '%.200s' must be an http:// or https:// URL", k->url);
        goto fail;
    }
    /* Plain http is what kubectl proxy serves; it adds the credentials itself. */
    k->need_token = k->https;
    char *probe = read_trimmed(k->token_path, 1 << 20);
    if (!probe && k->need_token) {
        snprintf(err, errcap,
                 "cannot read the service account token %s: %s (is a ServiceAccount token "
                 "mounted? automountServiceAccountToken must not be false; or pass --sa-dir DIR)",
                 k->token_path, strerror(errno));
        e = RC_EIO;
        goto fail;
    }
    if (probe && !*probe && k->need_token) {
        snprintf(err, errcap, "the service account token %s is empty", k->token_path);
        rc_free(probe);
        e = RC_EIO;
        goto fail;
    }
    rc_free(probe);
    if (k->https) {
        FILE *f = fopen(k->ca_path, "r");
        if (!f) {
            snprintf(err, errcap,
                     "cannot read the cluster CA certificate %s: %s (it comes with the "
                     "ServiceAccount token; or pass --sa-dir DIR)",
                     k->ca_path, strerror(errno));
            e = RC_EIO;
            goto fail;
        }
        fclose(f);
    }
    char *ns_path = join_path(k->sa_dir, "namespace");
    k->ns = read_trimmed(ns_path, 256);
    rc_free(ns_path);
    if (k->ns && !*k->ns) {
        rc_free(k->ns);
        k->ns = NULL;
    }
    k->curl = curl_easy_init();
    if (!k->curl) {
        snprintf(err, errcap, "libcurl could not create a handle");
        e = RC_EINTERNAL;
        goto fail;
    }
    *out = k;
    return RC_OK;
fail:
    rc_kube_free(k);
    return e;
}

const char *rc_kube_url(const rc_kube_t *k)
{
    return k->url;
}

const char *rc_kube_sa_namespace(const rc_kube_t *k)
{
    return k->ns;
}

void rc_kube_set_sleep(rc_kube_t *k, rc_kube_sleep_fn fn, void *arg)
{
    k->sleep = fn;
    k->sleep_arg = arg;
}

void rc_kube_set_backoff(rc_kube_t *k, const rc_backoff_t *b)
{
    k->backoff = *b;
}

void rc_kube_budget_reset(rc_kube_t *k, int64_t budget_ms)
{
    k->budget_ms = budget_ms;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    rc_kube_t *k = arg;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
        char v[128];
        size_t vl = len - (sizeof(name) - 1);
        if (vl >= sizeof(v)) vl = sizeof(v) - 1;
        memcpy(v, p + sizeof(name) - 1, vl);
        v[vl] = '\0';
        k->retry_after_ms = rc_backoff_retry_after(v, rc_clock_wall_ms());
    }
    return len;
}

/* One attempt. RC_OK with *status when an HTTP answer came. */
static rc_err_t attempt(rc_kube_t *k, const char *method, const char *path,
                        const char *content_type, const char *body, rc_kube_resp_t *resp, char *err,
                        size_t errcap)
{
    CURL *c = k->curl;
    struct curl_slist *hdrs = NULL;
    rc_buf_t url = RC_BUF_INIT, line = RC_BUF_INIT;
    rc_err_t e = RC_OK;
    char *token = read_trimmed(k->token_path, 1 << 20);
    if (!token && k->need_token) {
        snprintf(err, errcap, "cannot read the service account token %s: %s", k->token_path,
                 strerror(errno));
        return RC_EIO;
    }
    curl_easy_reset(c);
    rc_buf_printf(&url, "%s%s", k->url, path);
    curl_easy_setopt(c, CURLOPT_URL, url.data);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)RC_KUBE_CONNECT_MS);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)RC_KUBE_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, k->errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, rc_http_sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &k->sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, k);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "rayc-operator");
    if (k->https) curl_easy_setopt(c, CURLOPT_CAINFO, k->ca_path);
    if (strcmp(method, "GET") != 0) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    if (body) {
        rc_buf_printf(&line, "Content-Type: %s", content_type ? content_type : "application/json");
        hdrs = curl_slist_append(hdrs, line.data);
    }
    if (token && *token) {
        rc_buf_clear(&line);
        rc_buf_printf(&line, "Authorization: Bearer %s", token);
        hdrs = curl_slist_append(hdrs, line.data);
        explicit_bzero(line.data, line.len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    rc_buf_clear(&resp->body);
    k->sink = (rc_http_sink_t){&resp->body, RC_KUBE_MAX_BODY, 0, 0};
    k->retry_after_ms = -1;
    k->errbuf[0] = '\0';
    CURLcode cc = curl_easy_perform(c);
    resp->status = 0;
    if (cc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    } else {
        const char *why = k->errbuf[0] ? k->errbuf : curl_easy_strerror(cc);
        switch (cc) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING: e = RC_ECONN; break;
        case CURLE_OPERATION_TIMEDOUT: e = RC_ETIMEOUT; break;
        case CURLE_WRITE_ERROR: e = k->sink.too_big ? RC_ETOOBIG : RC_EIO; break;
        default: e = RC_EIO;
        }
        if (e == RC_ETOOBIG)
            snprintf(err, errcap, "%s %s: the answer is larger than %u MiB", method, path,
                     RC_KUBE_MAX_BODY >> 20);
        else if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
                 cc == CURLE_SSL_CONNECT_ERROR)
            snprintf(err, errcap, "%s %s: TLS with %s failed: %s (is %s the cluster's CA?)", method,
                     path, k->url, why, k->ca_path);
        else
            snprintf(err, errcap, "%s %s: cannot reach the API server %s: %s", method, path, k->url,
                     why);
    }
    curl_slist_free_all(hdrs);
    if (token) {
        explicit_bzero(token, strlen(token));
        rc_free(token);
    }
    rc_buf_free(&url);
    rc_buf_free(&line);
    return e;
}

rc_err_t rc_kube_call(rc_kube_t *k, const char *method, const char *path, const char *content_type,
                      const char *body, rc_kube_resp_t *resp, char *err, size_t errcap)
{
    int reauth = 0;
    rc_err_t e = RC_OK;
    resp->attempts = 0;
    for (int retry = 0;; retry++) {
        resp->attempts++;
        e = attempt(k, method, path, content_type, body, resp, err, errcap);
        int again = 0;
        if (e == RC_ECONN || e == RC_ETIMEOUT || (e == RC_EIO && resp->status == 0))
            again = e != RC_EIO || strstr(err, "token") == NULL;
        else if (e == RC_OK && rc_backoff_retryable(resp->status))
            again = 1;
        else if (e == RC_OK && resp->status == 401 && !reauth && k->need_token) {
            /* A rotated token: the next attempt reads the file again. */
            reauth = again = 1;
        }
        if (!again || resp->attempts >= k->backoff.max_attempts) break;
        int64_t delay = rc_backoff_delay(
            &k->backoff, retry, resp->status == 429 ? k->retry_after_ms : -1, rc_rand_double());
        if (resp->status == 401) delay = 0;
        if (delay > k->budget_ms) {
            rc_logfmt_t l;
            rc_logfmt_begin(&l, "warn", "api-retry");
            rc_logfmt_str(&l, "method", method);
            rc_logfmt_str(&l, "path", path);
            rc_logfmt_int(&l, "status", resp->status);
            rc_logfmt_int(&l, "attempt", resp->attempts);
            rc_logfmt_str(&l, "reason", "the pass's retry budget is spent: giving up");
            rc_logfmt_end(&l);
            break;
        }
        k->budget_ms -= delay;
        rc_logfmt_t l;
        rc_logfmt_begin(&l, "warn", "api-retry");
        rc_logfmt_str(&l, "method", method);
        rc_logfmt_str(&l, "path", path);
        rc_logfmt_int(&l, "status", resp->status);
        rc_logfmt_int(&l, "attempt", resp->attempts);
        rc_logfmt_int(&l, "delay_ms", delay);
        if (e != RC_OK) rc_logfmt_str(&l, "reason", err);
        rc_logfmt_end(&l);
        if (delay > 0 && k->sleep) k->sleep(k->sleep_arg, delay);
    }
    return e;
}

rc_err_t rc_kube_call_once(rc_kube_t *k, const char *method, const char *path,
                           const char *content_type, const char *body, rc_kube_resp_t *resp,
                           char *err, size_t errcap)
{
    resp->attempts = 1;
    return attempt(k, method, path, content_type, body, resp, err, errcap);
}

void rc_kube_explain(long status, const rc_buf_t *body, rc_buf_t *out)
{
    rc_json_t *root = NULL;
    const char *msg = NULL;
    rc_buf_printf(out, "%ld", status);
    const char *text = status == 400   ? "Bad Request"
                       : status == 401 ? "Unauthorized"
                       : status == 403 ? "Forbidden"
                       : status == 404 ? "Not Found"
                       : status == 409 ? "Conflict"
                       : status == 422 ? "Unprocessable Entity"
                       : status == 429 ? "Too Many Requests"
                       : status >= 500 ? "Server Error"
                                       : NULL;
    if (text) rc_buf_printf(out, " %s", text);
    if (body && body->len && rc_json_parse(body->data, body->len, &root, NULL, 0) == RC_OK)
        msg = rc_json_str(rc_json_get(root, "message"), NULL);
    if (msg && *msg)
        rc_buf_printf(out, ": %.300s", msg);
    else if (body && body->len)
        rc_buf_printf(out, ": %.200s", body->data);
    if (status == 401)
        rc_buf_append_str(out, " (the service account token was refused)");
    else if (status == 403)
        rc_buf_append_str(out, " (the operator's RBAC lacks this permission: see "
                               "tools/operator/README.md)");
    rc_json_free(root);
}
