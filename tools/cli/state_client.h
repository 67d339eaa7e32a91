/* state_client.h — one request to the head's State API (GET /api/v0/…) for
 * `rayc list` and `rayc summary`, through job_http.c's libcurl client.
 *
 * The dashboard is found as `rayc job` finds it (job_addr.h: --address, else
 * $RAY_ADDRESS, else http://127.0.0.1:8265). What goes wrong is printed to
 * stderr as "<prog>: <what was wrong and what to do>", and the return value is
 * the exit code of the command:
 *   0  *doc is the parsed answer (rc_json_free it), *result its data.result;
 *   1  the dashboard cannot be reached, is not a dashboard, or failed;
 *   2  the request was refused as bad (HTTP 400: a bad filter or limit; the
 *      head's `msg` is printed) or the address itself is bad. */
#ifndef RC_STATE_CLIENT_H
#define RC_STATE_CLIENT_H

#include "json.h"

int rc_state_client_get(const char *prog, const char *address, const char *path, rc_json_t **doc,
                        const rc_json_t **result);

#endif
