/* test_containers.c — hash, list and set commands. */
#include <stdio.h>

#include "gcs_harness.h"

static void test_hash(void **state)
{
    FX;
    EXPECT(":2\r\n", "HSET", "h", "a", "1", "b", "2");
    EXPECT(":1\r\n", "HSET", "h", "a", "10", "c", "3"); /* only c is new */
    EXPECT("-ERR wrong number of arguments for 'hset' command\r\n", "HSET", "h", "a", "1", "b");
    EXPECT("-ERR wrong number of arguments for 'hset' command\r\n", "HSET", "h", "a");
    EXPECT("$2\r\n10\r\n", "HGET", "h", "a");
    EXPECT(NIL, "HGET", "h", "zz");
    EXPECT(NIL, "HGET", "nokey", "a");
    EXPECT("*3\r\n$1\r\n2\r\n$-1\r\n$1\r\n3\r\n", "HMGET", "h", "b", "zz", "c");
    EXPECT("*2\r\n$-1\r\n$-1\r\n", "HMGET", "nokey", "a", "b");
    EXPECT(":3\r\n", "HLEN", "h");
    EXPECT(":0\r\n", "HLEN", "nokey");
    EXPECT(":1\r\n", "HEXISTS", "h", "a");
    EXPECT(":0\r\n", "HEXISTS", "h", "zz");
    EXPECT(":0\r\n", "HSETNX", "h", "a", "x");
    EXPECT(":1\r\n", "HSETNX", "h", "d", "4");
    EXPECT(OK, "HMSET", "h", "e", "5");
    EXPECT(":5\r\n", "HLEN", "h");
    EXPECT(":2\r\n", "HDEL", "h", "d", "e", "zz");
    EXPECT(":0\r\n", "HDEL", "nokey", "a");
    /* HGETALL/HKEYS/HVALS: order is the dict's; check sizes and content. */
    const char *r = CALL("HGETALL", "h");
    assert_memory_equal(r, "*6\r\n", 4);
    assert_non_null(strstr(r, "$1\r\na\r\n$2\r\n10\r\n"));
    assert_non_null(strstr(r, "$1\r\nb\r\n$1\r\n2\r\n"));
    assert_non_null(strstr(r, "$1\r\nc\r\n$1\r\n3\r\n"));
    r = CALL("HKEYS", "h");
    assert_memory_equal(r, "*3\r\n", 4);
    assert_non_null(strstr(r, "$1\r\nb\r\n"));
    r = CALL("HVALS", "h");
    assert_memory_equal(r, "*3\r\n", 4);
    assert_non_null(strstr(r, "$2\r\n10\r\n"));
    EXPECT("*0\r\n", "HGETALL", "nokey");
    EXPECT("*0\r\n", "HKEYS", "nokey");
    EXPECT("*0\r\n", "HVALS", "nokey");
    /* HINCRBY */
    EXPECT(":15\r\n", "HINCRBY", "h", "a", "5");
    EXPECT(":-1\r\n", "HINCRBY", "h", "new", "-1");
    EXPECT(":7\r\n", "HINCRBY", "h2", "f", "7");
    EXPECT(NOTINT, "HINCRBY", "h", "a", "x");
    CALL("HSET", "h", "s", "abc");
    EXPECT("-ERR hash value is not an integer\r\n", "HINCRBY", "h", "s", "1");
    CALL("HSET", "h", "m", "9223372036854775807");
    EXPECT("-ERR increment or decrement would overflow\r\n", "HINCRBY", "h", "m", "1");
    /* Emptied hash disappears. */
    EXPECT(":1\r\n", "HDEL", "h2", "f");
    EXPECT(":0\r\n", "EXISTS", "h2");
    /* Wrong types. */
    CALL("SET", "str", "v");
    EXPECT(WRONGTYPE, "HSET", "str", "a", "1");
    EXPECT(WRONGTYPE, "HGET", "str", "a");
    EXPECT(WRONGTYPE, "HMGET", "str", "a");
    EXPECT(WRONGTYPE, "HDEL", "str", "a");
    EXPECT(WRONGTYPE, "HGETALL", "str");
    EXPECT(WRONGTYPE, "HKEYS", "str");
    EXPECT(WRONGTYPE, "HVALS", "str");
    EXPECT(WRONGTYPE, "HLEN", "str");
    EXPECT(WRONGTYPE, "HEXISTS", "str", "a");
    EXPECT(WRONGTYPE, "HSETNX", "str", "a", "1");
    EXPECT(WRONGTYPE, "HINCRBY", "str", "a", "1");
    EXPECT("$1\r\nv\r\n", "GET", "str");
}

static void test_list(void **state)
{
    FX;
    EXPECT(":3\r\n", "RPUSH", "l", "a", "b", "c");
    EXPECT(":5\r\n", "LPUSH", "l", "y", "z"); /* z y a b c */
    EXPECT("*5\r\n$1\r\nz\r\n$1\r\ny\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE", "l", "0",
           "-1");
    EXPECT("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE", "l", "-2", "100");
    EXPECT("*1\r\n$1\r\nz\r\n", "LRANGE", "l", "-100", "0");
    EXPECT("*0\r\n", "LRANGE", "l", "3", "2");
    EXPECT("*0\r\n", "LRANGE", "l", "5", "10");
    EXPECT("*0\r\n", "LRANGE", "l", "-1", "-2");
    EXPECT("*0\r\n", "LRANGE", "nokey", "0", "-1");
    EXPECT(NOTINT, "LRANGE", "l", "a", "1");
    EXPECT(":5\r\n", "LLEN", "l");
    EXPECT(":0\r\n", "LLEN", "nokey");
    EXPECT("$1\r\nz\r\n", "LINDEX", "l", "0");
    EXPECT("$1\r\nc\r\n", "LINDEX", "l", "-1");
    EXPECT(NIL, "LINDEX", "l", "5");
    EXPECT(NIL, "LINDEX", "l", "-6");
    EXPECT(NIL, "LINDEX", "nokey", "0");
    EXPECT(NOTINT, "LINDEX", "l", "x");
    EXPECT("$1\r\nz\r\n", "LPOP", "l");
    EXPECT("$1\r\nc\r\n", "RPOP", "l");
    EXPECT("*2\r\n$1\r\ny\r\n$1\r\na\r\n", "LPOP", "l", "2");
    EXPECT("*0\r\n", "LPOP", "l", "0");
    EXPECT("-ERR value is out of range, must be positive\r\n", "LPOP", "l", "-1");
    EXPECT(NOTINT, "RPOP", "l", "x");
    EXPECT("-ERR wrong number of arguments for 'lpop' command\r\n", "LPOP", "l", "1", "2");
    EXPECT("*1\r\n$1\r\nb\r\n", "RPOP", "l", "10"); /* the last one: the key goes */
    EXPECT(":0\r\n", "EXISTS", "l");
    EXPECT(NIL, "LPOP", "l");
    EXPECT("*-1\r\n", "LPOP", "l", "1");
    EXPECT("*-1\r\n", "RPOP", "l", "0");
    /* Many pushes/pops at both ends across ring growth and shrink. */
    char v[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(v, sizeof(v), "%d", i);
        CALL(i % 2 ? "LPUSH" : "RPUSH", "big", v);
    }
    EXPECT(":1000\r\n", "LLEN", "big");
    EXPECT("$3\r\n999\r\n", "LINDEX", "big", "0");
    EXPECT("$3\r\n998\r\n", "LINDEX", "big", "-1");
    EXPECT("*2\r\n$1\r\n1\r\n$1\r\n0\r\n", "LRANGE", "big", "499", "500");
    for (int i = 0; i < 990; i++) CALL(i % 3 ? "LPOP" : "RPOP", "big");
    EXPECT(":10\r\n", "LLEN", "big");
    /* Wrong types. */
    CALL("SET", "str", "v");
    EXPECT(WRONGTYPE, "LPUSH", "str", "a");
    EXPECT(WRONGTYPE, "RPUSH", "str", "a");
    EXPECT(WRONGTYPE, "LPOP", "str");
    EXPECT(WRONGTYPE, "RPOP", "str", "1");
    EXPECT(WRONGTYPE, "LRANGE", "str", "0", "1");
    EXPECT(WRONGTYPE, "LLEN", "str");
    EXPECT(WRONGTYPE, "LINDEX", "str", "0");
}

static void test_set(void **state)
{
    FX;
    EXPECT(":3\r\n", "SADD", "s", "a", "b", "c");
    EXPECT(":1\r\n", "SADD", "s", "a", "d", "d");
    EXPECT(":4\r\n", "SCARD", "s");
    EXPECT(":0\r\n", "SCARD", "nokey");
    EXPECT(":1\r\n", "SISMEMBER", "s", "a");
    EXPECT(":0\r\n", "SISMEMBER", "s", "z");
    EXPECT(":0\r\n", "SISMEMBER", "nokey", "z");
    EXPECT(":2\r\n", "SREM", "s", "a", "b", "z");
    EXPECT(":0\r\n", "SREM", "nokey", "a");
    const char *r = CALL("SMEMBERS", "s");
    assert_memory_equal(r, "*2\r\n", 4);
    assert_non_null(strstr(r, "$1\r\nc\r\n"));
    assert_non_null(strstr(r, "$1\r\nd\r\n"));
    EXPECT("*0\r\n", "SMEMBERS", "nokey");
    /* SPOP */
    EXPECT(NIL, "SPOP", "nokey");
    EXPECT("*0\r\n", "SPOP", "nokey", "3");
    EXPECT("*0\r\n", "SPOP", "s", "0");
    EXPECT("-ERR value is out of range, must be positive\r\n", "SPOP", "s", "-2");
    EXPECT(NOTINT, "SPOP", "s", "x");
    EXPECT(SYNTAX, "SPOP", "s", "1", "2");
    r = CALL("SPOP", "s");
    assert_true(strcmp(r, "$1\r\nc\r\n") == 0 || strcmp(r, "$1\r\nd\r\n") == 0);
    EXPECT(":1\r\n", "SCARD", "s");
    r = CALL("SPOP", "s", "5");
    assert_true(strcmp(r, "*1\r\n$1\r\nc\r\n") == 0 || strcmp(r, "*1\r\n$1\r\nd\r\n") == 0);
    EXPECT(":0\r\n", "EXISTS", "s");
    /* SPOP count of a bigger set: distinct members, set shrinks accordingly. */
    char m[16];
    for (int i = 0; i < 100; i++) {
        snprintf(m, sizeof(m), "%d", i);
        CALL("SADD", "big", m);
    }
    r = CALL("SPOP", "big", "30");
    assert_memory_equal(r, "*30\r\n", 5);
    EXPECT(":70\r\n", "SCARD", "big");
    r = CALL("SPOP", "big", "1000");
    assert_memory_equal(r, "*70\r\n", 5);
    EXPECT(":0\r\n", "EXISTS", "big");
    /* Emptied by SREM. */
    CALL("SADD", "t", "x");
    CALL("SREM", "t", "x");
    EXPECT(":0\r\n", "EXISTS", "t");
    /* Wrong types. */
    CALL("SET", "str", "v");
    EXPECT(WRONGTYPE, "SADD", "str", "a");
    EXPECT(WRONGTYPE, "SREM", "str", "a");
    EXPECT(WRONGTYPE, "SMEMBERS", "str");
    EXPECT(WRONGTYPE, "SISMEMBER", "str", "a");
    EXPECT(WRONGTYPE, "SPOP", "str");
    EXPECT(WRONGTYPE, "SPOP", "str", "2");
    EXPECT(WRONGTYPE, "SCARD", "str");
}

static void test_table(void **state)
{
    (void)state;
    /* Every row is well formed and names are unique. */
    for (size_t i = 0; i < rc_db_commands_count; i++) {
        const rc_cmd_def_t *d = &rc_db_commands[i];
        assert_non_null(d->fn);
        assert_true(d->arity != 0);
        assert_non_null(d->summary);
        assert_true(d->flags & (RC_CMD_WRITE | RC_CMD_READONLY));
        for (size_t j = i + 1; j < rc_db_commands_count; j++)
            assert_string_not_equal(d->name, rc_db_commands[j].name);
    }
    assert_true(rc_db_commands_count >= 57);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hash, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_list, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_set, fx_setup, fx_teardown),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
