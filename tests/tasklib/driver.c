/* driver.c — rayc-test-driver: end-to-end checks through the public SDK, run by
 * the integration tests against a real head and workers. Each subcommand prints
 * "ok <what>" lines and exits 0 when every check held, 1 otherwise (with
 * "FAIL …" lines saying what differed).
 *
 *   rayc-test-driver ADDRESS LIBRARY echo N | chain N | fanout N | cmd | fail |
 *                    put | cancel | nested | needs RESOURCE | killtest N | spread N MS */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rayc.h"

static int fails;
static rayc_client_t *cl;
static const char *lib;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)

static void u64le(uint64_t v, uint8_t out[8])
{
    for (int b = 0; b < 8; b++) out[b] = (uint8_t)(v >> (8 * b));
}

static uint64_t from_le(const void *p)
{
    const uint8_t *b = p;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

static rayc_ref_t submit(const char *fn, const rayc_arg_t *args, size_t n,
                         const rayc_task_opts_t *o)
{
    rayc_ref_t r;
    int rc = rayc_submit(cl, lib, fn, args, n, o, &r);
    if (rc) {
        printf("FAIL submit %s: %s\n", fn, rayc_last_error(cl));
        exit(1);
    }
    return r;
}

static int cmd_echo(long n)
{
    rayc_ref_t *refs = calloc((size_t)n, sizeof(*refs));
    rayc_value_t *vals = calloc((size_t)n, sizeof(*vals));
    char buf[32];
    for (long i = 0; i < n; i++) {
        int len = snprintf(buf, sizeof(buf), "v%ld", i);
        rayc_arg_t a = rayc_arg_bytes(buf, (size_t)len);
        refs[i] = submit("echo", &a, 1, NULL);
    }
    int rc = rayc_get(cl, refs, (size_t)n, 120, vals);
    CHECK(rc == RAYC_OK, "get: %s", rayc_last_error(cl));
    long bad = 0;
    for (long i = 0; i < n; i++) {
        int len = snprintf(buf, sizeof(buf), "v%ld", i);
        if (vals[i].err || vals[i].len != (size_t)len || memcmp(vals[i].data, buf, vals[i].len))
            bad++;
        rayc_value_free(&vals[i]);
    }
    CHECK(bad == 0, "%ld of %ld echo results wrong", bad, n);
    rayc_release(cl, refs, (size_t)n);
    printf("ok echo %ld tasks, every value checked\n", n);
    free(refs);
    free(vals);
    return 0;
}

static int cmd_chain(long n)
{
    uint8_t one[8];
    u64le(1, one);
    rayc_ref_t prev;
    CHECK(rayc_put(cl, one, 8, &prev) == RAYC_OK, "put: %s", rayc_last_error(cl));
    for (long i = 0; i < n; i++) {
        rayc_arg_t a[2] = {rayc_arg_ref(prev), rayc_arg_bytes(one, 8)};
        prev = submit("add_u64", a, 2, NULL);
    }
    rayc_value_t v;
    int rc = rayc_get(cl, &prev, 1, 60, &v);
    CHECK(rc == RAYC_OK && v.len == 8, "chain get: %s", rayc_last_error(cl));
    if (rc == RAYC_OK)
        CHECK(from_le(v.data) == (uint64_t)n + 1, "chain of %ld gave %" PRIu64, n, from_le(v.data));
    rayc_value_free(&v);
    printf("ok chain of %ld dependent tasks\n", n);
    return 0;
}

static int cmd_fanout(long n)
{
    rayc_ref_t *refs = calloc((size_t)n, sizeof(*refs));
    rayc_arg_t *args = calloc((size_t)n, sizeof(*args));
    uint8_t(*vals)[8] = calloc((size_t)n, 8);
    uint8_t zero[8];
    u64le(0, zero);
    rayc_arg_t a0 = rayc_arg_bytes(zero, 8);
    rayc_ref_t root = submit("add_u64", &a0, 1, NULL);
    for (long i = 0; i < n; i++) {
        u64le((uint64_t)i, vals[i]);
        rayc_arg_t a[2] = {rayc_arg_ref(root), rayc_arg_bytes(vals[i], 8)};
        refs[i] = submit("add_u64", a, 2, NULL);
        args[i] = rayc_arg_ref(refs[i]);
    }
    rayc_ref_t sum = submit("add_u64", args, (size_t)n, NULL);
    rayc_value_t v;
    int rc = rayc_get(cl, &sum, 1, 120, &v);
    CHECK(rc == RAYC_OK && v.len == 8, "fan-in get: %s", rayc_last_error(cl));
    uint64_t want = (uint64_t)n * (uint64_t)(n - 1) / 2;
    if (rc == RAYC_OK) CHECK(from_le(v.data) == want, "fan-in sum %" PRIu64, from_le(v.data));
    rayc_value_free(&v);
    printf("ok fan-out 1 -> %ld -> 1\n", n);
    free(refs);
    free(args);
    free(vals);
    return 0;
}

static int cmd_cmd(void)
{
    const char *ok_argv[] = {"sh", "-c", "echo hello; echo to-stderr >&2", NULL};
    const char *bad_argv[] = {"sh", "-c", "echo partial; exit 3", NULL};
    const char *missing_argv[] = {"/nonexistent/program", NULL};
    rayc_ref_t r[3];
    CHECK(rayc_submit_cmd(cl, ok_argv, NULL, &r[0]) == RAYC_OK, "%s", rayc_last_error(cl));
    CHECK(rayc_submit_cmd(cl, bad_argv, NULL, &r[1]) == RAYC_OK, "%s", rayc_last_error(cl));
    CHECK(rayc_submit_cmd(cl, missing_argv, NULL, &r[2]) == RAYC_OK, "%s", rayc_last_error(cl));
    rayc_value_t v[3];
    rayc_get(cl, r, 3, 60, v);
    CHECK(v[0].err == RAYC_OK && v[0].len == 6 && !memcmp(v[0].data, "hello\n", 6),
          "stdout captured (err %d len %zu)", v[0].err, v[0].len);
    CHECK(v[0].exit_code == 0, "exit code 0, got %d", v[0].exit_code);
    CHECK(v[1].err == RAYC_ETASK, "exit 3 is a task error, got %d", v[1].err);
    CHECK(v[1].exit_code == 3, "exit code 3, got %d", v[1].exit_code);
    CHECK(v[1].message && strstr(v[1].message, "3"), "message names the status: %s",
          v[1].message ? v[1].message : "(none)");
    CHECK(v[2].err == RAYC_ETASK, "a missing program fails the task, got %d", v[2].err);
    for (int i = 0; i < 3; i++) rayc_value_free(&v[i]);
    printf("ok command tasks: output, exit codes, missing program\n");
    return 0;
}

static int cmd_fail(void)
{
    rayc_arg_t a = rayc_arg_bytes("boom: disk on fire", 18);
    rayc_ref_t r = submit("fail", &a, 1, NULL);
    rayc_ref_t m = submit("no_such_function", NULL, 0, NULL);
    rayc_value_t v;
    CHECK(rayc_get(cl, &r, 1, 60, &v) == RAYC_ETASK, "fail -> RAYC_ETASK");
    CHECK(v.message && strstr(v.message, "disk on fire"), "message carried: %s",
          v.message ? v.message : "(none)");
    rayc_value_free(&v);
    CHECK(rayc_get(cl, &m, 1, 60, &v) == RAYC_ETASK, "missing symbol -> RAYC_ETASK");
    CHECK(v.message && strstr(v.message, "no_such_function"), "missing symbol named: %s",
          v.message ? v.message : "(none)");
    rayc_value_free(&v);
    printf("ok application errors carry their message\n");
    return 0;
}

static int cmd_put(void)
{
    rayc_ref_t p;
    CHECK(rayc_put(cl, "payload", 7, &p) == RAYC_OK, "put: %s", rayc_last_error(cl));
    rayc_arg_t a = rayc_arg_ref(p);
    rayc_ref_t r = submit("echo", &a, 1, NULL);
    rayc_value_t v;
    CHECK(rayc_get(cl, &r, 1, 60, &v) == RAYC_OK && v.len == 7 && !memcmp(v.data, "payload", 7),
          "put value through a task");
    rayc_value_free(&v);
    /* Over 100 KiB the value goes to a node's object store; the task reads it there. */
    static char big[200 * 1024];
    memset(big, 'b', sizeof(big));
    rayc_ref_t b;
    CHECK(rayc_put(cl, big, sizeof(big), &b) == RAYC_OK, "200 KiB put: %s", rayc_last_error(cl));
    a = rayc_arg_ref(b);
    r = submit("arg_len", &a, 1, NULL);
    CHECK(rayc_get(cl, &r, 1, 60, &v) == RAYC_OK && v.len == 8 && from_le(v.data) == sizeof(big),
          "200 KiB put value through a task");
    rayc_value_free(&v);
    rayc_release(cl, &b, 1);
    printf("ok put, ref argument, a 200 KiB put value through the object store\n");
    return 0;
}

static int cmd_cancel(void)
{
    rayc_task_opts_t o;
    rayc_task_opts_init(&o);
    o.resources = "{\"no_node_has_this\": 1}";
    rayc_ref_t pending = submit("noop", NULL, 0, &o);
    rayc_arg_t a = rayc_arg_bytes("20000", 5);
    rayc_ref_t running = submit("sleep_ms", &a, 1, NULL);
    int ready = 0;
    rayc_wait(cl, &running, 1, 1, 1.0, &ready); /* let it start */
    CHECK(rayc_cancel(cl, &pending, 0) == RAYC_OK, "cancel pending: %s", rayc_last_error(cl));
    CHECK(rayc_cancel(cl, &running, 1) == RAYC_OK, "cancel running: %s", rayc_last_error(cl));
    rayc_value_t v;
    CHECK(rayc_get(cl, &pending, 1, 10, &v) == RAYC_ECANCELLED, "pending cancelled");
    rayc_value_free(&v);
    time_t t0 = time(NULL);
    CHECK(rayc_get(cl, &running, 1, 10, &v) == RAYC_ECANCELLED, "running cancelled");
    CHECK(time(NULL) - t0 < 5, "cancel did not wait for the 20 s task");
    rayc_value_free(&v);
    printf("ok cancel of a pending and a running task\n");
    return 0;
}

/* Submits N slow_echo tasks with distinct values; prints "submitted" so the test
 * can kill a worker; then checks every value arrives exactly once and right. */
static int cmd_killtest(long n)
{
    rayc_ref_t *refs = calloc((size_t)n, sizeof(*refs));
    rayc_value_t *vals = calloc((size_t)n, sizeof(*vals));
    char buf[32];
    for (long i = 0; i < n; i++) {
        int len = snprintf(buf, sizeof(buf), "k%ld", i);
        rayc_arg_t a[2] = {rayc_arg_bytes("2", 1), rayc_arg_bytes(buf, (size_t)len)};
        refs[i] = submit("slow_echo", a, 2, NULL);
    }
    int ready = 0;
    rayc_wait(cl, refs, 1, 1, 30, &ready);
    printf("submitted\n");
    fflush(stdout);
    int rc = rayc_get(cl, refs, (size_t)n, 300, vals);
    CHECK(rc == RAYC_OK, "get after the kill: %s", rayc_last_error(cl));
    long bad = 0;
    for (long i = 0; i < n; i++) {
        int len = snprintf(buf, sizeof(buf), "k%ld", i);
        if (vals[i].err || vals[i].len != (size_t)len || memcmp(vals[i].data, buf, vals[i].len))
            bad++;
        rayc_value_free(&vals[i]);
    }
    CHECK(bad == 0, "%ld of %ld results wrong after the kill", bad, n);
    printf("ok %ld results by value after a worker was killed\n", n);
    free(refs);
    free(vals);
    return 0;
}

/* A task that submits a task of its own (rayc_task_client). */
static int cmd_nested(void)
{
    rayc_arg_t a = rayc_arg_bytes("inner", 5);
    rayc_ref_t r = submit("nested_echo", &a, 1, NULL);
    rayc_value_t v;
    int rc = rayc_get(cl, &r, 1, 60, &v);
    CHECK(rc == RAYC_OK && v.len == 12 && !memcmp(v.data, "nested:inner", 12), "nested: %s",
          rc == RAYC_OK ? "wrong value" : (v.message ? v.message : rayc_last_error(cl)));
    rayc_value_free(&v);
    printf("ok a task submitted a nested task and got its result\n");
    return 0;
}

/* A task needing one unit of a resource no node has yet: prints "submitted",
 * then waits (up to 120 s) until a node that has it joins and runs the task. */
static int cmd_needs(const char *resource)
{
    char json[128];
    snprintf(json, sizeof(json), "{\"%s\": 1}", resource);
    rayc_task_opts_t o;
    rayc_task_opts_init(&o);
    o.resources = json;
    rayc_arg_t a = rayc_arg_bytes("placed", 6);
    rayc_ref_t r = submit("echo", &a, 1, &o);
    int ready = 1;
    rayc_wait(cl, &r, 1, 1, 0.5, &ready);
    CHECK(ready == 0, "the task must wait while no node has %s", resource);
    printf("submitted\n");
    fflush(stdout);
    rayc_value_t v;
    int rc = rayc_get(cl, &r, 1, 120, &v);
    CHECK(rc == RAYC_OK && v.len == 6 && !memcmp(v.data, "placed", 6), "placed later: %s",
          rayc_last_error(cl));
    rayc_value_free(&v);
    printf("ok infeasible task placed once a fitting node joined\n");
    return 0;
}

/* N tasks of MS milliseconds each; prints "<node> <count>" per node. */
static int cmd_spread(long n, const char *ms)
{
    rayc_ref_t *refs = calloc((size_t)n, sizeof(*refs));
    rayc_value_t *vals = calloc((size_t)n, sizeof(*vals));
    rayc_arg_t a = rayc_arg_bytes(ms, strlen(ms));
    for (long i = 0; i < n; i++) refs[i] = submit("node_after_ms", &a, 1, NULL);
    int rc = rayc_get(cl, refs, (size_t)n, 600, vals);
    CHECK(rc == RAYC_OK, "get: %s", rayc_last_error(cl));
    char nodes[16][33];
    long counts[16] = {0};
    int nn = 0;
    for (long i = 0; i < n && rc == RAYC_OK; i++) {
        char id[33];
        snprintf(id, sizeof(id), "%.*s", (int)(vals[i].len > 32 ? 32 : vals[i].len),
                 (const char *)vals[i].data);
        int k = 0;
        while (k < nn && strcmp(nodes[k], id)) k++;
        if (k == nn && nn < 16) strcpy(nodes[nn++], id);
        if (k < 16) counts[k]++;
        rayc_value_free(&vals[i]);
    }
    for (int k = 0; k < nn; k++) printf("node %s %ld\n", nodes[k], counts[k]);
    free(refs);
    free(vals);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: rayc-test-driver ADDRESS LIBRARY SUBCOMMAND [ARGS]\n");
        return 2;
    }
    lib = argv[2];
    if (rayc_connect(argv[1], NULL, &cl) != RAYC_OK) {
        printf("FAIL connect: %s\n", rayc_last_error(NULL));
        return 1;
    }
    const char *sub = argv[3];
    long n = argc > 4 ? atol(argv[4]) : 0;
    if (!strcmp(sub, "echo"))
        cmd_echo(n);
    else if (!strcmp(sub, "chain"))
        cmd_chain(n);
    else if (!strcmp(sub, "fanout"))
        cmd_fanout(n);
    else if (!strcmp(sub, "cmd"))
        cmd_cmd();
    else if (!strcmp(sub, "fail"))
        cmd_fail();
    else if (!strcmp(sub, "put"))
        cmd_put();
    else if (!strcmp(sub, "cancel"))
        cmd_cancel();
    else if (!strcmp(sub, "killtest"))
        cmd_killtest(n);
    else if (!strcmp(sub, "nested"))
        cmd_nested();
    else if (!strcmp(sub, "needs"))
        cmd_needs(argc > 4 ? argv[4] : "gizmo");
    else if (!strcmp(sub, "spread"))
        cmd_spread(n, argc > 5 ? argv[5] : "1000");
    else {
        fprintf(stderr, "unknown subcommand %s\n", sub);
        return 2;
    }
    rayc_disconnect(cl);
    return fails ? 1 : 0;
}
