/* test_state_cli.c — `rayc list` and `rayc summary tasks` end to end against
 * a canned dashboard: the test listens on 127.0.0.1, runs the command in a
 * forked child (stdout and stderr to files) and answers its one request with
 * a canned status and body. Checks the request line (the query the flags
 * make), exit codes and texts: rows printed, 400 → the head's msg and exit 2,
 * 404 → not a State API, unreachable → what to do, and the usage errors that
 * fail before any request (bad filter, actors, unknown resource, format). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "cli.h"
#include "cli_harness.h"

static int lfd = -1;
static char addr[64];

static int setup(void **state)
{
    (void)state;
    /* Every command gets its address from --address, never the environment. */
    unsetenv("RAY_ADDRESS");
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sa);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 4) != 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &len) != 0)
        return -1;
    snprintf(addr, sizeof(addr), "http://127.0.0.1:%d", ntohs(sa.sin_port));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (lfd >= 0) close(lfd);
    return 0;
}

typedef struct {
    int code;
    char *out, *err;
    char request[1024]; /* the request line the server got, "" if none */
} result_t;

/* Answers one request (if one comes within 10 s) with status and body. */
static void serve(int status, const char *body, result_t *r)
{
    struct pollfd p = {lfd, POLLIN, 0};
    if (poll(&p, 1, 10000) <= 0) return;
    int c = accept(lfd, NULL, NULL);
    if (c < 0) return;
    rc_buf_t req = RC_BUF_INIT;
    char chunk[1024];
    while (!req.data || !strstr(req.data, "\r\n\r\n")) {
        struct pollfd q = {c, POLLIN, 0};
        if (poll(&q, 1, 10000) <= 0) break;
        ssize_t n = read(c, chunk, sizeof(chunk));
        if (n <= 0) break;
        rc_buf_append(&req, chunk, (size_t)n);
    }
    if (req.data) {
        char *eol = strstr(req.data, "\r\n");
        if (eol) *eol = '\0';
        snprintf(r->request, sizeof(r->request), "%s", req.data);
    }
    rc_buf_t resp = RC_BUF_INIT;
    rc_buf_printf(&resp,
                  "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                  "Connection: close\r\n\r\n%s",
                  status, strlen(body), body);
    ssize_t off = 0;
    while ((size_t)off < resp.len) {
        ssize_t n = write(c, resp.data + off, resp.len - (size_t)off);
        if (n <= 0) break;
        off += n;
    }
    close(c);
    rc_buf_free(&req);
    rc_buf_free(&resp);
}

/* Runs fn(args…) (NULL-terminated) in a child; with body != NULL the test
 * answers the child's request with status and body. */
static result_t run(int (*fn)(int, char **), int status, const char *body, ...)
{
    result_t r;
    memset(&r, 0, sizeof(r));
    char *args[CLI_MAX_ARGS];
    va_list ap;
    va_start(ap, body);
    int argc = cli_args(args, ap);
    va_end(ap);
    cli_child_t c = cli_spawn(fn, argc, args);
    if (body) serve(status, body, &r);
    cli_result_t cr = cli_wait(&c);
    r.code = cr.code;
    r.out = cr.out;
    r.err = cr.err;
    return r;
}

static void done(result_t *r)
{
    rc_free(r->out);
    rc_free(r->err);
}

#define HAS(hay, needle)                                                                           \
    do {                                                                                           \
        if (!strstr((hay), (needle))) fail_msg("'%s' lacks '%s'", (hay), (needle));                \
    } while (0)

static const char *TASKS_OK =
    "{\"result\": true, \"msg\": \"\", \"data\": {\"result\": {\"total\": 9,"
    " \"num_after_truncation\": 9, \"num_filtered\": 7, \"result\": ["
    "{\"task_id\": \"t1\", \"attempt_number\": 0, \"name\": \"echo\", \"state\": \"FINISHED\"},"
    "{\"task_id\": \"t2\", \"attempt_number\": 0, \"name\": \"echo\", \"state\": \"FINISHED\"}],"
    " \"partial_failure_warning\": \"\", \"warnings\": []}}}";

static void test_list_json(void **state)
{
    (void)state;
    result_t r =
        run(rc_cli_list, 200, TASKS_OK, "tasks", "--address", addr, "--filter", "state=FINISHED",
            "--filter", "name != x y", "--limit", "2", "--format", "json", NULL);
    assert_int_equal(r.code, 0);
    assert_string_equal(r.request, "GET /api/v0/tasks?limit=2&filter_keys=state&filter_predicates="
                                   "%3D&filter_values=FINISHED&filter_keys=name&filter_predicates=%"
                                   "21%3D&filter_values=x%20y HTTP/1.1");
    HAS(r.out, "[\n  {\n    \"task_id\": \"t1\",");
    assert_string_equal(r.err, "rayc list tasks: showing 2 of 7 tasks; use --filter to narrow the "
                               "list, or a higher --limit to see more\n");
    done(&r);

    r = run(rc_cli_list, 200, TASKS_OK, "tasks", "--address", addr, "--detail", NULL);
    assert_int_equal(r.code, 0);
    assert_string_equal(r.request, "GET /api/v0/tasks?limit=100&detail=true HTTP/1.1");
    HAS(r.out, "Total: 7 (showing 2)\n");
    HAS(r.out, "TASK_ID  ATTEMPT_NUMBER  NAME  STATE\nt1       0               echo  FINISHED\n");
    done(&r);
}

static void test_list_errors(void **state)
{
    (void)state;
    /* 400: the head's msg, exit 2. */
    result_t r = run(rc_cli_list, 400,
                     "{\"result\": false, \"msg\": \"cannot filter by 'colour': the keys are "
                     "node_id, state\", \"data\": {}}",
                     "nodes", "--address", addr, "--filter", "colour=red", NULL);
    assert_int_equal(r.code, 2);
    assert_string_equal(
        r.err, "rayc list nodes: cannot filter by 'colour': the keys are node_id, state\n");
    assert_string_equal(r.out, "");
    done(&r);

    /* 404: not a State API. */
    r = run(rc_cli_list, 404, "not here", "jobs", "--address", addr, NULL);
    assert_int_equal(r.code, 1);
    HAS(r.err, "has no State API (GET /api/v0/jobs?limit=100: 404, not here)");
    done(&r);

    /* 200 but not the envelope. */
    r = run(rc_cli_list, 200, "{\"result\": true, \"data\": {\"result\": {}}}", "jobs", "--address",
            addr, NULL);
    assert_int_equal(r.code, 1);
    HAS(r.err, "no list of rows");
    done(&r);
    r = run(rc_cli_list, 200, "<html>", "jobs", "--address", addr, NULL);
    assert_int_equal(r.code, 1);
    HAS(r.err, "is not JSON");
    done(&r);

    /* Nothing listens there. */
    char gone[64];
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
    snprintf(gone, sizeof(gone), "127.0.0.1:%d", ntohs(sa.sin_port));
    close(s);
    r = run(rc_cli_list, 0, NULL, "nodes", "--address", gone, NULL);
    assert_int_equal(r.code, 1);
    HAS(r.err, "rayc list nodes: cannot reach the dashboard at http://");
    HAS(r.err, "Start one with `rayc start --head`, or pass --address.");
    done(&r);
}

/* Usage errors fail before any request (nothing listens at the address). */
static void test_usage(void **state)
{
    (void)state;
    result_t r =
        run(rc_cli_list, 0, NULL, "tasks", "--address", "127.0.0.1:1", "--filter", "state", NULL);
    assert_int_equal(r.code, 2);
    assert_string_equal(r.err, "rayc list tasks: bad filter 'state': no operator; write KEY=VALUE "
                               "or KEY!=VALUE, e.g. --filter state=FINISHED\n");
    done(&r);
    r = run(rc_cli_list, 0, NULL, "actors", NULL);
    assert_int_equal(r.code, 2);
    HAS(r.err, "rayc list actors: rayc has no actors");
    done(&r);
    r = run(rc_cli_list, 0, NULL, "placement-groups", NULL);
    assert_int_equal(r.code, 2);
    HAS(r.err, "rayc has no placement-groups");
    done(&r);
    r = run(rc_cli_list, 0, NULL, "gizmos", NULL);
    assert_int_equal(r.code, 2);
    HAS(r.err, "unknown resource 'gizmos' (resources: nodes jobs tasks workers objects)");
    done(&r);
    r = run(rc_cli_list, 0, NULL, "nodes", "--format", "csv", NULL);
    assert_int_equal(r.code, 2);
    HAS(r.err, "unknown --format 'csv'");
    done(&r);
    r = run(rc_cli_list, 0, NULL, "nodes", "--filter", NULL);
    assert_int_equal(r.code, 2);
    HAS(r.err, "--filter needs a value");
    done(&r);
    r = run(rc_cli_list, 0, NULL, "--help", NULL);
    assert_int_equal(r.code, 0);
    HAS(r.out, "resources: nodes jobs tasks workers objects\n");
    done(&r);
    r = run(rc_cli_summary, 0, NULL, "actors", NULL);
    assert_int_equal(r.code, 2);
    HAS(r.err, "rayc summarizes tasks only");
    done(&r);
    r = run(rc_cli_summary, 0, NULL, NULL);
    assert_int_equal(r.code, 2);
    HAS(r.err, "what to summarize?");
    done(&r);
}

static void test_summary(void **state)
{
    (void)state;
    const char *body =
        "{\"result\": true, \"msg\": \"\", \"data\": {\"result\": {\"node_id_to_summary\": "
        "{\"cluster\": {\"summary\": {\"echo\": {\"func_or_class_name\": \"echo\", \"type\": "
        "\"NORMAL_TASK\", \"state_counts\": {\"FINISHED\": 3}}}, \"total_tasks\": 3, "
        "\"total_actor_tasks\": 0, \"total_actor_scheduled\": 0, \"summary_by\": "
        "\"func_name\"}}}}}";
    result_t r = run(rc_cli_summary, 200, body, "tasks", "--address", addr, NULL);
    assert_int_equal(r.code, 0);
    assert_string_equal(r.request, "GET /api/v0/tasks/summarize HTTP/1.1");
    HAS(r.out, "======== Tasks Summary: ");
    HAS(r.out, "total_tasks: 3\n");
    HAS(r.out, "echo                FINISHED: 3   NORMAL_TASK\n");
    done(&r);
    r = run(rc_cli_summary, 200, body, "tasks", "--address", addr, "--format", "yaml", NULL);
    assert_int_equal(r.code, 0);
    HAS(r.out, "cluster:\n  summary:\n    echo:\n");
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_json),
        cmocka_unit_test(test_list_errors),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_summary),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
