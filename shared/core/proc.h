/* proc.h — facts about processes that rayc programs look up: where a sibling
 * program is installed, and a process's state and start time (Linux /proc).
 *
 * Programs find each other beside themselves: `rayc` execs rayc-head and
 * rayc-worker, the worker agent starts rayc-executor, the head rayc-job-runner. */
#ifndef RC_PROC_H
#define RC_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes the path of prog in the directory of the running program into out.
 * Returns 0 when that file is executable, -1 otherwise; when our own path
 * cannot be read, out is prog itself (to be found in PATH). */
int rc_proc_sibling(const char *prog, char *out, size_t cap);

/* From /proc/<pid>/stat: the state letter ('R', 'S', 'Z' …) and the start time
 * in clock ticks since boot (with the pid, it names one process across pid
 * reuse). Either pointer may be NULL. Returns 0, or -1 when there is no such
 * process (or /proc cannot be read). */
int rc_proc_stat(pid_t pid, char *state, uint64_t *start_ticks);

#endif
