/* head.c — the head's loop: listeners, the per-turn flush, the cron timer,
 * signals, and loading persisted state at start. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "srv.h"

#define CRON_MS          100
#define EXPIRE_BUDGET_US 2000
#define LISTEN_BACKLOG   511
#define KV_TABLE         "kv"

void rc_head_opts_default(rc_head_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->bind_host = "0.0.0.0";
    o->port = 6379;
    o->client_port = 10001;
    o->gcs_storage = "memory";
    o->cluster_name = "default";
    o->max_clients = 10000;
    o->max_bulk = RC_RESP_DEFAULT_MAX_BULK;
    o->max_query_buf = (size_t)1 << 30;
    o->max_output_pubsub = (size_t)32 << 20;
    o->max_output_normal = (size_t)1 << 30;
    o->dashboard_host = "127.0.0.1";
    o->dashboard_port = 8265;
    o->dashboard_max_body = (size_t)1 << 20;
}

static void on_connection(uv_stream_t *server, int status)
{
    rc_listener_t *l = server->data;
    if (status < 0) {
        rc_log_warn("gcs", "accept failed err=%s", uv_strerror(status));
        return;
    }
    rc_client_accept(l);
}

static rc_err_t listen_on(rc_head_t *h, rc_listener_t *l, rc_port_kind_t kind, int port, char *err,
                          size_t errcap)
{
    struct sockaddr_storage ss;
    int rc;
    l->head = h;
    l->kind = kind;
    uv_tcp_init(&h->loop, &l->tcp);
    l->tcp.data = l;
    if (uv_ip4_addr(h->opts.bind_host, port, (struct sockaddr_in *)&ss) != 0 &&
        uv_ip6_addr(h->opts.bind_host, port, (struct sockaddr_in6 *)&ss) != 0) {
        snprintf(err, errcap, "cannot bind to '%s': not an IPv4 or IPv6 address",
                 h->opts.bind_host);
        return RC_EINVAL;
    }
    rc = uv_tcp_bind(&l->tcp, (struct sockaddr *)&ss, 0);
    if (rc == 0) rc = uv_listen((uv_stream_t *)&l->tcp, LISTEN_BACKLOG, on_connection);
    if (rc != 0) {
        snprintf(err, errcap, "cannot listen on %s:%d: %s%s", h->opts.bind_host, port,
                 uv_strerror(rc),
                 rc == UV_EADDRINUSE ? " (another process uses this port: stop it with "
                                       "`rayc stop`, or choose another port with --port)"
                                     : "");
        return RC_EIO;
    }
    int namelen = sizeof(ss);
    uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &namelen);
    l->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return RC_OK;
}

static void update_ops(rc_head_t *h, uint64_t now)
{
    uint64_t dt = now - h->ops_last_ms;
    if (dt < 1000) return;
    h->ops_per_sec = (double)(h->total_commands - h->ops_last_count) * 1000.0 / (double)dt;
    h->ops_last_ms = now;
    h->ops_last_count = h->total_commands;
}

static void on_cron(uv_timer_t *t)
{
    rc_head_t *h = t->data;
    uint64_t now = rc_clock_wall_ms();
    rc_db_expire_cycle(h->db, now, EXPIRE_BUDGET_US);
    update_ops(h, now);
}

static void on_prepare(uv_prepare_t *p)
{
    rc_head_flush_pending(p->data);
}

static void on_check(uv_check_t *c)
{
    rc_head_flush_pending(c->data);
}

static void on_signal(uv_signal_t *s, int signum)
{
    rc_head_t *h = s->data;
    rc_log_info("gcs", "received %s, shutting down", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    rc_head_stop(h);
}

/* The KV is persisted as one table; its keys are "<nslen>:<ns><key>", binary-safe. */
static void kv_observer(void *arg, rc_kv_op_t op, const char *ns, size_t nslen, const char *key,
                        size_t klen, const char *val, size_t vlen)
{
    rc_head_t *h = arg;
    if (!rc_store_is_persistent(h->store)) return;
    rc_buf_t k = RC_BUF_INIT;
    rc_buf_append_u64(&k, nslen);
    rc_buf_append_char(&k, ':');
    rc_buf_append(&k, ns, nslen);
    rc_buf_append(&k, key, klen);
    if (op == RC_KV_OP_PUT)
        rc_store_put(h->store, KV_TABLE, k.data, k.len, val, vlen);
    else
        rc_store_del(h->store, KV_TABLE, k.data, k.len);
    rc_buf_free(&k);
}

static void kv_load_entry(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    rc_head_t *h = arg;
    const char *k = key, *colon = memchr(k, ':', klen);
    int64_t nslen;
    if (!colon || rc_str_to_i64(k, (size_t)(colon - k), &nslen) != RC_OK || nslen < 0 ||
        (size_t)nslen > klen - (size_t)(colon - k) - 1) {
        rc_log_warn("gcs", "skipping a malformed KV entry in the storage backend klen=%zu", klen);
        return;
    }
    const char *ns = colon + 1;
    rc_kv_load_put(h->kv, ns, (size_t)nslen, ns + nslen, klen - (size_t)(ns + nslen - k), val,
                   vlen);
}

static void node_publish(void *arg, const char *channel, size_t chlen, const char *msg, size_t mlen)
{
    rc_head_publish(arg, channel, chlen, msg, mlen);
}

rc_err_t rc_head_new(const rc_head_opts_t *opts, rc_head_t **out, char *err, size_t errcap)
{
    rc_head_t *h = rc_calloc(1, sizeof(*h));
    rc_err_t rc;
    int loop_ok = 0;
    h->opts = *opts;
    h->password = opts->password && *opts->password ? rc_strdup(opts->password) : NULL;
    h->opts.password = h->password;
    h->start_ms = rc_clock_wall_ms();
    h->ops_last_ms = h->start_ms;
    h->next_client_id = 1;
    rc_dispatch_init();
    if (uv_loop_init(&h->loop) != 0) {
        snprintf(err, errcap, "cannot create the event loop");
        rc = RC_EIO;
        goto fail;
    }
    loop_ok = 1;
    h->db = rc_db_new();
    h->kv = rc_kv_new();
    h->channels = rc_dict_new(NULL);
    h->patterns = rc_dict_new(NULL);
    rc = rc_store_open(&h->loop, opts->gcs_storage ? opts->gcs_storage : "memory",
                       opts->cluster_name ? opts->cluster_name : "default", &h->store, err, errcap);
    if (rc != RC_OK) goto fail;
    rc = rc_store_load(h->store, KV_TABLE, kv_load_entry, h, err, errcap);
    if (rc != RC_OK) goto fail;
    rc_kv_set_observer(h->kv, kv_observer, h);
    rc_node_opts_t nopts;
    rc_node_opts_default(&nopts);
    rc_node_opts_from_env(&nopts);
    h->nodes = rc_node_table_new(&nopts, h->store);
    rc_node_table_set_publish(h->nodes, node_publish, h);
    rc = rc_node_table_load(h->nodes, rc_clock_wall_ms(), err, errcap);
    if (rc != RC_OK) goto fail;
    rc_node_table_start(h->nodes, &h->loop);
    h->tasks = rc_task_plane_new(&h->loop, h->nodes, node_publish, h);

    rc = listen_on(h, &h->gcs, RC_PORT_GCS, opts->port, err, errcap);
    if (rc != RC_OK) goto fail;
    if (opts->client_port > 0) {
        rc = listen_on(h, &h->client, RC_PORT_CLIENT, opts->client_port, err, errcap);
        if (rc != RC_OK) goto fail;
        h->client_enabled = 1;
    }
    rc = rc_head_dashboard_start(h, err, errcap);
    if (rc != RC_OK) goto fail;
    uv_prepare_init(&h->loop, &h->prepare);
    h->prepare.data = h;
    uv_prepare_start(&h->prepare, on_prepare);
    uv_check_init(&h->loop, &h->check);
    h->check.data = h;
    uv_check_start(&h->check, on_check);
    uv_timer_init(&h->loop, &h->cron);
    h->cron.data = h;
    uv_timer_start(&h->cron, on_cron, CRON_MS, CRON_MS);
    uv_signal_init(&h->loop, &h->sigterm);
    h->sigterm.data = h;
    uv_signal_start(&h->sigterm, on_signal, SIGTERM);
    uv_signal_init(&h->loop, &h->sigint);
    h->sigint.data = h;
    uv_signal_start(&h->sigint, on_signal, SIGINT);
    rc_log_info("gcs", "listening port=%d client_port=%d storage=%s kv_keys=%zu nodes=%zu",
                h->gcs.port, h->client_enabled ? h->client.port : 0, rc_store_describe(h->store),
                rc_kv_count(h->kv), rc_node_table_size(h->nodes));
    *out = h;
    return RC_OK;
fail:
    if (loop_ok) {
        /* Handles initialised so far must be closed before the loop can go. */
        rc_head_free(h);
        return rc;
    }
    rc_free(h->password);
    rc_free(h);
    return rc;
}

int rc_head_port(const rc_head_t *h)
{
    return h->gcs.port;
}

int rc_head_client_port(const rc_head_t *h)
{
    return h->client_enabled ? h->client.port : 0;
}

static void close_walk(uv_handle_t *handle, void *arg)
{
    if (!uv_is_closing(handle)) uv_close(handle, NULL);
}

void rc_head_stop(rc_head_t *h)
{
    h->stopping = 1;
    uv_stop(&h->loop);
}

rc_err_t rc_head_run(rc_head_t *h)
{
    while (!h->stopping) uv_run(&h->loop, UV_RUN_DEFAULT);
    return RC_OK;
}

void rc_head_free(rc_head_t *h)
{
    if (!h) return;
    rc_head_dashboard_close(h);
    /* Clients close through their own path: they are freed in their close callback. */
    for (rc_client_t *c = h->clients, *next; c; c = next) {
        next = c->next;
        rc_client_close(c, "head shutting down");
    }
    /* No node may change (and write to the store) while the store flushes. */
    rc_node_table_stop(h->nodes);
    rc_task_plane_close(h->tasks);
    if (h->store) {
        rc_store_close(h->store);
        h->store = NULL;
    }
    uv_walk(&h->loop, close_walk, h);
    uv_run(&h->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&h->loop) != 0) rc_log_warn("gcs", "event loop closed with open handles");
    if (h->db) rc_db_free(h->db);
    if (h->kv) rc_kv_free(h->kv);
    rc_head_dashboard_free(h);
    rc_task_plane_free(h->tasks);
    rc_node_table_free(h->nodes);
    rc_dict_free(h->channels);
    rc_dict_free(h->patterns);
    rc_free(h->argv);
    rc_free(h->argl);
    rc_free(h->password);
    rc_free(h);
}
