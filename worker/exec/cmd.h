/* cmd.h — command tasks (TASK_COMMAND): one argv run directly (no shell) in a
 * process group of its own, its output captured.
 *
 * Owns: the child process, the pipes of its stdout and stderr, a kill timer.
 * Both streams are appended to the node's task log; the last
 * RC_EXEC_STDOUT_TAIL bytes of stdout become the result data. The result's
 * exit_code is the exit status (128 + signal when killed); status OK for exit
 * 0, APP_ERROR ("command exited with status 3") otherwise, CANCELLED after a
 * cancel. When the command's main process ends, whatever it left in its
 * process group is killed (SIGKILL to the group), so no process of the task
 * outlives it (a process that called setsid itself escapes; nothing can be
 * done about that without cgroups).
 *
 * The spec may add environment entries (winning over the node's), a working
 * directory, and a log file on the shared volume that receives both streams
 * instead of the node's task log (a job driver placed on this node).
 *
 * Cancel: non-force sends the spec's stop_signal (SIGINT by default) to the
 * group and SIGKILL 3 s later; force
 * sends SIGKILL at once. The done callback runs exactly once, from the loop,
 * after every handle is closed; the runner then frees itself. */
#ifndef RC_EXEC_CMD_H
#define RC_EXEC_CMD_H

#include <stddef.h>
#include <sys/types.h>

#include <uv.h>

#include "err.h"
#include "exec.h"

#define RC_EXEC_CMD_KILL_AFTER_MS 3000

typedef struct rc_exec_cmd rc_exec_cmd_t;

/* Starts spec's argv. On failure (empty argv, a program that cannot be run)
 * returns an error with a message for the user in err and calls nothing. */
rc_err_t rc_exec_cmd_start(uv_loop_t *loop, const Rayc__TaskSpec *spec, const rc_exec_env_t *env,
                           rc_exec_done_fn done, void *arg, rc_exec_cmd_t **out, char *err,
                           size_t errcap);
void rc_exec_cmd_cancel(rc_exec_cmd_t *c, int force);
/* SIGKILL to the group now; the result gets this status and message instead
 * of the exit code's (the drain timeout: STATUS_WORKER_DIED). */
void rc_exec_cmd_kill(rc_exec_cmd_t *c, int status, const char *msg);
pid_t rc_exec_cmd_pid(const rc_exec_cmd_t *c);

#endif
