/* test_resp_cmd.c — the RESP2 command parser: multibulk and inline commands,
 * pipelining, every split point and byte-at-a-time feeding (each call gets a
 * fresh heap copy of exactly the bytes it may read, so ASan catches any read
 * past len), malformed input with Redis's error texts, and the limits. */
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

/* Appends a readable form of bytes: printable as is, others as \xHH. */
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

/* Parses data as a server would when the bytes arrive over time: first
 * `first` bytes are available, then `step` more at each RC_EAGAIN. Every call
 * gets an exact-size heap copy of the unconsumed bytes. Logs each final result:
 * "OK <consumed> [arg][arg]...;", "EPROTO <text>;" or "EAGAIN;". */
static void run_cmds(rc_resp_cmd_parser_t *p, const char *data, size_t len, size_t first,
                     size_t step, rc_buf_t *log)
{
    size_t avail = first < len ? first : len;
    size_t off = 0;
    for (;;) {
        size_t n = avail - off;
        char *copy = rc_malloc(n);
        if (n) memcpy(copy, data + off, n);
        size_t consumed = 0, argc = 0;
        const rc_resp_arg_t *argv = NULL;
        rc_err_t rc = rc_resp_parse_command(p, copy, n, &consumed, &argv, &argc);
        if (rc == RC_EAGAIN && avail < len) {
            rc_free(copy);
            avail = len - avail > step ? avail + step : len;
            continue;
        }
        if (rc == RC_OK) {
            rc_buf_printf(log, "OK %zu ", consumed);
            assert_true(consumed > 0 && consumed <= n);
            for (size_t i = 0; i < argc; i++) {
                if (!(argv[i].off & RC_RESP_ARG_SCRATCH))
                    assert_true(argv[i].off + argv[i].len <= consumed);
                rc_buf_append_char(log, '[');
                log_bytes(log, rc_resp_arg_ptr(p, copy, &argv[i]), argv[i].len);
                rc_buf_append_char(log, ']');
            }
            rc_buf_append_str(log, ";");
            off += consumed;
            rc_free(copy);
            continue;
        }
        rc_free(copy);
        if (rc == RC_EPROTO)
            rc_buf_printf(log, "EPROTO %s;", rc_resp_cmd_parser_error(p));
        else
            rc_buf_printf(log, "%s;", rc_errname(rc) + 3); /* "RC_EAGAIN" -> "EAGAIN" */
        return;
    }
}

/* The log of data parsed whole, by a new parser with the given limits. */
static char *log_whole(const char *data, size_t len, size_t max_bulk, size_t max_elems)
{
    rc_buf_t log = RC_BUF_INIT;
    rc_resp_cmd_parser_t *p = rc_resp_cmd_parser_new(max_bulk, max_elems);
    run_cmds(p, data, len, len, len, &log);
    rc_resp_cmd_parser_free(p);
    rc_buf_append_str(&log, "");
    return rc_buf_detach(&log, NULL);
}

/* Checks that every split point and byte-at-a-time feeding give the same log
 * as parsing whole; returns the whole log (to free). */
static char *check_splits(const char *data, size_t len, size_t max_bulk, size_t max_elems)
{
    char *whole = log_whole(data, len, max_bulk, max_elems);
    rc_resp_cmd_parser_t *p = rc_resp_cmd_parser_new(max_bulk, max_elems);
    for (size_t k = 0; k <= len; k++) {
        rc_buf_t log = RC_BUF_INIT;
        rc_resp_cmd_parser_reset(p);
        run_cmds(p, data, len, k, len, &log);
        if (strcmp(log.data, whole) != 0)
            fail_msg("split at %zu: %s\nwhole: %s", k, log.data, whole);
        rc_buf_free(&log);
    }
    rc_buf_t log = RC_BUF_INIT;
    rc_resp_cmd_parser_reset(p);
    run_cmds(p, data, len, 0, 1, &log);
    if (strcmp(log.data, whole) != 0) fail_msg("byte at a time: %s\nwhole: %s", log.data, whole);
    rc_buf_free(&log);
    rc_resp_cmd_parser_free(p);
    return whole;
}

static void expect_log(const char *data, size_t len, const char *want)
{
    char *got = check_splits(data, len, 0, 0);
    assert_string_equal(got, want);
    rc_free(got);
}

static void test_multibulk(void **state)
{
    (void)state;
    expect_log(S("*2\r\n$3\r\nGET\r\n$5\r\nkey:1\r\n"), "OK 24 [GET][key:1];EAGAIN;");
    expect_log(S("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"), "OK 26 [SET][k][];EAGAIN;");
    /* Binary payloads: CR LF, NUL and '*' inside a bulk are data. */
    expect_log(S("*1\r\n$6\r\na\r\n\0*b\r\n"), "OK 16 [a\\x0d\\x0a\\x00*b];EAGAIN;");
    /* Redis ignores empty and negative multibulks; they are consumed with argc 0. */
    expect_log(S("*0\r\n"), "OK 4 ;EAGAIN;");
    expect_log(S("*-1\r\n"), "OK 5 ;EAGAIN;");
    expect_log(S("*-10\r\n*1\r\n$4\r\nPING\r\n"), "OK 6 ;OK 14 [PING];EAGAIN;");
    /* Numbers at the edge of the fast path (18 digits) and beyond it. */
    expect_log(S("*1\r\n$0000\r\n"), "EPROTO Protocol error: invalid bulk length;");
    expect_log(S("*1\r\n$10\r\n0123456789\r\n"), "OK 21 [0123456789];EAGAIN;");
    expect_log(S("*0000000000000000001\r\n"), "EPROTO Protocol error: invalid multibulk length;");
}

static void test_pipeline(void **state)
{
    (void)state;
    rc_buf_t in = RC_BUF_INIT, want = RC_BUF_INIT;
    for (int i = 0; i < 100; i++) {
        char key[16];
        int n = snprintf(key, sizeof(key), "key:%d", i);
        if (i % 3 == 0) {
            const char *argv[] = {"SET", key, "v"};
            size_t lens[] = {3, (size_t)n, 1};
            rc_resp_write_command(&in, 3, argv, lens);
            rc_buf_printf(&want, "OK %d [SET][%s][v];", 25 + n + (n >= 10 ? 2 : 1), key);
        } else {
            rc_buf_printf(&in, "GET %s\r\n", key);
            rc_buf_printf(&want, "OK %d [GET][%s];", 6 + n, key);
        }
    }
    rc_buf_append_str(&want, "EAGAIN;");
    char *got = log_whole(in.data, in.len, 0, 0);
    assert_string_equal(got, want.data);
    rc_free(got);
    rc_buf_free(&in);
    rc_buf_free(&want);
}

static void test_inline(void **state)
{
    (void)state;
    expect_log(S("PING\r\n"), "OK 6 [PING];EAGAIN;");
    expect_log(S("PING\n"), "OK 5 [PING];EAGAIN;");
    expect_log(S("set  a\tb \r\n"), "OK 11 [set][a][b];EAGAIN;");
    /* Empty and blank lines are consumed with argc 0. */
    expect_log(S("\r\n\n  \t\r\nPING\r\n"), "OK 2 ;OK 1 ;OK 5 ;OK 6 [PING];EAGAIN;");
    /* redis-cli quoting. */
    expect_log(S("SET \"a b\" 'c d'\r\n"), "OK 17 [SET][a b][c d];EAGAIN;");
    expect_log(S("ECHO \"\\x41\\x4a\\n\\r\\t\\b\\a\\\\\\\"\\q\"\r\n"),
               "OK 33 [ECHO][AJ\\x0a\\x0d\\x09\\x08\\x07\\x5c\"q];EAGAIN;");
    expect_log(S("ECHO \"\\x4g\"\r\n"), "OK 13 [ECHO][x4g];EAGAIN;");
    expect_log(S("ECHO 'it\\'s' 'a\\nb'\r\n"), "OK 21 [ECHO][it's][a\\x5cnb];EAGAIN;");
    expect_log(S("ECHO \"\" ''\r\n"), "OK 12 [ECHO][][];EAGAIN;");
    /* Quotes may start inside a token; a closing quote ends the token. */
    expect_log(S("ECHO a\"b c\" x'y'\r\n"), "OK 18 [ECHO][ab c][xy];EAGAIN;");
    expect_log(S("ECHO \"a\"\tb\r\n"), "OK 12 [ECHO][a][b];EAGAIN;");
    /* A CR inside the line separates like a space; \v and \f only lead. */
    expect_log(S("a\rb\r\n"), "OK 5 [a][b];EAGAIN;");
    expect_log(S("\va\vb\r\n"), "OK 6 [a\\x0bb];EAGAIN;");
    /* NUL is an ordinary byte. */
    expect_log(S("a\0b c\r\n"), "OK 7 [a\\x00b][c];EAGAIN;");
    /* Inline then multibulk then inline in one buffer. */
    expect_log(S("PING\r\n*1\r\n$4\r\nPING\r\nPING x\n"),
               "OK 6 [PING];OK 14 [PING];OK 7 [PING][x];EAGAIN;");
    /* A line may start with '$' or ':' — only '*' means multibulk. */
    expect_log(S("$3\r\n"), "OK 4 [$3];EAGAIN;");
}

static void test_scratch_args(void **state)
{
    (void)state;
    rc_resp_cmd_parser_t *p = rc_resp_cmd_parser_new(0, 0);
    const char in[] = "SET plain \"quo ted\" 'x'\r\n";
    size_t consumed, argc;
    const rc_resp_arg_t *argv;
    assert_int_equal(rc_resp_parse_command(p, in, sizeof(in) - 1, &consumed, &argv, &argc), RC_OK);
    assert_int_equal(argc, 4);
    assert_false(argv[0].off & RC_RESP_ARG_SCRATCH);
    assert_int_equal(argv[1].off, 4);
    assert_true(argv[2].off & RC_RESP_ARG_SCRATCH);
    assert_memory_equal(rc_resp_arg_ptr(p, in, &argv[2]), "quo ted", 7);
    assert_memory_equal(rc_resp_arg_ptr(p, in, &argv[3]), "x", 1);
    rc_resp_cmd_parser_free(p);
}

typedef struct {
    const char *in;
    size_t len;
    const char *err;
} bad_t;

#define MB "Protocol error: invalid multibulk length"
#define BL "Protocol error: invalid bulk length"
#define UQ "Protocol error: unbalanced quotes in request"
#define NC "Protocol error: bulk not followed by CRLF"
#define BAD(lit, err)                                                                              \
    {                                                                                              \
        lit, sizeof(lit) - 1, err                                                                  \
    }

static const bad_t bad_cmds[] = {
    BAD("*abc\r\n", MB),
    BAD("*\r\n", MB),
    BAD("*-\r\n", MB),
    BAD("*-0\r\n", MB),
    BAD("*+1\r\n", MB),
    BAD("*01\r\n", MB),
    BAD("* 1\r\n", MB),
    BAD("*1 \r\n", MB),
    BAD("*1x\r\n", MB),
    BAD("*99999999999999999999\r\n", MB),
    BAD("*9223372036854775808\r\n", MB),
    BAD("*-9223372036854775809\r\n", MB),
    BAD("*1048577\r\n", MB), /* above the default max_elems */
    BAD("*2147483648\r\n", MB),
    BAD("*1\rX", MB), /* CR not followed by LF */
    BAD("*1\r\n$abc\r\n", BL),
    BAD("*1\r\n$-1\r\n", BL),
    BAD("*1\r\n$-0\r\n", BL),
    BAD("*1\r\n$\r\n", BL),
    BAD("*1\r\n$01\r\n", BL),
    BAD("*1\r\n$+1\r\n", BL),
    BAD("*1\r\n$\0\r\n", BL),
    BAD("*1\r\n$536870913\r\n", BL), /* above the default max_bulk */
    BAD("*1\r\n$99999999999999999999\r\n", BL),
    BAD("*1\r\n$3\rX", BL),
    BAD("*1\r\nfoo\r\n", "Protocol error: expected '$', got 'f'"),
    BAD("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "Protocol error: expected '$', got 'f'"),
    BAD("*1\r\n:3\r\n", "Protocol error: expected '$', got ':'"),
    BAD("*1\r\n\r\n", "Protocol error: expected '$', got ' '"),
    BAD("*1\r\n\0\r\n", "Protocol error: expected '$', got '?'"),
    BAD("*1\r\n\r\r\n", "Protocol error: expected '$', got ' '"),
    BAD("*1\r\n\rX", "Protocol error: expected '$', got ' '"),
    BAD("*2\r\n$1\r\na\r\n*1\r\n", "Protocol error: expected '$', got '*'"),
    BAD("*1\r\n$3\r\nfooXY", NC),
    BAD("*1\r\n$3\r\nfoo\rX", NC),
    BAD("*1\r\n$3\r\nfoo\n\r", NC),
    BAD("*1\r\n$0\r\nX\r\n", NC),
    BAD("SET \"abc\r\n", UQ),
    BAD("SET 'abc\r\n", UQ),
    BAD("SET \"a\"b\r\n", UQ),
    BAD("SET 'a'b\r\n", UQ),
    BAD("SET \"abc\\\"\r\n", UQ),
    BAD("SET \"abc\\\r\n", UQ),
    BAD("SET a\"b\r\n", UQ),
    BAD("PING\r\n*1\r\n$4\r\nPINGxx", NC), /* after a good command */
};

static void test_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cmds) / sizeof(bad_cmds[0]); i++) {
        const bad_t *b = &bad_cmds[i];
        char *log = check_splits(b->in, b->len, 0, 0);
        const char *e = strstr(log, "EPROTO ");
        if (!e || strncmp(e + 7, b->err, strlen(b->err)) != 0 ||
            strcmp(e + 7 + strlen(b->err), ";"))
            fail_msg("case %zu: got '%s', want '%s'", i, log, b->err);
        rc_free(log);

        /* The error is sticky until reset. */
        rc_resp_cmd_parser_t *p = rc_resp_cmd_parser_new(0, 0);
        rc_buf_t l1 = RC_BUF_INIT;
        run_cmds(p, b->in, b->len, b->len, b->len, &l1);
        size_t consumed, argc;
        const rc_resp_arg_t *argv;
        assert_int_equal(rc_resp_parse_command(p, S("PING\r\n"), &consumed, &argv, &argc),
                         RC_EPROTO);
        assert_string_equal(rc_resp_cmd_parser_error(p), b->err);
        rc_resp_cmd_parser_reset(p);
        assert_int_equal(rc_resp_parse_command(p, S("PING\r\n"), &consumed, &argv, &argc), RC_OK);
        assert_int_equal(argc, 1);
        rc_buf_free(&l1);
        rc_resp_cmd_parser_free(p);
    }
    assert_true(sizeof(bad_cmds) / sizeof(bad_cmds[0]) >= 30);
}

/* A buffer of n bytes: prefix then c repeated, then suffix. */
static char *filled(const char *prefix, char c, size_t n, const char *suffix, size_t *len)
{
    size_t pl = strlen(prefix), sl = strlen(suffix);
    char *b = rc_malloc(pl + n + sl);
    memcpy(b, prefix, pl);
    memset(b + pl, c, n);
    memcpy(b + pl + n, suffix, sl);
    *len = pl + n + sl;
    return b;
}

static const char *first_result(const char *data, size_t len, size_t max_bulk, size_t max_elems,
                                char *out, size_t outlen)
{
    char *log = log_whole(data, len, max_bulk, max_elems);
    snprintf(out, outlen, "%s", log);
    char *semi = strchr(out, ';');
    if (semi) semi[1] = '\0';
    rc_free(log);
    return out;
}

static void test_limits(void **state)
{
    (void)state;
    char r[256];
    size_t len;
    char *b;
    const size_t M = RC_RESP_MAX_INLINE;

    /* max_bulk and max_elems as given; equal is fine, one more is an error. */
    assert_string_equal(first_result(S("*1\r\n$4\r\nabcd\r\n"), 4, 0, r, sizeof(r)),
                        "OK 14 [abcd];");
    assert_string_equal(first_result(S("*1\r\n$5\r\nabcde\r\n"), 4, 0, r, sizeof(r)),
                        "EPROTO " BL ";");
    assert_string_equal(first_result(S("*2\r\n$1\r\na\r\n$1\r\nb\r\n"), 0, 2, r, sizeof(r)),
                        "OK 18 [a][b];");
    assert_string_equal(first_result(S("*3\r\n"), 0, 2, r, sizeof(r)), "EPROTO " MB ";");
    /* Default max_bulk exactly: the header is accepted, the payload awaited. */
    assert_string_equal(first_result(S("*1\r\n$536870912\r\n"), 0, 0, r, sizeof(r)), "EAGAIN;");

    /* Inline: the newline may be at most RC_RESP_MAX_INLINE bytes in. */
    b = filled("", 'a', M, "\n", &len);
    assert_int_equal(strncmp(first_result(b, len, 0, 0, r, sizeof(r)), "OK ", 3), 0);
    rc_free(b);
    b = filled("", 'a', M + 1, "\n", &len);
    assert_string_equal(first_result(b, len, 0, 0, r, sizeof(r)),
                        "EPROTO Protocol error: too big inline request;");
    rc_free(b);
    b = filled("", 'a', M, "", &len);
    assert_string_equal(first_result(b, len, 0, 0, r, sizeof(r)), "EAGAIN;");
    rc_free(b);
    b = filled("", 'a', M + 1, "", &len);
    assert_string_equal(first_result(b, len, 0, 0, r, sizeof(r)),
                        "EPROTO Protocol error: too big inline request;");
    rc_free(b);

    /* Count lines: no CR within RC_RESP_MAX_INLINE bytes. */
    b = filled("*", '1', M, "", &len);
    assert_string_equal(first_result(b, len, 0, 0, r, sizeof(r)),
                        "EPROTO Protocol error: too big mbulk count string;");
    rc_free(b);
    b = filled("*", '1', M - 1, "", &len);
    assert_string_equal(first_result(b, len, 0, 0, r, sizeof(r)), "EAGAIN;");
    rc_free(b);
    b = filled("*", '1', 100, "\r\n", &len);
    assert_string_equal(first_result(b, len, 0, 0, r, sizeof(r)), "EPROTO " MB ";");
    rc_free(b);
    b = filled("*1\r\n$", '1', M, "", &len);
    assert_string_equal(first_result(b, len, 0, 0, r, sizeof(r)),
                        "EPROTO Protocol error: too big bulk count string;");
    rc_free(b);
    b = filled("*1\r\n", 'x', M + 1, "", &len);
    assert_string_equal(first_result(b, len, 0, 0, r, sizeof(r)),
                        "EPROTO Protocol error: too big bulk count string;");
    rc_free(b);
}

static void test_many_args(void **state)
{
    (void)state;
    rc_buf_t in = RC_BUF_INIT;
    rc_resp_write_array(&in, 5000);
    for (int i = 0; i < 5000; i++) rc_resp_write_bulk_i64(&in, i);
    rc_resp_cmd_parser_t *p = rc_resp_cmd_parser_new(0, 0);
    size_t consumed, argc;
    const rc_resp_arg_t *argv;
    assert_int_equal(rc_resp_parse_command(p, in.data, in.len, &consumed, &argv, &argc), RC_OK);
    assert_int_equal(consumed, in.len);
    assert_int_equal(argc, 5000);
    for (int i = 0; i < 5000; i += 499) {
        char want[16];
        int n = snprintf(want, sizeof(want), "%d", i);
        assert_int_equal(argv[i].len, (size_t)n);
        assert_memory_equal(in.data + argv[i].off, want, (size_t)n);
    }
    rc_buf_free(&in);
    rc_resp_cmd_parser_free(p);
}

/* A 64 MiB bulk arriving in 64 KiB pieces: each call must cost O(1), not a
 * rescan. 1024 rescans of up to 64 MiB would take many seconds; we allow 1 s. */
static void test_big_bulk_in_pieces(void **state)
{
    (void)state;
    const size_t big = (size_t)64 << 20;
    rc_buf_t in = RC_BUF_INIT;
    rc_buf_append_str(&in, "*2\r\n$3\r\nSET\r\n");
    rc_buf_printf(&in, "$%zu\r\n", big);
    char *p0 = rc_buf_reserve(&in, big + 2);
    memset(p0, 'v', big);
    memcpy(p0 + big, "\r\n", 2);
    in.len += big + 2;

    rc_resp_cmd_parser_t *p = rc_resp_cmd_parser_new(0, 0);
    size_t consumed = 0, argc = 0, calls = 0;
    const rc_resp_arg_t *argv = NULL;
    clock_t t0 = clock();
    rc_err_t rc = RC_EAGAIN;
    for (size_t avail = 0; rc == RC_EAGAIN && avail < in.len;) {
        avail = in.len - avail > 65536 ? avail + 65536 : in.len;
        rc = rc_resp_parse_command(p, in.data, avail, &consumed, &argv, &argc);
        calls++;
    }
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(rc, RC_OK);
    assert_int_equal(consumed, in.len);
    assert_int_equal(argc, 2);
    assert_int_equal(argv[1].len, big);
    assert_true(calls > 1000);
    assert_true(secs < 1.0);

    /* A long inline line fed a byte at a time is not rescanned either. */
    size_t len;
    char *b = filled("", 'a', RC_RESP_MAX_INLINE - 1, "\n", &len);
    rc_resp_cmd_parser_reset(p);
    t0 = clock();
    for (size_t avail = 1; avail <= len; avail++) {
        rc = rc_resp_parse_command(p, b, avail, &consumed, &argv, &argc);
        if (avail < len) assert_int_equal(rc, RC_EAGAIN);
    }
    assert_int_equal(rc, RC_OK);
    assert_int_equal(argc, 1);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
    rc_free(b);
    rc_buf_free(&in);
    rc_resp_cmd_parser_free(p);
}

/* A caller that hands fewer bytes than before (it dropped its buffer without
 * reset) gets a fresh start, not a read out of bounds. */
static void test_shrunk_buffer(void **state)
{
    (void)state;
    rc_resp_cmd_parser_t *p = rc_resp_cmd_parser_new(0, 0);
    size_t consumed, argc;
    const rc_resp_arg_t *argv;
    const char part[] = "*2\r\n$3\r\nGET\r\n$5\r\nke";
    assert_int_equal(rc_resp_parse_command(p, part, sizeof(part) - 1, &consumed, &argv, &argc),
                     RC_EAGAIN);
    assert_int_equal(rc_resp_parse_command(p, S("PING\r\n"), &consumed, &argv, &argc), RC_OK);
    assert_int_equal(argc, 1);
    assert_int_equal(consumed, 6);
    rc_resp_cmd_parser_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multibulk),     cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_inline),        cmocka_unit_test(test_scratch_args),
        cmocka_unit_test(test_malformed),     cmocka_unit_test(test_limits),
        cmocka_unit_test(test_many_args),     cmocka_unit_test(test_big_bulk_in_pieces),
        cmocka_unit_test(test_shrunk_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
