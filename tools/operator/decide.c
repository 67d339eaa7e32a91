/* decide.c — the scaling decision (see decide.h). */
#include "decide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "shape.h"

/* ---- helpers ----------------------------------------------------------------------- */

int rc_op_group_shape(const rc_op_config_t *cfg, size_t gi, const rc_op_view_t *view, rc_res_t *out)
{
    const rc_op_group_t *g = &cfg->groups[gi];
    rc_res_init(out);
    rc_res_copy(out, &g->shape);
    if ((g->shape_known & RC_OP_SHAPE_ALL) == RC_OP_SHAPE_ALL) return 1;
    for (size_t i = 0; i < view->nnodes; i++) {
        const rc_op_node_t *n = &view->nodes[i];
        if (n->state == RC_OP_NODE_ALIVE && strcmp(n->group, g->name) == 0) {
            rc_op_shape_complete(out, g->shape_known, &n->total);
            return 1;
        }
    }
    return (g->shape_known & RC_OP_SHAPE_CPU) != 0;
}

static int pod_named(const rc_op_group_obs_t *g, const char *name)
{
    for (size_t i = 0; i < g->npods; i++)
        if (!g->pods[i].terminating && strcmp(g->pods[i].name, name) == 0) return (int)i;
    return -1;
}

int rc_op_pod_of(const rc_op_view_t *view, const rc_op_group_obs_t *g, const rc_op_node_t *n)
{
    int p = pod_named(g, n->name);
    if (p >= 0 || !*n->ip) return p;
    /* The IP fallback, for a node that registered under another name: only an
     * unambiguous pod, and not one another node is known to run on. */
    int found = -1;
    for (size_t i = 0; i < g->npods; i++) {
        const rc_op_pod_t *pod = &g->pods[i];
        if (pod->terminating || strcmp(pod->ip, n->ip) != 0) continue;
        if (found >= 0) return -1;
        found = (int)i;
    }
    if (found < 0) return -1;
    for (size_t i = 0; i < view->nnodes; i++) {
        const rc_op_node_t *o = &view->nodes[i];
        if (o != n && o->state != RC_OP_NODE_DEAD && strcmp(o->name, g->pods[found].name) == 0)
            return -1;
    }
    return found;
}

/* avail -= k copies of req (k never more than fit). */
static void take_copies(rc_res_t *avail, const rc_res_t *req, int64_t k)
{
    if (k <= 0) return;
    avail->cpu -= req->cpu * k;
    avail->gpu -= req->gpu * k;
    avail->memory -= req->memory * k;
    avail->object_store_memory -= req->object_store_memory * k;
    for (size_t i = 0; i < req->ncustom; i++) {
        const rc_res_custom_t *c = &req->custom[i];
        (void)rc_res_set(avail, c->name, rc_res_get(avail, c->name) - c->amount * k);
    }
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static void append_shape(rc_buf_t *b, const rc_res_t *shape)
{
    rc_buf_append_char(b, '{');
    rc_res_format(shape, b);
    rc_buf_append_char(b, '}');
}

/* "7 pending tasks of {CPU: 1}" */
static void append_demand(rc_buf_t *b, int64_t count, const rc_op_demand_t *d)
{
    rc_buf_printf(b, "%lld %s task%s of ", (long long)count,
                  d->infeasible ? "infeasible" : "pending", count == 1 ? "" : "s");
    append_shape(b, &d->shape);
}

static void sep(rc_buf_t *b)
{
    if (b->len) rc_buf_append_str(b, "; ");
}

/* key: what the note is about without its counts (see decide.h). */
static void add_note(rc_op_plan_t *p, const char *level, const char *msg, int group,
                     const char *key, rc_buf_t *reason)
{
    p->notes = rc_realloc(p->notes, (p->nnotes + 1) * sizeof(*p->notes));
    rc_op_note_t *n = &p->notes[p->nnotes++];
    n->level = level;
    n->msg = msg;
    n->group = group;
    n->key = rc_strdup(key);
    n->reason = rc_buf_detach(reason, NULL);
}

static void add_victim(rc_op_group_plan_t *gp, const rc_op_node_t *n, const rc_op_pod_t *pod)
{
    gp->victims = rc_realloc(gp->victims, (gp->nvictims + 1) * sizeof(*gp->victims));
    rc_op_victim_t *v = &gp->victims[gp->nvictims++];
    memset(v, 0, sizeof(*v));
    if (n) memcpy(v->node_id, n->id, sizeof(v->node_id));
    v->pod = rc_strdup(pod->name);
    v->node_name = rc_strdup(n ? n->name : "");
    v->idle_ms = n ? n->idle_ms : 0;
}

/* Largest shapes first, as Ray's bin packing orders them: GPUs, then custom
 * resources, then CPU, then memory. */
static const rc_op_demand_t *sort_base;
static int demand_cmp(const void *a, const void *b)
{
    const rc_op_demand_t *x = &sort_base[*(const size_t *)a], *y = &sort_base[*(const size_t *)b];
    if (x->shape.gpu != y->shape.gpu) return x->shape.gpu > y->shape.gpu ? -1 : 1;
    if (x->shape.ncustom != y->shape.ncustom) return x->shape.ncustom > y->shape.ncustom ? -1 : 1;
    if (x->shape.cpu != y->shape.cpu) return x->shape.cpu > y->shape.cpu ? -1 : 1;
    if (x->shape.memory != y->shape.memory) return x->shape.memory > y->shape.memory ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Room left on each node, existing or to come; gpu[i]: node i has GPUs. */
typedef struct {
    rc_res_t *v;
    unsigned char *gpu;
    size_t n, cap;
} bins_t;

static rc_res_t *bin_push(bins_t *b, const rc_res_t *r, int gpu_node)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->v = rc_realloc(b->v, b->cap * sizeof(*b->v));
        b->gpu = rc_realloc(b->gpu, b->cap);
    }
    b->gpu[b->n] = gpu_node != 0;
    rc_res_t *x = &b->v[b->n++];
    rc_res_init(x);
    rc_res_copy(x, r);
    return x;
}

static void bins_free(bins_t *b)
{
    for (size_t i = 0; i < b->n; i++) rc_res_free(&b->v[i]);
    rc_free(b->v);
    rc_free(b->gpu);
}

typedef struct {
    rc_res_t shape;
    int shape_ok;
    int64_t target, added, alive;
    rc_buf_t up; /* why nodes were added */
} gstate_t;

/* ---- scale up -------------------------------------------------------------------------- */

static void scale_up(const rc_op_config_t *cfg, const rc_op_view_t *view, gstate_t *gs,
                     rc_op_plan_t *out)
{
    bins_t bins = {NULL, NULL, 0, 0};
    rc_buf_t unful = RC_BUF_INIT;
    for (size_t i = 0; i < view->nnodes; i++)
        if (view->nodes[i].state == RC_OP_NODE_ALIVE)
            bin_push(&bins, &view->nodes[i].avail, view->nodes[i].total.gpu > 0);
    for (size_t g = 0; g < cfg->ngroups; g++)
        for (int64_t k = gs[g].alive; gs[g].shape_ok && k < gs[g].target; k++)
            bin_push(&bins, &gs[g].shape, gs[g].shape.gpu > 0);
    size_t existing = bins.n;

    size_t *order = rc_malloc((view->ndemand ? view->ndemand : 1) * sizeof(*order));
    for (size_t i = 0; i < view->ndemand; i++) order[i] = i;
    sort_base = view->demand;
    qsort(order, view->ndemand, sizeof(*order), demand_cmp);
    int64_t *placed = rc_calloc(cfg->ngroups, sizeof(*placed));

    for (size_t oi = 0; oi < view->ndemand; oi++) {
        const rc_op_demand_t *d = &view->demand[order[oi]];
        int64_t r = d->count;
        /* As placement ranks them: a task without GPUs goes to GPU nodes last. */
        for (int sweep = 0; sweep < 2 && r > 0; sweep++)
            for (size_t b = 0; b < bins.n && r > 0; b++) {
                if (d->shape.gpu == 0 && bins.gpu[b] != (sweep == 1)) continue;
                if (d->shape.gpu > 0 && sweep == 1) break;
                int64_t take = min64(rc_op_shape_copies(&d->shape, &bins.v[b]), r);
                take_copies(&bins.v[b], &d->shape, take);
                r -= take;
            }
        if (r == 0) continue;
        int64_t unplaced = r;
        int first_fit = -1;
        for (size_t g = 0; g < cfg->ngroups && first_fit < 0; g++)
            if (gs[g].shape_ok && rc_op_shape_copies(&d->shape, &gs[g].shape) >= 1)
                first_fit = (int)g;
        if (first_fit < 0) {
            sep(&unful);
            append_demand(&unful, r, d);
            continue;
        }
        memset(placed, 0, cfg->ngroups * sizeof(*placed));
        while (r > 0) {
            size_t g;
            for (g = 0; g < cfg->ngroups; g++)
                if (gs[g].shape_ok && gs[g].target < cfg->groups[g].max_replicas &&
                    rc_op_shape_copies(&d->shape, &gs[g].shape) >= 1)
                    break;
            if (g == cfg->ngroups) break;
            gs[g].target++;
            gs[g].added++;
            rc_res_t *nb = bin_push(&bins, &gs[g].shape, gs[g].shape.gpu > 0);
            int64_t take = min64(rc_op_shape_copies(&d->shape, nb), r);
            take_copies(nb, &d->shape, take);
            r -= take;
            placed[g] += take;
        }
        for (size_t g = 0; g < cfg->ngroups; g++) {
            if (!placed[g]) continue;
            sep(&gs[g].up);
            append_demand(&gs[g].up, unplaced, d);
            rc_buf_printf(&gs[g].up, " %s not fit on %zu node%s", unplaced == 1 ? "does" : "do",
                          existing, existing == 1 ? "" : "s");
        }
        if (r > 0) {
            rc_buf_t b = RC_BUF_INIT;
            append_demand(&b, r, d);
            rc_buf_printf(&b,
                          " %s more nodes, but every group whose shape fits them is at "
                          "maxReplicas (first: %s, maxReplicas %lld)",
                          r == 1 ? "needs" : "need", cfg->groups[first_fit].name,
                          (long long)cfg->groups[first_fit].max_replicas);
            rc_buf_t key = RC_BUF_INIT;
            rc_buf_append_str(&key, "at-max ");
            append_shape(&key, &d->shape);
            add_note(out, "warn", "no-op", first_fit, key.data, &b);
            rc_buf_free(&key);
        }
    }
    if (unful.len) {
        rc_buf_t b = RC_BUF_INIT;
        rc_buf_printf(&b, "no worker group's node shape can fit: %s", unful.data);
        add_note(out, "warn", "unfulfillable", -1, "unfulfillable", &b);
    }
    for (size_t g = 0; g < cfg->ngroups; g++) {
        if (gs[g].shape_ok) continue;
        int wants = 0;
        for (size_t i = 0; i < view->ndemand && !wants; i++) wants = view->demand[i].count > 0;
        if (!wants) continue;
        rc_buf_t b = RC_BUF_INIT;
        rc_buf_printf(&b,
                      "the node shape of %s is unknown (no rayStartParams num-cpus, no cpu in "
                      "resources, no ALIVE node yet): it is not used to add nodes",
                      cfg->groups[g].name);
        add_note(out, "warn", "no-op", (int)g, "shape-unknown", &b);
    }
    rc_free(placed);
    rc_free(order);
    rc_buf_free(&unful);
    bins_free(&bins);
}

/* ---- scale down ------------------------------------------------------------------------- */

static int demand_fits(const rc_op_view_t *view, const rc_res_t *total)
{
    for (size_t i = 0; i < view->ndemand; i++)
        if (view->demand[i].count > 0 && rc_res_fits(&view->demand[i].shape, total)) return 1;
    return 0;
}

static const rc_op_node_t *cmp_nodes;
/* Longest idle first, then the least used, then by id (a stable choice). */
static int victim_cmp(const void *a, const void *b)
{
    const rc_op_node_t *x = &cmp_nodes[*(const size_t *)a], *y = &cmp_nodes[*(const size_t *)b];
    if (x->idle_ms != y->idle_ms) return x->idle_ms > y->idle_ms ? -1 : 1;
    double ux = rc_res_utilisation(&x->total, &x->avail),
           uy = rc_res_utilisation(&y->total, &y->avail);
    if (ux != uy) return ux < uy ? -1 : 1;
    return strcmp(x->id, y->id);
}

static void idle_down(const rc_op_config_t *cfg, const rc_op_view_t *view, size_t gi,
                      const gstate_t *gs, rc_op_group_plan_t *gp, rc_op_plan_t *out)
{
    const rc_op_group_t *g = &cfg->groups[gi];
    const rc_op_group_obs_t *obs = &view->groups[gi];
    int64_t R = obs->replicas;
    /* At minReplicas idle nodes are the steady state: nothing to say. */
    if (R <= g->min_replicas) return;
    size_t *cand = rc_malloc((view->nnodes ? view->nnodes : 1) * sizeof(*cand)), nc = 0;
    size_t kept_for_demand = 0;
    rc_buf_t nopod = RC_BUF_INIT;
    for (size_t i = 0; i < view->nnodes; i++) {
        const rc_op_node_t *n = &view->nodes[i];
        if (n->state != RC_OP_NODE_ALIVE || strcmp(n->group, g->name) != 0 ||
            n->idle_ms <= cfg->idle_timeout_ms)
            continue;
        if (demand_fits(view, &n->total)) {
            kept_for_demand++;
            continue;
        }
        if (rc_op_pod_of(view, obs, n) < 0) {
            sep(&nopod);
            rc_buf_printf(&nopod, "%s (%s, %s)", n->id, *n->name ? n->name : "no name",
                          *n->ip ? n->ip : "no IP");
            continue;
        }
        cand[nc++] = i;
    }
    if (nopod.len) {
        rc_buf_t b = RC_BUF_INIT;
        rc_buf_printf(&b,
                      "idle nodes not drained: no pod of %s matches them by name (--node-name) "
                      "or IP: %s",
                      g->deployment, nopod.data);
        add_note(out, "warn", "no-op", (int)gi, nopod.data, &b);
    }
    if (kept_for_demand) {
        rc_buf_t b = RC_BUF_INIT;
        rc_buf_printf(&b, "%zu idle node%s kept: pending demand fits %s", kept_for_demand,
                      kept_for_demand == 1 ? "" : "s", kept_for_demand == 1 ? "it" : "them");
        add_note(out, "info", "no-op", (int)gi, "kept-for-demand", &b);
    }
    if (nc == 0) goto done;

    size_t starting = 0;
    for (size_t i = 0; i < obs->npods; i++)
        if (!obs->pods[i].terminating && !obs->pods[i].ready) starting++;
    if (starting || gs->alive < R) {
        rc_buf_t b = RC_BUF_INIT;
        rc_buf_printf(&b,
                      "%zu idle node%s not removed yet: pods of %s are still starting (%lld "
                      "replicas, %lld registered, %zu not ready), and the ReplicaSet would "
                      "delete a starting pod first",
                      nc, nc == 1 ? "" : "s", g->deployment, (long long)R, (long long)gs->alive,
                      starting);
        add_note(out, "info", "no-op", (int)gi, "starting", &b);
        goto done;
    }
    cmp_nodes = view->nodes;
    qsort(cand, nc, sizeof(*cand), victim_cmp);
    int64_t room = R - g->min_replicas;
    if ((int64_t)nc > room) nc = (size_t)room;
    rc_buf_t why = RC_BUF_INIT;
    rc_buf_printf(&why, "%zu node%s idle for more than %gs (idleTimeoutSeconds):", nc,
                  nc == 1 ? "" : "s", (double)cfg->idle_timeout_ms / 1000);
    for (size_t k = 0; k < nc; k++) {
        const rc_op_node_t *n = &view->nodes[cand[k]];
        add_victim(gp, n, &obs->pods[rc_op_pod_of(view, obs, n)]);
        rc_buf_printf(&why, "%s %s idle %llds", k ? "," : "", n->name,
                      (long long)(n->idle_ms / 1000));
    }
    if ((int64_t)nc == room && R - (int64_t)nc == g->min_replicas)
        rc_buf_printf(&why, "; down to minReplicas %lld", (long long)g->min_replicas);
    gp->msg = "scale-down";
    gp->to = R - (int64_t)nc;
    gp->reason = rc_buf_detach(&why, NULL);
done:
    rc_buf_free(&nopod);
    rc_free(cand);
}

/* Replicas above maxReplicas: pods without a node first (nothing to drain), then
 * the longest idle nodes, then the least used ones. */
static void clamp_down(const rc_op_config_t *cfg, const rc_op_view_t *view, size_t gi,
                       rc_op_group_plan_t *gp)
{
    const rc_op_group_t *g = &cfg->groups[gi];
    const rc_op_group_obs_t *obs = &view->groups[gi];
    int64_t need = obs->replicas - g->max_replicas;
    int *claimed = rc_calloc(obs->npods ? obs->npods : 1, sizeof(*claimed));
    size_t *cand = rc_malloc((view->nnodes ? view->nnodes : 1) * sizeof(*cand)), nc = 0;
    for (size_t i = 0; i < view->nnodes; i++) {
        const rc_op_node_t *n = &view->nodes[i];
        if (n->state == RC_OP_NODE_DEAD) continue;
        int p = rc_op_pod_of(view, obs, n);
        if (p < 0) continue;
        claimed[p] = 1;
        if (n->state == RC_OP_NODE_ALIVE && strcmp(n->group, g->name) == 0) cand[nc++] = i;
    }
    for (size_t p = 0; p < obs->npods && (int64_t)gp->nvictims < need; p++)
        if (!claimed[p] && !obs->pods[p].terminating) add_victim(gp, NULL, &obs->pods[p]);
    cmp_nodes = view->nodes;
    qsort(cand, nc, sizeof(*cand), victim_cmp);
    for (size_t k = 0; k < nc && (int64_t)gp->nvictims < need; k++) {
        const rc_op_node_t *n = &view->nodes[cand[k]];
        add_victim(gp, n, &obs->pods[rc_op_pod_of(view, obs, n)]);
    }
    rc_buf_t why = RC_BUF_INIT;
    rc_buf_printf(&why, "replicas %lld above maxReplicas %lld", (long long)obs->replicas,
                  (long long)g->max_replicas);
    if ((int64_t)gp->nvictims < need)
        rc_buf_printf(&why, " (%lld of the pods removed are left to the ReplicaSet to choose)",
                      (long long)(need - (int64_t)gp->nvictims));
    gp->msg = "clamp";
    gp->to = g->max_replicas;
    gp->reason = rc_buf_detach(&why, NULL);
    rc_free(cand);
    rc_free(claimed);
}

/* ---- the decision ------------------------------------------------------------------------ */

void rc_op_decide(const rc_op_config_t *cfg, const rc_op_view_t *view, rc_op_plan_t *out)
{
    memset(out, 0, sizeof(*out));
    out->ngroups = cfg->ngroups;
    out->groups = rc_calloc(cfg->ngroups ? cfg->ngroups : 1, sizeof(*out->groups));
    gstate_t *gs = rc_calloc(cfg->ngroups ? cfg->ngroups : 1, sizeof(*gs));
    for (size_t g = 0; g < cfg->ngroups; g++) {
        const rc_op_group_t *c = &cfg->groups[g];
        int64_t R = view->groups[g].replicas;
        gs[g].target = R < c->min_replicas   ? c->min_replicas
                       : R > c->max_replicas ? c->max_replicas
                                             : R;
        gs[g].shape_ok = rc_op_group_shape(cfg, g, view, &gs[g].shape);
        for (size_t i = 0; i < view->nnodes; i++)
            if (view->nodes[i].state == RC_OP_NODE_ALIVE &&
                strcmp(view->nodes[i].group, c->name) == 0)
                gs[g].alive++;
        out->groups[g].from = out->groups[g].to = R;
    }
    scale_up(cfg, view, gs, out);
    for (size_t g = 0; g < cfg->ngroups; g++) {
        const rc_op_group_t *c = &cfg->groups[g];
        rc_op_group_plan_t *gp = &out->groups[g];
        int64_t R = gp->from;
        if (gs[g].added > 0) {
            rc_buf_t why = RC_BUF_INIT;
            if (R < c->min_replicas)
                rc_buf_printf(&why, "replicas %lld below minReplicas %lld; ", (long long)R,
                              (long long)c->min_replicas);
            rc_buf_append(&why, gs[g].up.data, gs[g].up.len);
            gp->msg = "scale-up";
            gp->to = gs[g].target;
            gp->reason = rc_buf_detach(&why, NULL);
        } else if (R < c->min_replicas) {
            rc_buf_t why = RC_BUF_INIT;
            rc_buf_printf(&why, "replicas %lld below minReplicas %lld", (long long)R,
                          (long long)c->min_replicas);
            gp->msg = "clamp";
            gp->to = c->min_replicas;
            gp->reason = rc_buf_detach(&why, NULL);
        } else if (R > c->max_replicas) {
            clamp_down(cfg, view, g, gp);
        } else {
            idle_down(cfg, view, g, &gs[g], gp, out);
        }
    }
    for (size_t g = 0; g < cfg->ngroups; g++) {
        rc_res_free(&gs[g].shape);
        rc_buf_free(&gs[g].up);
    }
    rc_free(gs);
}

void rc_op_plan_free(rc_op_plan_t *p)
{
    if (!p) return;
    for (size_t g = 0; g < p->ngroups; g++) {
        rc_op_group_plan_t *gp = &p->groups[g];
        rc_free(gp->reason);
        for (size_t v = 0; v < gp->nvictims; v++) {
            rc_free(gp->victims[v].pod);
            rc_free(gp->victims[v].node_name);
        }
        rc_free(gp->victims);
    }
    rc_free(p->groups);
    for (size_t i = 0; i < p->nnotes; i++) {
        rc_free(p->notes[i].key);
        rc_free(p->notes[i].reason);
    }
    rc_free(p->notes);
    memset(p, 0, sizeof(*p));
}
