/* test_agent_workers.c — what the worker agent tells the head about its
 * executors: a real agent (worker/agent) with a real rayc-executor, against a
 * fake head on 127.0.0.1 served by the same libuv loop. The fake answers
 * NODE.REGISTER / NODE.REPORT / TASK.PULL / TASK.DONE / NODE.UNREGISTER, hands
 * out one sleep_ms task and checks that
 *   - a NODE.REPORT lists the executor BUSY with that task (pid, worker_id),
 *   - the task's TaskResult names the same executor (worker_pid, worker_id),
 *   - a later report lists it idle with tasks_done 1. */
#include <arpa/inet.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "agent.h"
#include "alloc.h"
#include "buf.h"
#include "log.h"
#include "node.pb-c.h"
#include "task.pb-c.h"

static char g_exe[PATH_MAX], g_lib[PATH_MAX];

#define MAX_CONNS 8

typedef struct fake fake_t;

typedef struct {
    uv_tcp_t tcp;
    uv_timer_t delay; /* holds back the empty answer to a TASK.PULL */
    rc_buf_t in;
    fake_t *f;
    int open_handles;
} conn_t;

struct fake {
    uv_loop_t *loop;
    uv_tcp_t server;
    int port;
    conn_t *conns[MAX_CONNS];
    size_t nconns;
    uint8_t task_id[16];
    int task_sent;
    /* what the agent said */
    size_t reports, max_workers;
    int busy_seen, idle_seen, result_seen, unregistered;
    int32_t busy_pid;
    uint8_t busy_id[16];
    int64_t busy_start;
    int32_t result_pid;
    uint8_t result_id[16];
    size_t result_id_len;
    int result_status;
    uint64_t idle_done;
};

static void reply(conn_t *c, const void *data, size_t len)
{
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
    /* Small answers on loopback: a synchronous write is enough for a test. */
    int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    assert_int_equal(n, (int)len);
}

static void reply_str(conn_t *c, const char *s)
{
    reply(c, s, strlen(s));
}

static void reply_bulk(conn_t *c, const uint8_t *data, size_t len)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_buf_printf(&b, "$%zu\r\n", len);
    rc_buf_append(&b, data, len);
    rc_buf_append(&b, "\r\n", 2);
    reply(c, b.data, b.len);
    rc_buf_free(&b);
}

/* One RESP multibulk command from buf: the number of bytes it takes, 0 when
 * incomplete. argv points into buf. */
static size_t parse_cmd(const char *buf, size_t len, const char **argv, size_t *argl, size_t *argc)
{
    const char *p = buf, *end = buf + len;
    char *e;
    if (len < 4) return 0;
    assert_int_equal(*p, '*');
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) return 0;
    long n = strtol(p + 1, &e, 10);
    assert_true(n > 0 && n <= 8);
    p = nl + 1;
    for (long i = 0; i < n; i++) {
        if (p >= end) return 0;
        assert_int_equal(*p, '$');
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return 0;
        long l = strtol(p + 1, &e, 10);
        p = nl + 1;
        if (end - p < l + 2) return 0;
        argv[i] = p;
        argl[i] = (size_t)l;
        p += l + 2;
    }
    *argc = (size_t)n;
    return (size_t)(p - buf);
}

static int is_cmd(const char *a, size_t l, const char *name)
{
    return l == strlen(name) && strncasecmp(a, name, l) == 0;
}

static void on_report(fake_t *f, const Rayc__ResourceReport *m)
{
    f->reports++;
    if (m->n_workers > f->max_workers) f->max_workers = m->n_workers;
    for (size_t i = 0; i < m->n_workers; i++) {
        const Rayc__WorkerInfo *w = m->workers[i];
        assert_int_equal(w->worker_id.len, 16);
        assert_true(w->pid > 0);
        if (w->busy && w->task_id.len == 16 && memcmp(w->task_id.data, f->task_id, 16) == 0 &&
            !f->busy_seen) {
            f->busy_seen = 1;
            f->busy_pid = w->pid;
            memcpy(f->busy_id, w->worker_id.data, 16);
            f->busy_start = w->start_time_ms;
        } else if (f->busy_seen && f->result_seen && !w->busy &&
                   memcmp(w->worker_id.data, f->busy_id, 16) == 0) {
            assert_int_equal(w->task_id.len, 0);
            f->idle_seen = 1;
            f->idle_done = w->tasks_done;
        }
    }
}

static void send_task(fake_t *f, conn_t *c)
{
    Rayc__PullReply pr;
    Rayc__TaskSpec spec, *specs[1] = {&spec};
    Rayc__TaskArg arg, *args[1] = {&arg};
    Rayc__Resources res;
    Rayc__ResourceAmount cpu, *amounts[1] = {&cpu};
    rayc__pull_reply__init(&pr);
    rayc__task_spec__init(&spec);
    rayc__task_arg__init(&arg);
    rayc__resources__init(&res);
    rayc__resource_amount__init(&cpu);
    cpu.name = "CPU";
    cpu.amount = 10000;
    res.n_amounts = 1;
    res.amounts = amounts;
    arg.value_case = RAYC__TASK_ARG__VALUE_DATA;
    arg.data.data = (uint8_t *)"300"; /* long enough for a report or two */
    arg.data.len = 3;
    spec.task_id.data = f->task_id;
    spec.task_id.len = 16;
    spec.kind = RAYC__TASK_KIND__TASK_FUNCTION;
    spec.library = g_lib;
    spec.function = "sleep_ms";
    spec.n_args = 1;
    spec.args = args;
    spec.resources = &res;
    pr.n_tasks = 1;
    pr.tasks = specs;
    size_t len = rayc__pull_reply__get_packed_size(&pr);
    uint8_t *buf = malloc(len);
    rayc__pull_reply__pack(&pr, buf);
    reply_bulk(c, buf, len);
    free(buf);
    f->task_sent = 1;
}

static void on_delay(uv_timer_t *t)
{
    reply_bulk(t->data, (const uint8_t *)"", 0); /* an empty PullReply */
}

static void handle(conn_t *c, const char **argv, const size_t *argl, size_t argc)
{
    fake_t *f = c->f;
    if (is_cmd(argv[0], argl[0], "NODE.REGISTER")) {
        reply_str(c, "*3\r\n+OK\r\n:3000\r\n:50\r\n");
    } else if (is_cmd(argv[0], argl[0], "NODE.REPORT")) {
        assert_int_equal(argc, 2);
        Rayc__ResourceReport *m =
            rayc__resource_report__unpack(NULL, argl[1], (const uint8_t *)argv[1]);
        assert_non_null(m);
        on_report(f, m);
        rayc__resource_report__free_unpacked(m, NULL);
        reply_str(c, "+OK\r\n");
    } else if (is_cmd(argv[0], argl[0], "TASK.PULL")) {
        if (!f->task_sent)
            send_task(f, c);
        else
            uv_timer_start(&c->delay, on_delay, 100, 0);
    } else if (is_cmd(argv[0], argl[0], "TASK.DONE")) {
        assert_int_equal(argc, 2);
        Rayc__TaskResultBatch *b =
            rayc__task_result_batch__unpack(NULL, argl[1], (const uint8_t *)argv[1]);
        assert_non_null(b);
        for (size_t i = 0; i < b->n_results; i++) {
            const Rayc__TaskResult *r = b->results[i];
            if (r->task_id.len != 16 || memcmp(r->task_id.data, f->task_id, 16) != 0) continue;
            f->result_seen = 1;
            f->result_status = r->status;
            f->result_pid = r->worker_pid;
            f->result_id_len = r->worker_id.len;
            if (r->worker_id.len == 16) memcpy(f->result_id, r->worker_id.data, 16);
            assert_int_equal(r->node_id.len, 16);
        }
        char out[32];
        snprintf(out, sizeof(out), ":%zu\r\n", b->n_results);
        rayc__task_result_batch__free_unpacked(b, NULL);
        reply_str(c, out);
    } else if (is_cmd(argv[0], argl[0], "NODE.UNREGISTER")) {
        f->unregistered = 1;
        reply_str(c, ":1\r\n");
    } else {
        reply_str(c, "-ERR unknown command\r\n");
    }
}

static void on_conn_closed(uv_handle_t *h)
{
    conn_t *c = h->data;
    if (--c->open_handles > 0) return;
    fake_t *f = c->f;
    for (size_t i = 0; i < f->nconns; i++)
        if (f->conns[i] == c) f->conns[i] = f->conns[--f->nconns];
    rc_buf_free(&c->in);
    free(c);
}

static void conn_close(conn_t *c)
{
    if (uv_is_closing((uv_handle_t *)&c->tcp)) return;
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
    uv_close((uv_handle_t *)&c->delay, on_conn_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    (void)h;
    b->base = malloc(suggested);
    b->len = suggested;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    conn_t *c = s->data;
    if (n < 0) {
        conn_close(c);
    } else if (n > 0) {
        rc_buf_append(&c->in, b->base, (size_t)n);
        for (;;) {
            const char *argv[8];
            size_t argl[8], argc;
            size_t used = parse_cmd(c->in.data, c->in.len, argv, argl, &argc);
            if (!used) break;
            handle(c, argv, argl, argc);
            rc_buf_consume(&c->in, used);
        }
    }
    free(b->base);
}

static void on_connection(uv_stream_t *server, int status)
{
    fake_t *f = server->data;
    assert_int_equal(status, 0);
    assert_true(f->nconns < MAX_CONNS);
    conn_t *c = calloc(1, sizeof(*c));
    c->f = f;
    rc_buf_init(&c->in);
    uv_tcp_init(f->loop, &c->tcp);
    uv_timer_init(f->loop, &c->delay);
    c->tcp.data = c->delay.data = c;
    c->open_handles = 2;
    assert_int_equal(uv_accept(server, (uv_stream_t *)&c->tcp), 0);
    f->conns[f->nconns++] = c;
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void fake_start(fake_t *f, uv_loop_t *loop)
{
    struct sockaddr_in sa;
    struct sockaddr_storage bound;
    int blen = sizeof(bound);
    memset(f, 0, sizeof(*f));
    f->loop = loop;
    memset(f->task_id, 0x5a, 16);
    uv_tcp_init(loop, &f->server);
    f->server.data = f;
    uv_ip4_addr("127.0.0.1", 0, &sa);
    assert_int_equal(uv_tcp_bind(&f->server, (const struct sockaddr *)&sa, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&f->server, 16, on_connection), 0);
    uv_tcp_getsockname(&f->server, (struct sockaddr *)&bound, &blen);
    f->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
}

static void fake_stop(fake_t *f)
{
    uv_close((uv_handle_t *)&f->server, NULL);
    while (f->nconns) {
        conn_close(f->conns[0]);
        uv_run(f->loop, UV_RUN_NOWAIT);
    }
}

/* Runs the loop until *flag is set (or 10 s pass). */
static void run_until(uv_loop_t *loop, const int *flag)
{
    uint64_t start = uv_hrtime();
    while (!*flag && uv_hrtime() - start < 10000000000ull) uv_run(loop, UV_RUN_ONCE);
    assert_true(*flag);
}

static void test_agent_reports_workers(void **state)
{
    (void)state;
    uv_loop_t loop;
    fake_t f;
    rc_agent_config_t cfg;
    char tmp[] = "/tmp/rc_test_agent_XXXXXX", logs[64];
    assert_non_null(mkdtemp(tmp));
    snprintf(logs, sizeof(logs), "%s/logs", tmp);
    assert_int_equal(mkdir(logs, 0755), 0);

    uv_loop_init(&loop);
    fake_start(&f, &loop);
    memset(&cfg, 0, sizeof(cfg));
    snprintf(cfg.head.host, sizeof(cfg.head.host), "127.0.0.1");
    cfg.head.port = f.port;
    snprintf(cfg.head_text, sizeof(cfg.head_text), "127.0.0.1:%d", f.port);
    rc_res_init(&cfg.total);
    cfg.total.cpu = 10000;
    snprintf(cfg.group, sizeof(cfg.group), "default");
    snprintf(cfg.node_ip, sizeof(cfg.node_ip), "127.0.0.1");
    snprintf(cfg.hostname, sizeof(cfg.hostname), "test-host");
    cfg.temp_dir = rc_strdup(tmp);
    cfg.num_executors = 1;
    cfg.reconnect_timeout_ms = 60000;
    cfg.start_timeout_ms = 10000;

    rc_agent_t *a = rc_agent_new(&loop, &cfg, 0);
    rc_agent_start(a);

    /* Busy with the task in a report, then its result names that executor. */
    run_until(&loop, &f.busy_seen);
    assert_true(f.busy_start > 1600000000000LL);
    run_until(&loop, &f.result_seen);
    assert_int_equal(f.result_status, RAYC__TASK_STATUS__STATUS_OK);
    assert_int_equal(f.result_pid, f.busy_pid);
    assert_int_equal(f.result_id_len, 16);
    assert_memory_equal(f.result_id, f.busy_id, 16);
    /* Then idle, one task done. */
    run_until(&loop, &f.idle_seen);
    assert_int_equal(f.idle_done, 1);
    assert_int_equal(f.max_workers, 1); /* --num-executors 1 */

    rc_agent_drain(a, "test");
    run_until(&loop, &f.unregistered);
    uint64_t start = uv_hrtime();
    while (rc_agent_state(a) != RC_AGENT_EXITING && uv_hrtime() - start < 5000000000ull)
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(rc_agent_state(a), RC_AGENT_EXITING);
    assert_int_equal(rc_agent_exit_code(a), 0);
    rc_agent_free(a);
    fake_stop(&f);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    rc_agent_config_free(&cfg);

    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) return 1;
    self[n] = '\0';
    char *build = dirname(dirname(self));
    snprintf(g_exe, sizeof(g_exe), "%s/bin/rayc-executor", build);
    snprintf(g_lib, sizeof(g_lib), "%s/lib/librayc_testtasks.so", build);
    setenv("RAYC_EXECUTOR", g_exe, 1);
    signal(SIGPIPE, SIG_IGN); /* hiredis writes with write(2) */
    rc_log_set_level(RC_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agent_reports_workers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
