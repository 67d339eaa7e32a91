/* query.c — URL query strings; see query.h. */
#include "query.h"

#include <string.h>

#include "alloc.h"
#include "id.h"

void rc_query_decode(const char *in, size_t len, char *out, size_t cap)
{
    if (!cap) return;
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        char c = in[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < len) {
            int hi = rc_hex_digit((unsigned char)in[i + 1]);
            int lo = rc_hex_digit((unsigned char)in[i + 2]);
            if (hi >= 0 && lo >= 0 && (hi | lo) != 0) {
                c = (char)(hi << 4 | lo);
                i += 2;
            }
        }
        out[o++] = c;
    }
    out[o] = '\0';
}

int rc_query_each(const char *q, rc_query_fn fn, void *arg)
{
    /* Decoding never lengthens a component: one scratch of the query's size
     * holds any key and any value. */
    size_t qlen = strlen(q);
    char *key = rc_malloc(qlen + 1), *val = rc_malloc(qlen + 1);
    int rc = 0;
    while (*q && !rc) {
        size_t seg = strcspn(q, "&");
        size_t klen = strcspn(q, "=&");
        if (seg) {
            rc_query_decode(q, klen, key, klen + 1);
            size_t vlen = klen < seg ? seg - klen - 1 : 0;
            rc_query_decode(q + klen + (klen < seg), vlen, val, vlen + 1);
            rc = fn(arg, key, val);
        }
        q += seg;
        if (*q == '&') q++;
    }
    rc_free(key);
    rc_free(val);
    return rc;
}
