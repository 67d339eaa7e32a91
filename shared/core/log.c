/* log.c — one line per event to stderr and an optional file. */
#include "log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static _Atomic int cur_level = RC_LOG_INFO;
static _Atomic int file_fd = -1;
static _Atomic int to_stderr = 1;

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR", "OFF"};

rc_err_t rc_log_level_parse(const char *s, rc_log_level_t *out)
{
    static const struct {
        const char *name;
        rc_log_level_t level;
    } map[] = {{"debug", RC_LOG_DEBUG},  {"info", RC_LOG_INFO},   {"warn", RC_LOG_WARN},
               {"warning", RC_LOG_WARN}, {"error", RC_LOG_ERROR}, {"off", RC_LOG_OFF}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcasecmp(s, map[i].name) == 0) {
            *out = map[i].level;
            return RC_OK;
        }
    }
    return RC_EINVAL;
}

void rc_log_init(void)
{
    const char *env = getenv("RAYC_LOG_LEVEL");
    rc_log_level_t level;
    if (!env || !*env) return;
    if (rc_log_level_parse(env, &level) == RC_OK) {
        rc_log_set_level(level);
    } else {
        rc_log_warn("log", "ignoring RAYC_LOG_LEVEL=%s: use debug, info, warn or error", env);
    }
}

void rc_log_set_level(rc_log_level_t level)
{
    atomic_store(&cur_level, (int)level);
}

rc_log_level_t rc_log_get_level(void)
{
    return (rc_log_level_t)atomic_load(&cur_level);
}

rc_err_t rc_log_open_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return RC_EIO;
    int old = atomic_exchange(&file_fd, fd);
    if (old >= 0) close(old);
    return RC_OK;
}

void rc_log_set_stderr(int enabled)
{
    atomic_store(&to_stderr, enabled);
}

void rc_log_close(void)
{
    int old = atomic_exchange(&file_fd, -1);
    if (old >= 0) close(old);
}

int rc_log_format(char *out, size_t cap, rc_log_level_t level, const char *component,
                  const char *msg)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    if ((unsigned)level > RC_LOG_OFF) level = RC_LOG_ERROR;
    return snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %-5s %s: %s", tm.tm_year + 1900,
                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                    (int)(tv.tv_usec / 1000), level_names[level], component, msg);
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return; /* a log line is not worth blocking or retrying on */
        p += w;
        n -= (size_t)w;
    }
}

void rc_log(rc_log_level_t level, const char *component, const char *fmt, ...)
{
    char msg[2048];
    char line[2304];
    if ((int)level < atomic_load(&cur_level) || level >= RC_LOG_OFF) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    int n = rc_log_format(line, sizeof(line) - 1, level, component, msg);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof(line) - 1 ? (size_t)n : sizeof(line) - 2;
    line[len++] = '\n';
    if (atomic_load(&to_stderr)) write_all(STDERR_FILENO, line, len);
    int fd = atomic_load(&file_fd);
    if (fd >= 0) write_all(fd, line, len);
}
