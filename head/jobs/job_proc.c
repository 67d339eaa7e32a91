/* job_proc.c — the driver process of a job running on the head. */
#include "job_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "log.h"

struct rc_job_proc {
    uv_process_t proc;
    uv_timer_t timer;
    rc_job_proc_exit_fn fn;
    void *arg;
    pid_t pid;
    int stopping;
    int exited;
    int open_handles;
    int64_t exit_status;
    int term_signal;
};

static void free_on_close(uv_handle_t *h)
{
    rc_free(h->data);
}

static void on_close(uv_handle_t *h)
{
    rc_job_proc_t *p = h->data;
    if (--p->open_handles > 0) return;
    p->fn(p->arg, p->exit_status, p->term_signal);
    rc_free(p);
}

static void proc_exited(uv_process_t *proc, int64_t status, int sig)
{
    rc_job_proc_t *p = proc->data;
    p->exited = 1;
    p->exit_status = sig ? 128 + sig : status;
    p->term_signal = sig;
    /* Children the driver left behind go with it. */
    kill(-p->pid, SIGKILL);
    uv_timer_stop(&p->timer);
    uv_close((uv_handle_t *)&p->proc, on_close);
    uv_close((uv_handle_t *)&p->timer, on_close);
}

static void on_kill_timer(uv_timer_t *t)
{
    rc_job_proc_t *p = t->data;
    if (p->exited) return;
    rc_log_info("jobs", "driver did not stop after SIGTERM, sending SIGKILL pgid=%d", (int)p->pid);
    kill(-p->pid, SIGKILL);
}

rc_err_t rc_job_proc_start(uv_loop_t *loop, const rc_job_proc_opts_t *o, rc_job_proc_exit_fn fn,
                           void *arg, rc_job_proc_t **out, char *err, size_t errcap)
{
    int logfd = open(o->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (logfd < 0) {
        snprintf(err, errcap, "cannot open the driver log %s: %s", o->log_path, strerror(errno));
        return RC_EIO;
    }
    int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    rc_job_proc_t *p = rc_calloc(1, sizeof(*p));
    char *args[] = {"/bin/sh", "-c", (char *)o->entrypoint, NULL};
    uv_stdio_container_t stdio[3] = {
        {.flags = nullfd >= 0 ? UV_INHERIT_FD : UV_IGNORE, .data.fd = nullfd},
        {.flags = UV_INHERIT_FD, .data.fd = logfd},
        {.flags = UV_INHERIT_FD, .data.fd = logfd},
    };
    uv_process_options_t po = {
        .exit_cb = proc_exited,
        .file = "/bin/sh",
        .args = args,
        .env = o->env,
        .cwd = o->cwd,
        /* setsid(): a session and process group of its own, so a signal to the
         * group reaches the driver and everything it starts, and not us. */
        .flags = UV_PROCESS_DETACHED,
        .stdio_count = 3,
        .stdio = stdio,
    };
    p->fn = fn;
    p->arg = arg;
    p->proc.data = p;
    int rc = uv_spawn(loop, &p->proc, &po);
    close(logfd);
    if (nullfd >= 0) close(nullfd);
    if (rc != 0) {
        snprintf(err, errcap, "cannot start the entrypoint: %s%s", uv_strerror(rc),
                 rc == UV_ENOENT && o->cwd ? " (does the working_dir exist?)" : "");
        /* A failed uv_spawn still initialised the handle: close it, then free. */
        uv_close((uv_handle_t *)&p->proc, free_on_close);
        return RC_EIO;
    }
    p->pid = p->proc.pid;
    uv_timer_init(loop, &p->timer);
    p->timer.data = p;
    p->open_handles = 2;
    *out = p;
    return RC_OK;
}

pid_t rc_job_proc_pid(const rc_job_proc_t *p)
{
    return p->pid;
}

void rc_job_proc_stop(rc_job_proc_t *p)
{
    if (p->exited || p->stopping) return;
    p->stopping = 1;
    kill(-p->pid, SIGTERM);
    uv_timer_start(&p->timer, on_kill_timer, RC_JOB_PROC_KILL_AFTER_MS, 0);
}

void rc_job_proc_kill(rc_job_proc_t *p)
{
    if (!p->exited) kill(-p->pid, SIGKILL);
}
