/* test_nodes_store.c — the node table written through to a real redis-server
 * and read back by a new table (the head restart case): states, reasons and
 * the dead-node cap survive, reports are never written, loaded live nodes get
 * a fresh health window, malformed records are skipped. Skipped with a
 * message when redis-server is not installed. */
#include "nodes_harness.h"

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

#include "log.h"
#include "store.h"

static pid_t redis_pid;
static int redis_port;

static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

static redisContext *direct(void)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", redis_port, tv);
    if (c && c->err) {
        redisFree(c);
        return NULL;
    }
    return c;
}

static int redis_start(void)
{
    char portstr[16];
    redis_port = free_port();
    if (redis_port <= 0) return -1;
    snprintf(portstr, sizeof(portstr), "%d", redis_port);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with the test */
        int fd = open("/dev/null", O_RDWR);
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execlp("redis-server", "redis-server", "--port", portstr, "--bind", "127.0.0.1", "--save",
               "", "--appendonly", "no", (char *)NULL);
        _exit(127);
    }
    redis_pid = pid;
    for (int i = 0; i < 250; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            redis_pid = 0;
            return -1;
        }
        redisContext *c = direct();
        if (c) {
            redisReply *r = redisCommand(c, "PING");
            redisFree(c);
            if (r) {
                freeReplyObject(r);
                return 0;
            }
        }
        usleep(20000);
    }
    return -1;
}

static int group_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    rc_log_set_level(RC_LOG_WARN);
    if (system("command -v redis-server >/dev/null 2>&1") != 0) {
        fprintf(stderr, "test_nodes_store: redis-server is not installed (Debian package "
                        "redis-server): skipping\n");
        return 0;
    }
    for (int attempt = 0; attempt < 3; attempt++)
        if (redis_start() == 0) return 0;
    fprintf(stderr, "test_nodes_store: cannot start redis-server\n");
    return -1;
}

static int group_teardown(void **state)
{
    (void)state;
    if (redis_pid > 0) {
        kill(redis_pid, SIGKILL);
        waitpid(redis_pid, NULL, 0);
    }
    return 0;
}

typedef struct {
    uv_loop_t loop;
    rc_store_t *store;
    fx_t *f;
} head_t;

static void head_open(head_t *h, size_t max_dead, uint64_t now)
{
    char url[64], err[256];
    rc_node_opts_t o;
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/3", redis_port);
    assert_int_equal(uv_loop_init(&h->loop), 0);
    if (rc_store_open(&h->loop, url, "nodes-test", &h->store, err, sizeof(err)) != RC_OK)
        fail_msg("rc_store_open: %s", err);
    fx_opts(&o);
    o.max_dead = max_dead;
    h->f = fx_new(&o, h->store);
    h->f->now = now;
    if (rc_node_table_load(h->f->t, now, err, sizeof(err)) != RC_OK)
        fail_msg("rc_node_table_load: %s", err);
}

static void head_close(head_t *h)
{
    assert_int_equal(rc_store_flush(h->store, 3000), RC_OK);
    fx_free(h->f);
    rc_store_close(h->store);
    for (int i = 0; i < 2000 && uv_loop_alive(&h->loop); i++) {
        uv_run(&h->loop, UV_RUN_NOWAIT);
        usleep(1000);
    }
    assert_int_equal(uv_loop_close(&h->loop), 0);
}

static rc_node_t *node(head_t *h, int k)
{
    rc_id_t id;
    id_of(id.b, k);
    return rc_node_table_get(h->f->t, &id);
}

static void test_restart(void **state)
{
    (void)state;
    if (redis_pid <= 0) skip();
    redisContext *c = direct();
    assert_non_null(c);
    freeReplyObject(redisCommand(c, "SELECT 3"));
    freeReplyObject(redisCommand(c, "DEL rayc:nodes-test:nodes"));

    head_t h;
    char hex[RC_ID_HEX_LEN + 1];
    fx_t *f;
    head_open(&h, 2, FX_T0);
    f = h.f;
    assert_int_equal(rc_node_table_size(f->t), 0);
    for (int k = 1; k <= 5; k++) fx_register(f, k);
    hex_of(2, hex);
    assert_string_equal(CALL("NODE.DRAIN", hex, "scale down"), ":1\r\n");
    for (int k = 3; k <= 5; k++) {
        f->now += 1;
        hex_of(k, hex);
        assert_string_equal(CALL("NODE.UNREGISTER", hex), ":1\r\n"); /* 3 is dropped by the cap */
    }
    assert_int_equal(rc_store_flush(h.store, 3000), RC_OK);
    rc_store_stats_t s0, s1;
    rc_store_stats(h.store, &s0);
    for (int i = 0; i < 100; i++)
        assert_string_equal(fx_report(f, 1, RC_RES_UNITS(1), 1), "+OK\r\n");
    assert_int_equal(rc_store_pending(h.store), 0);
    rc_store_stats(h.store, &s1);
    assert_int_equal(s1.writes, s0.writes); /* reports are not written */
    head_close(&h);

    redisReply *r = redisCommand(c, "HLEN rayc:nodes-test:nodes");
    assert_int_equal(r->integer, 4); /* 1, 2, 4, 5 */
    freeReplyObject(r);
    freeReplyObject(redisCommand(c, "HSET rayc:nodes-test:nodes bogus garbage"));

    /* The restarted head, with room for one dead node only. */
    uint64_t t1 = FX_T0 + 60000;
    head_open(&h, 1, t1);
    f = h.f;
    assert_int_equal(rc_node_table_size(f->t), 3);
    assert_null(node(&h, 3));
    assert_null(node(&h, 4)); /* the older dead one, beyond the cap */
    rc_node_t *n1 = node(&h, 1), *n2 = node(&h, 2), *n5 = node(&h, 5);
    assert_non_null(n1);
    assert_int_equal(n1->state, RC_NODE_ALIVE);
    assert_int_equal(n1->last_report_ms, (int64_t)t1);
    assert_true(rc_res_eq(&n1->available, &n1->total));
    assert_int_equal(n1->total.cpu, RC_RES_UNITS(2));
    assert_int_equal(n1->nlabels, 1);
    assert_string_equal(n1->labels[0].key, "zone");
    assert_string_equal(n1->hostname, "worker-1");
    assert_int_equal(n1->pid, 4242);
    assert_int_equal(n2->state, RC_NODE_DRAINING);
    assert_string_equal(n2->death_reason, "scale down");
    assert_int_equal(n5->state, RC_NODE_DEAD);
    assert_string_equal(n5->death_reason, "drained");
    assert_int_equal(n5->end_time_ms, (int64_t)FX_T0 + 3);
    rc_node_stats_t st;
    rc_node_table_stats(f->t, &st);
    assert_int_equal(st.alive, 1);
    assert_int_equal(st.draining, 1);
    assert_int_equal(st.dead, 1);

    /* A fresh health window: node 1 re-registers in time, node 2 does not. */
    rc_node_table_check(f->t, f->now += 1000);
    rc_node_table_check(f->t, f->now += 1000);
    fx_register(f, 1);
    assert_string_equal(fx_report(f, 2, 0, 1), "+DRAIN\r\n");
    rc_node_table_check(f->t, f->now += 1000);
    rc_node_table_check(f->t, f->now += 1000);
    rc_node_table_check(f->t, f->now += 1000);
    rc_node_table_check(f->t, f->now += 1000);
    /* Node 1 registered but never reported: both died at the last check, and the
     * cap of one dead record keeps the later death (node 2); pointers n1, n5 are gone. */
    rc_node_table_stats(f->t, &st);
    assert_int_equal(st.alive + st.draining, 0);
    assert_int_equal(st.dead, 1);
    n2 = node(&h, 2);
    assert_non_null(n2);
    assert_int_equal(n2->state, RC_NODE_DEAD);
    assert_string_equal(n2->death_reason, "health check failed: no report for 4000 ms");
    assert_null(node(&h, 1));
    assert_null(node(&h, 5));
    head_close(&h);

    r = redisCommand(c, "HLEN rayc:nodes-test:nodes");
    assert_int_equal(r->integer, 2); /* the cap of 1 dead node, plus the bogus field */
    freeReplyObject(r);
    freeReplyObject(redisCommand(c, "DEL rayc:nodes-test:nodes"));
    redisFree(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restart),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
