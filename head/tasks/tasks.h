/* tasks.h — the head's task plane: tasks, inline objects, dependencies, placement
 * and the long polls of workers and clients (docs/protocol.md, "Tasks and
 * objects", is the contract; shared/proto/task.proto the schema).
 *
 * Owns: every task record (keyed by its 16-byte id; the packed TaskSpec as the
 * client sent it, in the same allocation as the record), put objects, the
 * scheduling classes (resource shape + strategy + selector + submitter: the unit
 * of FIFO queueing and of demand reporting), the per-node queues and
 * cancellation lists, the blocked TASK.PULL / TASK.GET / TASK.WAIT waiters and
 * their deadline heap, the bounded history ring of removed tasks, and the
 * scheduler (rc_sched) whose view it keeps: the head is authoritative for task
 * resources, so a node's available = total - resources of its placed tasks.
 *
 * Life of a task: PENDING_ARGS_AVAIL (unresolved ref args) → PENDING_NODE_
 * ASSIGNMENT (waiting in its class FIFO; infeasible when no node could ever run
 * it) → SUBMITTED_TO_WORKER (in a node's queue, resources taken) → RUNNING
 * (pulled) → FINISHED | FAILED | CANCELLED (final; result kept until the client
 * releases it and no pending task needs it, then the record goes to the ring).
 *
 * Time is wall-clock ms from the caller (ctx->now_ms); deadlines fire from one
 * uv timer when the plane has a loop, or from rc_task_plane_expire (tests).
 * Belongs to the head's loop thread. */
#ifndef RC_TASKS_H
#define RC_TASKS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "cmd.h"
#include "id.h"
#include "nodes.h"
#include "state.h"

#define RC_TASK_EVENTS_CHANNEL "rayc:task_events"
#define RC_TASK_INLINE_MAX     (100 * 1024) /* bytes of an inline object */
#define RC_TASK_HISTORY        100000       /* removed tasks kept as summaries (default) */
#define RC_TASK_NAMES_MAX      10000        /* distinct names counted one by one */
#define RC_TASK_OTHER_NAME     "(other names)"

typedef struct rc_task_plane rc_task_plane_t;

typedef enum {
    RC_TASK_PENDING_ARGS_AVAIL = 0,
    RC_TASK_PENDING_NODE_ASSIGNMENT,
    RC_TASK_SUBMITTED_TO_WORKER,
    RC_TASK_RUNNING,
    RC_TASK_FINISHED,
    RC_TASK_FAILED,
    RC_TASK_CANCELLED,
    RC_TASK_NSTATES
} rc_task_state_t;

/* Ray's names: "PENDING_ARGS_AVAIL", … "CANCELLED". */
const char *rc_task_state_name(rc_task_state_t s);

/* Scheduling latency: from ready (every argument available) to RUNNING on a
 * worker, in a fixed-bucket histogram (upper bounds in seconds; the last
 * bucket is +Inf), as /metrics exposes it. */
#define RC_TASK_LAT_NBOUNDS 12
extern const double rc_task_lat_bounds_s[RC_TASK_LAT_NBOUNDS];
typedef struct {
    uint64_t bucket[RC_TASK_LAT_NBOUNDS + 1]; /* not cumulative */
    uint64_t count, sum_ms;
} rc_task_latency_t;

typedef struct {
    /* Tasks in each state. Non-final states count the records in that state;
     * FINISHED / FAILED / CANCELLED count every task that reached it since the
     * head started (records of released tasks are removed). */
    uint64_t count[RC_TASK_NSTATES];
    uint64_t infeasible; /* PENDING_NODE_ASSIGNMENT tasks no node can run */
    uint64_t records;    /* task records held */
    uint64_t objects;    /* put objects held */
    uint64_t submitted, retries, stale_results;
    rc_task_latency_t sched_latency;
} rc_task_stats_t;

/* A removed task, as the history ring keeps it. */
typedef struct {
    rc_id_t id;
    rc_id_t node;
    rc_id_t worker_id;
    uint64_t create_ms, start_ms, end_ms;
    uint32_t attempt;
    int32_t worker_pid;
    uint8_t job[4];
    uint8_t state;  /* rc_task_state_t (final) */
    uint8_t status; /* TaskStatus of its result */
    uint8_t flags;  /* F_JOB, F_COMMAND (plane.h) */
    char name[45];
} rc_task_summary_t;

/* loop NULL: no timer (tests call rc_task_plane_expire). nodes may be NULL (no
 * node can be used); otherwise the plane installs itself as the table's
 * listener and demand writer, and takes every node already registered. publish
 * (may be NULL) gets TASK_INFEASIBLE events. Scheduler options come from the
 * environment (rc_sched_opts_from_env). */
rc_task_plane_t *rc_task_plane_new(uv_loop_t *loop, rc_node_table_t *nodes,
                                   rc_node_publish_fn publish, void *publish_arg);
/* Closes the timer (the loop must run once more before the memory goes: call
 * rc_task_plane_free after the owner's final uv_run). */
void rc_task_plane_close(rc_task_plane_t *p);
/* Frees everything; waiters still blocked are dropped without a reply (their
 * clients are being closed by the owner). NULL is a no-op. */
void rc_task_plane_free(rc_task_plane_t *p);

/* The node-table hook (installed by rc_task_plane_new). */
void rc_task_plane_node_event(void *plane, const rc_node_t *n, const char *event);
/* A job ended: what its driver submitted or put and did not release is
 * released now (Ray frees a finished job's objects), as OBJ.RELEASE would. */
void rc_task_plane_job_ended(rc_task_plane_t *p, const uint8_t job[4]);
/* Answers every waiter whose deadline is <= now_ms (the timer calls it). */
void rc_task_plane_expire(rc_task_plane_t *p, uint64_t now_ms);

void rc_task_plane_stats(const rc_task_plane_t *p, rc_task_stats_t *out);
/* Appends the TASK.STATS JSON. */
void rc_task_plane_stats_json(const rc_task_plane_t *p, rc_buf_t *out);
/* State of a task record (tests, State API); -1 when not held. */
int rc_task_plane_state(rc_task_plane_t *p, const rc_id_t *id);
/* The history ring, oldest first. */
size_t rc_task_plane_history(const rc_task_plane_t *p, const rc_task_summary_t **first,
                             size_t *nfirst, const rc_task_summary_t **second, size_t *nsecond);

/* ---- task_list.c: the State API's view ------------------------------------------- */

/* Columns of /api/v0/tasks and /api/v0/objects rows (docs/dashboard.md). */
extern const rc_state_col_t rc_task_cols[];
extern const rc_state_col_t rc_object_cols[];
/* Offers every task to L (records newest first, then the history newest
 * first) and ends the list: total is the exact number of tasks since the head
 * started, with a warning when the history dropped some. */
void rc_task_plane_list(rc_task_plane_t *p, rc_state_list_t *L);
/* Offers the finished task results and put objects the head holds; ends L. */
void rc_task_plane_list_objects(rc_task_plane_t *p, rc_state_list_t *L);
/* Appends what /api/v0/tasks/summarize puts in data.result: exact counts per
 * name and state (Ray's "node_id_to_summary" → "cluster" form). */
void rc_task_plane_summary_json(const rc_task_plane_t *p, rc_buf_t *out);
/* Calls fn for every task name seen (first seen first), with its exact
 * per-state counts (FINISHED / FAILED / CANCELLED since the head started). */
typedef void (*rc_task_name_fn)(void *arg, const char *name, const uint64_t count[RC_TASK_NSTATES]);
void rc_task_plane_each_name(const rc_task_plane_t *p, rc_task_name_fn fn, void *arg);

/* The command table: TASK.SUBMIT/PULL/DONE/GET/WAIT/CANCEL/STATS, OBJ.PUT/RELEASE.
 * Handlers use ctx->tasks; without it they answer an error. */
extern const rc_cmd_def_t rc_task_commands[];
extern const size_t rc_task_commands_count;

#endif
