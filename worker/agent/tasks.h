/* tasks.h — the agent's task side: the pull loop, the executor pool and the
 * TASK.DONE batches (docs/protocol.md, "Tasks and objects").
 *
 * Owns: a second hiredis connection to the head used only for the long poll
 * (`TASK.PULL <node> <free slots> 1000`, one outstanding whenever the node is
 * running and slots are free), so a poll never delays the heartbeats of the
 * main connection; the rc_exec_pool running the tasks; the resources held by
 * running tasks (the agent's available resources are kept in sync through
 * rc_agent_set_available); the results not yet accepted by the head.
 *
 * Results go out on the agent's main connection as `TASK.DONE
 * <TaskResultBatch>`: at once when the loop is idle (a 0 ms timer coalesces
 * the results of one loop turn), at most every 1 ms under load, or as soon as
 * 256 are pending. A batch whose connection is lost is sent again after the
 * reconnect (the head drops results of stale attempts).
 *
 * Drain: stop pulling, let running tasks finish for up to
 * $RAYC_DRAIN_TIMEOUT_S (default 30 s), then kill the rest (reported
 * STATUS_WORKER_DIED so the head retries them elsewhere), flush the results
 * and call the drained callback. Belongs to the agent's loop. */
#ifndef RC_AGENT_TASKS_H
#define RC_AGENT_TASKS_H

#include <hiredis/async.h>
#include <uv.h>

#include "config.h"
#include "id.h"
#include "pool.h"

typedef struct rc_tasks rc_tasks_t;
struct rc_agent;

/* main_ac: where the agent keeps its current main connection (read at each
 * send; NULL while it has none). */
rc_tasks_t *rc_tasks_new(uv_loop_t *loop, struct rc_agent *agent, const rc_agent_config_t *cfg,
                         const rc_id_t *node_id, redisAsyncContext **main_ac);
/* The agent is registered and RUNNING (pull) or not (stop pulling, keep
 * results). head_ip: the address the main connection resolved. */
void rc_tasks_set_running(rc_tasks_t *t, int running, const char *head_ip);
/* The main connection can take commands again: send pending results. */
void rc_tasks_kick(rc_tasks_t *t);
/* Starts the drain; drained(arg) runs once every task has ended and its
 * result has been answered (or at once when idle). */
void rc_tasks_drain(rc_tasks_t *t, void (*drained)(void *), void *arg);
/* Kills everything and closes every handle; closed(arg) when done. */
void rc_tasks_close(rc_tasks_t *t, void (*closed)(void *), void *arg);
void rc_tasks_free(rc_tasks_t *t);
size_t rc_tasks_running(const rc_tasks_t *t);
/* The node's object port (NodeInfo.object_port); 0 when it has no object store. */
int rc_tasks_object_port(const rc_tasks_t *t);
/* The executor pool, to read (the agent reports its executors). */
const rc_exec_pool_t *rc_tasks_pool(const rc_tasks_t *t);

#endif
