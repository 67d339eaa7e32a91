/* view.c — the documents of a pass, parsed (see view.h). */
#include "view.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "json.h"

void rc_op_view_init(rc_op_view_t *v, size_t ngroups)
{
    memset(v, 0, sizeof(*v));
    v->groups = rc_calloc(ngroups ? ngroups : 1, sizeof(*v->groups));
    v->ngroups = ngroups;
}

static void free_nodes(rc_op_view_t *v)
{
    for (size_t i = 0; i < v->nnodes; i++) {
        rc_op_node_t *n = &v->nodes[i];
        rc_free(n->ip);
        rc_free(n->name);
        rc_free(n->group);
        rc_free(n->reason);
        rc_res_free(&n->total);
        rc_res_free(&n->avail);
    }
    rc_free(v->nodes);
    v->nodes = NULL;
    v->nnodes = 0;
    v->have_nodes = 0;
}

static void free_demand(rc_op_view_t *v)
{
    for (size_t i = 0; i < v->ndemand; i++) rc_res_free(&v->demand[i].shape);
    rc_free(v->demand);
    v->demand = NULL;
    v->ndemand = 0;
    v->have_status = 0;
}

static void free_pods(rc_op_group_obs_t *g)
{
    for (size_t i = 0; i < g->npods; i++) {
        rc_free(g->pods[i].name);
        rc_free(g->pods[i].ip);
    }
    rc_free(g->pods);
    g->pods = NULL;
    g->npods = 0;
    g->have_pods = 0;
}

void rc_op_view_free(rc_op_view_t *v)
{
    if (!v) return;
    free_nodes(v);
    free_demand(v);
    for (size_t i = 0; i < v->ngroups; i++) {
        free_pods(&v->groups[i]);
        rc_free(v->groups[i].resource_version);
    }
    rc_free(v->groups);
    memset(v, 0, sizeof(*v));
}

int rc_op_view_complete(const rc_op_view_t *v)
{
    if (!v->have_status || !v->have_nodes) return 0;
    for (size_t i = 0; i < v->ngroups; i++)
        if (!v->groups[i].have_scale || !v->groups[i].have_pods) return 0;
    return 1;
}

static rc_err_t parse_doc(const char *what, const char *json, size_t len, rc_json_t **root,
                          char *err, size_t errcap)
{
    char jerr[160];
    if (rc_json_parse(json, len, root, jerr, sizeof(jerr)) != RC_OK) {
        snprintf(err, errcap, "%s is not valid JSON: %s", what, jerr);
        return RC_EPROTO;
    }
    return RC_OK;
}

/* A string member copied; NULL (and an error) when missing or not a string. */
static char *dup_str(const rc_json_t *obj, const char *key, const char *where, char *err,
                     size_t errcap)
{
    size_t len;
    const char *s = rc_json_str(rc_json_get(obj, key), &len);
    if (!s) {
        snprintf(err, errcap, "%s: \"%s\" is missing or not a string", where, key);
        return NULL;
    }
    return rc_strndup(s, len);
}

/* ---- CLUSTER.STATUS ------------------------------------------------------------------ */

static rc_err_t add_demand(rc_op_view_t *v, const rc_json_t *arr, int infeasible, char *err,
                           size_t errcap)
{
    const char *name = infeasible ? "infeasible_demand" : "pending_demand";
    char rerr[200];
    if (rc_json_type(arr) != RC_JSON_ARRAY) {
        snprintf(err, errcap, "CLUSTER.STATUS: \"%s\" is missing or not an array", name);
        return RC_EPROTO;
    }
    size_t n = rc_json_len(arr);
    v->demand = rc_realloc(v->demand, (v->ndemand + n + 1) * sizeof(*v->demand));
    for (size_t i = 0; i < n; i++) {
        const rc_json_t *e = rc_json_at(arr, i);
        rc_op_demand_t *d = &v->demand[v->ndemand];
        if (!rc_json_int(rc_json_get(e, "count"), &d->count) || d->count < 0) {
            snprintf(err, errcap, "CLUSTER.STATUS: %s[%zu].count is not a count", name, i);
            return RC_EPROTO;
        }
        if (rc_res_from_json(rc_json_get(e, "shape"), &d->shape, rerr, sizeof(rerr)) != RC_OK) {
            snprintf(err, errcap, "CLUSTER.STATUS: %s[%zu].shape: %s", name, i, rerr);
            return RC_EPROTO;
        }
        d->infeasible = infeasible;
        v->ndemand++;
        if (d->count == 0) rc_res_free(&v->demand[--v->ndemand].shape);
    }
    return RC_OK;
}

rc_err_t rc_op_view_set_status(rc_op_view_t *v, const char *json, size_t len, char *err,
                               size_t errcap)
{
    rc_json_t *root = NULL;
    free_demand(v);
    rc_err_t e = parse_doc("CLUSTER.STATUS", json, len, &root, err, errcap);
    if (e == RC_OK) e = add_demand(v, rc_json_get(root, "pending_demand"), 0, err, errcap);
    if (e == RC_OK) e = add_demand(v, rc_json_get(root, "infeasible_demand"), 1, err, errcap);
    rc_json_free(root);
    if (e != RC_OK) {
        free_demand(v);
        return e;
    }
    v->have_status = 1;
    return RC_OK;
}

/* ---- NODE.LIST JSON -------------------------------------------------------------------- */

static rc_err_t parse_node(const rc_json_t *o, size_t i, rc_op_node_t *n, char *err, size_t errcap)
{
    char where[48], rerr[200];
    rc_id_t id;
    size_t len;
    snprintf(where, sizeof(where), "NODE.LIST node %zu", i);
    const char *hex = rc_json_str(rc_json_get(o, "node_id"), &len);
    if (!hex || rc_id_from_hex(hex, len, &id) != RC_OK) {
        snprintf(err, errcap, "%s: \"node_id\" is missing or not 32 hex digits", where);
        return RC_EPROTO;
    }
    memcpy(n->id, hex, RC_ID_HEX_LEN);
    n->id[RC_ID_HEX_LEN] = '\0';
    const char *st = rc_json_str(rc_json_get(o, "state"), NULL);
    if (st && strcmp(st, "ALIVE") == 0)
        n->state = RC_OP_NODE_ALIVE;
    else if (st && strcmp(st, "DRAINING") == 0)
        n->state = RC_OP_NODE_DRAINING;
    else if (st && strcmp(st, "DEAD") == 0)
        n->state = RC_OP_NODE_DEAD;
    else {
        snprintf(err, errcap, "%s: \"state\" is missing or not ALIVE, DRAINING or DEAD", where);
        return RC_EPROTO;
    }
    if (!(n->ip = dup_str(o, "node_ip", where, err, errcap)) ||
        !(n->name = dup_str(o, "hostname", where, err, errcap)) ||
        !(n->group = dup_str(o, "group", where, err, errcap)))
        return RC_EPROTO;
    const char *reason = rc_json_str(rc_json_get(o, "death_reason"), NULL);
    n->reason = rc_strdup(reason ? reason : "");
    if (rc_res_from_json(rc_json_get(o, "resources_total"), &n->total, rerr, sizeof(rerr)) !=
            RC_OK ||
        rc_res_from_json(rc_json_get(o, "resources_available"), &n->avail, rerr, sizeof(rerr)) !=
            RC_OK) {
        snprintf(err, errcap, "%s (%s): resources: %s", where, n->id, rerr);
        return RC_EPROTO;
    }
    /* A head from before idle_duration_ms: never idle, so never scaled down. */
    const rc_json_t *idle = rc_json_get(o, "idle_duration_ms");
    n->idle_ms = 0;
    if (idle && (!rc_json_int(idle, &n->idle_ms) || n->idle_ms < 0)) {
        snprintf(err, errcap, "%s (%s): \"idle_duration_ms\" is not a duration", where, n->id);
        return RC_EPROTO;
    }
    return RC_OK;
}

rc_err_t rc_op_view_set_nodes(rc_op_view_t *v, const char *json, size_t len, char *err,
                              size_t errcap)
{
    rc_json_t *root = NULL;
    free_nodes(v);
    rc_err_t e = parse_doc("NODE.LIST JSON", json, len, &root, err, errcap);
    if (e != RC_OK) return e;
    if (rc_json_type(root) != RC_JSON_ARRAY) {
        snprintf(err, errcap, "NODE.LIST JSON: expected an array, got %s",
                 rc_json_type_name(rc_json_type(root)));
        rc_json_free(root);
        return RC_EPROTO;
    }
    size_t n = rc_json_len(root);
    v->nodes = rc_calloc(n ? n : 1, sizeof(*v->nodes));
    for (size_t i = 0; i < n; i++) {
        rc_op_node_t *x = &v->nodes[i];
        v->nnodes = i + 1;
        rc_res_init(&x->total);
        rc_res_init(&x->avail);
        e = parse_node(rc_json_at(root, i), i, x, err, errcap);
        if (e != RC_OK) break;
    }
    rc_json_free(root);
    if (e != RC_OK) {
        free_nodes(v);
        return e;
    }
    v->have_nodes = 1;
    return RC_OK;
}

/* ---- Kubernetes -------------------------------------------------------------------------- */

rc_err_t rc_op_view_set_scale(rc_op_view_t *v, size_t group, const char *json, size_t len,
                              char *err, size_t errcap)
{
    rc_json_t *root = NULL;
    rc_op_group_obs_t *g = &v->groups[group];
    g->have_scale = 0;
    rc_free(g->resource_version);
    g->resource_version = NULL;
    rc_err_t e = parse_doc("the scale", json, len, &root, err, errcap);
    if (e != RC_OK) return e;
    /* spec.replicas is omitted when 0 (omitempty in the API types). */
    const rc_json_t *spec = rc_json_get(root, "spec");
    const rc_json_t *r = rc_json_get(spec, "replicas");
    g->replicas = 0;
    if (rc_json_type(spec) != RC_JSON_OBJECT ||
        (r && (!rc_json_int(r, &g->replicas) || g->replicas < 0))) {
        snprintf(err, errcap, "the scale has no valid spec.replicas");
        rc_json_free(root);
        return RC_EPROTO;
    }
    const char *rv =
        rc_json_str(rc_json_get(rc_json_get(root, "metadata"), "resourceVersion"), NULL);
    g->resource_version = rv && *rv ? rc_strdup(rv) : NULL;
    rc_json_free(root);
    g->have_scale = 1;
    return RC_OK;
}

static int pod_ready(const rc_json_t *status)
{
    const char *phase = rc_json_str(rc_json_get(status, "phase"), NULL);
    if (!phase || strcmp(phase, "Running") != 0) return 0;
    const rc_json_t *conds = rc_json_get(status, "conditions");
    for (size_t i = 0; i < rc_json_len(conds); i++) {
        const rc_json_t *c = rc_json_at(conds, i);
        const char *type = rc_json_str(rc_json_get(c, "type"), NULL);
        const char *st = rc_json_str(rc_json_get(c, "status"), NULL);
        if (type && strcmp(type, "Ready") == 0) return st && strcmp(st, "True") == 0;
    }
    return 0;
}

rc_err_t rc_op_view_set_pods(rc_op_view_t *v, size_t group, const char *json, size_t len, char *err,
                             size_t errcap)
{
    rc_json_t *root = NULL;
    rc_op_group_obs_t *g = &v->groups[group];
    free_pods(g);
    rc_err_t e = parse_doc("the pod list", json, len, &root, err, errcap);
    if (e != RC_OK) return e;
    const rc_json_t *items = rc_json_get(root, "items");
    /* "items": null is how an empty list may come back. */
    if (items && rc_json_type(items) != RC_JSON_ARRAY && rc_json_type(items) != RC_JSON_NULL) {
        snprintf(err, errcap, "the pod list has no items array");
        rc_json_free(root);
        return RC_EPROTO;
    }
    if (!items && !rc_json_get(root, "kind")) {
        snprintf(err, errcap, "the pod list is not a PodList (no items, no kind)");
        rc_json_free(root);
        return RC_EPROTO;
    }
    size_t n = rc_json_len(items);
    g->pods = rc_calloc(n ? n : 1, sizeof(*g->pods));
    for (size_t i = 0; i < n; i++) {
        const rc_json_t *p = rc_json_at(items, i), *meta = rc_json_get(p, "metadata");
        const rc_json_t *status = rc_json_get(p, "status");
        const char *name = rc_json_str(rc_json_get(meta, "name"), NULL);
        if (!name || !*name) {
            snprintf(err, errcap, "the pod list: items[%zu].metadata.name is missing", i);
            rc_json_free(root);
            free_pods(g);
            return RC_EPROTO;
        }
        rc_op_pod_t *pod = &g->pods[g->npods++];
        const char *ip = rc_json_str(rc_json_get(status, "podIP"), NULL);
        pod->name = rc_strdup(name);
        pod->ip = rc_strdup(ip ? ip : "");
        pod->ready = pod_ready(status);
        pod->terminating = rc_json_get(meta, "deletionTimestamp") != NULL &&
                           rc_json_type(rc_json_get(meta, "deletionTimestamp")) != RC_JSON_NULL;
        const char *cost =
            rc_json_str(rc_json_get(rc_json_get(meta, "annotations"), RC_OP_DELETION_COST), NULL);
        if (cost && rc_str_to_i64(cost, strlen(cost), &pod->cost) == RC_OK) pod->has_cost = 1;
    }
    rc_json_free(root);
    g->have_pods = 1;
    return RC_OK;
}
