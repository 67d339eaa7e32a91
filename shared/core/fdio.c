/* fdio.c — whole writes to file descriptors, whole reads of files (see fdio.h). */
#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
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

rc_err_t rc_read_file(const char *path, int oflags, size_t max, rc_buf_t *out)
{
    struct stat st;
    size_t start = out->len;
    int fd = open(path, O_RDONLY | O_CLOEXEC | oflags);
    if (fd < 0) return RC_EIO;
    rc_err_t rc = RC_EIO;
    if (fstat(fd, &st) != 0) goto done;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        goto done;
    }
    for (;;) {
        /* One byte past max tells a file of exactly max bytes from a longer one. */
        size_t want = max + 1 - (out->len - start);
        if (want > 65536) want = 65536;
        char *p = rc_buf_reserve(out, want);
        ssize_t n = read(fd, p, want);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) goto done;
        if (n == 0) break;
        out->len += (size_t)n;
        if (out->len - start > max) {
            rc = RC_ETOOBIG;
            goto done;
        }
    }
    rc = RC_OK;
done:
    if (fd >= 0) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    return rc;
}
