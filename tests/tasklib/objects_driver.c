/* objects_driver.c — rayc-objects-driver: end-to-end checks of large objects
 * (values over 100 KiB kept in node object stores) through the public SDK, run
 * by tests/integration/test_objects.sh against a real head and workers. Prints
 * "ok …" lines and exits 0 when every check held, 1 otherwise ("FAIL …").
 *
 *   rayc-objects-driver ADDRESS LIBRARY NODE_A NODE_B SUBCOMMAND [ARGS]
 *     pass SIZE        blob(SIZE) made on A, digested by a task on B, read back by the client
 *     put SIZE         rayc_put to A (RAY_NODE_ID), digested on B, read back
 *     many N SIZE      N blobs made on A, each digested on B at once (N transfers A→B)
 *     spill N SIZE     N put values on A (more than its store), each digested on A, read back
 *     lost RETRIES     blob made on A with max_retries RETRIES; prints READY, waits for a line
 *                      on stdin (the test kills A meanwhile), then reads it back
 *     churn N SIZE     N rayc_put/rayc_release cycles of SIZE bytes
 *     toobig SIZE      a task result and a put larger than A's store: RAYC_ETOOBIG at once
 *     keep N SIZE      N rayc_puts never released (run as a job: its end frees them)
 *
 * Bytes are checked by digest (blob.h), never by trusting a task's answer alone:
 * the client computes the expected digest of each blob itself. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob.h"
#include "rayc.h"

static int fails;
static rayc_client_t *cl;
static const char *lib, *node_a, *node_b;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static rayc_task_opts_t on(const char *node, int retries)
{
    rayc_task_opts_t o;
    rayc_task_opts_init(&o);
    o.strategy = RAYC_NODE_AFFINITY;
    o.node_id = node;
    o.max_retries = retries;
    return o;
}

static rayc_ref_t submit(const char *fn, const rayc_arg_t *args, size_t n,
                         const rayc_task_opts_t *o)
{
    rayc_ref_t r;
    if (rayc_submit(cl, lib, fn, args, n, o, &r) != RAYC_OK) {
        printf("FAIL submit %s: %s\n", fn, rayc_last_error(cl));
        exit(1);
    }
    return r;
}

/* soft: a value whose node died can only be made again elsewhere. */
static rayc_ref_t blob_on(const char *node, uint64_t size, uint64_t seed, int retries, int soft)
{
    uint8_t s[8], d[8];
    rc_blob_put_le64(s, size);
    rc_blob_put_le64(d, seed);
    rayc_arg_t a[2] = {rayc_arg_bytes(s, 8), rayc_arg_bytes(d, 8)};
    rayc_task_opts_t o = on(node, retries);
    o.soft = soft;
    return submit("blob", a, 2, &o);
}

static rayc_ref_t digest_on(const char *node, rayc_ref_t ref)
{
    rayc_arg_t a = rayc_arg_ref(ref);
    rayc_task_opts_t o = on(node, 3);
    return submit("digest", &a, 1, &o);
}

static uint64_t expected(uint64_t size, uint64_t seed)
{
    uint8_t *b = malloc(size ? size : 1);
    if (!b) {
        printf("FAIL out of memory for %" PRIu64 " bytes\n", size);
        exit(1);
    }
    rc_blob_fill(b, size, seed);
    uint64_t h = rc_blob_digest(b, size);
    free(b);
    return h;
}

/* The digest task's answer for ref, or 0 with a FAIL line. */
static uint64_t digest_value(rayc_ref_t ref, const char *what)
{
    rayc_value_t v;
    int rc = rayc_get(cl, &ref, 1, 300, &v);
    uint64_t h = 0;
    CHECK(rc == RAYC_OK && v.len == 8, "%s: digest task: %s", what,
          rc ? rayc_last_error(cl) : "not 8 bytes");
    if (rc == RAYC_OK && v.len == 8) h = rc_blob_get_le64(v.data);
    rayc_value_free(&v);
    return h;
}

/* Reads ref back into the client and checks its size and digest. */
static void read_back(rayc_ref_t ref, uint64_t size, uint64_t want, const char *what)
{
    rayc_value_t v;
    double t0 = now();
    int rc = rayc_get(cl, &ref, 1, 300, &v);
    double dt = now() - t0;
    CHECK(rc == RAYC_OK, "%s: rayc_get: %s", what, rayc_last_error(cl));
    if (rc == RAYC_OK) {
        CHECK(v.len == size, "%s: got %zu bytes, want %" PRIu64, what, v.len, size);
        CHECK(rc_blob_digest(v.data, v.len) == want, "%s: the client's copy differs", what);
        if (v.len == size && rc_blob_digest(v.data, v.len) == want)
            printf("ok %s: client read %" PRIu64 " bytes byte-exact in %.3f s\n", what, size, dt);
    }
    rayc_value_free(&v);
}

static void cmd_pass(uint64_t size)
{
    uint64_t seed = size ^ 0x5eed;
    double t0 = now();
    rayc_ref_t b = blob_on(node_a, size, seed, 3, 0);
    rayc_ref_t d = digest_on(node_b, b);
    uint64_t want = expected(size, seed);
    uint64_t got = digest_value(d, "pass");
    CHECK(got == want, "pass: the task on B saw other bytes (%016" PRIx64 " != %016" PRIx64 ")",
          got, want);
    if (got == want)
        printf("ok pass: %" PRIu64 " bytes made on A, read by a task on B, byte-exact (%.3f s)\n",
               size, now() - t0);
    read_back(b, size, want, "pass");
    rayc_release(cl, &b, 1);
    rayc_release(cl, &d, 1);
}

static void cmd_put(uint64_t size)
{
    uint64_t seed = size ^ 0xbeef;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) exit(1);
    rc_blob_fill(buf, size, seed);
    uint64_t want = rc_blob_digest(buf, size);
    rayc_ref_t r;
    int rc = rayc_put(cl, buf, size, &r);
    free(buf);
    CHECK(rc == RAYC_OK, "put: rayc_put: %s", rayc_last_error(cl));
    if (rc != RAYC_OK) return;
    rayc_ref_t d = digest_on(node_b, r);
    uint64_t got = digest_value(d, "put");
    CHECK(got == want, "put: the task on B saw other bytes");
    if (got == want) printf("ok put: %" PRIu64 " bytes put, read by a task on B\n", size);
    read_back(r, size, want, "put");
    rayc_release(cl, &r, 1);
    rayc_release(cl, &d, 1);
}

static void cmd_many(long n, uint64_t size)
{
    rayc_ref_t *b = calloc((size_t)n, sizeof(*b)), *d = calloc((size_t)n, sizeof(*d));
    double t0 = now();
    for (long i = 0; i < n; i++) b[i] = blob_on(node_a, size, (uint64_t)i, 3, 0);
    for (long i = 0; i < n; i++) d[i] = digest_on(node_b, b[i]);
    uint64_t want0 = expected(size, 0);
    int bad = 0;
    for (long i = 0; i < n; i++) {
        uint64_t got = digest_value(d[i], "many");
        uint64_t want = i == 0 ? want0 : expected(size, (uint64_t)i);
        if (got != want) bad++;
    }
    CHECK(bad == 0, "many: %d of %ld transfers gave other bytes", bad, n);
    if (!bad)
        printf("ok many: %ld objects of %" PRIu64 " bytes made on A and read on B, byte-exact "
               "(%.2f s, %.0f MiB/s)\n",
               n, size, now() - t0, (double)n * (double)size / (1 << 20) / (now() - t0));
    rayc_release(cl, b, (size_t)n);
    rayc_release(cl, d, (size_t)n);
    free(b);
    free(d);
}

static void cmd_spill(long n, uint64_t size)
{
    rayc_ref_t *r = calloc((size_t)n, sizeof(*r));
    uint64_t *want = calloc((size_t)n, sizeof(*want));
    uint8_t *buf = malloc(size);
    if (!r || !want || !buf) exit(1);
    for (long i = 0; i < n; i++) {
        rc_blob_fill(buf, size, (uint64_t)i * 7);
        want[i] = rc_blob_digest(buf, size);
        int rc = rayc_put(cl, buf, size, &r[i]);
        CHECK(rc == RAYC_OK, "spill: put %ld: %s", i, rayc_last_error(cl));
        if (rc) exit(1);
    }
    free(buf);
    printf("ok spill: %ld values of %" PRIu64 " bytes put on A\n", n, size);
    int bad = 0;
    for (long i = 0; i < n; i++) {
        rayc_ref_t d = digest_on(node_a, r[i]);
        if (digest_value(d, "spill") != want[i]) bad++;
        rayc_release(cl, &d, 1);
    }
    CHECK(bad == 0, "spill: %d tasks on A saw other bytes", bad);
    if (!bad) printf("ok spill: every value read back by a task on A (restored when spilled)\n");
    for (long i = n - 1; i >= 0; i--) read_back(r[i], size, want[i], "spill");
    rayc_release(cl, r, (size_t)n);
    free(r);
    free(want);
}

static void cmd_lost(int retries)
{
    uint64_t size = 8u << 20;
    rayc_ref_t b = blob_on(node_a, size, 42, retries, 1);
    rayc_value_t v;
    /* Made: wait for it through a small dependent, not by reading it. */
    rayc_ref_t d = digest_on(node_a, b);
    uint64_t want = expected(size, 42);
    CHECK(digest_value(d, "lost") == want, "lost: first digest differs");
    rayc_release(cl, &d, 1);
    printf("READY\n");
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof(line), stdin)) {
        printf("FAIL lost: no go-ahead on stdin\n");
        exit(1);
    }
    /* A is dead now: the value is made again on B, or lost for good. */
    int rc = rayc_get(cl, &b, 1, 120, &v);
    if (retries > 0) {
        CHECK(rc == RAYC_OK, "lost: rayc_get after the node died: %s", rayc_last_error(cl));
        if (rc == RAYC_OK) {
            CHECK(v.len == size && rc_blob_digest(v.data, v.len) == want,
                  "lost: the reconstructed value differs");
            if (v.len == size && rc_blob_digest(v.data, v.len) == want)
                printf("ok lost: the value was made again after its node died, byte-exact\n");
        }
    } else {
        CHECK(rc == RAYC_EOBJECT_LOST, "lost: rayc_get gave %d (%s), want RAYC_EOBJECT_LOST", rc,
              rayc_last_error(cl));
        if (rc == RAYC_EOBJECT_LOST)
            printf("ok lost: RAYC_EOBJECT_LOST: %s\n", rayc_last_error(cl));
    }
    rayc_value_free(&v);
    rayc_release(cl, &b, 1);
}

static void cmd_churn(long n, uint64_t size)
{
    uint8_t *buf = malloc(size);
    if (!buf) exit(1);
    rc_blob_fill(buf, size, 9);
    double t0 = now();
    for (long i = 0; i < n; i++) {
        rayc_ref_t r;
        if (rayc_put(cl, buf, size, &r) != RAYC_OK) {
            printf("FAIL churn: put %ld: %s\n", i, rayc_last_error(cl));
            exit(1);
        }
        rayc_release(cl, &r, 1);
    }
    free(buf);
    printf("ok churn: %ld put/release cycles of %" PRIu64 " bytes (%.0f/s)\n", n, size,
           (double)n / (now() - t0));
}

/* A value larger than node A's whole store: made there by a task, and put
 * there; both fail at once with RAYC_ETOOBIG and the sizes, never hang. */
static void cmd_toobig(uint64_t size)
{
    rayc_ref_t b = blob_on(node_a, size, 1, 0, 0);
    rayc_value_t v;
    int rc = rayc_get(cl, &b, 1, 60, &v);
    CHECK(rc == RAYC_ETOOBIG, "toobig: task result gave %d (%s), want RAYC_ETOOBIG", rc,
          rayc_last_error(cl));
    if (rc == RAYC_ETOOBIG) printf("ok toobig: task result: %s\n", rayc_last_error(cl));
    rayc_value_free(&v);
    rayc_release(cl, &b, 1);
    uint8_t *buf = calloc(1, size);
    if (!buf) exit(1);
    rayc_ref_t r;
    rc = rayc_put(cl, buf, size, &r);
    free(buf);
    CHECK(rc == RAYC_ETOOBIG, "toobig: put gave %d (%s), want RAYC_ETOOBIG", rc,
          rayc_last_error(cl));
    if (rc == RAYC_ETOOBIG) printf("ok toobig: put: %s\n", rayc_last_error(cl));
}

/* Puts n values and ends without releasing them (a job's driver that forgets):
 * the head releases them when the job ends. */
static void cmd_keep(long n, uint64_t size)
{
    uint8_t *buf = calloc(1, size ? size : 1);
    if (!buf) exit(1);
    for (long i = 0; i < n; i++) {
        rayc_ref_t r;
        CHECK(rayc_put(cl, buf, size, &r) == RAYC_OK, "keep: put %ld: %s", i, rayc_last_error(cl));
    }
    free(buf);
    printf("ok keep: %ld values of %" PRIu64 " bytes put and never released\n", n, size);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr,
                "usage: rayc-objects-driver ADDRESS LIBRARY NODE_A NODE_B SUBCOMMAND [ARGS]\n");
        return 2;
    }
    lib = argv[2];
    node_a = argv[3];
    node_b = argv[4];
    const char *sub = argv[5];
    if (rayc_connect(argv[1], NULL, &cl) != RAYC_OK) {
        printf("FAIL connect: %s\n", rayc_last_error(NULL));
        return 1;
    }
    long a1 = argc > 6 ? strtol(argv[6], NULL, 0) : 0;
    uint64_t a2 = argc > 7 ? strtoull(argv[7], NULL, 0) : 0;
    if (!strcmp(sub, "pass"))
        cmd_pass((uint64_t)a1);
    else if (!strcmp(sub, "put"))
        cmd_put((uint64_t)a1);
    else if (!strcmp(sub, "many"))
        cmd_many(a1, a2);
    else if (!strcmp(sub, "spill"))
        cmd_spill(a1, a2);
    else if (!strcmp(sub, "lost"))
        cmd_lost((int)a1);
    else if (!strcmp(sub, "churn"))
        cmd_churn(a1, a2);
    else if (!strcmp(sub, "toobig"))
        cmd_toobig((uint64_t)a1);
    else if (!strcmp(sub, "keep"))
        cmd_keep(a1, a2);
    else {
        fprintf(stderr, "unknown subcommand %s\n", sub);
        return 2;
    }
    rayc_disconnect(cl);
    return fails ? 1 : 0;
}
