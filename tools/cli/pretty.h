/* pretty.h — parsed JSON written for people and scripts: indented JSON and
 * YAML (pure). `rayc list|summary --format json|yaml` and the multi-line
 * table cells (a node's resources, a task summary's state counts) use them.
 *
 * JSON: two-space indent, one member or element per line, members in document
 * order; empty containers as {} and []. Output reads back as the same value.
 *
 * YAML (block style, a subset every YAML 1.1/1.2 reader takes the same way):
 * mappings "key: value", sequences "- value", empty containers as {} and [].
 * A key or string is written plain when it is a word ([A-Za-z_] then
 * [A-Za-z0-9_.-/]) that no reader would take for a boolean or null (yes, no,
 * on, off, y, n, true, false, null, ~ in any case); else as a JSON string,
 * which YAML reads as a double-quoted scalar. Numbers, booleans and null are
 * written as JSON writes them. */
#ifndef RC_PRETTY_H
#define RC_PRETTY_H

#include "buf.h"
#include "json.h"

/* Appends v as indented JSON and a final newline. */
void rc_pretty_json(const rc_json_t *v, rc_buf_t *out);
/* Appends v as a YAML document (no "---"), every line indented by indent
 * spaces and ended by a newline. */
void rc_pretty_yaml(const rc_json_t *v, int indent, rc_buf_t *out);

#endif
