/* state_view.h — `rayc list` and `rayc summary tasks` output from the head's
 * State API answers (pure: parsed JSON in, text out; the request is
 * list_query.c's, the network state_client.c's). docs/dashboard.md is the
 * contract for what comes in.
 *
 * Formats, as Ray's CLI:
 *   table  a banner "======== List: <when> ========", "Stats:" with the total,
 *          then "Table:" and aligned columns. Without --detail the columns
 *          are chosen per resource:
 *            nodes    NODE_ID NODE_IP IS_HEAD_NODE STATE GROUP CPU MEMORY
 *                     (CPU and MEMORY as available/total, memory in GiB…)
 *            jobs     JOB_ID SUBMISSION_ID STATUS ENTRYPOINT TYPE MESSAGE
 *            tasks    TASK_ID ATTEMPT_NUMBER NAME STATE JOB_ID NODE_ID
 *                     WORKER_PID ERROR_TYPE
 *            workers  WORKER_ID IS_ALIVE WORKER_TYPE NODE_ID IP PID STATE
 *                     TASKS_DONE
 *            objects  OBJECT_ID OBJECT_SIZE TASK_STATUS REFERENCE_TYPE;
 *          with --detail (or for a resource not listed) every field of the
 *          rows, in the order the head wrote them. Strings are shown as they
 *          are, null as an empty cell, objects and arrays as YAML lines inside
 *          the cell.
 *   json   the rows (the answer's `result` list), indented;
 *   yaml   the same rows as a YAML sequence.
 * Warnings (rows cut by --limit, the head's `warnings` and
 * `partial_failure_warning`) are separate text, for stderr, so json and yaml
 * stay parseable.
 *
 * `rayc summary tasks`: "======== Tasks Summary: <when> ========", the
 * cluster's totals (total_actor_scheduled, total_actor_tasks, total_tasks),
 * then "Table (group by func_name):" with FUNC_OR_CLASS_NAME, STATE_COUNTS
 * (one "STATE: n" line per state) and TYPE; json and yaml write the
 * `node_id_to_summary` object, what Ray's summarize_tasks() returns. */
#ifndef RC_STATE_VIEW_H
#define RC_STATE_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "json.h"

typedef enum { RC_STATE_VIEW_TABLE, RC_STATE_VIEW_JSON, RC_STATE_VIEW_YAML } rc_state_format_t;

/* "table", "json" or "yaml" (--format). RC_EINVAL with err saying what to use. */
rc_err_t rc_state_format_parse(const char *text, rc_state_format_t *out, char *err, size_t errcap);

/* One list answer (`data.result` of GET /api/v0/<resource>); pointers into
 * the parsed document. */
typedef struct {
    const rc_json_t *rows; /* array of objects */
    uint64_t total, num_after_truncation, num_filtered;
    const rc_json_t *warnings;           /* array of strings, or NULL */
    const char *partial_failure_warning; /* NULL or "" when none */
} rc_state_answer_t;

/* Reads result (the envelope's data.result). RC_EPROTO with err naming what is
 * missing when it is not a list answer. */
rc_err_t rc_state_answer_read(const rc_json_t *result, rc_state_answer_t *a, char *err,
                              size_t errcap);
/* Appends the rows of a (resource: "tasks", …) in format f; when is the banner
 * time of the table. */
void rc_state_view_list(const char *resource, const rc_state_answer_t *a, rc_state_format_t f,
                        int detail, const char *when, rc_buf_t *out);
/* Appends one line per warning, each starting with prefix ("rayc list tasks: "):
 * the rows cut by the limit, then the head's own warnings. Nothing when none. */
void rc_state_view_warnings(const char *prefix, const char *resource, const rc_state_answer_t *a,
                            rc_buf_t *out);
/* result: data.result of GET /api/v0/tasks/summarize. RC_EPROTO with err when
 * it has no cluster summary. */
rc_err_t rc_state_view_summary(const rc_json_t *result, rc_state_format_t f, const char *when,
                               rc_buf_t *out, char *err, size_t errcap);

#endif
