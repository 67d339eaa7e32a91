/* status_view.h — the text of `rayc status` from the head's CLUSTER.STATUS
 * JSON (pure: JSON in, text out; the network part is in cmd_status.c).
 *
 * Layout follows `ray status`: a banner with the time, "Node status" with the
 * Active / Draining / Dead nodes counted per worker group ("N group"),
 * "Resources" with the cluster-wide usage ("used/total name", bytes for memory
 * resources) and "Demands" with the pending and infeasible resource shapes.
 * Missing members count as zero/empty, so an older or newer head still renders;
 * a document that is not a JSON object is an error. */
#ifndef RC_STATUS_VIEW_H
#define RC_STATUS_VIEW_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Appends the status text to out. when is the banner time ("2026-11-23
 * 12:00:00"). RC_ESYNTAX/RC_EPROTO with err filled when json is unusable. */
rc_err_t rc_status_view_render(const char *json, size_t len, const char *when, rc_buf_t *out,
                               char *err, size_t errcap);

#endif
