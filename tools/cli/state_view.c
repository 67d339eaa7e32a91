/* state_view.c — State API answers as tables, JSON and YAML; see state_view.h. */
#include "state_view.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "fmt.h"
#include "pretty.h"
#include "table.h"

rc_err_t rc_state_format_parse(const char *text, rc_state_format_t *out, char *err, size_t errcap)
{
    static const struct {
        const char *name;
        rc_state_format_t f;
    } formats[] = {
        {"table", RC_STATE_VIEW_TABLE},
        {"json", RC_STATE_VIEW_JSON},
        {"yaml", RC_STATE_VIEW_YAML},
    };
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(text, formats[i].name) == 0) {
            *out = formats[i].f;
            return RC_OK;
        }
    snprintf(err, errcap, "unknown --format '%.60s' (use table, json or yaml)", text);
    return RC_EINVAL;
}

/* ---- reading the answer ---- */

static int read_count(const rc_json_t *result, const char *key, uint64_t *out)
{
    int64_t v;
    if (!rc_json_int(rc_json_get(result, key), &v) || v < 0) return 0;
    *out = (uint64_t)v;
    return 1;
}

rc_err_t rc_state_answer_read(const rc_json_t *result, rc_state_answer_t *a, char *err,
                              size_t errcap)
{
    static const char *const counts[] = {"total", "num_after_truncation", "num_filtered"};
    uint64_t *dest[] = {&a->total, &a->num_after_truncation, &a->num_filtered};
    memset(a, 0, sizeof(*a));
    a->rows = rc_json_get(result, "result");
    if (rc_json_type(a->rows) != RC_JSON_ARRAY) {
        snprintf(err, errcap, "the answer has no list of rows (data.result.result)");
        return RC_EPROTO;
    }
    for (size_t i = 0; i < 3; i++)
        if (!read_count(result, counts[i], dest[i])) {
            snprintf(err, errcap, "the answer has no count data.result.%s", counts[i]);
            return RC_EPROTO;
        }
    a->warnings = rc_json_get(result, "warnings");
    if (rc_json_type(a->warnings) != RC_JSON_ARRAY) a->warnings = NULL;
    a->partial_failure_warning = rc_json_str(rc_json_get(result, "partial_failure_warning"), NULL);
    return RC_OK;
}

/* ---- cells ---- */

/* A field as people read it: strings as they are, null or missing as nothing,
 * containers as YAML lines (without the last line end). */
static void cell_text(const rc_json_t *v, rc_buf_t *out)
{
    size_t len;
    const char *s = rc_json_str(v, &len);
    if (s) {
        rc_buf_append(out, s, len);
        return;
    }
    if (!v || rc_json_type(v) == RC_JSON_NULL) return;
    rc_pretty_yaml(v, 0, out);
    while (out->len && out->data[out->len - 1] == '\n') out->data[--out->len] = '\0';
}

/* "avail/total" of one resource of a node; "-" when the node has none of it. */
static void resource_cell(const rc_json_t *node, const char *name, rc_buf_t *out)
{
    const rc_json_t *t = rc_json_get(rc_json_get(node, "resources_total"), name);
    if (rc_json_type(t) != RC_JSON_NUMBER) {
        rc_buf_append_char(out, '-');
        return;
    }
    double total = rc_json_num(t);
    double avail = rc_json_num(rc_json_get(rc_json_get(node, "resources_available"), name));
    char a[32], b[32];
    if (rc_fmt_is_bytes_resource(name)) {
        rc_fmt_bytes(avail, a, sizeof(a));
        rc_fmt_bytes(total, b, sizeof(b));
    } else {
        rc_fmt_amount(avail, a, sizeof(a));
        rc_fmt_amount(total, b, sizeof(b));
    }
    rc_buf_printf(out, "%s/%s", a, b);
}

/* A column: the field it shows, or a node resource shown as avail/total. */
typedef struct {
    const char *header, *field, *resource;
} col_t;

static const col_t node_cols[] = {
    {"NODE_ID", "node_id", NULL},
    {"NODE_IP", "node_ip", NULL},
    {"IS_HEAD_NODE", "is_head_node", NULL},
    {"STATE", "state", NULL},
    {"GROUP", "group", NULL},
    {"CPU", NULL, "CPU"},
    {"MEMORY", NULL, "memory"},
    {NULL, NULL, NULL},
};
static const col_t job_cols[] = {
    {"JOB_ID", "job_id", NULL}, {"SUBMISSION_ID", "submission_id", NULL},
    {"STATUS", "status", NULL}, {"ENTRYPOINT", "entrypoint", NULL},
    {"TYPE", "type", NULL},     {"MESSAGE", "message", NULL},
    {NULL, NULL, NULL},
};
static const col_t task_cols[] = {
    {"TASK_ID", "task_id", NULL},
    {"ATTEMPT_NUMBER", "attempt_number", NULL},
    {"NAME", "name", NULL},
    {"STATE", "state", NULL},
    {"JOB_ID", "job_id", NULL},
    {"NODE_ID", "node_id", NULL},
    {"WORKER_PID", "worker_pid", NULL},
    {"ERROR_TYPE", "error_type", NULL},
    {NULL, NULL, NULL},
};
static const col_t worker_cols[] = {
    {"WORKER_ID", "worker_id", NULL},
    {"IS_ALIVE", "is_alive", NULL},
    {"WORKER_TYPE", "worker_type", NULL},
    {"NODE_ID", "node_id", NULL},
    {"IP", "ip", NULL},
    {"PID", "pid", NULL},
    {"STATE", "state", NULL},
    {"TASKS_DONE", "tasks_done", NULL},
    {NULL, NULL, NULL},
};
static const col_t object_cols[] = {
    {"OBJECT_ID", "object_id", NULL},
    {"OBJECT_SIZE", "object_size", NULL},
    {"TASK_STATUS", "task_status", NULL},
    {"REFERENCE_TYPE", "reference_type", NULL},
    {NULL, NULL, NULL},
};

static const struct {
    const char *resource;
    const col_t *cols;
} default_cols[] = {
    {"nodes", node_cols},     {"jobs", job_cols},       {"tasks", task_cols},
    {"workers", worker_cols}, {"objects", object_cols},
};

static const col_t *cols_of(const char *resource)
{
    for (size_t i = 0; i < sizeof(default_cols) / sizeof(default_cols[0]); i++)
        if (strcmp(resource, default_cols[i].resource) == 0) return default_cols[i].cols;
    return NULL;
}

/* Every field of the rows, in first-seen order (the head writes each row's
 * fields in one order, so this is that order). */
static col_t *detail_cols(const rc_json_t *rows, size_t *n)
{
    size_t cap = 16;
    col_t *cols = rc_calloc(cap, sizeof(*cols));
    *n = 0;
    for (size_t r = 0; r < rc_json_len(rows); r++) {
        const rc_json_t *row = rc_json_at(rows, r);
        for (size_t i = 0; i < rc_json_len(row); i++) {
            const char *k = rc_json_key_at(row, i, NULL);
            size_t j = 0;
            while (j < *n && strcmp(cols[j].field, k) != 0) j++;
            if (j < *n) continue;
            if (*n + 1 == cap) {
                cap *= 2;
                cols = rc_realloc(cols, cap * sizeof(*cols));
            }
            cols[(*n)++] = (col_t){NULL, k, NULL};
        }
    }
    return cols;
}

static void table(const char *resource, const rc_state_answer_t *a, int detail, const char *when,
                  rc_buf_t *out)
{
    size_t nrows = rc_json_len(a->rows), ncols = 0;
    const col_t *cols = detail ? NULL : cols_of(resource);
    col_t *owned = NULL;
    if (!cols && nrows) cols = owned = detail_cols(a->rows, &ncols);
    if (!cols && detail) cols = cols_of(resource); /* no rows: the usual headers */
    if (cols && !owned)
        while (cols[ncols].header) ncols++;

    rc_buf_printf(out, "======== List: %s ========\nStats:\n------------------------------\n",
                  when);
    rc_buf_printf(out, "Total: %llu", (unsigned long long)a->num_filtered);
    if (nrows < a->num_filtered) rc_buf_printf(out, " (showing %zu)", nrows);
    rc_buf_append_str(out, "\n\nTable:\n------------------------------\n");
    if (ncols == 0) goto done;

    char **headers = rc_calloc(ncols, sizeof(char *));
    for (size_t c = 0; c < ncols; c++) {
        const char *h = cols[c].header ? cols[c].header : cols[c].field;
        headers[c] = rc_strdup(h);
        for (char *p = headers[c]; *p; p++)
            if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    }
    rc_table_t t;
    rc_table_init(&t, ncols, (const char *const *)headers);
    rc_buf_t *cells = rc_calloc(ncols, sizeof(rc_buf_t));
    const char **texts = rc_calloc(ncols, sizeof(char *));
    for (size_t r = 0; r < nrows; r++) {
        const rc_json_t *row = rc_json_at(a->rows, r);
        for (size_t c = 0; c < ncols; c++) {
            rc_buf_clear(&cells[c]);
            if (cols[c].resource)
                resource_cell(row, cols[c].resource, &cells[c]);
            else
                cell_text(rc_json_get(row, cols[c].field), &cells[c]);
            texts[c] = cells[c].data ? cells[c].data : "";
        }
        rc_table_add_lines(&t, texts);
    }
    rc_table_render(&t, out);
    rc_table_free(&t);
    for (size_t c = 0; c < ncols; c++) {
        rc_buf_free(&cells[c]);
        rc_free(headers[c]);
    }
    rc_free(cells);
    rc_free(texts);
    rc_free(headers);
done:
    rc_free(owned);
}

void rc_state_view_list(const char *resource, const rc_state_answer_t *a, rc_state_format_t f,
                        int detail, const char *when, rc_buf_t *out)
{
    switch (f) {
    case RC_STATE_VIEW_JSON: rc_pretty_json(a->rows, out); break;
    case RC_STATE_VIEW_YAML: rc_pretty_yaml(a->rows, 0, out); break;
    case RC_STATE_VIEW_TABLE: table(resource, a, detail, when, out); break;
    }
}

void rc_state_view_warnings(const char *prefix, const char *resource, const rc_state_answer_t *a,
                            rc_buf_t *out)
{
    size_t shown = rc_json_len(a->rows);
    if (a->partial_failure_warning && *a->partial_failure_warning) {
        rc_buf_append_str(out, prefix);
        rc_fmt_append_clean(out, a->partial_failure_warning, strlen(a->partial_failure_warning));
        rc_buf_append_char(out, '\n');
    }
    if (a->num_filtered > shown)
        rc_buf_printf(out,
                      "%sshowing %zu of %llu %s; use --filter to narrow the list, or a higher "
                      "--limit to see more\n",
                      prefix, shown, (unsigned long long)a->num_filtered, resource);
    size_t nw = 0;
    for (size_t i = 0; i < rc_json_len(a->warnings); i++) {
        size_t len;
        const char *w = rc_json_str(rc_json_at(a->warnings, i), &len);
        if (!w || !len) continue;
        rc_buf_append_str(out, prefix);
        rc_fmt_append_clean(out, w, len);
        rc_buf_append_char(out, '\n');
        nw++;
    }
    /* The head explains dropped history in `warnings`; say it when it did not. */
    if (nw == 0 && a->total > a->num_after_truncation)
        rc_buf_printf(out,
                      "%sthe head holds %llu of the %llu %s it has seen; the oldest %llu are "
                      "not listed\n",
                      prefix, (unsigned long long)a->num_after_truncation,
                      (unsigned long long)a->total, resource,
                      (unsigned long long)(a->total - a->num_after_truncation));
}

/* ---- summary ---- */

rc_err_t rc_state_view_summary(const rc_json_t *result, rc_state_format_t f, const char *when,
                               rc_buf_t *out, char *err, size_t errcap)
{
    static const char *const totals[] = {"total_actor_scheduled", "total_actor_tasks",
                                         "total_tasks"};
    const rc_json_t *by_node = rc_json_get(result, "node_id_to_summary");
    const rc_json_t *cluster = rc_json_get(by_node, "cluster");
    const rc_json_t *summary = rc_json_get(cluster, "summary");
    if (rc_json_type(cluster) != RC_JSON_OBJECT || rc_json_type(summary) != RC_JSON_OBJECT) {
        snprintf(err, errcap,
                 "the answer has no summary (data.result.node_id_to_summary.cluster.summary)");
        return RC_EPROTO;
    }
    if (f == RC_STATE_VIEW_JSON) {
        rc_pretty_json(by_node, out);
        return RC_OK;
    }
    if (f == RC_STATE_VIEW_YAML) {
        rc_pretty_yaml(by_node, 0, out);
        return RC_OK;
    }
    rc_buf_printf(out,
                  "======== Tasks Summary: %s ========\nStats:\n"
                  "------------------------------------\n",
                  when);
    for (size_t i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
        rc_buf_printf(out, "%s: ", totals[i]);
        cell_text(rc_json_get(cluster, totals[i]), out);
        rc_buf_append_char(out, '\n');
    }
    const char *by = rc_json_str(rc_json_get(cluster, "summary_by"), NULL);
    rc_buf_append_str(out, "\nTable (group by ");
    rc_fmt_append_clean(out, by ? by : "func_name", strlen(by ? by : "func_name"));
    rc_buf_append_str(out, "):\n------------------------------------\n");
    static const char *const headers[] = {"FUNC_OR_CLASS_NAME", "STATE_COUNTS", "TYPE"};
    static const char *const fields[] = {"func_or_class_name", "state_counts", "type"};
    rc_table_t t;
    rc_table_init(&t, 3, headers);
    rc_buf_t cells[3] = {RC_BUF_INIT, RC_BUF_INIT, RC_BUF_INIT};
    for (size_t i = 0; i < rc_json_len(summary); i++) {
        const rc_json_t *s = rc_json_value_at(summary, i);
        const char *texts[3];
        for (size_t c = 0; c < 3; c++) {
            rc_buf_clear(&cells[c]);
            const rc_json_t *v = rc_json_get(s, fields[c]);
            /* A summary without its name field is still named by its key. */
            if (!v && c == 0)
                rc_buf_append_str(&cells[c], rc_json_key_at(summary, i, NULL));
            else
                cell_text(v, &cells[c]);
            texts[c] = cells[c].data ? cells[c].data : "";
        }
        rc_table_add_lines(&t, texts);
    }
    rc_table_render(&t, out);
    rc_table_free(&t);
    for (size_t c = 0; c < 3; c++) rc_buf_free(&cells[c]);
    return RC_OK;
}
