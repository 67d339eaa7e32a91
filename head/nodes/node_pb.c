/* node_pb.c — protobuf decoding, validation and encoding of node records (see node_pb.h). */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "node.pb-c.h"
#include "node_pb.h"
#include "node_version.h"

/* ---- arena ----------------------------------------------------------------------- */

void rc_node_arena_init(rc_node_arena_t *a, size_t cap)
{
    a->base = rc_malloc(cap);
    a->cap = cap;
    a->used = 0;
}

void rc_node_arena_free(rc_node_arena_t *a)
{
    rc_free(a->base);
    a->base = NULL;
    a->cap = a->used = 0;
}

static void *arena_alloc(void *data, size_t size)
{
    rc_node_arena_t *a = data;
    size_t n = (size + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    if (n <= a->cap - a->used) {
        void *p = a->base + a->used;
        a->used += n;
        return p;
    }
    /* Message larger than the arena (many labels or resources): sizes come from a
     * peer, so a failure must make unpack fail, not abort. */
    return rc_try_malloc(n);
}

static void arena_release(void *data, void *p)
{
    rc_node_arena_t *a = data;
    if ((char *)p >= a->base && (char *)p < a->base + a->cap) return;
    rc_free(p);
}

static ProtobufCAllocator arena_allocator(rc_node_arena_t *a)
{
    ProtobufCAllocator al = {arena_alloc, arena_release, a};
    return al;
}

/* ---- validation helpers ----------------------------------------------------------- */

/* Peer text quoted into a message: at most 64 bytes, control bytes and
 * non-ASCII as '?', so a message stays one printable line. */
static const char *quote(const char *s, char out[80])
{
    size_t i = 0;
    for (; s && s[i] && i < 64; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[i] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
    }
    if (s && s[i]) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
    return out;
}

static int charset_ok(const char *s, size_t maxlen, const char *extra)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char ch = s[n];
        if (n >= maxlen) return 0;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
            continue;
        if (!strchr(extra, ch)) return 0;
    }
    return n > 0;
}

int rc_node_group_valid(const char *name)
{
    return name && charset_ok(name, RC_NODE_GROUP_MAX, "_.-");
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
    return 0;
}

/* A free-text field: bounded, one line. */
static rc_err_t check_text(const char *field, const char *s, char *err, size_t errcap)
{
    if (strlen(s) > RC_NODE_STR_MAX) {
        snprintf(err, errcap, "%s is longer than %d bytes: send a shorter one", field,
                 RC_NODE_STR_MAX);
        return RC_EINVAL;
    }
    if (has_control(s)) {
        snprintf(err, errcap, "%s contains control characters: send plain text", field);
        return RC_EINVAL;
    }
    return RC_OK;
}

static rc_err_t check_id(const ProtobufCBinaryData *b, rc_id_t *out, char *err, size_t errcap)
{
    if (b->len != sizeof(out->b)) {
        snprintf(err, errcap,
                 "node_id must be 16 bytes, got %zu: send the node's 128-bit id as raw bytes",
                 b->len);
        return RC_EINVAL;
    }
    memcpy(out->b, b->data, sizeof(out->b));
    if (rc_id_is_nil(out)) {
        snprintf(err, errcap, "node_id is all zeros: generate a random id for the node");
        return RC_EINVAL;
    }
    return RC_OK;
}

/* Resets r to empty while keeping its custom array (no allocation in the report path). */
static void res_reset(rc_res_t *r)
{
    r->cpu = r->gpu = r->memory = r->object_store_memory = 0;
    r->ncustom = 0;
}

static rc_err_t res_from_pb(const Rayc__Resources *pb, const char *what, rc_res_t *out, char *err,
                            size_t errcap)
{
    char q[80];
    res_reset(out);
    if (!pb) return RC_OK;
    if (pb->n_amounts > RC_NODE_MAX_RESOURCES) {
        snprintf(err, errcap, "%s resources: %zu entries, at most %d are allowed", what,
                 pb->n_amounts, RC_NODE_MAX_RESOURCES);
        return RC_EINVAL;
    }
    for (size_t i = 0; i < pb->n_amounts; i++) {
        const Rayc__ResourceAmount *a = pb->amounts[i];
        if (!rc_res_name_valid(a->name)) {
            snprintf(err, errcap,
                     "%s resources: invalid resource name \"%s\": use 1 to %d of "
                     "[A-Za-z0-9_.:/-]",
                     what, quote(a->name, q), RC_RES_NAME_MAX);
            return RC_EINVAL;
        }
        if (a->amount < 0) {
            snprintf(err, errcap, "%s resources: %s is negative (%g): amounts must be >= 0", what,
                     a->name, (double)a->amount / RC_RES_SCALE);
            return RC_EINVAL;
        }
        if (a->amount > RC_RES_MAX) {
            snprintf(err, errcap,
                     "%s resources: %s is too large (%g): at most 1e14 units (amounts are in "
                     "units of 1/%d)",
                     what, a->name, (double)a->amount / RC_RES_SCALE, RC_RES_SCALE);
            return RC_EINVAL;
        }
        if (rc_res_get(out, a->name) != 0) {
            snprintf(err, errcap, "%s resources: %s is listed twice: send each resource once", what,
                     a->name);
            return RC_EINVAL;
        }
        rc_err_t e = rc_res_set(out, a->name, a->amount);
        if (e != RC_OK) { /* unreachable after the checks above */
            snprintf(err, errcap, "%s resources: %s: %s", what, a->name, rc_strerror(e));
            return e;
        }
    }
    return RC_OK;
}

static rc_err_t check_version(uint32_t v, char *err, size_t errcap)
{
    if (v > RC_NODE_PROTOCOL_VERSION) {
        snprintf(err, errcap,
                 "the worker speaks node protocol version %u, newer than this head's (%d): "
                 "upgrade the head to the workers' rayc release",
                 v, RC_NODE_PROTOCOL_VERSION);
        return RC_EVERSION;
    }
    if (v == 0) {
        snprintf(err, errcap,
                 "protocol_version is not set: send RC_NODE_PROTOCOL_VERSION "
                 "(shared/proto/node_version.h, %d for this head)",
                 RC_NODE_PROTOCOL_VERSION);
        return RC_EVERSION;
    }
    if (v < RC_NODE_PROTOCOL_MIN_VERSION) {
        snprintf(err, errcap,
                 "the worker speaks node protocol version %u, older than this head supports "
                 "(%d to %d): upgrade the worker to the head's rayc release",
                 v, RC_NODE_PROTOCOL_MIN_VERSION, RC_NODE_PROTOCOL_VERSION);
        return RC_EVERSION;
    }
    return RC_OK;
}

static rc_err_t labels_from_pb(const Rayc__NodeInfo *m, rc_node_t *out, char *err, size_t errcap)
{
    char q[80];
    if (m->n_labels > RC_NODE_MAX_LABELS) {
        snprintf(err, errcap, "too many labels (%zu): at most %d are allowed", m->n_labels,
                 RC_NODE_MAX_LABELS);
        return RC_EINVAL;
    }
    for (size_t i = 0; i < m->n_labels; i++) {
        const Rayc__Label *l = m->labels[i];
        if (!charset_ok(l->key, RC_NODE_LABEL_KEY_MAX, "_.:/-")) {
            snprintf(err, errcap, "label key \"%s\" is invalid: use 1 to %d of [A-Za-z0-9_.:/-]",
                     quote(l->key, q), RC_NODE_LABEL_KEY_MAX);
            return RC_EINVAL;
        }
        if (strlen(l->value) > RC_NODE_LABEL_VALUE_MAX || has_control(l->value)) {
            snprintf(err, errcap,
                     "label %s: the value must be at most %d bytes without control characters",
                     l->key, RC_NODE_LABEL_VALUE_MAX);
            return RC_EINVAL;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->labels[j]->key, l->key) == 0) {
                snprintf(err, errcap, "label %s is given twice: send each key once", l->key);
                return RC_EINVAL;
            }
    }
    if (m->n_labels) out->labels = rc_calloc(m->n_labels, sizeof(*out->labels));
    for (size_t i = 0; i < m->n_labels; i++) {
        out->labels[i].key = rc_strdup(m->labels[i]->key);
        out->labels[i].value = rc_strdup(m->labels[i]->value);
        out->nlabels++;
    }
    return RC_OK;
}

static rc_err_t fill(const Rayc__NodeInfo *m, rc_node_pb_mode_t mode, rc_node_t *out,
                     int *has_available, char *err, size_t errcap)
{
    char q[80];
    rc_err_t e;
    if ((e = check_id(&m->node_id, &out->id, err, errcap)) != RC_OK) return e;
    if (mode == RC_NODE_PB_REGISTER &&
        (e = check_version(m->protocol_version, err, errcap)) != RC_OK)
        return e;
    if (!*m->group) {
        snprintf(err, errcap,
                 "group is empty: give the worker a group name (e.g. --group default)");
        return RC_EINVAL;
    }
    if (!rc_node_group_valid(m->group)) {
        snprintf(err, errcap, "group \"%s\" is invalid: use 1 to %d of [A-Za-z0-9_.-]",
                 quote(m->group, q), RC_NODE_GROUP_MAX);
        return RC_EINVAL;
    }
    if ((e = check_text("node_ip", m->node_ip, err, errcap)) != RC_OK ||
        (e = check_text("hostname", m->hostname, err, errcap)) != RC_OK ||
        (e = check_text("version", m->version, err, errcap)) != RC_OK)
        return e;
    if (m->start_time_ms < 0) {
        snprintf(err, errcap, "start_time_ms is negative: send ms since the epoch");
        return RC_EINVAL;
    }
    if ((e = res_from_pb(m->total, "total", &out->total, err, errcap)) != RC_OK) return e;
    if (rc_res_is_zero(&out->total)) {
        snprintf(err, errcap,
                 "total resources are empty: a node must offer at least one resource (e.g. CPU)");
        return RC_EINVAL;
    }
    *has_available = m->available != NULL;
    if ((e = res_from_pb(m->available, "available", &out->available, err, errcap)) != RC_OK)
        return e;
    if ((e = labels_from_pb(m, out, err, errcap)) != RC_OK) return e;
    rc_node_set_str(&out->node_ip, m->node_ip);
    rc_node_set_str(&out->hostname, m->hostname);
    rc_node_set_str(&out->group, m->group);
    rc_node_set_str(&out->version, m->version);
    out->object_port = m->object_port;
    out->protocol_version = m->protocol_version;
    out->pid = m->pid;
    out->start_time_ms = m->start_time_ms;
    out->state = RC_NODE_ALIVE;
    if (mode == RC_NODE_PB_STORED) {
        if ((unsigned)m->state > RC_NODE_DEAD) {
            snprintf(err, errcap, "state %d is not a NodeState", (int)m->state);
            return RC_EINVAL;
        }
        if ((e = check_text("death_reason", m->death_reason, err, errcap)) != RC_OK) return e;
        out->state = (rc_node_state_t)m->state;
        rc_node_set_str(&out->death_reason, m->death_reason);
        out->end_time_ms = m->end_time_ms;
    }
    return RC_OK;
}

rc_err_t rc_node_from_pb(const void *pb, size_t len, rc_node_pb_mode_t mode, rc_node_arena_t *a,
                         rc_node_t *out, int *has_available, char *err, size_t errcap)
{
    rc_node_init(out);
    *has_available = 0;
    if (len > RC_NODE_MAX_PAYLOAD) {
        snprintf(err, errcap, "NodeInfo of %zu bytes is larger than the limit (%zu)", len,
                 RC_NODE_MAX_PAYLOAD);
        return RC_EINVAL;
    }
    ProtobufCAllocator al = arena_allocator(a);
    a->used = 0;
    Rayc__NodeInfo *m = rayc__node_info__unpack(&al, len, pb);
    if (!m) {
        snprintf(err, errcap,
                 "payload (%zu bytes) is not a serialized NodeInfo: send shared/proto/node.proto's "
                 "NodeInfo",
                 len);
        a->used = 0;
        return RC_EPROTO;
    }
    rc_err_t e = fill(m, mode, out, has_available, err, errcap);
    rayc__node_info__free_unpacked(m, &al);
    a->used = 0;
    if (e != RC_OK) rc_node_clear(out);
    return e;
}

static rc_err_t workers_from_pb(const Rayc__ResourceReport *m, rc_node_workers_t *out, char *err,
                                size_t errcap)
{
    size_t n = m->n_workers < RC_NODE_MAX_WORKERS ? m->n_workers : RC_NODE_MAX_WORKERS;
    out->n = 0;
    if (out->cap < n) {
        rc_free(out->v);
        out->v = rc_malloc(n * sizeof(*out->v));
        out->cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        const Rayc__WorkerInfo *w = m->workers[i];
        rc_node_worker_t *x = &out->v[i];
        if (w->worker_id.len != sizeof(x->id.b)) {
            snprintf(err, errcap,
                     "workers[%zu]: worker_id must be 16 bytes, got %zu: send the executor's "
                     "128-bit id as raw bytes",
                     i, w->worker_id.len);
            return RC_EINVAL;
        }
        if (w->task_id.len != 0 && w->task_id.len != sizeof(x->task_id.b)) {
            snprintf(err, errcap,
                     "workers[%zu]: task_id must be 16 bytes (or empty when idle), got %zu", i,
                     w->task_id.len);
            return RC_EINVAL;
        }
        if (w->pid < 0 || w->start_time_ms < 0) {
            snprintf(err, errcap, "workers[%zu]: %s is negative: send the executor's real one", i,
                     w->pid < 0 ? "pid" : "start_time_ms");
            return RC_EINVAL;
        }
        memcpy(x->id.b, w->worker_id.data, sizeof(x->id.b));
        x->has_task = w->task_id.len != 0;
        if (x->has_task)
            memcpy(x->task_id.b, w->task_id.data, sizeof(x->task_id.b));
        else
            x->task_id = RC_ID_NIL;
        x->busy = w->busy != 0;
        x->pid = w->pid;
        x->tasks_done = w->tasks_done;
        x->start_time_ms = w->start_time_ms;
        out->n++;
    }
    return RC_OK;
}

rc_err_t rc_node_report_from_pb(const void *pb, size_t len, rc_node_arena_t *a,
                                rc_node_report_t *out, rc_res_t *avail, rc_node_workers_t *workers,
                                char *err, size_t errcap)
{
    rc_err_t e;
    memset(out, 0, sizeof(*out));
    if (len > RC_NODE_MAX_PAYLOAD) {
        snprintf(err, errcap, "ResourceReport of %zu bytes is larger than the limit (%zu)", len,
                 RC_NODE_MAX_PAYLOAD);
        return RC_EINVAL;
    }
    ProtobufCAllocator al = arena_allocator(a);
    a->used = 0;
    Rayc__ResourceReport *m = rayc__resource_report__unpack(&al, len, pb);
    if (!m) {
        snprintf(err, errcap,
                 "payload (%zu bytes) is not a serialized ResourceReport: send "
                 "shared/proto/node.proto's ResourceReport",
                 len);
        a->used = 0;
        return RC_EPROTO;
    }
    e = check_id(&m->node_id, &out->id, err, errcap);
    if (e == RC_OK) {
        out->seq = m->seq;
        out->has_available = m->available != NULL;
        out->nworkers = m->n_workers;
        if (m->available) e = res_from_pb(m->available, "available", avail, err, errcap);
    }
    if (e == RC_OK) e = workers_from_pb(m, workers, err, errcap);
    rayc__resource_report__free_unpacked(m, &al);
    a->used = 0;
    return e;
}

/* ---- encoding -------------------------------------------------------------------- */

/* Builds a Resources message in caller-provided storage. */
typedef struct {
    Rayc__Resources msg;
    Rayc__ResourceAmount *ptrs[4 + RC_NODE_MAX_RESOURCES];
    Rayc__ResourceAmount items[4 + RC_NODE_MAX_RESOURCES];
} res_pb_t;

static void add_amount(res_pb_t *r, const char *name, int64_t amount)
{
    if (amount == 0 || r->msg.n_amounts >= sizeof(r->items) / sizeof(r->items[0])) return;
    Rayc__ResourceAmount *a = &r->items[r->msg.n_amounts];
    rayc__resource_amount__init(a);
    a->name = (char *)name;
    a->amount = amount;
    r->ptrs[r->msg.n_amounts++] = a;
}

static void res_to_pb(const rc_res_t *res, res_pb_t *r)
{
    rayc__resources__init(&r->msg);
    r->msg.amounts = r->ptrs;
    add_amount(r, "CPU", res->cpu);
    add_amount(r, "GPU", res->gpu);
    add_amount(r, "memory", res->memory);
    add_amount(r, "object_store_memory", res->object_store_memory);
    for (size_t i = 0; i < res->ncustom; i++)
        add_amount(r, res->custom[i].name, res->custom[i].amount);
}

void rc_node_to_pb(const rc_node_t *n, int with_available, rc_buf_t *out)
{
    Rayc__NodeInfo m;
    rayc__node_info__init(&m);
    /* Large (about 40 KiB each): on the heap, not the loop thread's stack. */
    res_pb_t *total = rc_malloc(sizeof(*total)), *avail = NULL;
    Rayc__Label *labels = n->nlabels ? rc_calloc(n->nlabels, sizeof(*labels)) : NULL;
    Rayc__Label **lptrs = n->nlabels ? rc_calloc(n->nlabels, sizeof(*lptrs)) : NULL;
    m.node_id.data = (uint8_t *)n->id.b;
    m.node_id.len = sizeof(n->id.b);
    m.node_ip = n->node_ip;
    m.hostname = n->hostname;
    m.group = n->group;
    for (size_t i = 0; i < n->nlabels; i++) {
        rayc__label__init(&labels[i]);
        labels[i].key = n->labels[i].key;
        labels[i].value = n->labels[i].value;
        lptrs[i] = &labels[i];
    }
    m.n_labels = n->nlabels;
    m.labels = lptrs;
    res_to_pb(&n->total, total);
    m.total = &total->msg;
    m.object_port = n->object_port;
    m.start_time_ms = n->start_time_ms;
    m.protocol_version = n->protocol_version;
    m.version = n->version;
    m.pid = n->pid;
    m.state = (Rayc__NodeState)n->state;
    m.death_reason = n->death_reason;
    m.end_time_ms = n->end_time_ms;
    if (with_available) {
        avail = rc_malloc(sizeof(*avail));
        res_to_pb(&n->available, avail);
        m.available = &avail->msg;
        m.last_report_ms = n->last_report_ms;
    }
    size_t len = rayc__node_info__get_packed_size(&m);
    uint8_t *dst = (uint8_t *)rc_buf_reserve(out, len);
    out->len += rayc__node_info__pack(&m, dst);
    out->data[out->len] = '\0';
    rc_free(total);
    rc_free(avail);
    rc_free(labels);
    rc_free(lptrs);
}
