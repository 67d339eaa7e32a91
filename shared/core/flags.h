/* flags.h — a Ray-style command-line flag parser.
 *
 * Accepts `--key=value`, `--key value`, `--flag` (booleans; `--flag=true|false|1|0|yes|no`
 * too, because the Helm chart renders every rayStartParam as --KEY=VALUE), and
 * `--` to end the flags. Underscores in a flag name are read as dashes
 * (`--num_cpus` = `--num-cpus`), as Ray's CLI allows. Arguments that are not
 * flags are collected as positionals, in order. Parsing is pure: no exit, no
 * printing; errors come back as text that says what was wrong and what to do,
 * e.g. "unknown flag --nmu-cpus (did you mean --num-cpus? see --help)". */
#ifndef RC_FLAGS_H
#define RC_FLAGS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

typedef enum {
    RC_FLAG_BOOL,   /* int *:        1 when given (or =true), 0 for =false */
    RC_FLAG_STRING, /* const char **: points into argv (not copied) */
    RC_FLAG_INT,    /* int64_t *:    decimal, must be in [min, max] */
    RC_FLAG_DOUBLE, /* double *:     finite, must be in [min, max] */
    RC_FLAG_BYTES   /* int64_t *:    bytes, "1073741824", "1g", "512MiB", "2.5GB" */
} rc_flag_type_t;

typedef struct {
    const char *name; /* without dashes, with dashes between words: "num-cpus" */
    rc_flag_type_t type;
    void *dest;       /* see rc_flag_type_t; left untouched when the flag is absent */
    const char *help; /* one line for --help */
    const char *meta; /* value placeholder in --help ("N", "HOST:PORT"); NULL: type's default */
    double min, max;  /* for INT/DOUBLE/BYTES; min == max == 0 means no bounds */
    int *seen;        /* optional: set to 1 when the flag was given */
} rc_flag_t;

typedef struct {
    size_t npos;
    char **pos;      /* positionals (pointers into argv), NULL-terminated; owned array */
    int help;        /* --help or -h was given */
    char error[256]; /* set when parse returns an error */
} rc_flags_result_t;

/* Parses argv[0..argc) (argv[0] is NOT skipped: pass argv + 1 for a program's
 * arguments). A flag given twice keeps the last value. Returns RC_OK, or
 * RC_EINVAL with res->error filled. Free with rc_flags_result_free. When
 * stop_at_positional is set, everything from the first positional on is a
 * positional (for `rayc job submit -- cmd --its-flags`). */
rc_err_t rc_flags_parse(const rc_flag_t *flags, size_t nflags, int argc, char **argv,
                        int stop_at_positional, rc_flags_result_t *res);
void rc_flags_result_free(rc_flags_result_t *res);

/* Appends aligned help lines ("  --num-cpus N   number of CPUs (default: cores)"). */
void rc_flags_help(const rc_flag_t *flags, size_t nflags, rc_buf_t *out);

/* The usual front door of a program or subcommand that takes only flags: parses
 * argv[0..argc); on --help prints "usage: <prog> [flags]", the description and the
 * flag lines to stdout and returns 0; on an error (or any positional argument)
 * prints "<prog>: <error>" to stderr and returns 2; otherwise returns -1 and the
 * caller goes on (nothing to free). */
int rc_flags_main(const rc_flag_t *flags, size_t nflags, int argc, char **argv, const char *prog,
                  const char *description);

/* Parses a byte size: plain integer, or a number with a suffix k/m/g/t (1024-based,
 * also KiB/MiB/GiB/TiB) or KB/MB/GB/TB (1000-based); case-insensitive. */
rc_err_t rc_parse_bytes(const char *s, int64_t *out);
/* Parses a boolean word: true/false, 1/0, yes/no, on/off (any case). */
rc_err_t rc_parse_bool(const char *s, int *out);

#endif
