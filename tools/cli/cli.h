/* cli.h — subcommands of the rayc CLI; each takes the arguments after its name
 * and returns the process exit code (0 ok, 1 failed, 2 bad usage). */
#ifndef RC_CLI_H
#define RC_CLI_H

#include <stddef.h>

int rc_cli_start(int argc, char **argv);
int rc_cli_stop(int argc, char **argv);
/* `rayc status`: the cluster's nodes, resources and demand (cmd_status.c). */
int rc_cli_status(int argc, char **argv);
/* `rayc list <resource>`: nodes, jobs, tasks, workers, objects from the
 * dashboard's State API (cmd_list.c). */
int rc_cli_list(int argc, char **argv);
/* `rayc summary tasks`: tasks per function and state (cmd_summary.c). */
int rc_cli_summary(int argc, char **argv);
/* `rayc job <sub>`: Ray's job CLI against the dashboard's Jobs API (cmd_job.c). */
int rc_cli_job(int argc, char **argv);

#endif
