/* cmd_list.c — `rayc list <resource>`: Ray's `ray list` against the head's
 * State API. One GET /api/v0/<resource> carries the limit, --detail and the
 * filters (list_query.c); the head filters and counts, and the answer is
 * written as a table, JSON or YAML (state_view.c), with warnings (rows cut by
 * the limit, the head's own) on stderr. Resources Ray has and rayc does not
 * (actors, placement groups) are named as such. Exit 0 on success, 1 when the
 * dashboard cannot be reached or fails, 2 for bad usage, including a filter or
 * limit the head refuses. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "argv.h"
#include "cli.h"
#include "clock.h"
#include "flags.h"
#include "fmt.h"
#include "list_query.h"
#include "state_client.h"
#include "state_view.h"

#define DEFAULT_LIMIT 100 /* Ray's default for `ray list` */

/* What `ray list` takes; exists: 0 for Ray's resources rayc does not have. */
static const struct {
    const char *name;
    int exists;
} resources[] = {
    {"nodes", 1},
    {"jobs", 1},
    {"tasks", 1},
    {"workers", 1},
    {"objects", 1},
    {"actors", 0},
    {"placement-groups", 0},
};
#define NRESOURCES (sizeof(resources) / sizeof(resources[0]))

static int list(const char *what, const char *address, const char *const *filters, size_t nfilters,
                int64_t limit, int detail, rc_state_format_t format)
{
    char prog[64], err[512], when[32];
    rc_buf_t path = RC_BUF_INIT, out = RC_BUF_INIT, warn = RC_BUF_INIT;
    rc_json_t *doc = NULL;
    const rc_json_t *result;
    rc_state_answer_t a;
    int rc = 2;
    snprintf(prog, sizeof(prog), "rayc list %s", what);
    /* Filters are checked before any connection, so a typo fails fast. */
    if (rc_list_query_path(what, filters, nfilters, limit, detail, &path, err, sizeof(err)) !=
        RC_OK) {
        fprintf(stderr, "%s: %s\n", prog, err);
        goto done;
    }
    rc = rc_state_client_get(prog, address, path.data, &doc, &result);
    if (rc != 0) goto done;
    if (rc_state_answer_read(result, &a, err, sizeof(err)) != RC_OK) {
        fprintf(stderr, "%s: the dashboard's answer to GET %s: %s\n", prog, path.data, err);
        rc = 1;
        goto done;
    }
    rc_fmt_time(rc_clock_wall_ms(), when, sizeof(when));
    rc_state_view_list(what, &a, format, detail, when, &out);
    char prefix[80];
    snprintf(prefix, sizeof(prefix), "%s: ", prog);
    rc_state_view_warnings(prefix, what, &a, &warn);
    fwrite(out.data, 1, out.len, stdout);
    fflush(stdout);
    if (warn.len) fwrite(warn.data, 1, warn.len, stderr);
done:
    rc_json_free(doc);
    rc_buf_free(&path);
    rc_buf_free(&out);
    rc_buf_free(&warn);
    return rc;
}

static void usage(FILE *f, const rc_flag_t *flags, size_t nflags)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_flags_help(flags, nflags, &b);
    fprintf(f, "usage: rayc list <resource> [flags]\n\nLists the cluster's state from the head's "
               "State API, as `ray list` does.\n\nresources:");
    for (size_t i = 0; i < NRESOURCES; i++)
        if (resources[i].exists) fprintf(f, " %s", resources[i].name);
    fprintf(f,
            "\n\nflags:\n%s\nexamples:\n  rayc list tasks --filter state=FAILED --limit 20\n"
            "  rayc list nodes --filter \"state!=DEAD\" --format json\n",
            b.data ? b.data : "");
    rc_buf_free(&b);
}

int rc_cli_list(int argc, char **argv)
{
    const char *address = NULL, *format = "table", *filter_help = NULL;
    int64_t limit = DEFAULT_LIMIT;
    int detail = 0;
    const rc_flag_t flags[] = {
        {"address", RC_FLAG_STRING, &address,
         "the dashboard (default: $RAY_ADDRESS, else http://127.0.0.1:8265)", "URL", 0, 0, NULL},
        {"format", RC_FLAG_STRING, &format, "output: table (default), json or yaml", "FMT", 0, 0,
         NULL},
        /* Bounds are the head's to check (1 to 10,000): it says so in its 400. */
        {"limit", RC_FLAG_INT, &limit, "show at most N rows (default 100, at most 10000)", "N", 0,
         0, NULL},
        {"detail", RC_FLAG_BOOL, &detail, "every field of the rows", NULL, 0, 0, NULL},
        /* Only for --help: rc_argv_take has removed every --filter already. */
        {"filter", RC_FLAG_STRING, &filter_help,
         "keep rows whose KEY is VALUE (KEY!=VALUE: is not); repeatable, all must hold",
         "KEY=VALUE", 0, 0, NULL},
    };
    const size_t nflags = sizeof(flags) / sizeof(flags[0]);
    const char **filters = NULL;
    size_t nfilters = 0;
    char err[512];
    rc_flags_result_t res = {0};
    rc_state_format_t fmt;
    int rc = 2;
    /* argv is rearranged by rc_argv_take: work on a copy of the pointers. */
    char **args = rc_calloc((size_t)argc + 1, sizeof(char *));
    memcpy(args, argv, (size_t)argc * sizeof(char *));
    int nargs = argc;
    if (rc_argv_take(&nargs, args, "filter", &filters, &nfilters, err, sizeof(err)) != RC_OK) {
        fprintf(stderr, "rayc list: %s\n", err);
        goto done;
    }
    if (rc_flags_parse(flags, nflags, nargs, args, 0, &res) != RC_OK) {
        fprintf(stderr, "rayc list: %s\n", res.error);
        goto done;
    }
    if (res.help) {
        usage(stdout, flags, nflags);
        rc = 0;
        goto done;
    }
    if (res.npos != 1) {
        fprintf(stderr, "rayc list: %s\n\n",
                res.npos ? "give one resource to list" : "which resource? e.g. rayc list nodes");
        usage(stderr, flags, nflags);
        goto done;
    }
    if (rc_state_format_parse(format, &fmt, err, sizeof(err)) != RC_OK) {
        fprintf(stderr, "rayc list: %s\n", err);
        goto done;
    }
    const char *what = res.pos[0];
    size_t i;
    for (i = 0; i < NRESOURCES; i++)
        if (strcmp(what, resources[i].name) == 0) break;
    if (i == NRESOURCES) {
        fprintf(stderr, "rayc list: unknown resource '%s' (resources:", what);
        for (size_t j = 0; j < NRESOURCES; j++)
            if (resources[j].exists) fprintf(stderr, " %s", resources[j].name);
        fprintf(stderr, ")\n");
        goto done;
    }
    if (!resources[i].exists) {
        fprintf(stderr,
                "rayc list %s: rayc has no %s: it runs tasks only, without actors or placement "
                "groups (resources: nodes, jobs, tasks, workers, objects)\n",
                what, what);
        goto done;
    }
    rc = list(what, address, filters, nfilters, limit, detail, fmt);
done:
    rc_flags_result_free(&res);
    rc_free(filters);
    rc_free(args);
    return rc;
}
