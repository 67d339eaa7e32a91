/* montecarlo.c — rayc-example-montecarlo: estimates pi on a rayc cluster.
 *
 *   rayc-example-montecarlo [ADDRESS] [--tasks N] [--samples M] [--library PATH]
 *                           [--timeout SECONDS]
 *
 * Submits N tasks (mc_estimate, each with its own seed and M samples), then one
 * reduce task (mc_average) whose arguments are the N result refs, so the head
 * runs it once they are all ready; gets its result and prints
 *   pi ≈ 3.1416 (N tasks, N*M samples, X s)
 * ADDRESS defaults to $RAY_ADDRESS. The task library is ../lib/librayc_montecarlo.so
 * beside this binary unless --library says otherwise; it must be readable at the
 * same path on the worker nodes. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rayc.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rayc-example-montecarlo [ADDRESS] [--tasks N] [--samples M] "
               "[--library PATH] [--timeout SECONDS]\n");
}

static int parse_u64(const char *flag, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || v == 0 || s[0] == '-') {
        fprintf(stderr, "rayc-example-montecarlo: %s wants a positive integer, not '%s'\n", flag,
                s);
        return -1;
    }
    *out = v;
    return 0;
}

static void put_u64(uint8_t out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(v >> (8 * i));
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ../lib/librayc_montecarlo.so relative to this executable. */
static int default_library(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) return -1;
    exe[n] = '\0';
    char guess[PATH_MAX + 32];
    snprintf(guess, sizeof(guess), "%s/../lib/librayc_montecarlo.so", dirname(exe));
    if (!realpath(guess, out) || strlen(out) >= cap) return -1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *address = NULL, *library = NULL;
    uint64_t ntasks = 100, samples = 1000000;
    double timeout = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--tasks") && i + 1 < argc) {
            if (parse_u64(a, argv[++i], &ntasks)) return 2;
        } else if (!strcmp(a, "--samples") && i + 1 < argc) {
            if (parse_u64(a, argv[++i], &samples)) return 2;
        } else if (!strcmp(a, "--library") && i + 1 < argc) {
            library = argv[++i];
        } else if (!strcmp(a, "--timeout") && i + 1 < argc) {
            timeout = atof(argv[++i]);
        } else if (a[0] != '-' && !address) {
            address = a;
        } else {
            fprintf(stderr, "rayc-example-montecarlo: unknown or incomplete argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    char libpath[PATH_MAX];
    if (!library) {
        if (default_library(libpath, sizeof(libpath))) {
            fprintf(stderr, "rayc-example-montecarlo: cannot find ../lib/librayc_montecarlo.so "
                            "beside this program; give it with --library PATH\n");
            return 2;
        }
        library = libpath;
    }

    rayc_client_t *c;
    int rc = rayc_connect(address, NULL, &c);
    if (rc != RAYC_OK) {
        fprintf(stderr, "rayc-example-montecarlo: %s\n", rayc_last_error(NULL));
        return 1;
    }
    double t0 = now_s();
    rayc_ref_t *refs = calloc(ntasks + 1, sizeof(*refs));
    rayc_arg_t *avg_args = calloc(ntasks, sizeof(*avg_args));
    if (!refs || !avg_args) {
        fprintf(stderr, "rayc-example-montecarlo: out of memory\n");
        return 1;
    }
    rayc_task_opts_t opts;
    rayc_task_opts_init(&opts);
    opts.name = "mc_estimate";
    uint8_t seed[8], nsamples[8];
    put_u64(nsamples, samples);
    for (uint64_t i = 0; i < ntasks && rc == RAYC_OK; i++) {
        put_u64(seed, 0x5eed0000u + i); /* copied by rayc_submit: reuse is fine */
        rayc_arg_t args[2] = {rayc_arg_bytes(seed, 8), rayc_arg_bytes(nsamples, 8)};
        rc = rayc_submit(c, library, "mc_estimate", args, 2, &opts, &refs[i]);
        avg_args[i] = rayc_arg_ref(refs[i]);
    }
    if (rc == RAYC_OK) {
        opts.name = "mc_average";
        rc = rayc_submit(c, library, "mc_average", avg_args, (size_t)ntasks, &opts, &refs[ntasks]);
    }
    rayc_value_t v = {0};
    if (rc == RAYC_OK) rc = rayc_get(c, &refs[ntasks], 1, timeout, &v);
    if (rc == RAYC_OK && v.len != sizeof(double)) {
        fprintf(stderr, "rayc-example-montecarlo: mc_average returned %zu bytes, not 8\n", v.len);
        rc = RAYC_EPROTO;
    } else if (rc == RAYC_OK) {
        double pi;
        memcpy(&pi, v.data, sizeof(pi));
        printf("pi \u2248 %.4f (%llu tasks, %llu samples, %.2f s)\n", pi,
               (unsigned long long)ntasks, (unsigned long long)(ntasks * samples), now_s() - t0);
    } else {
        fprintf(stderr, "rayc-example-montecarlo: %s: %s\n", rayc_strerror(rc), rayc_last_error(c));
    }
    rayc_value_free(&v);
    rayc_release(c, refs, (size_t)ntasks + 1);
    rayc_disconnect(c);
    free(refs);
    free(avg_args);
    return rc == RAYC_OK ? 0 : 1;
}
