/* spec.c — task options → TaskSpec bytes; see spec.h. */
#include "spec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "id.h"

void rayc_task_opts_init(rayc_task_opts_t *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->num_cpus = 1;
    opts->max_retries = 3;
    opts->strategy = RAYC_DEFAULT;
}

rayc_arg_t rayc_arg_bytes(const void *data, size_t len)
{
    rayc_arg_t a;
    memset(&a, 0, sizeof(a));
    a.kind = RAYC_ARG_BYTES;
    a.data = data;
    a.len = len;
    return a;
}

rayc_arg_t rayc_arg_ref(rayc_ref_t ref)
{
    rayc_arg_t a;
    memset(&a, 0, sizeof(a));
    a.kind = RAYC_ARG_REF;
    a.ref = ref;
    return a;
}

void rc_spec_enc_init(rc_spec_enc_t *e)
{
    memset(e, 0, sizeof(*e));
    const char *job = getenv("RAY_JOB_ID");
    e->has_job_id = job && rc_hex_decode(job, strlen(job), e->job_id, sizeof(e->job_id)) == RC_OK;
    rc_res_init(&e->res);
    rayc__resources__init(&e->pb);
}

void rc_spec_enc_free(rc_spec_enc_t *e)
{
    rc_free(e->json);
    rc_res_free(&e->res);
    rc_free(e->items);
    rc_free(e->ptrs);
    rc_free(e->args);
    rc_free(e->argp);
    memset(e, 0, sizeof(*e));
}

static int check_amount(const char *what, double v, double max, char *err, size_t errcap)
{
    if (!isfinite(v) || v < 0 || v > max) {
        snprintf(err, errcap, "%s = %g is out of range (0 to %g)", what, v, max);
        return RAYC_EINVAL;
    }
    /* A positive amount that rounds to 0 would silently ask for nothing. */
    if (v > 0 && rc_res_from_double(v) == 0) {
        snprintf(err, errcap, "%s = %g is below the resolution of 0.0001", what, v);
        return RAYC_EINVAL;
    }
    return RAYC_OK;
}

int rc_spec_resources(const rayc_task_opts_t *o, rc_res_t *out, char *err, size_t errcap)
{
    int e;
    rc_res_init(out);
    if ((e = check_amount("num_cpus", o->num_cpus, (double)RC_RES_MAX_UNITS, err, errcap)) ||
        (e = check_amount("num_gpus", o->num_gpus, (double)RC_RES_MAX_UNITS, err, errcap)) ||
        (e = check_amount("memory", o->memory, (double)RC_RES_MAX_UNITS, err, errcap)))
        return e;
    if (o->resources && *o->resources) {
        char msg[256];
        if (rc_res_parse_json(o->resources, strlen(o->resources), out, msg, sizeof(msg)) != RC_OK) {
            snprintf(err, errcap,
                     "bad resources %s: %s (expected a JSON object such as {\"disk\": 1})",
                     o->resources, msg);
            return RAYC_EINVAL;
        }
        /* Ray refuses these in the dict too: one place per predefined resource. */
        static const char *const own[][2] = {
            {"CPU", "num_cpus"}, {"GPU", "num_gpus"}, {"memory", "memory"}};
        for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
            if (rc_res_get(out, own[i][0]) != 0) {
                snprintf(err, errcap, "resources names \"%s\": set it with the %s option instead",
                         own[i][0], own[i][1]);
                rc_res_free(out);
                return RAYC_EINVAL;
            }
        }
    }
    out->cpu = rc_res_from_double(o->num_cpus);
    out->gpu = rc_res_from_double(o->num_gpus);
    out->memory = rc_res_from_double(o->memory); /* bytes, fixed point like every amount */
    return RAYC_OK;
}

static void add_amount(rc_spec_enc_t *e, const char *name, int64_t amount)
{
    if (amount == 0) return;
    Rayc__ResourceAmount *a = &e->items[e->pb.n_amounts];
    rayc__resource_amount__init(a);
    a->name = (char *)name;
    a->amount = amount;
    e->ptrs[e->pb.n_amounts++] = a;
}

/* Rebuilds the cached Resources message when the options differ from the last ones. */
static int cache_resources(rc_spec_enc_t *e, const rayc_task_opts_t *o, char *err, size_t errcap)
{
    const char *json = o->resources && *o->resources ? o->resources : NULL;
    if (e->cached && e->cpu == o->num_cpus && e->gpu == o->num_gpus && e->memory == o->memory &&
        ((!json && !e->json) || (json && e->json && strcmp(json, e->json) == 0)))
        return RAYC_OK;
    rc_res_t res;
    int rc = rc_spec_resources(o, &res, err, errcap);
    if (rc != RAYC_OK) return rc;
    rc_res_free(&e->res);
    e->res = res;
    rc_free(e->json);
    e->json = json ? rc_strdup(json) : NULL;
    e->cpu = o->num_cpus;
    e->gpu = o->num_gpus;
    e->memory = o->memory;
    size_t need = 4 + res.ncustom;
    if (need > e->itemcap) {
        e->items = rc_realloc(e->items, need * sizeof(*e->items));
        e->ptrs = rc_realloc(e->ptrs, need * sizeof(*e->ptrs));
        e->itemcap = need;
    }
    rayc__resources__init(&e->pb);
    e->pb.amounts = e->ptrs;
    add_amount(e, "CPU", e->res.cpu);
    add_amount(e, "GPU", e->res.gpu);
    add_amount(e, "memory", e->res.memory);
    add_amount(e, "object_store_memory", e->res.object_store_memory);
    for (size_t i = 0; i < e->res.ncustom; i++)
        add_amount(e, e->res.custom[i].name, e->res.custom[i].amount);
    e->cached = 1;
    return RAYC_OK;
}

static int check_opts(const rayc_task_opts_t *o, rc_id_t *node, char *err, size_t errcap)
{
    if (o->max_retries < -1) {
        snprintf(err, errcap, "max_retries = %d: must be >= 0 (or -1 for the default of 3)",
                 o->max_retries);
        return RAYC_EINVAL;
    }
    switch (o->strategy) {
    case RAYC_DEFAULT:
    case RAYC_SPREAD: break;
    case RAYC_NODE_AFFINITY:
        if (!o->node_id || rc_id_from_hex(o->node_id, strlen(o->node_id), node) != RC_OK) {
            snprintf(err, errcap,
                     "RAYC_NODE_AFFINITY needs node_id as 32 hex characters (got %s%s%s); see "
                     "`rayc list nodes`",
                     o->node_id ? "\"" : "", o->node_id ? o->node_id : "none",
                     o->node_id ? "\"" : "");
            return RAYC_EINVAL;
        }
        break;
    default:
        snprintf(err, errcap, "unknown strategy %d (RAYC_DEFAULT, RAYC_SPREAD, RAYC_NODE_AFFINITY)",
                 (int)o->strategy);
        return RAYC_EINVAL;
    }
    return RAYC_OK;
}

static size_t varint_put(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

int rc_spec_encode(rc_spec_enc_t *e, const rc_spec_in_t *in, rc_buf_t *out, char *err,
                   size_t errcap)
{
    rayc_task_opts_t defaults;
    const rayc_task_opts_t *o = in->opts;
    if (!o) {
        rayc_task_opts_init(&defaults);
        o = &defaults;
    }
    Rayc__TaskSpec m;
    rayc__task_spec__init(&m);
    if (in->argv) {
        size_t argc = 0;
        while (in->argv[argc]) argc++;
        if (argc == 0 || !in->argv[0][0]) {
            snprintf(err, errcap, "argv is empty: give the program to run as argv[0]");
            return RAYC_EINVAL;
        }
        m.kind = RAYC__TASK_KIND__TASK_COMMAND;
        m.argv = (char **)in->argv;
        m.n_argv = argc;
        if ((o->nenv && !o->env) || (o->cwd && o->cwd[0] != '/') ||
            (o->log_path && o->log_path[0] != '/') || o->stop_signal < 0 || o->stop_signal > 64) {
            snprintf(err, errcap,
                     "command options: env must hold nenv \"K=V\" strings, cwd and "
                     "log_path must be absolute paths, stop_signal 0..64");
            return RAYC_EINVAL;
        }
        for (size_t i = 0; i < o->nenv; i++)
            if (!o->env[i] || !strchr(o->env[i], '=') || o->env[i][0] == '=') {
                snprintf(err, errcap, "env[%zu] is not \"NAME=VALUE\"", i);
                return RAYC_EINVAL;
            }
        m.env = (char **)o->env;
        m.n_env = o->nenv;
        m.cwd = (char *)(o->cwd ? o->cwd : "");
        m.log_path = (char *)(o->log_path ? o->log_path : "");
        m.stop_signal = o->stop_signal;
    } else {
        if (!in->library || !*in->library) {
            snprintf(err, errcap,
                     "library is empty: give the path of the shared library that "
                     "holds the task function");
            return RAYC_EINVAL;
        }
        if (!in->function || !*in->function) {
            snprintf(err, errcap, "function is empty: give the name of the task function in %s",
                     in->library);
            return RAYC_EINVAL;
        }
        m.kind = RAYC__TASK_KIND__TASK_FUNCTION;
        m.library = (char *)in->library;
        m.function = (char *)in->function;
    }
    if (in->nargs && !in->args) {
        snprintf(err, errcap, "nargs is %zu but args is NULL", in->nargs);
        return RAYC_EINVAL;
    }
    rc_id_t node = RC_ID_NIL;
    int rc = check_opts(o, &node, err, errcap);
    if (rc != RAYC_OK) return rc;
    if ((rc = cache_resources(e, o, err, errcap)) != RAYC_OK) return rc;

    if (in->nargs > e->argcap) {
        size_t cap = e->argcap ? e->argcap : 8;
        while (cap < in->nargs) cap *= 2;
        e->args = rc_realloc(e->args, cap * sizeof(*e->args));
        e->argp = rc_realloc(e->argp, cap * sizeof(*e->argp));
        e->argcap = cap;
    }
    for (size_t i = 0; i < in->nargs; i++) {
        const rayc_arg_t *a = &in->args[i];
        Rayc__TaskArg *pa = &e->args[i];
        rayc__task_arg__init(pa);
        if (a->kind == RAYC_ARG_BYTES) {
            if (a->len && !a->data) {
                snprintf(err, errcap, "argument %zu has %zu bytes but data is NULL", i, a->len);
                return RAYC_EINVAL;
            }
            if (a->len > RC_SPEC_INLINE_MAX) {
                snprintf(err, errcap,
                         "argument %zu has %zu bytes, over the 100 KiB of an inline argument: "
                         "rayc_put it and pass rayc_arg_ref (the value then stays in a node's "
                         "object store)",
                         i, a->len);
                return RAYC_ETOOBIG;
            }
            pa->value_case = RAYC__TASK_ARG__VALUE_DATA;
            pa->data.data = (uint8_t *)a->data;
            pa->data.len = a->len;
        } else if (a->kind == RAYC_ARG_REF) {
            pa->value_case = RAYC__TASK_ARG__VALUE_REF;
            pa->ref.data = (uint8_t *)a->ref.id;
            pa->ref.len = sizeof(a->ref.id);
        } else {
            snprintf(err, errcap, "argument %zu has an unknown kind %d", i, (int)a->kind);
            return RAYC_EINVAL;
        }
        e->argp[i] = pa;
    }
    m.args = e->argp;
    m.n_args = in->nargs;

    m.task_id.data = (uint8_t *)in->id.b;
    m.task_id.len = sizeof(in->id.b);
    if (e->has_job_id) {
        m.job_id.data = e->job_id;
        m.job_id.len = sizeof(e->job_id);
    }
    m.resources = &e->pb;
    m.max_retries = o->max_retries;
    m.retry_exceptions = o->retry_exceptions != 0;
    m.strategy = (Rayc__Strategy)o->strategy;
    if (o->strategy == RAYC_NODE_AFFINITY) {
        m.affinity_node_id.data = node.b;
        m.affinity_node_id.len = sizeof(node.b);
        m.affinity_soft = o->soft != 0;
    }
    if (o->group) m.group = (char *)o->group;
    if (o->name) m.name = (char *)o->name;

    size_t len = rayc__task_spec__get_packed_size(&m);
    uint8_t *p = (uint8_t *)rc_buf_reserve(out, len + 11);
    size_t n = 0;
    p[n++] = 0x0a; /* TaskSpecBatch.specs: field 1, length-delimited */
    n += varint_put(p + n, len);
    n += rayc__task_spec__pack(&m, p + n);
    out->len += n;
    return RAYC_OK;
}
