/* cmd_keys.c — keyspace commands: DEL/UNLINK, EXISTS, KEYS, SCAN, TYPE, the
 * EXPIRE family, TTL/PTTL, PERSIST, DBSIZE, FLUSHALL/FLUSHDB, RANDOMKEY. */
#include <string.h>

#include "alloc.h"
#include "cmd_db.h"
#include "resp.h"
#include "strutil.h"

void rc_cmd_del(rc_cmd_ctx_t *c)
{
    int64_t n = 0;
    for (size_t i = 1; i < c->argc; i++)
        if (rc_cmd_find_w(c, i)) n += rc_db_delete(c->db, c->argv[i], c->argl[i]);
    rc_resp_write_int(c->out, n);
}

void rc_cmd_exists(rc_cmd_ctx_t *c)
{
    int64_t n = 0;
    for (size_t i = 1; i < c->argc; i++)
        if (rc_cmd_find(c, i)) n++;
    rc_resp_write_int(c->out, n);
}

void rc_cmd_type(rc_cmd_ctx_t *c)
{
    rc_dict_entry_t *e = rc_cmd_find(c, 1);
    rc_resp_write_status(c->out, e ? rc_obj_type_name(((rc_obj_t *)e->val)->type) : "none");
}

/* Whether key e passes KEYS/SCAN filters. Expired keys are skipped, not
 * deleted: deleting would invalidate entries still to be examined. */
static int key_selected(rc_cmd_ctx_t *c, rc_dict_entry_t *e, const char *pat, size_t plen, int type)
{
    rc_obj_t *o = e->val;
    if (type >= 0 && o->type != type) return 0;
    if (pat && !(plen == 1 && pat[0] == '*') && !rc_glob_match(pat, plen, e->key, e->klen, 0))
        return 0;
    if (o->has_ttl && rc_db_is_expired(c->db, e, c->now_ms)) return 0;
    return 1;
}

void rc_cmd_keys(rc_cmd_ctx_t *c)
{
    /* The count goes first in the reply, so the keys are written aside. */
    rc_buf_t tmp = RC_BUF_INIT;
    size_t n = 0;
    rc_dict_iter_t it;
    rc_dict_iter_init(rc_db_dict(c->db), &it);
    rc_dict_entry_t *e;
    while ((e = rc_dict_iter_next(&it))) {
        if (!key_selected(c, e, c->argv[1], c->argl[1], -1)) continue;
        rc_resp_write_bulk(&tmp, e->key, e->klen);
        n++;
    }
    rc_dict_iter_done(&it);
    rc_resp_write_array(c->out, n);
    if (tmp.len) rc_buf_append(c->out, tmp.data, tmp.len);
    rc_buf_free(&tmp);
}

typedef struct {
    rc_dict_entry_t **v;
    size_t n, cap;
} entry_vec_t;

static void collect(void *arg, rc_dict_entry_t *e)
{
    entry_vec_t *vec = arg;
    if (vec->n == vec->cap) {
        vec->cap = vec->cap ? vec->cap * 2 : 16;
        vec->v = rc_realloc(vec->v, vec->cap * sizeof(*vec->v));
    }
    vec->v[vec->n++] = e;
}

static int parse_cursor(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0) return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

static int type_by_name(const char *s, size_t len)
{
    for (int t = RC_OBJ_STRING; t <= RC_OBJ_SET; t++) {
        const char *name = rc_obj_type_name(t);
        if (strlen(name) == len && strncasecmp(name, s, len) == 0) return t;
    }
    return 99; /* a type no key has (zset, stream, ...): matches nothing */
}

void rc_cmd_scan(rc_cmd_ctx_t *c)
{
    uint64_t cursor;
    if (!parse_cursor(c->argv[1], c->argl[1], &cursor)) {
        rc_resp_write_error(c->out, "ERR invalid cursor");
        return;
    }
    const char *pat = NULL;
    size_t plen = 0;
    int64_t count = 10;
    int type = -1;
    for (size_t j = 2; j < c->argc; j += 2) {
        if (j + 1 >= c->argc) {
            rc_cmd_reply_syntax(c);
            return;
        }
        if (rc_cmd_arg_is(c, j, "MATCH")) {
            pat = c->argv[j + 1];
            plen = c->argl[j + 1];
        } else if (rc_cmd_arg_is(c, j, "COUNT")) {
            if (!rc_cmd_arg_i64(c, j + 1, &count)) {
                rc_cmd_reply_not_int(c);
                return;
            }
            if (count < 1) {
                rc_cmd_reply_syntax(c);
                return;
            }
        } else if (rc_cmd_arg_is(c, j, "TYPE")) {
            type = type_by_name(c->argv[j + 1], c->argl[j + 1]);
        } else {
            rc_cmd_reply_syntax(c);
            return;
        }
    }
    /* As Redis: visit buckets until COUNT entries are gathered, bounded so a
     * sparse table cannot make one call long. Filtering comes afterwards. */
    entry_vec_t vec = {NULL, 0, 0};
    rc_dict_t *d = rc_db_dict(c->db);
    uint64_t budget = (uint64_t)count * 10;
    do cursor = rc_dict_scan(d, cursor, collect, &vec);
    while (cursor && budget-- && vec.n < (uint64_t)count);

    rc_resp_write_array(c->out, 2);
    char num[24];
    rc_resp_write_bulk(c->out, num, rc_u64_to_str(cursor, num));
    size_t n = 0;
    for (size_t i = 0; i < vec.n; i++) {
        if (key_selected(c, vec.v[i], pat, plen, type))
            n++;
        else
            vec.v[i] = NULL;
    }
    rc_resp_write_array(c->out, n);
    for (size_t i = 0; i < vec.n; i++)
        if (vec.v[i]) rc_resp_write_bulk(c->out, vec.v[i]->key, vec.v[i]->klen);
    rc_free(vec.v);
}

enum { EXP_NX = 1, EXP_XX = 2, EXP_GT = 4, EXP_LT = 8 };

static void expire_generic(rc_cmd_ctx_t *c, int unit_ms, int absolute)
{
    unsigned flags = 0;
    for (size_t j = 3; j < c->argc; j++) {
        if (rc_cmd_arg_is(c, j, "NX"))
            flags |= EXP_NX;
        else if (rc_cmd_arg_is(c, j, "XX"))
            flags |= EXP_XX;
        else if (rc_cmd_arg_is(c, j, "GT"))
            flags |= EXP_GT;
        else if (rc_cmd_arg_is(c, j, "LT"))
            flags |= EXP_LT;
        else {
            rc_resp_write_errorf(c->out, "ERR Unsupported option %.*s",
                                 (int)(c->argl[j] > 200 ? 200 : c->argl[j]), c->argv[j]);
            return;
        }
    }
    if ((flags & EXP_NX) && (flags & (EXP_XX | EXP_GT | EXP_LT))) {
        rc_resp_write_error(c->out,
                            "ERR NX and XX, GT or LT options at the same time are not compatible");
        return;
    }
    if ((flags & EXP_GT) && (flags & EXP_LT)) {
        rc_resp_write_error(c->out, "ERR GT and LT options at the same time are not compatible");
        return;
    }
    int64_t when;
    if (!rc_cmd_arg_i64(c, 2, &when)) {
        rc_cmd_reply_not_int(c);
        return;
    }
    if (!unit_ms) {
        if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) goto bad;
        when *= 1000;
    }
    if (!absolute) {
        if (when > INT64_MAX - (int64_t)c->now_ms) goto bad;
        when += (int64_t)c->now_ms;
    }
    rc_dict_entry_t *e = rc_cmd_find_w(c, 1);
    if (!e) {
        rc_resp_write_int(c->out, 0);
        return;
    }
    int64_t cur = rc_db_get_expire(c->db, e); /* -1: none, i.e. infinite */
    if (((flags & EXP_NX) && cur >= 0) || ((flags & EXP_XX) && cur < 0) ||
        ((flags & EXP_GT) && (cur < 0 || when <= cur)) ||
        ((flags & EXP_LT) && cur >= 0 && when >= cur)) {
        rc_resp_write_int(c->out, 0);
        return;
    }
    if (when <= (int64_t)c->now_ms)
        rc_db_delete(c->db, c->argv[1], c->argl[1]);
    else
        rc_db_set_expire(c->db, e, when);
    rc_resp_write_int(c->out, 1);
    return;
bad:
    rc_cmd_reply_bad_expire(c);
}

void rc_cmd_expire(rc_cmd_ctx_t *c)
{
    expire_generic(c, 0, 0);
}

void rc_cmd_pexpire(rc_cmd_ctx_t *c)
{
    expire_generic(c, 1, 0);
}

void rc_cmd_expireat(rc_cmd_ctx_t *c)
{
    expire_generic(c, 0, 1);
}

void rc_cmd_pexpireat(rc_cmd_ctx_t *c)
{
    expire_generic(c, 1, 1);
}

static void ttl_generic(rc_cmd_ctx_t *c, int unit_ms)
{
    rc_dict_entry_t *e = rc_cmd_find(c, 1);
    if (!e) {
        rc_resp_write_int(c->out, -2);
        return;
    }
    int64_t when = rc_db_get_expire(c->db, e);
    if (when < 0) {
        rc_resp_write_int(c->out, -1);
        return;
    }
    int64_t left = when - (int64_t)c->now_ms;
    if (left < 0) left = 0;
    rc_resp_write_int(c->out, unit_ms ? left : (left + 500) / 1000);
}

void rc_cmd_ttl(rc_cmd_ctx_t *c)
{
    ttl_generic(c, 0);
}

void rc_cmd_pttl(rc_cmd_ctx_t *c)
{
    ttl_generic(c, 1);
}

void rc_cmd_persist(rc_cmd_ctx_t *c)
{
    rc_dict_entry_t *e = rc_cmd_find_w(c, 1);
    rc_resp_write_int(c->out, e ? rc_db_persist(c->db, e) : 0);
}

void rc_cmd_dbsize(rc_cmd_ctx_t *c)
{
    rc_resp_write_int(c->out, (int64_t)rc_db_size(c->db));
}

void rc_cmd_flushall(rc_cmd_ctx_t *c)
{
    if (c->argc > 2 ||
        (c->argc == 2 && !rc_cmd_arg_is(c, 1, "ASYNC") && !rc_cmd_arg_is(c, 1, "SYNC"))) {
        rc_cmd_reply_syntax(c);
        return;
    }
    rc_db_flush(c->db);
    rc_resp_write_ok(c->out);
}

void rc_cmd_randomkey(rc_cmd_ctx_t *c)
{
    rc_dict_t *d = rc_db_dict(c->db);
    /* Expired keys met on the way are deleted; the bound keeps a keyspace made
     * mostly of expired keys from stalling the loop. */
    for (int tries = 0; tries < 100; tries++) {
        rc_dict_entry_t *e = rc_dict_random(d);
        if (!e) break;
        if (((rc_obj_t *)e->val)->has_ttl && rc_db_is_expired(c->db, e, c->now_ms)) {
            rc_db_find_write(c->db, e->key, e->klen, c->now_ms); /* deletes and counts it */
            continue;
        }
        rc_resp_write_bulk(c->out, e->key, e->klen);
        return;
    }
    rc_resp_write_nil(c->out);
}
