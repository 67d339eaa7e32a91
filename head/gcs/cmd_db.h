/* cmd_db.h — private to the keyspace command handlers (cmd_*.c): their
 * declarations, for the table in cmd_db.c, and the helpers they share. */
#ifndef RC_CMD_DB_H
#define RC_CMD_DB_H

#include "cmd.h"
#include "db.h"
#include "obj.h"

/* Finds the live key argv[i]; NULL when missing. Counts a keyspace hit/miss. */
static inline rc_dict_entry_t *rc_cmd_find(rc_cmd_ctx_t *c, size_t i)
{
    return rc_db_find(c->db, c->argv[i], c->argl[i], c->now_ms);
}

/* As rc_cmd_find for lookups made to write (not counted, as in Redis). */
static inline rc_dict_entry_t *rc_cmd_find_w(rc_cmd_ctx_t *c, size_t i)
{
    return rc_db_find_write(c->db, c->argv[i], c->argl[i], c->now_ms);
}

/* Finds key argv[i] expecting type. Returns NULL when missing; on a wrong type
 * writes WRONGTYPE, sets *bad and returns NULL. */
rc_dict_entry_t *rc_cmd_find_typed(rc_cmd_ctx_t *c, size_t i, int type, int *bad);
/* Writes the command's name in lower case into buf (as Redis names it in errors). */
const char *rc_cmd_name_lower(const rc_cmd_ctx_t *c, char *buf, size_t cap);
/* -ERR out of memory, or the size-limit error when len exceeds RC_OBJ_MAX_LEN. */
void rc_cmd_reply_oom(rc_cmd_ctx_t *c, size_t len);
/* -ERR value is out of range, must be positive */
void rc_cmd_reply_not_positive(rc_cmd_ctx_t *c);
/* -ERR invalid expire time in '<cmd>' command */
void rc_cmd_reply_bad_expire(rc_cmd_ctx_t *c);

/* Parses an optional positive count argument (LPOP/RPOP/SPOP): 1 ok, 0 replied an error. */
int rc_cmd_arg_count(rc_cmd_ctx_t *c, size_t i, int64_t *out);

/* The handlers (UNLINK shares DEL's, FLUSHDB FLUSHALL's). */
void rc_cmd_get(rc_cmd_ctx_t *c);
void rc_cmd_set(rc_cmd_ctx_t *c);
void rc_cmd_setnx(rc_cmd_ctx_t *c);
void rc_cmd_setex(rc_cmd_ctx_t *c);
void rc_cmd_psetex(rc_cmd_ctx_t *c);
void rc_cmd_getdel(rc_cmd_ctx_t *c);
void rc_cmd_mget(rc_cmd_ctx_t *c);
void rc_cmd_mset(rc_cmd_ctx_t *c);
void rc_cmd_msetnx(rc_cmd_ctx_t *c);
void rc_cmd_append(rc_cmd_ctx_t *c);
void rc_cmd_strlen(rc_cmd_ctx_t *c);
void rc_cmd_incr(rc_cmd_ctx_t *c);
void rc_cmd_incrby(rc_cmd_ctx_t *c);
void rc_cmd_decr(rc_cmd_ctx_t *c);
void rc_cmd_decrby(rc_cmd_ctx_t *c);
void rc_cmd_del(rc_cmd_ctx_t *c);
void rc_cmd_exists(rc_cmd_ctx_t *c);
void rc_cmd_keys(rc_cmd_ctx_t *c);
void rc_cmd_scan(rc_cmd_ctx_t *c);
void rc_cmd_type(rc_cmd_ctx_t *c);
void rc_cmd_expire(rc_cmd_ctx_t *c);
void rc_cmd_pexpire(rc_cmd_ctx_t *c);
void rc_cmd_expireat(rc_cmd_ctx_t *c);
void rc_cmd_pexpireat(rc_cmd_ctx_t *c);
void rc_cmd_ttl(rc_cmd_ctx_t *c);
void rc_cmd_pttl(rc_cmd_ctx_t *c);
void rc_cmd_persist(rc_cmd_ctx_t *c);
void rc_cmd_dbsize(rc_cmd_ctx_t *c);
void rc_cmd_flushall(rc_cmd_ctx_t *c);
void rc_cmd_randomkey(rc_cmd_ctx_t *c);
void rc_cmd_hset(rc_cmd_ctx_t *c);
void rc_cmd_hmset(rc_cmd_ctx_t *c);
void rc_cmd_hsetnx(rc_cmd_ctx_t *c);
void rc_cmd_hget(rc_cmd_ctx_t *c);
void rc_cmd_hmget(rc_cmd_ctx_t *c);
void rc_cmd_hdel(rc_cmd_ctx_t *c);
void rc_cmd_hgetall(rc_cmd_ctx_t *c);
void rc_cmd_hkeys(rc_cmd_ctx_t *c);
void rc_cmd_hvals(rc_cmd_ctx_t *c);
void rc_cmd_hlen(rc_cmd_ctx_t *c);
void rc_cmd_hexists(rc_cmd_ctx_t *c);
void rc_cmd_hincrby(rc_cmd_ctx_t *c);
void rc_cmd_lpush(rc_cmd_ctx_t *c);
void rc_cmd_rpush(rc_cmd_ctx_t *c);
void rc_cmd_lpop(rc_cmd_ctx_t *c);
void rc_cmd_rpop(rc_cmd_ctx_t *c);
void rc_cmd_lrange(rc_cmd_ctx_t *c);
void rc_cmd_llen(rc_cmd_ctx_t *c);
void rc_cmd_lindex(rc_cmd_ctx_t *c);
void rc_cmd_sadd(rc_cmd_ctx_t *c);
void rc_cmd_srem(rc_cmd_ctx_t *c);
void rc_cmd_smembers(rc_cmd_ctx_t *c);
void rc_cmd_sismember(rc_cmd_ctx_t *c);
void rc_cmd_spop(rc_cmd_ctx_t *c);
void rc_cmd_scard(rc_cmd_ctx_t *c);

#endif
