/* cmd.c — command tasks (see cmd.h). */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "envv.h"
#include "log.h"

#define COMP "exec"
/* After the main process exits, how long its pipes may stay open (a child
 * that escaped the group kill) before we stop reading. */
#define PIPE_GRACE_MS 1000

struct rc_exec_cmd {
    uv_loop_t *loop;
    uv_process_t proc;
    uv_pipe_t out, err;
    uv_timer_t timer;
    int log_fd;
    int own_log_fd; /* spec.log_path opened by us (-1: none) */
    int stop_signal;
    rc_exec_done_fn done;
    void *arg;
    rc_exec_result_t *res;
    rc_buf_t tail;
    pid_t pid;
    int exited, out_open, err_open, handles, closing;
    int64_t exit_status;
    int term_signal;
    int cancelled, killed_status; /* killed_status: 0 or the status of rc_exec_cmd_kill */
    char *kill_msg;
};

static void maybe_finish(rc_exec_cmd_t *c);

static void on_closed(uv_handle_t *h)
{
    rc_exec_cmd_t *c = h->data;
    if (--c->handles > 0) return;
    rc_exec_result_t *res = c->res;
    c->res = NULL;
    rc_exec_done_fn done = c->done;
    void *arg = c->arg;
    rc_buf_free(&c->tail);
    rc_free(c->kill_msg);
    if (c->own_log_fd >= 0) close(c->own_log_fd);
    rc_free(c);
    if (done)
        done(arg, res);
    else
        rc_exec_result_free(res); /* a failed start: nobody is told */
}

static void log_write(int fd, const char *p, size_t n)
{
    while (fd >= 0 && n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return; /* a full disk loses log lines, not the task */
        }
        p += w;
        n -= (size_t)w;
    }
}

static void close_pipe(rc_exec_cmd_t *c, uv_pipe_t *p, int *open)
{
    if (!*open) return;
    *open = 0;
    uv_close((uv_handle_t *)p, on_closed);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    rc_exec_cmd_t *c = s->data;
    int is_out = s == (uv_stream_t *)&c->out;
    if (n > 0) {
        log_write(c->log_fd, buf->base, (size_t)n);
        if (is_out) {
            rc_buf_append(&c->tail, buf->base, (size_t)n);
            /* Trim in big steps so the tail costs O(1) amortised per byte. */
            if (c->tail.len > 2 * RC_EXEC_STDOUT_TAIL)
                rc_buf_consume(&c->tail, c->tail.len - RC_EXEC_STDOUT_TAIL);
        }
        return;
    }
    if (n == 0) return;
    /* EOF or an error: this stream is done. */
    close_pipe(c, is_out ? &c->out : &c->err, is_out ? &c->out_open : &c->err_open);
    maybe_finish(c);
}

static void on_grace(uv_timer_t *t)
{
    rc_exec_cmd_t *c = t->data;
    close_pipe(c, &c->out, &c->out_open);
    close_pipe(c, &c->err, &c->err_open);
    maybe_finish(c);
}

static void group_kill(rc_exec_cmd_t *c, int sig)
{
    /* The group may be gone already (ESRCH): nothing left to kill. */
    if (c->pid > 0) kill(-c->pid, sig);
}

static void on_kill_timer(uv_timer_t *t)
{
    rc_exec_cmd_t *c = t->data;
    group_kill(c, SIGKILL);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    rc_exec_cmd_t *c = p->data;
    c->exited = 1;
    c->exit_status = status;
    c->term_signal = sig;
    /* Whatever the command left behind in its group goes with it. */
    group_kill(c, SIGKILL);
    uv_timer_stop(&c->timer);
    if (c->out_open || c->err_open) uv_timer_start(&c->timer, on_grace, PIPE_GRACE_MS, 0);
    maybe_finish(c);
}

static void maybe_finish(rc_exec_cmd_t *c)
{
    if (c->closing || !c->exited || c->out_open || c->err_open) return;
    c->closing = 1;
    rc_exec_result_t *r = c->res;
    r->exit_code = c->term_signal ? 128 + c->term_signal : (int32_t)c->exit_status;
    if (c->tail.len > RC_EXEC_STDOUT_TAIL)
        rc_buf_consume(&c->tail, c->tail.len - RC_EXEC_STDOUT_TAIL);
    if (c->tail.len) r->data = (uint8_t *)rc_buf_detach(&c->tail, &r->len);
    if (c->killed_status) {
        r->status = c->killed_status;
        rc_exec_result_error(r, "%s", c->kill_msg ? c->kill_msg : "killed");
    } else if (c->cancelled) {
        r->status = RAYC__TASK_STATUS__STATUS_CANCELLED;
        rc_exec_result_error(r, "task cancelled (command ended with status %d)", r->exit_code);
    } else if (r->exit_code == 0) {
        r->status = RAYC__TASK_STATUS__STATUS_OK;
    } else {
        r->status = RAYC__TASK_STATUS__STATUS_APP_ERROR;
        if (c->term_signal)
            rc_exec_result_error(r, "command killed by signal %d (%s)", c->term_signal,
                                 strsignal(c->term_signal));
        else
            rc_exec_result_error(r, "command exited with status %d", r->exit_code);
    }
    uv_close((uv_handle_t *)&c->timer, on_closed);
    uv_close((uv_handle_t *)&c->proc, on_closed);
}

rc_err_t rc_exec_cmd_start(uv_loop_t *loop, const Rayc__TaskSpec *spec, const rc_exec_env_t *env,
                           rc_exec_done_fn done, void *arg, rc_exec_cmd_t **out, char *err,
                           size_t errcap)
{
    *out = NULL;
    if (spec->n_argv == 0 || !spec->argv[0] || !spec->argv[0][0]) {
        snprintf(err, errcap, "command task with an empty argv: give the program to run");
        return RC_EINVAL;
    }
    int own_log_fd = -1;
    if (spec->log_path && *spec->log_path) {
        own_log_fd = open(spec->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (own_log_fd < 0) {
            snprintf(err, errcap,
                     "cannot open the task's log %s: %s (is the shared volume "
                     "mounted at the same path on this node?)",
                     spec->log_path, strerror(errno));
            return RC_EIO;
        }
    }
    rc_exec_cmd_t *c = rc_calloc(1, sizeof(*c));
    c->loop = loop;
    c->log_fd = own_log_fd >= 0 ? own_log_fd : env->log_fd;
    c->own_log_fd = own_log_fd;
    c->stop_signal = spec->stop_signal > 0 ? spec->stop_signal : SIGINT;
    c->done = done;
    c->arg = arg;
    rc_buf_init(&c->tail);
    c->res = rc_exec_result_new(&spec->task_id, spec->attempt, RAYC__TASK_STATUS__STATUS_OK);
    uv_pipe_init(loop, &c->out, 0);
    uv_pipe_init(loop, &c->err, 0);
    uv_timer_init(loop, &c->timer);
    c->out.data = c->err.data = c->timer.data = c->proc.data = c;

    char **argv = rc_calloc(spec->n_argv + 1, sizeof(*argv));
    for (size_t i = 0; i < spec->n_argv; i++) argv[i] = spec->argv[i];
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[1].data.stream = (uv_stream_t *)&c->out;
    stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[2].data.stream = (uv_stream_t *)&c->err;
    uv_process_options_t o;
    memset(&o, 0, sizeof(o));
    o.exit_cb = on_exit_cb;
    o.file = argv[0];
    o.args = argv;
    char **merged = NULL;
    if (spec->n_env) merged = rc_envv_merge(env->env, (const char *const *)spec->env, spec->n_env);
    o.env = merged ? merged : env->env;
    o.cwd = spec->cwd && *spec->cwd ? spec->cwd : env->cwd;
    /* DETACHED = setsid(): the task's own session and process group, so a
     * signal to -pid reaches everything it starts. */
    o.flags = UV_PROCESS_DETACHED;
    o.stdio_count = 3;
    o.stdio = stdio;
    int rc = uv_spawn(loop, &c->proc, &o);
    rc_free(argv);
    rc_envv_free(merged);
    if (rc != 0) {
        snprintf(err, errcap, "cannot run %s: %s (check the program's path and permissions)",
                 spec->argv[0], uv_strerror(rc));
        /* libuv wants even a failed process handle closed; the runner is
         * freed by the last close callback, which calls nobody. */
        c->done = NULL;
        c->closing = 1;
        c->handles = 4;
        uv_close((uv_handle_t *)&c->out, on_closed);
        uv_close((uv_handle_t *)&c->err, on_closed);
        uv_close((uv_handle_t *)&c->timer, on_closed);
        uv_close((uv_handle_t *)&c->proc, on_closed);
        return RC_EINVAL;
    }
    c->pid = c->proc.pid;
    c->out_open = c->err_open = 1;
    c->handles = 4;
    uv_read_start((uv_stream_t *)&c->out, rc_exec_scratch_alloc, on_read);
    uv_read_start((uv_stream_t *)&c->err, rc_exec_scratch_alloc, on_read);
    *out = c;
    return RC_OK;
}

void rc_exec_cmd_cancel(rc_exec_cmd_t *c, int force)
{
    if (c->closing) return;
    c->cancelled = 1;
    if (c->exited) return;
    if (force) {
        group_kill(c, SIGKILL);
    } else {
        group_kill(c, c->stop_signal);
        uv_timer_start(&c->timer, on_kill_timer, RC_EXEC_CMD_KILL_AFTER_MS, 0);
    }
}

void rc_exec_cmd_kill(rc_exec_cmd_t *c, int status, const char *msg)
{
    if (c->closing) return;
    c->killed_status = status;
    rc_free(c->kill_msg);
    c->kill_msg = rc_strdup(msg);
    if (!c->exited) group_kill(c, SIGKILL);
}

pid_t rc_exec_cmd_pid(const rc_exec_cmd_t *c)
{
    return c->pid;
}
