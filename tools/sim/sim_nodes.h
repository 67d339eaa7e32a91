/* sim_nodes.h — many simulated worker nodes in one process (rayc-sim-nodes).
 *
 * Owns: N fake nodes, each with its own hiredis async connection to the head
 * (so the head does the per-connection work 1,000 real agents would cause),
 * driven by one libuv loop. A node connects, AUTHs, sends NODE.REGISTER with
 * its NodeInfo, then NODE.REPORT every interval (keeping at most one report in
 * flight: a report still unanswered when the next is due is counted as
 * "late" and skipped, as a real agent would coalesce). Replies are followed as
 * docs/protocol.md says: -NOTFOUND → register again, +DRAIN → unregister and
 * leave, a lost connection → reconnect after a second. At the end (duration or
 * SIGINT/SIGTERM) every node sends NODE.UNREGISTER, unless told to vanish and
 * leave its death to the head's health check.
 *
 * Connects are paced (at most `connect_parallel` registering at once) so the
 * head's listen backlog is not flooded. */
#ifndef RC_SIM_NODES_H
#define RC_SIM_NODES_H

#include <stddef.h>
#include <stdint.h>

#include "res.h"

typedef struct {
    const char *host; /* the head's GCS address */
    int port;
    const char *password; /* NULL or "": no AUTH */
    size_t nodes;
    int interval_ms;   /* between two reports of one node */
    double duration_s; /* 0: until SIGINT/SIGTERM */
    const char *group;
    const char *node_ip;  /* what every node registers as its address */
    rc_res_t total;       /* each node's resources */
    int vary;             /* report random available amounts (else available = total) */
    int unregister;       /* send NODE.UNREGISTER at the end */
    int connect_parallel; /* registrations in flight at once */
    double progress_s;    /* a progress line on stderr every this many s; 0: none */
} rc_sim_opts_t;

typedef struct {
    uint64_t registered; /* NODE.REGISTER answered OK (re-registrations included) */
    uint64_t reports_sent;
    uint64_t reports_ok;     /* +OK or +DRAIN */
    uint64_t late;           /* reports skipped because the previous one was unanswered */
    uint64_t notfound;       /* -NOTFOUND: the node registered again */
    uint64_t drained;        /* +DRAIN: the node unregistered and left */
    uint64_t errors;         /* other error replies, failed connects */
    uint64_t disconnects;    /* connections lost while running */
    uint64_t unregistered;   /* NODE.UNREGISTER answered :1 */
    double run_s;            /* from the first connect to the stop */
    double all_registered_s; /* when every node was registered; 0 if never */
    double lat_p50_ms, lat_p99_ms, lat_max_ms; /* report round trip */
} rc_sim_stats_t;

/* Runs the simulation to its end. 0 when it ran (stats filled), -1 when it
 * could not start (message printed); exit code material for main. */
int rc_sim_run(const rc_sim_opts_t *o, rc_sim_stats_t *stats);

#endif
