/* obj.c — keyspace value objects (see obj.h). */
#include <string.h>

#include "alloc.h"
#include "obj.h"

rc_bytes_t *rc_bytes_new(const void *data, size_t len)
{
    rc_bytes_t *b = rc_malloc(sizeof(*b) + len);
    b->len = (uint32_t)len;
    if (len) memcpy(b->data, data, len);
    return b;
}

/* ---- list ---------------------------------------------------------------------- */

static void list_resize(rc_list_t *l, size_t cap)
{
    rc_bytes_t **ring = rc_malloc(cap * sizeof(*ring));
    for (size_t i = 0; i < l->len; i++) ring[i] = rc_list_at(l, i);
    rc_free(l->ring);
    l->ring = ring;
    l->cap = cap;
    l->head = 0;
}

void rc_list_push(rc_list_t *l, int front, rc_bytes_t *b)
{
    if (l->len == l->cap) list_resize(l, l->cap ? l->cap * 2 : 8);
    if (front) {
        l->head = (l->head - 1) & (l->cap - 1);
        l->ring[l->head] = b;
    } else {
        l->ring[(l->head + l->len) & (l->cap - 1)] = b;
    }
    l->len++;
}

rc_bytes_t *rc_list_pop(rc_list_t *l, int front)
{
    if (l->len == 0) return NULL;
    rc_bytes_t *b;
    if (front) {
        b = l->ring[l->head];
        l->head = (l->head + 1) & (l->cap - 1);
    } else {
        b = rc_list_at(l, l->len - 1);
    }
    l->len--;
    /* Give memory back after a big list drained, with hysteresis against flapping. */
    if (l->cap > 64 && l->len * 8 < l->cap) list_resize(l, l->cap / 2);
    return b;
}

/* ---- objects ------------------------------------------------------------------- */

/* Capacity that fills the allocator's 16-byte size class of header + bytes. */
static size_t string_cap(size_t len)
{
    size_t total = (sizeof(rc_obj_t) + len + 15) & ~(size_t)15;
    return total - sizeof(rc_obj_t);
}

static rc_obj_t *string_alloc(size_t cap)
{
    rc_obj_t *o = rc_try_malloc(sizeof(*o) + cap);
    if (!o) return NULL;
    o->type = RC_OBJ_STRING;
    o->has_ttl = 0;
    o->len = 0;
    o->cap = (uint32_t)cap;
    o->u.dict = NULL;
    return o;
}

rc_obj_t *rc_obj_string_new(const void *data, size_t len)
{
    if (len > RC_OBJ_MAX_LEN) return NULL;
    rc_obj_t *o = string_alloc(string_cap(len));
    if (!o) return NULL;
    if (len) memcpy(o->data, data, len);
    o->len = (uint32_t)len;
    return o;
}

rc_obj_t *rc_obj_string_assign(rc_obj_t *o, const void *data, size_t len)
{
    /* Reuse when it fits and would not pin much more memory than needed. */
    if (o && o->type == RC_OBJ_STRING && o->cap >= len && o->cap <= 2 * len + 64) {
        memmove(o->data, data, len);
        o->len = (uint32_t)len;
        return o;
    }
    rc_obj_t *n = rc_obj_string_new(data, len);
    if (!n) return NULL;
    if (o) {
        n->has_ttl = o->has_ttl;
        rc_obj_free(o);
    }
    return n;
}

rc_obj_t *rc_obj_string_append(rc_obj_t *o, const void *data, size_t len)
{
    size_t need = (size_t)o->len + len;
    if (need > RC_OBJ_MAX_LEN) return NULL;
    if (need > o->cap) {
        /* Grow geometrically (as sds does) so repeated APPENDs are amortised O(1). */
        size_t cap = need < ((size_t)1 << 20) ? need * 2 : need + ((size_t)1 << 20);
        if (cap > RC_OBJ_MAX_LEN) cap = RC_OBJ_MAX_LEN;
        cap = string_cap(cap);
        rc_obj_t *n = rc_try_realloc(o, sizeof(*o) + cap);
        if (!n) return NULL;
        n->cap = (uint32_t)cap;
        o = n;
    }
    if (len) memcpy(o->data + o->len, data, len);
    o->len = (uint32_t)need;
    return o;
}

static rc_obj_t *container_new(int type)
{
    rc_obj_t *o = rc_malloc(sizeof(*o));
    o->type = (uint8_t)type;
    o->has_ttl = 0;
    o->len = o->cap = 0;
    o->u.dict = NULL;
    return o;
}

rc_obj_t *rc_obj_hash_new(void)
{
    rc_obj_t *o = container_new(RC_OBJ_HASH);
    o->u.dict = rc_dict_new(rc_free);
    return o;
}

rc_obj_t *rc_obj_set_new(void)
{
    rc_obj_t *o = container_new(RC_OBJ_SET);
    o->u.dict = rc_dict_new(NULL);
    return o;
}

rc_obj_t *rc_obj_list_new(void)
{
    rc_obj_t *o = container_new(RC_OBJ_LIST);
    o->u.list = rc_calloc(1, sizeof(rc_list_t));
    return o;
}

void rc_obj_free(void *p)
{
    rc_obj_t *o = p;
    if (!o) return;
    switch (o->type) {
    case RC_OBJ_HASH:
    case RC_OBJ_SET: rc_dict_free(o->u.dict); break;
    case RC_OBJ_LIST:
        for (size_t i = 0; i < o->u.list->len; i++) rc_free(rc_list_at(o->u.list, i));
        rc_free(o->u.list->ring);
        rc_free(o->u.list);
        break;
    default: break;
    }
    rc_free(o);
}

const char *rc_obj_type_name(int type)
{
    switch (type) {
    case RC_OBJ_STRING: return "string";
    case RC_OBJ_HASH: return "hash";
    case RC_OBJ_LIST: return "list";
    case RC_OBJ_SET: return "set";
    default: return "none";
    }
}

size_t rc_obj_count(const rc_obj_t *o)
{
    switch (o->type) {
    case RC_OBJ_HASH:
    case RC_OBJ_SET: return rc_dict_size(o->u.dict);
    case RC_OBJ_LIST: return o->u.list->len;
    default: return 1;
    }
}
