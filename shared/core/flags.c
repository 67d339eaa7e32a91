/* flags.c — Ray-style command-line flags; see flags.h for the accepted syntax. */
#include "flags.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"

/* Longest flag name we compare or print; longer input is simply unknown. */
#define NAME_MAX_LEN 64
/* Values quoted in error messages are cut so the message fits res->error. */
#define QUOTE_MAX 60

static void set_error(rc_flags_result_t *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(rc_flags_result_t *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->error, sizeof(res->error), fmt, ap);
    va_end(ap);
}

/* A value cut to QUOTE_MAX bytes with "..." so a huge argument cannot push the
 * useful part of the message out of the buffer. */
static const char *quoted(const char *v, char *tmp, size_t cap)
{
    size_t n = strlen(v);
    if (n <= QUOTE_MAX) return v;
    snprintf(tmp, cap, "%.*s...", QUOTE_MAX, v);
    return tmp;
}

/* Copies a flag name with '_' read as '-'; returns 0 if it is too long. */
static int normalize(const char *s, size_t n, char *out)
{
    if (n >= NAME_MAX_LEN) return 0;
    for (size_t i = 0; i < n; i++) out[i] = s[i] == '_' ? '-' : s[i];
    out[n] = '\0';
    return 1;
}

static const rc_flag_t *find_flag(const rc_flag_t *flags, size_t nflags, const char *name)
{
    for (size_t i = 0; i < nflags; i++) {
        char norm[NAME_MAX_LEN];
        if (!normalize(flags[i].name, strlen(flags[i].name), norm)) continue;
        if (strcmp(norm, name) == 0) return &flags[i];
    }
    return NULL;
}

/* Edit distance with adjacent transpositions (so "nmu" is one step from "num"). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t d[NAME_MAX_LEN + 1][NAME_MAX_LEN + 1];
    if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN) return SIZE_MAX;
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

static const char *suggest(const rc_flag_t *flags, size_t nflags, const char *name)
{
    const char *best = NULL;
    size_t best_d = 3; /* suggest only within distance 2 */
    for (size_t i = 0; i < nflags; i++) {
        size_t dist = edit_distance(name, flags[i].name);
        if (dist < best_d) {
            best_d = dist;
            best = flags[i].name;
        }
    }
    return best;
}

/* Bounds as a person writes them: "65535", not "65535.000000" or "6.5535e+04". */
static void format_bound(double v, char *out, size_t cap)
{
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(out, cap, "%.0f", v);
    else
        snprintf(out, cap, "%g", v);
}

static int has_bounds(const rc_flag_t *f)
{
    return !(f->min == 0 && f->max == 0);
}

/* Checks v against [min, max]; on failure writes "--port must be between 1 and
 * 65535, got 70000" (or "at least"/"at most" when one side is open). */
static int check_bounds(const rc_flag_t *f, double v, const char *text, rc_flags_result_t *res)
{
    char lo[48], hi[48], tmp[QUOTE_MAX + 4];
    if (!has_bounds(f) || (v >= f->min && v <= f->max)) return 1;
    format_bound(f->min, lo, sizeof(lo));
    format_bound(f->max, hi, sizeof(hi));
    if (isinf(f->max) || f->max >= 9.2e18)
        set_error(res, "--%s must be at least %s, got %s", f->name, lo,
                  quoted(text, tmp, sizeof(tmp)));
    else if (isinf(f->min) || f->min <= -9.2e18)
        set_error(res, "--%s must be at most %s, got %s", f->name, hi,
                  quoted(text, tmp, sizeof(tmp)));
    else
        set_error(res, "--%s must be between %s and %s, got %s", f->name, lo, hi,
                  quoted(text, tmp, sizeof(tmp)));
    return 0;
}

static int looks_like_number(const char *s)
{
    double d;
    return rc_str_to_double(s, strlen(s), &d) != RC_ESYNTAX && *s != '\0';
}

/* Stores value (never NULL here) into the flag's destination. */
static rc_err_t assign(const rc_flag_t *f, const char *value, rc_flags_result_t *res)
{
    char tmp[QUOTE_MAX + 4];
    const char *q = quoted(value, tmp, sizeof(tmp));
    switch (f->type) {
    case RC_FLAG_BOOL: {
        int b;
        if (rc_parse_bool(value, &b) != RC_OK) {
            set_error(res, "--%s expects true or false, got '%s'", f->name, q);
            return RC_EINVAL;
        }
        if (f->dest) *(int *)f->dest = b;
        break;
    }
    case RC_FLAG_STRING:
        if (f->dest) *(const char **)f->dest = value;
        break;
    case RC_FLAG_INT: {
        int64_t v;
        rc_err_t e = rc_str_to_i64(value, strlen(value), &v);
        if (e == RC_ERANGE) {
            if (has_bounds(f)) {
                check_bounds(f, value[0] == '-' ? -INFINITY : INFINITY, value, res);
            } else {
                set_error(res, "--%s is out of range, got %s", f->name, q);
            }
            return RC_EINVAL;
        }
        if (e != RC_OK) {
            if (looks_like_number(value))
                set_error(res, "--%s expects a whole number, got '%s'", f->name, q);
            else
                set_error(res, "--%s expects a number, got '%s'", f->name, q);
            return RC_EINVAL;
        }
        if (!check_bounds(f, (double)v, value, res)) return RC_EINVAL;
        if (f->dest) *(int64_t *)f->dest = v;
        break;
    }
    case RC_FLAG_DOUBLE: {
        double v;
        rc_err_t e = rc_str_to_double(value, strlen(value), &v);
        if (e == RC_ERANGE) {
            set_error(res, "--%s expects a finite number, got '%s'", f->name, q);
            return RC_EINVAL;
        }
        if (e != RC_OK) {
            set_error(res, "--%s expects a number, got '%s'", f->name, q);
            return RC_EINVAL;
        }
        if (!check_bounds(f, v, value, res)) return RC_EINVAL;
        if (f->dest) *(double *)f->dest = v;
        break;
    }
    case RC_FLAG_BYTES: {
        int64_t v;
        rc_err_t e = rc_parse_bytes(value, &v);
        if (e == RC_ERANGE) {
            if (value[0] == '-')
                set_error(res, "--%s must not be negative, got '%s'", f->name, q);
            else
                set_error(res, "--%s is too large, got '%s'", f->name, q);
            return RC_EINVAL;
        }
        if (e != RC_OK) {
            set_error(res, "--%s expects a byte size like 4294967296, 4GiB or 512MB, got '%s'",
                      f->name, q);
            return RC_EINVAL;
        }
        if (!check_bounds(f, (double)v, value, res)) return RC_EINVAL;
        if (f->dest) *(int64_t *)f->dest = v;
        break;
    }
    default: set_error(res, "--%s has an unknown type", f->name); return RC_EINVAL;
    }
    if (f->seen) *f->seen = 1;
    return RC_OK;
}

static rc_err_t unknown_flag(const rc_flag_t *flags, size_t nflags, const char *typed,
                             size_t typed_len, const char *norm, rc_flags_result_t *res)
{
    const char *s = norm ? suggest(flags, nflags, norm) : NULL;
    int n = typed_len > QUOTE_MAX ? QUOTE_MAX : (int)typed_len;
    if (s)
        set_error(res, "unknown flag %.*s (did you mean --%s? see --help)", n, typed, s);
    else
        set_error(res, "unknown flag %.*s (see --help)", n, typed);
    return RC_EINVAL;
}

rc_err_t rc_flags_parse(const rc_flag_t *flags, size_t nflags, int argc, char **argv,
                        int stop_at_positional, rc_flags_result_t *res)
{
    int only_pos = 0;
    memset(res, 0, sizeof(*res));
    res->pos = rc_calloc((size_t)(argc > 0 ? argc : 0) + 1, sizeof(char *));
    for (int i = 0; i < argc; i++) {
        char *arg = argv[i];
        if (only_pos || arg[0] != '-' || arg[1] == '\0' || (arg[1] >= '0' && arg[1] <= '9') ||
            (arg[1] == '.' && arg[2] >= '0' && arg[2] <= '9')) {
            /* "-" (stdin) and negative numbers are positionals, not flags. */
            res->pos[res->npos++] = arg;
            if (stop_at_positional) only_pos = 1;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (arg[1] != '-') {
            if (strcmp(arg, "-h") == 0) {
                res->help = 1;
                continue;
            }
            set_error(res, "unknown flag %.*s (flags are written --name; see --help)", QUOTE_MAX,
                      arg);
            return RC_EINVAL;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        char norm[NAME_MAX_LEN];
        if (!normalize(name, name_len, norm))
            return unknown_flag(flags, nflags, arg, name_len + 2, NULL, res);
        const rc_flag_t *f = find_flag(flags, nflags, norm);
        if (!f) {
            if (strcmp(norm, "help") == 0) {
                if (eq) {
                    set_error(res, "--help takes no value");
                    return RC_EINVAL;
                }
                res->help = 1;
                continue;
            }
            return unknown_flag(flags, nflags, arg, name_len + 2, norm, res);
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value && f->type == RC_FLAG_BOOL) {
            if (f->dest) *(int *)f->dest = 1;
            if (f->seen) *f->seen = 1;
            continue;
        }
        if (!value) {
            /* A following "--flag" means the value was forgotten; "-1" is a value. */
            if (i + 1 >= argc || (argv[i + 1][0] == '-' && argv[i + 1][1] == '-')) {
                set_error(res, "--%s needs a value (--%s=VALUE or --%s VALUE)", f->name, f->name,
                          f->name);
                return RC_EINVAL;
            }
            value = argv[++i];
        }
        rc_err_t e = assign(f, value, res);
        if (e != RC_OK) return e;
    }
    res->pos[res->npos] = NULL;
    return RC_OK;
}

void rc_flags_result_free(rc_flags_result_t *res)
{
    rc_free(res->pos);
    res->pos = NULL;
    res->npos = 0;
}

static const char *default_meta(rc_flag_type_t t)
{
    switch (t) {
    case RC_FLAG_BOOL: return NULL;
    case RC_FLAG_STRING: return "TEXT";
    case RC_FLAG_INT: return "N";
    case RC_FLAG_DOUBLE: return "NUM";
    case RC_FLAG_BYTES: return "BYTES";
    }
    return "VALUE";
}

/* "--name META" for one flag; returns its length. */
static size_t flag_left(const rc_flag_t *f, char *out, size_t cap)
{
    const char *meta = f->meta ? f->meta : default_meta(f->type);
    int n =
        meta ? snprintf(out, cap, "--%s %s", f->name, meta) : snprintf(out, cap, "--%s", f->name);
    if (n < 0) return 0;
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

void rc_flags_help(const rc_flag_t *flags, size_t nflags, rc_buf_t *out)
{
    /* Columns stop growing at 40 so one very long flag does not push every
     * help text to the right; such a flag gets its help on the next line. */
    const size_t max_col = 40;
    char left[NAME_MAX_LEN + 64];
    size_t width = strlen("-h, --help");
    for (size_t i = 0; i < nflags; i++) {
        size_t n = flag_left(&flags[i], left, sizeof(left));
        if (n > width && n <= max_col) width = n;
    }
    for (size_t i = 0; i < nflags; i++) {
        size_t n = flag_left(&flags[i], left, sizeof(left));
        rc_buf_printf(out, "  %s", left);
        if (flags[i].help && *flags[i].help) {
            if (n > width)
                rc_buf_printf(out, "\n  %*s   %s", (int)width, "", flags[i].help);
            else
                rc_buf_printf(out, "%*s   %s", (int)(width - n), "", flags[i].help);
        }
        rc_buf_append_char(out, '\n');
    }
    if (!find_flag(flags, nflags, "help"))
        rc_buf_printf(out, "  %-*s   %s\n", (int)width, "-h, --help", "show this help and exit");
}

/* Multiplier of a size suffix, 0 if the suffix is not one we know. */
static uint64_t suffix_mult(const char *s)
{
    static const struct {
        const char *suffix;
        uint64_t mult;
    } map[] = {
        {"", 1},
        {"b", 1},
        {"k", 1ULL << 10},
        {"m", 1ULL << 20},
        {"g", 1ULL << 30},
        {"t", 1ULL << 40},
        {"kib", 1ULL << 10},
        {"mib", 1ULL << 20},
        {"gib", 1ULL << 30},
        {"tib", 1ULL << 40},
        {"kb", 1000ULL},
        {"mb", 1000000ULL},
        {"gb", 1000000000ULL},
        {"tb", 1000000000000ULL},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcasecmp(s, map[i].suffix) == 0) return map[i].mult;
    return 0;
}

rc_err_t rc_parse_bytes(const char *s, int64_t *out)
{
    const char *p = s;
    unsigned __int128 ip = 0, frac = 0, frac_div = 1;
    if (!s || !*s) return RC_ESYNTAX;
    if (*p == '-') {
        /* Say "negative" rather than "syntax" when the rest is a size. */
        if (!isdigit((unsigned char)p[1])) return RC_ESYNTAX;
        int64_t tmp;
        return rc_parse_bytes(p + 1, &tmp) == RC_ESYNTAX ? RC_ESYNTAX : RC_ERANGE;
    }
    if (!isdigit((unsigned char)*p)) return RC_ESYNTAX;
    for (; isdigit((unsigned char)*p); p++) {
        ip = ip * 10 + (unsigned)(*p - '0');
        if (ip > (unsigned __int128)INT64_MAX) {
            /* Keep scanning for syntax errors but remember the overflow. */
            ip = (unsigned __int128)INT64_MAX + 1;
        }
    }
    int has_frac = 0;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return RC_ESYNTAX;
        has_frac = 1;
        for (; isdigit((unsigned char)*p); p++) {
            /* Digits past the 18th cannot change the byte count. */
            if (frac_div < 1000000000000000000ULL) {
                frac = frac * 10 + (unsigned)(*p - '0');
                frac_div *= 10;
            }
        }
    }
    if (*p == ' ') {
        /* "512 MiB" reads naturally; a trailing space alone is junk. */
        while (*p == ' ') p++;
        if (!*p) return RC_ESYNTAX;
    }
    uint64_t mult = suffix_mult(p);
    if (!mult) return RC_ESYNTAX;
    if (has_frac && mult == 1) return RC_ESYNTAX; /* a fraction of a byte means nothing */
    if (ip > (unsigned __int128)INT64_MAX) return RC_ERANGE;
    unsigned __int128 v = ip * mult + (frac * mult + frac_div / 2) / frac_div;
    if (v > (unsigned __int128)INT64_MAX) return RC_ERANGE;
    *out = (int64_t)v;
    return RC_OK;
}

rc_err_t rc_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on"};
    static const char *const no[] = {"false", "0", "no", "off"};
    if (!s) return RC_EINVAL;
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return RC_OK;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return RC_OK;
        }
    }
    return RC_EINVAL;
}

int rc_flags_main(const rc_flag_t *flags, size_t nflags, int argc, char **argv, const char *prog,
                  const char *description)
{
    rc_flags_result_t res;
    int code = -1;
    if (rc_flags_parse(flags, nflags, argc, argv, 0, &res) != RC_OK) {
        fprintf(stderr, "%s: %s\n", prog, res.error);
        code = 2;
    } else if (res.help) {
        rc_buf_t b = RC_BUF_INIT;
        rc_flags_help(flags, nflags, &b);
        printf("usage: %s [flags]\n\n%s\n\nflags:\n%s", prog, description, b.data ? b.data : "");
        rc_buf_free(&b);
        code = 0;
    } else if (res.npos > 0) {
        fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", prog, res.pos[0]);
        code = 2;
    }
    rc_flags_result_free(&res);
    return code;
}
