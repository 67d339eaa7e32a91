/* dict.c — binary-safe hash table with incremental rehashing (see dict.h). */
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "dict.h"
#include "err.h"

#define INITIAL_BUCKETS 4
#define MAX_BUCKETS     ((size_t)1 << 31) /* the entry keeps 32 bits of hash */

struct rc_dict {
    rc_dict_entry_t **t[2]; /* t[1] is non-NULL only while resizing */
    size_t size[2];         /* buckets, a power of two (or 0) */
    size_t used[2];
    size_t rehashidx; /* next bucket of t[0] to move, while resizing */
    int rehashing;
    int paused; /* open iterators/scans: no buckets move while > 0 */
    rc_dict_free_fn val_free;
};

/* ---- hashing ---------------------------------------------------------------- */

static uint64_t g_seed;

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Runs before main (and before any other thread exists), so the seed needs no lock. */
__attribute__((constructor)) static void seed_init(void)
{
    uint64_t s = 0;
    if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
    }
    g_seed = splitmix(&s);
}

static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* 64x64 → 128-bit multiply folded to 64 bits: the one mixing primitive. */
static inline uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

#define K0 0xa3b195354a39b70dULL
#define K1 0x9e3779b97f4a7c15ULL
#define K2 0xd6e8feb86659fd93ULL
#define K3 0xc2b2ae3d27d4eb4fULL

uint64_t rc_dict_hash(const void *key, size_t len)
{
    const uint8_t *p = key;
    uint64_t seed = g_seed ^ K0, a, b;
    if (len <= 16) {
        if (len >= 4) {
            /* Two pairs of possibly overlapping 32-bit reads cover 4..16 bytes. */
            size_t q = (len >> 3) << 2;
            a = (rd32(p) << 32) | rd32(p + q);
            b = (rd32(p + len - 4) << 32) | rd32(p + len - 4 - q);
        } else if (len > 0) {
            a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t i = len;
        if (i > 48) {
            /* Three independent lanes keep the multiplier busy on long keys. */
            uint64_t s1 = seed, s2 = seed;
            do {
                seed = mix(rd64(p) ^ K1, rd64(p + 8) ^ seed);
                s1 = mix(rd64(p + 16) ^ K2, rd64(p + 24) ^ s1);
                s2 = mix(rd64(p + 32) ^ K3, rd64(p + 40) ^ s2);
                p += 48;
                i -= 48;
            } while (i > 48);
            seed ^= s1 ^ s2;
        }
        while (i > 16) {
            seed = mix(rd64(p) ^ K1, rd64(p + 8) ^ seed);
            p += 16;
            i -= 16;
        }
        a = rd64(p + i - 16);
        b = rd64(p + i - 8);
    }
    return mix(mix(a ^ K1, b ^ seed) ^ K2, (uint64_t)len ^ K3);
}

uint64_t rc_dict_rand64(void)
{
    static _Thread_local uint64_t state;
    if (state == 0) state = g_seed ^ (uint64_t)(uintptr_t)&state ^ 0x2545f4914f6cdd1dULL;
    return splitmix(&state);
}

/* ---- tables ----------------------------------------------------------------- */

rc_dict_t *rc_dict_new(rc_dict_free_fn val_free)
{
    rc_dict_t *d = rc_calloc(1, sizeof(*d));
    d->val_free = val_free;
    return d;
}

static void free_table(rc_dict_t *d, int t)
{
    for (size_t i = 0; i < d->size[t]; i++) {
        rc_dict_entry_t *e = d->t[t][i];
        while (e) {
            rc_dict_entry_t *next = e->next;
            if (d->val_free && e->val) d->val_free(e->val);
            rc_free(e);
            e = next;
        }
    }
    rc_free(d->t[t]);
    d->t[t] = NULL;
    d->size[t] = d->used[t] = 0;
}

void rc_dict_clear(rc_dict_t *d)
{
    free_table(d, 0);
    free_table(d, 1);
    d->rehashing = 0;
    d->rehashidx = 0;
}

void rc_dict_free(rc_dict_t *d)
{
    if (!d) return;
    rc_dict_clear(d);
    rc_free(d);
}

size_t rc_dict_size(const rc_dict_t *d)
{
    return d->used[0] + d->used[1];
}

int rc_dict_is_rehashing(const rc_dict_t *d)
{
    return d->rehashing;
}

size_t rc_dict_buckets(const rc_dict_t *d)
{
    return d->size[0];
}

static size_t next_pow2(size_t n)
{
    size_t s = INITIAL_BUCKETS;
    while (s < n && s < MAX_BUCKETS) s <<= 1;
    return s;
}

/* Starts moving to a table of `buckets` buckets. The first table is simply allocated. */
static void resize_to(rc_dict_t *d, size_t buckets)
{
    if (d->rehashing || buckets == d->size[0]) return;
    rc_dict_entry_t **t = rc_calloc(buckets, sizeof(*t));
    if (d->t[0] == NULL) {
        d->t[0] = t;
        d->size[0] = buckets;
        return;
    }
    d->t[1] = t;
    d->size[1] = buckets;
    d->used[1] = 0;
    d->rehashing = 1;
    d->rehashidx = 0;
}

/* Moves up to n non-empty buckets, visiting at most 10*n empty ones, so a sparse
 * table cannot make one call slow. Returns 1 while a resize is still in progress. */
static int rehash(rc_dict_t *d, size_t n)
{
    size_t empty_visits = n * 10;
    if (!d->rehashing) return 0;
    while (n-- && d->used[0]) {
        while (d->t[0][d->rehashidx] == NULL) {
            d->rehashidx++;
            if (--empty_visits == 0) return 1;
        }
        rc_dict_entry_t *e = d->t[0][d->rehashidx];
        size_t mask1 = d->size[1] - 1;
        while (e) {
            rc_dict_entry_t *next = e->next;
            size_t h = e->hash & mask1;
            e->next = d->t[1][h];
            d->t[1][h] = e;
            d->used[0]--;
            d->used[1]++;
            e = next;
        }
        d->t[0][d->rehashidx++] = NULL;
    }
    if (d->used[0] == 0) {
        rc_free(d->t[0]);
        d->t[0] = d->t[1];
        d->size[0] = d->size[1];
        d->used[0] = d->used[1];
        d->t[1] = NULL;
        d->size[1] = d->used[1] = 0;
        d->rehashing = 0;
        d->rehashidx = 0;
        return 0;
    }
    return 1;
}

static inline void rehash_step(rc_dict_t *d)
{
    if (d->rehashing && !d->paused) rehash(d, 1);
}

static void shrink_if_needed(rc_dict_t *d);

int rc_dict_rehash_steps(rc_dict_t *d, size_t n)
{
    if (d->paused) return d->rehashing;
    /* A dict emptied by deletes that then stopped needs the timer to shrink it. */
    if (!d->rehashing) shrink_if_needed(d);
    if (rehash(d, n)) return 1;
    shrink_if_needed(d);
    return d->rehashing;
}

static void expand_if_needed(rc_dict_t *d)
{
    if (d->rehashing) return;
    if (d->size[0] == 0) {
        resize_to(d, INITIAL_BUCKETS);
        return;
    }
    if (d->used[0] >= d->size[0] && d->size[0] < MAX_BUCKETS)
        resize_to(d, next_pow2(d->used[0] * 2));
}

static void shrink_if_needed(rc_dict_t *d)
{
    if (d->rehashing || d->paused || d->size[0] <= INITIAL_BUCKETS) return;
    if (d->used[0] * 8 < d->size[0]) resize_to(d, next_pow2(d->used[0]));
}

static rc_dict_entry_t *lookup(rc_dict_t *d, const void *key, size_t klen, uint32_t h)
{
    for (int t = 0; t <= 1; t++) {
        if (d->size[t] == 0) break;
        rc_dict_entry_t *e = d->t[t][h & (d->size[t] - 1)];
        for (; e; e = e->next)
            if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0) return e;
        if (!d->rehashing) break;
    }
    return NULL;
}

rc_dict_entry_t *rc_dict_find(rc_dict_t *d, const void *key, size_t klen)
{
    if (rc_dict_size(d) == 0) return NULL;
    rehash_step(d);
    return lookup(d, key, klen, (uint32_t)rc_dict_hash(key, klen));
}

static rc_dict_entry_t *insert(rc_dict_t *d, const void *key, size_t klen, uint32_t h, void *val)
{
    RC_ASSERT(klen <= RC_DICT_MAX_KEY);
    expand_if_needed(d);
    int t = d->rehashing ? 1 : 0;
    rc_dict_entry_t *e = rc_malloc(sizeof(*e) + klen + 1);
    e->val = val;
    e->klen = (uint32_t)klen;
    e->hash = h;
    if (klen) memcpy(e->key, key, klen);
    e->key[klen] = '\0';
    size_t b = h & (d->size[t] - 1);
    e->next = d->t[t][b];
    d->t[t][b] = e;
    d->used[t]++;
    return e;
}

rc_dict_entry_t *rc_dict_add(rc_dict_t *d, const void *key, size_t klen, void *val)
{
    rehash_step(d);
    uint32_t h = (uint32_t)rc_dict_hash(key, klen);
    if (lookup(d, key, klen, h)) return NULL;
    return insert(d, key, klen, h, val);
}

rc_dict_entry_t *rc_dict_add_or_find(rc_dict_t *d, const void *key, size_t klen, int *added)
{
    rehash_step(d);
    uint32_t h = (uint32_t)rc_dict_hash(key, klen);
    rc_dict_entry_t *e = lookup(d, key, klen, h);
    *added = e == NULL;
    return e ? e : insert(d, key, klen, h, NULL);
}

int rc_dict_take(rc_dict_t *d, const void *key, size_t klen, void **val)
{
    if (rc_dict_size(d) == 0) return 0;
    rehash_step(d);
    uint32_t h = (uint32_t)rc_dict_hash(key, klen);
    for (int t = 0; t <= 1; t++) {
        if (d->size[t] == 0) break;
        rc_dict_entry_t **pp = &d->t[t][h & (d->size[t] - 1)];
        for (; *pp; pp = &(*pp)->next) {
            rc_dict_entry_t *e = *pp;
            if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0) {
                *pp = e->next;
                d->used[t]--;
                if (val) *val = e->val;
                rc_free(e);
                shrink_if_needed(d);
                return 1;
            }
        }
        if (!d->rehashing) break;
    }
    return 0;
}

int rc_dict_delete(rc_dict_t *d, const void *key, size_t klen)
{
    void *val = NULL;
    if (!rc_dict_take(d, key, klen, &val)) return 0;
    if (d->val_free && val) d->val_free(val);
    return 1;
}

/* A random non-empty bucket's chain (may be NULL: the caller retries). */
static rc_dict_entry_t *random_bucket(rc_dict_t *d)
{
    if (d->rehashing) {
        /* Buckets of t[0] below rehashidx are empty: draw from the rest of t[0]
         * and all of t[1]. */
        size_t span = d->size[0] + d->size[1] - d->rehashidx;
        size_t i = d->rehashidx + (size_t)(rc_dict_rand64() % span);
        return i >= d->size[0] ? d->t[1][i - d->size[0]] : d->t[0][i];
    }
    return d->t[0][rc_dict_rand64() & (d->size[0] - 1)];
}

rc_dict_entry_t *rc_dict_random(rc_dict_t *d)
{
    /* Picking a bucket then a chain position favours entries in short chains.
     * Drawing the position from a fixed range and retrying when it falls past
     * the chain's end makes every entry of chains up to FAIR_CHAIN long equally
     * likely; longer chains are rare at load <= 1. */
    enum { FAIR_CHAIN = 4 };
    if (rc_dict_size(d) == 0) return NULL;
    rehash_step(d);
    for (;;) {
        rc_dict_entry_t *e = random_bucket(d);
        if (!e) continue;
        size_t n = 0;
        for (rc_dict_entry_t *x = e; x; x = x->next) n++;
        size_t k = (size_t)(rc_dict_rand64() % (n > FAIR_CHAIN ? n : FAIR_CHAIN));
        if (k >= n) continue;
        while (k--) e = e->next;
        return e;
    }
}

/* ---- scan and iteration ------------------------------------------------------- */

static uint64_t rev64(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
    return __builtin_bswap64(v);
}

/* Increments the cursor in its high (reversed) bits above mask: the order in
 * which buckets are visited is the same for any table size, so growing or
 * shrinking between calls never skips a bucket already due. */
static uint64_t cursor_next(uint64_t v, uint64_t mask)
{
    v |= ~mask;
    v = rev64(v);
    v++;
    return rev64(v);
}

static void emit_bucket(rc_dict_entry_t *e, rc_dict_scan_fn fn, void *arg)
{
    while (e) {
        rc_dict_entry_t *next = e->next;
        fn(arg, e);
        e = next;
    }
}

uint64_t rc_dict_scan(rc_dict_t *d, uint64_t v, rc_dict_scan_fn fn, void *arg)
{
    if (rc_dict_size(d) == 0) return 0;
    d->paused++;
    if (!d->rehashing) {
        uint64_t m0 = d->size[0] - 1;
        emit_bucket(d->t[0][v & m0], fn, arg);
        v = cursor_next(v, m0);
    } else {
        int small = d->size[0] <= d->size[1] ? 0 : 1, large = 1 - small;
        uint64_t m0 = d->size[small] - 1, m1 = d->size[large] - 1;
        emit_bucket(d->t[small][v & m0], fn, arg);
        /* Every bucket of the larger table that folds onto that small bucket. */
        do {
            emit_bucket(d->t[large][v & m1], fn, arg);
            v = cursor_next(v, m1);
        } while (v & (m0 ^ m1));
    }
    d->paused--;
    return v;
}

void rc_dict_iter_init(rc_dict_t *d, rc_dict_iter_t *it)
{
    it->d = d;
    it->table = 0;
    it->index = 0;
    it->next = NULL;
    d->paused++;
}

rc_dict_entry_t *rc_dict_iter_next(rc_dict_iter_t *it)
{
    rc_dict_t *d = it->d;
    for (;;) {
        if (it->next) {
            rc_dict_entry_t *e = it->next;
            it->next = e->next; /* saved now: the caller may delete e */
            return e;
        }
        if (it->index >= d->size[it->table]) {
            if (it->table == 1 || !d->rehashing) return NULL;
            it->table = 1;
            it->index = 0;
            continue;
        }
        it->next = d->t[it->table][it->index++];
    }
}

void rc_dict_iter_done(rc_dict_iter_t *it)
{
    if (it->d) it->d->paused--;
    it->d = NULL;
}
