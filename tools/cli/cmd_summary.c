/* cmd_summary.c — `rayc summary tasks`: Ray's `ray summary tasks` against
 * the head's State API (GET /api/v0/tasks/summarize): the number of tasks per
 * function name and state, exact since the head started. Exit 0 on success,
 * 1 when the dashboard cannot be reached or fails, 2 for bad usage. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "flags.h"
#include "fmt.h"
#include "state_client.h"
#include "state_view.h"

#define PATH "/api/v0/tasks/summarize"

static void usage(FILE *f, const rc_flag_t *flags, size_t nflags)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_flags_help(flags, nflags, &b);
    fprintf(f,
            "usage: rayc summary tasks [flags]\n\nCounts the cluster's tasks per function and "
            "state, as `ray summary tasks` does.\n\nflags:\n%s",
            b.data ? b.data : "");
    rc_buf_free(&b);
}

int rc_cli_summary(int argc, char **argv)
{
    const char *address = NULL, *format = "table";
    const rc_flag_t flags[] = {
        {"address", RC_FLAG_STRING, &address,
         "the dashboard (default: $RAY_ADDRESS, else http://127.0.0.1:8265)", "URL", 0, 0, NULL},
        {"format", RC_FLAG_STRING, &format, "output: table (default), json or yaml", "FMT", 0, 0,
         NULL},
    };
    const size_t nflags = sizeof(flags) / sizeof(flags[0]);
    rc_flags_result_t res = {0};
    rc_buf_t out = RC_BUF_INIT;
    rc_json_t *doc = NULL;
    const rc_json_t *result;
    rc_state_format_t fmt;
    char err[512], when[32];
    int rc = 2;
    if (rc_flags_parse(flags, nflags, argc, argv, 0, &res) != RC_OK) {
        fprintf(stderr, "rayc summary: %s\n", res.error);
        goto done;
    }
    if (res.help) {
        usage(stdout, flags, nflags);
        rc = 0;
        goto done;
    }
    if (res.npos != 1 || strcmp(res.pos[0], "tasks") != 0) {
        if (res.npos == 1 &&
            (strcmp(res.pos[0], "actors") == 0 || strcmp(res.pos[0], "objects") == 0))
            fprintf(stderr, "rayc summary: rayc summarizes tasks only (rayc summary tasks)\n\n");
        else
            fprintf(stderr, "rayc summary: %s\n\n",
                    res.npos ? "only tasks can be summarized: rayc summary tasks"
                             : "what to summarize? rayc summary tasks");
        usage(stderr, flags, nflags);
        goto done;
    }
    if (rc_state_format_parse(format, &fmt, err, sizeof(err)) != RC_OK) {
        fprintf(stderr, "rayc summary: %s\n", err);
        goto done;
    }
    rc = rc_state_client_get("rayc summary tasks", address, PATH, &doc, &result);
    if (rc != 0) goto done;
    rc_fmt_time(rc_clock_wall_ms(), when, sizeof(when));
    if (rc_state_view_summary(result, fmt, when, &out, err, sizeof(err)) != RC_OK) {
        fprintf(stderr, "rayc summary tasks: the dashboard's answer to GET %s: %s\n", PATH, err);
        rc = 1;
        goto done;
    }
    fwrite(out.data, 1, out.len, stdout);
done:
    rc_flags_result_free(&res);
    rc_json_free(doc);
    rc_buf_free(&out);
    return rc;
}
