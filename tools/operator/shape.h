/* shape.h — the node shape of a worker group: the resources one new pod of
 * the group adds to the cluster, as the worker in it will register them.
 *
 * From the group's spec (pure): rayStartParams first, as the worker takes its
 * flags — num-cpus, num-gpus, memory, object-store-memory, resources (a JSON
 * object string, also in KubeRay's quoted form "\"{...}\"") —; else CPU from
 * resources.limits.cpu (else requests.cpu) rounded up to whole CPUs as the
 * worker rounds a cgroup quota, and memory from resources.limits.memory (as
 * KubeRay does; the worker itself offers 70% of it, so rayStartParams.memory
 * makes the shape exact). GPUs are 0 unless num-gpus says otherwise, as the
 * worker's default is. object_store_memory is unknown unless given.
 *
 * The amounts the spec leaves unknown are completed from the resources_total
 * of an ALIVE node of the group once one exists (rc_op_shape_complete); a
 * shape without a CPU amount cannot be used to add nodes. */
#ifndef RC_OP_SHAPE_H
#define RC_OP_SHAPE_H

#include <stddef.h>

#include "err.h"
#include "json.h"
#include "res.h"

/* Bits of the predefined amounts a spec determined. GPU and custom resources
 * are always determined (absent means none). */
#define RC_OP_SHAPE_CPU          1u
#define RC_OP_SHAPE_GPU          2u
#define RC_OP_SHAPE_MEMORY       4u
#define RC_OP_SHAPE_OBJECT_STORE 8u
#define RC_OP_SHAPE_ALL          15u

/* params: the group's rayStartParams object (NULL: none); resources: its
 * {"limits": {...}, "requests": {...}} object (NULL: none); path names the
 * group in messages ("groups[0]"). out is initialised by the call (empty on
 * error); *known gets RC_OP_SHAPE_* bits. RC_EINVAL with err naming the field
 * (e.g. "groups[0].resources.limits.cpu: '2x' has an unknown suffix …"). */
rc_err_t rc_op_shape_from_spec(const rc_json_t *params, const rc_json_t *resources,
                               const char *path, rc_res_t *out, unsigned *known, char *err,
                               size_t errcap);

/* Sets in shape the predefined amounts whose bit is missing from known to
 * those of total (an ALIVE node of the group). */
void rc_op_shape_complete(rc_res_t *shape, unsigned known, const rc_res_t *total);

/* How many copies of req fit in avail (the smallest avail/req over the amounts
 * req asks for); SIZE_MAX-like INT64_MAX when req asks for nothing. */
int64_t rc_op_shape_copies(const rc_res_t *req, const rc_res_t *avail);

#endif
