/* list_query.c — `rayc list` flags to a State API path; see list_query.h. */
#include "list_query.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "job_http.h"

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) (*len)--;
}

rc_err_t rc_list_filter_parse(const char *text, rc_list_filter_t *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof(*out));
    /* The first '=' ends the key; a '!' just before it makes the operator "!=". */
    const char *eq = strchr(text, '=');
    if (!eq) {
        snprintf(err, errcap,
                 "bad filter '%.100s': no operator; write KEY=VALUE or KEY!=VALUE, e.g. "
                 "--filter state=FINISHED",
                 text);
        return RC_EINVAL;
    }
    int negate = eq > text && eq[-1] == '!';
    const char *k = text, *v = eq + 1;
    size_t klen = (size_t)(eq - text) - (negate ? 1 : 0), vlen = strlen(v);
    trim(&k, &klen);
    trim(&v, &vlen);
    if (klen == 0) {
        snprintf(err, errcap,
                 "bad filter '%.100s': the key before '%s' is missing; write KEY%sVALUE, e.g. "
                 "--filter state%sFINISHED",
                 text, negate ? "!=" : "=", negate ? "!=" : "=", negate ? "!=" : "=");
        return RC_EINVAL;
    }
    out->key = rc_strndup(k, klen);
    out->value = rc_strndup(v, vlen);
    out->negate = negate;
    return RC_OK;
}

void rc_list_filter_free(rc_list_filter_t *f)
{
    rc_free(f->key);
    rc_free(f->value);
    memset(f, 0, sizeof(*f));
}

rc_err_t rc_list_query_path(const char *resource, const char *const *filters, size_t nfilters,
                            int64_t limit, int detail, rc_buf_t *out, char *err, size_t errcap)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_buf_append_str(&b, "/api/v0/");
    rc_job_http_escape(&b, resource);
    rc_buf_printf(&b, "?limit=%lld", (long long)limit);
    if (detail) rc_buf_append_str(&b, "&detail=true");
    for (size_t i = 0; i < nfilters; i++) {
        rc_list_filter_t f;
        if (rc_list_filter_parse(filters[i], &f, err, errcap) != RC_OK) {
            rc_buf_free(&b);
            return RC_EINVAL;
        }
        rc_buf_append_str(&b, "&filter_keys=");
        rc_job_http_escape(&b, f.key);
        rc_buf_append_str(&b, "&filter_predicates=");
        rc_job_http_escape(&b, f.negate ? "!=" : "=");
        rc_buf_append_str(&b, "&filter_values=");
        rc_job_http_escape(&b, f.value);
        rc_list_filter_free(&f);
    }
    rc_buf_append(out, b.data, b.len);
    rc_buf_free(&b);
    return RC_OK;
}
