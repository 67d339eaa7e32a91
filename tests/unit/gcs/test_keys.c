/* test_keys.c — keyspace commands, expiry (lazy and active), KEYS patterns and
 * SCAN completeness. */
#include <stdio.h>
#include <time.h>

#include "gcs_harness.h"
#include "resp.h"
#include "strutil.h"

static void test_del_exists_type(void **state)
{
    FX;
    CALL("SET", "a", "1");
    CALL("SET", "b", "2");
    CALL("HSET", "h", "f", "v");
    CALL("RPUSH", "l", "x");
    CALL("SADD", "s", "m");
    EXPECT(":3\r\n", "EXISTS", "a", "a", "b", "zz");
    EXPECT("+string\r\n", "TYPE", "a");
    EXPECT("+hash\r\n", "TYPE", "h");
    EXPECT("+list\r\n", "TYPE", "l");
    EXPECT("+set\r\n", "TYPE", "s");
    EXPECT("+none\r\n", "TYPE", "zz");
    EXPECT(":5\r\n", "DBSIZE");
    EXPECT(":2\r\n", "DEL", "a", "a", "zz", "h");
    EXPECT(":1\r\n", "UNLINK", "b");
    EXPECT(":0\r\n", "EXISTS", "a", "b", "h");
    EXPECT(":2\r\n", "DBSIZE");
    EXPECT(SYNTAX, "FLUSHALL", "NOW");
    EXPECT(SYNTAX, "FLUSHDB", "ASYNC", "SYNC");
    EXPECT(OK, "FLUSHDB", "async");
    EXPECT(":0\r\n", "DBSIZE");
    CALL("SET", "a", "1");
    EXPECT(OK, "FLUSHALL");
    EXPECT(":0\r\n", "DBSIZE");
    EXPECT(NIL, "RANDOMKEY");
    CALL("SET", "only", "1");
    EXPECT("$4\r\nonly\r\n", "RANDOMKEY");
    CALL("SET", "only", "1", "PX", "5");
    f->now += 5;
    EXPECT(NIL, "RANDOMKEY");
    EXPECT(":0\r\n", "DBSIZE");
}

static void test_expire_family(void **state)
{
    FX;
    EXPECT(":0\r\n", "EXPIRE", "k", "10");
    EXPECT(":-2\r\n", "TTL", "k");
    EXPECT(":-2\r\n", "PTTL", "k");
    CALL("SET", "k", "v");
    EXPECT(":-1\r\n", "TTL", "k");
    EXPECT(":1\r\n", "EXPIRE", "k", "10");
    EXPECT(":10\r\n", "TTL", "k");
    EXPECT(":1\r\n", "PEXPIRE", "k", "20000");
    EXPECT(":20\r\n", "TTL", "k");
    EXPECT(":1\r\n", "EXPIREAT", "k", "1700000030");
    EXPECT(":30000\r\n", "PTTL", "k");
    EXPECT(":1\r\n", "PEXPIREAT", "k", "1700000040000");
    EXPECT(":40\r\n", "TTL", "k");
    EXPECT(":1\r\n", "PERSIST", "k");
    EXPECT(":0\r\n", "PERSIST", "k");
    EXPECT(":0\r\n", "PERSIST", "nokey");
    EXPECT(":-1\r\n", "TTL", "k");
    EXPECT(NOTINT, "EXPIRE", "k", "soon");
    EXPECT("-ERR invalid expire time in 'expire' command\r\n", "EXPIRE", "k",
           "9223372036854775807");
    EXPECT("-ERR invalid expire time in 'pexpire' command\r\n", "PEXPIRE", "k",
           "9223372036854775807");
    /* Options (Redis 7). */
    EXPECT(":1\r\n", "EXPIRE", "k", "100", "NX");
    EXPECT(":0\r\n", "EXPIRE", "k", "200", "NX");
    EXPECT(":1\r\n", "EXPIRE", "k", "200", "XX");
    EXPECT(":0\r\n", "EXPIRE", "k", "100", "GT");
    EXPECT(":1\r\n", "EXPIRE", "k", "300", "gt");
    EXPECT(":0\r\n", "EXPIRE", "k", "400", "LT");
    EXPECT(":1\r\n", "EXPIRE", "k", "50", "LT");
    EXPECT(":50\r\n", "TTL", "k");
    CALL("PERSIST", "k");
    EXPECT(":0\r\n", "EXPIRE", "k", "50", "XX");
    EXPECT(":0\r\n", "EXPIRE", "k", "50", "GT"); /* no TTL counts as infinite */
    EXPECT(":1\r\n", "EXPIRE", "k", "50", "LT");
    EXPECT("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n", "EXPIRE",
           "k", "5", "NX", "XX");
    EXPECT("-ERR GT and LT options at the same time are not compatible\r\n", "EXPIRE", "k", "5",
           "GT", "LT");
    EXPECT("-ERR Unsupported option FOO\r\n", "EXPIRE", "k", "5", "FOO");
    EXPECT(":50\r\n", "TTL", "k");
    /* A time in the past deletes the key and still answers 1. */
    EXPECT(":1\r\n", "EXPIRE", "k", "-1");
    EXPECT(":0\r\n", "EXISTS", "k");
    CALL("SET", "k", "v");
    EXPECT(":1\r\n", "EXPIREAT", "k", "1");
    EXPECT(":0\r\n", "DBSIZE");
    assert_int_equal(rc_db_expires_count(f->db), 0);
    /* DEL of a key with TTL drops the TTL too. */
    CALL("SET", "k", "v", "EX", "5");
    CALL("DEL", "k");
    assert_int_equal(rc_db_expires_count(f->db), 0);
}

static void test_active_expire(void **state)
{
    FX;
    char k[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(k, sizeof(k), "t:%d", i);
        CALL("SET", k, "v", "PX", i < 1500 ? "100" : "100000");
    }
    for (int i = 0; i < 500; i++) {
        snprintf(k, sizeof(k), "p:%d", i);
        CALL("SET", k, "v");
    }
    assert_int_equal(rc_db_size(f->db), 2500);
    assert_int_equal(rc_db_expires_count(f->db), 2000);
    /* Nothing is due yet. */
    assert_int_equal(rc_db_expire_cycle(f->db, f->now, 100000), 0);
    f->now += 100;
    size_t total = 0;
    for (int round = 0; round < 50 && rc_db_expires_count(f->db) > 500; round++)
        total += rc_db_expire_cycle(f->db, f->now, 100000);
    /* The cycle stops sampling once few sampled keys are expired, so a handful
     * may be left for later (and for lazy expiry). */
    assert_true(total >= 1400);
    assert_int_equal(rc_db_size(f->db), 2500 - total);
    assert_int_equal(rc_db_expires_count(f->db), 2000 - total);
    EXPECT(":0\r\n", "EXISTS", "t:0", "t:1", "t:1499");
    EXPECT(":2\r\n", "EXISTS", "t:1500", "p:0");
    /* Budget 0 still makes progress and returns. */
    f->now += 1000000;
    size_t n = rc_db_expire_cycle(f->db, f->now, 0);
    assert_true(n > 0);
}

static void keys_sorted_count(fx_t *f, const char *pat, size_t want)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "*%zu\r\n", want);
    const char *r = CALL("KEYS", pat);
    assert_memory_equal(r, buf, strlen(buf));
}

static void test_keys(void **state)
{
    FX;
    const char *names[] = {"hello", "hallo", "hxllo", "hllo", "heeeello",
                           "hbllo", "h*llo", "h?llo", "a[b",  "x\\y"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) CALL("SET", names[i], "1");
    keys_sorted_count(f, "*", 10);
    keys_sorted_count(f, "h?llo", 6); /* hello hallo hxllo hbllo h*llo h?llo */
    keys_sorted_count(f, "h*llo", 8);
    keys_sorted_count(f, "h[ae]llo", 2);
    keys_sorted_count(f, "h[^e]llo", 5);
    keys_sorted_count(f, "h[a-b]llo", 2);
    keys_sorted_count(f, "h[b-a]llo", 2); /* reversed range */
    EXPECT("*1\r\n$5\r\nh*llo\r\n", "KEYS", "h\\*llo");
    EXPECT("*1\r\n$5\r\nh?llo\r\n", "KEYS", "h\\?llo");
    EXPECT("*1\r\n$3\r\na[b\r\n", "KEYS", "a\\[b");
    EXPECT("*1\r\n$3\r\nx\\y\r\n", "KEYS", "x\\\\y");
    EXPECT("*1\r\n$5\r\nhello\r\n", "KEYS", "hello");
    EXPECT("*0\r\n", "KEYS", "nomatch*");
    CALL("SET", "gone", "1", "PX", "1");
    f->now += 1;
    EXPECT("*0\r\n", "KEYS", "gone");
}

static void test_glob(void **state)
{
    (void)state;
#define M(p, s) rc_glob_match(p, strlen(p), s, strlen(s), 0)
    assert_true(M("", ""));
    assert_false(M("", "a"));
    assert_true(M("*", ""));
    assert_true(M("a*", "a"));
    assert_true(M("*a", "bba"));
    assert_false(M("*a", "bbab"));
    assert_true(M("a*b*c", "aXXbYYc"));
    assert_false(M("a*b*c", "aXXcYYb"));
    assert_true(M("??", "ab"));
    assert_false(M("??", "abc"));
    assert_true(M("[abc]", "b"));
    assert_false(M("[abc]", "d"));
    assert_true(M("[^abc]", "d"));
    assert_true(M("[a-c]x", "bx"));
    assert_true(M("[\\]]", "]"));
    assert_true(M("[ab", "a")); /* unclosed: runs to the end */
    assert_true(M("\\*", "*"));
    assert_false(M("\\*", "a"));
    assert_true(M("a\\", "a\\")); /* trailing backslash is literal */
    assert_true(M("*[0-9]", "abc7"));
    assert_true(rc_glob_match("a?c", 3, "a\0c", 3, 0));
    assert_false(M("HeLLo", "hello"));
    assert_true(rc_glob_match("HeL[K-M]o*", 10, "hello world", 11, 1));
    /* Hostile pattern: bounded by O(|p|*|s|). */
    enum { N = 20000 };
    char *s = malloc(N);
    memset(s, 'a', N);
    const char *hostile = "*a*a*a*a*a*a*a*a*a*b";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 10; i++) assert_false(rc_glob_match(hostile, strlen(hostile), s, N, 0));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_true(ms < 2000); /* linear-ish: about a millisecond here */
    s[N - 1] = 'b';
    assert_true(rc_glob_match(hostile, strlen(hostile), s, N, 1));
    free(s);
#undef M
}

static void test_hostile_keys(void **state)
{
    FX;
    enum { N = 100000 };
    char *key = malloc(N + 1);
    memset(key, 'a', N);
    key[N] = '\0';
    CALL("SET", key, "1");
    EXPECT("*0\r\n", "KEYS", "*a*a*a*a*a*a*a*a*a*b");
    free(key);
}

/* Parses a SCAN reply: returns the cursor and counts keys into seen[]. */
static uint64_t parse_scan(const char *r, unsigned char *seen, size_t nseen)
{
    assert_memory_equal(r, "*2\r\n$", 5);
    r += 5;
    long clen = strtol(r, (char **)&r, 10);
    r += 2;
    uint64_t cur = strtoull(r, NULL, 10);
    r += clen + 2;
    assert_true(*r == '*');
    long n = strtol(r + 1, (char **)&r, 10);
    r += 2;
    for (long i = 0; i < n; i++) {
        assert_true(*r == '$');
        long len = strtol(r + 1, (char **)&r, 10);
        r += 2;
        char name[32];
        memcpy(name, r, (size_t)len);
        name[len] = '\0';
        long id = strtol(name + 2, NULL, 10);
        assert_true(id >= 0 && (size_t)id < nseen);
        if (seen[id] < 255) seen[id]++;
        r += len + 2;
    }
    return cur;
}

static void test_scan(void **state)
{
    FX;
    enum { N = 3000, EXTRA = 20000 };
    char k[32], cur_s[32];
    for (int i = 0; i < N; i++) {
        snprintf(k, sizeof(k), "k:%d", i);
        CALL("SET", k, "v");
    }
    unsigned char *seen = calloc(N + EXTRA, 1);
    uint64_t cur = 0;
    int added = 0, calls = 0;
    do {
        snprintf(cur_s, sizeof(cur_s), "%llu", (unsigned long long)cur);
        cur = parse_scan(CALL("SCAN", cur_s, "COUNT", "7"), seen, N + EXTRA);
        calls++;
        /* Grow the keyspace during the scan: resizes must not hide old keys. */
        for (int j = 0; j < 40 && added < EXTRA; j++, added++) {
            snprintf(k, sizeof(k), "k:%d", N + added);
            CALL("SET", k, "v");
        }
    } while (cur != 0);
    for (int i = 0; i < N; i++) assert_true(seen[i] >= 1);
    assert_true(calls > 10);

    /* MATCH and TYPE filter; COUNT errors. */
    CALL("HSET", "h:1", "f", "v");
    CALL("SADD", "s:1", "m");
    EXPECT("*2\r\n$1\r\n0\r\n*1\r\n$3\r\nh:1\r\n", "SCAN", "0", "COUNT", "100000", "TYPE", "hash");
    EXPECT("*2\r\n$1\r\n0\r\n*1\r\n$3\r\ns:1\r\n", "SCAN", "0", "MATCH", "s:*", "COUNT", "100000");
    EXPECT("*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0", "COUNT", "100000", "TYPE", "zset");
    EXPECT(SYNTAX, "SCAN", "0", "COUNT", "0");
    EXPECT(NOTINT, "SCAN", "0", "COUNT", "x");
    EXPECT(SYNTAX, "SCAN", "0", "MATCH");
    EXPECT(SYNTAX, "SCAN", "0", "FOO", "bar");
    EXPECT("-ERR invalid cursor\r\n", "SCAN", "abc");
    EXPECT("-ERR invalid cursor\r\n", "SCAN", "-1");
    CALL("FLUSHALL");
    EXPECT("*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0");
    /* Expired keys are not reported. */
    CALL("SET", "e", "v", "PX", "1");
    f->now += 1;
    EXPECT("*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0");
    free(seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_del_exists_type, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_expire_family, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_active_expire, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_keys, fx_setup, fx_teardown),
        cmocka_unit_test(test_glob),
        cmocka_unit_test_setup_teardown(test_hostile_keys, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_scan, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
