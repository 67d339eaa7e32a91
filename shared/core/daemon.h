/* daemon.h — detaching a rayc program (`rayc start` without --block) and its pid
 * file, shared by rayc-head and rayc-worker.
 *
 * Readiness goes through a pipe: the parent waits until the child has done its
 * start-up (bound its ports, registered …) and says either "ready" with a short
 * message (printed by the parent, which then exits 0) or why it failed (printed,
 * exit 1). So `rayc start` returns only once the node works, with a real error
 * otherwise. */
#ifndef RC_DAEMON_H
#define RC_DAEMON_H

#include <stddef.h>

typedef struct {
    int fd; /* child: write end of the readiness pipe; -1 when not detached */
} rc_daemon_t;

/* Forks. In the parent: waits for the child's verdict, copies its message into
 * msg and returns 1 if the child is ready, 0 if it failed (or died). In the
 * child: starts a new session, stops logging to stderr, returns 2. On a fork or
 * pipe error returns -1 (errno set). */
int rc_daemon_fork(rc_daemon_t *d, char *msg, size_t cap);
/* Child: start-up done. Sends msg to the parent and moves stdio to /dev/null. */
void rc_daemon_ready(rc_daemon_t *d, const char *msg);
/* Child: start-up failed. Sends err to the parent (the caller then exits). */
void rc_daemon_failed(rc_daemon_t *d, const char *err);

/* mkdir -p with mode 0755; 0 on success, -1 with errno. */
int rc_mkdirs(const char *path);
/* Writes <temp_dir>/pids/<prog>-<pid>.pid (read by `rayc stop`); fills path. */
int rc_pidfile_write(const char *temp_dir, const char *prog, char *path, size_t cap);

#endif
