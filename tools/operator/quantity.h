/* quantity.h — Kubernetes resource quantities ("500m", "2Gi", "1G", "1e3", "0.5").
 *
 * The grammar is Kubernetes' (k8s.io/apimachinery resource.Quantity): an
 * optional sign, a decimal number ("1", "1.5", ".5"), then one suffix —
 * binary (Ki Mi Gi Ti Pi Ei), decimal (n u m "" k M G T P E) or a decimal
 * exponent (e3, E-2). The value comes back in thousandths (milli-units),
 * rounded up as Kubernetes rounds (0.1m is 1m), computed exactly with integers
 * so "0.1" is 100, not 100.000001 rounded up to 101. Resource quantities may
 * not be negative. Pure. */
#ifndef RC_QUANTITY_H
#define RC_QUANTITY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Largest value accepted, in milli-units (about 9.2e15 units: 8 EiB). */
#define RC_QUANTITY_MAX_MILLI INT64_MAX

/* Parses all of s. RC_EINVAL with err saying what was wrong (and the accepted
 * forms) for bad syntax or a negative value; RC_ERANGE when it does not fit. */
rc_err_t rc_quantity_parse(const char *s, int64_t *milli, char *err, size_t errcap);
/* milli-units rounded up to whole units ("500m" CPU is 1 CPU, as the worker
 * rounds a cgroup quota up). */
int64_t rc_quantity_ceil_units(int64_t milli);

#endif
