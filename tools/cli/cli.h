/* cli.h — subcommands of the rayc CLI; each takes the arguments after its name
 * and returns the process exit code. */
#ifndef RC_CLI_H
#define RC_CLI_H

int rc_cli_start(int argc, char **argv);
int rc_cli_stop(int argc, char **argv);

/* Path of a program installed beside the rayc binary (rayc-head, rayc-worker). */
int rc_cli_sibling(const char *prog, char *out, size_t cap);

#endif
