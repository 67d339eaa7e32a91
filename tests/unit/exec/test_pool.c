/* test_pool.c — command tasks (worker/exec/cmd.h) and the executor pool
 * (worker/exec/pool.h) on a real libuv loop: exit codes, the 100 KiB stdout
 * tail, cancel killing a whole process group, executor reuse, a crash
 * reported as STATUS_WORKER_DIED and the executor replaced, and what the pool
 * says of its executors (rc_exec_pool_workers, worker_pid/worker_id of results). */
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
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "clock.h"
#include "cmd.h"
#include "pool.h"

static char g_exe[PATH_MAX], g_lib[PATH_MAX];

typedef struct {
    rc_exec_result_t *res[16];
    int n;
} got_t;

static void on_done(void *arg, rc_exec_result_t *r)
{
    got_t *g = arg;
    assert_true(g->n < 16);
    g->res[g->n++] = r;
}

static void got_free(got_t *g)
{
    for (int i = 0; i < g->n; i++) rc_exec_result_free(g->res[i]);
    g->n = 0;
}

static void run_until(uv_loop_t *loop, got_t *g, int n)
{
    uint64_t start = uv_hrtime();
    while (g->n < n && uv_hrtime() - start < 8000000000ull) uv_run(loop, UV_RUN_ONCE);
    assert_int_equal(g->n, n);
}

static rc_exec_env_t g_env = {NULL, NULL, -1};

static Rayc__TaskSpec cmd_spec(char **argv, size_t n, uint8_t id)
{
    static uint8_t ids[256][16];
    Rayc__TaskSpec s;
    rayc__task_spec__init(&s);
    memset(ids[id], id, 16);
    s.task_id.data = ids[id];
    s.task_id.len = 16;
    s.kind = RAYC__TASK_KIND__TASK_COMMAND;
    s.argv = argv;
    s.n_argv = n;
    return s;
}

static void test_cmd_exit_codes(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    got_t g = {{0}, 0};
    rc_exec_cmd_t *c;
    char err[512];
    char *ok[] = {"/bin/sh", "-c", "echo hello; echo oops >&2"};
    Rayc__TaskSpec s = cmd_spec(ok, 3, 1);
    assert_int_equal(rc_exec_cmd_start(&loop, &s, &g_env, on_done, &g, &c, err, sizeof(err)),
                     RC_OK);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_int_equal(g.res[0]->exit_code, 0);
    assert_int_equal(g.res[0]->len, 6);
    assert_memory_equal(g.res[0]->data, "hello\n", 6);
    got_free(&g);

    char *three[] = {"/bin/sh", "-c", "exit 3"};
    s = cmd_spec(three, 3, 2);
    assert_int_equal(rc_exec_cmd_start(&loop, &s, &g_env, on_done, &g, &c, err, sizeof(err)),
                     RC_OK);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_APP_ERROR);
    assert_int_equal(g.res[0]->exit_code, 3);
    assert_string_equal(g.res[0]->error, "command exited with status 3");
    got_free(&g);

    char *killed[] = {"/bin/sh", "-c", "kill -TERM $$"};
    s = cmd_spec(killed, 3, 3);
    assert_int_equal(rc_exec_cmd_start(&loop, &s, &g_env, on_done, &g, &c, err, sizeof(err)),
                     RC_OK);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->exit_code, 128 + SIGTERM);
    got_free(&g);

    char *missing[] = {"/nonexistent/program"};
    s = cmd_spec(missing, 1, 4);
    assert_int_not_equal(rc_exec_cmd_start(&loop, &s, &g_env, on_done, &g, &c, err, sizeof(err)),
                         RC_OK);
    assert_non_null(strstr(err, "cannot run /nonexistent/program"));
    s = cmd_spec(missing, 0, 5);
    assert_int_equal(rc_exec_cmd_start(&loop, &s, &g_env, on_done, &g, &c, err, sizeof(err)),
                     RC_EINVAL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(g.n, 0);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_cmd_tail(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    got_t g = {{0}, 0};
    rc_exec_cmd_t *c;
    char err[512];
    /* 300000 bytes: the result keeps the last 100 KiB, ending with "END". */
    char *big[] = {"/bin/sh", "-c", "head -c 299997 /dev/zero | tr '\\0' x; printf END"};
    Rayc__TaskSpec s = cmd_spec(big, 3, 6);
    assert_int_equal(rc_exec_cmd_start(&loop, &s, &g_env, on_done, &g, &c, err, sizeof(err)),
                     RC_OK);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_int_equal(g.res[0]->len, RC_EXEC_STDOUT_TAIL);
    assert_memory_equal(g.res[0]->data + g.res[0]->len - 3, "END", 3);
    assert_int_equal(g.res[0]->data[0], 'x');
    got_free(&g);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static int pid_alive(pid_t pid)
{
    return kill(pid, 0) == 0;
}

static void test_cmd_cancel_group(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    for (int force = 0; force <= 1; force++) {
        got_t g = {{0}, 0};
        rc_exec_cmd_t *c;
        char err[512];
        char pidfile[] = "/tmp/rc_test_cmd_XXXXXX";
        int fd = mkstemp(pidfile);
        assert_true(fd >= 0);
        close(fd);
        /* A child `sleep 100` in the background (ignoring SIGINT, as a
         * non-interactive shell's background jobs do) and the shell waiting. */
        char script[512];
        snprintf(script, sizeof(script), "sleep 100 & echo $! > %s; wait", pidfile);
        char *argv[] = {"/bin/sh", "-c", script};
        Rayc__TaskSpec s = cmd_spec(argv, 3, (uint8_t)(10 + force));
        assert_int_equal(rc_exec_cmd_start(&loop, &s, &g_env, on_done, &g, &c, err, sizeof(err)),
                         RC_OK);
        pid_t child = 0;
        for (int i = 0; i < 200 && child <= 0; i++) {
            uv_run(&loop, UV_RUN_NOWAIT);
            usleep(10000);
            FILE *f = fopen(pidfile, "r");
            if (f) {
                if (fscanf(f, "%d", &child) != 1) child = 0;
                fclose(f);
            }
        }
        assert_true(child > 0);
        assert_true(pid_alive(child));
        uint64_t t0 = uv_hrtime();
        rc_exec_cmd_cancel(c, force);
        run_until(&loop, &g, 1);
        uint64_t ms = (uv_hrtime() - t0) / 1000000;
        if (force) assert_true(ms < 2000);
        assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_CANCELLED);
        /* The group kill reached the grandchild (it may linger as a zombie of
         * init for a moment). */
        for (int i = 0; i < 100 && pid_alive(child); i++) usleep(10000);
        char stat[64], buf[256] = "";
        snprintf(stat, sizeof(stat), "/proc/%d/stat", (int)child);
        FILE *f = fopen(stat, "r");
        if (f) {
            if (!fgets(buf, sizeof(buf), f)) buf[0] = '\0';
            fclose(f);
            assert_non_null(strstr(buf, ") Z"));
        }
        got_free(&g);
        unlink(pidfile);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static Rayc__TaskSpec fn_spec(const char *fn, Rayc__TaskArg **args, size_t n, uint8_t id)
{
    Rayc__TaskSpec s = cmd_spec(NULL, 0, id);
    s.kind = RAYC__TASK_KIND__TASK_FUNCTION;
    s.library = g_lib;
    s.function = (char *)fn;
    s.args = args;
    s.n_args = n;
    return s;
}

static void on_closed(void *arg)
{
    *(int *)arg = 1;
}

static void test_pool(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    got_t g = {{0}, 0};
    rc_exec_pool_config_t cfg = {g_exe, 2, {NULL, NULL, -1}};
    rc_exec_pool_t *p = rc_exec_pool_new(&loop, &cfg, on_done, &g);
    assert_int_equal(rc_exec_pool_free_slots(p), 2);
    assert_int_equal(rc_exec_pool_executors(p), 0); /* lazily started */

    Rayc__TaskSpec s = fn_spec("getpid_task", NULL, 0, 20);
    rc_exec_pool_submit(p, &s, NULL, 0);
    assert_int_equal(rc_exec_pool_free_slots(p), 1);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_OK);
    char pid1[32];
    snprintf(pid1, sizeof(pid1), "%.*s", (int)g.res[0]->len, (char *)g.res[0]->data);
    got_free(&g);
    assert_int_equal(rc_exec_pool_free_slots(p), 2);

    /* Reused. */
    rc_exec_pool_submit(p, &s, NULL, 0);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->len, strlen(pid1));
    assert_memory_equal(g.res[0]->data, pid1, strlen(pid1));
    got_free(&g);

    /* A crash: WORKER_DIED, and a new executor takes the next task. */
    s = fn_spec("crash", NULL, 0, 21);
    rc_exec_pool_submit(p, &s, NULL, 0);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_WORKER_DIED);
    assert_non_null(strstr(g.res[0]->error, "died"));
    got_free(&g);
    s = fn_spec("getpid_task", NULL, 0, 22);
    rc_exec_pool_submit(p, &s, NULL, 0);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_OK);
    got_free(&g);

    /* Cancel: force kills a running function; non-force lets it finish. */
    Rayc__TaskArg a;
    rayc__task_arg__init(&a);
    a.value_case = RAYC__TASK_ARG__VALUE_DATA;
    a.data.data = (uint8_t *)"5000";
    a.data.len = 4;
    Rayc__TaskArg *ap = &a;
    s = fn_spec("sleep_ms", &ap, 1, 23);
    rc_exec_pool_submit(p, &s, NULL, 0);
    for (int i = 0; i < 20; i++) uv_run(&loop, UV_RUN_NOWAIT);
    usleep(50000);
    assert_int_equal(rc_exec_pool_cancel(p, s.task_id.data, 16, 1), 1);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_CANCELLED);
    got_free(&g);
    a.data.data = (uint8_t *)"100";
    a.data.len = 3;
    s = fn_spec("sleep_ms", &ap, 1, 24);
    rc_exec_pool_submit(p, &s, NULL, 0);
    for (int i = 0; i < 20; i++) uv_run(&loop, UV_RUN_NOWAIT);
    assert_int_equal(rc_exec_pool_cancel(p, s.task_id.data, 16, 0), 1);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_CANCELLED);
    got_free(&g);

    /* A command shares the slots. */
    char *argv[] = {"/bin/sh", "-c", "exit 0"};
    s = cmd_spec(argv, 3, 25);
    rc_exec_pool_submit(p, &s, NULL, 0);
    assert_int_equal(rc_exec_pool_free_slots(p), 1);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_OK);
    got_free(&g);

    /* Close with a task running: it is reported WORKER_DIED. */
    a.data.data = (uint8_t *)"5000";
    a.data.len = 4;
    s = fn_spec("sleep_ms", &ap, 1, 26);
    rc_exec_pool_submit(p, &s, NULL, 0);
    int closed = 0;
    rc_exec_pool_close(p, on_closed, &closed);
    while (!closed) uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_WORKER_DIED);
    got_free(&g);
    rc_exec_pool_free(p);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static const rc_exec_worker_t *busy_with(const rc_exec_worker_t *ws, size_t n, uint8_t id)
{
    uint8_t want[16];
    memset(want, id, 16);
    for (size_t i = 0; i < n; i++)
        if (ws[i].busy && ws[i].task_id_len == 16 && memcmp(ws[i].task_id, want, 16) == 0)
            return &ws[i];
    return NULL;
}

static void assert_names(const rc_exec_result_t *r, const rc_exec_worker_t *w)
{
    assert_int_equal(r->worker_pid, w->pid);
    assert_memory_equal(r->worker_id, w->id.b, 16);
    /* And so does the TaskResult the agent sends. */
    Rayc__TaskResult pb;
    rc_exec_result_to_pb(r, &pb);
    assert_int_equal(pb.worker_pid, w->pid);
    assert_int_equal(pb.worker_id.len, 16);
    assert_memory_equal(pb.worker_id.data, w->id.b, 16);
}

static void test_pool_workers(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    got_t g = {{0}, 0};
    rc_exec_pool_config_t cfg = {g_exe, 2, {NULL, NULL, -1}};
    rc_exec_pool_t *p = rc_exec_pool_new(&loop, &cfg, on_done, &g);
    rc_exec_worker_t ws[4];
    assert_int_equal(rc_exec_pool_workers(p, ws, 4), 0);

    /* A running task: its executor (started for it) is busy with it. */
    int64_t before = rc_clock_wall_ms();
    Rayc__TaskArg a;
    rayc__task_arg__init(&a);
    a.value_case = RAYC__TASK_ARG__VALUE_DATA;
    a.data.data = (uint8_t *)"200";
    a.data.len = 3;
    Rayc__TaskArg *ap = &a;
    Rayc__TaskSpec s = fn_spec("sleep_ms", &ap, 1, 40);
    rc_exec_pool_submit(p, &s, NULL, 0);
    assert_int_equal(rc_exec_pool_workers(p, ws, 4), 1);
    const rc_exec_worker_t *b = busy_with(ws, 1, 40);
    assert_non_null(b);
    rc_exec_worker_t first = *b;
    assert_true(first.pid > 0);
    assert_false(rc_id_is_nil(&first.id));
    assert_int_equal(first.tasks_done, 0);
    assert_true(first.start_time_ms >= before && first.start_time_ms <= rc_clock_wall_ms());
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_names(g.res[0], &first);
    got_free(&g);

    /* Idle again, one task done, same identity. */
    assert_int_equal(rc_exec_pool_workers(p, ws, 4), 1);
    assert_false(ws[0].busy);
    assert_null(ws[0].task_id);
    assert_int_equal(ws[0].task_id_len, 0);
    assert_int_equal(ws[0].tasks_done, 1);
    assert_true(rc_id_eq(&ws[0].id, &first.id));
    assert_int_equal(ws[0].pid, first.pid);

    /* The pid a result names is the process that ran the task. */
    s = fn_spec("getpid_task", NULL, 0, 41);
    rc_exec_pool_submit(p, &s, NULL, 0);
    run_until(&loop, &g, 1);
    char pid[32];
    snprintf(pid, sizeof(pid), "%d", (int)first.pid);
    assert_int_equal(g.res[0]->len, strlen(pid));
    assert_memory_equal(g.res[0]->data, pid, strlen(pid));
    assert_names(g.res[0], &first);
    got_free(&g);

    /* Two at once: a second executor, listed after the first (start order). */
    s = fn_spec("sleep_ms", &ap, 1, 42);
    rc_exec_pool_submit(p, &s, NULL, 0);
    s = fn_spec("sleep_ms", &ap, 1, 43);
    rc_exec_pool_submit(p, &s, NULL, 0);
    assert_int_equal(rc_exec_pool_workers(p, ws, 4), 2);
    assert_true(rc_id_eq(&ws[0].id, &first.id));
    assert_int_equal(ws[0].tasks_done, 2);
    assert_false(rc_id_eq(&ws[1].id, &first.id));
    assert_true(ws[0].busy && ws[1].busy);
    assert_non_null(busy_with(ws, 2, 42));
    assert_non_null(busy_with(ws, 2, 43));
    /* task_id is borrowed: keep copies of who runs what. */
    rc_exec_worker_t ran[2] = {*busy_with(ws, 2, 42), *busy_with(ws, 2, 43)};
    assert_int_equal(rc_exec_pool_workers(p, ws, 1), 1); /* cap respected */
    run_until(&loop, &g, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(g.res[i]->status, RAYC__TASK_STATUS__STATUS_OK);
        assert_names(g.res[i], &ran[g.res[i]->task_id[0] - 42]);
    }
    got_free(&g);

    /* A crash: the WORKER_DIED result names the executor that died, which
     * leaves the list. */
    s = fn_spec("crash", NULL, 0, 44);
    rc_exec_pool_submit(p, &s, NULL, 0);
    assert_int_equal(rc_exec_pool_workers(p, ws, 4), 2);
    rc_exec_worker_t crashed = *busy_with(ws, 2, 44);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_WORKER_DIED);
    assert_names(g.res[0], &crashed);
    got_free(&g);
    assert_int_equal(rc_exec_pool_workers(p, ws, 4), 1);
    assert_false(rc_id_eq(&ws[0].id, &crashed.id));

    /* A command runs in no executor: its result names none. */
    char *argv[] = {"/bin/sh", "-c", "exit 0"};
    s = cmd_spec(argv, 3, 45);
    rc_exec_pool_submit(p, &s, NULL, 0);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_int_equal(g.res[0]->worker_pid, 0);
    Rayc__TaskResult pb;
    rc_exec_result_to_pb(g.res[0], &pb);
    assert_int_equal(pb.worker_pid, 0);
    assert_int_equal(pb.worker_id.len, 0);
    got_free(&g);

    int closed = 0;
    rc_exec_pool_close(p, on_closed, &closed);
    while (!closed) uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(rc_exec_pool_workers(p, ws, 4), 0);
    rc_exec_pool_free(p);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_pool_bad_executor(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    got_t g = {{0}, 0};
    rc_exec_pool_config_t cfg = {"/nonexistent/rayc-executor", 1, {NULL, NULL, -1}};
    rc_exec_pool_t *p = rc_exec_pool_new(&loop, &cfg, on_done, &g);
    Rayc__TaskSpec s = fn_spec("noop", NULL, 0, 30);
    rc_exec_pool_submit(p, &s, NULL, 0);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_WORKER_DIED);
    assert_non_null(strstr(g.res[0]->error, "cannot start the executor"));
    got_free(&g);
    int closed = 0;
    rc_exec_pool_close(p, on_closed, &closed);
    while (!closed) uv_run(&loop, UV_RUN_ONCE);
    rc_exec_pool_free(p);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) return 1;
    self[n] = '\0';
    char *build = dirname(dirname(self));
    snprintf(g_exe, sizeof(g_exe), "%s/bin/rayc-executor", build);
    snprintf(g_lib, sizeof(g_lib), "%s/lib/librayc_testtasks.so", build);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmd_exit_codes),    cmocka_unit_test(test_cmd_tail),
        cmocka_unit_test(test_cmd_cancel_group),  cmocka_unit_test(test_pool),
        cmocka_unit_test(test_pool_bad_executor), cmocka_unit_test(test_pool_workers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
