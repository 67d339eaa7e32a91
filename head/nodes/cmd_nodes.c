/* cmd_nodes.c — the NODE.* and CLUSTER.STATUS commands (see cmd_nodes.h). */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cmd_nodes.h"
#include "node_json.h"
#include "node_pb.h"
#include "nodes.h"
#include "resp.h"

#define ERRLEN    512
#define REASONMAX RC_NODE_STR_MAX

static int have_table(rc_cmd_ctx_t *c)
{
    if (c->nodes) return 1;
    rc_resp_write_error(c->out, "ERR the node table is not available on this server");
    return 0;
}

/* argv[i] as a node id; on failure replies an error and returns 0. */
static int arg_id(rc_cmd_ctx_t *c, size_t i, rc_id_t *id)
{
    if (rc_id_from_hex(c->argv[i], c->argl[i], id) == RC_OK) return 1;
    rc_resp_write_errorf(c->out,
                         "ERR invalid node id (%zu bytes): expected 32 hex digits as NODE.LIST "
                         "shows them",
                         c->argl[i]);
    return 0;
}

/* Optional trailing JSON argument at index i; replies a syntax error when
 * something else is there. */
static int arg_json(rc_cmd_ctx_t *c, size_t i, int *json)
{
    *json = 0;
    if (c->argc <= i) return 1;
    if (c->argc == i + 1 && rc_cmd_arg_is(c, i, "JSON")) {
        *json = 1;
        return 1;
    }
    rc_cmd_reply_syntax(c);
    return 0;
}

/* Optional reason argument at index 2 (a C string, bounded, one line). */
static int arg_reason(rc_cmd_ctx_t *c, char *out, size_t cap)
{
    out[0] = '\0';
    if (c->argc > 3) {
        rc_cmd_reply_syntax(c);
        return 0;
    }
    if (c->argc < 3) return 1;
    if (c->argl[2] > REASONMAX || memchr(c->argv[2], '\0', c->argl[2])) {
        rc_resp_write_errorf(c->out, "ERR the reason must be text of at most %d bytes", REASONMAX);
        return 0;
    }
    for (size_t i = 0; i < c->argl[2]; i++) {
        unsigned char ch = (unsigned char)c->argv[2][i];
        out[i] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    }
    out[c->argl[2]] = '\0';
    return 1;
}

static void cmd_register(rc_cmd_ctx_t *c)
{
    char err[ERRLEN];
    if (!have_table(c)) return;
    rc_err_t e =
        rc_node_table_register(c->nodes, c->argv[1], c->argl[1], c->now_ms, err, sizeof(err));
    if (e == RC_EVERSION) {
        rc_resp_write_errorf(c->out, "NODEVERSION %s", err);
        return;
    }
    if (e != RC_OK) {
        rc_resp_write_errorf(c->out, "ERR NODE.REGISTER refused: %s", err);
        return;
    }
    const rc_node_opts_t *o = rc_node_table_opts(c->nodes);
    rc_resp_write_array(c->out, 3);
    rc_resp_write_bulk(c->out, "OK", 2);
    rc_resp_write_int(c->out, (int64_t)o->health_period_ms);
    rc_resp_write_int(c->out, (int64_t)o->report_every_ms);
}

static void cmd_report(rc_cmd_ctx_t *c)
{
    char err[ERRLEN], hex[RC_ID_HEX_LEN + 1];
    rc_node_report_result_t res;
    rc_id_t id;
    if (!have_table(c)) return;
    rc_err_t e = rc_node_table_report(c->nodes, c->argv[1], c->argl[1], c->now_ms, &res, &id, err,
                                      sizeof(err));
    if (e != RC_OK) {
        rc_resp_write_errorf(c->out, "ERR NODE.REPORT refused: %s", err);
        return;
    }
    switch (res) {
    case RC_NODE_REPORT_OK: rc_resp_write_ok(c->out); break;
    case RC_NODE_REPORT_DRAIN: rc_resp_write_status(c->out, "DRAIN"); break;
    case RC_NODE_REPORT_UNKNOWN:
        rc_id_to_hex(&id, hex);
        rc_resp_write_errorf(c->out, "NOTFOUND node %s is not registered: register again", hex);
        break;
    }
}

static void cmd_unregister(rc_cmd_ctx_t *c)
{
    char reason[REASONMAX + 1];
    rc_id_t id;
    if (!have_table(c) || !arg_reason(c, reason, sizeof(reason)) || !arg_id(c, 1, &id)) return;
    rc_resp_write_int(c->out, rc_node_table_unregister(c->nodes, &id, reason, c->now_ms));
}

static void cmd_drain(rc_cmd_ctx_t *c)
{
    char reason[REASONMAX + 1];
    rc_id_t id;
    if (!have_table(c) || !arg_reason(c, reason, sizeof(reason)) || !arg_id(c, 1, &id)) return;
    rc_resp_write_int(c->out, rc_node_table_drain(c->nodes, &id, reason, c->now_ms));
}

static void cmd_list(rc_cmd_ctx_t *c)
{
    int json;
    if (!have_table(c) || !arg_json(c, 1, &json)) return;
    rc_buf_t b = RC_BUF_INIT;
    if (json) {
        rc_node_table_json(c->nodes, &b);
        rc_resp_write_bulk(c->out, b.data, b.len);
    } else {
        rc_resp_write_array(c->out, rc_node_table_size(c->nodes));
        for (rc_node_t *n = rc_node_table_first(c->nodes); n; n = n->next) {
            rc_buf_clear(&b);
            rc_node_to_pb(n, 1, &b);
            rc_resp_write_bulk(c->out, b.data, b.len);
        }
    }
    rc_buf_free(&b);
}

static void cmd_get(rc_cmd_ctx_t *c)
{
    int json;
    rc_id_t id;
    if (!have_table(c) || !arg_json(c, 2, &json) || !arg_id(c, 1, &id)) return;
    rc_node_t *n = rc_node_table_get(c->nodes, &id);
    if (!n) {
        rc_resp_write_nil(c->out);
        return;
    }
    rc_buf_t b = RC_BUF_INIT;
    if (json) {
        rc_jw_t w;
        rc_jw_init(&w, &b);
        rc_node_to_json(n, &w);
    } else {
        rc_node_to_pb(n, 1, &b);
    }
    rc_resp_write_bulk(c->out, b.data, b.len);
    rc_buf_free(&b);
}

static void cmd_status(rc_cmd_ctx_t *c)
{
    if (!have_table(c)) return;
    rc_buf_t b = RC_BUF_INIT;
    rc_node_table_status_json(c->nodes, &b);
    rc_resp_write_bulk(c->out, b.data, b.len);
    rc_buf_free(&b);
}

const rc_cmd_def_t rc_node_commands[] = {
    {"NODE.REGISTER", 2, RC_CMD_WRITE, cmd_register, 0, 0, 0,
     "Registers a worker node (a serialized NodeInfo); replies OK, the health-check period and "
     "how often to report."},
    {"NODE.REPORT", 2, RC_CMD_WRITE | RC_CMD_FAST, cmd_report, 0, 0, 0,
     "Heartbeat and available resources of a node (a serialized ResourceReport)."},
    {"NODE.UNREGISTER", -2, RC_CMD_WRITE | RC_CMD_FAST, cmd_unregister, 0, 0, 0,
     "Marks a node DEAD because it left (after a drain)."},
    {"NODE.DRAIN", -2, RC_CMD_WRITE | RC_CMD_FAST, cmd_drain, 0, 0, 0,
     "Asks a node to drain; it learns it from the reply to its next report."},
    {"NODE.LIST", -1, RC_CMD_READONLY | RC_CMD_CLIENT, cmd_list, 0, 0, 0,
     "Every node the head knows (NodeInfo bulks, or one JSON array with JSON)."},
    {"NODE.GET", -2, RC_CMD_READONLY | RC_CMD_CLIENT | RC_CMD_FAST, cmd_get, 0, 0, 0,
     "One node (a NodeInfo bulk, or a JSON object with JSON), or nil."},
    {"CLUSTER.STATUS", 1, RC_CMD_READONLY | RC_CMD_CLIENT, cmd_status, 0, 0, 0,
     "Node counts by state and group, total and available resources, demand (JSON)."},
};

const size_t rc_node_commands_count = sizeof(rc_node_commands) / sizeof(rc_node_commands[0]);
