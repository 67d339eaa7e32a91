/* daemon.c — fork with a readiness pipe, and pid files. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

int rc_mkdirs(const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int rc_pidfile_write(const char *temp_dir, const char *prog, char *path, size_t cap)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/pids", temp_dir);
    if (rc_mkdirs(dir) != 0) return -1;
    snprintf(path, cap, "%s/%s-%d.pid", dir, prog, (int)getpid());
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "%d\n", (int)getpid());
    return fclose(f);
}

int rc_daemon_fork(rc_daemon_t *d, char *msg, size_t cap)
{
    int p[2];
    d->fd = -1;
    if (pipe(p) != 0) return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        d->fd = p[1];
        setsid();
        /* The log file has the details; the terminal gets the verdict via the pipe. */
        rc_log_set_stderr(0);
        return 2;
    }
    close(p[1]);
    size_t got = 0;
    while (got + 1 < cap) {
        ssize_t n = read(p[0], msg + got, cap - 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(p[0]);
    msg[got] = '\0';
    if (got >= 1 && msg[0] == '+') {
        memmove(msg, msg + 1, got);
        return 1;
    }
    if (got >= 1 && msg[0] == '-') memmove(msg, msg + 1, got);
    if (got == 0) snprintf(msg, cap, "it exited during start-up");
    return 0;
}

static void send(rc_daemon_t *d, char tag, const char *text)
{
    if (d->fd < 0) return;
    (void)!write(d->fd, &tag, 1);
    (void)!write(d->fd, text, strlen(text));
    close(d->fd);
    d->fd = -1;
}

void rc_daemon_ready(rc_daemon_t *d, const char *msg)
{
    if (d->fd < 0) return;
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) close(fd);
    }
    send(d, '+', msg);
}

void rc_daemon_failed(rc_daemon_t *d, const char *err)
{
    send(d, '-', err);
}
