/* res.c — fixed-point resource vectors; see res.h for units and limits. */
#include "res.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"

void rc_res_init(rc_res_t *r)
{
    memset(r, 0, sizeof(*r));
}

void rc_res_free(rc_res_t *r)
{
    rc_free(r->custom);
    rc_res_init(r);
}

static void reserve_custom(rc_res_t *r, size_t n)
{
    if (n <= r->capcustom) return;
    size_t cap = r->capcustom ? r->capcustom * 2 : 4;
    while (cap < n) cap *= 2;
    r->custom = rc_realloc(r->custom, cap * sizeof(*r->custom));
    r->capcustom = cap;
}

void rc_res_copy(rc_res_t *dst, const rc_res_t *src)
{
    if (dst == src) return;
    rc_res_custom_t *keep = dst->custom;
    size_t cap = dst->capcustom;
    *dst = *src;
    /* Reuse dst's array when it is large enough: copies in the scheduler's hot
     * path then do not allocate. */
    dst->custom = keep;
    dst->capcustom = cap;
    dst->ncustom = 0;
    reserve_custom(dst, src->ncustom);
    if (src->ncustom) memcpy(dst->custom, src->custom, src->ncustom * sizeof(*src->custom));
    dst->ncustom = src->ncustom;
}

int rc_res_name_valid(const char *name)
{
    size_t n = 0;
    if (!name) return 0;
    for (const char *p = name; *p; p++, n++) {
        char c = *p;
        if (n >= RC_RES_NAME_MAX) return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '/' || c == '-'))
            return 0;
    }
    return n > 0;
}

/* The four fixed fields as an array, so loops replace four copies of a line. */
#define NFIXED 4
static const char *const fixed_names[NFIXED] = {"CPU", "GPU", "memory", "object_store_memory"};

static void fixed_fields(rc_res_t *r, int64_t *f[NFIXED])
{
    f[0] = &r->cpu;
    f[1] = &r->gpu;
    f[2] = &r->memory;
    f[3] = &r->object_store_memory;
}

/* Index of a predefined resource in fixed_fields order, or -1 for a custom name. */
static int predefined(const char *name)
{
    for (int i = 0; i < NFIXED; i++)
        if (strcmp(name, fixed_names[i]) == 0) return i;
    return -1;
}

/* Binary search; returns 1 and the index if found, else 0 and the insertion point. */
static int find_custom(const rc_res_t *r, const char *name, size_t *at)
{
    size_t lo = 0, hi = r->ncustom;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->custom[mid].name, name);
        if (c == 0) {
            *at = mid;
            return 1;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *at = lo;
    return 0;
}

int64_t rc_res_get(const rc_res_t *r, const char *name)
{
    size_t at;
    if (!name) return 0;
    int k = predefined(name);
    if (k >= 0) {
        int64_t *f[NFIXED];
        fixed_fields((rc_res_t *)r, f);
        return *f[k];
    }
    return find_custom(r, name, &at) ? r->custom[at].amount : 0;
}

rc_err_t rc_res_set(rc_res_t *r, const char *name, int64_t fixed)
{
    size_t at;
    if (!rc_res_name_valid(name)) return RC_EINVAL;
    if (fixed < 0 || fixed > RC_RES_MAX) return RC_ERANGE;
    int k = predefined(name);
    if (k >= 0) {
        int64_t *f[NFIXED];
        fixed_fields(r, f);
        *f[k] = fixed;
        return RC_OK;
    }
    int found = find_custom(r, name, &at);
    if (found && fixed == 0) {
        memmove(&r->custom[at], &r->custom[at + 1], (r->ncustom - at - 1) * sizeof(*r->custom));
        r->ncustom--;
    } else if (found) {
        r->custom[at].amount = fixed;
    } else if (fixed != 0) {
        reserve_custom(r, r->ncustom + 1);
        memmove(&r->custom[at + 1], &r->custom[at], (r->ncustom - at) * sizeof(*r->custom));
        snprintf(r->custom[at].name, sizeof(r->custom[at].name), "%s", name);
        r->custom[at].amount = fixed;
        r->ncustom++;
    }
    return RC_OK;
}

rc_err_t rc_res_add(rc_res_t *a, const rc_res_t *b)
{
    int64_t *fa[NFIXED], *fb[NFIXED], sum;
    size_t missing = 0, at;
    fixed_fields(a, fa);
    fixed_fields((rc_res_t *)b, fb);
    /* Check everything first so a failure leaves a untouched. */
    for (int i = 0; i < NFIXED; i++)
        if (__builtin_add_overflow(*fa[i], *fb[i], &sum)) return RC_ERANGE;
    for (size_t j = 0; j < b->ncustom; j++) {
        if (find_custom(a, b->custom[j].name, &at)) {
            if (__builtin_add_overflow(a->custom[at].amount, b->custom[j].amount, &sum))
                return RC_ERANGE;
        } else {
            missing++;
        }
    }
    for (int i = 0; i < NFIXED; i++) *fa[i] += *fb[i];
    if (!b->ncustom) return RC_OK;
    /* Merge from the back so the sorted array is extended in place. */
    reserve_custom(a, a->ncustom + missing);
    size_t i = a->ncustom, j = b->ncustom, k = a->ncustom + missing;
    while (j > 0) {
        int c = i > 0 ? strcmp(a->custom[i - 1].name, b->custom[j - 1].name) : -1;
        if (c > 0) {
            a->custom[--k] = a->custom[--i];
        } else if (c == 0) {
            a->custom[--k] = a->custom[--i];
            a->custom[k].amount += b->custom[--j].amount;
        } else {
            a->custom[--k] = b->custom[--j];
        }
    }
    a->ncustom += missing;
    return RC_OK;
}

rc_err_t rc_res_sub(rc_res_t *a, const rc_res_t *b)
{
    int64_t *fa[NFIXED], *fb[NFIXED];
    size_t at;
    fixed_fields(a, fa);
    fixed_fields((rc_res_t *)b, fb);
    for (int i = 0; i < NFIXED; i++)
        if (*fa[i] < *fb[i]) return RC_ERANGE;
    for (size_t j = 0; j < b->ncustom; j++) {
        if (b->custom[j].amount <= 0) continue;
        if (!find_custom(a, b->custom[j].name, &at) || a->custom[at].amount < b->custom[j].amount)
            return RC_ERANGE;
    }
    for (int i = 0; i < NFIXED; i++) *fa[i] -= *fb[i];
    if (!b->ncustom) return RC_OK;
    for (size_t j = 0; j < b->ncustom; j++)
        if (find_custom(a, b->custom[j].name, &at)) a->custom[at].amount -= b->custom[j].amount;
    /* Drop entries that reached zero: absent and zero must stay the same. */
    size_t k = 0;
    for (size_t i = 0; i < a->ncustom; i++)
        if (a->custom[i].amount != 0) a->custom[k++] = a->custom[i];
    a->ncustom = k;
    return RC_OK;
}

int rc_res_fits(const rc_res_t *req, const rc_res_t *avail)
{
    size_t at;
    if (req->cpu > avail->cpu || req->gpu > avail->gpu || req->memory > avail->memory ||
        req->object_store_memory > avail->object_store_memory)
        return 0;
    for (size_t j = 0; j < req->ncustom; j++) {
        int64_t have = find_custom(avail, req->custom[j].name, &at) ? avail->custom[at].amount : 0;
        if (req->custom[j].amount > have) return 0;
    }
    return 1;
}

int rc_res_is_zero(const rc_res_t *r)
{
    if (r->cpu || r->gpu || r->memory || r->object_store_memory) return 0;
    for (size_t i = 0; i < r->ncustom; i++)
        if (r->custom[i].amount) return 0;
    return 1;
}

int rc_res_eq(const rc_res_t *a, const rc_res_t *b)
{
    if (a->cpu != b->cpu || a->gpu != b->gpu || a->memory != b->memory ||
        a->object_store_memory != b->object_store_memory || a->ncustom != b->ncustom)
        return 0;
    for (size_t i = 0; i < a->ncustom; i++)
        if (a->custom[i].amount != b->custom[i].amount ||
            strcmp(a->custom[i].name, b->custom[i].name) != 0)
            return 0;
    return 1;
}

double rc_res_utilisation(const rc_res_t *total, const rc_res_t *avail)
{
    const int64_t t[3] = {total->cpu, total->memory, total->object_store_memory};
    const int64_t a[3] = {avail->cpu, avail->memory, avail->object_store_memory};
    double best = 0;
    for (int i = 0; i < 3; i++) {
        if (t[i] <= 0) continue;
        double u = 1.0 - (double)a[i] / (double)t[i];
        if (u > best) best = u;
    }
    return best > 1.0 ? 1.0 : best;
}

int64_t rc_res_from_double(double v)
{
    if (isnan(v)) return 0;
    double x = v * RC_RES_SCALE;
    if (x >= 0x1p63) return INT64_MAX;
    if (x < -0x1p63) return INT64_MIN;
    return (int64_t)llround(x);
}

double rc_res_to_double(int64_t fixed)
{
    return (double)fixed / RC_RES_SCALE;
}

/* Exact decimal text of a fixed amount ("2", "0.5", "-1.0001"); returns length. */
static size_t amount_text(int64_t fixed, char out[32])
{
    uint64_t mag = fixed < 0 ? 0 - (uint64_t)fixed : (uint64_t)fixed;
    size_t n = 0;
    if (fixed < 0) out[n++] = '-';
    n += rc_u64_to_str(mag / RC_RES_SCALE, out + n);
    unsigned frac = (unsigned)(mag % RC_RES_SCALE);
    if (frac) {
        char digits[8];
        snprintf(digits, sizeof(digits), "%04u", frac);
        size_t d = 4;
        while (digits[d - 1] == '0') d--;
        out[n++] = '.';
        memcpy(out + n, digits, d);
        n += d;
    }
    out[n] = '\0';
    return n;
}

void rc_res_append_amount(rc_buf_t *out, int64_t fixed)
{
    char tmp[32];
    size_t n = amount_text(fixed, tmp);
    rc_buf_append(out, tmp, n);
}

/* Whole bytes of a memory amount, rounded to nearest. */
static int64_t to_bytes(int64_t fixed)
{
    return fixed / RC_RES_SCALE + (fixed % RC_RES_SCALE >= RC_RES_SCALE / 2 ? 1 : 0);
}

static void write_amount(rc_jw_t *w, int64_t fixed)
{
    char tmp[32];
    size_t n = amount_text(fixed, tmp);
    rc_jw_raw(w, tmp, n);
}

void rc_res_to_json(const rc_res_t *r, rc_jw_t *w)
{
    rc_jw_obj_begin(w);
    if (r->cpu) {
        rc_jw_key(w, "CPU");
        write_amount(w, r->cpu);
    }
    if (r->gpu) {
        rc_jw_key(w, "GPU");
        write_amount(w, r->gpu);
    }
    if (r->memory) {
        rc_jw_key(w, "memory");
        rc_jw_int(w, to_bytes(r->memory));
    }
    if (r->object_store_memory) {
        rc_jw_key(w, "object_store_memory");
        rc_jw_int(w, to_bytes(r->object_store_memory));
    }
    for (size_t i = 0; i < r->ncustom; i++) {
        rc_jw_key(w, r->custom[i].name);
        write_amount(w, r->custom[i].amount);
    }
    rc_jw_obj_end(w);
}

static void append_bytes(rc_buf_t *out, int64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)bytes;
    int u = 0;
    if (bytes < 1024) {
        rc_buf_printf(out, "%lld B", (long long)bytes);
        return;
    }
    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "%.2f", v);
    size_t n = strlen(tmp);
    if (n > 3 && strcmp(tmp + n - 3, ".00") == 0) tmp[n - 3] = '\0';
    rc_buf_printf(out, "%s %s", tmp, units[u]);
}

void rc_res_format(const rc_res_t *r, rc_buf_t *out)
{
    int first = 1;
#define SEP() (first ? (void)(first = 0) : rc_buf_append_str(out, ", "))
    if (r->cpu) {
        SEP();
        rc_buf_append_str(out, "CPU: ");
        rc_res_append_amount(out, r->cpu);
    }
    if (r->gpu) {
        SEP();
        rc_buf_append_str(out, "GPU: ");
        rc_res_append_amount(out, r->gpu);
    }
    if (r->memory) {
        SEP();
        rc_buf_append_str(out, "memory: ");
        append_bytes(out, to_bytes(r->memory));
    }
    if (r->object_store_memory) {
        SEP();
        rc_buf_append_str(out, "object_store_memory: ");
        append_bytes(out, to_bytes(r->object_store_memory));
    }
    for (size_t i = 0; i < r->ncustom; i++) {
        SEP();
        rc_buf_printf(out, "%s: ", r->custom[i].name);
        rc_res_append_amount(out, r->custom[i].amount);
    }
#undef SEP
    if (first) rc_buf_append_str(out, "none");
}

/* A key as it appears in an error message: JSON-quoted (so control bytes and
 * invalid UTF-8 cannot reach a terminal raw) and cut to a readable length. */
static void quote_key(const char *key, size_t klen, char *out, size_t cap)
{
    rc_buf_t b = RC_BUF_INIT;
    int cut = klen > RC_RES_NAME_MAX + 8;
    rc_json_write_str(&b, key, cut ? RC_RES_NAME_MAX + 8 : klen);
    if (cut) {
        b.len--; /* the closing quote goes after the ellipsis */
        rc_buf_append_str(&b, "...\"");
    }
    snprintf(out, cap, "%s", b.data);
    rc_buf_free(&b);
}

rc_err_t rc_res_from_json(const rc_json_t *obj, rc_res_t *out, char *err, size_t errcap)
{
    char qk[128], num[32];
    rc_err_t e;
    rc_res_init(out);
    if (!err) errcap = 0;
    if (rc_json_type(obj) != RC_JSON_OBJECT) {
        snprintf(err, errcap,
                 "resources must be a JSON object of name to amount, like {\"CPU\": 2, "
                 "\"custom\": 1}, got %s %s",
                 rc_json_type(obj) == RC_JSON_ARRAY || rc_json_type(obj) == RC_JSON_OBJECT ? "an"
                                                                                           : "a",
                 rc_json_type_name(rc_json_type(obj)));
        return RC_EINVAL;
    }
    for (size_t i = 0; i < rc_json_len(obj); i++) {
        size_t klen;
        const char *key = rc_json_key_at(obj, i, &klen);
        const rc_json_t *v = rc_json_value_at(obj, i);
        int64_t fixed, iv;
        quote_key(key, klen, qk, sizeof(qk));
        if (strlen(key) != klen || !rc_res_name_valid(key)) {
            snprintf(err, errcap,
                     "resource name %s is invalid: use 1-%d characters from A-Z a-z 0-9 _ . : / -",
                     qk, RC_RES_NAME_MAX);
            e = RC_EINVAL;
            goto fail;
        }
        if (rc_json_type(v) != RC_JSON_NUMBER) {
            rc_json_type_t t = rc_json_type(v);
            snprintf(err, errcap, "resource %s: expected a number, got %s %s", qk,
                     t == RC_JSON_ARRAY || t == RC_JSON_OBJECT ? "an" : "a", rc_json_type_name(t));
            e = RC_EINVAL;
            goto fail;
        }
        double d = rc_json_num(v);
        rc_json_format_double(d, num);
        if (d < 0) {
            snprintf(err, errcap, "resource %s: %s is negative; amounts must be >= 0", qk, num);
            e = RC_ERANGE;
            goto fail;
        }
        if (d > (double)RC_RES_MAX_UNITS) {
            snprintf(err, errcap, "resource %s: %s is too large (at most 1e14)", qk, num);
            e = RC_ERANGE;
            goto fail;
        }
        /* Integers (memory in bytes, counts) convert exactly; only fractions
         * go through floating point. */
        if (rc_json_int(v, &iv))
            fixed = iv * RC_RES_SCALE;
        else
            fixed = rc_res_from_double(d);
        if (fixed == 0 && d > 0) {
            snprintf(err, errcap,
                     "resource %s: %s is below the smallest amount 0.0001 (amounts have 4 "
                     "decimals)",
                     qk, num);
            e = RC_ERANGE;
            goto fail;
        }
        e = rc_res_set(out, key, fixed);
        if (e != RC_OK) {
            snprintf(err, errcap, "resource %s: %s", qk, rc_strerror(e));
            goto fail;
        }
    }
    return RC_OK;
fail:
    rc_res_free(out);
    return e;
}

rc_err_t rc_res_parse_json(const char *text, size_t len, rc_res_t *out, char *err, size_t errcap)
{
    rc_json_t *root = NULL;
    char jerr[200];
    rc_res_init(out);
    rc_err_t e = rc_json_parse(text, len, &root, jerr, sizeof(jerr));
    if (e != RC_OK) {
        if (err && errcap) snprintf(err, errcap, "resources are not valid JSON: %s", jerr);
        return e;
    }
    e = rc_res_from_json(root, out, err, errcap);
    rc_json_free(root);
    return e;
}

void rc_res_default_memory(int64_t available, int64_t *memory, int64_t *object_store)
{
    if (available < 0) available = 0;
    int64_t os = (int64_t)((double)available * RC_RES_OBJECT_STORE_SHARE);
    if (os > RC_RES_OBJECT_STORE_MAX) os = RC_RES_OBJECT_STORE_MAX;
    /* Ray: memory is what the object store leaves of the available memory. */
    int64_t mem = available - (int64_t)((double)available * RC_RES_OBJECT_STORE_SHARE);
    if (memory) *memory = mem;
    if (object_store) *object_store = os;
}
