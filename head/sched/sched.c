/* sched.c — Ray's hybrid placement policy over a node table; see sched.h. */
#include "sched.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "buf.h"
#include "dict.h"
#include "log.h"
#include "rand.h"

/* Scores are fixed point: 1.0 is 2^SCORE_SHIFT. A FEASIBLE-tier score may reach
 * 2.0 (total used plus a request no larger than the total), so it needs 31 bits,
 * which is what a key leaves it (see make_key). */
#define SCORE_SHIFT 29
#define SCORE_MAX   ((UINT64_C(1) << 31) - 1)
/* Key layout: [63] GPU node avoided | [62..32] score | [31..0] slot. Sorting keys
 * ranks non-GPU nodes first, then by score, then by slot; keys are distinct. */
#define KEY_GPU      (UINT64_C(1) << 63)
#define KEY_CLASS(k) ((k) >> 32) /* the GPU flag and the score: what ties compare */

/* The three resources that make a node's score, in this order everywhere. */
enum { S_CPU, S_MEM, S_OBJ, NSCORED };

/* The fixed resources, indexed like rc_res_t's first four fields. */
enum { R_CPU, R_GPU, R_MEM, R_OBJ, NFIXED };

/* What every placement reads, one per slot in an array of its own (120 bytes a
 * node, against ~200 for the full record); sync_hot copies the fixed amounts
 * from the record after every change. */
typedef struct {
    int64_t avail[NFIXED];
    int64_t total[NFIXED];
    int64_t cap[NSCORED];  /* largest used amount still within the threshold */
    double recip[NSCORED]; /* 2^SCORE_SHIFT / total; 0 when the total is 0 */
    uint32_t group;        /* interned; 0 is "no group" */
    uint8_t state;         /* rc_sched_state_t; DEAD for a free slot */
    uint8_t has_gpu;
    uint8_t pad[2];
} hot_t;

/* The full record of a slot. */
typedef struct {
    rc_res_t avail; /* custom resources included */
    rc_res_t total;
    rc_id_t id;
    char **labels; /* 2 * nlabels owned strings: key, value, key, value … */
    size_t nlabels;
    int in_use;
} snode_t;

struct rc_sched {
    rc_sched_opts_t opts;
    int64_t thr; /* spread threshold in 1/RC_RES_SCALE */
    snode_t *nodes;
    hot_t *hot;
    uint32_t nslots, capslots; /* slots ever used (high-water mark), allocated */
    uint32_t *free_slots, nfree;
    uint32_t nnodes, nlive; /* in the view; of those, not DEAD */
    uint32_t k;             /* top-k size for nlive */
    rc_dict_t *by_id;       /* 16 id bytes -> slot + 1 */
    char **groups;          /* interned group names; groups[0] = "" */
    uint32_t ngroups, capgroups;
    /* Scratch for rc_sched_place, capslots entries each, so placing never allocates. */
    uint64_t *avail_keys, *feas_keys;
    uint32_t *zeros;
    uint64_t rng;
    uint32_t cursor; /* SPREAD: the slot to try first */
};

#define GROUP_NONE UINT32_MAX /* no interned group has this id */

/* A request's selector, resolved once per placement. */
typedef struct {
    uint32_t group; /* 0 = any; GROUP_NONE for a group no node has */
    const rc_sched_label_t *labels;
    size_t nlabels;
    const char *group_name; /* for reasons */
} sel_t;

/* ---- options -------------------------------------------------------------------- */

void rc_sched_opts_default(rc_sched_opts_t *o)
{
    o->spread_threshold = 0.5;
    o->top_k_fraction = 0.2;
    o->top_k_absolute = 1;
    o->avoid_gpu_nodes = 1;
    o->seed = 0;
}

static const char *env_first(const char *a, const char *b, const char **name)
{
    const char *v = getenv(a);
    *name = a;
    if (!v && b) {
        v = getenv(b);
        *name = b;
    }
    return v;
}

static void env_unit(const char *a, const char *b, double *out)
{
    const char *name, *v = env_first(a, b, &name);
    double x;
    if (!v) return;
    if (rc_str_to_double(v, strlen(v), &x) != RC_OK || !(x >= 0.0 && x <= 1.0)) {
        rc_log_warn("sched", "ignoring %s='%.40s': expected a number from 0.0 to 1.0, using %g",
                    name, v, *out);
        return;
    }
    *out = x;
}

void rc_sched_opts_from_env(rc_sched_opts_t *o)
{
    const char *name, *v;
    env_unit("RAY_SCHEDULER_SPREAD_THRESHOLD", "RAY_scheduler_spread_threshold",
             &o->spread_threshold);
    env_unit("RAY_SCHEDULER_TOP_K_FRACTION", "RAY_scheduler_top_k_fraction", &o->top_k_fraction);
    v = env_first("RAY_SCHEDULER_TOP_K_ABSOLUTE", "RAY_scheduler_top_k_absolute", &name);
    if (v) {
        int64_t x;
        if (rc_str_to_i64(v, strlen(v), &x) != RC_OK || x < 1 || x > 1000000)
            rc_log_warn("sched",
                        "ignoring %s='%.40s': expected an integer from 1 to 1000000, using %u",
                        name, v, (unsigned)o->top_k_absolute);
        else
            o->top_k_absolute = (uint32_t)x;
    }
    v = env_first("RAY_SCHEDULER_AVOID_GPU_NODES", "RAY_scheduler_avoid_gpu_nodes", &name);
    if (v) {
        if (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0)
            o->avoid_gpu_nodes = 1;
        else if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0)
            o->avoid_gpu_nodes = 0;
        else
            rc_log_warn("sched", "ignoring %s='%.40s': expected true, false, 1 or 0, using %s",
                        name, v, o->avoid_gpu_nodes ? "true" : "false");
    }
}

/* ---- random numbers --------------------------------------------------------------- */

/* splitmix64: the scheduler's own stream, so a seed makes tests reproducible
 * whatever else the thread draws from rc_rand. */
static uint64_t rng_next(uint64_t *st)
{
    uint64_t z = (*st += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in [0, n) by multiply-shift; the bias (n / 2^64) is irrelevant here. */
static uint32_t rng_below(uint64_t *st, uint32_t n)
{
    return (uint32_t)(((unsigned __int128)rng_next(st) * n) >> 64);
}

/* ---- lifecycle -------------------------------------------------------------------- */

static double clamp_unit(double x, double dflt)
{
    if (isnan(x)) return dflt;
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

rc_sched_t *rc_sched_new(const rc_sched_opts_t *opts)
{
    rc_sched_t *s = rc_calloc(1, sizeof(*s));
    if (opts)
        s->opts = *opts;
    else
        rc_sched_opts_default(&s->opts);
    s->opts.spread_threshold = clamp_unit(s->opts.spread_threshold, 0.5);
    s->opts.top_k_fraction = clamp_unit(s->opts.top_k_fraction, 0.2);
    if (s->opts.top_k_absolute < 1) s->opts.top_k_absolute = 1;
    s->opts.avoid_gpu_nodes = s->opts.avoid_gpu_nodes != 0;
    s->thr = rc_res_from_double(s->opts.spread_threshold);
    s->rng = s->opts.seed ? s->opts.seed : rc_rand_u64();
    s->by_id = rc_dict_new(NULL);
    s->capgroups = 4;
    s->groups = rc_malloc(s->capgroups * sizeof(*s->groups));
    s->groups[0] = rc_strdup("");
    s->ngroups = 1;
    s->k = s->opts.top_k_absolute;
    return s;
}

static void free_labels(snode_t *n)
{
    for (size_t i = 0; i < 2 * n->nlabels; i++) rc_free(n->labels[i]);
    rc_free(n->labels);
    n->labels = NULL;
    n->nlabels = 0;
}

void rc_sched_free(rc_sched_t *s)
{
    if (!s) return;
    for (uint32_t i = 0; i < s->nslots; i++) {
        rc_res_free(&s->nodes[i].avail);
        rc_res_free(&s->nodes[i].total);
        free_labels(&s->nodes[i]);
    }
    for (uint32_t i = 0; i < s->ngroups; i++) rc_free(s->groups[i]);
    rc_free(s->groups);
    rc_dict_free(s->by_id);
    rc_free(s->nodes);
    rc_free(s->hot);
    rc_free(s->free_slots);
    rc_free(s->avail_keys);
    rc_free(s->feas_keys);
    rc_free(s->zeros);
    rc_free(s);
}

const rc_sched_opts_t *rc_sched_opts(const rc_sched_t *s)
{
    return &s->opts;
}

/* ---- the view ----------------------------------------------------------------------- */

static void recount(rc_sched_t *s)
{
    double k = floor((double)s->nlive * s->opts.top_k_fraction);
    s->k = k > (double)s->opts.top_k_absolute ? (uint32_t)k : s->opts.top_k_absolute;
}

static void set_state(rc_sched_t *s, uint32_t slot, rc_sched_state_t st)
{
    hot_t *h = &s->hot[slot];
    if (h->state != RC_SCHED_DEAD) s->nlive--;
    h->state = (uint8_t)st;
    if (st != RC_SCHED_DEAD) s->nlive++;
    recount(s);
}

static void sync_avail(rc_sched_t *s, uint32_t slot)
{
    const rc_res_t *a = &s->nodes[slot].avail;
    int64_t *h = s->hot[slot].avail;
    h[R_CPU] = a->cpu;
    h[R_GPU] = a->gpu;
    h[R_MEM] = a->memory;
    h[R_OBJ] = a->object_store_memory;
}

/* Precomputes what scoring needs from the totals, so a placement only multiplies
 * and compares. */
static void derive(rc_sched_t *s, uint32_t slot)
{
    const rc_res_t *tr = &s->nodes[slot].total;
    hot_t *h = &s->hot[slot];
    const int64_t t[NSCORED] = {tr->cpu, tr->memory, tr->object_store_memory};
    for (int i = 0; i < NSCORED; i++) {
        if (t[i] <= 0) {
            h->cap[i] = INT64_MAX; /* never limits */
            h->recip[i] = 0;       /* never scores */
            continue;
        }
        h->cap[i] = (int64_t)(((__int128)t[i] * s->thr) / RC_RES_SCALE);
        h->recip[i] = (double)(UINT64_C(1) << SCORE_SHIFT) / (double)t[i];
    }
    h->total[R_CPU] = tr->cpu;
    h->total[R_GPU] = tr->gpu;
    h->total[R_MEM] = tr->memory;
    h->total[R_OBJ] = tr->object_store_memory;
    h->has_gpu = tr->gpu > 0;
    sync_avail(s, slot);
}

/* Clamps a to t in place: amounts above the total come down to it, resources
 * the node lacks are dropped (a report cannot create capacity). */
static void clamp_to_total(rc_res_t *a, const rc_res_t *t)
{
    if (a->cpu > t->cpu) a->cpu = t->cpu;
    if (a->gpu > t->gpu) a->gpu = t->gpu;
    if (a->memory > t->memory) a->memory = t->memory;
    if (a->object_store_memory > t->object_store_memory)
        a->object_store_memory = t->object_store_memory;
    size_t k = 0;
    for (size_t i = 0; i < a->ncustom; i++) {
        int64_t cap = rc_res_get(t, a->custom[i].name);
        if (a->custom[i].amount > cap) a->custom[i].amount = cap;
        if (a->custom[i].amount > 0) a->custom[k++] = a->custom[i];
    }
    a->ncustom = k;
}

static uint32_t intern_group(rc_sched_t *s, const char *g)
{
    if (!g || !*g) return 0;
    for (uint32_t i = 1; i < s->ngroups; i++)
        if (strcmp(s->groups[i], g) == 0) return i;
    if (s->ngroups == s->capgroups) {
        s->capgroups *= 2;
        s->groups = rc_realloc(s->groups, s->capgroups * sizeof(*s->groups));
    }
    s->groups[s->ngroups] = rc_strdup(g);
    return s->ngroups++;
}

static void grow_slots(rc_sched_t *s)
{
    uint32_t cap = s->capslots ? s->capslots * 2 : 16;
    s->nodes = rc_realloc(s->nodes, cap * sizeof(*s->nodes));
    memset(s->nodes + s->capslots, 0, (cap - s->capslots) * sizeof(*s->nodes));
    s->hot = rc_realloc(s->hot, cap * sizeof(*s->hot));
    memset(s->hot + s->capslots, 0, (cap - s->capslots) * sizeof(*s->hot));
    s->free_slots = rc_realloc(s->free_slots, cap * sizeof(*s->free_slots));
    s->avail_keys = rc_realloc(s->avail_keys, cap * sizeof(*s->avail_keys));
    s->feas_keys = rc_realloc(s->feas_keys, cap * sizeof(*s->feas_keys));
    s->zeros = rc_realloc(s->zeros, cap * sizeof(*s->zeros));
    s->capslots = cap;
}

static uint32_t take_slot(rc_sched_t *s)
{
    if (s->nfree) return s->free_slots[--s->nfree];
    if (s->nslots == s->capslots) grow_slots(s);
    snode_t *n = &s->nodes[s->nslots];
    rc_res_init(&n->avail);
    rc_res_init(&n->total);
    s->hot[s->nslots].state = RC_SCHED_DEAD;
    return s->nslots++;
}

static snode_t *slot_node(const rc_sched_t *s, uint32_t slot)
{
    if (slot >= s->nslots || !s->nodes[slot].in_use) return NULL;
    return &s->nodes[slot];
}

uint32_t rc_sched_node_find(const rc_sched_t *s, const rc_id_t *id)
{
    rc_dict_entry_t *e = rc_dict_find(s->by_id, id->b, sizeof(id->b));
    return e ? (uint32_t)((uintptr_t)e->val - 1) : RC_SCHED_NONE;
}

rc_err_t rc_sched_node_set(rc_sched_t *s, const rc_sched_node_info_t *info, uint32_t *slot_out)
{
    if (!info || rc_id_is_nil(&info->id) || !info->total) return RC_EINVAL;
    if ((unsigned)info->state > RC_SCHED_DEAD) return RC_EINVAL;
    if (info->nlabels && !info->labels) return RC_EINVAL;
    for (size_t i = 0; i < info->nlabels; i++)
        if (!info->labels[i].key || !info->labels[i].value) return RC_EINVAL;

    uint32_t slot = rc_sched_node_find(s, &info->id);
    if (slot == RC_SCHED_NONE) {
        slot = take_slot(s);
        rc_dict_add(s->by_id, info->id.b, sizeof(info->id.b), (void *)(uintptr_t)(slot + 1));
        snode_t *fresh = &s->nodes[slot];
        fresh->in_use = 1;
        fresh->id = info->id;
        s->hot[slot].state = RC_SCHED_DEAD; /* set_state below counts it */
        s->nnodes++;
    }
    snode_t *n = &s->nodes[slot];
    rc_res_copy(&n->total, info->total);
    rc_res_copy(&n->avail, info->available ? info->available : info->total);
    clamp_to_total(&n->avail, &n->total);
    derive(s, slot);
    s->hot[slot].group = intern_group(s, info->group);
    free_labels(n);
    if (info->nlabels) {
        n->labels = rc_malloc(2 * info->nlabels * sizeof(*n->labels));
        for (size_t i = 0; i < info->nlabels; i++) {
            n->labels[2 * i] = rc_strdup(info->labels[i].key);
            n->labels[2 * i + 1] = rc_strdup(info->labels[i].value);
        }
        n->nlabels = info->nlabels;
    }
    set_state(s, slot, info->state);
    if (slot_out) *slot_out = slot;
    return RC_OK;
}

rc_err_t rc_sched_node_set_available(rc_sched_t *s, uint32_t slot, const rc_res_t *available)
{
    snode_t *n = slot_node(s, slot);
    if (!n || !available) return RC_EINVAL;
    rc_res_copy(&n->avail, available);
    clamp_to_total(&n->avail, &n->total);
    sync_avail(s, slot);
    return RC_OK;
}

rc_err_t rc_sched_node_set_state(rc_sched_t *s, uint32_t slot, rc_sched_state_t state)
{
    snode_t *n = slot_node(s, slot);
    if (!n || (unsigned)state > RC_SCHED_DEAD) return RC_EINVAL;
    set_state(s, slot, state);
    return RC_OK;
}

rc_err_t rc_sched_node_remove(rc_sched_t *s, const rc_id_t *id)
{
    uint32_t slot = rc_sched_node_find(s, id);
    if (slot == RC_SCHED_NONE) return RC_ENOTFOUND;
    snode_t *n = &s->nodes[slot];
    set_state(s, slot, RC_SCHED_DEAD);
    rc_dict_delete(s->by_id, id->b, sizeof(id->b));
    /* Keep the custom arrays' capacity for the next node in this slot. */
    n->avail.ncustom = 0;
    n->total.ncustom = 0;
    n->avail.cpu = n->avail.gpu = n->avail.memory = n->avail.object_store_memory = 0;
    n->total.cpu = n->total.gpu = n->total.memory = n->total.object_store_memory = 0;
    derive(s, slot);
    free_labels(n);
    n->in_use = 0;
    n->id = RC_ID_NIL;
    s->free_slots[s->nfree++] = slot;
    s->nnodes--;
    return RC_OK;
}

size_t rc_sched_node_count(const rc_sched_t *s)
{
    return s->nnodes;
}

const rc_res_t *rc_sched_node_total(const rc_sched_t *s, uint32_t slot)
{
    snode_t *n = slot_node(s, slot);
    return n ? &n->total : NULL;
}

const rc_res_t *rc_sched_node_available(const rc_sched_t *s, uint32_t slot)
{
    snode_t *n = slot_node(s, slot);
    return n ? &n->avail : NULL;
}

rc_id_t rc_sched_node_id(const rc_sched_t *s, uint32_t slot)
{
    snode_t *n = slot_node(s, slot);
    return n ? n->id : RC_ID_NIL;
}

rc_sched_state_t rc_sched_node_state(const rc_sched_t *s, uint32_t slot)
{
    snode_t *n = slot_node(s, slot);
    return n ? (rc_sched_state_t)s->hot[slot].state : RC_SCHED_DEAD;
}

rc_err_t rc_sched_acquire(rc_sched_t *s, uint32_t slot, const rc_res_t *res)
{
    snode_t *n = slot_node(s, slot);
    if (!n || !res) return RC_EINVAL;
    rc_err_t err = rc_res_sub(&n->avail, res);
    if (err == RC_OK) sync_avail(s, slot);
    return err;
}

rc_err_t rc_sched_release(rc_sched_t *s, uint32_t slot, const rc_res_t *res)
{
    snode_t *n = slot_node(s, slot);
    if (!n || !res) return RC_EINVAL;
    if (rc_res_add(&n->avail, res) != RC_OK) rc_res_copy(&n->avail, &n->total);
    clamp_to_total(&n->avail, &n->total);
    sync_avail(s, slot);
    return RC_OK;
}

/* ---- placement -------------------------------------------------------------------- */

const char *rc_sched_kind_name(rc_sched_kind_t k)
{
    switch (k) {
    case RC_SCHED_AVAILABLE: return "AVAILABLE";
    case RC_SCHED_FEASIBLE: return "FEASIBLE";
    case RC_SCHED_INFEASIBLE: return "INFEASIBLE";
    case RC_SCHED_FAILED: return "FAILED";
    }
    return "UNKNOWN";
}

/* rc_res_fits with the four fixed fields read from the hot array: the common
 * request has no custom resources, and this runs once or twice per node per
 * placement. */
static inline int fits_fixed(const rc_res_t *r, const int64_t have[NFIXED])
{
    return (r->cpu <= have[R_CPU]) & (r->gpu <= have[R_GPU]) & (r->memory <= have[R_MEM]) &
           (r->object_store_memory <= have[R_OBJ]);
}

static inline int fits_avail(const rc_sched_t *s, uint32_t i, const rc_res_t *r)
{
    return fits_fixed(r, s->hot[i].avail) && (!r->ncustom || rc_res_fits(r, &s->nodes[i].avail));
}

static inline int fits_total(const rc_sched_t *s, uint32_t i, const rc_res_t *r)
{
    return fits_fixed(r, s->hot[i].total) && (!r->ncustom || rc_res_fits(r, &s->nodes[i].total));
}

static int labels_match(const snode_t *n, const sel_t *sel)
{
    for (size_t i = 0; i < sel->nlabels; i++) {
        size_t j = 0;
        while (j < n->nlabels && strcmp(n->labels[2 * j], sel->labels[i].key) != 0) j++;
        if (j == n->nlabels || strcmp(n->labels[2 * j + 1], sel->labels[i].value) != 0) return 0;
    }
    return 1;
}

static inline int eligible(const rc_sched_t *s, uint32_t i, const sel_t *sel)
{
    const hot_t *h = &s->hot[i];
    return h->state == RC_SCHED_ALIVE && (!sel->group || h->group == sel->group) &&
           (!sel->nlabels || labels_match(&s->nodes[i], sel));
}

/* The node's utilisation after placing a request of (cpu, mem, obj), as a
 * fixed-point score; 0 when every scored resource stays within the threshold
 * (an exact integer test). used >= 0 because available never exceeds total
 * (clamp_to_total) and request amounts are never negative (res.h). The ranking
 * multiplies by a per-node reciprocal in double: no division per placement,
 * and cheaper than three 128-bit integer multiplies. */
static inline uint64_t score3(const hot_t *h, int64_t cpu, int64_t mem, int64_t obj)
{
    const int64_t u0 = h->total[R_CPU] - h->avail[R_CPU] + cpu;
    const int64_t u1 = h->total[R_MEM] - h->avail[R_MEM] + mem;
    const int64_t u2 = h->total[R_OBJ] - h->avail[R_OBJ] + obj;
    if ((u0 <= h->cap[S_CPU]) & (u1 <= h->cap[S_MEM]) & (u2 <= h->cap[S_OBJ])) return 0;
    const double a = (double)u0 * h->recip[S_CPU];
    const double b = (double)u1 * h->recip[S_MEM];
    const double c = (double)u2 * h->recip[S_OBJ];
    double best = a > b ? a : b;
    best = best > c ? best : c;
    best = best < (double)SCORE_MAX ? best : (double)SCORE_MAX;
    return (uint64_t)(int64_t)best; /* a signed conversion is one instruction */
}

static inline uint64_t score(const hot_t *h, const rc_res_t *r)
{
    return score3(h, r->cpu, r->memory, r->object_store_memory);
}

static inline uint64_t make_key(uint64_t flag, uint64_t sc, uint32_t slot)
{
    return flag | (sc << 32) | slot;
}

static void swap_u64(uint64_t *a, uint64_t *b)
{
    uint64_t t = *a;
    *a = *b;
    *b = t;
}

/* The r-th smallest of a[0..n) (0-based), reordering a: quickselect with a
 * median-of-three pivot, expected O(n). Keys are distinct. */
static uint64_t select_nth(uint64_t *a, uint32_t n, uint32_t r)
{
    uint32_t lo = 0, hi = n - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap_u64(&a[mid], &a[lo]);
        if (a[hi] < a[lo]) swap_u64(&a[hi], &a[lo]);
        if (a[mid] < a[hi]) swap_u64(&a[mid], &a[hi]); /* a[hi]: the median of three */
        const uint64_t pivot = a[hi];
        uint32_t store = lo;
        /* Branch-free Lomuto: swap always, advance only past smaller keys (a
         * mispredicted branch per key would cost more than the swap). */
        for (uint32_t i = lo; i < hi; i++) {
            const uint64_t x = a[i];
            a[i] = a[store];
            a[store] = x;
            store += x < pivot;
        }
        swap_u64(&a[store], &a[hi]);
        if (r == store) return a[r];
        if (r < store)
            hi = store - 1;
        else
            lo = store + 1;
    }
    return a[lo];
}

static void found(const rc_sched_t *s, rc_sched_result_t *out, rc_sched_kind_t kind, uint32_t slot)
{
    out->kind = kind;
    out->slot = slot;
    out->node_id = s->nodes[slot].id;
    out->reason[0] = '\0';
}

static void describe_sel(const sel_t *sel, rc_buf_t *b)
{
    if (sel->group_name) rc_buf_printf(b, " in group '%s'", sel->group_name);
    for (size_t i = 0; i < sel->nlabels; i++)
        rc_buf_printf(b, "%s%s=%s", i ? "," : " with labels ", sel->labels[i].key,
                      sel->labels[i].value);
}

/* "<amount> <name>", e.g. "64 CPU", "1.50 GiB memory". */
static void append_amount(rc_buf_t *b, int field, const char *name, int64_t amount)
{
    if (field == 2 || field == 3) {
        rc_res_t one = RC_RES_INIT;
        rc_buf_t tmp;
        rc_buf_init(&tmp);
        if (field == 2)
            one.memory = amount;
        else
            one.object_store_memory = amount;
        rc_res_format(&one, &tmp);
        const char *colon = memchr(tmp.data, ':', tmp.len);
        size_t skip = colon ? (size_t)(colon - tmp.data) + 2 : 0;
        if (skip <= tmp.len) rc_buf_append(b, tmp.data + skip, tmp.len - skip);
        rc_buf_free(&tmp);
    } else {
        rc_res_append_amount(b, amount);
    }
    rc_buf_printf(b, " %s", name);
}

static void set_reason(rc_sched_result_t *out, rc_sched_kind_t kind, rc_buf_t *b)
{
    out->kind = kind;
    out->slot = RC_SCHED_NONE;
    out->node_id = RC_ID_NIL;
    snprintf(out->reason, sizeof(out->reason), "%.*s", (int)b->len, b->data ? b->data : "");
    rc_buf_free(b);
}

/* Appends the rest of "no node has …" / "node X has …" for one resource. */
static void explain(rc_buf_t *b, int one_node, int field, const char *name, int64_t want,
                    int64_t have)
{
    if (one_node) {
        rc_buf_append_str(b, " has ");
        if (have)
            append_amount(b, field, name, have);
        else
            rc_buf_printf(b, "no %s", name);
        rc_buf_append_str(b, "; the task needs ");
        append_amount(b, field, name, want);
        rc_buf_append_str(b, ": it can never run there");
    } else if (have == 0) {
        rc_buf_printf(b, " has resource '%s': add a node that provides it", name);
    } else {
        rc_buf_append_str(b, " has ");
        append_amount(b, field, name, want);
        rc_buf_append_str(b, "; the largest has ");
        append_amount(b, field, name, have);
        rc_buf_append_str(b, ": add a node with enough resources");
    }
}

/* Explains why no ALIVE node matching sel (or, with only != NONE, that node)
 * can ever hold r: the first resource that exceeds the largest total, or that
 * no single node has all of them at once. The slow path: only for INFEASIBLE. */
static void infeasible(const rc_sched_t *s, const rc_res_t *r, const sel_t *sel, uint32_t only,
                       rc_sched_result_t *out)
{
    rc_buf_t b;
    rc_buf_init(&b);
    int64_t maxf[4] = {0, 0, 0, 0};
    size_t nmatch = 0, nalive = 0;
    for (uint32_t i = 0; i < s->nslots; i++) {
        const snode_t *n = &s->nodes[i];
        if (s->hot[i].state != RC_SCHED_ALIVE) continue;
        nalive++;
        if (only != RC_SCHED_NONE ? i != only : !eligible(s, i, sel)) continue;
        nmatch++;
        const int64_t f[4] = {n->total.cpu, n->total.gpu, n->total.memory,
                              n->total.object_store_memory};
        for (int j = 0; j < 4; j++)
            if (f[j] > maxf[j]) maxf[j] = f[j];
    }
    if (only != RC_SCHED_NONE) {
        char hex[RC_ID_HEX_LEN + 1];
        rc_id_to_hex(&s->nodes[only].id, hex);
        rc_buf_printf(&b, "node %s", hex);
    } else {
        rc_buf_append_str(&b, "no node");
        describe_sel(sel, &b);
    }
    if (nalive == 0) {
        rc_buf_clear(&b);
        rc_buf_append_str(&b, "no alive node in the cluster: start a worker node "
                              "(rayc start --address=HEAD:6379)");
        set_reason(out, RC_SCHED_INFEASIBLE, &b);
        return;
    }
    if (nmatch == 0) {
        rc_buf_clear(&b);
        rc_buf_append_str(&b, "no alive node matches the selector");
        describe_sel(sel, &b);
        rc_buf_append_str(&b, ": add such a node or change the selector");
        set_reason(out, RC_SCHED_INFEASIBLE, &b);
        return;
    }
    const int64_t want[4] = {r->cpu, r->gpu, r->memory, r->object_store_memory};
    static const char *const names[4] = {"CPU", "GPU", "memory", "object_store_memory"};
    for (int j = 0; j < 4; j++) {
        if (want[j] > maxf[j]) {
            explain(&b, only != RC_SCHED_NONE, j, names[j], want[j], maxf[j]);
            set_reason(out, RC_SCHED_INFEASIBLE, &b);
            return;
        }
    }
    for (size_t c = 0; c < r->ncustom; c++) {
        const char *name = r->custom[c].name;
        int64_t best = 0;
        for (uint32_t i = 0; i < s->nslots; i++) {
            if (s->hot[i].state != RC_SCHED_ALIVE) continue;
            if (only != RC_SCHED_NONE ? i != only : !eligible(s, i, sel)) continue;
            int64_t have = rc_res_get(&s->nodes[i].total, name);
            if (have > best) best = have;
        }
        if (r->custom[c].amount > best) {
            explain(&b, only != RC_SCHED_NONE, -1, name, r->custom[c].amount, best);
            set_reason(out, RC_SCHED_INFEASIBLE, &b);
            return;
        }
    }
    /* Every resource fits some node, but no single node fits them all. */
    rc_buf_clear(&b);
    rc_buf_append_str(&b, "no single node");
    describe_sel(sel, &b);
    rc_buf_append_str(&b, " has all of ");
    rc_res_format(r, &b);
    rc_buf_append_str(&b, " at once: add a node with enough resources");
    set_reason(out, RC_SCHED_INFEASIBLE, &b);
}

/* DEFAULT: Ray's hybrid policy (sched.h, points 2-5). */
static void place_hybrid(rc_sched_t *s, const rc_res_t *r, const sel_t *sel, uint32_t local,
                         rc_sched_result_t *out)
{
    const uint64_t gpu_flag = s->opts.avoid_gpu_nodes && r->gpu == 0 ? KEY_GPU : 0;
    uint64_t local_key = UINT64_MAX;
    int local_tier = 0; /* 1: available, 2: feasible */

    if (local != RC_SCHED_NONE && eligible(s, local, sel)) {
        const hot_t *h = &s->hot[local];
        if (fits_avail(s, local, r)) {
            local_tier = 1;
            local_key = make_key(h->has_gpu ? gpu_flag : 0, score(h, r), local);
            /* Nothing can rank above a non-avoided node that scores 0: skip the scan. */
            if (KEY_CLASS(local_key) == 0) {
                found(s, out, RC_SCHED_AVAILABLE, local);
                return;
            }
        } else if (fits_total(s, local, r)) {
            local_tier = 2;
            local_key = make_key(0, score(h, r), local);
        }
    }

    /* The scan. Everything it reads is copied to locals first: the key arrays
     * are uint64_t, which may alias the int64_t amounts, so without this every
     * store would force the request and the bounds to be reloaded. */
    const int64_t q_cpu = r->cpu, q_gpu = r->gpu, q_mem = r->memory;
    const int64_t q_obj = r->object_store_memory;
    const int custom = r->ncustom != 0;
    const int plain_sel = !sel->group && !sel->nlabels;
    const hot_t *restrict hot = s->hot;
    uint64_t *restrict akeys = s->avail_keys;
    uint64_t *restrict fkeys = s->feas_keys;
    uint32_t *restrict zeros = s->zeros;
    const uint32_t k = s->k, nslots = s->nslots;
    uint32_t na = 0, na_plain = 0, nf = 0, nz = 0;
    uint64_t min_a = UINT64_MAX, min_f = UINT64_MAX;
    for (uint32_t i = 0; i < nslots; i++) {
        const hot_t *h = &hot[i];
        if (h->state != RC_SCHED_ALIVE) continue;
        if (!plain_sel && !eligible(s, i, sel)) continue;
        if ((q_cpu <= h->avail[R_CPU]) & (q_gpu <= h->avail[R_GPU]) & (q_mem <= h->avail[R_MEM]) &
                (q_obj <= h->avail[R_OBJ]) &&
            (!custom || rc_res_fits(r, &s->nodes[i].avail))) {
            const uint64_t sc = score3(h, q_cpu, q_mem, q_obj);
            const uint64_t key = make_key(h->has_gpu ? gpu_flag : 0, sc, i);
            akeys[na++] = key;
            min_a = key < min_a ? key : min_a;
            na_plain += !(key & KEY_GPU);
            if (KEY_CLASS(key) == 0) {
                /* Zero-class keys arrive in slot order, which is their rank: the
                 * first k of them are the top k, whatever the rest of the scan finds. */
                zeros[nz++] = i;
                if (nz == k) {
                    found(s, out, RC_SCHED_AVAILABLE, zeros[rng_below(&s->rng, k)]);
                    return;
                }
            }
        } else if (na == 0 && fits_total(s, i, r)) {
            const uint64_t key = make_key(0, score3(h, q_cpu, q_mem, q_obj), i);
            fkeys[nf++] = key;
            min_f = key < min_f ? key : min_f;
        }
    }

    uint64_t *keys;
    uint32_t n, pick;
    uint64_t best;
    rc_sched_kind_t kind;
    if (na) {
        kind = RC_SCHED_AVAILABLE;
        keys = s->avail_keys;
        n = na;
        best = min_a;
        /* With GPU nodes avoided, the top k come from the non-GPU nodes alone
         * whenever there is one (they sort first). */
        pick = gpu_flag && na_plain ? na_plain : na;
        if (local_tier != 1) local_key = UINT64_MAX;
    } else if (nf) {
        kind = RC_SCHED_FEASIBLE;
        keys = s->feas_keys;
        n = nf;
        best = min_f;
        pick = nf;
        if (local_tier != 2) local_key = UINT64_MAX;
    } else {
        infeasible(s, r, sel, RC_SCHED_NONE, out);
        return;
    }
    if (local_key != UINT64_MAX && KEY_CLASS(local_key) <= KEY_CLASS(best)) {
        found(s, out, kind, local);
        return;
    }
    if (pick > k) pick = k;
    uint64_t key = pick == 1 ? best : select_nth(keys, n, rng_below(&s->rng, pick));
    found(s, out, kind, (uint32_t)key);
}

/* SPREAD: round-robin from the cursor, available first, then feasible. */
static void place_spread(rc_sched_t *s, const rc_res_t *r, const sel_t *sel, rc_sched_result_t *out)
{
    if (s->cursor >= s->nslots) s->cursor = 0;
    for (int tier = 0; tier < 2; tier++) {
        uint32_t j = s->cursor;
        for (uint32_t i = 0; i < s->nslots; i++, j = j + 1 == s->nslots ? 0 : j + 1) {
            if (!eligible(s, j, sel) || !(tier == 0 ? fits_avail(s, j, r) : fits_total(s, j, r)))
                continue;
            s->cursor = j + 1 == s->nslots ? 0 : j + 1;
            found(s, out, tier == 0 ? RC_SCHED_AVAILABLE : RC_SCHED_FEASIBLE, j);
            return;
        }
    }
    infeasible(s, r, sel, RC_SCHED_NONE, out);
}

static void place_affinity(rc_sched_t *s, const rc_sched_request_t *req, const rc_res_t *r,
                           const sel_t *sel, uint32_t local, rc_sched_result_t *out)
{
    uint32_t t = rc_sched_node_find(s, &req->affinity_node);
    const hot_t *n = t != RC_SCHED_NONE ? &s->hot[t] : NULL;
    if (req->affinity_soft) {
        if (n && eligible(s, t, sel) && fits_avail(s, t, r)) {
            found(s, out, RC_SCHED_AVAILABLE, t);
            return;
        }
        place_hybrid(s, r, sel, local, out);
        return;
    }
    char hex[RC_ID_HEX_LEN + 1];
    rc_id_to_hex(&req->affinity_node, hex);
    rc_buf_t b;
    rc_buf_init(&b);
    if (!n || n->state == RC_SCHED_DEAD) {
        rc_buf_printf(&b,
                      "node %s %s: a task with hard node affinity can only run there (use "
                      "soft affinity to allow other nodes)",
                      hex, n ? "is dead" : "is not in the cluster");
        set_reason(out, RC_SCHED_FAILED, &b);
        return;
    }
    if (n->state == RC_SCHED_DRAINING) {
        rc_buf_printf(&b, "node %s is draining and takes no new work", hex);
        set_reason(out, RC_SCHED_INFEASIBLE, &b);
        return;
    }
    if (!eligible(s, t, sel)) {
        rc_buf_printf(&b, "node %s does not match the selector", hex);
        describe_sel(sel, &b);
        rc_buf_append_str(&b, ": it can never run there");
        set_reason(out, RC_SCHED_INFEASIBLE, &b);
        return;
    }
    rc_buf_free(&b);
    if (fits_avail(s, t, r)) {
        found(s, out, RC_SCHED_AVAILABLE, t);
        return;
    }
    if (fits_total(s, t, r)) {
        found(s, out, RC_SCHED_FEASIBLE, t);
        return;
    }
    infeasible(s, r, sel, t, out);
}

rc_err_t rc_sched_place(rc_sched_t *s, const rc_sched_request_t *req, rc_sched_result_t *out)
{
    static const rc_res_t nothing = RC_RES_INIT;
    const rc_res_t *r = req->res ? req->res : &nothing;
    sel_t sel = {0, req->labels, req->nlabels, NULL};
    rc_buf_t b;

    if (req->nlabels && !req->labels) goto bad_labels;
    for (size_t i = 0; i < req->nlabels; i++)
        if (!req->labels[i].key || !req->labels[i].value) goto bad_labels;
    if (req->group && *req->group) {
        sel.group_name = req->group;
        sel.group = GROUP_NONE; /* unless found: then eligible() matches no node */
        for (uint32_t i = 1; i < s->ngroups; i++)
            if (strcmp(s->groups[i], req->group) == 0) sel.group = i;
    }
    uint32_t local =
        rc_id_is_nil(&req->local_node) ? RC_SCHED_NONE : rc_sched_node_find(s, &req->local_node);

    switch (req->strategy) {
    case RC_SCHED_DEFAULT: place_hybrid(s, r, &sel, local, out); return RC_OK;
    case RC_SCHED_SPREAD: place_spread(s, r, &sel, out); return RC_OK;
    case RC_SCHED_NODE_AFFINITY: place_affinity(s, req, r, &sel, local, out); return RC_OK;
    default:
        rc_buf_init(&b);
        rc_buf_printf(&b, "unknown scheduling strategy %d", (int)req->strategy);
        set_reason(out, RC_SCHED_INFEASIBLE, &b);
        return RC_EINVAL;
    }

bad_labels:
    rc_buf_init(&b);
    rc_buf_append_str(&b, "label selector entry without a key or value");
    set_reason(out, RC_SCHED_INFEASIBLE, &b);
    return RC_EINVAL;
}
