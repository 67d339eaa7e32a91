/* objstore.c — memfd-backed objects, LRU spilling and restore (see objstore.h). */
#include "objstore.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "daemon.h"
#include "dict.h"
#include "fdio.h"
#include "log.h"

#define LOG_COMP "objstore"

/* Longest spill directory accepted: leaves room for "/.<32 hex>.<pid>.tmp". */
#define SPILL_DIR_MAX 4000
#define PATH_CAP      4096

/* Spill file header: magic, size, id, checksum of the bytes that follow. */
#define SPILL_MAGIC    "RCOBJv1\n"
#define SPILL_HDR_SIZE 40

typedef enum { OBJ_UNSEALED, OBJ_SEALED, OBJ_SPILLED } obj_state_t;

typedef struct obj {
    rc_id_t id;
    uint64_t size;
    int fd;       /* the memfd; -1 while spilled */
    uint8_t *map; /* writable while unsealed, read-only after; NULL when size is 0 or spilled */
    obj_state_t state;
    uint32_t pins;
    int deleted;               /* delete deferred to the last release */
    int in_lru;                /* sealed, in memory, unpinned: may be spilled */
    struct obj *newer, *older; /* LRU list links */
} obj_t;

struct rc_objstore {
    int64_t capacity;
    char *spill_dir; /* NULL: no spilling */
    int spill_dir_ready;
    rc_dict_t *objs; /* 16 id bytes → obj_t * */
    obj_t *newest, *oldest;
    uint64_t used;
    uint64_t evictable_bytes; /* bytes of the objects on the LRU list */
    uint64_t objects, pinned, pinned_bytes, unsealed, unsealed_bytes;
    uint64_t spilled_objects, spilled_bytes, spills, restores;
};

/* What a writable/readable pointer of an empty object points to (mmap of 0
 * bytes is an error, and callers may memcpy/memcmp 0 bytes from it). */
static uint8_t g_empty[1];

static void seterr(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errcap, const char *fmt, ...)
{
    if (!err || errcap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errcap, fmt, ap);
    va_end(ap);
}

static obj_t *lookup(const rc_objstore_t *s, const rc_id_t *id)
{
    rc_dict_entry_t *e = rc_dict_find(s->objs, id->b, sizeof(id->b));
    return e ? e->val : NULL;
}

static void lru_unlink(rc_objstore_t *s, obj_t *o)
{
    if (!o->in_lru) return;
    if (o->newer)
        o->newer->older = o->older;
    else
        s->newest = o->older;
    if (o->older)
        o->older->newer = o->newer;
    else
        s->oldest = o->newer;
    o->newer = o->older = NULL;
    o->in_lru = 0;
    s->evictable_bytes -= o->size;
}

static void lru_push_newest(rc_objstore_t *s, obj_t *o)
{
    RC_ASSERT(!o->in_lru && o->state == OBJ_SEALED && o->pins == 0);
    o->older = s->newest;
    o->newer = NULL;
    if (s->newest)
        s->newest->newer = o;
    else
        s->oldest = o;
    s->newest = o;
    o->in_lru = 1;
    s->evictable_bytes += o->size;
}

/* Not a cryptographic hash: it catches a spill file damaged on the shared
 * volume, and must be the same in every process (rc_dict_hash is seeded). */
static uint64_t checksum(const uint8_t *p, uint64_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 29;
    }
    for (; n > 0; p++, n--) h = (h ^ *p) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 32);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void spill_path(const rc_objstore_t *s, const rc_id_t *id, char *out, size_t cap)
{
    char hex[RC_ID_HEX_LEN + 1];
    rc_id_to_hex(id, hex);
    snprintf(out, cap, "%s/%s", s->spill_dir, hex);
}

/* Reads exactly n bytes at off; 0 on success, -1 with errno (0 for a short file). */
static int pread_full(int fd, uint8_t *p, size_t n, off_t off)
{
    while (n > 0) {
        ssize_t r = pread(fd, p, n, off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r == 0) errno = 0;
            return -1;
        }
        p += r;
        n -= (size_t)r;
        off += r;
    }
    return 0;
}

/* Creates the memfd of o and maps it writable. */
static rc_err_t mem_alloc(obj_t *o, char *err, size_t errcap)
{
    char hex[RC_ID_HEX_LEN + 1], name[64];
    rc_id_to_hex(&o->id, hex);
    snprintf(name, sizeof(name), "rayc-obj-%s", hex);
    o->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (o->fd < 0) {
        seterr(err, errcap,
               "cannot create the memory of object %s: memfd_create: %s (each object in memory "
               "holds one file descriptor: raise `ulimit -n`)",
               hex, strerror(errno));
        return RC_EIO;
    }
    if (o->size == 0) return RC_OK;
    if (ftruncate(o->fd, (off_t)o->size) != 0) {
        seterr(err, errcap, "cannot size the memory of object %s to %" PRIu64 " bytes: %s", hex,
               o->size, strerror(errno));
        goto fail;
    }
    void *m = mmap(NULL, (size_t)o->size, PROT_READ | PROT_WRITE, MAP_SHARED, o->fd, 0);
    if (m == MAP_FAILED) {
        seterr(err, errcap, "cannot map the %" PRIu64 " bytes of object %s: %s", o->size, hex,
               strerror(errno));
        goto fail;
    }
    o->map = m;
    return RC_OK;
fail:
    close(o->fd);
    o->fd = -1;
    return RC_EIO;
}

/* Gives back the memory of o (the kernel frees it once no executor maps it). */
static void mem_free(obj_t *o)
{
    if (o->map) munmap(o->map, (size_t)o->size);
    o->map = NULL;
    if (o->fd >= 0) close(o->fd);
    o->fd = -1;
}

/* The writable mapping must be gone before F_SEAL_WRITE is accepted (EBUSY). */
static rc_err_t mem_seal(obj_t *o, char *err, size_t errcap)
{
    char hex[RC_ID_HEX_LEN + 1];
    rc_id_to_hex(&o->id, hex);
    if (o->map) munmap(o->map, (size_t)o->size);
    o->map = NULL;
    if (fcntl(o->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
        seterr(err, errcap, "cannot seal object %s: %s", hex, strerror(errno));
        goto fail;
    }
    if (o->size > 0) {
        void *m = mmap(NULL, (size_t)o->size, PROT_READ, MAP_SHARED, o->fd, 0);
        if (m == MAP_FAILED) {
            seterr(err, errcap, "cannot map sealed object %s: %s", hex, strerror(errno));
            goto fail;
        }
        o->map = m;
    }
    return RC_OK;
fail:
    /* Without its mapping the bytes are still in the memfd; map it again so the
     * writer's pointer stays usable and the object can be deleted or resealed. */
    if (o->size > 0) {
        void *m = mmap(NULL, (size_t)o->size, PROT_READ | PROT_WRITE, MAP_SHARED, o->fd, 0);
        if (m != MAP_FAILED) o->map = m;
    }
    return RC_EIO;
}

static rc_err_t ensure_spill_dir(rc_objstore_t *s)
{
    if (s->spill_dir_ready) return RC_OK;
    if (mkdir(s->spill_dir, 0700) != 0) {
        if (errno == ENOENT) {
            /* Parents as rc_mkdirs makes them (0755); only the spill directory is private. */
            char parent[PATH_CAP];
            snprintf(parent, sizeof(parent), "%s", s->spill_dir);
            char *slash = strrchr(parent, '/');
            if (slash && slash != parent) {
                *slash = '\0';
                if (rc_mkdirs(parent) != 0) return RC_EIO;
            }
            if (mkdir(s->spill_dir, 0700) != 0 && errno != EEXIST) return RC_EIO;
        } else if (errno != EEXIST) {
            return RC_EIO;
        }
    }
    struct stat st;
    if (stat(s->spill_dir, &st) != 0) return RC_EIO;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return RC_EIO;
    }
    s->spill_dir_ready = 1;
    return RC_OK;
}

/* Writes o to its spill file (temporary name, fsync, rename, fsync of the
 * directory) and frees its memory. On failure o stays in memory. */
static rc_err_t spill_one(rc_objstore_t *s, obj_t *o, char *err, size_t errcap)
{
    char path[PATH_CAP], tmp[PATH_CAP + 32], hex[RC_ID_HEX_LEN + 1];
    int fd = -1;
    rc_id_to_hex(&o->id, hex);
    spill_path(s, &o->id, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s/.%s.%d.tmp", s->spill_dir, hex, (int)getpid());
    errno = 0;
    if (ensure_spill_dir(s) != RC_OK) goto fail;

    const uint8_t *data = o->map ? o->map : g_empty;
    uint8_t hdr[SPILL_HDR_SIZE];
    memcpy(hdr, SPILL_MAGIC, 8);
    put_u64(hdr + 8, o->size);
    memcpy(hdr + 16, o->id.b, 16);
    put_u64(hdr + 32, checksum(data, o->size));

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) goto fail;
    if (rc_write_all(fd, hdr, sizeof(hdr)) != RC_OK) goto fail;
    if (rc_write_all(fd, data, (size_t)o->size) != RC_OK || fsync(fd) != 0) goto fail;
    int rc = close(fd);
    fd = -1;
    if (rc != 0 || rename(tmp, path) != 0) goto fail;
    int dfd = open(s->spill_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }

    lru_unlink(s, o);
    mem_free(o);
    o->state = OBJ_SPILLED;
    s->used -= o->size;
    s->spilled_objects++;
    s->spilled_bytes += o->size;
    s->spills++;
    rc_log_info(LOG_COMP, "spilled object=%s bytes=%" PRIu64 " path=%s", hex, o->size, path);
    return RC_OK;
fail:
    seterr(err, errcap,
           "cannot spill object %s (%" PRIu64 " bytes) to %s: %s (is the storage volume full, "
           "read-only or not mounted?)",
           hex, o->size, s->spill_dir, errno ? strerror(errno) : "unknown error");
    if (fd >= 0) close(fd);
    unlink(tmp);
    return RC_EIO;
}

/* Makes room for size more bytes, spilling least recently used objects; fails
 * at once, before spilling anything, if that cannot be enough. */
static rc_err_t make_room(rc_objstore_t *s, const rc_id_t *id, uint64_t size, char *err,
                          size_t errcap)
{
    char hex[RC_ID_HEX_LEN + 1];
    uint64_t cap = (uint64_t)s->capacity;
    rc_id_to_hex(id, hex);
    if (size > cap) {
        seterr(err, errcap,
               "object %s needs %" PRIu64 " bytes, more than the object store's capacity of "
               "%" PRIu64 " bytes; raise --object-store-memory or make the object smaller",
               hex, size, cap);
        return RC_ETOOBIG;
    }
    uint64_t spillable = s->spill_dir ? s->evictable_bytes : 0;
    uint64_t fixed = s->used - spillable;
    if (fixed + size > cap) {
        seterr(err, errcap,
               "object %s needs %" PRIu64 " bytes but only %" PRIu64 " of the object store's "
               "%" PRIu64 " bytes can be freed: %" PRIu64 " bytes are pinned by %" PRIu64
               " objects in use, %" PRIu64 " bytes by %" PRIu64 " objects not yet sealed%s; "
               "release objects or raise --object-store-memory",
               hex, size, cap - fixed, cap, s->pinned_bytes, s->pinned, s->unsealed_bytes,
               s->unsealed,
               s->spill_dir ? ""
                            : " and spilling is off (no spill directory), which keeps the "
                              "other sealed objects in memory");
        return RC_ETOOBIG;
    }
    while (s->used + size > cap) {
        obj_t *victim = s->oldest;
        RC_ASSERT(victim); /* guaranteed by the check above */
        rc_err_t rc = spill_one(s, victim, err, errcap);
        if (rc != RC_OK) return rc;
    }
    return RC_OK;
}

/* Opens the spill file of o and checks its size and header, before anything is
 * spilled to make room for it. Returns the fd in *out. */
static rc_err_t restore_open(rc_objstore_t *s, obj_t *o, int *out, uint64_t *sum, char *err,
                             size_t errcap)
{
    char path[PATH_CAP], hex[RC_ID_HEX_LEN + 1];
    uint8_t hdr[SPILL_HDR_SIZE];
    struct stat st;
    rc_id_to_hex(&o->id, hex);
    spill_path(s, &o->id, path, sizeof(path));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        seterr(err, errcap,
               "cannot restore object %s: its spill file %s cannot be opened: %s (removed by "
               "another node's cleanup, or the storage volume is not mounted?)",
               hex, path, strerror(errno));
        return RC_EIO;
    }
    if (fstat(fd, &st) != 0) {
        seterr(err, errcap, "cannot restore object %s: stat %s: %s", hex, path, strerror(errno));
        goto fail;
    }
    if ((uint64_t)st.st_size != SPILL_HDR_SIZE + o->size) {
        seterr(err, errcap,
               "cannot restore object %s: its spill file %s has %lld bytes, expected %" PRIu64
               " (truncated or replaced on the storage volume)",
               hex, path, (long long)st.st_size, SPILL_HDR_SIZE + o->size);
        goto fail;
    }
    if (pread_full(fd, hdr, sizeof(hdr), 0) != 0) {
        seterr(err, errcap, "cannot restore object %s: reading %s: %s", hex, path,
               errno ? strerror(errno) : "the file is shorter than its size");
        goto fail;
    }
    if (memcmp(hdr, SPILL_MAGIC, 8) != 0 || get_u64(hdr + 8) != o->size ||
        memcmp(hdr + 16, o->id.b, 16) != 0) {
        seterr(err, errcap,
               "cannot restore object %s: %s is not the spill file of this object (bad header)",
               hex, path);
        goto fail;
    }
    *sum = get_u64(hdr + 32);
    *out = fd;
    return RC_OK;
fail:
    close(fd);
    return RC_EIO;
}

/* Reads o from fd (restore_open's; closed here) into a new memfd and seals it.
 * The caller has made room. On failure o stays spilled and nothing is charged. */
static rc_err_t restore_read(rc_objstore_t *s, obj_t *o, int fd, uint64_t sum, char *err,
                             size_t errcap)
{
    char path[PATH_CAP], hex[RC_ID_HEX_LEN + 1];
    rc_id_to_hex(&o->id, hex);
    spill_path(s, &o->id, path, sizeof(path));
    rc_err_t rc = mem_alloc(o, err, errcap);
    if (rc != RC_OK) goto fail;
    rc = RC_EIO;
    if (o->size > 0 && pread_full(fd, o->map, (size_t)o->size, SPILL_HDR_SIZE) != 0) {
        seterr(err, errcap, "cannot restore object %s: reading %s: %s", hex, path,
               errno ? strerror(errno) : "the file is shorter than its size");
        goto fail;
    }
    if (checksum(o->map ? o->map : g_empty, o->size) != sum) {
        seterr(err, errcap,
               "cannot restore object %s: the bytes of its spill file %s do not match their "
               "checksum (damaged on the storage volume)",
               hex, path);
        goto fail;
    }
    rc = mem_seal(o, err, errcap);
    if (rc != RC_OK) goto fail;
    close(fd);
    unlink(path);
    o->state = OBJ_SEALED;
    s->used += o->size;
    s->spilled_objects--;
    s->spilled_bytes -= o->size;
    s->restores++;
    rc_log_info(LOG_COMP, "restored object=%s bytes=%" PRIu64, hex, o->size);
    return RC_OK;
fail:
    mem_free(o);
    close(fd);
    return rc;
}

/* Frees o whatever its state (pins are ignored: rc_objstore_free uses it too). */
static void destroy(rc_objstore_t *s, obj_t *o)
{
    lru_unlink(s, o);
    if (o->state == OBJ_SPILLED) {
        char path[PATH_CAP];
        spill_path(s, &o->id, path, sizeof(path));
        if (unlink(path) != 0 && errno != ENOENT) {
            char hex[RC_ID_HEX_LEN + 1];
            rc_id_to_hex(&o->id, hex);
            rc_log_warn(LOG_COMP, "cannot remove spill file object=%s path=%s: %s", hex, path,
                        strerror(errno));
        }
        s->spilled_objects--;
        s->spilled_bytes -= o->size;
    } else {
        s->used -= o->size;
    }
    if (o->state == OBJ_UNSEALED) {
        s->unsealed--;
        s->unsealed_bytes -= o->size;
    }
    if (o->pins > 0) {
        s->pinned--;
        s->pinned_bytes -= o->size;
    }
    if (!o->deleted) s->objects--;
    mem_free(o);
    rc_dict_delete(s->objs, o->id.b, sizeof(o->id.b));
    rc_free(o);
}

rc_err_t rc_objstore_new(int64_t capacity_bytes, const char *spill_dir, rc_objstore_t **out,
                         char *err, size_t errcap)
{
    *out = NULL;
    if (capacity_bytes <= 0) {
        seterr(err, errcap, "object store capacity must be positive, got %" PRId64 " bytes",
               capacity_bytes);
        return RC_EINVAL;
    }
    if (spill_dir && (spill_dir[0] == '\0' || strlen(spill_dir) > SPILL_DIR_MAX)) {
        seterr(err, errcap, "spill directory must be a path of 1 to %d characters", SPILL_DIR_MAX);
        return RC_EINVAL;
    }
    rc_objstore_t *s = rc_calloc(1, sizeof(*s));
    s->capacity = capacity_bytes;
    s->spill_dir = spill_dir ? rc_strdup(spill_dir) : NULL;
    s->objs = rc_dict_new(NULL);
    *out = s;
    return RC_OK;
}

void rc_objstore_free(rc_objstore_t *s)
{
    if (!s) return;
    rc_dict_iter_t it;
    rc_dict_entry_t *e;
    rc_dict_iter_init(s->objs, &it);
    while ((e = rc_dict_iter_next(&it))) destroy(s, e->val);
    rc_dict_iter_done(&it);
    rc_dict_free(s->objs);
    rc_free(s->spill_dir);
    rc_free(s);
}

rc_err_t rc_objstore_create(rc_objstore_t *s, const rc_id_t *id, uint64_t size, uint8_t **writable,
                            char *err, size_t errcap)
{
    *writable = NULL;
    if (lookup(s, id)) {
        char hex[RC_ID_HEX_LEN + 1];
        rc_id_to_hex(id, hex);
        seterr(err, errcap, "object %s already exists in this node's object store", hex);
        return RC_EEXISTS;
    }
    rc_err_t rc = make_room(s, id, size, err, errcap);
    if (rc != RC_OK) return rc;
    obj_t *o = rc_calloc(1, sizeof(*o));
    o->id = *id;
    o->size = size;
    o->fd = -1;
    o->state = OBJ_UNSEALED;
    rc = mem_alloc(o, err, errcap);
    if (rc != RC_OK) {
        rc_free(o);
        return rc;
    }
    rc_dict_add(s->objs, id->b, sizeof(id->b), o);
    s->used += size;
    s->objects++;
    s->unsealed++;
    s->unsealed_bytes += size;
    *writable = o->map ? o->map : g_empty;
    return RC_OK;
}

rc_err_t rc_objstore_adopt(rc_objstore_t *s, const rc_id_t *id, int fd, uint64_t size, char *err,
                           size_t errcap)
{
    char hex[RC_ID_HEX_LEN + 1];
    rc_id_to_hex(id, hex);
    if (lookup(s, id)) {
        seterr(err, errcap, "object %s already exists in this node's object store", hex);
        return RC_EEXISTS;
    }
    /* Someone else wrote it: it must be immutable and exactly as long as claimed. */
    int seals = fcntl(fd, F_GET_SEALS);
    const int need = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
    struct stat st;
    if (seals < 0 || (seals & need) != need) {
        seterr(err, errcap,
               "object %s was handed over as a file that is not a memfd sealed against writes "
               "and resizing",
               hex);
        return RC_EINVAL;
    }
    if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != size) {
        seterr(err, errcap, "object %s was handed over with %lld bytes instead of %" PRIu64, hex,
               (long long)st.st_size, size);
        return RC_EINVAL;
    }
    rc_err_t rc = make_room(s, id, size, err, errcap);
    if (rc != RC_OK) return rc;
    uint8_t *map = NULL;
    if (size > 0) {
        void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) {
            seterr(err, errcap, "cannot map object %s: %s", hex, strerror(errno));
            return RC_EIO;
        }
        map = m;
    }
    obj_t *o = rc_calloc(1, sizeof(*o));
    o->id = *id;
    o->size = size;
    o->fd = fd;
    o->map = map;
    o->state = OBJ_SEALED;
    rc_dict_add(s->objs, id->b, sizeof(id->b), o);
    s->used += size;
    s->objects++;
    lru_push_newest(s, o);
    return RC_OK;
}

rc_err_t rc_objstore_seal(rc_objstore_t *s, const rc_id_t *id, char *err, size_t errcap)
{
    char hex[RC_ID_HEX_LEN + 1];
    rc_id_to_hex(id, hex);
    obj_t *o = lookup(s, id);
    if (!o || o->deleted) {
        seterr(err, errcap, "object %s is not in this node's object store", hex);
        return RC_ENOTFOUND;
    }
    if (o->state != OBJ_UNSEALED) {
        seterr(err, errcap, "object %s is already sealed", hex);
        return RC_ESTATE;
    }
    rc_err_t rc = mem_seal(o, err, errcap);
    if (rc != RC_OK) return rc;
    o->state = OBJ_SEALED;
    s->unsealed--;
    s->unsealed_bytes -= o->size;
    lru_push_newest(s, o);
    return RC_OK;
}

rc_err_t rc_objstore_get(rc_objstore_t *s, const rc_id_t *id, rc_objstore_view_t *view, char *err,
                         size_t errcap)
{
    obj_t *o = lookup(s, id);
    if (!o || o->deleted || o->state == OBJ_UNSEALED) {
        char hex[RC_ID_HEX_LEN + 1];
        rc_id_to_hex(id, hex);
        if (o && !o->deleted) {
            seterr(err, errcap, "object %s is not sealed yet: it cannot be read", hex);
            return RC_ESTATE;
        }
        seterr(err, errcap, "object %s is not in this node's object store", hex);
        return RC_ENOTFOUND;
    }
    if (o->state == OBJ_SPILLED) {
        int fd;
        uint64_t sum;
        rc_err_t rc = restore_open(s, o, &fd, &sum, err, errcap);
        if (rc != RC_OK) return rc;
        rc = make_room(s, id, o->size, err, errcap);
        if (rc != RC_OK) {
            close(fd);
            return rc;
        }
        rc = restore_read(s, o, fd, sum, err, errcap);
        if (rc != RC_OK) return rc;
    }
    if (o->pins++ == 0) {
        lru_unlink(s, o);
        s->pinned++;
        s->pinned_bytes += o->size;
    }
    view->fd = o->fd;
    view->data = o->map ? o->map : g_empty;
    view->size = o->size;
    return RC_OK;
}

rc_err_t rc_objstore_release(rc_objstore_t *s, const rc_id_t *id)
{
    obj_t *o = lookup(s, id);
    if (!o) return RC_ENOTFOUND;
    if (o->pins == 0) return RC_ESTATE;
    if (--o->pins > 0) return RC_OK;
    s->pinned--;
    s->pinned_bytes -= o->size;
    if (o->deleted)
        destroy(s, o);
    else
        lru_push_newest(s, o);
    return RC_OK;
}

rc_err_t rc_objstore_delete(rc_objstore_t *s, const rc_id_t *id)
{
    obj_t *o = lookup(s, id);
    if (!o || o->deleted) return RC_ENOTFOUND;
    if (o->pins > 0) {
        o->deleted = 1;
        s->objects--;
        return RC_OK;
    }
    destroy(s, o);
    return RC_OK;
}

int rc_objstore_contains(const rc_objstore_t *s, const rc_id_t *id)
{
    const obj_t *o = lookup(s, id);
    return o && !o->deleted;
}

int rc_objstore_is_sealed(const rc_objstore_t *s, const rc_id_t *id)
{
    const obj_t *o = lookup(s, id);
    return o && !o->deleted && o->state != OBJ_UNSEALED;
}

void rc_objstore_stats(const rc_objstore_t *s, rc_objstore_stats_t *out)
{
    *out = (rc_objstore_stats_t){
        .capacity = s->capacity,
        .used = s->used,
        .objects = s->objects,
        .pinned = s->pinned,
        .pinned_bytes = s->pinned_bytes,
        .unsealed = s->unsealed,
        .unsealed_bytes = s->unsealed_bytes,
        .spilled_objects = s->spilled_objects,
        .spilled_bytes = s->spilled_bytes,
        .spills = s->spills,
        .restores = s->restores,
    };
}
