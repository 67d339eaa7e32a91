/* test_objstore.c — the node object store: byte-exact round trips through sealed
 * memfds, capacity accounting, LRU spilling, pinning, restore, RC_ETOOBIG
 * messages, deferred delete, damaged spill files and fd/memory leaks over
 * 10,000 cycles. Each test works in its own directory under /tmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "objstore.h"

#define KIB 1024ULL
#define MIB (1024ULL * 1024ULL)

typedef struct {
    char dir[256];   /* the test's directory */
    char spill[300]; /* <dir>/storage/spill, created by the store */
    char err[1024];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/rc-objstore-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->spill, sizeof(f->spill), "%s/storage/spill", f->dir);
    *state = f;
    return 0;
}

static void rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char sub[1024];
            snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
            rmtree(sub);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    rmtree(f->dir);
    free(f);
    return 0;
}

static rc_id_t id_n(unsigned n)
{
    rc_id_t id = RC_ID_NIL;
    id.b[0] = 0xab;
    memcpy(id.b + 4, &n, sizeof(n));
    return id;
}

/* Deterministic bytes: every (seed, offset) gives its own value. */
static void fill(uint8_t *p, uint64_t n, uint32_t seed)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL * (seed + 1);
    for (uint64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)x;
    }
}

static void put(rc_objstore_t *s, unsigned n, uint64_t size)
{
    rc_id_t id = id_n(n);
    uint8_t *w = NULL;
    char err[512] = "";
    rc_err_t rc = rc_objstore_create(s, &id, size, &w, err, sizeof(err));
    if (rc != RC_OK) fail_msg("create %u (%llu bytes): %s", n, (unsigned long long)size, err);
    assert_non_null(w);
    fill(w, size, n);
    assert_int_equal(rc_objstore_seal(s, &id, err, sizeof(err)), RC_OK);
}

/* Gets n, compares every byte, releases. */
static void check(rc_objstore_t *s, unsigned n, uint64_t size)
{
    rc_id_t id = id_n(n);
    rc_objstore_view_t v;
    char err[512] = "";
    rc_err_t rc = rc_objstore_get(s, &id, &v, err, sizeof(err));
    if (rc != RC_OK) fail_msg("get %u: %s: %s", n, rc_errname(rc), err);
    assert_int_equal(v.size, size);
    assert_non_null(v.data);
    uint8_t *want = malloc(size ? size : 1);
    fill(want, size, n);
    assert_memory_equal(v.data, want, size);
    free(want);
    assert_int_equal(rc_objstore_release(s, &id), RC_OK);
}

static int spill_file_exists(const fixture_t *f, unsigned n)
{
    char hex[RC_ID_HEX_LEN + 1], path[512];
    rc_id_t id = id_n(n);
    rc_id_to_hex(&id, hex);
    snprintf(path, sizeof(path), "%s/%s", f->spill, hex);
    return access(path, F_OK) == 0;
}

static void spill_file_path(const fixture_t *f, unsigned n, char *path, size_t cap)
{
    char hex[RC_ID_HEX_LEN + 1];
    rc_id_t id = id_n(n);
    rc_id_to_hex(&id, hex);
    snprintf(path, cap, "%s/%s", f->spill, hex);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static rc_objstore_stats_t stats(rc_objstore_t *s)
{
    rc_objstore_stats_t st;
    rc_objstore_stats(s, &st);
    return st;
}

static void test_new_invalid(void **state)
{
    fixture_t *f = *state;
    rc_objstore_t *s = (void *)1;
    assert_int_equal(rc_objstore_new(0, NULL, &s, f->err, sizeof(f->err)), RC_EINVAL);
    assert_null(s);
    assert_non_null(strstr(f->err, "positive"));
    assert_int_equal(rc_objstore_new(-5, f->spill, &s, NULL, 0), RC_EINVAL);
    assert_int_equal(rc_objstore_new(MIB, "", &s, f->err, sizeof(f->err)), RC_EINVAL);
    /* The spill directory is made at the first spill, not here. */
    assert_int_equal(rc_objstore_new(MIB, f->spill, &s, f->err, sizeof(f->err)), RC_OK);
    assert_int_equal(access(f->spill, F_OK), -1);
    rc_objstore_free(s);
    rc_objstore_free(NULL);
}

/* Sizes 0, 1, 100 KiB + 1 and 8 MiB come back byte for byte, through the view
 * and through a second mapping of the fd (as an executor would read it), and
 * the fd is sealed against writes and resizes. */
static void test_roundtrip_sizes(void **state)
{
    fixture_t *f = *state;
    rc_objstore_t *s;
    assert_int_equal(rc_objstore_new(64 * MIB, f->spill, &s, f->err, sizeof(f->err)), RC_OK);
    const uint64_t sizes[] = {0, 1, 100 * KIB + 1, 8 * MIB};
    for (unsigned i = 0; i < 4; i++) {
        rc_id_t id = id_n(i);
        uint8_t *w;
        rc_objstore_view_t v;
        assert_int_equal(rc_objstore_create(s, &id, sizes[i], &w, f->err, sizeof(f->err)), RC_OK);
        assert_non_null(w);
        fill(w, sizes[i], i);
        assert_true(rc_objstore_contains(s, &id));
        assert_false(rc_objstore_is_sealed(s, &id));
        /* Unsealed objects cannot be read. */
        assert_int_equal(rc_objstore_get(s, &id, &v, f->err, sizeof(f->err)), RC_ESTATE);
        assert_non_null(strstr(f->err, "not sealed"));
        assert_int_equal(rc_objstore_seal(s, &id, f->err, sizeof(f->err)), RC_OK);
        assert_true(rc_objstore_is_sealed(s, &id));
        assert_int_equal(rc_objstore_seal(s, &id, f->err, sizeof(f->err)), RC_ESTATE);

        assert_int_equal(rc_objstore_get(s, &id, &v, f->err, sizeof(f->err)), RC_OK);
        assert_int_equal(v.size, sizes[i]);
        uint8_t *want = malloc(sizes[i] + 1);
        fill(want, sizes[i], i);
        assert_memory_equal(v.data, want, sizes[i]);

        struct stat st;
        assert_int_equal(fstat(v.fd, &st), 0);
        assert_int_equal((uint64_t)st.st_size, sizes[i]);
        int seals = fcntl(v.fd, F_GET_SEALS);
        assert_int_equal(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL),
                         F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
        assert_int_not_equal(ftruncate(v.fd, (off_t)sizes[i] + 10), 0);
        if (sizes[i] > 0) {
            assert_int_equal(pwrite(v.fd, "x", 1, 0), -1);
            assert_int_equal(errno, EPERM);
            assert_true(mmap(NULL, sizes[i], PROT_READ | PROT_WRITE, MAP_SHARED, v.fd, 0) ==
                        MAP_FAILED);
            void *m = mmap(NULL, sizes[i], PROT_READ, MAP_SHARED, v.fd, 0);
            assert_true(m != MAP_FAILED);
            assert_memory_equal(m, want, sizes[i]);
            munmap(m, sizes[i]);
        }
        free(want);
        assert_int_equal(rc_objstore_release(s, &id), RC_OK);
        assert_int_equal(rc_objstore_release(s, &id), RC_ESTATE);
    }
    /* Each object was read again after all were written. */
    for (unsigned i = 0; i < 4; i++) check(s, i, sizes[i]);

    rc_id_t id = id_n(1);
    uint8_t *w = (void *)1;
    assert_int_equal(rc_objstore_create(s, &id, 5, &w, f->err, sizeof(f->err)), RC_EEXISTS);
    assert_null(w);
    id = id_n(99);
    rc_objstore_view_t v;
    assert_int_equal(rc_objstore_get(s, &id, &v, f->err, sizeof(f->err)), RC_ENOTFOUND);
    assert_int_equal(rc_objstore_seal(s, &id, NULL, 0), RC_ENOTFOUND);
    assert_int_equal(rc_objstore_release(s, &id), RC_ENOTFOUND);
    assert_int_equal(rc_objstore_delete(s, &id), RC_ENOTFOUND);
    assert_false(rc_objstore_contains(s, &id));
    assert_int_equal(stats(s).spills, 0);
    rc_objstore_free(s);
}

static void test_accounting(void **state)
{
    fixture_t *f = *state;
    rc_objstore_t *s;
    assert_int_equal(rc_objstore_new(MIB, NULL, &s, f->err, sizeof(f->err)), RC_OK);
    rc_objstore_stats_t st = stats(s);
    assert_int_equal(st.capacity, MIB);
    assert_int_equal(st.used, 0);
    assert_int_equal(st.objects, 0);

    uint8_t *w;
    for (unsigned i = 0; i < 3; i++) {
        rc_id_t id = id_n(i);
        assert_int_equal(rc_objstore_create(s, &id, 300 * KIB, &w, f->err, sizeof(f->err)), RC_OK);
    }
    st = stats(s);
    assert_int_equal(st.used, 900 * KIB);
    assert_int_equal(st.objects, 3);
    assert_int_equal(st.unsealed, 3);
    assert_int_equal(st.unsealed_bytes, 900 * KIB);
    for (unsigned i = 0; i < 3; i++) {
        rc_id_t id = id_n(i);
        assert_int_equal(rc_objstore_seal(s, &id, f->err, sizeof(f->err)), RC_OK);
    }
    st = stats(s);
    assert_int_equal(st.unsealed, 0);
    assert_int_equal(st.used, 900 * KIB);

    rc_id_t a = id_n(0);
    rc_objstore_view_t v1, v2;
    assert_int_equal(rc_objstore_get(s, &a, &v1, f->err, sizeof(f->err)), RC_OK);
    assert_int_equal(rc_objstore_get(s, &a, &v2, f->err, sizeof(f->err)), RC_OK);
    assert_ptr_equal(v1.data, v2.data);
    st = stats(s);
    assert_int_equal(st.pinned, 1);
    assert_int_equal(st.pinned_bytes, 300 * KIB);
    assert_int_equal(rc_objstore_release(s, &a), RC_OK);
    assert_int_equal(stats(s).pinned, 1);
    assert_int_equal(rc_objstore_release(s, &a), RC_OK);
    assert_int_equal(stats(s).pinned, 0);

    /* No spill directory: a full store refuses, and says why. */
    rc_id_t x = id_n(10);
    assert_int_equal(rc_objstore_create(s, &x, 200 * KIB, &w, f->err, sizeof(f->err)), RC_ETOOBIG);
    assert_non_null(strstr(f->err, "204800 bytes"));
    assert_non_null(strstr(f->err, "spilling is off"));
    assert_int_equal(stats(s).used, 900 * KIB);
    /* Exactly the rest fits. */
    assert_int_equal(rc_objstore_create(s, &x, 124 * KIB, &w, f->err, sizeof(f->err)), RC_OK);
    assert_int_equal(stats(s).used, MIB);
    assert_int_equal(rc_objstore_delete(s, &x), RC_OK); /* aborts an unsealed object */
    assert_int_equal(stats(s).unsealed, 0);

    rc_id_t b = id_n(1);
    assert_int_equal(rc_objstore_delete(s, &b), RC_OK);
    st = stats(s);
    assert_int_equal(st.used, 600 * KIB);
    assert_int_equal(st.objects, 2);
    assert_int_equal(rc_objstore_create(s, &x, 200 * KIB, &w, f->err, sizeof(f->err)), RC_OK);
    rc_objstore_free(s);
}

/* The least recently used sealed object goes first; a get (through its
 * release) makes an object the most recent. The directory is made 0700. */
static void test_lru_order(void **state)
{
    fixture_t *f = *state;
    rc_objstore_t *s;
    const uint64_t sz = 256 * KIB;
    assert_int_equal(rc_objstore_new(4 * sz, f->spill, &s, f->err, sizeof(f->err)), RC_OK);
    for (unsigned i = 0; i < 4; i++) put(s, i, sz);
    assert_int_equal(access(f->spill, F_OK), -1);
    check(s, 0, sz); /* 0 is now the most recent: order 1 2 3 0 */

    put(s, 4, sz);
    struct stat st;
    assert_int_equal(stat(f->spill, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_true(spill_file_exists(f, 1));
    assert_false(spill_file_exists(f, 0));
    assert_false(spill_file_exists(f, 2));

    put(s, 5, sz);
    assert_true(spill_file_exists(f, 2));
    assert_false(spill_file_exists(f, 3));
    put(s, 6, sz);
    assert_true(spill_file_exists(f, 3));
    assert_false(spill_file_exists(f, 0));
    put(s, 7, sz);
    assert_true(spill_file_exists(f, 0));

    rc_objstore_stats_t ss = stats(s);
    assert_int_equal(ss.spills, 4);
    assert_int_equal(ss.spilled_objects, 4);
    assert_int_equal(ss.spilled_bytes, 4 * sz);
    assert_int_equal(ss.used, 4 * sz);
    assert_int_equal(ss.objects, 8);
    for (unsigned i = 0; i < 8; i++) {
        rc_id_t id = id_n(i);
        assert_true(rc_objstore_contains(s, &id));
        assert_true(rc_objstore_is_sealed(s, &id));
    }
    /* free removes the spill files of the objects it holds. */
    rc_objstore_free(s);
    for (unsigned i = 0; i < 8; i++) assert_false(spill_file_exists(f, i));
}

/* Pinned and unsealed objects are never spilled; when nothing else is left,
 * create fails at once with the sizes in the message and spills nothing. */
static void test_pinned_never_spilled(void **state)
{
    fixture_t *f = *state;
    rc_objstore_t *s;
    const uint64_t sz = 256 * KIB;
    assert_int_equal(rc_objstore_new(4 * sz, f->spill, &s, f->err, sizeof(f->err)), RC_OK);
    for (unsigned i = 0; i < 4; i++) put(s, i, sz);
    rc_objstore_view_t va, vb;
    rc_id_t a = id_n(0), b = id_n(1);
    assert_int_equal(rc_objstore_get(s, &a, &va, f->err, sizeof(f->err)), RC_OK);
    assert_int_equal(rc_objstore_get(s, &b, &vb, f->err, sizeof(f->err)), RC_OK);

    put(s, 4, sz); /* spills 2, the oldest unpinned */
    assert_false(spill_file_exists(f, 0));
    assert_false(spill_file_exists(f, 1));
    assert_true(spill_file_exists(f, 2));
    /* 5 stays unsealed, so it cannot be spilled either. */
    rc_id_t e = id_n(5);
    uint8_t *w;
    assert_int_equal(rc_objstore_create(s, &e, sz, &w, f->err, sizeof(f->err)), RC_OK);
    assert_true(spill_file_exists(f, 3));
    rc_id_t d = id_n(4);
    rc_objstore_view_t vd;
    assert_int_equal(rc_objstore_get(s, &d, &vd, f->err, sizeof(f->err)), RC_OK);

    /* Now 0, 1 and 4 are pinned and 5 is being written: nothing can go. */
    uint64_t spills = stats(s).spills;
    rc_id_t g = id_n(6);
    assert_int_equal(rc_objstore_create(s, &g, 1, &w, f->err, sizeof(f->err)), RC_ETOOBIG);
    assert_non_null(strstr(f->err, "needs 1 bytes"));
    assert_non_null(strstr(f->err, "only 0 of the object store's 1048576 bytes"));
    assert_non_null(strstr(f->err, "786432 bytes are pinned by 3 objects"));
    assert_non_null(strstr(f->err, "262144 bytes by 1 objects not yet sealed"));
    assert_int_equal(stats(s).spills, spills);
    assert_false(rc_objstore_contains(s, &g));

    /* Pinned data stayed intact. */
    uint8_t *want = malloc(sz);
    fill(want, sz, 0);
    assert_memory_equal(va.data, want, sz);
    fill(want, sz, 1);
    assert_memory_equal(vb.data, want, sz);
    free(want);

    /* Once released, the pinned objects can be spilled again. */
    assert_int_equal(rc_objstore_release(s, &a), RC_OK);
    assert_int_equal(rc_objstore_create(s, &g, 1, &w, f->err, sizeof(f->err)), RC_OK);
    assert_true(spill_file_exists(f, 0));
    assert_false(spill_file_exists(f, 1));
    rc_objstore_free(s);
}

/* A spilled object comes back byte for byte, spilling the least recently used
 * other object to make room, and its spill file is removed. */
static void test_restore(void **state)
{
    fixture_t *f = *state;
    rc_objstore_t *s;
    const uint64_t sz = 256 * KIB + 3;
    assert_int_equal(rc_objstore_new(4 * sz, f->spill, &s, f->err, sizeof(f->err)), RC_OK);
    for (unsigned i = 0; i < 5; i++) put(s, i, sz); /* 0 spilled */
    assert_true(spill_file_exists(f, 0));

    check(s, 0, sz); /* restores 0, spills 1 */
    rc_objstore_stats_t st = stats(s);
    assert_int_equal(st.restores, 1);
    assert_int_equal(st.spills, 2);
    assert_int_equal(st.spilled_objects, 1);
    assert_int_equal(st.used, 4 * sz);
    assert_false(spill_file_exists(f, 0));
    assert_true(spill_file_exists(f, 1));

    /* Read everything many times in a rotating order: every get of a spilled
     * object restores it and spills another; bytes never change. */
    for (unsigned round = 0; round < 3; round++)
        for (unsigned i = 0; i < 5; i++) check(s, (i * 3 + round) % 5, sz);
    st = stats(s);
    assert_true(st.restores > 3);
    assert_int_equal(st.spills, st.restores + 1);
    assert_int_equal(st.spilled_objects, 1);
    assert_int_equal(st.used, 4 * sz);
    assert_int_equal(st.objects, 5);
    rc_objstore_free(s);
}

static void test_too_big(void **state)
{
    fixture_t *f = *state;
    rc_objstore_t *s;
    assert_int_equal(rc_objstore_new(MIB, f->spill, &s, f->err, sizeof(f->err)), RC_OK);
    rc_id_t id = id_n(1);
    uint8_t *w;
    assert_int_equal(rc_objstore_create(s, &id, MIB + 1, &w, f->err, sizeof(f->err)), RC_ETOOBIG);
    assert_non_null(strstr(f->err, "1048577 bytes"));
    assert_non_null(strstr(f->err, "capacity of 1048576 bytes"));
    assert_non_null(strstr(f->err, "--object-store-memory"));
    assert_false(rc_objstore_contains(s, &id));
    assert_int_equal(stats(s).used, 0);
    assert_int_equal(rc_objstore_create(s, &id, UINT64_MAX, &w, NULL, 0), RC_ETOOBIG);
    /* The whole capacity in one object is fine. */
    put(s, 1, MIB);
    check(s, 1, MIB);

    /* A spilled object that cannot come back because the rest is pinned. */
    put(s, 2, 512 * KIB); /* spills 1 */
    put(s, 3, 512 * KIB);
    rc_id_t a = id_n(1), b = id_n(2), c = id_n(3);
    rc_objstore_view_t vb, vc, va;
    assert_int_equal(rc_objstore_get(s, &b, &vb, f->err, sizeof(f->err)), RC_OK);
    assert_int_equal(rc_objstore_get(s, &c, &vc, f->err, sizeof(f->err)), RC_OK);
    assert_int_equal(rc_objstore_get(s, &a, &va, f->err, sizeof(f->err)), RC_ETOOBIG);
    assert_non_null(strstr(f->err, "needs 1048576 bytes"));
    assert_non_null(strstr(f->err, "1048576 bytes are pinned by 2 objects"));
    assert_true(rc_objstore_contains(s, &a));
    assert_true(spill_file_exists(f, 1));
    assert_int_equal(rc_objstore_release(s, &b), RC_OK);
    assert_int_equal(rc_objstore_release(s, &c), RC_OK);
    check(s, 1, MIB);
    rc_objstore_free(s);
}

static void test_delete(void **state)
{
    fixture_t *f = *state;
    rc_objstore_t *s;
    const uint64_t sz = 300 * KIB;
    assert_int_equal(rc_objstore_new(3 * sz, f->spill, &s, f->err, sizeof(f->err)), RC_OK);
    for (unsigned i = 0; i < 4; i++) put(s, i, sz); /* 0 spilled */
    rc_id_t a = id_n(0), b = id_n(1);
    assert_true(spill_file_exists(f, 0));
    assert_int_equal(rc_objstore_delete(s, &a), RC_OK);
    assert_false(spill_file_exists(f, 0));
    assert_false(rc_objstore_contains(s, &a));
    rc_objstore_stats_t st = stats(s);
    assert_int_equal(st.spilled_objects, 0);
    assert_int_equal(st.spilled_bytes, 0);
    assert_int_equal(st.objects, 3);
    assert_int_equal(rc_objstore_delete(s, &a), RC_ENOTFOUND);

    /* Deleting a pinned object is deferred to its last release. */
    rc_objstore_view_t v1, v2;
    assert_int_equal(rc_objstore_get(s, &b, &v1, f->err, sizeof(f->err)), RC_OK);
    assert_int_equal(rc_objstore_get(s, &b, &v2, f->err, sizeof(f->err)), RC_OK);
    assert_int_equal(rc_objstore_delete(s, &b), RC_OK);
    assert_false(rc_objstore_contains(s, &b));
    assert_int_equal(rc_objstore_get(s, &b, &v1, f->err, sizeof(f->err)), RC_ENOTFOUND);
    assert_int_equal(rc_objstore_delete(s, &b), RC_ENOTFOUND);
    uint8_t *w;
    assert_int_equal(rc_objstore_create(s, &b, 1, &w, f->err, sizeof(f->err)), RC_EEXISTS);
    st = stats(s);
    assert_int_equal(st.objects, 2);
    assert_int_equal(st.used, 3 * sz); /* still charged: a reader maps it */
    uint8_t *want = malloc(sz);
    fill(want, sz, 1);
    assert_memory_equal(v2.data, want, sz);
    free(want);
    assert_int_equal(rc_objstore_release(s, &b), RC_OK);
    assert_int_equal(stats(s).used, 3 * sz);
    assert_int_equal(rc_objstore_release(s, &b), RC_OK);
    st = stats(s);
    assert_int_equal(st.used, 2 * sz);
    assert_int_equal(st.pinned, 0);
    assert_int_equal(st.pinned_bytes, 0);
    assert_int_equal(rc_objstore_release(s, &b), RC_ENOTFOUND);

    /* The freed capacity is usable without spilling. */
    uint64_t spills = stats(s).spills;
    put(s, 10, sz);
    assert_int_equal(stats(s).spills, spills);
    for (unsigned i = 2; i < 4; i++) {
        rc_id_t id = id_n(i);
        assert_int_equal(rc_objstore_delete(s, &id), RC_OK);
    }
    rc_id_t x = id_n(10);
    assert_int_equal(rc_objstore_delete(s, &x), RC_OK);
    st = stats(s);
    assert_int_equal(st.used, 0);
    assert_int_equal(st.objects, 0);
    rc_objstore_free(s);
}

/* Overwrites len bytes at off of the spill file of n. */
static void damage(const fixture_t *f, unsigned n, off_t off, const void *p, size_t len)
{
    char path[512];
    spill_file_path(f, n, path, sizeof(path));
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, p, len, off), (ssize_t)len);
    close(fd);
}

/* Missing, short, foreign or altered spill files are RC_EIO with a message; the
 * object stays spilled, nothing is charged and no fd leaks. */
static void test_bad_spill_file(void **state)
{
    fixture_t *f = *state;
    rc_objstore_t *s;
    const uint64_t sz = 200 * KIB;
    int fds = count_fds();
    assert_int_equal(rc_objstore_new(2 * sz, f->spill, &s, f->err, sizeof(f->err)), RC_OK);
    for (unsigned i = 0; i < 6; i++) put(s, i, sz); /* 0..3 spilled */
    assert_int_equal(stats(s).spilled_objects, 4);
    char path[512];
    rc_objstore_view_t v;

    /* Short. */
    spill_file_path(f, 0, path, sizeof(path));
    assert_int_equal(truncate(path, 1000), 0);
    rc_id_t id = id_n(0);
    assert_int_equal(rc_objstore_get(s, &id, &v, f->err, sizeof(f->err)), RC_EIO);
    assert_non_null(strstr(f->err, "has 1000 bytes, expected 204840"));
    assert_non_null(strstr(f->err, path));

    /* Missing. */
    spill_file_path(f, 1, path, sizeof(path));
    assert_int_equal(unlink(path), 0);
    id = id_n(1);
    assert_int_equal(rc_objstore_get(s, &id, &v, f->err, sizeof(f->err)), RC_EIO);
    assert_non_null(strstr(f->err, "cannot be opened"));
    assert_non_null(strstr(f->err, "No such file"));

    /* One byte of the data changed. */
    damage(f, 2, 40 + 12345, "\xff\x00\x55", 3);
    id = id_n(2);
    assert_int_equal(rc_objstore_get(s, &id, &v, f->err, sizeof(f->err)), RC_EIO);
    assert_non_null(strstr(f->err, "checksum"));

    /* A header naming another object, then a bad magic. */
    damage(f, 3, 16, "\x00", 1);
    id = id_n(3);
    assert_int_equal(rc_objstore_get(s, &id, &v, f->err, sizeof(f->err)), RC_EIO);
    assert_non_null(strstr(f->err, "bad header"));
    damage(f, 3, 16, "\xab", 1);
    damage(f, 3, 0, "X", 1);
    assert_int_equal(rc_objstore_get(s, &id, &v, f->err, sizeof(f->err)), RC_EIO);
    assert_non_null(strstr(f->err, "bad header"));
    damage(f, 3, 0, "R", 1);
    check(s, 3, sz); /* repaired: restores */

    /* The store is consistent: the failed objects are still there, spilled;
     * the good ones read back. */
    rc_objstore_stats_t after = stats(s);
    assert_int_equal(after.restores, 1);
    assert_int_equal(after.used, 2 * sz);
    for (unsigned i = 0; i < 3; i++) {
        id = id_n(i);
        assert_true(rc_objstore_contains(s, &id));
    }
    for (unsigned i = 3; i < 6; i++) check(s, i, sz);
    for (unsigned i = 0; i < 6; i++) {
        id = id_n(i);
        rc_objstore_delete(s, &id);
    }
    assert_int_equal(stats(s).spilled_objects, 0);
    assert_int_equal(stats(s).used, 0);
    rc_objstore_free(s);
    assert_int_equal(count_fds(), fds);
}

/* A spill directory that cannot be made: RC_EIO, and the objects stay in memory. */
static void test_spill_dir_unusable(void **state)
{
    fixture_t *f = *state;
    char file[300], bad[320];
    snprintf(file, sizeof(file), "%s/plain-file", f->dir);
    int fd = open(file, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
    snprintf(bad, sizeof(bad), "%s/spill", file);
    rc_objstore_t *s;
    assert_int_equal(rc_objstore_new(2 * MIB, bad, &s, f->err, sizeof(f->err)), RC_OK);
    put(s, 0, MIB);
    put(s, 1, MIB);
    rc_id_t id = id_n(2);
    uint8_t *w;
    assert_int_equal(rc_objstore_create(s, &id, MIB, &w, f->err, sizeof(f->err)), RC_EIO);
    assert_non_null(strstr(f->err, "cannot spill object"));
    assert_non_null(strstr(f->err, bad));
    assert_int_equal(stats(s).used, 2 * MIB);
    assert_int_equal(stats(s).spills, 0);
    check(s, 0, MIB);
    check(s, 1, MIB);
    rc_objstore_free(s);
}

/* 10,000 cycles (some spilling) leave nothing charged and no fd open. */
static void test_cycles(void **state)
{
    fixture_t *f = *state;
    int fds = count_fds();
    rc_objstore_t *s;
    assert_int_equal(rc_objstore_new(MIB, f->spill, &s, f->err, sizeof(f->err)), RC_OK);
    /* Two long-lived objects, so that the cycles below spill and restore them. */
    put(s, 1000000, 400 * KIB);
    put(s, 1000001, 400 * KIB);
    for (unsigned i = 0; i < 10000; i++) {
        uint64_t size = ((uint64_t)i * 7919) % (150 * KIB);
        if (i % 1000 == 999) size = 500 * KIB;
        rc_id_t id = id_n(i);
        uint8_t *w;
        rc_err_t rc = rc_objstore_create(s, &id, size, &w, f->err, sizeof(f->err));
        if (rc != RC_OK) fail_msg("cycle %u: %s", i, f->err);
        if (size > 0) {
            w[0] = (uint8_t)i;
            w[size - 1] = (uint8_t)(i >> 8);
        }
        assert_int_equal(rc_objstore_seal(s, &id, f->err, sizeof(f->err)), RC_OK);
        rc_objstore_view_t v;
        assert_int_equal(rc_objstore_get(s, &id, &v, f->err, sizeof(f->err)), RC_OK);
        assert_int_equal(v.size, size);
        if (size > 0) {
            assert_int_equal(v.data[0], (uint8_t)i);
            assert_int_equal(v.data[size - 1], (uint8_t)(i >> 8));
        }
        assert_int_equal(rc_objstore_release(s, &id), RC_OK);
        assert_int_equal(rc_objstore_delete(s, &id), RC_OK);
        if (i % 2500 == 0) {
            check(s, 1000000, 400 * KIB);
            check(s, 1000001, 400 * KIB);
        }
    }
    rc_objstore_stats_t st = stats(s);
    assert_true(st.spills > 0);
    assert_true(st.restores > 0);
    for (unsigned n = 1000000; n < 1000002; n++) {
        check(s, n, 400 * KIB);
        rc_id_t id = id_n(n);
        assert_int_equal(rc_objstore_delete(s, &id), RC_OK);
    }
    st = stats(s);
    assert_int_equal(st.used, 0);
    assert_int_equal(st.objects, 0);
    assert_int_equal(st.pinned, 0);
    assert_int_equal(st.spilled_objects, 0);
    assert_int_equal(st.spilled_bytes, 0);
    assert_int_equal(count_fds(), fds);
    rc_objstore_free(s);
    assert_int_equal(count_fds(), fds);
    /* Only the (empty) spill directory is left. */
    DIR *d = opendir(f->spill);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) files += e->d_name[0] != '.' || strlen(e->d_name) > 2;
    closedir(d);
    assert_int_equal(files, 0);
}

/* A sealed memfd of size bytes holding fill(n), with the given seals. */
static int memfd_of(unsigned n, uint64_t size, int seals)
{
    int fd = memfd_create("test-adopt", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_true(fd >= 0);
    uint8_t *b = malloc(size ? size : 1);
    fill(b, size, n);
    assert_int_equal(pwrite(fd, b, size, 0), (ssize_t)size);
    free(b);
    if (seals) assert_int_equal(fcntl(fd, F_ADD_SEALS, seals), 0);
    return fd;
}

static void test_adopt(void **state)
{
    fixture_t *f = *state;
    rc_objstore_t *s = NULL;
    assert_int_equal(rc_objstore_new(4 * MIB, f->spill, &s, f->err, sizeof(f->err)), RC_OK);
    const int all = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
    /* A sealed memfd of the right size is taken in as a sealed object. */
    int fd = memfd_of(1, MIB, all);
    rc_id_t id = id_n(1);
    assert_int_equal(rc_objstore_adopt(s, &id, fd, MIB, f->err, sizeof(f->err)), RC_OK);
    assert_true(rc_objstore_is_sealed(s, &id));
    check(s, 1, MIB);
    rc_objstore_stats_t st;
    rc_objstore_stats(s, &st);
    assert_int_equal(st.used, MIB);
    /* Refused, and the fd stays the caller's: not sealed against writes, wrong
     * size, an existing id, more than the capacity. */
    int bad = memfd_of(2, MIB, F_SEAL_SHRINK | F_SEAL_GROW);
    id = id_n(2);
    assert_int_equal(rc_objstore_adopt(s, &id, bad, MIB, f->err, sizeof(f->err)), RC_EINVAL);
    assert_non_null(strstr(f->err, "not a memfd sealed"));
    close(bad);
    bad = memfd_of(2, MIB, all);
    assert_int_equal(rc_objstore_adopt(s, &id, bad, MIB + 1, f->err, sizeof(f->err)), RC_EINVAL);
    assert_non_null(strstr(f->err, "instead of"));
    id = id_n(1);
    assert_int_equal(rc_objstore_adopt(s, &id, bad, MIB, f->err, sizeof(f->err)), RC_EEXISTS);
    close(bad);
    bad = memfd_of(3, 5 * MIB, all);
    id = id_n(3);
    assert_int_equal(rc_objstore_adopt(s, &id, bad, 5 * MIB, f->err, sizeof(f->err)), RC_ETOOBIG);
    close(bad);
    bad = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_int_equal(rc_objstore_adopt(s, &id, bad, 0, f->err, sizeof(f->err)), RC_EINVAL);
    close(bad);
    /* An adopted object spills and restores like any other. */
    for (unsigned n = 10; n < 14; n++) put(s, n, MIB);
    check(s, 1, MIB);
    rc_objstore_stats(s, &st);
    assert_true(st.restores >= 1);
    rc_objstore_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accounting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lru_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pinned_never_spilled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_spill_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spill_dir_unusable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cycles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adopt, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
