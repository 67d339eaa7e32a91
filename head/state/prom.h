/* prom.h — Prometheus's text exposition format (version 0.0.4), as GET
 * /metrics answers it, appended to one buffer.
 *
 * A family is started once with its name, type and help (one `# HELP` and one
 * `# TYPE` line); its samples follow until the next family starts:
 *
 *   rc_prom_t p;
 *   rc_prom_init(&p, &out);
 *   rc_prom_family(&p, "rayc_jobs", RC_PROM_GAUGE, "Jobs by status.");
 *   rc_prom_sample_u64(&p, (rc_prom_label_t[]){{"status", "RUNNING"}}, 1, 3);
 *   ...
 *   rc_prom_free(&p);
 *
 * Contract: metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
 * [a-zA-Z_][a-zA-Z0-9_]* and do not start with "__" (reserved); a family name
 * may be used once per writer. Label values and help texts may hold anything
 * (task names come from clients): backslash, double quote (label values only)
 * and newline are escaped, and bytes that are not valid UTF-8 become U+FFFD,
 * so the output always parses. Values: integral doubles as integers, others in
 * the shortest text that reads back exactly, NaN / +Inf / -Inf as Prometheus
 * spells them; rc_prom_sample_u64 writes counters exactly beyond 2^53.
 *
 * A call that breaks the contract writes nothing and returns RC_EINVAL
 * (RC_EEXISTS for a family named twice); samples after a failed
 * rc_prom_family are refused too, so a bad family never leaves orphan lines.
 * Pure: no I/O, no clocks; samples allocate nothing (the buffer grows). */
#ifndef RC_PROM_H
#define RC_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define RC_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef enum { RC_PROM_COUNTER, RC_PROM_GAUGE, RC_PROM_HISTOGRAM, RC_PROM_UNTYPED } rc_prom_type_t;

typedef struct {
    const char *name;
    const char *value; /* NULL is written as "" */
} rc_prom_label_t;

typedef struct {
    rc_buf_t *out;
    rc_buf_t names;          /* families written so far, each followed by '\n' */
    size_t cur_off, cur_len; /* the current family's name inside names */
    rc_prom_type_t type;
    int open; /* a family was started and takes samples */
} rc_prom_t;

/* Samples go to out (appended; not owned). */
void rc_prom_init(rc_prom_t *p, rc_buf_t *out);
/* Releases the writer's own memory (not out). */
void rc_prom_free(rc_prom_t *p);

/* 1 when s is a valid metric name / label name. */
int rc_prom_metric_name_valid(const char *s);
int rc_prom_label_name_valid(const char *s);

/* Starts a family: writes its `# HELP` (help may be NULL: no HELP line) and
 * `# TYPE` lines. RC_EINVAL for a bad name, RC_EEXISTS when this writer
 * already wrote a family of that name. */
rc_err_t rc_prom_family(rc_prom_t *p, const char *name, rc_prom_type_t type, const char *help);

/* One sample of the current (counter, gauge or untyped) family, with n labels
 * (labels may be NULL when n is 0). RC_EINVAL when no family takes samples,
 * the family is a histogram, a label name is bad or given twice. */
rc_err_t rc_prom_sample(rc_prom_t *p, const rc_prom_label_t *labels, size_t n, double v);
rc_err_t rc_prom_sample_u64(rc_prom_t *p, const rc_prom_label_t *labels, size_t n, uint64_t v);

/* One histogram of the current histogram family: bounds[0..nbounds) are the
 * finite upper bounds, strictly increasing; buckets[0..nbounds] the
 * observations in each bucket, not cumulative (buckets[nbounds] is the
 * overflow above the last bound). Writes the cumulative name_bucket{le=...}
 * lines ending with le="+Inf", then name_sum (sum) and name_count (the total
 * of buckets, so it always equals the +Inf bucket). RC_EINVAL also when a
 * label is named "le" or the bounds are not finite and increasing. */
rc_err_t rc_prom_histogram(rc_prom_t *p, const rc_prom_label_t *labels, size_t n,
                           const double *bounds, size_t nbounds, const uint64_t *buckets,
                           double sum);

/* Appends the text of v as a sample value (see the header comment). */
void rc_prom_append_value(rc_buf_t *out, double v);

#endif
