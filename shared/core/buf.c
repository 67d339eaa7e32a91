/* buf.c — growable byte buffer and number formatting/parsing. */
#include "buf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

void rc_buf_init(rc_buf_t *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void rc_buf_free(rc_buf_t *b)
{
    rc_free(b->data);
    rc_buf_init(b);
}

static size_t grow_to(size_t cap, size_t need)
{
    size_t n = cap ? cap : 64;
    while (n < need) {
        size_t step = n < ((size_t)1 << 20) ? n : n / 2;
        /* Near SIZE_MAX the next step would wrap (and loop forever); ask for
         * exactly what is needed and let the allocator say no. */
        if (n > SIZE_MAX - step) return need;
        n += step;
    }
    return n;
}

char *rc_buf_reserve(rc_buf_t *b, size_t n)
{
    /* A size that wraps size_t is a bug in the caller, not a peer's choice
     * (those go through rc_buf_reserve_try). */
    RC_ASSERT(n < SIZE_MAX - b->len);
    size_t need = b->len + n + 1; /* +1: keep a NUL terminator */
    if (need > b->cap) {
        size_t cap = grow_to(b->cap, need);
        b->data = rc_realloc(b->data, cap);
        b->cap = cap;
    }
    return b->data + b->len;
}

rc_err_t rc_buf_reserve_try(rc_buf_t *b, size_t n)
{
    if (n > SIZE_MAX - b->len - 1) return RC_ENOMEM;
    size_t need = b->len + n + 1;
    if (need > b->cap) {
        size_t cap = grow_to(b->cap, need);
        char *p = rc_try_realloc(b->data, cap);
        if (!p) return RC_ENOMEM;
        b->data = p;
        b->cap = cap;
    }
    return RC_OK;
}

void rc_buf_append(rc_buf_t *b, const void *data, size_t n)
{
    char *p = rc_buf_reserve(b, n);
    if (n) memcpy(p, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void rc_buf_append_str(rc_buf_t *b, const char *s)
{
    rc_buf_append(b, s, strlen(s));
}

void rc_buf_append_char(rc_buf_t *b, char c)
{
    char *p = rc_buf_reserve(b, 1);
    *p = c;
    b->len++;
    b->data[b->len] = '\0';
}

void rc_buf_vprintf(rc_buf_t *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0) return;
    char *p = rc_buf_reserve(b, (size_t)n);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void rc_buf_printf(rc_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rc_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

size_t rc_u64_to_str(uint64_t v, char *out)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

size_t rc_i64_to_str(int64_t v, char *out)
{
    if (v < 0) {
        out[0] = '-';
        /* Negate in unsigned arithmetic so INT64_MIN is exact. */
        return 1 + rc_u64_to_str(0 - (uint64_t)v, out + 1);
    }
    return rc_u64_to_str((uint64_t)v, out);
}

void rc_buf_append_i64(rc_buf_t *b, int64_t v)
{
    char *p = rc_buf_reserve(b, 21);
    b->len += rc_i64_to_str(v, p);
}

void rc_buf_append_u64(rc_buf_t *b, uint64_t v)
{
    char *p = rc_buf_reserve(b, 21);
    b->len += rc_u64_to_str(v, p);
}

void rc_buf_consume(rc_buf_t *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        if (b->data) b->data[0] = '\0';
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

void rc_buf_clear(rc_buf_t *b)
{
    rc_buf_consume(b, b->len);
}

char *rc_buf_detach(rc_buf_t *b, size_t *len)
{
    char *d = b->data ? b->data : rc_strdup("");
    if (len) *len = b->len;
    rc_buf_init(b);
    return d;
}

rc_err_t rc_str_to_i64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    uint64_t v = 0;
    if (len == 0) return RC_ESYNTAX;
    if (s[0] == '-') {
        neg = 1;
        i = 1;
        if (len == 1) return RC_ESYNTAX;
    }
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return RC_ESYNTAX;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return RC_ERANGE;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return RC_ERANGE;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX) return RC_ERANGE;
        *out = (int64_t)v;
    }
    return RC_OK;
}

rc_err_t rc_str_to_double(const char *s, size_t len, double *out)
{
    char tmp[64];
    if (len == 0 || len >= sizeof(tmp)) return RC_ESYNTAX;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (tmp[0] == ' ' || tmp[0] == '\t' || tmp[0] == '\n') return RC_ESYNTAX;
    char *end = NULL;
    errno = 0;
    double v = strtod(tmp, &end);
    if (end != tmp + len) return RC_ESYNTAX;
    if (errno == ERANGE || !isfinite(v)) return RC_ERANGE;
    *out = v;
    return RC_OK;
}
