/* test_json.c — the strict JSON reader and the writer/builder, including
 * hostile input: truncation at every length, deep nesting, bad escapes and
 * encodings, huge numbers, random mutations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "json.h"
#include "rand.h"

static rc_json_t *parse_ok(const char *text)
{
    rc_json_t *v = NULL;
    char err[256];
    rc_err_t e = rc_json_parse(text, strlen(text), &v, err, sizeof(err));
    if (e != RC_OK) fail_msg("parse of '%s' failed: %s", text, err);
    assert_non_null(v);
    return v;
}

/* Parses text[0..len) expecting failure with code; returns the message. */
static const char *parse_fail_n(const char *text, size_t len, rc_err_t code)
{
    static char err[256];
    rc_json_t *v = (rc_json_t *)0x1;
    rc_err_t e = rc_json_parse(text, len, &v, err, sizeof(err));
    if (e == RC_OK) fail_msg("parse of '%.*s' should fail", (int)len, text);
    if (code != RC_OK && e != code)
        fail_msg("'%.*s': got %s (%s), want %s", (int)len, text, rc_errname(e), err,
                 rc_errname(code));
    assert_null(v);
    assert_true(strncmp(err, "line ", 5) == 0);
    return err;
}

static const char *parse_fail(const char *text, rc_err_t code)
{
    return parse_fail_n(text, strlen(text), code);
}

static void expect_error(const char *text, const char *msg)
{
    const char *err = parse_fail(text, RC_OK);
    if (strcmp(err, msg) != 0) fail_msg("'%s':\n got  \"%s\"\n want \"%s\"", text, err, msg);
}

static void test_scalars(void **state)
{
    rc_json_t *v = parse_ok("null");
    assert_int_equal(rc_json_type(v), RC_JSON_NULL);
    rc_json_free(v);
    v = parse_ok(" true ");
    assert_int_equal(rc_json_type(v), RC_JSON_BOOL);
    assert_int_equal(rc_json_bool(v), 1);
    rc_json_free(v);
    v = parse_ok("\t\r\nfalse\n");
    assert_int_equal(rc_json_bool(v), 0);
    assert_int_equal(rc_json_type(v), RC_JSON_BOOL);
    rc_json_free(v);
    v = parse_ok("\"hi\"");
    size_t len;
    assert_string_equal(rc_json_str(v, &len), "hi");
    assert_int_equal(len, 2);
    /* Wrong-type accessors are safe and neutral. */
    assert_null(rc_json_get(v, "x"));
    assert_null(rc_json_at(v, 0));
    assert_int_equal(rc_json_len(v), 0);
    assert_true(rc_json_num(v) == 0);
    assert_int_equal(rc_json_bool(v), 0);
    int64_t i;
    assert_int_equal(rc_json_int(v, &i), 0);
    assert_null(rc_json_key_at(v, 0, &len));
    assert_int_equal(len, 0);
    rc_json_free(v);
    /* NULL is tolerated everywhere. */
    assert_int_equal(rc_json_type(NULL), RC_JSON_NULL);
    assert_null(rc_json_get(NULL, "a"));
    assert_null(rc_json_str(NULL, NULL));
    rc_json_free(NULL);
    assert_string_equal(rc_json_type_name(RC_JSON_OBJECT), "object");
    assert_string_equal(rc_json_type_name(RC_JSON_NUMBER), "number");
}

static void test_numbers(void **state)
{
    static const struct {
        const char *text;
        double d;
        int is_int;
        int64_t i;
    } ok[] = {
        {"0", 0, 1, 0},
        {"-0", -0.0, 1, 0},
        {"42", 42, 1, 42},
        {"-17", -17, 1, -17},
        {"9223372036854775807", 9223372036854775807.0, 1, INT64_MAX},
        {"-9223372036854775808", -9223372036854775808.0, 1, INT64_MIN},
        {"9223372036854775808", 9223372036854775808.0, 0, 0},
        {"1.5", 1.5, 0, 0},
        {"-0.25", -0.25, 0, 0},
        {"1e3", 1000, 0, 0},
        {"1E+3", 1000, 0, 0},
        {"2.5e-3", 0.0025, 0, 0},
        {"1e-400", 0, 0, 0},
        {"1.7976931348623157e308", DBL_MAX, 0, 0},
        {"123456789012345678901234567890", 123456789012345678901234567890.0, 0, 0},
    };
    for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
        rc_json_t *v = parse_ok(ok[k].text);
        assert_int_equal(rc_json_type(v), RC_JSON_NUMBER);
        if (rc_json_num(v) != ok[k].d) fail_msg("%s: got %.17g", ok[k].text, rc_json_num(v));
        assert_int_equal(rc_json_is_int(v), ok[k].is_int);
        int64_t i = 0;
        if (ok[k].is_int) {
            assert_int_equal(rc_json_int(v, &i), 1);
            assert_true(i == ok[k].i);
        }
        rc_json_free(v);
    }
    /* rc_json_int accepts integral doubles in range, nothing else. */
    int64_t i;
    rc_json_t *v = parse_ok("2.0");
    assert_int_equal(rc_json_int(v, &i), 1);
    assert_int_equal(i, 2);
    rc_json_free(v);
    v = parse_ok("1e3");
    assert_int_equal(rc_json_int(v, &i), 1);
    assert_int_equal(i, 1000);
    rc_json_free(v);
    v = parse_ok("2.5");
    assert_int_equal(rc_json_int(v, &i), 0);
    rc_json_free(v);
    v = parse_ok("9223372036854775808");
    assert_int_equal(rc_json_int(v, &i), 0);
    rc_json_free(v);
    v = parse_ok("1e300");
    assert_int_equal(rc_json_int(v, &i), 0);
    rc_json_free(v);
    v = parse_ok("-9.2233720368547758e18");
    assert_int_equal(rc_json_int(v, &i), 1);
    assert_true(i == INT64_MIN);
    rc_json_free(v);

    const char *bad[] = {"01",   "-",    "-a",   "1.",    ".5",   "+1",   "1e",    "1e+",
                         "0x10", "- 1",  "1.e5", "00",    "-01",  "1..2", "1e5.",  "1f",
                         "--1",  "0.e1", "1ee",  "1e+-1", "1.5.", "٣",    "1,000", "1_0"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) parse_fail(bad[k], RC_ESYNTAX);
    parse_fail("1e400", RC_ERANGE);
    parse_fail("-1e400", RC_ERANGE);
    parse_fail("[1e99999999999999999999]", RC_ERANGE);

    /* A number of 1025 characters is refused; 1024 is fine. */
    char big[1100];
    memset(big, '1', sizeof(big));
    big[1024] = '\0';
    memcpy(big + 1, ".", 1);
    v = parse_ok(big);
    rc_json_free(v);
    big[1024] = '1';
    big[1025] = '\0';
    parse_fail(big, RC_ERANGE);
}

static void test_strings(void **state)
{
    size_t len;
    rc_json_t *v = parse_ok("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"");
    assert_string_equal(rc_json_str(v, &len), "a\"b\\c/d\be\ff\ng\rh\ti");
    rc_json_free(v);
    v = parse_ok("\"x\\u0000y\"");
    const char *s = rc_json_str(v, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(s, "x\0y", 3);
    rc_json_free(v);
    v = parse_ok("\"\\u00e9\\u20AC\\ud83d\\ude00\"");
    assert_string_equal(rc_json_str(v, &len), "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    assert_int_equal(len, 9);
    rc_json_free(v);
    /* Raw UTF-8 passes through untouched. */
    v = parse_ok("\"\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xBF\xBF\"");
    assert_string_equal(rc_json_str(v, NULL),
                        "\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xBF\xBF");
    rc_json_free(v);
    v = parse_ok("\"\"");
    assert_string_equal(rc_json_str(v, &len), "");
    assert_int_equal(len, 0);
    rc_json_free(v);
    /* DEL is not a control character for JSON. */
    v = parse_ok("\"\x7f\"");
    rc_json_free(v);

    expect_error("\"abc", "line 1, column 1: unterminated string");
    expect_error("\"abc\\\"", "line 1, column 1: unterminated string");
    expect_error("\"a\\x\"", "line 1, column 3: invalid escape '\\x' in string");
    expect_error("\"a\\'\"", "line 1, column 3: invalid escape '\\'' in string");
    expect_error("\"a\nb\"",
                 "line 1, column 3: control character U+000A in string must be escaped");
    expect_error("\"\t\"", "line 1, column 2: control character U+0009 in string must be escaped");
    expect_error("\"\\u12g4\"",
                 "line 1, column 2: invalid \\u escape in string: expected 4 hex digits");
    expect_error("\"\\u12\"",
                 "line 1, column 2: invalid \\u escape in string: expected 4 hex digits");
    expect_error("\"\\u\"",
                 "line 1, column 2: invalid \\u escape in string: expected 4 hex digits");
    expect_error("\"\\ud800\"",
                 "line 1, column 2: lone surrogate \\uD800 in string (a high surrogate must be "
                 "followed by a low one)");
    expect_error("\"\\udc00x\"",
                 "line 1, column 2: lone surrogate \\uDC00 in string (a low surrogate must follow "
                 "a high one)");
    parse_fail("\"\\ud800\\u0041\"", RC_ESYNTAX);
    parse_fail("\"\\ud800\\ud800\"", RC_ESYNTAX);
    parse_fail("\"\\ud800\\\"", RC_ESYNTAX);
    parse_fail("\"\\ud800\\n\"", RC_ESYNTAX);
    parse_fail("\"\\ude00\\ud83d\"", RC_ESYNTAX);
    parse_fail("\"\\U0041\"", RC_ESYNTAX);

    const char *bad_utf8[] = {
        "\"\x80\"",             /* lone continuation */
        "\"\xC0\x80\"",         /* overlong NUL */
        "\"\xC1\xBF\"",         /* overlong */
        "\"\xE0\x80\x80\"",     /* overlong */
        "\"\xED\xA0\x80\"",     /* UTF-16 surrogate D800 */
        "\"\xED\xBF\xBF\"",     /* surrogate DFFF */
        "\"\xF0\x80\x80\x80\"", /* overlong */
        "\"\xF4\x90\x80\x80\"", /* above U+10FFFF */
        "\"\xF5\x80\x80\x80\"",
        "\"\xFF\"",
        "\"\xFE\"",
        "\"\xE2\x82\"",     /* truncated before the quote */
        "\"\xC3\"",         /* truncated */
        "\"\xC3\x28\"",     /* bad continuation */
        "\"\xF0\x9F\x98\"", /* truncated 4-byte */
    };
    for (size_t k = 0; k < sizeof(bad_utf8) / sizeof(bad_utf8[0]); k++) {
        const char *err = parse_fail(bad_utf8[k], RC_ESYNTAX);
        assert_non_null(strstr(err, "invalid UTF-8 byte"));
    }
    /* Non-ASCII bytes outside strings are unexpected characters. */
    expect_error("\xC3\xA9", "line 1, column 1: expected a value, got byte 0xC3");
}

static void test_arrays_objects(void **state)
{
    rc_json_t *v = parse_ok("[1, \"two\", [3], {\"four\": 4}, null, true]");
    assert_int_equal(rc_json_type(v), RC_JSON_ARRAY);
    assert_int_equal(rc_json_len(v), 6);
    assert_true(rc_json_num(rc_json_at(v, 0)) == 1);
    assert_string_equal(rc_json_str(rc_json_at(v, 1), NULL), "two");
    assert_int_equal(rc_json_len(rc_json_at(v, 2)), 1);
    assert_true(rc_json_num(rc_json_get(rc_json_at(v, 3), "four")) == 4);
    assert_int_equal(rc_json_type(rc_json_at(v, 4)), RC_JSON_NULL);
    assert_null(rc_json_at(v, 6));
    assert_null(rc_json_get(v, "four"));
    rc_json_free(v);

    v = parse_ok("{\"b\": 1, \"a\": 2, \"b\": 3, \"\": 4, \"k\\u0000z\": 5}");
    assert_int_equal(rc_json_len(v), 5);
    size_t klen;
    assert_string_equal(rc_json_key_at(v, 0, &klen), "b");
    assert_string_equal(rc_json_key_at(v, 1, NULL), "a");
    assert_string_equal(rc_json_key_at(v, 2, NULL), "b");
    assert_true(rc_json_num(rc_json_value_at(v, 0)) == 1);
    assert_true(rc_json_num(rc_json_value_at(v, 2)) == 3);
    /* Duplicate keys: the last wins for lookup; both stay in order. */
    assert_true(rc_json_num(rc_json_get(v, "b")) == 3);
    assert_true(rc_json_num(rc_json_get(v, "")) == 4);
    assert_null(rc_json_get(v, "c"));
    assert_null(rc_json_get(v, "k"));
    assert_true(rc_json_num(rc_json_getn(v, "k\0z", 3)) == 5);
    rc_json_key_at(v, 4, &klen);
    assert_int_equal(klen, 3);
    assert_null(rc_json_key_at(v, 5, NULL));
    assert_null(rc_json_value_at(v, 5));
    assert_null(rc_json_get(v, NULL));
    rc_json_free(v);

    v = parse_ok("{}");
    assert_int_equal(rc_json_type(v), RC_JSON_OBJECT);
    assert_int_equal(rc_json_len(v), 0);
    rc_json_free(v);
    v = parse_ok("[ ]");
    assert_int_equal(rc_json_len(v), 0);
    rc_json_free(v);

    /* Many elements (the item arrays grow). */
    rc_buf_t b = RC_BUF_INIT;
    rc_buf_append_char(&b, '[');
    for (int k = 0; k < 10000; k++) rc_buf_printf(&b, "%s{\"k%d\":%d}", k ? "," : "", k, k);
    rc_buf_append_char(&b, ']');
    v = parse_ok(b.data);
    assert_int_equal(rc_json_len(v), 10000);
    assert_true(rc_json_num(rc_json_get(rc_json_at(v, 9999), "k9999")) == 9999);
    rc_json_free(v);
    rc_buf_free(&b);
}

static void test_error_messages(void **state)
{
    expect_error("{\"cpu\" 2}", "line 1, column 8: expected ':' after object key, got '2'");
    expect_error("{\"a\":1,}", "line 1, column 8: trailing comma before '}'");
    expect_error("[1,2,]", "line 1, column 6: trailing comma before ']'");
    expect_error("[1 2]", "line 1, column 4: expected ',' or ']' after array element, got '2'");
    expect_error("{\"a\":1 \"b\":2}",
                 "line 1, column 8: expected ',' or '}' after object member, got '\"'");
    expect_error("{a:1}", "line 1, column 2: expected a string key in double quotes, got 'a'");
    expect_error("{'a':1}", "line 1, column 2: expected a string key in double quotes, got '''");
    expect_error("", "line 1, column 1: unexpected end of input, expected a value");
    expect_error("   \n ", "line 2, column 2: unexpected end of input, expected a value");
    expect_error("{\n  \"a\": tru\n}", "line 2, column 11: expected 'true', got a line break");
    expect_error("{\n  \"é\": nul", "line 2, column 11: unexpected end of input, expected 'null'");
    expect_error("[1]x", "line 1, column 4: unexpected 'x' after the JSON value");
    expect_error("{} {}", "line 1, column 4: unexpected '{' after the JSON value");
    expect_error("1 2", "line 1, column 3: unexpected '2' after the JSON value");
    expect_error("NaN", "line 1, column 1: NaN is not valid JSON (numbers must be finite)");
    expect_error("[Infinity]",
                 "line 1, column 2: Infinity is not valid JSON (numbers must be finite)");
    expect_error("-Infinity",
                 "line 1, column 1: Infinity is not valid JSON (numbers must be finite)");
    expect_error("nan", "line 1, column 2: expected 'null', got 'a'");
    expect_error("01", "line 1, column 1: leading zeros are not allowed in numbers");
    expect_error("1.", "line 1, column 3: unexpected end of input, expected a digit after '.'");
    expect_error("// c\n1", "line 1, column 1: expected a value, got '/'");
    expect_error("\xEF\xBB\xBF{}", "line 1, column 1: expected a value, got byte 0xEF");
    expect_error("[\"\x01\"]",
                 "line 1, column 3: control character U+0001 in string must be escaped");
    /* NUL bytes inside the given length are data, not an end. */
    parse_fail_n("[1]\0", 4, RC_ESYNTAX);
    parse_fail_n("\0", 1, RC_ESYNTAX);

    /* A too-small error buffer is filled and terminated; NULL is fine too. */
    char small[12];
    rc_json_t *v;
    assert_int_equal(rc_json_parse("[1 2]", 5, &v, small, sizeof(small)), RC_ESYNTAX);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_int_equal(rc_json_parse("[1 2]", 5, &v, NULL, 0), RC_ESYNTAX);
    assert_int_equal(rc_json_parse(NULL, 0, &v, small, sizeof(small)), RC_ESYNTAX);
}

static void test_depth(void **state)
{
    char buf[200];
    /* Exactly RC_JSON_MAX_DEPTH levels parse. */
    size_t n = RC_JSON_MAX_DEPTH;
    memset(buf, '[', n);
    memset(buf + n, ']', n);
    rc_json_t *v = NULL;
    assert_int_equal(rc_json_parse(buf, 2 * n, &v, NULL, 0), RC_OK);
    rc_json_free(v);
    /* One more does not. */
    n++;
    memset(buf, '[', n);
    memset(buf + n, ']', n);
    const char *err = parse_fail_n(buf, 2 * n, RC_ETOOBIG);
    assert_string_equal(err, "line 1, column 65: nesting deeper than 64 levels");

    /* 10,000 levels: a clean error, no stack overflow, no leak. */
    size_t deep = 10000;
    char *big = rc_malloc(deep * 6 + 1);
    memset(big, '[', deep);
    memset(big + deep, ']', deep);
    parse_fail_n(big, 2 * deep, RC_ETOOBIG);
    parse_fail_n(big, deep, RC_ETOOBIG); /* unclosed */
    size_t k = 0;
    for (size_t i = 0; i < deep; i++) {
        memcpy(big + k, "{\"a\":", 5);
        k += 5;
    }
    big[k++] = '1';
    memset(big + k, '}', deep);
    err = parse_fail_n(big, k + deep, RC_ETOOBIG);
    assert_string_equal(err, "line 1, column 321: nesting deeper than 64 levels");
    /* Mixed objects and arrays at the limit. */
    k = 0;
    for (size_t i = 0; i < 32; i++) {
        memcpy(big + k, "{\"a\":[", 6);
        k += 6;
    }
    for (size_t i = 0; i < 32; i++) {
        memcpy(big + k, "]}", 2);
        k += 2;
    }
    assert_int_equal(rc_json_parse(big, k, &v, NULL, 0), RC_OK);
    rc_json_free(v);
    rc_free(big);
}

static const char *doc =
    "{\"name\":\"rayc \\\"head\\\" \\u00e9\\ud83d\\ude00\",\"port\":6379,\"ratio\":-0.5e-3,"
    "\"tags\":[\"a\",\"\",[],{}],\"nested\":{\"x\":[1,2,{\"y\":null}],\"t\":true,\"f\":false},"
    "\"big\":12345678901234567890,\"neg\":-9223372036854775808,\"raw\":\"\xC3\xA9\"}";

static void test_truncation(void **state)
{
    size_t n = strlen(doc);
    rc_json_t *v = parse_ok(doc);
    rc_json_free(v);
    /* Every proper prefix is an error, never a crash or a leak. */
    for (size_t len = 0; len < n; len++) parse_fail_n(doc, len, RC_OK);
    /* Also from a heap copy of exactly len bytes, so ASan sees any over-read. */
    for (size_t len = 0; len < n; len++) {
        char *copy = rc_malloc(len ? len : 1);
        memcpy(copy, doc, len);
        parse_fail_n(copy, len, RC_OK);
        rc_free(copy);
    }
}

static char *encode(const rc_json_t *v)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    rc_jw_value(&w, v);
    assert_true(rc_jw_done(&w));
    return rc_buf_detach(&b, NULL);
}

static void test_roundtrip(void **state)
{
    rc_json_t *v = parse_ok(doc);
    char *a = encode(v);
    rc_json_t *v2 = parse_ok(a);
    char *b = encode(v2);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "\"port\":6379"));
    assert_non_null(strstr(a, "\"neg\":-9223372036854775808"));
    assert_non_null(strstr(a, "\"ratio\":-0.0005"));
    assert_non_null(strstr(a, "\"name\":\"rayc \\\"head\\\" \xC3\xA9\xF0\x9F\x98\x80\""));
    rc_free(a);
    rc_free(b);
    rc_json_free(v);
    rc_json_free(v2);
}

/* Random mutations of a valid document: the parser must never crash, and
 * whatever it accepts must re-encode to text it accepts again, identically. */
static void test_mutations(void **state)
{
    size_t n = strlen(doc);
    char *buf = rc_malloc(n + 8);
    rc_rand_seed(12345);
    const char alphabet[] = "{}[]\":,\\u0123456789abcdefEe+-.ntrfl \n\x80\xC3\xED\xF4";
    int accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, doc, n);
        size_t len = n;
        int edits = 1 + (int)rc_rand_below(3);
        for (int e = 0; e < edits; e++) {
            size_t at = rc_rand_below(len);
            char c = alphabet[rc_rand_below(sizeof(alphabet) - 1)];
            switch (rc_rand_below(3)) {
            case 0: buf[at] = c; break;
            case 1:
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
                break;
            default:
                if (len < n + 7) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = c;
                    len++;
                }
            }
        }
        rc_json_t *v = NULL;
        char err[256];
        char *copy = rc_malloc(len ? len : 1);
        memcpy(copy, buf, len);
        rc_err_t rc = rc_json_parse(copy, len, &v, err, sizeof(err));
        rc_free(copy);
        if (rc != RC_OK) {
            assert_null(v);
            assert_true(strncmp(err, "line ", 5) == 0);
            continue;
        }
        accepted++;
        char *a = encode(v);
        rc_json_t *v2 = NULL;
        assert_int_equal(rc_json_parse(a, strlen(a), &v2, err, sizeof(err)), RC_OK);
        char *b = encode(v2);
        assert_string_equal(a, b);
        rc_free(a);
        rc_free(b);
        rc_json_free(v);
        rc_json_free(v2);
    }
    assert_true(accepted > 0);
    rc_free(buf);
}

static void test_write_str(void **state)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_json_write_str(&b, "a\"b\\c\n\r\t\b\f\x01\x1f\x7f/", 14);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\x7f/\"");
    rc_buf_clear(&b);
    rc_json_write_str(&b, "x\0y", 3);
    assert_string_equal(b.data, "\"x\\u0000y\"");
    rc_buf_clear(&b);
    /* Valid UTF-8 is kept; each invalid byte becomes U+FFFD. */
    rc_json_write_str(&b, "\xC3\xA9\xF0\x9F\x98\x80", 6);
    assert_string_equal(b.data, "\"\xC3\xA9\xF0\x9F\x98\x80\"");
    rc_buf_clear(&b);
    rc_json_write_str(&b,
                      "a\xFF"
                      "b\xC3",
                      4);
    assert_string_equal(b.data, "\"a\xEF\xBF\xBD"
                                "b\xEF\xBF\xBD\"");
    rc_buf_clear(&b);
    rc_json_write_str(&b, "\xED\xA0\x80", 3); /* an encoded surrogate: 3 bad bytes */
    assert_string_equal(b.data, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
    rc_buf_clear(&b);
    rc_json_write_str(&b, "", 0);
    assert_string_equal(b.data, "\"\"");
    rc_buf_free(&b);

    /* Any bytes at all come out as valid JSON; valid UTF-8 round-trips exactly. */
    rc_rand_seed(7);
    for (int iter = 0; iter < 5000; iter++) {
        unsigned char raw[64];
        size_t n = rc_rand_below(sizeof(raw));
        rc_rand_bytes(raw, n);
        if (iter % 2) /* bias towards ASCII and escapes */
            for (size_t i = 0; i < n; i++) raw[i] &= 0x7F;
        rc_buf_t o = RC_BUF_INIT;
        rc_json_write_str(&o, (const char *)raw, n);
        rc_json_t *v = NULL;
        char err[256];
        if (rc_json_parse(o.data, o.len, &v, err, sizeof(err)) != RC_OK)
            fail_msg("writer produced invalid JSON: %s", err);
        size_t len;
        const char *s = rc_json_str(v, &len);
        if (iter % 2) {
            assert_int_equal(len, n);
            assert_memory_equal(s, raw, n);
        }
        rc_json_free(v);
        rc_buf_free(&o);
    }
}

static char *build(void (*fn)(rc_jw_t *))
{
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    fn(&w);
    assert_true(rc_jw_done(&w));
    return rc_buf_detach(&b, NULL);
}

static void build_nested(rc_jw_t *w)
{
    rc_jw_obj_begin(w);
    rc_jw_key(w, "a");
    rc_jw_int(w, -1);
    rc_jw_key(w, "b");
    rc_jw_arr_begin(w);
    rc_jw_uint(w, UINT64_MAX);
    rc_jw_int(w, INT64_MIN);
    rc_jw_arr_begin(w);
    rc_jw_arr_end(w);
    rc_jw_obj_begin(w);
    rc_jw_obj_end(w);
    rc_jw_str(w, "s\"");
    rc_jw_strn(w, "n\0", 2);
    rc_jw_str(w, NULL);
    rc_jw_bool(w, 1);
    rc_jw_bool(w, 0);
    rc_jw_null(w);
    rc_jw_raw(w, "{\"pre\":[1]}", 11);
    rc_jw_arr_end(w);
    rc_jw_keyn(w, "k\"", 2);
    rc_jw_obj_begin(w);
    rc_jw_key(w, "x");
    rc_jw_double(w, 0.5);
    rc_jw_obj_end(w);
    rc_jw_obj_end(w);
}

static void test_builder(void **state)
{
    char *s = build(build_nested);
    assert_string_equal(s, "{\"a\":-1,\"b\":[18446744073709551615,-9223372036854775808,[],{},"
                           "\"s\\\"\",\"n\\u0000\",null,true,false,null,{\"pre\":[1]}],"
                           "\"k\\\"\":{\"x\":0.5}}");
    rc_json_t *v = parse_ok(s);
    rc_json_free(v);
    rc_free(s);

    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    assert_false(rc_jw_done(&w));
    rc_jw_arr_begin(&w);
    assert_false(rc_jw_done(&w));
    rc_jw_arr_end(&w);
    assert_true(rc_jw_done(&w));
    rc_buf_free(&b);
}

static void test_doubles(void **state)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0.0, "0"},         {-0.0, "-0"},
        {2.0, "2"},         {0.1, "0.1"},
        {-1.5, "-1.5"},     {1e300, "1e+300"},
        {1e21, "1e+21"},    {123456789.0, "123456789"},
        {0.3, "0.3"},       {1.0 / 3, "0.3333333333333333"},
        {5e-324, "5e-324"}, {DBL_MAX, "1.7976931348623157e+308"},
        {1.0 / 3 * 3, "1"}, {100, "100"},
        {1e-7, "1e-07"},    {0.1 + 0.2, "0.30000000000000004"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rc_buf_t b = RC_BUF_INIT;
        rc_jw_t w;
        rc_jw_init(&w, &b);
        rc_jw_double(&w, cases[i].v);
        if (strcmp(b.data, cases[i].text) != 0)
            fail_msg("%.17g: got %s want %s", cases[i].v, b.data, cases[i].text);
        rc_buf_free(&b);
    }
    const double nonfinite[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < 3; i++) {
        rc_buf_t b = RC_BUF_INIT;
        rc_jw_t w;
        rc_jw_init(&w, &b);
        rc_jw_arr_begin(&w);
        rc_jw_double(&w, nonfinite[i]);
        rc_jw_double(&w, 1);
        rc_jw_arr_end(&w);
        assert_string_equal(b.data, "[null,1]");
        rc_buf_free(&b);
    }
    /* Random doubles read back bit for bit through the parser. */
    rc_rand_seed(99);
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = rc_rand_u64();
        double d;
        memcpy(&d, &bits, sizeof(d));
        if (!isfinite(d)) continue;
        char text[32];
        size_t n = rc_json_format_double(d, text);
        rc_json_t *v = NULL;
        assert_int_equal(rc_json_parse(text, n, &v, NULL, 0), RC_OK);
        double back = rc_json_num(v);
        assert_memory_equal(&back, &d, sizeof(d));
        rc_json_free(v);
    }
}

/* Misusing the builder is a programming error: RC_ASSERT aborts. */
static void expect_abort(void (*fn)(rc_jw_t *))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 2);
        rc_buf_t b = RC_BUF_INIT;
        rc_jw_t w;
        rc_jw_init(&w, &b);
        fn(&w);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void misuse_value_without_key(rc_jw_t *w)
{
    rc_jw_obj_begin(w);
    rc_jw_int(w, 1);
}

static void misuse_two_top_values(rc_jw_t *w)
{
    rc_jw_int(w, 1);
    rc_jw_int(w, 2);
}

static void misuse_wrong_close(rc_jw_t *w)
{
    rc_jw_arr_begin(w);
    rc_jw_obj_end(w);
}

static void misuse_key_in_array(rc_jw_t *w)
{
    rc_jw_arr_begin(w);
    rc_jw_key(w, "a");
}

static void misuse_too_deep(rc_jw_t *w)
{
    for (int i = 0; i <= RC_JW_MAX_DEPTH; i++) rc_jw_arr_begin(w);
}

static void test_builder_misuse(void **state)
{
    expect_abort(misuse_value_without_key);
    expect_abort(misuse_two_top_values);
    expect_abort(misuse_wrong_close);
    expect_abort(misuse_key_in_array);
    expect_abort(misuse_too_deep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_strings),        cmocka_unit_test(test_arrays_objects),
        cmocka_unit_test(test_error_messages), cmocka_unit_test(test_depth),
        cmocka_unit_test(test_truncation),     cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_mutations),      cmocka_unit_test(test_write_str),
        cmocka_unit_test(test_builder),        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_builder_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
