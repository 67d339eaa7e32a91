/* objects.c — the head's table of objects kept in node object stores (see
 * plane.h): task results and put values over 100 KiB, their size and the nodes
 * holding a copy. The bytes never pass through the head; it only tells a node
 * where to fetch an argument (PullReply), tells a client where to fetch a
 * value (TASK.GET), tells holders when to delete (PullReply.free_object_ids),
 * and decides what happens when the last holder dies. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "log.h"
#include "plane.h"
#include "task.pb-c.h"
#include "wire.h"

#define COMP "objects"

void rc_plane_loc_free(void *v)
{
    tloc_t *l = v;
    rc_free(l->nodes);
    rc_free(l->lost);
    rc_free(l);
}

tloc_t *rc_plane_loc(rc_task_plane_t *p, const rc_id_t *id)
{
    rc_dict_entry_t *e = rc_dict_find(p->locs, id->b, 16);
    return e ? e->val : NULL;
}

static int loc_has(const tloc_t *l, const rc_id_t *node)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (rc_id_eq(&l->nodes[i], node)) return 1;
    return 0;
}

rc_err_t rc_plane_loc_add(rc_task_plane_t *p, const rc_id_t *id, uint64_t size, tnode_t *n,
                          char *err, size_t errcap)
{
    if (!n->objaddr[0]) {
        snprintf(err, errcap, "the node has no object port: it cannot hold large objects");
        return RC_EINVAL;
    }
    int added;
    rc_dict_entry_t *e = rc_dict_add_or_find(p->locs, id->b, 16, &added);
    tloc_t *l;
    if (added) {
        l = rc_calloc(1, sizeof(*l));
        l->size = size;
        e->val = l;
    } else {
        l = e->val;
        if (l->size != size) {
            snprintf(err, errcap, "object size %llu differs from the known %llu",
                     (unsigned long long)size, (unsigned long long)l->size);
            return RC_EINVAL;
        }
        if (loc_has(l, &n->id)) return RC_OK;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 2;
        l->nodes = rc_realloc(l->nodes, l->cap * sizeof(*l->nodes));
    }
    l->nodes[l->n++] = n->id;
    rc_free(l->lost); /* a copy again (a rerun made it) */
    l->lost = NULL;
    n->obj_bytes += size;
    rc_plane_node_refresh(p, n);
    return RC_OK;
}

static void node_forget(rc_task_plane_t *p, tnode_t *n, const rc_id_t *id, uint64_t size, int tell)
{
    n->obj_bytes = n->obj_bytes > size ? n->obj_bytes - size : 0;
    if (tell) {
        if (n->nfrees == n->capfrees) {
            n->capfrees = n->capfrees ? 2 * n->capfrees : 16;
            n->frees = rc_realloc(n->frees, n->capfrees * sizeof(*n->frees));
        }
        n->frees[n->nfrees++] = *id;
        rc_plane_wake(p, n);
    }
    rc_plane_node_refresh(p, n);
}

void rc_plane_loc_drop(rc_task_plane_t *p, const rc_id_t *id)
{
    tloc_t *l = rc_plane_loc(p, id);
    if (!l) return;
    for (uint32_t i = 0; i < l->n; i++) {
        tnode_t *n = rc_plane_node(p, &l->nodes[i]);
        if (n) node_forget(p, n, id, l->size, 1);
    }
    rc_dict_delete(p->locs, id->b, 16);
}

/* The last copy of id is gone: its task makes it again, or it is lost. */
static void object_lost(rc_task_plane_t *p, const rc_id_t *id, tloc_t *l, const char *why)
{
    char hex[RC_ID_HEX_LEN + 1], msg[512];
    rc_id_to_hex(id, hex);
    task_t *t = rc_plane_task(p, id);
    if (t && rc_plane_rerun(p, t)) {
        rc_log_info(COMP, "object %s lost with its node (%s): running its task again (attempt %u)",
                    hex, why, t->attempt);
        return;
    }
    if (t)
        snprintf(msg, sizeof(msg),
                 "object %s was lost: its only copy was on a node that died (%s), and the task "
                 "that made it cannot run again (%s)",
                 hex, why,
                 (t->flags & F_COMMAND) ? "a command"
                 : t->retries_left <= 0 ? "no retries left; set max_retries to allow it"
                                        : "one of its arguments is gone");
    else
        snprintf(msg, sizeof(msg),
                 "object %s was lost: its only copy was on a node that died (%s); a put value "
                 "cannot be made again: put it again",
                 hex, why);
    rc_free(l->lost);
    l->lost = rc_strdup(msg);
    rc_log_warn(COMP, "%s", msg);
}

void rc_plane_loc_node_gone(rc_task_plane_t *p, tnode_t *n)
{
    rc_id_t *orphans = NULL;
    size_t norphans = 0, cap = 0;
    rc_dict_iter_t it;
    rc_dict_entry_t *e;
    rc_dict_iter_init(p->locs, &it);
    while ((e = rc_dict_iter_next(&it)) != NULL) {
        tloc_t *l = e->val;
        for (uint32_t i = 0; i < l->n; i++) {
            if (!rc_id_eq(&l->nodes[i], &n->id)) continue;
            l->nodes[i] = l->nodes[--l->n];
            if (l->n == 0) {
                if (norphans == cap) {
                    cap = cap ? 2 * cap : 16;
                    orphans = rc_realloc(orphans, cap * sizeof(*orphans));
                }
                memcpy(orphans[norphans++].b, e->key, 16);
            }
            break;
        }
    }
    rc_dict_iter_done(&it);
    n->obj_bytes = 0;
    n->nfrees = 0;
    char why[160];
    rc_node_t *info = p->nodes ? rc_node_table_get(p->nodes, &n->id) : NULL;
    snprintf(why, sizeof(why), "%s",
             info && info->death_reason && *info->death_reason ? info->death_reason : "node died");
    for (size_t i = 0; i < norphans; i++) {
        tloc_t *l = rc_plane_loc(p, &orphans[i]);
        if (l && l->n == 0) object_lost(p, &orphans[i], l, why);
    }
    rc_free(orphans);
}

size_t rc_plane_loc_addrs(rc_task_plane_t *p, const tloc_t *l, const char **out, size_t cap)
{
    size_t k = 0;
    for (uint32_t i = 0; i < l->n && k < cap; i++) {
        tnode_t *n = rc_plane_node(p, &l->nodes[i]);
        if (n && n->objaddr[0] && n->state != RC_NODE_DEAD) out[k++] = n->objaddr;
    }
    return k;
}

#define ADDRS_MAX 8

size_t rc_plane_loc_result_fields(rc_task_plane_t *p, const tloc_t *l, rc_buf_t *out)
{
    const char *addrs[ADDRS_MAX];
    size_t na = rc_plane_loc_addrs(p, l, addrs, ADDRS_MAX);
    size_t total = 2 + 1 + rc_wire_varint_len(l->size);
    for (size_t i = 0; i < na; i++) {
        size_t len = strlen(addrs[i]);
        total += 1 + rc_wire_varint_len(len) + len;
    }
    if (!out) return total;
    rc_wire_put_varint(out, (10u << 3) | 0);
    rc_wire_put_varint(out, 1);
    rc_wire_put_varint(out, (11u << 3) | 0);
    rc_wire_put_varint(out, l->size);
    for (size_t i = 0; i < na; i++) {
        size_t len = strlen(addrs[i]);
        rc_wire_put_ld(out, 12, len);
        rc_buf_append(out, addrs[i], len);
    }
    return total;
}
