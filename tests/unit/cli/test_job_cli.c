/* test_job_cli.c — `rayc job …` end to end against a fake dashboard
 * (fake_jobs_server.py beside this file: Ray's Jobs REST API and the
 * WebSocket log tail, on 127.0.0.1). Each command runs rc_cli_job in a
 * forked child whose stdout and stderr go to files; the test checks exit
 * codes, the texts, what the server received (the submit body, the client's
 * PONG and CLOSE frames), Ctrl-C while tailing, the progress lines of a
 * PENDING job, and the unreachable-dashboard message. Skipped without
 * /usr/bin/python3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "cli_harness.h"
#include "job_http.h"
#include "json.h"

#define PYTHON "/usr/bin/python3"

static pid_t server_pid = -1;
static int server_in = -1; /* the server exits when this closes */
static char addr[64];

static int server_start(void **state)
{
    (void)state;
    char script[PATH_MAX];
    snprintf(script, sizeof(script), "%s", __FILE__);
    char *slash = strrchr(script, '/');
    snprintf(slash ? slash + 1 : script, sizeof(script) - (size_t)(slash ? slash + 1 - script : 0),
             "fake_jobs_server.py");
    if (access(PYTHON, X_OK) != 0 || access(script, R_OK) != 0) return 0; /* tests skip */
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return -1;
    fflush(stdout);
    fflush(stderr);
    server_pid = fork();
    if (server_pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execl(PYTHON, "python3", script, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    server_in = in[1];
    /* The first line is the port. */
    char line[32] = "";
    size_t n = 0;
    struct pollfd p = {out[0], POLLIN, 0};
    while (n + 1 < sizeof(line) && poll(&p, 1, 10000) > 0) {
        if (read(out[0], line + n, 1) != 1 || line[n] == '\n') break;
        n++;
    }
    line[n] = '\0';
    close(out[0]);
    int port = atoi(line);
    if (port <= 0) return -1;
    snprintf(addr, sizeof(addr), "http://127.0.0.1:%d", port);
    return 0;
}

static int server_stop(void **state)
{
    (void)state;
    if (server_pid > 0) {
        close(server_in);
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    return 0;
}

#define NEED_SERVER()                                                                              \
    do {                                                                                           \
        if (server_pid <= 0) skip();                                                               \
    } while (0)

typedef cli_result_t result_t;

/* Runs `rayc job <args…>` (NULL-terminated); with sigint_ms > 0 the child gets
 * SIGINT after that long. */
static result_t run(int sigint_ms, ...)
{
    char *args[CLI_MAX_ARGS];
    va_list ap;
    va_start(ap, sigint_ms);
    int argc = cli_args(args, ap);
    va_end(ap);
    cli_child_t c = cli_spawn(rc_cli_job, argc, args);
    if (sigint_ms > 0) {
        struct timespec ts = {sigint_ms / 1000, (long)(sigint_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        kill(c.pid, SIGINT);
    }
    return cli_wait(&c);
}

#define EXPECT_IN(hay, needle)                                                                     \
    do {                                                                                           \
        if (!strstr((hay), (needle))) fail_msg("expected '%s' in:\n%s", (needle), (hay));          \
    } while (0)

static void expect_code(const result_t *r, int code)
{
    if (r->code != code)
        fail_msg("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r->code, code, r->out, r->err);
}

/* GET path on the fake server, parsed. */
static rc_json_t *server_get(const char *path)
{
    rc_job_http_t *h = rc_job_http_new(addr);
    rc_buf_t body = RC_BUF_INIT;
    long status;
    char err[512];
    rc_json_t *j = NULL;
    assert_int_equal(rc_job_http_call(h, "GET", path, NULL, &status, &body, err, sizeof(err)),
                     RC_OK);
    assert_int_equal(status, 200);
    assert_int_equal(rc_json_parse(body.data, body.len, &j, err, sizeof(err)), RC_OK);
    rc_buf_free(&body);
    rc_job_http_free(h);
    return j;
}

static void test_submit_no_wait(void **state)
{
    (void)state;
    NEED_SERVER();
    result_t r = run(0, "submit", "--address", addr, "--submission-id", "t1", "--working-dir", ".",
                     "--runtime-env-json", "{\"env_vars\": {\"A\": \"1\"}}", "--metadata-json",
                     "{\"who\": \"test\"}", "--entrypoint-num-cpus", "1.5", "--entrypoint-memory",
                     "1GiB", "--no-wait", "--", "echo", "hello", NULL);
    expect_code(&r, 0);
    char want[256];
    snprintf(want, sizeof(want), "Job submission server address: %s\n", addr);
    EXPECT_IN(r.out, want);
    EXPECT_IN(r.out, "-------------------------------\n"
                     "Job 't1' submitted successfully\n"
                     "-------------------------------\n");
    EXPECT_IN(r.out, "    rayc job logs t1\n");
    EXPECT_IN(r.out, "    rayc job stop t1\n");
    assert_null(strstr(r.out, "Tailing logs"));
    assert_string_equal(r.err, "");
    cli_result_free(&r);

    /* What the dashboard got: the working dir made absolute, inside runtime_env. */
    rc_json_t *body = server_get("/test/last_submit");
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    const rc_json_t *env = rc_json_get(body, "runtime_env");
    assert_string_equal(rc_json_str(rc_json_get(env, "working_dir"), NULL), cwd);
    assert_string_equal(rc_json_str(rc_json_get(rc_json_get(env, "env_vars"), "A"), NULL), "1");
    assert_string_equal(rc_json_str(rc_json_get(body, "entrypoint"), NULL), "echo hello");
    assert_string_equal(rc_json_str(rc_json_get(rc_json_get(body, "metadata"), "who"), NULL),
                        "test");
    assert_true(rc_json_num(rc_json_get(body, "entrypoint_num_cpus")) == 1.5);
    assert_true(rc_json_num(rc_json_get(body, "entrypoint_memory")) == 1073741824.0);
    assert_int_equal(rc_json_type(rc_json_get(body, "entrypoint_num_gpus")), RC_JSON_NULL);
    rc_json_free(body);

    /* The same id again: the dashboard's 400 text, as is. */
    r = run(0, "submit", "--address", addr, "--submission-id", "t1", "--no-wait", "--", "x", NULL);
    expect_code(&r, 1);
    assert_string_equal(r.err, "rayc job submit: Job with submission_id t1 already exists. Please "
                               "use a different submission_id.\n");
    cli_result_free(&r);
}

static void test_submit_and_tail(void **state)
{
    (void)state;
    NEED_SERVER();
    result_t r = run(0, "submit", "--address", addr, "--submission-id", "t2", "--", "echo", NULL);
    expect_code(&r, 0);
    EXPECT_IN(r.out, "Tailing logs until the job exits (disable with --no-wait):\n"
                     "line 1\nline 2\nline 3\n"
                     "\n------------------\nJob 't2' succeeded\n------------------\n\n");
    cli_result_free(&r);
    /* The client answered the PING and the CLOSE, masked. */
    rc_json_t *frames = server_get("/test/client_frames");
    int pong = 0, close_1000 = 0;
    for (size_t i = 0; i < rc_json_len(frames); i++) {
        const rc_json_t *f = rc_json_at(frames, i);
        int64_t op;
        assert_true(rc_json_int(rc_json_get(f, "opcode"), &op));
        assert_true(rc_json_bool(rc_json_get(f, "masked")));
        const char *p = rc_json_str(rc_json_get(f, "payload"), NULL);
        if (op == 10 && strcmp(p, "ping?") == 0) pong = 1;
        if (op == 8 && strcmp(p, "\x03\xc3\xa8") == 0) close_1000 = 1; /* 1000 as latin-1 */
    }
    assert_true(pong);
    assert_true(close_1000);
    rc_json_free(frames);

    /* A failing job: exit 1, its message. */
    r = run(0, "submit", "--address", addr, "--submission-id", "t3", "--", "fail", NULL);
    expect_code(&r, 1);
    EXPECT_IN(r.out, "boom\n\n---------------\nJob 't3' failed\n---------------\n\n"
                     "Status message: Job entrypoint command failed with exit code 1\n");
    cli_result_free(&r);
}

static void test_status_logs_list(void **state)
{
    (void)state;
    NEED_SERVER();
    result_t r = run(0, "status", "--address", addr, "t2", NULL);
    expect_code(&r, 0);
    assert_string_equal(
        r.out, "Status for job 't2': SUCCEEDED\nStatus message: Job finished successfully.\n");
    cli_result_free(&r);

    r = run(0, "status", "--address", addr, "nope", NULL);
    expect_code(&r, 1);
    assert_string_equal(r.err, "rayc job status: Job nope does not exist\n");
    cli_result_free(&r);

    r = run(0, "logs", "--address", addr, "t2", NULL);
    expect_code(&r, 0);
    assert_string_equal(r.out, "line 1\nline 2\nline 3\n");
    cli_result_free(&r);

    r = run(0, "logs", "--address", addr, "-f", "t3", NULL);
    expect_code(&r, 0);
    assert_string_equal(r.out, "boom\n");
    cli_result_free(&r);

    /* The WebSocket upgrade refused: the 404 text. */
    r = run(0, "logs", "--address", addr, "--follow", "no/pe", NULL);
    expect_code(&r, 1);
    assert_string_equal(r.err, "rayc job logs: Job no/pe does not exist\n");
    cli_result_free(&r);

    /* $RAY_ADDRESS with the dashboard's port. */
    setenv("RAY_ADDRESS", addr + strlen("http://"), 1);
    r = run(0, "list", NULL);
    unsetenv("RAY_ADDRESS");
    expect_code(&r, 0);
    EXPECT_IN(r.out, "SUBMISSION_ID  JOB_ID    STATUS     ENTRYPOINT  START");
    EXPECT_IN(r.out, "\nt1             01000000  SUCCEEDED  echo hello  ");
    EXPECT_IN(r.out, "  FAILED     fail        "); /* t3 */
    cli_result_free(&r);

    r = run(0, "list", "--address", addr, "--format", "json", NULL);
    expect_code(&r, 0);
    assert_true(r.out[0] == '[');
    EXPECT_IN(r.out, "\"submission_id\": \"t2\"");
    cli_result_free(&r);
}

static void test_stop_interrupt_delete(void **state)
{
    (void)state;
    NEED_SERVER();
    /* Ctrl-C while tailing: the job keeps running. */
    result_t r =
        run(1500, "submit", "--address", addr, "--submission-id", "f1", "--", "forever", NULL);
    expect_code(&r, 1);
    EXPECT_IN(r.out, "tick 0\n");
    EXPECT_IN(r.err, "rayc job submit: interrupted; job 'f1' keeps running. Stop it with `rayc "
                     "job stop f1`");
    cli_result_free(&r);
    r = run(0, "status", "--address", addr, "f1", NULL);
    EXPECT_IN(r.out, "Status for job 'f1': RUNNING\n");
    cli_result_free(&r);

    /* Not finished: cannot be deleted. */
    r = run(0, "delete", "--address", addr, "f1", NULL);
    expect_code(&r, 1);
    EXPECT_IN(r.err, "rayc job delete: Attempted to delete job with submission_id f1, but it is "
                     "in a non-terminal state.\n");
    cli_result_free(&r);

    r = run(0, "stop", "--address", addr, "f1", NULL);
    expect_code(&r, 0);
    assert_string_equal(r.out, "Attempting to stop job 'f1'\n"
                               "Waiting for job 'f1' to exit (disable with --no-wait):\n"
                               "Job 'f1' was stopped\n");
    cli_result_free(&r);

    r = run(0, "delete", "--address", addr, "f1", NULL);
    expect_code(&r, 0);
    assert_string_equal(r.out, "Job 'f1' deleted successfully\n");
    cli_result_free(&r);
    r = run(0, "status", "--address", addr, "f1", NULL);
    expect_code(&r, 1);
    cli_result_free(&r);
}

/* Not a terminal: a progress line every 5 s while PENDING. */
static void test_pending_progress(void **state)
{
    (void)state;
    NEED_SERVER();
    result_t r =
        run(0, "submit", "--address", addr, "--submission-id", "s1", "--", "slowstart", NULL);
    expect_code(&r, 0);
    EXPECT_IN(r.err, "Waiting for job 's1' to start (PENDING: waiting for resources) 5s…\n");
    assert_null(strchr(r.err, '\r'));
    EXPECT_IN(r.out, "line 3\n");
    cli_result_free(&r);
}

static void test_unreachable_and_usage(void **state)
{
    (void)state;
    result_t r = run(0, "status", "--address", "http://127.0.0.1:1", "x", NULL);
    expect_code(&r, 1);
    EXPECT_IN(r.err, "rayc job: cannot reach the dashboard at http://127.0.0.1:1 (");
    EXPECT_IN(r.err, "): is the head running? Start one with `rayc start --head`, or pass "
                     "--address.\n");
    cli_result_free(&r);

    /* Bad flags fail before any connection (exit 2). */
    r = run(0, "submit", "--address", "http://127.0.0.1:1", "--runtime-env-json", "{", "--", "x",
            NULL);
    expect_code(&r, 2);
    EXPECT_IN(r.err, "rayc job submit: --runtime-env-json is not valid JSON: ");
    cli_result_free(&r);
    r = run(0, "submit", "--working-dir", "/nonexistent-dir-for-test", "--", "x", NULL);
    expect_code(&r, 2);
    EXPECT_IN(r.err, "--working-dir /nonexistent-dir-for-test: No such file or directory");
    cli_result_free(&r);
    r = run(0, "submit", "--no-wait", NULL);
    expect_code(&r, 2);
    EXPECT_IN(r.err, "no entrypoint");
    cli_result_free(&r);
    r = run(0, "frobnicate", NULL);
    expect_code(&r, 2);
    EXPECT_IN(r.err, "rayc job: unknown command 'frobnicate'");
    cli_result_free(&r);
    r = run(0, "stop", "--help", NULL);
    expect_code(&r, 0);
    EXPECT_IN(r.out, "usage: rayc job stop [flags] ID");
    cli_result_free(&r);
}

int main(void)
{
    unsetenv("RAY_ADDRESS");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submit_no_wait),   cmocka_unit_test(test_submit_and_tail),
        cmocka_unit_test(test_status_logs_list), cmocka_unit_test(test_stop_interrupt_delete),
        cmocka_unit_test(test_pending_progress), cmocka_unit_test(test_unreachable_and_usage),
    };
    return cmocka_run_group_tests(tests, server_start, server_stop);
}
