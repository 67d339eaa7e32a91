/* gcs_client.h — the CLI's synchronous connection to the head's GCS port.
 *
 * Owns: one blocking hiredis connection, opened with a timeout and
 * authenticated with --redis-password, and the translation of everything that
 * can go wrong (unreachable head, wrong or missing password, a server that does
 * not know the command, a RESP error) into one message for the user that says
 * what was wrong and what to do, e.g.
 *   "cannot reach the head at 127.0.0.1:6379: connection refused (is it
 *    running? start one with rayc start --head)"
 * The address comes from the flag, else $RAY_ADDRESS, else the local head at
 * 127.0.0.1:6379 (as `ray status` finds the cluster started on this machine). */
#ifndef RC_GCS_CLIENT_H
#define RC_GCS_CLIENT_H

#include <stddef.h>

#include "addr.h"
#include "err.h"

struct redisReply;
typedef struct rc_gcs_client rc_gcs_client_t;

#define RC_GCS_CLIENT_TIMEOUT_MS 5000

/* Connects to address (NULL/"" → $RAY_ADDRESS → 127.0.0.1:6379) and, when
 * password is non-empty, authenticates. On failure *out is NULL and err holds
 * the user message; RC_EINVAL (bad address), RC_ECONN, RC_ETIMEOUT, RC_EAUTH. */
rc_err_t rc_gcs_client_connect(const char *address, const char *password, int timeout_ms,
                               rc_gcs_client_t **out, char *err, size_t errcap);
void rc_gcs_client_free(rc_gcs_client_t *c);
/* "host:port" of the head this client talks to. */
const char *rc_gcs_client_addr(const rc_gcs_client_t *c);

/* Runs one command (argv of NUL-terminated strings). On success *reply is the
 * reply (never a RESP error; free with freeReplyObject). A RESP error becomes
 * RC_EPROTO (or RC_EAUTH for NOAUTH/WRONGPASS, RC_ENOTFOUND for an unknown
 * command) with err explaining it; I/O failures RC_ECONN/RC_ETIMEOUT. */
rc_err_t rc_gcs_client_command(rc_gcs_client_t *c, int argc, const char **argv,
                               struct redisReply **reply, char *err, size_t errcap);
/* Runs a command whose reply must be one bulk/simple string (CLUSTER.STATUS,
 * NODE.LIST JSON); *out is a NUL-terminated copy to rc_free, *len its length. */
rc_err_t rc_gcs_client_string(rc_gcs_client_t *c, int argc, const char **argv, char **out,
                              size_t *len, char *err, size_t errcap);

/* The message for a RESP error text returned by the head for cmd (pure; for
 * tests): maps NOAUTH/WRONGPASS/unknown command to advice. Returns the code
 * rc_gcs_client_command would return. */
rc_err_t rc_gcs_client_explain(const char *addr, const char *cmd, const char *resp_err, char *err,
                               size_t errcap);

#endif
