/* tasks.c — test task functions (librayc_testtasks.so): each is
 * int fn(rayc_task_t *), as rayc.h defines the task ABI. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "blob.h"
#include "rayc.h"

/* Returns nothing. */
int noop(rayc_task_t *t)
{
    (void)t;
    return 0;
}

/* Returns its first argument (nothing when none). */
int echo(rayc_task_t *t)
{
    size_t len = 0;
    const void *p = rayc_task_nargs(t) ? rayc_task_arg(t, 0, &len) : NULL;
    return p ? rayc_task_return(t, p, len) : 0;
}

/* Sums its 8-byte little-endian arguments; returns the sum the same way. */
int add_u64(rayc_task_t *t)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < rayc_task_nargs(t); i++) {
        size_t len;
        const uint8_t *p = rayc_task_arg(t, i, &len);
        if (len != 8) return rayc_task_fail(t, "add_u64: every argument must be 8 bytes"), 1;
        uint64_t v = 0;
        for (int b = 7; b >= 0; b--) v = v << 8 | p[b];
        sum += v;
    }
    uint8_t out[8];
    for (int b = 0; b < 8; b++) out[b] = (uint8_t)(sum >> (8 * b));
    return rayc_task_return(t, out, 8);
}

/* Returns the length of its first argument as an 8-byte little-endian number
 * (rayc-bench's tasks_with_1mib_args). */
int arg_len(rayc_task_t *t)
{
    size_t len = 0;
    if (rayc_task_nargs(t)) rayc_task_arg(t, 0, &len);
    uint8_t out[8];
    for (int b = 0; b < 8; b++) out[b] = (uint8_t)((uint64_t)len >> (8 * b));
    return rayc_task_return(t, out, 8);
}

/* Fails with its first argument as the message. */
int fail(rayc_task_t *t)
{
    char msg[1024] = "failed on purpose";
    size_t len = 0;
    const char *p = rayc_task_nargs(t) ? rayc_task_arg(t, 0, &len) : NULL;
    if (p) snprintf(msg, sizeof(msg), "%.*s", (int)len, p);
    rayc_task_fail(t, msg);
    return 1;
}

/* Kills the executor. */
int crash(rayc_task_t *t)
{
    (void)t;
    abort();
}

/* Sleeps the milliseconds in its first argument (decimal text), returns it. */
int sleep_ms(rayc_task_t *t)
{
    char buf[32] = "0";
    size_t len = 0;
    const char *p = rayc_task_nargs(t) ? rayc_task_arg(t, 0, &len) : NULL;
    if (p && len < sizeof(buf)) {
        memcpy(buf, p, len);
        buf[len] = '\0';
    }
    long ms = strtol(buf, NULL, 10);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
    return rayc_task_return(t, buf, strlen(buf));
}

/* Returns the executor's pid as decimal text. */
int getpid_task(rayc_task_t *t)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d", (int)getpid());
    return rayc_task_return(t, buf, (size_t)n);
}

/* Sleeps the milliseconds in its first argument (decimal text), then returns its
 * second argument: distinct values that take a while, for fault tests. */
int slow_echo(rayc_task_t *t)
{
    if (rayc_task_nargs(t) != 2) return rayc_task_fail(t, "slow_echo: needs (ms, value)"), 1;
    sleep_ms(t);
    size_t len;
    const void *p = rayc_task_arg(t, 1, &len);
    return rayc_task_return(t, p, len);
}

/* Sleeps the milliseconds in its first argument, then returns the node id
 * ($RAY_NODE_ID) it ran on: where the scheduler put it. */
int node_after_ms(rayc_task_t *t)
{
    sleep_ms(t);
    const char *id = getenv("RAY_NODE_ID");
    if (!id) return rayc_task_fail(t, "RAY_NODE_ID is not set in the executor"), 1;
    return rayc_task_return(t, id, strlen(id));
}

/* Submits echo(arg) as a nested task through rayc_task_client and returns what
 * it got back, prefixed with "nested:". */
int nested_echo(rayc_task_t *t)
{
    size_t len = 0;
    const void *p = rayc_task_nargs(t) ? rayc_task_arg(t, 0, &len) : NULL;
    const char *lib = getenv("RAYC_TESTTASKS_LIB");
    rayc_client_t *c = rayc_task_client(t);
    if (!c) return rayc_task_fail(t, "nested_echo: no client (is RAY_ADDRESS set?)"), 1;
    if (!lib) return rayc_task_fail(t, "nested_echo: RAYC_TESTTASKS_LIB is not set"), 1;
    rayc_arg_t a = rayc_arg_bytes(p ? p : "", len);
    rayc_ref_t r;
    rayc_value_t v;
    if (rayc_submit(c, lib, "echo", &a, 1, NULL, &r) != RAYC_OK ||
        rayc_get(c, &r, 1, 30, &v) != RAYC_OK)
        return rayc_task_fail(t, rayc_last_error(c)), 1;
    char out[256];
    int n = snprintf(out, sizeof(out), "nested:%.*s", (int)(v.len > 200 ? 200 : v.len),
                     (const char *)v.data);
    rayc_value_free(&v);
    rayc_release(c, &r, 1);
    return rayc_task_return(t, out, (size_t)n);
}

/* The 8-byte little-endian number in argument i; 0 and a failure if it is
 * missing or not 8 bytes. */
static int arg_u64(rayc_task_t *t, size_t i, const char *task, uint64_t *out)
{
    size_t len = 0;
    const uint8_t *p = i < rayc_task_nargs(t) ? rayc_task_arg(t, i, &len) : NULL;
    if (!p || len != 8) {
        char msg[128];
        snprintf(msg, sizeof(msg), "%s: argument %zu must be an 8-byte little-endian number", task,
                 i);
        rayc_task_fail(t, msg);
        return -1;
    }
    *out = rc_blob_get_le64(p);
    return 0;
}

/* Returns the blob (blob.h) of arg0 = size, arg1 = seed (8-byte little-endian
 * each): large results of known bytes, made in one pass. */
int blob(rayc_task_t *t)
{
    uint64_t size, seed;
    if (arg_u64(t, 0, "blob", &size) != 0 || arg_u64(t, 1, "blob", &seed) != 0) return 1;
    if (size > SIZE_MAX / 2) return rayc_task_fail(t, "blob: size too large"), 1;
    uint8_t *buf = malloc(size ? (size_t)size : 1);
    if (!buf) return rayc_task_fail(t, "blob: out of memory"), 1;
    rc_blob_fill(buf, size, seed);
    int rc = rayc_task_return(t, buf, (size_t)size);
    free(buf);
    return rc;
}

/* Returns the digest (blob.h) of its first argument, 8 bytes little-endian. */
int digest(rayc_task_t *t)
{
    size_t len = 0;
    const void *p = rayc_task_nargs(t) ? rayc_task_arg(t, 0, &len) : NULL;
    uint8_t out[8];
    rc_blob_put_le64(out, rc_blob_digest(p ? p : "", len));
    return rayc_task_return(t, out, 8);
}

/* As blob, but with the executor's open-file limit lowered so that it cannot
 * open one more fd while returning: a large result then has no memfd, and
 * the task must fail saying so. The limit is restored before returning. */
int blob_no_fds(rayc_task_t *t)
{
    struct rlimit old, low;
    if (getrlimit(RLIMIT_NOFILE, &old) != 0) return rayc_task_fail(t, "getrlimit failed"), 1;
    int probe = dup(2); /* the lowest free fd number */
    if (probe < 0) return rayc_task_fail(t, "blob_no_fds: dup failed"), 1;
    close(probe);
    low = old;
    low.rlim_cur = (rlim_t)probe;
    if (setrlimit(RLIMIT_NOFILE, &low) != 0) return rayc_task_fail(t, "setrlimit failed"), 1;
    int rc = blob(t);
    setrlimit(RLIMIT_NOFILE, &old);
    return rc;
}
