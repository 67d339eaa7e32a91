/* rayc_bench.c — rayc-bench: task workloads named as in Ray's microbenchmarks,
 * run through the public SDK against a running cluster. The peers' drivers
 * (tools/bench/peers/) run the same workloads with the same flags; run.sh
 * puts all of them in one table. Figures, not pass/fail, except that a wrong
 * result fails the run.
 *
 *   rayc-bench --library PATH [--address A] [flags] WORKLOAD...
 *     single_client_tasks_async   --tasks no-op tasks submitted without waiting, then all gotten
 *     single_client_tasks_sync    --sync-tasks round trips (submit one, get it): p50/p99
 *     multi_client_tasks_async    --clients processes share --tasks, started together
 *     tasks_with_1mib_args        --arg-tasks tasks, each with its own --arg-bytes argument
 *     fanout_fanin                1 task -> --fanout tasks using its result -> 1 task summing them
 *     queued_1m                   --queued tasks behind a resource no node has: submit rate and
 *                                 the head's RSS growth per task (needs --head-pid)
 *
 * Each figure is a line "workload rep metric value unit" or, with --json, the
 * JSON object tools/bench/peers/common.py describes. The library must have
 * noop, add_u64 and arg_len (tests/tasklib: librayc_testtasks.so). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "flags.h"
#include "rayc.h"

typedef struct {
    const char *address, *library;
    int64_t tasks, sync_tasks, arg_tasks, arg_bytes, clients, fanout, queued, repeat, head_pid;
    int json;
} bench_t;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static long rss_kib(long pid)
{
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
    fclose(f);
    return kib;
}

static int fail(rayc_client_t *c, const char *what)
{
    fprintf(stderr, "rayc-bench: %s: %s\n", what, rayc_last_error(c));
    return 1;
}

static int sys_fail(const char *what)
{
    fprintf(stderr, "rayc-bench: %s: %s\n", what, strerror(errno));
    return 1;
}

/* One figure, in the format of tools/bench/peers/common.py's emit(). */
static void emit(const bench_t *b, const char *workload, long rep, const char *metric, double value,
                 const char *unit, const char *better, long n)
{
    if (b->json)
        printf("{\"system\": \"rayc\", \"workload\": \"%s\", \"rep\": %ld, \"metric\": \"%s\", "
               "\"value\": %.6g, \"unit\": \"%s\", \"better\": \"%s\", \"n\": %ld}\n",
               workload, rep, metric, value, unit, better, n);
    else
        printf("%s %ld %s %.6g %s (n=%ld)\n", workload, rep, metric, value, unit, n);
    fflush(stdout);
}

static void u64_le(uint64_t v, uint8_t out[8])
{
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(v >> (8 * i));
}

/* The 8-byte little-endian number a value holds; UINT64_MAX when it is not one. */
static uint64_t value_u64(const rayc_value_t *v)
{
    if (v->len != 8) return UINT64_MAX;
    const uint8_t *p = v->data;
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--) x = x << 8 | p[i];
    return x;
}

static void free_values(rayc_value_t *vals, long n)
{
    for (long i = 0; i < n; i++) rayc_value_free(&vals[i]);
}

/* Submits n tasks of fn (each with arg when arg_len is not 0), then gets them
 * all; *done is when the last result was in hand. Checks each result when
 * want is not UINT64_MAX. */
static int submit_get(rayc_client_t *c, const char *lib, const char *fn, const void *arg,
                      size_t arg_len, long n, uint64_t want, double *done)
{
    rayc_ref_t *refs = calloc((size_t)n, sizeof(*refs));
    rayc_value_t *vals = calloc((size_t)n, sizeof(*vals));
    rayc_arg_t a = rayc_arg_bytes(arg, arg_len);
    int rc = 1;
    if (!refs || !vals) {
        fprintf(stderr, "rayc-bench: out of memory for %ld tasks\n", n);
        goto out;
    }
    for (long i = 0; i < n; i++)
        if (rayc_submit(c, lib, fn, arg ? &a : NULL, arg ? 1 : 0, NULL, &refs[i])) {
            rc = fail(c, "submit");
            goto out;
        }
    if (rayc_get(c, refs, (size_t)n, 600, vals)) {
        rc = fail(c, "get");
        goto release;
    }
    *done = now_s();
    rc = 0;
    for (long i = 0; i < n && want != UINT64_MAX; i++)
        if (value_u64(&vals[i]) != want) {
            fprintf(stderr, "rayc-bench: %s task %ld returned a wrong value\n", fn, i);
            rc = 1;
            break;
        }
release:
    free_values(vals, n);
    rayc_release(c, refs, (size_t)n);
out:
    free(refs);
    free(vals);
    return rc;
}

static int tasks_async(const bench_t *b, rayc_client_t *c, long rep)
{
    double t0 = now_s(), t1 = 0;
    if (submit_get(c, b->library, "noop", NULL, 0, b->tasks, UINT64_MAX, &t1)) return 1;
    emit(b, "single_client_tasks_async", rep, "tasks_per_s", (double)b->tasks / (t1 - t0),
         "tasks/s", "higher", b->tasks);
    return 0;
}

static int tasks_sync(const bench_t *b, rayc_client_t *c, long rep)
{
    long n = b->sync_tasks;
    double *lat = calloc((size_t)n, sizeof(*lat));
    if (!lat) return sys_fail("latencies");
    for (long i = 0; i < n; i++) {
        double s = now_s();
        rayc_ref_t r;
        rayc_value_t v;
        if (rayc_submit(c, b->library, "noop", NULL, 0, NULL, &r)) {
            free(lat);
            return fail(c, "submit");
        }
        if (rayc_get(c, &r, 1, 60, &v)) {
            free(lat);
            return fail(c, "get");
        }
        rayc_value_free(&v);
        rayc_release(c, &r, 1);
        lat[i] = now_s() - s;
    }
    qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
    /* Nearest rank, as common.percentile. */
    emit(b, "single_client_tasks_sync", rep, "p50_us", lat[n * 50 / 100] * 1e6, "us", "lower", n);
    emit(b, "single_client_tasks_sync", rep, "p99_us", lat[n * 99 / 100] * 1e6, "us", "lower", n);
    free(lat);
    return 0;
}

/* One client process of multi_client_tasks_async: connects, says whether it
 * could ('r' or 'x': every child answers, so the parent never waits for one
 * that gave up), waits for the start (the go pipe closing), runs its share
 * and writes the time its last result arrived. */
static int client_child(const bench_t *b, long n, int ready_fd, int go_fd, int done_fd)
{
    rayc_client_t *c;
    int ok = rayc_connect(b->address, NULL, &c) == RAYC_OK;
    char x = ok ? 'r' : 'x', g;
    if (!ok) {
        fail(NULL, "connect");
        if (write(ready_fd, &x, 1) != 1) return 1; /* the parent then reads EOF */
        return 1;
    }
    int rc = 1;
    double t = 0;
    if (write(ready_fd, &x, 1) != 1 || read(go_fd, &g, 1) != 0) goto out;
    if (submit_get(c, b->library, "noop", NULL, 0, n, UINT64_MAX, &t)) goto out;
    rc = write(done_fd, &t, sizeof(t)) == (ssize_t)sizeof(t) ? 0 : 1;
out:
    rayc_disconnect(c);
    return rc;
}

static int multi_client(const bench_t *b, long rep)
{
    long nc = b->clients, per = b->tasks / nc, total = per * nc;
    int ready[2], go[2], done[2];
    if (per < 1) {
        fprintf(stderr, "rayc-bench: --tasks must be at least --clients\n");
        return 1;
    }
    if (pipe(ready) || pipe(go) || pipe(done)) return sys_fail("pipe");
    fflush(stdout);
    pid_t *kids = calloc((size_t)nc, sizeof(*kids));
    long started = 0;
    for (; kids && started < nc; started++) {
        pid_t p = fork();
        if (p < 0) break;
        if (p == 0) {
            close(ready[0]);
            close(go[1]);
            close(done[0]);
            _exit(client_child(b, per, ready[1], go[0], done[1]));
        }
        kids[started] = p;
    }
    close(ready[1]);
    close(go[0]);
    close(done[1]);
    int rc = started == nc ? 0 : sys_fail("fork");
    char x;
    for (long i = 0; i < started; i++)
        if (read(ready[0], &x, 1) != 1 || x != 'r') rc = 1;
    double t0 = now_s(), last = t0, t;
    close(go[1]); /* everyone starts */
    for (long i = 0; i < started && rc == 0; i++) {
        if (read(done[0], &t, sizeof(t)) != (ssize_t)sizeof(t))
            rc = 1; /* the client said why on stderr */
        else if (t > last)
            last = t;
    }
    for (long i = 0; i < started; i++) {
        int st;
        while (waitpid(kids[i], &st, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st)) rc = 1;
    }
    close(ready[0]);
    close(done[0]);
    free(kids);
    if (rc == 0)
        emit(b, "multi_client_tasks_async", rep, "tasks_per_s", (double)total / (last - t0),
             "tasks/s", "higher", total);
    return rc;
}

/* Each task gets its own value of --arg-bytes, as a by-value argument in Ray:
 * up to 100 KiB inline in the task, above that rayc_put (the value goes to a
 * node's object store; a task on the other node fetches it from there). */
static int tasks_with_put_args(const bench_t *b, rayc_client_t *c, const uint8_t *arg, size_t len,
                               double *done)
{
    long n = b->arg_tasks;
    rayc_ref_t *puts = calloc((size_t)n, sizeof(*puts)), *refs = calloc((size_t)n, sizeof(*refs));
    rayc_value_t *vals = calloc((size_t)n, sizeof(*vals));
    long nput = 0, nsub = 0;
    int rc = 1;
    if (!puts || !refs || !vals) {
        fprintf(stderr, "rayc-bench: out of memory for %ld tasks\n", n);
        goto out;
    }
    for (; nput < n; nput++) {
        if (rayc_put(c, arg, len, &puts[nput])) {
            rc = fail(c, "put");
            goto out;
        }
        rayc_arg_t a = rayc_arg_ref(puts[nput]);
        if (rayc_submit(c, b->library, "arg_len", &a, 1, NULL, &refs[nsub])) {
            rc = fail(c, "submit");
            goto out;
        }
        nsub++;
    }
    if (rayc_get(c, refs, (size_t)n, 600, vals)) {
        rc = fail(c, "get");
        goto out;
    }
    *done = now_s();
    rc = 0;
    for (long i = 0; i < n; i++)
        if (value_u64(&vals[i]) != len) {
            fprintf(stderr, "rayc-bench: arg_len task %ld returned a wrong value\n", i);
            rc = 1;
            break;
        }
out:
    if (vals) free_values(vals, n);
    if (refs) rayc_release(c, refs, (size_t)nsub);
    if (puts) rayc_release(c, puts, (size_t)nput);
    free(puts);
    free(refs);
    free(vals);
    return rc;
}

static int tasks_with_args(const bench_t *b, rayc_client_t *c, long rep)
{
    size_t len = (size_t)b->arg_bytes;
    uint8_t *arg = malloc(len ? len : 1);
    if (!arg) return sys_fail("argument");
    for (size_t i = 0; i < len; i++) arg[i] = (uint8_t)(i * 131 + 7);
    double t0 = now_s(), t1 = 0;
    int rc = len > 100 * 1024
                 ? tasks_with_put_args(b, c, arg, len, &t1)
                 : submit_get(c, b->library, "arg_len", arg, len, b->arg_tasks, len, &t1);
    free(arg);
    if (rc == 0)
        emit(b, "tasks_with_1mib_args", rep, "tasks_per_s", (double)b->arg_tasks / (t1 - t0),
             "tasks/s", "higher", b->arg_tasks);
    return rc;
}

/* 1 -> fanout -> 1: the root returns 1, task i returns root + i, the last one
 * sums them all; every edge is a reference the head resolves. */
static int fanout_fanin(const bench_t *b, rayc_client_t *c, long rep)
{
    long n = b->fanout;
    rayc_ref_t *mid = calloc((size_t)n, sizeof(*mid));
    rayc_arg_t *args = calloc((size_t)n, sizeof(*args));
    uint8_t(*idx)[8] = calloc((size_t)n, sizeof(*idx));
    int rc = 1;
    if (!mid || !args || !idx) {
        fprintf(stderr, "rayc-bench: out of memory for a fanout of %ld\n", n);
        goto out;
    }
    uint8_t one[8];
    u64_le(1, one);
    rayc_ref_t root, sum;
    rayc_arg_t a[2] = {rayc_arg_bytes(one, 8)};
    double t0 = now_s();
    if (rayc_submit(c, b->library, "add_u64", a, 1, NULL, &root)) goto submit_failed;
    a[0] = rayc_arg_ref(root);
    for (long i = 0; i < n; i++) {
        u64_le((uint64_t)i, idx[i]);
        a[1] = rayc_arg_bytes(idx[i], 8);
        if (rayc_submit(c, b->library, "add_u64", a, 2, NULL, &mid[i])) goto submit_failed;
        args[i] = rayc_arg_ref(mid[i]);
    }
    if (rayc_submit(c, b->library, "add_u64", args, (size_t)n, NULL, &sum)) goto submit_failed;
    rayc_value_t v;
    if (rayc_get(c, &sum, 1, 600, &v)) {
        rc = fail(c, "get");
        goto out;
    }
    double t1 = now_s();
    uint64_t got = value_u64(&v), want = (uint64_t)n + (uint64_t)n * (uint64_t)(n - 1) / 2;
    rayc_value_free(&v);
    rayc_release(c, &root, 1);
    rayc_release(c, mid, (size_t)n);
    rayc_release(c, &sum, 1);
    if (got != want) {
        fprintf(stderr, "rayc-bench: fanout_fanin summed to %llu, expected %llu\n",
                (unsigned long long)got, (unsigned long long)want);
        goto out;
    }
    emit(b, "fanout_fanin", rep, "seconds", t1 - t0, "s", "lower", n);
    rc = 0;
    goto out;
submit_failed:
    rc = fail(c, "submit");
out:
    free(mid);
    free(args);
    free(idx);
    return rc;
}

static int queued(const bench_t *b, rayc_client_t *c, long rep)
{
    long n = b->queued;
    rayc_task_opts_t o;
    rayc_task_opts_init(&o);
    o.resources = "{\"bench_never_available\": 1}";
    long before = b->head_pid ? rss_kib(b->head_pid) : -1;
    rayc_ref_t *refs = calloc((size_t)n, sizeof(*refs));
    if (!refs) return sys_fail("refs");
    double t0 = now_s();
    for (long i = 0; i < n; i++)
        if (rayc_submit(c, b->library, "noop", NULL, 0, &o, &refs[i])) {
            free(refs);
            return fail(c, "submit");
        }
    int ready = 0;
    /* A wait flushes the last batch and reads every acknowledgement: the head
     * holds all n tasks when it returns. */
    rayc_wait(c, refs, 1, 1, 0.001, &ready);
    double t1 = now_s();
    long after = b->head_pid ? rss_kib(b->head_pid) : -1;
    emit(b, "queued_1m", rep, "submit_tasks_per_s", (double)n / (t1 - t0), "tasks/s", "higher", n);
    if (before >= 0 && after >= 0)
        emit(b, "queued_1m", rep, "bytes_per_queued_task", (double)(after - before) * 1024 / n, "B",
             "lower", n);
    for (long i = 0; i < n; i++) rayc_cancel(c, &refs[i], 0);
    rayc_release(c, refs, (size_t)n);
    free(refs);
    return 0;
}

static int run(const bench_t *b, rayc_client_t *c, const char *w, long rep)
{
    if (!strcmp(w, "single_client_tasks_async")) return tasks_async(b, c, rep);
    if (!strcmp(w, "single_client_tasks_sync")) return tasks_sync(b, c, rep);
    if (!strcmp(w, "multi_client_tasks_async")) return multi_client(b, rep);
    if (!strcmp(w, "tasks_with_1mib_args")) return tasks_with_args(b, c, rep);
    if (!strcmp(w, "fanout_fanin")) return fanout_fanin(b, c, rep);
    if (!strcmp(w, "queued_1m")) return queued(b, c, rep);
    fprintf(stderr, "rayc-bench: unknown workload %s\n", w);
    return 2;
}

int main(int argc, char **argv)
{
    bench_t b = {.tasks = 100000,
                 .sync_tasks = 1000,
                 .arg_tasks = 2000,
                 .arg_bytes = 1 << 20,
                 .clients = 4,
                 .fanout = 1000,
                 .queued = 1000000,
                 .repeat = 1};
    const rc_flag_t flags[] = {
        {"address", RC_FLAG_STRING, &b.address, "cluster address (default $RAY_ADDRESS)", "A", 0, 0,
         NULL},
        {"library", RC_FLAG_STRING, &b.library, "task library with noop, add_u64, arg_len", "PATH",
         0, 0, NULL},
        {"tasks", RC_FLAG_INT, &b.tasks, "tasks of the async and multi-client workloads", "N", 1,
         1e8, NULL},
        {"sync-tasks", RC_FLAG_INT, &b.sync_tasks, "round trips of single_client_tasks_sync", "N",
         1, 1e7, NULL},
        {"arg-tasks", RC_FLAG_INT, &b.arg_tasks, "tasks of tasks_with_1mib_args", "N", 1, 1e7,
         NULL},
        {"arg-bytes", RC_FLAG_BYTES, &b.arg_bytes, "argument size of tasks_with_1mib_args", "B", 0,
         100 * 1024, NULL},
        {"clients", RC_FLAG_INT, &b.clients, "client processes of multi_client_tasks_async", "N", 1,
         256, NULL},
        {"fanout", RC_FLAG_INT, &b.fanout, "width of fanout_fanin", "N", 1, 65535, NULL},
        {"queued", RC_FLAG_INT, &b.queued, "tasks of queued_1m", "N", 1, 1e8, NULL},
        {"repeat", RC_FLAG_INT, &b.repeat, "runs of each workload", "R", 1, 1000, NULL},
        {"head-pid", RC_FLAG_INT, &b.head_pid, "pid of rayc-head, for its RSS", "PID", 0, 4194304,
         NULL},
        {"json", RC_FLAG_BOOL, &b.json, "one JSON object per figure", NULL, 0, 0, NULL},
    };
    size_t nflags = sizeof(flags) / sizeof(flags[0]);
    rc_flags_result_t res;
    if (rc_flags_parse(flags, nflags, argc - 1, argv + 1, 0, &res) != RC_OK || res.help ||
        !b.library || res.npos == 0) {
        fprintf(stderr,
                "%s%susage: rayc-bench --library PATH [--address A] [flags] WORKLOAD...\n"
                "workloads: single_client_tasks_async single_client_tasks_sync "
                "multi_client_tasks_async tasks_with_1mib_args fanout_fanin queued_1m\n",
                res.error, res.error[0] ? "\n" : "");
        rc_flags_result_free(&res);
        return 2;
    }
    rayc_client_t *c;
    if (rayc_connect(b.address, NULL, &c) != RAYC_OK) {
        rc_flags_result_free(&res);
        return fail(NULL, "connect");
    }
    int rc = 0;
    for (size_t i = 0; i < res.npos && rc == 0; i++)
        for (long rep = 0; rep < b.repeat && rc == 0; rep++) rc = run(&b, c, res.pos[i], rep);
    rc_flags_result_free(&res);
    rayc_disconnect(c);
    return rc;
}
