/* kv.c — the namespaced internal KV and its KV.* commands (see kv.h). */
#include <string.h>

#include "alloc.h"
#include "dict.h"
#include "err.h"
#include "kv.h"
#include "obj.h"
#include "resp.h"

struct rc_kv {
    rc_dict_t *spaces; /* ns → rc_dict_t * (key → rc_bytes_t *) */
    size_t count;
    rc_kv_observer_fn observer;
    void *observer_arg;
};

static void free_space(void *d)
{
    rc_dict_free(d);
}

rc_kv_t *rc_kv_new(void)
{
    rc_kv_t *kv = rc_calloc(1, sizeof(*kv));
    kv->spaces = rc_dict_new(free_space);
    return kv;
}

void rc_kv_free(rc_kv_t *kv)
{
    if (!kv) return;
    rc_dict_free(kv->spaces);
    rc_free(kv);
}

void rc_kv_set_observer(rc_kv_t *kv, rc_kv_observer_fn fn, void *arg)
{
    kv->observer = fn;
    kv->observer_arg = arg;
}

size_t rc_kv_count(const rc_kv_t *kv)
{
    return kv->count;
}

static rc_dict_t *space(rc_kv_t *kv, const char *ns, size_t nslen, int create)
{
    rc_dict_entry_t *e = rc_dict_find(kv->spaces, ns, nslen);
    if (e) return e->val;
    if (!create) return NULL;
    rc_dict_t *d = rc_dict_new(rc_free);
    rc_dict_add(kv->spaces, ns, nslen, d);
    return d;
}

/* Drops a namespace once its last key is gone, so namespaces do not pile up. */
static void space_gc(rc_kv_t *kv, rc_dict_t *d, const char *ns, size_t nslen)
{
    if (rc_dict_size(d) == 0) rc_dict_delete(kv->spaces, ns, nslen);
}

static rc_bytes_t *value_new(const char *val, size_t vlen)
{
    /* Values come from peers: allocation failure is reported, not fatal. */
    rc_bytes_t *b = vlen <= RC_OBJ_MAX_LEN ? rc_try_malloc(sizeof(*b) + vlen) : NULL;
    if (!b) return NULL;
    b->len = (uint32_t)vlen;
    if (vlen) memcpy(b->data, val, vlen);
    return b;
}

static int put(rc_kv_t *kv, const char *ns, size_t nslen, const char *key, size_t klen,
               const char *val, size_t vlen, int overwrite, int notify)
{
    rc_dict_t *d = space(kv, ns, nslen, 0);
    rc_dict_entry_t *e = d ? rc_dict_find(d, key, klen) : NULL;
    if (e && !overwrite) return 0;
    rc_bytes_t *b = value_new(val, vlen);
    if (!b) return -1;
    if (e) {
        rc_free(e->val);
        e->val = b;
    } else {
        if (!d) d = space(kv, ns, nslen, 1);
        rc_dict_add(d, key, klen, b);
        kv->count++;
    }
    if (notify && kv->observer)
        kv->observer(kv->observer_arg, RC_KV_OP_PUT, ns, nslen, key, klen, val, vlen);
    return e ? 0 : 1;
}

int rc_kv_put(rc_kv_t *kv, const char *ns, size_t nslen, const char *key, size_t klen,
              const char *val, size_t vlen, int overwrite)
{
    return put(kv, ns, nslen, key, klen, val, vlen, overwrite, 1);
}

int rc_kv_load_put(rc_kv_t *kv, const char *ns, size_t nslen, const char *key, size_t klen,
                   const char *val, size_t vlen)
{
    return put(kv, ns, nslen, key, klen, val, vlen, 1, 0) < 0 ? RC_ENOMEM : RC_OK;
}

int rc_kv_get(rc_kv_t *kv, const char *ns, size_t nslen, const char *key, size_t klen,
              const char **val, size_t *vlen)
{
    rc_dict_t *d = space(kv, ns, nslen, 0);
    rc_dict_entry_t *e = d ? rc_dict_find(d, key, klen) : NULL;
    if (!e) return 0;
    rc_bytes_t *b = e->val;
    *val = b->data;
    *vlen = b->len;
    return 1;
}

int rc_kv_del(rc_kv_t *kv, const char *ns, size_t nslen, const char *key, size_t klen)
{
    rc_dict_t *d = space(kv, ns, nslen, 0);
    if (!d || !rc_dict_delete(d, key, klen)) return 0;
    kv->count--;
    if (kv->observer) kv->observer(kv->observer_arg, RC_KV_OP_DEL, ns, nslen, key, klen, NULL, 0);
    space_gc(kv, d, ns, nslen);
    return 1;
}

static int has_prefix(const rc_dict_entry_t *e, const char *prefix, size_t plen)
{
    return e->klen >= plen && memcmp(e->key, prefix, plen) == 0;
}

size_t rc_kv_del_prefix(rc_kv_t *kv, const char *ns, size_t nslen, const char *prefix, size_t plen)
{
    rc_dict_t *d = space(kv, ns, nslen, 0);
    if (!d) return 0;
    size_t n = 0;
    rc_dict_iter_t it;
    rc_dict_iter_init(d, &it);
    rc_dict_entry_t *e;
    while ((e = rc_dict_iter_next(&it))) {
        if (!has_prefix(e, prefix, plen)) continue;
        if (kv->observer)
            kv->observer(kv->observer_arg, RC_KV_OP_DEL, ns, nslen, e->key, e->klen, NULL, 0);
        rc_dict_delete(d, e->key, e->klen); /* the iterator allows deleting e */
        n++;
    }
    rc_dict_iter_done(&it);
    kv->count -= n;
    space_gc(kv, d, ns, nslen);
    return n;
}

/* ---- commands ------------------------------------------------------------------ */

#define NS(c) (c)->argv[1], (c)->argl[1]

static void cmd_put(rc_cmd_ctx_t *c)
{
    int overwrite = 0;
    if (c->argc == 5) {
        if (!rc_cmd_arg_is(c, 4, "OVERWRITE")) {
            rc_cmd_reply_syntax(c);
            return;
        }
        overwrite = 1;
    } else if (c->argc > 5) {
        rc_cmd_reply_syntax(c);
        return;
    }
    int r = rc_kv_put(c->kv, NS(c), c->argv[2], c->argl[2], c->argv[3], c->argl[3], overwrite);
    if (r < 0)
        rc_resp_write_error(c->out, "ERR out of memory");
    else
        rc_resp_write_int(c->out, r);
}

static void write_value(rc_cmd_ctx_t *c, size_t i)
{
    const char *v;
    size_t n;
    if (rc_kv_get(c->kv, NS(c), c->argv[i], c->argl[i], &v, &n))
        rc_resp_write_bulk(c->out, v, n);
    else
        rc_resp_write_nil(c->out);
}

static void cmd_get(rc_cmd_ctx_t *c)
{
    write_value(c, 2);
}

static void cmd_mget(rc_cmd_ctx_t *c)
{
    rc_resp_write_array(c->out, c->argc - 2);
    for (size_t i = 2; i < c->argc; i++) write_value(c, i);
}

static void cmd_del(rc_cmd_ctx_t *c)
{
    if (c->argc > 4 || (c->argc == 4 && !rc_cmd_arg_is(c, 3, "PREFIX"))) {
        rc_cmd_reply_syntax(c);
        return;
    }
    if (c->argc == 4)
        rc_resp_write_int(c->out, (int64_t)rc_kv_del_prefix(c->kv, NS(c), c->argv[2], c->argl[2]));
    else
        rc_resp_write_int(c->out, rc_kv_del(c->kv, NS(c), c->argv[2], c->argl[2]));
}

static void cmd_keys(rc_cmd_ctx_t *c)
{
    rc_dict_t *d = space(c->kv, NS(c), 0);
    if (!d) {
        rc_resp_write_array(c->out, 0);
        return;
    }
    rc_buf_t tmp = RC_BUF_INIT;
    size_t n = 0;
    rc_dict_iter_t it;
    rc_dict_iter_init(d, &it);
    rc_dict_entry_t *e;
    while ((e = rc_dict_iter_next(&it))) {
        if (!has_prefix(e, c->argv[2], c->argl[2])) continue;
        rc_resp_write_bulk(&tmp, e->key, e->klen);
        n++;
    }
    rc_dict_iter_done(&it);
    rc_resp_write_array(c->out, n);
    if (tmp.len) rc_buf_append(c->out, tmp.data, tmp.len);
    rc_buf_free(&tmp);
}

static void cmd_exists(rc_cmd_ctx_t *c)
{
    const char *v;
    size_t n;
    rc_resp_write_int(c->out, rc_kv_get(c->kv, NS(c), c->argv[2], c->argl[2], &v, &n));
}

const rc_cmd_def_t rc_kv_commands[] = {
    {"KV.PUT", -4, RC_CMD_WRITE | RC_CMD_FAST, cmd_put, 0, 0, 0,
     "Stores a value in the internal KV; OVERWRITE replaces an existing one."},
    {"KV.GET", 3, RC_CMD_READONLY | RC_CMD_FAST, cmd_get, 0, 0, 0,
     "Returns a value of the internal KV."},
    {"KV.MGET", -3, RC_CMD_READONLY | RC_CMD_FAST, cmd_mget, 0, 0, 0,
     "Returns several values of the internal KV."},
    {"KV.DEL", -3, RC_CMD_WRITE, cmd_del, 0, 0, 0,
     "Deletes a key (or, with PREFIX, every key starting with it) of the internal KV."},
    {"KV.KEYS", 3, RC_CMD_READONLY, cmd_keys, 0, 0, 0,
     "Returns the keys of a namespace starting with a prefix."},
    {"KV.EXISTS", 3, RC_CMD_READONLY | RC_CMD_FAST, cmd_exists, 0, 0, 0,
     "Tells whether a key of the internal KV exists."},
};

const size_t rc_kv_commands_count = sizeof(rc_kv_commands) / sizeof(rc_kv_commands[0]);
