/* obj.h — the values of the head's keyspace: strings, hashes, lists and sets.
 *
 * Owns: the value objects and their contents. A string is one allocation
 * (header + bytes, with some spare capacity so rewriting a value of similar
 * size or APPEND needs no new allocation). A hash is an rc_dict_t of field →
 * rc_bytes_t; a set is an rc_dict_t with NULL values; a list is a ring of
 * rc_bytes_t pointers with O(1) push/pop at both ends and O(1) indexing.
 * Lengths are capped at RC_OBJ_MAX_LEN (Redis's 512 MB proto-max-bulk-len). */
#ifndef RC_OBJ_H
#define RC_OBJ_H

#include <stddef.h>
#include <stdint.h>

#include "dict.h"

#define RC_OBJ_MAX_LEN ((size_t)512 * 1024 * 1024)

typedef enum { RC_OBJ_STRING = 0, RC_OBJ_HASH, RC_OBJ_LIST, RC_OBJ_SET } rc_obj_type_t;

/* An immutable byte string (list elements, hash values). */
typedef struct rc_bytes {
    uint32_t len;
    char data[];
} rc_bytes_t;

/* Never NULL (container elements arrive in requests already held in memory). */
rc_bytes_t *rc_bytes_new(const void *data, size_t len);

/* A double-ended queue of rc_bytes_t (owned). */
typedef struct rc_list {
    rc_bytes_t **ring; /* cap slots, a power of two */
    size_t cap, head, len;
} rc_list_t;

void rc_list_push(rc_list_t *l, int front, rc_bytes_t *b); /* takes ownership of b */
rc_bytes_t *rc_list_pop(rc_list_t *l, int front);          /* caller frees; NULL if empty */
static inline rc_bytes_t *rc_list_at(const rc_list_t *l, size_t i)
{
    return l->ring[(l->head + i) & (l->cap - 1)];
}

typedef struct rc_obj {
    uint8_t type;    /* rc_obj_type_t */
    uint8_t has_ttl; /* the key has an entry in the db's expires dict */
    uint32_t len;    /* string: bytes in data */
    uint32_t cap;    /* string: room in data */
    union {
        rc_dict_t *dict; /* hash, set */
        rc_list_t *list; /* list */
    } u;
    char data[]; /* string bytes */
} rc_obj_t;

/* A string holding a copy of data; NULL when memory is short (sizes come from peers). */
rc_obj_t *rc_obj_string_new(const void *data, size_t len);
/* Sets string o to data, reusing o when its capacity fits, else replacing it.
 * o may be NULL or of another type (then a new object is made and o freed).
 * has_ttl is carried over. Returns the object to store, or NULL when memory is
 * short (o is then untouched). */
rc_obj_t *rc_obj_string_assign(rc_obj_t *o, const void *data, size_t len);
/* Appends to string o, growing it with spare room; NULL when memory is short
 * (o untouched). Returns the object to store. */
rc_obj_t *rc_obj_string_append(rc_obj_t *o, const void *data, size_t len);
rc_obj_t *rc_obj_hash_new(void);
rc_obj_t *rc_obj_set_new(void);
rc_obj_t *rc_obj_list_new(void);
/* Frees o and everything it holds; NULL is a no-op. Signature fits rc_dict_free_fn. */
void rc_obj_free(void *o);
/* "string", "hash", "list", "set". */
const char *rc_obj_type_name(int type);
/* Number of elements (strings: 1). */
size_t rc_obj_count(const rc_obj_t *o);

#endif
