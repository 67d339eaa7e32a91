/* test_kv.c — the namespaced internal KV, its commands and the observer. */
#include <stdio.h>

#include "gcs_harness.h"

typedef struct {
    int puts, dels;
    char last[256];
} obs_t;

static void observer(void *arg, rc_kv_op_t op, const char *ns, size_t nslen, const char *key,
                     size_t klen, const char *val, size_t vlen)
{
    obs_t *o = arg;
    if (op == RC_KV_OP_PUT)
        o->puts++;
    else
        o->dels++;
    snprintf(o->last, sizeof(o->last), "%s %.*s/%.*s=%.*s", op == RC_KV_OP_PUT ? "PUT" : "DEL",
             (int)nslen, ns, (int)klen, key, (int)vlen, val ? val : "");
}

static void test_kv_commands(void **state)
{
    FX;
    obs_t obs = {0};
    rc_kv_set_observer(f->kv, observer, &obs);
    EXPECT(":1\r\n", "KV.PUT", "ns", "k", "v1");
    assert_string_equal(obs.last, "PUT ns/k=v1");
    EXPECT(":0\r\n", "KV.PUT", "ns", "k", "v2"); /* exists, not replaced, not observed */
    assert_int_equal(obs.puts, 1);
    EXPECT("$2\r\nv1\r\n", "KV.GET", "ns", "k");
    EXPECT(":0\r\n", "KV.PUT", "ns", "k", "v3", "OVERWRITE");
    assert_int_equal(obs.puts, 2);
    assert_string_equal(obs.last, "PUT ns/k=v3");
    EXPECT("$2\r\nv3\r\n", "KV.GET", "ns", "k");
    EXPECT(SYNTAX, "KV.PUT", "ns", "k", "v", "FORCE");
    EXPECT(SYNTAX, "KV.PUT", "ns", "k", "v", "OVERWRITE", "x");
    EXPECT("-ERR wrong number of arguments for 'kv.put' command\r\n", "KV.PUT", "ns", "k");
    /* Namespaces are separate; the empty namespace is one too. */
    EXPECT(NIL, "KV.GET", "other", "k");
    EXPECT(":1\r\n", "KV.PUT", "", "k", "empty-ns");
    EXPECT("$8\r\nempty-ns\r\n", "KV.GET", "", "k");
    EXPECT(":1\r\n", "KV.EXISTS", "ns", "k");
    EXPECT(":0\r\n", "KV.EXISTS", "ns", "nope");
    EXPECT(":0\r\n", "KV.EXISTS", "nons", "k");
    EXPECT("*3\r\n$2\r\nv3\r\n$-1\r\n$-1\r\n", "KV.MGET", "ns", "k", "x", "y");
    EXPECT("*1\r\n$-1\r\n", "KV.MGET", "nons", "k");
    assert_int_equal(rc_kv_count(f->kv), 2);

    /* KEYS and prefix deletion. */
    CALL("KV.PUT", "ns", "job:1", "a");
    CALL("KV.PUT", "ns", "job:2", "b");
    CALL("KV.PUT", "ns", "jobx", "c");
    CALL("KV.PUT", "ns2", "job:3", "d");
    const char *r = CALL("KV.KEYS", "ns", "job:");
    assert_memory_equal(r, "*2\r\n", 4);
    assert_non_null(strstr(r, "$5\r\njob:1\r\n"));
    assert_non_null(strstr(r, "$5\r\njob:2\r\n"));
    r = CALL("KV.KEYS", "ns", "");
    assert_memory_equal(r, "*4\r\n", 4);
    EXPECT("*0\r\n", "KV.KEYS", "nons", "");
    int dels = obs.dels;
    EXPECT(":2\r\n", "KV.DEL", "ns", "job:", "PREFIX");
    assert_int_equal(obs.dels, dels + 2);
    EXPECT(":0\r\n", "KV.EXISTS", "ns", "job:1");
    EXPECT(":1\r\n", "KV.EXISTS", "ns", "jobx");
    EXPECT(":1\r\n", "KV.EXISTS", "ns2", "job:3");
    EXPECT(":1\r\n", "KV.DEL", "ns", "jobx");
    assert_string_equal(obs.last, "DEL ns/jobx=");
    EXPECT(":0\r\n", "KV.DEL", "ns", "jobx");
    EXPECT(":0\r\n", "KV.DEL", "nons", "x");
    EXPECT(":0\r\n", "KV.DEL", "nons", "x", "prefix");
    EXPECT(SYNTAX, "KV.DEL", "ns", "x", "ALL");
    EXPECT(SYNTAX, "KV.DEL", "ns", "x", "PREFIX", "y");
    assert_int_equal(rc_kv_count(f->kv), 3); /* ns/k, ""/k, ns2/job:3 */
    /* Prefix "" deletes the whole namespace. */
    EXPECT(":1\r\n", "KV.DEL", "ns2", "", "PREFIX");
    assert_int_equal(rc_kv_count(f->kv), 2);
}

static void test_kv_binary_and_load(void **state)
{
    FX;
    obs_t obs = {0};
    rc_kv_set_observer(f->kv, observer, &obs);
    /* Restores do not reach the observer and overwrite. */
    assert_int_equal(rc_kv_load_put(f->kv, "n\0s", 3, "k\0", 2, "v\0v", 3), 0);
    assert_int_equal(rc_kv_load_put(f->kv, "n\0s", 3, "k\0", 2, "w\0w", 3), 0);
    assert_int_equal(obs.puts, 0);
    assert_int_equal(rc_kv_count(f->kv), 1);
    const char *argv[] = {"KV.GET", "n\0s", "k\0"};
    size_t argl[] = {6, 3, 2};
    fx_callv(f, 3, argv, argl);
    assert_int_equal(f->out.len, 9);
    assert_memory_equal(f->out.data, "$3\r\nw\0w\r\n", 9);
    const char *v;
    size_t vlen;
    assert_int_equal(rc_kv_get(f->kv, "n", 1, "k\0", 2, &v, &vlen), 0); /* "n" != "n\0s" */
    assert_int_equal(rc_kv_get(f->kv, "n\0s", 3, "k\0", 2, &v, &vlen), 1);
    assert_int_equal(vlen, 3);
    /* API: put/del counts. */
    assert_int_equal(rc_kv_put(f->kv, "a", 1, "b", 1, "c", 1, 0), 1);
    assert_int_equal(rc_kv_put(f->kv, "a", 1, "b", 1, "d", 1, 0), 0);
    assert_int_equal(rc_kv_del(f->kv, "a", 1, "b", 1), 1);
    assert_int_equal(obs.puts, 1);
    assert_int_equal(obs.dels, 1);
    /* Many keys across namespaces. */
    char k[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof(k), "key%d", i);
        rc_kv_put(f->kv, i % 2 ? "odd" : "even", i % 2 ? 3 : 4, k, strlen(k), k, strlen(k), 0);
    }
    assert_int_equal(rc_kv_count(f->kv), 5001);
    assert_int_equal(rc_kv_del_prefix(f->kv, "odd", 3, "key", 3), 2500);
    assert_int_equal(rc_kv_count(f->kv), 2501);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kv_commands, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_kv_binary_and_load, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
