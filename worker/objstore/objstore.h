/* objstore.h — the per-node object store of a worker agent (Ray's plasma).
 *
 * Owns: every object put on this node (task results and puts too large to travel
 * inline through the head), the memory they use, bounded by a capacity
 * (--object-store-memory), and their spill files under a spill directory.
 *
 * Each object lives in its own memfd ("rayc-obj-<hex id>"), not in a file under
 * /dev/shm: a memfd has no size limit but memory (/dev/shm is 64 MiB in default
 * containers), its pages are charged to the pod's cgroup like the rest of the
 * agent's memory, and its fd can be handed to an executor over a UNIX socket
 * (SCM_RIGHTS) so the executor maps it and reads without a copy. The object is
 * written through a shared mapping, then sealed (F_SEAL_SHRINK, F_SEAL_GROW,
 * F_SEAL_WRITE, F_SEAL_SEAL) and mapped read-only: whoever holds the fd can read
 * it but nobody, the executor included, can change or resize it.
 *
 * Life of an object:  create → (write) → seal → get/release … → delete.
 *   - create reserves `size` bytes. When the store is full it spills the least
 *     recently used sealed, unpinned objects to `<spill_dir>/<hex id>` until the
 *     new object fits. If it cannot fit even after spilling everything that may
 *     be spilled (larger than the capacity, or the rest is pinned or still being
 *     written, or there is no spill directory) it fails at once with RC_ETOOBIG
 *     and a message naming the sizes: the store never blocks.
 *   - only sealed objects can be read. get pins the object (a pinned object is
 *     never spilled) and restores a spilled one first, spilling others if needed
 *     (the same RC_ETOOBIG rule). Every get is matched by one release.
 *   - delete of a pinned object is deferred to its last release: the object
 *     disappears at once (get → RC_ENOTFOUND, contains → 0) but its memory stays
 *     charged until then, because a reader still maps it. Creating the same id
 *     again meanwhile is RC_EEXISTS.
 *   Recency is the time of the last release (or of seal): an object leaves the
 *   LRU list while it is pinned and re-enters it at the most-recent end.
 *
 * Accounting counts object bytes exactly, without rounding to pages: the store
 * is meant for objects over 100 KiB (smaller ones travel inline), where page
 * rounding adds under 4%. Every object in memory holds one fd (a memfd), so the
 * agent should raise RLIMIT_NOFILE to its hard limit; a spilled object holds none.
 *
 * Spill files are written to a temporary name, fsync'd and renamed (then the
 * directory is fsync'd), as the job records are, and carry a 40-byte header
 * (magic, size, id, checksum of the bytes): a restore that finds the file
 * missing, short, for another id or with other bytes fails with RC_EIO and a
 * message, and the object stays spilled. A restored object's spill file is
 * removed. The spill directory is created (mode 0700) at the first spill.
 *
 * Not thread-safe: the agent (worker/agent/objects.c) serialises every call
 * with one mutex, as its object server and fetch threads use the store too.
 * Nothing here blocks except the disk I/O of spilling and restoring.
 *
 * Error messages: functions that can fail for a reason a user must see take
 * (err, errcap) and write a sentence there; err may be NULL. */
#ifndef RC_OBJSTORE_H
#define RC_OBJSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "id.h"

typedef struct rc_objstore rc_objstore_t;

/* What get hands out; valid until the matching release. The fd belongs to the
 * store: do not close it (SCM_RIGHTS sends a duplicate). data is never NULL,
 * even for an empty object. */
typedef struct {
    int fd;
    const uint8_t *data;
    uint64_t size;
} rc_objstore_view_t;

typedef struct {
    int64_t capacity;         /* bytes */
    uint64_t used;            /* bytes in memory: sealed, being written, pinned */
    uint64_t objects;         /* objects known (in memory or spilled), not deleted */
    uint64_t pinned;          /* objects with at least one get not released */
    uint64_t pinned_bytes;    /* their bytes (plus deleted objects still read) */
    uint64_t unsealed;        /* objects created and not yet sealed */
    uint64_t unsealed_bytes;  /* their bytes */
    uint64_t spilled_objects; /* objects now only in the spill directory */
    uint64_t spilled_bytes;   /* their bytes */
    uint64_t spills;          /* objects written to the spill directory, ever */
    uint64_t restores;        /* objects read back from it, ever */
} rc_objstore_stats_t;

/* A new empty store of capacity_bytes (> 0). spill_dir (copied; may be NULL:
 * no spilling, a full store refuses new objects) is created at the first
 * spill. RC_EINVAL with a message for a bad capacity or a too long path. */
rc_err_t rc_objstore_new(int64_t capacity_bytes, const char *spill_dir, rc_objstore_t **out,
                         char *err, size_t errcap);
/* Frees every object and removes the spill files of objects it still holds.
 * Views and writable pointers handed out become invalid. NULL is a no-op. */
void rc_objstore_free(rc_objstore_t *s);

/* Reserves size bytes for a new object id and sets *writable to them (valid
 * until seal or delete; not NULL even for size 0). RC_EEXISTS if id is known
 * (including deleted but still pinned), RC_ETOOBIG if it cannot fit (see
 * above), RC_EIO when spilling another object or creating the memfd fails. */
rc_err_t rc_objstore_create(rc_objstore_t *s, const rc_id_t *id, uint64_t size, uint8_t **writable,
                            char *err, size_t errcap);
/* Takes in an object written elsewhere (an executor's result): fd must be a
 * memfd sealed against writes, growth and shrinking, of exactly size bytes.
 * On RC_OK the store owns fd; on error the caller still does. RC_EEXISTS,
 * RC_EINVAL (not sealed, wrong size: the message says which), RC_ETOOBIG (it
 * does not fit, as for create), RC_EIO (cannot map it). */
rc_err_t rc_objstore_adopt(rc_objstore_t *s, const rc_id_t *id, int fd, uint64_t size, char *err,
                           size_t errcap);
/* Makes id immutable and readable. RC_ENOTFOUND if unknown, RC_ESTATE if it is
 * already sealed, RC_EIO if the kernel refuses the seals or the mapping. */
rc_err_t rc_objstore_seal(rc_objstore_t *s, const rc_id_t *id, char *err, size_t errcap);
/* Pins id and fills *view, restoring it from the spill directory first when it
 * was spilled. RC_ENOTFOUND if unknown or deleted, RC_ESTATE if not sealed,
 * RC_ETOOBIG if a spilled object cannot fit back, RC_EIO if its spill file is
 * missing or damaged. No allocation unless it restores. */
rc_err_t rc_objstore_get(rc_objstore_t *s, const rc_id_t *id, rc_objstore_view_t *view, char *err,
                         size_t errcap);
/* Unpins one get of id (a deferred delete happens at the last one).
 * RC_ENOTFOUND if unknown, RC_ESTATE if it is not pinned. */
rc_err_t rc_objstore_release(rc_objstore_t *s, const rc_id_t *id);
/* Deletes id: frees its memory (at its last release if pinned) and removes its
 * spill file. Also aborts an object that was created and never sealed.
 * RC_ENOTFOUND if unknown or already deleted. */
rc_err_t rc_objstore_delete(rc_objstore_t *s, const rc_id_t *id);
/* 1 if id is known and not deleted (sealed or not, in memory or spilled). */
int rc_objstore_contains(const rc_objstore_t *s, const rc_id_t *id);
/* 1 if id is sealed and readable (get would not answer RC_ESTATE/NOTFOUND). */
int rc_objstore_is_sealed(const rc_objstore_t *s, const rc_id_t *id);
void rc_objstore_stats(const rc_objstore_t *s, rc_objstore_stats_t *out);

#endif
