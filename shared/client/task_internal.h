/* task_internal.h — the layout of rayc_task_t, shared by librayc (which
 * implements rayc_task_nargs/arg/return/fail/client) and the worker's executor
 * (which fills one per call). Not installed; not part of the public API.
 *
 * Large results: when the executor sets store_min, rayc_task_return writes a
 * result of more than store_min bytes straight into a new memfd ("rayc-obj",
 * sealed against writes, growth and shrinking) instead of a heap copy, and the
 * executor hands that fd to the agent. If the memfd cannot be made, the return
 * fails and result_error says why (the executor fails the task with it unless a
 * later return succeeds). */
#ifndef RC_TASK_INTERNAL_H
#define RC_TASK_INTERNAL_H

#include <stddef.h>

#include "rayc.h"

struct rayc_task {
    size_t nargs;
    const void *const *args; /* args[i] has lens[i] bytes; owned by the executor */
    const size_t *lens;
    void *result; /* rc_malloc'ed copy from rayc_task_return; owned */
    size_t result_len;
    int has_result;
    size_t store_min;      /* results over this many bytes go to result_fd; 0: never */
    int in_store;          /* the result is in result_fd (result is NULL) */
    int result_fd;         /* the sealed memfd, valid when in_store; owned */
    char *result_error;    /* why the last rayc_task_return failed; owned */
    char *error;           /* rc_malloc'ed message from rayc_task_fail; owned */
    rayc_client_t *client; /* connected on first rayc_task_client() from $RAY_ADDRESS */
};

/* Resets t for a new call with these arguments (frees a previous result/error). */
void rc_task_begin(rayc_task_t *t, size_t nargs, const void *const *args, const size_t *lens);
/* Frees the result and error (keeps the client and store_min for the next call). */
void rc_task_end(rayc_task_t *t);
/* Disconnects the client, if any (executor shutdown). */
void rc_task_close(rayc_task_t *t);

#endif
