/* resp_write.c — the RESP2 writer: replies appended to one output buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "resp.h"

static void write_line(rc_buf_t *out, char type, const char *s, size_t n)
{
    char *p = rc_buf_reserve(out, n + 3);
    p[0] = type;
    memcpy(p + 1, s, n);
    p[n + 1] = '\r';
    p[n + 2] = '\n';
    out->len += n + 3;
    out->data[out->len] = '\0';
}

/* Simple strings and errors cannot carry CR or LF; a message that has one is
 * cut there rather than breaking the stream. */
static size_t line_len(const char *s)
{
    return strcspn(s, "\r\n");
}

void rc_resp_write_status(rc_buf_t *out, const char *s)
{
    write_line(out, '+', s, line_len(s));
}

void rc_resp_write_error(rc_buf_t *out, const char *s)
{
    write_line(out, '-', s, line_len(s));
}

void rc_resp_write_errorf(rc_buf_t *out, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rc_resp_write_error(out, msg);
}

static void write_prefixed_int(rc_buf_t *out, char type, int64_t v)
{
    char *p = rc_buf_reserve(out, 24);
    p[0] = type;
    size_t n = rc_i64_to_str(v, p + 1);
    p[n + 1] = '\r';
    p[n + 2] = '\n';
    out->len += n + 3;
    out->data[out->len] = '\0';
}

void rc_resp_write_int(rc_buf_t *out, int64_t v)
{
    static const char *const small[] = {":0\r\n", ":1\r\n"};
    if (v == 0 || v == 1) {
        rc_buf_append(out, small[v], 4);
        return;
    }
    write_prefixed_int(out, ':', v);
}

void rc_resp_write_bulk(rc_buf_t *out, const void *data, size_t len)
{
    /* One reservation for header, payload and trailer. */
    char *p = rc_buf_reserve(out, len + 24 + 2);
    p[0] = '$';
    size_t n = rc_u64_to_str(len, p + 1);
    p[n + 1] = '\r';
    p[n + 2] = '\n';
    p += n + 3;
    if (len) memcpy(p, data, len);
    p[len] = '\r';
    p[len + 1] = '\n';
    out->len += n + 3 + len + 2;
    out->data[out->len] = '\0';
}

void rc_resp_write_bulk_str(rc_buf_t *out, const char *s)
{
    rc_resp_write_bulk(out, s, strlen(s));
}

void rc_resp_write_bulk_i64(rc_buf_t *out, int64_t v)
{
    char tmp[24];
    size_t n = rc_i64_to_str(v, tmp);
    rc_resp_write_bulk(out, tmp, n);
}

void rc_resp_write_nil(rc_buf_t *out)
{
    rc_buf_append(out, "$-1\r\n", 5);
}

void rc_resp_write_nil_array(rc_buf_t *out)
{
    rc_buf_append(out, "*-1\r\n", 5);
}

void rc_resp_write_array(rc_buf_t *out, size_t n)
{
    write_prefixed_int(out, '*', (int64_t)n);
}

void rc_resp_write_ok(rc_buf_t *out)
{
    rc_buf_append(out, "+OK\r\n", 5);
}

void rc_resp_write_command(rc_buf_t *out, size_t argc, const char *const *argv, const size_t *lens)
{
    rc_resp_write_array(out, argc);
    for (size_t i = 0; i < argc; i++)
        rc_resp_write_bulk(out, argv[i], lens ? lens[i] : strlen(argv[i]));
}
