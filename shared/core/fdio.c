/* fdio.c — whole writes to file descriptors (see fdio.h). */
#include "fdio.h"

#include <errno.h>
#include <unistd.h>

rc_err_t rc_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return RC_EIO;
        if (w == 0) {
            errno = EIO;
            return RC_EIO;
        }
        c += w;
        n -= (size_t)w;
    }
    return RC_OK;
}
