/* test_support.c — the operator's small pure parts: the retry policy
 * (backoff.h), logfmt lines (logfmt.h), the health decision and its HTTP
 * answers (health.h), and the explanation of API errors (kube.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backoff.h"
#include "health.h"
#include "kube.h"
#include "logfmt.h"

static void test_backoff(void **state)
{
    (void)state;
    rc_backoff_t b = RC_BACKOFF_DEFAULT;
    /* Equal jitter: half fixed, half random; doubling from 0.5 s to 30 s. */
    assert_int_equal(rc_backoff_delay(&b, 0, -1, 0.0), 250);
    assert_int_equal(rc_backoff_delay(&b, 0, -1, 0.999999), 499);
    assert_int_equal(rc_backoff_delay(&b, 1, -1, 0.0), 500);
    assert_int_equal(rc_backoff_delay(&b, 3, -1, 0.5), 3000);
    assert_int_equal(rc_backoff_delay(&b, 6, -1, 0.0), 15000);
    assert_int_equal(rc_backoff_delay(&b, 40, -1, 0.0), 15000); /* capped, no overflow */
    assert_true(rc_backoff_delay(&b, 40, -1, 0.9) <= 30000);
    /* Retry-After wins, capped at max. */
    assert_int_equal(rc_backoff_delay(&b, 0, 2000, 0.3), 2000);
    assert_int_equal(rc_backoff_delay(&b, 0, 0, 0.3), 0);
    assert_int_equal(rc_backoff_delay(&b, 0, 120000, 0.3), 30000);

    assert_true(rc_backoff_retryable(429));
    assert_true(rc_backoff_retryable(500));
    assert_true(rc_backoff_retryable(503));
    assert_true(rc_backoff_retryable(504));
    assert_false(rc_backoff_retryable(409));
    assert_false(rc_backoff_retryable(404));
    assert_false(rc_backoff_retryable(403));
    assert_false(rc_backoff_retryable(200));

    assert_int_equal(rc_backoff_retry_after("3", 0), 3000);
    assert_int_equal(rc_backoff_retry_after(" 2 \r\n", 0), 2000);
    assert_int_equal(rc_backoff_retry_after("-1", 0), -1);
    assert_int_equal(rc_backoff_retry_after("soon", 0), -1);
    assert_int_equal(rc_backoff_retry_after("", 0), -1);
    /* 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT. */
    assert_int_equal(
        rc_backoff_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", INT64_C(1445412480) * 1000 - 5000),
        5000);
    assert_int_equal(
        rc_backoff_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", INT64_C(1445412480) * 1000 + 1), 0);
}

static char captured[4096];

static void sink(void *arg, const char *line, size_t len)
{
    (void)arg;
    size_t have = strlen(captured);
    if (have + len < sizeof(captured)) memcpy(captured + have, line, len + 1);
    captured[have + len < sizeof(captured) ? have + len : have] = '\0';
}

static void test_logfmt(void **state)
{
    (void)state;
    rc_buf_t b = RC_BUF_INIT;
    rc_logfmt_value(&b, "plain-value/1.5");
    rc_buf_append_char(&b, '|');
    rc_logfmt_value(&b, "7 pending tasks of {CPU: 1}");
    rc_buf_append_char(&b, '|');
    rc_logfmt_value(&b, "a=b");
    rc_buf_append_char(&b, '|');
    rc_logfmt_value(&b, "say \"hi\"\\\n\x01");
    rc_buf_append_char(&b, '|');
    rc_logfmt_value(&b, "");
    rc_buf_append_char(&b, '|');
    rc_logfmt_value(&b, NULL);
    assert_string_equal(b.data, "plain-value/1.5|\"7 pending tasks of {CPU: 1}\"|\"a=b\"|"
                                "\"say \\\"hi\\\"\\\\\\n\\u0001\"|\"\"|\"\"");
    rc_buf_free(&b);

    char ts[40];
    rc_logfmt_time(INT64_C(1445412480123), 1, ts, sizeof(ts));
    assert_string_equal(ts, "2015-10-21T07:28:00.123Z");
    rc_logfmt_time(INT64_C(1445412480123), 0, ts, sizeof(ts));
    assert_string_equal(ts, "2015-10-21T07:28:00Z");

    captured[0] = '\0';
    rc_logfmt_set_sink(sink, NULL);
    rc_logfmt_t l;
    rc_logfmt_begin(&l, "info", "scale-up");
    rc_logfmt_str(&l, "group", "workergroup");
    rc_logfmt_int(&l, "from", 1);
    rc_logfmt_int(&l, "to", 3);
    rc_logfmt_str(&l, "reason", "7 pending tasks of {CPU: 1} do not fit on 1 node");
    rc_logfmt_end(&l);
    rc_logfmt_set_sink(NULL, NULL);
    assert_memory_equal(captured, "time=", 5);
    assert_non_null(strstr(captured, "Z level=info msg=scale-up group=workergroup from=1 to=3 "
                                     "reason=\"7 pending tasks of {CPU: 1} do not fit on 1 "
                                     "node\"\n"));
    assert_int_equal(strchr(captured, '\n') - captured + 1, (long)strlen(captured));
}

static void test_health(void **state)
{
    (void)state;
    rc_buf_t b = RC_BUF_INIT;
    /* Within 3 periods of the start, then of the last good pass. */
    assert_int_equal(rc_op_health_eval(14000, 0, 5000, 0, NULL, &b), 200);
    assert_string_equal(b.data, "ok");
    rc_buf_clear(&b);
    assert_int_equal(rc_op_health_eval(16000, 0, 5000, 0, "read: cannot reach the head", &b), 503);
    assert_string_equal(b.data, "no pass completed since the start 16 s ago (3 periods of 5 s): "
                                "read: cannot reach the head");
    rc_buf_clear(&b);
    assert_int_equal(rc_op_health_eval(30000, 0, 5000, 20000, NULL, &b), 200);
    rc_buf_clear(&b);
    assert_int_equal(rc_op_health_eval(36000, 0, 5000, 20000, "", &b), 503);
    assert_string_equal(b.data, "no pass completed for 16 s (3 periods of 5 s)");
    rc_buf_free(&b);

    rc_buf_t out = RC_BUF_INIT;
    const char *req = "GET /-/healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(rc_op_health_answer(req, 20, 200, "ok", &out), 0); /* incomplete */
    assert_int_equal(rc_op_health_answer(req, strlen(req), 200, "ok", &out), 1);
    assert_string_equal(out.data, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                  "Content-Length: 3\r\nConnection: close\r\n\r\nok\n");
    rc_buf_clear(&out);
    const char *q = "GET /-/healthz?x=1 HTTP/1.0\n\n";
    assert_int_equal(rc_op_health_answer(q, strlen(q), 503, "down: why", &out), 1);
    assert_non_null(strstr(out.data, "HTTP/1.1 503 Service Unavailable\r\n"));
    assert_non_null(strstr(out.data, "\r\n\r\ndown: why\n"));
    rc_buf_clear(&out);
    const char *nf = "GET /metrics HTTP/1.1\r\n\r\n";
    assert_int_equal(rc_op_health_answer(nf, strlen(nf), 200, "ok", &out), 1);
    assert_non_null(strstr(out.data, "404 Not Found"));
    rc_buf_clear(&out);
    const char *post = "POST /-/healthz HTTP/1.1\r\n\r\n";
    assert_int_equal(rc_op_health_answer(post, strlen(post), 200, "ok", &out), 1);
    assert_non_null(strstr(out.data, "405 Method Not Allowed"));
    rc_buf_clear(&out);
    const char *head = "HEAD /-/healthz HTTP/1.1\r\n\r\n";
    assert_int_equal(rc_op_health_answer(head, strlen(head), 200, "ok", &out), 1);
    assert_non_null(strstr(out.data, "Content-Length: 3\r\n"));
    assert_null(strstr(out.data, "ok\n"));
    rc_buf_clear(&out);
    assert_int_equal(rc_op_health_answer("garbage\r\n\r\n", 11, 200, "ok", &out), 1);
    assert_non_null(strstr(out.data, "400 Bad Request"));
    rc_buf_free(&out);
}

static void test_explain(void **state)
{
    (void)state;
    rc_buf_t body = RC_BUF_INIT, out = RC_BUF_INIT;
    rc_buf_append_str(&body, "{\"kind\": \"Status\", \"message\": \"deployments.apps \\\"d\\\" is "
                             "forbidden: User cannot patch resource\", \"code\": 403}");
    rc_kube_explain(403, &body, &out);
    assert_string_equal(out.data, "403 Forbidden: deployments.apps \"d\" is forbidden: User "
                                  "cannot patch resource (the operator's RBAC lacks this "
                                  "permission: see tools/operator/README.md)");
    rc_buf_clear(&out);
    rc_buf_clear(&body);
    rc_buf_append_str(&body, "upstream connect error");
    rc_kube_explain(503, &body, &out);
    assert_string_equal(out.data, "503 Server Error: upstream connect error");
    rc_buf_clear(&out);
    rc_kube_explain(409, NULL, &out);
    assert_string_equal(out.data, "409 Conflict");
    rc_buf_free(&out);
    rc_buf_free(&body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_logfmt),
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_explain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
