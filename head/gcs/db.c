/* db.c — the keyspace and its expiry (see db.h). */
#include <time.h>

#include "alloc.h"
#include "db.h"

struct rc_db {
    rc_dict_t *main;    /* key → rc_obj_t * */
    rc_dict_t *expires; /* key → (void *)(uintptr_t)when_ms */
    uint64_t expired, hits, misses;
};

rc_db_t *rc_db_new(void)
{
    rc_db_t *db = rc_calloc(1, sizeof(*db));
    db->main = rc_dict_new(rc_obj_free);
    db->expires = rc_dict_new(NULL);
    return db;
}

void rc_db_free(rc_db_t *db)
{
    if (!db) return;
    rc_dict_free(db->main);
    rc_dict_free(db->expires);
    rc_free(db);
}

size_t rc_db_size(const rc_db_t *db)
{
    return rc_dict_size(db->main);
}

size_t rc_db_expires_count(const rc_db_t *db)
{
    return rc_dict_size(db->expires);
}

void rc_db_flush(rc_db_t *db)
{
    rc_dict_clear(db->main);
    rc_dict_clear(db->expires);
}

rc_dict_t *rc_db_dict(rc_db_t *db)
{
    return db->main;
}

int64_t rc_db_get_expire(rc_db_t *db, const rc_dict_entry_t *e)
{
    const rc_obj_t *o = e->val;
    if (!o->has_ttl) return -1;
    rc_dict_entry_t *x = rc_dict_find(db->expires, e->key, e->klen);
    return x ? (int64_t)(uintptr_t)x->val : -1;
}

int rc_db_is_expired(rc_db_t *db, const rc_dict_entry_t *e, uint64_t now_ms)
{
    int64_t when = rc_db_get_expire(db, e);
    return when >= 0 && (uint64_t)when <= now_ms;
}

rc_dict_entry_t *rc_db_find_write(rc_db_t *db, const void *key, size_t klen, uint64_t now_ms)
{
    rc_dict_entry_t *e = rc_dict_find(db->main, key, klen);
    if (e && ((rc_obj_t *)e->val)->has_ttl && rc_db_is_expired(db, e, now_ms)) {
        rc_db_delete(db, key, klen);
        db->expired++;
        return NULL;
    }
    return e;
}

rc_dict_entry_t *rc_db_find(rc_db_t *db, const void *key, size_t klen, uint64_t now_ms)
{
    rc_dict_entry_t *e = rc_db_find_write(db, key, klen, now_ms);
    if (e)
        db->hits++;
    else
        db->misses++;
    return e;
}

uint64_t rc_db_stat_expired(const rc_db_t *db)
{
    return db->expired;
}

uint64_t rc_db_stat_hits(const rc_db_t *db)
{
    return db->hits;
}

uint64_t rc_db_stat_misses(const rc_db_t *db)
{
    return db->misses;
}

rc_dict_entry_t *rc_db_add(rc_db_t *db, const void *key, size_t klen, rc_obj_t *o)
{
    o->has_ttl = 0;
    return rc_dict_add(db->main, key, klen, o);
}

int rc_db_delete(rc_db_t *db, const void *key, size_t klen)
{
    /* key may point into an entry of either dict (the expire cycle passes the
     * expires entry's key), so after the first lookup only the main entry's own
     * copy is used: it stays valid until the final take frees it. */
    rc_dict_entry_t *e = rc_dict_find(db->main, key, klen);
    if (!e) return 0;
    rc_obj_t *o = e->val;
    if (o->has_ttl) rc_dict_delete(db->expires, e->key, e->klen);
    rc_dict_take(db->main, e->key, e->klen, NULL);
    rc_obj_free(o);
    return 1;
}

void rc_db_set_expire(rc_db_t *db, rc_dict_entry_t *e, int64_t when_ms)
{
    rc_obj_t *o = e->val;
    int added;
    rc_dict_entry_t *x = rc_dict_add_or_find(db->expires, e->key, e->klen, &added);
    x->val = (void *)(uintptr_t)when_ms;
    o->has_ttl = 1;
}

int rc_db_persist(rc_db_t *db, rc_dict_entry_t *e)
{
    rc_obj_t *o = e->val;
    if (!o->has_ttl) return 0;
    o->has_ttl = 0;
    return rc_dict_delete(db->expires, e->key, e->klen);
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

size_t rc_db_expire_cycle(rc_db_t *db, uint64_t now_ms, uint64_t budget_us)
{
    enum { SAMPLE = 20, CHECK_EVERY = 16 };
    uint64_t start = mono_us();
    size_t total = 0, rounds = 0;
    rc_dict_rehash_steps(db->main, 100);
    rc_dict_rehash_steps(db->expires, 100);
    for (;;) {
        size_t n = rc_dict_size(db->expires);
        if (n == 0) break;
        if (n > SAMPLE) n = SAMPLE;
        size_t expired = 0;
        for (size_t i = 0; i < n; i++) {
            rc_dict_entry_t *x = rc_dict_random(db->expires);
            if ((uint64_t)(uintptr_t)x->val > now_ms) continue;
            if (!rc_db_delete(db, x->key, x->klen))
                rc_dict_delete(db->expires, x->key, x->klen); /* stray: should not happen */
            expired++;
        }
        total += expired;
        db->expired += expired;
        /* Stop once most keys sampled are alive: the rest is left for later
         * cycles and for lazy expiry, as in Redis. */
        if (expired * 4 <= n) break;
        if (++rounds % CHECK_EVERY == 0 && mono_us() - start > budget_us) break;
    }
    return total;
}
