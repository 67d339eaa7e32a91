/* strutil.h — byte-string helpers of the command handlers: Redis's glob
 * matcher (KEYS, SCAN MATCH) and Redis's strict integer syntax. Pure functions. */
#ifndef RC_STRUTIL_H
#define RC_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Redis glob: `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x` escapes (a trailing `\`
 * is literal; an unclosed `[` runs to the end of the pattern). Iterative with
 * backtracking to the last `*` only, so any pattern costs at most
 * O(len(pattern) * len(string)) — hostile patterns cannot explode. nocase:
 * ASCII letters compare case-insensitively. Returns 1 on a match. */
int rc_glob_match(const char *pat, size_t plen, const char *s, size_t slen, int nocase);

/* Parses s[0..len) as Redis's string2ll does: optional '-', no '+', no spaces,
 * no leading zeros (except "0" itself), no "-0", fits int64. 1 ok, 0 not. */
int rc_parse_i64_strict(const char *s, size_t len, int64_t *out);

#endif
