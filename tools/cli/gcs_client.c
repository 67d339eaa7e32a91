/* gcs_client.c — the CLI's blocking connection to the GCS; see gcs_client.h. */
#include "gcs_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "alloc.h"

#define LOCAL_HEAD "127.0.0.1:6379"

struct rc_gcs_client {
    redisContext *ctx;
    char addr[300];
};

static struct timeval tv_of(int ms)
{
    struct timeval tv = {ms / 1000, (suseconds_t)(ms % 1000) * 1000};
    return tv;
}

/* hiredis reports a failed connect as text ("Connection refused", "Connection
 * timed out", "Name or service not known"); turn it into advice. */
static rc_err_t explain_io(const char *addr, int local_default, int hiredis_err,
                           const char *hiredis_text, char *err, size_t errcap)
{
    const char *hint = "is it running? start one with rayc start --head";
    char lower[128];
    size_t i;
    for (i = 0; hiredis_text[i] && i + 1 < sizeof(lower); i++)
        lower[i] = (char)(hiredis_text[i] >= 'A' && hiredis_text[i] <= 'Z' ? hiredis_text[i] + 32
                                                                           : hiredis_text[i]);
    lower[i] = '\0';
    rc_err_t code = RC_ECONN;
    if (strstr(lower, "timed out") || strstr(lower, "timeout") ||
        strstr(lower, "resource temporarily unavailable")) {
        code = RC_ETIMEOUT;
        snprintf(lower, sizeof(lower), "timed out");
        hint = "is the address right and the port open? a firewall may drop the packets";
    } else if (hiredis_err == REDIS_ERR_EOF) {
        snprintf(lower, sizeof(lower), "the connection was closed");
        hint = "the head may have stopped or refused the connection (too many clients?)";
    } else if (strstr(lower, "name or service") || strstr(lower, "not known") ||
               strstr(lower, "temporary failure in name")) {
        hint = "check the host name in --address or RAY_ADDRESS";
    }
    snprintf(err, errcap, "cannot reach the head at %s: %s (%s)%s", addr, lower, hint,
             local_default ? "; no --address or RAY_ADDRESS was given, so the local head was tried"
                           : "");
    return code;
}

rc_err_t rc_gcs_client_explain(const char *addr, const char *cmd, const char *resp_err, char *err,
                               size_t errcap)
{
    if (strncmp(resp_err, "NOAUTH", 6) == 0) {
        snprintf(err, errcap,
                 "the head at %s requires a password: pass --redis-password (as given to rayc "
                 "start --head)",
                 addr);
        return RC_EAUTH;
    }
    if (strncmp(resp_err, "WRONGPASS", 9) == 0 ||
        (strncmp(resp_err, "ERR", 3) == 0 && strstr(resp_err, "invalid password"))) {
        snprintf(err, errcap,
                 "the head at %s refused the password: %s (check --redis-password; it must be "
                 "the one given to rayc start --head)",
                 addr, resp_err);
        return RC_EAUTH;
    }
    if (strncmp(resp_err, "ERR unknown command", 19) == 0) {
        snprintf(err, errcap,
                 "the server at %s does not know %s: it is not a rayc head with node support "
                 "(an older rayc, or a plain Redis server?)",
                 addr, cmd);
        return RC_ENOTFOUND;
    }
    snprintf(err, errcap, "the head at %s answered %s with an error: %s", addr, cmd, resp_err);
    return RC_EPROTO;
}

static rc_err_t run(rc_gcs_client_t *c, int argc, const char **argv, redisReply **reply, char *err,
                    size_t errcap)
{
    *reply = NULL;
    redisReply *r = redisCommandArgv(c->ctx, argc, argv, NULL);
    if (!r) return explain_io(c->addr, 0, c->ctx->err, c->ctx->errstr, err, errcap);
    if (r->type == REDIS_REPLY_ERROR) {
        rc_err_t code = rc_gcs_client_explain(c->addr, argv[0], r->str ? r->str : "", err, errcap);
        freeReplyObject(r);
        return code;
    }
    *reply = r;
    return RC_OK;
}

rc_err_t rc_gcs_client_connect(const char *address, const char *password, int timeout_ms,
                               rc_gcs_client_t **out, char *err, size_t errcap)
{
    *out = NULL;
    rc_addr_t a;
    const char *env = getenv("RAY_ADDRESS");
    int local_default = !(address && *address) && !(env && *env);
    rc_err_t e = rc_addr_resolve(local_default ? LOCAL_HEAD : address, &a, err, errcap);
    if (e != RC_OK) return e;
    if (a.ray_client) {
        snprintf(err, errcap,
                 "'%s' is a Ray Client address (ray://, the SDK port): this command needs the "
                 "head's GCS address, HOST:6379",
                 address && *address ? address : env);
        return RC_EINVAL;
    }
    if (timeout_ms <= 0) timeout_ms = RC_GCS_CLIENT_TIMEOUT_MS;

    rc_gcs_client_t *c = rc_calloc(1, sizeof(*c));
    rc_addr_format(&a, c->addr, sizeof(c->addr));
    c->ctx = redisConnectWithTimeout(a.host, a.port, tv_of(timeout_ms));
    if (!c->ctx) {
        snprintf(err, errcap, "cannot reach the head at %s: out of memory", c->addr);
        e = RC_ENOMEM;
        goto fail;
    }
    if (c->ctx->err) {
        e = explain_io(c->addr, local_default, c->ctx->err, c->ctx->errstr, err, errcap);
        goto fail;
    }
    redisSetTimeout(c->ctx, tv_of(timeout_ms));
    if (password && *password) {
        const char *argv[] = {"AUTH", password};
        redisReply *r = NULL;
        e = run(c, 2, argv, &r, err, errcap);
        /* A head without a password answers AUTH with an error that Ray's
         * default --redis-password would always trigger; that is not a
         * reason to refuse, the commands themselves will work. */
        if (e == RC_EPROTO && strstr(err, "without any password configured")) e = RC_OK;
        if (r) freeReplyObject(r);
        if (e == RC_EPROTO) e = RC_EAUTH;
        if (e != RC_OK) goto fail;
    }
    *out = c;
    return RC_OK;
fail:
    rc_gcs_client_free(c);
    return e;
}

void rc_gcs_client_free(rc_gcs_client_t *c)
{
    if (!c) return;
    if (c->ctx) redisFree(c->ctx);
    rc_free(c);
}

const char *rc_gcs_client_addr(const rc_gcs_client_t *c)
{
    return c->addr;
}

rc_err_t rc_gcs_client_command(rc_gcs_client_t *c, int argc, const char **argv, redisReply **reply,
                               char *err, size_t errcap)
{
    return run(c, argc, argv, reply, err, errcap);
}

rc_err_t rc_gcs_client_string(rc_gcs_client_t *c, int argc, const char **argv, char **out,
                              size_t *len, char *err, size_t errcap)
{
    redisReply *r = NULL;
    *out = NULL;
    *len = 0;
    rc_err_t e = run(c, argc, argv, &r, err, errcap);
    if (e != RC_OK || !r) return e != RC_OK ? e : RC_EINTERNAL;
    if (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS) {
        snprintf(err, errcap,
                 "the head at %s answered %s with an unexpected reply (type %d, expected a "
                 "string): is it a rayc head of the same version?",
                 c->addr, argv[0], r->type);
        freeReplyObject(r);
        return RC_EPROTO;
    }
    *out = rc_strndup(r->str, (size_t)r->len);
    *len = (size_t)r->len;
    freeReplyObject(r);
    return RC_OK;
}
