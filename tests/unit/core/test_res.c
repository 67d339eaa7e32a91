/* test_res.c — fixed-point resource vectors: arithmetic, names, JSON in and
 * out (including hostile values), formatting, utilisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "res.h"

#define U(n) RC_RES_UNITS(n)

static void parse_ok(const char *text, rc_res_t *out)
{
    char err[256];
    rc_err_t e = rc_res_parse_json(text, strlen(text), out, err, sizeof(err));
    if (e != RC_OK) fail_msg("'%s': %s", text, err);
}

static void expect_error(const char *text, rc_err_t code, const char *msg)
{
    char err[256];
    rc_res_t r;
    rc_err_t e = rc_res_parse_json(text, strlen(text), &r, err, sizeof(err));
    if (e == RC_OK) fail_msg("'%s' should fail", text);
    if (code != RC_OK && e != code) fail_msg("'%s': got %s (%s)", text, rc_errname(e), err);
    if (msg && strcmp(err, msg) != 0) fail_msg("'%s':\n got  \"%s\"\n want \"%s\"", text, err, msg);
    assert_true(rc_res_is_zero(&r));
    assert_null(r.custom);
    rc_res_free(&r);
}

static void test_get_set(void **state)
{
    rc_res_t r = RC_RES_INIT;
    assert_true(rc_res_is_zero(&r));
    assert_int_equal(rc_res_set(&r, "CPU", U(2)), RC_OK);
    assert_int_equal(rc_res_set(&r, "GPU", 5000), RC_OK);
    assert_int_equal(rc_res_set(&r, "memory", U(1024)), RC_OK);
    assert_int_equal(rc_res_set(&r, "object_store_memory", U(2048)), RC_OK);
    assert_int_equal(r.cpu, 20000);
    assert_int_equal(r.gpu, 5000);
    assert_int_equal(rc_res_get(&r, "memory"), U(1024));
    assert_int_equal(rc_res_get(&r, "object_store_memory"), U(2048));
    assert_int_equal(r.ncustom, 0);

    /* Custom names stay sorted; zero removes; case matters. */
    const char *names[] = {"zeta", "alpha", "node:10.0.0.1", "cpu", "accelerator_type:A100", "m"};
    for (size_t i = 0; i < 6; i++) assert_int_equal(rc_res_set(&r, names[i], U(i + 1)), RC_OK);
    assert_int_equal(r.ncustom, 6);
    for (size_t i = 1; i < r.ncustom; i++)
        assert_true(strcmp(r.custom[i - 1].name, r.custom[i].name) < 0);
    assert_int_equal(rc_res_get(&r, "cpu"), U(4));
    assert_int_equal(rc_res_get(&r, "CPU"), U(2));
    assert_int_equal(rc_res_get(&r, "alpha"), U(2));
    assert_int_equal(rc_res_get(&r, "absent"), 0);
    assert_int_equal(rc_res_get(&r, NULL), 0);
    assert_int_equal(rc_res_set(&r, "alpha", U(7)), RC_OK);
    assert_int_equal(rc_res_get(&r, "alpha"), U(7));
    assert_int_equal(rc_res_set(&r, "alpha", 0), RC_OK);
    assert_int_equal(r.ncustom, 5);
    assert_int_equal(rc_res_get(&r, "alpha"), 0);
    assert_int_equal(rc_res_set(&r, "never", 0), RC_OK);
    assert_int_equal(r.ncustom, 5);

    /* Bad names and amounts leave r unchanged. */
    const char *bad[] = {"",
                         "a b",
                         "x\"",
                         "é",
                         "a,b",
                         "{}",
                         "12345678901234567890123456789012345678901234567890123456789012345"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(rc_res_set(&r, bad[i], 1), RC_EINVAL);
    assert_int_equal(rc_res_set(&r, NULL, 1), RC_EINVAL);
    assert_true(
        rc_res_name_valid("1234567890123456789012345678901234567890123456789012345678901234"));
    assert_true(rc_res_name_valid("a.b:c/d-e_f"));
    assert_int_equal(rc_res_set(&r, "CPU", -1), RC_ERANGE);
    assert_int_equal(rc_res_set(&r, "zeta", -1), RC_ERANGE);
    assert_int_equal(rc_res_set(&r, "zeta", RC_RES_MAX + 1), RC_ERANGE);
    assert_int_equal(rc_res_set(&r, "zeta", RC_RES_MAX), RC_OK);
    assert_int_equal(r.cpu, U(2));
    assert_int_equal(r.ncustom, 5);
    assert_false(rc_res_is_zero(&r));

    rc_res_t c = RC_RES_INIT;
    rc_res_copy(&c, &r);
    assert_true(rc_res_eq(&c, &r));
    assert_ptr_not_equal(c.custom, r.custom);
    rc_res_set(&c, "zeta", 1);
    assert_false(rc_res_eq(&c, &r));
    rc_res_copy(&c, &c);
    rc_res_t empty = RC_RES_INIT;
    rc_res_copy(&c, &empty); /* shrinking copy keeps dst usable */
    assert_true(rc_res_is_zero(&c));
    assert_true(rc_res_eq(&c, &empty));
    rc_res_free(&c);
    rc_res_free(&r);
    assert_true(rc_res_is_zero(&r));
    rc_res_free(&r);
}

static void test_add_sub_fits(void **state)
{
    rc_res_t node = RC_RES_INIT, req = RC_RES_INIT, tmp = RC_RES_INIT;
    parse_ok("{\"CPU\": 4, \"memory\": 8589934592, \"b\": 2, \"d\": 1}", &node);
    parse_ok("{\"CPU\": 0.5, \"a\": 1, \"b\": 0.5, \"c\": 3, \"e\": 0.25}", &req);

    assert_false(rc_res_fits(&req, &node)); /* a, c, e are missing on the node */
    assert_int_equal(rc_res_sub(&node, &req), RC_ERANGE);
    assert_int_equal(rc_res_get(&node, "CPU"), U(4));

    assert_int_equal(rc_res_add(&node, &req), RC_OK);
    assert_int_equal(node.ncustom, 5);
    const char *order[] = {"a", "b", "c", "d", "e"};
    const int64_t amounts[] = {U(1), 25000, U(3), U(1), 2500};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(node.custom[i].name, order[i]);
        assert_int_equal(node.custom[i].amount, amounts[i]);
    }
    assert_int_equal(node.cpu, 45000);
    assert_true(rc_res_fits(&req, &node));

    /* 0.1 + 0.2 is exactly 0.3 here. */
    rc_res_t x = RC_RES_INIT, y = RC_RES_INIT, z = RC_RES_INIT;
    parse_ok("{\"GPU\": 0.1}", &x);
    parse_ok("{\"GPU\": 0.2}", &y);
    parse_ok("{\"GPU\": 0.3}", &z);
    assert_int_equal(rc_res_add(&x, &y), RC_OK);
    assert_true(rc_res_eq(&x, &z));
    rc_res_free(&x);
    rc_res_free(&y);
    rc_res_free(&z);

    /* Subtracting exactly what was added gives the node back; zeros vanish. */
    assert_int_equal(rc_res_sub(&node, &req), RC_OK);
    assert_int_equal(node.ncustom, 2);
    assert_int_equal(rc_res_get(&node, "b"), U(2));
    assert_int_equal(rc_res_get(&node, "d"), U(1));
    assert_int_equal(node.cpu, U(4));

    /* Take everything away: zero. */
    rc_res_copy(&tmp, &node);
    assert_int_equal(rc_res_sub(&node, &tmp), RC_OK);
    assert_true(rc_res_is_zero(&node));
    assert_int_equal(node.ncustom, 0);
    /* Any further subtraction fails and changes nothing. */
    assert_int_equal(rc_res_sub(&node, &tmp), RC_ERANGE);
    assert_true(rc_res_is_zero(&node));

    /* An empty request fits anywhere; a zero vector fits a zero vector. */
    rc_res_t none = RC_RES_INIT;
    assert_true(rc_res_fits(&none, &node));
    assert_true(rc_res_fits(&none, &none));
    assert_int_equal(rc_res_add(&node, &none), RC_OK);
    assert_int_equal(rc_res_sub(&node, &none), RC_OK);

    /* Overflow in add is refused atomically. */
    rc_res_t big = RC_RES_INIT;
    big.cpu = INT64_MAX - 5;
    rc_res_set(&big, "b", U(1));
    rc_res_t one = RC_RES_INIT;
    rc_res_set(&one, "b", U(1));
    rc_res_set(&one, "new", U(1));
    one.cpu = 10;
    assert_int_equal(rc_res_add(&big, &one), RC_ERANGE);
    assert_int_equal(big.cpu, INT64_MAX - 5);
    assert_int_equal(big.ncustom, 1);
    assert_int_equal(rc_res_get(&big, "b"), U(1));
    big.custom[0].amount = INT64_MAX;
    one.cpu = 0;
    assert_int_equal(rc_res_add(&big, &one), RC_ERANGE);
    assert_int_equal(big.ncustom, 1);

    rc_res_free(&big);
    rc_res_free(&one);
    rc_res_free(&node);
    rc_res_free(&req);
    rc_res_free(&tmp);
}

static void test_add_many(void **state)
{
    /* Interleaved names grow the sorted array through many merges. */
    rc_res_t acc = RC_RES_INIT;
    for (int i = 0; i < 200; i++) {
        rc_res_t one = RC_RES_INIT;
        char name[16];
        snprintf(name, sizeof(name), "r%03d", (i * 37) % 200);
        rc_res_set(&one, name, U(1));
        rc_res_set(&one, "shared", 1);
        assert_int_equal(rc_res_add(&acc, &one), RC_OK);
        rc_res_free(&one);
    }
    assert_int_equal(acc.ncustom, 201);
    for (size_t i = 1; i < acc.ncustom; i++)
        assert_true(strcmp(acc.custom[i - 1].name, acc.custom[i].name) < 0);
    assert_int_equal(rc_res_get(&acc, "shared"), 200);
    assert_int_equal(rc_res_get(&acc, "r123"), U(1));
    rc_res_free(&acc);
}

static void test_parse_json(void **state)
{
    rc_res_t r;
    parse_ok("{\"custom\": 2, \"CPU\": 0.5}", &r);
    assert_int_equal(r.cpu, 5000);
    assert_int_equal(rc_res_get(&r, "custom"), U(2));
    rc_res_free(&r);

    parse_ok("{}", &r);
    assert_true(rc_res_is_zero(&r));
    rc_res_free(&r);

    /* Integers are exact, even large byte counts. */
    parse_ok("{\"memory\": 1099511627776, \"object_store_memory\": 1e9, \"x\": 100000000000000}",
             &r);
    assert_int_equal(r.memory, U(1099511627776LL));
    assert_int_equal(r.object_store_memory, U(1000000000LL));
    assert_int_equal(rc_res_get(&r, "x"), RC_RES_MAX);
    rc_res_free(&r);

    /* Rounding to 4 decimals, ties away from zero; duplicates: last wins;
     * zero is allowed and means absent. */
    parse_ok("{\"a\": 0.12344, \"b\": 0.12345, \"c\": 0.00005, \"d\": 1, \"d\": 3, \"e\": 0, "
             "\"f\": -0, \"g\": 2.0, \"h\": 1e-4, \"CPU\": 1.99999}",
             &r);
    assert_int_equal(rc_res_get(&r, "a"), 1234);
    assert_int_equal(rc_res_get(&r, "b"), 1235);
    assert_int_equal(rc_res_get(&r, "c"), 1);
    assert_int_equal(rc_res_get(&r, "d"), U(3));
    assert_int_equal(rc_res_get(&r, "e"), 0);
    assert_int_equal(rc_res_get(&r, "f"), 0);
    assert_int_equal(rc_res_get(&r, "g"), U(2));
    assert_int_equal(rc_res_get(&r, "h"), 1);
    assert_int_equal(r.cpu, U(2));
    assert_int_equal(r.ncustom, 6);
    rc_res_free(&r);

    /* From an already parsed document. */
    rc_json_t *root;
    const char *body = "{\"entrypoint_resources\": {\"gpu_slot\": 1}}";
    assert_int_equal(rc_json_parse(body, strlen(body), &root, NULL, 0), RC_OK);
    char err[128];
    assert_int_equal(
        rc_res_from_json(rc_json_get(root, "entrypoint_resources"), &r, err, sizeof(err)), RC_OK);
    assert_int_equal(rc_res_get(&r, "gpu_slot"), U(1));
    rc_res_free(&r);
    assert_int_equal(rc_res_from_json(rc_json_get(root, "absent"), &r, err, sizeof(err)),
                     RC_EINVAL);
    assert_string_equal(err, "resources must be a JSON object of name to amount, like "
                             "{\"CPU\": 2, \"custom\": 1}, got a null");
    assert_int_equal(rc_res_from_json(root, &r, NULL, 0), RC_EINVAL); /* value not a number */
    rc_json_free(root);
}

static void test_parse_errors(void **state)
{
    expect_error("[1, 2]", RC_EINVAL,
                 "resources must be a JSON object of name to amount, like {\"CPU\": 2, "
                 "\"custom\": 1}, got an array");
    expect_error("2", RC_EINVAL, NULL);
    expect_error("\"CPU\"", RC_EINVAL, NULL);
    expect_error("{\"CPU\": \"2\"}", RC_EINVAL,
                 "resource \"CPU\": expected a number, got a string");
    expect_error("{\"a\": true}", RC_EINVAL, "resource \"a\": expected a number, got a bool");
    expect_error("{\"a\": null}", RC_EINVAL, "resource \"a\": expected a number, got a null");
    expect_error("{\"a\": {}}", RC_EINVAL, "resource \"a\": expected a number, got an object");
    expect_error("{\"GPU\": -1}", RC_ERANGE,
                 "resource \"GPU\": -1 is negative; amounts must be >= 0");
    expect_error("{\"x\": -0.00001}", RC_ERANGE,
                 "resource \"x\": -1e-05 is negative; amounts must be >= 0");
    expect_error("{\"x\": 0.00001}", RC_ERANGE,
                 "resource \"x\": 1e-05 is below the smallest amount 0.0001 (amounts have 4 "
                 "decimals)");
    expect_error("{\"x\": 4.9e-324}", RC_ERANGE, NULL);
    expect_error("{\"x\": 100000000000001}", RC_ERANGE,
                 "resource \"x\": 100000000000001 is too large (at most 1e14)");
    expect_error("{\"memory\": 1e300}", RC_ERANGE,
                 "resource \"memory\": 1e+300 is too large (at most 1e14)");
    expect_error("{\"x\": 9223372036854775807}", RC_ERANGE, NULL);
    expect_error("{\"x\": 18446744073709551616}", RC_ERANGE, NULL);
    expect_error("{\"x\": 1e400}", RC_ERANGE, NULL); /* JSON-level: too large for a double */
    expect_error("{\"x\": NaN}", RC_ESYNTAX,
                 "resources are not valid JSON: line 1, column 7: NaN is not valid JSON (numbers "
                 "must be finite)");
    expect_error("{\"x\": Infinity}", RC_ESYNTAX, NULL);
    expect_error("{\"x\": -Infinity}", RC_ESYNTAX, NULL);
    expect_error("{'x': 1}", RC_ESYNTAX, NULL);
    expect_error("", RC_ESYNTAX, NULL);
    expect_error("{\"x\": 1", RC_ESYNTAX, NULL);
    expect_error("{\"\": 1}", RC_EINVAL,
                 "resource name \"\" is invalid: use 1-64 characters from A-Z a-z 0-9 _ . : / -");
    expect_error("{\"a b\": 1}", RC_EINVAL, NULL);
    expect_error("{\"a\\u0000b\": 1}", RC_EINVAL,
                 "resource name \"a\\u0000b\" is invalid: use 1-64 characters from A-Z a-z 0-9 _ "
                 ". : / -");
    expect_error("{\"\\u001b[31mred\": 1}", RC_EINVAL,
                 "resource name \"\\u001b[31mred\" is invalid: use 1-64 characters from A-Z a-z "
                 "0-9 _ . : / -");
    expect_error("{\"ok\": 1, \"b\\u00e9\": 1}", RC_EINVAL, NULL);
    /* A huge bad name is cut in the message. */
    rc_buf_t b = RC_BUF_INIT;
    rc_buf_append_str(&b, "{\"");
    for (int i = 0; i < 1000; i++) rc_buf_append_char(&b, 'n');
    rc_buf_append_str(&b, "\": 1}");
    char err[256];
    rc_res_t r;
    assert_int_equal(rc_res_parse_json(b.data, b.len, &r, err, sizeof(err)), RC_EINVAL);
    assert_non_null(strstr(err, "nnn...\" is invalid"));
    assert_true(strlen(err) < 200);
    rc_buf_free(&b);
    /* Errors with a custom resource already stored do not leak it. */
    expect_error("{\"a\": 1, \"b\": 2, \"c\": -3}", RC_ERANGE, NULL);
    /* A NULL or tiny error buffer is fine. */
    assert_int_equal(rc_res_parse_json("[", 1, &r, NULL, 0), RC_ESYNTAX);
    assert_int_equal(rc_res_parse_json("[]", 2, &r, err, 4), RC_EINVAL);
    assert_int_equal(strlen(err), 3);
}

static char *to_json(const rc_res_t *r)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    rc_res_to_json(r, &w);
    assert_true(rc_jw_done(&w));
    return rc_buf_detach(&b, NULL);
}

static void test_to_json(void **state)
{
    rc_res_t r = RC_RES_INIT, back;
    char *s = to_json(&r);
    assert_string_equal(s, "{}");
    rc_free(s);
    parse_ok("{\"custom\": 0.5, \"CPU\": 2, \"GPU\": 0.0001, \"memory\": 1073741824, "
             "\"object_store_memory\": 536870912.4, \"node:10.0.0.1\": 1, \"big\": 12345.6789}",
             &r);
    s = to_json(&r);
    assert_string_equal(s, "{\"CPU\":2,\"GPU\":0.0001,\"memory\":1073741824,"
                           "\"object_store_memory\":536870912,\"big\":12345.6789,"
                           "\"custom\":0.5,\"node:10.0.0.1\":1}");
    /* And back, identical except for the sub-byte memory fraction. */
    parse_ok(s, &back);
    assert_int_equal(back.cpu, r.cpu);
    assert_int_equal(back.object_store_memory, U(536870912));
    back.object_store_memory = r.object_store_memory;
    assert_true(rc_res_eq(&back, &r));
    rc_free(s);
    rc_res_free(&back);
    rc_res_free(&r);

    /* Every amount with 4 decimals survives text and back exactly. */
    for (int64_t v = 1; v < 3 * RC_RES_SCALE; v += 7) {
        rc_res_t one = RC_RES_INIT;
        rc_res_set(&one, "x", v);
        s = to_json(&one);
        parse_ok(s, &back);
        if (rc_res_get(&back, "x") != v) fail_msg("%lld -> %s", (long long)v, s);
        rc_free(s);
        rc_res_free(&back);
        rc_res_free(&one);
    }
}

static void test_format(void **state)
{
    rc_res_t r = RC_RES_INIT;
    rc_buf_t b = RC_BUF_INIT;
    rc_res_format(&r, &b);
    assert_string_equal(b.data, "none");
    rc_buf_clear(&b);
    parse_ok(
        "{\"CPU\": 2, \"GPU\": 0.5, \"memory\": 1610612736, \"object_store_memory\": 536870912, "
        "\"custom\": 3, \"tiny\": 0.0001}",
        &r);
    rc_res_format(&r, &b);
    assert_string_equal(b.data, "CPU: 2, GPU: 0.5, memory: 1.50 GiB, object_store_memory: 512 MiB, "
                                "custom: 3, tiny: 0.0001");
    rc_buf_clear(&b);
    rc_res_free(&r);
    parse_ok("{\"memory\": 1000}", &r);
    rc_res_format(&r, &b);
    assert_string_equal(b.data, "memory: 1000 B");
    rc_buf_clear(&b);
    rc_res_free(&r);
    parse_ok("{\"memory\": 100000000000000}", &r);
    rc_res_format(&r, &b);
    assert_string_equal(b.data, "memory: 90.95 TiB");
    rc_res_free(&r);
    rc_buf_free(&b);

    b = (rc_buf_t)RC_BUF_INIT;
    rc_res_append_amount(&b, -15000);
    rc_buf_append_char(&b, ' ');
    rc_res_append_amount(&b, INT64_MIN);
    rc_buf_append_char(&b, ' ');
    rc_res_append_amount(&b, 10);
    assert_string_equal(b.data, "-1.5 -922337203685477.5808 0.001");
    rc_buf_free(&b);
}

static void test_convert(void **state)
{
    assert_int_equal(rc_res_from_double(0.5), 5000);
    assert_int_equal(rc_res_from_double(0.00005), 1);
    assert_int_equal(rc_res_from_double(0.000049), 0);
    assert_int_equal(rc_res_from_double(-0.5), -5000);
    assert_int_equal(rc_res_from_double(1.23456789), 12346);
    assert_int_equal(rc_res_from_double(NAN), 0);
    assert_int_equal(rc_res_from_double(INFINITY), INT64_MAX);
    assert_int_equal(rc_res_from_double(-INFINITY), INT64_MIN);
    assert_int_equal(rc_res_from_double(1e300), INT64_MAX);
    assert_true(rc_res_to_double(5000) == 0.5);
    assert_true(rc_res_to_double(U(3)) == 3.0);
    for (int64_t v = 0; v < 100000; v++)
        assert_int_equal(rc_res_from_double(rc_res_to_double(v)), v);
}

static void test_utilisation(void **state)
{
    rc_res_t total = RC_RES_INIT, avail = RC_RES_INIT;
    assert_true(rc_res_utilisation(&total, &avail) == 0);
    total.cpu = U(4);
    total.memory = U(1000);
    total.object_store_memory = U(100);
    total.gpu = U(1);
    avail.cpu = U(3);
    avail.memory = U(1000);
    avail.object_store_memory = U(100);
    avail.gpu = 0; /* GPUs do not count */
    assert_true(fabs(rc_res_utilisation(&total, &avail) - 0.25) < 1e-12);
    avail.memory = U(100);
    assert_true(fabs(rc_res_utilisation(&total, &avail) - 0.9) < 1e-12);
    avail.object_store_memory = 0;
    assert_true(rc_res_utilisation(&total, &avail) == 1.0);
    /* More available than total (a stale view) never scores below 0. */
    rc_res_t t2 = RC_RES_INIT, a2 = RC_RES_INIT;
    t2.cpu = U(1);
    a2.cpu = U(2);
    assert_true(rc_res_utilisation(&t2, &a2) == 0);
    /* Negative availability (overcommitted view) clamps to 1. */
    a2.cpu = -U(1);
    assert_true(rc_res_utilisation(&t2, &a2) == 1.0);
    /* Resources with no total are ignored. */
    t2.cpu = 0;
    t2.memory = U(10);
    a2.memory = U(5);
    assert_true(rc_res_utilisation(&t2, &a2) == 0.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_set),      cmocka_unit_test(test_add_sub_fits),
        cmocka_unit_test(test_add_many),     cmocka_unit_test(test_parse_json),
        cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_to_json),
        cmocka_unit_test(test_format),       cmocka_unit_test(test_convert),
        cmocka_unit_test(test_utilisation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
