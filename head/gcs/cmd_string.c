/* cmd_string.c — string commands: GET, SET and friends, MGET/MSET, APPEND,
 * STRLEN and the INCR family. A command that fails changes nothing. */
#include <string.h>

#include "cmd_db.h"
#include "resp.h"
#include "strutil.h"

/* Stores value into key (any previous type), dropping its TTL unless keep_ttl.
 * Reuses the old string's memory when it fits. 0 when memory is short (then
 * nothing changed). */
static int store_string(rc_cmd_ctx_t *c, size_t ki, const char *val, size_t vlen, int keep_ttl)
{
    rc_dict_entry_t *e = rc_cmd_find_w(c, ki);
    if (!e) {
        rc_obj_t *o = rc_obj_string_new(val, vlen);
        if (!o) return 0;
        rc_db_add(c->db, c->argv[ki], c->argl[ki], o);
        return 1;
    }
    rc_obj_t *o = rc_obj_string_assign(e->val, val, vlen);
    if (!o) return 0;
    e->val = o;
    if (!keep_ttl && o->has_ttl) rc_db_persist(c->db, e);
    return 1;
}

void rc_cmd_get(rc_cmd_ctx_t *c)
{
    int bad = 0;
    rc_dict_entry_t *e = rc_cmd_find_typed(c, 1, RC_OBJ_STRING, &bad);
    if (bad) return;
    if (!e) {
        rc_resp_write_nil(c->out);
        return;
    }
    rc_obj_t *o = e->val;
    rc_resp_write_bulk(c->out, o->data, o->len);
}

/* Converts the expire argument argv[i] to absolute ms. unit_ms: the argument
 * is in ms (else seconds); absolute: a unix time (else relative to now).
 * Returns 1, or 0 after replying an error. */
static int parse_expire(rc_cmd_ctx_t *c, size_t i, int unit_ms, int absolute, int64_t *when)
{
    int64_t v;
    if (!rc_cmd_arg_i64(c, i, &v)) {
        rc_cmd_reply_not_int(c);
        return 0;
    }
    if (v <= 0 || (!unit_ms && v > INT64_MAX / 1000)) goto bad;
    if (!unit_ms) v *= 1000;
    if (!absolute) {
        if (v > INT64_MAX - (int64_t)c->now_ms) goto bad;
        v += (int64_t)c->now_ms;
    }
    *when = v;
    return 1;
bad:
    rc_cmd_reply_bad_expire(c);
    return 0;
}

/* After storing: applies an expiry; a time already past deletes the key. */
static void apply_expire(rc_cmd_ctx_t *c, size_t ki, int64_t when)
{
    if ((uint64_t)when <= c->now_ms) {
        rc_db_delete(c->db, c->argv[ki], c->argl[ki]);
        return;
    }
    rc_dict_entry_t *e = rc_cmd_find_w(c, ki);
    if (e) rc_db_set_expire(c->db, e, when);
}

enum { SET_NX = 1, SET_XX = 2, SET_GET = 4, SET_KEEPTTL = 8, SET_EXPIRE = 16 };

void rc_cmd_set(rc_cmd_ctx_t *c)
{
    if (c->argc == 3) { /* the benchmark's path: no options */
        if (!store_string(c, 1, c->argv[2], c->argl[2], 0)) {
            rc_cmd_reply_oom(c, c->argl[2]);
            return;
        }
        rc_resp_write_ok(c->out);
        return;
    }
    /* Redis's rules: NX and XX exclude each other; KEEPTTL and the expiry
     * options exclude each other; one expiry kind, repeatable (the last wins). */
    static const char *const kinds[] = {"EX", "PX", "EXAT", "PXAT"};
    unsigned flags = 0;
    size_t exp_i = 0;
    int kind = -1;
    for (size_t j = 3; j < c->argc; j++) {
        int k = -1;
        for (int x = 0; x < 4 && k < 0; x++)
            if (rc_cmd_arg_is(c, j, kinds[x])) k = x;
        if (rc_cmd_arg_is(c, j, "NX") && !(flags & SET_XX)) {
            flags |= SET_NX;
        } else if (rc_cmd_arg_is(c, j, "XX") && !(flags & SET_NX)) {
            flags |= SET_XX;
        } else if (rc_cmd_arg_is(c, j, "GET")) {
            flags |= SET_GET;
        } else if (rc_cmd_arg_is(c, j, "KEEPTTL") && kind < 0) {
            flags |= SET_KEEPTTL;
        } else if (k >= 0 && !(flags & SET_KEEPTTL) && (kind < 0 || kind == k) && j + 1 < c->argc) {
            flags |= SET_EXPIRE;
            kind = k;
            exp_i = ++j;
        } else {
            rc_cmd_reply_syntax(c);
            return;
        }
    }
    int64_t when = 0;
    if ((flags & SET_EXPIRE) && !parse_expire(c, exp_i, kind & 1, kind >= 2, &when)) return;

    rc_dict_entry_t *e = rc_cmd_find_w(c, 1);
    if ((flags & SET_GET) && e && ((rc_obj_t *)e->val)->type != RC_OBJ_STRING) {
        rc_cmd_reply_wrongtype(c);
        return;
    }
    if (((flags & SET_NX) && e) || ((flags & SET_XX) && !e)) {
        if (flags & SET_GET && e) {
            rc_obj_t *o = e->val;
            rc_resp_write_bulk(c->out, o->data, o->len);
        } else {
            rc_resp_write_nil(c->out);
        }
        return;
    }
    if (flags & SET_GET) {
        /* The old value is replied before it is overwritten: build the new
         * object first so running out of memory cannot leave two replies. */
        rc_obj_t *n = rc_obj_string_new(c->argv[2], c->argl[2]);
        if (!n) {
            rc_cmd_reply_oom(c, c->argl[2]);
            return;
        }
        if (e) {
            rc_obj_t *o = e->val;
            rc_resp_write_bulk(c->out, o->data, o->len);
            n->has_ttl = o->has_ttl;
            rc_obj_free(o);
            e->val = n;
            if (!(flags & SET_KEEPTTL) && n->has_ttl) rc_db_persist(c->db, e);
        } else {
            rc_resp_write_nil(c->out);
            rc_db_add(c->db, c->argv[1], c->argl[1], n);
        }
    } else if (!store_string(c, 1, c->argv[2], c->argl[2], flags & SET_KEEPTTL)) {
        rc_cmd_reply_oom(c, c->argl[2]);
        return;
    }
    if (flags & SET_EXPIRE) apply_expire(c, 1, when);
    if (!(flags & SET_GET)) rc_resp_write_ok(c->out);
}

void rc_cmd_setnx(rc_cmd_ctx_t *c)
{
    if (rc_cmd_find_w(c, 1)) {
        rc_resp_write_int(c->out, 0);
        return;
    }
    if (!store_string(c, 1, c->argv[2], c->argl[2], 0)) {
        rc_cmd_reply_oom(c, c->argl[2]);
        return;
    }
    rc_resp_write_int(c->out, 1);
}

static void setex_generic(rc_cmd_ctx_t *c, int unit_ms)
{
    int64_t when;
    if (!parse_expire(c, 2, unit_ms, 0, &when)) return;
    if (!store_string(c, 1, c->argv[3], c->argl[3], 0)) {
        rc_cmd_reply_oom(c, c->argl[3]);
        return;
    }
    apply_expire(c, 1, when);
    rc_resp_write_ok(c->out);
}

void rc_cmd_setex(rc_cmd_ctx_t *c)
{
    setex_generic(c, 0);
}

void rc_cmd_psetex(rc_cmd_ctx_t *c)
{
    setex_generic(c, 1);
}

void rc_cmd_getdel(rc_cmd_ctx_t *c)
{
    int bad = 0;
    rc_dict_entry_t *e = rc_cmd_find_typed(c, 1, RC_OBJ_STRING, &bad);
    if (bad) return;
    if (!e) {
        rc_resp_write_nil(c->out);
        return;
    }
    rc_obj_t *o = e->val;
    rc_resp_write_bulk(c->out, o->data, o->len);
    rc_db_delete(c->db, c->argv[1], c->argl[1]);
}

void rc_cmd_mget(rc_cmd_ctx_t *c)
{
    rc_resp_write_array(c->out, c->argc - 1);
    for (size_t i = 1; i < c->argc; i++) {
        rc_dict_entry_t *e = rc_cmd_find(c, i);
        rc_obj_t *o = e ? e->val : NULL;
        if (o && o->type == RC_OBJ_STRING)
            rc_resp_write_bulk(c->out, o->data, o->len);
        else
            rc_resp_write_nil(c->out);
    }
}

/* MSET/MSETNX: every pair is stored; with nx nothing is stored if any key exists. */
static void mset_generic(rc_cmd_ctx_t *c, int nx)
{
    if (c->argc % 2 == 0) {
        rc_cmd_reply_wrong_args(c);
        return;
    }
    if (nx) {
        for (size_t i = 1; i < c->argc; i += 2) {
            if (rc_cmd_find_w(c, i)) {
                rc_resp_write_int(c->out, 0);
                return;
            }
        }
    }
    for (size_t i = 1; i < c->argc; i += 2) {
        if (!store_string(c, i, c->argv[i + 1], c->argl[i + 1], 0)) {
            rc_cmd_reply_oom(c, c->argl[i + 1]);
            return;
        }
    }
    if (nx)
        rc_resp_write_int(c->out, 1);
    else
        rc_resp_write_ok(c->out);
}

void rc_cmd_mset(rc_cmd_ctx_t *c)
{
    mset_generic(c, 0);
}

void rc_cmd_msetnx(rc_cmd_ctx_t *c)
{
    mset_generic(c, 1);
}

void rc_cmd_append(rc_cmd_ctx_t *c)
{
    int bad = 0;
    rc_dict_entry_t *e = rc_cmd_find_typed(c, 1, RC_OBJ_STRING, &bad);
    if (bad) return;
    if (!e) {
        if (!store_string(c, 1, c->argv[2], c->argl[2], 0)) {
            rc_cmd_reply_oom(c, c->argl[2]);
            return;
        }
        rc_resp_write_int(c->out, (int64_t)c->argl[2]);
        return;
    }
    rc_obj_t *o = e->val;
    size_t total = (size_t)o->len + c->argl[2];
    rc_obj_t *n = rc_obj_string_append(o, c->argv[2], c->argl[2]);
    if (!n) {
        rc_cmd_reply_oom(c, total);
        return;
    }
    e->val = n;
    rc_resp_write_int(c->out, (int64_t)n->len);
}

void rc_cmd_strlen(rc_cmd_ctx_t *c)
{
    int bad = 0;
    rc_dict_entry_t *e = rc_cmd_find_typed(c, 1, RC_OBJ_STRING, &bad);
    if (bad) return;
    rc_resp_write_int(c->out, e ? (int64_t)((rc_obj_t *)e->val)->len : 0);
}

static void incr_generic(rc_cmd_ctx_t *c, int64_t delta)
{
    int bad = 0;
    rc_dict_entry_t *e = rc_cmd_find_typed(c, 1, RC_OBJ_STRING, &bad);
    if (bad) return;
    int64_t cur = 0;
    rc_obj_t *o = e ? e->val : NULL;
    if (o && !rc_parse_i64_strict(o->data, o->len, &cur)) {
        rc_cmd_reply_not_int(c);
        return;
    }
    if ((delta < 0 && cur < INT64_MIN - delta) || (delta > 0 && cur > INT64_MAX - delta)) {
        rc_resp_write_error(c->out, "ERR increment or decrement would overflow");
        return;
    }
    cur += delta;
    char digits[24];
    size_t n = rc_i64_to_str(cur, digits);
    if (o && o->cap >= n) { /* in place: the common counter case allocates nothing */
        memcpy(o->data, digits, n);
        o->len = (uint32_t)n;
    } else if (o) {
        rc_obj_t *x = rc_obj_string_assign(o, digits, n);
        if (!x) {
            rc_cmd_reply_oom(c, n);
            return;
        }
        e->val = x;
    } else if (!store_string(c, 1, digits, n, 0)) {
        rc_cmd_reply_oom(c, n);
        return;
    }
    rc_resp_write_int(c->out, cur);
}

void rc_cmd_incr(rc_cmd_ctx_t *c)
{
    incr_generic(c, 1);
}

void rc_cmd_decr(rc_cmd_ctx_t *c)
{
    incr_generic(c, -1);
}

void rc_cmd_incrby(rc_cmd_ctx_t *c)
{
    int64_t d;
    if (!rc_cmd_arg_i64(c, 2, &d)) {
        rc_cmd_reply_not_int(c);
        return;
    }
    incr_generic(c, d);
}

void rc_cmd_decrby(rc_cmd_ctx_t *c)
{
    int64_t d;
    if (!rc_cmd_arg_i64(c, 2, &d)) {
        rc_cmd_reply_not_int(c);
        return;
    }
    if (d == INT64_MIN) {
        rc_resp_write_error(c->out, "ERR decrement would overflow");
        return;
    }
    incr_generic(c, -d);
}
