/* dispatch.c — the merged command table and the one function that runs a command:
 * lookup (case-insensitive, by a small open-addressing table built once), arity,
 * authentication, port and pub/sub-mode checks, then the handler. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "clock.h"
#include "srv.h"

#define TABLE_SIZE 1024 /* power of two, well above the number of commands */
#define MAX_NAME   64

static const rc_cmd_def_t *table[TABLE_SIZE];
static const rc_cmd_def_t **all;
static size_t nall;

static uint32_t name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)toupper((unsigned char)s[i])) * 16777619u;
    return h;
}

static void add_table(const rc_cmd_def_t *defs, size_t n)
{
    all = rc_realloc(all, (nall + n) * sizeof(*all));
    for (size_t i = 0; i < n; i++) {
        const rc_cmd_def_t *d = &defs[i];
        size_t len = strlen(d->name);
        uint32_t slot = name_hash(d->name, len) & (TABLE_SIZE - 1);
        while (table[slot] && strcasecmp(table[slot]->name, d->name) != 0)
            slot = (slot + 1) & (TABLE_SIZE - 1);
        RC_ASSERT(table[slot] == NULL); /* two modules registered one name */
        table[slot] = d;
        all[nall++] = d;
    }
}

void rc_dispatch_init(void)
{
    if (nall) return;
    add_table(rc_server_commands, rc_server_commands_count);
    add_table(rc_pubsub_commands, rc_pubsub_commands_count);
    add_table(rc_db_commands, rc_db_commands_count);
    add_table(rc_kv_commands, rc_kv_commands_count);
    add_table(rc_node_commands, rc_node_commands_count);
    add_table(rc_task_commands, rc_task_commands_count);
}

const rc_cmd_def_t *rc_dispatch_lookup(const char *name, size_t len)
{
    if (len == 0 || len > MAX_NAME) return NULL;
    uint32_t slot = name_hash(name, len) & (TABLE_SIZE - 1);
    while (table[slot]) {
        const rc_cmd_def_t *d = table[slot];
        if (strncasecmp(d->name, name, len) == 0 && d->name[len] == '\0') return d;
        slot = (slot + 1) & (TABLE_SIZE - 1);
    }
    return NULL;
}

size_t rc_dispatch_all(const rc_cmd_def_t ***out)
{
    *out = all;
    return nall;
}

/* Redis quotes at most 128 bytes of each of the first arguments. */
static void reply_unknown(rc_client_t *c, size_t argc, const char *const *argv, const size_t *argl)
{
    rc_buf_t msg = RC_BUF_INIT;
    rc_buf_printf(&msg, "ERR unknown command '%.*s', with args beginning with: ",
                  (int)(argl[0] > 128 ? 128 : argl[0]), argv[0]);
    for (size_t i = 1; i < argc && msg.len < 512; i++)
        rc_buf_printf(&msg, "'%.*s' ", (int)(argl[i] > 128 ? 128 : argl[i]), argv[i]);
    /* Unknown names are peer input: keep the reply on one line. */
    for (size_t i = 0; i < msg.len; i++)
        if (msg.data[i] == '\r' || msg.data[i] == '\n') msg.data[i] = ' ';
    rc_resp_write_error(&c->out, msg.data);
    rc_buf_free(&msg);
}

void rc_dispatch(rc_client_t *c, size_t argc, const char *const *argv, const size_t *argl)
{
    rc_head_t *h = c->head;
    const rc_cmd_def_t *d = rc_dispatch_lookup(argv[0], argl[0]);
    rc_cmd_ctx_t ctx = {.argc = argc,
                        .argv = argv,
                        .argl = argl,
                        .out = &c->out,
                        .db = h->db,
                        .kv = h->kv,
                        .client = c,
                        .head = h,
                        .now_ms = 0,
                        .nodes = h->nodes,
                        .tasks = h->tasks};
    h->total_commands++;
    c->commands++;
    if (!d) {
        reply_unknown(c, argc, argv, argl);
        return;
    }
    if (!c->authed && !(d->flags & RC_CMD_NOAUTH)) {
        rc_resp_write_error(&c->out, "NOAUTH Authentication required.");
        return;
    }
    if ((d->arity > 0 && argc != (size_t)d->arity) || (d->arity < 0 && argc < (size_t)-d->arity)) {
        rc_cmd_reply_wrong_args(&ctx);
        return;
    }
    if (c->port_kind == RC_PORT_CLIENT && !(d->flags & RC_CMD_CLIENT)) {
        rc_resp_write_errorf(&c->out,
                             "ERR command '%s' is not served on the client port %d; node and "
                             "admin commands use the GCS port %d",
                             d->name, h->client.port, h->gcs.port);
        return;
    }
    if (rc_client_in_pubsub(c) && !(d->flags & RC_CMD_PUBSUB)) {
        char lower[MAX_NAME + 1];
        size_t n = strlen(d->name);
        for (size_t i = 0; i <= n; i++) lower[i] = (char)tolower((unsigned char)d->name[i]);
        rc_resp_write_errorf(&c->out,
                             "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                             "PING / QUIT / RESET are allowed in this context",
                             lower);
        return;
    }
    c->last_cmd = d->name;
    ctx.now_ms = rc_clock_wall_ms();
    d->fn(&ctx);
}
