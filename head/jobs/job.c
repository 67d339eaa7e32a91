/* job.c — job records, submit-request validation and their JSON/protobuf forms. */
#include "job.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "id.h"
#include "job.pb-c.h"
#include "rand.h"
#include "res.h"

static const char *const status_names[] = {"PENDING", "RUNNING", "STOPPED", "SUCCEEDED", "FAILED"};

const char *rc_job_status_name(rc_job_status_t s)
{
    return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s]
                                                                        : "UNKNOWN";
}

int rc_job_status_terminal(rc_job_status_t s)
{
    return s == RC_JOB_STOPPED || s == RC_JOB_SUCCEEDED || s == RC_JOB_FAILED;
}

int rc_job_submission_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > RC_JOB_SUBMISSION_ID_MAX || id[0] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (!isalnum(c) && c != '.' && c != '_' && c != '-') return 0;
    }
    return 1;
}

void rc_job_submission_id_new(char out[27])
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    memcpy(out, "raysubmit_", 10);
    for (int i = 0; i < 16; i++) out[10 + i] = alphabet[rc_rand_below(sizeof(alphabet) - 1)];
    out[26] = '\0';
}

/* Ray's JobID bytes are the id's little-endian bytes. */
void rc_job_id_hex(uint32_t id, char out[9])
{
    uint8_t b[4] = {(uint8_t)id, (uint8_t)(id >> 8), (uint8_t)(id >> 16), (uint8_t)(id >> 24)};
    rc_hex_encode(b, sizeof(b), out);
}

int rc_job_id_parse(const char *text, uint32_t *out)
{
    uint8_t b[4];
    if (rc_hex_decode(text, strlen(text), b, sizeof(b)) != RC_OK) return 0;
    *out = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 1;
}

/* ---- request ---------------------------------------------------------------- */

static char *json_text(const rc_json_t *v)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    rc_jw_value(&w, v);
    char *s = rc_strndup(b.data, b.len);
    rc_buf_free(&b);
    return s;
}

/* A string -> string object (metadata, env_vars); what names it in errors. */
static rc_err_t check_str_map(const rc_json_t *v, const char *what, char *err, size_t errcap)
{
    if (rc_json_type(v) != RC_JSON_OBJECT) {
        snprintf(err, errcap, "%s must be an object of string values, not %s", what,
                 rc_json_type_name(rc_json_type(v)));
        return RC_EINVAL;
    }
    for (size_t i = 0; i < rc_json_len(v); i++) {
        const rc_json_t *x = rc_json_value_at(v, i);
        size_t klen, vlen;
        const char *k = rc_json_key_at(v, i, &klen);
        if (rc_json_type(x) != RC_JSON_STRING) {
            snprintf(err, errcap, "%s['%s'] must be a string, not %s", what, k,
                     rc_json_type_name(rc_json_type(x)));
            return RC_EINVAL;
        }
        const char *val = rc_json_str(x, &vlen);
        if (klen == 0 || memchr(k, '\0', klen) || memchr(val, '\0', vlen)) {
            snprintf(err, errcap, "%s: keys must be non-empty and keys and values without NUL",
                     what);
            return RC_EINVAL;
        }
    }
    return RC_OK;
}

rc_err_t rc_job_metadata_merge(const char *old_json, const char *add, size_t len, char **out,
                               char *err, size_t errcap)
{
    *out = NULL;
    if (len > RC_JOB_METADATA_MAX) {
        snprintf(err, errcap, "metadata of %zu bytes: at most %d", len, RC_JOB_METADATA_MAX);
        return RC_EINVAL;
    }
    rc_json_t *a = NULL, *o = NULL;
    rc_err_t rc = rc_json_parse(add, len, &a, err, errcap);
    if (rc != RC_OK) return rc;
    if ((rc = check_str_map(a, "metadata", err, errcap)) != RC_OK) goto done;
    if (old_json && *old_json &&
        rc_json_parse(old_json, strlen(old_json), &o, err, errcap) != RC_OK)
        o = NULL; /* a record we wrote ourselves; unreadable: start afresh */
    /* The old keys not given again, in their order, then the new ones. */
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    rc_jw_obj_begin(&w);
    for (size_t i = 0; o && rc_json_type(o) == RC_JSON_OBJECT && i < rc_json_len(o); i++) {
        size_t klen;
        const char *k = rc_json_key_at(o, i, &klen);
        if (rc_json_get(a, k)) continue;
        rc_jw_key(&w, k);
        rc_jw_value(&w, rc_json_value_at(o, i));
    }
    for (size_t i = 0; i < rc_json_len(a); i++) {
        size_t klen;
        rc_jw_key(&w, rc_json_key_at(a, i, &klen));
        rc_jw_value(&w, rc_json_value_at(a, i));
    }
    rc_jw_obj_end(&w);
    if (b.len > RC_JOB_METADATA_MAX) {
        snprintf(err, errcap, "the merged metadata would be %zu bytes: at most %d", b.len,
                 RC_JOB_METADATA_MAX);
        rc = RC_EINVAL;
    } else {
        *out = rc_strndup(b.data, b.len);
    }
    rc_buf_free(&b);
done:
    rc_json_free(a);
    rc_json_free(o);
    return rc;
}

static rc_err_t parse_runtime_env(const rc_json_t *re, rc_job_req_t *r, char *err, size_t errcap)
{
    if (rc_json_type(re) != RC_JSON_OBJECT) {
        snprintf(err, errcap, "runtime_env must be an object, not %s",
                 rc_json_type_name(rc_json_type(re)));
        return RC_EINVAL;
    }
    for (size_t i = 0; i < rc_json_len(re); i++) {
        const char *k = rc_json_key_at(re, i, NULL);
        const rc_json_t *v = rc_json_value_at(re, i);
        if (strcmp(k, "working_dir") == 0) {
            size_t n;
            const char *s = rc_json_str(v, &n);
            if (!s || n == 0 || memchr(s, '\0', n)) {
                snprintf(err, errcap,
                         "runtime_env.working_dir must be a non-empty string: a directory on "
                         "the shared volume or an http(s):// URL of a .zip file");
                return RC_EINVAL;
            }
            rc_free(r->working_dir);
            r->working_dir = rc_strdup(s);
        } else if (strcmp(k, "env_vars") == 0) {
            rc_err_t rc = check_str_map(v, "runtime_env.env_vars", err, errcap);
            if (rc != RC_OK) return rc;
            for (size_t j = 0; j < rc_json_len(v); j++) {
                const char *name = rc_json_key_at(v, j, NULL);
                if (strchr(name, '=')) {
                    snprintf(err, errcap,
                             "runtime_env.env_vars: '%s' is not a valid variable "
                             "name ('=' is not allowed)",
                             name);
                    return RC_EINVAL;
                }
            }
            for (size_t j = 0; j < r->nenv; j++) rc_free(r->env[j]);
            rc_free(r->env);
            r->nenv = rc_json_len(v);
            r->env = rc_calloc(r->nenv ? r->nenv : 1, sizeof(char *));
            for (size_t j = 0; j < r->nenv; j++) {
                rc_buf_t b = RC_BUF_INIT;
                rc_buf_printf(&b, "%s=%s", rc_json_key_at(v, j, NULL),
                              rc_json_str(rc_json_value_at(v, j), NULL));
                r->env[j] = rc_strndup(b.data, b.len);
                rc_buf_free(&b);
            }
        } else {
            snprintf(err, errcap,
                     "runtime_env field '%s' is not supported by rayc: use working_dir and "
                     "env_vars (install packages in the image instead of pip/conda)",
                     k);
            return RC_EINVAL;
        }
    }
    return RC_OK;
}

static rc_err_t parse_amount(const rc_json_t *v, const char *name, int integer, double *d,
                             int64_t *i, char *err, size_t errcap)
{
    if (rc_json_type(v) == RC_JSON_NULL) return RC_OK;
    double x = rc_json_num(v);
    if (rc_json_type(v) != RC_JSON_NUMBER || x < 0 || !isfinite(x) ||
        (integer && !rc_json_int(v, i))) {
        snprintf(err, errcap, "%s must be %s >= 0", name,
                 integer ? "an integer (bytes)" : "a number");
        return RC_EINVAL;
    }
    if (d) *d = x;
    return RC_OK;
}

rc_err_t rc_job_req_parse(const char *body, size_t len, rc_job_req_t *out, char *err, size_t errcap)
{
    rc_json_t *root = NULL;
    char perr[160];
    rc_err_t rc;
    memset(out, 0, sizeof(*out));
    if (rc_json_parse(body, len, &root, perr, sizeof(perr)) != RC_OK) {
        snprintf(err, errcap, "the request body is not valid JSON (%s)", perr);
        return RC_ESYNTAX;
    }
    rc = RC_EINVAL;
    if (rc_json_type(root) != RC_JSON_OBJECT) {
        snprintf(err, errcap,
                 "the request body must be a JSON object with at least "
                 "\"entrypoint\"");
        goto fail;
    }
    for (size_t i = 0; i < rc_json_len(root); i++) {
        const char *k = rc_json_key_at(root, i, NULL);
        const rc_json_t *v = rc_json_value_at(root, i);
        rc_json_type_t t = rc_json_type(v);
        if (strcmp(k, "entrypoint") == 0) {
            size_t n;
            const char *s = rc_json_str(v, &n);
            if (!s || n == 0 || memchr(s, '\0', n)) {
                snprintf(err, errcap,
                         "entrypoint must be a non-empty string (the shell command "
                         "to run, e.g. \"python script.py\")");
                goto fail;
            }
            rc_free(out->entrypoint);
            out->entrypoint = rc_strdup(s);
        } else if (strcmp(k, "submission_id") == 0 || strcmp(k, "job_id") == 0) {
            if (t == RC_JSON_NULL) continue;
            const char *s = rc_json_str(v, NULL);
            if (!s || !rc_job_submission_id_valid(s)) {
                snprintf(err, errcap,
                         "%s must be 1 to %d letters, digits, '.', '_' or '-' (not starting "
                         "with '.')",
                         k, RC_JOB_SUBMISSION_ID_MAX);
                goto fail;
            }
            if (out->submission_id && strcmp(out->submission_id, s) != 0) {
                snprintf(err, errcap,
                         "submission_id and job_id (deprecated) differ: give only "
                         "submission_id");
                goto fail;
            }
            rc_free(out->submission_id);
            out->submission_id = rc_strdup(s);
        } else if (strcmp(k, "runtime_env") == 0) {
            if (t == RC_JSON_NULL) continue;
            if (parse_runtime_env(v, out, err, errcap) != RC_OK) goto fail;
            rc_free(out->runtime_env_json);
            out->runtime_env_json = json_text(v);
        } else if (strcmp(k, "metadata") == 0) {
            if (t == RC_JSON_NULL) continue;
            if (check_str_map(v, "metadata", err, errcap) != RC_OK) goto fail;
            rc_free(out->metadata_json);
            out->metadata_json = json_text(v);
        } else if (strcmp(k, "entrypoint_num_cpus") == 0) {
            if (parse_amount(v, k, 0, &out->num_cpus, NULL, err, errcap) != RC_OK) goto fail;
        } else if (strcmp(k, "entrypoint_num_gpus") == 0) {
            if (parse_amount(v, k, 0, &out->num_gpus, NULL, err, errcap) != RC_OK) goto fail;
        } else if (strcmp(k, "entrypoint_memory") == 0) {
            if (parse_amount(v, k, 1, NULL, &out->memory, err, errcap) != RC_OK) goto fail;
        } else if (strcmp(k, "entrypoint_resources") == 0) {
            if (t == RC_JSON_NULL) continue;
            rc_res_t res;
            char rerr[160];
            rc_res_init(&res);
            rc_err_t r2 =
                t == RC_JSON_OBJECT ? rc_res_from_json(v, &res, rerr, sizeof(rerr)) : RC_EINVAL;
            if (t != RC_JSON_OBJECT) snprintf(rerr, sizeof(rerr), "must be an object");
            rc_res_free(&res);
            if (r2 != RC_OK) {
                snprintf(err, errcap, "entrypoint_resources: %s", rerr);
                goto fail;
            }
            for (size_t j = 0; j < rc_json_len(v); j++) {
                const char *name = rc_json_key_at(v, j, NULL);
                if (!strcmp(name, "CPU") || !strcmp(name, "GPU") || !strcmp(name, "memory")) {
                    snprintf(err, errcap,
                             "entrypoint_resources must not contain '%s': use "
                             "entrypoint_num_cpus, entrypoint_num_gpus or entrypoint_memory",
                             name);
                    goto fail;
                }
            }
            rc_free(out->resources_json);
            out->resources_json = json_text(v);
        } else {
            snprintf(err, errcap,
                     "unknown field '%s' in the job submission (known: entrypoint, "
                     "submission_id, runtime_env, metadata, entrypoint_num_cpus, "
                     "entrypoint_num_gpus, entrypoint_memory, entrypoint_resources)",
                     k);
            goto fail;
        }
    }
    if (!out->entrypoint) {
        snprintf(err, errcap,
                 "the job submission has no \"entrypoint\" (the shell command to "
                 "run, e.g. \"python script.py\")");
        goto fail;
    }
    rc_json_free(root);
    return RC_OK;
fail:
    rc_json_free(root);
    rc_job_req_free(out);
    return rc;
}

void rc_job_req_free(rc_job_req_t *r)
{
    rc_free(r->entrypoint);
    rc_free(r->submission_id);
    rc_free(r->runtime_env_json);
    rc_free(r->metadata_json);
    rc_free(r->working_dir);
    rc_free(r->resources_json);
    for (size_t i = 0; i < r->nenv; i++) rc_free(r->env[i]);
    rc_free(r->env);
    memset(r, 0, sizeof(*r));
}

/* ---- record ----------------------------------------------------------------- */

void rc_job_set_str(char **field, const char *value)
{
    char *old = *field;
    *field = rc_strdup(value ? value : "");
    rc_free(old);
}

static rc_job_t *job_alloc(void)
{
    rc_job_t *j = rc_calloc(1, sizeof(*j));
    char **strs[] = {&j->submission_id,
                     &j->entrypoint,
                     &j->message,
                     &j->error_type,
                     &j->metadata_json,
                     &j->runtime_env_json,
                     &j->entrypoint_resources_json,
                     &j->driver_node_id};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) *strs[i] = rc_strdup("");
    return j;
}

rc_job_t *rc_job_new(const rc_job_req_t *req, const char *submission_id, uint32_t job_id,
                     int64_t now_ms)
{
    rc_job_t *j = job_alloc();
    rc_job_set_str(&j->submission_id, submission_id);
    j->job_id = job_id;
    j->status = RC_JOB_PENDING;
    rc_job_set_str(&j->entrypoint, req->entrypoint);
    rc_job_set_str(&j->message, "Job has not started yet. It may be waiting for the runtime "
                                "environment to be set up or for resources.");
    rc_job_set_str(&j->metadata_json, req->metadata_json);
    rc_job_set_str(&j->runtime_env_json, req->runtime_env_json);
    rc_job_set_str(&j->entrypoint_resources_json, req->resources_json);
    j->entrypoint_num_cpus = req->num_cpus;
    j->entrypoint_num_gpus = req->num_gpus;
    j->entrypoint_memory = req->memory;
    j->start_time_ms = now_ms;
    return j;
}

void rc_job_free(rc_job_t *j)
{
    if (!j) return;
    rc_free(j->submission_id);
    rc_free(j->entrypoint);
    rc_free(j->message);
    rc_free(j->error_type);
    rc_free(j->metadata_json);
    rc_free(j->runtime_env_json);
    rc_free(j->entrypoint_resources_json);
    rc_free(j->driver_node_id);
    rc_free(j);
}

void rc_job_set_status(rc_job_t *j, rc_job_status_t s, int64_t now_ms, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    j->status = s;
    rc_job_set_str(&j->message, msg);
    if (rc_job_status_terminal(s) && j->end_time_ms == 0) j->end_time_ms = now_ms;
}

static void raw_or_null(rc_jw_t *w, const char *key, const char *json)
{
    rc_jw_key(w, key);
    if (*json)
        rc_jw_raw(w, json, strlen(json));
    else
        rc_jw_null(w);
}

static void str_or_null(rc_jw_t *w, const char *key, const char *s)
{
    rc_jw_key(w, key);
    rc_jw_str(w, *s ? s : NULL);
}

void rc_job_to_json(const rc_job_t *j, rc_jw_t *w)
{
    char hex[9];
    rc_job_id_hex(j->job_id, hex);
    rc_jw_obj_begin(w);
    rc_jw_key(w, "type");
    rc_jw_str(w, "SUBMISSION");
    rc_jw_key(w, "job_id");
    rc_jw_str(w, hex);
    rc_jw_key(w, "submission_id");
    rc_jw_str(w, j->submission_id);
    rc_jw_key(w, "driver_info");
    rc_jw_null(w);
    rc_jw_key(w, "status");
    rc_jw_str(w, rc_job_status_name(j->status));
    rc_jw_key(w, "entrypoint");
    rc_jw_str(w, j->entrypoint);
    str_or_null(w, "message", j->message);
    str_or_null(w, "error_type", j->error_type);
    rc_jw_key(w, "start_time");
    rc_jw_int(w, j->start_time_ms);
    rc_jw_key(w, "end_time");
    if (j->end_time_ms)
        rc_jw_int(w, j->end_time_ms);
    else
        rc_jw_null(w);
    raw_or_null(w, "metadata", j->metadata_json);
    raw_or_null(w, "runtime_env", j->runtime_env_json);
    rc_jw_key(w, "driver_agent_http_address");
    rc_jw_null(w);
    str_or_null(w, "driver_node_id", j->driver_node_id);
    rc_jw_key(w, "driver_exit_code");
    if (j->has_exit_code)
        rc_jw_int(w, j->driver_exit_code);
    else
        rc_jw_null(w);
    rc_jw_key(w, "entrypoint_num_cpus");
    rc_jw_double(w, j->entrypoint_num_cpus);
    rc_jw_key(w, "entrypoint_num_gpus");
    rc_jw_double(w, j->entrypoint_num_gpus);
    rc_jw_key(w, "entrypoint_memory");
    rc_jw_int(w, j->entrypoint_memory);
    raw_or_null(w, "entrypoint_resources", j->entrypoint_resources_json);
    rc_jw_obj_end(w);
}

void rc_job_pack(const rc_job_t *j, rc_buf_t *out)
{
    Rayc__JobInfo pb = RAYC__JOB_INFO__INIT;
    pb.submission_id = j->submission_id;
    pb.job_id = j->job_id;
    pb.status = (Rayc__JobStatus)j->status;
    pb.entrypoint = j->entrypoint;
    pb.message = j->message;
    pb.error_type = j->error_type;
    pb.start_time_ms = j->start_time_ms;
    pb.end_time_ms = j->end_time_ms;
    pb.metadata_json = j->metadata_json;
    pb.runtime_env_json = j->runtime_env_json;
    pb.has_exit_code = j->has_exit_code;
    pb.driver_exit_code = j->driver_exit_code;
    pb.entrypoint_num_cpus = j->entrypoint_num_cpus;
    pb.entrypoint_num_gpus = j->entrypoint_num_gpus;
    pb.entrypoint_memory = j->entrypoint_memory;
    pb.entrypoint_resources_json = j->entrypoint_resources_json;
    pb.driver_node_id = j->driver_node_id;
    pb.driver_pid = j->driver_pid;
    pb.driver_start_ticks = j->driver_start_ticks;
    size_t n = rayc__job_info__get_packed_size(&pb);
    rc_buf_reserve(out, n);
    rayc__job_info__pack(&pb, (uint8_t *)out->data + out->len);
    out->len += n;
}

rc_err_t rc_job_unpack(const uint8_t *data, size_t len, rc_job_t **out, char *err, size_t errcap)
{
    Rayc__JobInfo *pb = rayc__job_info__unpack(NULL, len, data);
    if (!pb) {
        snprintf(err, errcap, "not a job record (protobuf JobInfo expected)");
        return RC_EPROTO;
    }
    if (!rc_job_submission_id_valid(pb->submission_id) || (unsigned)pb->status > RC_JOB_FAILED) {
        snprintf(err, errcap, "job record with a bad submission id or status");
        rayc__job_info__free_unpacked(pb, NULL);
        return RC_EPROTO;
    }
    rc_job_t *j = job_alloc();
    rc_job_set_str(&j->submission_id, pb->submission_id);
    j->job_id = pb->job_id;
    j->status = (rc_job_status_t)pb->status;
    rc_job_set_str(&j->entrypoint, pb->entrypoint);
    rc_job_set_str(&j->message, pb->message);
    rc_job_set_str(&j->error_type, pb->error_type);
    j->start_time_ms = pb->start_time_ms;
    j->end_time_ms = pb->end_time_ms;
    rc_job_set_str(&j->metadata_json, pb->metadata_json);
    rc_job_set_str(&j->runtime_env_json, pb->runtime_env_json);
    j->has_exit_code = pb->has_exit_code;
    j->driver_exit_code = pb->driver_exit_code;
    j->entrypoint_num_cpus = pb->entrypoint_num_cpus;
    j->entrypoint_num_gpus = pb->entrypoint_num_gpus;
    j->entrypoint_memory = pb->entrypoint_memory;
    rc_job_set_str(&j->entrypoint_resources_json, pb->entrypoint_resources_json);
    rc_job_set_str(&j->driver_node_id, pb->driver_node_id);
    j->driver_pid = pb->driver_pid;
    j->driver_start_ticks = pb->driver_start_ticks;
    rayc__job_info__free_unpacked(pb, NULL);
    /* JSON fields came from our own writer, but the volume is shared: check them. */
    const char *jsons[] = {j->metadata_json, j->runtime_env_json, j->entrypoint_resources_json};
    for (size_t i = 0; i < 3; i++) {
        rc_json_t *v = NULL;
        if (*jsons[i] && rc_json_parse(jsons[i], strlen(jsons[i]), &v, NULL, 0) != RC_OK) {
            snprintf(err, errcap, "job record with invalid JSON fields");
            rc_job_free(j);
            return RC_EPROTO;
        }
        rc_json_free(v);
    }
    *out = j;
    return RC_OK;
}
