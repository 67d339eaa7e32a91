/* state_client.c — GET of a State API answer; see state_client.h. */
#include "state_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fmt.h"
#include "job_addr.h"
#include "job_http.h"

#define MSG_MAX 2000 /* longest error text shown from a body that is not JSON */

/* The head's explanation: `msg` of a JSON error answer, else the body's text. */
static void answer_msg(const rc_buf_t *body, rc_buf_t *out)
{
    rc_json_t *doc = NULL;
    size_t len = 0;
    const char *msg = NULL;
    if (body->len && rc_json_parse(body->data, body->len, &doc, NULL, 0) == RC_OK)
        msg = rc_json_str(rc_json_get(doc, "msg"), &len);
    if (!msg && !doc && body->len) {
        msg = body->data;
        len = body->len < MSG_MAX ? body->len : MSG_MAX;
    }
    if (!msg) len = 0;
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r' || msg[len - 1] == ' ')) len--;
    if (len) rc_fmt_append_clean(out, msg, len);
    rc_json_free(doc);
}

int rc_state_client_get(const char *prog, const char *address, const char *path, rc_json_t **doc,
                        const rc_json_t **result)
{
    char url[512], err[600];
    rc_buf_t body = RC_BUF_INIT, msg = RC_BUF_INIT;
    rc_job_http_t *http = NULL;
    long status = 0;
    int rc = 1;
    *doc = NULL;
    *result = NULL;
    if (rc_job_addr_resolve(address, getenv("RAY_ADDRESS"), url, sizeof(url), err, sizeof(err)) !=
        RC_OK) {
        fprintf(stderr, "%s: %s\n", prog, err);
        rc = 2;
        goto done;
    }
    http = rc_job_http_new(url);
    rc_err_t e = rc_job_http_call(http, "GET", path, NULL, &status, &body, err, sizeof(err));
    if (e != RC_OK) {
        rc_job_http_explain(&msg, e, url, "GET", path, err);
        fprintf(stderr, "%s: %s\n", prog, msg.data);
        goto done;
    }
    answer_msg(&body, &msg);
    if (status == 400) {
        fprintf(stderr, "%s: %s\n", prog,
                msg.len ? msg.data : "the head refused the request as bad (HTTP 400)");
        rc = 2;
        goto done;
    }
    if (status == 404) {
        fprintf(stderr,
                "%s: the server at %s has no State API (GET %s: 404%s%s): is the address the "
                "dashboard's (port %d)?\n",
                prog, url, path, msg.len ? ", " : "", msg.len ? msg.data : "",
                RC_DASHBOARD_DEFAULT_PORT);
        goto done;
    }
    if (status < 200 || status > 299) {
        fprintf(stderr, "%s: the dashboard at %s answered HTTP %ld%s%s\n", prog, url, status,
                msg.len ? ": " : "", msg.len ? msg.data : "");
        goto done;
    }
    char perr[200];
    if (rc_json_parse(body.data ? body.data : "", body.len, doc, perr, sizeof(perr)) != RC_OK) {
        fprintf(stderr, "%s: the dashboard's answer to GET %s is not JSON: %s\n", prog, path, perr);
        goto done;
    }
    const rc_json_t *ok = rc_json_get(*doc, "result");
    *result = rc_json_get(rc_json_get(*doc, "data"), "result");
    if (rc_json_type(ok) != RC_JSON_BOOL || !rc_json_bool(ok) || !*result) {
        fprintf(stderr, "%s: the dashboard's answer to GET %s is not a State API result%s%s\n",
                prog, path, msg.len ? ": " : "", msg.len ? msg.data : "");
        rc_json_free(*doc);
        *doc = NULL;
        *result = NULL;
        goto done;
    }
    rc = 0;
done:
    rc_job_http_free(http);
    rc_buf_free(&body);
    rc_buf_free(&msg);
    return rc;
}
