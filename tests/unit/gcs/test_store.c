/* test_store.c — the GCS storage backend against a real redis-server.
 *
 * Starts redis-server children on free loopback ports (no persistence), and
 * checks: URL parsing and its messages, the memory backend, put/del/load
 * through a reopened store (the head restart case), binary keys and values,
 * ordering, HSCAN batches, password handling, unreachable and silent servers,
 * an error reply for one write, the queue limit, Redis killed and restarted
 * mid-run (queued writes arrive after the reconnect), a password changed under
 * a running store, and BUSY replies being retried, not dropped. Every wait
 * drives the uv loop with a deadline. Tests that need Redis are skipped with
 * a message when redis-server is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "alloc.h"
#include "log.h"
#include "store.h"

static int have_redis;

typedef struct {
    pid_t pid;
    int port;
} redis_t;

static redis_t g_redis; /* shared by the tests that do not kill it */

static uint64_t now_ms(void)
{
    return uv_hrtime() / 1000000u;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static redisContext *direct(int port, const char *pass)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (!c || c->err) {
        if (c) redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    if (pass) {
        redisReply *r = redisCommand(c, "AUTH %s", pass);
        if (r) freeReplyObject(r);
    }
    return c;
}

static int redis_start(redis_t *r, int port, const char *pass)
{
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        /* Dies with the test, whatever happens to it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open("/dev/null", O_RDWR);
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        const char *argv[16] = {"redis-server", "--port",      portstr, "--bind",
                                "127.0.0.1",    "--save",      "",      "--appendonly",
                                "no",           "--daemonize", "no"};
        int argc = 11;
        if (pass) {
            argv[argc++] = "--requirepass";
            argv[argc++] = pass;
        }
        argv[argc] = NULL;
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    r->pid = pid;
    r->port = port;
    uint64_t deadline = now_ms() + 5000;
    while (now_ms() < deadline) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            r->pid = 0;
            return -1;
        }
        redisContext *c = direct(port, NULL);
        if (c) {
            redisReply *rep = redisCommand(c, "PING");
            redisFree(c);
            if (rep) {
                freeReplyObject(rep);
                return 0;
            }
        }
        usleep(20000);
    }
    return -1;
}

static void redis_kill(redis_t *r)
{
    if (r->pid <= 0) return;
    kill(r->pid, SIGKILL);
    waitpid(r->pid, NULL, 0);
    r->pid = 0;
}

static int group_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    rc_log_init(); /* RAYC_LOG_LEVEL=debug shows every reconnect attempt */
    have_redis = system("command -v redis-server >/dev/null 2>&1") == 0;
    if (!have_redis) {
        fprintf(stderr, "test_store: redis-server is not installed (Debian package "
                        "redis-server): skipping the tests that need it\n");
        return 0;
    }
    for (int attempt = 0; attempt < 3; attempt++) {
        int port = free_port();
        if (port > 0 && redis_start(&g_redis, port, NULL) == 0) return 0;
    }
    fprintf(stderr, "test_store: cannot start redis-server\n");
    return -1;
}

static int group_teardown(void **state)
{
    (void)state;
    redis_kill(&g_redis);
    return 0;
}

#define NEED_REDIS()                                                                               \
    do {                                                                                           \
        if (!have_redis) {                                                                         \
            fprintf(stderr, "skipped: redis-server is not installed\n");                           \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* Runs the loop until the handles the store left behind are gone, then closes it. */
static void loop_fini(uv_loop_t *loop)
{
    for (int i = 0; i < 2000 && uv_loop_alive(loop); i++) {
        uv_run(loop, UV_RUN_NOWAIT);
        usleep(1000);
    }
    assert_int_equal(uv_loop_close(loop), 0);
}

static void url_of(char *out, size_t cap, int port, int db)
{
    snprintf(out, cap, "redis://127.0.0.1:%d/%d", port, db);
}

/* ---- collecting rc_store_load results ---- */

typedef struct {
    size_t n, cap;
    char **k, **v;
    size_t *kl, *vl;
} coll_t;

static void collect(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    coll_t *c = arg;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->k = rc_realloc(c->k, c->cap * sizeof(*c->k));
        c->v = rc_realloc(c->v, c->cap * sizeof(*c->v));
        c->kl = rc_realloc(c->kl, c->cap * sizeof(*c->kl));
        c->vl = rc_realloc(c->vl, c->cap * sizeof(*c->vl));
    }
    c->k[c->n] = rc_malloc(klen + 1);
    memcpy(c->k[c->n], key, klen);
    c->v[c->n] = rc_malloc(vlen + 1);
    memcpy(c->v[c->n], val, vlen);
    c->kl[c->n] = klen;
    c->vl[c->n] = vlen;
    c->n++;
}

static void coll_free(coll_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        rc_free(c->k[i]);
        rc_free(c->v[i]);
    }
    rc_free(c->k);
    rc_free(c->v);
    rc_free(c->kl);
    rc_free(c->vl);
    memset(c, 0, sizeof(*c));
}

/* Index of key in c, or -1. */
static long coll_find(const coll_t *c, const void *key, size_t klen)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->kl[i] == klen && memcmp(c->k[i], key, klen) == 0) return (long)i;
    return -1;
}

static void load_into(rc_store_t *s, const char *table, coll_t *c)
{
    char err[512] = "";
    rc_err_t rc = rc_store_load(s, table, collect, c, err, sizeof(err));
    if (rc != RC_OK) fprintf(stderr, "load: %s\n", err);
    assert_int_equal(rc, RC_OK);
}

static rc_store_t *open_ok(uv_loop_t *loop, const char *url, const char *ns)
{
    char err[512] = "";
    rc_store_t *s = NULL;
    rc_err_t rc = rc_store_open(loop, url, ns, &s, err, sizeof(err));
    if (rc != RC_OK) fprintf(stderr, "open %s: %s\n", url, err);
    assert_int_equal(rc, RC_OK);
    assert_non_null(s);
    return s;
}

/* ---- tests ---- */

static void expect_bad(const char *url, const char *needle)
{
    rc_store_url_t u;
    char err[512] = "";
    assert_int_equal(rc_store_url_parse(url, &u, err, sizeof(err)), RC_EINVAL);
    if (!strstr(err, needle)) fail_msg("url %s: error \"%s\" lacks \"%s\"", url, err, needle);
    assert_null(strstr(err, "s3cret"));
    /* rc_store_open fails the same way, before any connection. */
    rc_store_t *s = (rc_store_t *)1;
    char err2[512] = "";
    assert_int_equal(rc_store_open(NULL, url, "x", &s, err2, sizeof(err2)), RC_EINVAL);
    assert_null(s);
    assert_string_equal(err, err2);
}

static void test_url_parse(void **state)
{
    (void)state;
    rc_store_url_t u;
    char err[512];

    assert_int_equal(rc_store_url_parse("memory", &u, err, sizeof(err)), RC_OK);
    assert_true(u.memory);
    assert_int_equal(rc_store_url_parse(NULL, &u, err, sizeof(err)), RC_OK);
    assert_true(u.memory);

    assert_int_equal(rc_store_url_parse("redis://127.0.0.1:6380/0", &u, err, sizeof(err)), RC_OK);
    assert_false(u.memory);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 0);
    assert_string_equal(u.user, "");
    assert_string_equal(u.password, "");

    assert_int_equal(rc_store_url_parse("redis://redis-master.ns.svc", &u, err, sizeof(err)),
                     RC_OK);
    assert_string_equal(u.host, "redis-master.ns.svc");
    assert_int_equal(u.port, 6379);
    assert_int_equal(u.db, 0);

    assert_int_equal(rc_store_url_parse("REDIS://h:1/", &u, err, sizeof(err)), RC_OK);
    assert_int_equal(u.port, 1);
    assert_int_equal(u.db, 0);

    assert_int_equal(rc_store_url_parse("redis://:p%40ss%3Aw@h:65535/15", &u, err, sizeof(err)),
                     RC_OK);
    assert_string_equal(u.user, "");
    assert_string_equal(u.password, "p@ss:w");
    assert_int_equal(u.port, 65535);
    assert_int_equal(u.db, 15);

    assert_int_equal(rc_store_url_parse("redis://alice:a@b@[::1]:7000/3", &u, err, sizeof(err)),
                     RC_OK);
    assert_string_equal(u.user, "alice");
    assert_string_equal(u.password, "a@b");
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 7000);
    assert_int_equal(u.db, 3);

    assert_int_equal(rc_store_url_parse("redis://secret@h", &u, err, sizeof(err)), RC_OK);
    assert_string_equal(u.user, "");
    assert_string_equal(u.password, "secret");

    expect_bad("rediss://h:6379", "TLS not supported");
    expect_bad("http://h:6379", "unknown scheme \"http\"");
    expect_bad("127.0.0.1:6379", "unknown storage backend \"127.0.0.1:6379\"");
    expect_bad("", "empty storage backend");
    expect_bad("redis://:6379", "missing host");
    expect_bad("redis://", "missing host");
    expect_bad("redis://:s3cret@:6379/0", "missing host");
    expect_bad("redis://h:0", "bad port \"0\"");
    expect_bad("redis://h:65536", "bad port \"65536\"");
    expect_bad("redis://h:abc", "bad port \"abc\"");
    expect_bad("redis://h:", "bad port \"\"");
    expect_bad("redis://:s3cret@h:99999", "bad port");
    expect_bad("redis://h:1/16", "bad database \"16\"");
    expect_bad("redis://h:1/x", "bad database \"x\"");
    expect_bad("redis://h:1/-1", "bad database");
    expect_bad("redis://h:1/0/", "bad database");
    expect_bad("redis://h:1?db=2", "query strings");
    expect_bad("redis://[::1:6379", "missing ']'");
    expect_bad("redis://h h:1", "bad host \"h h\"");
    expect_bad("redis://:s3cret%zz@h:1", "bad percent-encoding in the password");
    expect_bad("s3cret@h:1", "unknown storage backend");
}

static void test_memory_backend(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    rc_store_t *s = open_ok(&loop, "memory", "default");
    assert_false(rc_store_is_persistent(s));
    assert_string_equal(rc_store_describe(s), "memory");
    rc_store_put(s, "kv", "k", 1, "v", 1);
    rc_store_del(s, "kv", "k", 1);
    assert_int_equal(rc_store_pending(s), 0);
    assert_int_equal(rc_store_flush(s, 0), RC_OK);
    coll_t c = {0};
    load_into(s, "kv", &c);
    assert_int_equal(c.n, 0);
    rc_store_stats_t st;
    rc_store_stats(s, &st);
    assert_int_equal(st.connected, 1);
    assert_int_equal(st.writes, 0);
    assert_int_equal(st.pending, 0);
    rc_store_close(s);
    rc_store_close(NULL);

    s = open_ok(NULL, NULL, NULL); /* NULL url: memory, no loop needed */
    assert_false(rc_store_is_persistent(s));
    rc_store_close(s);
    loop_fini(&loop);
}

static void test_roundtrip_restart(void **state)
{
    (void)state;
    NEED_REDIS();
    uv_loop_t loop;
    uv_loop_init(&loop);
    char url[128];
    url_of(url, sizeof(url), g_redis.port, 0);

    rc_store_t *s = open_ok(&loop, url, "rt");
    assert_true(rc_store_is_persistent(s));
    assert_string_equal(rc_store_describe(s), url);
    rc_store_put(s, "kv", "a", 1, "1", 1);
    rc_store_put(s, "kv", "b", 1, "2", 1);
    rc_store_put(s, "nodes", "n1", 2, "node-1", 6);
    rc_store_del(s, "kv", "b", 1);
    assert_int_equal(rc_store_pending(s), 4);
    assert_int_equal(rc_store_flush(s, 3000), RC_OK);
    assert_int_equal(rc_store_pending(s), 0);
    rc_store_stats_t st;
    rc_store_stats(s, &st);
    assert_int_equal(st.connected, 1);
    assert_int_equal(st.writes, 4);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.reconnects, 0);
    rc_store_close(s);

    /* The layout other tools (and an operator with redis-cli) see. */
    redisContext *c = direct(g_redis.port, NULL);
    assert_non_null(c);
    redisReply *r = redisCommand(c, "HGET rayc:rt:kv a");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_string_equal(r->str, "1");
    freeReplyObject(r);
    r = redisCommand(c, "HEXISTS rayc:rt:kv b");
    assert_int_equal(r->integer, 0);
    freeReplyObject(r);
    redisFree(c);

    /* The restart: a new store with the same URL and namespace reads it back. */
    s = open_ok(&loop, url, "rt");
    coll_t kv = {0}, nodes = {0};
    load_into(s, "kv", &kv);
    load_into(s, "nodes", &nodes);
    assert_int_equal(kv.n, 1);
    assert_int_equal(kv.kl[0], 1);
    assert_memory_equal(kv.k[0], "a", 1);
    assert_int_equal(kv.vl[0], 1);
    assert_memory_equal(kv.v[0], "1", 1);
    assert_int_equal(nodes.n, 1);
    assert_memory_equal(nodes.v[0], "node-1", 6);
    coll_free(&kv);
    coll_free(&nodes);
    rc_store_close(s);

    /* Another namespace (another cluster on the same Redis) sees nothing. */
    s = open_ok(&loop, url, "other");
    load_into(s, "kv", &kv);
    assert_int_equal(kv.n, 0);
    rc_store_close(s);
    loop_fini(&loop);
}

static void test_binary(void **state)
{
    (void)state;
    NEED_REDIS();
    uv_loop_t loop;
    uv_loop_init(&loop);
    char url[128];
    url_of(url, sizeof(url), g_redis.port, 1);

    size_t big_len = (size_t)1 << 20;
    char *big = rc_malloc(big_len);
    for (size_t i = 0; i < big_len; i++) big[i] = (char)(i * 7 % 251); /* includes NULs */
    static const char k1[] = {'k', 0, 'e', 'y'}, v1[] = {'v', 0, 1, 2, 0};

    rc_store_t *s = open_ok(&loop, url, "bin");
    rc_store_put(s, "kv", k1, sizeof(k1), v1, sizeof(v1));
    rc_store_put(s, "kv", "", 0, "empty-key", 9);
    rc_store_put(s, "kv", "empty-val", 9, "", 0);
    rc_store_put(s, "kv", "big", 3, big, big_len);
    assert_int_equal(rc_store_flush(s, 5000), RC_OK);
    rc_store_close(s);

    s = open_ok(&loop, url, "bin");
    coll_t c = {0};
    load_into(s, "kv", &c);
    assert_int_equal(c.n, 4);
    long i = coll_find(&c, k1, sizeof(k1));
    assert_true(i >= 0);
    assert_int_equal(c.vl[i], sizeof(v1));
    assert_memory_equal(c.v[i], v1, sizeof(v1));
    i = coll_find(&c, "", 0);
    assert_true(i >= 0);
    assert_memory_equal(c.v[i], "empty-key", 9);
    i = coll_find(&c, "empty-val", 9);
    assert_true(i >= 0);
    assert_int_equal(c.vl[i], 0);
    i = coll_find(&c, "big", 3);
    assert_true(i >= 0);
    assert_int_equal(c.vl[i], big_len);
    assert_memory_equal(c.v[i], big, big_len);
    coll_free(&c);
    rc_store_close(s);
    rc_free(big);
    loop_fini(&loop);
}

/* Many interleaved puts and deletes of few keys over two tables, checked against
 * a model; also enough keys in one table that HSCAN needs several batches. */
static void test_ordering_and_batches(void **state)
{
    (void)state;
    NEED_REDIS();
    uv_loop_t loop;
    uv_loop_init(&loop);
    char url[128];
    url_of(url, sizeof(url), g_redis.port, 0);
    rc_store_t *s = open_ok(&loop, url, "ord");

    /* The simplest case first: put, del, put of one key. */
    rc_store_put(s, "kv", "x", 1, "1", 1);
    rc_store_del(s, "kv", "x", 1);
    rc_store_put(s, "kv", "x", 1, "2", 1);

    enum { NKEYS = 20, NOPS = 3000 };
    int model[2][NKEYS]; /* -1 absent, else the value */
    for (int t = 0; t < 2; t++)
        for (int k = 0; k < NKEYS; k++) model[t][k] = -1;
    uint32_t rnd = 12345;
    for (int op = 0; op < NOPS; op++) {
        rnd = rnd * 1103515245u + 12345u;
        int t = (int)((rnd >> 8) % 2), k = (int)((rnd >> 12) % NKEYS), del = (rnd >> 20) % 3 == 0;
        const char *table = t ? "nodes" : "jobs";
        char key[16], val[16];
        int kl = snprintf(key, sizeof(key), "k%d", k), vl = snprintf(val, sizeof(val), "%d", op);
        if (del) {
            rc_store_del(s, table, key, (size_t)kl);
            model[t][k] = -1;
        } else {
            rc_store_put(s, table, key, (size_t)kl, val, (size_t)vl);
            model[t][k] = op;
        }
        /* Let some replies in mid-stream, so sends and acks interleave. */
        if (op % 500 == 0) uv_run(&loop, UV_RUN_NOWAIT);
    }
    for (int k = 0; k < 1000; k++) {
        char key[16];
        int kl = snprintf(key, sizeof(key), "many:%d", k);
        rc_store_put(s, "many", key, (size_t)kl, key, (size_t)kl);
    }
    assert_int_equal(rc_store_flush(s, 5000), RC_OK);
    rc_store_close(s);

    s = open_ok(&loop, url, "ord");
    coll_t c = {0};
    load_into(s, "kv", &c);
    assert_int_equal(c.n, 1);
    assert_memory_equal(c.v[0], "2", 1);
    coll_free(&c);
    for (int t = 0; t < 2; t++) {
        load_into(s, t ? "nodes" : "jobs", &c);
        size_t present = 0;
        for (int k = 0; k < NKEYS; k++) {
            char key[16], val[16];
            int kl = snprintf(key, sizeof(key), "k%d", k);
            long i = coll_find(&c, key, (size_t)kl);
            if (model[t][k] < 0) {
                assert_true(i < 0);
                continue;
            }
            present++;
            assert_true(i >= 0);
            int vl = snprintf(val, sizeof(val), "%d", model[t][k]);
            assert_int_equal(c.vl[i], (size_t)vl);
            assert_memory_equal(c.v[i], val, (size_t)vl);
        }
        assert_int_equal(c.n, present);
        coll_free(&c);
    }
    load_into(s, "many", &c);
    assert_true(c.n >= 1000); /* HSCAN may repeat an entry, never miss one */
    for (int k = 0; k < 1000; k++) {
        char key[16];
        int kl = snprintf(key, sizeof(key), "many:%d", k);
        assert_true(coll_find(&c, key, (size_t)kl) >= 0);
    }
    coll_free(&c);
    rc_store_close(s);
    loop_fini(&loop);
}

static void test_password(void **state)
{
    (void)state;
    NEED_REDIS();
    redis_t r = {0};
    const char *pass = "p@ss:w/rd";
    int port = free_port();
    assert_int_equal(redis_start(&r, port, pass), 0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    char url[256], err[512];
    rc_store_t *s = NULL;

    /* No password given: says so and how to give one. */
    url_of(url, sizeof(url), port, 2);
    assert_int_equal(rc_store_open(&loop, url, "pw", &s, err, sizeof(err)), RC_EAUTH);
    assert_null(s);
    assert_non_null(strstr(err, "requires a password"));

    /* Wrong password: refused, and the message does not repeat it. */
    snprintf(url, sizeof(url), "redis://:s3cret@127.0.0.1:%d/2", port);
    assert_int_equal(rc_store_open(&loop, url, "pw", &s, err, sizeof(err)), RC_EAUTH);
    assert_non_null(strstr(err, "refused the password"));
    assert_null(strstr(err, "s3cret"));

    /* Right password (percent-encoded), through the async handshake too. */
    snprintf(url, sizeof(url), "redis://:p%%40ss%%3Aw%%2Frd@127.0.0.1:%d/2", port);
    s = open_ok(&loop, url, "pw");
    char expect[128];
    url_of(expect, sizeof(expect), port, 2);
    assert_string_equal(rc_store_describe(s), expect); /* no password in it */
    rc_store_put(s, "kv", "k", 1, "v", 1);
    assert_int_equal(rc_store_flush(s, 3000), RC_OK);
    rc_store_close(s);

    /* With the ACL user spelled out. */
    snprintf(url, sizeof(url), "redis://default:p%%40ss%%3Aw%%2Frd@127.0.0.1:%d/2", port);
    s = open_ok(&loop, url, "pw");
    coll_t c = {0};
    load_into(s, "kv", &c);
    assert_int_equal(c.n, 1);
    assert_memory_equal(c.v[0], "v", 1);
    coll_free(&c);
    rc_store_close(s);

    /* The data went to database 2. */
    redisContext *dc = direct(port, pass);
    redisReply *rep = redisCommand(dc, "SELECT 2");
    freeReplyObject(rep);
    rep = redisCommand(dc, "HGET rayc:pw:kv k");
    assert_int_equal(rep->type, REDIS_REPLY_STRING);
    freeReplyObject(rep);
    redisFree(dc);

    redis_kill(&r);
    loop_fini(&loop);
}

static void test_unreachable(void **state)
{
    (void)state;
    NEED_REDIS(); /* not strictly, but it is about a Redis that is not there */
    uv_loop_t loop;
    uv_loop_init(&loop);
    char url[128], err[512];
    rc_store_t *s = NULL;

    /* Nothing listens: refused at once. */
    int port = free_port();
    url_of(url, sizeof(url), port, 0);
    uint64_t t0 = now_ms();
    assert_int_equal(rc_store_open(&loop, url, "x", &s, err, sizeof(err)), RC_ECONN);
    assert_true(now_ms() - t0 < 2500);
    assert_null(s);
    char expect[128];
    snprintf(expect, sizeof(expect), "cannot connect to redis at 127.0.0.1:%d", port);
    assert_non_null(strstr(err, expect));
    assert_non_null(strstr(err, "memory"));

    /* Something listens but never answers: fails after the 2 s timeout. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 4), 0);
    getsockname(fd, (struct sockaddr *)&a, &alen);
    url_of(url, sizeof(url), ntohs(a.sin_port), 0);
    t0 = now_ms();
    assert_int_equal(rc_store_open(&loop, url, "x", &s, err, sizeof(err)), RC_ETIMEOUT);
    uint64_t took = now_ms() - t0;
    assert_true(took >= 1500 && took < 4500);
    assert_non_null(strstr(err, "did not answer"));
    close(fd);
    loop_fini(&loop);
}

static void test_write_error(void **state)
{
    (void)state;
    NEED_REDIS();
    uv_loop_t loop;
    uv_loop_init(&loop);
    char url[128];
    url_of(url, sizeof(url), g_redis.port, 3);
    redisContext *c = direct(g_redis.port, NULL);
    redisReply *r = redisCommand(c, "SELECT 3");
    freeReplyObject(r);
    r = redisCommand(c, "SET rayc:werr:kv not-a-hash");
    freeReplyObject(r);

    rc_store_t *s = open_ok(&loop, url, "werr");
    rc_store_put(s, "kv", "k", 1, "v", 1); /* WRONGTYPE */
    rc_store_put(s, "nodes", "n", 1, "v", 1);
    assert_int_equal(rc_store_flush(s, 3000), RC_OK);
    rc_store_stats_t st;
    rc_store_stats(s, &st);
    assert_int_equal(st.errors, 1);
    assert_int_equal(st.writes, 1);
    assert_int_equal(st.connected, 1);
    /* Loading the damaged table fails with a message; the other loads. */
    char err[512];
    coll_t col = {0};
    assert_int_equal(rc_store_load(s, "kv", collect, &col, err, sizeof(err)), RC_EPROTO);
    assert_non_null(strstr(err, "rayc:werr:kv"));
    load_into(s, "nodes", &col);
    assert_int_equal(col.n, 1);
    coll_free(&col);
    rc_store_close(s);
    redisFree(c);
    loop_fini(&loop);
}

static void test_queue_limit(void **state)
{
    (void)state;
    NEED_REDIS();
    uv_loop_t loop;
    uv_loop_init(&loop);
    char url[128];
    url_of(url, sizeof(url), g_redis.port, 0);
    rc_store_t *s = open_ok(&loop, url, "lim");
    rc_store_set_max_pending_bytes(s, 4096);
    char val[1000];
    memset(val, 'x', sizeof(val));
    /* The loop does not run: nothing is acknowledged, the queue fills. */
    for (int i = 0; i < 10; i++) {
        char key[16];
        int kl = snprintf(key, sizeof(key), "k%d", i);
        rc_store_put(s, "kv", key, (size_t)kl, val, sizeof(val));
    }
    assert_int_equal(rc_store_pending(s), 3);
    rc_store_stats_t st;
    rc_store_stats(s, &st);
    assert_int_equal(st.errors, 7);
    assert_int_equal(rc_store_flush(s, 3000), RC_OK);
    rc_store_close(s);
    s = open_ok(&loop, url, "lim");
    coll_t c = {0};
    load_into(s, "kv", &c);
    assert_int_equal(c.n, 3);
    assert_true(coll_find(&c, "k0", 2) >= 0);
    assert_true(coll_find(&c, "k2", 2) >= 0);
    coll_free(&c);
    rc_store_close(s);
    loop_fini(&loop);
}

static int hget_is(int port, const char *hkey, const char *field, const char *want)
{
    redisContext *c = direct(port, NULL);
    if (!c) return 0;
    redisReply *r = redisCommand(c, "HGET %s %s", hkey, field);
    int ok = r && (want ? r->type == REDIS_REPLY_STRING && strcmp(r->str, want) == 0
                        : r->type == REDIS_REPLY_NIL);
    if (r) freeReplyObject(r);
    redisFree(c);
    return ok;
}

static void test_reconnect(void **state)
{
    (void)state;
    NEED_REDIS();
    redis_t r = {0};
    int port = free_port();
    assert_int_equal(redis_start(&r, port, NULL), 0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    char url[128];
    url_of(url, sizeof(url), port, 0);
    rc_store_t *s = open_ok(&loop, url, "rc");
    rc_store_put(s, "kv", "a", 1, "1", 1);
    assert_int_equal(rc_store_flush(s, 3000), RC_OK);

    redis_kill(&r);
    /* Writes made while Redis is gone stay queued, in order. */
    rc_store_put(s, "kv", "b", 1, "2", 1);
    rc_store_put(s, "kv", "x", 1, "1", 1);
    rc_store_del(s, "kv", "x", 1);
    rc_store_put(s, "kv", "x", 1, "2", 1);
    rc_store_del(s, "kv", "a", 1);
    rc_store_stats_t st;
    uint64_t deadline = now_ms() + 3000;
    do {
        uv_run(&loop, UV_RUN_NOWAIT);
        usleep(1000);
        rc_store_stats(s, &st);
    } while (st.connected && now_ms() < deadline);
    assert_int_equal(st.connected, 0);
    /* A few failed reconnects, the loop never blocked. */
    deadline = now_ms() + 400;
    while (now_ms() < deadline) {
        uint64_t t0 = now_ms();
        uv_run(&loop, UV_RUN_NOWAIT);
        assert_true(now_ms() - t0 < 100);
        usleep(2000);
    }
    assert_int_equal(rc_store_pending(s), 5);
    rc_store_stats(s, &st);
    assert_int_equal(st.connected, 0);

    assert_int_equal(redis_start(&r, port, NULL), 0); /* same port, empty */
    assert_int_equal(rc_store_flush(s, 6000), RC_OK);
    rc_store_stats(s, &st);
    assert_int_equal(st.connected, 1);
    assert_true(st.reconnects >= 1);
    assert_int_equal(st.pending, 0);
    assert_true(hget_is(port, "rayc:rc:kv", "b", "2"));
    assert_true(hget_is(port, "rayc:rc:kv", "x", "2"));
    assert_true(hget_is(port, "rayc:rc:kv", "a", NULL));

    /* Redis goes away again and the store is closed meanwhile: no hang, no leak. */
    redis_kill(&r);
    rc_store_put(s, "kv", "c", 1, "3", 1);
    uint64_t t0 = now_ms();
    rc_store_close(s);
    assert_true(now_ms() - t0 < 2000);
    loop_fini(&loop);
}

/* Sends EVAL script without waiting for its reply. */
static void eval_nowait(redisContext *c, const char *script)
{
    redisAppendCommand(c, "EVAL %s 0", script);
    int done = 0;
    while (!done) assert_int_equal(redisBufferWrite(c, &done), REDIS_OK);
}

static void run_for(uv_loop_t *loop, uint64_t ms)
{
    uint64_t deadline = now_ms() + ms;
    while (now_ms() < deadline) {
        uv_run(loop, UV_RUN_NOWAIT);
        usleep(2000);
    }
}

/* The password changes under a running store: its reconnect is refused
 * (handshake error), the write stays queued and arrives once AUTH works again. */
static void test_password_change(void **state)
{
    (void)state;
    NEED_REDIS();
    redis_t r = {0};
    int port = free_port();
    assert_int_equal(redis_start(&r, port, "one"), 0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    char url[128];
    snprintf(url, sizeof(url), "redis://:one@127.0.0.1:%d/0", port);
    rc_store_t *s = open_ok(&loop, url, "pc");
    rc_store_put(s, "kv", "k1", 2, "v", 1);
    assert_int_equal(rc_store_flush(s, 3000), RC_OK);

    redisContext *c = direct(port, "one");
    redisReply *rep = redisCommand(c, "CONFIG SET requirepass two");
    freeReplyObject(rep);
    rep = redisCommand(c, "CLIENT KILL TYPE normal SKIPME yes");
    freeReplyObject(rep);
    rc_store_put(s, "kv", "k2", 2, "v", 1);
    run_for(&loop, 500);
    rc_store_stats_t st;
    rc_store_stats(s, &st);
    assert_int_equal(st.connected, 0);
    assert_int_equal(st.pending, 1);
    assert_int_equal(st.errors, 0);

    rep = redisCommand(c, "CONFIG SET requirepass one");
    freeReplyObject(rep);
    assert_int_equal(rc_store_flush(s, 5000), RC_OK);
    rc_store_stats(s, &st);
    assert_int_equal(st.connected, 1);
    assert_true(st.reconnects >= 1);
    rep = redisCommand(c, "HEXISTS rayc:pc:kv k2");
    assert_int_equal(rep->integer, 1);
    freeReplyObject(rep);
    redisFree(c);
    rc_store_close(s);
    redis_kill(&r);
    loop_fini(&loop);
}

/* A reply meaning "not now" (BUSY from a long script) is not a write error:
 * the write is retried on a new connection once Redis can take it. */
static void test_busy_retried(void **state)
{
    (void)state;
    NEED_REDIS();
    redis_t r = {0};
    int port = free_port();
    assert_int_equal(redis_start(&r, port, NULL), 0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    char url[128];
    url_of(url, sizeof(url), port, 0);
    rc_store_t *s = open_ok(&loop, url, "busy");
    rc_store_put(s, "kv", "k1", 2, "v", 1);
    assert_int_equal(rc_store_flush(s, 3000), RC_OK);

    redisContext *c = direct(port, NULL);
    redisReply *rep = redisCommand(c, "CONFIG SET busy-reply-threshold 20");
    freeReplyObject(rep);
    eval_nowait(c, "while true do end");
    usleep(100000);
    rc_store_put(s, "kv", "k2", 2, "v", 1);
    run_for(&loop, 400);
    rc_store_stats_t st;
    rc_store_stats(s, &st);
    assert_int_equal(st.pending, 1);
    assert_int_equal(st.errors, 0);

    redisContext *k = direct(port, NULL);
    rep = redisCommand(k, "SCRIPT KILL");
    assert_non_null(rep);
    freeReplyObject(rep);
    redisFree(k);
    assert_int_equal(rc_store_flush(s, 5000), RC_OK);
    rc_store_stats(s, &st);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.writes, 2);
    assert_true(hget_is(port, "rayc:busy:kv", "k2", "v"));
    redisFree(c);
    rc_store_close(s);
    redis_kill(&r);
    loop_fini(&loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_parse),
        cmocka_unit_test(test_memory_backend),
        cmocka_unit_test(test_roundtrip_restart),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_ordering_and_batches),
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_queue_limit),
        cmocka_unit_test(test_reconnect),
        cmocka_unit_test(test_password_change),
        cmocka_unit_test(test_busy_retried),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
