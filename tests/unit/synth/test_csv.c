/* test_csv.c — the RFC 4180 reader: plain and quoted fields, doubled quotes,
 * CRLF / LF / lone CR, line breaks inside quotes (physical line numbers),
 * blank lines, a BOM, a missing final newline, empty fields; errors with their
 * line: unterminated quote, text after a closing quote, invalid UTF-8, NUL;
 * the field writer's quoting (and a write/read round trip); the driver's scan:
 * header checks, ragged rows, shard boundaries that never split a quoted
 * field, and shard ranges that re-parse to the same rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "csv.h"
#include "scan.h"

/* The fields of the current record joined with '|', for compact assertions. */
static const char *joined(const rc_csv_t *c)
{
    static char out[512];
    size_t n = 0;
    for (size_t i = 0; i < c->nfields; i++) {
        if (i) out[n++] = '|';
        memcpy(out + n, c->fields[i].p, c->fields[i].len);
        n += c->fields[i].len;
    }
    out[n] = '\0';
    return out;
}

static void test_records(void **state)
{
    (void)state;
    const char *d = "\xEF\xBB\xBF"
                    "a,b,c\r\n"
                    "1,\"x, y\",\"say \"\"hi\"\"\"\n"
                    "\n"
                    "2,\"two\nlines\",\r\n"
                    "3,,\"\"\r"
                    "4,q\"uote,z";
    rc_csv_t c;
    rc_csv_init(&c, d, strlen(d), 1);
    rc_csv_skip_bom(&c);
    assert_int_equal(rc_csv_next(&c), RC_OK);
    assert_string_equal(joined(&c), "a|b|c");
    assert_int_equal(c.row_line, 1);
    assert_int_equal(rc_csv_next(&c), RC_OK);
    assert_string_equal(joined(&c), "1|x, y|say \"hi\"");
    assert_int_equal(c.row_line, 2);
    assert_int_equal(rc_csv_next(&c), RC_OK); /* the blank line 3 is skipped */
    assert_int_equal(c.nfields, 3);
    assert_string_equal(joined(&c), "2|two\nlines|");
    assert_int_equal(c.row_line, 4);
    assert_int_equal(rc_csv_next(&c), RC_OK);
    assert_string_equal(joined(&c), "3||");
    assert_int_equal(c.row_line, 6); /* "two\nlines" took lines 4 and 5 */
    assert_int_equal(rc_csv_next(&c), RC_OK);
    assert_string_equal(joined(&c), "4|q\"uote|z"); /* lone CR ended line 6 */
    assert_int_equal(c.row_line, 7);
    assert_int_equal(rc_csv_next(&c), RC_ENOTFOUND);
    assert_int_equal(rc_csv_next(&c), RC_ENOTFOUND);
    rc_csv_free(&c);

    /* A range starting mid-file keeps the line numbers it is given. */
    rc_csv_init(&c, "x,y\n", 4, 41);
    assert_int_equal(rc_csv_next(&c), RC_OK);
    assert_int_equal(c.row_line, 41);
    assert_int_equal(c.line, 42);
    rc_csv_free(&c);
}

static void expect_error(const char *data, uint64_t line, const char *msg)
{
    rc_csv_t c;
    rc_csv_init(&c, data, strlen(data), 1);
    rc_err_t rc;
    while ((rc = rc_csv_next(&c)) == RC_OK) {
    }
    assert_int_equal(rc, RC_ESYNTAX);
    if (c.err_line != line || !strstr(c.err, msg))
        fail_msg("'%s': got line %llu '%s', want line %llu '%s'", data,
                 (unsigned long long)c.err_line, c.err, (unsigned long long)line, msg);
    rc_csv_free(&c);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("a,b\n1,\"open\n2,3\n", 2,
                 "unterminated quoted field: the quote that opens field 2");
    expect_error("a,b\n1,2\n\"x\"y,3\n", 3, "'y' after the closing quote of field 1");
    expect_error("a,b\n1,\"multi\nline\"!\n", 3, "'!' after the closing quote of field 2");
    expect_error("a,b\n1,x\n2,caf\xE9\n", 3, "invalid UTF-8 (byte 0xE9 in field 2)");
    expect_error("a,b\n1,\"x\n\xC0\xAF\"\n", 3, "invalid UTF-8 (byte 0xC0"); /* overlong */
    expect_error("a,b\n1,\"\xED\xA0\x80\"\n", 2, "invalid UTF-8");           /* a surrogate */
    static const char nul[] = "a,b\n1,x\0y\n";
    rc_csv_t c;
    rc_csv_init(&c, nul, sizeof(nul) - 1, 1);
    assert_int_equal(rc_csv_next(&c), RC_OK);
    assert_int_equal(rc_csv_next(&c), RC_ESYNTAX);
    assert_int_equal(c.err_line, 2);
    assert_non_null(strstr(c.err, "NUL byte in field 2"));
    rc_csv_free(&c);
    /* Valid multi-byte UTF-8 passes. */
    const char *ok = "name\n\xC3\xA9t\xC3\xA9,\xE2\x82\xAC,\xF0\x9F\x98\x80\n";
    rc_csv_init(&c, ok, strlen(ok), 1);
    assert_int_equal(rc_csv_next(&c), RC_OK);
    assert_int_equal(rc_csv_next(&c), RC_OK);
    assert_int_equal(c.nfields, 3);
    rc_csv_free(&c);
}

static void test_writer(void **state)
{
    (void)state;
    const char *cells[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\rhere", "", " sp "};
    rc_buf_t b = RC_BUF_INIT;
    for (size_t i = 0; i < 7; i++) {
        if (i) rc_buf_append_char(&b, ',');
        rc_csv_write_field(&b, cells[i], strlen(cells[i]));
    }
    assert_string_equal(b.data,
                        "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",, sp ");
    rc_csv_t c;
    rc_csv_init(&c, b.data, b.len, 1);
    assert_int_equal(rc_csv_next(&c), RC_OK);
    assert_int_equal(c.nfields, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(c.fields[i].len, strlen(cells[i]));
        assert_memory_equal(c.fields[i].p, cells[i], c.fields[i].len);
    }
    rc_csv_free(&c);
    rc_buf_free(&b);
}

static void expect_scan_error(const char *data, const char *msg)
{
    rc_scan_t s;
    char err[256];
    assert_int_equal(rc_scan_csv(data, strlen(data), "t.csv", 10, &s, err, sizeof(err)), RC_EINVAL);
    if (!strstr(err, msg)) fail_msg("'%s': got '%s', want '%s'", data, err, msg);
}

static void test_scan(void **state)
{
    (void)state;
    expect_scan_error("", "t.csv: the file is empty");
    expect_scan_error("\n\n", "t.csv: the file is empty");
    expect_scan_error("a,b\n", "t.csv: the file has a header but no rows");
    expect_scan_error("1,2\n3,4\n", "t.csv:1: no header: the first line holds only numbers");
    expect_scan_error("a,,c\n1,2,3\n", "t.csv:1: no header: column 2 has no name");
    expect_scan_error("a,b,a\n1,2,3\n", "t.csv:1: column name 'a' appears twice");
    expect_scan_error("a,b,c\n1,2,x\n3,\"two\nlines\",y\n5,6\n",
                      "t.csv:5: ragged row: 2 fields, but the header has 3");
    expect_scan_error("a,b\n1,\"open\n", "t.csv:2: unterminated quoted field");

    /* Shards of 2 rows over records with embedded line breaks and a blank line. */
    const char *d = "id,text\n"
                    "1,\"a\nb\"\n"
                    "2,plain\n"
                    "\n"
                    "3,\"c,\"\"d\"\"\ne\nf\"\n"
                    "4,x\n"
                    "5,\"last\"";
    rc_scan_t s;
    char err[256];
    assert_int_equal(rc_scan_csv(d, strlen(d), "t.csv", 2, &s, err, sizeof(err)), RC_OK);
    assert_int_equal(s.ncols, 2);
    assert_string_equal(s.names[0], "id");
    assert_string_equal(s.names[1], "text");
    assert_int_equal(s.rows, 5);
    assert_int_equal(s.nshards, 3);
    /* Shard 1 starts at the blank line 5 (its first record is on line 6). */
    uint64_t lines[3] = {2, 5, 10}, row_lines[3] = {2, 6, 10}, rows[3] = {2, 2, 1};
    const char *first[3] = {"1", "3", "5"};
    uint64_t total = 0;
    for (size_t i = 0; i < s.nshards; i++) {
        rc_shard_t *sh = &s.shards[i];
        assert_int_equal(sh->first_line, lines[i]);
        assert_int_equal(sh->rows, rows[i]);
        if (i) assert_int_equal(sh->begin, s.shards[i - 1].end);
        rc_csv_t c;
        rc_csv_init(&c, d + sh->begin, sh->end - sh->begin, sh->first_line);
        assert_int_equal(rc_csv_next(&c), RC_OK);
        assert_int_equal(c.row_line, row_lines[i]);
        assert_int_equal(c.fields[0].len, 1);
        assert_memory_equal(c.fields[0].p, first[i], 1);
        uint64_t n = 1;
        while (rc_csv_next(&c) == RC_OK) n++;
        assert_int_equal(n, rows[i]);
        total += n;
        rc_csv_free(&c);
    }
    assert_int_equal(total, 5);
    assert_int_equal(s.shards[2].end, strlen(d));
    /* At most 2 shards: pairs merge, ranges and counts stay exact. */
    assert_int_equal(rc_scan_coalesce(&s, 3), 1);
    assert_int_equal(rc_scan_coalesce(&s, 2), 2);
    assert_int_equal(s.nshards, 2);
    assert_int_equal(s.shards[0].begin, 8);
    assert_int_equal(s.shards[0].first_line, 2);
    assert_int_equal(s.shards[0].rows, 4);
    assert_int_equal(s.shards[1].rows, 1);
    assert_int_equal(s.shards[1].begin, s.shards[0].end);
    rc_scan_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
