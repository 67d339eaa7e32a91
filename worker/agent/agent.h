/* agent.h — the node agent's connection to the head: registration, resource
 * reports, reconnection and drain (docs/protocol.md is the wire contract).
 *
 * Owns: one hiredis async connection to the head's GCS port on a libuv loop,
 * the node's identity (a random node id kept for the life of the process, so
 * a reconnect re-registers the same node), its available resources and the
 * timers and signal handlers that drive it. The task side (tasks.h) tells the
 * agent what is free with rc_agent_set_available; every NODE.REPORT also lists
 * the node's executor processes (WorkerInfo, from the task side's pool).
 *
 * The connection is an explicit state machine, advanced by one function
 * (agent.c: advance) from the events of the network, timers and signals:
 *
 *   CONNECTING --connected--> AUTHING (with a password) --OK--> REGISTERING
 *   CONNECTING --connected--> REGISTERING (no password)
 *   REGISTERING --[OK, period, every]--> RUNNING (reports every report_every_ms)
 *   RUNNING --NOTFOUND to a report--> REGISTERING (same connection, same id)
 *   any connected state --lost / refused / no answer--> BACKOFF
 *        (100 ms doubling to 2 s) --> CONNECTING
 *   RUNNING --SIGTERM/SIGINT, +DRAIN, rc_agent_drain--> DRAINING
 *        --NODE.UNREGISTER answered--> EXITING (exit code 0)
 *   DRAINING --no answer in 2 s, or a second signal--> EXITING (exit code 1)
 *   BACKOFF for longer than the reconnect timeout (60 s) --> EXITING (1)
 *
 * Start-up is stricter: until the first registration succeeds, a refusal
 * (wrong password, resources or version refused by the head) ends the agent at
 * once and an unreachable head ends it after cfg->start_timeout_ms; the
 * started callback reports either outcome exactly once.
 *
 * Never busy-loops (every retry waits on a timer), never trusts a reply's type
 * (garbage from the head counts as a lost connection). Belongs to one loop
 * thread. The process must ignore SIGPIPE (hiredis writes with write(2)). */
#ifndef RC_AGENT_H
#define RC_AGENT_H

#include <stdint.h>

#include <uv.h>

#include "config.h"
#include "err.h"
#include "id.h"
#include "res.h"

typedef enum {
    RC_AGENT_CONNECTING,  /* resolving the head's name and connecting */
    RC_AGENT_AUTHING,     /* AUTH sent */
    RC_AGENT_REGISTERING, /* NODE.REGISTER sent */
    RC_AGENT_RUNNING,     /* registered; reporting */
    RC_AGENT_BACKOFF,     /* no connection; waiting to retry */
    RC_AGENT_DRAINING,    /* NODE.UNREGISTER sent; no new work */
    RC_AGENT_EXITING      /* done: handles closing, the loop ends */
} rc_agent_state_t;

typedef struct rc_agent rc_agent_t;

/* Called once: with RC_OK when the first registration succeeded, or with an
 * error and a message for the user (what was wrong, what to do) when the
 * agent gave up before it. */
typedef void (*rc_agent_started_fn)(void *arg, rc_err_t rc, const char *msg);

/* cfg must outlive the agent. handle_signals: drain on SIGTERM/SIGINT. */
rc_agent_t *rc_agent_new(uv_loop_t *loop, const rc_agent_config_t *cfg, int handle_signals);
void rc_agent_on_started(rc_agent_t *a, rc_agent_started_fn fn, void *arg);
/* Starts connecting; then run the loop until it ends (state EXITING). */
void rc_agent_start(rc_agent_t *a);
/* Leave the cluster: unregister and exit (see the state machine). Calling it
 * again while draining exits at once. reason: for the log ("SIGTERM"). */
void rc_agent_drain(rc_agent_t *a, const char *reason);
/* The resources free on this node now (copied). A change is reported to the
 * head within 100 ms, and never more often than every 100 ms. */
void rc_agent_set_available(rc_agent_t *a, const rc_res_t *avail);

rc_agent_state_t rc_agent_state(const rc_agent_t *a);
const char *rc_agent_state_name(rc_agent_state_t s);
rc_id_t rc_agent_node_id(const rc_agent_t *a);
/* Valid once the state is EXITING: 0 after a clean drain, 1 otherwise; the
 * reason is a sentence for the user. */
int rc_agent_exit_code(const rc_agent_t *a);
const char *rc_agent_exit_reason(const rc_agent_t *a);
/* Reports sent so far (the seq of the last one). */
uint64_t rc_agent_reports_sent(const rc_agent_t *a);
/* After the loop has ended (every handle closed). NULL is a no-op. */
void rc_agent_free(rc_agent_t *a);

#endif
