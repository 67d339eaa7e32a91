/* file.c — read-only mappings and atomic writes (see file.h). */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"

rc_err_t rc_file_map(const char *path, rc_file_map_t *out, char *err, size_t errcap)
{
    out->data = NULL;
    out->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errcap, "%s: cannot open: %s", path, strerror(errno));
        return RC_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errcap, "%s: not a regular file", path);
        close(fd);
        return RC_EIO;
    }
    if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            snprintf(err, errcap, "%s: cannot map: %s", path, strerror(errno));
            close(fd);
            return RC_EIO;
        }
        /* One sequential pass per mapping: let the kernel read ahead. */
        madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
        out->data = p;
        out->len = (size_t)st.st_size;
    }
    close(fd);
    return RC_OK;
}

void rc_file_unmap(rc_file_map_t *m)
{
    if (m->data) munmap((void *)m->data, m->len);
    m->data = NULL;
    m->len = 0;
}

rc_err_t rc_file_atomic_open(rc_file_atomic_t *a, const char *path, char *err, size_t errcap)
{
    /* pid + clock + sequence: unique per attempt without touching the thread's
     * random stream, which generation seeds deterministically. */
    static unsigned seq;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    a->fd = -1;
    int n = snprintf(a->tmp, sizeof(a->tmp), "%s.tmp.%d.%" PRIx64 ".%u", path, (int)getpid(),
                     (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, seq++);
    if (strlen(path) >= sizeof(a->path) || n < 0 || (size_t)n >= sizeof(a->tmp)) {
        snprintf(err, errcap, "%s: path too long", path);
        return RC_EINVAL;
    }
    snprintf(a->path, sizeof(a->path), "%s", path);
    a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (a->fd < 0) {
        snprintf(err, errcap, "%s: cannot create: %s", a->tmp, strerror(errno));
        return RC_EIO;
    }
    return RC_OK;
}

rc_err_t rc_file_atomic_write(rc_file_atomic_t *a, const void *data, size_t len, char *err,
                              size_t errcap)
{
    if (rc_write_all(a->fd, data, len) != RC_OK) {
        snprintf(err, errcap, "%s: cannot write: %s", a->tmp, strerror(errno));
        return RC_EIO;
    }
    return RC_OK;
}

rc_err_t rc_file_atomic_commit(rc_file_atomic_t *a, char *err, size_t errcap)
{
    int rc = close(a->fd);
    a->fd = -1;
    if (rc != 0) {
        snprintf(err, errcap, "%s: cannot write: %s", a->tmp, strerror(errno));
        unlink(a->tmp);
        return RC_EIO;
    }
    if (rename(a->tmp, a->path) != 0) {
        snprintf(err, errcap, "%s: cannot rename into place: %s", a->path, strerror(errno));
        unlink(a->tmp);
        return RC_EIO;
    }
    return RC_OK;
}

void rc_file_atomic_abort(rc_file_atomic_t *a)
{
    if (a->fd >= 0) close(a->fd);
    a->fd = -1;
    unlink(a->tmp);
}

rc_err_t rc_file_write_atomic(const char *path, const void *data, size_t len, char *err,
                              size_t errcap)
{
    rc_file_atomic_t a;
    rc_err_t rc = rc_file_atomic_open(&a, path, err, errcap);
    if (rc != RC_OK) return rc;
    rc = rc_file_atomic_write(&a, data, len, err, errcap);
    if (rc != RC_OK) {
        rc_file_atomic_abort(&a);
        return rc;
    }
    return rc_file_atomic_commit(&a, err, errcap);
}
