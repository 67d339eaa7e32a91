/* op_config.h — rayc-operator's configuration (operator.json, which the Helm
 * chart renders into a ConfigMap):
 *
 *   {"headAddress": "ray-cluster-ray-head:6379",
 *    "namespace": "syntho",            optional: the service account's namespace
 *    "periodSeconds": 5,               optional, default 5, (0, 3600]
 *    "idleTimeoutSeconds": 60,         optional, default 60, [0, 604800]
 *    "groups": [{"name": "workergroup",
 *                "deployment": "ray-cluster-ray-worker-workergroup",
 *                "minReplicas": 1,     optional, default 0
 *                "maxReplicas": 3,     required, >= minReplicas, <= 10000
 *                "rayStartParams": {"num-cpus": "2", "resources": "{\"gizmo\": 1}"},
 *                "resources": {"limits": {"cpu": "500m", "memory": "2Gi"}, "requests": {}},
 *                "podSelector": "ray.io/cluster=ray-cluster,ray.io/group=workergroup"}]}
 *
 * Parsing is pure and strict: a wrong type, a value out of range, a bad name,
 * min > max, a repeated group name or deployment, or an unknown field (a typo
 * such as "maxReplica") is an error whose text names the field, e.g.
 *   "groups[0].maxReplicas: 1 is below minReplicas (2)".
 * Each group's node shape is derived here (shape.h), so a bad quantity is a
 * configuration error too. */
#ifndef RC_OP_CONFIG_H
#define RC_OP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "res.h"

#define RC_OP_MAX_GROUPS   64
#define RC_OP_MAX_REPLICAS 10000

typedef struct {
    char *name;         /* the worker group nodes register with (--group) */
    char *deployment;   /* its Deployment */
    char *pod_selector; /* label selector of its pods */
    int64_t min_replicas, max_replicas;
    rc_res_t shape;       /* what one new pod adds (shape.h) */
    unsigned shape_known; /* RC_OP_SHAPE_* bits the spec determined */
} rc_op_group_t;

typedef struct {
    char *head_address; /* "host:port" of the head's GCS */
    char *namespace_;   /* NULL: the service account's namespace */
    int64_t period_ms;
    int64_t idle_timeout_ms;
    rc_op_group_t *groups; /* owned, in the order given (scale-up prefers earlier ones) */
    size_t ngroups;
} rc_op_config_t;

/* Parses text[0..len). On error out is empty (safe to free) and err names the
 * field. */
rc_err_t rc_op_config_parse(const char *text, size_t len, rc_op_config_t *out, char *err,
                            size_t errcap);
/* Reads and parses a file; err starts with the path. */
rc_err_t rc_op_config_load(const char *path, rc_op_config_t *out, char *err, size_t errcap);
void rc_op_config_free(rc_op_config_t *c);

/* 1 when s is a Kubernetes DNS label (namespace): 1-63 of [a-z0-9-], starting
 * and ending with a letter or digit. */
int rc_op_dns_label_valid(const char *s);
/* 1 when s is a DNS subdomain (Deployment and pod names): 1-253 characters,
 * dot-separated DNS labels. */
int rc_op_dns_subdomain_valid(const char *s);

#endif
