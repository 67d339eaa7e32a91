/* node_view.h — `rayc list nodes` output from NODE.LIST JSON (pure).
 *
 * rc_node_view_select picks the nodes that pass the filters, in the head's
 * order, up to a limit; the writers then print them as
 *   - json:  a JSON array of the head's node objects, unchanged, one per line;
 *   - yaml:  a YAML sequence of the same objects;
 *   - table: Ray's "List" banner, the total, and a table with NODE_ID, NODE_IP,
 *            GROUP, STATE, CPU (available/total), MEMORY (available/total) and
 *            LABELS; --detail adds HOSTNAME, PID, VERSION, GPU, OBJECT_STORE,
 *            OTHER (custom resources), LAST_REPORT and DEATH_REASON. */
#ifndef RC_NODE_VIEW_H
#define RC_NODE_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "node_filter.h"

typedef struct {
    const rc_json_t **nodes; /* owned array of pointers into the parsed document */
    size_t n;                /* selected (<= limit) */
    size_t matched;          /* that passed the filters, before the limit */
} rc_node_sel_t;

/* list is the parsed NODE.LIST JSON reply. limit 0 means no limit. RC_EPROTO
 * with err filled when list is not an array. Free with rc_node_sel_free. */
rc_err_t rc_node_view_select(const rc_json_t *list, const rc_node_filter_t *filters, size_t nf,
                             size_t limit, rc_node_sel_t *out, char *err, size_t errcap);
void rc_node_sel_free(rc_node_sel_t *s);

void rc_node_view_json(const rc_node_sel_t *s, rc_buf_t *out);
void rc_node_view_yaml(const rc_node_sel_t *s, rc_buf_t *out);
/* when: banner time; now_ms: wall clock for LAST_REPORT ("0.4s ago"). */
void rc_node_view_table(const rc_node_sel_t *s, int detail, const char *when, int64_t now_ms,
                        rc_buf_t *out);

/* Appends v as YAML at the given indent (for tests and other lists later). */
void rc_yaml_write(const rc_json_t *v, int indent, rc_buf_t *out);

#endif
