/* node.h — one worker node as the head records it (Ray's GcsNodeInfo).
 *
 * Owns: its strings, labels and resource vectors. The fields mirror
 * shared/proto/node.proto's NodeInfo; the table (nodes.h) owns every record and
 * is the only writer. Other modules of the head (scheduler, dashboard) read
 * records through rc_node_table_get / rc_node_table_first: the fields above
 * "private" are theirs to read, never to change.
 *
 * Workers: the node's executor processes (Ray's "workers") as its last applied
 * ResourceReport listed them, at most RC_NODE_MAX_WORKERS. Kept when the node
 * re-registers or dies (a DEAD node shows its last list); never stored. */
#ifndef RC_NODE_H
#define RC_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "id.h"
#include "res.h"

/* Same numbers as node.proto's NodeState. */
typedef enum { RC_NODE_ALIVE = 0, RC_NODE_DRAINING = 1, RC_NODE_DEAD = 2 } rc_node_state_t;

typedef struct {
    char *key;   /* owned */
    char *value; /* owned */
} rc_node_label_t;

/* Executors kept per node; a report listing more has the rest ignored. */
#define RC_NODE_MAX_WORKERS 1024

/* One executor process (node.proto WorkerInfo). Fixed size: a list is copied
 * with one memcpy. */
typedef struct {
    rc_id_t id; /* worker_id */
    rc_id_t task_id;
    int has_task; /* task_id is set */
    int busy;
    int32_t pid;
    uint64_t tasks_done;
    int64_t start_time_ms;
} rc_node_worker_t;

/* A list of workers that keeps its array between reports. */
typedef struct {
    rc_node_worker_t *v; /* owned */
    size_t n, cap;
} rc_node_workers_t;

typedef struct rc_node {
    rc_id_t id;
    char *node_ip; /* owned, never NULL ("" when unknown), as are the other strings */
    char *hostname;
    char *group;
    char *version;
    char *death_reason; /* why DEAD, or the drain reason while DRAINING; "" otherwise */
    rc_node_label_t *labels;
    size_t nlabels;
    rc_res_t total;
    rc_res_t available; /* last reported; empty once DEAD */
    uint32_t object_port;
    uint32_t protocol_version;
    int32_t pid;
    int64_t start_time_ms;
    int64_t end_time_ms; /* when it became DEAD, 0 before */
    int64_t last_report_ms;
    /* Wall time of the first report (or registration) that found the node idle —
     * every available amount equal to its total and no busy worker —, 0 while
     * busy. Ray's autoscaler scales down by the same notion (rc_node_idle_ms). */
    int64_t idle_since_ms;
    rc_node_state_t state;
    rc_node_workers_t workers; /* see the header comment */

    /* private to nodes.c */
    uint64_t last_seq;             /* ResourceReport.seq of the last applied report */
    uint32_t failures;             /* health checks failed in a row */
    int heard;                     /* a report (or the registration) arrived since the last check */
    struct rc_node *prev, *next;   /* every node, in registration order */
    struct rc_node *dprev, *dnext; /* DEAD nodes, oldest death first */
    int workers_warned;            /* the over-RC_NODE_MAX_WORKERS warning was logged */
} rc_node_t;

/* "ALIVE", "DRAINING", "DEAD" ("UNKNOWN" for anything else). */
const char *rc_node_state_name(rc_node_state_t s);
/* Sets every field to empty (strings ""), as a record with nothing in it. */
void rc_node_init(rc_node_t *n);
/* Releases what the fields own and leaves n as rc_node_init does (links kept). */
void rc_node_clear(rc_node_t *n);
/* Replaces *dst_str with a copy of s (NULL means ""). */
void rc_node_set_str(char **dst_str, const char *s);

/* How long the node has been idle by its reports (last_report_ms minus
 * idle_since_ms); 0 while busy, before its first idle report and once DEAD. */
int64_t rc_node_idle_ms(const rc_node_t *n);
/* 1 when the node's last report shows it idle: available equal to total and
 * no busy worker. */
int rc_node_is_idle(const rc_node_t *n);

/* Workers of the node's last applied report (rows of `ray list workers`). */
size_t rc_node_nworkers(const rc_node_t *n);
/* Makes dst a copy of src, reusing dst's array when it is large enough. */
void rc_node_workers_copy(rc_node_workers_t *dst, const rc_node_workers_t *src);
/* Frees the array; the list is empty afterwards. */
void rc_node_workers_free(rc_node_workers_t *l);

#endif
