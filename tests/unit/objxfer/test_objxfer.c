/* test_objxfer.c — the object port on loopback: byte-exact GET and PUT of
 * objects from 0 bytes to 64 MiB across chunk boundaries, NOT_FOUND / TOO_BIG /
 * refused pushes, 1,000 concurrent 1 MiB fetches through one pooled client,
 * hostile peers on both sides (bad lengths, garbage frames, chunks out of
 * order, a connection closed mid-object), and stop with connections open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "object.pb-c.h"
#include "objxfer.h"

#define MIB  (1u << 20)
#define NOBJ 8

/* ---- an in-memory store ---- */

typedef struct {
    pthread_mutex_t mu;
    rc_id_t ids[NOBJ];
    uint8_t *data[NOBJ];
    uint64_t size[NOBJ];
    int sealed[NOBJ];
    int n, pins, commits, aborts;
    uint64_t cap; /* PUT refuses above this */
} store_t;

static rc_id_t idn(int k)
{
    rc_id_t id = RC_ID_NIL;
    id.b[0] = 0x0b;
    id.b[15] = (uint8_t)k;
    return id;
}

static void fill(uint8_t *p, uint64_t n, int seed)
{
    for (uint64_t i = 0; i < n; i++) p[i] = (uint8_t)(i * 131 + (uint64_t)seed * 7 + (i >> 12));
}

static int find(store_t *s, const rc_id_t *id)
{
    for (int i = 0; i < s->n; i++)
        if (rc_id_eq(&s->ids[i], id)) return i;
    return -1;
}

static void add(store_t *s, int k, uint64_t size)
{
    s->ids[s->n] = idn(k);
    s->data[s->n] = malloc(size ? size : 1);
    fill(s->data[s->n], size, k);
    s->size[s->n] = size;
    s->sealed[s->n] = 1;
    s->n++;
}

static rc_err_t lookup(void *arg, const rc_id_t *id, const uint8_t **data, uint64_t *size,
                       char *err, size_t errcap)
{
    store_t *s = arg;
    pthread_mutex_lock(&s->mu);
    int i = find(s, id);
    if (i < 0 || !s->sealed[i]) {
        pthread_mutex_unlock(&s->mu);
        snprintf(err, errcap, "no such object here");
        return RC_ENOTFOUND;
    }
    *data = s->data[i];
    *size = s->size[i];
    s->pins++;
    pthread_mutex_unlock(&s->mu);
    return RC_OK;
}

static void release(void *arg, const rc_id_t *id)
{
    store_t *s = arg;
    (void)id;
    pthread_mutex_lock(&s->mu);
    s->pins--;
    pthread_mutex_unlock(&s->mu);
}

static rc_err_t create(void *arg, const rc_id_t *id, uint64_t size, uint8_t **dst, char *err,
                       size_t errcap)
{
    store_t *s = arg;
    pthread_mutex_lock(&s->mu);
    rc_err_t rc = RC_OK;
    if (size > s->cap) {
        snprintf(err, errcap, "%llu bytes do not fit", (unsigned long long)size);
        rc = RC_ETOOBIG;
    } else if (find(s, id) >= 0 || s->n == NOBJ) {
        snprintf(err, errcap, "exists");
        rc = RC_EEXISTS;
    } else {
        s->ids[s->n] = *id;
        s->data[s->n] = malloc(size ? size : 1);
        s->size[s->n] = size;
        s->sealed[s->n] = 0;
        *dst = s->data[s->n++];
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static rc_err_t commit(void *arg, const rc_id_t *id, int ok, char *err, size_t errcap)
{
    store_t *s = arg;
    (void)err;
    (void)errcap;
    pthread_mutex_lock(&s->mu);
    int i = find(s, id);
    if (ok) {
        s->sealed[i] = 1;
        s->commits++;
    } else {
        free(s->data[i]);
        s->n--;
        s->ids[i] = s->ids[s->n];
        s->data[i] = s->data[s->n];
        s->size[i] = s->size[s->n];
        s->sealed[i] = s->sealed[s->n];
        s->aborts++;
    }
    pthread_mutex_unlock(&s->mu);
    return RC_OK;
}

/* A counter of the store, read under its lock (server threads write them). */
static int locked(store_t *s, const int *field)
{
    pthread_mutex_lock(&s->mu);
    int v = *field;
    pthread_mutex_unlock(&s->mu);
    return v;
}

/* Pins reach 0 a moment after the client has the last byte: the server
 * releases once its send has completed, which the client does not wait for. */
static int pins_after_settling(store_t *s)
{
    for (int i = 0; i < 250 && locked(s, &s->pins); i++) usleep(20000);
    return locked(s, &s->pins);
}

static int locked_find(store_t *s, const rc_id_t *id)
{
    pthread_mutex_lock(&s->mu);
    int v = find(s, id);
    pthread_mutex_unlock(&s->mu);
    return v;
}

typedef struct {
    store_t st;
    rc_objxfer_server_t *srv;
    rc_objxfer_client_t *cl;
    char addr[64];
} fx_t;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static rc_objxfer_server_opts_t opts_of(fx_t *f)
{
    rc_objxfer_server_opts_t o;
    memset(&o, 0, sizeof(o));
    o.lookup = lookup;
    o.release = release;
    o.create = create;
    o.commit = commit;
    o.arg = &f->st;
    o.chunk = MIB; /* small chunks: more boundaries to cross */
    o.timeout_ms = 2000;
    return o;
}

/* Replaces the fixture's server with one started from o. */
static void restart(fx_t *f, const rc_objxfer_server_opts_t *o)
{
    rc_objxfer_server_free(f->srv);
    char err[256];
    if (rc_objxfer_server_start("tcp://127.0.0.1:0", o, &f->srv, err, sizeof(err)) != RC_OK)
        fail_msg("%s", err);
    snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%d", rc_objxfer_server_port(f->srv));
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f));
    pthread_mutex_init(&f->st.mu, NULL);
    f->st.cap = 128 * MIB;
    rc_objxfer_server_opts_t o = opts_of(f);
    char err[256];
    if (rc_objxfer_server_start("tcp://127.0.0.1:0", &o, &f->srv, err, sizeof(err)) != RC_OK) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%d", rc_objxfer_server_port(f->srv));
    f->cl = rc_objxfer_client_new(2000);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    rc_objxfer_client_free(f->cl);
    rc_objxfer_server_free(f->srv);
    for (int i = 0; i < f->st.n; i++) free(f->st.data[i]);
    pthread_mutex_destroy(&f->st.mu);
    free(f);
    return 0;
}

/* ---- fetch into malloc'ed memory ---- */

typedef struct {
    uint8_t *p;
    uint64_t size;
    int aborted;
} buf_t;

static rc_err_t balloc(void *arg, uint64_t size, uint8_t **dst, char *err, size_t errcap)
{
    buf_t *b = arg;
    (void)err;
    (void)errcap;
    b->p = malloc(size ? size : 1);
    b->size = size;
    *dst = b->p;
    return RC_OK;
}

static void babort(void *arg)
{
    ((buf_t *)arg)->aborted = 1;
}

static rc_err_t fetch(fx_t *f, const char *addr, int k, buf_t *b, char *err, size_t errcap)
{
    memset(b, 0, sizeof(*b));
    rc_id_t id = idn(k);
    uint64_t got = 0;
    return rc_objxfer_fetch(f->cl, addr, &id, RC_OBJXFER_ANY_SIZE, balloc, babort, b, &got, err,
                            errcap);
}

static void expect_object(fx_t *f, int k, uint64_t size)
{
    buf_t b;
    char err[512] = "";
    rc_err_t rc = fetch(f, f->addr, k, &b, err, sizeof(err));
    if (rc != RC_OK) fail_msg("fetch %d: %s", k, err);
    assert_int_equal(b.size, size);
    uint8_t *want = malloc(size ? size : 1);
    fill(want, size, k);
    assert_memory_equal(b.p, want, size);
    free(want);
    free(b.p);
}

static void test_get_sizes(void **state)
{
    fx_t *f = *state;
    const uint64_t sizes[] = {0, 1, MIB - 1, MIB, MIB + 1, 64 * MIB};
    for (int i = 0; i < 6; i++) add(&f->st, i, sizes[i]);
    for (int round = 0; round < 2; round++) /* the second round reuses pooled connections */
        for (int i = 0; i < 6; i++) expect_object(f, i, sizes[i]);
    assert_int_equal(pins_after_settling(&f->st), 0);
}

static void test_not_found_and_bad_addr(void **state)
{
    fx_t *f = *state;
    buf_t b;
    char err[512];
    assert_int_equal(fetch(f, f->addr, 99, &b, err, sizeof(err)), RC_ENOTFOUND);
    assert_non_null(strstr(err, "no such object here"));
    assert_null(b.p);
    /* The connection stays usable after a refusal. */
    add(&f->st, 1, 1000);
    expect_object(f, 1, 1000);
    assert_int_equal(fetch(f, "127.0.0.1:1", 1, &b, err, sizeof(err)), RC_ECONN);
    assert_non_null(strstr(err, "cannot connect"));
}

/* A node announcing another size than the caller expects is refused before
 * any memory is asked for; the next fetch works on a new connection. */
static void test_expected_size(void **state)
{
    fx_t *f = *state;
    add(&f->st, 1, 3 * MIB);
    buf_t b;
    memset(&b, 0, sizeof(b));
    rc_id_t id = idn(1);
    char err[512];
    assert_int_equal(rc_objxfer_fetch(f->cl, f->addr, &id, 3 * MIB + 1, balloc, babort, &b, NULL,
                                      err, sizeof(err)),
                     RC_EPROTO);
    assert_non_null(strstr(err, "the node has 3145728 bytes, the head said 3145729"));
    assert_null(b.p);
    assert_false(b.aborted);
    assert_int_equal(
        rc_objxfer_fetch(f->cl, f->addr, &id, 3 * MIB, balloc, babort, &b, NULL, err, sizeof(err)),
        RC_OK);
    assert_int_equal(b.size, 3 * MIB);
    free(b.p);
}

static void test_push(void **state)
{
    fx_t *f = *state;
    uint64_t size = 5 * MIB + 3;
    uint8_t *p = malloc(size);
    fill(p, size, 7);
    rc_id_t id = idn(7);
    char err[512];
    assert_int_equal(rc_objxfer_push(f->cl, f->addr, &id, p, size, err, sizeof(err)), RC_OK);
    free(p);
    assert_int_equal(locked(&f->st, &f->st.commits), 1);
    expect_object(f, 7, size);
    /* Again: the node says it exists. */
    assert_int_equal(
        rc_objxfer_push(f->cl, f->addr, &id, (const uint8_t *)"x", 1, err, sizeof(err)), RC_EINVAL);
    /* Too big for the store: TOO_BIG with its reason, nothing kept. */
    pthread_mutex_lock(&f->st.mu);
    f->st.cap = MIB;
    pthread_mutex_unlock(&f->st.mu);
    rc_id_t big = idn(8);
    uint8_t *q = calloc(1, 2 * MIB);
    assert_int_equal(rc_objxfer_push(f->cl, f->addr, &big, q, 2 * MIB, err, sizeof(err)),
                     RC_ETOOBIG);
    assert_non_null(strstr(err, "do not fit"));
    free(q);
    assert_int_equal(locked_find(&f->st, &big), -1);
    /* A 0-byte object goes too. */
    rc_id_t empty = idn(9);
    assert_int_equal(rc_objxfer_push(f->cl, f->addr, &empty, NULL, 0, err, sizeof(err)), RC_OK);
    expect_object(f, 9, 0);
}

/* A node without create/commit refuses pushes, clearly, and keeps serving. */
static void test_push_refused(void **state)
{
    fx_t *f = *state;
    rc_objxfer_server_opts_t o = opts_of(f);
    o.create = NULL;
    o.commit = NULL;
    restart(f, &o);
    rc_id_t id = idn(3);
    char err[512];
    assert_int_equal(
        rc_objxfer_push(f->cl, f->addr, &id, (const uint8_t *)"abc", 3, err, sizeof(err)),
        RC_EINVAL);
    assert_non_null(strstr(err, "no pushes"));
    assert_non_null(strstr(err, f->addr));
    add(&f->st, 3, 1000);
    expect_object(f, 3, 1000);
}

typedef struct {
    fx_t *f;
    int n, bad;
} worker_arg_t;

static void *many_worker(void *arg)
{
    worker_arg_t *w = arg;
    for (int i = 0; i < w->n; i++) {
        buf_t b;
        char err[512];
        int k = i % 4;
        if (fetch(w->f, w->f->addr, k, &b, err, sizeof(err)) != RC_OK || b.size != MIB ||
            b.p[MIB - 1] != w->f->st.data[k][MIB - 1] || memcmp(b.p, w->f->st.data[k], MIB))
            w->bad++;
        free(b.p);
    }
    return NULL;
}

static void test_thousand_concurrent(void **state)
{
    fx_t *f = *state;
    for (int k = 0; k < 4; k++) add(&f->st, k, MIB);
    /* 1,000 fetches from 16 threads (8 x 63 + 8 x 62) through one client. */
    pthread_t th[16];
    worker_arg_t wa[16];
    double t0 = now();
    for (int i = 0; i < 16; i++) {
        wa[i].f = f;
        wa[i].n = i < 8 ? 63 : 62;
        wa[i].bad = 0;
        pthread_create(&th[i], NULL, many_worker, &wa[i]);
    }
    int bad = 0;
    for (int i = 0; i < 16; i++) {
        pthread_join(th[i], NULL);
        bad += wa[i].bad;
    }
    double dt = now() - t0;
    print_message("1,000 x 1 MiB fetches from 16 threads: %.2f s\n", dt);
    assert_int_equal(bad, 0);
    assert_true(dt < 60); /* seconds without sanitizers; generous for TSan */
    assert_int_equal(pins_after_settling(&f->st), 0);
}

/* ---- hostile peers ---- */

static int dial(const char *addr)
{
    int port = atoi(strchr(addr, ':') + 1);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
    return s;
}

static void put_frame(int s, const ProtobufCMessage *m)
{
    uint8_t b[512];
    size_t n = protobuf_c_message_pack(m, b + 4);
    b[0] = (uint8_t)n;
    b[1] = b[2] = b[3] = 0;
    assert_int_equal(write(s, b, n + 4), (ssize_t)(n + 4));
}

static void test_hostile_client(void **state)
{
    fx_t *f = *state;
    add(&f->st, 1, 3 * MIB);
    /* A length prefix far over the frame limit, garbage, a short id. */
    int s = dial(f->addr);
    uint8_t huge[4] = {0xff, 0xff, 0xff, 0x7f};
    assert_int_equal(write(s, huge, 4), 4);
    char b[64];
    (void)read(s, b, sizeof(b)); /* closed (maybe after a BAD_REQUEST) */
    close(s);
    s = dial(f->addr);
    uint8_t garbage[12] = {8, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(write(s, garbage, sizeof(garbage)), (ssize_t)sizeof(garbage));
    (void)read(s, b, sizeof(b));
    close(s);
    /* A PUT whose chunk does not start at byte 0, then one closed mid-object. */
    for (int mode = 0; mode < 2; mode++) {
        s = dial(f->addr);
        Rayc__ObjectRequest rq;
        rayc__object_request__init(&rq);
        rc_id_t id = idn(20 + mode);
        rq.op = RAYC__OBJECT_REQUEST__OP__PUT;
        rq.object_id.data = id.b;
        rq.object_id.len = 16;
        rq.size = 2 * MIB;
        put_frame(s, &rq.base);
        uint8_t r[512];
        assert_true(read(s, r, sizeof(r)) > 0); /* OK: room made */
        Rayc__ObjectChunk ch;
        rayc__object_chunk__init(&ch);
        ch.offset = mode == 0 ? 4096 : 0;
        ch.length = MIB;
        put_frame(s, &ch.base);
        if (mode == 1) assert_int_equal(write(s, "abc", 3), 3);
        close(s);
    }
    /* A GET whose client goes away without reading the object: released. */
    s = dial(f->addr);
    Rayc__ObjectRequest get;
    rayc__object_request__init(&get);
    rc_id_t id1 = idn(1);
    get.object_id.data = id1.b;
    get.object_id.len = 16;
    put_frame(s, &get.base);
    close(s);
    /* An unknown op. */
    s = dial(f->addr);
    get.op = 7;
    put_frame(s, &get.base);
    assert_true(read(s, b, sizeof(b)) > 0); /* BAD_REQUEST */
    close(s);
    /* The server dropped both half-written objects, released the pin, and
     * still serves. */
    for (int i = 0; i < 100 && (locked(&f->st, &f->st.aborts) < 2 || locked(&f->st, &f->st.pins));
         i++)
        usleep(20000);
    assert_int_equal(locked(&f->st, &f->st.aborts), 2);
    assert_int_equal(locked(&f->st, &f->st.pins), 0);
    expect_object(f, 1, 3 * MIB);
}

/* A fake node: answers one GET with a reply then misbehaving chunks. */
typedef struct {
    int lsock, mode;
} fake_t;

static void *fake_node(void *arg)
{
    fake_t *fk = arg;
    int c = accept(fk->lsock, NULL, NULL);
    if (c < 0) return NULL;
    uint8_t b[512];
    (void)read(c, b, sizeof(b));
    Rayc__ObjectReply r;
    rayc__object_reply__init(&r);
    r.size = 2 * MIB;
    if (fk->mode == 4) {
        (void)write(c, "\x00\x00\x10\x00", 4); /* the reply itself: 1 MiB of header */
        close(c);
        return NULL;
    }
    put_frame(c, &r.base);
    Rayc__ObjectChunk ch;
    rayc__object_chunk__init(&ch);
    switch (fk->mode) {
    case 0:
        ch.offset = 1;
        ch.length = 10;
        put_frame(c, &ch.base);
        break; /* wrong offset */
    case 1:
        ch.offset = 0;
        ch.length = 3 * MIB;
        put_frame(c, &ch.base);
        break; /* past the end */
    case 2:
        ch.offset = 0;
        ch.length = MIB;
        put_frame(c, &ch.base);
        (void)write(c, "ab", 2);
        break;
    case 3: (void)write(c, "\x05\x00\x00\x00\xff\xff\xff\xff\xff", 9); break; /* garbage */
    case 4: (void)write(c, "\xff\xff\xff\x7f", 4); break; /* a frame length far too big */
    default: break; /* closed after the reply, before any chunk */
    }
    close(c);
    return NULL;
}

static void test_hostile_node(void **state)
{
    fx_t *f = *state;
    for (int mode = 0; mode < 6; mode++) {
        fake_t fk = {.mode = mode};
        fk.lsock = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t al = sizeof(a);
        assert_int_equal(bind(fk.lsock, (struct sockaddr *)&a, sizeof(a)), 0);
        assert_int_equal(listen(fk.lsock, 1), 0);
        getsockname(fk.lsock, (struct sockaddr *)&a, &al);
        char addr[64];
        snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(a.sin_port));
        pthread_t th;
        pthread_create(&th, NULL, fake_node, &fk);
        buf_t b;
        char err[512] = "";
        rc_err_t rc = fetch(f, addr, 1, &b, err, sizeof(err));
        print_message("hostile node %d: %s: %s\n", mode, rc_strerror(rc), err);
        assert_int_equal(rc,
                         mode == 0 || mode == 1 || mode == 3 || mode == 4 ? RC_EPROTO : RC_ECLOSED);
        /* After alloc, the caller is told to drop its memory. */
        assert_int_equal(b.aborted, mode != 4);
        assert_non_null(strstr(err, addr));
        free(b.p);
        pthread_join(th, NULL);
        close(fk.lsock);
    }
}

static void test_stop_with_open_connections(void **state)
{
    fx_t *f = *state;
    add(&f->st, 1, MIB);
    expect_object(f, 1, MIB); /* a pooled connection now sits open */
    int s = dial(f->addr);    /* and an idle raw one */
    double t0 = now();
    rc_objxfer_server_stop(f->srv);
    assert_true(now() - t0 < 1.5);  /* the idle wait for a request is 60 s */
    rc_objxfer_server_stop(f->srv); /* idempotent */
    buf_t b;
    char err[512];
    assert_int_not_equal(fetch(f, f->addr, 1, &b, err, sizeof(err)), RC_OK);
    free(b.p);
    close(s);
}

/* Stop while a transfer is under way: the fetching client sits in its alloc
 * callback while the server blocks sending a 64 MiB object into a full socket. */
typedef struct {
    fx_t *f;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int in_alloc, go;
    rc_err_t rc;
    buf_t b;
} slow_t;

static rc_err_t slow_alloc(void *arg, uint64_t size, uint8_t **dst, char *err, size_t errcap)
{
    slow_t *sl = arg;
    rc_err_t rc = balloc(&sl->b, size, dst, err, errcap);
    pthread_mutex_lock(&sl->mu);
    sl->in_alloc = 1;
    pthread_cond_broadcast(&sl->cv);
    while (!sl->go) pthread_cond_wait(&sl->cv, &sl->mu);
    pthread_mutex_unlock(&sl->mu);
    return rc;
}

static void slow_abort(void *arg)
{
    ((slow_t *)arg)->b.aborted = 1;
}

static void *slow_fetch(void *arg)
{
    slow_t *sl = arg;
    rc_id_t id = idn(1);
    char err[512];
    sl->rc = rc_objxfer_fetch(sl->f->cl, sl->f->addr, &id, RC_OBJXFER_ANY_SIZE, slow_alloc,
                              slow_abort, sl, NULL, err, sizeof(err));
    return NULL;
}

static void test_stop_during_transfer(void **state)
{
    fx_t *f = *state;
    add(&f->st, 1, 64 * MIB);
    slow_t sl = {.f = f};
    pthread_mutex_init(&sl.mu, NULL);
    pthread_cond_init(&sl.cv, NULL);
    pthread_t th;
    pthread_create(&th, NULL, slow_fetch, &sl);
    pthread_mutex_lock(&sl.mu);
    while (!sl.in_alloc) pthread_cond_wait(&sl.cv, &sl.mu);
    pthread_mutex_unlock(&sl.mu);
    usleep(50000); /* the server is now blocked in a send */
    double t0 = now();
    rc_objxfer_server_stop(f->srv);
    assert_true(now() - t0 < 1.5);
    assert_int_equal(locked(&f->st, &f->st.pins), 0); /* released before stop returned */
    pthread_mutex_lock(&sl.mu);
    sl.go = 1;
    pthread_cond_broadcast(&sl.cv);
    pthread_mutex_unlock(&sl.mu);
    pthread_join(th, NULL);
    assert_int_equal(sl.rc, RC_ECLOSED);
    assert_true(sl.b.aborted);
    free(sl.b.p);
    pthread_cond_destroy(&sl.cv);
    pthread_mutex_destroy(&sl.mu);
}

/* Connections over max_conns are closed at once; those under it are served. */
static void test_max_conns(void **state)
{
    fx_t *f = *state;
    rc_objxfer_server_opts_t o = opts_of(f);
    o.max_conns = 2;
    restart(f, &o);
    add(&f->st, 1, 1000);
    int s1 = dial(f->addr), s2 = dial(f->addr);
    usleep(100000); /* both accepted */
    buf_t b;
    char err[512];
    assert_int_equal(fetch(f, f->addr, 1, &b, err, sizeof(err)), RC_ECLOSED);
    assert_non_null(strstr(err, f->addr));
    close(s1);
    close(s2);
    rc_err_t rc = RC_ECLOSED;
    for (int i = 0; i < 50 && rc != RC_OK; i++) {
        usleep(20000); /* until the server has seen both close */
        free(b.p);
        rc = fetch(f, f->addr, 1, &b, err, sizeof(err));
    }
    assert_int_equal(rc, RC_OK);
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found_and_bad_addr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expected_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_push, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thousand_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_with_open_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_during_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_push_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_conns, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
