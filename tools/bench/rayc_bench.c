/* rayc_bench.c — rayc-bench: task workloads named as in Ray's microbenchmarks,
 * run through the public SDK against a running cluster. Prints one line per
 * workload ("workload value unit"); figures, not pass/fail.
 *
 *   rayc-bench [--address A] [--library PATH] [--tasks N] WORKLOAD...
 *     single_client_tasks_async   N no-op tasks submitted without waiting, then all gotten
 *     single_client_tasks_sync    submit + get, repeated: p50/p99 round trip
 *     queued_1m                   N tasks queued behind a resource no node has yet:
 *                                 submit rate and the head's RSS (needs --head-pid) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flags.h"
#include "rayc.h"

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

static int tasks_async(rayc_client_t *c, const char *lib, long n)
{
    rayc_ref_t *refs = calloc((size_t)n, sizeof(*refs));
    rayc_value_t *vals = calloc((size_t)n, sizeof(*vals));
    double t0 = now_s();
    for (long i = 0; i < n; i++)
        if (rayc_submit(c, lib, "noop", NULL, 0, NULL, &refs[i])) return fail(c, "submit");
    double t1 = now_s();
    if (rayc_get(c, refs, (size_t)n, 600, vals)) return fail(c, "get");
    double t2 = now_s();
    for (long i = 0; i < n; i++) rayc_value_free(&vals[i]);
    rayc_release(c, refs, (size_t)n);
    printf("single_client_tasks_async %.0f tasks/s (%ld tasks; submit %.3f s, all done %.3f s)\n",
           (double)n / (t2 - t0), n, t1 - t0, t2 - t0);
    free(refs);
    free(vals);
    return 0;
}

static int tasks_sync(rayc_client_t *c, const char *lib, long n)
{
    double *lat = calloc((size_t)n, sizeof(*lat));
    for (long i = 0; i < n; i++) {
        double s = now_s();
        rayc_ref_t r;
        rayc_value_t v;
        if (rayc_submit(c, lib, "noop", NULL, 0, NULL, &r)) return fail(c, "submit");
        if (rayc_get(c, &r, 1, 60, &v)) return fail(c, "get");
        rayc_value_free(&v);
        rayc_release(c, &r, 1);
        lat[i] = now_s() - s;
    }
    qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
    printf("single_client_tasks_sync p50 %.0f us, p99 %.0f us (%ld round trips)\n",
           lat[n / 2] * 1e6, lat[n * 99 / 100] * 1e6, n);
    free(lat);
    return 0;
}

static int queued(rayc_client_t *c, const char *lib, long n, long head_pid)
{
    rayc_task_opts_t o;
    rayc_task_opts_init(&o);
    o.resources = "{\"bench_never_available\": 1}";
    long before = head_pid ? rss_kib(head_pid) : -1;
    rayc_ref_t *refs = calloc((size_t)n, sizeof(*refs));
    double t0 = now_s();
    for (long i = 0; i < n; i++)
        if (rayc_submit(c, lib, "noop", NULL, 0, &o, &refs[i])) return fail(c, "submit");
    int ready = 0;
    /* A wait flushes the last batch and reads every acknowledgement. */
    rayc_wait(c, refs, 1, 1, 0.001, &ready);
    double t1 = now_s();
    long after = head_pid ? rss_kib(head_pid) : -1;
    printf("queued_1m %.0f tasks/s submitted (%ld tasks queued in %.2f s); head RSS %.1f MiB "
           "(%.1f MiB before)\n",
           (double)n / (t1 - t0), n, t1 - t0, after / 1024.0, before / 1024.0);
    for (long i = 0; i < n; i += 10000) {
        size_t k = (size_t)(n - i < 10000 ? n - i : 10000);
        for (size_t j = 0; j < k; j++) rayc_cancel(c, &refs[i + (long)j], 0);
    }
    free(refs);
    return 0;
}

int main(int argc, char **argv)
{
    const char *address = NULL, *library = NULL;
    int64_t tasks = 100000, head_pid = 0;
    const rc_flag_t flags[] = {
        {"address", RC_FLAG_STRING, &address, "cluster address (default $RAY_ADDRESS)", "A", 0, 0,
         NULL},
        {"library", RC_FLAG_STRING, &library, "task library with a noop function", "PATH", 0, 0,
         NULL},
        {"tasks", RC_FLAG_INT, &tasks, "tasks per workload", "N", 1, 100000000, NULL},
        {"head-pid", RC_FLAG_INT, &head_pid, "pid of rayc-head, for its RSS", "PID", 0, 4194304,
         NULL},
    };
    rc_flags_result_t res;
    if (rc_flags_parse(flags, 4, argc - 1, argv + 1, 0, &res) != RC_OK || res.help || !library ||
        res.npos == 0) {
        fprintf(stderr,
                "%s%susage: rayc-bench --library PATH [--address A] [--tasks N] "
                "[--head-pid PID] WORKLOAD...\n",
                res.error, res.error[0] ? "\n" : "");
        rc_flags_result_free(&res);
        return 2;
    }
    rayc_client_t *c;
    if (rayc_connect(address, NULL, &c) != RAYC_OK) return fail(NULL, "connect");
    int rc = 0;
    for (size_t i = 0; i < res.npos && rc == 0; i++) {
        const char *w = res.pos[i];
        if (!strcmp(w, "single_client_tasks_async"))
            rc = tasks_async(c, library, tasks);
        else if (!strcmp(w, "single_client_tasks_sync"))
            rc = tasks_sync(c, library, tasks < 5000 ? tasks : 5000);
        else if (!strcmp(w, "queued_1m"))
            rc = queued(c, library, tasks, head_pid);
        else {
            fprintf(stderr, "rayc-bench: unknown workload %s\n", w);
            rc = 2;
        }
    }
    rc_flags_result_free(&res);
    rayc_disconnect(c);
    return rc;
}
