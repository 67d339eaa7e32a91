/* cmd_nodes.h — the NODE.* and CLUSTER.STATUS commands (docs/protocol.md).
 *
 * Rows in rc_node_commands; handlers use ctx->nodes (replying an error when it
 * is NULL) and ctx->now_ms. NODE.REGISTER/REPORT/UNREGISTER/DRAIN are served on
 * the GCS port only; the reads NODE.LIST, NODE.GET and CLUSTER.STATUS also on
 * the client port.
 *
 *   NODE.REGISTER <NodeInfo>      → *3 ["OK", :health_period_ms, :report_every_ms]
 *                                   or -ERR / -NODEVERSION saying what to fix
 *   NODE.REPORT <ResourceReport>  → +OK, +DRAIN, or -NOTFOUND (register again)
 *   NODE.UNREGISTER <id> [reason] → :1 / :0
 *   NODE.DRAIN <id> [reason]      → :1 / :0
 *   NODE.LIST [JSON]              → array of NodeInfo bulks, or one JSON bulk
 *   NODE.GET <id> [JSON]          → NodeInfo bulk or JSON bulk, or nil
 *   CLUSTER.STATUS                → JSON bulk */
#ifndef RC_CMD_NODES_H
#define RC_CMD_NODES_H

#include <stddef.h>

#include "cmd.h"

extern const rc_cmd_def_t rc_node_commands[];
extern const size_t rc_node_commands_count;

#endif
