/* cmd_db.c — the keyspace command table (rc_db_commands) and the helpers the
 * handlers in cmd_*.c share. */
#include <ctype.h>

#include "cmd_db.h"
#include "resp.h"

rc_dict_entry_t *rc_cmd_find_typed(rc_cmd_ctx_t *c, size_t i, int type, int *bad)
{
    rc_dict_entry_t *e = rc_cmd_find(c, i);
    if (e && ((rc_obj_t *)e->val)->type != type) {
        rc_cmd_reply_wrongtype(c);
        *bad = 1;
        return NULL;
    }
    return e;
}

const char *rc_cmd_name_lower(const rc_cmd_ctx_t *c, char *buf, size_t cap)
{
    size_t n = c->argl[0] < cap ? c->argl[0] : cap - 1;
    for (size_t i = 0; i < n; i++) buf[i] = (char)tolower((unsigned char)c->argv[0][i]);
    buf[n] = '\0';
    return buf;
}

void rc_cmd_reply_oom(rc_cmd_ctx_t *c, size_t len)
{
    if (len > RC_OBJ_MAX_LEN)
        rc_resp_write_error(c->out, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    else
        rc_resp_write_error(c->out, "ERR out of memory");
}

void rc_cmd_reply_not_positive(rc_cmd_ctx_t *c)
{
    rc_resp_write_error(c->out, "ERR value is out of range, must be positive");
}

void rc_cmd_reply_bad_expire(rc_cmd_ctx_t *c)
{
    char name[64];
    rc_resp_write_errorf(c->out, "ERR invalid expire time in '%s' command",
                         rc_cmd_name_lower(c, name, sizeof(name)));
}

int rc_cmd_arg_count(rc_cmd_ctx_t *c, size_t i, int64_t *out)
{
    if (!rc_cmd_arg_i64(c, i, out)) {
        rc_cmd_reply_not_int(c);
        return 0;
    }
    if (*out < 0) {
        rc_cmd_reply_not_positive(c);
        return 0;
    }
    return 1;
}

#define W  RC_CMD_WRITE
#define R  RC_CMD_READONLY
#define F  RC_CMD_FAST
#define WF (RC_CMD_WRITE | RC_CMD_FAST)
#define RF (RC_CMD_READONLY | RC_CMD_FAST)

/* Arity and key positions as Redis 7 reports them in COMMAND INFO. */
const rc_cmd_def_t rc_db_commands[] = {
    /* strings */
    {"GET", 2, RF, rc_cmd_get, 1, 1, 1, "Returns the string value of a key."},
    {"SET", -3, W, rc_cmd_set, 1, 1, 1, "Sets the string value of a key, with options."},
    {"SETNX", 3, WF, rc_cmd_setnx, 1, 1, 1, "Sets a key only when it does not exist."},
    {"SETEX", 4, W, rc_cmd_setex, 1, 1, 1, "Sets a key with an expiry in seconds."},
    {"PSETEX", 4, W, rc_cmd_psetex, 1, 1, 1, "Sets a key with an expiry in milliseconds."},
    {"GETDEL", 2, WF, rc_cmd_getdel, 1, 1, 1, "Returns the value of a key and deletes it."},
    {"MGET", -2, RF, rc_cmd_mget, 1, -1, 1, "Returns the values of several keys."},
    {"MSET", -3, W, rc_cmd_mset, 1, -1, 2, "Sets several keys."},
    {"MSETNX", -3, W, rc_cmd_msetnx, 1, -1, 2, "Sets several keys only if none exists."},
    {"APPEND", 3, WF, rc_cmd_append, 1, 1, 1, "Appends to the string value of a key."},
    {"STRLEN", 2, RF, rc_cmd_strlen, 1, 1, 1, "Returns the length of a string value."},
    {"INCR", 2, WF, rc_cmd_incr, 1, 1, 1, "Increments the integer value of a key by one."},
    {"INCRBY", 3, WF, rc_cmd_incrby, 1, 1, 1, "Increments the integer value of a key."},
    {"DECR", 2, WF, rc_cmd_decr, 1, 1, 1, "Decrements the integer value of a key by one."},
    {"DECRBY", 3, WF, rc_cmd_decrby, 1, 1, 1, "Decrements the integer value of a key."},
    /* keyspace */
    {"DEL", -2, W, rc_cmd_del, 1, -1, 1, "Deletes keys."},
    {"UNLINK", -2, WF, rc_cmd_del, 1, -1, 1, "Deletes keys."},
    {"EXISTS", -2, RF, rc_cmd_exists, 1, -1, 1, "Counts how many of the keys exist."},
    {"KEYS", 2, R, rc_cmd_keys, 0, 0, 0, "Returns the keys matching a glob pattern."},
    {"SCAN", -2, R, rc_cmd_scan, 0, 0, 0, "Iterates over the keys."},
    {"TYPE", 2, RF, rc_cmd_type, 1, 1, 1, "Returns the type of the value of a key."},
    {"EXPIRE", -3, WF, rc_cmd_expire, 1, 1, 1, "Sets a key's time to live in seconds."},
    {"PEXPIRE", -3, WF, rc_cmd_pexpire, 1, 1, 1, "Sets a key's time to live in ms."},
    {"EXPIREAT", -3, WF, rc_cmd_expireat, 1, 1, 1, "Sets a key's expiry as a unix time."},
    {"PEXPIREAT", -3, WF, rc_cmd_pexpireat, 1, 1, 1, "Sets a key's expiry as a unix time in ms."},
    {"TTL", 2, RF, rc_cmd_ttl, 1, 1, 1, "Returns a key's time to live in seconds."},
    {"PTTL", 2, RF, rc_cmd_pttl, 1, 1, 1, "Returns a key's time to live in ms."},
    {"PERSIST", 2, WF, rc_cmd_persist, 1, 1, 1, "Removes a key's expiry."},
    {"DBSIZE", 1, RF, rc_cmd_dbsize, 0, 0, 0, "Returns the number of keys."},
    {"FLUSHALL", -1, W | RC_CMD_ADMIN, rc_cmd_flushall, 0, 0, 0, "Removes all keys."},
    {"FLUSHDB", -1, W | RC_CMD_ADMIN, rc_cmd_flushall, 0, 0, 0, "Removes all keys."},
    {"RANDOMKEY", 1, R, rc_cmd_randomkey, 0, 0, 0, "Returns a random key name."},
    /* hashes */
    {"HSET", -4, WF, rc_cmd_hset, 1, 1, 1, "Sets fields of a hash; returns how many were new."},
    {"HMSET", -4, WF, rc_cmd_hmset, 1, 1, 1, "Sets fields of a hash."},
    {"HSETNX", 4, WF, rc_cmd_hsetnx, 1, 1, 1, "Sets a hash field only when it does not exist."},
    {"HGET", 3, RF, rc_cmd_hget, 1, 1, 1, "Returns the value of a hash field."},
    {"HMGET", -3, RF, rc_cmd_hmget, 1, 1, 1, "Returns the values of hash fields."},
    {"HDEL", -3, WF, rc_cmd_hdel, 1, 1, 1, "Deletes hash fields."},
    {"HGETALL", 2, R, rc_cmd_hgetall, 1, 1, 1, "Returns all fields and values of a hash."},
    {"HKEYS", 2, R, rc_cmd_hkeys, 1, 1, 1, "Returns all fields of a hash."},
    {"HVALS", 2, R, rc_cmd_hvals, 1, 1, 1, "Returns all values of a hash."},
    {"HLEN", 2, RF, rc_cmd_hlen, 1, 1, 1, "Returns the number of fields of a hash."},
    {"HEXISTS", 3, RF, rc_cmd_hexists, 1, 1, 1, "Tells whether a hash field exists."},
    {"HINCRBY", 4, WF, rc_cmd_hincrby, 1, 1, 1, "Increments the integer value of a hash field."},
    /* lists */
    {"LPUSH", -3, WF, rc_cmd_lpush, 1, 1, 1, "Prepends elements to a list."},
    {"RPUSH", -3, WF, rc_cmd_rpush, 1, 1, 1, "Appends elements to a list."},
    {"LPOP", -2, WF, rc_cmd_lpop, 1, 1, 1, "Removes and returns the first elements of a list."},
    {"RPOP", -2, WF, rc_cmd_rpop, 1, 1, 1, "Removes and returns the last elements of a list."},
    {"LRANGE", 4, R, rc_cmd_lrange, 1, 1, 1, "Returns a range of elements of a list."},
    {"LLEN", 2, RF, rc_cmd_llen, 1, 1, 1, "Returns the length of a list."},
    {"LINDEX", 3, R, rc_cmd_lindex, 1, 1, 1, "Returns an element of a list by its index."},
    /* sets */
    {"SADD", -3, WF, rc_cmd_sadd, 1, 1, 1, "Adds members to a set."},
    {"SREM", -3, WF, rc_cmd_srem, 1, 1, 1, "Removes members from a set."},
    {"SMEMBERS", 2, R, rc_cmd_smembers, 1, 1, 1, "Returns all members of a set."},
    {"SISMEMBER", 3, RF, rc_cmd_sismember, 1, 1, 1, "Tells whether a member is in a set."},
    {"SPOP", -2, WF, rc_cmd_spop, 1, 1, 1, "Removes and returns random members of a set."},
    {"SCARD", 2, RF, rc_cmd_scard, 1, 1, 1, "Returns the number of members of a set."},
};

const size_t rc_db_commands_count = sizeof(rc_db_commands) / sizeof(rc_db_commands[0]);
