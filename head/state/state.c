/* state.c — State API query, row selection and envelope; see state.h. */
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "query.h"

/* ---- the query ------------------------------------------------------------------- */

typedef struct {
    rc_state_query_t *q;
    char *keys[RC_STATE_MAX_FILTERS], *preds[RC_STATE_MAX_FILTERS], *vals[RC_STATE_MAX_FILTERS];
    size_t nkeys, npreds, nvals;
    char *err;
    size_t errcap;
    int bad;
} parse_t;

static int parse_size(const char *s, size_t *out)
{
    if (*s < '0' || *s > '9') return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno) return -1;
    *out = (size_t)v;
    return 0;
}

static int add_list(parse_t *p, char **list, size_t *n, const char *value)
{
    if (*n == RC_STATE_MAX_FILTERS) {
        snprintf(p->err, p->errcap, "too many filters: at most %d", RC_STATE_MAX_FILTERS);
        return 1;
    }
    list[(*n)++] = rc_strdup(value);
    return 0;
}

static int on_param(void *arg, const char *key, const char *value)
{
    parse_t *p = arg;
    rc_state_query_t *q = p->q;
    if (!strcmp(key, "limit")) {
        if (parse_size(value, &q->limit) || q->limit < 1 || q->limit > RC_STATE_LIMIT_MAX) {
            snprintf(p->err, p->errcap, "limit=%.40s: give a whole number from 1 to %d", value,
                     RC_STATE_LIMIT_MAX);
            return 1;
        }
    } else if (!strcmp(key, "offset")) {
        if (parse_size(value, &q->offset)) {
            snprintf(p->err, p->errcap, "offset=%.40s: give a whole number, 0 or more", value);
            return 1;
        }
    } else if (!strcmp(key, "detail")) {
        if (!strcasecmp(value, "true") || !strcmp(value, "1") || !*value) {
            q->detail = 1;
        } else if (!strcasecmp(value, "false") || !strcmp(value, "0")) {
            q->detail = 0;
        } else {
            snprintf(p->err, p->errcap, "detail=%.40s: give true or false", value);
            return 1;
        }
    } else if (!strcmp(key, "filter_keys")) {
        return add_list(p, p->keys, &p->nkeys, value);
    } else if (!strcmp(key, "filter_predicates")) {
        if (strcmp(value, "=") && strcmp(value, "!=")) {
            snprintf(p->err, p->errcap, "filter_predicates=%.40s: the predicate is = or !=", value);
            return 1;
        }
        return add_list(p, p->preds, &p->npreds, value);
    } else if (!strcmp(key, "filter_values")) {
        return add_list(p, p->vals, &p->nvals, value);
    }
    return 0;
}

rc_err_t rc_state_query_parse(const char *raw, rc_state_query_t *q, char *err, size_t errcap)
{
    memset(q, 0, sizeof(*q));
    q->limit = RC_STATE_LIMIT_DEFAULT;
    parse_t p = {.q = q, .err = err, .errcap = errcap};
    int bad = rc_query_each(raw ? raw : "", on_param, &p);
    if (!bad && (p.nkeys != p.npreds || p.nkeys != p.nvals)) {
        snprintf(err, errcap,
                 "filter_keys, filter_predicates and filter_values must come in triples: got "
                 "%zu keys, %zu predicates, %zu values",
                 p.nkeys, p.npreds, p.nvals);
        bad = 1;
    }
    for (size_t i = 0; i < p.nkeys && !bad; i++) {
        q->filters[i].key = p.keys[i];
        q->filters[i].value = p.vals[i];
        q->filters[i].pred = strcmp(p.preds[i], "=") ? RC_STATE_NE : RC_STATE_EQ;
        p.keys[i] = p.vals[i] = NULL;
    }
    if (!bad) q->nfilters = p.nkeys;
    for (size_t i = 0; i < RC_STATE_MAX_FILTERS; i++) {
        rc_free(p.keys[i]);
        rc_free(p.preds[i]);
        rc_free(p.vals[i]);
    }
    if (bad) {
        rc_state_query_free(q);
        q->limit = RC_STATE_LIMIT_DEFAULT;
        return RC_EINVAL;
    }
    return RC_OK;
}

static const rc_state_col_t *find_col(const rc_state_col_t *cols, const char *name, size_t len)
{
    for (; cols->name; cols++)
        if (strlen(cols->name) == len && !memcmp(cols->name, name, len)) return cols;
    return NULL;
}

rc_err_t rc_state_query_check(const rc_state_query_t *q, const rc_state_col_t *cols, char *err,
                              size_t errcap)
{
    for (size_t i = 0; i < q->nfilters; i++) {
        const char *k = q->filters[i].key;
        if (find_col(cols, k, strlen(k))) continue;
        rc_buf_t b = RC_BUF_INIT;
        for (const rc_state_col_t *c = cols; c->name; c++)
            rc_buf_printf(&b, "%s%s", c == cols ? "" : ", ", c->name);
        rc_buf_append_char(&b, '\0');
        snprintf(err, errcap, "cannot filter by '%.60s': the keys are %s", k, b.data);
        rc_buf_free(&b);
        return RC_EINVAL;
    }
    return RC_OK;
}

void rc_state_query_free(rc_state_query_t *q)
{
    for (size_t i = 0; i < q->nfilters; i++) {
        rc_free(q->filters[i].key);
        rc_free(q->filters[i].value);
    }
    q->nfilters = 0;
}

/* ---- rows: the members of a flat object written by rc_jw ------------------------- */

/* Index just past the value that starts at s[i] (compact JSON, as rc_jw writes it). */
static size_t skip_value(const char *s, size_t i, size_t n)
{
    int depth = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\') i++;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) return i;
            if (--depth == 0) return i + 1;
        } else if (c == ',' && depth == 0) {
            return i;
        }
        if (depth == 0 && c == '"') return i + 1;
    }
    return n;
}

typedef struct {
    const char *key, *val;
    size_t klen, vlen;
    size_t pos; /* start of the member (its key's quote) */
} member_t;

/* Next member of the object text s[0..n) from *i (1 at first); 0 at the end. */
static int next_member(const char *s, size_t n, size_t *i, member_t *m)
{
    if (*i < n && s[*i] == ',') (*i)++;
    if (*i >= n || s[*i] != '"') return 0;
    m->pos = *i;
    size_t k = *i + 1, e = k;
    while (e < n && s[e] != '"') e += s[e] == '\\' ? 2 : 1;
    m->key = s + k;
    m->klen = e - k;
    size_t v = e + 2; /* past '"' and ':' */
    size_t end = skip_value(s, v, n);
    m->val = s + v;
    m->vlen = end - v;
    *i = end;
    return 1;
}

static int case_blind(const char *key)
{
    size_t n = strlen(key);
    static const char *const suffixes[] = {"state", "status", "type"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t sl = strlen(suffixes[i]);
        if (n >= sl && !strcmp(key + n - sl, suffixes[i])) return 1;
    }
    return 0;
}

static int value_holds(const rc_state_filter_t *f, const char *v, size_t vlen)
{
    size_t flen = strlen(f->value);
    int eq = vlen == flen &&
             (case_blind(f->key) ? !strncasecmp(v, f->value, flen) : !memcmp(v, f->value, flen));
    return f->pred == RC_STATE_EQ ? eq : !eq;
}

static int filter_holds(const rc_state_filter_t *f, const char *row, size_t n)
{
    const char *v = "null";
    size_t vlen = 4;
    size_t i = 1, klen = strlen(f->key);
    member_t m;
    while (next_member(row, n, &i, &m))
        if (m.klen == klen && !memcmp(m.key, f->key, klen)) {
            v = m.val;
            vlen = m.vlen;
            if (vlen >= 2 && v[0] == '"') {
                v++;
                vlen -= 2;
            }
            break;
        }
    return value_holds(f, v, vlen);
}

/* ---- the list -------------------------------------------------------------------- */

void rc_state_list_begin(rc_state_list_t *L, const rc_state_query_t *q, const rc_state_col_t *cols,
                         rc_buf_t *out)
{
    memset(L, 0, sizeof(*L));
    L->q = q;
    L->cols = cols;
    L->out = out;
    rc_buf_init(&L->row);
    L->detail = q->detail;
    for (size_t i = 0; i < q->nfilters && !L->detail; i++) {
        const rc_state_col_t *c = find_col(cols, q->filters[i].key, strlen(q->filters[i].key));
        if (c && c->detail) L->detail = L->strip = 1;
    }
    rc_buf_append_str(out, "{\"result\":true,\"msg\":\"\",\"data\":{\"result\":{\"result\":[");
}

static int in_window(const rc_state_list_t *L, uint64_t idx)
{
    return idx >= L->q->offset && idx - L->q->offset < L->q->limit;
}

int rc_state_list_done(const rc_state_list_t *L)
{
    return L->q->nfilters == 0 && L->kept >= (uint64_t)L->q->offset + L->q->limit;
}

void rc_state_list_count(rc_state_list_t *L, uint64_t rows)
{
    L->seen += rows;
    if (!L->q->nfilters) L->kept += rows;
}

rc_jw_t *rc_state_list_row(rc_state_list_t *L)
{
    L->seen++;
    if (!L->q->nfilters && !in_window(L, L->kept)) {
        L->kept++;
        return NULL;
    }
    rc_buf_clear(&L->row);
    rc_jw_init(&L->w, &L->row);
    return &L->w;
}

int rc_state_list_may_keep(const rc_state_list_t *L, const char *key, const char *value)
{
    for (size_t i = 0; i < L->q->nfilters; i++) {
        const rc_state_filter_t *f = &L->q->filters[i];
        if (strcmp(f->key, key) != 0) continue;
        if (!value_holds(f, value ? value : "null", value ? strlen(value) : 4)) return 0;
    }
    return 1;
}

void rc_state_list_skip(rc_state_list_t *L)
{
    L->seen++;
}

int rc_state_list_detail(const rc_state_list_t *L)
{
    return L->detail;
}

/* Appends the row to the answer, without its detail fields when they were
 * written only for the filters. */
static void emit(rc_state_list_t *L)
{
    const char *s = L->row.data;
    size_t n = L->row.len;
    if (L->emitted++) rc_buf_append_char(L->out, ',');
    if (!L->strip) {
        rc_buf_append(L->out, s, n);
        return;
    }
    rc_buf_append_char(L->out, '{');
    size_t i = 1, nout = 0;
    member_t m;
    while (next_member(s, n, &i, &m)) {
        const rc_state_col_t *c = find_col(L->cols, m.key, m.klen);
        if (c && c->detail) continue;
        if (nout++) rc_buf_append_char(L->out, ',');
        rc_buf_append(L->out, s + m.pos, (size_t)(m.val + m.vlen - (s + m.pos)));
    }
    rc_buf_append_char(L->out, '}');
}

void rc_state_list_row_end(rc_state_list_t *L)
{
    for (size_t i = 0; i < L->q->nfilters; i++)
        if (!filter_holds(&L->q->filters[i], L->row.data, L->row.len)) return;
    if (L->q->nfilters && !in_window(L, L->kept++)) return;
    if (!L->q->nfilters) L->kept++;
    emit(L);
}

void rc_state_list_end(rc_state_list_t *L, uint64_t total, const char *warning)
{
    if (total < L->seen) total = L->seen;
    rc_buf_printf(L->out,
                  "],\"total\":%llu,\"num_after_truncation\":%llu,\"num_filtered\":%llu,"
                  "\"partial_failure_warning\":\"\",\"warnings\":[",
                  (unsigned long long)total, (unsigned long long)L->seen,
                  (unsigned long long)L->kept);
    if (warning) rc_json_write_str(L->out, warning, strlen(warning));
    rc_buf_append_str(L->out, "]}}}");
    rc_buf_free(&L->row);
}

void rc_state_envelope_begin(rc_buf_t *out)
{
    rc_buf_append_str(out, "{\"result\":true,\"msg\":\"\",\"data\":{\"result\":");
}

void rc_state_envelope_end(rc_buf_t *out)
{
    rc_buf_append_str(out, "}}");
}

void rc_state_error_json(rc_buf_t *out, const char *msg)
{
    rc_buf_append_str(out, "{\"result\":false,\"msg\":");
    rc_json_write_str(out, msg, strlen(msg));
    rc_buf_append_str(out, ",\"data\":{}}");
}
