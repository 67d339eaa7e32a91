/* dict.h — a hash table keyed by binary-safe byte strings, values `void *`.
 *
 * Owns: its bucket tables and its entries. An entry and a copy of its key are
 * one allocation (the key bytes follow the entry header), so inserting a key
 * costs exactly one malloc. Values are the caller's; the optional destructor
 * given at creation is called on a value when its entry is deleted, replaced
 * by rc_dict_clear, or the dict is freed.
 *
 * Hashing is a seeded 64-bit multiply-mix function; the seed is random per
 * process, so clients cannot choose colliding keys. Resizing is incremental,
 * as in Redis: while a resize is in progress both the old and the new table
 * are live and every find/add/delete moves one bucket, so growing to millions
 * of keys never stops the loop for long. Tables are powers of two, grow when
 * the load reaches 1 and shrink when it falls below 1/8.
 *
 * Pointers to entries stay valid until that entry is deleted (rehashing moves
 * entries between tables but never reallocates them).
 *
 * Not thread-safe: a dict belongs to one loop thread. */
#ifndef RC_DICT_H
#define RC_DICT_H

#include <stddef.h>
#include <stdint.h>

typedef struct rc_dict_entry {
    struct rc_dict_entry *next; /* bucket chain */
    void *val;                  /* the caller's; may be updated in place */
    uint32_t klen;
    uint32_t hash; /* low 32 bits of the hash: bucket index without rehashing the key,
                      and a cheap reject before memcmp */
    char key[];    /* klen bytes, followed by a NUL (keys are still binary) */
} rc_dict_entry_t;

typedef struct rc_dict rc_dict_t;
typedef void (*rc_dict_free_fn)(void *val);

/* Maximum key length (the entry stores it in 32 bits). */
#define RC_DICT_MAX_KEY ((size_t)UINT32_MAX)

/* A new empty dict; val_free (may be NULL) destroys values. */
rc_dict_t *rc_dict_new(rc_dict_free_fn val_free);
/* Destroys every entry (calling val_free) and the dict. NULL is a no-op. */
void rc_dict_free(rc_dict_t *d);
/* Removes every entry, calling val_free; the dict stays usable. */
void rc_dict_clear(rc_dict_t *d);
size_t rc_dict_size(const rc_dict_t *d);

/* The seeded hash used by every dict of this process. */
uint64_t rc_dict_hash(const void *key, size_t len);

/* The entry of key, or NULL. */
rc_dict_entry_t *rc_dict_find(rc_dict_t *d, const void *key, size_t klen);
/* Inserts key → val. Returns the new entry, or NULL when the key exists (then
 * nothing changes). klen must not exceed RC_DICT_MAX_KEY. */
rc_dict_entry_t *rc_dict_add(rc_dict_t *d, const void *key, size_t klen, void *val);
/* Finds key, or inserts it with val NULL. *added is 1 when inserted. */
rc_dict_entry_t *rc_dict_add_or_find(rc_dict_t *d, const void *key, size_t klen, int *added);
/* Deletes key, calling val_free on its value. Returns 1 if it was there. */
int rc_dict_delete(rc_dict_t *d, const void *key, size_t klen);
/* Deletes key without calling val_free; its value goes to *val (may be NULL).
 * Returns 1 if it was there. */
int rc_dict_take(rc_dict_t *d, const void *key, size_t klen, void **val);

/* A random entry, or NULL when empty. Each entry is drawn with roughly equal
 * probability (the load factor is kept between 1/8 and 1, so chains are short). */
rc_dict_entry_t *rc_dict_random(rc_dict_t *d);

/* Scan: visits a few buckets per call and returns the next cursor; start with
 * 0, stop when 0 comes back. Every entry present from the start to the end of
 * the whole scan is visited at least once, even if the dict is resized between
 * calls (reverse-binary cursor, as Redis's SCAN); some may be visited twice.
 * fn must not add or delete entries of d. */
typedef void (*rc_dict_scan_fn)(void *arg, rc_dict_entry_t *e);
uint64_t rc_dict_scan(rc_dict_t *d, uint64_t cursor, rc_dict_scan_fn fn, void *arg);

/* Safe iterator: while it is open, rehashing is paused, and deleting the entry
 * just returned (and only that one) is allowed. Entries added during the walk
 * may or may not be returned. Always call rc_dict_iter_done. */
typedef struct {
    rc_dict_t *d;
    int table;
    size_t index;
    rc_dict_entry_t *next;
} rc_dict_iter_t;
void rc_dict_iter_init(rc_dict_t *d, rc_dict_iter_t *it);
rc_dict_entry_t *rc_dict_iter_next(rc_dict_iter_t *it);
void rc_dict_iter_done(rc_dict_iter_t *it);

/* Moves up to n buckets of an ongoing resize, and starts a pending shrink (for a
 * timer while the dict is idle). Returns 1 while a resize is still in progress. */
int rc_dict_rehash_steps(rc_dict_t *d, size_t n);
/* 1 while a resize is in progress (for tests and INFO). */
int rc_dict_is_rehashing(const rc_dict_t *d);
/* Number of buckets of the main table (for tests and INFO). */
size_t rc_dict_buckets(const rc_dict_t *d);

/* A fast per-process pseudo-random 64-bit number (not for secrets). */
uint64_t rc_dict_rand64(void);

#endif
