/* test_executor.c — rayc-executor driven through its pipes as the agent does:
 * ExecRequests for librayc_testtasks.so on fd 3, TaskResults on fd 4; missing
 * libraries and symbols, failures, a crash seen as EOF, an oversized frame. */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "frame.h"
#include "task.pb-c.h"

static char g_exe[PATH_MAX], g_lib[PATH_MAX];

typedef struct {
    pid_t pid;
    int req, res; /* our ends */
} child_t;

static void paths(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    assert_true(n > 0);
    self[n] = '\0';
    char *build = dirname(dirname(self)); /* build/tests/x -> build */
    snprintf(g_exe, sizeof(g_exe), "%s/bin/rayc-executor", build);
    snprintf(g_lib, sizeof(g_lib), "%s/lib/librayc_testtasks.so", build);
}

static child_t start(void)
{
    int a[2], b[2];
    assert_int_equal(pipe(a), 0);
    assert_int_equal(pipe(b), 0);
    child_t c;
    c.pid = fork();
    assert_true(c.pid >= 0);
    if (c.pid == 0) {
        /* fd 3 = requests (read end of a), fd 4 = results (write end of b). */
        int r = dup(a[0]), w = dup(b[1]);
        dup2(r, 3);
        dup2(w, 4);
        int null = open("/dev/null", O_WRONLY);
        if (!getenv("RC_TEST_VERBOSE")) dup2(null, 2);
        for (int fd = 5; fd < 64; fd++) close(fd);
        execl(g_exe, g_exe, (char *)NULL);
        _exit(127);
    }
    close(a[0]);
    close(b[1]);
    c.req = a[1];
    c.res = b[0];
    return c;
}

static int stop(child_t *c)
{
    close(c->req);
    close(c->res);
    int st = 0;
    waitpid(c->pid, &st, 0);
    return st;
}

/* Sends one function task and returns its unpacked result (NULL on EOF). */
static Rayc__TaskResult *call(child_t *c, const char *lib, const char *fn, const char **args,
                              const size_t *lens, size_t n)
{
    Rayc__TaskSpec spec;
    rayc__task_spec__init(&spec);
    uint8_t id[16];
    memset(id, 7, sizeof(id));
    spec.task_id.data = id;
    spec.task_id.len = 16;
    spec.attempt = 2;
    spec.kind = RAYC__TASK_KIND__TASK_FUNCTION;
    spec.library = (char *)lib;
    spec.function = (char *)fn;
    Rayc__TaskArg targs[8], *ptrs[8];
    for (size_t i = 0; i < n; i++) {
        rayc__task_arg__init(&targs[i]);
        targs[i].value_case = RAYC__TASK_ARG__VALUE_DATA;
        targs[i].data.data = (uint8_t *)args[i];
        targs[i].data.len = lens[i];
        ptrs[i] = &targs[i];
    }
    spec.n_args = n;
    spec.args = ptrs;
    Rayc__ExecRequest req;
    rayc__exec_request__init(&req);
    req.spec = &spec;
    size_t len = rayc__exec_request__get_packed_size(&req);
    uint8_t *buf = rc_malloc(len);
    rayc__exec_request__pack(&req, buf);
    assert_int_equal(rc_frame_write_fd(c->req, buf, len), RC_OK);
    rc_free(buf);
    uint8_t *out;
    size_t olen;
    rc_err_t rc = rc_frame_read_fd(c->res, &out, &olen, NULL);
    if (rc == RC_ECLOSED) return NULL;
    assert_int_equal(rc, RC_OK);
    Rayc__TaskResult *r = rayc__task_result__unpack(NULL, olen, out);
    rc_free(out);
    assert_non_null(r);
    assert_int_equal(r->task_id.len, 16);
    assert_memory_equal(r->task_id.data, id, 16);
    assert_int_equal(r->attempt, 2);
    return r;
}

static void test_functions(void **state)
{
    (void)state;
    child_t c = start();
    Rayc__TaskResult *r = call(&c, g_lib, "noop", NULL, NULL, 0);
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_int_equal(r->data.len, 0);
    rayc__task_result__free_unpacked(r, NULL);

    const char *a1[] = {"hi there"};
    size_t l1[] = {8};
    r = call(&c, g_lib, "echo", a1, l1, 1);
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_int_equal(r->data.len, 8);
    assert_memory_equal(r->data.data, "hi there", 8);
    rayc__task_result__free_unpacked(r, NULL);

    uint8_t x[8] = {5}, y[8] = {0, 1}; /* 5 + 256 */
    const char *a2[] = {(const char *)x, (const char *)y};
    size_t l2[] = {8, 8};
    r = call(&c, g_lib, "add_u64", a2, l2, 2);
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_int_equal(r->data.len, 8);
    assert_int_equal(r->data.data[0], 5);
    assert_int_equal(r->data.data[1], 1);
    rayc__task_result__free_unpacked(r, NULL);

    const char *a3[] = {"boom"};
    size_t l3[] = {4};
    r = call(&c, g_lib, "fail", a3, l3, 1);
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_APP_ERROR);
    assert_string_equal(r->error, "boom");
    rayc__task_result__free_unpacked(r, NULL);

    /* Reused: the same process answers every call. */
    char pid[32];
    snprintf(pid, sizeof(pid), "%d", (int)c.pid);
    for (int i = 0; i < 2; i++) {
        r = call(&c, g_lib, "getpid_task", NULL, NULL, 0);
        assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OK);
        assert_int_equal(r->data.len, strlen(pid));
        assert_memory_equal(r->data.data, pid, r->data.len);
        rayc__task_result__free_unpacked(r, NULL);
    }

    const char *a4[] = {"20"};
    size_t l4[] = {2};
    r = call(&c, g_lib, "sleep_ms", a4, l4, 1);
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_memory_equal(r->data.data, "20", 2);
    rayc__task_result__free_unpacked(r, NULL);

    int st = stop(&c);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0); /* clean exit on EOF of fd 3 */
}

static void test_missing(void **state)
{
    (void)state;
    child_t c = start();
    Rayc__TaskResult *r = call(&c, "/nonexistent/libnope.so", "noop", NULL, NULL, 0);
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_APP_ERROR);
    assert_non_null(strstr(r->error, "cannot load the task library /nonexistent/libnope.so"));
    rayc__task_result__free_unpacked(r, NULL);
    r = call(&c, g_lib, "no_such_function", NULL, NULL, 0);
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_APP_ERROR);
    assert_non_null(strstr(r->error, "\"no_such_function\" not found"));
    rayc__task_result__free_unpacked(r, NULL);
    r = call(&c, "", "noop", NULL, NULL, 0);
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_APP_ERROR);
    rayc__task_result__free_unpacked(r, NULL);
    /* Still alive and serving. */
    r = call(&c, g_lib, "noop", NULL, NULL, 0);
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OK);
    rayc__task_result__free_unpacked(r, NULL);
    assert_int_equal(WEXITSTATUS(stop(&c)), 0);
}

static void test_crash(void **state)
{
    (void)state;
    child_t c = start();
    assert_null(call(&c, g_lib, "crash", NULL, NULL, 0)); /* EOF on fd 4 */
    int st = stop(&c);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGABRT);
}

static void test_bad_frame(void **state)
{
    (void)state;
    child_t c = start();
    uint8_t ff[4] = {0xff, 0xff, 0xff, 0xff};
    assert_int_equal(write(c.req, ff, 4), 4);
    uint8_t *out;
    size_t len;
    assert_int_equal(rc_frame_read_fd(c.res, &out, &len, NULL), RC_ECLOSED);
    int st = stop(&c);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);

    /* Garbage that is not an ExecRequest. */
    c = start();
    assert_int_equal(rc_frame_write_fd(c.req, "\xff\xff\xff", 3), RC_OK);
    assert_int_equal(rc_frame_read_fd(c.res, &out, &len, NULL), RC_ECLOSED);
    st = stop(&c);
    assert_int_equal(WEXITSTATUS(st), 1);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    paths();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_crash),
        cmocka_unit_test(test_bad_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
