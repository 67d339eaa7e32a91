/* drive.c — phases of tasks on a cluster or in process, with progress (see drive.h). */
#include "drive.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"

#define BAR_WIDTH 20
/* At most this often a progress line (besides the first and the last shard). */
#define PROGRESS_EVERY_S 0.5
#define POLL_S           0.25
/* Consecutive lost connections a phase rides out (one second apart). */
#define MAX_LOST 5

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void rc_drive_init(rc_drive_t *d, rayc_client_t *client, const char *library)
{
    memset(d, 0, sizeof(*d));
    d->client = client;
    d->library = library;
    d->timeout_s = -1;
    d->max_retries = 5;
}

void rc_drive_release(rc_drive_t *d)
{
    if (d->refs && d->client) rayc_release(d->client, d->refs, d->nresults);
    for (size_t i = 0; i < d->nresults; i++) rc_buf_free(&d->results[i]);
    rc_free(d->results);
    rc_free(d->refs);
    d->results = NULL;
    d->refs = NULL;
    d->nresults = 0;
}

void rc_drive_free(rc_drive_t *d)
{
    rc_drive_release(d);
}

typedef struct {
    const char *label;
    size_t done, total;
    uint64_t rows;
    double t0, last;
} progress_t;

static void progress_line(progress_t *p)
{
    double t = now_s(), el = t - p->t0;
    if (p->done != 1 && p->done != p->total && t - p->last < PROGRESS_EVERY_S) return;
    p->last = t;
    char bar[BAR_WIDTH + 1];
    size_t fill = p->total ? p->done * BAR_WIDTH / p->total : BAR_WIDTH;
    for (size_t i = 0; i < BAR_WIDTH; i++) bar[i] = i < fill ? '#' : '-';
    bar[BAR_WIDTH] = '\0';
    printf("%-10s [%s] %zu/%zu shards  %llu rows  %.0f rows/s  %.1f s\n", p->label, bar, p->done,
           p->total, (unsigned long long)p->rows, el > 0 ? (double)p->rows / el : 0.0, el);
    fflush(stdout);
}

static rc_err_t run_local(rc_drive_t *d, progress_t *pg, rc_synth_fn handler, const rc_buf_t *reqs,
                          size_t n, rc_drive_rows_fn rows, char *err, size_t errcap)
{
    for (size_t i = 0; i < n; i++) {
        rc_blob_t arg = {reqs[i].data, reqs[i].len};
        rc_err_t rc = handler(&arg, 1, &d->results[i], err, errcap);
        if (rc != RC_OK) return rc;
        pg->done++;
        pg->rows += rows(d->results[i].data, d->results[i].len);
        progress_line(pg);
    }
    return RC_OK;
}

static rc_err_t sdk_fail(rc_drive_t *d, int rc, const char *what, char *err, size_t errcap)
{
    snprintf(err, errcap, "%s: %s: %s", what, rayc_strerror(rc), rayc_last_error(d->client));
    return RC_EIO;
}

static rc_err_t run_cluster(rc_drive_t *d, progress_t *pg, const char *fn, const rc_buf_t *reqs,
                            size_t n, rc_drive_rows_fn rows, char *err, size_t errcap)
{
    rayc_task_opts_t o;
    rayc_task_opts_init(&o);
    o.name = fn;
    o.max_retries = d->max_retries;
    rc_err_t rc = RC_OK;
    int sdk, lost = 0;
    for (size_t i = 0; i < n; i++) {
        rayc_arg_t a = rayc_arg_bytes(reqs[i].data, reqs[i].len);
        sdk = rayc_submit(d->client, d->library, fn, &a, 1, &o, &d->refs[i]);
        if (sdk != RAYC_OK) {
            d->nresults = i; /* release only what was submitted */
            return sdk_fail(d, sdk, "submitting the tasks", err, errcap);
        }
    }
    /* pending[0..np): indexes of refs not finished yet. */
    size_t *pending = rc_malloc(n * sizeof(size_t)), np = n;
    rayc_ref_t *prefs = rc_malloc(n * sizeof(rayc_ref_t));
    int *ready = rc_malloc(n * sizeof(int));
    for (size_t i = 0; i < n; i++) pending[i] = i;
    double deadline = d->timeout_s >= 0 ? pg->t0 + d->timeout_s : -1;
    while (np > 0 && rc == RC_OK) {
        for (size_t k = 0; k < np; k++) prefs[k] = d->refs[pending[k]];
        /* Bounded waits: progress stays live even if a wake-up is late (seen with
         * TASK.WAIT on busy heads), at the cost of a few cheap calls a second. */
        double wait = deadline < 0 ? POLL_S : deadline - now_s();
        if (wait > POLL_S) wait = POLL_S;
        if (deadline >= 0 && wait <= 0) {
            snprintf(err, errcap, "%zu of %zu tasks still unfinished after --timeout %.0f s", np, n,
                     d->timeout_s);
            rc = RC_ETIMEOUT;
            break;
        }
        sdk = rayc_wait(d->client, prefs, np, 1, wait, ready);
        if (sdk == RAYC_ETIMEOUT) continue;
        /* The SDK reconnects on the next call: ride out a short outage. */
        if (sdk == RAYC_ECONNLOST && ++lost <= MAX_LOST) {
            sleep(1);
            continue;
        }
        lost = 0;
        if (sdk != RAYC_OK) {
            rc = sdk_fail(d, sdk, "waiting for the tasks", err, errcap);
            break;
        }
        size_t keep = 0;
        for (size_t k = 0; k < np; k++) {
            size_t i = pending[k];
            if (!ready[k] || rc != RC_OK) {
                pending[keep++] = i;
                continue;
            }
            rayc_value_t v = {0};
            sdk = rayc_get(d->client, &d->refs[i], 1, 60.0, &v);
            if (sdk == RAYC_OK) {
                rc_buf_append(&d->results[i], v.data, v.len);
                pg->done++;
                pg->rows += rows(v.data, v.len);
                progress_line(pg);
            } else if (v.message && *v.message) {
                snprintf(err, errcap, "%s", v.message);
                rc = RC_EINVAL;
            } else {
                rc = sdk_fail(d, sdk, "getting a result", err, errcap);
            }
            rayc_value_free(&v);
        }
        np = keep;
    }
    if (rc != RC_OK)
        for (size_t k = 0; k < np; k++) rayc_cancel(d->client, &d->refs[pending[k]], 0);
    rc_free(pending);
    rc_free(prefs);
    rc_free(ready);
    return rc;
}

rc_err_t rc_drive_shards(rc_drive_t *d, const char *label, const char *fn, rc_synth_fn handler,
                         const rc_buf_t *reqs, size_t n, rc_drive_rows_fn rows, char *err,
                         size_t errcap)
{
    rc_drive_release(d);
    d->results = rc_calloc(n ? n : 1, sizeof(rc_buf_t));
    d->nresults = n;
    if (d->client) d->refs = rc_calloc(n ? n : 1, sizeof(rayc_ref_t));
    progress_t pg = {.label = label, .total = n, .t0 = now_s()};
    pg.last = pg.t0;
    rc_err_t rc = d->client ? run_cluster(d, &pg, fn, reqs, n, rows, err, errcap)
                            : run_local(d, &pg, handler, reqs, n, rows, err, errcap);
    double el = now_s() - pg.t0;
    d->last_rows_per_s = el > 0 ? (double)pg.rows / el : 0;
    return rc;
}

rc_err_t rc_drive_reduce(rc_drive_t *d, const char *fn, rc_synth_fn handler, const rc_buf_t *req,
                         rc_buf_t *out, char *err, size_t errcap)
{
    size_t n = d->nresults;
    rc_err_t rc = RC_OK;
    if (!d->client) {
        rc_blob_t *args = rc_malloc((n + 1) * sizeof(*args));
        args[0] = (rc_blob_t){req->data, req->len};
        for (size_t i = 0; i < n; i++)
            args[i + 1] = (rc_blob_t){d->results[i].data, d->results[i].len};
        rc = handler(args, n + 1, out, err, errcap);
        rc_free(args);
        rc_drive_release(d);
        return rc;
    }
    rayc_arg_t *args = rc_malloc((n + 1) * sizeof(*args));
    args[0] = rayc_arg_bytes(req->data, req->len);
    for (size_t i = 0; i < n; i++) args[i + 1] = rayc_arg_ref(d->refs[i]);
    rayc_task_opts_t o;
    rayc_task_opts_init(&o);
    o.name = fn;
    o.max_retries = d->max_retries;
    rayc_ref_t ref;
    int sdk = rayc_submit(d->client, d->library, fn, args, n + 1, &o, &ref);
    rc_free(args);
    if (sdk != RAYC_OK) {
        rc = sdk_fail(d, sdk, "submitting the reduce task", err, errcap);
        goto done;
    }
    rayc_value_t v = {0};
    sdk = rayc_get(d->client, &ref, 1, d->timeout_s, &v);
    if (sdk == RAYC_OK)
        rc_buf_append(out, v.data, v.len);
    else if (v.message && *v.message) {
        snprintf(err, errcap, "%s", v.message);
        rc = RC_EINVAL;
    } else {
        rc = sdk_fail(d, sdk, "getting the reduce result", err, errcap);
    }
    rayc_value_free(&v);
    rayc_release(d->client, &ref, 1);
done:
    rc_drive_release(d);
    return rc;
}
