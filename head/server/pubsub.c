/* pubsub.c — SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB,
 * and rc_head_publish for the head's own events.
 *
 * The head keeps channel → subscribers (a dict of client ids → client) and
 * pattern → subscribers; each client keeps the set of its channels and patterns
 * so that a closing client is removed in time proportional to its subscriptions.
 * A subscriber that does not read is disconnected by its output limit. */
#include <string.h>

#include "alloc.h"
#include "log.h"
#include "srv.h"

int rc_client_in_pubsub(const rc_client_t *c)
{
    return (c->channels && rc_dict_size(c->channels) > 0) ||
           (c->patterns && rc_dict_size(c->patterns) > 0);
}

static size_t nsubs(const rc_client_t *c)
{
    return (c->channels ? rc_dict_size(c->channels) : 0) +
           (c->patterns ? rc_dict_size(c->patterns) : 0);
}

static void write_event(rc_buf_t *out, const char *kind, const char *name, size_t nlen,
                        size_t count)
{
    rc_resp_write_array(out, 3);
    rc_resp_write_bulk_str(out, kind);
    if (name)
        rc_resp_write_bulk(out, name, nlen);
    else
        rc_resp_write_nil(out);
    rc_resp_write_int(out, (int64_t)count);
}

/* Adds c to head_map[name] and name to *mine. Returns 1 if it was new. */
static int subscribe_one(rc_head_t *h, rc_dict_t *head_map, rc_dict_t **mine, rc_client_t *c,
                         const char *name, size_t len)
{
    if (!*mine) *mine = rc_dict_new(NULL);
    int added;
    rc_dict_add_or_find(*mine, name, len, &added);
    if (!added) return 0;
    rc_dict_entry_t *e = rc_dict_add_or_find(head_map, name, len, &added);
    if (added) e->val = rc_dict_new(NULL); /* freed when its last subscriber leaves */
    rc_dict_add(e->val, &c->id, sizeof(c->id), c);
    (void)h;
    return 1;
}

static int unsubscribe_one(rc_dict_t *head_map, rc_dict_t *mine, rc_client_t *c, const char *name,
                           size_t len)
{
    if (!mine || !rc_dict_delete(mine, name, len)) return 0;
    rc_dict_entry_t *e = rc_dict_find(head_map, name, len);
    if (e) {
        rc_dict_delete(e->val, &c->id, sizeof(c->id));
        if (rc_dict_size(e->val) == 0) {
            void *subs;
            rc_dict_take(head_map, name, len, &subs);
            rc_dict_free(subs);
        }
    }
    return 1;
}

static void do_subscribe(rc_cmd_ctx_t *ctx, int pattern)
{
    rc_client_t *c = ctx->client;
    rc_head_t *h = ctx->head;
    for (size_t i = 1; i < ctx->argc; i++) {
        subscribe_one(h, pattern ? h->patterns : h->channels, pattern ? &c->patterns : &c->channels,
                      c, ctx->argv[i], ctx->argl[i]);
        write_event(ctx->out, pattern ? "psubscribe" : "subscribe", ctx->argv[i], ctx->argl[i],
                    nsubs(c));
    }
}

typedef struct {
    rc_buf_t names;
    rc_buf_t lens;
} name_list_t;

static void collect(void *arg, rc_dict_entry_t *e)
{
    name_list_t *l = arg;
    size_t len = e->klen;
    rc_buf_append(&l->names, e->key, len);
    rc_buf_append(&l->lens, &len, sizeof(len));
}

static void do_unsubscribe(rc_cmd_ctx_t *ctx, int pattern)
{
    rc_client_t *c = ctx->client;
    rc_head_t *h = ctx->head;
    rc_dict_t *head_map = pattern ? h->patterns : h->channels;
    rc_dict_t *mine = pattern ? c->patterns : c->channels;
    const char *kind = pattern ? "punsubscribe" : "unsubscribe";
    if (ctx->argc > 1) {
        for (size_t i = 1; i < ctx->argc; i++) {
            unsubscribe_one(head_map, mine, c, ctx->argv[i], ctx->argl[i]);
            write_event(ctx->out, kind, ctx->argv[i], ctx->argl[i], nsubs(c));
        }
        return;
    }
    /* Without arguments: every subscription of this kind; Redis answers one event
     * per name, or a single event with a nil name when there were none. */
    name_list_t l = {RC_BUF_INIT, RC_BUF_INIT};
    uint64_t cursor = 0;
    if (mine) {
        do cursor = rc_dict_scan(mine, cursor, collect, &l);
        while (cursor != 0);
    }
    size_t n = l.lens.len / sizeof(size_t), off = 0;
    if (n == 0) write_event(ctx->out, kind, NULL, 0, nsubs(c));
    for (size_t i = 0; i < n; i++) {
        size_t len;
        memcpy(&len, l.lens.data + i * sizeof(size_t), sizeof(len));
        const char *name = l.names.data + off;
        /* The scan may report a name twice across a resize; the second delete is a no-op. */
        unsubscribe_one(head_map, mine, c, name, len);
        write_event(ctx->out, kind, name, len, nsubs(c));
        off += len;
    }
    rc_buf_free(&l.names);
    rc_buf_free(&l.lens);
}

static void cmd_subscribe(rc_cmd_ctx_t *c)
{
    do_subscribe(c, 0);
}

static void cmd_psubscribe(rc_cmd_ctx_t *c)
{
    do_subscribe(c, 1);
}

static void cmd_unsubscribe(rc_cmd_ctx_t *c)
{
    do_unsubscribe(c, 0);
}

static void cmd_punsubscribe(rc_cmd_ctx_t *c)
{
    do_unsubscribe(c, 1);
}

void rc_pubsub_client_gone(rc_client_t *c)
{
    rc_head_t *h = c->head;
    rc_dict_t *sets[2] = {c->channels, c->patterns};
    rc_dict_t *maps[2] = {h->channels, h->patterns};
    for (int k = 0; k < 2; k++) {
        if (!sets[k]) continue;
        rc_dict_iter_t it;
        rc_dict_entry_t *e;
        rc_dict_iter_init(sets[k], &it);
        while ((e = rc_dict_iter_next(&it)) != NULL) {
            rc_dict_entry_t *he = rc_dict_find(maps[k], e->key, e->klen);
            if (!he) continue;
            rc_dict_delete(he->val, &c->id, sizeof(c->id));
            if (rc_dict_size(he->val) == 0) {
                void *subs;
                rc_dict_take(maps[k], e->key, e->klen, &subs);
                rc_dict_free(subs);
            }
        }
        rc_dict_iter_done(&it);
        rc_dict_free(sets[k]);
    }
    c->channels = c->patterns = NULL;
}

size_t rc_pubsub_nchannels(const rc_head_t *h)
{
    return rc_dict_size(h->channels);
}

size_t rc_pubsub_npatterns(const rc_head_t *h)
{
    return rc_dict_size(h->patterns);
}

typedef struct {
    const char *channel, *msg, *pattern;
    size_t chlen, mlen, plen;
    size_t delivered;
    rc_client_t **victims; /* clients over their output limit, closed after the walk */
    size_t nvictims, capvictims;
} publish_t;

static void deliver(publish_t *p, rc_client_t *c)
{
    if (c->state == RC_CONN_CLOSING) return;
    if (p->pattern) {
        rc_resp_write_array(&c->out, 4);
        rc_resp_write_bulk(&c->out, "pmessage", 8);
        rc_resp_write_bulk(&c->out, p->pattern, p->plen);
    } else {
        rc_resp_write_array(&c->out, 3);
        rc_resp_write_bulk(&c->out, "message", 7);
    }
    rc_resp_write_bulk(&c->out, p->channel, p->chlen);
    rc_resp_write_bulk(&c->out, p->msg, p->mlen);
    rc_client_mark_pending(c);
    p->delivered++;
    size_t queued = c->out.len + c->wbuf.len;
    if (c->head->opts.max_output_pubsub && queued > c->head->opts.max_output_pubsub) {
        if (p->nvictims == p->capvictims) {
            p->capvictims = p->capvictims ? p->capvictims * 2 : 8;
            p->victims = rc_realloc(p->victims, p->capvictims * sizeof(*p->victims));
        }
        p->victims[p->nvictims++] = c;
    }
}

static void deliver_all(publish_t *p, rc_dict_t *subs)
{
    rc_dict_iter_t it;
    rc_dict_entry_t *e;
    rc_dict_iter_init(subs, &it);
    while ((e = rc_dict_iter_next(&it)) != NULL) deliver(p, e->val);
    rc_dict_iter_done(&it);
}

size_t rc_head_publish(rc_head_t *h, const char *channel, size_t chlen, const char *msg,
                       size_t mlen)
{
    publish_t p = {.channel = channel, .chlen = chlen, .msg = msg, .mlen = mlen};
    rc_dict_entry_t *e = rc_dict_find(h->channels, channel, chlen);
    if (e) deliver_all(&p, e->val);
    if (rc_dict_size(h->patterns) > 0) {
        rc_dict_iter_t it;
        rc_dict_iter_init(h->patterns, &it);
        while ((e = rc_dict_iter_next(&it)) != NULL) {
            if (!rc_glob_match(e->key, e->klen, channel, chlen, 0)) continue;
            p.pattern = e->key;
            p.plen = e->klen;
            deliver_all(&p, e->val);
        }
        rc_dict_iter_done(&it);
    }
    /* Closing unlinks subscriptions, so it waits until the walks are over. */
    for (size_t i = 0; i < p.nvictims; i++) rc_client_check_output(p.victims[i]);
    rc_free(p.victims);
    return p.delivered;
}

static void cmd_publish(rc_cmd_ctx_t *c)
{
    size_t n = rc_head_publish(c->head, c->argv[1], c->argl[1], c->argv[2], c->argl[2]);
    rc_resp_write_int(c->out, (int64_t)n);
}

static void cmd_pubsub(rc_cmd_ctx_t *c)
{
    rc_head_t *h = c->head;
    if (rc_cmd_arg_is(c, 1, "NUMPAT") && c->argc == 2) {
        rc_resp_write_int(c->out, (int64_t)rc_dict_size(h->patterns));
    } else if (rc_cmd_arg_is(c, 1, "NUMSUB")) {
        rc_resp_write_array(c->out, (c->argc - 2) * 2);
        for (size_t i = 2; i < c->argc; i++) {
            rc_dict_entry_t *e = rc_dict_find(h->channels, c->argv[i], c->argl[i]);
            rc_resp_write_bulk(c->out, c->argv[i], c->argl[i]);
            rc_resp_write_int(c->out, e ? (int64_t)rc_dict_size(e->val) : 0);
        }
    } else if (rc_cmd_arg_is(c, 1, "CHANNELS") && c->argc <= 3) {
        rc_buf_t body = RC_BUF_INIT;
        size_t n = 0;
        rc_dict_iter_t it;
        rc_dict_entry_t *e;
        rc_dict_iter_init(h->channels, &it);
        while ((e = rc_dict_iter_next(&it)) != NULL) {
            if (c->argc == 3 && !rc_glob_match(c->argv[2], c->argl[2], e->key, e->klen, 0))
                continue;
            rc_resp_write_bulk(&body, e->key, e->klen);
            n++;
        }
        rc_dict_iter_done(&it);
        rc_resp_write_array(c->out, n);
        rc_buf_append(c->out, body.data, body.len);
        rc_buf_free(&body);
    } else {
        rc_resp_write_errorf(c->out,
                             "ERR unknown subcommand or wrong number of arguments for '%.*s'. "
                             "Try PUBSUB HELP.",
                             (int)(c->argl[1] > 64 ? 64 : c->argl[1]), c->argv[1]);
    }
}

#define PS RC_CMD_PUBSUB
const rc_cmd_def_t rc_pubsub_commands[] = {
    {"SUBSCRIBE", -2, PS, cmd_subscribe, 0, 0, 0, "Listens for messages published to channels."},
    {"UNSUBSCRIBE", -1, PS, cmd_unsubscribe, 0, 0, 0, "Stops listening to channels."},
    {"PSUBSCRIBE", -2, PS, cmd_psubscribe, 0, 0, 0, "Listens for messages on channel patterns."},
    {"PUNSUBSCRIBE", -1, PS, cmd_punsubscribe, 0, 0, 0, "Stops listening to channel patterns."},
    {"PUBLISH", 3, RC_CMD_FAST, cmd_publish, 0, 0, 0, "Posts a message to a channel."},
    {"PUBSUB", -2, 0, cmd_pubsub, 0, 0, 0, "Inspects the state of the Pub/Sub subsystem."},
};
const size_t rc_pubsub_commands_count = sizeof(rc_pubsub_commands) / sizeof(rc_pubsub_commands[0]);
