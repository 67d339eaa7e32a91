/* decide.h — the operator's decision: from one pass's view (view.h) and the
 * configuration, the replicas each worker group should have and the nodes to
 * drain. Pure: no I/O, no clock, so every rule is unit-tested.
 *
 * Rules (Ray's autoscaler, on Deployments):
 *  - Target replicas start at the current ones clamped to [minReplicas,
 *    maxReplicas].
 *  - Scale up: the pending and infeasible demand is bin-packed, largest shapes
 *    first, onto the free resources of ALIVE nodes and of pods requested but
 *    not registered yet (target − ALIVE nodes of the group, each with the
 *    group's whole shape). What does not fit adds nodes of the first group, in
 *    configuration order, whose shape fits the demand shape and that is below
 *    maxReplicas (then the next such group); the new nodes' leftover room takes
 *    later demand. Demand no group's shape can fit is reported once per pass
 *    as unfulfillable; demand that fits a group at maxReplicas is a no-op note.
 *  - Scale down, only in a group that is not scaling up and is within
 *    [min, max]: ALIVE nodes idle longer than idleTimeoutSeconds, longest idle
 *    first, at most down to minReplicas, skipping a node that some demand
 *    could use and a node without a pod (matched by pod name == node
 *    hostname, else the only pod with the node's IP). Nothing is removed while
 *    a pod of the group is still starting (not Ready, or not registered),
 *    because the ReplicaSet deletes starting pods before the annotated one.
 *  - Replicas above maxReplicas come down to it: pods without a node first,
 *    then the longest idle, then the least used nodes; below minReplicas go
 *    up to it.
 *  - DRAINING and DEAD nodes neither offer room nor count as registered.
 * The caller drains each victim (annotate its pod, NODE.DRAIN) before it
 * patches the replicas. */
#ifndef RC_OP_DECIDE_H
#define RC_OP_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "op_config.h"
#include "view.h"

typedef struct {
    char node_id[RC_ID_HEX_LEN + 1]; /* "" when the pod has no registered node */
    char *pod;                       /* owned */
    char *node_name;                 /* owned; "" when no node */
    int64_t idle_ms;
} rc_op_victim_t;

typedef struct {
    const char *msg; /* "scale-up", "scale-down", "clamp"; NULL: replicas stay */
    int64_t from, to;
    char *reason;            /* owned; NULL when msg is */
    rc_op_victim_t *victims; /* to drain before patching (scale-down, clamp down) */
    size_t nvictims;
} rc_op_group_plan_t;

/* Something the decision could not do, or chose not to. key names the
 * situation without the counts in reason ("at-max {CPU: 1}", "starting"), so
 * the caller can log a lasting situation once instead of every pass. */
typedef struct {
    const char *level; /* "info" or "warn" */
    const char *msg;   /* "no-op" or "unfulfillable" */
    int group;         /* index of the group it is about, -1 for none */
    char *key;         /* owned */
    char *reason;      /* owned */
} rc_op_note_t;

typedef struct {
    rc_op_group_plan_t *groups; /* one per configured group */
    size_t ngroups;
    rc_op_note_t *notes;
    size_t nnotes;
} rc_op_plan_t;

/* view must be complete (rc_op_view_complete). out is filled; free it with
 * rc_op_plan_free. */
void rc_op_decide(const rc_op_config_t *cfg, const rc_op_view_t *view, rc_op_plan_t *out);
void rc_op_plan_free(rc_op_plan_t *p);

/* The node shape of group gi (shape.h): the configured amounts, completed from
 * the resources_total of an ALIVE node of the group. Returns 1 when the shape
 * can be used to add nodes (its CPU amount is known), 0 otherwise. out is
 * initialised by the call. */
int rc_op_group_shape(const rc_op_config_t *cfg, size_t gi, const rc_op_view_t *view,
                      rc_res_t *out);

/* Index of the pod in g that runs node n: the non-terminating pod named like
 * the node's hostname (--node-name), else the only pod whose IP is the node's
 * when no node of the view claims that pod by name; -1 when none. */
int rc_op_pod_of(const rc_op_view_t *view, const rc_op_group_obs_t *g, const rc_op_node_t *n);

#endif
