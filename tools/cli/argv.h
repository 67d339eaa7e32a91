/* argv.h — flags that may be given more than once (pure).
 *
 * rc_flags_parse (shared/core/flags.h) keeps the last value of a repeated
 * flag; `rayc list --filter A --filter B` needs them all. rc_argv_take pulls
 * every `--NAME VALUE` / `--NAME=VALUE` out of argv before the rest goes to
 * rc_flags_parse. Arguments after `--` are left alone. */
#ifndef RC_ARGV_H
#define RC_ARGV_H

#include <stddef.h>

#include "err.h"

/* Removes the occurrences of --name from argv[0..*argc) (shifting the rest
 * down, updating *argc) and returns their values in *vals (an array to
 * rc_free; the strings point into argv) and *n. RC_EINVAL with err filled when
 * --name is the last argument and has no value. */
rc_err_t rc_argv_take(int *argc, char **argv, const char *name, const char ***vals, size_t *n,
                      char *err, size_t errcap);

#endif
