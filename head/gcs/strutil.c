/* strutil.c — glob matching and strict integer parsing (see strutil.h). */
#include <ctype.h>

#include "strutil.h"

/* Matches c against the class starting at p[*pi] (just after '['); leaves *pi
 * after the closing ']'. */
static inline unsigned char fold(char ch, int nocase)
{
    unsigned char u = (unsigned char)ch;
    return nocase ? (unsigned char)tolower(u) : u;
}

static int class_match(const char *p, size_t plen, size_t *pi, unsigned char c, int nocase)
{
    size_t i = *pi;
    int neg = 0, match = 0;
    if (i < plen && p[i] == '^') {
        neg = 1;
        i++;
    }
    while (i < plen) {
        if (p[i] == '\\' && i + 1 < plen) {
            if (fold(p[i + 1], nocase) == c) match = 1;
            i += 2;
        } else if (p[i] == ']') {
            i++;
            break;
        } else if (i + 2 < plen && p[i + 1] == '-') {
            unsigned char lo = fold(p[i], nocase), hi = fold(p[i + 2], nocase);
            if (lo > hi) {
                unsigned char t = lo;
                lo = hi;
                hi = t;
            }
            if (c >= lo && c <= hi) match = 1;
            i += 3;
        } else {
            if (fold(p[i], nocase) == c) match = 1;
            i++;
        }
    }
    *pi = i;
    return neg ? !match : match;
}

int rc_glob_match(const char *p, size_t plen, const char *s, size_t slen, int nocase)
{
    size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;
    while (si < slen) {
        if (pi < plen) {
            char pc = p[pi];
            if (pc == '*') {
                while (pi < plen && p[pi] == '*') pi++;
                if (pi == plen) return 1;
                star_p = pi;
                star_s = si;
                continue;
            }
            size_t np;
            int ok;
            if (pc == '?') {
                ok = 1;
                np = pi + 1;
            } else if (pc == '[') {
                np = pi + 1;
                ok = class_match(p, plen, &np, fold(s[si], nocase), nocase);
            } else if (pc == '\\' && pi + 1 < plen) {
                ok = fold(p[pi + 1], nocase) == fold(s[si], nocase);
                np = pi + 2;
            } else {
                ok = fold(pc, nocase) == fold(s[si], nocase);
                np = pi + 1;
            }
            if (ok) {
                pi = np;
                si++;
                continue;
            }
        }
        /* Mismatch: let the last '*' swallow one more byte. Earlier stars never
         * need revisiting, which is what bounds the work. */
        if (star_p == (size_t)-1) return 0;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < plen && p[pi] == '*') pi++;
    return pi == plen;
}

int rc_parse_i64_strict(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 20) return 0;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return 1;
    }
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-') {
        neg = 1;
        i = 1;
        if (len == 1) return 0;
    }
    if (s[i] < '1' || s[i] > '9') return 0;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return 0;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX) return 0;
        *out = (int64_t)v;
    }
    return 1;
}
