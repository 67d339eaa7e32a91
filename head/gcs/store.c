/* store.c — the GCS storage backend: "memory" (every call a no-op) or a
 * write-through to an external Redis (see store.h for the contract).
 *
 * Two connections to Redis: a synchronous one (hiredis blocking API) used at
 * startup to check the URL and password and to read tables back, and an
 * asynchronous one (hiredis async + the libuv adapter) that carries the writes.
 * The asynchronous connection is an explicit state machine (conn_state_t);
 * every transition to CONN_DOWN goes through connection_down, which arms the
 * retry timer. The write queue is a FIFO of entries; `cursor` is the first
 * entry not yet sent on the current connection, so [head, cursor) is in flight
 * and replies (which Redis sends in order) always answer `head`.
 *
 * hiredis 0.14 freeing rules this file relies on: a context is freed by hiredis
 * itself after a failed connect callback and after the disconnect callback; it
 * may be freed by us only outside its callbacks (timers, close), and inside a
 * reply callback only redisAsyncDisconnect is allowed. Pending reply callbacks
 * are called with a NULL reply when a context goes away: NULL means "not
 * answered", the entry stays queued and is replayed. */
#include "store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "addr.h"
#include "alloc.h"
#include "clock.h"
#include "hiredis_uv.h"
#include "id.h"
#include "log.h"

#define COMP "store"

#define CONNECT_TIMEOUT_MS  2000 /* connect + handshake, sync and async */
#define LOAD_TIMEOUT_MS     10000
#define REPLY_TIMEOUT_MS    10000 /* no reply for this long with writes in flight: reconnect */
#define RETRY_MIN_MS        100
#define RETRY_MAX_MS        5000
#define WATCH_MS            250
#define DEFAULT_MAX_PENDING ((size_t)64 << 20)
/* In-flight window: bounds what hiredis copies into its output buffer, so a
 * replay of a full queue does not double its memory at once. */
#define WINDOW_BYTES       ((size_t)4 << 20)
#define WINDOW_COUNT       4096
#define SCAN_COUNT         "100"
#define DOWN_WARN_EVERY_MS 30000
#define ERR_LOG_EVERY_MS   1000

typedef enum { OP_PUT, OP_DEL } op_t;

typedef struct table {
    struct table *next;
    char *name;
    char *hkey; /* "rayc:<ns>:<name>" */
    size_t hklen;
} table_t;

typedef struct entry {
    struct entry *next;
    table_t *table;
    op_t op;
    size_t klen, vlen;
    char data[]; /* key, then value */
} entry_t;

typedef enum {
    CONN_DOWN,       /* no connection; the retry timer starts one */
    CONN_RESOLVING,  /* uv_getaddrinfo in flight */
    CONN_CONNECTING, /* TCP connect in progress */
    CONN_HANDSHAKE,  /* AUTH/SELECT sent, waiting for their replies */
    CONN_READY,      /* writes flow */
    CONN_DRAINING,   /* a reply said "not now": ignore the rest, disconnect, retry */
} conn_state_t;

/* Lives apart from the store: a getaddrinfo running on the thread pool cannot
 * always be cancelled, so close detaches it (s = NULL) and the callback frees it. */
typedef struct resolve {
    uv_getaddrinfo_t req;
    rc_store_t *s;
} resolve_t;

struct rc_store {
    int persistent;
    uv_loop_t *loop;
    rc_store_url_t url;
    char describe[300];
    char *prefix; /* "rayc:<ns>:" */
    table_t *tables;

    redisContext *sync;
    redisAsyncContext *ac;
    resolve_t *resolving;
    conn_state_t state;
    uint64_t state_since, last_progress;
    char drain_why[160];
    char last_why[320]; /* the reason last logged while down */

    entry_t *head, *tail, *cursor;
    size_t npending, pending_bytes, max_pending_bytes;
    size_t inflight_n, inflight_bytes;

    uint64_t writes, errors, reconnects, dropped;
    int ever_ready, overflowing, closing;
    uint64_t retry_ms, down_since, last_down_warn;
    uint64_t last_err_log, err_suppressed;

    uv_timer_t retry_timer, watch_timer, flush_timer;
    int handles_open;
};

/* ---- URL parsing (pure) ---- */

static rc_err_t pct_decode(const char *src, size_t n, char *dst, size_t cap, const char *what,
                           char *err, size_t errcap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '%') {
            int hi = i + 2 < n ? rc_hex_digit((unsigned char)src[i + 1]) : -1,
                lo = i + 2 < n ? rc_hex_digit((unsigned char)src[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                snprintf(err, errcap,
                         "bad percent-encoding in the %s of the redis URL: write a '%%' as %%25 "
                         "(and '@' as %%40, ':' as %%3A); %%00 is not allowed",
                         what);
                return RC_EINVAL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (o + 1 >= cap) {
            snprintf(err, errcap, "the %s in the redis URL is too long (at most %zu bytes)", what,
                     cap - 1);
            return RC_EINVAL;
        }
        dst[o++] = c;
    }
    dst[o] = '\0';
    return RC_OK;
}

static int host_char_ok(char c, int bracketed)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
    if (c == '.' || c == '-' || c == '_') return 1;
    return bracketed && (c == ':' || c == '%');
}

static int all_digits(const char *p, size_t n)
{
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return 0;
    return 1;
}

rc_err_t rc_store_url_parse(const char *url, rc_store_url_t *out, char *err, size_t errcap)
{
    static const char usage[] = "use \"memory\" or \"redis://[[user]:password@]host:port[/db]\"";
    memset(out, 0, sizeof(*out));
    if (!url || strcasecmp(url, "memory") == 0) {
        out->memory = 1;
        return RC_OK;
    }
    if (!*url) {
        snprintf(err, errcap, "empty storage backend: %s", usage);
        return RC_EINVAL;
    }
    const char *sep = strstr(url, "://");
    if (!sep) {
        /* Echo the text only when it cannot hold a password. */
        if (strchr(url, '@'))
            snprintf(err, errcap, "unknown storage backend: %s", usage);
        else
            snprintf(err, errcap, "unknown storage backend \"%.64s\": %s", url, usage);
        return RC_EINVAL;
    }
    size_t slen = (size_t)(sep - url);
    if (slen == 6 && strncasecmp(url, "rediss", 6) == 0) {
        snprintf(err, errcap,
                 "TLS not supported: rediss:// cannot be used; give a redis:// URL of a Redis "
                 "that accepts plain connections (e.g. through a local TLS tunnel)");
        return RC_EINVAL;
    }
    if (slen != 5 || strncasecmp(url, "redis", 5) != 0) {
        snprintf(err, errcap, "unknown scheme \"%.*s\" in the storage URL: %s",
                 (int)(slen > 16 ? 16 : slen), url, usage);
        return RC_EINVAL;
    }
    const char *p = sep + 3;
    const char *end = p + strcspn(p, "/?#");
    if (*end == '?' || *end == '#') {
        snprintf(err, errcap, "query strings and fragments are not supported in the redis URL: %s",
                 usage);
        return RC_EINVAL;
    }

    /* userinfo: up to the last '@', so an unencoded '@' in a password still works. */
    const char *at = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == '@') at = q;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        rc_err_t rc;
        if (colon) {
            rc = pct_decode(p, (size_t)(colon - p), out->user, sizeof(out->user), "user name", err,
                            errcap);
            if (rc == RC_OK)
                rc = pct_decode(colon + 1, (size_t)(at - colon - 1), out->password,
                                sizeof(out->password), "password", err, errcap);
        } else {
            /* "redis://secret@host": a password, as redis-cli reads it. */
            rc = pct_decode(p, (size_t)(at - p), out->password, sizeof(out->password), "password",
                            err, errcap);
        }
        if (rc != RC_OK) goto fail;
        p = at + 1;
    }

    const char *hs, *he, *portp = NULL;
    int bracketed = *p == '[';
    if (bracketed) {
        const char *rb = memchr(p, ']', (size_t)(end - p));
        if (!rb) {
            snprintf(err, errcap,
                     "missing ']' after the IPv6 address in the redis URL: write "
                     "redis://[ADDRESS]:PORT[/DB]");
            goto fail;
        }
        hs = p + 1;
        he = rb;
        if (rb + 1 < end) {
            if (rb[1] != ':') {
                snprintf(err, errcap,
                         "unexpected text after ']' in the redis URL: write "
                         "redis://[ADDRESS]:PORT[/DB]");
                goto fail;
            }
            portp = rb + 2;
        }
    } else {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        hs = p;
        he = colon ? colon : end;
        if (colon) portp = colon + 1;
    }
    if (he == hs) {
        snprintf(err, errcap,
                 "missing host in the redis URL: write redis://HOST:PORT[/DB], e.g. "
                 "redis://127.0.0.1:6379/0");
        goto fail;
    }
    size_t hlen = (size_t)(he - hs);
    for (size_t i = 0; i < hlen; i++) {
        if (!host_char_ok(hs[i], bracketed)) {
            snprintf(err, errcap,
                     "bad host \"%.*s\" in the redis URL: give a host name or an IP address "
                     "(IPv6 in brackets)",
                     (int)(hlen > 64 ? 64 : hlen), hs);
            goto fail;
        }
    }
    if (hlen >= sizeof(out->host)) {
        snprintf(err, errcap, "host name in the redis URL is too long (at most %zu bytes)",
                 sizeof(out->host) - 1);
        goto fail;
    }
    memcpy(out->host, hs, hlen);
    out->host[hlen] = '\0';

    out->port = 6379;
    if (portp) {
        size_t plen = (size_t)(end - portp);
        long port = all_digits(portp, plen) && plen <= 5 ? strtol(portp, NULL, 10) : -1;
        if (port < 1 || port > 65535) {
            snprintf(err, errcap,
                     "bad port \"%.*s\" in the redis URL: the port must be a number from 1 to "
                     "65535",
                     (int)(plen > 16 ? 16 : plen), portp);
            goto fail;
        }
        out->port = (int)port;
    }

    if (*end == '/') {
        const char *d = end + 1;
        size_t dlen = strlen(d);
        long db = dlen == 0 ? 0 : all_digits(d, dlen) && dlen <= 2 ? strtol(d, NULL, 10) : -1;
        if (db < 0 || db > 15) {
            snprintf(err, errcap,
                     "bad database \"%.*s\" in the redis URL: it must be a number from 0 to 15 "
                     "(redis://host:port/DB)",
                     (int)(dlen > 16 ? 16 : dlen), d);
            goto fail;
        }
        out->db = (int)db;
    }
    return RC_OK;
fail:
    explicit_bzero(out, sizeof(*out));
    return RC_EINVAL;
}

/* ---- tables and the write queue ---- */

static table_t *table_get(rc_store_t *s, const char *name)
{
    for (table_t *t = s->tables; t; t = t->next)
        if (strcmp(t->name, name) == 0) return t;
    table_t *t = rc_calloc(1, sizeof(*t));
    size_t plen = strlen(s->prefix), nlen = strlen(name);
    t->name = rc_strdup(name);
    t->hklen = plen + nlen;
    t->hkey = rc_malloc(t->hklen + 1);
    memcpy(t->hkey, s->prefix, plen);
    memcpy(t->hkey + plen, name, nlen + 1);
    t->next = s->tables;
    s->tables = t;
    return t;
}

static size_t entry_size(const entry_t *e)
{
    return sizeof(*e) + e->klen + e->vlen;
}

static void pop_head(rc_store_t *s)
{
    entry_t *e = s->head;
    s->head = e->next;
    if (!s->head) s->tail = NULL;
    s->npending--;
    s->pending_bytes -= entry_size(e);
    rc_free(e);
    if (s->overflowing && s->pending_bytes <= s->max_pending_bytes / 2) {
        s->overflowing = 0;
        rc_log_warn(COMP,
                    "write-through queue below its limit again url=%s dropped=%llu: the dropped "
                    "writes stay missing from Redis until those records are written again",
                    s->describe, (unsigned long long)s->dropped);
    }
}

static void log_write_error(rc_store_t *s, const entry_t *e, const char *msg)
{
    uint64_t now = rc_clock_mono_ms();
    if (s->last_err_log && now - s->last_err_log < ERR_LOG_EVERY_MS) {
        s->err_suppressed++;
        return;
    }
    rc_log_error(COMP,
                 "redis rejected a write, the record is not persisted url=%s cmd=%s hash=%s "
                 "error=\"%.200s\" suppressed=%llu",
                 s->describe, e->op == OP_PUT ? "HSET" : "HDEL", e->table->hkey, msg,
                 (unsigned long long)s->err_suppressed);
    s->last_err_log = now;
    s->err_suppressed = 0;
}

/* Replies that mean "this server cannot take writes right now" rather than
 * "this write is wrong": retry on a new connection instead of dropping. */
static int is_transient(const char *msg)
{
    static const char *const prefixes[] = {"LOADING", "BUSY ",    "READONLY",   "MASTERDOWN",
                                           "NOAUTH",  "TRYAGAIN", "CLUSTERDOWN"};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(msg, prefixes[i], strlen(prefixes[i])) == 0) return 1;
    return 0;
}

/* ---- the asynchronous connection ---- */

static void start_connect(rc_store_t *s);
static void pump(rc_store_t *s);

static void set_state(rc_store_t *s, conn_state_t st)
{
    s->state = st;
    s->state_since = rc_clock_mono_ms();
}

static void on_retry(uv_timer_t *t)
{
    rc_store_t *s = t->data;
    if (s->state == CONN_DOWN && !s->closing) start_connect(s);
}

/* The one way into CONN_DOWN: the connection (or an attempt) is gone and no
 * hiredis context is ours any more; everything queued is unsent again. */
static void connection_down(rc_store_t *s, const char *why)
{
    uint64_t now = rc_clock_mono_ms();
    s->cursor = s->head;
    s->inflight_n = 0;
    s->inflight_bytes = 0;
    set_state(s, CONN_DOWN);
    if (s->closing) return;
    if (!s->down_since) {
        s->down_since = now;
        s->last_down_warn = now;
        rc_log_warn(COMP,
                    "write-through to Redis interrupted, keeping writes queued in memory and "
                    "reconnecting url=%s error=\"%s\" queued=%zu",
                    s->describe, why, s->npending);
    } else if (strcmp(why, s->last_why) != 0 || now - s->last_down_warn >= DOWN_WARN_EVERY_MS) {
        /* A new reason (e.g. AUTH refused after "connection refused") is worth
         * a line at once; the same one only every 30 s. */
        s->last_down_warn = now;
        rc_log_warn(COMP,
                    "still cannot reach Redis url=%s down_s=%llu error=\"%s\" queued=%zu bytes=%zu",
                    s->describe, (unsigned long long)((now - s->down_since) / 1000), why,
                    s->npending, s->pending_bytes);
    } else {
        rc_log_debug(COMP, "reconnect failed url=%s error=\"%s\" retry_ms=%llu", s->describe, why,
                     (unsigned long long)s->retry_ms);
    }
    snprintf(s->last_why, sizeof(s->last_why), "%s", why);
    uv_timer_start(&s->retry_timer, on_retry, s->retry_ms, 0);
    s->retry_ms = s->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : s->retry_ms * 2;
}

/* Only outside hiredis callbacks (timers, close). */
static void abort_connection(rc_store_t *s, const char *why)
{
    redisAsyncContext *ac = s->ac;
    /* Detach first: the callbacks hiredis runs while freeing see s->ac != ac. */
    s->ac = NULL;
    if (ac) redisAsyncFree(ac);
    connection_down(s, why);
}

/* Inside a reply callback: stop using this connection; hiredis disconnects
 * once the replies still due have arrived, then on_disconnect retries. */
static void drain(rc_store_t *s, redisAsyncContext *ac)
{
    set_state(s, CONN_DRAINING);
    redisAsyncDisconnect(ac);
}

static void become_ready(rc_store_t *s)
{
    set_state(s, CONN_READY);
    s->retry_ms = RETRY_MIN_MS;
    s->last_progress = rc_clock_mono_ms();
    if (s->ever_ready) s->reconnects++;
    if (s->down_since) {
        rc_log_info(
            COMP, "reconnected to Redis, replaying queued writes url=%s down_ms=%llu queued=%zu",
            s->describe, (unsigned long long)(rc_clock_mono_ms() - s->down_since), s->npending);
        s->down_since = 0;
    }
    s->ever_ready = 1;
    pump(s);
}

static void on_write_reply(redisAsyncContext *ac, void *r, void *priv)
{
    rc_store_t *s = ac->data;
    redisReply *reply = r;
    entry_t *e = priv;
    if (!reply || !s || s->ac != ac || s->state != CONN_READY) return;
    RC_ASSERT(e == s->head && s->inflight_n > 0);
    if (reply->type == REDIS_REPLY_ERROR) {
        if (is_transient(reply->str)) {
            snprintf(s->drain_why, sizeof(s->drain_why), "Redis answered: %.120s", reply->str);
            drain(s, ac);
            return;
        }
        s->errors++;
        log_write_error(s, e, reply->str);
    } else {
        s->writes++;
    }
    s->last_progress = rc_clock_mono_ms();
    s->inflight_n--;
    s->inflight_bytes -= entry_size(e);
    pop_head(s);
    pump(s);
}

static void on_handshake_reply(redisAsyncContext *ac, void *r, void *priv)
{
    rc_store_t *s = ac->data;
    redisReply *reply = r;
    const char *what = priv;
    if (!reply || !s || s->ac != ac || s->state != CONN_HANDSHAKE) return;
    if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(s->drain_why, sizeof(s->drain_why), "%s refused: %.120s", what, reply->str);
        drain(s, ac);
        return;
    }
    if (strcmp(what, "SELECT") == 0) become_ready(s);
}

static void on_connect(const redisAsyncContext *cac, int status)
{
    rc_store_t *s = cac->data;
    if (!s || s->ac != cac) return;
    redisAsyncContext *ac = s->ac;
    if (status != REDIS_OK) {
        char why[160];
        snprintf(why, sizeof(why), "%s", cac->errstr);
        /* hiredis frees the context when this returns. */
        s->ac = NULL;
        connection_down(s, why);
        return;
    }
    set_state(s, CONN_HANDSHAKE);
    /* Failures to queue a command here cannot happen on a fresh context; if one
     * did, the handshake never completes and the watchdog reconnects (freeing
     * the context from this callback is not allowed). */
    if (s->url.password[0]) {
        const char *argv[3];
        size_t lens[3];
        int argc = 0;
        argv[argc] = "AUTH";
        lens[argc++] = 4;
        if (s->url.user[0]) {
            argv[argc] = s->url.user;
            lens[argc++] = strlen(s->url.user);
        }
        argv[argc] = s->url.password;
        lens[argc++] = strlen(s->url.password);
        redisAsyncCommandArgv(ac, on_handshake_reply, (void *)"AUTH", argc, argv, lens);
    }
    char db[16];
    int dblen = snprintf(db, sizeof(db), "%d", s->url.db);
    const char *argv[2] = {"SELECT", db};
    size_t lens[2] = {6, (size_t)dblen};
    redisAsyncCommandArgv(ac, on_handshake_reply, (void *)"SELECT", 2, argv, lens);
}

static void on_disconnect(const redisAsyncContext *cac, int status)
{
    rc_store_t *s = cac->data;
    /* s->ac != cac: we freed it ourselves and already went down. */
    if (!s || s->ac != cac) return;
    s->ac = NULL;
    char why[160];
    if (s->state == CONN_DRAINING)
        snprintf(why, sizeof(why), "%s", s->drain_why);
    else
        snprintf(why, sizeof(why), "%s",
                 status == REDIS_OK || !cac->errstr[0] ? "connection closed" : cac->errstr);
    connection_down(s, why);
}

static void async_connect(rc_store_t *s, const char *ip)
{
    redisAsyncContext *ac = redisAsyncConnect(ip, s->url.port);
    if (!ac) {
        connection_down(s, "out of memory");
        return;
    }
    if (ac->err) {
        char why[160];
        snprintf(why, sizeof(why), "%s", ac->errstr);
        redisAsyncFree(ac);
        connection_down(s, why);
        return;
    }
    ac->data = s;
    /* Not hiredis's own adapter: it would never report a reset connection. */
    if (rc_hiredis_uv_attach(ac, s->loop) != REDIS_OK) {
        redisAsyncFree(ac);
        connection_down(s, "cannot watch the socket");
        return;
    }
    s->ac = ac;
    set_state(s, CONN_CONNECTING);
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    resolve_t *r = (resolve_t *)req;
    rc_store_t *s = r->s;
    char ip[INET6_ADDRSTRLEN] = "";
    if (s && status == 0) {
        /* IPv4 first, as hiredis does: a name often has both and Redis often
         * listens on IPv4 only. */
        for (int pass = 0; pass < 2 && !ip[0]; pass++) {
            for (struct addrinfo *a = res; a; a = a->ai_next) {
                if (pass == 0 && a->ai_family == AF_INET) {
                    inet_ntop(AF_INET, &((struct sockaddr_in *)a->ai_addr)->sin_addr, ip,
                              sizeof(ip));
                    break;
                }
                if (pass == 1 && a->ai_family == AF_INET6) {
                    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr, ip,
                              sizeof(ip));
                    break;
                }
            }
        }
    }
    if (res) uv_freeaddrinfo(res);
    rc_free(r);
    if (!s) return;
    s->resolving = NULL;
    if (status != 0 || !ip[0]) {
        char why[320];
        snprintf(why, sizeof(why), "cannot resolve %s: %s", s->url.host,
                 status != 0 ? uv_strerror(status) : "no IPv4 or IPv6 address");
        connection_down(s, why);
        return;
    }
    async_connect(s, ip);
}

/* Resolving on the thread pool keeps a slow DNS from blocking the loop;
 * hiredis would call getaddrinfo inline. */
static void start_connect(rc_store_t *s)
{
    resolve_t *r = rc_malloc(sizeof(*r));
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    r->s = s;
    int rc = uv_getaddrinfo(s->loop, &r->req, on_resolved, s->url.host, NULL, &hints);
    if (rc != 0) {
        rc_free(r);
        char why[320];
        snprintf(why, sizeof(why), "cannot resolve %s: %s", s->url.host, uv_strerror(rc));
        connection_down(s, why);
        return;
    }
    s->resolving = r;
    set_state(s, CONN_RESOLVING);
}

static void pump(rc_store_t *s)
{
    while (s->state == CONN_READY && s->cursor) {
        if (s->inflight_n > 0 &&
            (s->inflight_n >= WINDOW_COUNT || s->inflight_bytes >= WINDOW_BYTES))
            break;
        entry_t *e = s->cursor;
        const char *argv[4] = {e->op == OP_PUT ? "HSET" : "HDEL", e->table->hkey, e->data,
                               e->data + e->klen};
        size_t lens[4] = {4, e->table->hklen, e->klen, e->vlen};
        int argc = e->op == OP_PUT ? 4 : 3;
        /* Fails only while hiredis tears the context down; its disconnect
         * path then resets the cursor. */
        if (redisAsyncCommandArgv(s->ac, on_write_reply, e, argc, argv, lens) != REDIS_OK) break;
        if (s->inflight_n == 0) s->last_progress = rc_clock_mono_ms();
        s->inflight_n++;
        s->inflight_bytes += entry_size(e);
        s->cursor = e->next;
    }
}

static void on_watch(uv_timer_t *t)
{
    rc_store_t *s = t->data;
    uint64_t now = rc_clock_mono_ms();
    const char *why = NULL;
    switch (s->state) {
    case CONN_CONNECTING:
    case CONN_HANDSHAKE:
        if (now - s->state_since >= CONNECT_TIMEOUT_MS)
            why = "no answer within 2 s while connecting";
        break;
    case CONN_READY:
        if (s->inflight_n > 0 && now - s->last_progress >= REPLY_TIMEOUT_MS)
            why = "no reply within 10 s";
        break;
    case CONN_DRAINING:
        if (now - s->state_since >= REPLY_TIMEOUT_MS) why = s->drain_why;
        break;
    default: break;
    }
    if (why) {
        char copy[160];
        snprintf(copy, sizeof(copy), "%s", why);
        abort_connection(s, copy);
    }
}

static void on_flush_timer(uv_timer_t *t)
{
    (void)t; /* only wakes uv_run(UV_RUN_ONCE) in rc_store_flush */
}

static void on_handle_closed(uv_handle_t *h)
{
    rc_store_t *s = h->data;
    s->handles_open--;
}

static void enqueue(rc_store_t *s, op_t op, const char *table, const void *key, size_t klen,
                    const void *val, size_t vlen)
{
    if (!s || !s->persistent || s->closing) return;
    RC_ASSERT(table && *table);
    size_t size = sizeof(entry_t) + klen + vlen;
    entry_t *e = NULL;
    if (s->pending_bytes + size <= s->max_pending_bytes) e = rc_try_malloc(size);
    if (!e) {
        s->errors++;
        s->dropped++;
        if (!s->overflowing) {
            s->overflowing = 1;
            rc_log_error(COMP,
                         "write-through queue full, dropping writes: the external Redis no longer "
                         "holds all GCS data url=%s queued=%zu bytes=%zu limit=%zu write_bytes=%zu",
                         s->describe, s->npending, s->pending_bytes, s->max_pending_bytes, size);
        }
        return;
    }
    e->next = NULL;
    e->table = table_get(s, table);
    e->op = op;
    e->klen = klen;
    e->vlen = vlen;
    if (klen) memcpy(e->data, key, klen);
    if (vlen) memcpy(e->data + klen, val, vlen);
    if (s->tail)
        s->tail->next = e;
    else
        s->head = e;
    s->tail = e;
    if (!s->cursor) s->cursor = e;
    s->npending++;
    s->pending_bytes += size;
    pump(s);
}

void rc_store_put(rc_store_t *s, const char *table, const void *key, size_t klen, const void *val,
                  size_t vlen)
{
    enqueue(s, OP_PUT, table, key, klen, val, vlen);
}

void rc_store_del(rc_store_t *s, const char *table, const void *key, size_t klen)
{
    enqueue(s, OP_DEL, table, key, klen, NULL, 0);
}

/* ---- the synchronous connection ---- */

static int io_timed_out(const redisContext *c)
{
    return strstr(c->errstr, "temporarily unavailable") || strstr(c->errstr, "timed out");
}

/* Runs one command on the sync connection; on a transport failure it fills err,
 * drops the connection and returns NULL with *rc set. */
static redisReply *sync_cmd(rc_store_t *s, const char *what, int argc, const char **argv,
                            const size_t *lens, rc_err_t *rc, char *err, size_t errcap)
{
    redisReply *r = redisCommandArgv(s->sync, argc, argv, lens);
    if (r) return r;
    if (io_timed_out(s->sync)) {
        snprintf(err, errcap,
                 "redis at %s:%d did not answer %s in time: check that it is a Redis server and "
                 "not overloaded",
                 s->url.host, s->url.port, what);
        *rc = RC_ETIMEOUT;
    } else {
        snprintf(err, errcap, "lost the connection to redis at %s:%d during %s: %s", s->url.host,
                 s->url.port, what, s->sync->errstr);
        *rc = RC_EIO;
    }
    redisFree(s->sync);
    s->sync = NULL;
    return NULL;
}

static rc_err_t sync_connect(rc_store_t *s, char *err, size_t errcap)
{
    const char *host = s->url.host;
    int port = s->url.port;
    struct timeval tv = {CONNECT_TIMEOUT_MS / 1000, (CONNECT_TIMEOUT_MS % 1000) * 1000};
    redisReply *r = NULL;
    rc_err_t rc = RC_OK;
    s->sync = redisConnectWithTimeout(host, port, tv);
    if (!s->sync) {
        snprintf(err, errcap, "cannot connect to redis at %s:%d: out of memory", host, port);
        return RC_ENOMEM;
    }
    if (s->sync->err) {
        rc = io_timed_out(s->sync) ? RC_ETIMEOUT : RC_ECONN;
        snprintf(err, errcap,
                 "cannot connect to redis at %s:%d: %s; check that Redis runs there and is "
                 "reachable from this host, or use --gcs-storage memory",
                 host, port, s->sync->errstr);
        goto fail;
    }
    redisSetTimeout(s->sync, tv);

    if (s->url.password[0]) {
        const char *argv[3];
        size_t lens[3];
        int argc = 0;
        argv[argc] = "AUTH";
        lens[argc++] = 4;
        if (s->url.user[0]) {
            argv[argc] = s->url.user;
            lens[argc++] = strlen(s->url.user);
        }
        argv[argc] = s->url.password;
        lens[argc++] = strlen(s->url.password);
        r = sync_cmd(s, "AUTH", argc, argv, lens, &rc, err, errcap);
        if (!r) goto fail;
        if (r->type == REDIS_REPLY_ERROR) {
            rc = RC_EAUTH;
            if (strstr(r->str, "without any password configured"))
                snprintf(err, errcap,
                         "redis at %s:%d has no password set but the storage URL gives one: "
                         "remove the password from the URL or set one on the server",
                         host, port);
            else
                snprintf(err, errcap,
                         "redis at %s:%d refused the password%s%s (%.120s): check the password "
                         "in the storage URL redis://[user]:PASSWORD@host:port",
                         host, port, s->url.user[0] ? " for user " : "", s->url.user, r->str);
            goto fail;
        }
        freeReplyObject(r);
        r = NULL;
    }

    char db[16];
    int dblen = snprintf(db, sizeof(db), "%d", s->url.db);
    const char *sel[2] = {"SELECT", db};
    size_t sel_lens[2] = {6, (size_t)dblen};
    r = sync_cmd(s, "SELECT", 2, sel, sel_lens, &rc, err, errcap);
    if (!r) goto fail;
    if (r->type == REDIS_REPLY_ERROR) {
        if (strncmp(r->str, "NOAUTH", 6) == 0) {
            rc = RC_EAUTH;
            snprintf(err, errcap,
                     "redis at %s:%d requires a password: put it in the storage URL as "
                     "redis://:PASSWORD@%s:%d/%d",
                     host, port, host, port, s->url.db);
        } else {
            rc = RC_EINVAL;
            snprintf(err, errcap,
                     "redis at %s:%d refused database %d (%.120s): use a database number the "
                     "server has",
                     host, port, s->url.db, r->str);
        }
        goto fail;
    }
    freeReplyObject(r);

    const char *ping[1] = {"PING"};
    size_t ping_len[1] = {4};
    r = sync_cmd(s, "PING", 1, ping, ping_len, &rc, err, errcap);
    if (!r) goto fail;
    if (r->type != REDIS_REPLY_STATUS || strcmp(r->str, "PONG") != 0) {
        rc = RC_EPROTO;
        snprintf(err, errcap, "redis at %s:%d gave an unexpected answer to PING%s%.120s", host,
                 port, r->type == REDIS_REPLY_ERROR ? ": " : "",
                 r->type == REDIS_REPLY_ERROR ? r->str : "");
        goto fail;
    }
    freeReplyObject(r);
    struct timeval load_tv = {LOAD_TIMEOUT_MS / 1000, 0};
    redisSetTimeout(s->sync, load_tv);
    return RC_OK;
fail:
    if (r) freeReplyObject(r);
    if (s->sync) redisFree(s->sync);
    s->sync = NULL;
    return rc;
}

/* ---- public API ---- */

rc_err_t rc_store_open(uv_loop_t *loop, const char *url, const char *ns, rc_store_t **out,
                       char *err, size_t errcap)
{
    *out = NULL;
    rc_store_t *s = rc_calloc(1, sizeof(*s));
    rc_err_t rc = rc_store_url_parse(url, &s->url, err, errcap);
    if (rc != RC_OK) goto fail;
    s->loop = loop;
    if (s->url.memory) {
        snprintf(s->describe, sizeof(s->describe), "memory");
        *out = s;
        return RC_OK;
    }
    if (!loop) {
        snprintf(err, errcap, "the redis storage backend needs an event loop");
        rc = RC_EINVAL;
        goto fail;
    }
    s->persistent = 1;
    int n = rc_addr_join("redis://", s->url.host, s->url.port, s->describe, sizeof(s->describe));
    if (n > 0 && (size_t)n < sizeof(s->describe))
        snprintf(s->describe + n, sizeof(s->describe) - (size_t)n, "/%d", s->url.db);
    if (!ns || !*ns) ns = "default";
    size_t nslen = strlen(ns);
    s->prefix = rc_malloc(nslen + 7);
    snprintf(s->prefix, nslen + 7, "rayc:%s:", ns);
    s->max_pending_bytes = DEFAULT_MAX_PENDING;
    s->retry_ms = RETRY_MIN_MS;

    /* Checked now so a wrong URL or password fails the start-up; the
     * connection is not kept (an idle one may be closed by Redis's timeout). */
    rc = sync_connect(s, err, errcap);
    if (rc != RC_OK) goto fail;
    redisFree(s->sync);
    s->sync = NULL;

    uv_timer_t *timers[3] = {&s->retry_timer, &s->watch_timer, &s->flush_timer};
    for (int i = 0; i < 3; i++) {
        uv_timer_init(loop, timers[i]);
        timers[i]->data = s;
        s->handles_open++;
    }
    uv_timer_start(&s->watch_timer, on_watch, WATCH_MS, WATCH_MS);
    /* Housekeeping must not keep a loop alive on its own. */
    uv_unref((uv_handle_t *)&s->watch_timer);
    set_state(s, CONN_DOWN);
    start_connect(s);
    rc_log_info(COMP, "write-through storage opened url=%s namespace=%s", s->describe, ns);
    *out = s;
    return RC_OK;
fail:
    rc_free(s->prefix);
    explicit_bzero(&s->url, sizeof(s->url));
    rc_free(s);
    return rc;
}

int rc_store_is_persistent(const rc_store_t *s)
{
    return s && s->persistent;
}

const char *rc_store_describe(const rc_store_t *s)
{
    return s ? s->describe : "memory";
}

void rc_store_set_max_pending_bytes(rc_store_t *s, size_t bytes)
{
    if (s) s->max_pending_bytes = bytes;
}

rc_err_t rc_store_load(rc_store_t *s, const char *table, rc_store_entry_fn fn, void *arg, char *err,
                       size_t errcap)
{
    if (!s || !s->persistent) return RC_OK;
    RC_ASSERT(table && *table);
    rc_err_t rc = sync_connect(s, err, errcap);
    if (rc != RC_OK) return rc;
    table_t *t = table_get(s, table);
    char cursor[32] = "0";
    redisReply *r = NULL;
    do {
        const char *argv[5] = {"HSCAN", t->hkey, cursor, "COUNT", SCAN_COUNT};
        size_t lens[5] = {5, t->hklen, strlen(cursor), 5, strlen(SCAN_COUNT)};
        r = sync_cmd(s, "HSCAN", 5, argv, lens, &rc, err, errcap);
        if (!r) goto done;
        if (r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errcap,
                     "redis at %s:%d refused to read %s (%.120s): the key must be a hash that "
                     "only rayc writes",
                     s->url.host, s->url.port, t->hkey, r->str);
            rc = RC_EPROTO;
            goto done;
        }
        int ok = r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                 r->element[0]->type == REDIS_REPLY_STRING && r->element[0]->len < sizeof(cursor) &&
                 r->element[1]->type == REDIS_REPLY_ARRAY && r->element[1]->elements % 2 == 0;
        for (size_t i = 0; ok && i < r->element[1]->elements; i++)
            ok = r->element[1]->element[i]->type == REDIS_REPLY_STRING;
        if (!ok) {
            snprintf(err, errcap, "unexpected reply to HSCAN %s from redis at %s:%d", t->hkey,
                     s->url.host, s->url.port);
            rc = RC_EPROTO;
            goto done;
        }
        memcpy(cursor, r->element[0]->str, r->element[0]->len);
        cursor[r->element[0]->len] = '\0';
        redisReply *items = r->element[1];
        for (size_t i = 0; i < items->elements; i += 2)
            fn(arg, items->element[i]->str, items->element[i]->len, items->element[i + 1]->str,
               items->element[i + 1]->len);
        freeReplyObject(r);
        r = NULL;
    } while (strcmp(cursor, "0") != 0);
done:
    if (r) freeReplyObject(r);
    if (s->sync) redisFree(s->sync);
    s->sync = NULL;
    return rc;
}

size_t rc_store_pending(const rc_store_t *s)
{
    return s ? s->npending : 0;
}

rc_err_t rc_store_flush(rc_store_t *s, uint64_t timeout_ms)
{
    if (!s || !s->persistent || s->npending == 0) return RC_OK;
    uint64_t deadline = rc_clock_mono_ms() + timeout_ms;
    /* A ref'd timer bounds each uv_run(ONCE), whatever else the loop waits for. */
    uv_timer_start(&s->flush_timer, on_flush_timer, timeout_ms, 0);
    while (s->npending > 0 && (uint64_t)rc_clock_mono_ms() < deadline) uv_run(s->loop, UV_RUN_ONCE);
    uv_timer_stop(&s->flush_timer);
    return s->npending == 0 ? RC_OK : RC_ETIMEOUT;
}

void rc_store_close(rc_store_t *s)
{
    if (!s) return;
    if (s->persistent) {
        if (s->npending > 0 && rc_store_flush(s, 1000) != RC_OK)
            rc_log_warn(COMP,
                        "closing with writes Redis never acknowledged, they are lost url=%s "
                        "lost=%zu",
                        s->describe, s->npending);
        s->closing = 1;
        if (s->resolving) {
            s->resolving->s = NULL;
            uv_cancel((uv_req_t *)&s->resolving->req);
            s->resolving = NULL;
        }
        if (s->ac) {
            redisAsyncContext *ac = s->ac;
            s->ac = NULL;
            redisAsyncFree(ac);
        }
        uv_close((uv_handle_t *)&s->retry_timer, on_handle_closed);
        uv_close((uv_handle_t *)&s->watch_timer, on_handle_closed);
        uv_close((uv_handle_t *)&s->flush_timer, on_handle_closed);
        /* Also runs the close of the adapter's poll handle, which frees it. */
        while (s->handles_open > 0) uv_run(s->loop, UV_RUN_NOWAIT);
        s->overflowing = 0;
        while (s->head) pop_head(s);
        for (table_t *t = s->tables, *next; t; t = next) {
            next = t->next;
            rc_free(t->name);
            rc_free(t->hkey);
            rc_free(t);
        }
        if (s->sync) redisFree(s->sync);
        rc_free(s->prefix);
    }
    explicit_bzero(&s->url, sizeof(s->url));
    rc_free(s);
}

void rc_store_stats(const rc_store_t *s, rc_store_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    if (!s) return;
    out->connected = s->persistent ? s->state == CONN_READY : 1;
    out->writes = s->writes;
    out->errors = s->errors;
    out->reconnects = s->reconnects;
    out->pending = s->npending;
}
