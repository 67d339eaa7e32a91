/* client.c — the SDK's connection, batching and commands; see client.h and rayc.h. */
#include "client.h"

#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "addr.h"
#include "alloc.h"
#include "buf.h"
#include "id.h"
#include "spec.h"
#include "bigobj.h"
#include "value.h"

#define OWED_CAP 64
#define ERR_CAP  1024

enum { OWED_SUBMIT, OWED_RELEASE };

typedef struct {
    uint8_t kind;
    uint32_t n; /* tasks or refs the command carried, for messages */
} owed_t;

struct rayc_client {
    pthread_mutex_t mu;
    redisContext *ctx; /* NULL after a lost connection, until the next call reconnects */
    rc_addr_t addr;
    char where[300]; /* "host:port" for messages */
    char *password;  /* NULL: no AUTH */
    int sock_ms;     /* socket timeout now set on ctx; -2: unknown */

    rc_spec_enc_t enc;
    rc_buf_t batch; /* TaskSpecBatch bytes of the pending tasks */
    size_t batch_n;

    owed_t owed[OWED_CAP]; /* FIFO of replies the server still owes */
    size_t owed_head, owed_len;
    int deferred; /* error of a batch reply, reported by the next call */
    char deferred_msg[ERR_CAP];

    rc_buf_t hex; /* scratch: hex ids of a command */
    const char **argv;
    size_t *argvlen;
    size_t argvcap;

    char err[ERR_CAP];
    rc_objxfer_client_t *xfer; /* values over 100 KiB (bigobj.h); made at first use */
};

/* rayc_connect has no client to keep its message in when it fails. */
static _Thread_local char connect_err[ERR_CAP];

static const char *const err_texts[] = {
#define RAYC_ERR_TEXT(name, text) text,
    RAYC_ERRORS(RAYC_ERR_TEXT)
#undef RAYC_ERR_TEXT
};

const char *rayc_strerror(int err)
{
    if (err < 0 || (size_t)err >= sizeof(err_texts) / sizeof(err_texts[0])) return "unknown error";
    return err_texts[err];
}

void rayc_ref_hex(const rayc_ref_t *ref, char out[33])
{
    rc_id_t id;
    memcpy(id.b, ref->id, sizeof(id.b));
    rc_id_to_hex(&id, out);
}

const char *rc_client_password(const char *given)
{
    if (given) return given;
    const char *env = getenv("RAYC_REDIS_PASSWORD");
    return env;
}

const char *rayc_last_error(rayc_client_t *c)
{
    return c ? c->err : connect_err;
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, ERR_CAP, fmt, ap);
    va_end(ap);
    return code;
}

static struct timeval tv_of(int ms)
{
    struct timeval tv = {ms / 1000, (suseconds_t)(ms % 1000) * 1000};
    return tv;
}

static void lower_copy(char *out, size_t cap, const char *s)
{
    size_t i;
    for (i = 0; s[i] && i + 1 < cap; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    out[i] = '\0';
}

static int is_timeout_text(const char *lower)
{
    return strstr(lower, "timed out") || strstr(lower, "timeout") ||
           strstr(lower, "resource temporarily unavailable");
}

/* Opens, authenticates and checks (PING) a connection. */
static int open_conn(const rc_addr_t *a, const char *where, const char *password,
                     redisContext **out, char *err)
{
    *out = NULL;
    char lower[256];
    redisContext *ctx = redisConnectWithTimeout(a->host, a->port, tv_of(RC_CLIENT_CONNECT_MS));
    if (!ctx) return fail(err, RAYC_ENOMEM, "cannot reach the cluster at %s: out of memory", where);
    if (ctx->err) {
        lower_copy(lower, sizeof(lower), ctx->errstr);
        int code = RAYC_ECONNECT;
        if (is_timeout_text(lower))
            fail(err, code,
                 "cannot reach the cluster at %s: timed out after %d s (is the address right and "
                 "the port open? a firewall may drop the packets)",
                 where, RC_CLIENT_CONNECT_MS / 1000);
        else
            fail(err, code,
                 "cannot reach the cluster at %s: %s (is the head running? `rayc start --head`)",
                 where, lower);
        redisFree(ctx);
        return code;
    }
    /* Small tasks are latency-bound: never let Nagle hold a command back. */
    int one = 1;
    setsockopt(ctx->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    redisSetTimeout(ctx, tv_of(RC_CLIENT_CONNECT_MS));

    redisReply *r = NULL;
    int code = RAYC_OK;
    if (password && *password) {
        r = redisCommand(ctx, "AUTH %s", password);
        if (!r) goto io_fail;
        /* A head without a password refuses AUTH; the commands still work. */
        if (r->type == REDIS_REPLY_ERROR && !strstr(r->str, "without any password configured")) {
            code = fail(err, RAYC_EAUTH,
                        "the cluster at %s refused the password: %s (it must be the head's "
                        "--redis-password; pass it to rayc_connect or set RAYC_REDIS_PASSWORD)",
                        where, r->str);
            goto fail;
        }
        freeReplyObject(r);
    }
    r = redisCommand(ctx, "PING");
    if (!r) goto io_fail;
    if (r->type == REDIS_REPLY_ERROR) {
        if (strncmp(r->str, "NOAUTH", 6) == 0)
            code = fail(err, RAYC_EAUTH,
                        "the cluster at %s requires a password: pass it to rayc_connect or set "
                        "RAYC_REDIS_PASSWORD (the head's --redis-password)",
                        where);
        else
            code = fail(err, RAYC_ECONNECT, "the server at %s answered PING with an error: %s",
                        where, r->str);
        goto fail;
    }
    freeReplyObject(r);
    *out = ctx;
    return RAYC_OK;
io_fail:
    lower_copy(lower, sizeof(lower), ctx->errstr);
    code = fail(err, RAYC_ECONNECT,
                "cannot talk to the cluster at %s: %s (is it a rayc head? `rayc start --head`)",
                where, ctx->err == REDIS_ERR_EOF ? "the connection was closed" : lower);
    r = NULL;
fail:
    if (r) freeReplyObject(r);
    redisFree(ctx);
    return code;
}

int rayc_connect(const char *address, const char *password, rayc_client_t **out)
{
    if (!out) return fail(connect_err, RAYC_EINVAL, "rayc_connect: out is NULL");
    *out = NULL;
    rc_addr_t a;
    char msg[512];
    if (rc_addr_resolve(address, &a, msg, sizeof(msg)) != RC_OK)
        return fail(connect_err, RAYC_EINVAL, "%s", msg);
    char where[300];
    rc_addr_format(&a, where, sizeof(where));
    password = rc_client_password(password);
    redisContext *ctx;
    int rc = open_conn(&a, where, password, &ctx, connect_err);
    if (rc != RAYC_OK) return rc;

    rayc_client_t *c = rc_calloc(1, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    c->ctx = ctx;
    c->addr = a;
    memcpy(c->where, where, sizeof(where));
    c->password = password && *password ? rc_strdup(password) : NULL;
    c->sock_ms = RC_CLIENT_CONNECT_MS;
    rc_spec_enc_init(&c->enc);
    rc_buf_init(&c->batch);
    rc_buf_init(&c->hex);
    *out = c;
    return RAYC_OK;
}

/* ---- connection state ------------------------------------------------------------- */

static void drop_conn(rayc_client_t *c)
{
    if (c->ctx) redisFree(c->ctx);
    c->ctx = NULL;
    c->owed_len = 0;
    c->owed_head = 0;
    c->sock_ms = -2;
}

/* The connection failed while doing `what`: report and forget it. */
static int lost(rayc_client_t *c, const char *what)
{
    char lower[256];
    lower_copy(lower, sizeof(lower), c->ctx && c->ctx->errstr[0] ? c->ctx->errstr : "closed");
    size_t unacked = 0;
    for (size_t i = 0; i < c->owed_len; i++)
        if (c->owed[(c->owed_head + i) % OWED_CAP].kind == OWED_SUBMIT)
            unacked += c->owed[(c->owed_head + i) % OWED_CAP].n;
    char extra[128] = "";
    if (unacked)
        snprintf(extra, sizeof(extra),
                 "; %zu submitted tasks were not acknowledged and may be lost", unacked);
    if (c->ctx && c->ctx->err == REDIS_ERR_EOF)
        snprintf(lower, sizeof(lower), "the head closed the connection");
    else if (is_timeout_text(lower))
        snprintf(lower, sizeof(lower), "no reply within %d s", c->sock_ms / 1000);
    drop_conn(c);
    return fail(c->err, RAYC_ECONNLOST,
                "lost the connection to the cluster at %s while %s: %s%s (the next call "
                "reconnects)",
                c->where, what, lower, extra);
}

static int ensure_conn(rayc_client_t *c)
{
    if (c->ctx) return RAYC_OK;
    int rc = open_conn(&c->addr, c->where, c->password, &c->ctx, c->err);
    if (rc == RAYC_OK) c->sock_ms = RC_CLIENT_CONNECT_MS;
    return rc;
}

/* ms < 0: no timeout (block until the reply). */
static void set_sock_timeout(rayc_client_t *c, int ms)
{
    if (ms < 0) ms = 0;
    if (ms == c->sock_ms) return;
    redisSetTimeout(c->ctx, tv_of(ms));
    c->sock_ms = ms;
}

static int take_deferred(rayc_client_t *c)
{
    int code = c->deferred;
    if (!code) return RAYC_OK;
    memcpy(c->err, c->deferred_msg, sizeof(c->err));
    c->deferred = 0;
    return code;
}

/* Reads the oldest owed reply. Only I/O failures are returned; a refused
 * command is kept in deferred for the caller to report. */
static int read_owed(rayc_client_t *c)
{
    owed_t o = c->owed[c->owed_head];
    redisReply *r = NULL;
    if (redisGetReply(c->ctx, (void **)&r) != REDIS_OK || !r)
        return lost(c, o.kind == OWED_SUBMIT ? "submitting tasks" : "releasing objects");
    c->owed_head = (c->owed_head + 1) % OWED_CAP;
    c->owed_len--;
    if (!c->deferred && r->type != REDIS_REPLY_INTEGER) {
        const char *text = r->type == REDIS_REPLY_ERROR ? r->str : "a reply that is not :N";
        if (o.kind == OWED_SUBMIT)
            c->deferred =
                fail(c->deferred_msg, RAYC_EINVAL,
                     "the cluster at %s refused a batch of %u tasks: %s", c->where, o.n, text);
        else
            c->deferred =
                fail(c->deferred_msg, RAYC_EPROTO,
                     "the cluster at %s refused to release %u objects: %s", c->where, o.n, text);
        if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOAUTH", 6) == 0)
            c->deferred = RAYC_EAUTH;
    }
    freeReplyObject(r);
    return RAYC_OK;
}

static int drain(rayc_client_t *c)
{
    while (c->owed_len) {
        int rc = read_owed(c);
        if (rc != RAYC_OK) return rc;
    }
    return RAYC_OK;
}

/* Appends a command whose reply is read later (owed). */
static int append_owed(rayc_client_t *c, uint8_t kind, uint32_t n, int argc, const char **argv,
                       const size_t *lens)
{
    if (c->owed_len == OWED_CAP) {
        int rc = read_owed(c);
        if (rc != RAYC_OK) return rc;
    }
    if (redisAppendCommandArgv(c->ctx, argc, argv, lens) != REDIS_OK)
        return lost(c, "sending a command");
    c->owed[(c->owed_head + c->owed_len) % OWED_CAP] = (owed_t){kind, n};
    c->owed_len++;
    return RAYC_OK;
}

/* Moves the pending batch into the connection's output buffer (not written yet). */
static int append_batch(rayc_client_t *c)
{
    if (!c->batch_n) return RAYC_OK;
    const char *argv[2] = {"TASK.SUBMIT", c->batch.data};
    size_t lens[2] = {11, c->batch.len};
    int rc = append_owed(c, OWED_SUBMIT, (uint32_t)c->batch_n, 2, argv, lens);
    if (rc != RAYC_OK) return rc;
    c->batch.len = 0;
    c->batch_n = 0;
    return RAYC_OK;
}

/* Writes everything appended so far, without waiting for replies. */
static int write_out(rayc_client_t *c)
{
    set_sock_timeout(c, RC_CLIENT_REPLY_MS);
    int done = 0;
    while (!done)
        if (redisBufferWrite(c->ctx, &done) != REDIS_OK) return lost(c, "sending tasks");
    return RAYC_OK;
}

/* Runs one command after everything pending: the batch and the owed replies
 * travel in the same write, so a submit followed by a get costs one round trip.
 * sock_ms is the read timeout for this reply (< 0: none). On RAYC_OK *out is a
 * reply that is not an error; a refused command becomes an error code with the
 * head's message. */
static int command(rayc_client_t *c, int argc, const char **argv, const size_t *lens, int sock_ms,
                   redisReply **out)
{
    *out = NULL;
    int rc = ensure_conn(c);
    if (rc != RAYC_OK) return rc;
    if ((rc = append_batch(c)) != RAYC_OK) return rc;
    if (redisAppendCommandArgv(c->ctx, argc, argv, lens) != REDIS_OK)
        return lost(c, "sending a command");
    set_sock_timeout(c, sock_ms);
    if ((rc = drain(c)) != RAYC_OK) return rc;
    redisReply *r = NULL;
    if (redisGetReply(c->ctx, (void **)&r) != REDIS_OK || !r) {
        char what[64];
        snprintf(what, sizeof(what), "waiting for the reply to %s", argv[0]);
        return lost(c, what);
    }
    if ((rc = take_deferred(c)) != RAYC_OK) {
        freeReplyObject(r);
        return rc;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        const char *s = r->str;
        if (strncmp(s, "NOAUTH", 6) == 0 || strncmp(s, "WRONGPASS", 9) == 0)
            rc = fail(c->err, RAYC_EAUTH, "the cluster at %s refused %s: %s (give the password)",
                      c->where, argv[0], s);
        else if (strncmp(s, "ERR unknown command", 19) == 0)
            rc = fail(c->err, RAYC_EPROTO,
                      "the server at %s does not know %s: is it a rayc head with task support?",
                      c->where, argv[0]);
        else
            rc = fail(c->err, strncmp(s, "NOTFOUND", 8) == 0 ? RAYC_ENOTFOUND : RAYC_EINVAL,
                      "the cluster at %s refused %s: %s", c->where, argv[0], s);
        freeReplyObject(r);
        return rc;
    }
    *out = r;
    return RAYC_OK;
}

static int unexpected(rayc_client_t *c, const char *cmd, redisReply *r)
{
    int type = r->type;
    freeReplyObject(r);
    return fail(c->err, RAYC_EPROTO,
                "the cluster at %s answered %s with an unexpected reply (type %d): is the head the "
                "same rayc version as this SDK?",
                c->where, cmd, type);
}

/* Room for n command arguments and n hex ids in the scratch arrays. */
static void reserve_args(rayc_client_t *c, size_t n)
{
    if (n > c->argvcap) {
        c->argv = rc_realloc(c->argv, n * sizeof(*c->argv));
        c->argvlen = rc_realloc(c->argvlen, n * sizeof(*c->argvlen));
        c->argvcap = n;
    }
    rc_buf_clear(&c->hex);
    rc_buf_reserve(&c->hex, n * (RC_ID_HEX_LEN + 1));
}

/* Writes refs[0..n) as hex into the scratch buffer and argv[first..first+n). */
static void hex_args(rayc_client_t *c, const rayc_ref_t *refs, size_t n, size_t first)
{
    for (size_t i = 0; i < n; i++) {
        char *h = c->hex.data + i * (RC_ID_HEX_LEN + 1);
        rayc_ref_hex(&refs[i], h);
        c->argv[first + i] = h;
        c->argvlen[first + i] = RC_ID_HEX_LEN;
    }
}

/* ---- public calls ----------------------------------------------------------------- */

void rayc_disconnect(rayc_client_t *c)
{
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    /* Submitted tasks must reach the head even if nobody gets their results. */
    if (c->batch_n && ensure_conn(c) == RAYC_OK && append_batch(c) == RAYC_OK)
        set_sock_timeout(c, RC_CLIENT_REPLY_MS);
    if (c->ctx) drain(c);
    drop_conn(c);
    pthread_mutex_unlock(&c->mu);
    pthread_mutex_destroy(&c->mu);
    rc_spec_enc_free(&c->enc);
    rc_buf_free(&c->batch);
    rc_buf_free(&c->hex);
    rc_free(c->argv);
    rc_free(c->argvlen);
    rc_free(c->password);
    rc_bigobj_free(c->xfer);
    rc_free(c);
}

size_t rc_client_pending(rayc_client_t *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = c->batch_n;
    pthread_mutex_unlock(&c->mu);
    return n;
}

static int submit_locked(rayc_client_t *c, rc_spec_in_t *in, rayc_ref_t *out)
{
    int rc;
    if (c->batch_n >= RC_CLIENT_BATCH_TASKS || c->batch.len >= RC_CLIENT_BATCH_BYTES) {
        if ((rc = ensure_conn(c)) != RAYC_OK || (rc = append_batch(c)) != RAYC_OK ||
            (rc = write_out(c)) != RAYC_OK)
            return rc;
        /* Flow control: never run more than a few batches ahead of the head. */
        while (c->owed_len > RC_CLIENT_INFLIGHT)
            if ((rc = read_owed(c)) != RAYC_OK) return rc;
    }
    if ((rc = take_deferred(c)) != RAYC_OK) return rc;
    in->id = rc_id_random();
    rc = rc_spec_encode(&c->enc, in, &c->batch, c->err, sizeof(c->err));
    if (rc != RAYC_OK) return rc;
    c->batch_n++;
    memcpy(out->id, in->id.b, sizeof(out->id));
    return RAYC_OK;
}

int rayc_submit(rayc_client_t *c, const char *library, const char *function, const rayc_arg_t *args,
                size_t nargs, const rayc_task_opts_t *opts, rayc_ref_t *out)
{
    if (!c) return RAYC_EINVAL;
    if (!out) return fail(c->err, RAYC_EINVAL, "rayc_submit: out is NULL");
    rc_spec_in_t in = {
        .library = library, .function = function, .args = args, .nargs = nargs, .opts = opts};
    pthread_mutex_lock(&c->mu);
    int rc = submit_locked(c, &in, out);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int rayc_submit_cmd(rayc_client_t *c, const char *const argv[], const rayc_task_opts_t *opts,
                    rayc_ref_t *out)
{
    if (!c) return RAYC_EINVAL;
    if (!out || !argv)
        return fail(c->err, RAYC_EINVAL, "rayc_submit_cmd: %s is NULL", out ? "argv" : "out");
    rc_spec_in_t in = {.argv = argv, .opts = opts};
    pthread_mutex_lock(&c->mu);
    int rc = submit_locked(c, &in, out);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

/* The job of a driver's put values (RAY_JOB_ID, as its tasks carry it): the
 * head releases them when the job ends. 1 when there is one (job set). */
static int job_arg(const rayc_client_t *c, char job[9])
{
    if (!c->enc.has_job_id) return 0;
    rc_hex_encode(c->enc.job_id, 4, job);
    return 1;
}

/* A put value over 100 KiB: the head names a node (this process's own when it
 * runs on one: RAY_NODE_ID), the bytes go to that node's store, then the head
 * records the value as kept there. Called with c->mu held. */
static int put_large(rayc_client_t *c, const rc_id_t *id, const void *data, size_t len)
{
    char hex[RC_ID_HEX_LEN + 1], size[24], e[ERR_CAP];
    rc_id_to_hex(id, hex);
    snprintf(size, sizeof(size), "%zu", len);
    const char *node = getenv("RAY_NODE_ID");
    int with_node = node && strlen(node) == RC_ID_HEX_LEN;
    const char *argv[4] = {"OBJ.PUTTARGET", size, with_node ? node : ""};
    size_t lens[4] = {13, strlen(size), with_node ? RC_ID_HEX_LEN : 0};
    redisReply *r;
    /* A refusal (no node with an object store, an old head) is an error with
     * the head's message, made by command(). */
    int rc = command(c, with_node ? 3 : 2, argv, lens, RC_CLIENT_REPLY_MS, &r);
    if (rc != RAYC_OK) return rc;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING ||
        r->element[0]->len != RC_ID_HEX_LEN)
        return unexpected(c, "OBJ.PUTTARGET", r);
    char target[RC_ID_HEX_LEN + 1], addr[128];
    memcpy(target, r->element[0]->str, RC_ID_HEX_LEN + 1);
    snprintf(addr, sizeof(addr), "%s", r->element[1]->str);
    freeReplyObject(r);
    rc = rc_bigobj_push(&c->xfer, addr, id, data, len, e, sizeof(e));
    if (rc != RAYC_OK) return fail(c->err, rc, "rayc_put of %zu bytes: %s", len, e);
    char job[9];
    const char *argv2[5] = {"OBJ.PUTLOC", hex, size, target, job};
    size_t lens2[5] = {10, RC_ID_HEX_LEN, strlen(size), RC_ID_HEX_LEN, 8};
    rc = command(c, 4 + job_arg(c, job), argv2, lens2, RC_CLIENT_REPLY_MS, &r);
    if (rc != RAYC_OK) return rc;
    if (r->type != REDIS_REPLY_STATUS) return unexpected(c, "OBJ.PUTLOC", r);
    freeReplyObject(r);
    return RAYC_OK;
}

int rayc_put(rayc_client_t *c, const void *data, size_t len, rayc_ref_t *out)
{
    if (!c) return RAYC_EINVAL;
    if (!out || (len && !data))
        return fail(c->err, RAYC_EINVAL, "rayc_put: %s is NULL", out ? "data" : "out");
    rc_id_t id = rc_id_random();
    if (len > RC_SPEC_INLINE_MAX) {
        pthread_mutex_lock(&c->mu);
        int rc = put_large(c, &id, data, len);
        pthread_mutex_unlock(&c->mu);
        if (rc == RAYC_OK) memcpy(out->id, id.b, sizeof(out->id));
        return rc;
    }
    char hex[RC_ID_HEX_LEN + 1];
    rc_id_to_hex(&id, hex);
    char job[9];
    const char *argv[4] = {"OBJ.PUT", hex, len ? (const char *)data : "", job};
    size_t lens[4] = {7, RC_ID_HEX_LEN, len, 8};
    pthread_mutex_lock(&c->mu);
    redisReply *r;
    int rc = command(c, 3 + job_arg(c, job), argv, lens, RC_CLIENT_REPLY_MS, &r);
    if (rc == RAYC_OK) {
        if (r->type != REDIS_REPLY_STATUS)
            rc = unexpected(c, "OBJ.PUT", r);
        else
            freeReplyObject(r);
    }
    pthread_mutex_unlock(&c->mu);
    if (rc == RAYC_OK) memcpy(out->id, id.b, sizeof(out->id));
    return rc;
}

int rayc_job_set_metadata(rayc_client_t *c, const char *json_object)
{
    if (!c) return RAYC_EINVAL;
    const char *sid = getenv("RAY_SUBMISSION_ID");
    if (!json_object) return fail(c->err, RAYC_EINVAL, "rayc_job_set_metadata: json is NULL");
    if (!sid || !*sid)
        return fail(c->err, RAYC_EINVAL,
                    "rayc_job_set_metadata: not running as a job's driver (RAY_SUBMISSION_ID "
                    "is not set; submit the program with `rayc job submit`)");
    const char *argv[3] = {"JOB.METADATA", sid, json_object};
    size_t lens[3] = {12, strlen(sid), strlen(json_object)};
    pthread_mutex_lock(&c->mu);
    redisReply *r;
    int rc = command(c, 3, argv, lens, RC_CLIENT_REPLY_MS, &r);
    if (rc == RAYC_OK) {
        if (r->type != REDIS_REPLY_STATUS)
            rc = unexpected(c, "JOB.METADATA", r);
        else
            freeReplyObject(r);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The server-side timeout left before deadline (< 0: none). */
static int remaining_ms(double deadline)
{
    if (deadline < 0) return -1;
    double left = deadline - now_s();
    if (left <= 0) return 0;
    return left * 1000 > 2e9 ? 2000000000 : (int)ceil(left * 1000);
}

/* The socket waits for the server's timeout plus the usual reply margin. */
static int sock_ms_for(int server_ms)
{
    if (server_ms < 0 || server_ms > 2000000000 - RC_CLIENT_REPLY_MS) return -1;
    return server_ms + RC_CLIENT_REPLY_MS;
}

static int get_chunk(rayc_client_t *c, const rayc_ref_t *refs, size_t n, double deadline,
                     rayc_value_t *values)
{
    reserve_args(c, n + 2);
    char ms[24];
    int server_ms = remaining_ms(deadline);
    snprintf(ms, sizeof(ms), "%d", server_ms);
    c->argv[0] = "TASK.GET";
    c->argvlen[0] = 8;
    c->argv[1] = ms;
    c->argvlen[1] = strlen(ms);
    hex_args(c, refs, n, 2);
    redisReply *r;
    int rc = command(c, (int)(n + 2), c->argv, c->argvlen, sock_ms_for(server_ms), &r);
    if (rc != RAYC_OK) return rc;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != n) return unexpected(c, "TASK.GET", r);
    for (size_t i = 0; i < n; i++) {
        redisReply *e = r->element[i];
        if (e->type == REDIS_REPLY_STRING)
            rc_value_from_result(e->str, e->len, &values[i]);
        else if (e->type == REDIS_REPLY_NIL)
            rc_value_set_error(&values[i], RAYC_ETIMEOUT, "the task did not finish in time");
        else if (e->type == REDIS_REPLY_ERROR && strncmp(e->str, "NOTFOUND", 8) == 0)
            rc_value_set_error(&values[i], RAYC_ENOTFOUND, "object not found or already released");
        else
            rc_value_set_error(&values[i], RAYC_EPROTO,
                               "the cluster sent an unexpected element for this ref");
    }
    freeReplyObject(r);
    return RAYC_OK;
}

/* A value kept in node stores: its bytes come from a holder. A failure becomes
 * the value's error (its message kept in the value's result). */
static void fetch_large(rayc_client_t *c, const rayc_ref_t *ref, rayc_value_t *v)
{
    Rayc__TaskResult *r = v->priv_;
    if (v->err != RAYC_OK || !r || !r->in_store) return;
    rc_id_t id;
    char e[ERR_CAP];
    memcpy(id.b, ref->id, 16);
    int rc = rc_bigobj_fetch(&c->xfer, &id, r, e, sizeof(e));
    if (rc == RAYC_OK) {
        v->data = r->data.data;
        v->len = r->data.len;
        return;
    }
    /* The message lives in r->error, freed with the value. */
    if (r->error && r->error != protobuf_c_empty_string) free(r->error);
    r->error = strdup(e);
    v->err = rc;
    v->message = r->error ? r->error : rayc_strerror(rc);
}

int rayc_get(rayc_client_t *c, const rayc_ref_t *refs, size_t n, double timeout_s,
             rayc_value_t *values)
{
    if (!c) return RAYC_EINVAL;
    if (n && (!refs || !values))
        return fail(c->err, RAYC_EINVAL, "rayc_get: %s is NULL", refs ? "values" : "refs");
    for (size_t i = 0; i < n; i++) memset(&values[i], 0, sizeof(values[i]));
    double deadline = timeout_s < 0 || isnan(timeout_s) ? -1 : now_s() + timeout_s;
    int rc = RAYC_OK;
    size_t done = 0;
    pthread_mutex_lock(&c->mu);
    while (done < n) {
        size_t k = n - done < RC_CLIENT_GET_CHUNK ? n - done : RC_CLIENT_GET_CHUNK;
        if ((rc = get_chunk(c, refs + done, k, deadline, values + done)) != RAYC_OK) break;
        done += k;
    }
    if (n == 0 && c->batch_n) {
        /* rayc_get of nothing still flushes, as documented. */
        if ((rc = ensure_conn(c)) == RAYC_OK && (rc = append_batch(c)) == RAYC_OK &&
            (rc = write_out(c)) == RAYC_OK && (rc = drain(c)) == RAYC_OK)
            rc = take_deferred(c);
    }
    for (size_t i = done; i < n; i++) rc_value_set_error(&values[i], rc, rayc_strerror(rc));
    for (size_t i = 0; i < done; i++) fetch_large(c, &refs[i], &values[i]);
    for (size_t i = 0; rc == RAYC_OK && i < n; i++)
        if (values[i].err != RAYC_OK) {
            char hex[RC_ID_HEX_LEN + 1];
            rayc_ref_hex(&refs[i], hex);
            rc = fail(c->err, values[i].err, "ref %s: %s", hex, values[i].message);
        }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int rayc_wait(rayc_client_t *c, const rayc_ref_t *refs, size_t n, size_t num_returns,
              double timeout_s, int *ready)
{
    if (!c) return RAYC_EINVAL;
    if (n && (!refs || !ready))
        return fail(c->err, RAYC_EINVAL, "rayc_wait: %s is NULL", refs ? "ready" : "refs");
    if (num_returns > n)
        return fail(c->err, RAYC_EINVAL, "rayc_wait: num_returns (%zu) is more than the %zu refs",
                    num_returns, n);
    if (n == 0) return RAYC_OK;
    int server_ms = timeout_s < 0 || isnan(timeout_s) ? -1 : remaining_ms(now_s() + timeout_s);
    char nr[24], ms[24];
    snprintf(nr, sizeof(nr), "%zu", num_returns);
    snprintf(ms, sizeof(ms), "%d", server_ms);
    pthread_mutex_lock(&c->mu);
    reserve_args(c, n + 3);
    c->argv[0] = "TASK.WAIT";
    c->argvlen[0] = 9;
    c->argv[1] = nr;
    c->argvlen[1] = strlen(nr);
    c->argv[2] = ms;
    c->argvlen[2] = strlen(ms);
    hex_args(c, refs, n, 3);
    redisReply *r;
    int rc = command(c, (int)(n + 3), c->argv, c->argvlen, sock_ms_for(server_ms), &r);
    if (rc == RAYC_OK) {
        if (r->type != REDIS_REPLY_ARRAY || r->elements != n) {
            rc = unexpected(c, "TASK.WAIT", r);
        } else {
            for (size_t i = 0; i < n; i++)
                ready[i] = r->element[i]->type == REDIS_REPLY_INTEGER && r->element[i]->integer;
            freeReplyObject(r);
        }
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int rayc_cancel(rayc_client_t *c, const rayc_ref_t *ref, int force)
{
    if (!c) return RAYC_EINVAL;
    if (!ref) return fail(c->err, RAYC_EINVAL, "rayc_cancel: ref is NULL");
    char hex[RC_ID_HEX_LEN + 1];
    rayc_ref_hex(ref, hex);
    const char *argv[3] = {"TASK.CANCEL", hex, force ? "1" : "0"};
    size_t lens[3] = {11, RC_ID_HEX_LEN, 1};
    pthread_mutex_lock(&c->mu);
    redisReply *r;
    int rc = command(c, 3, argv, lens, RC_CLIENT_REPLY_MS, &r);
    if (rc == RAYC_OK) {
        /* :0 (already final or unknown) is not an error, as in Ray. */
        if (r->type != REDIS_REPLY_INTEGER)
            rc = unexpected(c, "TASK.CANCEL", r);
        else
            freeReplyObject(r);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int rayc_release(rayc_client_t *c, const rayc_ref_t *refs, size_t n)
{
    if (!c) return RAYC_EINVAL;
    if (n && !refs) return fail(c->err, RAYC_EINVAL, "rayc_release: refs is NULL");
    if (n == 0) return RAYC_OK;
    pthread_mutex_lock(&c->mu);
    /* Released after the pending batch (which may use them as arguments); the
     * replies are read lazily like a batch's. */
    int rc = ensure_conn(c);
    if (rc == RAYC_OK) rc = take_deferred(c);
    if (rc == RAYC_OK) rc = append_batch(c);
    for (size_t done = 0; rc == RAYC_OK && done < n;) {
        size_t k = n - done < RC_CLIENT_GET_CHUNK ? n - done : RC_CLIENT_GET_CHUNK;
        reserve_args(c, k + 1);
        c->argv[0] = "OBJ.RELEASE";
        c->argvlen[0] = 11;
        hex_args(c, refs + done, k, 1);
        rc = append_owed(c, OWED_RELEASE, (uint32_t)k, (int)(k + 1), c->argv, c->argvlen);
        done += k;
    }
    if (rc == RAYC_OK) rc = write_out(c);
    pthread_mutex_unlock(&c->mu);
    return rc;
}
