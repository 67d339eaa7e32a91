/* job_http.c — libcurl requests to the Jobs REST API; see job_http.h. */
#include "job_http.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "alloc.h"
#include "job_addr.h"

struct rc_job_http {
    CURL *curl;
    char *base;
    char errbuf[CURL_ERROR_SIZE];
};

rc_job_http_t *rc_job_http_new(const char *base_url)
{
    static int curl_ready;
    if (!curl_ready) {
        /* Once per process; the CLI is single-threaded. */
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = 1;
    }
    rc_job_http_t *h = rc_calloc(1, sizeof(*h));
    h->base = rc_strdup(base_url);
    h->curl = curl_easy_init();
    return h;
}

void rc_job_http_free(rc_job_http_t *h)
{
    if (!h) return;
    if (h->curl) curl_easy_cleanup(h->curl);
    rc_free(h->base);
    rc_free(h);
}

size_t rc_http_sink_write(char *data, size_t size, size_t nmemb, void *sink)
{
    rc_http_sink_t *s = sink;
    size_t n = size * nmemb;
    if (s->got + n > s->max || rc_buf_reserve_try(s->body, n) != RC_OK) {
        s->too_big = 1;
        return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
    }
    rc_buf_append(s->body, data, n);
    s->got += n;
    return n;
}

void rc_job_http_escape(rc_buf_t *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            rc_buf_append_char(out, (char)c);
        } else {
            char pct[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc_buf_append(out, pct, 3);
        }
    }
}

void rc_job_http_explain(rc_buf_t *out, rc_err_t e, const char *url, const char *method,
                         const char *path, const char *why)
{
    if (e == RC_ECONN)
        rc_buf_printf(out,
                      "cannot reach the dashboard at %s (%s): is the head running? Start one "
                      "with `rayc start --head`, or pass --address.",
                      url, why);
    else if (e == RC_EPROTO)
        rc_buf_printf(out,
                      "the server at %s does not answer as a Ray dashboard (%s): is the address "
                      "the dashboard's (port %d)?",
                      url, why, RC_DASHBOARD_DEFAULT_PORT);
    else
        rc_buf_printf(out, "%s %s: %s", method, path, why);
}

static rc_err_t classify(CURL *curl, CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return RC_ECONN;
    case CURLE_OPERATION_TIMEDOUT: {
        /* The same code for both timeouts: no connect time means we never got in. */
        double connect_s = 0;
        curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME, &connect_s);
        return connect_s > 0 ? RC_ETIMEOUT : RC_ECONN;
    }
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_HTTP2:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING: return RC_EPROTO;
    default: return RC_EIO;
    }
}

rc_err_t rc_job_http_call(rc_job_http_t *h, const char *method, const char *path,
                          const char *json_body, long *status, rc_buf_t *body, char *err,
                          size_t errcap)
{
    CURL *c = h->curl;
    struct curl_slist *hdrs = NULL;
    rc_buf_t url = RC_BUF_INIT;
    rc_http_sink_t sink = {body, RC_JOB_HTTP_MAX_BODY, 0, 0};
    rc_err_t rc = RC_OK;
    *status = 0;
    if (!c) {
        snprintf(err, errcap, "libcurl could not be initialised");
        return RC_EIO;
    }
    rc_buf_append_str(&url, h->base);
    rc_buf_append_str(&url, path);
    curl_easy_reset(c);
    h->errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url.data);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)RC_JOB_HTTP_CONNECT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)RC_JOB_HTTP_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "rayc/" RC_VERSION);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, rc_http_sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    hdrs = curl_slist_append(hdrs, "Accept: application/json, text/plain");
    if (json_body) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(json_body));
    }
    if (strcmp(method, "GET") != 0) {
        if (!json_body && strcmp(method, "POST") == 0) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
        }
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        const char *why = h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc);
        rc = sink.too_big ? RC_ETOOBIG : classify(c, cc);
        if (rc == RC_ETOOBIG)
            snprintf(err, errcap, "the answer to %s %s is larger than %u MiB", method, path,
                     RC_JOB_HTTP_MAX_BODY >> 20);
        else
            snprintf(err, errcap, "%s", why);
        goto done;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
done:
    curl_slist_free_all(hdrs);
    rc_buf_free(&url);
    return rc;
}
