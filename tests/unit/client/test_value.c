/* test_value.c — TaskResult → value error mapping, the task-side API, and the
 * small helpers of rayc.h (strerror, ref_hex, password resolution). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client.h"
#include "task.pb-c.h"
#include "task_internal.h"
#include "value.h"

static void check_status(int status, int want, const char *msg)
{
    Rayc__TaskResult r;
    rayc__task_result__init(&r);
    r.status = (Rayc__TaskStatus)status;
    r.data.data = (uint8_t *)"out";
    r.data.len = 3;
    r.exit_code = 7;
    if (msg) r.error = (char *)msg;
    uint8_t buf[256];
    size_t n = rayc__task_result__pack(&r, buf);
    rayc_value_t v;
    assert_int_equal(rc_value_from_result(buf, n, &v), want);
    assert_int_equal(v.err, want);
    assert_int_equal(v.exit_code, 7);
    if (want == RAYC_OK) {
        assert_int_equal(v.len, 3);
        assert_memory_equal(v.data, "out", 3);
    } else if (msg) {
        assert_string_equal(v.message, msg);
    } else {
        assert_string_equal(v.message, rayc_strerror(want));
    }
    rayc_value_free(&v);
    assert_null(v.priv_);
}

static void test_status_mapping(void **state)
{
    (void)state;
    check_status(RAYC__TASK_STATUS__STATUS_OK, RAYC_OK, NULL);
    check_status(RAYC__TASK_STATUS__STATUS_APP_ERROR, RAYC_ETASK, "division by zero");
    check_status(RAYC__TASK_STATUS__STATUS_WORKER_DIED, RAYC_EWORKER,
                 "worker died after 3 retries");
    check_status(RAYC__TASK_STATUS__STATUS_CANCELLED, RAYC_ECANCELLED, NULL);
    check_status(RAYC__TASK_STATUS__STATUS_DEPENDENCY_FAILED, RAYC_EDEPENDENCY, "dep failed");
    check_status(RAYC__TASK_STATUS__STATUS_OBJECT_TOO_LARGE, RAYC_ETOOBIG, "too big");
    check_status(RAYC__TASK_STATUS__STATUS_INFEASIBLE, RAYC_EINFEASIBLE, NULL);
    assert_int_equal(rc_value_status_err(99), RAYC_EPROTO);

    rayc_value_t v;
    assert_int_equal(rc_value_from_result("\xff\xff\xff", 3, &v), RAYC_EPROTO);
    assert_non_null(v.message);
    rayc_value_free(&v);
    rc_value_set_error(&v, RAYC_ETIMEOUT, NULL);
    assert_string_equal(v.message, "timed out");
    rayc_value_free(&v);
    rayc_value_free(NULL);
}

static void test_strerror_hex(void **state)
{
    (void)state;
    assert_string_equal(rayc_strerror(RAYC_OK), "success");
    assert_string_equal(rayc_strerror(RAYC_EPROTO), "unexpected reply from the cluster");
    assert_string_equal(rayc_strerror(-1), "unknown error");
    assert_string_equal(rayc_strerror(1000), "unknown error");
    rayc_ref_t ref;
    for (int i = 0; i < 16; i++) ref.id[i] = (uint8_t)(i * 17);
    char hex[33];
    rayc_ref_hex(&ref, hex);
    assert_string_equal(hex, "00112233445566778899aabbccddeeff");
    rayc_task_opts_t o;
    memset(&o, 0x55, sizeof(o));
    rayc_task_opts_init(&o);
    assert_true(o.num_cpus == 1 && o.num_gpus == 0 && o.memory == 0);
    assert_int_equal(o.max_retries, 3);
    assert_null(o.resources);
    assert_null(o.group);
}

static void test_password(void **state)
{
    (void)state;
    unsetenv("RAYC_REDIS_PASSWORD");
    assert_null(rc_client_password(NULL));
    assert_string_equal(rc_client_password("x"), "x");
    setenv("RAYC_REDIS_PASSWORD", "env", 1);
    assert_string_equal(rc_client_password(NULL), "env");
    assert_string_equal(rc_client_password(""), ""); /* explicit: no password */
    unsetenv("RAYC_REDIS_PASSWORD");
}

static void test_connect_errors(void **state)
{
    (void)state;
    rayc_client_t *c = (rayc_client_t *)1;
    unsetenv("RAY_ADDRESS");
    assert_int_equal(rayc_connect(NULL, NULL, &c), RAYC_EINVAL);
    assert_null(c);
    assert_non_null(strstr(rayc_last_error(NULL), "RAY_ADDRESS"));
    assert_int_equal(rayc_connect("host:notaport", NULL, &c), RAYC_EINVAL);
}

static void test_task_api(void **state)
{
    (void)state;
    rayc_task_t t;
    memset(&t, 0, sizeof(t));
    const void *args[2] = {"ab", "xyz"};
    size_t lens[2] = {2, 3};
    rc_task_begin(&t, 2, args, lens);
    assert_int_equal(rayc_task_nargs(&t), 2);
    size_t len = 99;
    assert_ptr_equal(rayc_task_arg(&t, 1, &len), args[1]);
    assert_int_equal(len, 3);
    assert_null(rayc_task_arg(&t, 2, &len));
    assert_int_equal(len, 0);

    char data[4] = "res";
    assert_int_equal(rayc_task_return(&t, data, 3), RAYC_OK);
    data[0] = 'X'; /* copied */
    assert_true(t.has_result);
    assert_int_equal(t.result_len, 3);
    assert_memory_equal(t.result, "res", 3);
    assert_int_equal(rayc_task_return(&t, "zz", 2), RAYC_OK); /* the last one wins */
    assert_memory_equal(t.result, "zz", 2);
    assert_int_equal(rayc_task_return(&t, NULL, 0), RAYC_OK);
    assert_int_equal(t.result_len, 0);
    assert_int_equal(rayc_task_return(&t, NULL, 5), RAYC_EINVAL);

    assert_int_not_equal(rayc_task_fail(&t, "bad input"), RAYC_OK);
    assert_string_equal(t.error, "bad input");
    rayc_task_fail(&t, NULL);
    assert_non_null(t.error);
    rc_task_end(&t);
    assert_null(t.result);
    assert_null(t.error);
    assert_false(t.has_result);

    /* A new call after one that returned: begin frees the old state. */
    rayc_task_return(&t, "q", 1);
    rc_task_begin(&t, 0, NULL, NULL);
    assert_false(t.has_result);
    assert_null(t.result);
    assert_int_equal(rayc_task_nargs(&t), 0);

    /* No cluster reachable: rayc_task_client gives NULL, and stays retryable. */
    setenv("RAY_ADDRESS", "127.0.0.1:1", 1);
    assert_null(rayc_task_client(&t));
    unsetenv("RAY_ADDRESS");
    rc_task_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_mapping), cmocka_unit_test(test_strerror_hex),
        cmocka_unit_test(test_password),       cmocka_unit_test(test_connect_errors),
        cmocka_unit_test(test_task_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
