/* rayc.h — the rayc client SDK (librayc), public API.
 *
 * A program connects to a cluster, submits tasks (functions in a shared library,
 * or commands), and gets their results:
 *
 *     rayc_client_t *c;
 *     rayc_connect("127.0.0.1:6379", NULL, &c);          // NULL address: $RAY_ADDRESS
 *     rayc_task_opts_t o;
 *     rayc_task_opts_init(&o);
 *     rayc_ref_t ref;
 *     rayc_arg_t arg = rayc_arg_bytes("hi", 2);
 *     rayc_submit(c, "/path/libtasks.so", "echo", &arg, 1, &o, &ref);
 *     rayc_value_t v;
 *     rayc_get(c, &ref, 1, 10.0, &v);                    // v.data, v.len
 *     rayc_value_free(&v);
 *     rayc_release(c, &ref, 1);
 *     rayc_disconnect(c);
 *
 * Addresses: "HOST:PORT" (the GCS port 6379 inside the cluster), "ray://HOST:10001"
 * (the client port from outside), or NULL for $RAY_ADDRESS.
 *
 * Password: rayc_connect's password, or when it is NULL $RAYC_REDIS_PASSWORD
 * (the head's --redis-password); "" or neither means no AUTH.
 *
 * Submission is batched: rayc_submit returns the ref at once and sends tasks in
 * batches (1,000 tasks or 1 MiB), always before any other call (get, wait,
 * cancel, put, release, disconnect). A batch the head refuses is reported, with
 * its message, by a later call. A lost connection is reported as
 * RAYC_ECONNLOST and the next call reconnects; tasks sent but not acknowledged
 * before the loss may be lost.
 *
 * Errors: every call returns 0 (RAYC_OK) or a RAYC_E… code; rayc_strerror() gives
 * its text and rayc_last_error(client) the message of the last failure on that
 * client (what was wrong and what to do); rayc_last_error(NULL) gives the message
 * of this thread's last failed rayc_connect.
 *
 * Thread safety: a rayc_client_t may be shared by several threads; its calls are
 * serialised by a mutex inside (one connection per client). For parallel
 * submission from many threads, give each thread its own client.
 *
 * Task functions (in a shared library loaded by the workers' executors) have the
 * signature `int fn(rayc_task_t *t)`: read arguments with rayc_task_nargs and
 * rayc_task_arg, set the result with rayc_task_return (copied), or fail with
 * `return rayc_task_fail(t, msg);` (it returns RAYC_ETASK) or any non-zero return.
 * rayc_task_client(t) gives a client connected to the same cluster (from
 * $RAY_ADDRESS, set by the worker) for nested tasks. */
#ifndef RAYC_H
#define RAYC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RAYC_ERRORS(X)                                                                             \
    X(OK, "success")                                                                               \
    X(EINVAL, "invalid argument")                                                                  \
    X(ENOMEM, "out of memory")                                                                     \
    X(ECONNECT, "cannot connect to the cluster")                                                   \
    X(ECONNLOST, "connection to the cluster lost")                                                 \
    X(EAUTH, "authentication failed")                                                              \
    X(ETIMEOUT, "timed out")                                                                       \
    X(ETASK, "task failed")                                                                        \
    X(EWORKER, "worker died and the task ran out of retries")                                      \
    X(ECANCELLED, "task cancelled")                                                                \
    X(EINFEASIBLE, "no node can ever run this task")                                               \
    X(EDEPENDENCY, "a task this one depends on failed")                                            \
    X(ETOOBIG, "value too large")                                                                  \
    X(ENOTFOUND, "object not found or already released")                                           \
    X(EOBJECT_LOST, "object lost")                                                                 \
    X(EPROTO, "unexpected reply from the cluster")

typedef enum {
#define RAYC_ERR_ENUM(name, text) RAYC_##name,
    RAYC_ERRORS(RAYC_ERR_ENUM)
#undef RAYC_ERR_ENUM
} rayc_err_t;

const char *rayc_strerror(int err);

typedef struct rayc_client rayc_client_t;

/* A reference to an object: a task's result or a put value. */
typedef struct {
    uint8_t id[16];
} rayc_ref_t;

typedef enum { RAYC_ARG_BYTES, RAYC_ARG_REF } rayc_arg_kind_t;

typedef struct {
    rayc_arg_kind_t kind;
    const void *data; /* RAYC_ARG_BYTES: not copied until rayc_submit */
    size_t len;
    rayc_ref_t ref; /* RAYC_ARG_REF */
} rayc_arg_t;

rayc_arg_t rayc_arg_bytes(const void *data, size_t len);
rayc_arg_t rayc_arg_ref(rayc_ref_t ref);

typedef enum { RAYC_DEFAULT = 0, RAYC_SPREAD = 1, RAYC_NODE_AFFINITY = 2 } rayc_strategy_t;

typedef struct {
    double num_cpus;       /* default 1 */
    double num_gpus;       /* default 0 */
    double memory;         /* bytes, default 0 */
    const char *resources; /* JSON object of custom resources, e.g. {"disk": 1}; NULL: none */
    int max_retries;       /* retries on worker death, default 3 */
    int retry_exceptions;  /* also retry application errors, default 0 */
    rayc_strategy_t strategy;
    const char *node_id; /* RAYC_NODE_AFFINITY: 32 hex chars */
    int soft;            /* RAYC_NODE_AFFINITY: fall back to other nodes */
    const char *group;   /* only nodes of this worker group; NULL: any */
    const char *name;    /* shown in listings; NULL: the function or argv[0] */
    /* Command tasks only: */
    const char *const *env; /* extra "K=V" for the process (win over the node's); NULL: none */
    size_t nenv;
    const char *cwd;      /* absolute working directory; NULL: the worker agent's */
    const char *log_path; /* absolute file that gets stdout and stderr appended; NULL: the
                             node's task log */
    int stop_signal;      /* signal a non-force rayc_cancel sends; 0: SIGINT */
} rayc_task_opts_t;

void rayc_task_opts_init(rayc_task_opts_t *opts);

/* A result. data stays valid until rayc_value_free. For a command task, data is
 * the last 100 KiB of its stdout and exit_code its exit status. */
typedef struct {
    const void *data;
    size_t len;
    int exit_code;
    int err;             /* RAYC_OK, or why this value is missing (rayc_get's per-ref error) */
    const char *message; /* error message when err != RAYC_OK */
    void *priv_;
} rayc_value_t;

int rayc_connect(const char *address, const char *password, rayc_client_t **out);
void rayc_disconnect(rayc_client_t *client);
/* Message of the last failed call on this client ("" when none). */
const char *rayc_last_error(rayc_client_t *client);

int rayc_submit(rayc_client_t *client, const char *library, const char *function,
                const rayc_arg_t *args, size_t nargs, const rayc_task_opts_t *opts,
                rayc_ref_t *out);
int rayc_submit_cmd(rayc_client_t *client, const char *const argv[], const rayc_task_opts_t *opts,
                    rayc_ref_t *out);
int rayc_put(rayc_client_t *client, const void *data, size_t len, rayc_ref_t *out);
/* Waits up to timeout_s (< 0: forever) for every ref; fills values[i]. Returns
 * RAYC_OK when all succeeded, otherwise the first error (each value has its own). */
int rayc_get(rayc_client_t *client, const rayc_ref_t *refs, size_t n, double timeout_s,
             rayc_value_t *values);
/* Waits until num_returns of the refs are ready or timeout_s passes; ready[i] = 1/0. */
int rayc_wait(rayc_client_t *client, const rayc_ref_t *refs, size_t n, size_t num_returns,
              double timeout_s, int *ready);
int rayc_cancel(rayc_client_t *client, const rayc_ref_t *ref, int force);
int rayc_release(rayc_client_t *client, const rayc_ref_t *refs, size_t n);
/* From a job's driver (RAY_SUBMISSION_ID set by the Jobs API): adds the keys of
 * json_object, an object of string values such as {"rows": "100000"}, to the
 * job's metadata (later keys win), which the Jobs API (GET /api/jobs/ID) and
 * the dashboard show. RAYC_EINVAL outside a job or for bad JSON
 * (rayc_last_error says why). */
int rayc_job_set_metadata(rayc_client_t *client, const char *json_object);
void rayc_value_free(rayc_value_t *value);

/* 32 hex characters and a NUL. */
void rayc_ref_hex(const rayc_ref_t *ref, char out[33]);

/* ---- inside a task function ---- */
typedef struct rayc_task rayc_task_t;

size_t rayc_task_nargs(const rayc_task_t *t);
const void *rayc_task_arg(const rayc_task_t *t, size_t i, size_t *len);
int rayc_task_return(rayc_task_t *t, const void *data, size_t len);
int rayc_task_fail(rayc_task_t *t, const char *msg);
rayc_client_t *rayc_task_client(rayc_task_t *t);

typedef int (*rayc_task_fn)(rayc_task_t *t);

#ifdef __cplusplus
}
#endif
#endif
