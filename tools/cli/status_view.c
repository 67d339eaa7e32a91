/* status_view.c — `rayc status` text from CLUSTER.STATUS JSON; see status_view.h. */
#include "status_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fmt.h"
#include "json.h"

#define RULE "---------------------------------------------------------------\n"

static const char *const predefined[] = {"CPU", "GPU", "memory", "object_store_memory"};

static int64_t count_of(const rc_json_t *obj, const char *key)
{
    int64_t v = 0;
    if (!rc_json_int(rc_json_get(obj, key), &v) || v < 0) return 0;
    return v;
}

typedef struct {
    const char *name;
    int64_t n;
} group_count_t;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const group_count_t *)a)->name, ((const group_count_t *)b)->name);
}

/* One "Active:"/"Draining:"/"Dead:" block: a line per group with a non-zero
 * count, sorted by group name; the cluster-wide count when the head sent no
 * per-group breakdown. */
static void node_block(const rc_json_t *st, const char *title, const char *key, const char *none,
                       rc_buf_t *out)
{
    const rc_json_t *groups = rc_json_get(st, "groups");
    size_t ng = rc_json_len(groups);
    group_count_t *gc = rc_calloc(ng ? ng : 1, sizeof(*gc));
    size_t n = 0;
    int64_t sum = 0;
    for (size_t i = 0; i < ng && rc_json_type(groups) == RC_JSON_OBJECT; i++) {
        int64_t c = count_of(rc_json_value_at(groups, i), key);
        if (c <= 0) continue;
        gc[n].name = rc_json_key_at(groups, i, NULL);
        gc[n].n = c;
        sum += c;
        n++;
    }
    qsort(gc, n, sizeof(*gc), by_name);
    rc_buf_printf(out, "%s:\n", title);
    int64_t total = count_of(rc_json_get(st, "nodes"), key);
    for (size_t i = 0; i < n; i++) {
        rc_buf_printf(out, " %lld ", (long long)gc[i].n);
        rc_fmt_append_clean(out, gc[i].name, strlen(gc[i].name));
        rc_buf_append_char(out, '\n');
    }
    /* Nodes the breakdown does not account for (no groups member, or an
     * older head): show them rather than hide them. */
    if (total > sum)
        rc_buf_printf(out, " %lld %s\n", (long long)(total - sum), n ? "other" : "nodes");
    if (n == 0 && total <= sum) rc_buf_printf(out, " (%s)\n", none);
    rc_free(gc);
}

/* Python's float repr for the amounts Ray prints: "6.0", "0.5". */
static void ray_amount(double v, char *out, size_t cap)
{
    rc_fmt_amount(v, out, cap);
    if (!strchr(out, '.')) strncat(out, ".0", cap - strlen(out) - 1);
}

static void usage_line(const char *name, double total, double avail, rc_buf_t *out)
{
    double used = total - avail;
    if (used < 0) used = 0;
    if (used > total) used = total;
    char u[32], t[32];
    if (rc_fmt_is_bytes_resource(name)) {
        rc_fmt_bytes(used, u, sizeof(u));
        rc_fmt_bytes(total, t, sizeof(t));
    } else {
        ray_amount(used, u, sizeof(u));
        ray_amount(total, t, sizeof(t));
    }
    rc_buf_printf(out, " %s/%s ", u, t);
    rc_fmt_append_clean(out, name, strlen(name));
    rc_buf_append_char(out, '\n');
}

static int is_predefined(const char *name)
{
    for (size_t i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++)
        if (strcmp(name, predefined[i]) == 0) return 1;
    return 0;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void resources_block(const rc_json_t *st, rc_buf_t *out)
{
    const rc_json_t *total = rc_json_get(st, "resources_total");
    const rc_json_t *avail = rc_json_get(st, "resources_available");
    rc_buf_append_str(out, "Usage:\n");
    size_t printed = 0;
    for (size_t i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++) {
        const rc_json_t *t = rc_json_get(total, predefined[i]);
        if (rc_json_type(t) != RC_JSON_NUMBER || rc_json_num(t) <= 0) continue;
        usage_line(predefined[i], rc_json_num(t), rc_json_num(rc_json_get(avail, predefined[i])),
                   out);
        printed++;
    }
    /* Custom resources after the predefined ones, by name, as Ray sorts them. */
    size_t n = rc_json_type(total) == RC_JSON_OBJECT ? rc_json_len(total) : 0;
    const char **names = rc_calloc(n ? n : 1, sizeof(char *));
    size_t nn = 0;
    for (size_t i = 0; i < n; i++) {
        const char *k = rc_json_key_at(total, i, NULL);
        const rc_json_t *v = rc_json_value_at(total, i);
        if (is_predefined(k) || rc_json_type(v) != RC_JSON_NUMBER || rc_json_num(v) <= 0) continue;
        names[nn++] = k;
    }
    qsort(names, nn, sizeof(char *), by_str);
    for (size_t i = 0; i < nn; i++) {
        /* A repeated key: rc_json_get gives the last value; print the name once. */
        if (i > 0 && strcmp(names[i], names[i - 1]) == 0) continue;
        usage_line(names[i], rc_json_num(rc_json_get(total, names[i])),
                   rc_json_num(rc_json_get(avail, names[i])), out);
        printed++;
    }
    rc_free(names);
    if (printed == 0) rc_buf_append_str(out, " (no resources)\n");
}

/* "{CPU: 1, memory: 1.00GiB}" for a resource shape. */
static void shape_text(const rc_json_t *shape, rc_buf_t *out)
{
    rc_buf_append_char(out, '{');
    for (size_t i = 0; i < rc_json_len(shape); i++) {
        const char *k = rc_json_key_at(shape, i, NULL);
        double v = rc_json_num(rc_json_value_at(shape, i));
        char a[32];
        if (rc_fmt_is_bytes_resource(k))
            rc_fmt_bytes(v, a, sizeof(a));
        else
            rc_fmt_amount(v, a, sizeof(a));
        if (i) rc_buf_append_str(out, ", ");
        rc_fmt_append_clean(out, k, strlen(k));
        rc_buf_printf(out, ": %s", a);
    }
    rc_buf_append_char(out, '}');
}

typedef struct {
    char *text;
    int64_t count;
} demand_t;

/* A demand is either a bare shape ({"CPU": 1}) or {"resources"|"shape": {…},
 * "count": N}; identical shapes are added up, in first-seen order. */
static void collect_demands(const rc_json_t *list, demand_t **d, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < rc_json_len(list); i++) {
        const rc_json_t *e = rc_json_at(list, i);
        if (rc_json_type(e) != RC_JSON_OBJECT) continue;
        const rc_json_t *shape = rc_json_get(e, "resources");
        if (!shape) shape = rc_json_get(e, "shape");
        int64_t count = 1;
        if (rc_json_type(shape) == RC_JSON_OBJECT) {
            if (!rc_json_int(rc_json_get(e, "count"), &count) || count < 1) count = 1;
        } else {
            shape = e;
        }
        rc_buf_t b = RC_BUF_INIT;
        shape_text(shape, &b);
        size_t j;
        for (j = 0; j < *n; j++)
            if (strcmp((*d)[j].text, b.data) == 0) break;
        if (j < *n) {
            (*d)[j].count += count;
            rc_buf_free(&b);
            continue;
        }
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 8;
            *d = rc_realloc(*d, *cap * sizeof(**d));
        }
        (*d)[*n].text = rc_buf_detach(&b, NULL);
        (*d)[*n].count = count;
        (*n)++;
    }
}

static void demands_block(const rc_json_t *st, rc_buf_t *out)
{
    rc_buf_append_str(out, "Demands:\n");
    static const char *const lists[] = {"pending_demand", "infeasible_demand"};
    size_t shown = 0;
    for (size_t l = 0; l < 2; l++) {
        demand_t *d = NULL;
        size_t n = 0, cap = 0;
        collect_demands(rc_json_get(st, lists[l]), &d, &n, &cap);
        for (size_t i = 0; i < n; i++) {
            rc_buf_printf(out, " %s: %lld+ pending tasks/actors%s\n", d[i].text,
                          (long long)d[i].count,
                          l == 1 ? " (infeasible: no node in the cluster can fit it)" : "");
            rc_free(d[i].text);
        }
        shown += n;
        rc_free(d);
    }
    if (shown == 0) rc_buf_append_str(out, " (no resource demands)\n");
}

rc_err_t rc_status_view_render(const char *json, size_t len, const char *when, rc_buf_t *out,
                               char *err, size_t errcap)
{
    rc_json_t *st = NULL;
    char perr[200];
    rc_err_t e = rc_json_parse(json, len, &st, perr, sizeof(perr));
    if (e != RC_OK) {
        snprintf(err, errcap, "the head's CLUSTER.STATUS reply is not valid JSON: %s", perr);
        return e;
    }
    if (rc_json_type(st) != RC_JSON_OBJECT) {
        snprintf(err, errcap, "the head's CLUSTER.STATUS reply is a JSON %s, expected an object",
                 rc_json_type_name(rc_json_type(st)));
        rc_json_free(st);
        return RC_EPROTO;
    }
    rc_buf_printf(out, "======== Cluster status: %s ========\n", when);
    rc_buf_append_str(out, "Node status\n" RULE);
    node_block(st, "Active", "alive", "no active nodes", out);
    node_block(st, "Draining", "draining", "no draining nodes", out);
    node_block(st, "Dead", "dead", "no dead nodes", out);
    rc_buf_append_str(out, "\nResources\n" RULE);
    resources_block(st, out);
    rc_buf_append_char(out, '\n');
    demands_block(st, out);
    rc_json_free(st);
    return RC_OK;
}
