/* objfd.h — object memfds between the worker agent and its executors, over the
 * executor's fd 5: an AF_UNIX SOCK_SEQPACKET socket (task.proto, above
 * ExecRequest).
 *
 * Owns nothing: three calls. A message carries the fds of one request (or of
 * one result) as one SCM_RIGHTS control message, and as its bytes their count
 * (a little-endian uint32), so a receiver can tell a message whose fds it lost
 * (its own fd limit: the kernel drops what it cannot install and sets
 * MSG_CTRUNC) from a sender that sent fewer than it announced. Received fds
 * are close-on-exec. At most RC_OBJFD_MAX fds travel in one message (the
 * kernel's SCM_MAX_FD).
 *
 * rc_objfd_check is what the agent asks of every memfd an executor hands back:
 * sealed against writes, growth and shrinking, and exactly the size announced,
 * so a broken executor cannot give the store a mutable or wrong-sized object. */
#ifndef RC_EXEC_OBJFD_H
#define RC_EXEC_OBJFD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define RC_OBJFD_MAX 253 /* SCM_MAX_FD */

/* Sends fds[0..n) (1 <= n <= RC_OBJFD_MAX) as one message; EINTR is retried.
 * The fds stay the caller's (the receiver gets duplicates). RC_EAGAIN: a
 * nonblocking socket is full; RC_ECLOSED: the peer is gone (EPIPE,
 * ECONNRESET); RC_EINVAL: bad n; RC_EIO: any other failure, errno kept
 * (ETOOMANYREFS, ENOBUFS, ENOMEM…). */
rc_err_t rc_objfd_send(int sock, const int *fds, size_t n);

/* Receives one message into fds (room for cap <= RC_OBJFD_MAX) and *n.
 * flags: 0 or MSG_DONTWAIT. EINTR is retried. RC_OK: *n fds, as many as the
 * message announced; RC_EAGAIN: no message waiting (MSG_DONTWAIT);
 * RC_ECLOSED: the peer closed its end; RC_EPROTO: a malformed message (no or
 * a bad count, more fds than cap or than announced, fds missing that the
 * sender did not send) — every fd it brought is closed; RC_EIO: a receive
 * error, errno kept, or the announced fds were lost on our side (MSG_CTRUNC
 * within cap: errno EMFILE, this process is at its fd limit). */
rc_err_t rc_objfd_recv(int sock, int flags, int *fds, size_t cap, size_t *n);

/* RC_OK when fd is a memfd sealed with F_SEAL_WRITE, F_SEAL_GROW and
 * F_SEAL_SHRINK that holds exactly size bytes; otherwise RC_EPROTO and a
 * sentence in err (NULL allowed) saying what is wrong. */
rc_err_t rc_objfd_check(int fd, uint64_t size, char *err, size_t errcap);

#endif
