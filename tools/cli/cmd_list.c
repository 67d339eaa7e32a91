/* cmd_list.c — `rayc list <resource>`: Ray's State API listing from the
 * command line. Each resource is a row of the table below with the function
 * that lists it; only nodes exist so far, the others answer that they are not
 * available yet. Common flags are parsed here once (list_opts_t); the
 * filtering and writing of nodes is pure and lives in node_filter.c and
 * node_view.c. Exit 0 on success, 1 when the head cannot be reached or
 * refuses, 2 for bad usage. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "argv.h"
#include "cli.h"
#include "clock.h"
#include "flags.h"
#include "fmt.h"
#include "gcs_client.h"
#include "node_filter.h"
#include "node_view.h"

#define DEFAULT_LIMIT 100 /* Ray's default for `ray list` */

typedef enum { FORMAT_TABLE, FORMAT_JSON, FORMAT_YAML } format_t;

typedef struct {
    const char *address, *password;
    format_t format;
    int detail;
    size_t limit;
    const char **filters; /* raw --filter texts */
    size_t nfilters;
} list_opts_t;

static int list_nodes(const list_opts_t *o);

static const struct {
    const char *name;
    int (*fn)(const list_opts_t *o); /* NULL: not available yet */
} resources[] = {
    {"nodes", list_nodes},      {"jobs", NULL},   {"tasks", NULL},
    {"workers", NULL},          {"actors", NULL}, {"objects", NULL},
    {"placement-groups", NULL},
};
#define NRESOURCES (sizeof(resources) / sizeof(resources[0]))

static int list_nodes(const list_opts_t *o)
{
    char err[1024], when[32];
    rc_node_filter_t *fs = rc_calloc(o->nfilters ? o->nfilters : 1, sizeof(*fs));
    size_t nf = 0;
    rc_gcs_client_t *c = NULL;
    char *json = NULL;
    size_t len = 0;
    rc_json_t *list = NULL;
    rc_node_sel_t sel = {0};
    rc_buf_t out = RC_BUF_INIT;
    int rc = 1;

    /* Filters are checked before any connection, so a typo fails fast. */
    for (; nf < o->nfilters; nf++)
        if (rc_node_filter_parse(o->filters[nf], &fs[nf], err, sizeof(err)) != RC_OK) {
            rc = 2;
            goto fail;
        }
    if (rc_gcs_client_connect(o->address, o->password, 0, &c, err, sizeof(err)) != RC_OK) goto fail;
    const char *cmd[] = {"NODE.LIST", "JSON"};
    if (rc_gcs_client_string(c, 2, cmd, &json, &len, err, sizeof(err)) != RC_OK) goto fail;
    char perr[200];
    if (rc_json_parse(json, len, &list, perr, sizeof(perr)) != RC_OK) {
        snprintf(err, sizeof(err), "the head's NODE.LIST JSON reply is not valid JSON: %s", perr);
        goto fail;
    }
    if (rc_node_view_select(list, fs, nf, o->limit, &sel, err, sizeof(err)) != RC_OK) goto fail;
    switch (o->format) {
    case FORMAT_JSON: rc_node_view_json(&sel, &out); break;
    case FORMAT_YAML: rc_node_view_yaml(&sel, &out); break;
    case FORMAT_TABLE:
        rc_fmt_time(rc_clock_wall_ms(), when, sizeof(when));
        rc_node_view_table(&sel, o->detail, when, rc_clock_wall_ms(), &out);
        break;
    }
    fwrite(out.data, 1, out.len, stdout);
    /* Machine formats carry no banner, so say on stderr that the list is cut. */
    if (o->format != FORMAT_TABLE && sel.matched > sel.n)
        fprintf(stderr, "rayc list nodes: showing %zu of %zu nodes (raise --limit, or 0 for all)\n",
                sel.n, sel.matched);
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "rayc list nodes: %s\n", err);
done:
    rc_buf_free(&out);
    rc_node_sel_free(&sel);
    rc_json_free(list);
    rc_free(json);
    rc_gcs_client_free(c);
    for (size_t i = 0; i < nf; i++) rc_node_filter_free(&fs[i]);
    rc_free(fs);
    return rc;
}

static void usage(FILE *f, const rc_flag_t *flags, size_t nflags)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_flags_help(flags, nflags, &b);
    fprintf(f, "usage: rayc list <resource> [flags]\n\nLists the cluster's state, as `ray list` "
               "does.\n\nresources:");
    for (size_t i = 0; i < NRESOURCES; i++)
        fprintf(f, " %s%s", resources[i].name, resources[i].fn ? "" : " (not yet)");
    fprintf(f, "\n\nflags:\n%s\nexample: rayc list nodes --filter state=ALIVE --filter group=cpu\n",
            b.data ? b.data : "");
    rc_buf_free(&b);
}

int rc_cli_list(int argc, char **argv)
{
    list_opts_t o = {.limit = DEFAULT_LIMIT};
    const char *format = "table";
    int64_t limit = DEFAULT_LIMIT;
    const char *filter_help = NULL;
    const rc_flag_t flags[] = {
        {"address", RC_FLAG_STRING, &o.address,
         "the head's GCS address (default: $RAY_ADDRESS, else 127.0.0.1:6379)", "HOST:PORT", 0, 0,
         NULL},
        {"redis-password", RC_FLAG_STRING, &o.password, "password given to rayc start --head", "PW",
         0, 0, NULL},
        {"format", RC_FLAG_STRING, &format, "output: table (default), json or yaml", "FMT", 0, 0,
         NULL},
        {"limit", RC_FLAG_INT, &limit, "show at most N rows (default 100; 0: all)", "N", 0, 1e9,
         NULL},
        {"detail", RC_FLAG_BOOL, &o.detail, "more columns", NULL, 0, 0, NULL},
        /* Only for --help: rc_argv_take has removed every --filter already. */
        {"filter", RC_FLAG_STRING, &filter_help,
         "keep rows whose KEY is VALUE (KEY!=VALUE: is not); repeatable", "KEY=VALUE", 0, 0, NULL},
    };
    const size_t nflags = sizeof(flags) / sizeof(flags[0]);
    char err[512];
    rc_flags_result_t res = {0};
    int rc = 2;
    /* argv is rearranged by rc_argv_take: work on a copy of the pointers. */
    char **args = rc_calloc((size_t)argc + 1, sizeof(char *));
    memcpy(args, argv, (size_t)argc * sizeof(char *));
    int nargs = argc;
    if (rc_argv_take(&nargs, args, "filter", &o.filters, &o.nfilters, err, sizeof(err)) != RC_OK) {
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
    if (strcmp(format, "table") == 0)
        o.format = FORMAT_TABLE;
    else if (strcmp(format, "json") == 0)
        o.format = FORMAT_JSON;
    else if (strcmp(format, "yaml") == 0)
        o.format = FORMAT_YAML;
    else {
        fprintf(stderr, "rayc list: unknown --format '%s' (use table, json or yaml)\n", format);
        goto done;
    }
    o.limit = (size_t)limit;
    const char *what = res.pos[0];
    size_t i;
    for (i = 0; i < NRESOURCES; i++)
        if (strcmp(what, resources[i].name) == 0) break;
    if (i == NRESOURCES) {
        fprintf(stderr, "rayc list: unknown resource '%s' (resources:", what);
        for (size_t j = 0; j < NRESOURCES; j++) fprintf(stderr, " %s", resources[j].name);
        fprintf(stderr, ")\n");
        goto done;
    }
    if (!resources[i].fn) {
        fprintf(stderr,
                "rayc list %s: listing %s is not available yet in this rayc version (available: "
                "nodes)\n",
                what, what);
        rc = 1;
        goto done;
    }
    rc = resources[i].fn(&o);
done:
    rc_flags_result_free(&res);
    rc_free(o.filters);
    rc_free(args);
    return rc;
}
