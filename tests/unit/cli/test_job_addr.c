/* test_job_addr.c — the dashboard URL of `rayc job` from Ray's address forms,
 * and the percent-encoding of ids in paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "job_addr.h"
#include "job_http.h"

static void expect_url(const char *text, const char *want)
{
    char out[512], err[512] = "";
    rc_err_t e = rc_job_addr_normalize(text, out, sizeof(out), err, sizeof(err));
    if (e != RC_OK) fail_msg("'%s': %s", text, err);
    if (strcmp(out, want) != 0) fail_msg("'%s': got %s, want %s", text, out, want);
}

static void expect_bad(const char *text, const char *needle)
{
    char out[512], err[512] = "";
    assert_int_equal(rc_job_addr_normalize(text, out, sizeof(out), err, sizeof(err)), RC_EINVAL);
    if (!strstr(err, needle)) fail_msg("'%s': error '%s' lacks '%s'", text, err, needle);
}

static void test_forms(void **state)
{
    (void)state;
    /* Explicit URLs are kept, trailing slashes trimmed. */
    expect_url("http://127.0.0.1:8265", "http://127.0.0.1:8265");
    expect_url("http://127.0.0.1:8265/", "http://127.0.0.1:8265");
    expect_url("https://ray.example.com//", "https://ray.example.com");
    expect_url("HTTP://h:9000/prefix/", "HTTP://h:9000/prefix");
    expect_url("http://h:6379", "http://h:6379"); /* the user said so */
    /* A head's GCS or client address: its dashboard on 8265. */
    expect_url("10.0.0.5:6379", "http://10.0.0.5:8265");
    expect_url("h", "http://h:8265");
    expect_url("h:6379", "http://h:8265");
    expect_url("ray://h:10001", "http://h:8265");
    expect_url("ray://h", "http://h:8265");
    expect_url("ray://h:12345", "http://h:8265");
    expect_url("h:10001", "http://h:8265");
    /* Another port: a dashboard there. */
    expect_url("127.0.0.1:8265", "http://127.0.0.1:8265");
    expect_url("h:9000", "http://h:9000");
    expect_url("[::1]:6379", "http://[::1]:8265");
    expect_url("[::1]", "http://[::1]:8265");
    expect_url("auto", "http://127.0.0.1:8265");
}

static void test_bad(void **state)
{
    (void)state;
    expect_bad("", "empty");
    expect_bad("ftp://h", "unknown scheme");
    expect_bad("http://", "host is missing");
    expect_bad("http://:80", "host is missing");
    expect_bad("http://h h", "spaces");
    expect_bad("h:99999", "port");
    expect_bad("::1", "brackets");
}

static void test_resolve(void **state)
{
    (void)state;
    char out[512], err[512];
    assert_int_equal(rc_job_addr_resolve(NULL, NULL, out, sizeof(out), err, sizeof(err)), RC_OK);
    assert_string_equal(out, "http://127.0.0.1:8265");
    assert_int_equal(rc_job_addr_resolve("", "", out, sizeof(out), err, sizeof(err)), RC_OK);
    assert_string_equal(out, "http://127.0.0.1:8265");
    assert_int_equal(rc_job_addr_resolve(NULL, "e:6379", out, sizeof(out), err, sizeof(err)),
                     RC_OK);
    assert_string_equal(out, "http://e:8265");
    assert_int_equal(rc_job_addr_resolve("f", "e", out, sizeof(out), err, sizeof(err)), RC_OK);
    assert_string_equal(out, "http://f:8265");
    /* The message says where the bad address came from. */
    assert_int_equal(rc_job_addr_resolve(NULL, "x://y", out, sizeof(out), err, sizeof(err)),
                     RC_EINVAL);
    assert_non_null(strstr(err, "$RAY_ADDRESS: "));
    assert_int_equal(rc_job_addr_resolve("x://y", NULL, out, sizeof(out), err, sizeof(err)),
                     RC_EINVAL);
    assert_non_null(strstr(err, "--address: "));
    /* Too small an output buffer is an error, not a cut URL. */
    char small[8];
    assert_int_equal(
        rc_job_addr_normalize("http://long-host:8265", small, sizeof(small), err, sizeof(err)),
        RC_ETOOBIG);
}

static void test_escape(void **state)
{
    (void)state;
    rc_buf_t b = RC_BUF_INIT;
    rc_job_http_escape(&b, "raysubmit_AbC-1.2~");
    assert_string_equal(b.data, "raysubmit_AbC-1.2~");
    rc_buf_clear(&b);
    rc_job_http_escape(&b, "../a b/?#%é");
    assert_string_equal(b.data, "..%2Fa%20b%2F%3F%23%25%C3%A9");
    rc_buf_clear(&b);
    rc_job_http_escape(&b, "");
    assert_int_equal(b.len, 0);
    rc_buf_free(&b);
}

/* A closed loopback port: RC_ECONN, the reason from libcurl. */
static void test_refused(void **state)
{
    (void)state;
    rc_job_http_t *h = rc_job_http_new("http://127.0.0.1:1");
    rc_buf_t body = RC_BUF_INIT;
    long status = -1;
    char err[512] = "";
    assert_int_equal(
        rc_job_http_call(h, "GET", "/api/version", NULL, &status, &body, err, sizeof(err)),
        RC_ECONN);
    assert_true(err[0] != '\0');
    assert_int_equal(status, 0);
    rc_buf_free(&body);
    rc_job_http_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),   cmocka_unit_test(test_bad),
        cmocka_unit_test(test_resolve), cmocka_unit_test(test_escape),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
