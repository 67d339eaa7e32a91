/* cmd_job.c — `rayc job <sub>`: Ray's job CLI (submit, status, logs, stop,
 * list, delete) against the head dashboard's Jobs REST API.
 *
 * Each subcommand is a row of the table at the bottom. They share a context
 * (job_ctx_t: the dashboard URL and one HTTP client) and a few steps: resolve
 * the address (job_addr.c), check that a Jobs API answers (GET /api/version,
 * as Ray's SDK does), make requests whose HTTP errors are printed as the
 * dashboard wrote them, and follow a job's log (a WebSocket for http://,
 * polling GET …/logs for https://, where the CLI has no TLS WebSocket). What is
 * sent and printed is built by the pure job_view.c.
 *
 * Exit codes: 0 done (submit: the job SUCCEEDED), 1 failed (the dashboard
 * unreachable or refusing, the job did not succeed, Ctrl-C), 2 bad usage. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "clock.h"
#include "flags.h"
#include "job_addr.h"
#include "job_http.h"
#include "job_view.h"
#include "json.h"
#include "ws_client.h"

#define STOP_WAIT_MS      30000 /* rayc job stop: how long to wait for the job to end */
#define STOP_POLL_MS      500
#define PENDING_POLL_MS   1000 /* rayc job submit: status polls while PENDING */
#define PENDING_REPORT_MS 5000 /* progress lines when stderr is not a terminal */
#define LOG_POLL_MS       1000 /* log polling for https:// dashboards */
#define FINAL_WAIT_MS     5000 /* after the log stream ends, wait this long for the end */
#define FINAL_POLL_MS     500

typedef struct {
    const char *sub; /* "submit", for messages */
    char url[512];   /* the dashboard, no trailing slash */
    rc_job_http_t *http;
} job_ctx_t;

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* Ctrl-C sets a flag instead of killing us, so the user is told the job
 * keeps running. No SA_RESTART: a blocked poll(2) returns at once. */
static void catch_sigint(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

/* Sleeps ms; returns 1 (early) when Ctrl-C was pressed. */
static int nap(int ms)
{
    int64_t end = rc_clock_mono_ms() + ms;
    while (!interrupted) {
        int64_t left = end - rc_clock_mono_ms();
        if (left <= 0) return 0;
        struct timespec ts = {0, (long)(left > 100 ? 100 : left) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 1;
}

/* ---- talking to the dashboard ---- */

static void report_call_error(const job_ctx_t *ctx, rc_err_t e, const char *method,
                              const char *path, const char *why)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_job_http_explain(&b, e, ctx->url, method, path, why);
    if (e == RC_ECONN)
        fprintf(stderr, "rayc job: %s\n", b.data);
    else
        fprintf(stderr, "rayc job %s: %s\n", ctx->sub, b.data);
    rc_buf_free(&b);
}

/* The dashboard's text/plain explanation, as it wrote it. */
static void report_http_error(const job_ctx_t *ctx, long status, const rc_buf_t *body)
{
    size_t len = body->len;
    while (len > 0 && (body->data[len - 1] == '\n' || body->data[len - 1] == '\r')) len--;
    if (len)
        fprintf(stderr, "rayc job %s: %.*s\n", ctx->sub, (int)len, body->data);
    else
        fprintf(stderr, "rayc job %s: the dashboard answered HTTP %ld\n", ctx->sub, status);
}

/* One request; 0 with the 2xx body in resp, else 1 after saying why. */
static int call(job_ctx_t *ctx, const char *method, const char *path, const char *body,
                rc_buf_t *resp)
{
    char err[512];
    long status;
    rc_buf_clear(resp);
    rc_err_t e = rc_job_http_call(ctx->http, method, path, body, &status, resp, err, sizeof(err));
    if (e != RC_OK) {
        report_call_error(ctx, e, method, path, err);
        return 1;
    }
    if (status < 200 || status > 299) {
        report_http_error(ctx, status, resp);
        return 1;
    }
    return 0;
}

/* call() and parse the answer as JSON (*out to rc_json_free). */
static int call_json(job_ctx_t *ctx, const char *method, const char *path, const char *body,
                     rc_json_t **out)
{
    rc_buf_t resp = RC_BUF_INIT;
    char perr[200];
    int rc = call(ctx, method, path, body, &resp);
    if (rc == 0 &&
        rc_json_parse(resp.data ? resp.data : "", resp.len, out, perr, sizeof(perr)) != RC_OK) {
        fprintf(stderr, "rayc job %s: the dashboard's answer to %s %s is not JSON: %s\n", ctx->sub,
                method, path, perr);
        rc = 1;
    }
    rc_buf_free(&resp);
    return rc;
}

/* "/api/jobs/<id><suffix>" with the id percent-encoded; rc_free. */
static char *job_path(const char *id, const char *suffix)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_buf_append_str(&b, "/api/jobs/");
    rc_job_http_escape(&b, id);
    rc_buf_append_str(&b, suffix);
    return rc_buf_detach(&b, NULL);
}

static int get_job(job_ctx_t *ctx, const char *id, rc_json_t **job)
{
    char *path = job_path(id, "");
    int rc = call_json(ctx, "GET", path, NULL, job);
    if (rc == 0 && !rc_job_view_status_of(*job)) {
        fprintf(stderr, "rayc job %s: the dashboard's record of job '%s' has no status\n", ctx->sub,
                id);
        rc_json_free(*job);
        *job = NULL;
        rc = 1;
    }
    rc_free(path);
    return rc;
}

/* Resolves the address and checks that a Jobs API answers there, as Ray's
 * SDK does before any command. 0, or 1 after saying why. */
static int ctx_open(job_ctx_t *ctx, const char *sub, const char *address)
{
    char err[600];
    memset(ctx, 0, sizeof(*ctx));
    ctx->sub = sub;
    if (rc_job_addr_resolve(address, getenv("RAY_ADDRESS"), ctx->url, sizeof(ctx->url), err,
                            sizeof(err)) != RC_OK) {
        fprintf(stderr, "rayc job %s: %s\n", sub, err);
        return 1;
    }
    ctx->http = rc_job_http_new(ctx->url);
    rc_buf_t resp = RC_BUF_INIT;
    long status;
    char cerr[512];
    rc_err_t e = rc_job_http_call(ctx->http, "GET", "/api/version", NULL, &status, &resp, cerr,
                                  sizeof(cerr));
    int rc = 0;
    if (e != RC_OK) {
        report_call_error(ctx, e, "GET", "/api/version", cerr);
        rc = 1;
    } else if (status == 404) {
        fprintf(stderr,
                "rayc job %s: the server at %s has no Jobs API (GET /api/version: 404): is the "
                "address the dashboard's (port %d)?\n",
                sub, ctx->url, RC_DASHBOARD_DEFAULT_PORT);
        rc = 1;
    } else if (status < 200 || status > 299) {
        report_http_error(ctx, status, &resp);
        rc = 1;
    }
    rc_buf_free(&resp);
    return rc;
}

static void ctx_close(job_ctx_t *ctx)
{
    rc_job_http_free(ctx->http);
    ctx->http = NULL;
}

/* ---- following a job's log ---- */

typedef enum { FOLLOW_DONE, FOLLOW_FAILED, FOLLOW_INTERRUPTED, FOLLOW_CUT } follow_t;

static void write_out(const void *data, size_t len, void *arg)
{
    (void)arg;
    fwrite(data, 1, len, stdout);
    fflush(stdout);
}

/* https:// dashboards: GET …/logs once a second, printing what is new, until
 * the job has ended (status first, so the last logs fetched are complete). */
static follow_t follow_by_polling(job_ctx_t *ctx, const char *id)
{
    char *path = job_path(id, "/logs");
    size_t shown = 0;
    follow_t rc = FOLLOW_FAILED;
    for (;;) {
        rc_json_t *job = NULL, *logs = NULL;
        if (get_job(ctx, id, &job) != 0) break;
        int ended = rc_job_status_terminal(rc_job_view_status_of(job));
        rc_json_free(job);
        if (call_json(ctx, "GET", path, NULL, &logs) != 0) break;
        size_t len = 0;
        const char *text = rc_json_str(rc_json_get(logs, "logs"), &len);
        if (text && len > shown) write_out(text + shown, len - shown, NULL);
        if (text) shown = len;
        rc_json_free(logs);
        if (ended) {
            rc = FOLLOW_DONE;
            break;
        }
        if (nap(LOG_POLL_MS)) {
            rc = FOLLOW_INTERRUPTED;
            break;
        }
    }
    rc_free(path);
    return rc;
}

/* Writes the job's log to stdout as it grows, from the beginning, until the
 * dashboard ends the stream (the job has ended and all was sent). */
static follow_t follow_logs(job_ctx_t *ctx, const char *id)
{
    if (strncasecmp(ctx->url, "https://", 8) == 0) return follow_by_polling(ctx, id);
    char *path = job_path(id, "/logs/tail");
    rc_buf_t url = RC_BUF_INIT;
    rc_buf_printf(&url, "%s%s", ctx->url, path);
    char err[600];
    int status;
    rc_err_t e = rc_ws_tail(url.data, RC_JOB_HTTP_CONNECT_S, RC_JOB_HTTP_TIMEOUT_S, write_out, NULL,
                            &interrupted, &status, err, sizeof(err));
    follow_t rc = FOLLOW_DONE;
    if (e != RC_OK) {
        if (interrupted) {
            rc = FOLLOW_INTERRUPTED;
        } else if (e == RC_ECONN) {
            report_call_error(ctx, e, "GET", path, err);
            rc = FOLLOW_FAILED;
        } else if (status >= 400) {
            fprintf(stderr, "rayc job %s: %s\n", ctx->sub, err);
            rc = FOLLOW_FAILED;
        } else if (e == RC_ECLOSED) {
            fflush(stdout);
            fprintf(stderr, "rayc job %s: the log stream ended early: %s\n", ctx->sub, err);
            rc = FOLLOW_CUT;
        } else {
            fprintf(stderr, "rayc job %s: following the log of job '%s': %s\n", ctx->sub, id, err);
            rc = FOLLOW_FAILED;
        }
    }
    rc_buf_free(&url);
    rc_free(path);
    return rc;
}

static void say_interrupted(const char *sub, const char *id)
{
    fflush(stdout);
    fprintf(stderr,
            "\nrayc job %s: interrupted; job '%s' keeps running. Stop it with `rayc job stop %s`, "
            "or follow it again with `rayc job logs %s --follow`.\n",
            sub, id, id, id);
}

/* ---- flags ---- */

static void usage(FILE *f, const char *sub, const char *args, const char *description,
                  const rc_flag_t *flags, size_t nflags)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_flags_help(flags, nflags, &b);
    fprintf(f, "usage: rayc job %s %s\n\n%s\n\nflags:\n%s", sub, args, description,
            b.data ? b.data : "");
    rc_buf_free(&b);
}

/* Parses a subcommand's flags; -1 to go on (res to free), else the exit code
 * (help printed: 0; bad usage: 2). want_pos: exact number of positionals, or
 * -1 for "at least one" (the entrypoint). */
static int parse_sub(const char *sub, const char *args, const char *description,
                     const rc_flag_t *flags, size_t nflags, int argc, char **argv, int want_pos,
                     rc_flags_result_t *res)
{
    if (rc_flags_parse(flags, nflags, argc, argv, want_pos < 0, res) != RC_OK) {
        fprintf(stderr, "rayc job %s: %s\n", sub, res->error);
        rc_flags_result_free(res);
        return 2;
    }
    if (res->help) {
        usage(stdout, sub, args, description, flags, nflags);
        rc_flags_result_free(res);
        return 0;
    }
    if ((want_pos < 0 && res->npos == 0) || (want_pos >= 0 && res->npos != (size_t)want_pos)) {
        if (want_pos < 0)
            fprintf(stderr,
                    "rayc job %s: no entrypoint: give the command to run after --, e.g. rayc job "
                    "submit -- python script.py\n\n",
                    sub);
        else if (res->npos == 0)
            fprintf(stderr, "rayc job %s: which job? give its submission id\n\n", sub);
        else
            fprintf(stderr, "rayc job %s: unexpected argument '%s'\n\n", sub, res->pos[want_pos]);
        usage(stderr, sub, args, description, flags, nflags);
        rc_flags_result_free(res);
        return 2;
    }
    return -1;
}

#define ADDRESS_FLAG(dest)                                                                         \
    {                                                                                              \
        "address", RC_FLAG_STRING, dest,                                                           \
            "the dashboard (default: $RAY_ADDRESS, else http://127.0.0.1:8265)", "URL", 0, 0, NULL \
    }

/* ---- submit ---- */

/* A local --working-dir as an absolute path (the head reads it from the
 * shared volume); a URI as given. 0, or 2 after saying why. */
static int resolve_working_dir(const char *wd, char *out, size_t cap)
{
    if (rc_job_working_dir_is_uri(wd)) {
        if (strlen(wd) >= cap) {
            fprintf(stderr, "rayc job submit: --working-dir is too long\n");
            return 2;
        }
        snprintf(out, cap, "%s", wd);
        return 0;
    }
    char abs[PATH_MAX];
    struct stat st;
    if (!realpath(wd, abs) || stat(abs, &st) != 0) {
        fprintf(stderr, "rayc job submit: --working-dir %s: %s\n", wd, strerror(errno));
        return 2;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "rayc job submit: --working-dir %s is not a directory\n", wd);
        return 2;
    }
    if (strlen(abs) >= cap) {
        fprintf(stderr, "rayc job submit: --working-dir %s: path too long\n", wd);
        return 2;
    }
    snprintf(out, cap, "%s", abs);
    return 0;
}

/* While the job is PENDING: a progress line on stderr, redrawn in place on a
 * terminal, else one line every PENDING_REPORT_MS. 0 when it left PENDING. */
static int wait_started(job_ctx_t *ctx, const char *id)
{
    int tty = isatty(STDERR_FILENO);
    int64_t t0 = rc_clock_mono_ms(), next_report = PENDING_REPORT_MS;
    int drawn = 0, rc = 1;
    for (;;) {
        rc_json_t *job = NULL;
        if (get_job(ctx, id, &job) != 0) break;
        if (strcmp(rc_job_view_status_of(job), "PENDING") != 0) {
            rc_json_free(job);
            rc = 0;
            break;
        }
        int64_t waited = rc_clock_mono_ms() - t0;
        rc_buf_t line = RC_BUF_INIT;
        rc_job_view_waiting(id, job, waited / 1000, &line);
        rc_json_free(job);
        if (tty) {
            fflush(stdout);
            fprintf(stderr, "\r%s\033[K", line.data);
            drawn = 1;
        } else if (waited >= next_report) {
            fflush(stdout);
            fprintf(stderr, "%s\n", line.data);
            next_report += PENDING_REPORT_MS;
        }
        rc_buf_free(&line);
        if (nap(PENDING_POLL_MS)) break;
    }
    if (drawn) fprintf(stderr, "\r\033[K");
    return rc;
}

/* The closing lines once the log stream has ended; returns the exit code. */
static int report_end(job_ctx_t *ctx, const char *id)
{
    rc_json_t *job = NULL;
    int64_t deadline = rc_clock_mono_ms() + FINAL_WAIT_MS;
    /* The stream ends when the job does, but its record may lag a moment. */
    for (;;) {
        if (get_job(ctx, id, &job) != 0) return 1;
        if (rc_job_status_terminal(rc_job_view_status_of(job)) || rc_clock_mono_ms() >= deadline)
            break;
        rc_json_free(job);
        job = NULL;
        if (nap(FINAL_POLL_MS)) {
            say_interrupted(ctx->sub, id);
            return 1;
        }
    }
    rc_buf_t out = RC_BUF_INIT;
    int code = rc_job_view_final(id, job, &out);
    fwrite(out.data, 1, out.len, stdout);
    rc_buf_free(&out);
    rc_json_free(job);
    return code;
}

static int job_submit(int argc, char **argv)
{
    const char *address = NULL, *submission_id = NULL, *working_dir = NULL;
    rc_job_submit_opts_t o = {0};
    int no_wait = 0;
    const rc_flag_t flags[] = {
        ADDRESS_FLAG(&address),
        {"submission-id", RC_FLAG_STRING, &submission_id,
         "the job's id (default: the head makes one, raysubmit_…)", "ID", 0, 0, NULL},
        {"working-dir", RC_FLAG_STRING, &working_dir,
         "directory the entrypoint runs in (a local path on the shared volume, or an "
         "http(s):// URL of a .zip)",
         "DIR", 0, 0, NULL},
        {"runtime-env-json", RC_FLAG_STRING, &o.runtime_env_json,
         "runtime environment as JSON, e.g. '{\"env_vars\": {\"K\": \"V\"}}'", "JSON", 0, 0, NULL},
        {"entrypoint-num-cpus", RC_FLAG_DOUBLE, &o.num_cpus, "CPUs reserved for the entrypoint",
         "N", 0, 1e9, &o.has_num_cpus},
        {"entrypoint-num-gpus", RC_FLAG_DOUBLE, &o.num_gpus, "GPUs reserved for the entrypoint",
         "N", 0, 1e9, &o.has_num_gpus},
        {"entrypoint-memory", RC_FLAG_BYTES, &o.memory,
         "memory reserved for the entrypoint (bytes, or 512MiB, 2GB)", "BYTES", 0, 0,
         &o.has_memory},
        {"entrypoint-resources", RC_FLAG_STRING, &o.resources_json,
         "custom resources for the entrypoint as JSON, e.g. '{\"special\": 1}'", "JSON", 0, 0,
         NULL},
        {"metadata-json", RC_FLAG_STRING, &o.metadata_json, "metadata as a JSON object of strings",
         "JSON", 0, 0, NULL},
        {"no-wait", RC_FLAG_BOOL, &no_wait, "do not wait for the job and follow its logs", NULL, 0,
         0, NULL},
    };
    const size_t nflags = sizeof(flags) / sizeof(flags[0]);
    rc_flags_result_t res;
    int code = parse_sub(
        "submit", "[flags] -- ENTRYPOINT...",
        "Submits a job to the cluster: the entrypoint (the words after --) runs as a shell\n"
        "command on the head. Without --no-wait, waits for it to start, follows its logs and\n"
        "exits 0 only when it succeeds. Flags come before the entrypoint.",
        flags, nflags, argc, argv, -1, &res);
    if (code >= 0) return code;

    job_ctx_t ctx = {0};
    char wd[PATH_MAX + 1024];
    char err[512];
    rc_buf_t body = RC_BUF_INIT;
    rc_json_t *reply = NULL;
    char *entrypoint = rc_job_join_words(res.npos, res.pos);
    char *id = NULL;
    code = 2;
    if (working_dir) {
        if (resolve_working_dir(working_dir, wd, sizeof(wd)) != 0) goto done;
        o.working_dir = wd;
    }
    o.entrypoint = entrypoint;
    o.submission_id = submission_id;
    if (rc_job_submit_body(&o, &body, err, sizeof(err)) != RC_OK) {
        fprintf(stderr, "rayc job submit: %s\n", err);
        goto done;
    }
    code = 1;
    if (ctx_open(&ctx, "submit", address) != 0) goto done;
    printf("Job submission server address: %s\n", ctx.url);
    if (call_json(&ctx, "POST", "/api/jobs/", body.data, &reply) != 0) goto done;
    const char *sid = rc_json_str(rc_json_get(reply, "submission_id"), NULL);
    if (!sid) sid = rc_json_str(rc_json_get(reply, "job_id"), NULL);
    if (!sid || !*sid) {
        fprintf(stderr, "rayc job submit: the dashboard accepted the job but sent no id\n");
        goto done;
    }
    id = rc_strdup(sid);
    rc_buf_t out = RC_BUF_INIT;
    rc_job_view_submitted(id, &out);
    fwrite(out.data, 1, out.len, stdout);
    rc_buf_free(&out);
    if (no_wait) {
        code = 0;
        goto done;
    }
    printf("Tailing logs until the job exits (disable with --no-wait):\n");
    fflush(stdout);
    catch_sigint();
    if (wait_started(&ctx, id) != 0) {
        if (interrupted) say_interrupted("submit", id);
        goto done;
    }
    follow_t f = follow_logs(&ctx, id);
    if (f == FOLLOW_INTERRUPTED) say_interrupted("submit", id);
    if (f == FOLLOW_INTERRUPTED || f == FOLLOW_FAILED) goto done;
    code = report_end(&ctx, id);
done:
    fflush(stdout);
    rc_json_free(reply);
    rc_free(id);
    rc_free(entrypoint);
    rc_buf_free(&body);
    ctx_close(&ctx);
    rc_flags_result_free(&res);
    return code;
}

/* ---- status, logs, stop, list, delete ---- */

static int job_status(int argc, char **argv)
{
    const char *address = NULL;
    const rc_flag_t flags[] = {ADDRESS_FLAG(&address)};
    rc_flags_result_t res;
    int code = parse_sub("status", "[flags] ID", "Prints the status of a job.", flags, 1, argc,
                         argv, 1, &res);
    if (code >= 0) return code;
    job_ctx_t ctx = {0};
    rc_json_t *job = NULL;
    rc_buf_t out = RC_BUF_INIT;
    char err[512];
    const char *id = res.pos[0];
    code = 1;
    if (ctx_open(&ctx, "status", address) != 0 || get_job(&ctx, id, &job) != 0) goto done;
    if (rc_job_view_status(id, job, &out, err, sizeof(err)) != RC_OK) {
        fprintf(stderr, "rayc job status: %s\n", err);
        goto done;
    }
    fwrite(out.data, 1, out.len, stdout);
    code = 0;
done:
    rc_buf_free(&out);
    rc_json_free(job);
    ctx_close(&ctx);
    rc_flags_result_free(&res);
    return code;
}

static int job_logs(int argc, char **argv)
{
    const char *address = NULL;
    int follow = 0;
    const rc_flag_t flags[] = {
        ADDRESS_FLAG(&address),
        {"follow", RC_FLAG_BOOL, &follow,
         "keep printing the log as it grows, until the job ends (also -f)", NULL, 0, 0, NULL},
    };
    /* -f is Ray's short form; the flag parser knows only --names. */
    char **args = rc_calloc((size_t)argc + 1, sizeof(char *));
    for (int i = 0; i < argc; i++) {
        int after_dashes = 0;
        for (int j = 0; j < i; j++) after_dashes |= strcmp(argv[j], "--") == 0;
        args[i] = !after_dashes && strcmp(argv[i], "-f") == 0 ? (char *)"--follow" : argv[i];
    }
    rc_flags_result_t res;
    int code = parse_sub("logs", "[flags] ID",
                         "Prints the logs of a job; with --follow, keeps printing them until the "
                         "job ends.",
                         flags, 2, argc, args, 1, &res);
    if (code >= 0) {
        rc_free(args);
        return code;
    }
    job_ctx_t ctx = {0};
    rc_json_t *logs = NULL;
    const char *id = res.pos[0];
    code = 1;
    if (ctx_open(&ctx, "logs", address) != 0) goto done;
    if (follow) {
        catch_sigint();
        follow_t f = follow_logs(&ctx, id);
        if (f == FOLLOW_INTERRUPTED) say_interrupted("logs", id);
        code = f == FOLLOW_DONE ? 0 : 1;
        goto done;
    }
    char *path = job_path(id, "/logs");
    int rc = call_json(&ctx, "GET", path, NULL, &logs);
    rc_free(path);
    if (rc != 0) goto done;
    size_t len;
    const char *text = rc_json_str(rc_json_get(logs, "logs"), &len);
    if (!text) {
        fprintf(stderr, "rayc job logs: the dashboard's answer has no \"logs\" text\n");
        goto done;
    }
    fwrite(text, 1, len, stdout);
    code = 0;
done:
    fflush(stdout);
    rc_json_free(logs);
    ctx_close(&ctx);
    rc_flags_result_free(&res);
    rc_free(args);
    return code;
}

static int job_stop(int argc, char **argv)
{
    const char *address = NULL;
    int no_wait = 0;
    const rc_flag_t flags[] = {
        ADDRESS_FLAG(&address),
        {"no-wait", RC_FLAG_BOOL, &no_wait, "do not wait for the job to exit", NULL, 0, 0, NULL},
    };
    rc_flags_result_t res;
    int code = parse_sub("stop", "[flags] ID",
                         "Asks the head to stop a job (SIGTERM, then SIGKILL) and, without "
                         "--no-wait,\nwaits up to 30 s for it to exit.",
                         flags, 2, argc, argv, 1, &res);
    if (code >= 0) return code;
    job_ctx_t ctx = {0};
    rc_json_t *reply = NULL, *job = NULL;
    const char *id = res.pos[0];
    char *path = job_path(id, "/stop");
    code = 1;
    if (ctx_open(&ctx, "stop", address) != 0) goto done;
    printf("Attempting to stop job '%s'\n", id);
    if (call_json(&ctx, "POST", path, NULL, &reply) != 0) goto done;
    if (no_wait) {
        code = 0;
        goto done;
    }
    printf("Waiting for job '%s' to exit (disable with --no-wait):\n", id);
    fflush(stdout);
    int64_t deadline = rc_clock_mono_ms() + STOP_WAIT_MS;
    for (;;) {
        if (get_job(&ctx, id, &job) != 0) goto done;
        if (rc_job_status_terminal(rc_job_view_status_of(job))) break;
        if (rc_clock_mono_ms() >= deadline) {
            fprintf(stderr,
                    "rayc job stop: job '%s' is still %s after %d s; check it with `rayc job "
                    "status %s`\n",
                    id, rc_job_view_status_of(job), STOP_WAIT_MS / 1000, id);
            goto done;
        }
        rc_json_free(job);
        job = NULL;
        nap(STOP_POLL_MS);
    }
    rc_buf_t out = RC_BUF_INIT;
    rc_job_view_final(id, job, &out);
    fwrite(out.data, 1, out.len, stdout);
    rc_buf_free(&out);
    code = 0; /* the job is not running any more, whatever its end */
done:
    fflush(stdout);
    rc_json_free(job);
    rc_json_free(reply);
    rc_free(path);
    ctx_close(&ctx);
    rc_flags_result_free(&res);
    return code;
}

static int job_list(int argc, char **argv)
{
    const char *address = NULL, *format = "table";
    const rc_flag_t flags[] = {
        ADDRESS_FLAG(&address),
        {"format", RC_FLAG_STRING, &format, "output: table (default) or json (the dashboard's)",
         "FMT", 0, 0, NULL},
    };
    rc_flags_result_t res;
    int code =
        parse_sub("list", "[flags]", "Lists the cluster's jobs.", flags, 2, argc, argv, 0, &res);
    if (code >= 0) return code;
    job_ctx_t ctx = {0};
    rc_buf_t resp = RC_BUF_INIT, out = RC_BUF_INIT;
    rc_json_t *list = NULL;
    char err[512], perr[200];
    int json = strcmp(format, "json") == 0;
    code = 2;
    if (!json && strcmp(format, "table") != 0) {
        fprintf(stderr, "rayc job list: unknown --format '%s' (use table or json)\n", format);
        goto done;
    }
    code = 1;
    if (ctx_open(&ctx, "list", address) != 0 || call(&ctx, "GET", "/api/jobs/", NULL, &resp) != 0)
        goto done;
    if (json) {
        fwrite(resp.data, 1, resp.len, stdout);
        if (!resp.len || resp.data[resp.len - 1] != '\n') putchar('\n');
        code = 0;
        goto done;
    }
    if (rc_json_parse(resp.data ? resp.data : "", resp.len, &list, perr, sizeof(perr)) != RC_OK) {
        fprintf(stderr, "rayc job list: the dashboard's job list is not JSON: %s\n", perr);
        goto done;
    }
    if (rc_job_view_table(list, &out, err, sizeof(err)) != RC_OK) {
        fprintf(stderr, "rayc job list: %s\n", err);
        goto done;
    }
    fwrite(out.data, 1, out.len, stdout);
    code = 0;
done:
    rc_json_free(list);
    rc_buf_free(&out);
    rc_buf_free(&resp);
    ctx_close(&ctx);
    rc_flags_result_free(&res);
    return code;
}

static int job_delete(int argc, char **argv)
{
    const char *address = NULL;
    const rc_flag_t flags[] = {ADDRESS_FLAG(&address)};
    rc_flags_result_t res;
    int code = parse_sub("delete", "[flags] ID", "Deletes a finished job: its record and its logs.",
                         flags, 1, argc, argv, 1, &res);
    if (code >= 0) return code;
    job_ctx_t ctx = {0};
    rc_json_t *reply = NULL;
    const char *id = res.pos[0];
    char *path = job_path(id, "");
    code = 1;
    if (ctx_open(&ctx, "delete", address) != 0 ||
        call_json(&ctx, "DELETE", path, NULL, &reply) != 0)
        goto done;
    if (!rc_json_bool(rc_json_get(reply, "deleted"))) {
        fprintf(stderr, "rayc job delete: the dashboard did not delete job '%s'\n", id);
        goto done;
    }
    printf("Job '%s' deleted successfully\n", id);
    code = 0;
done:
    rc_json_free(reply);
    rc_free(path);
    ctx_close(&ctx);
    rc_flags_result_free(&res);
    return code;
}

/* ---- dispatch ---- */

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} subs[] = {
    {"submit", job_submit, "submit a job and follow its logs: rayc job submit -- python x.py"},
    {"status", job_status, "print a job's status"},
    {"logs", job_logs, "print a job's logs (--follow: until it ends)"},
    {"stop", job_stop, "stop a job and wait for it to exit"},
    {"list", job_list, "list the cluster's jobs (--format json)"},
    {"delete", job_delete, "delete a finished job's record and logs"},
};
#define NSUBS (sizeof(subs) / sizeof(subs[0]))

static void job_usage(FILE *f)
{
    fprintf(f, "usage: rayc job <command> [flags]\n\nSubmits and manages jobs through the head's "
               "dashboard (Ray's Jobs API).\n\ncommands:\n");
    for (size_t i = 0; i < NSUBS; i++) fprintf(f, "  %-8s %s\n", subs[i].name, subs[i].help);
    fprintf(f, "\n`rayc job <command> --help` describes a command's flags. The dashboard is "
               "--address,\nelse $RAY_ADDRESS, else http://127.0.0.1:8265.\n");
}

int rc_cli_job(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        job_usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    for (size_t i = 0; i < NSUBS; i++)
        if (strcmp(argv[0], subs[i].name) == 0) return subs[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "rayc job: unknown command '%s'\n\n", argv[0]);
    job_usage(stderr);
    return 2;
}
