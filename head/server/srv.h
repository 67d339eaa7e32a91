/* srv.h — internals shared by the files of head/server (not for other areas).
 *
 * A connection (rc_client) is an explicit state machine driven by its read
 * callback: OPEN (reading, parsing, dispatching) → CLOSE_AFTER_REPLY (QUIT, a
 * protocol error: no more input is read, pending output is flushed) → CLOSING
 * (uv_close called; freed in the close callback). Replies are appended to the
 * client's output buffer and flushed once per loop turn for every client on the
 * head's pending list (Redis's beforeSleep). */
#ifndef RC_SRV_H
#define RC_SRV_H

#include <uv.h>

#include "buf.h"
#include "cmd.h"
#include "cmd_nodes.h"
#include "db.h"
#include "dict.h"
#include "head.h"
#include "kv.h"
#include "nodes.h"
#include "resp.h"
#include "store.h"
#include "tasks.h"

typedef enum { RC_PORT_GCS, RC_PORT_CLIENT } rc_port_kind_t;

typedef enum { RC_CONN_OPEN, RC_CONN_CLOSE_AFTER_REPLY, RC_CONN_CLOSING } rc_conn_state_t;

typedef struct rc_client {
    uv_tcp_t tcp; /* first: the handle's data is the client */
    rc_head_t *head;
    uint64_t id;
    rc_conn_state_t state;
    rc_port_kind_t port_kind;
    int authed;
    rc_buf_t qbuf; /* unparsed input */
    rc_resp_cmd_parser_t *parser;
    rc_buf_t out;  /* replies appended this turn */
    rc_buf_t wbuf; /* bytes handed to an in-flight uv_write */
    uv_write_t wreq;
    int writing;
    struct rc_client *prev, *next;   /* all clients */
    struct rc_client *pprev, *pnext; /* pending-flush list */
    int pending;
    int blocked;             /* waiting for rc_client_unblock */
    void (*gone)(void *arg); /* called if it disconnects while blocked */
    void *gone_arg;
    struct rc_client *rprev, *rnext; /* resume list: unblocked, input to process */
    int resuming;
    char *name;
    char addr[64], laddr[64];
    uint64_t ctime_ms, atime_ms;
    const char *last_cmd; /* name from the command table */
    rc_dict_t *channels;  /* subscribed channels (values unused) */
    rc_dict_t *patterns;  /* subscribed patterns */
    uint64_t commands;
} rc_client_t;

typedef struct {
    uv_tcp_t tcp;
    rc_head_t *head;
    rc_port_kind_t kind;
    int port;
} rc_listener_t;

struct rc_head {
    uv_loop_t loop;
    rc_head_opts_t opts;
    char *password;
    rc_listener_t gcs, client;
    int client_enabled;
    uv_prepare_t prepare;
    uv_check_t check;
    uv_timer_t cron;
    uv_signal_t sigterm, sigint;
    rc_db_t *db;
    rc_kv_t *kv;
    rc_store_t *store;
    rc_node_table_t *nodes;
    rc_task_plane_t *tasks;
    rc_client_t *clients; /* doubly linked */
    rc_client_t *pending; /* clients with output to flush */
    rc_client_t *resume;  /* unblocked clients whose queued input is processed next */
    size_t nblocked;
    size_t nclients;
    uint64_t next_client_id;
    rc_dict_t *channels; /* channel → rc_dict_t of client ids → rc_client_t* */
    rc_dict_t *patterns; /* pattern → same */
    /* scratch for one dispatch (single thread): argv pointers and lengths */
    const char **argv;
    size_t *argl;
    size_t argcap;
    uint64_t start_ms;
    int stopping;
    /* stats for INFO */
    uint64_t total_connections, total_commands, rejected_connections;
    uint64_t ops_last_ms, ops_last_count;
    double ops_per_sec;
    uint64_t net_in, net_out;
    /* dashboard.c */
    struct rc_http_server *http;
    struct rc_job_mgr *jobs;
    struct rc_job_api *job_api;
    struct rc_static *web; /* the UI's files; NULL when its directory is missing */
};

/* dashboard.c: the HTTP server on the dashboard port and the job manager. */
rc_err_t rc_head_dashboard_start(rc_head_t *h, char *err, size_t errcap);
/* Before the loop's last run: stops the server and the drivers. */
void rc_head_dashboard_close(rc_head_t *h);
/* After it. */
void rc_head_dashboard_free(rc_head_t *h);

/* state_api.c: answers (and returns 1 for) /api/v0/… and /api/cluster_status. */
struct rc_http_req;
int rc_head_state_api_handle(rc_head_t *h, struct rc_http_req *req);
/* metrics.c: answers (and returns 1 for) /metrics, Prometheus text format; 405 but GET. */
int rc_head_metrics_handle(rc_head_t *h, struct rc_http_req *req);

/* client.c */
void rc_client_accept(rc_listener_t *l);
/* Adds c to the pending-flush list (its output is written before the loop sleeps). */
void rc_client_mark_pending(rc_client_t *c);
void rc_client_close(rc_client_t *c, const char *why);
/* Processes the input of unblocked clients, then writes every pending output;
 * called once per loop turn (prepare and check hooks). */
void rc_head_flush_pending(rc_head_t *h);
/* Closes c if its pending output exceeds the limit for its kind; returns 1 if closed. */
int rc_client_check_output(rc_client_t *c);

/* dispatch.c */
void rc_dispatch_init(void);
const rc_cmd_def_t *rc_dispatch_lookup(const char *name, size_t len);
void rc_dispatch(rc_client_t *c, size_t argc, const char *const *argv, const size_t *argl);
/* Every registered command, for COMMAND. */
size_t rc_dispatch_all(const rc_cmd_def_t ***out);

/* cmd_server.c */
extern const rc_cmd_def_t rc_server_commands[];
extern const size_t rc_server_commands_count;

/* pubsub.c */
extern const rc_cmd_def_t rc_pubsub_commands[];
extern const size_t rc_pubsub_commands_count;
int rc_client_in_pubsub(const rc_client_t *c);
void rc_pubsub_client_gone(rc_client_t *c);
size_t rc_pubsub_nchannels(const rc_head_t *h);
size_t rc_pubsub_npatterns(const rc_head_t *h);

#endif
