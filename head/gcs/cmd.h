/* cmd.h — the command table of the head's RESP server.
 *
 * A command is a row {name, arity, flags, handler}, as in Redis's command table.
 * Handlers are called by the server's dispatcher (head/server) on the head's loop
 * thread with the arguments of one parsed request and append exactly one reply
 * to ctx->out. Handlers in head/gcs are pure with respect to the network: they
 * see a keyspace and an output buffer, so unit tests call them directly. */
#ifndef RC_CMD_H
#define RC_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct rc_db;
struct rc_kv;
struct rc_client;
struct rc_head;
struct rc_node_table;
struct rc_task_plane;

/* Flags of a command row. */
enum {
    RC_CMD_WRITE = 1 << 0,    /* changes data */
    RC_CMD_READONLY = 1 << 1, /* reads data only */
    RC_CMD_NOAUTH = 1 << 2,   /* allowed before AUTH (AUTH, HELLO, QUIT) */
    RC_CMD_CLIENT = 1 << 3,   /* allowed on the client port (10001) */
    RC_CMD_PUBSUB = 1 << 4,   /* allowed in subscribed mode */
    RC_CMD_ADMIN = 1 << 5,    /* FLUSHALL, CONFIG ... */
    RC_CMD_FAST = 1 << 6      /* O(1) or O(log n); shown by COMMAND */
};

typedef struct rc_cmd_ctx {
    size_t argc;
    const char *const *argv; /* argv[i] has argl[i] bytes; argv[0] is the command name */
    const size_t *argl;
    rc_buf_t *out;            /* append exactly one reply (RESP2) */
    struct rc_db *db;         /* the keyspace */
    struct rc_kv *kv;         /* the namespaced internal KV (KV.* commands) */
    struct rc_client *client; /* the calling connection; opaque outside head/server */
    struct rc_head *head;     /* the head; opaque outside head/server */
    uint64_t now_ms;          /* loop time of this turn (ms since the epoch) */
    /* the worker nodes (NODE.* commands, head/nodes) */
    struct rc_node_table *nodes;
    /* tasks and inline objects (TASK.* / OBJ.* commands, head/tasks) */
    struct rc_task_plane *tasks;
} rc_cmd_ctx_t;

typedef void (*rc_cmd_fn)(rc_cmd_ctx_t *c);

typedef struct {
    const char *name; /* upper case, e.g. "GET", "KV.PUT" */
    int arity;        /* Redis rule: >0 exact argc (with the name), <0 at least -arity */
    uint32_t flags;
    rc_cmd_fn fn;
    int first_key, last_key, key_step; /* for COMMAND INFO; 0 when no keys */
    const char *summary;               /* for COMMAND DOCS */
} rc_cmd_def_t;

/* Tables exported by the modules that implement commands; the server merges them. */
extern const rc_cmd_def_t rc_db_commands[];
extern const size_t rc_db_commands_count;

/* Blocking commands (long polls such as TASK.PULL and TASK.GET). A handler that
 * cannot answer now calls rc_cmd_block and writes no reply; the client then reads
 * no further commands until it is unblocked. Later (from a timer or another
 * client's command), the owner writes exactly one reply into
 * rc_client_blocked_out(client) and calls rc_client_unblock(client); the client's
 * remaining pipelined commands resume before the loop sleeps. If the client
 * disconnects while blocked, gone(arg) is called once and the client pointer must
 * not be used again. */
struct rc_client *rc_cmd_block(rc_cmd_ctx_t *c, void (*gone)(void *arg), void *arg);
rc_buf_t *rc_client_blocked_out(struct rc_client *client);
void rc_client_unblock(struct rc_client *client);

/* Replies shared by many handlers, with Redis's exact texts. */
void rc_cmd_reply_wrong_args(rc_cmd_ctx_t *c); /* -ERR wrong number of arguments for 'x' command */
void rc_cmd_reply_syntax(rc_cmd_ctx_t *c);     /* -ERR syntax error */
void rc_cmd_reply_wrongtype(rc_cmd_ctx_t *c);  /* -WRONGTYPE Operation against a key ... */
void rc_cmd_reply_not_int(rc_cmd_ctx_t *c);    /* -ERR value is not an integer or out of range */

/* Argument helpers: case-insensitive compare with a literal; integer parse. */
int rc_cmd_arg_is(const rc_cmd_ctx_t *c, size_t i, const char *lit);
int rc_cmd_arg_i64(const rc_cmd_ctx_t *c, size_t i, int64_t *out); /* 1 ok, 0 not an integer */

#endif
