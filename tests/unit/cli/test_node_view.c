/* test_node_view.c — `rayc list nodes`: selection, table, JSON and YAML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node_view.h"

static const char *LIST =
    "[{\"node_id\": \"aaaa0000000000000000000000000001\", \"node_ip\": \"10.0.0.1\","
    "  \"hostname\": \"h1\", \"group\": \"cpu\", \"state\": \"ALIVE\", \"is_head_node\": false,"
    "  \"labels\": {\"zone\": \"a\"}, \"resources_total\": {\"CPU\": 4, \"memory\": 8589934592,"
    "  \"object_store_memory\": 1073741824, \"acc\": 2},"
    "  \"resources_available\": {\"CPU\": 2.5, \"memory\": 4294967296, \"acc\": 1},"
    "  \"start_time_ms\": 1000, \"end_time_ms\": 0, \"death_reason\": \"\", \"object_port\": 0,"
    "  \"version\": \"0.1.0\", \"pid\": 11, \"last_report_ms\": 99500},"
    " {\"node_id\": \"bbbb0000000000000000000000000002\", \"node_ip\": \"10.0.0.2\","
    "  \"hostname\": \"h2\", \"group\": \"gpu\", \"state\": \"DEAD\", \"is_head_node\": false,"
    "  \"labels\": {}, \"resources_total\": {\"CPU\": 8, \"GPU\": 1},"
    "  \"resources_available\": {}, \"death_reason\": \"health check failed\", \"pid\": 12,"
    "  \"last_report_ms\": 0},"
    " {\"node_id\": \"cccc0000000000000000000000000003\", \"node_ip\": \"10.0.0.3\","
    "  \"group\": \"cpu\", \"state\": \"ALIVE\", \"labels\": {\"n\\u00e4me\": \"\\u00fc\"},"
    "  \"resources_total\": {\"CPU\": 1}, \"resources_available\": {\"CPU\": 1}}]";

typedef struct {
    rc_json_t *list;
    rc_node_sel_t sel;
    rc_node_filter_t f[2];
    size_t nf;
} fixture_t;

static void select_nodes(fixture_t *fx, const char *f1, size_t limit)
{
    char err[256];
    memset(fx, 0, sizeof(*fx));
    assert_int_equal(rc_json_parse(LIST, strlen(LIST), &fx->list, err, sizeof(err)), RC_OK);
    if (f1) {
        assert_int_equal(rc_node_filter_parse(f1, &fx->f[0], err, sizeof(err)), RC_OK);
        fx->nf = 1;
    }
    assert_int_equal(
        rc_node_view_select(fx->list, fx->f, fx->nf, limit, &fx->sel, err, sizeof(err)), RC_OK);
}

static void done(fixture_t *fx)
{
    rc_node_sel_free(&fx->sel);
    for (size_t i = 0; i < fx->nf; i++) rc_node_filter_free(&fx->f[i]);
    rc_json_free(fx->list);
}

static void test_select(void **state)
{
    (void)state;
    fixture_t fx;
    select_nodes(&fx, NULL, 0);
    assert_int_equal(fx.sel.n, 3);
    assert_int_equal(fx.sel.matched, 3);
    done(&fx);
    select_nodes(&fx, "state=ALIVE", 1);
    assert_int_equal(fx.sel.n, 1);
    assert_int_equal(fx.sel.matched, 2);
    assert_string_equal(rc_json_str(rc_json_get(fx.sel.nodes[0], "node_id"), NULL),
                        "aaaa0000000000000000000000000001");
    done(&fx);

    rc_json_t *obj = NULL;
    char err[256];
    rc_node_sel_t sel;
    assert_int_equal(rc_json_parse("{}", 2, &obj, err, sizeof(err)), RC_OK);
    assert_int_equal(rc_node_view_select(obj, NULL, 0, 0, &sel, err, sizeof(err)), RC_EPROTO);
    assert_non_null(strstr(err, "expected an array"));
    rc_json_free(obj);
}

static void test_table(void **state)
{
    (void)state;
    fixture_t fx;
    select_nodes(&fx, NULL, 2);
    rc_buf_t out = RC_BUF_INIT;
    rc_node_view_table(&fx.sel, 0, "2026-11-23 12:00:00", 100000, &out);
    const char *want =
        "======== List: 2026-11-23 12:00:00 ========\n"
        "Stats:\n"
        "------------------------------\n"
        "Total: 3 (showing the first 2: raise --limit to see more)\n"
        "\n"
        "Table:\n"
        "------------------------------\n"
        "NODE_ID                           NODE_IP   GROUP  STATE  CPU    MEMORY           LABELS\n"
        "aaaa0000000000000000000000000001  10.0.0.1  cpu    ALIVE  2.5/4  4.00GiB/8.00GiB  zone=a\n"
        "bbbb0000000000000000000000000002  10.0.0.2  gpu    DEAD   0/8    -\n";
    if (strcmp(out.data, want) != 0) fail_msg("got:\n%s\nwant:\n%s", out.data, want);
    rc_buf_clear(&out);

    rc_node_view_table(&fx.sel, 1, "T", 100000, &out);
    assert_non_null(strstr(out.data, "HOSTNAME"));
    assert_non_null(strstr(out.data, "acc=1/2"));
    assert_non_null(strstr(out.data, "0.5s ago"));
    assert_non_null(strstr(out.data, "health check failed\n"));
    assert_non_null(strstr(out.data, "1.00GiB"));
    rc_buf_free(&out);
    done(&fx);
}

static void test_table_unicode(void **state)
{
    (void)state;
    fixture_t fx;
    select_nodes(&fx, "node_ip=10.0.0.3", 0);
    rc_buf_t out = RC_BUF_INIT;
    rc_node_view_table(&fx.sel, 0, "T", 0, &out);
    assert_non_null(strstr(out.data, "ALIVE  1/1  -       n\xc3\xa4me=\xc3\xbc\n"));
    rc_buf_free(&out);
    done(&fx);
}

static void test_json(void **state)
{
    (void)state;
    fixture_t fx;
    select_nodes(&fx, "group=cpu", 0);
    rc_buf_t out = RC_BUF_INIT;
    rc_node_view_json(&fx.sel, &out);
    rc_json_t *back = NULL;
    char err[256];
    assert_int_equal(rc_json_parse(out.data, out.len, &back, err, sizeof(err)), RC_OK);
    assert_int_equal(rc_json_len(back), 2);
    assert_string_equal(rc_json_str(rc_json_get(rc_json_at(back, 1), "node_ip"), NULL), "10.0.0.3");
    assert_true(rc_json_num(rc_json_get(rc_json_get(rc_json_at(back, 0), "resources_total"),
                                        "memory")) == 8589934592.0);
    rc_json_free(back);
    rc_buf_free(&out);
    done(&fx);

    select_nodes(&fx, "group=none", 0);
    rc_node_view_json(&fx.sel, &out);
    assert_string_equal(out.data, "[]\n");
    rc_buf_free(&out);
    done(&fx);
}

static void test_yaml(void **state)
{
    (void)state;
    fixture_t fx;
    select_nodes(&fx, "node_ip=10.0.0.2", 0);
    rc_buf_t out = RC_BUF_INIT;
    rc_node_view_yaml(&fx.sel, &out);
    const char *want = "- node_id: \"bbbb0000000000000000000000000002\"\n"
                       "  node_ip: \"10.0.0.2\"\n"
                       "  hostname: \"h2\"\n"
                       "  group: \"gpu\"\n"
                       "  state: \"DEAD\"\n"
                       "  is_head_node: false\n"
                       "  labels: {}\n"
                       "  resources_total:\n"
                       "    CPU: 8\n"
                       "    GPU: 1\n"
                       "  resources_available: {}\n"
                       "  death_reason: \"health check failed\"\n"
                       "  pid: 12\n"
                       "  last_report_ms: 0\n";
    if (strcmp(out.data, want) != 0) fail_msg("got:\n%s\nwant:\n%s", out.data, want);
    rc_buf_free(&out);
    done(&fx);

    /* Keys YAML would misread are quoted; nested sequences indent. */
    const char *doc = "{\"yes\": [1, [2, 3], {\"a b\": null}], \"k\": []}";
    rc_json_t *v = NULL;
    char err[256];
    assert_int_equal(rc_json_parse(doc, strlen(doc), &v, err, sizeof(err)), RC_OK);
    rc_yaml_write(v, 0, &out);
    assert_string_equal(out.data, "\"yes\":\n"
                                  "  - 1\n"
                                  "  -\n"
                                  "    - 2\n"
                                  "    - 3\n"
                                  "  - \"a b\": null\n"
                                  "k: []\n");
    rc_json_free(v);
    rc_buf_free(&out);

    select_nodes(&fx, "group=none", 0);
    rc_node_view_yaml(&fx.sel, &out);
    assert_string_equal(out.data, "[]\n");
    rc_buf_free(&out);
    done(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),        cmocka_unit_test(test_table),
        cmocka_unit_test(test_table_unicode), cmocka_unit_test(test_json),
        cmocka_unit_test(test_yaml),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
