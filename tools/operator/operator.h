/* operator.h — rayc-operator's reconcile loop: one pass reads the head
 * (CLUSTER.STATUS, NODE.LIST JSON) and, per worker group, the Deployment's
 * scale and pods; decides (decide.h); applies the decision through the
 * Kubernetes API and the head; logs every decision as one logfmt line and
 * posts it as a Kubernetes Event (best effort).
 *
 * Owns: the configuration, the Kubernetes client (kube.h), the head
 * connection (tools/cli's gcs_client: blocking hiredis, AUTH with
 * $RAYC_REDIS_PASSWORD), the health endpoint (health.h) and the notes logged
 * by the previous pass (a blocked no-op is logged when it starts or changes,
 * not every pass).
 *
 * Applying, per group whose replicas change:
 *   up (scale-up, clamp to minReplicas): PATCH …/deployments/D/scale
 *     {"metadata":{"resourceVersion":RV},"spec":{"replicas":N}} (merge patch);
 *     409 Conflict: read everything again and decide again (at most 3 times a pass).
 *   down (scale-down, clamp to maxReplicas): for each victim, annotate its pod
 *     with controller.kubernetes.io/pod-deletion-cost "-1000" (merge patch),
 *     then NODE.DRAIN <id> "idle for Ns: scaled down by rayc-operator" (a
 *     victim whose drain fails gets its annotation removed and stays), then
 *     PATCH the scale to replicas − drained; 409: read the scale again and
 *     patch again (the nodes are drained already, so there is no new decision).
 * Pods that carry the -1000 annotation while their node is ALIVE (a scale-down
 * that did not finish) get it removed, so the ReplicaSet never picks them by
 * mistake later.
 *
 * A pass that cannot read everything logs why and changes nothing: no scaling
 * on stale or partial data. Belongs to one thread. */
#ifndef RC_OPERATOR_H
#define RC_OPERATOR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct {
    const char *config_path;
    const char *kube_api;      /* NULL: in-cluster */
    const char *sa_dir;        /* NULL: the standard service account directory */
    const char *health_host;   /* NULL: 0.0.0.0 */
    int health_port;           /* 0: no health endpoint */
    const char *head_password; /* NULL/"": no AUTH */
} rc_operator_opts_t;

typedef struct rc_operator rc_operator_t;

/* Loads and checks the configuration, the service account and the health
 * port; err says what is wrong (naming the file or field). */
rc_err_t rc_operator_new(const rc_operator_opts_t *o, rc_operator_t **out, char *err,
                         size_t errcap);
void rc_operator_free(rc_operator_t *op);
int64_t rc_operator_period_ms(const rc_operator_t *op);
/* Port the health endpoint listens on (0 when off). */
int rc_operator_health_port(const rc_operator_t *op);
/* One reconcile pass. RC_OK when it read everything and applied its decision. */
rc_err_t rc_operator_pass(rc_operator_t *op);
/* Serves the health endpoint for up to ms milliseconds (returns early on a signal). */
void rc_operator_idle(rc_operator_t *op, int64_t ms);

#endif
