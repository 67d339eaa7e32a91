/* pool.h — the node's task slots: a pool of reused rayc-executor processes for
 * function tasks, and command tasks (cmd.h), all drawing on one set of slots.
 *
 * Owns: the executors (spawned lazily, at most `slots`, each running one task
 * at a time over the frames of frame.h), the running command runners, and the
 * queue of function tasks waiting for an executor to start.
 *
 * Contract: rc_exec_pool_submit takes a slot at once; the slot is free again
 * when the task's result is handed to the done callback (exactly once per
 * submitted task). Function tasks submitted beyond the free slots wait in the
 * pool's FIFO for an executor (the agent keeps a prefetch window there);
 * commands start at once, so submit one only while a slot is free.
 * An executor that dies while running a task reports STATUS_WORKER_DIED (the
 * head retries it) and is replaced; executors that die before taking any task
 * make the next start wait (100 ms doubling to 10 s), so a broken executor
 * binary cannot cause a spawn storm. Cancel of a function task: force kills
 * its executor; non-force lets it finish (a C function cannot be interrupted)
 * and reports CANCELLED.
 *
 * Each executor gets a random worker_id when it starts and counts the results
 * it sends; rc_exec_pool_workers describes them (the agent's ResourceReport)
 * and every result an executor produced names it (worker_pid, worker_id).
 *
 * Objects (task.proto, above ExecRequest): each executor has a 5th fd, fd 5,
 * an AF_UNIX SOCK_SEQPACKET socket (objfd.h). A task's arguments held in the
 * object store are given to submit as memfds; the pool keeps duplicates until
 * the task ends (a task requeued from a dead executor sends them again) and,
 * just before writing the task's request to an executor, sends them all in
 * one SCM_RIGHTS message on fd 5. Our end is nonblocking: a message of a few
 * fds to an executor that reads one per request never fills the socket, so a
 * full socket means that executor is behind (the task waits for its next
 * result) or, when idle, broken (it is killed and the task goes to another).
 * A result over RC_EXEC_INLINE_MAX comes back as a memfd on fd 5 that must be
 * sealed against writes, growth and shrinking and hold exactly the size the
 * result announces: anything else fails the task (APP_ERROR, saying what was
 * wrong) and kills the executor, which cannot be trusted any more. */
#ifndef RC_EXEC_POOL_H
#define RC_EXEC_POOL_H

#include <stddef.h>

#include <uv.h>

#include "exec.h"
#include "id.h"

typedef struct rc_exec_pool rc_exec_pool_t;

typedef struct {
    const char *executor_path; /* the rayc-executor program */
    size_t slots;              /* >= 1 */
    rc_exec_env_t env;         /* borrowed; must outlive the pool */
} rc_exec_pool_config_t;

rc_exec_pool_t *rc_exec_pool_new(uv_loop_t *loop, const rc_exec_pool_config_t *cfg,
                                 rc_exec_done_fn done, void *arg);
size_t rc_exec_pool_slots(const rc_exec_pool_t *p);
size_t rc_exec_pool_free_slots(const rc_exec_pool_t *p);
size_t rc_exec_pool_running(const rc_exec_pool_t *p);
/* Executor processes alive now. */
size_t rc_exec_pool_executors(const rc_exec_pool_t *p);

/* One live executor (node.proto WorkerInfo). */
typedef struct {
    rc_id_t id; /* worker_id */
    int32_t pid;
    int busy;               /* a task was handed to it and has not ended */
    const uint8_t *task_id; /* that task; borrowed until the pool next runs; NULL when idle */
    size_t task_id_len;
    uint64_t tasks_done; /* results it sent */
    int64_t start_time_ms;
} rc_exec_worker_t;

/* Writes up to cap live executors (oldest first) to out; returns how many.
 * rc_exec_pool_executors(p) entries are enough for all. Allocates nothing. */
size_t rc_exec_pool_workers(const rc_exec_pool_t *p, rc_exec_worker_t *out, size_t cap);
/* Starts (or queues) one task; spec is copied as needed. objs[0..nobjs) (NULL,
 * 0: none) are the function task's arguments held in the object store, at
 * most RC_OBJFD_MAX (253), each naming a distinct spec.args index; their fds
 * stay the caller's (the pool duplicates them). A command that cannot start,
 * or a task whose objects are invalid or cannot be duplicated or sent (the
 * agent's fd limits), reports its APP_ERROR through done, possibly before
 * this returns. */
void rc_exec_pool_submit(rc_exec_pool_t *p, const Rayc__TaskSpec *spec, const rc_exec_obj_t *objs,
                         size_t nobjs);
/* Cancels a task of this pool: 1 when found. A queued task reports
 * CANCELLED through done before this returns. */
int rc_exec_pool_cancel(rc_exec_pool_t *p, const uint8_t *task_id, size_t len, int force);
/* Kills every task: each reports STATUS_WORKER_DIED with msg. */
void rc_exec_pool_kill_all(rc_exec_pool_t *p, const char *msg);
/* Kills every task (reported as by kill_all), stops the executors and closes
 * every handle; closed(arg) runs when the pool may be freed. */
void rc_exec_pool_close(rc_exec_pool_t *p, void (*closed)(void *), void *arg);
void rc_exec_pool_free(rc_exec_pool_t *p);

#endif
