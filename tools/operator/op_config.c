/* op_config.c — operator.json (see op_config.h). */
#include "op_config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "alloc.h"
#include "fdio.h"
#include "json.h"
#include "shape.h"

#define MAX_FILE (4u << 20)

static const char *const top_keys[] = {"headAddress",        "namespace", "periodSeconds",
                                       "idleTimeoutSeconds", "groups",    NULL};
static const char *const group_keys[] = {
    "name",           "deployment", "minReplicas", "maxReplicas",
    "rayStartParams", "resources",  "podSelector", NULL};

void rc_op_config_free(rc_op_config_t *c)
{
    if (!c) return;
    rc_free(c->head_address);
    rc_free(c->namespace_);
    for (size_t i = 0; i < c->ngroups; i++) {
        rc_op_group_t *g = &c->groups[i];
        rc_free(g->name);
        rc_free(g->deployment);
        rc_free(g->pod_selector);
        rc_res_free(&g->shape);
    }
    rc_free(c->groups);
    memset(c, 0, sizeof(*c));
}

int rc_op_dns_label_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-') return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

int rc_op_dns_subdomain_valid(const char *s)
{
    char label[64];
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 253) return 0;
    for (const char *p = s;;) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        if (l == 0 || l > 63) return 0;
        memcpy(label, p, l);
        label[l] = '\0';
        if (!rc_op_dns_label_valid(label)) return 0;
        if (!dot) return 1;
        p = dot + 1;
    }
}

/* The worker's --group rule: 1-63 of [A-Za-z0-9_.-], alphanumeric at both ends. */
static int group_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && ((i == 0 || i == n - 1) || (c != '-' && c != '_' && c != '.'))) return 0;
    }
    return 1;
}

/* Selector text that cannot break the request it goes into: printable, no spaces
 * around the commas is not required (the API server trims), bounded. */
static int selector_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 1024) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0;
    return 1;
}

static rc_err_t unknown_keys(const rc_json_t *obj, const char *const *known, const char *path,
                             char *err, size_t errcap)
{
    for (size_t i = 0; i < rc_json_len(obj); i++) {
        const char *k = rc_json_key_at(obj, i, NULL);
        size_t j;
        for (j = 0; known[j] && strcmp(known[j], k) != 0; j++) {
        }
        if (known[j]) continue;
        rc_buf_t list = RC_BUF_INIT;
        for (j = 0; known[j]; j++) rc_buf_printf(&list, "%s%s", j ? ", " : "", known[j]);
        snprintf(err, errcap, "%s%s%.60s: unknown field (known: %s)", path, *path ? "." : "", k,
                 list.data);
        rc_buf_free(&list);
        return RC_EINVAL;
    }
    return RC_OK;
}

/* A required (or optional, when out stays NULL) string member. */
static rc_err_t get_str(const rc_json_t *obj, const char *key, const char *path, int required,
                        const char **out, char *err, size_t errcap)
{
    const rc_json_t *v = rc_json_get(obj, key);
    size_t len;
    *out = NULL;
    if (!v) {
        if (!required) return RC_OK;
        snprintf(err, errcap, "%s%s%s: missing (required)", path, *path ? "." : "", key);
        return RC_EINVAL;
    }
    const char *s = rc_json_str(v, &len);
    if (!s || strlen(s) != len) {
        snprintf(err, errcap, "%s%s%s: must be a string, got %s", path, *path ? "." : "", key,
                 s ? "one with a NUL byte" : rc_json_type_name(rc_json_type(v)));
        return RC_EINVAL;
    }
    *out = s;
    return RC_OK;
}

/* A number of seconds in [lo, hi] as milliseconds; def when absent. */
static rc_err_t get_seconds(const rc_json_t *obj, const char *key, double lo, int lo_open,
                            double hi, int64_t def_ms, int64_t *out, char *err, size_t errcap)
{
    const rc_json_t *v = rc_json_get(obj, key);
    *out = def_ms;
    if (!v) return RC_OK;
    double d = rc_json_num(v);
    if (rc_json_type(v) != RC_JSON_NUMBER || !isfinite(d) || d < lo || (lo_open && d == lo) ||
        d > hi) {
        snprintf(err, errcap, "%s: must be a number of seconds in %s%g, %g], got %s", key,
                 lo_open ? "(" : "[", lo, hi,
                 rc_json_type(v) == RC_JSON_NUMBER ? "a number out of range"
                                                   : rc_json_type_name(rc_json_type(v)));
        return RC_EINVAL;
    }
    *out = (int64_t)llround(d * 1000);
    if (lo_open && *out == 0) *out = 1;
    return RC_OK;
}

static rc_err_t get_count(const rc_json_t *g, const char *key, const char *path, int required,
                          int64_t def, int64_t *out, char *err, size_t errcap)
{
    const rc_json_t *v = rc_json_get(g, key);
    *out = def;
    if (!v) {
        if (!required) return RC_OK;
        snprintf(err, errcap, "%s.%s: missing (required)", path, key);
        return RC_EINVAL;
    }
    if (!rc_json_int(v, out) || *out < 0 || *out > RC_OP_MAX_REPLICAS) {
        snprintf(err, errcap, "%s.%s: must be a whole number from 0 to %d, got %s", path, key,
                 RC_OP_MAX_REPLICAS,
                 rc_json_type(v) == RC_JSON_NUMBER ? "a number out of range"
                                                   : rc_json_type_name(rc_json_type(v)));
        return RC_EINVAL;
    }
    return RC_OK;
}

static rc_err_t parse_group(const rc_json_t *g, size_t idx, rc_op_group_t *out, char *err,
                            size_t errcap)
{
    char path[32];
    const char *name, *deployment, *selector;
    rc_err_t e;
    snprintf(path, sizeof(path), "groups[%zu]", idx);
    if (rc_json_type(g) != RC_JSON_OBJECT) {
        snprintf(err, errcap, "%s: must be an object, got %s", path,
                 rc_json_type_name(rc_json_type(g)));
        return RC_EINVAL;
    }
    if ((e = unknown_keys(g, group_keys, path, err, errcap)) != RC_OK) return e;
    if ((e = get_str(g, "name", path, 1, &name, err, errcap)) != RC_OK) return e;
    if (!group_name_valid(name)) {
        snprintf(err, errcap,
                 "%s.name: '%.64s' is not a worker group name (1-63 characters of letters, "
                 "digits, '-', '_' and '.', starting and ending with a letter or digit)",
                 path, name);
        return RC_EINVAL;
    }
    if ((e = get_str(g, "deployment", path, 1, &deployment, err, errcap)) != RC_OK) return e;
    if (!rc_op_dns_subdomain_valid(deployment)) {
        snprintf(err, errcap,
                 "%s.deployment: '%.64s' is not a Deployment name (lower-case letters, digits, "
                 "'-' and '.', at most 253)",
                 path, deployment);
        return RC_EINVAL;
    }
    if ((e = get_str(g, "podSelector", path, 1, &selector, err, errcap)) != RC_OK) return e;
    if (!selector_valid(selector)) {
        snprintf(err, errcap,
                 "%s.podSelector: must be a label selector like "
                 "\"ray.io/cluster=ray-cluster,ray.io/group=%s\" (1-1024 printable characters)",
                 path, name);
        return RC_EINVAL;
    }
    if ((e = get_count(g, "minReplicas", path, 0, 0, &out->min_replicas, err, errcap)) != RC_OK ||
        (e = get_count(g, "maxReplicas", path, 1, 0, &out->max_replicas, err, errcap)) != RC_OK)
        return e;
    if (out->max_replicas < out->min_replicas) {
        snprintf(err, errcap, "%s.maxReplicas: %lld is below minReplicas (%lld)", path,
                 (long long)out->max_replicas, (long long)out->min_replicas);
        return RC_EINVAL;
    }
    e = rc_op_shape_from_spec(rc_json_get(g, "rayStartParams"), rc_json_get(g, "resources"), path,
                              &out->shape, &out->shape_known, err, errcap);
    if (e != RC_OK) return e;
    out->name = rc_strdup(name);
    out->deployment = rc_strdup(deployment);
    out->pod_selector = rc_strdup(selector);
    return RC_OK;
}

rc_err_t rc_op_config_parse(const char *text, size_t len, rc_op_config_t *out, char *err,
                            size_t errcap)
{
    rc_json_t *root = NULL;
    char jerr[200], aerr[256];
    const char *s;
    rc_addr_t addr;
    rc_err_t e = RC_EINVAL;
    memset(out, 0, sizeof(*out));
    memset(&addr, 0, sizeof(addr));
    if (rc_json_parse(text, len, &root, jerr, sizeof(jerr)) != RC_OK) {
        snprintf(err, errcap, "not valid JSON: %s", jerr);
        return RC_EINVAL;
    }
    if (rc_json_type(root) != RC_JSON_OBJECT) {
        snprintf(err, errcap, "must be a JSON object with headAddress and groups, got %s",
                 rc_json_type_name(rc_json_type(root)));
        goto fail;
    }
    if ((e = unknown_keys(root, top_keys, "", err, errcap)) != RC_OK) goto fail;
    if ((e = get_str(root, "headAddress", "", 1, &s, err, errcap)) != RC_OK) goto fail;
    if (rc_addr_parse(s, &addr, aerr, sizeof(aerr)) != RC_OK || addr.ray_client) {
        snprintf(err, errcap, "headAddress: %s",
                 addr.ray_client ? "must be the head's GCS address HOST:6379, not a ray:// address"
                                 : aerr);
        e = RC_EINVAL;
        goto fail;
    }
    out->head_address = rc_strdup(s);
    if ((e = get_str(root, "namespace", "", 0, &s, err, errcap)) != RC_OK) goto fail;
    if (s) {
        if (!rc_op_dns_label_valid(s)) {
            snprintf(err, errcap,
                     "namespace: '%.64s' is not a namespace name (1-63 lower-case letters, "
                     "digits and '-')",
                     s);
            e = RC_EINVAL;
            goto fail;
        }
        out->namespace_ = rc_strdup(s);
    }
    if ((e = get_seconds(root, "periodSeconds", 0, 1, 3600, 5000, &out->period_ms, err, errcap)) !=
            RC_OK ||
        (e = get_seconds(root, "idleTimeoutSeconds", 0, 0, 604800, 60000, &out->idle_timeout_ms,
                         err, errcap)) != RC_OK)
        goto fail;

    const rc_json_t *groups = rc_json_get(root, "groups");
    if (rc_json_type(groups) != RC_JSON_ARRAY || rc_json_len(groups) == 0 ||
        rc_json_len(groups) > RC_OP_MAX_GROUPS) {
        snprintf(err, errcap, "groups: must be an array of 1 to %d worker groups, got %s",
                 RC_OP_MAX_GROUPS,
                 !groups                                 ? "nothing"
                 : rc_json_type(groups) != RC_JSON_ARRAY ? rc_json_type_name(rc_json_type(groups))
                 : rc_json_len(groups) == 0              ? "an empty array"
                                                         : "too many");
        e = RC_EINVAL;
        goto fail;
    }
    size_t n = rc_json_len(groups);
    out->groups = rc_calloc(n, sizeof(*out->groups));
    for (size_t i = 0; i < n; i++) {
        rc_op_group_t *g = &out->groups[i];
        if ((e = parse_group(rc_json_at(groups, i), i, g, err, errcap)) != RC_OK) {
            rc_res_free(&g->shape);
            goto fail;
        }
        out->ngroups = i + 1;
        for (size_t j = 0; j < i; j++) {
            const char *what = strcmp(out->groups[j].name, g->name) == 0 ? "name"
                               : strcmp(out->groups[j].deployment, g->deployment) == 0
                                   ? "deployment"
                                   : NULL;
            if (what) {
                snprintf(err, errcap, "groups[%zu].%s: '%s' is already used by groups[%zu]", i,
                         what, strcmp(what, "name") == 0 ? g->name : g->deployment, j);
                e = RC_EINVAL;
                goto fail;
            }
        }
    }
    rc_json_free(root);
    return RC_OK;
fail:
    rc_json_free(root);
    rc_op_config_free(out);
    return e != RC_OK ? e : RC_EINVAL;
}

rc_err_t rc_op_config_load(const char *path, rc_op_config_t *out, char *err, size_t errcap)
{
    char perr[512];
    rc_buf_t text = RC_BUF_INIT;
    memset(out, 0, sizeof(*out));
    rc_err_t re = rc_read_file(path, 0, MAX_FILE, &text);
    if (re != RC_OK) {
        if (re == RC_ETOOBIG)
            snprintf(err, errcap, "cannot read the configuration %s: larger than 4 MiB", path);
        else
            snprintf(err, errcap, "cannot read the configuration %s: %s (pass --config FILE)", path,
                     strerror(errno));
        rc_buf_free(&text);
        return RC_EIO;
    }
    rc_err_t e = rc_op_config_parse(text.data ? text.data : "", text.len, out, perr, sizeof(perr));
    if (e != RC_OK) snprintf(err, errcap, "invalid configuration %s: %s", path, perr);
    rc_buf_free(&text);
    return e;
}
