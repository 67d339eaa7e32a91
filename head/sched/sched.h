/* sched.h — task placement: Ray's hybrid scheduling policy as a pure module.
 *
 * Owns: the scheduler's view of the cluster — one slot per node with its id,
 * worker group, labels, total and available resources and state — plus the
 * policy's options, its private random generator and the SPREAD cursor.
 *
 * Contract:
 * - The caller (the task plane) keeps the view current: rc_sched_node_set when a
 *   node registers or changes, rc_sched_node_set_available on every resource
 *   report, rc_sched_acquire / rc_sched_release on every assignment and
 *   completion, rc_sched_node_remove (or state DEAD) when it dies.
 * - rc_sched_place only decides: it never changes resources. It does not
 *   allocate; its cost is one pass over the slots plus a partial selection
 *   (measured in tests/unit/sched/test_perf.c).
 * - Slots are small integers, stable while the node stays in the view; a removed
 *   node's slot is reused by a later node. Use ids across removals.
 * - Not thread-safe: the scheduler belongs to the head's loop thread.
 *
 * Policy (DESIGN.md "Scheduling"; Ray's HybridSchedulingPolicy):
 * 1. Only ALIVE nodes that match the request's selector (worker group, labels)
 *    are candidates; DRAINING and DEAD nodes never get work.
 * 2. Score = the node's utilisation *after* placing the task: the maximum over
 *    CPU, memory and object_store_memory (those with total > 0) of
 *    used/total. A placement that keeps every one of them at or under the
 *    spread threshold scores 0. (Ray truncates scores strictly below the
 *    threshold but scores the utilisation *before* placing; with the
 *    after-placing score, "at or under" is what makes 0.5 fill a node to exactly
 *    50% and 1.0 pack nodes completely, as Ray does for unit tasks.)
 *    The threshold test is exact (integers); the ranking score is used/total
 *    times a per-node reciprocal computed when the totals change, so no division
 *    happens per placement, kept as a 31-bit fixed-point number (2^-29 units).
 * 3. Tiers: nodes whose available resources fit (AVAILABLE); if none, nodes whose
 *    total fits (FEASIBLE: the task queues there); if none, INFEASIBLE.
 * 4. Within the tier: the local node (request.local_node) wins when its score is
 *    the best (ties count); otherwise a uniform pick among the k best, where
 *    k = max(top_k_absolute, floor(top_k_fraction * N)) and N counts every node
 *    of the view that is not DEAD (Ray counts its whole node map, which drops dead
 *    nodes), capped at the number of candidates. Equal scores rank by slot (Ray
 *    ranks them by node id): a deterministic order, so a fixed seed gives a fixed
 *    sequence.
 * 5. Avoid GPU nodes (option, default on) for a request with no GPU: first only
 *    the AVAILABLE non-GPU nodes; if there are none, every node, AVAILABLE then
 *    FEASIBLE — so a CPU task queues behind busy CPU nodes only if no GPU node is
 *    free either (Ray's two passes).
 * 6. SPREAD: round-robin over the slots from a cursor kept in the scheduler,
 *    first among nodes that fit available, then among those whose total fits.
 * 7. NODE_AFFINITY hard: only that node — AVAILABLE or FEASIBLE on it; FAILED
 *    when it is dead or unknown (Ray fails such a task); INFEASIBLE while it is
 *    draining, does not match the selector or can never fit.
 *    Soft: that node when it is ALIVE, matches and fits available; else DEFAULT.
 * 8. The selector (group, labels) filters candidates under every strategy. */
#ifndef RC_SCHED_H
#define RC_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "id.h"
#include "res.h"

#define RC_SCHED_NONE       UINT32_MAX /* "no slot" */
#define RC_SCHED_REASON_MAX 256

/* Same numbers as rc_node_state_t (head/nodes/node.h), so callers may cast. */
typedef enum {
    RC_SCHED_ALIVE = 0,
    RC_SCHED_DRAINING = 1,
    RC_SCHED_DEAD = 2,
} rc_sched_state_t;

typedef enum {
    RC_SCHED_DEFAULT = 0, /* hybrid policy */
    RC_SCHED_SPREAD = 1,
    RC_SCHED_NODE_AFFINITY = 2,
} rc_sched_strategy_t;

typedef enum {
    RC_SCHED_AVAILABLE = 0,  /* node's available resources fit: run it now */
    RC_SCHED_FEASIBLE = 1,   /* only the node's total fits: queue it there */
    RC_SCHED_INFEASIBLE = 2, /* no node can ever run it now: keep it waiting, report it */
    RC_SCHED_FAILED = 3,     /* it can never run (hard affinity to a dead node): fail it */
} rc_sched_kind_t;

typedef struct {
    double spread_threshold; /* [0, 1]; RAY_SCHEDULER_SPREAD_THRESHOLD, default 0.5 */
    double top_k_fraction;   /* [0, 1]; default 0.2 */
    uint32_t top_k_absolute; /* >= 1; default 1 */
    int avoid_gpu_nodes;     /* default 1 */
    uint64_t seed;           /* random generator seed; 0 draws one from rc_rand */
} rc_sched_opts_t;

typedef struct {
    const char *key;
    const char *value;
} rc_sched_label_t;

/* What the caller knows about a node; everything is copied. */
typedef struct {
    rc_id_t id;                     /* not nil */
    const char *group;              /* worker group; NULL or "" for none */
    const rc_sched_label_t *labels; /* nlabels entries; keys unique */
    size_t nlabels;
    const rc_res_t *total;     /* required */
    const rc_res_t *available; /* NULL means all of total */
    rc_sched_state_t state;
} rc_sched_node_info_t;

typedef struct {
    const rc_res_t *res; /* what the task needs; NULL means nothing */
    rc_sched_strategy_t strategy;
    rc_id_t affinity_node;          /* NODE_AFFINITY: the node */
    int affinity_soft;              /* NODE_AFFINITY: 1 = soft, 0 = hard */
    const char *group;              /* selector: only nodes of this worker group (NULL = any) */
    const rc_sched_label_t *labels; /* selector: nodes must carry every key=value */
    size_t nlabels;
    rc_id_t local_node; /* the submitter's node, preferred on ties; nil = none */
} rc_sched_request_t;

typedef struct {
    rc_sched_kind_t kind;
    uint32_t slot;   /* AVAILABLE / FEASIBLE: the node's slot; else RC_SCHED_NONE */
    rc_id_t node_id; /* its id; nil when there is no node */
    /* INFEASIBLE / FAILED: what is wrong and what to do, e.g. "no node has CPU: 64;
     * the largest has CPU: 8: add a node with enough resources"; "" otherwise. */
    char reason[RC_SCHED_REASON_MAX];
} rc_sched_result_t;

typedef struct rc_sched rc_sched_t;

/* Ray's defaults: threshold 0.5, top-k 0.2 / 1, avoid GPU nodes, random seed. */
void rc_sched_opts_default(rc_sched_opts_t *o);
/* Overrides o from RAY_SCHEDULER_SPREAD_THRESHOLD (or Ray's spelling
 * RAY_scheduler_spread_threshold), RAY_scheduler_top_k_fraction,
 * RAY_scheduler_top_k_absolute and RAY_scheduler_avoid_gpu_nodes (0/1/true/false).
 * An invalid or out-of-range value logs a warning and keeps o's value. */
void rc_sched_opts_from_env(rc_sched_opts_t *o);

/* A scheduler with an empty view. opts NULL means the defaults; values out of
 * range are clamped into range. */
rc_sched_t *rc_sched_new(const rc_sched_opts_t *opts);
void rc_sched_free(rc_sched_t *s);
/* The options in effect (after clamping). */
const rc_sched_opts_t *rc_sched_opts(const rc_sched_t *s);

/* Adds a node or replaces everything known about it (matched by id). *slot
 * (optional) gets its slot. Available amounts above the total are clamped to it
 * and resources the node lacks are dropped (as for rc_sched_node_set_available).
 * RC_EINVAL (view unchanged) for a nil id, a missing total, a NULL label key or
 * value, or a bad state. */
rc_err_t rc_sched_node_set(rc_sched_t *s, const rc_sched_node_info_t *info, uint32_t *slot);
/* Replaces a node's available resources (a resource report). Amounts above the
 * total are clamped to it, resources the node lacks are dropped. RC_EINVAL for
 * a free slot. */
rc_err_t rc_sched_node_set_available(rc_sched_t *s, uint32_t slot, const rc_res_t *available);
rc_err_t rc_sched_node_set_state(rc_sched_t *s, uint32_t slot, rc_sched_state_t state);
/* Forgets a node; its slot becomes free. RC_ENOTFOUND when unknown. */
rc_err_t rc_sched_node_remove(rc_sched_t *s, const rc_id_t *id);
/* The slot of a node, or RC_SCHED_NONE. */
uint32_t rc_sched_node_find(const rc_sched_t *s, const rc_id_t *id);
/* Nodes in the view (any state). */
size_t rc_sched_node_count(const rc_sched_t *s);
/* Accessors for a slot in use (NULL / nil / DEAD for a free slot). */
const rc_res_t *rc_sched_node_total(const rc_sched_t *s, uint32_t slot);
const rc_res_t *rc_sched_node_available(const rc_sched_t *s, uint32_t slot);
rc_id_t rc_sched_node_id(const rc_sched_t *s, uint32_t slot);
rc_sched_state_t rc_sched_node_state(const rc_sched_t *s, uint32_t slot);

/* Decides where the task goes; *out is always filled. RC_EINVAL (out INFEASIBLE
 * with a reason) for an unknown strategy or a NULL label key or value. */
rc_err_t rc_sched_place(rc_sched_t *s, const rc_sched_request_t *req, rc_sched_result_t *out);

/* Applies an assignment: the node's available -= res. RC_ERANGE (nothing
 * changed) when it does not fit (a FEASIBLE placement is acquired only when the
 * node starts the task); RC_EINVAL for a free slot. */
rc_err_t rc_sched_acquire(rc_sched_t *s, uint32_t slot, const rc_res_t *res);
/* Undoes one: available += res, each amount capped at the node's total (a
 * report may have lowered available meanwhile). RC_EINVAL for a free slot. */
rc_err_t rc_sched_release(rc_sched_t *s, uint32_t slot, const rc_res_t *res);

/* "AVAILABLE", "FEASIBLE", "INFEASIBLE", "FAILED". */
const char *rc_sched_kind_name(rc_sched_kind_t k);

#endif
