/* view.h — what one reconcile pass observed: the head's nodes and resource
 * demand, and each group's Deployment scale and pods.
 *
 * Owns: copies of everything it keeps (the JSON documents are freed by the
 * caller). Parsing is pure and checks every field it uses: a document that
 * lacks one, or has it of the wrong type, is an error (RC_EPROTO, the text
 * names the field), because scaling on partial data is worse than not scaling.
 *
 * Sources:
 *   CLUSTER.STATUS     pending_demand, infeasible_demand: [{"shape": {...}, "count": N}]
 *   NODE.LIST JSON     [{"node_id", "node_ip", "hostname", "group", "state",
 *                        "resources_total", "resources_available", "idle_duration_ms",
 *                        "death_reason"}]
 *   GET …/deployments/NAME/scale    spec.replicas, metadata.resourceVersion
 *   GET …/pods?labelSelector=…       items[].metadata.{name, annotations,
 *                                    deletionTimestamp}, status.{podIP, phase,
 *                                    conditions[type=Ready]} */
#ifndef RC_OP_VIEW_H
#define RC_OP_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "id.h"
#include "res.h"

typedef enum { RC_OP_NODE_ALIVE, RC_OP_NODE_DRAINING, RC_OP_NODE_DEAD } rc_op_node_state_t;

typedef struct {
    char id[RC_ID_HEX_LEN + 1];
    char *ip, *name, *group, *reason; /* owned; name is the node's hostname (--node-name) */
    rc_op_node_state_t state;
    rc_res_t total, avail;
    int64_t idle_ms; /* idle_duration_ms; 0 when busy (or a head without the field) */
} rc_op_node_t;

typedef struct {
    rc_res_t shape;
    int64_t count;
    int infeasible; /* from infeasible_demand: no ALIVE node's total fits it */
} rc_op_demand_t;

typedef struct {
    char *name, *ip; /* owned; ip "" before the pod has one */
    int ready;       /* phase Running and condition Ready True */
    int terminating; /* metadata.deletionTimestamp is set */
    int has_cost;    /* the pod-deletion-cost annotation is set */
    int64_t cost;
} rc_op_pod_t;

typedef struct {
    int64_t replicas;       /* spec.replicas of the scale subresource */
    char *resource_version; /* of the scale, for optimistic concurrency; owned */
    rc_op_pod_t *pods;      /* owned; terminating pods are kept, flagged */
    size_t npods;
    int have_scale, have_pods; /* both must be set before deciding */
} rc_op_group_obs_t;

typedef struct {
    rc_op_node_t *nodes;
    size_t nnodes;
    rc_op_demand_t *demand; /* pending entries, then infeasible ones */
    size_t ndemand;
    rc_op_group_obs_t *groups; /* one per configured group, same order */
    size_t ngroups;
    int have_status, have_nodes;
} rc_op_view_t;

#define RC_OP_DELETION_COST "controller.kubernetes.io/pod-deletion-cost"

void rc_op_view_init(rc_op_view_t *v, size_t ngroups);
void rc_op_view_free(rc_op_view_t *v);
/* 1 when every document of the pass was read (status, nodes, each scale and pod list). */
int rc_op_view_complete(const rc_op_view_t *v);

rc_err_t rc_op_view_set_status(rc_op_view_t *v, const char *json, size_t len, char *err,
                               size_t errcap);
rc_err_t rc_op_view_set_nodes(rc_op_view_t *v, const char *json, size_t len, char *err,
                              size_t errcap);
rc_err_t rc_op_view_set_scale(rc_op_view_t *v, size_t group, const char *json, size_t len,
                              char *err, size_t errcap);
rc_err_t rc_op_view_set_pods(rc_op_view_t *v, size_t group, const char *json, size_t len, char *err,
                             size_t errcap);

#endif
