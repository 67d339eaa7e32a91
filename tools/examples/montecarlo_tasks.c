/* montecarlo_tasks.c — the task functions of the Monte-Carlo example
 * (librayc_montecarlo.so), run by the workers' executors.
 *
 *   mc_estimate(seed, samples)   both 8-byte little-endian integers; returns the
 *                                estimate of pi as an 8-byte double
 *   mc_average(est...)           any number of 8-byte doubles (the driver passes
 *                                the estimate refs); returns their mean
 *
 * Only rayc.h: a task library needs nothing else from rayc. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rayc.h"

static int arg_u64(rayc_task_t *t, size_t i, uint64_t *out)
{
    size_t len;
    const uint8_t *p = rayc_task_arg(t, i, &len);
    if (!p || len != 8) return -1;
    *out = 0;
    for (int b = 7; b >= 0; b--) *out = (*out << 8) | p[b];
    return 0;
}

/* splitmix64: tiny, fast and good enough for a dartboard. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

int mc_estimate(rayc_task_t *t)
{
    uint64_t seed, samples;
    if (rayc_task_nargs(t) != 2 || arg_u64(t, 0, &seed) || arg_u64(t, 1, &samples) || !samples)
        return rayc_task_fail(t, "mc_estimate takes (seed, samples > 0) as 8-byte integers");
    uint64_t inside = 0, s = seed;
    for (uint64_t i = 0; i < samples; i++) {
        double x = (double)(next(&s) >> 11) * 0x1.0p-53;
        double y = (double)(next(&s) >> 11) * 0x1.0p-53;
        inside += x * x + y * y < 1.0;
    }
    double pi = 4.0 * (double)inside / (double)samples;
    return rayc_task_return(t, &pi, sizeof(pi));
}

int mc_average(rayc_task_t *t)
{
    size_t n = rayc_task_nargs(t);
    if (n == 0) return rayc_task_fail(t, "mc_average needs at least one estimate");
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const void *p = rayc_task_arg(t, i, &len);
        double v;
        if (len != sizeof(v)) {
            char msg[96];
            snprintf(msg, sizeof(msg), "mc_average: argument %zu has %zu bytes, not 8", i, len);
            return rayc_task_fail(t, msg);
        }
        memcpy(&v, p, sizeof(v));
        sum += v;
    }
    double mean = sum / (double)n;
    return rayc_task_return(t, &mean, sizeof(mean));
}
