/* test_resp_reply.c — the RESP2 reply parser: every type, nesting up to the
 * depth limit, every split point and byte-at-a-time feeding (each call gets an
 * exact-size heap copy so ASan catches reads past len), malformed replies,
 * limits, big replies in pieces, and the round trip writer -> parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "alloc.h"
#include "buf.h"
#include "resp.h"

#define S(lit) lit, sizeof(lit) - 1

static void log_bytes(rc_buf_t *log, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            rc_buf_append_char(log, (char)c);
        else
            rc_buf_printf(log, "\\x%02x", c);
    }
}

/* A reply tree as text: +s -s :n $s nil *n[e,e]. */
static void log_reply(rc_buf_t *log, const rc_resp_reply_t *r)
{
    switch (r->type) {
    case RC_RESP_STATUS:
    case RC_RESP_ERROR:
    case RC_RESP_BULK:
        assert_int_equal(r->str[r->len], '\0');
        rc_buf_append_char(log, r->type == RC_RESP_STATUS  ? '+'
                                : r->type == RC_RESP_ERROR ? '-'
                                                           : '$');
        log_bytes(log, r->str, r->len);
        break;
    case RC_RESP_INTEGER: rc_buf_printf(log, ":%lld", (long long)r->integer); break;
    case RC_RESP_NIL: rc_buf_append_str(log, "nil"); break;
    case RC_RESP_ARRAY:
        rc_buf_printf(log, "*%zu[", r->nelems);
        for (size_t i = 0; i < r->nelems; i++) {
            if (i) rc_buf_append_char(log, ',');
            log_reply(log, r->elems[i]);
        }
        rc_buf_append_char(log, ']');
        break;
    }
}

/* As run_cmds in test_resp_cmd.c: bytes become available `first`, then
 * `step` more at each RC_EAGAIN; logs "<consumed> <tree>;" per reply and the
 * final "EAGAIN;" or "EPROTO <text>;". */
static void run_replies(rc_resp_reply_parser_t *p, const char *data, size_t len, size_t first,
                        size_t step, rc_buf_t *log)
{
    size_t avail = first < len ? first : len;
    size_t off = 0;
    for (;;) {
        size_t n = avail - off;
        char *copy = rc_malloc(n);
        if (n) memcpy(copy, data + off, n);
        size_t consumed = 0;
        rc_resp_reply_t *r = NULL;
        rc_err_t rc = rc_resp_parse_reply(p, copy, n, &consumed, &r);
        rc_free(copy);
        if (rc == RC_EAGAIN && avail < len) {
            avail = len - avail > step ? avail + step : len;
            continue;
        }
        if (rc == RC_OK) {
            assert_true(consumed > 0 && consumed <= n);
            rc_buf_printf(log, "%zu ", consumed);
            log_reply(log, r);
            rc_buf_append_char(log, ';');
            rc_resp_reply_free(r);
            off += consumed;
            continue;
        }
        if (rc == RC_EPROTO)
            rc_buf_printf(log, "EPROTO %s;", rc_resp_reply_parser_error(p));
        else
            rc_buf_printf(log, "%s;", rc_errname(rc) + 3); /* "RC_EAGAIN" -> "EAGAIN" */
        return;
    }
}

static char *log_whole(const char *data, size_t len, size_t max_bulk, size_t max_elems)
{
    rc_buf_t log = RC_BUF_INIT;
    rc_resp_reply_parser_t *p = rc_resp_reply_parser_new(max_bulk, max_elems);
    run_replies(p, data, len, len, len, &log);
    rc_resp_reply_parser_free(p);
    rc_buf_append_str(&log, "");
    return rc_buf_detach(&log, NULL);
}

/* Every split point and byte-at-a-time feeding must give the whole log. A
 * parser is reused only after a complete reply, so an abandoned partial one
 * (freed by the parser) is covered too. */
static char *check_splits(const char *data, size_t len, size_t max_bulk, size_t max_elems)
{
    char *whole = log_whole(data, len, max_bulk, max_elems);
    for (size_t k = 0; k <= len; k++) {
        rc_buf_t log = RC_BUF_INIT;
        rc_resp_reply_parser_t *p = rc_resp_reply_parser_new(max_bulk, max_elems);
        run_replies(p, data, len, k, len, &log);
        rc_resp_reply_parser_free(p);
        if (strcmp(log.data, whole) != 0)
            fail_msg("split at %zu: %s\nwhole: %s", k, log.data, whole);
        rc_buf_free(&log);
    }
    rc_buf_t log = RC_BUF_INIT;
    rc_resp_reply_parser_t *p = rc_resp_reply_parser_new(max_bulk, max_elems);
    run_replies(p, data, len, 0, 1, &log);
    rc_resp_reply_parser_free(p);
    if (strcmp(log.data, whole) != 0) fail_msg("byte at a time: %s\nwhole: %s", log.data, whole);
    rc_buf_free(&log);
    return whole;
}

static void expect_log(const char *data, size_t len, const char *want)
{
    char *got = check_splits(data, len, 0, 0);
    assert_string_equal(got, want);
    rc_free(got);
}

static void test_types(void **state)
{
    (void)state;
    expect_log(S("+OK\r\n"), "5 +OK;EAGAIN;");
    expect_log(S("+\r\n"), "3 +;EAGAIN;");
    expect_log(S("+a\rb\r\n"), "6 +a\\x0db;EAGAIN;"); /* a lone CR is content */
    expect_log(S("-ERR unknown command 'x'\r\n"), "26 -ERR unknown command 'x';EAGAIN;");
    expect_log(S(":0\r\n:-5\r\n:9223372036854775807\r\n:-9223372036854775808\r\n"),
               "4 :0;5 :-5;22 :9223372036854775807;23 :-9223372036854775808;EAGAIN;");
    expect_log(S("$3\r\nfoo\r\n$0\r\n\r\n$-1\r\n"), "9 $foo;6 $;5 nil;EAGAIN;");
    expect_log(S("$4\r\n\r\n\0\n\r\n"), "10 $\\x0d\\x0a\\x00\\x0a;EAGAIN;");
    expect_log(S("*-1\r\n*0\r\n"), "5 nil;4 *0[];EAGAIN;");
    expect_log(S("*3\r\n:1\r\n$-1\r\n*2\r\n+a\r\n*0\r\n"), "25 *3[:1,nil,*2[+a,*0[]]];EAGAIN;");
    expect_log(S("*2\r\n*1\r\n*1\r\n:1\r\n-E\r\n"), "20 *2[*1[*1[:1]],-E];EAGAIN;");
    /* Pipelined replies of every type in one buffer. */
    expect_log(S("+OK\r\n-ERR x\r\n:7\r\n$1\r\nv\r\n$-1\r\n*1\r\n$1\r\nw\r\n*-1\r\n"),
               "5 +OK;8 -ERR x;4 :7;7 $v;5 nil;11 *1[$w];5 nil;EAGAIN;");
}

static void nested(rc_buf_t *b, int depth)
{
    for (int i = 0; i < depth; i++) rc_buf_append_str(b, "*1\r\n");
    rc_buf_append_str(b, ":1\r\n");
}

static void test_depth(void **state)
{
    (void)state;
    rc_buf_t b = RC_BUF_INIT;
    nested(&b, RC_RESP_MAX_DEPTH);
    rc_resp_reply_parser_t *p = rc_resp_reply_parser_new(0, 0);
    size_t consumed;
    rc_resp_reply_t *r;
    assert_int_equal(rc_resp_parse_reply(p, b.data, b.len, &consumed, &r), RC_OK);
    assert_int_equal(consumed, b.len);
    rc_resp_reply_t *e = r;
    for (int i = 0; i < RC_RESP_MAX_DEPTH; i++) {
        assert_int_equal(e->type, RC_RESP_ARRAY);
        assert_int_equal(e->nelems, 1);
        e = e->elems[0];
    }
    assert_int_equal(e->type, RC_RESP_INTEGER);
    rc_resp_reply_free(r);

    rc_buf_clear(&b);
    nested(&b, RC_RESP_MAX_DEPTH + 1);
    char *log = check_splits(b.data, b.len, 0, 0);
    assert_string_equal(log, "EPROTO Protocol error: reply nested too deeply;");
    rc_free(log);
    /* The error is sticky. */
    assert_int_equal(rc_resp_parse_reply(p, b.data, b.len, &consumed, &r), RC_EPROTO);
    assert_int_equal(rc_resp_parse_reply(p, S("+OK\r\n"), &consumed, &r), RC_EPROTO);
    rc_buf_free(&b);
    rc_resp_reply_parser_free(p);
}

typedef struct {
    const char *in;
    size_t len;
    const char *err;
} bad_t;

#define MB "Protocol error: invalid multibulk length"
#define BL "Protocol error: invalid bulk length"
#define II "Protocol error: invalid integer"
#define NC "Protocol error: bulk not followed by CRLF"
#define BAD(lit, err)                                                                              \
    {                                                                                              \
        lit, sizeof(lit) - 1, err                                                                  \
    }

static const bad_t bad_replies[] = {
    BAD("!3\r\n", "Protocol error: invalid reply type '!'"),
    BAD("\r\n", "Protocol error: invalid reply type ' '"),
    BAD("\0", "Protocol error: invalid reply type '?'"),
    BAD("OK\r\n", "Protocol error: invalid reply type 'O'"),
    BAD("*1\r\n%1\r\n", "Protocol error: invalid reply type '%'"),
    BAD(":\r\n", II),
    BAD(":abc\r\n", II),
    BAD(":1.5\r\n", II),
    BAD(":+1\r\n", II),
    BAD(": 1\r\n", II),
    BAD(":01\r\n", II),
    BAD(":9223372036854775808\r\n", II),
    BAD(":-9223372036854775809\r\n", II),
    BAD(":1\r2\r\n", II),
    BAD(":111111111111111111111111111111111111111111", II), /* too long to be a number */
    BAD("$\r\n", BL),
    BAD("$-2\r\n", BL),
    BAD("$x\r\n", BL),
    BAD("$99999999999999999999\r\n", BL),
    BAD("$536870913\r\n", BL),
    BAD("$1111111111111111111111111111111111111", BL),
    BAD("$3\r\nfooXY", NC),
    BAD("$3\r\nfoo\n\r", NC),
    BAD("$0\r\nX\r\n", NC),
    BAD("*\r\n", MB),
    BAD("*-2\r\n", MB),
    BAD("*1048577\r\n", MB),
    BAD("*1x\r\n", MB),
    BAD("*9999999999999999999999999999999999999", MB),
    BAD("*2\r\n:1\r\n*1\r\n$-5\r\n", BL),
    BAD("*1\r\n$3\r\nabcd\r\n", NC),
    BAD("+OK\r\n:x\r\n", II), /* after a good reply */
};

static void test_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_replies) / sizeof(bad_replies[0]); i++) {
        const bad_t *b = &bad_replies[i];
        char *log = check_splits(b->in, b->len, 0, 0);
        const char *e = strstr(log, "EPROTO ");
        if (!e || strncmp(e + 7, b->err, strlen(b->err)) != 0 ||
            strcmp(e + 7 + strlen(b->err), ";"))
            fail_msg("case %zu: got '%s', want '%s'", i, log, b->err);
        rc_free(log);
    }
    assert_true(sizeof(bad_replies) / sizeof(bad_replies[0]) >= 30);
}

static void test_limits(void **state)
{
    (void)state;
    char *log;
    log = check_splits(S("$4\r\nabcd\r\n$5\r\n"), 4, 0);
    assert_string_equal(log, "10 $abcd;EPROTO " BL ";");
    rc_free(log);
    log = check_splits(S("*2\r\n:1\r\n:2\r\n*3\r\n"), 0, 2);
    assert_string_equal(log, "12 *2[:1,:2];EPROTO " MB ";");
    rc_free(log);
    /* Simple strings are bounded by max_bulk too. */
    log = check_splits(S("+abcd\r\n+abcde\r\n"), 4, 0);
    assert_string_equal(log, "7 +abcd;EPROTO Protocol error: too big simple string;");
    rc_free(log);
    log = check_splits(S("+abcdefgh"), 4, 0);
    assert_string_equal(log, "EPROTO Protocol error: too big simple string;");
    rc_free(log);
    log = check_splits(S("+abcd"), 4, 0);
    assert_string_equal(log, "EAGAIN;");
    rc_free(log);
}

/* A big array of bulks and one 32 MiB bulk arriving in 64 KiB pieces. */
static void test_big_in_pieces(void **state)
{
    (void)state;
    const size_t big = (size_t)32 << 20;
    rc_buf_t in = RC_BUF_INIT;
    rc_resp_write_array(&in, 100001);
    for (int i = 0; i < 100000; i++) rc_resp_write_bulk_i64(&in, i);
    rc_buf_printf(&in, "$%zu\r\n", big);
    char *w = rc_buf_reserve(&in, big + 2);
    memset(w, 'x', big);
    memcpy(w + big, "\r\n", 2);
    in.len += big + 2;

    rc_resp_reply_parser_t *p = rc_resp_reply_parser_new(0, 0);
    size_t consumed = 0;
    rc_resp_reply_t *r = NULL;
    rc_err_t rc = RC_EAGAIN;
    clock_t t0 = clock();
    for (size_t avail = 0; rc == RC_EAGAIN && avail < in.len;) {
        avail = in.len - avail > 65536 ? avail + 65536 : in.len;
        rc = rc_resp_parse_reply(p, in.data, avail, &consumed, &r);
    }
    assert_int_equal(rc, RC_OK);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
    assert_int_equal(consumed, in.len);
    assert_int_equal(r->type, RC_RESP_ARRAY);
    assert_int_equal(r->nelems, 100001);
    assert_string_equal(r->elems[12345]->str, "12345");
    assert_int_equal(r->elems[100000]->len, big);
    rc_resp_reply_free(r);

    /* Abandoning a partial reply (parser freed mid-way) leaks nothing (ASan). */
    rc_resp_reply_parser_t *q = rc_resp_reply_parser_new(0, 0);
    assert_int_equal(rc_resp_parse_reply(q, in.data, in.len / 2, &consumed, &r), RC_EAGAIN);
    rc_resp_reply_parser_free(q);
    rc_buf_free(&in);
    rc_resp_reply_parser_free(p);
}

/* Every writer call, parsed back. */
static void test_round_trip(void **state)
{
    (void)state;
    rc_buf_t out = RC_BUF_INIT;
    rc_resp_write_array(&out, 12);
    rc_resp_write_status(&out, "PONG");
    rc_resp_write_error(&out, "ERR bad\r\nthing");
    rc_resp_write_errorf(&out, "WRONGTYPE %s %d", "key", 7);
    rc_resp_write_int(&out, 0);
    rc_resp_write_int(&out, 1);
    rc_resp_write_int(&out, INT64_MIN);
    rc_resp_write_bulk(&out, "a\0\r\nb", 5);
    rc_resp_write_bulk_str(&out, "");
    rc_resp_write_bulk_i64(&out, -42);
    rc_resp_write_nil(&out);
    rc_resp_write_nil_array(&out);
    rc_resp_write_ok(&out);
    const char *argv[] = {"SET", "k", "v\r\n"};
    rc_resp_write_command(&out, 3, argv, NULL);
    rc_resp_write_array(&out, 0);

    char *log = check_splits(out.data, out.len, 0, 0);
    char want[512];
    snprintf(want, sizeof(want),
             "%zu *12[+PONG,-ERR bad,-WRONGTYPE key 7,:0,:1,:-9223372036854775808,"
             "$a\\x00\\x0d\\x0ab,$,$-42,nil,nil,+OK];"
             "29 *3[$SET,$k,$v\\x0d\\x0a];4 *0[];EAGAIN;",
             out.len - 33);
    assert_string_equal(log, want);
    rc_free(log);
    rc_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),         cmocka_unit_test(test_depth),
        cmocka_unit_test(test_malformed),     cmocka_unit_test(test_limits),
        cmocka_unit_test(test_big_in_pieces), cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
