/* fdio.h — whole writes to file descriptors. */
#ifndef RC_FDIO_H
#define RC_FDIO_H

#include <stddef.h>

#include "err.h"

/* Writes p[0..n) to fd, continuing after short writes and EINTR (blocking fds).
 * RC_EIO on any other failure, errno kept for the caller's message. */
rc_err_t rc_write_all(int fd, const void *p, size_t n);

#endif
