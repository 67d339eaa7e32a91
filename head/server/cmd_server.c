/* cmd_server.c — connection and server commands: PING, ECHO, AUTH, HELLO,
 * SELECT, QUIT, RESET, INFO, COMMAND, CLIENT, CONFIG. Reply shapes and error
 * texts are Redis 7's, so redis-cli, redis-benchmark and client libraries work. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "job.h"
#include "job_mgr.h"
#include "srv.h"

/* Reported as redis_version: client libraries gate features on it, and rayc
 * implements the Redis 7.0 behaviour of the commands it has. */
#define COMPAT_REDIS_VERSION "7.0.0"

static void lower_name(const char *name, char *out, size_t cap);

static rc_client_t *cl(rc_cmd_ctx_t *c)
{
    return c->client;
}

static rc_head_t *hd(rc_cmd_ctx_t *c)
{
    return c->head;
}

static void cmd_ping(rc_cmd_ctx_t *c)
{
    if (c->argc > 2) {
        rc_cmd_reply_wrong_args(c);
        return;
    }
    if (rc_client_in_pubsub(cl(c))) {
        /* In subscribed mode RESP2 has no plain replies: Redis sends ["pong", arg]. */
        rc_resp_write_array(c->out, 2);
        rc_resp_write_bulk(c->out, "pong", 4);
        if (c->argc == 2)
            rc_resp_write_bulk(c->out, c->argv[1], c->argl[1]);
        else
            rc_resp_write_bulk(c->out, "", 0);
        return;
    }
    if (c->argc == 2)
        rc_resp_write_bulk(c->out, c->argv[1], c->argl[1]);
    else
        rc_resp_write_status(c->out, "PONG");
}

static void cmd_echo(rc_cmd_ctx_t *c)
{
    rc_resp_write_bulk(c->out, c->argv[1], c->argl[1]);
}

/* Constant-time comparison: the time taken must not tell how much of a guess matched. */
static int secret_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned char diff = (unsigned char)(alen != blen);
    for (size_t i = 0; i < alen; i++) diff |= (unsigned char)(a[i] ^ b[i % (blen ? blen : 1)]);
    return diff == 0 && blen > 0;
}

/* Returns 1 when authenticated; writes the error reply otherwise (caller adds OK). */
static int try_auth(rc_cmd_ctx_t *c, const char *user, size_t ulen, const char *pw, size_t plen)
{
    rc_head_t *h = hd(c);
    if (!h->password) {
        rc_resp_write_error(c->out, "ERR AUTH <password> called without any password configured "
                                    "for the default user. Are you sure your configuration is "
                                    "correct?");
        return 0;
    }
    int user_ok = !user || (ulen == 7 && memcmp(user, "default", 7) == 0);
    if (!user_ok || !secret_eq(pw, plen, h->password, strlen(h->password))) {
        cl(c)->authed = 0;
        rc_resp_write_error(c->out,
                            "WRONGPASS invalid username-password pair or user is disabled.");
        return 0;
    }
    cl(c)->authed = 1;
    return 1;
}

static void cmd_auth(rc_cmd_ctx_t *c)
{
    int ok;
    if (c->argc == 2)
        ok = try_auth(c, NULL, 0, c->argv[1], c->argl[1]);
    else if (c->argc == 3)
        ok = try_auth(c, c->argv[1], c->argl[1], c->argv[2], c->argl[2]);
    else {
        rc_cmd_reply_syntax(c);
        return;
    }
    if (ok) rc_resp_write_ok(c->out);
}

static void write_hello_map(rc_cmd_ctx_t *c)
{
    rc_resp_write_array(c->out, 14);
    rc_resp_write_bulk_str(c->out, "server");
    rc_resp_write_bulk_str(c->out, "redis");
    rc_resp_write_bulk_str(c->out, "version");
    rc_resp_write_bulk_str(c->out, COMPAT_REDIS_VERSION);
    rc_resp_write_bulk_str(c->out, "proto");
    rc_resp_write_int(c->out, 2);
    rc_resp_write_bulk_str(c->out, "id");
    rc_resp_write_int(c->out, (int64_t)cl(c)->id);
    rc_resp_write_bulk_str(c->out, "mode");
    rc_resp_write_bulk_str(c->out, "standalone");
    rc_resp_write_bulk_str(c->out, "role");
    rc_resp_write_bulk_str(c->out, "master");
    rc_resp_write_bulk_str(c->out, "modules");
    rc_resp_write_array(c->out, 0);
}

/* HELLO [protover [AUTH user pass] [SETNAME name]]: only RESP2 is spoken. */
static void cmd_hello(rc_cmd_ctx_t *c)
{
    size_t i = 1;
    if (c->argc >= 2) {
        int64_t ver;
        if (!rc_cmd_arg_i64(c, 1, &ver)) {
            rc_resp_write_error(c->out, "ERR Protocol version is not an integer or out of range");
            return;
        }
        if (ver != 2) {
            rc_resp_write_error(c->out, "NOPROTO unsupported protocol version");
            return;
        }
        i = 2;
    }
    const char *name = NULL;
    size_t nlen = 0;
    for (; i < c->argc; i++) {
        if (rc_cmd_arg_is(c, i, "AUTH") && i + 2 < c->argc) {
            if (!try_auth(c, c->argv[i + 1], c->argl[i + 1], c->argv[i + 2], c->argl[i + 2]))
                return;
            i += 2;
        } else if (rc_cmd_arg_is(c, i, "SETNAME") && i + 1 < c->argc) {
            name = c->argv[i + 1];
            nlen = c->argl[i + 1];
            i++;
        } else {
            rc_resp_write_errorf(c->out, "ERR Syntax error in HELLO option '%.*s'",
                                 (int)(c->argl[i] > 64 ? 64 : c->argl[i]), c->argv[i]);
            return;
        }
    }
    if (!cl(c)->authed) {
        rc_resp_write_error(c->out, "NOAUTH HELLO must be called with the client already "
                                    "authenticated, otherwise the HELLO <proto> AUTH <user> "
                                    "<pass> option can be used to authenticate the client and "
                                    "select the RESP protocol version at the same time");
        return;
    }
    if (name) {
        rc_free(cl(c)->name);
        cl(c)->name = nlen ? rc_strndup(name, nlen) : NULL;
    }
    write_hello_map(c);
}

static void cmd_select(rc_cmd_ctx_t *c)
{
    int64_t db;
    if (!rc_cmd_arg_i64(c, 1, &db)) {
        rc_resp_write_error(c->out, "ERR value is not an integer or out of range");
        return;
    }
    if (db != 0) {
        /* The GCS has one keyspace, as a Redis Cluster node does. */
        rc_resp_write_error(c->out, "ERR DB index is out of range");
        return;
    }
    rc_resp_write_ok(c->out);
}

static void cmd_quit(rc_cmd_ctx_t *c)
{
    rc_resp_write_ok(c->out);
    cl(c)->state = RC_CONN_CLOSE_AFTER_REPLY;
}

static void cmd_reset(rc_cmd_ctx_t *c)
{
    rc_client_t *client = cl(c);
    rc_pubsub_client_gone(client);
    rc_free(client->name);
    client->name = NULL;
    client->authed = hd(c)->password == NULL;
    rc_resp_write_status(c->out, "RESET");
}

/* ---- INFO ------------------------------------------------------------------ */

static void human_bytes(char *out, size_t cap, size_t n)
{
    const char *units = "BKMGT";
    double v = (double)n;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, cap, "%zuB", n);
    else
        snprintf(out, cap, "%.2f%c", v, units[u]);
}

static size_t pubsub_clients(const rc_head_t *h)
{
    size_t n = 0;
    for (const rc_client_t *x = h->clients; x; x = x->next) n += rc_client_in_pubsub(x) != 0;
    return n;
}

static int want(const char *section, const char *name, int all)
{
    return all || strcasecmp(section, name) == 0;
}

static void info_text(rc_head_t *h, const char *section, rc_buf_t *b)
{
    int all = section == NULL || strcasecmp(section, "all") == 0 ||
              strcasecmp(section, "default") == 0 || strcasecmp(section, "everything") == 0;
    uint64_t now = rc_clock_wall_ms();
    if (want(section, "server", all)) {
        rc_buf_printf(b,
                      "# Server\r\nredis_version:%s\r\nrayc_version:%s\r\nredis_mode:standalone\r\n"
                      "os:Linux\r\narch_bits:%d\r\nmultiplexing_api:libuv-%s\r\nprocess_id:%d\r\n"
                      "tcp_port:%d\r\nrayc_client_port:%d\r\nuptime_in_seconds:%llu\r\n"
                      "uptime_in_days:%llu\r\nhz:10\r\nexecutable:rayc-head\r\n\r\n",
                      COMPAT_REDIS_VERSION, RC_VERSION, (int)(sizeof(void *) * 8),
                      uv_version_string(), (int)getpid(), h->gcs.port,
                      h->client_enabled ? h->client.port : 0,
                      (unsigned long long)((now - h->start_ms) / 1000),
                      (unsigned long long)((now - h->start_ms) / 86400000));
    }
    if (want(section, "clients", all)) {
        rc_buf_printf(b,
                      "# Clients\r\nconnected_clients:%zu\r\nmaxclients:%zu\r\n"
                      "blocked_clients:%zu\r\npubsub_clients:%zu\r\n\r\n",
                      h->nclients, h->opts.max_clients, h->nblocked, pubsub_clients(h));
    }
    if (want(section, "memory", all)) {
        rc_mem_stats_t m;
        char hu[32], hr[32];
        rc_mem_stats(&m);
        size_t used = m.allocated ? m.allocated : m.rss;
        human_bytes(hu, sizeof(hu), used);
        human_bytes(hr, sizeof(hr), m.rss);
        rc_buf_printf(b,
                      "# Memory\r\nused_memory:%zu\r\nused_memory_human:%s\r\n"
                      "used_memory_rss:%zu\r\nused_memory_rss_human:%s\r\n"
                      "allocator_allocated:%zu\r\nallocator_active:%zu\r\n"
                      "allocator_resident:%zu\r\nmaxmemory:0\r\nmem_allocator:%s\r\n\r\n",
                      used, hu, m.rss, hr, m.allocated, m.active, m.resident, rc_allocator_name());
    }
    if (want(section, "stats", all)) {
        rc_buf_printf(b,
                      "# Stats\r\ntotal_connections_received:%llu\r\n"
                      "total_commands_processed:%llu\r\ninstantaneous_ops_per_sec:%.0f\r\n"
                      "total_net_input_bytes:%llu\r\ntotal_net_output_bytes:%llu\r\n"
                      "rejected_connections:%llu\r\nexpired_keys:%llu\r\n"
                      "keyspace_hits:%llu\r\nkeyspace_misses:%llu\r\n"
                      "pubsub_channels:%zu\r\npubsub_patterns:%zu\r\n\r\n",
                      (unsigned long long)h->total_connections,
                      (unsigned long long)h->total_commands, h->ops_per_sec,
                      (unsigned long long)h->net_in, (unsigned long long)h->net_out,
                      (unsigned long long)h->rejected_connections,
                      (unsigned long long)rc_db_stat_expired(h->db),
                      (unsigned long long)rc_db_stat_hits(h->db),
                      (unsigned long long)rc_db_stat_misses(h->db), rc_pubsub_nchannels(h),
                      rc_pubsub_npatterns(h));
    }
    if (want(section, "gcs", all)) {
        rc_store_stats_t s;
        rc_store_stats(h->store, &s);
        rc_buf_printf(b,
                      "# Gcs\r\ngcs_storage:%s\r\ngcs_storage_connected:%d\r\n"
                      "gcs_storage_writes:%llu\r\ngcs_storage_errors:%llu\r\n"
                      "gcs_storage_pending:%zu\r\ninternal_kv_keys:%zu\r\n\r\n",
                      rc_store_describe(h->store), s.connected, (unsigned long long)s.writes,
                      (unsigned long long)s.errors, s.pending, rc_kv_count(h->kv));
    }
    if (want(section, "nodes", all) && h->nodes) {
        rc_node_stats_t ns;
        rc_node_table_stats(h->nodes, &ns);
        const rc_node_opts_t *no = rc_node_table_opts(h->nodes);
        rc_buf_printf(b,
                      "# Nodes\r\nnodes_alive:%zu\r\nnodes_draining:%zu\r\nnodes_dead:%zu\r\n"
                      "node_registrations:%llu\r\nnode_reports:%llu\r\nnode_deaths:%llu\r\n"
                      "health_check_period_ms:%llu\r\nhealth_check_failure_threshold:%u\r\n\r\n",
                      ns.alive, ns.draining, ns.dead, (unsigned long long)ns.registrations,
                      (unsigned long long)ns.reports, (unsigned long long)ns.deaths,
                      (unsigned long long)no->health_period_ms, no->failure_threshold);
    }
    if (want(section, "tasks", all) && h->tasks) {
        rc_task_stats_t ts;
        rc_task_plane_stats(h->tasks, &ts);
        rc_buf_append_str(b, "# Tasks\r\n");
        for (int i = 0; i < RC_TASK_NSTATES; i++) {
            char name[32];
            lower_name(rc_task_state_name((rc_task_state_t)i), name, sizeof(name));
            rc_buf_printf(b, "tasks_%s:%llu\r\n", name, (unsigned long long)ts.count[i]);
        }
        rc_buf_printf(b,
                      "tasks_infeasible:%llu\r\ntasks_submitted:%llu\r\ntasks_retries:%llu\r\n"
                      "task_records:%llu\r\nobjects:%llu\r\n\r\n",
                      (unsigned long long)ts.infeasible, (unsigned long long)ts.submitted,
                      (unsigned long long)ts.retries, (unsigned long long)ts.records,
                      (unsigned long long)ts.objects);
    }
    if (want(section, "keyspace", all)) {
        rc_buf_append_str(b, "# Keyspace\r\n");
        if (rc_db_size(h->db) > 0)
            rc_buf_printf(b, "db0:keys=%zu,expires=%zu,avg_ttl=0\r\n", rc_db_size(h->db),
                          rc_db_expires_count(h->db));
        rc_buf_append_str(b, "\r\n");
    }
    /* Redis ends the text without the last blank line. */
    if (b->len >= 2 && memcmp(b->data + b->len - 4, "\r\n\r\n", 4) == 0) b->len -= 2;
}

static void cmd_info(rc_cmd_ctx_t *c)
{
    rc_buf_t b = RC_BUF_INIT;
    char section[32] = "";
    if (c->argc > 2) {
        rc_cmd_reply_syntax(c);
        return;
    }
    if (c->argc == 2) snprintf(section, sizeof(section), "%.*s", (int)c->argl[1], c->argv[1]);
    info_text(hd(c), c->argc == 2 ? section : NULL, &b);
    rc_resp_write_bulk(c->out, b.data ? b.data : "", b.len);
    rc_buf_free(&b);
}

/* ---- COMMAND --------------------------------------------------------------- */

static void lower_name(const char *name, char *out, size_t cap)
{
    size_t i = 0;
    for (; name[i] && i + 1 < cap; i++) out[i] = (char)tolower((unsigned char)name[i]);
    out[i] = '\0';
}

static void write_command_info(rc_buf_t *out, const rc_cmd_def_t *d)
{
    char lname[64];
    const char *flags[4];
    size_t nflags = 0;
    lower_name(d->name, lname, sizeof(lname));
    if (d->flags & RC_CMD_WRITE) flags[nflags++] = "write";
    if (d->flags & RC_CMD_READONLY) flags[nflags++] = "readonly";
    if (d->flags & RC_CMD_FAST) flags[nflags++] = "fast";
    if (d->flags & RC_CMD_NOAUTH) flags[nflags++] = "no_auth";
    rc_resp_write_array(out, 10);
    rc_resp_write_bulk_str(out, lname);
    rc_resp_write_int(out, d->arity);
    rc_resp_write_array(out, nflags);
    for (size_t i = 0; i < nflags; i++) rc_resp_write_status(out, flags[i]);
    rc_resp_write_int(out, d->first_key);
    rc_resp_write_int(out, d->last_key);
    rc_resp_write_int(out, d->key_step);
    rc_resp_write_array(out, 0); /* ACL categories */
    rc_resp_write_array(out, 0); /* tips */
    rc_resp_write_array(out, 0); /* key specs */
    rc_resp_write_array(out, 0); /* subcommands */
}

static const char *group_of(const rc_cmd_def_t *d)
{
    return strncmp(d->name, "KV.", 3) == 0 ? "rayc" : "generic";
}

static void write_command_docs(rc_buf_t *out, const rc_cmd_def_t *d)
{
    char lname[64];
    lower_name(d->name, lname, sizeof(lname));
    rc_resp_write_bulk_str(out, lname);
    rc_resp_write_array(out, 6);
    rc_resp_write_bulk_str(out, "summary");
    rc_resp_write_bulk_str(out, d->summary ? d->summary : "");
    rc_resp_write_bulk_str(out, "since");
    rc_resp_write_bulk_str(out, "1.0.0");
    rc_resp_write_bulk_str(out, "group");
    rc_resp_write_bulk_str(out, group_of(d));
}

static void cmd_command(rc_cmd_ctx_t *c)
{
    const rc_cmd_def_t **all;
    size_t n = rc_dispatch_all(&all);
    if (c->argc == 1) {
        rc_resp_write_array(c->out, n);
        for (size_t i = 0; i < n; i++) write_command_info(c->out, all[i]);
    } else if (rc_cmd_arg_is(c, 1, "COUNT") && c->argc == 2) {
        rc_resp_write_int(c->out, (int64_t)n);
    } else if (rc_cmd_arg_is(c, 1, "INFO")) {
        if (c->argc == 2) {
            rc_resp_write_array(c->out, n);
            for (size_t i = 0; i < n; i++) write_command_info(c->out, all[i]);
            return;
        }
        rc_resp_write_array(c->out, c->argc - 2);
        for (size_t i = 2; i < c->argc; i++) {
            const rc_cmd_def_t *d = rc_dispatch_lookup(c->argv[i], c->argl[i]);
            if (d)
                write_command_info(c->out, d);
            else
                rc_resp_write_nil_array(c->out);
        }
    } else if (rc_cmd_arg_is(c, 1, "DOCS")) {
        if (c->argc == 2) {
            rc_resp_write_array(c->out, n * 2);
            for (size_t i = 0; i < n; i++) write_command_docs(c->out, all[i]);
            return;
        }
        size_t found = 0;
        for (size_t i = 2; i < c->argc; i++)
            found += rc_dispatch_lookup(c->argv[i], c->argl[i]) != NULL;
        rc_resp_write_array(c->out, found * 2);
        for (size_t i = 2; i < c->argc; i++) {
            const rc_cmd_def_t *d = rc_dispatch_lookup(c->argv[i], c->argl[i]);
            if (d) write_command_docs(c->out, d);
        }
    } else if (rc_cmd_arg_is(c, 1, "LIST") && c->argc == 2) {
        char lname[64];
        rc_resp_write_array(c->out, n);
        for (size_t i = 0; i < n; i++) {
            lower_name(all[i]->name, lname, sizeof(lname));
            rc_resp_write_bulk_str(c->out, lname);
        }
    } else {
        rc_resp_write_errorf(c->out, "ERR unknown subcommand '%.*s'. Try COMMAND HELP.",
                             (int)(c->argl[1] > 64 ? 64 : c->argl[1]), c->argv[1]);
    }
}

/* ---- CLIENT ---------------------------------------------------------------- */

static void client_line(rc_client_t *x, uint64_t now, rc_buf_t *b)
{
    char lname[64] = "NULL";
    if (x->last_cmd) lower_name(x->last_cmd, lname, sizeof(lname));
    rc_buf_printf(b,
                  "id=%llu addr=%s laddr=%s fd=%d name=%s age=%llu idle=%llu flags=%s db=0 "
                  "sub=%zu psub=%zu multi=-1 qbuf=%zu qbuf-free=%zu obl=0 oll=0 omem=%zu "
                  "tot-mem=%zu events=r cmd=%s user=default resp=2\n",
                  (unsigned long long)x->id, x->addr, x->laddr, -1, x->name ? x->name : "",
                  (unsigned long long)((now - x->ctime_ms) / 1000),
                  (unsigned long long)((now - x->atime_ms) / 1000),
                  rc_client_in_pubsub(x) ? "P" : "N", x->channels ? rc_dict_size(x->channels) : 0,
                  x->patterns ? rc_dict_size(x->patterns) : 0, x->qbuf.len,
                  x->qbuf.cap > x->qbuf.len ? x->qbuf.cap - x->qbuf.len : 0,
                  x->out.len + x->wbuf.len, x->qbuf.cap + x->out.cap + x->wbuf.cap, lname);
}

static int valid_client_name(const char *s, size_t n)
{
    /* Redis refuses spaces, newlines and other non-printable characters. */
    for (size_t i = 0; i < n; i++)
        if (s[i] < '!' || s[i] > '~') return 0;
    return 1;
}

static void cmd_client(rc_cmd_ctx_t *c)
{
    rc_client_t *me = cl(c);
    uint64_t now = rc_clock_wall_ms();
    if (rc_cmd_arg_is(c, 1, "ID") && c->argc == 2) {
        rc_resp_write_int(c->out, (int64_t)me->id);
    } else if (rc_cmd_arg_is(c, 1, "SETNAME") && c->argc == 3) {
        if (!valid_client_name(c->argv[2], c->argl[2])) {
            rc_resp_write_error(c->out, "ERR Client names cannot contain spaces, newlines or "
                                        "special characters.");
            return;
        }
        rc_free(me->name);
        me->name = c->argl[2] ? rc_strndup(c->argv[2], c->argl[2]) : NULL;
        rc_resp_write_ok(c->out);
    } else if (rc_cmd_arg_is(c, 1, "GETNAME") && c->argc == 2) {
        if (me->name)
            rc_resp_write_bulk_str(c->out, me->name);
        else
            rc_resp_write_nil(c->out);
    } else if (rc_cmd_arg_is(c, 1, "LIST")) {
        rc_buf_t b = RC_BUF_INIT;
        for (rc_client_t *x = hd(c)->clients; x; x = x->next)
            if (x->state != RC_CONN_CLOSING) client_line(x, now, &b);
        rc_resp_write_bulk(c->out, b.data ? b.data : "", b.len);
        rc_buf_free(&b);
    } else if (rc_cmd_arg_is(c, 1, "INFO") && c->argc == 2) {
        rc_buf_t b = RC_BUF_INIT;
        client_line(me, now, &b);
        rc_resp_write_bulk(c->out, b.data, b.len);
        rc_buf_free(&b);
    } else if (rc_cmd_arg_is(c, 1, "SETINFO") && c->argc == 4) {
        rc_resp_write_ok(c->out); /* lib-name / lib-ver: accepted, not shown */
    } else if (rc_cmd_arg_is(c, 1, "KILL") && c->argc == 4 && rc_cmd_arg_is(c, 2, "ID")) {
        int64_t id;
        if (!rc_cmd_arg_i64(c, 3, &id)) {
            rc_resp_write_error(c->out, "ERR client-id should be greater than 0");
            return;
        }
        int64_t killed = 0;
        for (rc_client_t *x = hd(c)->clients; x; x = x->next) {
            if ((int64_t)x->id != id || x->state == RC_CONN_CLOSING) continue;
            killed++;
            if (x == me)
                x->state = RC_CONN_CLOSE_AFTER_REPLY;
            else
                rc_client_close(x, "CLIENT KILL");
        }
        rc_resp_write_int(c->out, killed);
    } else {
        rc_resp_write_errorf(c->out,
                             "ERR unknown subcommand or wrong number of arguments for '%.*s'. "
                             "Try CLIENT HELP.",
                             (int)(c->argl[1] > 64 ? 64 : c->argl[1]), c->argv[1]);
    }
}

/* ---- CONFIG ---------------------------------------------------------------- */

static int glob_ci(const char *p, const char *s)
{
    /* CONFIG GET patterns are simple globs over short fixed names. */
    if (*p == '\0') return *s == '\0';
    if (*p == '*') return glob_ci(p + 1, s) || (*s && glob_ci(p, s + 1));
    if (*s && (*p == '?' || tolower((unsigned char)*p) == tolower((unsigned char)*s)))
        return glob_ci(p + 1, s + 1);
    return 0;
}

static void cmd_config(rc_cmd_ctx_t *c)
{
    rc_head_t *h = hd(c);
    if (rc_cmd_arg_is(c, 1, "GET") && c->argc >= 3) {
        char port[16], maxclients[24], qbuf[24];
        snprintf(port, sizeof(port), "%d", h->gcs.port);
        snprintf(maxclients, sizeof(maxclients), "%zu", h->opts.max_clients);
        snprintf(qbuf, sizeof(qbuf), "%zu", h->opts.max_bulk);
        const char *params[][2] = {{"save", ""},
                                   {"appendonly", "no"},
                                   {"databases", "1"},
                                   {"port", port},
                                   {"bind", h->opts.bind_host},
                                   {"maxclients", maxclients},
                                   {"proto-max-bulk-len", qbuf},
                                   {"maxmemory", "0"},
                                   {"timeout", "0"},
                                   {"cluster-enabled", "no"}};
        size_t np = sizeof(params) / sizeof(params[0]);
        int match[sizeof(params) / sizeof(params[0])] = {0};
        size_t count = 0;
        for (size_t a = 2; a < c->argc; a++) {
            char pat[128];
            snprintf(pat, sizeof(pat), "%.*s", (int)(c->argl[a] > 127 ? 127 : c->argl[a]),
                     c->argv[a]);
            for (size_t i = 0; i < np; i++)
                if (!match[i] && glob_ci(pat, params[i][0])) {
                    match[i] = 1;
                    count++;
                }
        }
        rc_resp_write_array(c->out, count * 2);
        for (size_t i = 0; i < np; i++) {
            if (!match[i]) continue;
            rc_resp_write_bulk_str(c->out, params[i][0]);
            rc_resp_write_bulk_str(c->out, params[i][1]);
        }
    } else if (rc_cmd_arg_is(c, 1, "SET") && c->argc >= 4) {
        rc_resp_write_error(c->out, "ERR CONFIG SET is not supported by rayc: set options with "
                                    "`rayc start` flags and restart the head");
    } else if (rc_cmd_arg_is(c, 1, "RESETSTAT") && c->argc == 2) {
        h->total_commands = 0;
        h->total_connections = 0;
        h->rejected_connections = 0;
        h->ops_last_count = 0;
        rc_resp_write_ok(c->out);
    } else {
        rc_resp_write_errorf(c->out,
                             "ERR unknown subcommand or wrong number of arguments for '%.*s'. "
                             "Try CONFIG HELP.",
                             (int)(c->argl[1] > 64 ? 64 : c->argl[1]), c->argv[1]);
    }
}

#define NA RC_CMD_NOAUTH
#define CP RC_CMD_CLIENT
#define PS RC_CMD_PUBSUB
/* JOB.METADATA <submission_id> <json>: a job's driver adds string keys to its
 * job's metadata (the SDK's rayc_job_set_metadata), e.g. the figures it ends
 * with; the Jobs API (GET /api/jobs/ID) and the dashboard show them. */
static void cmd_job_metadata(rc_cmd_ctx_t *c)
{
    rc_head_t *h = hd(c);
    if (!h->jobs) {
        rc_resp_write_error(c->out, "ERR the Jobs API is not running on this head (it needs the "
                                    "dashboard and a storage directory)");
        return;
    }
    char id[RC_JOB_SUBMISSION_ID_MAX + 1];
    if (c->argl[1] == 0 || c->argl[1] > RC_JOB_SUBMISSION_ID_MAX) {
        rc_resp_write_error(c->out, "ERR not a submission id");
        return;
    }
    memcpy(id, c->argv[1], c->argl[1]);
    id[c->argl[1]] = '\0';
    const rc_job_t *j = rc_job_mgr_find(h->jobs, id);
    if (!j) {
        rc_resp_write_errorf(c->out, "NOTFOUND no job %s", id);
        return;
    }
    char err[300];
    rc_err_t rc = rc_job_mgr_set_metadata(h->jobs, j, c->argv[2], c->argl[2], err, sizeof(err));
    if (rc != RC_OK) {
        rc_resp_write_errorf(c->out, "ERR %s", err);
        return;
    }
    rc_resp_write_ok(c->out);
}

#define FST RC_CMD_FAST

const rc_cmd_def_t rc_server_commands[] = {
    {"PING", -1, FST | CP | PS, cmd_ping, 0, 0, 0, "Returns the server's liveliness response."},
    {"ECHO", 2, FST | CP, cmd_echo, 0, 0, 0, "Returns the given string."},
    {"AUTH", -2, NA | FST | CP | PS, cmd_auth, 0, 0, 0, "Authenticates the connection."},
    {"HELLO", -1, NA | FST | CP, cmd_hello, 0, 0, 0, "Handshakes with the server (RESP2 only)."},
    {"SELECT", 2, FST | CP, cmd_select, 0, 0, 0, "Changes the selected database (only 0)."},
    {"QUIT", -1, NA | FST | CP | PS, cmd_quit, 0, 0, 0, "Closes the connection."},
    {"RESET", 1, NA | FST | CP | PS, cmd_reset, 0, 0, 0, "Resets the connection."},
    {"INFO", -1, CP, cmd_info, 0, 0, 0, "Returns information and statistics about the server."},
    {"COMMAND", -1, CP, cmd_command, 0, 0, 0, "Returns detailed information about commands."},
    {"CLIENT", -2, CP, cmd_client, 0, 0, 0, "Manages connections (ID, SETNAME, LIST, KILL ...)."},
    {"CONFIG", -2, RC_CMD_ADMIN, cmd_config, 0, 0, 0, "Reads server configuration."},
    {"JOB.METADATA", 3, RC_CMD_WRITE | CP, cmd_job_metadata, 0, 0, 0,
     "Adds string keys to a job's metadata (its driver's figures)."},
};
const size_t rc_server_commands_count = sizeof(rc_server_commands) / sizeof(rc_server_commands[0]);
