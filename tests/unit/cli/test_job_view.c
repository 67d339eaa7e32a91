/* test_job_view.c — what `rayc job` sends (the submit body from its flags) and
 * prints (status, final lines, progress, the job table) from JobDetails JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "job_view.h"

static char *body_of(const rc_job_submit_opts_t *o)
{
    rc_buf_t b = RC_BUF_INIT;
    char err[512] = "";
    rc_err_t e = rc_job_submit_body(o, &b, err, sizeof(err));
    if (e != RC_OK) fail_msg("submit body: %s", err);
    return rc_buf_detach(&b, NULL);
}

static void expect_body(const rc_job_submit_opts_t *o, const char *want)
{
    char *got = body_of(o);
    if (strcmp(got, want) != 0) fail_msg("got:\n%s\nwant:\n%s", got, want);
    rc_free(got);
}

static void expect_refused(const rc_job_submit_opts_t *o, const char *needle)
{
    rc_buf_t b = RC_BUF_INIT;
    char err[512] = "";
    assert_int_equal(rc_job_submit_body(o, &b, err, sizeof(err)), RC_EINVAL);
    if (!strstr(err, needle)) fail_msg("error '%s' lacks '%s'", err, needle);
    assert_int_equal(b.len, 0); /* nothing written */
    rc_buf_free(&b);
}

static void test_body_minimal(void **state)
{
    (void)state;
    rc_job_submit_opts_t o = {.entrypoint = "python x.py"};
    expect_body(&o, "{\"entrypoint\":\"python x.py\",\"submission_id\":null,\"runtime_env\":null,"
                    "\"metadata\":null,\"entrypoint_num_cpus\":null,\"entrypoint_num_gpus\":null,"
                    "\"entrypoint_memory\":null,\"entrypoint_resources\":null}");
}

static void test_body_full(void **state)
{
    (void)state;
    rc_job_submit_opts_t o = {
        .entrypoint = "echo \"hi\"",
        .submission_id = "my-job",
        .working_dir = "/shared/code",
        .runtime_env_json = "{\"env_vars\": {\"A\": \"1\"}, \"working_dir\": \"/old\", "
                            "\"pip\": [\"x\"]}",
        .metadata_json = "{\"owner\": \"me\"}",
        .resources_json = "{\"special\": 2, \"tiny\": 0.5}",
        .has_num_cpus = 1,
        .num_cpus = 0.5,
        .has_num_gpus = 1,
        .num_gpus = 1,
        .has_memory = 1,
        .memory = 1073741824,
    };
    /* --working-dir replaces runtime_env.working_dir in its place. */
    expect_body(&o, "{\"entrypoint\":\"echo \\\"hi\\\"\",\"submission_id\":\"my-job\","
                    "\"runtime_env\":{\"env_vars\":{\"A\":\"1\"},\"working_dir\":\"/shared/code\","
                    "\"pip\":[\"x\"]},\"metadata\":{\"owner\":\"me\"},\"entrypoint_num_cpus\":0.5,"
                    "\"entrypoint_num_gpus\":1,\"entrypoint_memory\":1073741824,"
                    "\"entrypoint_resources\":{\"special\":2,\"tiny\":0.5}}");
}

static void test_body_working_dir_merge(void **state)
{
    (void)state;
    /* --working-dir alone makes a runtime_env. */
    rc_job_submit_opts_t o = {.entrypoint = "x", .working_dir = "https://h/code.zip"};
    char *got = body_of(&o);
    assert_non_null(strstr(got, "\"runtime_env\":{\"working_dir\":\"https://h/code.zip\"}"));
    rc_free(got);
    /* Appended when the JSON has none. */
    o.runtime_env_json = "{\"env_vars\": {}}";
    got = body_of(&o);
    assert_non_null(
        strstr(got, "\"runtime_env\":{\"env_vars\":{},\"working_dir\":\"https://h/code.zip\"}"));
    rc_free(got);
    /* Without --working-dir the JSON's own is kept; a repeated key once (the last). */
    o.working_dir = NULL;
    o.runtime_env_json = "{\"working_dir\": \"/a\", \"k\": 1, \"working_dir\": \"/b\"}";
    got = body_of(&o);
    assert_non_null(strstr(got, "\"runtime_env\":{\"k\":1,\"working_dir\":\"/b\"}"));
    rc_free(got);
    /* With it, a repeated working_dir becomes one. */
    o.working_dir = "/c";
    got = body_of(&o);
    assert_non_null(strstr(got, "\"runtime_env\":{\"working_dir\":\"/c\",\"k\":1}"));
    rc_free(got);
}

static void test_body_refused(void **state)
{
    (void)state;
    rc_job_submit_opts_t o = {.entrypoint = ""};
    expect_refused(&o, "no entrypoint");
    o.entrypoint = "x";
    o.runtime_env_json = "{\"a\": }";
    expect_refused(&o, "--runtime-env-json is not valid JSON: line 1, column");
    o.runtime_env_json = "[1]";
    expect_refused(&o, "--runtime-env-json must be a JSON object ({...}), got array");
    o.runtime_env_json = NULL;
    o.metadata_json = "{\"a\": 1}";
    expect_refused(&o, "--metadata-json: the value of 'a' must be a string");
    o.metadata_json = "nope";
    expect_refused(&o, "--metadata-json is not valid JSON");
    o.metadata_json = NULL;
    o.resources_json = "{\"CPU\": 1}";
    expect_refused(&o, "--entrypoint-resources cannot hold 'CPU': use --entrypoint-num-cpus");
    o.resources_json = "{\"memory\": 1}";
    expect_refused(&o, "cannot hold 'memory'");
    o.resources_json = "{\"x\": -1}";
    expect_refused(&o, "'x' must be a number >= 0");
    o.resources_json = "{\"x\": \"1\"}";
    expect_refused(&o, "'x' must be a number >= 0 (the amount of the resource), got string");
    o.resources_json = "7";
    expect_refused(&o, "--entrypoint-resources must be a JSON object");
    o.resources_json = NULL;
    o.working_dir = "";
    expect_refused(&o, "--working-dir is empty");
}

static void test_words(void **state)
{
    (void)state;
    char *w[] = {"python", "x.py", "--n=1", "a b"};
    char *s = rc_job_join_words(4, w);
    assert_string_equal(s, "python x.py --n=1 a b");
    rc_free(s);
    s = rc_job_join_words(0, w);
    assert_string_equal(s, "");
    rc_free(s);
    assert_true(rc_job_working_dir_is_uri("https://h/x.zip"));
    assert_true(rc_job_working_dir_is_uri("s3://b/x.zip"));
    assert_false(rc_job_working_dir_is_uri("./code"));
    assert_false(rc_job_working_dir_is_uri("/abs"));
}

static rc_json_t *parse(const char *text)
{
    rc_json_t *j = NULL;
    char err[200];
    if (rc_json_parse(text, strlen(text), &j, err, sizeof(err)) != RC_OK) fail_msg("%s", err);
    return j;
}

static void test_submitted(void **state)
{
    (void)state;
    rc_buf_t out = RC_BUF_INIT;
    rc_job_view_submitted("raysubmit_1", &out);
    assert_string_equal(out.data, "\n"
                                  "----------------------------------------\n"
                                  "Job 'raysubmit_1' submitted successfully\n"
                                  "----------------------------------------\n"
                                  "\n"
                                  "Next steps\n"
                                  "  Query the logs of the job:\n"
                                  "    rayc job logs raysubmit_1\n"
                                  "  Query the status of the job:\n"
                                  "    rayc job status raysubmit_1\n"
                                  "  Request the job to be stopped:\n"
                                  "    rayc job stop raysubmit_1\n"
                                  "\n");
    rc_buf_free(&out);
}

static void test_status(void **state)
{
    (void)state;
    rc_buf_t out = RC_BUF_INIT;
    char err[256];
    rc_json_t *j = parse("{\"status\": \"RUNNING\", \"message\": \"Job is currently running.\"}");
    assert_int_equal(rc_job_view_status("s1", j, &out, err, sizeof(err)), RC_OK);
    assert_string_equal(out.data, "Status for job 's1': RUNNING\n"
                                  "Status message: Job is currently running.\n");
    rc_json_free(j);
    /* No message (null or empty): no message line. */
    rc_buf_clear(&out);
    j = parse("{\"status\": \"PENDING\", \"message\": null}");
    assert_int_equal(rc_job_view_status("s1", j, &out, err, sizeof(err)), RC_OK);
    assert_string_equal(out.data, "Status for job 's1': PENDING\n");
    rc_json_free(j);
    /* Terminal-escape bytes from the head are neutralised; line ends kept. */
    rc_buf_clear(&out);
    j = parse("{\"status\": \"FAILED\", \"message\": \"a\\u001b[2Jb\\nc\"}");
    assert_int_equal(rc_job_view_status("s\x1b", j, &out, err, sizeof(err)), RC_OK);
    assert_string_equal(out.data, "Status for job 's?': FAILED\nStatus message: a?[2Jb\nc\n");
    rc_json_free(j);
    /* A record without status is the dashboard's fault. */
    j = parse("{}");
    assert_int_equal(rc_job_view_status("s1", j, &out, err, sizeof(err)), RC_EPROTO);
    assert_non_null(strstr(err, "no status"));
    rc_json_free(j);
    rc_buf_free(&out);
}

static void expect_final(const char *json, int code, const char *want)
{
    rc_buf_t out = RC_BUF_INIT;
    rc_json_t *j = parse(json);
    assert_int_equal(rc_job_view_final("j1", j, &out), code);
    if (strcmp(out.data, want) != 0) fail_msg("got:\n%s\nwant:\n%s", out.data, want);
    rc_json_free(j);
    rc_buf_free(&out);
}

static void test_final(void **state)
{
    (void)state;
    expect_final("{\"status\": \"SUCCEEDED\", \"message\": \"done\"}", 0,
                 "\n------------------\nJob 'j1' succeeded\n------------------\n\n");
    expect_final("{\"status\": \"FAILED\", \"message\": \"exit code 1\"}", 1,
                 "\n---------------\nJob 'j1' failed\n---------------\n\n"
                 "Status message: exit code 1\n");
    expect_final("{\"status\": \"FAILED\"}", 1,
                 "\n---------------\nJob 'j1' failed\n---------------\n\n");
    expect_final("{\"status\": \"STOPPED\", \"message\": \"stopped\"}", 1,
                 "Job 'j1' was stopped\n");
    expect_final("{\"status\": \"RUNNING\", \"message\": \"m\"}", 1,
                 "Status for job 'j1': RUNNING\nStatus message: m\n");
    assert_true(rc_job_status_terminal("STOPPED"));
    assert_true(rc_job_status_terminal("SUCCEEDED"));
    assert_true(rc_job_status_terminal("FAILED"));
    assert_false(rc_job_status_terminal("RUNNING"));
    assert_false(rc_job_status_terminal("PENDING"));
    assert_false(rc_job_status_terminal(NULL));
}

static void test_waiting(void **state)
{
    (void)state;
    rc_buf_t out = RC_BUF_INIT;
    rc_json_t *j = parse("{\"status\": \"PENDING\", \"message\": \"waiting for resources\"}");
    rc_job_view_waiting("j1", j, 3, &out);
    assert_string_equal(out.data,
                        "Waiting for job 'j1' to start (PENDING: waiting for resources) 3s…");
    rc_json_free(j);
    rc_buf_clear(&out);
    j = parse("{\"status\": \"PENDING\", \"message\": \"\"}");
    rc_job_view_waiting("j1", j, 0, &out);
    assert_string_equal(out.data, "Waiting for job 'j1' to start (PENDING) 0s…");
    rc_json_free(j);
    /* A long message is cut to keep one line; a newline cannot break it. */
    rc_buf_clear(&out);
    char xs[300], long_msg[400];
    memset(xs, 'x', sizeof(xs) - 1);
    xs[sizeof(xs) - 1] = '\0';
    snprintf(long_msg, sizeof(long_msg), "{\"status\": \"PENDING\", \"message\": \"a\\nb%s\"}", xs);
    j = parse(long_msg);
    rc_job_view_waiting("j1", j, 12, &out);
    assert_null(strchr(out.data, '\n'));
    assert_non_null(strstr(out.data, "(PENDING: a?bxxx"));
    assert_non_null(strstr(out.data, "x…) 12s…"));
    rc_json_free(j);
    rc_buf_free(&out);
}

static void test_table(void **state)
{
    (void)state;
    rc_buf_t out = RC_BUF_INIT;
    char err[256];
    /* Times as printed in this process's time zone (the test pins UTC). */
    rc_json_t *j = parse(
        "[{\"submission_id\": \"raysubmit_b\", \"job_id\": \"03000000\", \"status\": \"RUNNING\","
        "  \"entrypoint\": \"python train.py --epochs 100 --learning-rate 0.001 --batch 64\","
        "  \"start_time\": 1700000060000, \"end_time\": null},"
        " {\"submission_id\": \"raysubmit_a\", \"job_id\": null, \"status\": \"FAILED\","
        "  \"entrypoint\": \"echo\\nhi\", \"start_time\": 1700000000000,"
        "  \"end_time\": 1700000005000},"
        " {\"submission_id\": \"raysubmit_c\", \"status\": \"PENDING\", \"entrypoint\": "
        "\"é\"}]");
    assert_int_equal(rc_job_view_table(j, &out, err, sizeof(err)), RC_OK);
    const char *want =
        "SUBMISSION_ID  JOB_ID    STATUS   ENTRYPOINT                                        "
        "START                END\n"
        "raysubmit_a    -         FAILED   echo?hi                                           "
        "2023-11-14 22:13:20  2023-11-14 22:13:25\n"
        "raysubmit_b    03000000  RUNNING  python train.py --epochs 100 --learning-rate 0.…  "
        "2023-11-14 22:14:20  -\n"
        "raysubmit_c    -         PENDING  é                                                 "
        "-                    -\n";
    if (strcmp(out.data, want) != 0) fail_msg("got:\n%s\nwant:\n%s", out.data, want);
    rc_json_free(j);
    /* No jobs: the header alone. */
    rc_buf_clear(&out);
    j = parse("[]");
    assert_int_equal(rc_job_view_table(j, &out, err, sizeof(err)), RC_OK);
    assert_string_equal(out.data, "SUBMISSION_ID  JOB_ID  STATUS  ENTRYPOINT  START  END\n");
    rc_json_free(j);
    j = parse("{}");
    assert_int_equal(rc_job_view_table(j, &out, err, sizeof(err)), RC_EPROTO);
    assert_non_null(strstr(err, "not a JSON array"));
    rc_json_free(j);
    rc_buf_free(&out);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_minimal),
        cmocka_unit_test(test_body_full),
        cmocka_unit_test(test_body_working_dir_merge),
        cmocka_unit_test(test_body_refused),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_submitted),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_final),
        cmocka_unit_test(test_waiting),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
