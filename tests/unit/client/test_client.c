/* test_client.c — librayc against a fake head: a RESP server on a loopback
 * socket, run by a thread of this test, that understands the task commands
 * well enough to check connection, AUTH, batching/pipelining, error surfacing,
 * TASK.GET decoding, put/wait/cancel/release and reconnection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "id.h"
#include "task.pb-c.h"

typedef struct {
    int lfd, port;
    pthread_t th;
    pthread_mutex_t mu;
    const char *password; /* NULL: none */
    int refuse_submit;    /* answer TASK.SUBMIT with -ERR */
    int close_on_cancel;  /* drop the connection on TASK.CANCEL */
    /* Seen: */
    int submits, tasks, puts, releases, released, connections;
    char last_put_id[33];
} fake_t;

static fake_t fake;

static void reply(rc_buf_t *out, const char *s)
{
    rc_buf_append_str(out, s);
}

/* A TASK.GET answer for one ref: its first byte picks the status, 0xee means
 * not ready (nil). */
static void get_element(rc_buf_t *out, const char *hex)
{
    rc_id_t id;
    if (rc_id_from_hex(hex, strlen(hex), &id) != RC_OK) {
        reply(out, "$-1\r\n");
        return;
    }
    if (id.b[0] == 0xee) {
        reply(out, "$-1\r\n");
        return;
    }
    Rayc__TaskResult r;
    rayc__task_result__init(&r);
    r.task_id.data = id.b;
    r.task_id.len = 16;
    r.status = (Rayc__TaskStatus)(id.b[0] < 7 ? id.b[0] : 0);
    char data[40];
    snprintf(data, sizeof(data), "value-%s", hex);
    r.data.data = (uint8_t *)data;
    r.data.len = strlen(data);
    char msg[64];
    snprintf(msg, sizeof(msg), "failure %d", id.b[0]);
    if (r.status) r.error = msg;
    uint8_t buf[256];
    size_t n = rayc__task_result__pack(&r, buf);
    rc_buf_printf(out, "$%zu\r\n", n);
    rc_buf_append(out, buf, n);
    reply(out, "\r\n");
}

/* Sets a knob of the fake from the test thread (its server thread reads them
 * under the same mutex). */
#define FAKE_SET(field, value)                                                                     \
    do {                                                                                           \
        pthread_mutex_lock(&fake.mu);                                                              \
        fake.field = (value);                                                                      \
        pthread_mutex_unlock(&fake.mu);                                                            \
    } while (0)

/* Handles one request; returns 0 to close the connection. */
static int handle(redisReply *req, rc_buf_t *out, int *authed)
{
    if (req->type != REDIS_REPLY_ARRAY || req->elements == 0) return 0;
    const char *cmd = req->element[0]->str;
    size_t argc = req->elements;
    redisReply **a = req->element;
    pthread_mutex_lock(&fake.mu);
    int keep = 1;
    if (!strcasecmp(cmd, "AUTH")) {
        if (!fake.password)
            reply(out, "-ERR AUTH <password> called without any password configured\r\n");
        else if (argc == 2 && !strcmp(a[1]->str, fake.password)) {
            *authed = 1;
            reply(out, "+OK\r\n");
        } else
            reply(out, "-WRONGPASS invalid username-password pair\r\n");
    } else if (fake.password && !*authed) {
        reply(out, "-NOAUTH Authentication required.\r\n");
    } else if (!strcasecmp(cmd, "PING")) {
        reply(out, "+PONG\r\n");
    } else if (!strcmp(cmd, "TASK.SUBMIT")) {
        Rayc__TaskSpecBatch *b =
            rayc__task_spec_batch__unpack(NULL, a[1]->len, (const uint8_t *)a[1]->str);
        if (!b)
            reply(out, "-ERR bad batch\r\n");
        else if (fake.refuse_submit)
            reply(out, "-ERR task 0000: unknown strategy\r\n");
        else {
            fake.submits++;
            fake.tasks += (int)b->n_specs;
            rc_buf_printf(out, ":%zu\r\n", b->n_specs);
        }
        if (b) rayc__task_spec_batch__free_unpacked(b, NULL);
    } else if (!strcmp(cmd, "TASK.GET")) {
        rc_buf_printf(out, "*%zu\r\n", argc - 2);
        for (size_t i = 2; i < argc; i++) get_element(out, a[i]->str);
    } else if (!strcmp(cmd, "TASK.WAIT")) {
        rc_buf_printf(out, "*%zu\r\n", argc - 3);
        for (size_t i = 3; i < argc; i++) reply(out, i % 2 ? ":1\r\n" : ":0\r\n");
    } else if (!strcmp(cmd, "TASK.CANCEL")) {
        if (fake.close_on_cancel) {
            fake.close_on_cancel = 0;
            keep = 0;
        } else
            reply(out, ":1\r\n");
    } else if (!strcmp(cmd, "OBJ.PUT")) {
        fake.puts++;
        snprintf(fake.last_put_id, sizeof(fake.last_put_id), "%s", a[1]->str);
        reply(out, "+OK\r\n");
    } else if (!strcmp(cmd, "OBJ.RELEASE")) {
        fake.releases++;
        fake.released += (int)argc - 1;
        rc_buf_printf(out, ":%zu\r\n", argc - 1);
    } else {
        rc_buf_printf(out, "-ERR unknown command '%s'\r\n", cmd);
    }
    pthread_mutex_unlock(&fake.mu);
    return keep;
}

static void serve(int fd)
{
    redisReader *rd = redisReaderCreate();
    rc_buf_t out = RC_BUF_INIT;
    int authed = 0, open = 1;
    char buf[65536];
    while (open) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0) break;
        redisReaderFeed(rd, buf, (size_t)n);
        void *req;
        while (open && redisReaderGetReply(rd, &req) == REDIS_OK && req) {
            open = handle(req, &out, &authed);
            freeReplyObject(req);
        }
        if (out.len && write(fd, out.data, out.len) != (ssize_t)out.len) break;
        rc_buf_clear(&out);
    }
    rc_buf_free(&out);
    redisReaderFree(rd);
    close(fd);
}

static void *serve_main(void *arg)
{
    serve((int)(intptr_t)arg);
    return NULL;
}

/* One thread per connection: a test that fails before it disconnects leaves
 * its connection open, and the next test must still get an answer. */
static void *server_main(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(fake.lfd, NULL, NULL);
        if (fd < 0) break;
        pthread_mutex_lock(&fake.mu);
        fake.connections++;
        pthread_mutex_unlock(&fake.mu);
        pthread_t th;
        if (pthread_create(&th, NULL, serve_main, (void *)(intptr_t)fd) == 0)
            pthread_detach(th);
        else
            close(fd);
    }
    return NULL;
}

static int start(void **state)
{
    (void)state;
    memset(&fake, 0, sizeof(fake));
    pthread_mutex_init(&fake.mu, NULL);
    fake.lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    if (bind(fake.lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fake.lfd, 8) ||
        getsockname(fake.lfd, (struct sockaddr *)&sa, &sl))
        return -1;
    fake.port = ntohs(sa.sin_port);
    return pthread_create(&fake.th, NULL, server_main, NULL);
}

static int stop(void **state)
{
    (void)state;
    shutdown(fake.lfd, SHUT_RDWR);
    pthread_join(fake.th, NULL);
    close(fake.lfd);
    pthread_mutex_destroy(&fake.mu);
    return 0;
}

static rayc_client_t *connect_fake(const char *password)
{
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", fake.port);
    rayc_client_t *c = NULL;
    int rc = rayc_connect(addr, password, &c);
    if (rc != RAYC_OK) fail_msg("connect: %s", rayc_last_error(NULL));
    return c;
}

static int counter(int *p)
{
    pthread_mutex_lock(&fake.mu);
    int v = *p;
    pthread_mutex_unlock(&fake.mu);
    return v;
}

static void test_connect_refused(void **state)
{
    (void)state;
    /* A port nobody listens on: bind one, then close it. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(sa.sin_port));
    rayc_client_t *c;
    assert_int_equal(rayc_connect(addr, NULL, &c), RAYC_ECONNECT);
    assert_null(c);
    const char *m = rayc_last_error(NULL);
    if (!strstr(m, "cannot reach the cluster at 127.0.0.1:") || !strstr(m, "connection refused") ||
        !strstr(m, "rayc start --head"))
        fail_msg("message: %s", m);
}

static void test_auth(void **state)
{
    (void)state;
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", fake.port);
    FAKE_SET(password, "sekret");
    rayc_client_t *c;
    unsetenv("RAYC_REDIS_PASSWORD");
    assert_int_equal(rayc_connect(addr, NULL, &c), RAYC_EAUTH);
    assert_non_null(strstr(rayc_last_error(NULL), "requires a password"));
    assert_int_equal(rayc_connect(addr, "wrong", &c), RAYC_EAUTH);
    assert_non_null(strstr(rayc_last_error(NULL), "refused the password"));
    setenv("RAYC_REDIS_PASSWORD", "sekret", 1);
    assert_int_equal(rayc_connect(addr, NULL, &c), RAYC_OK);
    rayc_disconnect(c);
    unsetenv("RAYC_REDIS_PASSWORD");
    assert_int_equal(rayc_connect(addr, "sekret", &c), RAYC_OK);
    rayc_disconnect(c);
    FAKE_SET(password, NULL);
    /* A password given to a head without one is accepted (Ray's default password). */
    assert_int_equal(rayc_connect(addr, "5241590000000000", &c), RAYC_OK);
    rayc_disconnect(c);
}

static void test_batching(void **state)
{
    (void)state;
    rayc_client_t *c = connect_fake(NULL);
    int s0 = counter(&fake.submits), t0 = counter(&fake.tasks);
    rayc_ref_t refs[2500];
    for (int i = 0; i < 2500; i++) {
        uint64_t v = (uint64_t)i;
        rayc_arg_t a = rayc_arg_bytes(&v, sizeof(v));
        assert_int_equal(rayc_submit(c, "/x.so", "f", &a, 1, NULL, &refs[i]), RAYC_OK);
    }
    /* Two full batches went out on the 1001st and 2001st submits. */
    assert_int_equal(rc_client_pending(c), 500);
    for (int i = 1; i < 2500; i++) assert_memory_not_equal(refs[i].id, refs[i - 1].id, 16);
    rayc_value_t v;
    rayc_ref_t ok;
    memset(ok.id, 0, sizeof(ok.id));
    ok.id[15] = 1;
    assert_int_equal(rayc_get(c, &ok, 1, 1.0, &v), RAYC_OK);
    assert_int_equal(rc_client_pending(c), 0);
    rayc_value_free(&v);
    assert_int_equal(counter(&fake.submits) - s0, 3);
    assert_int_equal(counter(&fake.tasks) - t0, 2500);

    /* disconnect sends what is pending. */
    const char *argv[] = {"true", NULL};
    assert_int_equal(rayc_submit_cmd(c, argv, NULL, &refs[0]), RAYC_OK);
    rayc_disconnect(c);
    assert_int_equal(counter(&fake.tasks) - t0, 2501);
}

static void test_refused_batch(void **state)
{
    (void)state;
    rayc_client_t *c = connect_fake(NULL);
    FAKE_SET(refuse_submit, 1);
    rayc_ref_t r;
    assert_int_equal(rayc_submit(c, "/x.so", "f", NULL, 0, NULL, &r), RAYC_OK);
    rayc_value_t v;
    assert_int_equal(rayc_get(c, &r, 1, 1.0, &v), RAYC_EINVAL);
    rayc_value_free(&v);
    const char *m = rayc_last_error(c);
    if (!strstr(m, "refused a batch of 1 tasks") || !strstr(m, "unknown strategy"))
        fail_msg("message: %s", m);
    FAKE_SET(refuse_submit, 0);
    /* Reported once: the client carries on. The fake picks a result's status
     * from the id's first byte and r's id is random: make it a success. */
    r.id[0] = 0x42;
    assert_int_equal(rayc_get(c, &r, 1, 1.0, &v), RAYC_OK);
    rayc_value_free(&v);

    /* Refused while submitting: the next submit reports it. */
    FAKE_SET(refuse_submit, 1);
    for (int i = 0; i < 1001; i++)
        assert_int_equal(rayc_submit(c, "/x.so", "f", NULL, 0, NULL, &r), RAYC_OK);
    int rc = RAYC_OK;
    for (int i = 0; i < 20000 && rc == RAYC_OK; i++)
        rc = rayc_submit(c, "/x.so", "f", NULL, 0, NULL, &r);
    assert_int_equal(rc, RAYC_EINVAL);
    assert_non_null(strstr(rayc_last_error(c), "refused a batch of 1000 tasks"));
    FAKE_SET(refuse_submit, 0);
    rayc_disconnect(c);
}

static void test_get_statuses(void **state)
{
    (void)state;
    rayc_client_t *c = connect_fake(NULL);
    rayc_ref_t refs[8];
    memset(refs, 0, sizeof(refs));
    for (int i = 0; i < 7; i++) {
        refs[i].id[0] = (uint8_t)i;
        refs[i].id[15] = 1;
    }
    refs[7].id[0] = 0xee; /* not ready */
    rayc_value_t v[8];
    assert_int_equal(rayc_get(c, refs, 8, 0.05, v), RAYC_ETASK);
    assert_non_null(strstr(rayc_last_error(c), "failure 1"));
    int want[8] = {RAYC_OK,          RAYC_ETASK,       RAYC_EWORKER, RAYC_ECANCELLED,
                   RAYC_EINFEASIBLE, RAYC_EDEPENDENCY, RAYC_ETOOBIG, RAYC_ETIMEOUT};
    for (int i = 0; i < 8; i++) assert_int_equal(v[i].err, want[i]);
    char hex[33];
    rayc_ref_hex(&refs[0], hex);
    assert_int_equal(v[0].len, 6 + 32);
    assert_memory_equal((const char *)v[0].data + 6, hex, 32);
    assert_string_equal(v[2].message, "failure 2");
    for (int i = 0; i < 8; i++) rayc_value_free(&v[i]);

    /* A long list is split into several TASK.GETs. */
    size_t n = RC_CLIENT_GET_CHUNK * 2 + 5;
    rayc_ref_t *many = calloc(n, sizeof(*many));
    rayc_value_t *vals = calloc(n, sizeof(*vals));
    for (size_t i = 0; i < n; i++) {
        many[i].id[14] = (uint8_t)(i >> 8);
        many[i].id[15] = (uint8_t)i | 1;
    }
    assert_int_equal(rayc_get(c, many, n, -1, vals), RAYC_OK);
    for (size_t i = 0; i < n; i++) {
        rayc_ref_hex(&many[i], hex);
        assert_memory_equal((const char *)vals[i].data + 6, hex, 32);
        rayc_value_free(&vals[i]);
    }
    free(many);
    free(vals);
    rayc_disconnect(c);
}

static void test_put_wait_cancel_release(void **state)
{
    (void)state;
    rayc_client_t *c = connect_fake(NULL);
    rayc_ref_t r;
    static char big[100 * 1024 + 1];
    /* Over 100 KiB the head is asked for a node to push to: this fake head does
     * not know the command, and says so. */
    assert_int_equal(rayc_put(c, big, sizeof(big), &r), RAYC_EPROTO);
    assert_non_null(strstr(rayc_last_error(c), "does not know OBJ.PUTTARGET"));
    assert_int_equal(rayc_put(c, "abc", 3, &r), RAYC_OK);
    char hex[33];
    rayc_ref_hex(&r, hex);
    pthread_mutex_lock(&fake.mu);
    assert_string_equal(fake.last_put_id, hex);
    pthread_mutex_unlock(&fake.mu);

    rayc_ref_t refs[4] = {r, r, r, r};
    int ready[4];
    assert_int_equal(rayc_wait(c, refs, 4, 2, 1.0, ready), RAYC_OK);
    assert_int_equal(ready[0], 1);
    assert_int_equal(ready[1], 0);
    assert_int_equal(rayc_wait(c, refs, 4, 5, 1.0, ready), RAYC_EINVAL);
    assert_int_equal(rayc_cancel(c, &r, 1), RAYC_OK);

    int rel0 = counter(&fake.released);
    assert_int_equal(rayc_release(c, refs, 4), RAYC_OK);
    /* Released lazily: the next command reads its reply. */
    assert_int_equal(rayc_cancel(c, &r, 0), RAYC_OK);
    assert_int_equal(counter(&fake.released) - rel0, 4);
    rayc_disconnect(c);
}

static void test_reconnect(void **state)
{
    (void)state;
    rayc_client_t *c = connect_fake(NULL);
    int conns = counter(&fake.connections);
    FAKE_SET(close_on_cancel, 1);
    rayc_ref_t r;
    memset(&r, 1, sizeof(r));
    assert_int_equal(rayc_cancel(c, &r, 0), RAYC_ECONNLOST);
    assert_non_null(strstr(rayc_last_error(c), "lost the connection"));
    assert_int_equal(rayc_put(c, "x", 1, &r), RAYC_OK);
    assert_int_equal(counter(&fake.connections), conns + 1);
    rayc_disconnect(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_refused), cmocka_unit_test(test_auth),
        cmocka_unit_test(test_batching),        cmocka_unit_test(test_refused_batch),
        cmocka_unit_test(test_get_statuses),    cmocka_unit_test(test_put_wait_cancel_release),
        cmocka_unit_test(test_reconnect),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
