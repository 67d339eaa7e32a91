/* table.c — aligned text tables; see table.h. */
#include "table.h"

#include <string.h>

#include "alloc.h"
#include "fmt.h"

static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

static void add_row(rc_table_t *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells = rc_realloc(t->cells, t->cap * t->ncols * sizeof(char *));
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t c = 0; c < t->ncols; c++) {
        const char *s = cells[c] ? cells[c] : "";
        rc_buf_t b = RC_BUF_INIT;
        rc_fmt_append_clean(&b, s, strlen(s));
        row[c] = rc_buf_detach(&b, NULL);
    }
    t->nrows++;
}

void rc_table_init(rc_table_t *t, size_t ncols, const char *const *headers)
{
    memset(t, 0, sizeof(*t));
    t->ncols = ncols;
    add_row(t, headers);
}

void rc_table_add(rc_table_t *t, const char *const *cells)
{
    add_row(t, cells);
}

size_t rc_table_rows(const rc_table_t *t)
{
    return t->nrows ? t->nrows - 1 : 0;
}

void rc_table_render(const rc_table_t *t, rc_buf_t *out)
{
    size_t *w = rc_calloc(t->ncols ? t->ncols : 1, sizeof(size_t));
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t cw = width(t->cells[r * t->ncols + c]);
            if (cw > w[c]) w[c] = cw;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        /* Trailing empty cells would leave trailing spaces: find the last used one. */
        size_t last = t->ncols;
        while (last > 1 && t->cells[r * t->ncols + last - 1][0] == '\0') last--;
        for (size_t c = 0; c < last; c++) {
            const char *s = t->cells[r * t->ncols + c];
            rc_buf_append_str(out, s);
            if (c + 1 < last)
                for (size_t pad = width(s); pad < w[c] + 2; pad++) rc_buf_append_char(out, ' ');
        }
        rc_buf_append_char(out, '\n');
    }
    rc_free(w);
}

void rc_table_free(rc_table_t *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++) rc_free(t->cells[i]);
    rc_free(t->cells);
    memset(t, 0, sizeof(*t));
}
