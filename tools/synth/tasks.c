/* tasks.c — librayc_synth.so, the task functions of rayc-synth, run by the
 * workers' executors. Each one hands its arguments to the handler of the same
 * name (synth.h) and returns its result, or fails with the handler's message
 * (which names the file and line of a CSV error).
 *
 *   synth_fit_marginals, synth_reduce_marginals, synth_fit_copula,
 *   synth_reduce_copula, synth_generate
 *
 * The library is linked with -Wl,--exclude-libs,ALL: the rayc code it carries
 * (rc_core, the synth modules) stays private, so it never binds to, or
 * interposes on, the executor's own copies. */
#include <stdlib.h>

#include "alloc.h"
#include "rayc.h"
#include "synth.h"

static int run(rayc_task_t *t, rc_synth_fn fn)
{
    size_t n = rayc_task_nargs(t);
    rc_blob_t *args = rc_calloc(n ? n : 1, sizeof(*args));
    for (size_t i = 0; i < n; i++) args[i].data = rayc_task_arg(t, i, &args[i].len);
    rc_buf_t result = RC_BUF_INIT;
    char err[1024] = "";
    rc_err_t rc = fn(args, n, &result, err, sizeof(err));
    int ret;
    if (rc == RC_OK)
        ret = rayc_task_return(t, result.data ? result.data : "", result.len);
    else
        ret = rayc_task_fail(t, err[0] ? err : rc_strerror(rc));
    rc_buf_free(&result);
    rc_free(args);
    return ret;
}

int synth_fit_marginals(rayc_task_t *t)
{
    return run(t, rc_synth_fit_marginals);
}

int synth_reduce_marginals(rayc_task_t *t)
{
    return run(t, rc_synth_reduce_marginals);
}

int synth_fit_copula(rayc_task_t *t)
{
    return run(t, rc_synth_fit_copula);
}

int synth_reduce_copula(rayc_task_t *t)
{
    return run(t, rc_synth_reduce_copula);
}

int synth_generate(rayc_task_t *t)
{
    return run(t, rc_synth_generate);
}
