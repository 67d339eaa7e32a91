/* exec.h — what the executor pool (pool.h) and the command runner (cmd.h)
 * share: the result of a task attempt as the agent reports it, the launch
 * environment of task processes, and the result callback.
 *
 * A result is built by this library and handed to the caller's rc_exec_done_fn,
 * which takes ownership (rc_exec_result_free). Status values are the
 * TaskStatus numbers of task.proto. A return value over RC_EXEC_INLINE_MAX
 * comes as a sealed memfd (fd, object_size) instead of data: the owner of the
 * result owns that fd too (put it in the object store, or let
 * rc_exec_result_free close it). */
#ifndef RC_EXEC_EXEC_H
#define RC_EXEC_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "task.pb-c.h"

/* The last bytes of a command's stdout kept as its result. */
#define RC_EXEC_STDOUT_TAIL (100u * 1024u)

/* Function results up to this many bytes travel inline (data); longer ones in
 * a memfd (fd). The same bound as RC_TASK_INLINE_MAX, the head's (tasks.h). */
#define RC_EXEC_INLINE_MAX (100u * 1024u)

/* An argument of a function task held in the node's object store: spec.args[arg]
 * is passed to the executor as the memfd fd (sealed, size bytes) instead of
 * bytes in the request. The fd stays the caller's: the pool keeps a duplicate. */
typedef struct {
    uint32_t arg;
    int fd;
    uint64_t size;
} rc_exec_obj_t;

typedef struct {
    uint8_t *task_id; /* owned copy of the spec's task_id */
    size_t task_id_len;
    uint32_t attempt;
    int status;    /* Rayc__TaskStatus */
    uint8_t *data; /* owned; NULL when empty */
    size_t len;
    /* A result kept out of line: a memfd sealed against writes, growth and
     * shrinking, of object_size bytes (data is NULL); owned. -1 when none. */
    int fd;
    uint64_t object_size;
    char *error; /* owned; NULL for STATUS_OK */
    int32_t exit_code;
    /* The executor that produced it (TaskResult.worker_pid/worker_id); 0 when
     * none did: commands, tasks cancelled or killed before an executor ran them. */
    int32_t worker_pid;
    uint8_t worker_id[16];
} rc_exec_result_t;

/* Takes ownership of res. Never called from inside the call that started or
 * cancelled a task unless documented (pool: cancel of a queued task). */
typedef void (*rc_exec_done_fn)(void *arg, rc_exec_result_t *res);

/* How task processes start: working directory (NULL: ours), environment
 * (NULL-terminated "K=V" list; NULL: ours) and the node's task log (an fd
 * opened O_APPEND that receives their stdout and stderr). Borrowed. */
typedef struct {
    const char *cwd;
    char **env;
    int log_fd;
} rc_exec_env_t;

rc_exec_result_t *rc_exec_result_new(const ProtobufCBinaryData *task_id, uint32_t attempt,
                                     int status);
/* Sets the error message (printf format). */
void rc_exec_result_error(rc_exec_result_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Frees r, closing r->fd when set. */
void rc_exec_result_free(rc_exec_result_t *r);
/* A TaskResult borrowing r's bytes (valid while r lives); node_id left empty;
 * worker_pid/worker_id set when an executor produced it; in_store and
 * object_size set when the result is a memfd (r->fd) or was one and now is in
 * the node's object store (fd -1, object_size kept). */
void rc_exec_result_to_pb(const rc_exec_result_t *r, Rayc__TaskResult *out);

/* uv_alloc_cb for pipes whose bytes are consumed inside the read callback: one
 * static scratch buffer, as everything here runs on the agent's one loop thread. */
void rc_exec_scratch_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);

/* 1 when the two ids are the same bytes. */
int rc_exec_id_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
