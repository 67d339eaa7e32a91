/* test_job.c — job records: submit-request validation (good and hostile
 * bodies), ids, the JobDetails JSON shape, and the protobuf record round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "job.h"
#include "json.h"

static void parse_ok(const char *body, rc_job_req_t *r)
{
    char err[1024];
    if (rc_job_req_parse(body, strlen(body), r, err, sizeof(err)) != RC_OK)
        fail_msg("'%s' should parse: %s", body, err);
}

static void parse_bad(const char *body, const char *needle)
{
    char err[1024] = "";
    rc_job_req_t r;
    if (rc_job_req_parse(body, strlen(body), &r, err, sizeof(err)) == RC_OK)
        fail_msg("'%s' should be refused", body);
    if (!strstr(err, needle)) fail_msg("'%s': message '%s' lacks '%s'", body, err, needle);
}

static void test_parse_full(void **state)
{
    (void)state;
    rc_job_req_t r;
    parse_ok("{\"entrypoint\":\"echo hi\",\"submission_id\":\"my-job_1.a\","
             "\"runtime_env\":{\"working_dir\":\"/tmp\",\"env_vars\":{\"A\":\"1\",\"B\":\"x y\"}},"
             "\"metadata\":{\"owner\":\"me\"},\"entrypoint_num_cpus\":1.5,"
             "\"entrypoint_num_gpus\":0,\"entrypoint_memory\":1024,"
             "\"entrypoint_resources\":{\"disk\":2}}",
             &r);
    assert_string_equal(r.entrypoint, "echo hi");
    assert_string_equal(r.submission_id, "my-job_1.a");
    assert_string_equal(r.working_dir, "/tmp");
    assert_int_equal(r.nenv, 2);
    assert_string_equal(r.env[0], "A=1");
    assert_string_equal(r.env[1], "B=x y");
    assert_true(r.num_cpus == 1.5);
    assert_int_equal(r.memory, 1024);
    assert_string_equal(r.metadata_json, "{\"owner\":\"me\"}");
    assert_string_equal(r.resources_json, "{\"disk\":2}");
    rc_job_req_free(&r);
    /* Nulls everywhere they are optional; the deprecated job_id names the submission. */
    parse_ok("{\"entrypoint\":\"x\",\"submission_id\":null,\"job_id\":\"abc\",\"runtime_env\":null,"
             "\"metadata\":null,\"entrypoint_num_cpus\":null,\"entrypoint_resources\":null}",
             &r);
    assert_string_equal(r.submission_id, "abc");
    assert_null(r.runtime_env_json);
    rc_job_req_free(&r);
}

static void test_parse_errors(void **state)
{
    (void)state;
    parse_bad("", "not valid JSON");
    parse_bad("{\"entrypoint\":", "not valid JSON");
    parse_bad("[1]", "JSON object");
    parse_bad("{}", "no \"entrypoint\"");
    parse_bad("{\"entrypoint\":\"\"}", "non-empty string");
    parse_bad("{\"entrypoint\":5}", "non-empty string");
    parse_bad("{\"entrypoint\":\"x\",\"bogus\":1}", "unknown field 'bogus'");
    parse_bad("{\"entrypoint\":\"x\",\"submission_id\":\"../etc\"}", "submission_id must be");
    parse_bad("{\"entrypoint\":\"x\",\"submission_id\":\".hidden\"}", "submission_id must be");
    parse_bad("{\"entrypoint\":\"x\",\"submission_id\":\"a/b\"}", "submission_id must be");
    parse_bad("{\"entrypoint\":\"x\",\"submission_id\":7}", "submission_id must be");
    parse_bad("{\"entrypoint\":\"x\",\"submission_id\":\"a\",\"job_id\":\"b\"}", "differ");
    parse_bad("{\"entrypoint\":\"x\",\"runtime_env\":[]}", "runtime_env must be an object");
    parse_bad("{\"entrypoint\":\"x\",\"runtime_env\":{\"pip\":[\"requests\"]}}",
              "'pip' is not supported");
    parse_bad("{\"entrypoint\":\"x\",\"runtime_env\":{\"working_dir\":3}}", "working_dir");
    parse_bad("{\"entrypoint\":\"x\",\"runtime_env\":{\"env_vars\":{\"A\":1}}}",
              "env_vars['A'] must be a string");
    parse_bad("{\"entrypoint\":\"x\",\"runtime_env\":{\"env_vars\":{\"A=B\":\"1\"}}}",
              "not a valid variable name");
    parse_bad("{\"entrypoint\":\"x\",\"metadata\":{\"k\":[1]}}", "metadata['k'] must be");
    parse_bad("{\"entrypoint\":\"x\",\"metadata\":\"m\"}", "metadata must be an object");
    parse_bad("{\"entrypoint\":\"x\",\"entrypoint_num_cpus\":-1}", "entrypoint_num_cpus must be");
    parse_bad("{\"entrypoint\":\"x\",\"entrypoint_num_gpus\":\"1\"}", "entrypoint_num_gpus");
    parse_bad("{\"entrypoint\":\"x\",\"entrypoint_memory\":1.5}", "entrypoint_memory must be");
    parse_bad("{\"entrypoint\":\"x\",\"entrypoint_resources\":{\"CPU\":1}}", "must not contain");
    parse_bad("{\"entrypoint\":\"x\",\"entrypoint_resources\":{\"disk\":-1}}",
              "entrypoint_resources");
    parse_bad("{\"entrypoint\":\"x\",\"entrypoint_resources\":3}", "entrypoint_resources");
    /* A NUL hidden in a string is refused, not truncated. */
    parse_bad("{\"entrypoint\":\"echo\\u0000rm\"}", "non-empty string");
}

static void test_ids(void **state)
{
    (void)state;
    char hex[9], sid[27];
    uint32_t v;
    rc_job_id_hex(2, hex);
    assert_string_equal(hex, "02000000");
    rc_job_id_hex(0x01020304, hex);
    assert_string_equal(hex, "04030201");
    assert_true(rc_job_id_parse("04030201", &v));
    assert_int_equal(v, 0x01020304);
    assert_false(rc_job_id_parse("0403020", &v));
    assert_false(rc_job_id_parse("0403020g", &v));
    rc_job_submission_id_new(sid);
    assert_int_equal(strlen(sid), 26);
    assert_memory_equal(sid, "raysubmit_", 10);
    assert_true(rc_job_submission_id_valid(sid));
    assert_false(rc_job_submission_id_valid(""));
    assert_false(rc_job_submission_id_valid(".."));
    char longid[200];
    memset(longid, 'a', sizeof(longid));
    longid[129] = '\0';
    assert_false(rc_job_submission_id_valid(longid));
    longid[128] = '\0';
    assert_true(rc_job_submission_id_valid(longid));
}

static rc_job_t *sample(void)
{
    rc_job_req_t r;
    parse_ok("{\"entrypoint\":\"python x.py\",\"metadata\":{\"a\":\"b\"},"
             "\"runtime_env\":{\"env_vars\":{\"K\":\"V\"}},\"entrypoint_num_cpus\":2}",
             &r);
    rc_job_t *j = rc_job_new(&r, "raysubmit_abc", 2, 1700000000000);
    rc_job_req_free(&r);
    return j;
}

static void test_json_shape(void **state)
{
    (void)state;
    rc_job_t *j = sample();
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    rc_job_to_json(j, &w);
    rc_json_t *v = NULL;
    assert_int_equal(rc_json_parse(b.data, b.len, &v, NULL, 0), RC_OK);
    /* Ray's JobDetails fields. */
    const char *fields[] = {"type",
                            "job_id",
                            "submission_id",
                            "driver_info",
                            "status",
                            "entrypoint",
                            "message",
                            "error_type",
                            "start_time",
                            "end_time",
                            "metadata",
                            "runtime_env",
                            "driver_agent_http_address",
                            "driver_node_id",
                            "driver_exit_code",
                            "entrypoint_num_cpus",
                            "entrypoint_num_gpus",
                            "entrypoint_memory",
                            "entrypoint_resources"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (!rc_json_get(v, fields[i])) fail_msg("JobDetails lacks %s: %s", fields[i], b.data);
    assert_string_equal(rc_json_str(rc_json_get(v, "type"), NULL), "SUBMISSION");
    assert_string_equal(rc_json_str(rc_json_get(v, "job_id"), NULL), "02000000");
    assert_string_equal(rc_json_str(rc_json_get(v, "status"), NULL), "PENDING");
    assert_int_equal(rc_json_type(rc_json_get(v, "end_time")), RC_JSON_NULL);
    assert_int_equal(rc_json_type(rc_json_get(v, "driver_exit_code")), RC_JSON_NULL);
    assert_true(rc_json_num(rc_json_get(v, "start_time")) == 1700000000000.0);
    assert_string_equal(rc_json_str(rc_json_get(rc_json_get(v, "metadata"), "a"), NULL), "b");
    assert_string_equal(
        rc_json_str(rc_json_get(rc_json_get(rc_json_get(v, "runtime_env"), "env_vars"), "K"), NULL),
        "V");
    rc_json_free(v);
    rc_buf_free(&b);
    rc_job_free(j);
}

static void test_status(void **state)
{
    (void)state;
    rc_job_t *j = sample();
    assert_false(rc_job_status_terminal(j->status));
    rc_job_set_status(j, RC_JOB_FAILED, 1700000005000, "exit %d", 3);
    assert_string_equal(j->message, "exit 3");
    assert_int_equal(j->end_time_ms, 1700000005000);
    assert_true(rc_job_status_terminal(j->status));
    assert_string_equal(rc_job_status_name(RC_JOB_SUCCEEDED), "SUCCEEDED");
    assert_string_equal(rc_job_status_name((rc_job_status_t)99), "UNKNOWN");
    rc_job_free(j);
}

static void test_pack_roundtrip(void **state)
{
    (void)state;
    rc_job_t *j = sample(), *k = NULL;
    j->has_exit_code = 1;
    j->driver_exit_code = 7;
    j->driver_pid = 1234;
    rc_job_set_status(j, RC_JOB_FAILED, 1700000009000, "boom");
    rc_buf_t b = RC_BUF_INIT, b2 = RC_BUF_INIT;
    rc_job_pack(j, &b);
    char err[256];
    assert_int_equal(rc_job_unpack((const uint8_t *)b.data, b.len, &k, err, sizeof(err)), RC_OK);
    rc_job_pack(k, &b2);
    assert_int_equal(b.len, b2.len);
    assert_memory_equal(b.data, b2.data, b.len);
    assert_string_equal(k->message, "boom");
    assert_int_equal(k->driver_exit_code, 7);
    /* Garbage and a record naming a hostile directory are refused. */
    rc_job_t *x = NULL;
    assert_int_not_equal(rc_job_unpack((const uint8_t *)"\xff\xff\xff", 3, &x, err, sizeof(err)),
                         RC_OK);
    rc_job_set_str(&j->submission_id, "../../etc");
    b.len = 0;
    rc_job_pack(j, &b);
    assert_int_not_equal(rc_job_unpack((const uint8_t *)b.data, b.len, &x, err, sizeof(err)),
                         RC_OK);
    rc_buf_free(&b);
    rc_buf_free(&b2);
    rc_job_free(j);
    rc_job_free(k);
}

static void test_metadata_merge(void **state)
{
    (void)state;
    char err[256], *out = NULL;
    const char *add = "{\"rows\": \"100\", \"owner\": \"bob\"}";
    assert_int_equal(rc_job_metadata_merge("{\"owner\": \"ann\", \"team\": \"x\"}", add,
                                           strlen(add), &out, err, sizeof(err)),
                     RC_OK);
    /* Old keys not given again first, in order; the new ones win. */
    assert_string_equal(out, "{\"team\":\"x\",\"rows\":\"100\",\"owner\":\"bob\"}");
    rc_free(out);
    assert_int_equal(rc_job_metadata_merge("", add, strlen(add), &out, err, sizeof(err)), RC_OK);
    assert_string_equal(out, "{\"rows\":\"100\",\"owner\":\"bob\"}");
    rc_free(out);
    const char *num = "{\"rows\": 100}";
    assert_int_equal(rc_job_metadata_merge("", num, strlen(num), &out, err, sizeof(err)),
                     RC_EINVAL);
    assert_non_null(strstr(err, "must be a string"));
    assert_null(out);
    assert_int_not_equal(rc_job_metadata_merge("", "{nope", 5, &out, err, sizeof(err)), RC_OK);
    assert_int_equal(rc_job_metadata_merge("", "[]", 2, &out, err, sizeof(err)), RC_EINVAL);
    char *big = malloc(RC_JOB_METADATA_MAX + 2);
    memset(big, ' ', RC_JOB_METADATA_MAX + 1);
    big[RC_JOB_METADATA_MAX + 1] = 0;
    assert_int_equal(rc_job_metadata_merge("", big, strlen(big), &out, err, sizeof(err)),
                     RC_EINVAL);
    assert_non_null(strstr(err, "at most"));
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_full),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_json_shape),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_pack_roundtrip),
        cmocka_unit_test(test_metadata_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
