/* objects.c — the node's large objects (see objects.h). */
#include "objects.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "alloc.h"
#include "dict.h"
#include "log.h"
#include "objxfer.h"

#define COMP                  "objects"
#define FETCH_THREADS_DEFAULT 4
#define ERRCAP                640

typedef struct want {
    struct want *next;
    rc_objects_want_fn cb;
    void *arg;
} want_t;

/* One fetch: queued → a fetch thread → done list → the loop. */
typedef struct job {
    struct job *next;
    rc_objects_t *o;
    rc_id_t id;
    uint64_t size;
    char **addrs;
    size_t naddrs;
    want_t *wants;
    rc_err_t rc;
    char err[ERRCAP];
} job_t;

struct rc_objects {
    uv_loop_t *loop;
    pthread_mutex_t mu; /* the store */
    rc_objstore_t *store;
    rc_objxfer_server_t *srv;
    rc_objxfer_client_t *cli;
    pthread_t *threads;
    unsigned nthreads;
    pthread_mutex_t qmu; /* queue, done, stopping */
    pthread_cond_t qcv;
    job_t *qhead, *qtail, *done;
    int stopping;
    uv_async_t async;
    int async_open;
    rc_dict_t *inflight; /* id → job_t* (loop thread) */
    rc_id_t node_id;
    char node_hex[RC_ID_HEX_LEN + 1];
    redisAsyncContext **ac;
    unsigned replies; /* OBJ.ADDLOC replies outstanding: o lives until they came */
    int freed;
    void (*closed)(void *);
    void *closed_arg;
};

/* ---- the store, from any thread ---- */

static rc_err_t store_get(rc_objects_t *o, const rc_id_t *id, rc_objstore_view_t *v, char *err,
                          size_t errcap)
{
    pthread_mutex_lock(&o->mu);
    rc_err_t rc = rc_objstore_get(o->store, id, v, err, errcap);
    pthread_mutex_unlock(&o->mu);
    return rc;
}

static rc_err_t srv_lookup(void *arg, const rc_id_t *id, const uint8_t **data, uint64_t *size,
                           char *err, size_t errcap)
{
    rc_objstore_view_t v;
    rc_err_t rc = store_get(arg, id, &v, err, errcap);
    if (rc != RC_OK) return rc;
    *data = v.data;
    *size = v.size;
    return RC_OK;
}

static void srv_release(void *arg, const rc_id_t *id)
{
    rc_objects_t *o = arg;
    pthread_mutex_lock(&o->mu);
    (void)rc_objstore_release(o->store, id);
    pthread_mutex_unlock(&o->mu);
}

static rc_err_t store_create(rc_objects_t *o, const rc_id_t *id, uint64_t size, uint8_t **dst,
                             char *err, size_t errcap)
{
    pthread_mutex_lock(&o->mu);
    rc_err_t rc = rc_objstore_create(o->store, id, size, dst, err, errcap);
    pthread_mutex_unlock(&o->mu);
    return rc;
}

static rc_err_t store_finish(rc_objects_t *o, const rc_id_t *id, int ok, char *err, size_t errcap)
{
    pthread_mutex_lock(&o->mu);
    rc_err_t rc = ok ? rc_objstore_seal(o->store, id, err, errcap) : RC_OK;
    if (!ok || rc != RC_OK) (void)rc_objstore_delete(o->store, id);
    pthread_mutex_unlock(&o->mu);
    return rc;
}

static rc_err_t srv_create(void *arg, const rc_id_t *id, uint64_t size, uint8_t **dst, char *err,
                           size_t errcap)
{
    return store_create(arg, id, size, dst, err, errcap);
}

static rc_err_t srv_commit(void *arg, const rc_id_t *id, int ok, char *err, size_t errcap)
{
    return store_finish(arg, id, ok, err, errcap);
}

/* ---- fetch threads ---- */

static rc_err_t fetch_alloc(void *arg, uint64_t size, uint8_t **dst, char *err, size_t errcap)
{
    job_t *j = arg;
    return store_create(j->o, &j->id, size, dst, err, errcap);
}

static void fetch_abort(void *arg)
{
    job_t *j = arg;
    char err[8];
    (void)store_finish(j->o, &j->id, 0, err, sizeof(err));
}

static void fetch_run(job_t *j)
{
    rc_objects_t *o = j->o;
    j->rc = RC_ENOTFOUND;
    snprintf(j->err, sizeof(j->err), "no node holds it any more (it was lost with its node)");
    for (size_t i = 0; i < j->naddrs; i++) {
        char err[400];
        uint64_t got = 0;
        rc_err_t rc = rc_objxfer_fetch(o->cli, j->addrs[i], &j->id, j->size, fetch_alloc,
                                       fetch_abort, j, &got, err, sizeof(err));
        if (rc == RC_OK) {
            rc = store_finish(o, &j->id, 1, err, sizeof(err));
            if (rc == RC_OK) {
                j->rc = RC_OK;
                j->err[0] = '\0';
                return;
            }
        }
        j->rc = rc;
        snprintf(j->err, sizeof(j->err), "from %s: %s", j->addrs[i], err);
        if (rc == RC_ETOOBIG) return; /* no other holder makes it fit */
    }
}

static void *fetch_thread(void *arg)
{
    rc_objects_t *o = arg;
    for (;;) {
        pthread_mutex_lock(&o->qmu);
        while (!o->qhead && !o->stopping) pthread_cond_wait(&o->qcv, &o->qmu);
        if (o->stopping) {
            pthread_mutex_unlock(&o->qmu);
            return NULL;
        }
        job_t *j = o->qhead;
        o->qhead = j->next;
        if (!o->qhead) o->qtail = NULL;
        pthread_mutex_unlock(&o->qmu);

        fetch_run(j);

        pthread_mutex_lock(&o->qmu);
        j->next = o->done;
        o->done = j;
        pthread_mutex_unlock(&o->qmu);
        uv_async_send(&o->async);
    }
}

/* ---- the loop ---- */

static void job_free(job_t *j)
{
    for (size_t i = 0; i < j->naddrs; i++) rc_free(j->addrs[i]);
    rc_free(j->addrs);
    while (j->wants) {
        want_t *w = j->wants;
        j->wants = w->next;
        rc_free(w);
    }
    rc_free(j);
}

typedef struct {
    rc_objects_t *o;
    rc_id_t id;
} addloc_t;

static void maybe_free(rc_objects_t *o);

static void on_addloc_reply(redisAsyncContext *ac, void *r, void *priv)
{
    (void)ac;
    addloc_t *a = priv;
    redisReply *reply = r;
    rc_objects_t *o = a->o;
    o->replies--;
    if (!o->freed && reply) {
        if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 0) {
            rc_objects_delete(o, &a->id); /* released meanwhile */
        } else if (reply->type == REDIS_REPLY_ERROR) {
            char hex[RC_ID_HEX_LEN + 1];
            rc_id_to_hex(&a->id, hex);
            rc_log_warn(COMP, "the head refused the new copy of object %s: %s", hex,
                        reply->str ? reply->str : "?");
        }
    }
    rc_free(a);
    maybe_free(o);
}

/* Tells the head this node holds a copy now (others may fetch it from here). */
static void announce(rc_objects_t *o, const job_t *j)
{
    redisAsyncContext *ac = o->ac ? *o->ac : NULL;
    if (!ac) return;
    char hex[RC_ID_HEX_LEN + 1], size[24];
    rc_id_to_hex(&j->id, hex);
    snprintf(size, sizeof(size), "%llu", (unsigned long long)j->size);
    const char *argv[4] = {"OBJ.ADDLOC", hex, size, o->node_hex};
    size_t lens[4] = {10, RC_ID_HEX_LEN, strlen(size), RC_ID_HEX_LEN};
    addloc_t *a = rc_malloc(sizeof(*a));
    a->o = o;
    a->id = j->id;
    if (redisAsyncCommandArgv(ac, on_addloc_reply, a, 4, argv, lens) == REDIS_OK)
        o->replies++;
    else
        rc_free(a);
}

static void on_async(uv_async_t *h)
{
    rc_objects_t *o = h->data;
    pthread_mutex_lock(&o->qmu);
    job_t *done = o->done;
    o->done = NULL;
    pthread_mutex_unlock(&o->qmu);
    while (done) {
        job_t *j = done;
        done = j->next;
        rc_dict_entry_t *e = rc_dict_find(o->inflight, j->id.b, 16);
        if (e) e->val = NULL; /* ours to free below, not the dict's */
        rc_dict_delete(o->inflight, j->id.b, 16);
        char hex[RC_ID_HEX_LEN + 1];
        rc_id_to_hex(&j->id, hex);
        if (j->rc == RC_OK) {
            rc_log_debug(COMP, "fetched object %s (%llu bytes)", hex, (unsigned long long)j->size);
            announce(o, j);
        } else {
            rc_log_warn(COMP, "cannot fetch object %s (%llu bytes) %s", hex,
                        (unsigned long long)j->size, j->err);
        }
        for (want_t *w = j->wants; w; w = w->next) w->cb(w->arg, j->rc, j->err);
        job_free(j);
    }
}

int rc_objects_want(rc_objects_t *o, const rc_id_t *id, uint64_t size, char *const *addrs,
                    size_t naddrs, rc_objects_want_fn cb, void *arg)
{
    want_t *w = rc_malloc(sizeof(*w));
    w->cb = cb;
    w->arg = arg;
    rc_dict_entry_t *e = rc_dict_find(o->inflight, id->b, 16);
    if (e) {
        job_t *j = e->val;
        w->next = j->wants;
        j->wants = w;
        return 0;
    }
    pthread_mutex_lock(&o->mu);
    int here = rc_objstore_is_sealed(o->store, id);
    pthread_mutex_unlock(&o->mu);
    if (here) {
        rc_free(w);
        return 1;
    }
    job_t *j = rc_calloc(1, sizeof(*j));
    j->o = o;
    j->id = *id;
    j->size = size;
    j->wants = w;
    w->next = NULL;
    j->addrs = rc_calloc(naddrs ? naddrs : 1, sizeof(char *));
    for (size_t i = 0; i < naddrs; i++) j->addrs[i] = rc_strdup(addrs[i]);
    j->naddrs = naddrs;
    rc_dict_add(o->inflight, id->b, 16, j);
    pthread_mutex_lock(&o->qmu);
    if (o->qtail)
        o->qtail->next = j;
    else
        o->qhead = j;
    o->qtail = j;
    pthread_cond_signal(&o->qcv);
    pthread_mutex_unlock(&o->qmu);
    return 0;
}

rc_err_t rc_objects_pin(rc_objects_t *o, const rc_id_t *id, int *fd, uint64_t *size, char *err,
                        size_t errcap)
{
    rc_objstore_view_t v;
    rc_err_t rc = store_get(o, id, &v, err, errcap);
    if (rc != RC_OK) return rc;
    *fd = v.fd;
    *size = v.size;
    return RC_OK;
}

void rc_objects_unpin(rc_objects_t *o, const rc_id_t *id)
{
    srv_release(o, id);
}

rc_err_t rc_objects_adopt(rc_objects_t *o, const rc_id_t *id, int fd, uint64_t size, char *err,
                          size_t errcap)
{
    pthread_mutex_lock(&o->mu);
    rc_err_t rc = rc_objstore_adopt(o->store, id, fd, size, err, errcap);
    pthread_mutex_unlock(&o->mu);
    return rc;
}

void rc_objects_delete(rc_objects_t *o, const rc_id_t *id)
{
    pthread_mutex_lock(&o->mu);
    (void)rc_objstore_delete(o->store, id);
    pthread_mutex_unlock(&o->mu);
}

void rc_objects_stats(rc_objects_t *o, rc_objstore_stats_t *out)
{
    pthread_mutex_lock(&o->mu);
    rc_objstore_stats(o->store, out);
    pthread_mutex_unlock(&o->mu);
}

int rc_objects_port(const rc_objects_t *o)
{
    return o->srv ? rc_objxfer_server_port(o->srv) : 0;
}

/* ---- life ---- */

static void stop_threads(rc_objects_t *o)
{
    if (o->srv) rc_objxfer_server_stop(o->srv);
    pthread_mutex_lock(&o->qmu);
    o->stopping = 1;
    pthread_cond_broadcast(&o->qcv);
    pthread_mutex_unlock(&o->qmu);
    for (unsigned i = 0; i < o->nthreads; i++) pthread_join(o->threads[i], NULL);
    o->nthreads = 0;
}

static void job_dict_free(void *v)
{
    if (v) job_free(v);
}

static void on_fail_closed(uv_handle_t *h)
{
    rc_objects_free(h->data);
}

rc_objects_t *rc_objects_new(uv_loop_t *loop, const rc_objects_config_t *cfg, char *err,
                             size_t errcap)
{
    rc_objects_t *o = rc_calloc(1, sizeof(*o));
    o->loop = loop;
    o->node_id = *cfg->node_id;
    rc_id_to_hex(cfg->node_id, o->node_hex);
    o->ac = cfg->ac;
    pthread_mutex_init(&o->mu, NULL);
    pthread_mutex_init(&o->qmu, NULL);
    pthread_cond_init(&o->qcv, NULL);
    o->inflight = rc_dict_new(job_dict_free);
    uv_async_init(loop, &o->async, on_async);
    o->async.data = o;
    o->async_open = 1;
    if (rc_objstore_new(cfg->capacity, cfg->spill_dir, &o->store, err, errcap) != RC_OK) goto fail;
    o->cli = rc_objxfer_client_new(0);
    rc_objxfer_server_opts_t so;
    memset(&so, 0, sizeof(so));
    so.lookup = srv_lookup;
    so.release = srv_release;
    so.create = srv_create;
    so.commit = srv_commit;
    so.arg = o;
    char url[128];
    snprintf(url, sizeof(url), strchr(cfg->bind_ip, ':') ? "tcp://[%s]:0" : "tcp://%s:0",
             cfg->bind_ip);
    if (rc_objxfer_server_start(url, &so, &o->srv, err, errcap) != RC_OK) goto fail;
    o->nthreads = cfg->fetch_threads ? cfg->fetch_threads : FETCH_THREADS_DEFAULT;
    o->threads = rc_calloc(o->nthreads, sizeof(*o->threads));
    for (unsigned i = 0; i < o->nthreads; i++)
        if (pthread_create(&o->threads[i], NULL, fetch_thread, o) != 0) {
            o->nthreads = i;
            snprintf(err, errcap, "cannot start the object fetch threads");
            goto fail;
        }
    return o;
fail:
    stop_threads(o);
    o->async_open = 0;
    /* The handle closes on the next loop turn: o is freed then. */
    uv_close((uv_handle_t *)&o->async, on_fail_closed);
    return NULL;
}

static void on_async_closed(uv_handle_t *h)
{
    rc_objects_t *o = h->data;
    if (o->closed) o->closed(o->closed_arg);
}

void rc_objects_close(rc_objects_t *o, void (*closed)(void *), void *arg)
{
    stop_threads(o);
    o->closed = closed;
    o->closed_arg = arg;
    if (o->async_open) {
        o->async_open = 0;
        uv_close((uv_handle_t *)&o->async, on_async_closed);
    } else if (closed) {
        closed(arg);
    }
}

static void maybe_free(rc_objects_t *o)
{
    if (!o->freed || o->replies) return;
    rc_dict_free(o->inflight); /* every job, queued or done, is there */
    rc_objxfer_server_free(o->srv);
    rc_objxfer_client_free(o->cli);
    rc_objstore_free(o->store);
    rc_free(o->threads);
    pthread_mutex_destroy(&o->mu);
    pthread_mutex_destroy(&o->qmu);
    pthread_cond_destroy(&o->qcv);
    rc_free(o);
}

void rc_objects_free(rc_objects_t *o)
{
    if (!o) return;
    o->freed = 1;
    maybe_free(o);
}
