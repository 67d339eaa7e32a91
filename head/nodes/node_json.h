/* node_json.h — JSON views of the node table, with the field names of
 * docs/protocol.md (Ray's `ray list nodes`), for NODE.LIST/NODE.GET JSON,
 * CLUSTER.STATUS, node events and, later, the dashboard's State API.
 *
 * Pure writers: they read records and append text; they never change the table. */
#ifndef RC_NODE_JSON_H
#define RC_NODE_JSON_H

#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "node.h"
#include "nodes.h"

/* One node as an object: {"node_id", "node_ip", "hostname", "group", "state",
 * "is_head_node", "labels", "resources_total", "resources_available",
 * "start_time_ms", "end_time_ms", "death_reason", "object_port", "version",
 * "pid", "last_report_ms", "idle_duration_ms" (rc_node_idle_ms)}. */
void rc_node_to_json(const rc_node_t *n, rc_jw_t *w);
/* Worker i (< rc_node_nworkers(n)) of node n as a row of Ray's `ray list
 * workers`: {"worker_id" (hex), "is_alive" (false once the node is DEAD),
 * "worker_type": "WORKER", "exit_type": null, "node_id" (hex), "ip" (the
 * node's node_ip), "pid", "state" ("IDLE" | "BUSY"), "task_id" (hex of the
 * running task, or null), "tasks_done"}. Iterate nodes with
 * rc_node_table_first / n->next. */
void rc_node_worker_to_json(const rc_node_t *n, size_t i, rc_jw_t *w);
/* Appends a JSON array of every node, in registration order. */
void rc_node_table_json(rc_node_table_t *t, rc_buf_t *out);
/* Appends what CLUSTER.STATUS returns: {"nodes": {"alive","draining","dead"},
 * "groups": {name: {"alive","draining","dead"}} (names sorted),
 * "resources_total", "resources_available" (sums over ALIVE and DRAINING nodes),
 * "pending_demand": [], "infeasible_demand": []}. */
void rc_node_table_status_json(rc_node_table_t *t, rc_buf_t *out);
/* Appends a node event: {"event", "node_id", "group", "node_ip", "state",
 * "reason", "time_ms"}. */
void rc_node_event_json(const rc_node_t *n, const char *event, uint64_t now_ms, rc_buf_t *out);

#endif
