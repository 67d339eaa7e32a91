/* test_state_view.c — `rayc list` and `rayc summary tasks` output from canned
 * State API answers: tables (default and --detail columns, multi-line cells),
 * JSON, YAML, the warnings, and answers that are not what they should be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "state_view.h"

static const char *NODES =
    "{\"total\": 3, \"num_after_truncation\": 3, \"num_filtered\": 3, \"result\": ["
    "{\"node_id\": \"aaaa0000000000000000000000000001\", \"node_ip\": \"10.0.0.1\","
    " \"is_head_node\": false, \"state\": \"ALIVE\", \"state_message\": null,"
    " \"node_name\": \"h1\", \"resources_total\": {\"CPU\": 4, \"memory\": 8589934592},"
    " \"labels\": {\"zone\": \"a\"}, \"start_time_ms\": 1000, \"end_time_ms\": null,"
    " \"group\": \"cpu\", \"resources_available\": {\"CPU\": 2.5, \"memory\": 4294967296}},"
    "{\"node_id\": \"bbbb0000000000000000000000000002\", \"node_ip\": \"10.0.0.2\","
    " \"is_head_node\": false, \"state\": \"DEAD\", \"state_message\": \"health check failed\","
    " \"node_name\": \"h2\", \"resources_total\": {\"CPU\": 8}, \"labels\": {},"
    " \"start_time_ms\": 1000, \"end_time_ms\": 2000, \"group\": \"gpu\","
    " \"resources_available\": {}}],"
    " \"partial_failure_warning\": \"\", \"warnings\": []}";

static const char *TASKS =
    "{\"total\": 12345, \"num_after_truncation\": 10000, \"num_filtered\": 37, \"result\": ["
    "{\"task_id\": \"t1\", \"attempt_number\": 0, \"name\": \"echo\", \"state\": \"FINISHED\","
    " \"job_id\": \"01000000\", \"actor_id\": null, \"type\": \"NORMAL_TASK\","
    " \"func_or_class_name\": \"echo\", \"parent_task_id\": null, \"node_id\": \"n1\","
    " \"worker_id\": null, \"worker_pid\": 4242, \"error_type\": null},"
    "{\"task_id\": \"t2\", \"attempt_number\": 1, \"name\": \"boom\", \"state\": \"FAILED\","
    " \"job_id\": null, \"actor_id\": null, \"type\": \"NORMAL_TASK\","
    " \"func_or_class_name\": \"boom\", \"parent_task_id\": null, \"node_id\": null,"
    " \"worker_id\": null, \"worker_pid\": null, \"error_type\": \"TASK_EXECUTION_EXCEPTION\","
    " \"required_resources\": {\"CPU\": 1}}],"
    " \"partial_failure_warning\": \"\","
    " \"warnings\": [\"12345 tasks ran; the head keeps the last 10000\"]}";

typedef struct {
    rc_json_t *doc;
    rc_state_answer_t a;
} answer_t;

static void load(answer_t *x, const char *text)
{
    char err[256];
    assert_int_equal(rc_json_parse(text, strlen(text), &x->doc, err, sizeof(err)), RC_OK);
    assert_int_equal(rc_state_answer_read(x->doc, &x->a, err, sizeof(err)), RC_OK);
}

static void expect(const rc_buf_t *out, const char *want)
{
    if (strcmp(out->data ? out->data : "", want) != 0)
        fail_msg("got:\n%s\nwant:\n%s", out->data ? out->data : "", want);
}

static void test_nodes_table(void **state)
{
    (void)state;
    answer_t x;
    load(&x, NODES);
    rc_buf_t out = RC_BUF_INIT;
    rc_state_view_list("nodes", &x.a, RC_STATE_VIEW_TABLE, 0, "2026-11-23 12:00:00", &out);
    expect(&out,
           "======== List: 2026-11-23 12:00:00 ========\n"
           "Stats:\n"
           "------------------------------\n"
           "Total: 3 (showing 2)\n"
           "\n"
           "Table:\n"
           "------------------------------\n"
           "NODE_ID                           NODE_IP   IS_HEAD_NODE  STATE  GROUP  CPU    "
           "MEMORY\n"
           "aaaa0000000000000000000000000001  10.0.0.1  false         ALIVE  cpu    2.5/4  "
           "4.00GiB/8.00GiB\n"
           "bbbb0000000000000000000000000002  10.0.0.2  false         DEAD   gpu    0/8    -\n");
    rc_buf_clear(&out);
    rc_state_view_warnings("rayc list nodes: ", "nodes", &x.a, &out);
    expect(&out, "rayc list nodes: showing 2 of 3 nodes; use --filter to narrow the list, or a "
                 "higher --limit to see more\n");
    rc_buf_free(&out);
    rc_json_free(x.doc);
}

/* --detail: every field in the head's order, containers as YAML lines. */
static void test_nodes_detail(void **state)
{
    (void)state;
    answer_t x;
    load(&x, NODES);
    rc_buf_t out = RC_BUF_INIT;
    rc_state_view_list("nodes", &x.a, RC_STATE_VIEW_TABLE, 1, "T", &out);
    const char *table = strstr(out.data, "NODE_ID ");
    assert_non_null(table);
    const char *want[] = {
        "NODE_ID                           NODE_IP   IS_HEAD_NODE  STATE  STATE_MESSAGE        "
        "NODE_NAME  RESOURCES_TOTAL     LABELS   START_TIME_MS  END_TIME_MS  GROUP  "
        "RESOURCES_AVAILABLE",
        "aaaa0000000000000000000000000001  10.0.0.1  false         ALIVE                       h1  "
        "       CPU: 4              zone: a  1000                        cpu    CPU: 2.5",
        "                                                                                          "
        "       memory: 8589934592                                              memory: 4294967296",
        "bbbb0000000000000000000000000002  10.0.0.2  false         DEAD   health check failed  h2  "
        "       CPU: 8              {}       1000           2000         gpu    {}",
    };
    rc_buf_t w = RC_BUF_INIT;
    for (size_t i = 0; i < 4; i++) rc_buf_printf(&w, "%s\n", want[i]);
    assert_string_equal(table, w.data);
    rc_buf_free(&w);
    rc_buf_free(&out);
    rc_json_free(x.doc);
}

static void test_tasks(void **state)
{
    (void)state;
    answer_t x;
    load(&x, TASKS);
    rc_buf_t out = RC_BUF_INIT;
    rc_state_view_list("tasks", &x.a, RC_STATE_VIEW_TABLE, 0, "T", &out);
    expect(&out, "======== List: T ========\n"
                 "Stats:\n"
                 "------------------------------\n"
                 "Total: 37 (showing 2)\n"
                 "\n"
                 "Table:\n"
                 "------------------------------\n"
                 "TASK_ID  ATTEMPT_NUMBER  NAME  STATE     JOB_ID    NODE_ID  WORKER_PID  "
                 "ERROR_TYPE\n"
                 "t1       0               echo  FINISHED  01000000  n1       4242\n"
                 "t2       1               boom  FAILED                                   "
                 "TASK_EXECUTION_EXCEPTION\n");
    rc_buf_clear(&out);
    /* The limit first, then the head's own sentence (which replaces rayc's). */
    rc_state_view_warnings("p: ", "tasks", &x.a, &out);
    expect(&out, "p: showing 2 of 37 tasks; use --filter to narrow the list, or a higher --limit "
                 "to see more\n"
                 "p: 12345 tasks ran; the head keeps the last 10000\n");
    rc_buf_clear(&out);

    /* Detail columns are the union of the rows' fields. */
    rc_state_view_list("tasks", &x.a, RC_STATE_VIEW_TABLE, 1, "T", &out);
    assert_non_null(strstr(out.data, "ERROR_TYPE                REQUIRED_RESOURCES\n"));
    assert_non_null(strstr(out.data, "TASK_EXECUTION_EXCEPTION  CPU: 1\n"));
    rc_buf_clear(&out);

    rc_state_view_list("tasks", &x.a, RC_STATE_VIEW_JSON, 0, "T", &out);
    rc_json_t *back = NULL;
    char err[256];
    assert_int_equal(rc_json_parse(out.data, out.len, &back, err, sizeof(err)), RC_OK);
    assert_int_equal(rc_json_len(back), 2);
    assert_string_equal(rc_json_str(rc_json_get(rc_json_at(back, 1), "state"), NULL), "FAILED");
    assert_non_null(strstr(out.data, "[\n  {\n    \"task_id\": \"t1\",\n"));
    rc_json_free(back);
    rc_buf_clear(&out);

    rc_state_view_list("tasks", &x.a, RC_STATE_VIEW_YAML, 0, "T", &out);
    assert_non_null(strstr(out.data, "- task_id: t1\n  attempt_number: 0\n  name: echo\n"));
    assert_non_null(strstr(out.data, "  job_id: \"01000000\"\n"));
    assert_non_null(strstr(out.data, "  required_resources:\n    CPU: 1\n"));
    rc_buf_free(&out);
    rc_json_free(x.doc);
}

static void test_empty_and_warnings(void **state)
{
    (void)state;
    answer_t x;
    load(&x, "{\"total\": 5, \"num_after_truncation\": 5, \"num_filtered\": 0, \"result\": [],"
             " \"partial_failure_warning\": \"node n2 did not answer\\u001b\", \"warnings\": []}");
    rc_buf_t out = RC_BUF_INIT;
    rc_state_view_list("workers", &x.a, RC_STATE_VIEW_TABLE, 0, "T", &out);
    assert_non_null(strstr(out.data, "Total: 0\n\nTable:\n------------------------------\n"
                                     "WORKER_ID  IS_ALIVE  WORKER_TYPE  NODE_ID  IP  PID  STATE  "
                                     "TASKS_DONE\n"));
    rc_buf_clear(&out);
    rc_state_view_list("workers", &x.a, RC_STATE_VIEW_TABLE, 1, "T", &out);
    assert_non_null(strstr(out.data, "\nWORKER_ID  IS_ALIVE"));
    rc_buf_clear(&out);
    rc_state_view_list("workers", &x.a, RC_STATE_VIEW_JSON, 0, "T", &out);
    assert_string_equal(out.data, "[]\n");
    rc_buf_clear(&out);
    rc_state_view_list("workers", &x.a, RC_STATE_VIEW_YAML, 0, "T", &out);
    assert_string_equal(out.data, "[]\n");
    rc_buf_clear(&out);
    rc_state_view_warnings("w: ", "workers", &x.a, &out);
    assert_string_equal(out.data, "w: node n2 did not answer?\n");
    rc_buf_free(&out);
    rc_json_free(x.doc);

    /* Dropped history the head did not explain: rayc says it. */
    load(&x, "{\"total\": 7, \"num_after_truncation\": 4, \"num_filtered\": 4, \"result\": [{}, "
             "{}, {}, {}]}");
    rc_state_view_warnings("", "tasks", &x.a, &out);
    assert_string_equal(
        out.data, "the head holds 4 of the 7 tasks it has seen; the oldest 3 are not listed\n");
    rc_buf_free(&out);
    rc_json_free(x.doc);
}

static void test_bad_answers(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "{\"total\": 1, \"num_after_truncation\": 1, \"num_filtered\": 1}",
        "{\"result\": {}, \"total\": 1, \"num_after_truncation\": 1, \"num_filtered\": 1}",
        "{\"result\": [], \"num_after_truncation\": 1, \"num_filtered\": 1}",
        "{\"result\": [], \"total\": -1, \"num_after_truncation\": 1, \"num_filtered\": 1}",
        "[]",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        rc_json_t *doc = NULL;
        rc_state_answer_t a;
        char err[256] = "";
        assert_int_equal(rc_json_parse(docs[i], strlen(docs[i]), &doc, err, sizeof(err)), RC_OK);
        assert_int_equal(rc_state_answer_read(doc, &a, err, sizeof(err)), RC_EPROTO);
        assert_non_null(strstr(err, "data.result"));
        rc_json_free(doc);
    }
    rc_state_format_t f;
    char err[256];
    assert_int_equal(rc_state_format_parse("yaml", &f, err, sizeof(err)), RC_OK);
    assert_int_equal(f, RC_STATE_VIEW_YAML);
    assert_int_equal(rc_state_format_parse("csv", &f, err, sizeof(err)), RC_EINVAL);
    assert_string_equal(err, "unknown --format 'csv' (use table, json or yaml)");
}

static const char *SUMMARY =
    "{\"node_id_to_summary\": {\"cluster\": {\"summary\": {"
    "\"echo\": {\"func_or_class_name\": \"echo\", \"type\": \"NORMAL_TASK\","
    " \"state_counts\": {\"FINISHED\": 100, \"RUNNING\": 2}},"
    "\"boom\": {\"func_or_class_name\": \"boom\", \"type\": \"NORMAL_TASK\","
    " \"state_counts\": {\"FAILED\": 3}}},"
    " \"total_tasks\": 105, \"total_actor_tasks\": 0, \"total_actor_scheduled\": 0,"
    " \"summary_by\": \"func_name\"}}}";

static void test_summary(void **state)
{
    (void)state;
    rc_json_t *doc = NULL;
    char err[256];
    assert_int_equal(rc_json_parse(SUMMARY, strlen(SUMMARY), &doc, err, sizeof(err)), RC_OK);
    rc_buf_t out = RC_BUF_INIT;
    assert_int_equal(rc_state_view_summary(doc, RC_STATE_VIEW_TABLE, "T", &out, err, sizeof(err)),
                     RC_OK);
    expect(&out, "======== Tasks Summary: T ========\n"
                 "Stats:\n"
                 "------------------------------------\n"
                 "total_actor_scheduled: 0\n"
                 "total_actor_tasks: 0\n"
                 "total_tasks: 105\n"
                 "\n"
                 "Table (group by func_name):\n"
                 "------------------------------------\n"
                 "FUNC_OR_CLASS_NAME  STATE_COUNTS   TYPE\n"
                 "echo                FINISHED: 100  NORMAL_TASK\n"
                 "                    RUNNING: 2\n"
                 "boom                FAILED: 3      NORMAL_TASK\n");
    rc_buf_clear(&out);
    assert_int_equal(rc_state_view_summary(doc, RC_STATE_VIEW_JSON, "T", &out, err, sizeof(err)),
                     RC_OK);
    rc_json_t *back = NULL;
    assert_int_equal(rc_json_parse(out.data, out.len, &back, err, sizeof(err)), RC_OK);
    assert_true(rc_json_num(rc_json_get(rc_json_get(back, "cluster"), "total_tasks")) == 105);
    rc_json_free(back);
    rc_buf_clear(&out);
    assert_int_equal(rc_state_view_summary(doc, RC_STATE_VIEW_YAML, "T", &out, err, sizeof(err)),
                     RC_OK);
    assert_non_null(strstr(out.data, "cluster:\n  summary:\n    echo:\n"
                                     "      func_or_class_name: echo\n"));
    rc_buf_free(&out);
    rc_json_free(doc);

    /* No tasks yet: the totals and an empty table. */
    const char *none = "{\"node_id_to_summary\": {\"cluster\": {\"summary\": {}, \"total_tasks\": "
                       "0, \"total_actor_tasks\": 0, \"total_actor_scheduled\": 0}}}";
    assert_int_equal(rc_json_parse(none, strlen(none), &doc, err, sizeof(err)), RC_OK);
    assert_int_equal(rc_state_view_summary(doc, RC_STATE_VIEW_TABLE, "T", &out, err, sizeof(err)),
                     RC_OK);
    assert_non_null(strstr(out.data, "total_tasks: 0\n"));
    assert_non_null(strstr(out.data, "------------------------------------\n"
                                     "FUNC_OR_CLASS_NAME  STATE_COUNTS  TYPE\n"));
    rc_buf_free(&out);
    rc_json_free(doc);

    const char *wrong = "{\"node_id_to_summary\": {}}";
    assert_int_equal(rc_json_parse(wrong, strlen(wrong), &doc, err, sizeof(err)), RC_OK);
    assert_int_equal(rc_state_view_summary(doc, RC_STATE_VIEW_TABLE, "T", &out, err, sizeof(err)),
                     RC_EPROTO);
    assert_non_null(strstr(err, "no summary"));
    rc_buf_free(&out);
    rc_json_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nodes_table), cmocka_unit_test(test_nodes_detail),
        cmocka_unit_test(test_tasks),       cmocka_unit_test(test_empty_and_warnings),
        cmocka_unit_test(test_bad_answers), cmocka_unit_test(test_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
