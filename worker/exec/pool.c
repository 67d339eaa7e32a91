/* pool.c — executors and command tasks on the node's slots (see pool.h). */
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "cmd.h"
#include "frame.h"
#include "log.h"
#include "objfd.h"

#define COMP              "exec"
#define SPAWN_BACKOFF_MIN 100
#define SPAWN_BACKOFF_MAX 10000
#define EX_PIPELINE       8 /* tasks handed to one executor at once */

typedef struct ex ex_t;

typedef struct task {
    struct task *next, *prev;
    rc_exec_pool_t *p;
    uint8_t *id;
    size_t idlen;
    uint32_t attempt;
    int is_cmd;
    uint8_t *frame; /* function: the framed ExecRequest */
    size_t framelen;
    /* function: our duplicates of its object memfds, in ExecRequest.objects
     * order. Kept until the task ends, not just until they are sent: a task
     * handed to an executor that dies before starting it goes to another one. */
    int *fds;
    size_t nfds;
    ex_t *ex;            /* function: the executor it was handed to; NULL while queued */
    struct task *exnext; /* next task handed to the same executor */
    rc_exec_cmd_t *cmd;  /* command: its runner */
    int cancelled;
    int kill_status; /* kill_all: the status to report instead */
    char *kill_msg;
} task_t;

struct ex {
    ex_t *next;
    rc_exec_pool_t *p;
    uv_process_t proc;
    uv_pipe_t in, out; /* in: our writes, its fd 3; out: its fd 4, our reads */
    int sock;          /* our end of its fd 5 (objfd.h), nonblocking; -1 once dead */
    rc_frame_reader_t rd;
    /* Tasks handed to it, in order: the first runs, the rest wait in its pipe
     * (up to EX_PIPELINE), so a no-op task costs no round trip of its own. */
    task_t *qhead, *qtail;
    size_t nq;
    int pid, exited, dead, handles, had_task;
    rc_id_t id;            /* its worker_id, random per process */
    int64_t start_time_ms; /* wall clock */
    uint64_t done;         /* results it sent */
};

typedef struct {
    uv_write_t req;
    uint8_t data[];
} wreq_t;

struct rc_exec_pool {
    uv_loop_t *loop;
    rc_exec_pool_config_t cfg;
    char *exe;
    rc_exec_done_fn done;
    void *arg;
    task_t *head, *tail; /* every task, in submission order */
    size_t ntasks;
    ex_t *exs;
    size_t nlive; /* executors not dead */
    uv_timer_t spawn_timer;
    uint64_t backoff_ms, next_spawn_at;
    int closing, timer_closed, closed_called;
    void (*closed)(void *);
    void *closed_arg;
};

static void dispatch(rc_exec_pool_t *p);

/* Removes t from the tasks handed to e (wherever it is: a cancelled or killed
 * task may leave before the ones ahead of it). */
static void ex_unlink(ex_t *e, task_t *t)
{
    task_t *prev = NULL;
    for (task_t *q = e->qhead; q; prev = q, q = q->exnext) {
        if (q != t) continue;
        if (prev)
            prev->exnext = q->exnext;
        else
            e->qhead = q->exnext;
        if (e->qtail == q) e->qtail = prev;
        e->nq--;
        t->exnext = NULL;
        return;
    }
}

static void check_closed(rc_exec_pool_t *p)
{
    if (!p->closing || p->closed_called || p->ntasks || p->exs || !p->timer_closed) return;
    p->closed_called = 1;
    if (p->closed) p->closed(p->closed_arg);
}

/* Unlinks and frees t, then hands res to the owner. */
static void finish_task(rc_exec_pool_t *p, task_t *t, rc_exec_result_t *res)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        p->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        p->tail = t->prev;
    p->ntasks--;
    if (t->ex) ex_unlink(t->ex, t);
    for (size_t i = 0; i < t->nfds; i++) close(t->fds[i]);
    rc_free(t->fds);
    rc_free(t->id);
    rc_free(t->frame);
    rc_free(t->kill_msg);
    rc_free(t);
    p->done(p->arg, res);
}

/* A result for t; it names t's executor when t was handed to one (the
 * executor ran it, or died or was killed while running it). */
static rc_exec_result_t *result_for(task_t *t, int status)
{
    ProtobufCBinaryData id = {t->idlen, t->id};
    rc_exec_result_t *r = rc_exec_result_new(&id, t->attempt, status);
    if (t->ex) {
        r->worker_pid = t->ex->pid;
        memcpy(r->worker_id, t->ex->id.b, sizeof(r->worker_id));
    }
    return r;
}

static void ex_free_if_done(ex_t *e)
{
    if (!e->exited || e->handles > 0) return;
    rc_exec_pool_t *p = e->p;
    for (ex_t **pp = &p->exs; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    rc_frame_reader_free(&e->rd);
    rc_free(e);
    check_closed(p);
}

static void on_ex_closed(uv_handle_t *h)
{
    ex_t *e = h->data;
    e->handles--;
    ex_free_if_done(e);
}

/* The executor is unusable: kill it, report its task, replace it later. */
static void ex_die(ex_t *e, const char *why)
{
    if (e->dead) return;
    rc_exec_pool_t *p = e->p;
    e->dead = 1;
    p->nlive--;
    if (!e->exited) kill(e->pid, SIGKILL);
    if (e->sock >= 0) close(e->sock);
    e->sock = -1;
    uv_close((uv_handle_t *)&e->in, on_ex_closed);
    uv_close((uv_handle_t *)&e->out, on_ex_closed);
    if (!e->had_task && !p->closing) {
        /* Died before doing anything: something is wrong with the program
         * or the machine; slow down. */
        p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : SPAWN_BACKOFF_MIN;
        if (p->backoff_ms > SPAWN_BACKOFF_MAX) p->backoff_ms = SPAWN_BACKOFF_MAX;
        p->next_spawn_at = rc_clock_mono_ms() + p->backoff_ms;
        rc_log_warn(COMP, "executor pid=%d died before running a task (%s); next start in %llu ms",
                    e->pid, why, (unsigned long long)p->backoff_ms);
    }
    /* The first task handed to it was running: it gets the verdict. The others
     * never started: back to the pool's queue for another executor, unless a
     * kill or cancel already decided them. */
    task_t *t = e->qhead;
    if (t) {
        ex_unlink(e, t);
        rc_exec_result_t *r;
        if (t->kill_status) {
            r = result_for(t, t->kill_status);
            rc_exec_result_error(r, "%s", t->kill_msg);
        } else if (t->cancelled) {
            r = result_for(t, RAYC__TASK_STATUS__STATUS_CANCELLED);
            rc_exec_result_error(r, "task cancelled (its executor was killed)");
        } else {
            r = result_for(t, RAYC__TASK_STATUS__STATUS_WORKER_DIED);
            rc_exec_result_error(r,
                                 "the executor process (pid %d) running this task died: %s; see "
                                 "the node's task log",
                                 e->pid, why);
            rc_log_warn(COMP, "executor pid=%d died while running a task: %s", e->pid, why);
        }
        t->ex = NULL;
        finish_task(p, t, r);
    }
    while ((t = e->qhead) != NULL) {
        ex_unlink(e, t);
        t->ex = NULL;
        if (t->kill_status || t->cancelled) {
            rc_exec_result_t *r = result_for(
                t, t->kill_status ? t->kill_status : RAYC__TASK_STATUS__STATUS_CANCELLED);
            rc_exec_result_error(r, "%s", t->kill_status ? t->kill_msg : "task cancelled");
            finish_task(p, t, r);
        }
    }
    if (!p->closing) dispatch(p);
}

static void on_ex_exit(uv_process_t *proc, int64_t status, int sig)
{
    ex_t *e = proc->data;
    char why[128];
    e->exited = 1;
    if (sig)
        snprintf(why, sizeof(why), "killed by signal %d (%s)", sig, strsignal(sig));
    else
        snprintf(why, sizeof(why), "exited with status %lld", (long long)status);
    ex_die(e, why);
    uv_close((uv_handle_t *)&e->proc, on_ex_closed);
}

/* The memfd of a result the executor kept out of line (tr->in_store): it sent
 * it on fd 5 before the frame. On success *fd is set; otherwise why says what
 * went wrong for the task's error, and the return value is 1 when the
 * executor is at fault (and will be killed), 0 when we are (our fd limit). */
static int take_result_fd(ex_t *e, const Rayc__TaskResult *tr, int *fd, char *why, size_t cap)
{
    char detail[256];
    int fds[1];
    size_t n = 0;
    if (tr->status != RAYC__TASK_STATUS__STATUS_OK || tr->data.len) {
        snprintf(detail, sizeof(detail), "it marked a %s result as kept in a memfd",
                 tr->data.len ? "non-empty inline" : "failed");
        goto bad;
    }
    rc_err_t rc = rc_objfd_recv(e->sock, MSG_DONTWAIT, fds, 1, &n);
    if (rc == RC_EIO && errno == EMFILE) {
        snprintf(why, cap,
                 "the worker agent could not receive the task's result of %llu bytes from its "
                 "executor: too many open files (raise the agent's open-file limit)",
                 (unsigned long long)tr->object_size);
        return 0;
    }
    if (rc != RC_OK || n != 1) {
        snprintf(detail, sizeof(detail), "%s",
                 rc == RC_EAGAIN || (rc == RC_OK && n == 0)
                     ? "it announced a result in a memfd but sent no memfd"
                 : rc == RC_EPROTO ? "it sent a malformed memfd message"
                 : rc == RC_EIO    ? strerror(errno)
                                   : rc_strerror(rc));
        goto bad;
    }
    if (rc_objfd_check(fds[0], tr->object_size, detail, sizeof(detail)) != RC_OK) {
        close(fds[0]);
        goto bad;
    }
    *fd = fds[0];
    return 0;
bad:
    snprintf(why, cap,
             "the executor (pid %d) handed back an unusable result of %llu bytes: %s; it was "
             "killed",
             e->pid, (unsigned long long)tr->object_size, detail);
    rc_log_error(COMP, "executor pid=%d: %s; killing it", e->pid, detail);
    return 1;
}

static void on_ex_result(ex_t *e, const uint8_t *msg, size_t len)
{
    rc_exec_pool_t *p = e->p;
    task_t *t = e->qhead;
    Rayc__TaskResult *tr = rayc__task_result__unpack(NULL, len, msg);
    if (!tr || !t) {
        if (tr) rayc__task_result__free_unpacked(tr, NULL);
        ex_die(e, !tr ? "it sent an undecodable result" : "it sent a result nobody asked for");
        return;
    }
    p->backoff_ms = 0;
    e->done++;
    char why[512] = "";
    int fd = -1, bad = 0;
    if (tr->in_store) bad = take_result_fd(e, tr, &fd, why, sizeof(why));
    rc_exec_result_t *r = result_for(t, (int)tr->status);
    if (t->cancelled) {
        r->status = RAYC__TASK_STATUS__STATUS_CANCELLED;
        rc_exec_result_error(r, "task cancelled (it ran to completion first)");
        if (fd >= 0) close(fd);
    } else if (*why) {
        r->status = RAYC__TASK_STATUS__STATUS_APP_ERROR;
        rc_exec_result_error(r, "%s", why);
    } else {
        if (tr->data.len) {
            r->data = rc_malloc(tr->data.len);
            memcpy(r->data, tr->data.data, tr->data.len);
            r->len = tr->data.len;
        }
        r->fd = fd;
        if (fd >= 0) r->object_size = tr->object_size;
        if (tr->status != RAYC__TASK_STATUS__STATUS_OK)
            rc_exec_result_error(r, "%s", tr->error && *tr->error ? tr->error : "task failed");
    }
    rayc__task_result__free_unpacked(tr, NULL);
    finish_task(p, t, r);
    /* Its fd 5 cannot be trusted any more, nor its next results: a task
     * already handed to it behind this one is reported as by any death. */
    if (bad) ex_die(e, "it handed back an unusable result memfd");
}

static void on_ex_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    ex_t *e = s->data;
    if (e->dead) return;
    if (n < 0) {
        ex_die(e, n == UV_EOF ? "its result pipe closed" : uv_strerror((int)n));
        return;
    }
    if (n == 0) return;
    if (rc_frame_reader_feed(&e->rd, buf->base, (size_t)n) != RC_OK) {
        ex_die(e, "out of memory for its results");
        return;
    }
    for (;;) {
        const uint8_t *msg;
        size_t len;
        rc_err_t rc = rc_frame_reader_next(&e->rd, &msg, &len);
        if (rc == RC_EAGAIN) break;
        if (rc != RC_OK) {
            rc_log_error(COMP, "executor pid=%d sent a frame of %u bytes (limit %u): killing it",
                         e->pid, (unsigned)e->rd.bad, (unsigned)RC_FRAME_MAX);
            ex_die(e, "it sent an oversized frame");
            return;
        }
        on_ex_result(e, msg, len);
        if (e->dead) return;
    }
    if (e->nq < EX_PIPELINE) dispatch(e->p);
}

static void on_written(uv_write_t *req, int status)
{
    ex_t *e = req->data;
    rc_free(req);
    if (status != 0 && status != UV_ECANCELED && !e->dead) ex_die(e, "cannot write its request");
}

static void on_spawn_timer(uv_timer_t *t)
{
    dispatch(t->data);
}

/* Starts one executor; NULL on failure (logged, backoff applied). */
static ex_t *ex_spawn(rc_exec_pool_t *p, char *err, size_t cap)
{
    ex_t *e = rc_calloc(1, sizeof(*e));
    e->p = p;
    e->sock = -1;
    rc_frame_reader_init(&e->rd);
    uv_pipe_init(p->loop, &e->in, 0);
    uv_pipe_init(p->loop, &e->out, 0);
    e->in.data = e->out.data = e->proc.data = e;
    int rc = 0, spawned = 0, sv[2] = {-1, -1};
    /* fd 5: CLOEXEC on both ends here (no other child may inherit them);
     * libuv's dup2 gives the executor its end without the flag. Ours is
     * nonblocking: the loop never waits on it (objfd.h, ex_run). */
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0 ||
        fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0) {
        snprintf(err, cap, "cannot create the object socket of an executor: %s", strerror(errno));
        goto fail;
    }
    e->sock = sv[0];
    uv_stdio_container_t stdio[6];
    stdio[0].flags = UV_IGNORE;
    for (int i = 1; i <= 2; i++) {
        if (p->cfg.env.log_fd >= 0) {
            stdio[i].flags = UV_INHERIT_FD;
            stdio[i].data.fd = p->cfg.env.log_fd;
        } else {
            stdio[i].flags = UV_IGNORE;
        }
    }
    stdio[3].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
    stdio[3].data.stream = (uv_stream_t *)&e->in;
    stdio[4].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[4].data.stream = (uv_stream_t *)&e->out;
    stdio[5].flags = UV_INHERIT_FD;
    stdio[5].data.fd = sv[1];
    char *args[2] = {p->exe, NULL};
    uv_process_options_t o;
    memset(&o, 0, sizeof(o));
    o.exit_cb = on_ex_exit;
    o.file = p->exe;
    o.args = args;
    o.env = p->cfg.env.env;
    o.cwd = p->cfg.env.cwd;
    o.stdio_count = 6;
    o.stdio = stdio;
    rc = uv_spawn(p->loop, &e->proc, &o);
    spawned = 1;
    close(sv[1]);
    sv[1] = -1;
    if (rc != 0) {
        snprintf(err, cap, "cannot start the executor %s: %s", p->exe, uv_strerror(rc));
        goto fail;
    }
    e->pid = e->proc.pid;
    e->id = rc_id_random();
    e->start_time_ms = rc_clock_wall_ms();
    e->handles = 3;
    e->next = p->exs;
    p->exs = e;
    p->nlive++;
    uv_read_start((uv_stream_t *)&e->out, rc_exec_scratch_alloc, on_ex_read);
    rc_log_debug(COMP, "executor started pid=%d", e->pid);
    return e;
fail:
    p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : SPAWN_BACKOFF_MIN;
    if (p->backoff_ms > SPAWN_BACKOFF_MAX) p->backoff_ms = SPAWN_BACKOFF_MAX;
    p->next_spawn_at = rc_clock_mono_ms() + p->backoff_ms;
    if (sv[0] >= 0) close(sv[0]);
    if (sv[1] >= 0) close(sv[1]);
    e->sock = -1;
    /* Free through the close callbacks, as libuv requires; proc is a handle
     * only once uv_spawn was called (it inits it even when it fails). */
    e->exited = 1;
    e->dead = 1;
    e->handles = spawned ? 3 : 2;
    e->next = p->exs;
    p->exs = e;
    uv_close((uv_handle_t *)&e->in, on_ex_closed);
    uv_close((uv_handle_t *)&e->out, on_ex_closed);
    if (spawned) uv_close((uv_handle_t *)&e->proc, on_ex_closed);
    return NULL;
}

/* What ex_run did with a task. */
typedef enum {
    RUN_HANDED, /* handed to e (or e died on the write and reported it) */
    RUN_LATER,  /* e's fd 5 is full: the task stays queued until e answers */
    RUN_RETRY,  /* e turned out dead: the task stays queued for another */
    RUN_FAILED, /* the task was finished with an error */
} run_t;

/* Sends t's object memfds on e's fd 5, ahead of the frame (objfd.h). */
static run_t ex_send_fds(ex_t *e, task_t *t)
{
    rc_err_t rc = rc_objfd_send(e->sock, t->fds, t->nfds);
    if (rc == RC_OK) return RUN_HANDED;
    if (rc == RC_EAGAIN && e->nq > 0) {
        /* A few fds per message: only an executor that lets a whole pipeline
         * of them pile up fills the socket. It drains fd 5 as it reads each
         * request, so wait for its next result (on_ex_read dispatches). */
        return RUN_LATER;
    }
    if (rc == RC_EAGAIN || rc == RC_ECLOSED) {
        /* Idle yet full, or gone: it is broken or dying. */
        ex_die(e, rc == RC_EAGAIN ? "its object socket is full while idle"
                                  : "its object socket closed");
        return RUN_RETRY;
    }
    /* Our side (ETOOMANYREFS, ENOBUFS, ENOMEM): no executor would do better now. */
    int en = errno;
    rc_exec_result_t *r = result_for(t, RAYC__TASK_STATUS__STATUS_APP_ERROR);
    rc_exec_result_error(r,
                         "the worker agent cannot pass the task's %zu object arguments to an "
                         "executor: sendmsg: %s",
                         t->nfds, strerror(en));
    rc_log_error(COMP, "cannot send %zu object fds to executor pid=%d: %s", t->nfds, e->pid,
                 strerror(en));
    finish_task(e->p, t, r);
    return RUN_FAILED;
}

static run_t ex_run(ex_t *e, task_t *t)
{
    if (t->nfds) {
        run_t how = ex_send_fds(e, t);
        if (how != RUN_HANDED) return how;
    }
    wreq_t *w = rc_malloc(sizeof(*w) + t->framelen);
    memcpy(w->data, t->frame, t->framelen);
    w->req.data = e;
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)t->framelen);
    if (e->qtail)
        e->qtail->exnext = t;
    else
        e->qhead = t;
    e->qtail = t;
    e->nq++;
    t->exnext = NULL;
    e->had_task = 1;
    t->ex = e;
    int rc = uv_write(&w->req, (uv_stream_t *)&e->in, &b, 1, on_written);
    if (rc != 0) {
        rc_free(w);
        ex_die(e, uv_strerror(rc));
    }
    return RUN_HANDED;
}

/* Hands queued function tasks to idle executors, starting executors as
 * needed (and allowed by the backoff). */
static void dispatch(rc_exec_pool_t *p)
{
    if (p->closing) return;
    for (task_t *t = p->head, *next; t; t = next) {
        next = t->next;
        if (t->is_cmd || t->ex) continue;
        ex_t *idle = NULL, *shortest = NULL;
        for (ex_t *e = p->exs; e && !idle; e = e->next) {
            if (e->dead) continue;
            if (e->nq == 0)
                idle = e;
            else if (e->nq < EX_PIPELINE && (!shortest || e->nq < shortest->nq))
                shortest = e;
        }
        /* An idle or new executor first; only when every slot is busy does a
         * task queue behind another in an executor's pipe. */
        if (!idle && p->nlive >= p->cfg.slots) idle = shortest;
        if (!idle) {
            if (p->nlive >= p->cfg.slots) return;
            uint64_t now = rc_clock_mono_ms();
            if (now < p->next_spawn_at) {
                if (!uv_is_active((uv_handle_t *)&p->spawn_timer))
                    uv_timer_start(&p->spawn_timer, on_spawn_timer, p->next_spawn_at - now, 0);
                return;
            }
            char err[512];
            idle = ex_spawn(p, err, sizeof(err));
            if (!idle) {
                rc_log_error(COMP, "%s", err);
                if (p->nlive == 0) {
                    /* Nothing can run them: give them back to the head. */
                    for (task_t *q = p->head, *qn; q; q = qn) {
                        qn = q->next;
                        if (q->is_cmd || q->ex) continue;
                        rc_exec_result_t *r = result_for(q, RAYC__TASK_STATUS__STATUS_WORKER_DIED);
                        rc_exec_result_error(r, "%s (check the rayc installation on this node)",
                                             err);
                        finish_task(p, q, r);
                    }
                }
                return;
            }
        }
        if (ex_run(idle, t) == RUN_LATER) return;
        /* ex_run may have killed the executor or finished t, and so changed
         * the lists. */
        next = p->head;
    }
}

static void on_cmd_done(void *arg, rc_exec_result_t *res)
{
    task_t *t = arg;
    rc_exec_pool_t *p = t->p;
    t->cmd = NULL;
    finish_task(p, t, res);
    check_closed(p);
}

rc_exec_pool_t *rc_exec_pool_new(uv_loop_t *loop, const rc_exec_pool_config_t *cfg,
                                 rc_exec_done_fn done, void *arg)
{
    rc_exec_pool_t *p = rc_calloc(1, sizeof(*p));
    p->loop = loop;
    p->cfg = *cfg;
    if (p->cfg.slots < 1) p->cfg.slots = 1;
    p->exe = rc_strdup(cfg->executor_path);
    p->cfg.executor_path = p->exe;
    p->done = done;
    p->arg = arg;
    uv_timer_init(loop, &p->spawn_timer);
    p->spawn_timer.data = p;
    return p;
}

size_t rc_exec_pool_slots(const rc_exec_pool_t *p)
{
    return p->cfg.slots;
}

size_t rc_exec_pool_free_slots(const rc_exec_pool_t *p)
{
    return p->closing || p->ntasks >= p->cfg.slots ? 0 : p->cfg.slots - p->ntasks;
}

size_t rc_exec_pool_running(const rc_exec_pool_t *p)
{
    return p->ntasks;
}

size_t rc_exec_pool_executors(const rc_exec_pool_t *p)
{
    return p->nlive;
}

size_t rc_exec_pool_workers(const rc_exec_pool_t *p, rc_exec_worker_t *out, size_t cap)
{
    size_t n = 0;
    for (const ex_t *e = p->exs; e && n < cap; e = e->next) {
        if (e->dead) continue;
        rc_exec_worker_t *w = &out[n++];
        w->id = e->id;
        w->pid = e->pid;
        w->busy = e->qhead != NULL;
        w->task_id = e->qhead ? e->qhead->id : NULL;
        w->task_id_len = e->qhead ? e->qhead->idlen : 0;
        w->tasks_done = e->done;
        w->start_time_ms = e->start_time_ms;
    }
    /* The list is newest first; report in start order. */
    for (size_t i = 0; i < n / 2; i++) {
        rc_exec_worker_t tmp = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = tmp;
    }
    return n;
}

/* Checks objs against spec and keeps duplicates of their fds in t. NULL, or
 * why the task cannot run (written to err). */
static const char *take_objects(task_t *t, const Rayc__TaskSpec *spec, const rc_exec_obj_t *objs,
                                size_t nobjs, char *err, size_t cap)
{
    if (nobjs == 0) return NULL;
    if (t->is_cmd) {
        snprintf(err, cap, "a command task takes no object arguments");
        return err;
    }
    if (!objs) {
        snprintf(err, cap, "the task's %zu object arguments are missing (a NULL list)", nobjs);
        return err;
    }
    if (nobjs > RC_OBJFD_MAX) {
        snprintf(err, cap,
                 "the task has %zu arguments in the object store; at most %d can be passed to "
                 "an executor: pass fewer, larger objects",
                 nobjs, RC_OBJFD_MAX);
        return err;
    }
    for (size_t i = 0; i < nobjs; i++) {
        if (objs[i].arg >= spec->n_args) {
            snprintf(err, cap, "object argument %u is out of range (the task has %zu arguments)",
                     (unsigned)objs[i].arg, spec->n_args);
            return err;
        }
        for (size_t j = 0; j < i; j++)
            if (objs[j].arg == objs[i].arg) {
                snprintf(err, cap, "argument %u is given twice as an object",
                         (unsigned)objs[i].arg);
                return err;
            }
    }
    t->fds = rc_malloc(nobjs * sizeof(*t->fds));
    for (size_t i = 0; i < nobjs; i++) {
        int fd = fcntl(objs[i].fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0) {
            snprintf(err, cap, "the worker agent cannot hold the task's object argument %u: %s",
                     (unsigned)objs[i].arg, strerror(errno));
            return err;
        }
        t->fds[t->nfds++] = fd;
    }
    return NULL;
}

void rc_exec_pool_submit(rc_exec_pool_t *p, const Rayc__TaskSpec *spec, const rc_exec_obj_t *objs,
                         size_t nobjs)
{
    task_t *t = rc_calloc(1, sizeof(*t));
    t->p = p;
    if (spec->task_id.len) {
        t->id = rc_malloc(spec->task_id.len);
        memcpy(t->id, spec->task_id.data, spec->task_id.len);
        t->idlen = spec->task_id.len;
    }
    t->attempt = spec->attempt;
    t->is_cmd = spec->kind == RAYC__TASK_KIND__TASK_COMMAND;
    t->prev = p->tail;
    if (p->tail)
        p->tail->next = t;
    else
        p->head = t;
    p->tail = t;
    p->ntasks++;
    char err[1024];
    if (take_objects(t, spec, objs, nobjs, err, sizeof(err))) {
        rc_exec_result_t *r = result_for(t, RAYC__TASK_STATUS__STATUS_APP_ERROR);
        rc_exec_result_error(r, "%s", err);
        finish_task(p, t, r);
        return;
    }
    if (p->closing) {
        rc_exec_result_t *r = result_for(t, RAYC__TASK_STATUS__STATUS_WORKER_DIED);
        rc_exec_result_error(r, "the worker is shutting down");
        finish_task(p, t, r);
        return;
    }
    if (t->is_cmd) {
        if (rc_exec_cmd_start(p->loop, spec, &p->cfg.env, on_cmd_done, t, &t->cmd, err,
                              sizeof(err)) != RC_OK) {
            rc_exec_result_t *r = result_for(t, RAYC__TASK_STATUS__STATUS_APP_ERROR);
            rc_exec_result_error(r, "%s", err);
            r->exit_code = 127; /* as a shell says "command not found" */
            finish_task(p, t, r);
        }
        return;
    }
    Rayc__ExecRequest req;
    rayc__exec_request__init(&req);
    req.spec = (Rayc__TaskSpec *)spec;
    Rayc__ExecObject obs[RC_OBJFD_MAX], *obp[RC_OBJFD_MAX];
    for (size_t i = 0; i < nobjs; i++) {
        rayc__exec_object__init(&obs[i]);
        obs[i].arg = objs[i].arg;
        obs[i].size = objs[i].size;
        obp[i] = &obs[i];
    }
    req.n_objects = nobjs;
    req.objects = obp;
    size_t n = rayc__exec_request__get_packed_size(&req);
    if (n > RC_FRAME_MAX) {
        rc_exec_result_t *r = result_for(t, RAYC__TASK_STATUS__STATUS_OBJECT_TOO_LARGE);
        rc_exec_result_error(r, "task arguments of %zu bytes exceed the executor limit of %u", n,
                             (unsigned)RC_FRAME_MAX);
        finish_task(p, t, r);
        return;
    }
    t->frame = rc_malloc(n + 4);
    t->framelen = n + 4;
    t->frame[0] = (uint8_t)n;
    t->frame[1] = (uint8_t)(n >> 8);
    t->frame[2] = (uint8_t)(n >> 16);
    t->frame[3] = (uint8_t)(n >> 24);
    rayc__exec_request__pack(&req, t->frame + 4);
    dispatch(p);
}

int rc_exec_pool_cancel(rc_exec_pool_t *p, const uint8_t *task_id, size_t len, int force)
{
    for (task_t *t = p->head; t; t = t->next) {
        if (!rc_exec_id_eq(t->id, t->idlen, task_id, len)) continue;
        if (t->is_cmd) {
            rc_exec_cmd_cancel(t->cmd, force);
        } else if (!t->ex) {
            rc_exec_result_t *r = result_for(t, RAYC__TASK_STATUS__STATUS_CANCELLED);
            rc_exec_result_error(r, "task cancelled before it started");
            finish_task(p, t, r);
        } else if (t->ex->qhead != t) {
            /* Handed over but not started: it runs, and is reported CANCELLED. */
            t->cancelled = 1;
        } else {
            t->cancelled = 1;
            /* SIGINT only sets the executor's flag; SIGKILL ends it. */
            kill(t->ex->pid, force ? SIGKILL : SIGINT);
        }
        return 1;
    }
    return 0;
}

void rc_exec_pool_kill_all(rc_exec_pool_t *p, const char *msg)
{
    for (task_t *t = p->head, *next; t; t = next) {
        next = t->next;
        if (t->is_cmd) {
            rc_exec_cmd_kill(t->cmd, RAYC__TASK_STATUS__STATUS_WORKER_DIED, msg);
        } else if (!t->ex) {
            rc_exec_result_t *r = result_for(t, RAYC__TASK_STATUS__STATUS_WORKER_DIED);
            rc_exec_result_error(r, "%s", msg);
            finish_task(p, t, r);
        } else if (!t->kill_status) {
            t->kill_status = RAYC__TASK_STATUS__STATUS_WORKER_DIED;
            t->kill_msg = rc_strdup(msg);
            kill(t->ex->pid, SIGKILL);
        }
    }
}

static void on_timer_closed(uv_handle_t *h)
{
    rc_exec_pool_t *p = h->data;
    p->timer_closed = 1;
    check_closed(p);
}

void rc_exec_pool_close(rc_exec_pool_t *p, void (*closed)(void *), void *arg)
{
    if (p->closing) return;
    rc_exec_pool_kill_all(p, "the worker is shutting down");
    p->closing = 1;
    p->closed = closed;
    p->closed_arg = arg;
    for (ex_t *e = p->exs, *next; e; e = next) {
        next = e->next;
        /* Idle ones end with SIGKILL too: they hold nothing worth a goodbye. */
        if (!e->dead) ex_die(e, "shutting down");
    }
    uv_close((uv_handle_t *)&p->spawn_timer, on_timer_closed);
}

void rc_exec_pool_free(rc_exec_pool_t *p)
{
    if (!p) return;
    rc_free(p->exe);
    rc_free(p);
}
