/* shape.c — node shapes of worker groups (see shape.h). */
#include "shape.h"

#include <stdio.h>
#include <string.h>

#include "flags.h"
#include "quantity.h"

/* rayStartParams keys are read with '_' as '-' (Ray accepts both spellings). */
static const rc_json_t *param(const rc_json_t *params, const char *name, const char **key)
{
    for (size_t i = rc_json_len(params); i-- > 0;) {
        const char *k = rc_json_key_at(params, i, NULL);
        size_t j;
        for (j = 0; k[j] && name[j] && (k[j] == name[j] || (k[j] == '_' && name[j] == '-')); j++) {
        }
        if (!k[j] && !name[j]) {
            *key = k;
            return rc_json_value_at(params, i);
        }
    }
    return NULL;
}

/* A parameter as text: strings as they are, numbers as written (the chart may
 * render num-cpus: 2 unquoted). NULL for other types. */
static const char *param_text(const rc_json_t *v, char *num, size_t cap)
{
    if (rc_json_type(v) == RC_JSON_STRING) return rc_json_str(v, NULL);
    if (rc_json_type(v) != RC_JSON_NUMBER) return NULL;
    int64_t i;
    if (rc_json_int(v, &i))
        snprintf(num, cap, "%lld", (long long)i);
    else
        snprintf(num, cap, "%.17g", rc_json_num(v));
    return num;
}

/* A number flag of rayStartParams, parsed as the worker parses it: a whole
 * number of CPUs/GPUs (bytes 0), or a byte size like 4GiB (bytes 1). *found is
 * 0 when the flag is not given. */
static rc_err_t num_param(const rc_json_t *params, const char *name, const char *path, int bytes,
                          int64_t *out, int *found, char *err, size_t errcap)
{
    const char *key;
    char num[64];
    const rc_json_t *v = param(params, name, &key);
    *found = 0;
    if (!v) return RC_OK;
    const char *t = param_text(v, num, sizeof(num));
    int ok =
        t && (bytes ? rc_parse_bytes(t, out) == RC_OK && *out <= RC_RES_MAX_UNITS
                    : rc_str_to_i64(t, strlen(t), out) == RC_OK && *out >= 0 && *out <= 1000000);
    if (!ok) {
        char want[96];
        if (bytes)
            snprintf(want, sizeof(want), "a byte size like 4294967296 or 4GiB");
        else
            snprintf(want, sizeof(want),
                     "a whole number from 0 to 1000000 (as rayc start --%s takes it)", name);
        snprintf(err, errcap, "%s.rayStartParams.%s: must be %s, got %s%.40s%s", path, key, want,
                 t ? "'" : "", t ? t : rc_json_type_name(rc_json_type(v)), t ? "'" : "");
        return RC_EINVAL;
    }
    *found = 1;
    return RC_OK;
}

/* rayStartParams.resources: a JSON object in a string; KubeRay's charts quote
 * it once more for the shell ('"{\"gizmo\": 1}"'), which is accepted too. */
static rc_err_t custom_param(const rc_json_t *params, const char *path, rc_res_t *out, char *err,
                             size_t errcap)
{
    const char *key;
    char rerr[256];
    const rc_json_t *v = param(params, "resources", &key);
    if (!v) return RC_OK;
    size_t len;
    const char *t = rc_json_str(v, &len);
    if (!t) {
        snprintf(err, errcap,
                 "%s.rayStartParams.resources: must be a string holding a JSON object, like "
                 "\"{\\\"gizmo\\\": 1}\", got %s",
                 path, rc_json_type_name(rc_json_type(v)));
        return RC_EINVAL;
    }
    rc_buf_t unq = RC_BUF_INIT;
    if (len >= 2 && t[0] == '"' && t[len - 1] == '"') {
        for (size_t i = 1; i + 1 < len; i++) {
            if (t[i] == '\\' && i + 2 < len && (t[i + 1] == '"' || t[i + 1] == '\\')) i++;
            rc_buf_append_char(&unq, t[i]);
        }
        t = unq.data ? unq.data : "";
        len = unq.len;
    }
    rc_res_t custom;
    rc_err_t e = rc_res_parse_json(t, len, &custom, rerr, sizeof(rerr));
    rc_buf_free(&unq);
    if (e != RC_OK) {
        snprintf(err, errcap, "%s.rayStartParams.resources: %s", path, rerr);
        return RC_EINVAL;
    }
    if (custom.cpu || custom.gpu || custom.memory || custom.object_store_memory) {
        snprintf(err, errcap,
                 "%s.rayStartParams.resources: must not name CPU, GPU, memory or "
                 "object_store_memory (use num-cpus, num-gpus, memory, object-store-memory)",
                 path);
        rc_res_free(&custom);
        return RC_EINVAL;
    }
    for (size_t i = 0; i < custom.ncustom; i++)
        (void)rc_res_set(out, custom.custom[i].name, custom.custom[i].amount);
    rc_res_free(&custom);
    return RC_OK;
}

/* resources.<section>.<name> as a quantity in milli-units; *found 0 when absent. */
static rc_err_t limit(const rc_json_t *resources, const char *section, const char *name,
                      const char *path, int64_t *milli, int *found, char *err, size_t errcap)
{
    char qerr[200], num[64];
    const rc_json_t *v = rc_json_get(rc_json_get(resources, section), name);
    *found = 0;
    if (!v) return RC_OK;
    const char *t = param_text(v, num, sizeof(num));
    if (!t) {
        snprintf(err, errcap,
                 "%s.resources.%s.%s: must be a quantity like \"2\" or \"500m\", got %s", path,
                 section, name, rc_json_type_name(rc_json_type(v)));
        return RC_EINVAL;
    }
    if (rc_quantity_parse(t, milli, qerr, sizeof(qerr)) != RC_OK) {
        snprintf(err, errcap, "%s.resources.%s.%s: %s", path, section, name, qerr);
        return RC_EINVAL;
    }
    *found = 1;
    return RC_OK;
}

/* Sets a predefined amount of whole units; RC_EINVAL beyond RC_RES_MAX. */
static rc_err_t set_units(rc_res_t *r, const char *name, int64_t units, const char *path,
                          const char *field, char *err, size_t errcap)
{
    if (units > RC_RES_MAX_UNITS || rc_res_set(r, name, RC_RES_UNITS(units)) != RC_OK) {
        snprintf(err, errcap, "%s.%s: too large", path, field);
        return RC_EINVAL;
    }
    return RC_OK;
}

rc_err_t rc_op_shape_from_spec(const rc_json_t *params, const rc_json_t *resources,
                               const char *path, rc_res_t *out, unsigned *known, char *err,
                               size_t errcap)
{
    int64_t v, milli;
    int found;
    rc_err_t e;
    rc_res_init(out);
    *known = RC_OP_SHAPE_GPU;
    if (params && rc_json_type(params) != RC_JSON_OBJECT) {
        snprintf(err, errcap, "%s.rayStartParams: must be an object of flag to value, got %s", path,
                 rc_json_type_name(rc_json_type(params)));
        return RC_EINVAL;
    }
    if (resources && rc_json_type(resources) != RC_JSON_OBJECT) {
        snprintf(err, errcap,
                 "%s.resources: must be an object like {\"limits\": {\"cpu\": \"2\"}}, got %s",
                 path, rc_json_type_name(rc_json_type(resources)));
        return RC_EINVAL;
    }
    for (size_t i = 0; i < rc_json_len(resources); i++) {
        const char *k = rc_json_key_at(resources, i, NULL);
        if (strcmp(k, "limits") != 0 && strcmp(k, "requests") != 0) {
            snprintf(err, errcap, "%s.resources.%.40s: unknown field (expected limits, requests)",
                     path, k);
            return RC_EINVAL;
        }
        if (rc_json_type(rc_json_value_at(resources, i)) != RC_JSON_OBJECT) {
            snprintf(err, errcap, "%s.resources.%s: must be an object of resource to quantity",
                     path, k);
            return RC_EINVAL;
        }
    }

    /* Every quantity is checked, also those a rayStartParam overrides, so a
     * typo is reported the day it is written. */
    int64_t lcpu = 0, rcpu = 0, lmem = 0;
    int has_lcpu, has_rcpu, has_lmem, has_rmem;
    int64_t unused;
    if ((e = limit(resources, "limits", "cpu", path, &lcpu, &has_lcpu, err, errcap)) != RC_OK ||
        (e = limit(resources, "requests", "cpu", path, &rcpu, &has_rcpu, err, errcap)) != RC_OK ||
        (e = limit(resources, "limits", "memory", path, &lmem, &has_lmem, err, errcap)) != RC_OK ||
        (e = limit(resources, "requests", "memory", path, &unused, &has_rmem, err, errcap)) !=
            RC_OK)
        goto fail;

    if ((e = num_param(params, "num-cpus", path, 0, &v, &found, err, errcap)) != RC_OK) goto fail;
    if (found) {
        if ((e = set_units(out, "CPU", v, path, "rayStartParams.num-cpus", err, errcap))) goto fail;
        *known |= RC_OP_SHAPE_CPU;
    } else if (has_lcpu || has_rcpu) {
        milli = has_lcpu ? lcpu : rcpu;
        if ((e = set_units(out, "CPU", rc_quantity_ceil_units(milli), path,
                           has_lcpu ? "resources.limits.cpu" : "resources.requests.cpu", err,
                           errcap)))
            goto fail;
        *known |= RC_OP_SHAPE_CPU;
    }
    if ((e = num_param(params, "num-gpus", path, 0, &v, &found, err, errcap)) != RC_OK) goto fail;
    if (found && (e = set_units(out, "GPU", v, path, "rayStartParams.num-gpus", err, errcap)))
        goto fail;
    /* From a memory limit, what the worker in that pod offers: Ray's split of
     * it between memory and the object store (rc_res_default_memory). Memory
     * counts bytes; a quantity's thousandths of a byte round up. */
    int64_t split_mem = 0, split_os = 0;
    if (has_lmem) rc_res_default_memory(rc_quantity_ceil_units(lmem), &split_mem, &split_os);
    if ((e = num_param(params, "memory", path, 1, &v, &found, err, errcap)) != RC_OK) goto fail;
    if (found || has_lmem) {
        if ((e = set_units(out, "memory", found ? v : split_mem, path,
                           found ? "rayStartParams.memory" : "resources.limits.memory", err,
                           errcap)))
            goto fail;
        *known |= RC_OP_SHAPE_MEMORY;
    }
    if ((e = num_param(params, "object-store-memory", path, 1, &v, &found, err, errcap)) != RC_OK)
        goto fail;
    if (found || has_lmem) {
        if ((e = set_units(out, "object_store_memory", found ? v : split_os, path,
                           found ? "rayStartParams.object-store-memory" : "resources.limits.memory",
                           err, errcap)))
            goto fail;
        *known |= RC_OP_SHAPE_OBJECT_STORE;
    }
    if ((e = custom_param(params, path, out, err, errcap)) != RC_OK) goto fail;
    return RC_OK;
fail:
    rc_res_free(out);
    return e;
}

void rc_op_shape_complete(rc_res_t *shape, unsigned known, const rc_res_t *total)
{
    if (!(known & RC_OP_SHAPE_CPU)) shape->cpu = total->cpu;
    if (!(known & RC_OP_SHAPE_GPU)) shape->gpu = total->gpu;
    if (!(known & RC_OP_SHAPE_MEMORY)) shape->memory = total->memory;
    if (!(known & RC_OP_SHAPE_OBJECT_STORE))
        shape->object_store_memory = total->object_store_memory;
}

static void copies_of(int64_t req, int64_t avail, int64_t *best)
{
    if (req <= 0) return;
    int64_t k = avail / req;
    if (k < *best) *best = k;
}

int64_t rc_op_shape_copies(const rc_res_t *req, const rc_res_t *avail)
{
    int64_t best = INT64_MAX;
    copies_of(req->cpu, avail->cpu, &best);
    copies_of(req->gpu, avail->gpu, &best);
    copies_of(req->memory, avail->memory, &best);
    copies_of(req->object_store_memory, avail->object_store_memory, &best);
    for (size_t i = 0; i < req->ncustom; i++)
        copies_of(req->custom[i].amount, rc_res_get(avail, req->custom[i].name), &best);
    return best;
}
