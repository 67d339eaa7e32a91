/* test_flags.c — the Ray-style flag parser: syntax, values, errors, help. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flags.h"

typedef struct {
    int head, block, head_seen;
    const char *address;
    int64_t port, memory;
    double num_cpus;
} opts_t;

static opts_t o;

static rc_flag_t table[] = {
    {"head", RC_FLAG_BOOL, &o.head, "start the head node", NULL, 0, 0, &o.head_seen},
    {"block", RC_FLAG_BOOL, &o.block, "stay in the foreground", NULL, 0, 0, NULL},
    {"address", RC_FLAG_STRING, &o.address, "head address", "HOST:PORT", 0, 0, NULL},
    {"port", RC_FLAG_INT, &o.port, "GCS port", NULL, 1, 65535, NULL},
    {"num-cpus", RC_FLAG_DOUBLE, &o.num_cpus, "number of CPUs", "N", 0, 1e6, NULL},
    {"memory", RC_FLAG_BYTES, &o.memory, "memory for tasks", NULL, 0, 0, NULL},
};
#define NT (sizeof(table) / sizeof(table[0]))

static rc_err_t parse_args(rc_flags_result_t *res, int stop, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, stop);
    for (char *a; (a = va_arg(ap, char *)) != NULL;) argv[argc++] = a;
    va_end(ap);
    memset(&o, 0, sizeof(o));
    return rc_flags_parse(table, NT, argc, argv, stop, res);
}
#define PARSE(res, ...) parse_args(res, 0, __VA_ARGS__, (char *)NULL)

static void test_forms(void **state)
{
    rc_flags_result_t r;
    assert_int_equal(PARSE(&r, "--head", "--address=1.2.3.4:6379", "--port", "7000",
                           "--num_cpus=2.5", "--memory", "4GiB", "pos1", "pos2"),
                     RC_OK);
    assert_int_equal(o.head, 1);
    assert_int_equal(o.head_seen, 1);
    assert_string_equal(o.address, "1.2.3.4:6379");
    assert_int_equal(o.port, 7000);
    assert_true(o.num_cpus == 2.5);
    assert_int_equal(o.memory, 4LL << 30);
    assert_int_equal(r.npos, 2);
    assert_string_equal(r.pos[0], "pos1");
    assert_string_equal(r.pos[1], "pos2");
    assert_null(r.pos[2]);
    assert_int_equal(r.help, 0);
    rc_flags_result_free(&r);

    /* Absent flags leave their destination alone. */
    memset(&o, 0, sizeof(o));
    o.port = 6379;
    char *argv[] = {"--head"};
    assert_int_equal(rc_flags_parse(table, NT, 1, argv, 0, &r), RC_OK);
    assert_int_equal(o.port, 6379);
    assert_int_equal(r.npos, 0);
    assert_non_null(r.pos);
    assert_null(r.pos[0]);
    rc_flags_result_free(&r);
}

static void test_bools(void **state)
{
    rc_flags_result_t r;
    const char *t[] = {"true", "1", "yes", "on", "TRUE", "Yes"};
    const char *f[] = {"false", "0", "no", "off", "False", "OFF"};
    char arg[64];
    for (size_t i = 0; i < 6; i++) {
        snprintf(arg, sizeof(arg), "--block=%s", t[i]);
        assert_int_equal(PARSE(&r, arg), RC_OK);
        assert_int_equal(o.block, 1);
        rc_flags_result_free(&r);
        snprintf(arg, sizeof(arg), "--block=%s", f[i]);
        assert_int_equal(PARSE(&r, arg), RC_OK);
        assert_int_equal(o.block, 0);
        rc_flags_result_free(&r);
    }
    /* A bare boolean does not swallow the next argument. */
    assert_int_equal(PARSE(&r, "--block", "false"), RC_OK);
    assert_int_equal(o.block, 1);
    assert_int_equal(r.npos, 1);
    assert_string_equal(r.pos[0], "false");
    rc_flags_result_free(&r);

    assert_int_equal(PARSE(&r, "--block=maybe"), RC_EINVAL);
    assert_string_equal(r.error, "--block expects true or false, got 'maybe'");
    rc_flags_result_free(&r);
    assert_int_equal(PARSE(&r, "--block="), RC_EINVAL);
    rc_flags_result_free(&r);
}

static void test_last_wins_and_dashes(void **state)
{
    rc_flags_result_t r;
    assert_int_equal(PARSE(&r, "--port=1", "--port", "2", "--port=3"), RC_OK);
    assert_int_equal(o.port, 3);
    rc_flags_result_free(&r);
    /* Negative numbers are values, not flags; "-" is a positional. */
    assert_int_equal(PARSE(&r, "--num-cpus", "0", "-", "-5"), RC_OK);
    assert_int_equal(r.npos, 2);
    assert_string_equal(r.pos[0], "-");
    assert_string_equal(r.pos[1], "-5");
    rc_flags_result_free(&r);
    /* Underscores anywhere read as dashes. */
    assert_int_equal(PARSE(&r, "--num_cpus", "4"), RC_OK);
    assert_true(o.num_cpus == 4);
    rc_flags_result_free(&r);
    /* An empty string value is a value. */
    assert_int_equal(PARSE(&r, "--address="), RC_OK);
    assert_string_equal(o.address, "");
    rc_flags_result_free(&r);
    /* A string value may start with one dash. */
    assert_int_equal(PARSE(&r, "--address", "-x"), RC_OK);
    assert_string_equal(o.address, "-x");
    rc_flags_result_free(&r);
}

static void test_double_dash_and_stop(void **state)
{
    rc_flags_result_t r;
    assert_int_equal(PARSE(&r, "--head", "--", "--port", "x"), RC_OK);
    assert_int_equal(o.port, 0);
    assert_int_equal(r.npos, 2);
    assert_string_equal(r.pos[0], "--port");
    assert_string_equal(r.pos[1], "x");
    rc_flags_result_free(&r);

    assert_int_equal(parse_args(&r, 1, "--port=5", "python", "--port=6", "--bogus", (char *)NULL),
                     RC_OK);
    assert_int_equal(o.port, 5);
    assert_int_equal(r.npos, 3);
    assert_string_equal(r.pos[0], "python");
    assert_string_equal(r.pos[2], "--bogus");
    rc_flags_result_free(&r);

    /* Without stop_at_positional flags after positionals are still flags. */
    assert_int_equal(PARSE(&r, "python", "--port=6"), RC_OK);
    assert_int_equal(o.port, 6);
    assert_int_equal(r.npos, 1);
    rc_flags_result_free(&r);
}

static void test_help(void **state)
{
    rc_flags_result_t r;
    assert_int_equal(PARSE(&r, "--help"), RC_OK);
    assert_int_equal(r.help, 1);
    rc_flags_result_free(&r);
    assert_int_equal(PARSE(&r, "-h", "--port=3"), RC_OK);
    assert_int_equal(r.help, 1);
    assert_int_equal(o.port, 3);
    rc_flags_result_free(&r);

    rc_buf_t b = RC_BUF_INIT;
    rc_flags_help(table, NT, &b);
    /* Every help text starts in the same column. */
    const char *texts[] = {"start the head", "stay in",          "head address",  "GCS port",
                           "number of CPUs", "memory for tasks", "show this help"};
    long col = -1;
    const char *line = b.data;
    for (size_t i = 0; i < 7; i++) {
        const char *hit = strstr(b.data, texts[i]);
        assert_non_null(hit);
        const char *bol = hit;
        while (bol > b.data && bol[-1] != '\n') bol--;
        if (col < 0) col = hit - bol;
        assert_int_equal(hit - bol, col);
        (void)line;
    }
    assert_non_null(strstr(b.data, "  --address HOST:PORT"));
    assert_non_null(strstr(b.data, "  --port N"));
    assert_non_null(strstr(b.data, "  --memory BYTES"));
    assert_non_null(strstr(b.data, "  --head "));
    assert_non_null(strstr(b.data, "-h, --help"));
    rc_buf_free(&b);
}

static void test_help_long_flag(void **state)
{
    rc_flag_t t[] = {
        {"a", RC_FLAG_BOOL, NULL, "short", NULL, 0, 0, NULL},
        {"an-extraordinarily-long-flag-name-for-testing", RC_FLAG_STRING, NULL, "long", NULL, 0, 0,
         NULL},
        {"nohelp", RC_FLAG_BOOL, NULL, NULL, NULL, 0, 0, NULL},
    };
    rc_buf_t b = RC_BUF_INIT;
    rc_flags_help(t, 3, &b);
    /* The long one gets its text on the next line, aligned with the others. */
    const char *s = strstr(b.data, "short");
    const char *l = strstr(b.data, "long\n");
    assert_non_null(s);
    assert_non_null(l);
    const char *bs = s, *bl = l;
    while (bs > b.data && bs[-1] != '\n') bs--;
    while (bl[-1] != '\n') bl--;
    assert_int_equal(s - bs, l - bl);
    assert_non_null(strstr(b.data, "  --nohelp\n"));
    rc_buf_free(&b);
}

static void expect_error(const char *expected, ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, expected);
    for (char *a; (a = va_arg(ap, char *)) != NULL;) argv[argc++] = a;
    va_end(ap);
    rc_flags_result_t r;
    memset(&o, 0, sizeof(o));
    assert_int_equal(rc_flags_parse(table, NT, argc, argv, 0, &r), RC_EINVAL);
    if (strcmp(r.error, expected) != 0) fail_msg("got \"%s\"\nwant \"%s\"", r.error, expected);
    rc_flags_result_free(&r);
}
#define EXPECT_ERROR(msg, ...) expect_error(msg, __VA_ARGS__, (char *)NULL)

static void test_errors(void **state)
{
    EXPECT_ERROR("unknown flag --nmu-cpus (did you mean --num-cpus? see --help)", "--nmu-cpus=2");
    EXPECT_ERROR("unknown flag --num_cpu (did you mean --num-cpus? see --help)", "--num_cpu", "2");
    EXPECT_ERROR("unknown flag --prot (did you mean --port? see --help)", "--prot", "1");
    EXPECT_ERROR("unknown flag --heads (did you mean --head? see --help)", "--heads");
    EXPECT_ERROR("unknown flag --dashboard-host (see --help)", "--dashboard-host=0.0.0.0");
    EXPECT_ERROR("unknown flag -p (flags are written --name; see --help)", "-p", "1");
    EXPECT_ERROR("--num-cpus expects a number, got 'abc'", "--num-cpus", "abc");
    EXPECT_ERROR("--num-cpus expects a number, got ''", "--num-cpus=");
    EXPECT_ERROR("--num-cpus expects a finite number, got 'inf'", "--num-cpus=inf");
    EXPECT_ERROR("--num-cpus expects a finite number, got 'nan'", "--num-cpus=nan");
    EXPECT_ERROR("--num-cpus must be between 0 and 1000000, got -1", "--num-cpus", "-1");
    EXPECT_ERROR("--port expects a number, got 'abc'", "--port=abc");
    EXPECT_ERROR("--port expects a whole number, got '1.5'", "--port=1.5");
    EXPECT_ERROR("--port expects a number, got '12abc'", "--port=12abc");
    EXPECT_ERROR("--port expects a number, got ' 12'", "--port= 12");
    EXPECT_ERROR("--port must be between 1 and 65535, got 70000", "--port=70000");
    EXPECT_ERROR("--port must be between 1 and 65535, got 0", "--port", "0");
    EXPECT_ERROR("--port must be between 1 and 65535, got 99999999999999999999999",
                 "--port=99999999999999999999999");
    EXPECT_ERROR("--port needs a value (--port=VALUE or --port VALUE)", "--port");
    EXPECT_ERROR("--port needs a value (--port=VALUE or --port VALUE)", "--port", "--head");
    EXPECT_ERROR("--address needs a value (--address=VALUE or --address VALUE)", "--address");
    EXPECT_ERROR("--memory expects a byte size like 4294967296, 4GiB or 512MB, got '4 gigs'",
                 "--memory=4 gigs");
    EXPECT_ERROR("--memory must not be negative, got '-1'", "--memory=-1");
    EXPECT_ERROR("--memory is too large, got '9999999999T'", "--memory=9999999999T");
    EXPECT_ERROR("--help takes no value", "--help=1");
}

static void test_hostile(void **state)
{
    /* A huge value is quoted shortened; the message still fits and says what. */
    char big[4096];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big, "--port=", 7);
    rc_flags_result_t r;
    assert_int_equal(PARSE(&r, big), RC_EINVAL);
    assert_non_null(strstr(r.error, "--port expects a number, got 'xxx"));
    assert_non_null(strstr(r.error, "...'"));
    rc_flags_result_free(&r);

    /* A huge flag name is simply unknown. */
    big[0] = big[1] = '-';
    for (size_t i = 2; i < sizeof(big) - 1; i++) big[i] = 'n';
    assert_int_equal(PARSE(&r, big), RC_EINVAL);
    assert_int_equal(strncmp(r.error, "unknown flag --nnn", 18), 0);
    assert_true(strlen(r.error) < sizeof(r.error));
    rc_flags_result_free(&r);

    /* Weird but harmless arguments. */
    assert_int_equal(PARSE(&r, "--="), RC_EINVAL);
    rc_flags_result_free(&r);
    assert_int_equal(PARSE(&r, "---port=1"), RC_EINVAL);
    rc_flags_result_free(&r);
    assert_int_equal(PARSE(&r, "--port=1=2"), RC_EINVAL);
    assert_string_equal(r.error, "--port expects a number, got '1=2'");
    rc_flags_result_free(&r);

    /* No arguments at all. */
    assert_int_equal(rc_flags_parse(table, NT, 0, NULL, 0, &r), RC_OK);
    assert_int_equal(r.npos, 0);
    rc_flags_result_free(&r);
    rc_flags_result_free(&r); /* twice is harmless */
}

static void test_one_sided_bounds(void **state)
{
    int64_t v = 0;
    rc_flag_t t[] = {
        {"min-only", RC_FLAG_INT, &v, "", NULL, 1, 1.0 / 0.0, NULL},
        {"max-only", RC_FLAG_INT, &v, "", NULL, -1.0 / 0.0, 10, NULL},
        {"bytes", RC_FLAG_BYTES, &v, "", NULL, 1024, 1 << 20, NULL},
    };
    rc_flags_result_t r;
    char *a1[] = {"--min-only=0"};
    assert_int_equal(rc_flags_parse(t, 3, 1, a1, 0, &r), RC_EINVAL);
    assert_string_equal(r.error, "--min-only must be at least 1, got 0");
    rc_flags_result_free(&r);
    char *a2[] = {"--max-only=11"};
    assert_int_equal(rc_flags_parse(t, 3, 1, a2, 0, &r), RC_EINVAL);
    assert_string_equal(r.error, "--max-only must be at most 10, got 11");
    rc_flags_result_free(&r);
    char *a3[] = {"--bytes=2m"};
    assert_int_equal(rc_flags_parse(t, 3, 1, a3, 0, &r), RC_EINVAL);
    assert_string_equal(r.error, "--bytes must be between 1024 and 1048576, got 2m");
    rc_flags_result_free(&r);
    char *a4[] = {"--bytes=1k", "--min-only=9223372036854775807"};
    assert_int_equal(rc_flags_parse(t, 3, 2, a4, 0, &r), RC_OK);
    assert_int_equal(v, INT64_MAX);
    rc_flags_result_free(&r);
}

static void test_parse_bytes(void **state)
{
    static const struct {
        const char *s;
        rc_err_t e;
        int64_t v;
    } cases[] = {
        {"0", RC_OK, 0},
        {"1073741824", RC_OK, 1073741824},
        {"1g", RC_OK, 1LL << 30},
        {"1G", RC_OK, 1LL << 30},
        {"512MiB", RC_OK, 512LL << 20},
        {"512mib", RC_OK, 512LL << 20},
        {"512 MiB", RC_OK, 512LL << 20},
        {"2.5GB", RC_OK, 2500000000LL},
        {"2.5gb", RC_OK, 2500000000LL},
        {"1k", RC_OK, 1024},
        {"1KB", RC_OK, 1000},
        {"1KiB", RC_OK, 1024},
        {"3t", RC_OK, 3LL << 40},
        {"1TB", RC_OK, 1000000000000LL},
        {"100b", RC_OK, 100},
        {"0.5k", RC_OK, 512},
        {"0.1k", RC_OK, 102},
        {"1.0000000000000000000001g", RC_OK, 1LL << 30},
        {"9223372036854775807", RC_OK, INT64_MAX},
        {"9223372036854775808", RC_ERANGE, 0},
        {"99999999999999999999999999", RC_ERANGE, 0},
        {"8388608T", RC_ERANGE, 0},
        {"8388607T", RC_OK, 8388607LL << 40},
        {"-1", RC_ERANGE, 0},
        {"-1g", RC_ERANGE, 0},
        {"-", RC_ESYNTAX, 0},
        {"--1", RC_ESYNTAX, 0},
        {"", RC_ESYNTAX, 0},
        {" 1", RC_ESYNTAX, 0},
        {"1 ", RC_ESYNTAX, 0},
        {"+1", RC_ESYNTAX, 0},
        {"1.5", RC_ESYNTAX, 0},
        {"1.", RC_ESYNTAX, 0},
        {".5g", RC_ESYNTAX, 0},
        {"1gg", RC_ESYNTAX, 0},
        {"1x", RC_ESYNTAX, 0},
        {"1e9", RC_ESYNTAX, 0},
        {"0x10", RC_ESYNTAX, 0},
        {"g", RC_ESYNTAX, 0},
        {"1 g b", RC_ESYNTAX, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t v = -42;
        rc_err_t e = rc_parse_bytes(cases[i].s, &v);
        if (e != cases[i].e) fail_msg("'%s': got %s", cases[i].s, rc_errname(e));
        if (e == RC_OK && v != cases[i].v)
            fail_msg("'%s': got %lld want %lld", cases[i].s, (long long)v, (long long)cases[i].v);
        if (e != RC_OK) assert_int_equal(v, -42);
    }
    int64_t v;
    assert_int_not_equal(rc_parse_bytes(NULL, &v), RC_OK);
}

static void test_parse_bool(void **state)
{
    int b = 7;
    assert_int_equal(rc_parse_bool("ON", &b), RC_OK);
    assert_int_equal(b, 1);
    assert_int_equal(rc_parse_bool("No", &b), RC_OK);
    assert_int_equal(b, 0);
    b = 7;
    const char *bad[] = {"", "2", "truee", "y", " true", "true ", "nope", "-1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(rc_parse_bool(bad[i], &b), RC_EINVAL);
    assert_int_equal(b, 7);
    assert_int_equal(rc_parse_bool(NULL, &b), RC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_bools),
        cmocka_unit_test(test_last_wins_and_dashes),
        cmocka_unit_test(test_double_dash_and_stop),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_help_long_flag),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_one_sided_bounds),
        cmocka_unit_test(test_parse_bytes),
        cmocka_unit_test(test_parse_bool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
