/* list_query.h — the State API request of `rayc list` (pure).
 *
 * `rayc list tasks --filter state=FINISHED --filter "name!=echo" --limit 5
 * --detail` becomes one path for the head's dashboard:
 *   /api/v0/tasks?limit=5&detail=true&filter_keys=state&filter_predicates=%3D
 *   &filter_values=FINISHED&filter_keys=name&filter_predicates=%21%3D&…
 * (docs/dashboard.md). A filter is KEY=VALUE or KEY!=VALUE, split at the
 * first "=" or "!=" as Ray's CLI does (so a value may contain '='); blanks
 * around the key and the value are dropped; the value may be empty. Which keys
 * exist and which limits are allowed is the head's to say (it answers 400 with
 * the keys it knows), so a filter is only checked for its shape here. */
#ifndef RC_LIST_QUERY_H
#define RC_LIST_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

typedef struct {
    char *key, *value; /* owned */
    int negate;        /* "!=" */
} rc_list_filter_t;

/* Parses one --filter text. RC_EINVAL with err saying what to write when it
 * has no operator or no key; *out must be freed only on RC_OK. */
rc_err_t rc_list_filter_parse(const char *text, rc_list_filter_t *out, char *err, size_t errcap);
void rc_list_filter_free(rc_list_filter_t *f);

/* Appends "/api/v0/<resource>?limit=…[&detail=true][&filter_…]" to out, every
 * key and value percent-encoded. RC_EINVAL (out unchanged, err filled) when a
 * filter text is bad. */
rc_err_t rc_list_query_path(const char *resource, const char *const *filters, size_t nfilters,
                            int64_t limit, int detail, rc_buf_t *out, char *err, size_t errcap);

#endif
