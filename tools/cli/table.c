/* table.c — aligned text tables; see table.h. */
#include "table.h"

#include <string.h>

#include "alloc.h"
#include "fmt.h"

/* Code points in s[0..len). */
static size_t width(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) w++;
    return w;
}

/* Sanitises s; with lines, each '\n' is kept as a line break. */
static char *clean(const char *s, int lines)
{
    rc_buf_t b = RC_BUF_INIT;
    for (;;) {
        const char *nl = lines ? strchr(s, '\n') : NULL;
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        rc_fmt_append_clean(&b, s, len);
        if (!nl) break;
        rc_buf_append_char(&b, '\n');
        s = nl + 1;
    }
    return rc_buf_detach(&b, NULL);
}

static void add_row(rc_table_t *t, const char *const *cells, int lines)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells = rc_realloc(t->cells, t->cap * t->ncols * sizeof(char *));
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t c = 0; c < t->ncols; c++) row[c] = clean(cells[c] ? cells[c] : "", lines);
    t->nrows++;
}

void rc_table_init(rc_table_t *t, size_t ncols, const char *const *headers)
{
    memset(t, 0, sizeof(*t));
    t->ncols = ncols;
    add_row(t, headers, 0);
}

void rc_table_add(rc_table_t *t, const char *const *cells)
{
    add_row(t, cells, 0);
}

void rc_table_add_lines(rc_table_t *t, const char *const *cells)
{
    add_row(t, cells, 1);
}

size_t rc_table_rows(const rc_table_t *t)
{
    return t->nrows ? t->nrows - 1 : 0;
}

/* Line i of cell s (empty past its last line); *len its length. */
static const char *line_of(const char *s, size_t i, size_t *len)
{
    for (; i > 0; i--) {
        const char *nl = strchr(s, '\n');
        if (!nl) {
            *len = 0;
            return "";
        }
        s = nl + 1;
    }
    const char *nl = strchr(s, '\n');
    *len = nl ? (size_t)(nl - s) : strlen(s);
    return s;
}

void rc_table_render(const rc_table_t *t, rc_buf_t *out)
{
    size_t *w = rc_calloc(t->ncols ? t->ncols : 1, sizeof(size_t));
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            for (;;) {
                const char *nl = strchr(s, '\n');
                size_t len = nl ? (size_t)(nl - s) : strlen(s);
                if (width(s, len) > w[c]) w[c] = width(s, len);
                if (!nl) break;
                s = nl + 1;
            }
        }
    for (size_t r = 0; r < t->nrows; r++) {
        char **row = t->cells + r * t->ncols;
        size_t nlines = 1;
        for (size_t c = 0; c < t->ncols; c++) {
            size_t n = 1;
            for (const char *p = row[c]; (p = strchr(p, '\n')); p++) n++;
            if (n > nlines) nlines = n;
        }
        for (size_t l = 0; l < nlines; l++) {
            /* Trailing empty cells would leave trailing spaces: find the last used one. */
            size_t last = t->ncols, len;
            while (last > 1 && line_of(row[last - 1], l, &len) && len == 0) last--;
            for (size_t c = 0; c < last; c++) {
                const char *s = line_of(row[c], l, &len);
                rc_buf_append(out, s, len);
                if (c + 1 < last)
                    for (size_t pad = width(s, len); pad < w[c] + 2; pad++)
                        rc_buf_append_char(out, ' ');
            }
            rc_buf_append_char(out, '\n');
        }
    }
    rc_free(w);
}

void rc_table_free(rc_table_t *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++) rc_free(t->cells[i]);
    rc_free(t->cells);
    memset(t, 0, sizeof(*t));
}
