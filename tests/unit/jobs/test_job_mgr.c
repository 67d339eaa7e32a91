/* test_job_mgr.c — the job manager with real driver processes on a real loop:
 * success, failure with exit code and log tail, env_vars and working_dir, stop
 * of a driver with children (none survive), delete rules, records on disk and
 * recovery by a new manager (the restarted head). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "alloc.h"
#include "job_mgr.h"
#include "job_store.h"
#include "proc.h"

static char root[256];

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/rayc-test-jobs-XXXXXX");
    if (!mkdtemp(root)) return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static rc_job_mgr_t *mgr_new(uv_loop_t *loop)
{
    rc_job_mgr_t *m = NULL;
    char err[512];
    rc_job_mgr_opts_t o = {.storage = root, .gcs_address = "127.0.0.1:1"};
    if (rc_job_mgr_new(loop, &o, &m, err, sizeof(err)) != RC_OK) fail_msg("mgr: %s", err);
    return m;
}

static const rc_job_t *submit(rc_job_mgr_t *m, const char *body)
{
    rc_job_req_t r;
    char err[1024];
    const rc_job_t *j = NULL;
    if (rc_job_req_parse(body, strlen(body), &r, err, sizeof(err)) != RC_OK)
        fail_msg("parse: %s", err);
    if (rc_job_mgr_submit(m, &r, &j, err, sizeof(err)) != RC_OK) fail_msg("submit: %s", err);
    rc_job_req_free(&r);
    return j;
}

/* Runs the loop until the job is finished (or 15 s). */
static void wait_done(uv_loop_t *loop, rc_job_mgr_t *m, const char *sid)
{
    for (int i = 0; i < 1500; i++) {
        const rc_job_t *j = rc_job_mgr_find(m, sid);
        if (j && rc_job_status_terminal(j->status)) return;
        uv_run(loop, UV_RUN_NOWAIT);
        usleep(10000);
    }
    fail_msg("job %s did not finish", sid);
}

static void read_log(rc_job_mgr_t *m, const rc_job_t *j, rc_buf_t *b)
{
    char err[256];
    assert_int_equal(rc_job_mgr_read_log(m, j, b, err, sizeof(err)), RC_OK);
    rc_buf_append_char(b, '\0');
}

static void test_succeed_fail(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    rc_job_mgr_t *m = mgr_new(&loop);
    const rc_job_t *ok = submit(m, "{\"entrypoint\":\"echo hello; echo $RAY_ADDRESS "
                                   "$RAY_JOB_ID $RAY_SUBMISSION_ID\",\"submission_id\":\"ok1\"}");
    assert_int_equal(ok->status, RC_JOB_RUNNING);
    wait_done(&loop, m, "ok1");
    assert_int_equal(ok->status, RC_JOB_SUCCEEDED);
    assert_true(ok->has_exit_code);
    assert_int_equal(ok->driver_exit_code, 0);
    assert_true(ok->end_time_ms >= ok->start_time_ms);
    rc_buf_t b = RC_BUF_INIT;
    read_log(m, ok, &b);
    assert_string_equal(b.data, "hello\n127.0.0.1:1 01000000 ok1\n");
    rc_buf_free(&b);

    const rc_job_t *bad = submit(m, "{\"entrypoint\":\"echo oops >&2; exit 3\"}");
    char sid[200];
    snprintf(sid, sizeof(sid), "%s", bad->submission_id);
    wait_done(&loop, m, sid);
    assert_int_equal(bad->status, RC_JOB_FAILED);
    assert_int_equal(bad->driver_exit_code, 3);
    assert_non_null(strstr(bad->message, "exit code 3"));
    assert_non_null(strstr(bad->message, "oops"));
    assert_string_equal(bad->error_type, "JOB_ENTRYPOINT_COMMAND_ERROR");
    /* Found by job id too. */
    assert_ptr_equal(rc_job_mgr_find(m, "02000000"), bad);

    /* Duplicate submission ids are refused. */
    rc_job_req_t r;
    char err[512];
    const rc_job_t *dup = NULL;
    const char *dupbody = "{\"entrypoint\":\"true\",\"submission_id\":\"ok1\"}";
    assert_int_equal(rc_job_req_parse(dupbody, strlen(dupbody), &r, err, sizeof(err)), RC_OK);
    assert_int_equal(rc_job_mgr_submit(m, &r, &dup, err, sizeof(err)), RC_EEXISTS);
    assert_non_null(strstr(err, "already exists"));
    rc_job_req_free(&r);

    rc_job_mgr_close(m);
    uv_run(&loop, UV_RUN_DEFAULT);
    rc_job_mgr_free(m);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_env_and_cwd(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    rc_job_mgr_t *m = mgr_new(&loop);
    char body[1024], wd[300];
    snprintf(wd, sizeof(wd), "%s/wd", root);
    mkdir(wd, 0755);
    snprintf(body, sizeof(body),
             "{\"entrypoint\":\"pwd; echo $GREETING; echo $RAY_JOB_ID\",\"submission_id\":\"e\","
             "\"runtime_env\":{\"working_dir\":\"%s\",\"env_vars\":{\"GREETING\":\"hi there\","
             "\"RAY_JOB_ID\":\"mine\"}}}",
             wd);
    const rc_job_t *j = submit(m, body);
    wait_done(&loop, m, "e");
    assert_int_equal(j->status, RC_JOB_SUCCEEDED);
    rc_buf_t b = RC_BUF_INIT, want = RC_BUF_INIT;
    read_log(m, j, &b);
    rc_buf_printf(&want, "%s\nhi there\nmine\n", wd);
    rc_buf_append_char(&want, '\0');
    assert_string_equal(b.data, want.data);
    rc_buf_free(&b);
    rc_buf_free(&want);

    /* A working_dir that is not there (or relative) is refused at submit. */
    rc_job_req_t r;
    char err[512];
    const rc_job_t *x = NULL;
    const char *bodies[] = {
        "{\"entrypoint\":\"true\",\"runtime_env\":{\"working_dir\":\"/nonexistent/dir\"}}",
        "{\"entrypoint\":\"true\",\"runtime_env\":{\"working_dir\":\"rel/dir\"}}"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(rc_job_req_parse(bodies[i], strlen(bodies[i]), &r, err, sizeof(err)),
                         RC_OK);
        assert_int_equal(rc_job_mgr_submit(m, &r, &x, err, sizeof(err)), RC_EINVAL);
        assert_non_null(strstr(err, "working_dir"));
        rc_job_req_free(&r);
    }
    rc_job_mgr_close(m);
    uv_run(&loop, UV_RUN_DEFAULT);
    rc_job_mgr_free(m);
    uv_loop_close(&loop);
}

/* A zombie (dead, not yet reaped by whoever adopted it) counts as dead. */
static int alive(pid_t pid)
{
    char state;
    return rc_proc_stat(pid, &state, NULL) == 0 && state != 'Z' && state != 'X';
}

static void test_stop_with_children(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    rc_job_mgr_t *m = mgr_new(&loop);
    /* The driver ignores SIGTERM (so SIGKILL after 3 s is needed) and leaves a
     * child that ignores it too. */
    const rc_job_t *j = submit(m, "{\"entrypoint\":\"trap '' TERM; sh -c 'trap \\\"\\\" TERM; "
                                  "echo child $$; sleep 60' & sleep 60\",\"submission_id\":"
                                  "\"s\"}");
    rc_buf_t b = RC_BUF_INIT;
    pid_t child = 0;
    for (int i = 0; i < 500 && !child; i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        usleep(10000);
        b.len = 0;
        read_log(m, j, &b);
        const char *p = strstr(b.data, "child ");
        if (p) child = (pid_t)atoi(p + 6);
    }
    assert_true(child > 0);
    pid_t driver = j->driver_pid;
    assert_true(alive(driver));
    int stopped = 0;
    rc_job_mgr_stop(m, j, &stopped);
    assert_true(stopped);
    char err[256];
    assert_int_equal(rc_job_mgr_delete(m, j, err, sizeof(err)), RC_ESTATE);
    assert_non_null(strstr(err, "non-terminal"));
    wait_done(&loop, m, "s");
    assert_int_equal(j->status, RC_JOB_STOPPED);
    usleep(100000);
    assert_false(alive(child));
    assert_false(alive(driver));
    rc_job_mgr_stop(m, j, &stopped);
    assert_false(stopped);
    /* Finished: deletable; record and log go with it. */
    char dir[512];
    rc_job_store_path(root, "s", NULL, dir, sizeof(dir));
    assert_int_equal(access(dir, F_OK), 0);
    assert_int_equal(rc_job_mgr_delete(m, j, err, sizeof(err)), RC_OK);
    assert_int_not_equal(access(dir, F_OK), 0);
    assert_null(rc_job_mgr_find(m, "s"));
    rc_buf_free(&b);
    rc_job_mgr_close(m);
    uv_run(&loop, UV_RUN_DEFAULT);
    rc_job_mgr_free(m);
    uv_loop_close(&loop);
}

static void test_restart(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    rc_job_mgr_t *m = mgr_new(&loop);
    const rc_job_t *done = submit(m, "{\"entrypoint\":\"echo kept\",\"submission_id\":\"r1\"}");
    wait_done(&loop, m, "r1");
    assert_int_equal(done->status, RC_JOB_SUCCEEDED);
    const rc_job_t *run = submit(m, "{\"entrypoint\":\"sleep 60\",\"submission_id\":\"r2\"}");
    pid_t driver = run->driver_pid;
    assert_true(alive(driver));
    /* A head that dies does not clean up: forget the manager without closing it
     * (its driver keeps running, as after SIGKILL of the head). */
    char dir[512];
    snprintf(dir, sizeof(dir), "%s", root);
    uv_loop_t loop2;
    uv_loop_init(&loop2);
    rc_job_mgr_t *m2 = mgr_new(&loop2);
    assert_int_equal(rc_job_mgr_count(m2), 2);
    const rc_job_t *a = rc_job_mgr_find(m2, "r1"), *b = rc_job_mgr_find(m2, "r2");
    assert_int_equal(a->status, RC_JOB_SUCCEEDED);
    assert_int_equal(b->status, RC_JOB_FAILED);
    assert_non_null(strstr(b->message, "head stopped while this job was RUNNING"));
    rc_buf_t log = RC_BUF_INIT;
    read_log(m2, a, &log);
    assert_string_equal(log.data, "kept\n");
    rc_buf_free(&log);
    /* The orphaned driver was killed (its group got SIGKILL). */
    uv_run(&loop, UV_RUN_NOWAIT);
    for (int i = 0; i < 100 && alive(driver); i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        usleep(10000);
    }
    assert_false(alive(driver));
    /* New jobs get the next job id. */
    const rc_job_t *c = submit(m2, "{\"entrypoint\":\"true\",\"submission_id\":\"r3\"}");
    assert_int_equal(c->job_id, 3);
    wait_done(&loop2, m2, "r3");
    /* Let the first loop reap its (killed) driver before it goes. */
    wait_done(&loop, m, "r2");
    rc_job_mgr_close(m);
    uv_run(&loop, UV_RUN_DEFAULT);
    rc_job_mgr_free(m);
    uv_loop_close(&loop);
    rc_job_mgr_close(m2);
    uv_run(&loop2, UV_RUN_DEFAULT);
    rc_job_mgr_free(m2);
    uv_loop_close(&loop2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_succeed_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_and_cwd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_with_children, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
