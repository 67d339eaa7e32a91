/* nodes_harness.h — shared by the tests of head/nodes: builds NodeInfo and
 * ResourceReport protobufs, runs NODE.* rows as the dispatcher would (arity,
 * then the handler, with a fake clock) and captures published events. */
#ifndef RC_NODES_HARNESS_H
#define RC_NODES_HARNESS_H

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

#include "buf.h"
#include "cmd.h"
#include "cmd_nodes.h"
#include "json.h"
#include "node.pb-c.h"
#include "node_version.h"
#include "nodes.h"

#define FX_T0      1700000000000ULL
#define MAX_EVENTS 64

typedef struct {
    rc_node_table_t *t;
    rc_buf_t out;
    uint64_t now;
    char *events[MAX_EVENTS];
    size_t nevents;
} fx_t;

static inline void fx_publish(void *arg, const char *channel, size_t chlen, const char *msg,
                              size_t mlen)
{
    fx_t *f = arg;
    assert_int_equal(chlen, strlen(RC_NODE_EVENTS_CHANNEL));
    assert_memory_equal(channel, RC_NODE_EVENTS_CHANNEL, chlen);
    if (f->nevents < MAX_EVENTS) f->events[f->nevents++] = strndup(msg, mlen);
}

static inline void fx_clear_events(fx_t *f)
{
    for (size_t i = 0; i < f->nevents; i++) free(f->events[i]);
    f->nevents = 0;
}

static inline fx_t *fx_new(const rc_node_opts_t *o, rc_store_t *store)
{
    fx_t *f = calloc(1, sizeof(*f));
    f->t = rc_node_table_new(o, store);
    rc_node_table_set_publish(f->t, fx_publish, f);
    rc_buf_init(&f->out);
    f->now = FX_T0;
    return f;
}

static inline void fx_free(fx_t *f)
{
    rc_node_table_free(f->t);
    rc_buf_free(&f->out);
    fx_clear_events(f);
    free(f);
}

/* Period 1000 ms, threshold 3, keep 1000 dead. */
static inline void fx_opts(rc_node_opts_t *o)
{
    rc_node_opts_default(o);
    o->health_period_ms = 1000;
    o->failure_threshold = 3;
    o->report_every_ms = 500;
}

static inline int fx_setup(void **state)
{
    rc_node_opts_t o;
    fx_opts(&o);
    *state = fx_new(&o, NULL);
    return 0;
}

static inline int fx_teardown(void **state)
{
    fx_free(*state);
    return 0;
}

static inline const rc_cmd_def_t *fx_find_cmd(const char *name)
{
    for (size_t i = 0; i < rc_node_commands_count; i++)
        if (strcasecmp(rc_node_commands[i].name, name) == 0) return &rc_node_commands[i];
    return NULL;
}

static inline const char *fx_callv(fx_t *f, size_t argc, const char **argv, const size_t *argl)
{
    rc_buf_clear(&f->out);
    const rc_cmd_def_t *d = fx_find_cmd(argv[0]);
    assert_non_null(d);
    rc_cmd_ctx_t c = {
        .argc = argc, .argv = argv, .argl = argl, .out = &f->out, .now_ms = f->now, .nodes = f->t};
    th_run(d, &c);
    assert_true(f->out.len > 0);
    assert_ptr_equal(th_skip_reply(f->out.data, f->out.data + f->out.len),
                     f->out.data + f->out.len);
    return f->out.data;
}

/* NULL-terminated C-string arguments. */
static inline const char *fx_call(fx_t *f, const char *a0, ...)
{
    const char *argv[64];
    size_t argl[64];
    va_list ap;
    va_start(ap, a0);
    size_t argc = th_args(a0, ap, argv, argl, 64);
    va_end(ap);
    return fx_callv(f, argc, argv, argl);
}

/* A command with one binary payload. */
static inline const char *fx_call_pb(fx_t *f, const char *cmd, const rc_buf_t *pb)
{
    const char *argv[2] = {cmd, pb->data ? pb->data : ""};
    size_t argl[2] = {strlen(cmd), pb->len};
    return fx_callv(f, 2, argv, argl);
}

#define CALL(...) fx_call(f, __VA_ARGS__, NULL)

/* ---- building payloads ---------------------------------------------------------- */

typedef struct {
    uint8_t id[16];
    size_t idlen;
    const char *group, *ip, *hostname, *version;
    uint32_t protocol_version;
    int64_t start_time_ms;
    const char *res_names[8];
    int64_t res_amounts[8];
    size_t nres;
    int no_total;
    const char *label_keys[80], *label_values[80];
    size_t nlabels;
} info_t;

static inline void id_of(uint8_t id[16], int k)
{
    memset(id, 0, 16);
    id[0] = 0xab;
    id[15] = (uint8_t)k;
    id[14] = (uint8_t)(k >> 8);
}

static inline void hex_of(int k, char hex[RC_ID_HEX_LEN + 1])
{
    rc_id_t id;
    id_of(id.b, k);
    rc_id_to_hex(&id, hex);
}

/* A valid NodeInfo of node k: CPU 2, memory 1 GiB, labels zone=a. */
static inline void info_default(info_t *i, int k)
{
    memset(i, 0, sizeof(*i));
    id_of(i->id, k);
    i->idlen = 16;
    i->group = "default";
    i->ip = "10.0.0.1";
    i->hostname = "worker-1";
    i->version = "0.1.0";
    i->protocol_version = RC_NODE_PROTOCOL_VERSION;
    i->start_time_ms = (int64_t)FX_T0 - 1000 + k;
    i->res_names[0] = "CPU";
    i->res_amounts[0] = RC_RES_UNITS(2);
    i->res_names[1] = "memory";
    i->res_amounts[1] = RC_RES_UNITS(1073741824);
    i->nres = 2;
    i->label_keys[0] = "zone";
    i->label_values[0] = "a";
    i->nlabels = 1;
}

static inline void info_pack(const info_t *i, rc_buf_t *out)
{
    Rayc__NodeInfo m;
    Rayc__Resources total;
    Rayc__ResourceAmount amounts[8], *pa[8];
    Rayc__Label labels[80], *pl[80];
    rayc__node_info__init(&m);
    rayc__resources__init(&total);
    m.node_id.data = (uint8_t *)i->id;
    m.node_id.len = i->idlen;
    m.group = (char *)i->group;
    m.node_ip = (char *)i->ip;
    m.hostname = (char *)i->hostname;
    m.version = (char *)i->version;
    m.protocol_version = i->protocol_version;
    m.start_time_ms = i->start_time_ms;
    m.pid = 4242;
    for (size_t k = 0; k < i->nres; k++) {
        rayc__resource_amount__init(&amounts[k]);
        amounts[k].name = (char *)i->res_names[k];
        amounts[k].amount = i->res_amounts[k];
        pa[k] = &amounts[k];
    }
    total.n_amounts = i->nres;
    total.amounts = pa;
    if (!i->no_total) m.total = &total;
    for (size_t k = 0; k < i->nlabels; k++) {
        rayc__label__init(&labels[k]);
        labels[k].key = (char *)i->label_keys[k];
        labels[k].value = (char *)i->label_values[k];
        pl[k] = &labels[k];
    }
    m.n_labels = i->nlabels;
    m.labels = pl;
    rc_buf_clear(out);
    size_t n = rayc__node_info__get_packed_size(&m);
    rc_buf_reserve(out, n);
    out->len = rayc__node_info__pack(&m, (uint8_t *)out->data);
}

/* A ResourceReport of node k with available CPU = cpu (fixed point); cpu == -1: no
 * resources (a heartbeat only). */
static inline void report_pack(int k, int64_t cpu, uint64_t seq, rc_buf_t *out)
{
    Rayc__ResourceReport m;
    Rayc__Resources avail;
    Rayc__ResourceAmount a, *pa[1] = {&a};
    uint8_t id[16];
    id_of(id, k);
    rayc__resource_report__init(&m);
    rayc__resources__init(&avail);
    rayc__resource_amount__init(&a);
    a.name = "CPU";
    a.amount = cpu;
    avail.n_amounts = 1;
    avail.amounts = pa;
    m.node_id.data = id;
    m.node_id.len = 16;
    m.seq = seq;
    if (cpu != -1) m.available = &avail;
    rc_buf_clear(out);
    size_t n = rayc__resource_report__get_packed_size(&m);
    rc_buf_reserve(out, n);
    out->len = rayc__resource_report__pack(&m, (uint8_t *)out->data);
}

#define REG_OK "*3\r\n$2\r\nOK\r\n:1000\r\n:500\r\n"

static inline void fx_register(fx_t *f, int k)
{
    info_t i;
    rc_buf_t pb = RC_BUF_INIT;
    info_default(&i, k);
    info_pack(&i, &pb);
    assert_string_equal(fx_call_pb(f, "NODE.REGISTER", &pb), REG_OK);
    rc_buf_free(&pb);
}

static inline const char *fx_report(fx_t *f, int k, int64_t cpu, uint64_t seq)
{
    rc_buf_t pb = RC_BUF_INIT;
    report_pack(k, cpu, seq, &pb);
    const char *r = fx_call_pb(f, "NODE.REPORT", &pb);
    rc_buf_free(&pb);
    return r;
}

/* NODE.GET <k> JSON parsed (free with rc_json_free); NULL when nil. */
static inline rc_json_t *fx_get_json(fx_t *f, int k)
{
    char hex[RC_ID_HEX_LEN + 1];
    hex_of(k, hex);
    const char *r = CALL("NODE.GET", hex, "JSON");
    if (strcmp(r, "$-1\r\n") == 0) return NULL;
    assert_true(r[0] == '$');
    const char *body = strstr(r, "\r\n") + 2;
    size_t len = (size_t)strtol(r + 1, NULL, 10);
    rc_json_t *j = NULL;
    char err[128];
    assert_int_equal(rc_json_parse(body, len, &j, err, sizeof(err)), RC_OK);
    return j;
}

static inline const char *jstr(const rc_json_t *j, const char *key)
{
    const char *s = rc_json_str(rc_json_get(j, key), NULL);
    assert_non_null(s);
    return s;
}

static inline int64_t jint(const rc_json_t *j, const char *key)
{
    int64_t v;
    assert_true(rc_json_int(rc_json_get(j, key), &v));
    return v;
}

#endif
