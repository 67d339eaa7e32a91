/* cmd_list.c — list commands: LPUSH/RPUSH, LPOP/RPOP [count], LRANGE, LLEN,
 * LINDEX. An emptied list is deleted. */
#include "alloc.h"
#include "cmd_db.h"
#include "resp.h"

static void push_generic(rc_cmd_ctx_t *c, int front)
{
    int bad = 0;
    rc_dict_entry_t *e = rc_cmd_find_typed(c, 1, RC_OBJ_LIST, &bad);
    if (bad) return;
    rc_obj_t *o = e ? e->val : NULL;
    if (!o) {
        o = rc_obj_list_new();
        rc_db_add(c->db, c->argv[1], c->argl[1], o);
    }
    for (size_t i = 2; i < c->argc; i++)
        rc_list_push(o->u.list, front, rc_bytes_new(c->argv[i], c->argl[i]));
    rc_resp_write_int(c->out, (int64_t)o->u.list->len);
}

void rc_cmd_lpush(rc_cmd_ctx_t *c)
{
    push_generic(c, 1);
}

void rc_cmd_rpush(rc_cmd_ctx_t *c)
{
    push_generic(c, 0);
}

static void pop_generic(rc_cmd_ctx_t *c, int front)
{
    int64_t count = 0;
    int has_count = c->argc == 3;
    if (c->argc > 3) {
        rc_cmd_reply_wrong_args(c);
        return;
    }
    if (has_count && !rc_cmd_arg_count(c, 2, &count)) return;
    int bad = 0;
    rc_dict_entry_t *e = rc_cmd_find_typed(c, 1, RC_OBJ_LIST, &bad);
    if (bad) return;
    if (!e) {
        if (has_count)
            rc_resp_write_nil_array(c->out);
        else
            rc_resp_write_nil(c->out);
        return;
    }
    rc_list_t *l = ((rc_obj_t *)e->val)->u.list;
    size_t n = has_count ? (size_t)count : 1;
    if (n > l->len) n = l->len;
    if (has_count) rc_resp_write_array(c->out, n);
    for (size_t i = 0; i < n; i++) {
        rc_bytes_t *b = rc_list_pop(l, front);
        rc_resp_write_bulk(c->out, b->data, b->len);
        rc_free(b);
    }
    if (l->len == 0) rc_db_delete(c->db, c->argv[1], c->argl[1]);
}

void rc_cmd_lpop(rc_cmd_ctx_t *c)
{
    pop_generic(c, 1);
}

void rc_cmd_rpop(rc_cmd_ctx_t *c)
{
    pop_generic(c, 0);
}

/* The list at argv[1] for reading: *l NULL when missing. 0 after WRONGTYPE. */
static int list_for_read(rc_cmd_ctx_t *c, rc_list_t **l)
{
    int bad = 0;
    rc_dict_entry_t *e = rc_cmd_find_typed(c, 1, RC_OBJ_LIST, &bad);
    *l = e ? ((rc_obj_t *)e->val)->u.list : NULL;
    return !bad;
}

void rc_cmd_lrange(rc_cmd_ctx_t *c)
{
    int64_t start, stop;
    if (!rc_cmd_arg_i64(c, 2, &start) || !rc_cmd_arg_i64(c, 3, &stop)) {
        rc_cmd_reply_not_int(c);
        return;
    }
    rc_list_t *l;
    if (!list_for_read(c, &l)) return;
    int64_t len = l ? (int64_t)l->len : 0;
    if (start < 0) start += len;
    if (stop < 0) stop += len;
    if (start < 0) start = 0;
    if (start > stop || start >= len) {
        rc_resp_write_array(c->out, 0);
        return;
    }
    if (stop >= len) stop = len - 1;
    rc_resp_write_array(c->out, (size_t)(stop - start + 1));
    for (int64_t i = start; i <= stop; i++) {
        rc_bytes_t *b = rc_list_at(l, (size_t)i);
        rc_resp_write_bulk(c->out, b->data, b->len);
    }
}

void rc_cmd_llen(rc_cmd_ctx_t *c)
{
    rc_list_t *l;
    if (!list_for_read(c, &l)) return;
    rc_resp_write_int(c->out, l ? (int64_t)l->len : 0);
}

void rc_cmd_lindex(rc_cmd_ctx_t *c)
{
    rc_list_t *l;
    if (!list_for_read(c, &l)) return;
    if (!l) {
        rc_resp_write_nil(c->out);
        return;
    }
    int64_t i;
    if (!rc_cmd_arg_i64(c, 2, &i)) {
        rc_cmd_reply_not_int(c);
        return;
    }
    if (i < 0) i += (int64_t)l->len;
    if (i < 0 || i >= (int64_t)l->len) {
        rc_resp_write_nil(c->out);
        return;
    }
    rc_bytes_t *b = rc_list_at(l, (size_t)i);
    rc_resp_write_bulk(c->out, b->data, b->len);
}
