/* cmd_harness.h — what the command-handler tests of gcs, nodes and tasks share:
 * running one command table row on a filled rc_cmd_ctx_t the way the server's
 * dispatcher does (arity first), collecting C-string arguments, and checking
 * that a reply is exactly one well-formed RESP value. Included by the
 * per-area harnesses; cmocka must be included first. */
#ifndef RC_TEST_CMD_HARNESS_H
#define RC_TEST_CMD_HARNESS_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

/* Skips one RESP value at p; returns its end, or NULL if incomplete/malformed. */
static inline const char *th_skip_reply(const char *p, const char *end)
{
    if (p >= end) return NULL;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl || nl == p || nl[-1] != '\r') return NULL;
    char type = *p;
    long n = strtol(p + 1, NULL, 10);
    const char *q = nl + 1;
    switch (type) {
    case '+':
    case '-':
    case ':': return q;
    case '$':
        if (n < 0) return q;
        if (end - q < n + 2 || q[n] != '\r' || q[n + 1] != '\n') return NULL;
        return q + n + 2;
    case '*':
        for (long i = 0; i < n && q; i++) q = th_skip_reply(q, end);
        return q;
    default: return NULL;
    }
}

/* Runs row d on c as the dispatcher does: arity checked first. */
static inline void th_run(const rc_cmd_def_t *d, rc_cmd_ctx_t *c)
{
    if ((d->arity > 0 && c->argc != (size_t)d->arity) ||
        (d->arity < 0 && c->argc < (size_t)-d->arity))
        rc_cmd_reply_wrong_args(c);
    else
        d->fn(c);
}

/* Fills argv/argl from a0 and the NULL-terminated rest in ap; returns argc. */
static inline size_t th_args(const char *a0, va_list ap, const char **argv, size_t *argl,
                             size_t cap)
{
    size_t argc = 0;
    for (const char *a = a0; a; a = va_arg(ap, const char *)) {
        assert_true(argc < cap);
        argv[argc] = a;
        argl[argc++] = strlen(a);
    }
    return argc;
}

#endif
