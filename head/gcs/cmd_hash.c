/* cmd_hash.c — hash commands: HSET/HMSET/HSETNX, HGET/HMGET, HDEL, HGETALL,
 * HKEYS, HVALS, HLEN, HEXISTS, HINCRBY. An emptied hash is deleted. */
#include <string.h>

#include "alloc.h"
#include "cmd_db.h"
#include "resp.h"
#include "strutil.h"

/* The hash at argv[1], created when missing. NULL after a WRONGTYPE reply. */
static rc_obj_t *hash_for_write(rc_cmd_ctx_t *c)
{
    int bad = 0;
    rc_dict_entry_t *e = rc_cmd_find_typed(c, 1, RC_OBJ_HASH, &bad);
    if (bad) return NULL;
    if (e) return e->val;
    rc_obj_t *o = rc_obj_hash_new();
    rc_db_add(c->db, c->argv[1], c->argl[1], o);
    return o;
}

/* Sets field argv[i] to argv[i+1]; returns 1 if the field is new. */
static int hash_put(rc_cmd_ctx_t *c, rc_obj_t *h, size_t i)
{
    int added;
    rc_dict_entry_t *f = rc_dict_add_or_find(h->u.dict, c->argv[i], c->argl[i], &added);
    rc_free(f->val);
    f->val = rc_bytes_new(c->argv[i + 1], c->argl[i + 1]);
    return added;
}

static void hset_generic(rc_cmd_ctx_t *c, int reply_ok)
{
    if (c->argc % 2 != 0) {
        rc_cmd_reply_wrong_args(c);
        return;
    }
    rc_obj_t *h = hash_for_write(c);
    if (!h) return;
    int64_t added = 0;
    for (size_t i = 2; i < c->argc; i += 2) added += hash_put(c, h, i);
    if (reply_ok)
        rc_resp_write_ok(c->out);
    else
        rc_resp_write_int(c->out, added);
}

void rc_cmd_hset(rc_cmd_ctx_t *c)
{
    hset_generic(c, 0);
}

void rc_cmd_hmset(rc_cmd_ctx_t *c)
{
    hset_generic(c, 1);
}

void rc_cmd_hsetnx(rc_cmd_ctx_t *c)
{
    rc_obj_t *h = hash_for_write(c);
    if (!h) return;
    if (rc_dict_find(h->u.dict, c->argv[2], c->argl[2])) {
        rc_resp_write_int(c->out, 0);
        return;
    }
    hash_put(c, h, 2);
    rc_resp_write_int(c->out, 1);
}

/* The hash at argv[1] for reading: *h NULL when missing. 0 after WRONGTYPE. */
static int hash_for_read(rc_cmd_ctx_t *c, rc_obj_t **h)
{
    int bad = 0;
    rc_dict_entry_t *e = rc_cmd_find_typed(c, 1, RC_OBJ_HASH, &bad);
    *h = e ? e->val : NULL;
    return !bad;
}

static void write_field_value(rc_cmd_ctx_t *c, rc_obj_t *h, size_t i)
{
    rc_dict_entry_t *f = h ? rc_dict_find(h->u.dict, c->argv[i], c->argl[i]) : NULL;
    if (!f) {
        rc_resp_write_nil(c->out);
        return;
    }
    rc_bytes_t *b = f->val;
    rc_resp_write_bulk(c->out, b->data, b->len);
}

void rc_cmd_hget(rc_cmd_ctx_t *c)
{
    rc_obj_t *h;
    if (!hash_for_read(c, &h)) return;
    write_field_value(c, h, 2);
}

void rc_cmd_hmget(rc_cmd_ctx_t *c)
{
    rc_obj_t *h;
    if (!hash_for_read(c, &h)) return;
    rc_resp_write_array(c->out, c->argc - 2);
    for (size_t i = 2; i < c->argc; i++) write_field_value(c, h, i);
}

void rc_cmd_hdel(rc_cmd_ctx_t *c)
{
    rc_obj_t *h;
    if (!hash_for_read(c, &h)) return;
    int64_t n = 0;
    if (h) {
        for (size_t i = 2; i < c->argc; i++) n += rc_dict_delete(h->u.dict, c->argv[i], c->argl[i]);
        if (rc_dict_size(h->u.dict) == 0) rc_db_delete(c->db, c->argv[1], c->argl[1]);
    }
    rc_resp_write_int(c->out, n);
}

enum { WANT_KEYS = 1, WANT_VALS = 2 };

static void hash_dump(rc_cmd_ctx_t *c, int want)
{
    rc_obj_t *h;
    if (!hash_for_read(c, &h)) return;
    if (!h) {
        rc_resp_write_array(c->out, 0);
        return;
    }
    size_t n = rc_dict_size(h->u.dict);
    rc_resp_write_array(c->out, want == (WANT_KEYS | WANT_VALS) ? n * 2 : n);
    rc_dict_iter_t it;
    rc_dict_iter_init(h->u.dict, &it);
    rc_dict_entry_t *f;
    while ((f = rc_dict_iter_next(&it))) {
        if (want & WANT_KEYS) rc_resp_write_bulk(c->out, f->key, f->klen);
        if (want & WANT_VALS) {
            rc_bytes_t *b = f->val;
            rc_resp_write_bulk(c->out, b->data, b->len);
        }
    }
    rc_dict_iter_done(&it);
}

void rc_cmd_hgetall(rc_cmd_ctx_t *c)
{
    hash_dump(c, WANT_KEYS | WANT_VALS);
}

void rc_cmd_hkeys(rc_cmd_ctx_t *c)
{
    hash_dump(c, WANT_KEYS);
}

void rc_cmd_hvals(rc_cmd_ctx_t *c)
{
    hash_dump(c, WANT_VALS);
}

void rc_cmd_hlen(rc_cmd_ctx_t *c)
{
    rc_obj_t *h;
    if (!hash_for_read(c, &h)) return;
    rc_resp_write_int(c->out, h ? (int64_t)rc_dict_size(h->u.dict) : 0);
}

void rc_cmd_hexists(rc_cmd_ctx_t *c)
{
    rc_obj_t *h;
    if (!hash_for_read(c, &h)) return;
    rc_resp_write_int(c->out, h && rc_dict_find(h->u.dict, c->argv[2], c->argl[2]) ? 1 : 0);
}

void rc_cmd_hincrby(rc_cmd_ctx_t *c)
{
    int64_t delta, cur = 0;
    if (!rc_cmd_arg_i64(c, 3, &delta)) {
        rc_cmd_reply_not_int(c);
        return;
    }
    rc_obj_t *h;
    if (!hash_for_read(c, &h)) return;
    rc_dict_entry_t *f = h ? rc_dict_find(h->u.dict, c->argv[2], c->argl[2]) : NULL;
    if (f) {
        rc_bytes_t *b = f->val;
        if (!rc_parse_i64_strict(b->data, b->len, &cur)) {
            rc_resp_write_error(c->out, "ERR hash value is not an integer");
            return;
        }
    }
    if ((delta < 0 && cur < INT64_MIN - delta) || (delta > 0 && cur > INT64_MAX - delta)) {
        rc_resp_write_error(c->out, "ERR increment or decrement would overflow");
        return;
    }
    cur += delta;
    char digits[24];
    size_t n = rc_i64_to_str(cur, digits);
    if (!h) h = hash_for_write(c);
    int added;
    f = rc_dict_add_or_find(h->u.dict, c->argv[2], c->argl[2], &added);
    rc_free(f->val);
    f->val = rc_bytes_new(digits, n);
    rc_resp_write_int(c->out, cur);
}
