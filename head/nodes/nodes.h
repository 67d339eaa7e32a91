/* nodes.h — the head's node table: worker nodes, their state machine, health
 * checks and persistence (docs/protocol.md is the contract).
 *
 * Owns: every node record (node.h), keyed by its 16-byte id in an rc_dict (O(1)
 * lookup per NODE.REPORT), a list of all nodes in registration order, a list
 * of DEAD nodes oldest death first (the newest max_dead are kept, older ones
 * are dropped from memory and storage), the health-check timer, and the
 * protobuf decode arena.
 *
 * State machine of a node (one function per transition, each one logged,
 * written through to storage and published on RC_NODE_EVENTS_CHANNEL):
 *   (none) --register--> ALIVE                           NODE_ADDED
 *   ALIVE/DRAINING/DEAD --register again--> ALIVE         NODE_RECONNECTED
 *        (a DRAINING node stays DRAINING: a lost connection does not cancel a drain)
 *   ALIVE --drain--> DRAINING                             NODE_DRAINING
 *   ALIVE/DRAINING --unregister or failed health--> DEAD  NODE_DEAD
 * Reports change only the available resources, the workers (node.h) and the
 * health window; they are never written to storage (they arrive up to 10 times
 * a second per node).
 *
 * Health: every health_period_ms the table checks each ALIVE or DRAINING
 * node; a check fails when no report (or registration) arrived since the
 * previous check; failure_threshold failures in a row make the node DEAD with
 * reason "health check failed: no report for N ms".
 *
 * Time: every call takes now_ms (wall clock, ms since the epoch) from the
 * caller, so tests drive the table with a fake clock; the timer started by
 * rc_node_table_start uses the real one. Belongs to the head's loop thread. */
#ifndef RC_NODES_H
#define RC_NODES_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "buf.h"
#include "err.h"
#include "id.h"
#include "json.h"
#include "node.h"
#include "store.h"

#define RC_NODE_EVENTS_CHANNEL "rayc:node_events"
#define RC_NODE_STORE_TABLE    "nodes"

typedef struct rc_node_table rc_node_table_t;

typedef struct {
    uint64_t health_period_ms;  /* RAY_health_check_period_ms, default 3000 */
    uint32_t failure_threshold; /* RAY_health_check_failure_threshold, default 5 */
    uint64_t report_every_ms;   /* told to workers at registration: min(1000, period/2) */
    size_t max_dead;            /* DEAD records kept, default 1000 */
} rc_node_opts_t;

void rc_node_opts_default(rc_node_opts_t *o);
/* Reads RAY_health_check_period_ms (10..86400000) and
 * RAY_health_check_failure_threshold (1..1000000); a value that is not a
 * number in range is logged as a warning and the default kept. Recomputes
 * report_every_ms. */
void rc_node_opts_from_env(rc_node_opts_t *o);

/* Told of every node event: msg is the event's JSON (docs/protocol.md). */
typedef void (*rc_node_publish_fn)(void *arg, const char *channel, size_t chlen, const char *msg,
                                   size_t mlen);

/* Told of every state change of a node, after it is applied: event is
 * "NODE_ADDED", "NODE_RECONNECTED", "NODE_DRAINING" or "NODE_DEAD" (the task
 * plane re-places or retries tasks). The listener must not call operations of
 * the table; n is valid only during the call. */
typedef void (*rc_node_listener_fn)(void *arg, const rc_node_t *n, const char *event);
/* Writes one JSON array of resource demand for CLUSTER.STATUS: pending
 * (infeasible 0) or infeasible (1) entries {"shape": {...}, "count": N}. */
typedef void (*rc_node_demand_fn)(void *arg, rc_jw_t *w, int infeasible);

/* store may be NULL (nothing persisted). The table does not own the store. */
rc_node_table_t *rc_node_table_new(const rc_node_opts_t *opts, rc_store_t *store);
void rc_node_table_set_publish(rc_node_table_t *t, rc_node_publish_fn fn, void *arg);
/* One listener (NULL clears it); see rc_node_listener_fn. */
void rc_node_table_set_listener(rc_node_table_t *t, rc_node_listener_fn fn, void *arg);
/* One demand writer (NULL: CLUSTER.STATUS shows empty arrays). */
void rc_node_table_set_demand(rc_node_table_t *t, rc_node_demand_fn fn, void *arg);
/* Writes the pending (0) or infeasible (1) demand array through the writer. */
void rc_node_table_write_demand(rc_node_table_t *t, rc_jw_t *w, int infeasible);
/* Reads the "nodes" table of the store (startup, before any command): ALIVE
 * and DRAINING nodes get a fresh health window starting at now_ms, DEAD ones
 * stay DEAD (beyond max_dead the oldest are dropped). Malformed records are
 * skipped with a warning. Blocks (see rc_store_load). */
rc_err_t rc_node_table_load(rc_node_table_t *t, uint64_t now_ms, char *err, size_t errcap);
/* Starts the health-check timer on loop. */
void rc_node_table_start(rc_node_table_t *t, uv_loop_t *loop);
/* Stops the timer and closes its handle; the loop must run once more (or be
 * walked and run by its owner) before rc_node_table_free. */
void rc_node_table_stop(rc_node_table_t *t);
/* Frees every record; the timer must be closed (never started, or stopped and
 * its close callback run). NULL is a no-op. */
void rc_node_table_free(rc_node_table_t *t);
const rc_node_opts_t *rc_node_table_opts(const rc_node_table_t *t);

/* ---- operations (what the NODE.* commands do) ---------------------------------- */

/* NODE.REGISTER: decodes and validates a NodeInfo and adds or replaces the
 * record. Errors as rc_node_from_pb (RC_EVERSION → "NODEVERSION"); err says
 * what to fix. */
rc_err_t rc_node_table_register(rc_node_table_t *t, const void *pb, size_t len, uint64_t now_ms,
                                char *err, size_t errcap);

typedef enum {
    RC_NODE_REPORT_OK,      /* +OK */
    RC_NODE_REPORT_DRAIN,   /* +DRAIN: the node is DRAINING */
    RC_NODE_REPORT_UNKNOWN, /* -NOTFOUND: not registered, or DEAD: register again */
} rc_node_report_result_t;

/* NODE.REPORT: decodes a ResourceReport; *id is the reporting node (for the
 * NOTFOUND message). A report with available resources and a seq not lower
 * than the last applied one is applied: it replaces the available resources
 * and the worker list (the first RC_NODE_MAX_WORKERS; a longer list is logged
 * once per node). Any other report is a heartbeat only. Returns RC_OK and
 * *res, or an error (bad payload) with err set. */
rc_err_t rc_node_table_report(rc_node_table_t *t, const void *pb, size_t len, uint64_t now_ms,
                              rc_node_report_result_t *res, rc_id_t *id, char *err, size_t errcap);
/* NODE.DRAIN: ALIVE → DRAINING with reason (NULL: "drain requested"). Returns 1
 * if the node is now DRAINING (also when it already was), 0 if unknown or DEAD. */
int rc_node_table_drain(rc_node_table_t *t, const rc_id_t *id, const char *reason, uint64_t now_ms);
/* NODE.UNREGISTER: ALIVE/DRAINING → DEAD with reason (NULL: "drained").
 * Returns 1 if it was ALIVE or DRAINING, 0 if unknown or already DEAD. */
int rc_node_table_unregister(rc_node_table_t *t, const rc_id_t *id, const char *reason,
                             uint64_t now_ms);
/* One health-check pass (the timer calls it every health_period_ms). */
void rc_node_table_check(rc_node_table_t *t, uint64_t now_ms);

/* ---- reading ----------------------------------------------------------------------- */

rc_node_t *rc_node_table_get(rc_node_table_t *t, const rc_id_t *id);
/* Iteration in registration order: for (n = first(t); n; n = n->next). Do not
 * call operations while iterating. */
rc_node_t *rc_node_table_first(rc_node_table_t *t);
size_t rc_node_table_size(const rc_node_table_t *t);

typedef struct {
    size_t alive, draining, dead;
    uint64_t registrations, reports, deaths, health_failures;
} rc_node_stats_t;
void rc_node_table_stats(const rc_node_table_t *t, rc_node_stats_t *out);

#endif
