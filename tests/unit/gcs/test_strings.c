/* test_strings.c — string commands: exact replies, options, errors, expiry. */
#include "gcs_harness.h"

static void test_get_set(void **state)
{
    FX;
    EXPECT(NIL, "GET", "k");
    EXPECT(OK, "SET", "k", "hello");
    EXPECT("$5\r\nhello\r\n", "GET", "k");
    EXPECT(OK, "set", "k", "");
    EXPECT("$0\r\n\r\n", "get", "k");
    /* Overwrite with a longer and a shorter value (reuse and realloc paths). */
    EXPECT(OK, "SET", "k", "a much longer value than before, to force a new object");
    EXPECT("$54\r\na much longer value than before, to force a new object\r\n", "GET", "k");
    EXPECT(OK, "SET", "k", "x");
    EXPECT("$1\r\nx\r\n", "GET", "k");
    EXPECT("-ERR wrong number of arguments for 'get' command\r\n", "GET");
    EXPECT("-ERR wrong number of arguments for 'set' command\r\n", "Set", "k");
    /* Binary-safe keys and values. */
    const char *argv[] = {"SET", "a\0b", "v\0\r\n"};
    size_t argl[] = {3, 3, 4};
    fx_callv(f, 3, argv, argl);
    const char *get[] = {"GET", "a\0b"};
    fx_callv(f, 2, get, argl);
    assert_int_equal(f->out.len, 10);
    assert_memory_equal(f->out.data, "$4\r\nv\0\r\n\r\n", 10);
    EXPECT(NIL, "GET", "a");
    /* SET replaces any type. */
    CALL("LPUSH", "l", "x");
    EXPECT(WRONGTYPE, "GET", "l");
    EXPECT(OK, "SET", "l", "s");
    EXPECT("$1\r\ns\r\n", "GET", "l");
}

static void test_set_options(void **state)
{
    FX;
    EXPECT(NIL, "SET", "k", "v", "XX");
    EXPECT(NIL, "GET", "k");
    EXPECT(OK, "SET", "k", "v", "NX");
    EXPECT(NIL, "SET", "k", "w", "nx");
    EXPECT(OK, "SET", "k", "w", "XX");
    EXPECT("$1\r\nw\r\n", "GET", "k");
    EXPECT(SYNTAX, "SET", "k", "v", "NX", "XX");
    EXPECT(SYNTAX, "SET", "k", "v", "EX");
    EXPECT(SYNTAX, "SET", "k", "v", "EX", "10", "PX", "100");
    EXPECT(SYNTAX, "SET", "k", "v", "EX", "10", "KEEPTTL");
    EXPECT(SYNTAX, "SET", "k", "v", "KEEPTTL", "PX", "10");
    EXPECT(SYNTAX, "SET", "k", "v", "BOGUS");
    EXPECT(NOTINT, "SET", "k", "v", "EX", "ten");
    EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "EX", "0");
    EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "PX", "-5");
    EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "EX",
           "9223372036854775807");
    EXPECT("$1\r\nw\r\n", "GET", "k"); /* failures changed nothing */

    EXPECT(OK, "SET", "k", "v", "EX", "10");
    EXPECT(":10\r\n", "TTL", "k");
    EXPECT(":10000\r\n", "PTTL", "k");
    EXPECT(OK, "SET", "k", "v", "EX", "10", "EX", "20"); /* same kind repeated: last wins */
    EXPECT(":20\r\n", "TTL", "k");
    EXPECT(OK, "SET", "k", "v2", "KEEPTTL");
    EXPECT(":20\r\n", "TTL", "k");
    EXPECT(OK, "SET", "k", "v3");
    EXPECT(":-1\r\n", "TTL", "k");
    EXPECT(OK, "SET", "k", "v", "PX", "1500");
    EXPECT(":1500\r\n", "PTTL", "k");
    EXPECT(":2\r\n", "TTL", "k"); /* rounded */
    EXPECT(OK, "SET", "k", "v", "EXAT", "1700000100");
    EXPECT(":100\r\n", "TTL", "k");
    EXPECT(OK, "SET", "k", "v", "PXAT", "1700000000500");
    EXPECT(":500\r\n", "PTTL", "k");
    /* An absolute time already past stores nothing. */
    EXPECT(OK, "SET", "k", "v", "PXAT", "1600000000000");
    EXPECT(NIL, "GET", "k");
    EXPECT(":0\r\n", "DBSIZE");
    assert_int_equal(rc_db_expires_count(f->db), 0);
}

static void test_set_get_option(void **state)
{
    FX;
    EXPECT(NIL, "SET", "k", "a", "GET");
    EXPECT("$1\r\na\r\n", "SET", "k", "b", "GET");
    EXPECT("$1\r\nb\r\n", "GET", "k");
    /* NX + GET on an existing key: the old value, no change. */
    EXPECT("$1\r\nb\r\n", "SET", "k", "c", "NX", "GET");
    EXPECT("$1\r\nb\r\n", "GET", "k");
    EXPECT(NIL, "SET", "n", "c", "XX", "GET");
    EXPECT(NIL, "GET", "n");
    CALL("HSET", "h", "f", "v");
    EXPECT(WRONGTYPE, "SET", "h", "v", "GET");
    EXPECT("+hash\r\n", "TYPE", "h");
    /* GET with EX and KEEPTTL */
    EXPECT("$1\r\nb\r\n", "SET", "k", "d", "GET", "EX", "5");
    EXPECT(":5\r\n", "TTL", "k");
    EXPECT("$1\r\nd\r\n", "SET", "k", "e", "GET", "KEEPTTL");
    EXPECT(":5\r\n", "TTL", "k");
    EXPECT("$1\r\ne\r\n", "SET", "k", "f", "GET");
    EXPECT(":-1\r\n", "TTL", "k");
}

static void test_setnx_setex_getdel(void **state)
{
    FX;
    EXPECT(":1\r\n", "SETNX", "k", "v");
    EXPECT(":0\r\n", "SETNX", "k", "w");
    EXPECT("$1\r\nv\r\n", "GET", "k");
    EXPECT(OK, "SETEX", "k", "100", "x");
    EXPECT(":100\r\n", "TTL", "k");
    EXPECT("-ERR invalid expire time in 'setex' command\r\n", "SETEX", "k", "0", "x");
    EXPECT("-ERR invalid expire time in 'psetex' command\r\n", "PSETEX", "k", "-1", "x");
    EXPECT(NOTINT, "SETEX", "k", "1.5", "x");
    EXPECT(OK, "PSETEX", "k", "2500", "y");
    EXPECT(":2500\r\n", "PTTL", "k");
    EXPECT("$1\r\ny\r\n", "GETDEL", "k");
    EXPECT(NIL, "GETDEL", "k");
    EXPECT(":0\r\n", "EXISTS", "k");
    assert_int_equal(rc_db_expires_count(f->db), 0);
    CALL("SADD", "s", "m");
    EXPECT(WRONGTYPE, "GETDEL", "s");
}

static void test_mget_mset(void **state)
{
    FX;
    EXPECT(OK, "MSET", "a", "1", "b", "2");
    CALL("SADD", "s", "m");
    EXPECT("*4\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n$-1\r\n", "MGET", "a", "b", "c", "s");
    EXPECT("-ERR wrong number of arguments for 'mset' command\r\n", "MSET", "a", "1", "b");
    EXPECT(":0\r\n", "MSETNX", "x", "1", "a", "9");
    EXPECT(NIL, "GET", "x");
    EXPECT("$1\r\n1\r\n", "GET", "a");
    EXPECT(":1\r\n", "MSETNX", "x", "1", "y", "2");
    EXPECT("$1\r\n2\r\n", "GET", "y");
    EXPECT("-ERR wrong number of arguments for 'msetnx' command\r\n", "MSETNX", "x", "1", "y");
    /* MSET drops TTLs as SET does. */
    CALL("EXPIRE", "a", "100");
    EXPECT(OK, "MSET", "a", "3");
    EXPECT(":-1\r\n", "TTL", "a");
}

static void test_append_strlen(void **state)
{
    FX;
    EXPECT(":0\r\n", "STRLEN", "k");
    EXPECT(":5\r\n", "APPEND", "k", "hello");
    EXPECT(":11\r\n", "APPEND", "k", " world");
    EXPECT("$11\r\nhello world\r\n", "GET", "k");
    EXPECT(":11\r\n", "STRLEN", "k");
    EXPECT(":11\r\n", "APPEND", "k", "");
    /* Many appends: geometric growth keeps content right. */
    for (int i = 0; i < 1000; i++) CALL("APPEND", "big", "0123456789");
    EXPECT(":10000\r\n", "STRLEN", "big");
    CALL("LPUSH", "l", "x");
    EXPECT(WRONGTYPE, "APPEND", "l", "x");
    EXPECT(WRONGTYPE, "STRLEN", "l");
    /* APPEND keeps the TTL. */
    CALL("EXPIRE", "k", "50");
    CALL("APPEND", "k", "!");
    EXPECT(":50\r\n", "TTL", "k");
}

static void test_incr(void **state)
{
    FX;
    EXPECT(":1\r\n", "INCR", "n");
    EXPECT(":2\r\n", "INCR", "n");
    EXPECT(":12\r\n", "INCRBY", "n", "10");
    EXPECT(":11\r\n", "DECR", "n");
    EXPECT(":-89\r\n", "DECRBY", "n", "100");
    EXPECT("$3\r\n-89\r\n", "GET", "n");
    EXPECT(":-5\r\n", "DECRBY", "m", "5");
    EXPECT(NOTINT, "INCRBY", "n", "x");
    EXPECT(NOTINT, "INCRBY", "n", "1.0");
    EXPECT(NOTINT, "INCRBY", "n", "+1");
    EXPECT(NOTINT, "INCRBY", "n", "01");
    EXPECT(NOTINT, "INCRBY", "n", " 1");
    EXPECT(NOTINT, "INCRBY", "n", "9223372036854775808");
    CALL("SET", "s", "abc");
    EXPECT(NOTINT, "INCR", "s");
    CALL("SET", "s", "007");
    EXPECT(NOTINT, "INCR", "s");
    CALL("SET", "s", "");
    EXPECT(NOTINT, "INCR", "s");
    CALL("SET", "max", "9223372036854775807");
    EXPECT("-ERR increment or decrement would overflow\r\n", "INCR", "max");
    CALL("SET", "min", "-9223372036854775808");
    EXPECT("-ERR increment or decrement would overflow\r\n", "DECR", "min");
    EXPECT("-ERR decrement would overflow\r\n", "DECRBY", "x", "-9223372036854775808");
    EXPECT(":-9223372036854775808\r\n", "INCRBY", "z", "-9223372036854775808");
    EXPECT("$19\r\n9223372036854775807\r\n", "GET", "max");
    /* INCR keeps the TTL; a long string value is rewritten correctly. */
    CALL("SET", "t", "5", "EX", "30");
    EXPECT(":6\r\n", "INCR", "t");
    EXPECT(":30\r\n", "TTL", "t");
    CALL("HSET", "h", "f", "1");
    EXPECT(WRONGTYPE, "INCR", "h");
}

static void test_lazy_expiry(void **state)
{
    FX;
    CALL("SET", "k", "v", "PX", "100");
    f->now += 99;
    EXPECT("$1\r\nv\r\n", "GET", "k");
    EXPECT(":1\r\n", "PTTL", "k");
    f->now += 1;
    EXPECT(":1\r\n", "DBSIZE"); /* not yet deleted */
    EXPECT(NIL, "GET", "k");
    EXPECT(":0\r\n", "DBSIZE");
    assert_int_equal(rc_db_expires_count(f->db), 0);
    /* An expired key counts as absent for SETNX/INCR/APPEND. */
    CALL("SET", "k", "5", "PX", "10");
    f->now += 10;
    EXPECT(":1\r\n", "INCR", "k");
    EXPECT(":-1\r\n", "TTL", "k");
    CALL("SET", "k", "v", "PX", "10");
    f->now += 10;
    EXPECT(":1\r\n", "SETNX", "k", "w");
    EXPECT(":-1\r\n", "TTL", "k");
    assert_int_equal(rc_db_stat_expired(f->db), 3);
}

static void test_stats(void **state)
{
    FX;
    CALL("SET", "k", "v"); /* a write: no miss counted */
    CALL("GET", "k");
    CALL("GET", "nokey");
    CALL("MGET", "k", "nokey", "k");
    assert_int_equal(rc_db_stat_hits(f->db), 3);
    assert_int_equal(rc_db_stat_misses(f->db), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_set, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_set_options, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_set_get_option, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_setnx_setex_getdel, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_mget_mset, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_append_strlen, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_incr, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_lazy_expiry, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_stats, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
