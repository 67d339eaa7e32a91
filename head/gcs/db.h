/* db.h — the head's keyspace of plain Redis keys (what GET/SET/HSET/... see).
 *
 * Owns: the main dict (key → rc_obj_t) and the expires dict (key → absolute
 * expiry in ms since the epoch, stored in the value pointer). An object whose
 * key has a TTL carries has_ttl, so lookups of keys without one never touch the
 * expires dict. Expired keys are removed lazily when a lookup meets them and
 * actively by rc_db_expire_cycle, which the server calls from a timer.
 * Every function takes the caller's notion of "now" so tests control time.
 * Belongs to the head's loop thread. */
#ifndef RC_DB_H
#define RC_DB_H

#include <stddef.h>
#include <stdint.h>

#include "dict.h"
#include "obj.h"
#include "strutil.h" /* rc_glob_match, for users of the keyspace and pub/sub */

typedef struct rc_db rc_db_t;

rc_db_t *rc_db_new(void);
void rc_db_free(rc_db_t *db);
size_t rc_db_size(const rc_db_t *db);
size_t rc_db_expires_count(const rc_db_t *db);
void rc_db_flush(rc_db_t *db);
/* The main dict, for SCAN/KEYS/RANDOMKEY. Values are rc_obj_t *; entries may be expired. */
rc_dict_t *rc_db_dict(rc_db_t *db);

/* The entry of a live key (e->val is its rc_obj_t *), or NULL; an expired key
 * met here is deleted. Counts a keyspace hit or miss (INFO stats). */
rc_dict_entry_t *rc_db_find(rc_db_t *db, const void *key, size_t klen, uint64_t now_ms);
/* As rc_db_find without counting: for lookups made in order to write. */
rc_dict_entry_t *rc_db_find_write(rc_db_t *db, const void *key, size_t klen, uint64_t now_ms);
/* Adds a key that rc_db_find just reported absent; takes ownership of o. */
rc_dict_entry_t *rc_db_add(rc_db_t *db, const void *key, size_t klen, rc_obj_t *o);
/* Deletes key (and its TTL). Returns 1 if it existed (expired or not). */
int rc_db_delete(rc_db_t *db, const void *key, size_t klen);
/* 1 if the key's TTL has passed (the key stays until someone deletes it). */
int rc_db_is_expired(rc_db_t *db, const rc_dict_entry_t *e, uint64_t now_ms);

/* TTL of a key found with rc_db_find: absolute ms, or -1 when it has none. */
int64_t rc_db_get_expire(rc_db_t *db, const rc_dict_entry_t *e);
void rc_db_set_expire(rc_db_t *db, rc_dict_entry_t *e, int64_t when_ms);
/* Removes the TTL; returns 1 if there was one. */
int rc_db_persist(rc_db_t *db, rc_dict_entry_t *e);

/* Active expiry, Redis-style: samples 20 keys with a TTL at a time and deletes
 * the expired ones, repeating while more than a quarter of a sample was
 * expired and the time budget (µs) lasts. Also advances pending dict resizes.
 * Returns the number of keys deleted. */
size_t rc_db_expire_cycle(rc_db_t *db, uint64_t now_ms, uint64_t budget_us);

/* Counters for INFO stats since rc_db_new: keys removed by expiry (lazy and
 * active), and read lookups that found / did not find their key. */
uint64_t rc_db_stat_expired(const rc_db_t *db);
uint64_t rc_db_stat_hits(const rc_db_t *db);
uint64_t rc_db_stat_misses(const rc_db_t *db);

#endif
