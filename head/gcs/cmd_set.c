/* cmd_set.c — set commands: SADD, SREM, SMEMBERS, SISMEMBER, SPOP [count],
 * SCARD. Members are the keys of a dict without values; an emptied set is deleted. */
#include "cmd_db.h"
#include "resp.h"

/* The set at argv[1] for reading: *s NULL when missing. 0 after WRONGTYPE. */
static int set_for_read(rc_cmd_ctx_t *c, rc_dict_t **s)
{
    int bad = 0;
    rc_dict_entry_t *e = rc_cmd_find_typed(c, 1, RC_OBJ_SET, &bad);
    *s = e ? ((rc_obj_t *)e->val)->u.dict : NULL;
    return !bad;
}

void rc_cmd_sadd(rc_cmd_ctx_t *c)
{
    rc_dict_t *s;
    if (!set_for_read(c, &s)) return;
    if (!s) {
        rc_obj_t *o = rc_obj_set_new();
        rc_db_add(c->db, c->argv[1], c->argl[1], o);
        s = o->u.dict;
    }
    int64_t n = 0;
    for (size_t i = 2; i < c->argc; i++)
        if (rc_dict_add(s, c->argv[i], c->argl[i], NULL)) n++;
    rc_resp_write_int(c->out, n);
}

void rc_cmd_srem(rc_cmd_ctx_t *c)
{
    rc_dict_t *s;
    if (!set_for_read(c, &s)) return;
    int64_t n = 0;
    if (s) {
        for (size_t i = 2; i < c->argc; i++) n += rc_dict_delete(s, c->argv[i], c->argl[i]);
        if (rc_dict_size(s) == 0) rc_db_delete(c->db, c->argv[1], c->argl[1]);
    }
    rc_resp_write_int(c->out, n);
}

void rc_cmd_smembers(rc_cmd_ctx_t *c)
{
    rc_dict_t *s;
    if (!set_for_read(c, &s)) return;
    rc_resp_write_array(c->out, s ? rc_dict_size(s) : 0);
    if (!s) return;
    rc_dict_iter_t it;
    rc_dict_iter_init(s, &it);
    rc_dict_entry_t *m;
    while ((m = rc_dict_iter_next(&it))) rc_resp_write_bulk(c->out, m->key, m->klen);
    rc_dict_iter_done(&it);
}

void rc_cmd_sismember(rc_cmd_ctx_t *c)
{
    rc_dict_t *s;
    if (!set_for_read(c, &s)) return;
    rc_resp_write_int(c->out, s && rc_dict_find(s, c->argv[2], c->argl[2]) ? 1 : 0);
}

void rc_cmd_scard(rc_cmd_ctx_t *c)
{
    rc_dict_t *s;
    if (!set_for_read(c, &s)) return;
    rc_resp_write_int(c->out, s ? (int64_t)rc_dict_size(s) : 0);
}

void rc_cmd_spop(rc_cmd_ctx_t *c)
{
    int64_t count = 1;
    int has_count = c->argc == 3;
    if (c->argc > 3) {
        rc_cmd_reply_syntax(c);
        return;
    }
    if (has_count && !rc_cmd_arg_count(c, 2, &count)) return;
    rc_dict_t *s;
    if (!set_for_read(c, &s)) return;
    if (!s) {
        if (has_count)
            rc_resp_write_array(c->out, 0);
        else
            rc_resp_write_nil(c->out);
        return;
    }
    size_t n = (size_t)count;
    if (n > rc_dict_size(s)) n = rc_dict_size(s);
    if (has_count) rc_resp_write_array(c->out, n);
    for (size_t i = 0; i < n; i++) {
        rc_dict_entry_t *m = rc_dict_random(s);
        rc_resp_write_bulk(c->out, m->key, m->klen);
        rc_dict_delete(s, m->key, m->klen);
    }
    if (rc_dict_size(s) == 0) rc_db_delete(c->db, c->argv[1], c->argl[1]);
}
