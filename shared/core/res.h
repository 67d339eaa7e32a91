/* res.h — resource vectors, as Ray has them.
 *
 * Owns: a vector of resource amounts — the four predefined resources (CPU, GPU,
 * memory, object_store_memory) in fixed fields, plus custom resources by name
 * in a small array kept sorted by name (binary search, merge-friendly).
 *
 * Amounts are fixed point: int64_t in units of 1/RC_RES_SCALE, for every
 * resource alike (memory counts bytes, so 1 byte is 10000 units), so 0.5 CPU
 * and 0.1 GPU are exact and sums never drift. Ray rounds to 4 decimals too.
 * A single amount is never negative and at most RC_RES_MAX (10^14 of a
 * resource, ~91 TiB of memory); sums (rc_res_add) may grow up to INT64_MAX
 * (~838 TiB of memory, 9.2*10^14 CPUs) and report RC_ERANGE beyond.
 *
 * A custom resource with amount 0 is not stored (setting it to 0 removes it),
 * so "absent" and "zero" are the same thing everywhere.
 *
 * Names: "CPU", "GPU", "memory", "object_store_memory" are the predefined ones;
 * anything else matching [A-Za-z0-9_.:/-]{1,64} is custom (case-sensitive, as
 * in Ray: "cpu" is a custom resource, not CPU).
 *
 * JSON input (rc_res_parse_json / rc_res_from_json, for --resources and the
 * Jobs API): an object of name -> number. Values are rounded to the nearest
 * 1/10000 like Ray does, with one exception: a positive value too small to be
 * represented (below 0.00005, which would round to 0) is rejected instead of
 * silently becoming 0. Negative values, values above RC_RES_MAX, non-numbers
 * and bad names are errors whose text names the resource; NaN/Infinity are
 * JSON syntax errors. Integers (e.g. memory in bytes) are converted exactly. */
#ifndef RC_RES_H
#define RC_RES_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "json.h"

#define RC_RES_SCALE    10000
#define RC_RES_NAME_MAX 64
/* Largest amount of one resource, in whole units (10^14) and fixed point. */
#define RC_RES_MAX_UNITS INT64_C(100000000000000)
#define RC_RES_MAX       (RC_RES_MAX_UNITS * RC_RES_SCALE)
/* n whole units (an integer constant expression) as a fixed-point amount. */
#define RC_RES_UNITS(n) ((int64_t)(n)*RC_RES_SCALE)

/* Ray's defaults: object store 30% of the available memory, capped at 200 GB. */
#define RC_RES_OBJECT_STORE_SHARE 0.3
#define RC_RES_OBJECT_STORE_MAX   INT64_C(200000000000)

typedef struct {
    char name[RC_RES_NAME_MAX + 1];
    int64_t amount; /* > 0 */
} rc_res_custom_t;

typedef struct {
    int64_t cpu;
    int64_t gpu;
    int64_t memory;              /* bytes * RC_RES_SCALE */
    int64_t object_store_memory; /* bytes * RC_RES_SCALE */
    rc_res_custom_t *custom;     /* owned, sorted by name (strcmp) */
    size_t ncustom, capcustom;
} rc_res_t;

#define RC_RES_INIT                                                                                \
    {                                                                                              \
        0, 0, 0, 0, NULL, 0, 0                                                                     \
    }

void rc_res_init(rc_res_t *r);
/* Releases the custom array and resets r to empty (reusable). */
void rc_res_free(rc_res_t *r);
/* dst (initialised) becomes a copy of src; dst's old contents are released. */
void rc_res_copy(rc_res_t *dst, const rc_res_t *src);

/* 1 when name is a valid resource name (predefined or custom syntax). */
int rc_res_name_valid(const char *name);
/* Amount of a resource (fixed point); 0 when absent or the name is unknown. */
int64_t rc_res_get(const rc_res_t *r, const char *name);
/* Sets one amount. RC_EINVAL for a bad name, RC_ERANGE for a negative amount
 * or one above RC_RES_MAX; r is unchanged on error. 0 removes a custom entry. */
rc_err_t rc_res_set(rc_res_t *r, const char *name, int64_t fixed);

/* a += b. RC_ERANGE (a unchanged) if a sum would exceed INT64_MAX. */
rc_err_t rc_res_add(rc_res_t *a, const rc_res_t *b);
/* a -= b. RC_ERANGE (a unchanged) if any amount would go negative. */
rc_err_t rc_res_sub(rc_res_t *a, const rc_res_t *b);
/* 1 when every amount of req is <= the same amount in avail. */
int rc_res_fits(const rc_res_t *req, const rc_res_t *avail);
int rc_res_is_zero(const rc_res_t *r);
int rc_res_eq(const rc_res_t *a, const rc_res_t *b);

/* Ray's hybrid-policy score: the maximum over CPU, memory and
 * object_store_memory (those with total > 0) of 1 - avail/total, clamped to
 * [0, 1]; 0 when none has a total. GPU and custom resources do not count. */
double rc_res_utilisation(const rc_res_t *total, const rc_res_t *avail);

/* Parses a JSON object of name -> amount into out (initialised by the call;
 * empty on error, so rc_res_free is always safe). err gets a message such as
 * `resource "GPU": -1 is negative`. */
rc_err_t rc_res_parse_json(const char *text, size_t len, rc_res_t *out, char *err, size_t errcap);
/* The same from an already parsed value (e.g. a member of a request body). */
rc_err_t rc_res_from_json(const rc_json_t *obj, rc_res_t *out, char *err, size_t errcap);
/* Writes an object {"CPU": 2, "memory": 1073741824, "custom": 0.5} with the
 * non-zero amounts: exact decimals, memory fields as whole bytes. */
void rc_res_to_json(const rc_res_t *r, rc_jw_t *w);
/* Appends human text: "CPU: 2, GPU: 0.5, memory: 1.50 GiB, object_store_memory:
 * 512 MiB, custom: 3"; "none" when empty. */
void rc_res_format(const rc_res_t *r, rc_buf_t *out);
/* Ray's default split of a node's available memory, in bytes: object store
 * RC_RES_OBJECT_STORE_SHARE (at most RC_RES_OBJECT_STORE_MAX), memory the rest.
 * The worker offers this; rayc-operator expects it of a pod's memory limit. */
void rc_res_default_memory(int64_t available, int64_t *memory, int64_t *object_store);

/* A double amount to fixed point, rounded to nearest (ties away from zero);
 * NaN gives 0, values beyond the int64 range saturate. */
int64_t rc_res_from_double(double v);
double rc_res_to_double(int64_t fixed);
/* Appends the exact decimal text of a fixed amount: "2", "0.5", "0.0001". */
void rc_res_append_amount(rc_buf_t *out, int64_t fixed);

#endif
