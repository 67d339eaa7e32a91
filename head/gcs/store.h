/* store.h — the head's GCS storage backend (`--gcs-storage memory|redis://…`).
 *
 * Owns: the connection(s) to an external Redis and the queue of writes not yet
 * acknowledged by it. With "memory" every call is a no-op and nothing survives
 * a restart. With a redis:// URL the head's tables (internal KV, nodes, jobs …)
 * are written through, so a head restarted with the same URL and namespace
 * reads them back with rc_store_load — Ray's GCS fault tolerance with an
 * external Redis.
 *
 * Layout in Redis: table T of namespace NS is the hash "rayc:<NS>:<T>", one
 * field per record (HSET/HDEL), so several clusters can share one Redis.
 *
 * Contract of the write path: rc_store_put/rc_store_del never block and never
 * fail from the caller's point of view. Writes are applied by Redis in the
 * order they were made (one FIFO over all tables, pipelined on one hiredis
 * async connection). A write leaves the queue only when Redis answered it. If
 * the connection drops, the queue is kept (bounded: 64 MiB by default, beyond
 * which new writes are dropped with an error log), the store reconnects with
 * exponential backoff (100 ms → 5 s) and replays the queue from its head; as
 * HSET/HDEL are idempotent, replaying writes that had in fact been applied
 * leaves Redis in the same final state. An error reply to one write (e.g.
 * WRONGTYPE) is logged (rate-limited) and counted, and the write is dropped;
 * replies meaning "not now" (LOADING, BUSY, READONLY, MASTERDOWN, NOAUTH,
 * TRYAGAIN) make the store reconnect and retry instead.
 *
 * Belongs to one libuv loop (the head's). rc_store_open, rc_store_load,
 * rc_store_flush and rc_store_close block and run that loop: call them outside
 * its callbacks (at startup, or after uv_run returned), never from one. The
 * process must ignore SIGPIPE (hiredis writes with write(2)); rayc-head does. */
#ifndef RC_STORE_H
#define RC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "err.h"

typedef struct rc_store rc_store_t;

/* A parsed --gcs-storage value. */
typedef struct {
    int memory;         /* 1 for "memory"; the other fields are then empty */
    char host[256];     /* name or address; IPv6 without the brackets */
    int port;           /* 1..65535, default 6379 */
    int db;             /* 0..15, default 0 */
    char user[256];     /* ACL user, "" for none (AUTH with the password only) */
    char password[512]; /* "" for none; percent-decoded */
} rc_store_url_t;

/* Parses "memory" or "redis://[[user]:password@]host[:port][/db]" (user and
 * password percent-encoded; "redis://secret@host" is a password, as redis-cli
 * reads it; an IPv6 host in brackets). Pure. On error, err says what was wrong
 * and what to write instead; it never contains the password. */
rc_err_t rc_store_url_parse(const char *url, rc_store_url_t *out, char *err, size_t errcap);

/* url: "memory" (NULL means the same), or a redis URL as above; "rediss://"
 * fails with "TLS not supported". ns: the storage namespace (Ray's
 * external_storage_namespace; the head passes the cluster name), NULL or ""
 * means "default". For Redis: connects synchronously (2 s timeout), AUTHs,
 * SELECTs and PINGs, so a wrong address or password fails here with a message
 * in err saying what was wrong and what to do; then starts the asynchronous
 * write connection on loop. */
rc_err_t rc_store_open(uv_loop_t *loop, const char *url, const char *ns, rc_store_t **out,
                       char *err, size_t errcap);
/* 0 for memory. */
int rc_store_is_persistent(const rc_store_t *s);
/* "memory" or "redis://host:port/db" (never the user or password). */
const char *rc_store_describe(const rc_store_t *s);

/* Write-through (see the contract above). table: a short constant name ("kv",
 * "nodes", "jobs"); key and val are binary-safe and copied. */
void rc_store_put(rc_store_t *s, const char *table, const void *key, size_t klen, const void *val,
                  size_t vlen);
void rc_store_del(rc_store_t *s, const char *table, const void *key, size_t klen);

/* Startup: reads a whole table synchronously (HSCAN in batches, so a huge
 * table never comes back as one giant reply) and calls fn for each entry;
 * pointers are valid during the call only. Call it before writing to that
 * table: writes still queued are not seen. In rare cases (Redis rehashing
 * during the scan) an entry may be reported twice: treat entries as upserts.
 * Memory backend: no entries, RC_OK. */
typedef void (*rc_store_entry_fn)(void *arg, const void *key, size_t klen, const void *val,
                                  size_t vlen);
rc_err_t rc_store_load(rc_store_t *s, const char *table, rc_store_entry_fn fn, void *arg, char *err,
                       size_t errcap);

/* Writes not yet acknowledged by Redis (queued or in flight); 0 for memory. */
size_t rc_store_pending(const rc_store_t *s);
/* Runs the loop until rc_store_pending is 0 (RC_OK) or timeout_ms passed
 * (RC_ETIMEOUT). Other handles of the loop run meanwhile. */
rc_err_t rc_store_flush(rc_store_t *s, uint64_t timeout_ms);
/* Flushes for up to 1 s (logging what could not be written), closes the
 * connections and frees everything; runs the loop until its own handles are
 * closed. NULL is a no-op. */
void rc_store_close(rc_store_t *s);

/* Caps the bytes held by the write queue (default 64 MiB); for tests and tuning. */
void rc_store_set_max_pending_bytes(rc_store_t *s, size_t bytes);

/* Health for INFO and /metrics. connected: the write connection is up (always
 * 1 for memory); writes: acknowledged writes; errors: writes rejected by Redis
 * or dropped because the queue was full; reconnects: connections made again
 * after one was lost. */
typedef struct {
    int connected;
    uint64_t writes, errors, reconnects;
    size_t pending;
} rc_store_stats_t;
void rc_store_stats(const rc_store_t *s, rc_store_stats_t *out);

#endif
