/* plane.h — the task plane's records and transitions, shared by plane.c (the
 * model: records, objects, classes, nodes, state changes) and cmd_tasks.c (the
 * commands and the blocked waiters). Not for other areas: they use tasks.h. */
#ifndef RC_TASK_PLANE_H
#define RC_TASK_PLANE_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "buf.h"
#include "dict.h"
#include "err.h"
#include "id.h"
#include "nodes.h"
#include "res.h"
#include "sched.h"
#include "tasks.h"

/* Default window of tasks queued on a node ahead of their resources, per CPU
 * (see prefetch() in plane.c; the worker agent uses the same default). */
#define RC_TASK_PREFETCH_PER_CPU_DEFAULT 32
/* Tasks of a class that run longer than this on average are not prefetched:
 * pipelining saves a round trip of well under a millisecond, and a long task
 * queued on a busy node would not move to a node that joins (see prefetch()). */
#define RC_TASK_PREFETCH_MAX_MS_DEFAULT 100

typedef struct task task_t;
typedef struct tclass tclass_t;
typedef struct tnode tnode_t;
typedef struct waiter waiter_t;

/* An intrusive FIFO of tasks (task->prev/next: a task is in at most one). */
typedef struct {
    task_t *head, *tail;
    size_t n;
} tqueue_t;

enum {
    F_CLIENT_REF = 1 << 0, /* the submitter has not released it */
    F_RETRY_EXC = 1 << 1,  /* retry_exceptions */
    F_PUBLISHED = 1 << 2,  /* its TASK_INFEASIBLE event went out */
    F_REFARGS = 1 << 3,    /* some argument is a ref: the PullReply resolves it */
    F_PREFETCH = 1 << 4,   /* placed on its node ahead of resources (see prefetch()) */
    F_COMMAND = 1 << 5,    /* TASK_COMMAND */
    F_JOB = 1 << 6,        /* job[] holds the submitter's job id */
};

/* Exact task counts of one name (func_or_class_name), for the State API's
 * summary and /metrics. Names beyond RC_TASK_NAMES_MAX share one entry. */
typedef struct {
    uint64_t count[RC_TASK_NSTATES];
    char name[];
} tname_t;

/* Who waits for a task's result: dependents (PENDING_ARGS_AVAIL tasks) and
 * TASK.GET / TASK.WAIT waiters. Allocated on the first watcher only. */
typedef struct {
    task_t **deps;
    uint32_t ndeps, capdeps;
    waiter_t **getters;
    uint32_t ngetters, capgetters;
} watch_t;

/* One task. The packed TaskSpec, the ids of the objects it pins (its ref
 * arguments that existed at submit) and its name follow the struct in the same
 * allocation. */
struct task {
    rc_id_t id;
    task_t *prev, *next; /* class FIFO or node queue / running list */
    tclass_t *cls;
    tnode_t *node; /* SUBMITTED_TO_WORKER / RUNNING: where */
    watch_t *watch;
    uint8_t *result; /* packed TaskResult once final (owned) */
    uint32_t result_len, data_off, data_len;
    uint32_t attempt;
    int32_t retries_left;
    uint32_t unresolved; /* ref arguments whose producer is not final */
    uint32_t npins;      /* non-final tasks that take this result as an argument */
    uint32_t spec_len;
    uint16_t ndeps; /* pinned object ids stored after the spec */
    uint8_t state, flags, status, name_len;
    rc_id_t ran_on;        /* last node it was placed on */
    task_t *aprev, *anext; /* every record, newest first (p->all) */
    tname_t *tn;
    uint64_t create_ms, ready_ms, start_ms, end_ms; /* wall clock; 0: not yet */
    rc_id_t worker_id;                              /* executor of the last result */
    int32_t worker_pid;
    uint8_t job[4];
    uint8_t data[];
};

static inline const uint8_t *task_spec(const task_t *t)
{
    return t->data;
}
static inline rc_id_t *task_deps(task_t *t)
{
    return (rc_id_t *)(void *)(t->data + ((t->spec_len + 7u) & ~7u));
}
static inline const char *task_name(task_t *t)
{
    return (const char *)(task_deps(t) + t->ndeps);
}

/* A put object: its bytes (at most 100 KiB), or none when it is kept in node
 * object stores (p->locs has it then). */
typedef struct {
    uint32_t len;
    uint32_t npins;
    uint8_t client_ref;
    uint8_t has_job; /* job[] holds the putter's job id: its end releases it */
    uint8_t job[4];
    uint8_t data[];
} tobj_t;

/* Where an object kept in node object stores is: a task result or a put value
 * over 100 KiB (objects.c). Only the head's bookkeeping: the bytes stay on the
 * nodes. */
typedef struct {
    uint64_t size;
    uint32_t n, cap;
    rc_id_t *nodes; /* nodes holding a copy, the first one made first */
    char *lost;     /* why every copy is gone for good (owned), or NULL */
} tloc_t;

/* A scheduling class: tasks that ask for the same thing wait in one FIFO, and
 * only its head is tried (one rc_sched_place per attempt, never a scan). */
struct tclass {
    rc_res_t res;
    rc_sched_strategy_t strategy;
    rc_id_t affinity;
    int soft;
    char *group; /* NULL = any */
    rc_id_t local;
    tqueue_t wait;
    int infeasible;          /* the last placement said INFEASIBLE */
    uint32_t run_ms;         /* running time of its tasks, moving average (run_known) */
    int run_known;           /* a task of the class has finished */
    tclass_t *aprev, *anext; /* on the active list while wait.n > 0 */
    int active;
};

typedef struct {
    rc_id_t id;
    uint8_t force;
} tcancel_t;

struct tnode {
    rc_id_t id;
    uint32_t slot;
    rc_node_state_t state;
    int64_t start_time_ms;
    int32_t pid;
    rc_res_t total, used;
    tqueue_t queued, running;
    uint32_t nprefetch; /* of queued + running, tasks holding no resources yet */
    tcancel_t *cancels;
    size_t ncancels, capcancels;
    waiter_t *puller;
    int woken;
    tnode_t *wnext;
    char objaddr[80];   /* "HOST:PORT" of its object port; "" when it has none */
    uint64_t obj_bytes; /* bytes of the objects it holds (objects.c) */
    rc_id_t *frees;     /* objects it may delete, sent with the next PullReply */
    size_t nfrees, capfrees;
};

typedef enum { W_PULL, W_GET, W_WAIT } wkind_t;

struct waiter {
    wkind_t kind;
    struct rc_client *client;
    rc_task_plane_t *plane;
    uint64_t deadline; /* UINT64_MAX: none */
    size_t hidx;       /* in the deadline heap, or SIZE_MAX */
    tnode_t *node;     /* PULL */
    uint32_t slots;    /* PULL */
    rc_id_t *ids;      /* GET / WAIT */
    size_t nids, remaining, need;
    int done;                /* answered; freed after the current notification */
    waiter_t *wprev, *wnext; /* every waiter of the plane */
};

struct rc_task_plane {
    uv_loop_t *loop;
    uint32_t prefetch_per_cpu; /* RAYC_TASK_PREFETCH_PER_CPU (0: off) */
    uint32_t prefetch_max_ms;  /* RAYC_TASK_PREFETCH_MAX_MS */
    uv_timer_t timer;
    int timer_inited;
    rc_node_table_t *nodes;
    rc_node_publish_fn publish;
    void *publish_arg;
    rc_sched_t *sched;
    rc_dict_t *tasks;   /* id → task_t* (owned) */
    rc_dict_t *objs;    /* id → tobj_t* (owned) */
    rc_dict_t *locs;    /* id → tloc_t* (owned): objects kept in node stores */
    rc_dict_t *classes; /* key → tclass_t* (owned) */
    rc_dict_t *tnodes;  /* id → tnode_t* (owned) */
    tnode_t **byslot;
    size_t nslots;
    tclass_t *active;
    tnode_t *wake;
    int released, nodes_changed;
    waiter_t *waiters;
    waiter_t **heap;
    size_t nheap, capheap;
    rc_task_stats_t st;
    rc_task_summary_t *ring;
    size_t ring_start, ring_n, ring_cap;
    task_t *all;         /* every record, newest first */
    rc_dict_t *names;    /* name → tname_t* (owned) */
    tname_t *other;      /* names beyond RC_TASK_NAMES_MAX (in names too) */
    tname_t **name_list; /* the same entries, first seen first */
    size_t nnames, capnames;
    rc_id_t *work; /* dependents to fail (ids: they may be gone when reached) */
    size_t nwork, capwork;
    int draining_work;
    rc_res_t tmpres;
    rc_buf_t key;
    uint64_t now;
};

/* ---- plane.c ---------------------------------------------------------------------- */
task_t *rc_plane_task(rc_task_plane_t *p, const rc_id_t *id);
tobj_t *rc_plane_obj(rc_task_plane_t *p, const rc_id_t *id);
int rc_plane_is_final(const task_t *t);
/* A packed TaskResult made by the head (rc_malloc'ed). */
uint8_t *rc_plane_make_result(const task_t *t, int status, const char *error, size_t *len);
/* Validates a TaskSpec (unpacked); NULL when fine, else a static or buffered message. */
const char *rc_plane_check_spec(const void *spec, char *err, size_t errcap);
/* Adds a validated task: spec unpacked, raw its packed bytes. Returns 0 when the
 * id is already known (ignored), 1 when added. */
int rc_plane_submit(rc_task_plane_t *p, const void *spec, const uint8_t *raw, size_t rawlen);
/* A worker's result (unpacked r, raw packed bytes); 1 when accepted. */
int rc_plane_done(rc_task_plane_t *p, const void *r, const uint8_t *raw, size_t rawlen);
/* TASK.CANCEL: 1 when cancelled or being cancelled. */
int rc_plane_cancel(rc_task_plane_t *p, task_t *t, int force);
/* Ends a task with a head-made result (status a TaskStatus). */
void rc_plane_finish(rc_task_plane_t *p, task_t *t, rc_task_state_t st, int status,
                     const char *error);
void rc_plane_maybe_free_task(rc_task_plane_t *p, task_t *t);
void rc_plane_maybe_free_obj(rc_task_plane_t *p, const rc_id_t *id, tobj_t *o);
/* After every operation: fail queued dependents, retry waiting classes, answer
 * pullers of nodes that got work, re-arm the timer. */
void rc_plane_flush(rc_task_plane_t *p);
/* Appends the PullReply of node n (at most slots tasks; none while DRAINING)
 * as a RESP bulk string; moves the tasks to RUNNING. */
void rc_plane_pull_reply(rc_task_plane_t *p, tnode_t *n, uint32_t slots, rc_buf_t *out);
int rc_plane_node_has_work(const tnode_t *n);
tnode_t *rc_plane_node(rc_task_plane_t *p, const rc_id_t *id);

/* Reconstruction of a FINISHED task whose stored result was lost: 1 when it
 * runs again (a retry left, its arguments still there), 0 when it cannot. */
int rc_plane_rerun(rc_task_plane_t *p, task_t *t);
/* The scheduler's view of n again (its object bytes changed). */
void rc_plane_node_refresh(rc_task_plane_t *p, tnode_t *n);
void rc_plane_wake(rc_task_plane_t *p, tnode_t *n);

/* ---- objects.c: objects kept in node stores ------------------------------------------ */
tloc_t *rc_plane_loc(rc_task_plane_t *p, const rc_id_t *id);
/* n holds a copy of id (size bytes). RC_EINVAL with err when the size differs
 * from the known one or n has no object port. */
rc_err_t rc_plane_loc_add(rc_task_plane_t *p, const rc_id_t *id, uint64_t size, tnode_t *n,
                          char *err, size_t errcap);
/* The object is gone from the head's tables: its nodes may delete their copies. */
void rc_plane_loc_drop(rc_task_plane_t *p, const rc_id_t *id);
/* n died: its copies are gone; objects left with none are made again by their
 * task when it can run again, else marked lost. */
void rc_plane_loc_node_gone(rc_task_plane_t *p, tnode_t *n);
/* Up to cap object addresses of the nodes holding l (those with an object port). */
size_t rc_plane_loc_addrs(rc_task_plane_t *p, const tloc_t *l, const char **out, size_t cap);
/* Appends TaskResult fields 10..12 (in_store, object_size, locations) for l to a
 * packed TaskResult being written (protobuf merges them). Returns the bytes added
 * when out is NULL (a dry run), else appends them. */
size_t rc_plane_loc_result_fields(rc_task_plane_t *p, const tloc_t *l, rc_buf_t *out);
void rc_plane_loc_free(void *v);

/* ---- cmd_tasks.c: waiters ----------------------------------------------------------- */
/* A task became final: tell its getters (the watch is detached by the caller). */
void rc_waiters_task_final(rc_task_plane_t *p, waiter_t **getters, uint32_t n);
/* Answers and frees the puller of n (empty reply or an error when err). */
void rc_waiters_answer_pull(rc_task_plane_t *p, tnode_t *n, const char *err);
void rc_waiters_arm(rc_task_plane_t *p);
void rc_waiters_free_all(rc_task_plane_t *p);

#endif
