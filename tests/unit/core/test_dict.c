/* test_dict.c — the hash table: basic operations, binary keys, incremental
 * rehashing under 1M inserts/deletes, scan completeness across resizes,
 * the safe iterator and random sampling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "dict.h"

static int g_freed;
static void count_free(void *v)
{
    (void)v;
    g_freed++;
}

static size_t keyname(char *buf, size_t i)
{
    return (size_t)snprintf(buf, 32, "key:%zu", i);
}

static void test_basic(void **state)
{
    (void)state;
    g_freed = 0;
    rc_dict_t *d = rc_dict_new(count_free);
    assert_int_equal(rc_dict_size(d), 0);
    assert_null(rc_dict_find(d, "a", 1));
    assert_null(rc_dict_random(d));

    rc_dict_entry_t *e = rc_dict_add(d, "a", 1, (void *)1);
    assert_non_null(e);
    assert_int_equal(e->klen, 1);
    assert_memory_equal(e->key, "a", 1);
    assert_null(rc_dict_add(d, "a", 1, (void *)2)); /* exists: unchanged */
    assert_ptr_equal(rc_dict_find(d, "a", 1)->val, (void *)1);

    /* Binary keys: embedded NULs, empty key, prefixes are distinct keys. */
    assert_non_null(rc_dict_add(d, "a\0b", 3, (void *)3));
    assert_non_null(rc_dict_add(d, "", 0, (void *)4));
    assert_non_null(rc_dict_add(d, "ab", 2, (void *)5));
    assert_int_equal(rc_dict_size(d), 4);
    assert_ptr_equal(rc_dict_find(d, "a\0b", 3)->val, (void *)3);
    assert_ptr_equal(rc_dict_find(d, "", 0)->val, (void *)4);
    assert_null(rc_dict_find(d, "a\0c", 3));

    /* In-place update through the entry. */
    rc_dict_find(d, "ab", 2)->val = (void *)6;
    assert_ptr_equal(rc_dict_find(d, "ab", 2)->val, (void *)6);

    int added = 0;
    e = rc_dict_add_or_find(d, "ab", 2, &added);
    assert_int_equal(added, 0);
    e = rc_dict_add_or_find(d, "new", 3, &added);
    assert_int_equal(added, 1);
    assert_null(e->val);
    e->val = (void *)7;

    void *v = NULL;
    assert_int_equal(rc_dict_take(d, "new", 3, &v), 1);
    assert_ptr_equal(v, (void *)7);
    assert_int_equal(g_freed, 0);
    assert_int_equal(rc_dict_delete(d, "a", 1), 1);
    assert_int_equal(g_freed, 1);
    assert_int_equal(rc_dict_delete(d, "a", 1), 0);
    assert_int_equal(rc_dict_size(d), 3);

    rc_dict_clear(d);
    assert_int_equal(g_freed, 4);
    assert_int_equal(rc_dict_size(d), 0);
    assert_non_null(rc_dict_add(d, "again", 5, NULL));
    rc_dict_free(d);
    rc_dict_free(NULL);
}

static void test_hash(void **state)
{
    (void)state;
    /* Every length path (0, 1-3, 4-16, 17-48, >48) and single-bit changes differ. */
    char buf[200];
    for (size_t len = 0; len < sizeof(buf); len++) {
        memset(buf, 'x', len);
        uint64_t h1 = rc_dict_hash(buf, len);
        assert_int_equal(h1, rc_dict_hash(buf, len));
        if (len) {
            buf[len - 1] ^= 1;
            assert_int_not_equal(h1, rc_dict_hash(buf, len));
            buf[len - 1] ^= 1;
            buf[0] ^= 0x40;
            assert_int_not_equal(h1, rc_dict_hash(buf, len));
        }
        assert_int_not_equal(h1, rc_dict_hash(buf, len + 1));
    }
    /* Low bits spread sequential keys evenly over 1024 buckets. */
    int counts[1024] = {0};
    for (size_t i = 0; i < 102400; i++) {
        size_t n = keyname(buf, i);
        counts[rc_dict_hash(buf, n) & 1023]++;
    }
    for (int i = 0; i < 1024; i++) {
        assert_true(counts[i] > 40);
        assert_true(counts[i] < 180);
    }
}

static void test_million(void **state)
{
    (void)state;
    enum { N = 1000000 };
    char k[32];
    rc_dict_t *d = rc_dict_new(NULL);
    for (size_t i = 0; i < N; i++) {
        size_t n = keyname(k, i);
        assert_non_null(rc_dict_add(d, k, n, (void *)(uintptr_t)(i + 1)));
    }
    assert_int_equal(rc_dict_size(d), N);
    while (rc_dict_rehash_steps(d, 1000)) {
    }
    assert_true(rc_dict_buckets(d) >= N);
    for (size_t i = 0; i < N; i += 7) {
        size_t n = keyname(k, i);
        rc_dict_entry_t *e = rc_dict_find(d, k, n);
        assert_non_null(e);
        assert_int_equal((uintptr_t)e->val, i + 1);
    }
    /* Delete all but every 100th: the table shrinks incrementally. */
    for (size_t i = 0; i < N; i++) {
        if (i % 100 == 0) continue;
        size_t n = keyname(k, i);
        assert_int_equal(rc_dict_delete(d, k, n), 1);
    }
    assert_int_equal(rc_dict_size(d), N / 100);
    while (rc_dict_rehash_steps(d, 1000)) {
    }
    assert_true(rc_dict_buckets(d) <= N / 100 * 8);
    for (size_t i = 0; i < N; i += 100) {
        size_t n = keyname(k, i);
        assert_non_null(rc_dict_find(d, k, n));
    }
    assert_null(rc_dict_find(d, "key:1", 5));
    rc_dict_free(d);
}

typedef struct {
    unsigned char *seen; /* per key: times visited */
    size_t n;
} scan_state_t;

static void scan_cb(void *arg, rc_dict_entry_t *e)
{
    scan_state_t *s = arg;
    size_t i = (size_t)(uintptr_t)e->val;
    assert_true(i < s->n);
    if (s->seen[i] < 255) s->seen[i]++;
}

/* Keys 0..base-1 stay for the whole scan; between scan calls the dict grows
 * (adds) and later shrinks (deletes of the extra keys), so the scan crosses
 * both kinds of resize. Every stable key must be reported. */
static void test_scan_during_resize(void **state)
{
    (void)state;
    enum { BASE = 5000, EXTRA = 60000 };
    char k[32];
    rc_dict_t *d = rc_dict_new(NULL);
    for (size_t i = 0; i < BASE; i++) rc_dict_add(d, k, keyname(k, i), (void *)(uintptr_t)i);
    scan_state_t s = {rc_calloc(BASE + EXTRA, 1), BASE + EXTRA};
    uint64_t cur = 0;
    size_t calls = 0, added = 0, deleted = 0;
    int saw_rehash = 0;
    do {
        cur = rc_dict_scan(d, cur, scan_cb, &s);
        calls++;
        if (added < EXTRA) {
            for (int j = 0; j < 50 && added < EXTRA; j++, added++)
                rc_dict_add(d, k, keyname(k, BASE + added), (void *)(uintptr_t)(BASE + added));
        } else if (deleted < EXTRA) {
            for (int j = 0; j < 80 && deleted < EXTRA; j++, deleted++)
                rc_dict_delete(d, k, keyname(k, BASE + deleted));
        }
        saw_rehash |= rc_dict_is_rehashing(d);
    } while (cur != 0);
    assert_true(saw_rehash);
    for (size_t i = 0; i < BASE; i++) assert_true(s.seen[i] >= 1);
    /* A full scan of a stable dict visits each key exactly once. */
    memset(s.seen, 0, BASE + EXTRA);
    while (rc_dict_rehash_steps(d, 100)) {
    }
    cur = 0;
    do cur = rc_dict_scan(d, cur, scan_cb, &s);
    while (cur);
    for (size_t i = 0; i < rc_dict_size(d); i++) assert_int_equal(s.seen[i], 1);
    (void)calls;
    rc_free(s.seen);
    rc_dict_free(d);
}

static void test_iter_delete(void **state)
{
    (void)state;
    char k[32];
    g_freed = 0;
    rc_dict_t *d = rc_dict_new(count_free);
    for (size_t i = 0; i < 1000; i++) rc_dict_add(d, k, keyname(k, i), (void *)(uintptr_t)(i + 1));
    /* Leave a resize in progress so the iterator walks both tables. */
    for (size_t i = 1000; i < 1030; i++)
        rc_dict_add(d, k, keyname(k, i), (void *)(uintptr_t)(i + 1));
    rc_dict_iter_t it;
    rc_dict_iter_init(d, &it);
    size_t seen = 0;
    rc_dict_entry_t *e;
    while ((e = rc_dict_iter_next(&it))) {
        seen++;
        if (((uintptr_t)e->val) % 2 == 0) rc_dict_delete(d, e->key, e->klen);
    }
    rc_dict_iter_done(&it);
    assert_int_equal(seen, 1030);
    assert_int_equal(rc_dict_size(d), 515);
    assert_int_equal(g_freed, 515);
    rc_dict_free(d);
}

static void test_random(void **state)
{
    (void)state;
    char k[32];
    enum { N = 64, DRAWS = 64000 };
    rc_dict_t *d = rc_dict_new(NULL);
    for (size_t i = 0; i < N; i++) rc_dict_add(d, k, keyname(k, i), (void *)(uintptr_t)i);
    int counts[N] = {0};
    for (int i = 0; i < DRAWS; i++) counts[(uintptr_t)rc_dict_random(d)->val]++;
    for (int i = 0; i < N; i++) {
        assert_true(counts[i] > DRAWS / N / 3);
        assert_true(counts[i] < DRAWS / N * 3);
    }
    rc_dict_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),       cmocka_unit_test(test_hash),
        cmocka_unit_test(test_million),     cmocka_unit_test(test_scan_during_resize),
        cmocka_unit_test(test_iter_delete), cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
