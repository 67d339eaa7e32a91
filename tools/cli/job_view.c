/* job_view.c — submit bodies and the texts of `rayc job`; see job_view.h. */
#include "job_view.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "fmt.h"
#include "table.h"

/* Parses a JSON flag that must be an object; err names the flag. */
static rc_err_t parse_object(const char *flag, const char *text, rc_json_t **out, char *err,
                             size_t errcap)
{
    char perr[200];
    if (rc_json_parse(text, strlen(text), out, perr, sizeof(perr)) != RC_OK) {
        snprintf(err, errcap, "--%s is not valid JSON: %s", flag, perr);
        return RC_EINVAL;
    }
    if (rc_json_type(*out) != RC_JSON_OBJECT) {
        snprintf(err, errcap, "--%s must be a JSON object ({...}), got %s", flag,
                 rc_json_type_name(rc_json_type(*out)));
        rc_json_free(*out);
        *out = NULL;
        return RC_EINVAL;
    }
    return RC_OK;
}

static rc_err_t check_metadata(const rc_json_t *m, char *err, size_t errcap)
{
    for (size_t i = 0; i < rc_json_len(m); i++)
        if (rc_json_type(rc_json_value_at(m, i)) != RC_JSON_STRING) {
            snprintf(err, errcap,
                     "--metadata-json: the value of '%.100s' must be a string (metadata maps "
                     "strings to strings), got %s",
                     rc_json_key_at(m, i, NULL),
                     rc_json_type_name(rc_json_type(rc_json_value_at(m, i))));
            return RC_EINVAL;
        }
    return RC_OK;
}

static rc_err_t check_resources(const rc_json_t *r, char *err, size_t errcap)
{
    for (size_t i = 0; i < rc_json_len(r); i++) {
        const char *k = rc_json_key_at(r, i, NULL);
        const rc_json_t *v = rc_json_value_at(r, i);
        if (strcmp(k, "CPU") == 0 || strcmp(k, "GPU") == 0 || strcmp(k, "memory") == 0) {
            snprintf(err, errcap,
                     "--entrypoint-resources cannot hold '%s': use --entrypoint-num-cpus, "
                     "--entrypoint-num-gpus or --entrypoint-memory",
                     k);
            return RC_EINVAL;
        }
        if (rc_json_type(v) != RC_JSON_NUMBER || rc_json_num(v) < 0) {
            snprintf(err, errcap,
                     "--entrypoint-resources: '%.100s' must be a number >= 0 (the amount of the "
                     "resource), got %s",
                     k,
                     rc_json_type(v) == RC_JSON_NUMBER ? "a negative number"
                                                       : rc_json_type_name(rc_json_type(v)));
            return RC_EINVAL;
        }
    }
    return RC_OK;
}

/* runtime_env: the --runtime-env-json object with working_dir set from
 * --working-dir (replacing one already there, in its place). */
static void write_runtime_env(rc_jw_t *w, const rc_json_t *env, const char *working_dir)
{
    int wrote_wd = 0;
    rc_jw_obj_begin(w);
    for (size_t i = 0; i < rc_json_len(env); i++) {
        size_t klen;
        const char *k = rc_json_key_at(env, i, &klen);
        const rc_json_t *v = rc_json_value_at(env, i);
        if (working_dir && klen == strlen("working_dir") && strcmp(k, "working_dir") == 0) {
            if (wrote_wd) continue; /* a repeated key: the last one counted anyway */
            rc_jw_key(w, "working_dir");
            rc_jw_str(w, working_dir);
            wrote_wd = 1;
            continue;
        }
        /* Repeated keys: keep only the one rc_json_get reports (the last). */
        if (rc_json_getn(env, k, klen) != v) continue;
        rc_jw_keyn(w, k, klen);
        rc_jw_value(w, v);
    }
    if (working_dir && !wrote_wd) {
        rc_jw_key(w, "working_dir");
        rc_jw_str(w, working_dir);
    }
    rc_jw_obj_end(w);
}

rc_err_t rc_job_submit_body(const rc_job_submit_opts_t *o, rc_buf_t *out, char *err, size_t errcap)
{
    rc_json_t *env = NULL, *meta = NULL, *res = NULL;
    rc_err_t rc = RC_EINVAL;
    if (!o->entrypoint || !*o->entrypoint) {
        snprintf(err, errcap,
                 "no entrypoint: give the command to run after --, e.g. rayc job submit -- "
                 "python script.py");
        goto fail;
    }
    if (o->working_dir && !*o->working_dir) {
        snprintf(err, errcap, "--working-dir is empty");
        goto fail;
    }
    if (o->runtime_env_json &&
        parse_object("runtime-env-json", o->runtime_env_json, &env, err, errcap) != RC_OK)
        goto fail;
    if (o->metadata_json &&
        (parse_object("metadata-json", o->metadata_json, &meta, err, errcap) != RC_OK ||
         check_metadata(meta, err, errcap) != RC_OK))
        goto fail;
    if (o->resources_json &&
        (parse_object("entrypoint-resources", o->resources_json, &res, err, errcap) != RC_OK ||
         check_resources(res, err, errcap) != RC_OK))
        goto fail;

    rc_jw_t w;
    rc_jw_init(&w, out);
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "entrypoint");
    rc_jw_str(&w, o->entrypoint);
    rc_jw_key(&w, "submission_id");
    rc_jw_str(&w, o->submission_id);
    rc_jw_key(&w, "runtime_env");
    if (env || o->working_dir)
        write_runtime_env(&w, env, o->working_dir);
    else
        rc_jw_null(&w);
    rc_jw_key(&w, "metadata");
    if (meta)
        rc_jw_value(&w, meta);
    else
        rc_jw_null(&w);
    rc_jw_key(&w, "entrypoint_num_cpus");
    if (o->has_num_cpus)
        rc_jw_double(&w, o->num_cpus);
    else
        rc_jw_null(&w);
    rc_jw_key(&w, "entrypoint_num_gpus");
    if (o->has_num_gpus)
        rc_jw_double(&w, o->num_gpus);
    else
        rc_jw_null(&w);
    rc_jw_key(&w, "entrypoint_memory");
    if (o->has_memory)
        rc_jw_int(&w, o->memory);
    else
        rc_jw_null(&w);
    rc_jw_key(&w, "entrypoint_resources");
    if (res)
        rc_jw_value(&w, res);
    else
        rc_jw_null(&w);
    rc_jw_obj_end(&w);
    rc = RC_OK;
fail:
    rc_json_free(env);
    rc_json_free(meta);
    rc_json_free(res);
    return rc;
}

char *rc_job_join_words(size_t n, char *const *words)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_buf_append_str(&b, "");
    for (size_t i = 0; i < n; i++) {
        if (i) rc_buf_append_char(&b, ' ');
        rc_buf_append_str(&b, words[i]);
    }
    return rc_buf_detach(&b, NULL);
}

int rc_job_working_dir_is_uri(const char *working_dir)
{
    return strstr(working_dir, "://") != NULL;
}

/* ---- texts ---- */

static const char *str_of(const rc_json_t *job, const char *key)
{
    return rc_json_str(rc_json_get(job, key), NULL);
}

const char *rc_job_view_status_of(const rc_json_t *job)
{
    return str_of(job, "status");
}

int rc_job_status_terminal(const char *status)
{
    return status && (strcmp(status, "STOPPED") == 0 || strcmp(status, "SUCCEEDED") == 0 ||
                      strcmp(status, "FAILED") == 0);
}

static void clean(rc_buf_t *out, const char *s)
{
    rc_fmt_append_clean(out, s, strlen(s));
}

/* Multi-line text from the head (a failure message carries the last log
 * lines): keeps line ends and tabs, replaces other control characters. */
static void clean_lines(rc_buf_t *out, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        int control = (ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f;
        rc_buf_append_char(out, control ? '?' : *s);
    }
}

static size_t code_points(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

/* Ray's _log_big_{success,error}_msg: the line between rules as long as it. */
static void big_message(rc_buf_t *out, const char *id, const char *what)
{
    rc_buf_t line = RC_BUF_INIT;
    rc_buf_append_str(&line, "Job '");
    clean(&line, id);
    rc_buf_printf(&line, "' %s", what);
    size_t w = code_points(line.data, line.len);
    rc_buf_append_char(out, '\n');
    for (size_t i = 0; i < w; i++) rc_buf_append_char(out, '-');
    rc_buf_printf(out, "\n%s\n", line.data);
    for (size_t i = 0; i < w; i++) rc_buf_append_char(out, '-');
    rc_buf_append_str(out, "\n\n");
    rc_buf_free(&line);
}

void rc_job_view_submitted(const char *id, rc_buf_t *out)
{
    static const struct {
        const char *what, *cmd;
    } steps[] = {
        {"Query the logs of the job:", "logs"},
        {"Query the status of the job:", "status"},
        {"Request the job to be stopped:", "stop"},
    };
    big_message(out, id, "submitted successfully");
    rc_buf_append_str(out, "Next steps\n");
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        rc_buf_printf(out, "  %s\n    rayc job %s ", steps[i].what, steps[i].cmd);
        clean(out, id);
        rc_buf_append_char(out, '\n');
    }
    rc_buf_append_char(out, '\n');
}

static void status_lines(const char *id, const char *status, const char *message, rc_buf_t *out)
{
    rc_buf_append_str(out, "Status for job '");
    clean(out, id);
    rc_buf_append_str(out, "': ");
    clean(out, status);
    rc_buf_append_char(out, '\n');
    if (message && *message) {
        rc_buf_append_str(out, "Status message: ");
        clean_lines(out, message);
        rc_buf_append_char(out, '\n');
    }
}

rc_err_t rc_job_view_status(const char *id, const rc_json_t *job, rc_buf_t *out, char *err,
                            size_t errcap)
{
    const char *status = rc_job_view_status_of(job);
    if (!status) {
        snprintf(err, errcap, "the dashboard's record of job '%.200s' has no status", id);
        return RC_EPROTO;
    }
    status_lines(id, status, str_of(job, "message"), out);
    return RC_OK;
}

int rc_job_view_final(const char *id, const rc_json_t *job, rc_buf_t *out)
{
    const char *status = rc_job_view_status_of(job);
    const char *message = str_of(job, "message");
    if (status && strcmp(status, "SUCCEEDED") == 0) {
        big_message(out, id, "succeeded");
        return 0;
    }
    if (status && strcmp(status, "STOPPED") == 0) {
        rc_buf_append_str(out, "Job '");
        clean(out, id);
        rc_buf_append_str(out, "' was stopped\n");
    } else if (status && strcmp(status, "FAILED") == 0) {
        big_message(out, id, "failed");
        if (message && *message) {
            rc_buf_append_str(out, "Status message: ");
            clean_lines(out, message);
            rc_buf_append_char(out, '\n');
        }
    } else {
        status_lines(id, status ? status : "UNKNOWN", message, out);
    }
    return 1;
}

void rc_job_view_waiting(const char *id, const rc_json_t *job, int64_t secs, rc_buf_t *out)
{
    const char *status = rc_job_view_status_of(job);
    const char *message = str_of(job, "message");
    rc_buf_append_str(out, "Waiting for job '");
    clean(out, id);
    rc_buf_append_str(out, "' to start (");
    clean(out, status ? status : "PENDING");
    if (message && *message) {
        /* One terminal line: the line is redrawn in place with \r. */
        size_t len = strlen(message), max = 100;
        rc_buf_append_str(out, ": ");
        rc_fmt_append_clean(out, message, len > max ? max : len);
        if (len > max) rc_buf_append_str(out, "…");
    }
    rc_buf_printf(out, ") %llds…", (long long)secs);
}

/* s cut to max code points, "…" marking the cut. */
static char *cut(const char *s, size_t max)
{
    size_t cps = 0, i = 0, len = strlen(s);
    if (code_points(s, len) <= max) return rc_strdup(s);
    for (; i < len; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && cps++ == max - 1) break;
    }
    rc_buf_t b = RC_BUF_INIT;
    rc_buf_append(&b, s, i);
    rc_buf_append_str(&b, "…");
    return rc_buf_detach(&b, NULL);
}

static void time_cell(const rc_json_t *job, const char *key, char *out, size_t cap)
{
    int64_t ms;
    if (rc_json_int(rc_json_get(job, key), &ms) && ms > 0)
        rc_fmt_time(ms, out, cap);
    else
        snprintf(out, cap, "-");
}

static int64_t start_of(const rc_json_t *job)
{
    int64_t ms;
    return rc_json_int(rc_json_get(job, "start_time"), &ms) ? ms : INT64_MAX;
}

rc_err_t rc_job_view_table(const rc_json_t *list, rc_buf_t *out, char *err, size_t errcap)
{
    static const char *const headers[] = {"SUBMISSION_ID", "JOB_ID", "STATUS",
                                          "ENTRYPOINT",    "START",  "END"};
    if (rc_json_type(list) != RC_JSON_ARRAY) {
        snprintf(err, errcap, "the dashboard's job list is not a JSON array (got %s)",
                 rc_json_type_name(rc_json_type(list)));
        return RC_EPROTO;
    }
    size_t n = rc_json_len(list);
    /* Oldest first; insertion sort keeps the dashboard's order among equals. */
    const rc_json_t **jobs = rc_calloc(n ? n : 1, sizeof(*jobs));
    for (size_t i = 0; i < n; i++) {
        const rc_json_t *j = rc_json_at(list, i);
        size_t k = i;
        while (k > 0 && start_of(jobs[k - 1]) > start_of(j)) {
            jobs[k] = jobs[k - 1];
            k--;
        }
        jobs[k] = j;
    }
    rc_table_t t;
    rc_table_init(&t, 6, headers);
    for (size_t i = 0; i < n; i++) {
        const rc_json_t *j = jobs[i];
        char start[32], end[32];
        const char *sub = str_of(j, "submission_id"), *jid = str_of(j, "job_id");
        const char *status = str_of(j, "status"), *entry = str_of(j, "entrypoint");
        char *entry_cut = cut(entry ? entry : "", RC_JOB_VIEW_ENTRYPOINT_MAX);
        time_cell(j, "start_time", start, sizeof(start));
        time_cell(j, "end_time", end, sizeof(end));
        const char *cells[] = {sub ? sub : "-", jid ? jid : "-", status ? status : "-",
                               entry_cut,       start,           end};
        rc_table_add(&t, cells);
        rc_free(entry_cut);
    }
    rc_table_render(&t, out);
    rc_table_free(&t);
    rc_free(jobs);
    return RC_OK;
}
