/* head.h — the head process's server: one libuv loop that owns the GCS state
 * (keyspace, internal KV, storage backend) and serves the Redis protocol on the
 * GCS port (6379) and the client port (10001).
 *
 * Contract: rc_head_new binds the listeners (so "port in use" is reported before
 * a daemon detaches) and loads persisted state; rc_head_run runs the loop until
 * rc_head_stop or SIGTERM/SIGINT; rc_head_free releases everything. All state
 * belongs to the loop thread. */
#ifndef RC_HEAD_H
#define RC_HEAD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct rc_head rc_head_t;

typedef struct {
    const char *bind_host;    /* "0.0.0.0" */
    int port;                 /* GCS port, 6379 */
    int client_port;          /* Ray Client port, 10001; 0 disables */
    const char *password;     /* NULL or "": no AUTH required */
    const char *gcs_storage;  /* "memory" or "redis://host:port[/db]" */
    const char *cluster_name; /* storage namespace, "default" */
    size_t max_clients;       /* 10000 */
    size_t max_bulk;          /* 512 MiB */
    size_t max_query_buf;     /* 1 GiB: unparsed input kept per client */
    size_t max_output_pubsub; /* 32 MiB: a subscriber further behind is disconnected */
    size_t max_output_normal; /* 1 GiB */
    /* The dashboard (Jobs REST API) on nng's HTTP server; port 0 = off. */
    const char *dashboard_host; /* "127.0.0.1": 0.0.0.0 only when asked */
    int dashboard_port;         /* 8265 */
    size_t dashboard_max_body;  /* 1 MiB */
    const char *storage;        /* shared volume for job records and logs; NULL = no jobs */
    const char *node_ip;        /* this node's address, for drivers' RAY_ADDRESS */
    const char *session_name;   /* shown by /api/version */
    /* The dashboard's web UI files; NULL: rc_static_default_root (head/dashboard/static.h). */
    const char *dashboard_web_dir;
} rc_head_opts_t;

void rc_head_opts_default(rc_head_opts_t *o);

/* Binds and loads. On failure returns an error and writes a message for the user
 * (what was wrong, what to do) into err. */
rc_err_t rc_head_new(const rc_head_opts_t *opts, rc_head_t **out, char *err, size_t errcap);
/* Runs until stopped; returns RC_OK after a clean shutdown. */
rc_err_t rc_head_run(rc_head_t *h);
/* Asks the loop to stop at the end of this turn (loop thread only). */
void rc_head_stop(rc_head_t *h);
void rc_head_free(rc_head_t *h);
/* The port actually bound (useful with port 0 in tests). */
int rc_head_port(const rc_head_t *h);
int rc_head_client_port(const rc_head_t *h);
int rc_head_dashboard_port(const rc_head_t *h); /* 0 when off */

/* Publishes msg on channel to subscribers (node/job/task events use this). */
size_t rc_head_publish(rc_head_t *h, const char *channel, size_t chlen, const char *msg,
                       size_t mlen);

#endif
