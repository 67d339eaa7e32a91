/* tasks_harness.h — shared by the tests of head/tasks: a node table and a task
 * plane without a loop, TASK.* / OBJ.* rows called as the dispatcher would, a
 * fake blocked client (rc_cmd_block and friends are head/server's; these tests
 * provide their own), and builders for TaskSpecBatch / TaskResultBatch. */
#ifndef RC_TASKS_HARNESS_H
#define RC_TASKS_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "../cmd_harness.h"

#include "alloc.h"
#include "buf.h"
#include "cmd.h"
#include "cmd_nodes.h"
#include "node.pb-c.h"
#include "node_version.h"
#include "nodes.h"
#include "task.pb-c.h"
#include "tasks.h"

#define T0 1700000000000ULL

/* ---- the fake blocked client ------------------------------------------------------- */

struct rc_client {
    rc_buf_t out;
    int blocked, unblocks;
    void (*gone)(void *);
    void *gone_arg;
};

struct rc_client *rc_cmd_block(rc_cmd_ctx_t *c, void (*gone)(void *arg), void *arg)
{
    struct rc_client *cl = c->client;
    assert_false(cl->blocked);
    cl->blocked = 1;
    cl->gone = gone;
    cl->gone_arg = arg;
    return cl;
}

rc_buf_t *rc_client_blocked_out(struct rc_client *cl)
{
    return &cl->out;
}

void rc_client_unblock(struct rc_client *cl)
{
    assert_true(cl->blocked);
    cl->blocked = 0;
    cl->unblocks++;
}

/* ---- fixture ------------------------------------------------------------------------ */

#define MAX_EV 64
typedef struct {
    rc_node_table_t *nodes;
    rc_task_plane_t *p;
    rc_buf_t out;
    struct rc_client cl; /* the caller of every command unless `as` is set */
    struct rc_client *as;
    uint64_t now;
    int nevents;
    char *events[MAX_EV];
} tf_t;

static inline void tf_publish(void *arg, const char *ch, size_t chl, const char *msg, size_t ml)
{
    tf_t *f = arg;
    if (chl == strlen(RC_TASK_EVENTS_CHANNEL) && memcmp(ch, RC_TASK_EVENTS_CHANNEL, chl) == 0) {
        if (f->nevents < MAX_EV) f->events[f->nevents] = strndup(msg, ml);
        f->nevents++;
    }
}

static inline tf_t *tf_new(void)
{
    tf_t *f = calloc(1, sizeof(*f));
    rc_node_opts_t o;
    rc_node_opts_default(&o);
    f->nodes = rc_node_table_new(&o, NULL);
    rc_node_table_set_publish(f->nodes, tf_publish, f);
    /* These tests pin down placement without pipelining; test_prefetch.c has it on. */
    if (!getenv("RAYC_TASK_PREFETCH_PER_CPU")) setenv("RAYC_TASK_PREFETCH_PER_CPU", "0", 1);
    f->p = rc_task_plane_new(NULL, f->nodes, tf_publish, f);
    f->now = T0;
    return f;
}

static inline void tf_free(tf_t *f)
{
    rc_task_plane_free(f->p);
    rc_node_table_free(f->nodes);
    rc_buf_free(&f->out);
    rc_buf_free(&f->cl.out);
    for (int i = 0; i < f->nevents && i < MAX_EV; i++) free(f->events[i]);
    free(f);
}

static inline const rc_cmd_def_t *tf_cmd(const char *name)
{
    for (size_t i = 0; i < rc_task_commands_count; i++)
        if (strcasecmp(rc_task_commands[i].name, name) == 0) return &rc_task_commands[i];
    for (size_t i = 0; i < rc_node_commands_count; i++)
        if (strcasecmp(rc_node_commands[i].name, name) == 0) return &rc_node_commands[i];
    return NULL;
}

/* Runs one command; the reply is in f->out (empty when it blocked). */
static inline const char *tf_callv(tf_t *f, size_t argc, const char **argv, const size_t *argl)
{
    rc_buf_clear(&f->out);
    const rc_cmd_def_t *d = tf_cmd(argv[0]);
    assert_non_null(d);
    rc_cmd_ctx_t c = {.argc = argc,
                      .argv = argv,
                      .argl = argl,
                      .out = &f->out,
                      .client = f->as ? f->as : &f->cl,
                      .now_ms = f->now,
                      .nodes = f->nodes,
                      .tasks = f->p};
    th_run(d, &c);
    rc_buf_append(&f->out, "", 0);
    return f->out.data ? f->out.data : "";
}

static inline const char *tf_call(tf_t *f, const char *a0, ...)
{
    const char *argv[64];
    size_t argl[64];
    va_list ap;
    va_start(ap, a0);
    size_t argc = th_args(a0, ap, argv, argl, 64);
    va_end(ap);
    return tf_callv(f, argc, argv, argl);
}
#define CALL(...) tf_call(f, __VA_ARGS__, NULL)

static inline const char *tf_call_bin(tf_t *f, const char *cmd, const void *data, size_t len)
{
    const char *argv[2] = {cmd, data ? data : ""};
    size_t argl[2] = {strlen(cmd), len};
    return tf_callv(f, 2, argv, argl);
}

/* ---- ids and nodes ------------------------------------------------------------------ */

static inline rc_id_t tid(int k)
{
    rc_id_t id = RC_ID_NIL;
    id.b[0] = 0x7a;
    id.b[12] = (uint8_t)(k >> 24);
    id.b[13] = (uint8_t)(k >> 16);
    id.b[14] = (uint8_t)(k >> 8);
    id.b[15] = (uint8_t)k;
    return id;
}

static inline rc_id_t nid(int k)
{
    rc_id_t id = RC_ID_NIL;
    id.b[0] = 0xab;
    id.b[15] = (uint8_t)k;
    return id;
}

typedef struct {
    char s[RC_ID_HEX_LEN + 1];
} hex_t;

static inline hex_t hexid(rc_id_t id)
{
    hex_t h;
    rc_id_to_hex(&id, h.s);
    return h;
}

/* Registers node k with cpu whole CPUs (and pid, to model agent restarts). */
static inline void tf_node(tf_t *f, int k, int cpu)
{
    Rayc__NodeInfo m;
    Rayc__Resources total;
    Rayc__ResourceAmount a, *pa[1] = {&a};
    rc_id_t id = nid(k);
    rayc__node_info__init(&m);
    rayc__resources__init(&total);
    rayc__resource_amount__init(&a);
    a.name = "CPU";
    a.amount = RC_RES_UNITS(cpu);
    total.n_amounts = 1;
    total.amounts = pa;
    m.node_id.data = id.b;
    m.node_id.len = 16;
    m.group = "default";
    m.node_ip = "10.0.0.1";
    m.hostname = "w";
    m.version = "0.1.0";
    m.protocol_version = RC_NODE_PROTOCOL_VERSION;
    m.start_time_ms = (int64_t)T0;
    m.pid = 100 + k;
    m.object_port = (uint32_t)(7000 + k);
    m.total = &total;
    uint8_t buf[512];
    size_t n = rayc__node_info__pack(&m, buf);
    char err[256];
    assert_int_equal(rc_node_table_register(f->nodes, buf, n, f->now, err, sizeof(err)), RC_OK);
}

static inline void tf_kill(tf_t *f, int k)
{
    rc_id_t id = nid(k);
    assert_int_equal(rc_node_table_unregister(f->nodes, &id, "killed", f->now), 1);
}

/* ---- specs ------------------------------------------------------------------------- */

typedef struct {
    int k;     /* task id number */
    int nrefs; /* ref args: refs[i] are task id numbers (or put ids) */
    rc_id_t refs[4];
    int cpu; /* -1: no resources (default); else CPU amount in whole units */
    int max_retries;
    int retry_exc;
    const char *data; /* one inline arg, may be NULL */
    int job;          /* non-zero: job_id {job, 0, 0, 0} */
} spec_t;

static inline spec_t spec_default(int k)
{
    spec_t s;
    memset(&s, 0, sizeof(s));
    s.k = k;
    s.cpu = -1;
    s.max_retries = -1;
    return s;
}

/* Packs n specs as a TaskSpecBatch into out. */
static inline void pack_batch(const spec_t *specs, size_t n, rc_buf_t *out)
{
    Rayc__TaskSpecBatch b;
    rayc__task_spec_batch__init(&b);
    Rayc__TaskSpec *ms = calloc(n, sizeof(*ms));
    Rayc__TaskSpec **pms = calloc(n, sizeof(*pms));
    Rayc__TaskArg *args = calloc(n * 5, sizeof(*args));
    Rayc__TaskArg **pargs = calloc(n * 5, sizeof(*pargs));
    Rayc__Resources *res = calloc(n, sizeof(*res));
    Rayc__ResourceAmount *am = calloc(n, sizeof(*am));
    Rayc__ResourceAmount **pam = calloc(n, sizeof(*pam));
    rc_id_t *ids = calloc(n, sizeof(*ids));
    uint8_t *jobids = calloc(n, 4);
    for (size_t i = 0; i < n; i++) {
        const spec_t *s = &specs[i];
        Rayc__TaskSpec *m = &ms[i];
        rayc__task_spec__init(m);
        ids[i] = tid(s->k);
        m->task_id.data = ids[i].b;
        m->task_id.len = 16;
        m->kind = RAYC__TASK_KIND__TASK_FUNCTION;
        m->library = "libnoop.so";
        m->function = "noop";
        m->max_retries = s->max_retries;
        if (s->job) {
            jobids[4 * i] = (uint8_t)s->job;
            m->job_id.data = &jobids[4 * i];
            m->job_id.len = 4;
        }
        m->retry_exceptions = s->retry_exc;
        size_t na = 0;
        for (int r = 0; r < s->nrefs; r++) {
            Rayc__TaskArg *a = &args[i * 5 + na];
            rayc__task_arg__init(a);
            a->value_case = RAYC__TASK_ARG__VALUE_REF;
            a->ref.data = (uint8_t *)s->refs[r].b;
            a->ref.len = 16;
            pargs[i * 5 + na] = a;
            na++;
        }
        if (s->data) {
            Rayc__TaskArg *a = &args[i * 5 + na];
            rayc__task_arg__init(a);
            a->value_case = RAYC__TASK_ARG__VALUE_DATA;
            a->data.data = (uint8_t *)s->data;
            a->data.len = strlen(s->data);
            pargs[i * 5 + na] = a;
            na++;
        }
        m->n_args = na;
        m->args = &pargs[i * 5];
        if (s->cpu >= 0) {
            rayc__resources__init(&res[i]);
            rayc__resource_amount__init(&am[i]);
            am[i].name = "CPU";
            am[i].amount = RC_RES_UNITS(s->cpu);
            pam[i] = &am[i];
            res[i].n_amounts = 1;
            res[i].amounts = &pam[i];
            m->resources = &res[i];
        }
        pms[i] = m;
    }
    b.n_specs = n;
    b.specs = pms;
    rc_buf_clear(out);
    size_t len = rayc__task_spec_batch__get_packed_size(&b);
    rc_buf_reserve(out, len);
    out->len = rayc__task_spec_batch__pack(&b, (uint8_t *)out->data);
    free(ms);
    free(pms);
    free(args);
    free(pargs);
    free(res);
    free(am);
    free(pam);
    free(ids);
    free(jobids);
}

static inline int64_t reply_int(const char *r)
{
    assert_true(r[0] == ':');
    return strtoll(r + 1, NULL, 10);
}

static inline int64_t tf_submit(tf_t *f, const spec_t *specs, size_t n)
{
    rc_buf_t b = RC_BUF_INIT;
    pack_batch(specs, n, &b);
    const char *r = tf_call_bin(f, "TASK.SUBMIT", b.data, b.len);
    rc_buf_free(&b);
    return reply_int(r);
}

static inline int64_t tf_submit1(tf_t *f, spec_t s)
{
    return tf_submit(f, &s, 1);
}

/* The body of a bulk reply at r (NULL for nil). */
static inline const char *bulk(const char *r, size_t *len)
{
    if (strncmp(r, "$-1", 3) == 0) return NULL;
    assert_true(r[0] == '$');
    *len = (size_t)strtoul(r + 1, NULL, 10);
    return strstr(r, "\r\n") + 2;
}

/* TASK.PULL node k: the reply unpacked (caller frees); NULL when blocked. */
static inline Rayc__PullReply *tf_pull(tf_t *f, int k, int slots, int timeout)
{
    char s[16], t[16];
    snprintf(s, sizeof(s), "%d", slots);
    snprintf(t, sizeof(t), "%d", timeout);
    const char *r = CALL("TASK.PULL", hexid(nid(k)).s, s, t);
    if (!*r) return NULL;
    size_t len = 0;
    const char *b = bulk(r, &len);
    assert_non_null(b);
    Rayc__PullReply *pr = rayc__pull_reply__unpack(NULL, len, (const uint8_t *)b);
    assert_non_null(pr);
    return pr;
}

/* Reports results: (task k, attempt, status, data) for n tasks. */
typedef struct {
    int k;
    uint32_t attempt;
    int status;
    const char *data;
    size_t dlen;
    int node; /* 0: no node id */
} res_t;

static inline int64_t tf_done(tf_t *f, const res_t *rs, size_t n)
{
    Rayc__TaskResultBatch b;
    rayc__task_result_batch__init(&b);
    Rayc__TaskResult *m = calloc(n, sizeof(*m));
    Rayc__TaskResult **pm = calloc(n, sizeof(*pm));
    rc_id_t *ids = calloc(n, sizeof(*ids)), *nids = calloc(n, sizeof(*nids));
    for (size_t i = 0; i < n; i++) {
        rayc__task_result__init(&m[i]);
        ids[i] = tid(rs[i].k);
        m[i].task_id.data = ids[i].b;
        m[i].task_id.len = 16;
        m[i].attempt = rs[i].attempt;
        m[i].status = (Rayc__TaskStatus)rs[i].status;
        if (rs[i].data) {
            m[i].data.data = (uint8_t *)rs[i].data;
            m[i].data.len = rs[i].dlen ? rs[i].dlen : strlen(rs[i].data);
        }
        if (rs[i].status != 0) m[i].error = "boom";
        if (rs[i].node) {
            nids[i] = nid(rs[i].node);
            m[i].node_id.data = nids[i].b;
            m[i].node_id.len = 16;
        }
        pm[i] = &m[i];
    }
    b.n_results = n;
    b.results = pm;
    size_t len = rayc__task_result_batch__get_packed_size(&b);
    uint8_t *buf = malloc(len + 1);
    rayc__task_result_batch__pack(&b, buf);
    int64_t acc = reply_int(tf_call_bin(f, "TASK.DONE", buf, len));
    free(buf);
    free(m);
    free(pm);
    free(ids);
    free(nids);
    return acc;
}

static inline int64_t tf_done1(tf_t *f, int k, uint32_t attempt, int status, const char *data)
{
    res_t r = {k, attempt, status, data, 0, 0};
    return tf_done(f, &r, 1);
}

/* TASK.GET 0 <k>: the single result unpacked (NULL when nil). */
static inline Rayc__TaskResult *tf_get1(tf_t *f, rc_id_t id)
{
    const char *r = CALL("TASK.GET", "0", hexid(id).s);
    assert_true(strncmp(r, "*1\r\n", 4) == 0);
    size_t len = 0;
    const char *b = bulk(r + 4, &len);
    if (!b) return NULL;
    Rayc__TaskResult *tr = rayc__task_result__unpack(NULL, len, (const uint8_t *)b);
    assert_non_null(tr);
    return tr;
}

static inline int tf_state(tf_t *f, int k)
{
    rc_id_t id = tid(k);
    return rc_task_plane_state(f->p, &id);
}

static inline uint64_t tf_count(tf_t *f, rc_task_state_t s)
{
    rc_task_stats_t st;
    rc_task_plane_stats(f->p, &st);
    return st.count[s];
}

#endif
