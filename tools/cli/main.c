/* main.c — `rayc`, the Ray-compatible command line.
 *
 *   rayc start --head [flags]       start a head node (execs rayc-head)
 *   rayc start --address=H:P [...]  start a worker node (execs rayc-worker)
 *   rayc stop [--temp-dir DIR]      stop every process `rayc start` started here
 *   rayc status [--address H:P]     nodes per group, resource usage, demand
 *   rayc list <resource> [flags]    nodes, jobs, tasks, workers or objects (the State API)
 *   rayc summary tasks [flags]      tasks per function and state
 *   rayc job submit|status|logs|stop|list|delete   Ray's job CLI (the dashboard's Jobs API)
 *
 * Each subcommand lives in its own file (cmd_<name>.c) and is a row of the
 * table below. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"start", rc_cli_start, "start a head (--head) or worker node (--address) on this machine"},
    {"stop", rc_cli_stop, "stop the rayc processes that `rayc start` started on this machine"},
    {"status", rc_cli_status, "show the cluster's nodes, resource usage and pending demand"},
    {"list", rc_cli_list,
     "list nodes, jobs, tasks, workers or objects: rayc list tasks [--filter k=v] [--detail]"},
    {"summary", rc_cli_summary, "count tasks per function and state: rayc summary tasks"},
    {"job", rc_cli_job, "submit and manage jobs: rayc job submit|status|logs|stop|list|delete"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: rayc <command> [flags]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n`rayc <command> --help` describes a command's flags.\n");
}

int main(int argc, char **argv)
{
    rc_log_init();
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("rayc %s\n", RC_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].fn(argc - 2, argv + 2);
    fprintf(stderr, "rayc: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
