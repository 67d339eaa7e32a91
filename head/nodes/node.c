/* node.c — a node record's fields (see node.h). */
#include <string.h>

#include "alloc.h"
#include "node.h"

static char empty[] = "";

const char *rc_node_state_name(rc_node_state_t s)
{
    switch (s) {
    case RC_NODE_ALIVE: return "ALIVE";
    case RC_NODE_DRAINING: return "DRAINING";
    case RC_NODE_DEAD: return "DEAD";
    }
    return "UNKNOWN";
}

/* Empty strings share one static "" so a record costs no allocation until set. */
static void free_str(char **s)
{
    if (*s && *s != empty) rc_free(*s);
    *s = empty;
}

void rc_node_set_str(char **dst_str, const char *s)
{
    free_str(dst_str);
    if (s && *s) *dst_str = rc_strdup(s);
}

void rc_node_init(rc_node_t *n)
{
    memset(n, 0, sizeof(*n));
    n->node_ip = n->hostname = n->group = n->version = n->death_reason = empty;
    rc_res_init(&n->total);
    rc_res_init(&n->available);
}

void rc_node_clear(rc_node_t *n)
{
    struct rc_node *prev = n->prev, *next = n->next, *dprev = n->dprev, *dnext = n->dnext;
    free_str(&n->node_ip);
    free_str(&n->hostname);
    free_str(&n->group);
    free_str(&n->version);
    free_str(&n->death_reason);
    for (size_t i = 0; i < n->nlabels; i++) {
        rc_free(n->labels[i].key);
        rc_free(n->labels[i].value);
    }
    rc_free(n->labels);
    rc_res_free(&n->total);
    rc_res_free(&n->available);
    rc_node_workers_free(&n->workers);
    rc_node_init(n);
    n->prev = prev;
    n->next = next;
    n->dprev = dprev;
    n->dnext = dnext;
}

int rc_node_is_idle(const rc_node_t *n)
{
    if (!rc_res_eq(&n->available, &n->total)) return 0;
    for (size_t i = 0; i < n->workers.n; i++)
        if (n->workers.v[i].busy) return 0;
    return 1;
}

int64_t rc_node_idle_ms(const rc_node_t *n)
{
    if (n->state == RC_NODE_DEAD || n->idle_since_ms <= 0) return 0;
    int64_t d = n->last_report_ms - n->idle_since_ms;
    return d > 0 ? d : 0;
}

size_t rc_node_nworkers(const rc_node_t *n)
{
    return n->workers.n;
}

void rc_node_workers_copy(rc_node_workers_t *dst, const rc_node_workers_t *src)
{
    if (dst->cap < src->n) {
        /* Grown to fit, never shrunk: a node's steady reports allocate nothing. */
        rc_free(dst->v);
        dst->v = rc_malloc(src->n * sizeof(*dst->v));
        dst->cap = src->n;
    }
    if (src->n) memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
    dst->n = src->n;
}

void rc_node_workers_free(rc_node_workers_t *l)
{
    rc_free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}
