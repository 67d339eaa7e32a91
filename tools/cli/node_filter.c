/* node_filter.c — --filter predicates for nodes; see node_filter.h. */
#include "node_filter.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "flags.h"

static const char *const keys[] = {"node_id", "node_ip",      "hostname", "group",
                                   "state",   "is_head_node", "version",  "death_reason",
                                   "pid",     "object_port"};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) (*len)--;
}

static int known_key(const char *k)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(k, keys[i]) == 0) return 1;
    return strncmp(k, "labels.", 7) == 0 && k[7] != '\0';
}

rc_err_t rc_node_filter_parse(const char *text, rc_node_filter_t *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof(*out));
    const char *eq = text ? strchr(text, '=') : NULL;
    if (!eq) {
        snprintf(err, errcap, "bad filter '%.100s': expected KEY=VALUE or KEY!=VALUE",
                 text ? text : "");
        return RC_EINVAL;
    }
    const char *k = text;
    size_t klen = (size_t)(eq - text);
    int negate = klen > 0 && text[klen - 1] == '!';
    if (negate) klen--;
    trim(&k, &klen);
    if (klen == 0) {
        snprintf(err, errcap, "bad filter '%.100s': the key before '%s' is missing", text,
                 negate ? "!=" : "=");
        return RC_EINVAL;
    }
    if (klen >= sizeof(out->key)) {
        snprintf(err, errcap, "bad filter '%.100s': the key is too long", text);
        return RC_EINVAL;
    }
    memcpy(out->key, k, klen);
    out->key[klen] = '\0';
    if (!known_key(out->key)) {
        char list[256] = "";
        for (size_t i = 0; i < NKEYS; i++) {
            strncat(list, keys[i], sizeof(list) - strlen(list) - 1);
            strncat(list, ", ", sizeof(list) - strlen(list) - 1);
        }
        snprintf(err, errcap,
                 "bad filter '%.100s': nodes have no field '%s' (filter on %slabels.NAME)", text,
                 out->key, list);
        out->key[0] = '\0';
        return RC_EINVAL;
    }
    const char *v = eq + 1;
    size_t vlen = strlen(v);
    trim(&v, &vlen);
    out->value = rc_strndup(v, vlen);
    out->negate = negate;
    return RC_OK;
}

void rc_node_filter_free(rc_node_filter_t *f)
{
    rc_free(f->value);
    f->value = NULL;
}

/* Does the JSON scalar v equal the filter's text? */
static int equals(const rc_node_filter_t *f, const rc_json_t *v)
{
    switch (rc_json_type(v)) {
    case RC_JSON_STRING: {
        size_t len;
        const char *s = rc_json_str(v, &len);
        if (len != strlen(f->value)) return 0;
        if (strcmp(f->key, "state") == 0 || strcmp(f->key, "node_id") == 0)
            return strncasecmp(s, f->value, len) == 0;
        return memcmp(s, f->value, len) == 0;
    }
    case RC_JSON_BOOL: {
        int b;
        return rc_parse_bool(f->value, &b) == RC_OK && b == rc_json_bool(v);
    }
    case RC_JSON_NUMBER: {
        double d;
        return rc_str_to_double(f->value, strlen(f->value), &d) == RC_OK && d == rc_json_num(v);
    }
    default: return 0;
    }
}

int rc_node_filter_match(const rc_node_filter_t *f, const rc_json_t *node)
{
    const rc_json_t *v;
    if (strncmp(f->key, "labels.", 7) == 0)
        v = rc_json_get(rc_json_get(node, "labels"), f->key + 7);
    else
        v = rc_json_get(node, f->key);
    int eq = v != NULL && equals(f, v);
    return f->negate ? !eq : eq;
}

int rc_node_filter_match_all(const rc_node_filter_t *fs, size_t n, const rc_json_t *node)
{
    for (size_t i = 0; i < n; i++)
        if (!rc_node_filter_match(&fs[i], node)) return 0;
    return 1;
}
