/* csv.c — the RFC 4180 reader and field writer (see csv.h). */
#include "csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "json.h"

void rc_csv_init(rc_csv_t *c, const char *data, size_t len, uint64_t first_line)
{
    memset(c, 0, sizeof(*c));
    c->data = data;
    c->len = data ? len : 0;
    c->line = first_line ? first_line : 1;
    c->row_line = c->line;
    rc_buf_init(&c->scratch);
}

void rc_csv_free(rc_csv_t *c)
{
    rc_free(c->fields);
    rc_free(c->offs);
    rc_free(c->in_scratch);
    rc_buf_free(&c->scratch);
    memset(c, 0, sizeof(*c));
}

void rc_csv_skip_bom(rc_csv_t *c)
{
    if (c->len - c->pos >= 3 && memcmp(c->data + c->pos, "\xEF\xBB\xBF", 3) == 0) c->pos += 3;
}

/* Line breaks in data[from..to): LF, CRLF (once) and lone CR. */
static uint64_t count_breaks(const char *d, size_t from, size_t to, size_t len)
{
    uint64_t n = 0;
    for (size_t i = from; i < to; i++) {
        if (d[i] == '\n') {
            n++;
        } else if (d[i] == '\r') {
            if (i + 1 >= len || d[i + 1] != '\n') n++;
        }
    }
    return n;
}

static rc_err_t fail(rc_csv_t *c, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static rc_err_t fail(rc_csv_t *c, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->err_line = line;
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
    return RC_ESYNTAX;
}

/* Checks data[from..to) (one field's raw bytes) for NUL and invalid UTF-8. */
static rc_err_t check_text(rc_csv_t *c, size_t rec_start, size_t from, size_t to, size_t field)
{
    const unsigned char *d = (const unsigned char *)c->data;
    for (size_t i = from; i < to;) {
        unsigned char b = d[i];
        if (b >= 0x01 && b < 0x80) {
            i++;
            continue;
        }
        uint64_t line = c->row_line + count_breaks(c->data, rec_start, i, c->len);
        if (b == 0)
            return fail(c, line, "NUL byte in field %zu (is this a binary file?)", field + 1);
        size_t k = rc_utf8_seq_len(d + i, to - i);
        if (!k)
            return fail(c, line,
                        "invalid UTF-8 (byte 0x%02X in field %zu); the file must be UTF-8 text", b,
                        field + 1);
        i += k;
    }
    return RC_OK;
}

static void add_field(rc_csv_t *c, size_t off, size_t len, int in_scratch)
{
    if (c->nfields == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        c->fields = rc_realloc(c->fields, cap * sizeof(*c->fields));
        c->offs = rc_realloc(c->offs, cap * sizeof(*c->offs));
        c->in_scratch = rc_realloc(c->in_scratch, cap);
        c->cap = cap;
    }
    c->offs[c->nfields] = off;
    c->fields[c->nfields].len = len;
    c->in_scratch[c->nfields] = (unsigned char)in_scratch;
    c->nfields++;
}

/* Skips empty lines; returns 0 at the end of the data. */
static int skip_blank_lines(rc_csv_t *c)
{
    while (c->pos < c->len) {
        char ch = c->data[c->pos];
        if (ch == '\n') {
            c->pos++;
        } else if (ch == '\r') {
            c->pos += (c->pos + 1 < c->len && c->data[c->pos + 1] == '\n') ? 2 : 1;
        } else {
            return 1;
        }
        c->line++;
    }
    return 0;
}

rc_err_t rc_csv_next(rc_csv_t *c)
{
    const char *d = c->data;
    size_t n = c->len;
    c->nfields = 0;
    rc_buf_clear(&c->scratch);
    if (!skip_blank_lines(c)) return RC_ENOTFOUND;
    size_t rec_start = c->pos;
    c->row_line = c->line;
    size_t i = c->pos;
    uint64_t breaks = 0; /* line breaks inside quoted fields so far */
    for (;;) {
        if (c->nfields >= RC_CSV_MAX_FIELDS)
            return fail(c, c->row_line, "more than %d fields in one record", RC_CSV_MAX_FIELDS);
        size_t field = c->nfields;
        if (i < n && d[i] == '"') {
            /* Quoted: runs to the next quote that is not doubled. */
            size_t start = i + 1, j = start;
            int escaped = 0;
            for (;;) {
                const char *q = j < n ? memchr(d + j, '"', n - j) : NULL;
                if (!q)
                    return fail(c, c->row_line + breaks,
                                "unterminated quoted field: the quote that opens field %zu is "
                                "never closed",
                                field + 1);
                j = (size_t)(q - d);
                if (j + 1 < n && d[j + 1] == '"') {
                    escaped = 1;
                    j += 2;
                    continue;
                }
                break;
            }
            rc_err_t rc = check_text(c, rec_start, start, j, field);
            if (rc != RC_OK) return rc;
            breaks += count_breaks(d, start, j, n);
            if (!escaped) {
                add_field(c, start, j - start, 0);
            } else {
                size_t off = c->scratch.len;
                for (size_t k = start; k < j; k++) {
                    rc_buf_append_char(&c->scratch, d[k]);
                    if (d[k] == '"') k++; /* "" → " */
                }
                add_field(c, off, c->scratch.len - off, 1);
            }
            i = j + 1;
            if (i < n && d[i] != ',' && d[i] != '\n' && d[i] != '\r') {
                char shown[8];
                unsigned char b = (unsigned char)d[i];
                if (b >= 0x20 && b < 0x7f)
                    snprintf(shown, sizeof(shown), "'%c'", b);
                else
                    snprintf(shown, sizeof(shown), "0x%02X", b);
                return fail(c, c->row_line + breaks,
                            "%s after the closing quote of field %zu (a quote inside a quoted "
                            "field must be doubled: \"\")",
                            shown, field + 1);
            }
        } else {
            size_t start = i;
            while (i < n && d[i] != ',' && d[i] != '\n' && d[i] != '\r') i++;
            rc_err_t rc = check_text(c, rec_start, start, i, field);
            if (rc != RC_OK) return rc;
            add_field(c, start, i - start, 0);
        }
        if (i < n && d[i] == ',') {
            i++;
            continue;
        }
        break;
    }
    /* End of record: a line break or the end of the data. */
    if (i < n) {
        if (d[i] == '\r' && i + 1 < n && d[i + 1] == '\n')
            i += 2;
        else
            i++;
        breaks++;
    }
    c->line = c->row_line + breaks;
    c->pos = i;
    for (size_t k = 0; k < c->nfields; k++)
        c->fields[k].p = c->in_scratch[k] ? c->scratch.data + c->offs[k] : d + c->offs[k];
    return RC_OK;
}

void rc_csv_write_field(rc_buf_t *out, const char *s, size_t len)
{
    int quote = 0;
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        rc_buf_append(out, s, len);
        return;
    }
    rc_buf_append_char(out, '"');
    size_t from = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            rc_buf_append(out, s + from, i + 1 - from);
            rc_buf_append_char(out, '"');
            from = i + 1;
        }
    }
    rc_buf_append(out, s + from, len - from);
    rc_buf_append_char(out, '"');
}
