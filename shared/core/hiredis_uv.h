/* hiredis_uv.h — attaching a hiredis 0.14 async context to a libuv loop so that
 * socket errors reach hiredis.
 *
 * hiredis's own adapter (hiredis/adapters/libuv.h) drops the error status that
 * libuv gives a poll callback on POLLERR — a refused connect, a reset
 * connection — and libuv stops watching the handle after such an error, so
 * hiredis would never learn that the connection is gone. rc_hiredis_uv_attach
 * uses the adapter (its struct, allocation and cleanup) but replaces its
 * read/write hooks with ones that, on an error status, attempt the I/O hiredis
 * waited for; that I/O fails and hiredis runs its normal error path (connect
 * callback with REDIS_ERR, or the disconnect callback).
 *
 * Used by every async hiredis client of rayc (the head's storage backend, the
 * worker agent, later the SDK). Header-only adapters define static functions,
 * so only hiredis_uv.c includes hiredis/adapters/libuv.h. */
#ifndef RC_HIREDIS_UV_H
#define RC_HIREDIS_UV_H

#include <hiredis/async.h>
#include <uv.h>

/* Attaches ac to loop. REDIS_OK, or REDIS_ERR when the socket cannot be
 * watched; then ac is left without event hooks, so the caller frees it with
 * redisAsyncFree as usual. */
int rc_hiredis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop);

#endif
