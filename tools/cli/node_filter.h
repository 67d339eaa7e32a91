/* node_filter.h — `rayc list nodes --filter "key=value"` predicates (pure).
 *
 * Syntax as Ray's: KEY=VALUE or KEY!=VALUE, spaces around the key, operator
 * and value ignored. Keys are the node JSON's scalar fields (docs/protocol.md):
 * node_id, node_ip, hostname, group, state, is_head_node, version,
 * death_reason, pid, object_port, plus labels.NAME for one label. An unknown
 * key is an error that lists the known ones. state and node_id compare without
 * regard to case (state=alive works, ids may be pasted in upper case); every
 * other field compares exactly. A node without the field matches only "!=". */
#ifndef RC_NODE_FILTER_H
#define RC_NODE_FILTER_H

#include <stddef.h>

#include "err.h"
#include "json.h"

typedef struct {
    char key[80]; /* the JSON field, or "labels.NAME" */
    char *value;  /* owned */
    int negate;   /* "!=" */
} rc_node_filter_t;

/* Parses one filter; on error err says what was wrong. *out is valid (and must
 * be freed) only on RC_OK. */
rc_err_t rc_node_filter_parse(const char *text, rc_node_filter_t *out, char *err, size_t errcap);
void rc_node_filter_free(rc_node_filter_t *f);
/* 1 when node (one object of NODE.LIST JSON) satisfies f. */
int rc_node_filter_match(const rc_node_filter_t *f, const rc_json_t *node);
/* 1 when node satisfies every filter (all of them: Ray ANDs --filter flags). */
int rc_node_filter_match_all(const rc_node_filter_t *fs, size_t n, const rc_json_t *node);

#endif
