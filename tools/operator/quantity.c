/* quantity.c — Kubernetes quantities (see quantity.h). */
#include "quantity.h"

#include <stdio.h>
#include <string.h>

/* Significant digits kept exactly; 10^38 still fits an unsigned __int128. */
#define MAX_DIGITS 36

typedef unsigned __int128 u128;

static const char forms[] = "use a number with an optional suffix: 500m, 2, 1.5, 2Gi, 1G, 1e3";

/* *v *= m, saturating to UINT128 max as "too big"; 1 on overflow. */
static int mul_over(u128 *v, u128 m)
{
    if (*v == 0 || m == 0) {
        *v = 0;
        return 0;
    }
    if (*v > ((u128)-1) / m) return 1;
    *v *= m;
    return 0;
}

/* Suffix → (power of ten, power of two); 0 when s is not a known suffix. */
static int suffix_of(const char *s, int *p10, int *p2)
{
    static const struct {
        const char *name;
        int p10, p2;
    } t[] = {
        {"", 0, 0},    {"n", -9, 0},  {"u", -6, 0},  {"m", -3, 0},  {"k", 3, 0},   {"M", 6, 0},
        {"G", 9, 0},   {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0},  {"Ki", 0, 10}, {"Mi", 0, 20},
        {"Gi", 0, 30}, {"Ti", 0, 40}, {"Pi", 0, 50}, {"Ei", 0, 60},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(s, t[i].name) == 0) {
            *p10 = t[i].p10;
            *p2 = t[i].p2;
            return 1;
        }
    return 0;
}

rc_err_t rc_quantity_parse(const char *s, int64_t *milli, char *err, size_t errcap)
{
    const char *p = s;
    u128 mant = 0;
    int digits = 0, frac = 0, any = 0, neg = 0, p10 = 0, p2 = 0;
    *milli = 0;
    if (!s || !*s) {
        snprintf(err, errcap, "empty quantity: %s", forms);
        return RC_EINVAL;
    }
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    for (int seen_dot = 0;; p++) {
        if (*p == '.' && !seen_dot) {
            seen_dot = 1;
            continue;
        }
        if (*p < '0' || *p > '9') break;
        any = 1;
        /* Leading zeros carry nothing; beyond MAX_DIGITS significant digits the
         * rest of an integer part still scales, a fraction's rest is dropped
         * (it could only change the rounding of an absurdly precise value). */
        if (mant == 0 && *p == '0') {
            if (seen_dot) frac++;
            continue;
        }
        if (digits < MAX_DIGITS) {
            mant = mant * 10 + (u128)(*p - '0');
            digits++;
            if (seen_dot) frac++;
        } else if (!seen_dot) {
            frac--; /* one more power of ten in the integer part */
        }
    }
    if (!any) {
        snprintf(err, errcap, "'%.40s' is not a quantity: %s", s, forms);
        return RC_EINVAL;
    }
    if ((*p == 'e' || *p == 'E') && p[1] != '\0' && p[1] != 'i') {
        /* A decimal exponent ("1e3", "2E-2"): an integer, at most 3 digits. */
        const char *q = p + 1;
        int eneg = 0, ev = 0, nd = 0;
        if (*q == '+' || *q == '-') eneg = *q++ == '-';
        for (; *q >= '0' && *q <= '9' && nd < 4; q++, nd++) ev = ev * 10 + (*q - '0');
        if (nd == 0 || nd > 3 || *q) {
            snprintf(err, errcap, "'%.40s' has a bad exponent: %s", s, forms);
            return RC_EINVAL;
        }
        p10 = eneg ? -ev : ev;
    } else if (!suffix_of(p, &p10, &p2)) {
        snprintf(err, errcap, "'%.40s' has an unknown suffix '%.8s': %s", s, p, forms);
        return RC_EINVAL;
    }
    if (neg && mant != 0) {
        snprintf(err, errcap, "'%.40s' is negative: a resource quantity must be 0 or more", s);
        return RC_EINVAL;
    }
    /* value = mant * 10^(p10 - frac) * 2^p2, in thousandths: one more 10^3. */
    int e10 = p10 - frac + 3;
    u128 v = mant;
    int over = 0;
    for (int i = 0; i < p2 && !over; i++) over = mul_over(&v, 2);
    for (int i = 0; i < e10 && !over; i++) over = mul_over(&v, 10);
    if (!over && e10 < 0) {
        /* Divide by 10^-e10 rounding up; past 10^38 any non-zero value is 1m. */
        if (-e10 > 38) {
            v = v ? 1 : 0;
        } else {
            u128 d = 1;
            for (int i = 0; i < -e10; i++) d *= 10;
            v = v / d + ((v % d) != 0 ? 1 : 0);
        }
    }
    if (over || v > (u128)RC_QUANTITY_MAX_MILLI) {
        snprintf(err, errcap, "'%.40s' is too large", s);
        return RC_ERANGE;
    }
    *milli = (int64_t)v;
    return RC_OK;
}

int64_t rc_quantity_ceil_units(int64_t milli)
{
    return milli / 1000 + ((milli % 1000) != 0 ? 1 : 0);
}
