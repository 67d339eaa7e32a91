/* cli_harness.h — runs a CLI entry point (rc_cli_job, rc_cli_list, …) in a
 * forked child whose stdout and stderr go to temporary files, for the
 * end-to-end CLI tests of this directory. The parent may talk to the child
 * (answer its HTTP request, signal it) between cli_spawn and cli_wait. */
#ifndef CLI_HARNESS_H
#define CLI_HARNESS_H

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "buf.h"

#define CLI_MAX_ARGS 32

typedef struct {
    pid_t pid;
    FILE *out, *err;
    const char *what; /* for the timeout message */
} cli_child_t;

typedef struct {
    int code; /* exit status, or 128 + signal */
    char *out, *err;
} cli_result_t;

/* Collects the NULL-terminated arguments of ap into args (at most
 * CLI_MAX_ARGS - 1, then a NULL); returns their count. */
static inline int cli_args(char *args[CLI_MAX_ARGS], va_list ap)
{
    int argc = 0;
    for (char *a; argc < CLI_MAX_ARGS - 1 && (a = va_arg(ap, char *)) != NULL;) args[argc++] = a;
    args[argc] = NULL;
    return argc;
}

static inline cli_child_t cli_spawn(int (*fn)(int, char **), int argc, char **args)
{
    cli_child_t c = {.out = tmpfile(), .err = tmpfile(), .what = argc ? args[0] : ""};
    assert_non_null(c.out);
    assert_non_null(c.err);
    fflush(stdout);
    fflush(stderr);
    c.pid = fork();
    assert_true(c.pid >= 0);
    if (c.pid == 0) {
        dup2(fileno(c.out), 1);
        dup2(fileno(c.err), 2);
        int code = fn(argc, args);
        fflush(stdout);
        fflush(stderr);
        _exit(code);
    }
    return c;
}

static inline char *cli_slurp(FILE *f)
{
    rc_buf_t b = RC_BUF_INIT;
    char chunk[4096];
    size_t n;
    rewind(f);
    rc_buf_append_str(&b, "");
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) rc_buf_append(&b, chunk, n);
    fclose(f);
    return rc_buf_detach(&b, NULL);
}

/* Waits for the child, 60 s at most (then kills it and fails the test). */
static inline cli_result_t cli_wait(cli_child_t *c)
{
    int status = 0;
    for (int i = 0; i < 600; i++) {
        if (waitpid(c->pid, &status, WNOHANG) == c->pid) break;
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
        if (i == 599) {
            kill(c->pid, SIGKILL);
            waitpid(c->pid, &status, 0);
            fail_msg("rayc %s did not finish in 60 s", c->what);
        }
    }
    cli_result_t r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = cli_slurp(c->out);
    r.err = cli_slurp(c->err);
    return r;
}

static inline void cli_result_free(cli_result_t *r)
{
    rc_free(r->out);
    rc_free(r->err);
}

#endif
