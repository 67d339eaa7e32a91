/* operator.c — the reconcile loop of rayc-operator (see operator.h). */
#include "operator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "alloc.h"
#include "clock.h"
#include "decide.h"
#include "gcs_client.h"
#include "health.h"
#include "job_http.h"
#include "json.h"
#include "kube.h"
#include "logfmt.h"
#include "op_config.h"
#include "view.h"

#define ERRLEN          1024
#define MAX_REDECIDE    3
#define HEAD_TIMEOUT_MS 5000
#define DRAIN_COST      "-1000"

typedef struct {
    char *msg;
    int group;
    char *key;
} seen_note_t;

struct rc_operator {
    rc_op_config_t cfg;
    char *ns;
    rc_kube_t *kube;
    rc_gcs_client_t *head;
    char *head_password;
    rc_op_health_t *health;
    int64_t start_ms, last_ok_ms;
    char last_error[ERRLEN];
    seen_note_t *seen; /* notes the previous completed pass logged */
    size_t nseen;
    char hostname[256];
};

/* ---- logging ------------------------------------------------------------------------ */

static void log_group(rc_logfmt_t *l, const rc_operator_t *op, int g)
{
    if (g < 0) return;
    rc_logfmt_str(l, "group", op->cfg.groups[g].name);
    rc_logfmt_str(l, "deployment", op->cfg.groups[g].deployment);
}

static void log_error(rc_operator_t *op, int g, const char *action, const char *why)
{
    rc_logfmt_t l;
    rc_logfmt_begin(&l, "error", "error");
    log_group(&l, op, g);
    rc_logfmt_str(&l, "action", action);
    rc_logfmt_str(&l, "reason", why);
    rc_logfmt_end(&l);
    /* The health answer says what failed; a long reason loses its end. */
    snprintf(op->last_error, sizeof(op->last_error), "%.32s: %.900s", action, why);
}

/* ---- Kubernetes helpers ------------------------------------------------------------------ */

static void sleep_serving(void *arg, int64_t ms)
{
    rc_operator_idle(arg, ms);
}

static void path_deploy(const rc_operator_t *op, int g, const char *tail, rc_buf_t *out)
{
    rc_buf_printf(out, "/apis/apps/v1/namespaces/%s/deployments/%s%s", op->ns,
                  op->cfg.groups[g].deployment, tail);
}

/* A request whose answer must be 2xx; otherwise err explains (and *status says). */
static rc_err_t kube_ok(rc_operator_t *op, const char *method, const char *path, const char *ctype,
                        const char *body, rc_kube_resp_t *resp, char *err, size_t errcap)
{
    rc_err_t e = rc_kube_call(op->kube, method, path, ctype, body, resp, err, errcap);
    if (e != RC_OK) return e;
    if (resp->status >= 200 && resp->status < 300) return RC_OK;
    rc_buf_t why = RC_BUF_INIT;
    rc_kube_explain(resp->status, &resp->body, &why);
    snprintf(err, errcap, "%s %s: %s%s", method, path, why.data,
             resp->attempts > 1 ? " (after retries)" : "");
    rc_buf_free(&why);
    return resp->status == 409 ? RC_EBUSY : resp->status == 404 ? RC_ENOTFOUND : RC_EPROTO;
}

/* Posts a core/v1 Event about the group's Deployment; best effort (one attempt,
 * a failure is a debug matter, never a reason to fail the pass). */
static void post_event(rc_operator_t *op, int g, const char *reason, const char *type,
                       const char *message)
{
    rc_buf_t body = RC_BUF_INIT, path = RC_BUF_INIT, prefix = RC_BUF_INIT;
    rc_jw_t w;
    char ts[40], err[ERRLEN];
    rc_kube_resp_t resp = {0, RC_BUF_INIT, 0};
    rc_logfmt_time(rc_clock_wall_ms(), 0, ts, sizeof(ts));
    rc_buf_printf(&prefix, "%s.", op->cfg.groups[g].deployment);
    rc_jw_init(&w, &body);
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "apiVersion");
    rc_jw_str(&w, "v1");
    rc_jw_key(&w, "kind");
    rc_jw_str(&w, "Event");
    rc_jw_key(&w, "metadata");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "generateName");
    rc_jw_str(&w, prefix.data);
    rc_jw_key(&w, "namespace");
    rc_jw_str(&w, op->ns);
    rc_jw_obj_end(&w);
    rc_jw_key(&w, "involvedObject");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "apiVersion");
    rc_jw_str(&w, "apps/v1");
    rc_jw_key(&w, "kind");
    rc_jw_str(&w, "Deployment");
    rc_jw_key(&w, "name");
    rc_jw_str(&w, op->cfg.groups[g].deployment);
    rc_jw_key(&w, "namespace");
    rc_jw_str(&w, op->ns);
    rc_jw_obj_end(&w);
    rc_jw_key(&w, "reason");
    rc_jw_str(&w, reason);
    rc_jw_key(&w, "message");
    /* The API server refuses messages beyond 1 KiB. */
    rc_jw_strn(&w, message, strlen(message) > 1000 ? 1000 : strlen(message));
    rc_jw_key(&w, "type");
    rc_jw_str(&w, type);
    rc_jw_key(&w, "source");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "component");
    rc_jw_str(&w, "rayc-operator");
    rc_jw_key(&w, "host");
    rc_jw_str(&w, op->hostname);
    rc_jw_obj_end(&w);
    rc_jw_key(&w, "reportingComponent");
    rc_jw_str(&w, "rayc-operator");
    rc_jw_key(&w, "reportingInstance");
    rc_jw_str(&w, op->hostname);
    rc_jw_key(&w, "firstTimestamp");
    rc_jw_str(&w, ts);
    rc_jw_key(&w, "lastTimestamp");
    rc_jw_str(&w, ts);
    rc_jw_key(&w, "count");
    rc_jw_int(&w, 1);
    rc_jw_obj_end(&w);
    rc_buf_printf(&path, "/api/v1/namespaces/%s/events", op->ns);
    rc_err_t e = rc_kube_call_once(op->kube, "POST", path.data, "application/json", body.data,
                                   &resp, err, sizeof(err));
    if (e != RC_OK || resp.status < 200 || resp.status >= 300) {
        rc_logfmt_t l;
        rc_buf_t why = RC_BUF_INIT;
        if (e == RC_OK) rc_kube_explain(resp.status, &resp.body, &why);
        rc_logfmt_begin(&l, "warn", "event-failed");
        log_group(&l, op, g);
        rc_logfmt_str(&l, "event", reason);
        rc_logfmt_str(&l, "reason", e == RC_OK ? why.data : err);
        rc_logfmt_end(&l);
        rc_buf_free(&why);
    }
    rc_buf_free(&resp.body);
    rc_buf_free(&body);
    rc_buf_free(&path);
    rc_buf_free(&prefix);
}

/* ---- reading ------------------------------------------------------------------------------ */

static void head_drop(rc_operator_t *op)
{
    rc_gcs_client_free(op->head);
    op->head = NULL;
}

/* Runs a head command whose reply is a string; reconnects first when needed.
 * An I/O failure drops the connection so the next call starts afresh. */
static rc_err_t head_string(rc_operator_t *op, int argc, const char **argv, char **out, size_t *len,
                            char *err, size_t errcap)
{
    rc_err_t e;
    if (!op->head) {
        e = rc_gcs_client_connect(op->cfg.head_address, op->head_password, HEAD_TIMEOUT_MS,
                                  &op->head, err, errcap);
        if (e != RC_OK) return e;
    }
    e = rc_gcs_client_string(op->head, argc, argv, out, len, err, errcap);
    if (e == RC_ECONN || e == RC_ETIMEOUT || e == RC_EPROTO) head_drop(op);
    return e;
}

static rc_err_t read_view(rc_operator_t *op, rc_op_view_t *v, char *err, size_t errcap)
{
    char *text = NULL;
    size_t len;
    rc_err_t e;
    const char *status_argv[] = {"CLUSTER.STATUS"};
    const char *list_argv[] = {"NODE.LIST", "JSON"};
    if ((e = head_string(op, 1, status_argv, &text, &len, err, errcap)) != RC_OK) return e;
    e = rc_op_view_set_status(v, text, len, err, errcap);
    rc_free(text);
    if (e != RC_OK) return e;
    if ((e = head_string(op, 2, list_argv, &text, &len, err, errcap)) != RC_OK) return e;
    e = rc_op_view_set_nodes(v, text, len, err, errcap);
    rc_free(text);
    if (e != RC_OK) return e;

    rc_kube_resp_t resp = {0, RC_BUF_INIT, 0};
    rc_buf_t path = RC_BUF_INIT;
    for (size_t g = 0; g < op->cfg.ngroups && e == RC_OK; g++) {
        rc_buf_clear(&path);
        path_deploy(op, (int)g, "/scale", &path);
        e = kube_ok(op, "GET", path.data, NULL, NULL, &resp, err, errcap);
        if (e == RC_ENOTFOUND)
            snprintf(err, errcap,
                     "the Deployment %s/%s of group %s does not exist (404): check "
                     "groups[%zu].deployment and namespace",
                     op->ns, op->cfg.groups[g].deployment, op->cfg.groups[g].name, g);
        if (e == RC_OK) e = rc_op_view_set_scale(v, g, resp.body.data, resp.body.len, err, errcap);
        if (e != RC_OK) break;
        rc_buf_clear(&path);
        rc_buf_printf(&path, "/api/v1/namespaces/%s/pods?labelSelector=", op->ns);
        rc_job_http_escape(&path, op->cfg.groups[g].pod_selector);
        e = kube_ok(op, "GET", path.data, NULL, NULL, &resp, err, errcap);
        if (e == RC_OK) e = rc_op_view_set_pods(v, g, resp.body.data, resp.body.len, err, errcap);
    }
    rc_buf_free(&path);
    rc_buf_free(&resp.body);
    return e;
}

/* ---- notes ---------------------------------------------------------------------------------- */

static void seen_free(seen_note_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rc_free(s[i].msg);
        rc_free(s[i].key);
    }
    rc_free(s);
}

/* Logs the plan's notes: "unfulfillable" every pass; a "no-op" only when its
 * situation (group and key) is new since the previous pass, so a group
 * waiting at maxReplicas while its tasks drain away does not fill the log. */
static void log_notes(rc_operator_t *op, const rc_op_plan_t *plan)
{
    seen_note_t *now = rc_calloc(plan->nnotes ? plan->nnotes : 1, sizeof(*now));
    for (size_t i = 0; i < plan->nnotes; i++) {
        const rc_op_note_t *n = &plan->notes[i];
        int repeat = 0;
        for (size_t j = 0; j < op->nseen && !repeat; j++)
            repeat = op->seen[j].group == n->group && strcmp(op->seen[j].msg, n->msg) == 0 &&
                     strcmp(op->seen[j].key, n->key) == 0;
        now[i].msg = rc_strdup(n->msg);
        now[i].group = n->group;
        now[i].key = rc_strdup(n->key);
        if (repeat && strcmp(n->msg, "unfulfillable") != 0) continue;
        rc_logfmt_t l;
        rc_logfmt_begin(&l, n->level, n->msg);
        log_group(&l, op, n->group);
        rc_logfmt_str(&l, "reason", n->reason);
        rc_logfmt_end(&l);
    }
    seen_free(op->seen, op->nseen);
    op->seen = now;
    op->nseen = plan->nnotes;
}

/* ---- applying ------------------------------------------------------------------------------- */

/* PATCHes body (a JSON merge patch) to path; frees both. */
static rc_err_t merge_patch(rc_operator_t *op, rc_buf_t *path, rc_buf_t *body, char *err,
                            size_t errcap)
{
    rc_kube_resp_t resp = {0, RC_BUF_INIT, 0};
    rc_err_t e = kube_ok(op, "PATCH", path->data, "application/merge-patch+json", body->data, &resp,
                         err, errcap);
    rc_buf_free(&resp.body);
    rc_buf_free(path);
    rc_buf_free(body);
    return e;
}

static rc_err_t patch_replicas(rc_operator_t *op, int g, int64_t to, const char *rv, char *err,
                               size_t errcap)
{
    rc_buf_t path = RC_BUF_INIT, body = RC_BUF_INIT;
    rc_jw_t w;
    path_deploy(op, g, "/scale", &path);
    rc_jw_init(&w, &body);
    rc_jw_obj_begin(&w);
    if (rv) {
        /* Optimistic concurrency: someone else scaling meanwhile gives 409. */
        rc_jw_key(&w, "metadata");
        rc_jw_obj_begin(&w);
        rc_jw_key(&w, "resourceVersion");
        rc_jw_str(&w, rv);
        rc_jw_obj_end(&w);
    }
    rc_jw_key(&w, "spec");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "replicas");
    rc_jw_int(&w, to);
    rc_jw_obj_end(&w);
    rc_jw_obj_end(&w);
    return merge_patch(op, &path, &body, err, errcap);
}

/* Sets (value) or removes (NULL) the pod-deletion-cost annotation of a pod. */
static rc_err_t annotate(rc_operator_t *op, const char *pod, const char *value, char *err,
                         size_t errcap)
{
    rc_buf_t path = RC_BUF_INIT, body = RC_BUF_INIT;
    rc_jw_t w;
    rc_buf_printf(&path, "/api/v1/namespaces/%s/pods/%s", op->ns, pod);
    rc_jw_init(&w, &body);
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "metadata");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "annotations");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, RC_OP_DELETION_COST);
    rc_jw_str(&w, value); /* null removes it (merge patch) */
    rc_jw_obj_end(&w);
    rc_jw_obj_end(&w);
    rc_jw_obj_end(&w);
    return merge_patch(op, &path, &body, err, errcap);
}

/* NODE.DRAIN: 1 draining, 0 unknown or DEAD, -1 error (err set). */
static int drain_node(rc_operator_t *op, const char *id, const char *reason, char *err,
                      size_t errcap)
{
    redisReply *r = NULL;
    rc_err_t e = RC_OK;
    if (!op->head)
        e = rc_gcs_client_connect(op->cfg.head_address, op->head_password, HEAD_TIMEOUT_MS,
                                  &op->head, err, errcap);
    if (e == RC_OK) {
        const char *argv[] = {"NODE.DRAIN", id, reason};
        e = rc_gcs_client_command(op->head, 3, argv, &r, err, errcap);
    }
    if (e != RC_OK) {
        if (e == RC_ECONN || e == RC_ETIMEOUT) head_drop(op);
        return -1;
    }
    int res = -1;
    if (r->type == REDIS_REPLY_INTEGER)
        res = r->integer == 1;
    else
        snprintf(err, errcap, "NODE.DRAIN answered with reply type %d, expected an integer",
                 r->type);
    freeReplyObject(r);
    return res;
}

static void log_decision(rc_operator_t *op, int g, const rc_op_group_plan_t *gp, int64_t to)
{
    rc_logfmt_t l;
    rc_logfmt_begin(&l, "info", gp->msg);
    log_group(&l, op, g);
    rc_logfmt_int(&l, "from", gp->from);
    rc_logfmt_int(&l, "to", to);
    rc_logfmt_str(&l, "reason", gp->reason);
    rc_logfmt_end(&l);
    rc_buf_t m = RC_BUF_INIT;
    rc_buf_printf(&m, "%s from %lld to %lld replicas: %s",
                  to > gp->from ? "Scaled up" : "Scaled down", (long long)gp->from, (long long)to,
                  gp->reason);
    post_event(op, g, to > gp->from ? "ScaledUp" : "ScaledDown", "Normal", m.data);
    rc_buf_free(&m);
}

static void log_failure(rc_operator_t *op, int g, const rc_op_group_plan_t *gp, int64_t to,
                        const char *why)
{
    rc_buf_t m = RC_BUF_INIT;
    log_error(op, g, gp->msg, why);
    rc_buf_printf(&m, "Could not scale from %lld to %lld replicas (%s): %s", (long long)gp->from,
                  (long long)to, gp->reason, why);
    post_event(op, g, "ScaleFailed", "Warning", m.data);
    rc_buf_free(&m);
}

/* Up: one patch. RC_EBUSY on 409 (the caller reads and decides again). */
static rc_err_t apply_up(rc_operator_t *op, int g, const rc_op_group_plan_t *gp,
                         const rc_op_view_t *v)
{
    char err[ERRLEN];
    rc_err_t e = patch_replicas(op, g, gp->to, v->groups[g].resource_version, err, sizeof(err));
    if (e == RC_OK)
        log_decision(op, g, gp, gp->to);
    else if (e != RC_EBUSY)
        log_failure(op, g, gp, gp->to, err);
    return e;
}

/* Down: annotate and drain each victim, then patch replicas − drained. */
static rc_err_t apply_down(rc_operator_t *op, int g, const rc_op_group_plan_t *gp,
                           const rc_op_view_t *v)
{
    const rc_op_group_t *c = &op->cfg.groups[g];
    int clamp = strcmp(gp->msg, "clamp") == 0;
    char err[ERRLEN], reason[256];
    int64_t removed = 0;
    for (size_t i = 0; i < gp->nvictims; i++) {
        const rc_op_victim_t *x = &gp->victims[i];
        if (annotate(op, x->pod, DRAIN_COST, err, sizeof(err)) != RC_OK) {
            log_error(op, g, "annotate", err);
            continue;
        }
        rc_logfmt_t l;
        if (!*x->node_id) {
            rc_logfmt_begin(&l, "info", "mark-pod");
            log_group(&l, op, g);
            rc_logfmt_str(&l, "pod", x->pod);
            rc_logfmt_str(&l, "reason", "no registered node: the ReplicaSet removes it first");
            rc_logfmt_end(&l);
            removed++;
            continue;
        }
        if (clamp)
            snprintf(reason, sizeof(reason),
                     "replicas above maxReplicas %lld: scaled down by rayc-operator",
                     (long long)c->max_replicas);
        else
            snprintf(reason, sizeof(reason), "idle for %llds: scaled down by rayc-operator",
                     (long long)(x->idle_ms / 1000));
        int r = drain_node(op, x->node_id, reason, err, sizeof(err));
        if (r < 0) {
            char err2[ERRLEN];
            log_error(op, g, "drain", err);
            /* Not drained, so it must not be the pod the ReplicaSet removes. */
            if (annotate(op, x->pod, NULL, err2, sizeof(err2)) != RC_OK)
                log_error(op, g, "annotate", err2);
            continue;
        }
        rc_logfmt_begin(&l, r ? "info" : "warn", "drain");
        log_group(&l, op, g);
        rc_logfmt_str(&l, "node", x->node_id);
        rc_logfmt_str(&l, "node_name", x->node_name);
        rc_logfmt_str(&l, "pod", x->pod);
        rc_logfmt_int(&l, "idle_s", x->idle_ms / 1000);
        rc_logfmt_str(&l, "reason",
                      r ? reason
                        : "the head no longer knows the node, or it is DEAD: its pod is removed");
        rc_logfmt_end(&l);
        if (r) {
            rc_buf_t m = RC_BUF_INIT;
            rc_buf_printf(&m, "Drained node %s (pod %s): %s", x->node_id, x->pod, reason);
            post_event(op, g, "DrainedNode", "Normal", m.data);
            rc_buf_free(&m);
        }
        removed++;
    }
    if (removed == 0 && !clamp) {
        log_failure(op, g, gp, gp->to, "no node could be drained: replicas unchanged");
        return RC_EIO;
    }
    int64_t from = gp->from;
    const char *rv = v->groups[g].resource_version;
    char *fresh_rv = NULL;
    rc_err_t e = RC_OK;
    for (int tries = 0;; tries++) {
        int64_t to = clamp ? c->max_replicas : from - removed;
        if (to < c->min_replicas) to = c->min_replicas;
        if (to > c->max_replicas) to = c->max_replicas;
        if (to >= from) {
            e = RC_OK; /* someone else already brought it down */
            break;
        }
        e = patch_replicas(op, g, to, rv, err, sizeof(err));
        if (e == RC_OK) {
            rc_op_group_plan_t shown = *gp;
            shown.from = from;
            log_decision(op, g, &shown, to);
            break;
        }
        if (e != RC_EBUSY || tries + 1 >= MAX_REDECIDE) {
            log_failure(op, g, gp, to, err);
            break;
        }
        /* 409: the drains are done; only the replica count is read again. */
        rc_buf_t path = RC_BUF_INIT;
        rc_kube_resp_t resp = {0, RC_BUF_INIT, 0};
        rc_op_view_t one;
        rc_op_view_init(&one, op->cfg.ngroups);
        path_deploy(op, g, "/scale", &path);
        e = kube_ok(op, "GET", path.data, NULL, NULL, &resp, err, sizeof(err));
        if (e == RC_OK)
            e = rc_op_view_set_scale(&one, (size_t)g, resp.body.data, resp.body.len, err,
                                     sizeof(err));
        if (e == RC_OK) {
            from = one.groups[g].replicas;
            rc_free(fresh_rv);
            fresh_rv =
                one.groups[g].resource_version ? rc_strdup(one.groups[g].resource_version) : NULL;
            rv = fresh_rv;
        }
        rc_op_view_free(&one);
        rc_buf_free(&path);
        rc_buf_free(&resp.body);
        if (e != RC_OK) {
            log_failure(op, g, gp, gp->to, err);
            break;
        }
    }
    rc_free(fresh_rv);
    return e;
}

/* Pods left with our -1000 cost while their node is ALIVE (a scale-down that
 * did not finish): the cost is removed so the ReplicaSet does not pick them. */
static void clear_stale_marks(rc_operator_t *op, const rc_op_view_t *v, const rc_op_plan_t *plan)
{
    char err[ERRLEN];
    for (size_t g = 0; g < op->cfg.ngroups; g++) {
        const rc_op_group_obs_t *obs = &v->groups[g];
        /* More pods than replicas: the ReplicaSet is about to delete the marked
         * ones, which is what the mark was for. */
        int64_t live = 0;
        for (size_t i = 0; i < obs->npods; i++) live += !obs->pods[i].terminating;
        if (live > obs->replicas) continue;
        for (size_t i = 0; i < v->nnodes; i++) {
            const rc_op_node_t *n = &v->nodes[i];
            if (n->state != RC_OP_NODE_ALIVE) continue;
            int p = rc_op_pod_of(v, obs, n);
            if (p < 0 || !obs->pods[p].has_cost || obs->pods[p].cost != -1000) continue;
            int victim = 0;
            for (size_t k = 0; k < plan->groups[g].nvictims && !victim; k++)
                victim = strcmp(plan->groups[g].victims[k].pod, obs->pods[p].name) == 0;
            if (victim) continue;
            if (annotate(op, obs->pods[p].name, NULL, err, sizeof(err)) != RC_OK) {
                log_error(op, (int)g, "annotate", err);
                continue;
            }
            rc_logfmt_t l;
            rc_logfmt_begin(&l, "info", "unmark-pod");
            log_group(&l, op, (int)g);
            rc_logfmt_str(&l, "pod", obs->pods[p].name);
            rc_logfmt_str(&l, "node", n->id);
            rc_logfmt_str(&l, "reason",
                          "its node is ALIVE again after an unfinished scale-down: deletion "
                          "cost removed");
            rc_logfmt_end(&l);
        }
    }
}

/* ---- the pass ------------------------------------------------------------------------------- */

rc_err_t rc_operator_pass(rc_operator_t *op)
{
    char err[ERRLEN];
    rc_err_t e = RC_OK;
    int64_t budget = op->cfg.period_ms * 2 > 30000 ? op->cfg.period_ms * 2 : 30000;
    int failed = 0;
    op->last_error[0] = '\0';
    rc_kube_budget_reset(op->kube, budget);
    for (int round = 0;; round++) {
        rc_op_view_t v;
        rc_op_plan_t plan;
        rc_op_view_init(&v, op->cfg.ngroups);
        e = read_view(op, &v, err, sizeof(err));
        if (e == RC_OK && !rc_op_view_complete(&v)) {
            snprintf(err, sizeof(err), "incomplete observations");
            e = RC_EINTERNAL;
        }
        if (e != RC_OK) {
            rc_op_view_free(&v);
            log_error(op, -1, "read", err);
            failed = 1;
            break;
        }
        rc_op_decide(&op->cfg, &v, &plan);
        int conflict = 0;
        for (size_t g = 0; g < plan.ngroups && !conflict; g++) {
            const rc_op_group_plan_t *gp = &plan.groups[g];
            if (!gp->msg) continue;
            rc_err_t ae =
                gp->to > gp->from ? apply_up(op, (int)g, gp, &v) : apply_down(op, (int)g, gp, &v);
            if (ae == RC_EBUSY && gp->to > gp->from)
                conflict = 1;
            else if (ae != RC_OK)
                failed = 1;
        }
        if (!conflict) {
            clear_stale_marks(op, &v, &plan);
            /* After the decisions, which they qualify ("… at maxReplicas"). */
            log_notes(op, &plan);
        }
        rc_op_plan_free(&plan);
        rc_op_view_free(&v);
        if (!conflict) break;
        if (round + 1 >= MAX_REDECIDE) {
            log_error(op, -1, "scale",
                      "409 Conflict on every attempt (the Deployment keeps changing): the next "
                      "pass tries again");
            failed = 1;
            break;
        }
        rc_logfmt_t l;
        rc_logfmt_begin(&l, "info", "conflict");
        rc_logfmt_str(&l, "reason",
                      "a scale changed since it was read (409): reading again and deciding again");
        rc_logfmt_end(&l);
    }
    if (!failed) {
        op->last_ok_ms = rc_clock_mono_ms();
        op->last_error[0] = '\0';
    }
    if (op->health)
        rc_op_health_update(op->health, op->start_ms, op->cfg.period_ms, op->last_ok_ms,
                            op->last_error);
    return failed ? (e != RC_OK ? e : RC_EIO) : RC_OK;
}

/* ---- life cycle ------------------------------------------------------------------------------ */

rc_err_t rc_operator_new(const rc_operator_opts_t *o, rc_operator_t **out, char *err, size_t errcap)
{
    rc_err_t e;
    *out = NULL;
    rc_operator_t *op = rc_calloc(1, sizeof(*op));
    if ((e = rc_op_config_load(o->config_path, &op->cfg, err, errcap)) != RC_OK) goto fail;
    if ((e = rc_kube_new(o->kube_api, o->sa_dir, &op->kube, err, errcap)) != RC_OK) goto fail;
    rc_kube_set_sleep(op->kube, sleep_serving, op);
    const char *ns = op->cfg.namespace_ ? op->cfg.namespace_ : rc_kube_sa_namespace(op->kube);
    if (!ns) {
        snprintf(err, errcap,
                 "no namespace: the configuration has no \"namespace\" and the service "
                 "account's namespace file is missing in %s",
                 o->sa_dir ? o->sa_dir : RC_KUBE_SA_DIR);
        e = RC_EINVAL;
        goto fail;
    }
    if (!rc_op_dns_label_valid(ns)) {
        snprintf(err, errcap, "the namespace '%.64s' is not a valid namespace name", ns);
        e = RC_EINVAL;
        goto fail;
    }
    op->ns = rc_strdup(ns);
    op->head_password = o->head_password && *o->head_password ? rc_strdup(o->head_password) : NULL;
    if (gethostname(op->hostname, sizeof(op->hostname) - 1) != 0)
        snprintf(op->hostname, sizeof(op->hostname), "rayc-operator");
    op->start_ms = rc_clock_mono_ms();
    if (o->health_port > 0 &&
        (e = rc_op_health_listen(o->health_host ? o->health_host : "0.0.0.0", o->health_port,
                                 &op->health, err, errcap)) != RC_OK)
        goto fail;
    if (op->health) rc_op_health_update(op->health, op->start_ms, op->cfg.period_ms, 0, NULL);
    *out = op;
    return RC_OK;
fail:
    rc_operator_free(op);
    return e;
}

void rc_operator_free(rc_operator_t *op)
{
    if (!op) return;
    rc_op_config_free(&op->cfg);
    rc_kube_free(op->kube);
    head_drop(op);
    if (op->head_password) explicit_bzero(op->head_password, strlen(op->head_password));
    rc_free(op->head_password);
    rc_op_health_free(op->health);
    seen_free(op->seen, op->nseen);
    rc_free(op->ns);
    rc_free(op);
}

int64_t rc_operator_period_ms(const rc_operator_t *op)
{
    return op->cfg.period_ms;
}

int rc_operator_health_port(const rc_operator_t *op)
{
    return op->health ? rc_op_health_port(op->health) : 0;
}

void rc_operator_idle(rc_operator_t *op, int64_t ms)
{
    if (op->health) {
        rc_op_health_poll(op->health, ms);
        return;
    }
    if (ms <= 0) return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    (void)nanosleep(&ts, NULL); /* a signal ends it early, as it ends a poll */
}
