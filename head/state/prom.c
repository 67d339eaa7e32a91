/* prom.c — Prometheus text exposition format writer; see prom.h. */
#include "prom.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

static const char *const type_names[] = {"counter", "gauge", "histogram", "untyped"};

void rc_prom_init(rc_prom_t *p, rc_buf_t *out)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    rc_buf_init(&p->names);
}

void rc_prom_free(rc_prom_t *p)
{
    rc_buf_free(&p->names);
    p->open = 0;
}

static int is_alpha_(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int rc_prom_metric_name_valid(const char *s)
{
    if (!s || !(is_alpha_(*s) || *s == ':')) return 0;
    for (s++; *s; s++)
        if (!is_alpha_(*s) && !is_digit(*s) && *s != ':') return 0;
    return 1;
}

int rc_prom_label_name_valid(const char *s)
{
    if (!s || !is_alpha_(*s) || (s[0] == '_' && s[1] == '_')) return 0;
    for (s++; *s; s++)
        if (!is_alpha_(*s) && !is_digit(*s)) return 0;
    return 1;
}

/* Appends s escaped for a label value (quote = 1) or a HELP text (quote = 0):
 * the format knows only \\, \" and \n, and Prometheus rejects a scrape whose
 * text is not UTF-8, so a hostile name cannot break the whole answer. */
static void append_escaped(rc_buf_t *out, const char *s, int quote)
{
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    size_t len = strlen((const char *)u), run = 0, i = 0;
    while (i < len) {
        unsigned char c = u[i];
        const char *esc = NULL;
        size_t k = 1;
        if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '"' && quote)
            esc = "\\\"";
        else if (c >= 0x80 && (k = rc_utf8_seq_len(u + i, len - i)) == 0)
            esc = "\xEF\xBF\xBD"; /* U+FFFD for one bad byte */
        if (!esc) {
            i += k;
            continue;
        }
        rc_buf_append(out, u + run, i - run);
        rc_buf_append_str(out, esc);
        i++;
        run = i;
    }
    rc_buf_append(out, u + run, len - run);
}

/* The text of v into out (32 bytes, NUL-terminated); returns its length. */
static size_t value_text(double v, char out[32])
{
    if (isnan(v)) return (size_t)snprintf(out, 32, "NaN");
    if (isinf(v)) return (size_t)snprintf(out, 32, "%s", v > 0 ? "+Inf" : "-Inf");
    if (v == 0) return (size_t)snprintf(out, 32, "0"); /* -0 as 0 */
    return rc_json_format_double(v, out);
}

void rc_prom_append_value(rc_buf_t *out, double v)
{
    char tmp[32];
    rc_buf_append(out, tmp, value_text(v, tmp));
}

rc_err_t rc_prom_family(rc_prom_t *p, const char *name, rc_prom_type_t type, const char *help)
{
    p->open = 0;
    if (!rc_prom_metric_name_valid(name) || type < RC_PROM_COUNTER || type > RC_PROM_UNTYPED)
        return RC_EINVAL;
    size_t len = strlen(name);
    /* Families are few (tens): a scan of the names written is cheaper than a set. */
    for (size_t off = 0; off < p->names.len;) {
        const char *nl = memchr(p->names.data + off, '\n', p->names.len - off);
        size_t n = (size_t)(nl - (p->names.data + off));
        if (n == len && !memcmp(p->names.data + off, name, len)) return RC_EEXISTS;
        off += n + 1;
    }
    p->cur_off = p->names.len;
    p->cur_len = len;
    rc_buf_append(&p->names, name, len);
    rc_buf_append_char(&p->names, '\n');
    p->type = type;
    p->open = 1;
    if (help) {
        rc_buf_printf(p->out, "# HELP %s ", name);
        append_escaped(p->out, help, 0);
        rc_buf_append_char(p->out, '\n');
    }
    rc_buf_printf(p->out, "# TYPE %s %s\n", name, type_names[type]);
    return RC_OK;
}

static rc_err_t check_labels(const rc_prom_label_t *labels, size_t n, int histogram)
{
    if (n && !labels) return RC_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!rc_prom_label_name_valid(labels[i].name)) return RC_EINVAL;
        if (histogram && !strcmp(labels[i].name, "le")) return RC_EINVAL;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(labels[i].name, labels[j].name)) return RC_EINVAL;
    }
    return RC_OK;
}

/* name[suffix]{labels[,le="..."]} — the part before the value. */
static void write_head(rc_prom_t *p, const char *suffix, const rc_prom_label_t *labels, size_t n,
                       const char *le)
{
    rc_buf_append(p->out, p->names.data + p->cur_off, p->cur_len);
    rc_buf_append_str(p->out, suffix);
    if (n || le) {
        rc_buf_append_char(p->out, '{');
        for (size_t i = 0; i < n; i++) {
            if (i) rc_buf_append_char(p->out, ',');
            rc_buf_append_str(p->out, labels[i].name);
            rc_buf_append_str(p->out, "=\"");
            append_escaped(p->out, labels[i].value, 1);
            rc_buf_append_char(p->out, '"');
        }
        if (le) rc_buf_printf(p->out, "%sle=\"%s\"", n ? "," : "", le);
        rc_buf_append_char(p->out, '}');
    }
    rc_buf_append_char(p->out, ' ');
}

static rc_err_t sample_check(const rc_prom_t *p, const rc_prom_label_t *labels, size_t n)
{
    if (!p->open || p->type == RC_PROM_HISTOGRAM) return RC_EINVAL;
    return check_labels(labels, n, 0);
}

rc_err_t rc_prom_sample(rc_prom_t *p, const rc_prom_label_t *labels, size_t n, double v)
{
    rc_err_t rc = sample_check(p, labels, n);
    if (rc != RC_OK) return rc;
    write_head(p, "", labels, n, NULL);
    rc_prom_append_value(p->out, v);
    rc_buf_append_char(p->out, '\n');
    return RC_OK;
}

rc_err_t rc_prom_sample_u64(rc_prom_t *p, const rc_prom_label_t *labels, size_t n, uint64_t v)
{
    rc_err_t rc = sample_check(p, labels, n);
    if (rc != RC_OK) return rc;
    write_head(p, "", labels, n, NULL);
    rc_buf_append_u64(p->out, v);
    rc_buf_append_char(p->out, '\n');
    return RC_OK;
}

rc_err_t rc_prom_histogram(rc_prom_t *p, const rc_prom_label_t *labels, size_t n,
                           const double *bounds, size_t nbounds, const uint64_t *buckets,
                           double sum)
{
    if (!p->open || p->type != RC_PROM_HISTOGRAM || !buckets || (nbounds && !bounds))
        return RC_EINVAL;
    rc_err_t rc = check_labels(labels, n, 1);
    if (rc != RC_OK) return rc;
    for (size_t i = 0; i < nbounds; i++)
        if (!isfinite(bounds[i]) || (i && !(bounds[i] > bounds[i - 1]))) return RC_EINVAL;
    uint64_t cum = 0;
    char le[32];
    for (size_t i = 0; i <= nbounds; i++) {
        cum += buckets[i];
        value_text(i < nbounds ? bounds[i] : INFINITY, le);
        write_head(p, "_bucket", labels, n, le);
        rc_buf_append_u64(p->out, cum);
        rc_buf_append_char(p->out, '\n');
    }
    write_head(p, "_sum", labels, n, NULL);
    rc_prom_append_value(p->out, sum);
    rc_buf_append_char(p->out, '\n');
    write_head(p, "_count", labels, n, NULL);
    rc_buf_append_u64(p->out, cum);
    rc_buf_append_char(p->out, '\n');
    return RC_OK;
}
