/* executor_main.c — rayc-executor: runs function tasks for the worker agent.
 *
 * Started by the agent's executor pool (pool.h) with fd 3 = requests, fd 4 =
 * results, fd 5 = object memfds (an AF_UNIX SOCK_SEQPACKET socket, objfd.h),
 * stdout/stderr = the node's task log. For each ExecRequest frame on fd 3 it
 * calls the task function and writes one TaskResult frame on fd 4, in order;
 * it exits 0 on EOF of fd 3 and 1 on a broken stream (a bad length, an
 * undecodable frame, a request whose object fds are not waiting on fd 5: the
 * agent is not talking to it properly).
 *
 * Objects (task.proto, above ExecRequest): a request with `objects` has had
 * their memfds sent on fd 5 as one message before its frame, so by the time
 * the frame is read the message is queued and is taken without blocking. Each
 * is mapped read-only and shared, and rayc_task_arg points into the mapping:
 * no copy. A count or index that does not fit the request, a memfd that is
 * not sealed (objfd.h: rc_objfd_check) or of another size, or a mapping the
 * kernel refuses fails that task (APP_ERROR). A result over
 * RC_EXEC_INLINE_MAX is written by rayc_task_return straight into a sealed
 * memfd (task_internal.h), sent on fd 5, and the frame says in_store and its
 * size; such results have no bound but memory (inline ones stay far below
 * RC_FRAME_MAX). A memfd that cannot be made or sent fails the task.
 *
 * Libraries are dlopen'ed once (RTLD_NOW | RTLD_LOCAL) and symbols cached, so
 * later calls cost a lookup in a short list. A missing library or symbol is
 * the task's error (STATUS_APP_ERROR with dlerror's text), not the executor's.
 *
 * Cancellation: a C function cannot be interrupted safely, so SIGINT is caught
 * and ignored: the running task finishes and the agent, which knows what it
 * cancelled, reports it CANCELLED (the executor may already be running the
 * next task of its pipe when the signal lands, so it must not decide). A force
 * cancel is the agent killing this process (SIGKILL). Catching SIGINT also
 * keeps a Ctrl-C meant for a --block agent from killing its executors. */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alloc.h"
#include "exec.h"
#include "frame.h"
#include "objfd.h"
#include "task.pb-c.h"
#include "task_internal.h"

#define REQ_FD 3
#define RES_FD 4
#define OBJ_FD 5

/* The object memfds of one request and their mappings. */
typedef struct {
    int fds[RC_OBJFD_MAX];
    void *maps[RC_OBJFD_MAX]; /* NULL: not mapped (yet, or size 0) */
    size_t sizes[RC_OBJFD_MAX];
    size_t n;
} objs_t;

typedef struct lib {
    char *path;
    void *handle; /* NULL: dlopen failed; error kept so the message repeats */
    char *error;
    struct lib *next;
} lib_t;

typedef struct sym {
    lib_t *lib;
    char *name;
    rayc_task_fn fn;
    struct sym *next;
} sym_t;

static lib_t *g_libs;
static sym_t *g_syms;

static void on_sigint(int sig)
{
    (void)sig;
}

static lib_t *lib_get(const char *path)
{
    for (lib_t *l = g_libs; l; l = l->next)
        if (strcmp(l->path, path) == 0) return l;
    lib_t *l = rc_calloc(1, sizeof(*l));
    l->path = rc_strdup(path);
    dlerror();
    l->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!l->handle) {
        const char *e = dlerror();
        l->error = rc_strdup(e ? e : "unknown dlopen error");
    }
    l->next = g_libs;
    g_libs = l;
    return l;
}

/* The function, or NULL with a message in err. */
static rayc_task_fn sym_get(const char *path, const char *name, char *err, size_t cap)
{
    if (!path || !*path) {
        snprintf(err, cap, "function task without a library path: give the .so of \"%s\"",
                 name ? name : "");
        return NULL;
    }
    if (!name || !*name) {
        snprintf(err, cap, "function task without a function name (library %s)", path);
        return NULL;
    }
    for (sym_t *s = g_syms; s; s = s->next)
        if (strcmp(s->name, name) == 0 && strcmp(s->lib->path, path) == 0) return s->fn;
    lib_t *l = lib_get(path);
    if (!l->handle) {
        snprintf(err, cap,
                 "cannot load the task library %s: %s (check that the path exists on every "
                 "worker node, is readable, and that its dependencies are installed)",
                 path, l->error);
        return NULL;
    }
    dlerror();
    void *p = dlsym(l->handle, name);
    const char *e = dlerror();
    if (!p || e) {
        snprintf(err, cap,
                 "function \"%s\" not found in %s: %s (check the name, and that it is exported "
                 "with C linkage: extern \"C\", not static)",
                 name, path, e ? e : "symbol is NULL");
        return NULL;
    }
    sym_t *s = rc_calloc(1, sizeof(*s));
    s->lib = l;
    s->name = rc_strdup(name);
    /* dlsym gives an object pointer; POSIX guarantees it converts to a function. */
    memcpy(&s->fn, &p, sizeof(p));
    s->next = g_syms;
    g_syms = s;
    return s->fn;
}

static void caches_free(void)
{
    while (g_syms) {
        sym_t *s = g_syms;
        g_syms = s->next;
        rc_free(s->name);
        rc_free(s);
    }
    while (g_libs) {
        lib_t *l = g_libs;
        g_libs = l->next;
        /* Libraries stay loaded: a task may have left threads or atexit hooks. */
        rc_free(l->path);
        rc_free(l->error);
        rc_free(l);
    }
}

static void objs_release(objs_t *o)
{
    for (size_t i = 0; i < o->n; i++) {
        if (o->maps[i]) munmap(o->maps[i], o->sizes[i]);
        close(o->fds[i]);
    }
    o->n = 0;
}

/* Takes the fds message of a request with objects from fd 5. RC_OK (o filled,
 * possibly with a count the request does not match: run() says so), RC_EIO
 * with err set when this process could not take them (the task fails), or
 * RC_EPROTO with err set when the stream is broken (the executor exits). */
static rc_err_t objs_recv(objs_t *o, char *err, size_t cap)
{
    /* Never blocks: the agent sent the message before the frame. */
    rc_err_t rc = rc_objfd_recv(OBJ_FD, MSG_DONTWAIT, o->fds, RC_OBJFD_MAX, &o->n);
    memset(o->maps, 0, sizeof(o->maps));
    if (rc == RC_OK) return RC_OK;
    o->n = 0;
    if (rc == RC_EIO && errno == EMFILE) {
        snprintf(err, cap,
                 "the executor could not receive the task's object arguments: too many open "
                 "files");
        return RC_EIO;
    }
    if (rc == RC_EAGAIN)
        snprintf(err, cap, "a request with object arguments, but no memfds waiting on fd %d",
                 OBJ_FD);
    else
        snprintf(err, cap, "cannot receive object memfds on fd %d: %s", OBJ_FD,
                 rc == RC_EIO ? strerror(errno) : rc_strerror(rc));
    return RC_EPROTO;
}

/* Puts the request's objects in args/lens: validated, then mapped read-only.
 * 0 on success, -1 with err set (the task fails). */
static int objs_map(const Rayc__ExecRequest *req, objs_t *o, const void **args, size_t *lens,
                    char *err, size_t cap)
{
    const Rayc__TaskSpec *spec = req->spec;
    if (o->n != req->n_objects) {
        snprintf(err, cap, "the request names %zu object arguments but %zu memfds came with it",
                 req->n_objects, o->n);
        return -1;
    }
    for (size_t k = 0; k < o->n; k++) {
        const Rayc__ExecObject *ob = req->objects[k];
        uint32_t i = ob->arg;
        if (i >= spec->n_args) {
            snprintf(err, cap, "object argument %u is out of range (the task has %zu arguments)",
                     (unsigned)i, spec->n_args);
            return -1;
        }
        if (args[i]) {
            snprintf(err, cap, "argument %u is passed twice as an object", (unsigned)i);
            return -1;
        }
        if (i < req->n_resolved_args && req->resolved_args[i].len) {
            snprintf(err, cap, "argument %u is passed both as an object and as bytes", (unsigned)i);
            return -1;
        }
        /* Sealed, so that nobody can shrink it under the mapping (SIGBUS). */
        char why[256];
        if (rc_objfd_check(o->fds[k], ob->size, why, sizeof(why)) != RC_OK) {
            snprintf(err, cap, "object argument %u: %s", (unsigned)i, why);
            return -1;
        }
        o->sizes[k] = (size_t)ob->size;
        if (ob->size) {
            void *m = mmap(NULL, o->sizes[k], PROT_READ, MAP_SHARED, o->fds[k], 0);
            if (m == MAP_FAILED) {
                snprintf(err, cap, "cannot map object argument %u (%llu bytes): %s", (unsigned)i,
                         (unsigned long long)ob->size, strerror(errno));
                return -1;
            }
            o->maps[k] = m;
            args[i] = m;
        } else {
            args[i] = "";
        }
        lens[i] = o->sizes[k];
    }
    return 0;
}

/* Runs one request; fills res (its data/error point into t or err). */
static void run(const Rayc__ExecRequest *req, objs_t *objs, rayc_task_t *t, Rayc__TaskResult *res,
                char *err, size_t cap)
{
    const Rayc__TaskSpec *spec = req->spec;
    res->status = RAYC__TASK_STATUS__STATUS_APP_ERROR;
    if (!spec) {
        snprintf(err, cap, "executor request without a task spec");
        res->error = err;
        return;
    }
    res->task_id = spec->task_id;
    res->attempt = spec->attempt;
    if (spec->kind != RAYC__TASK_KIND__TASK_FUNCTION) {
        snprintf(err, cap, "the executor runs function tasks only (got kind %d)", (int)spec->kind);
        res->error = err;
        return;
    }
    rayc_task_fn fn = sym_get(spec->library, spec->function, err, cap);
    if (!fn) {
        res->error = err;
        return;
    }
    size_t n = spec->n_args;
    const void **args = rc_calloc(n ? n : 1, sizeof(*args));
    size_t *lens = rc_calloc(n ? n : 1, sizeof(*lens));
    if (req->n_objects && objs_map(req, objs, args, lens, err, cap) != 0) {
        res->error = err;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (args[i]) continue; /* an object */
        if (i < req->n_resolved_args) {
            args[i] = req->resolved_args[i].data;
            lens[i] = req->resolved_args[i].len;
        } else if (spec->args[i]->value_case == RAYC__TASK_ARG__VALUE_DATA) {
            args[i] = spec->args[i]->data.data;
            lens[i] = spec->args[i]->data.len;
        } else if (spec->args[i]->value_case == RAYC__TASK_ARG__VALUE_REF) {
            snprintf(err, cap, "argument %zu is an object reference the agent did not resolve", i);
            res->error = err;
            goto out;
        }
        /* An empty oneof is an empty argument. */
        if (!args[i]) args[i] = "";
    }
    rc_task_begin(t, n, (const void *const *)args, lens);
    int rc = fn(t);
    fflush(stdout);
    fflush(stderr);
    if (t->error) {
        res->error = t->error;
    } else if (t->result_error) {
        /* Its last rayc_task_return failed (a result's memfd), whatever it returned. */
        res->error = t->result_error;
    } else if (rc != 0) {
        snprintf(err, cap, "function \"%s\" returned %d", spec->function, rc);
        res->error = err;
    } else if (t->in_store) {
        /* Inline results are at most RC_EXEC_INLINE_MAX; larger ones are here,
         * with no bound but memory. main() sends the fd. */
        res->status = RAYC__TASK_STATUS__STATUS_OK;
        res->in_store = 1;
        res->object_size = t->result_len;
    } else {
        res->status = RAYC__TASK_STATUS__STATUS_OK;
        res->data.data = t->result;
        res->data.len = t->has_result ? t->result_len : 0;
    }
out:
    rc_free(args);
    rc_free(lens);
}

/* Serves one request: takes its object memfds, runs it, and sends a result's
 * memfd ahead of its frame. Fills res (pointing into t, req or err). -1 with
 * err set when the streams to the agent are broken and the executor must exit. */
static int serve(const Rayc__ExecRequest *req, objs_t *objs, rayc_task_t *t, Rayc__TaskResult *res,
                 char *err, size_t cap)
{
    objs->n = 0;
    if (req->n_objects) {
        /* Taken whatever the request holds, so the next request finds its own. */
        rc_err_t rc = objs_recv(objs, err, cap);
        if (rc == RC_EPROTO) return -1;
        if (rc != RC_OK) {
            res->status = RAYC__TASK_STATUS__STATUS_APP_ERROR;
            res->error = err;
            if (req->spec) {
                res->task_id = req->spec->task_id;
                res->attempt = req->spec->attempt;
            }
            return 0;
        }
    }
    run(req, objs, t, res, err, cap);
    if (!res->in_store) return 0;
    /* The fd goes first: the agent takes it when it reads the frame. */
    rc_err_t rc = rc_objfd_send(OBJ_FD, &t->result_fd, 1);
    if (rc == RC_OK) return 0;
    int en = errno;
    res->in_store = 0;
    res->object_size = 0;
    res->status = RAYC__TASK_STATUS__STATUS_APP_ERROR;
    snprintf(err, cap,
             "cannot pass the task's result of %zu bytes to the worker agent on fd %d: %s",
             t->result_len, OBJ_FD, rc == RC_EIO ? strerror(en) : rc_strerror(rc));
    res->error = err;
    return rc == RC_ECLOSED ? -1 : 0;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    rayc_task_t t;
    memset(&t, 0, sizeof(t));
    t.store_min = RC_EXEC_INLINE_MAX;
    static objs_t objs;
    int code = 0;
    /* Requests are read in bulk and results written in bulk: the agent may hand
     * over several tasks at once (its per-executor pipeline), and answering a run
     * of them with one write saves a context switch per task. Results still go
     * out before this process blocks waiting for more work. */
    rc_frame_reader_t rd;
    rc_buf_t out = RC_BUF_INIT;
    static uint8_t in[64 * 1024];
    rc_frame_reader_init(&rd);
    for (;;) {
        const uint8_t *msg;
        size_t len;
        rc_err_t rc = RC_EAGAIN;
        while (code == 0 && (rc = rc_frame_reader_next(&rd, &msg, &len)) == RC_OK) {
            Rayc__ExecRequest *req = rayc__exec_request__unpack(NULL, len, msg);
            if (!req) {
                fprintf(stderr, "rayc-executor[%d]: undecodable ExecRequest frame; exiting\n",
                        (int)getpid());
                code = 1;
                break;
            }
            Rayc__TaskResult res;
            char err[2048];
            rayc__task_result__init(&res);
            if (serve(req, &objs, &t, &res, err, sizeof(err)) != 0) {
                fprintf(stderr, "rayc-executor[%d]: %s; exiting\n", (int)getpid(), err);
                /* No frame for it: the agent sees this process end. */
                rc_task_end(&t);
                objs_release(&objs);
                rayc__exec_request__free_unpacked(req, NULL);
                code = 1;
                break;
            }
            size_t n = rayc__task_result__get_packed_size(&res);
            uint8_t *buf = rc_malloc(n ? n : 1);
            rayc__task_result__pack(&res, buf);
            rc_task_end(&t);
            objs_release(&objs);
            rayc__exec_request__free_unpacked(req, NULL);
            rc_frame_append(&out, buf, n);
            rc_free(buf);
        }
        if (code == 0 && rc == RC_ETOOBIG) {
            fprintf(stderr,
                    "rayc-executor[%d]: request frame longer than %u bytes: the stream is "
                    "corrupt; exiting\n",
                    (int)getpid(), (unsigned)RC_FRAME_MAX);
            code = 1;
        }
        if (rc_frame_flush_fd(RES_FD, &out) != RC_OK) {
            fprintf(stderr, "rayc-executor[%d]: cannot write results on fd %d: %s\n", (int)getpid(),
                    RES_FD, strerror(errno));
            code = 1;
        }
        if (code != 0) break;
        ssize_t n = read(REQ_FD, in, sizeof(in));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            fprintf(stderr, "rayc-executor[%d]: cannot read a request on fd %d: %s\n",
                    (int)getpid(), REQ_FD, strerror(errno));
            code = 1;
            break;
        }
        if (n == 0) {
            if (rc_frame_reader_pending(&rd)) {
                fprintf(stderr, "rayc-executor[%d]: the request pipe closed inside a frame\n",
                        (int)getpid());
                code = 1;
            }
            break;
        }
        if (rc_frame_reader_feed(&rd, in, (size_t)n) != RC_OK) {
            fprintf(stderr, "rayc-executor[%d]: out of memory for requests\n", (int)getpid());
            code = 1;
            break;
        }
    }
    rc_frame_reader_free(&rd);
    rc_buf_free(&out);
    rc_task_close(&t);
    caches_free();
    return code;
}
