/* fmt.c — amounts and text for people; see fmt.h. */
#include "fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"

void rc_fmt_bytes(double bytes, char *out, size_t cap)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    if (!isfinite(bytes) || bytes < 0) bytes = 0;
    if (bytes < 1024) {
        snprintf(out, cap, "%.0fB", floor(bytes));
        return;
    }
    size_t u = 0;
    double v = bytes / 1024;
    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        u++;
    }
    snprintf(out, cap, "%.2f%s", v, units[u]);
}

void rc_fmt_amount(double v, char *out, size_t cap)
{
    if (!isfinite(v)) v = 0;
    /* Ray keeps 4 decimals; print that and drop the trailing zeros. */
    snprintf(out, cap, "%.4f", round(v * 10000) / 10000);
    char *dot = strchr(out, '.');
    if (!dot) return;
    char *end = out + strlen(out);
    while (end > dot + 1 && end[-1] == '0') *--end = '\0';
    if (end == dot + 1) *dot = '\0';
    if (strcmp(out, "-0") == 0) snprintf(out, cap, "0");
}

int rc_fmt_is_bytes_resource(const char *name)
{
    return strcmp(name, "memory") == 0 || strcmp(name, "object_store_memory") == 0;
}

void rc_fmt_append_clean(rc_buf_t *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        rc_buf_append_char(out, ch < 0x20 || ch == 0x7f ? '?' : (char)ch);
    }
}

void rc_fmt_time(int64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(out, cap, "?");
}
