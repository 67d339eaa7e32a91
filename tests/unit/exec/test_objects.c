/* test_objects.c — object arguments and results passed as memfds between the
 * executor pool (worker/exec/pool.h) and rayc-executor over fd 5 (objfd.h):
 * 1 MiB and 64 MiB arguments reach tasks byte-exact, large results come back
 * as sealed memfds (100 KiB stays inline, one byte more does not), several
 * queued tasks each get their own objects in order, no fd leaks (cancelled,
 * requeued, crashed and killed tasks included), a result whose memfd cannot be
 * made fails its task, the executor's checks of a request, the pool's checks
 * at submit, and a fake executor (this program, started with
 * RC_FAKE_EXECUTOR=1) handing back no fd, an unsealed, a wrong-sized or a
 * non-memfd result: the task fails saying so and the executor is replaced. */
#include <dirent.h>
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "blob.h"
#include "fdio.h"
#include "frame.h"
#include "objfd.h"
#include "pool.h"

#define KIB       1024u
#define MIB       (1024u * 1024u)
#define ALL_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

static char g_exe[PATH_MAX], g_lib[PATH_MAX], g_self[PATH_MAX];

/* ---- helpers ---- */

typedef struct {
    rc_exec_result_t *res[64];
    int n;
} got_t;

static void on_done(void *arg, rc_exec_result_t *r)
{
    got_t *g = arg;
    assert_true(g->n < 64);
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
    while (g->n < n && uv_hrtime() - start < 60000000000ull) uv_run(loop, UV_RUN_ONCE);
    assert_int_equal(g->n, n);
}

static void on_closed(void *arg)
{
    *(int *)arg = 1;
}

static void pool_close(uv_loop_t *loop, rc_exec_pool_t *p)
{
    int closed = 0;
    rc_exec_pool_close(p, on_closed, &closed);
    while (!closed) uv_run(loop, UV_RUN_ONCE);
    rc_exec_pool_free(p);
}

static int count_fds(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static uint8_t *blob_new(uint64_t size, uint64_t seed)
{
    uint8_t *b = malloc(size ? size : 1);
    assert_non_null(b);
    rc_blob_fill(b, size, seed);
    return b;
}

/* A sealed memfd holding the blob of (size, seed), as the object store makes. */
static int obj_new(uint64_t size, uint64_t seed)
{
    int fd = memfd_create("test-obj", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_true(fd >= 0);
    uint8_t *b = blob_new(size, seed);
    assert_int_equal(rc_write_all(fd, b, size), RC_OK);
    free(b);
    assert_int_equal(fcntl(fd, F_ADD_SEALS, ALL_SEALS), 0);
    return fd;
}

/* The result is a sealed memfd holding the blob of (size, seed). */
static void assert_store_blob(const rc_exec_result_t *r, uint64_t size, uint64_t seed)
{
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_true(r->fd >= 0);
    assert_null(r->data);
    assert_int_equal(r->len, 0);
    assert_int_equal(r->object_size, size);
    char err[256];
    assert_int_equal(rc_objfd_check(r->fd, size, err, sizeof(err)), RC_OK);
    assert_int_equal(fcntl(r->fd, F_GET_SEALS) & ALL_SEALS, ALL_SEALS);
    void *m = mmap(NULL, size, PROT_READ, MAP_SHARED, r->fd, 0);
    assert_true(m != MAP_FAILED);
    uint8_t *want = blob_new(size, seed);
    assert_memory_equal(m, want, size);
    free(want);
    munmap(m, size);
    /* The agent tells the head it is in the store. */
    Rayc__TaskResult pb;
    rc_exec_result_to_pb(r, &pb);
    assert_true(pb.in_store);
    assert_int_equal(pb.object_size, size);
    assert_int_equal(pb.data.len, 0);
}

static uint64_t result_u64(const rc_exec_result_t *r)
{
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_int_equal(r->fd, -1);
    assert_int_equal(r->len, 8);
    return rc_blob_get_le64(r->data);
}

/* A function task of librayc_testtasks.so; every argument starts as a ref
 * (an object, passed as a memfd) until set inline. Used in place. */
typedef struct {
    Rayc__TaskSpec s;
    Rayc__TaskArg a[4], *ap[4];
    uint8_t id[16], ref[16], num[4][8];
} spec_t;

static void spec_init(spec_t *sp, const char *fn, uint8_t id, size_t nargs)
{
    memset(sp, 0, sizeof(*sp));
    rayc__task_spec__init(&sp->s);
    memset(sp->id, id, 16);
    memset(sp->ref, 0xab, 16);
    sp->s.task_id.data = sp->id;
    sp->s.task_id.len = 16;
    sp->s.kind = RAYC__TASK_KIND__TASK_FUNCTION;
    sp->s.library = g_lib;
    sp->s.function = (char *)fn;
    for (size_t i = 0; i < nargs; i++) {
        rayc__task_arg__init(&sp->a[i]);
        sp->a[i].value_case = RAYC__TASK_ARG__VALUE_REF;
        sp->a[i].ref.data = sp->ref;
        sp->a[i].ref.len = 16;
        sp->ap[i] = &sp->a[i];
    }
    sp->s.args = sp->ap;
    sp->s.n_args = nargs;
}

static void spec_bytes(spec_t *sp, size_t i, const void *data, size_t len)
{
    sp->a[i].value_case = RAYC__TASK_ARG__VALUE_DATA;
    sp->a[i].data.data = (uint8_t *)data;
    sp->a[i].data.len = len;
}

static void spec_u64(spec_t *sp, size_t i, uint64_t v)
{
    rc_blob_put_le64(sp->num[i], v);
    spec_bytes(sp, i, sp->num[i], 8);
}

static void submit1(rc_exec_pool_t *p, const char *fn, uint8_t id, int fd, uint64_t size)
{
    spec_t sp;
    spec_init(&sp, fn, id, 1);
    rc_exec_obj_t o = {0, fd, size};
    rc_exec_pool_submit(p, &sp.s, &o, 1);
}

static rc_exec_pool_t *pool_new(uv_loop_t *loop, got_t *g, size_t slots)
{
    rc_exec_pool_config_t cfg = {g_exe, slots, {NULL, NULL, -1}};
    return rc_exec_pool_new(loop, &cfg, on_done, g);
}

/* ---- through the pool and the real executor ---- */

static void test_object_args(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    got_t g = {{0}, 0};
    rc_exec_pool_t *p = pool_new(&loop, &g, 1);
    const uint64_t sizes[] = {1 * MIB, 64 * MIB};
    for (int k = 0; k < 2; k++) {
        uint64_t size = sizes[k], seed = 1000 + (uint64_t)k;
        int fd = obj_new(size, seed);
        uint8_t *want = blob_new(size, seed);
        submit1(p, "arg_len", 1, fd, size);
        submit1(p, "digest", 2, fd, size);
        submit1(p, "echo", 3, fd, size);
        run_until(&loop, &g, 3);
        assert_int_equal(result_u64(g.res[0]), size);
        assert_int_equal(result_u64(g.res[1]), rc_blob_digest(want, size));
        /* echo returns its argument: more than 100 KiB, so a memfd again. */
        assert_int_equal(g.res[2]->task_id[0], 3);
        assert_store_blob(g.res[2], size, seed);
        free(want);
        got_free(&g);
        /* The caller's fd is its own: still open, still the object. */
        assert_int_equal(rc_objfd_check(fd, size, NULL, 0), RC_OK);
        close(fd);
    }

    /* An empty object, and an object next to an inline argument. */
    int empty = obj_new(0, 0);
    submit1(p, "arg_len", 4, empty, 0);
    submit1(p, "echo", 5, empty, 0);
    int big = obj_new(300 * KIB, 77);
    spec_t sp;
    spec_init(&sp, "slow_echo", 6, 2);
    spec_bytes(&sp, 0, "1", 1);
    rc_exec_obj_t o = {1, big, 300 * KIB};
    rc_exec_pool_submit(p, &sp.s, &o, 1);
    run_until(&loop, &g, 3);
    assert_int_equal(result_u64(g.res[0]), 0);
    assert_int_equal(g.res[1]->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_int_equal(g.res[1]->fd, -1);
    assert_int_equal(g.res[1]->len, 0);
    assert_store_blob(g.res[2], 300 * KIB, 77);
    got_free(&g);
    close(empty);
    close(big);

    pool_close(&loop, p);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_inline_bound(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    got_t g = {{0}, 0};
    rc_exec_pool_t *p = pool_new(&loop, &g, 1);
    const uint64_t sizes[] = {RC_EXEC_INLINE_MAX, RC_EXEC_INLINE_MAX + 1};
    for (int k = 0; k < 2; k++) {
        spec_t sp;
        spec_init(&sp, "blob", (uint8_t)(10 + k), 2);
        spec_u64(&sp, 0, sizes[k]);
        spec_u64(&sp, 1, 42);
        rc_exec_pool_submit(p, &sp.s, NULL, 0);
    }
    run_until(&loop, &g, 2);
    /* 100 KiB exactly: inline. */
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_int_equal(g.res[0]->fd, -1);
    assert_int_equal(g.res[0]->len, RC_EXEC_INLINE_MAX);
    uint8_t *want = blob_new(RC_EXEC_INLINE_MAX, 42);
    assert_memory_equal(g.res[0]->data, want, RC_EXEC_INLINE_MAX);
    free(want);
    Rayc__TaskResult pb;
    rc_exec_result_to_pb(g.res[0], &pb);
    assert_false(pb.in_store);
    /* One byte more: a memfd. */
    assert_store_blob(g.res[1], RC_EXEC_INLINE_MAX + 1, 42);
    got_free(&g);

    /* No memfd can be made (the task lowered the executor's fd limit): the task
     * fails saying why, and the executor goes on serving. */
    spec_t sp;
    spec_init(&sp, "blob_no_fds", 12, 2);
    spec_u64(&sp, 0, 200 * KIB);
    spec_u64(&sp, 1, 1);
    rc_exec_pool_submit(p, &sp.s, NULL, 0);
    spec_init(&sp, "blob", 13, 2);
    spec_u64(&sp, 0, 200 * KIB);
    spec_u64(&sp, 1, 2);
    rc_exec_pool_submit(p, &sp.s, NULL, 0);
    run_until(&loop, &g, 2);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_APP_ERROR);
    assert_int_equal(g.res[0]->fd, -1);
    assert_non_null(strstr(g.res[0]->error, "cannot create a memfd for the task's result"));
    assert_non_null(strstr(g.res[0]->error, "too many open files"));
    assert_store_blob(g.res[1], 200 * KIB, 2);
    assert_int_equal(g.res[0]->worker_pid, g.res[1]->worker_pid);
    got_free(&g);

    pool_close(&loop, p);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* Many tasks behind one executor (its pipe and the pool's queue), each with
 * its own object, interleaved with tasks without: each digest is its own. */
static void test_queued_order(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    got_t g = {{0}, 0};
    rc_exec_pool_t *p = pool_new(&loop, &g, 1);
    /* The executor's fds once it is up and has loaded the task library. */
    spec_t sp;
    spec_init(&sp, "noop", 0, 0);
    rc_exec_pool_submit(p, &sp.s, NULL, 0);
    run_until(&loop, &g, 1);
    got_free(&g);
    rc_exec_worker_t w;
    assert_int_equal(rc_exec_pool_workers(p, &w, 1), 1);
    int fds_before = count_fds(w.pid);
    spec_init(&sp, "sleep_ms", 1, 1);
    spec_bytes(&sp, 0, "200", 3);
    rc_exec_pool_submit(p, &sp.s, NULL, 0);
    enum { N = 16 };
    int fds[N];
    uint64_t sizes[N], digests[N];
    for (int i = 0; i < N; i++) {
        sizes[i] = 150 * KIB + (uint64_t)i * 4099;
        fds[i] = obj_new(sizes[i], (uint64_t)i);
        uint8_t *b = blob_new(sizes[i], (uint64_t)i);
        digests[i] = rc_blob_digest(b, sizes[i]);
        free(b);
        if (i % 4 == 3) {
            /* Two objects in one task: the digest of arg 0, arg 1 unused. */
            spec_init(&sp, "digest", (uint8_t)(10 + i), 2);
            rc_exec_obj_t o[2] = {{1, fds[i - 1], sizes[i - 1]}, {0, fds[i], sizes[i]}};
            rc_exec_pool_submit(p, &sp.s, o, 2);
        } else {
            submit1(p, "digest", (uint8_t)(10 + i), fds[i], sizes[i]);
        }
        if (i % 5 == 0) {
            spec_init(&sp, "noop", (uint8_t)(100 + i), 0);
            rc_exec_pool_submit(p, &sp.s, NULL, 0);
        }
    }
    int total = 1 + N + (N + 4) / 5;
    run_until(&loop, &g, total);
    int k = 1;
    assert_int_equal(g.res[0]->task_id[0], 1);
    for (int i = 0; i < N; i++) {
        const rc_exec_result_t *r = g.res[k++];
        assert_int_equal(r->task_id[0], 10 + i);
        assert_int_equal(result_u64(r), digests[i]);
        assert_int_equal(r->worker_pid, w.pid);
        if (i % 5 == 0) {
            assert_int_equal(g.res[k++]->task_id[0], 100 + i);
        }
    }
    assert_int_equal(k, total);
    /* The executor closed every memfd it was given. */
    assert_int_equal(count_fds(w.pid), fds_before);
    got_free(&g);
    for (int i = 0; i < N; i++) close(fds[i]);
    pool_close(&loop, p);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static const rc_exec_result_t *by_id(const got_t *g, uint8_t id)
{
    for (int i = 0; i < g->n; i++)
        if (g->res[i]->task_id_len == 16 && g->res[i]->task_id[0] == id) return g->res[i];
    fail_msg("no result for task %u", (unsigned)id);
    return NULL;
}

/* Cancelled (queued and handed over), requeued after a killed executor,
 * crashed, killed and shut-down tasks with objects: every duplicate the pool
 * took is closed, and requeued tasks still get their objects. */
static void test_fd_hygiene(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    got_t g = {{0}, 0};
    /* Warm up whatever libuv sets up once (the SIGCHLD machinery). */
    rc_exec_pool_t *p = pool_new(&loop, &g, 1);
    spec_t sp;
    spec_init(&sp, "noop", 1, 0);
    rc_exec_pool_submit(p, &sp.s, NULL, 0);
    run_until(&loop, &g, 1);
    got_free(&g);
    pool_close(&loop, p);
    int base = count_fds(getpid());

    p = pool_new(&loop, &g, 1);
    spec_init(&sp, "sleep_ms", 2, 1);
    spec_bytes(&sp, 0, "5000", 4);
    rc_exec_pool_submit(p, &sp.s, NULL, 0);
    enum { N = 14 };
    int fds[N];
    uint64_t digests[N];
    for (int i = 0; i < N; i++) {
        uint64_t size = 200 * KIB + (uint64_t)i;
        fds[i] = obj_new(size, 500 + (uint64_t)i);
        uint8_t *b = blob_new(size, 500 + (uint64_t)i);
        digests[i] = rc_blob_digest(b, size);
        free(b);
        submit1(p, "digest", (uint8_t)(10 + i), fds[i], size);
    }
    /* 10..16 were handed to the executor behind the sleep, 17..23 wait. */
    uint8_t id[16];
    memset(id, 11, 16);
    assert_int_equal(rc_exec_pool_cancel(p, id, 16, 0), 1);
    memset(id, 20, 16);
    assert_int_equal(rc_exec_pool_cancel(p, id, 16, 0), 1);
    memset(id, 21, 16);
    assert_int_equal(rc_exec_pool_cancel(p, id, 16, 1), 1);
    assert_int_equal(g.n, 2); /* the queued ones at once */
    for (int i = 0; i < 20; i++) uv_run(&loop, UV_RUN_NOWAIT);
    usleep(100000);
    /* Killing the executor sends the handed-over tasks to a new one. */
    memset(id, 2, 16);
    assert_int_equal(rc_exec_pool_cancel(p, id, 16, 1), 1);
    run_until(&loop, &g, 1 + N);
    assert_int_equal(by_id(&g, 2)->status, RAYC__TASK_STATUS__STATUS_CANCELLED);
    /* 10 was handed to the killed executor and ran on its successor. */
    assert_int_not_equal(by_id(&g, 10)->worker_pid, by_id(&g, 2)->worker_pid);
    for (int i = 0; i < N; i++) {
        const rc_exec_result_t *r = by_id(&g, (uint8_t)(10 + i));
        if (i == 1 || i == 10 || i == 11)
            assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_CANCELLED);
        else
            assert_int_equal(result_u64(r), digests[i]);
    }
    got_free(&g);

    /* A crash and a kill while tasks with objects run or wait; large results
     * nobody consumed. */
    submit1(p, "crash", 30, fds[0], 200 * KIB);
    run_until(&loop, &g, 1);
    assert_int_equal(g.res[0]->status, RAYC__TASK_STATUS__STATUS_WORKER_DIED);
    got_free(&g);
    submit1(p, "echo", 31, fds[1], 200 * KIB + 1);
    run_until(&loop, &g, 1);
    assert_true(g.res[0]->fd >= 0);
    got_free(&g);
    for (int i = 0; i < 3; i++) {
        spec_init(&sp, "slow_echo", (uint8_t)(32 + i), 2);
        spec_bytes(&sp, 0, "3000", 4);
        rc_exec_obj_t o = {1, fds[2 + i], 200 * KIB + 2 + (uint64_t)i};
        rc_exec_pool_submit(p, &sp.s, &o, 1);
    }
    for (int i = 0; i < 20; i++) uv_run(&loop, UV_RUN_NOWAIT);
    rc_exec_pool_kill_all(p, "killed by the test");
    run_until(&loop, &g, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(g.res[i]->status, RAYC__TASK_STATUS__STATUS_WORKER_DIED);
    got_free(&g);
    /* Shutdown with a task running and one queued. */
    for (int i = 0; i < 2; i++) {
        spec_init(&sp, "slow_echo", (uint8_t)(40 + i), 2);
        spec_bytes(&sp, 0, "3000", 4);
        rc_exec_obj_t o = {1, fds[5 + i], 200 * KIB + 5 + (uint64_t)i};
        rc_exec_pool_submit(p, &sp.s, &o, 1);
    }
    pool_close(&loop, p);
    assert_int_equal(g.n, 2);
    got_free(&g);
    for (int i = 0; i < N; i++) close(fds[i]);
    assert_int_equal(count_fds(getpid()), base);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* Objects that cannot be passed fail the task at once, with what is wrong. */
static void test_submit_errors(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    got_t g = {{0}, 0};
    rc_exec_pool_t *p = pool_new(&loop, &g, 1);
    int base = count_fds(getpid());
    int fd = obj_new(200 * KIB, 3);
    spec_t sp;
    spec_init(&sp, "digest", 1, 2);
    rc_exec_obj_t range = {2, fd, 200 * KIB};
    rc_exec_pool_submit(p, &sp.s, &range, 1);
    rc_exec_obj_t twice[2] = {{1, fd, 200 * KIB}, {1, fd, 200 * KIB}};
    rc_exec_pool_submit(p, &sp.s, twice, 2);
    rc_exec_obj_t badfd[2] = {{0, fd, 200 * KIB}, {1, -1, 200 * KIB}};
    rc_exec_pool_submit(p, &sp.s, badfd, 2);
    rc_exec_pool_submit(p, &sp.s, NULL, 1);
    static rc_exec_obj_t many[RC_OBJFD_MAX + 1];
    rc_exec_pool_submit(p, &sp.s, many, RC_OBJFD_MAX + 1);
    char *argv[] = {"/bin/true"};
    sp.s.kind = RAYC__TASK_KIND__TASK_COMMAND;
    sp.s.argv = argv;
    sp.s.n_argv = 1;
    rc_exec_pool_submit(p, &sp.s, &twice[0], 1);
    assert_int_equal(g.n, 6); /* all before submit returned */
    const char *want[] = {"object argument 2 is out of range",
                          "argument 1 is given twice",
                          "cannot hold the task's object argument 1: Bad file descriptor",
                          "the task's 1 object arguments are missing",
                          "at most 253 can be passed",
                          "a command task takes no object arguments"};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(g.res[i]->status, RAYC__TASK_STATUS__STATUS_APP_ERROR);
        if (!strstr(g.res[i]->error, want[i])) fail_msg("%d: %s", i, g.res[i]->error);
    }
    got_free(&g);
    assert_int_equal(rc_exec_pool_free_slots(p), 1);
    close(fd);
    assert_int_equal(count_fds(getpid()), base);
    pool_close(&loop, p);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- the executor alone, driven as the pool does ---- */

typedef struct {
    pid_t pid;
    int req, res, sock; /* our ends of its fds 3, 4, 5 */
} child_t;

static child_t child_start(void)
{
    int a[2], b[2], s[2];
    assert_int_equal(pipe(a), 0);
    assert_int_equal(pipe(b), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s), 0);
    child_t c;
    c.pid = fork();
    assert_true(c.pid >= 0);
    if (c.pid == 0) {
        int r = dup(a[0]), w = dup(b[1]), o = dup(s[1]);
        dup2(r, 3);
        dup2(w, 4);
        dup2(o, 5);
        int null = open("/dev/null", O_WRONLY);
        if (!getenv("RC_TEST_VERBOSE")) dup2(null, 2);
        for (int fd = 6; fd < 1024; fd++) close(fd);
        execl(g_exe, g_exe, (char *)NULL);
        _exit(127);
    }
    close(a[0]);
    close(b[1]);
    close(s[1]);
    c.req = a[1];
    c.res = b[0];
    c.sock = s[0];
    return c;
}

static int child_stop(child_t *c)
{
    close(c->req);
    close(c->res);
    close(c->sock);
    int st = 0;
    waitpid(c->pid, &st, 0);
    return st;
}

/* Sends req (and fds first, unless nfds is 0) and reads the result (NULL on EOF). */
static Rayc__TaskResult *child_call(child_t *c, Rayc__ExecRequest *req, const int *fds, size_t nfds)
{
    if (nfds) assert_int_equal(rc_objfd_send(c->sock, fds, nfds), RC_OK);
    size_t len = rayc__exec_request__get_packed_size(req);
    uint8_t *buf = rc_malloc(len);
    rayc__exec_request__pack(req, buf);
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
    return r;
}

static void assert_task_error(Rayc__TaskResult *r, const char *want)
{
    assert_non_null(r);
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_APP_ERROR);
    assert_false(r->in_store);
    if (!strstr(r->error, want)) fail_msg("error \"%s\" lacks \"%s\"", r->error, want);
    rayc__task_result__free_unpacked(r, NULL);
}

static void test_executor_checks(void **state)
{
    (void)state;
    child_t c = child_start();
    int fd = obj_new(200 * KIB, 9), fds[2] = {fd, fd};
    spec_t sp;
    spec_init(&sp, "digest", 1, 2);
    Rayc__ExecObject ob[2], *obp[2] = {&ob[0], &ob[1]};
    for (int i = 0; i < 2; i++) {
        rayc__exec_object__init(&ob[i]);
        ob[i].arg = (uint32_t)i;
        ob[i].size = 200 * KIB;
    }
    Rayc__ExecRequest req;
    rayc__exec_request__init(&req);
    req.spec = &sp.s;
    req.objects = obp;

    /* Good: both objects mapped, digest of arg 0. */
    req.n_objects = 2;
    Rayc__TaskResult *r = child_call(&c, &req, fds, 2);
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OK);
    uint8_t *b = blob_new(200 * KIB, 9);
    assert_int_equal(rc_blob_get_le64(r->data.data), rc_blob_digest(b, 200 * KIB));
    free(b);
    rayc__task_result__free_unpacked(r, NULL);

    /* Two announced, one sent. */
    assert_task_error(child_call(&c, &req, fds, 1),
                      "names 2 object arguments but 1 memfds came with it");
    /* Out of range. */
    req.n_objects = 1;
    ob[0].arg = 5;
    assert_task_error(child_call(&c, &req, fds, 1), "object argument 5 is out of range");
    /* The same argument twice, and an object over resolved bytes. */
    ob[0].arg = 1;
    ob[1].arg = 1;
    req.n_objects = 2;
    assert_task_error(child_call(&c, &req, fds, 2), "argument 1 is passed twice as an object");
    ProtobufCBinaryData resolved[2] = {{0, NULL}, {3, (uint8_t *)"abc"}};
    req.resolved_args = resolved;
    req.n_resolved_args = 2;
    req.n_objects = 1;
    assert_task_error(child_call(&c, &req, fds, 1), "argument 1 is passed both");
    req.n_resolved_args = 0;
    /* A size that is not the memfd's. */
    ob[0].arg = 0;
    ob[0].size = 1000;
    assert_task_error(child_call(&c, &req, fds, 1),
                      "object argument 0: the memfd holds 204800 bytes, not the 1000 announced");
    ob[0].size = 200 * KIB;
    /* An unsealed memfd: it could shrink under the mapping. */
    int loose = memfd_create("loose", MFD_CLOEXEC);
    assert_int_equal(ftruncate(loose, 200 * KIB), 0);
    assert_task_error(child_call(&c, &req, &loose, 1),
                      "object argument 0: the memfd is not sealed against writes, growth, "
                      "shrinking");
    close(loose);

    /* A large result: its memfd on fd 5, then the frame. */
    spec_init(&sp, "echo", 2, 1);
    req.spec = &sp.s;
    r = child_call(&c, &req, fds, 1);
    assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_OK);
    assert_true(r->in_store);
    assert_int_equal(r->object_size, 200 * KIB);
    assert_int_equal(r->data.len, 0);
    rayc__task_result__free_unpacked(r, NULL);
    int got[1];
    size_t n;
    assert_int_equal(rc_objfd_recv(c.sock, MSG_DONTWAIT, got, 1, &n), RC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rc_objfd_check(got[0], 200 * KIB, NULL, 0), RC_OK);
    assert_int_equal(fcntl(got[0], F_GET_SEALS), ALL_SEALS);
    close(got[0]);
    assert_int_equal(rc_objfd_recv(c.sock, MSG_DONTWAIT, got, 1, &n), RC_EAGAIN);

    /* Objects announced and no fds at all: the streams are out of step. */
    assert_null(child_call(&c, &req, NULL, 0));
    int st = child_stop(&c);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    close(fd);
}

/* ---- a fake executor handing back bad result memfds ---- */

#define FAKE_SIZE (200u * 1024u)

static int fake_memfd(uint64_t size, int seals)
{
    int fd = memfd_create("fake", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0) return -1;
    if (seals && fcntl(fd, F_ADD_SEALS, seals) != 0) return -1;
    return fd;
}

/* The executor's protocol with a twist chosen by the function name. */
static int fake_executor(void)
{
    for (;;) {
        uint8_t *msg;
        size_t len;
        rc_err_t rc = rc_frame_read_fd(3, &msg, &len, NULL);
        if (rc == RC_ECLOSED) return 0;
        if (rc != RC_OK) return 1;
        Rayc__ExecRequest *req = rayc__exec_request__unpack(NULL, len, msg);
        rc_free(msg);
        if (!req || !req->spec) return 1;
        const char *fn = req->spec->function;
        Rayc__TaskResult res;
        rayc__task_result__init(&res);
        res.task_id = req->spec->task_id;
        res.attempt = req->spec->attempt;
        res.in_store = 1;
        res.object_size = FAKE_SIZE;
        int fds[2] = {-1, -1};
        size_t nfds = 1;
        if (strcmp(fn, "nofd") == 0) {
            nfds = 0;
        } else if (strcmp(fn, "unsealed") == 0) {
            fds[0] = fake_memfd(FAKE_SIZE, 0);
        } else if (strcmp(fn, "nowriteseal") == 0) {
            fds[0] = fake_memfd(FAKE_SIZE, F_SEAL_GROW | F_SEAL_SHRINK);
        } else if (strcmp(fn, "wrongsize") == 0) {
            fds[0] = fake_memfd(FAKE_SIZE - 1, ALL_SEALS);
        } else if (strcmp(fn, "notmemfd") == 0) {
            fds[0] = open("/dev/null", O_RDONLY);
        } else if (strcmp(fn, "twofds") == 0) {
            fds[0] = fake_memfd(FAKE_SIZE, ALL_SEALS);
            fds[1] = fake_memfd(FAKE_SIZE, ALL_SEALS);
            nfds = 2;
        } else if (strcmp(fn, "inline_too") == 0) {
            fds[0] = fake_memfd(FAKE_SIZE, ALL_SEALS);
            res.data.data = (uint8_t *)"x";
            res.data.len = 1;
        } else {
            fds[0] = fake_memfd(FAKE_SIZE, ALL_SEALS);
        }
        if (nfds && rc_objfd_send(5, fds, nfds) != RC_OK) return 1;
        for (size_t i = 0; i < nfds; i++) close(fds[i]);
        size_t n = rayc__task_result__get_packed_size(&res);
        uint8_t *buf = rc_malloc(n ? n : 1);
        rayc__task_result__pack(&res, buf);
        rayc__exec_request__free_unpacked(req, NULL);
        rc = rc_frame_write_fd(4, buf, n);
        rc_free(buf);
        if (rc != RC_OK) return 1;
    }
}

static void test_fake_executor(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    got_t g = {{0}, 0};
    char *env[] = {"RC_FAKE_EXECUTOR=1", NULL};
    rc_exec_pool_config_t cfg = {g_self, 1, {NULL, env, -1}};
    rc_exec_pool_t *p = rc_exec_pool_new(&loop, &cfg, on_done, &g);
    /* The baseline: one executor alive, as after each round below. */
    spec_t sp;
    spec_init(&sp, "good", 99, 0);
    rc_exec_pool_submit(p, &sp.s, NULL, 0);
    run_until(&loop, &g, 1);
    int32_t last_pid = g.res[0]->worker_pid;
    got_free(&g);
    int base = count_fds(getpid());
    static const struct {
        const char *fn, *want;
    } bad[] = {
        {"nofd", "it announced a result in a memfd but sent no memfd"},
        {"unsealed", "not sealed against writes, growth, shrinking"},
        {"nowriteseal", "the memfd is not sealed against writes (it must carry"},
        {"wrongsize", "the memfd holds 204799 bytes, not the 204800 announced"},
        {"notmemfd", "it is not a memfd"},
        {"twofds", "it sent a malformed memfd message"},
        {"inline_too", "it marked a non-empty inline result as kept in a memfd"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        spec_init(&sp, bad[i].fn, (uint8_t)(1 + i), 0);
        rc_exec_pool_submit(p, &sp.s, NULL, 0);
        run_until(&loop, &g, 1);
        spec_init(&sp, "good", (uint8_t)(100 + i), 0);
        rc_exec_pool_submit(p, &sp.s, NULL, 0);
        run_until(&loop, &g, 2);
        const rc_exec_result_t *r = g.res[0];
        assert_int_equal(r->task_id[0], 1 + i);
        assert_int_equal(r->status, RAYC__TASK_STATUS__STATUS_APP_ERROR);
        assert_int_equal(r->fd, -1);
        if (!strstr(r->error, bad[i].want) || !strstr(r->error, "handed back an unusable result"))
            fail_msg("%s: %s", bad[i].fn, r->error);
        /* The executor that did it (the one of the previous good task) was
         * killed; a new one served the next task. */
        assert_int_equal(r->worker_pid, last_pid);
        assert_int_not_equal(g.res[1]->worker_pid, r->worker_pid);
        last_pid = g.res[1]->worker_pid;
        assert_int_equal(g.res[1]->status, RAYC__TASK_STATUS__STATUS_OK);
        assert_true(g.res[1]->fd >= 0);
        assert_int_equal(g.res[1]->object_size, FAKE_SIZE);
        got_free(&g);
    }
    /* No fd stayed behind: neither the bad ones nor those of dead executors. */
    assert_int_equal(count_fds(getpid()), base);
    pool_close(&loop, p);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    if (getenv("RC_FAKE_EXECUTOR")) return fake_executor();
    ssize_t n = readlink("/proc/self/exe", g_self, sizeof(g_self) - 1);
    if (n <= 0) return 1;
    g_self[n] = '\0';
    char self[PATH_MAX];
    memcpy(self, g_self, sizeof(self));
    char *build = dirname(dirname(self));
    snprintf(g_exe, sizeof(g_exe), "%s/bin/rayc-executor", build);
    snprintf(g_lib, sizeof(g_lib), "%s/lib/librayc_testtasks.so", build);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_args),   cmocka_unit_test(test_inline_bound),
        cmocka_unit_test(test_queued_order),  cmocka_unit_test(test_fd_hygiene),
        cmocka_unit_test(test_submit_errors), cmocka_unit_test(test_executor_checks),
        cmocka_unit_test(test_fake_executor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
