/* kv.h — Ray's internal KV: namespaces of key → value bytes (what Ray's
 * internal_kv_put/get/del/keys/exists do), and its KV.* commands.
 *
 * Owns: every namespace, key and value (copies). Namespaces, keys and values
 * are binary-safe; the empty namespace is a namespace like any other. An
 * observer, when set, is told of every change after it is made (the storage
 * backend writes them through to an external Redis); rc_kv_load_put restores
 * entries at startup without telling it. Belongs to the head's loop thread.
 *
 * Commands (rows in rc_kv_commands):
 *   KV.PUT ns key value [OVERWRITE]  → :1 new key, :0 existed (replaced only with OVERWRITE)
 *   KV.GET ns key                    → bulk or nil
 *   KV.MGET ns key [key ...]         → array of bulk/nil
 *   KV.DEL ns key [PREFIX]           → :deleted (PREFIX: every key starting with key)
 *   KV.KEYS ns prefix                → array of keys starting with prefix
 *   KV.EXISTS ns key                 → :1 / :0 */
#ifndef RC_KV_H
#define RC_KV_H

#include <stddef.h>

#include "cmd.h"

typedef struct rc_kv rc_kv_t;

typedef enum { RC_KV_OP_PUT = 1, RC_KV_OP_DEL = 2 } rc_kv_op_t;

/* Told of a change after it happened. For RC_KV_OP_DEL, val is NULL and vlen 0.
 * Pointers are valid only during the call. */
typedef void (*rc_kv_observer_fn)(void *arg, rc_kv_op_t op, const char *ns, size_t nslen,
                                  const char *key, size_t klen, const char *val, size_t vlen);

rc_kv_t *rc_kv_new(void);
void rc_kv_free(rc_kv_t *kv);
void rc_kv_set_observer(rc_kv_t *kv, rc_kv_observer_fn fn, void *arg);
/* Number of keys over all namespaces. */
size_t rc_kv_count(const rc_kv_t *kv);

/* Returns 1 if the key was new, 0 if it existed (its value replaced only when
 * overwrite), -1 when memory for the value was short (nothing changed). */
int rc_kv_put(rc_kv_t *kv, const char *ns, size_t nslen, const char *key, size_t klen,
              const char *val, size_t vlen, int overwrite);
/* Restores an entry at startup (overwrites, no observer call). Returns
 * RC_OK or RC_ENOMEM. */
int rc_kv_load_put(rc_kv_t *kv, const char *ns, size_t nslen, const char *key, size_t klen,
                   const char *val, size_t vlen);
/* 1 and the value (valid until the key changes), or 0 when absent. */
int rc_kv_get(rc_kv_t *kv, const char *ns, size_t nslen, const char *key, size_t klen,
              const char **val, size_t *vlen);
/* Returns 1 if the key existed. */
int rc_kv_del(rc_kv_t *kv, const char *ns, size_t nslen, const char *key, size_t klen);
/* Deletes every key of ns starting with prefix; returns how many. */
size_t rc_kv_del_prefix(rc_kv_t *kv, const char *ns, size_t nslen, const char *prefix, size_t plen);

extern const rc_cmd_def_t rc_kv_commands[];
extern const size_t rc_kv_commands_count;

#endif
