/* fdio.h — whole writes to file descriptors, and whole reads of small files. */
#ifndef RC_FDIO_H
#define RC_FDIO_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Writes p[0..n) to fd, continuing after short writes and EINTR (blocking fds).
 * RC_EIO on any other failure, errno kept for the caller's message. */
rc_err_t rc_write_all(int fd, const void *p, size_t n);

/* Appends the whole regular file at path to out, at most max bytes. oflags are
 * added to O_RDONLY | O_CLOEXEC (e.g. O_NOFOLLOW). RC_EIO, errno kept, when it
 * cannot be opened or read, or is no regular file (errno EINVAL); RC_ETOOBIG
 * when it holds more than max bytes. out keeps what was read either way. */
rc_err_t rc_read_file(const char *path, int oflags, size_t max, rc_buf_t *out);

#endif
