/* node_view.c — `rayc list nodes` writers; see node_view.h. */
#include "node_view.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "fmt.h"
#include "table.h"

rc_err_t rc_node_view_select(const rc_json_t *list, const rc_node_filter_t *filters, size_t nf,
                             size_t limit, rc_node_sel_t *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof(*out));
    if (rc_json_type(list) != RC_JSON_ARRAY) {
        snprintf(err, errcap, "the head's NODE.LIST JSON reply is a JSON %s, expected an array",
                 rc_json_type_name(rc_json_type(list)));
        return RC_EPROTO;
    }
    size_t n = rc_json_len(list);
    out->nodes = rc_calloc(n ? n : 1, sizeof(*out->nodes));
    for (size_t i = 0; i < n; i++) {
        const rc_json_t *node = rc_json_at(list, i);
        if (rc_json_type(node) != RC_JSON_OBJECT) continue;
        if (!rc_node_filter_match_all(filters, nf, node)) continue;
        out->matched++;
        if (limit == 0 || out->n < limit) out->nodes[out->n++] = node;
    }
    return RC_OK;
}

void rc_node_sel_free(rc_node_sel_t *s)
{
    rc_free(s->nodes);
    memset(s, 0, sizeof(*s));
}

void rc_node_view_json(const rc_node_sel_t *s, rc_buf_t *out)
{
    /* One node per line: still valid JSON, and greppable. */
    rc_buf_append_char(out, '[');
    for (size_t i = 0; i < s->n; i++) {
        rc_jw_t w;
        rc_buf_append_str(out, i ? ",\n  " : "\n  ");
        rc_jw_init(&w, out);
        rc_jw_value(&w, s->nodes[i]);
    }
    rc_buf_append_str(out, s->n ? "\n]\n" : "]\n");
}

/* ---- YAML ---- */

static void pad(rc_buf_t *out, int n)
{
    for (int i = 0; i < n; i++) rc_buf_append_char(out, ' ');
}

static int nonempty_container(const rc_json_t *v)
{
    rc_json_type_t t = rc_json_type(v);
    return (t == RC_JSON_OBJECT || t == RC_JSON_ARRAY) && rc_json_len(v) > 0;
}

/* Scalars and empty containers as JSON text, which YAML reads the same way
 * (JSON strings are valid YAML double-quoted scalars). */
static void scalar(const rc_json_t *v, rc_buf_t *out)
{
    rc_jw_t w;
    rc_jw_init(&w, out);
    rc_jw_value(&w, v);
}

static void key_text(const char *k, size_t len, rc_buf_t *out)
{
    static const char *const reserved[] = {"true", "false", "yes", "no", "on",
                                           "off",  "null",  "y",   "n",  "~"};
    int plain =
        len > 0 && ((k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z') || k[0] == '_');
    for (size_t i = 0; plain && i < len; i++) {
        char c = k[i];
        plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.' || c == '/';
    }
    for (size_t i = 0; plain && i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strlen(reserved[i]) == len && strncasecmp(k, reserved[i], len) == 0) plain = 0;
    if (plain)
        rc_buf_append(out, k, len);
    else
        rc_json_write_str(out, k, len);
}

static void yaml_seq(const rc_json_t *v, int indent, rc_buf_t *out);

/* A mapping whose first line may continue the current one (after "- "). */
static void yaml_map(const rc_json_t *v, int indent, int first_inline, rc_buf_t *out)
{
    for (size_t i = 0; i < rc_json_len(v); i++) {
        size_t klen;
        const char *k = rc_json_key_at(v, i, &klen);
        const rc_json_t *val = rc_json_value_at(v, i);
        if (!(i == 0 && first_inline)) pad(out, indent);
        key_text(k, klen, out);
        rc_buf_append_char(out, ':');
        if (nonempty_container(val)) {
            rc_buf_append_char(out, '\n');
            if (rc_json_type(val) == RC_JSON_OBJECT)
                yaml_map(val, indent + 2, 0, out);
            else
                yaml_seq(val, indent + 2, out);
        } else {
            rc_buf_append_char(out, ' ');
            scalar(val, out);
            rc_buf_append_char(out, '\n');
        }
    }
}

static void yaml_seq(const rc_json_t *v, int indent, rc_buf_t *out)
{
    for (size_t i = 0; i < rc_json_len(v); i++) {
        const rc_json_t *e = rc_json_at(v, i);
        pad(out, indent);
        rc_buf_append_char(out, '-');
        if (nonempty_container(e) && rc_json_type(e) == RC_JSON_OBJECT) {
            rc_buf_append_char(out, ' ');
            yaml_map(e, indent + 2, 1, out);
        } else if (nonempty_container(e)) {
            rc_buf_append_char(out, '\n');
            yaml_seq(e, indent + 2, out);
        } else {
            rc_buf_append_char(out, ' ');
            scalar(e, out);
            rc_buf_append_char(out, '\n');
        }
    }
}

void rc_yaml_write(const rc_json_t *v, int indent, rc_buf_t *out)
{
    if (nonempty_container(v) && rc_json_type(v) == RC_JSON_OBJECT)
        yaml_map(v, indent, 0, out);
    else if (nonempty_container(v))
        yaml_seq(v, indent, out);
    else {
        pad(out, indent);
        scalar(v, out);
        rc_buf_append_char(out, '\n');
    }
}

void rc_node_view_yaml(const rc_node_sel_t *s, rc_buf_t *out)
{
    if (s->n == 0) {
        rc_buf_append_str(out, "[]\n");
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        rc_buf_append_str(out, "- ");
        if (nonempty_container(s->nodes[i]))
            yaml_map(s->nodes[i], 2, 1, out);
        else {
            scalar(s->nodes[i], out);
            rc_buf_append_char(out, '\n');
        }
    }
}

/* ---- table ---- */

static const char *str_of(const rc_json_t *node, const char *key)
{
    const char *s = rc_json_str(rc_json_get(node, key), NULL);
    return s ? s : "";
}

/* "avail/total" of one resource; "-" when the node has none of it. */
static void res_cell(const rc_json_t *node, const char *name, char *out, size_t cap)
{
    const rc_json_t *t = rc_json_get(rc_json_get(node, "resources_total"), name);
    if (rc_json_type(t) != RC_JSON_NUMBER) {
        snprintf(out, cap, "-");
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
    snprintf(out, cap, "%s/%s", a, b);
}

static int predefined(const char *name)
{
    return strcmp(name, "CPU") == 0 || strcmp(name, "GPU") == 0 || strcmp(name, "memory") == 0 ||
           strcmp(name, "object_store_memory") == 0;
}

/* Custom resources: "name=avail/total,…" in the head's order. */
static void other_cell(const rc_json_t *node, rc_buf_t *out)
{
    const rc_json_t *total = rc_json_get(node, "resources_total");
    size_t shown = 0;
    for (size_t i = 0; i < rc_json_len(total); i++) {
        const char *k = rc_json_key_at(total, i, NULL);
        if (predefined(k)) continue;
        char cell[80];
        res_cell(node, k, cell, sizeof(cell));
        rc_buf_printf(out, "%s%s=%s", shown++ ? "," : "", k, cell);
    }
}

static void labels_cell(const rc_json_t *node, rc_buf_t *out)
{
    const rc_json_t *labels = rc_json_get(node, "labels");
    for (size_t i = 0; i < rc_json_len(labels); i++) {
        const char *v = rc_json_str(rc_json_value_at(labels, i), NULL);
        rc_buf_printf(out, "%s%s=%s", i ? "," : "", rc_json_key_at(labels, i, NULL), v ? v : "");
    }
}

static void int_cell(const rc_json_t *node, const char *key, char *out, size_t cap)
{
    int64_t v;
    if (rc_json_int(rc_json_get(node, key), &v))
        snprintf(out, cap, "%lld", (long long)v);
    else
        out[0] = '\0';
}

void rc_node_view_table(const rc_node_sel_t *s, int detail, const char *when, int64_t now_ms,
                        rc_buf_t *out)
{
    static const char *const cols[] = {"NODE_ID", "NODE_IP", "GROUP", "STATE",
                                       "CPU",     "MEMORY",  "LABELS"};
    static const char *const dcols[] = {"NODE_ID",      "NODE_IP",     "HOSTNAME",    "GROUP",
                                        "STATE",        "CPU",         "GPU",         "MEMORY",
                                        "OBJECT_STORE", "OTHER",       "LABELS",      "PID",
                                        "VERSION",      "LAST_REPORT", "DEATH_REASON"};
    size_t ncols = detail ? sizeof(dcols) / sizeof(dcols[0]) : sizeof(cols) / sizeof(cols[0]);
    rc_table_t t;
    rc_table_init(&t, ncols, detail ? dcols : cols);
    for (size_t i = 0; i < s->n; i++) {
        const rc_json_t *node = s->nodes[i];
        char cpu[80], gpu[80], mem[80], osm[80], pid[24], last[40];
        rc_buf_t labels = RC_BUF_INIT, other = RC_BUF_INIT;
        res_cell(node, "CPU", cpu, sizeof(cpu));
        res_cell(node, "GPU", gpu, sizeof(gpu));
        res_cell(node, "memory", mem, sizeof(mem));
        res_cell(node, "object_store_memory", osm, sizeof(osm));
        labels_cell(node, &labels);
        other_cell(node, &other);
        int_cell(node, "pid", pid, sizeof(pid));
        int64_t lr = 0;
        last[0] = '\0';
        if (rc_json_int(rc_json_get(node, "last_report_ms"), &lr) && lr > 0) {
            double ago = (double)(now_ms - lr) / 1000.0;
            snprintf(last, sizeof(last), "%.1fs ago", ago < 0 ? 0.0 : ago);
        }
        const char *lab = labels.data ? labels.data : "";
        const char *oth = other.data ? other.data : "";
        if (detail) {
            const char *row[] = {str_of(node, "node_id"),
                                 str_of(node, "node_ip"),
                                 str_of(node, "hostname"),
                                 str_of(node, "group"),
                                 str_of(node, "state"),
                                 cpu,
                                 gpu,
                                 mem,
                                 osm,
                                 oth,
                                 lab,
                                 pid,
                                 str_of(node, "version"),
                                 last,
                                 str_of(node, "death_reason")};
            rc_table_add(&t, row);
        } else {
            const char *row[] = {str_of(node, "node_id"),
                                 str_of(node, "node_ip"),
                                 str_of(node, "group"),
                                 str_of(node, "state"),
                                 cpu,
                                 mem,
                                 lab};
            rc_table_add(&t, row);
        }
        rc_buf_free(&labels);
        rc_buf_free(&other);
    }
    rc_buf_printf(out, "======== List: %s ========\nStats:\n------------------------------\n",
                  when);
    rc_buf_printf(out, "Total: %zu", s->matched);
    if (s->matched > s->n)
        rc_buf_printf(out, " (showing the first %zu: raise --limit to see more)", s->n);
    rc_buf_append_str(out, "\n\nTable:\n------------------------------\n");
    rc_table_render(&t, out);
    rc_table_free(&t);
}
