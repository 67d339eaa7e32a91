/* logfmt.c — the operator's decision log (see logfmt.h). */
#include "logfmt.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fdio.h"

static rc_logfmt_sink_fn sink;
static void *sink_arg;

void rc_logfmt_set_sink(rc_logfmt_sink_fn fn, void *arg)
{
    sink = fn;
    sink_arg = arg;
}

void rc_logfmt_time(int64_t wall_ms, int with_ms, char *out, size_t cap)
{
    if (wall_ms < 0) wall_ms = 0;
    time_t sec = (time_t)(wall_ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    if (n == 0) {
        if (cap) out[0] = '\0';
        return;
    }
    if (with_ms)
        snprintf(out + n, cap - n, ".%03uZ", (unsigned)(wall_ms % 1000));
    else
        snprintf(out + n, cap - n, "Z");
}

void rc_logfmt_value(rc_buf_t *out, const char *v)
{
    const unsigned char *p = (const unsigned char *)(v ? v : "");
    int bare = *p != '\0';
    for (const unsigned char *q = p; *q && bare; q++)
        if (*q <= ' ' || *q == '"' || *q == '=' || *q == '\\' || *q == 0x7f) bare = 0;
    if (bare) {
        rc_buf_append_str(out, (const char *)p);
        return;
    }
    rc_buf_append_char(out, '"');
    for (; *p; p++) {
        switch (*p) {
        case '"': rc_buf_append_str(out, "\\\""); break;
        case '\\': rc_buf_append_str(out, "\\\\"); break;
        case '\n': rc_buf_append_str(out, "\\n"); break;
        case '\r': rc_buf_append_str(out, "\\r"); break;
        case '\t': rc_buf_append_str(out, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                rc_buf_printf(out, "\\u%04x", *p);
            else
                rc_buf_append_char(out, (char)*p);
        }
    }
    rc_buf_append_char(out, '"');
}

void rc_logfmt_begin(rc_logfmt_t *l, const char *level, const char *msg)
{
    char ts[40];
    rc_buf_init(&l->b);
    rc_logfmt_time(rc_clock_wall_ms(), 1, ts, sizeof(ts));
    rc_buf_printf(&l->b, "time=%s level=", ts);
    rc_logfmt_value(&l->b, level);
    rc_buf_append_str(&l->b, " msg=");
    rc_logfmt_value(&l->b, msg);
}

void rc_logfmt_str(rc_logfmt_t *l, const char *key, const char *val)
{
    rc_buf_printf(&l->b, " %s=", key);
    rc_logfmt_value(&l->b, val);
}

void rc_logfmt_int(rc_logfmt_t *l, const char *key, int64_t v)
{
    rc_buf_printf(&l->b, " %s=", key);
    rc_buf_append_i64(&l->b, v);
}

void rc_logfmt_end(rc_logfmt_t *l)
{
    rc_buf_append_char(&l->b, '\n');
    if (sink)
        sink(sink_arg, l->b.data, l->b.len);
    else
        (void)rc_write_all(STDOUT_FILENO, l->b.data, l->b.len);
    rc_buf_free(&l->b);
}
