/* alloc.h — every allocation of rayc goes through here.
 *
 * With RC_ALLOCATOR=jemalloc the process is linked against jemalloc, which
 * replaces malloc; with sanitizers it is libc's. rc_malloc/rc_calloc/rc_realloc/
 * rc_strdup never return NULL: like Redis, running out of memory for internal
 * bookkeeping logs one line and aborts, because nothing sensible can continue.
 * Sizes chosen by a peer (a bulk string length, a request body) must use the
 * rc_try_* variants, which return NULL so the caller can answer with an error. */
#ifndef RC_ALLOC_H
#define RC_ALLOC_H

#include <stddef.h>

void *rc_malloc(size_t n);
void *rc_calloc(size_t count, size_t n);
void *rc_realloc(void *p, size_t n);
char *rc_strdup(const char *s);
char *rc_strndup(const char *s, size_t n);
void rc_free(void *p);

void *rc_try_malloc(size_t n);
void *rc_try_realloc(void *p, size_t n);

/* Memory figures for INFO memory and /metrics. Fields are 0 when unknown
 * (libc allocator: only rss is filled). */
typedef struct {
    size_t allocated; /* bytes handed to the program */
    size_t active;    /* bytes in active pages */
    size_t resident;  /* bytes in resident allocator pages */
    size_t rss;       /* resident set size of the process */
} rc_mem_stats_t;
void rc_mem_stats(rc_mem_stats_t *out);
/* "jemalloc-<version>" or "libc". */
const char *rc_allocator_name(void);

#endif
