/* alloc.c — allocator wrapper; see alloc.h for the out-of-memory contract. */
#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef RC_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

static _Noreturn void oom(size_t n)
{
    fprintf(stderr, "rayc: out of memory allocating %zu bytes; aborting\n", n);
    fflush(stderr);
    abort();
}

void *rc_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *rc_calloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (!p) oom(count * n);
    return p;
}

void *rc_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *rc_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = rc_malloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *rc_strdup(const char *s)
{
    return rc_strndup(s, strlen(s));
}

void rc_free(void *p)
{
    free(p);
}

void *rc_try_malloc(size_t n)
{
    return malloc(n ? n : 1);
}

void *rc_try_realloc(void *p, size_t n)
{
    return realloc(p, n ? n : 1);
}

static size_t read_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (!f) return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
    fclose(f);
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

void rc_mem_stats(rc_mem_stats_t *out)
{
    memset(out, 0, sizeof(*out));
#ifdef RC_HAVE_JEMALLOC
    /* jemalloc caches its statistics; bumping the epoch refreshes them. */
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    sz = sizeof(size_t);
    mallctl("stats.allocated", &out->allocated, &sz, NULL, 0);
    mallctl("stats.active", &out->active, &sz, NULL, 0);
    mallctl("stats.resident", &out->resident, &sz, NULL, 0);
#endif
    out->rss = read_rss();
}

const char *rc_allocator_name(void)
{
#ifdef RC_HAVE_JEMALLOC
    return "jemalloc-" JEMALLOC_VERSION;
#else
    return "libc";
#endif
}
