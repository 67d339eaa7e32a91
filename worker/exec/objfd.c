/* objfd.c — passing and checking object memfds (see objfd.h). */
#include "objfd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define COUNT_LEN 4

typedef union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int) * RC_OBJFD_MAX)];
} cmsg_buf_t;

rc_err_t rc_objfd_send(int sock, const int *fds, size_t n)
{
    if (n < 1 || n > RC_OBJFD_MAX) return RC_EINVAL;
    uint8_t count[COUNT_LEN] = {(uint8_t)n, (uint8_t)(n >> 8), 0, 0};
    struct iovec iov = {count, sizeof(count)};
    cmsg_buf_t c;
    memset(&c, 0, sizeof(c));
    struct msghdr m;
    memset(&m, 0, sizeof(m));
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = c.buf;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(h), fds, sizeof(int) * n);
    for (;;) {
        /* MSG_NOSIGNAL: a dead peer is an error to report, not a SIGPIPE. */
        if (sendmsg(sock, &m, MSG_NOSIGNAL) >= 0) return RC_OK;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return RC_EAGAIN;
        if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN) return RC_ECLOSED;
        return RC_EIO;
    }
}

static void close_all(const int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++) close(fds[i]);
}

rc_err_t rc_objfd_recv(int sock, int flags, int *fds, size_t cap, size_t *n)
{
    *n = 0;
    uint8_t data[COUNT_LEN + 1]; /* one more: a longer message shows as 5 bytes */
    struct iovec iov = {data, sizeof(data)};
    cmsg_buf_t c;
    struct msghdr m;
    ssize_t got;
    for (;;) {
        memset(&m, 0, sizeof(m));
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = c.buf;
        m.msg_controllen = sizeof(c.buf);
        got = recvmsg(sock, &m, flags | MSG_CMSG_CLOEXEC);
        if (got >= 0) break;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return RC_EAGAIN;
        if (errno == ECONNRESET) return RC_ECLOSED;
        return RC_EIO;
    }
    /* Collect every fd that arrived, whatever else is wrong, so none leaks. */
    int in[RC_OBJFD_MAX];
    size_t nin = 0;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
        size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
            if (nin < RC_OBJFD_MAX)
                in[nin++] = fd;
            else
                close(fd);
        }
    }
    if (got == 0 && nin == 0) return RC_ECLOSED;
    if (got != COUNT_LEN || (m.msg_flags & MSG_TRUNC)) goto proto;
    uint32_t count = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                     (uint32_t)data[3] << 24;
    if (count > cap || nin > count) goto proto;
    if (nin < count) {
        close_all(in, nin);
        if (!(m.msg_flags & MSG_CTRUNC)) return RC_EPROTO;
        errno = EMFILE;
        return RC_EIO;
    }
    memcpy(fds, in, nin * sizeof(int));
    *n = nin;
    return RC_OK;
proto:
    close_all(in, nin);
    return RC_EPROTO;
}

rc_err_t rc_objfd_check(int fd, uint64_t size, char *err, size_t errcap)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errcap = sizeof(dummy);
    }
    struct stat st;
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errcap, "it is not a memfd (F_GET_SEALS: %s)",
                 seals < 0 ? strerror(errno) : "not a regular file");
        return RC_EPROTO;
    }
    const struct {
        int seal;
        const char *what;
    } need[] = {{F_SEAL_WRITE, "writes"}, {F_SEAL_GROW, "growth"}, {F_SEAL_SHRINK, "shrinking"}};
    char missing[64] = "";
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (seals & need[i].seal) continue;
        size_t at = strlen(missing);
        snprintf(missing + at, sizeof(missing) - at, "%s%s", at ? ", " : "", need[i].what);
    }
    if (*missing) {
        snprintf(err, errcap,
                 "the memfd is not sealed against %s (it must carry F_SEAL_WRITE, F_SEAL_GROW "
                 "and F_SEAL_SHRINK)",
                 missing);
        return RC_EPROTO;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size != size) {
        snprintf(err, errcap, "the memfd holds %lld bytes, not the %llu announced",
                 (long long)st.st_size, (unsigned long long)size);
        return RC_EPROTO;
    }
    return RC_OK;
}
