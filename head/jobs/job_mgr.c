/* job_mgr.c — the job table, driver supervision and working_dir set-up. */
#include "job_mgr.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "envv.h"
#include "job_proc.h"
#include "job_store.h"
#include "log.h"
#include "proc.h"

#define LOG_READ_DEFAULT   (64u << 20)
#define FAIL_LOG_TAIL      2000 /* bytes of the log quoted in a FAILED message */
#define DOWNLOAD_MAX       (1ull << 30)
#define DOWNLOAD_TIMEOUT_S 300

typedef struct fetch fetch_t;

/* A job and what the manager does for it. */
typedef struct {
    rc_job_t *job;
    rc_job_mgr_t *m;
    rc_job_proc_t *proc; /* while the driver runs */
    fetch_t *fetch;      /* while working_dir is being set up */
    char *cwd;           /* resolved working directory, NULL = the head's */
    char **env;          /* user env_vars ("K=V"), kept until the driver starts */
    size_t nenv;
    int stop_requested;
} jent_t;

struct rc_job_mgr {
    uv_loop_t *loop;
    char *storage, *gcs_address, *password, *runner;
    size_t max_log_read;
    jent_t **ents;
    size_t n, cap;
    uint32_t next_job_id;
    rc_job_mgr_event_fn observer;
    void *observer_arg;
    int closing;
    size_t live; /* drivers and downloads still running */
};

/* A working_dir download: libcurl on the thread pool, then `unzip` on the loop. */
struct fetch {
    uv_work_t work;
    uv_process_t unzip;
    jent_t *e;
    char *url;
    char zip[4200], dir[4200];
    char err[4800];
    int ok;
};

static void save(rc_job_mgr_t *m, jent_t *e)
{
    char err[512];
    if (rc_job_store_save(m->storage, e->job, err, sizeof(err)) != RC_OK)
        rc_log_error("jobs", "record not saved submission_id=%s err=\"%s\"", e->job->submission_id,
                     err);
    if (m->observer) m->observer(m->observer_arg, e->job);
}

static jent_t *find_ent(const rc_job_mgr_t *m, const rc_job_t *j)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->ents[i]->job == j) return m->ents[i];
    return NULL;
}

static void add_ent(rc_job_mgr_t *m, jent_t *e)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 16;
        m->ents = rc_realloc(m->ents, m->cap * sizeof(*m->ents));
    }
    m->ents[m->n++] = e;
    if (e->job->job_id >= m->next_job_id) m->next_job_id = e->job->job_id + 1;
}

static void free_ent(jent_t *e)
{
    rc_job_free(e->job);
    rc_free(e->cwd);
    for (size_t i = 0; i < e->nenv; i++) rc_free(e->env[i]);
    rc_free(e->env);
    rc_free(e);
}

/* ---- restart ---------------------------------------------------------------- */

static void loaded(void *arg, rc_job_t *j)
{
    rc_job_mgr_t *m = arg;
    jent_t *e = rc_calloc(1, sizeof(*e));
    e->job = j;
    e->m = m;
    add_ent(m, e);
    if (rc_job_status_terminal(j->status)) return;
    /* Its supervisor was the previous head. A driver that outlived it (the head
     * was killed) is recognised by pid and start time and killed with its group. */
    uint64_t ticks = 0;
    if (j->driver_pid > 0 && j->driver_start_ticks &&
        rc_proc_stat(j->driver_pid, NULL, &ticks) == 0 && ticks == j->driver_start_ticks) {
        rc_log_warn("jobs", "killing the orphaned driver of submission_id=%s pgid=%d",
                    j->submission_id, (int)j->driver_pid);
        kill(-j->driver_pid, SIGKILL);
    }
    rc_job_set_str(&j->error_type, "JOB_SUPERVISOR_ACTOR_DIED");
    rc_job_set_status(j, RC_JOB_FAILED, rc_clock_wall_ms(),
                      "The head stopped while this job was %s, so its driver was lost. "
                      "Submit the job again.",
                      rc_job_status_name(j->status));
    j->driver_pid = 0;
    save(m, e);
}

static int by_start(const void *a, const void *b)
{
    const rc_job_t *x = (*(jent_t *const *)a)->job, *y = (*(jent_t *const *)b)->job;
    if (x->job_id != y->job_id) return x->job_id < y->job_id ? -1 : 1;
    return x->start_time_ms < y->start_time_ms ? -1 : x->start_time_ms > y->start_time_ms;
}

rc_err_t rc_job_mgr_new(uv_loop_t *loop, const rc_job_mgr_opts_t *o, rc_job_mgr_t **out, char *err,
                        size_t errcap)
{
    rc_err_t rc = rc_job_store_init(o->storage, err, errcap);
    if (rc != RC_OK) return rc;
    rc_job_mgr_t *m = rc_calloc(1, sizeof(*m));
    m->loop = loop;
    m->storage = rc_strdup(o->storage);
    m->gcs_address = rc_strdup(o->gcs_address ? o->gcs_address : "127.0.0.1:6379");
    m->password = o->password && *o->password ? rc_strdup(o->password) : NULL;
    m->max_log_read = o->max_log_read ? o->max_log_read : LOG_READ_DEFAULT;
    m->runner = rc_strdup(o->runner ? o->runner : "rayc-job-runner");
    m->next_job_id = 1;
    rc = rc_job_store_load(m->storage, loaded, m, err, errcap);
    if (rc != RC_OK) {
        rc_job_mgr_free(m);
        return rc;
    }
    if (m->n > 1) qsort(m->ents, m->n, sizeof(*m->ents), by_start);
    rc_log_info("jobs", "job manager ready storage=%s jobs=%zu", m->storage, m->n);
    *out = m;
    return RC_OK;
}

void rc_job_mgr_set_observer(rc_job_mgr_t *m, rc_job_mgr_event_fn fn, void *arg)
{
    m->observer = fn;
    m->observer_arg = arg;
}

/* ---- drivers ---------------------------------------------------------------- */

static void finish(jent_t *e, rc_job_status_t s, const char *error_type, const char *msg)
{
    rc_job_set_str(&e->job->error_type, error_type);
    rc_job_set_status(e->job, s, rc_clock_wall_ms(), "%s", msg);
    e->job->driver_pid = 0;
    e->job->driver_start_ticks = 0;
    save(e->m, e);
    rc_log_info("jobs", "job finished submission_id=%s status=%s", e->job->submission_id,
                rc_job_status_name(s));
}

/* Appends the last max bytes of the job's log to out (nothing when it has no
 * log yet). The FAILED message quotes the end of it, as Ray's does, and GET
 * .../logs returns it. */
static rc_err_t read_log_tail(const rc_job_mgr_t *m, const rc_job_t *j, size_t max, rc_buf_t *out,
                              char *err, size_t errcap)
{
    char path[4200];
    rc_job_mgr_log_path(m, j, path, sizeof(path));
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT) return RC_OK;
        snprintf(err, errcap, "cannot read the log of job %s: %s", j->submission_id,
                 strerror(errno));
        return RC_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        size_t size = (size_t)st.st_size, want = size > max ? max : size;
        char *p = rc_buf_reserve(out, want);
        size_t got = 0;
        while (got < want) {
            ssize_t n = pread(fd, p + got, want - got, (off_t)(size - want + got));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += (size_t)n;
        }
        out->len += got;
    }
    close(fd);
    return RC_OK;
}

static void driver_exited(void *arg, int64_t status, int sig)
{
    jent_t *e = arg;
    rc_job_mgr_t *m = e->m;
    e->proc = NULL;
    m->live--;
    e->job->has_exit_code = 1;
    e->job->driver_exit_code = (int32_t)status;
    if (e->stop_requested) {
        finish(e, RC_JOB_STOPPED, "", "Job was intentionally stopped.");
    } else if (m->closing) {
        finish(e, RC_JOB_FAILED, "JOB_SUPERVISOR_ACTOR_DIED",
               "The head shut down while the job was running; its driver was killed.");
    } else if (status == 0) {
        finish(e, RC_JOB_SUCCEEDED, "", "Job finished successfully.");
    } else {
        rc_buf_t msg = RC_BUF_INIT;
        if (sig)
            rc_buf_printf(&msg, "Job entrypoint command was killed by signal %d (%s)", sig,
                          strsignal(sig));
        else
            rc_buf_printf(&msg, "Job entrypoint command failed with exit code %lld",
                          (long long)status);
        rc_buf_t tail = RC_BUF_INIT;
        char rerr[256];
        read_log_tail(m, e->job, FAIL_LOG_TAIL, &tail, rerr, sizeof(rerr));
        if (tail.len)
            rc_buf_printf(&msg, ", last available logs (truncated to %d chars):\n%.*s",
                          FAIL_LOG_TAIL, (int)tail.len, tail.data);
        rc_buf_append_char(&msg, '\0');
        finish(e, RC_JOB_FAILED, "JOB_ENTRYPOINT_COMMAND_ERROR", msg.data);
        rc_buf_free(&msg);
        rc_buf_free(&tail);
    }
}

/* Appends s as one single-quoted shell word. */
static void shell_word(rc_buf_t *b, const char *s)
{
    rc_buf_append_char(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            rc_buf_append_str(b, "'\\''");
        else
            rc_buf_append_char(b, *s);
    }
    rc_buf_append_str(b, "' ");
}

static int wants_resources(const rc_job_t *j)
{
    return j->entrypoint_num_cpus > 0 || j->entrypoint_num_gpus > 0 || j->entrypoint_memory > 0 ||
           *j->entrypoint_resources_json;
}

/* Appends "NAME 'VALUE' " to a command line. */
static void shell_flag(rc_buf_t *b, const char *name, const char *value)
{
    rc_buf_append_str(b, name);
    rc_buf_append_char(b, ' ');
    shell_word(b, value);
}

/* The command that runs the entrypoint as a task placed by the scheduler. */
static void runner_command(const rc_job_mgr_t *m, const jent_t *e, const char *log, rc_buf_t *b)
{
    const rc_job_t *j = e->job;
    char num[64];
    rc_buf_append_str(b, "exec ");
    shell_word(b, m->runner);
    shell_flag(b, "--log", log);
    if (e->cwd) shell_flag(b, "--cwd", e->cwd);
    snprintf(num, sizeof(num), "%.17g", j->entrypoint_num_cpus);
    shell_flag(b, "--num-cpus", num);
    snprintf(num, sizeof(num), "%.17g", j->entrypoint_num_gpus);
    shell_flag(b, "--num-gpus", num);
    snprintf(num, sizeof(num), "%lld", (long long)j->entrypoint_memory);
    shell_flag(b, "--memory", num);
    if (*j->entrypoint_resources_json) shell_flag(b, "--resources", j->entrypoint_resources_json);
    for (size_t i = 0; i < e->nenv; i++) {
        char name[512];
        const char *eq = strchr(e->env[i], '=');
        size_t n = eq ? (size_t)(eq - e->env[i]) : strlen(e->env[i]);
        if (n >= sizeof(name)) continue;
        memcpy(name, e->env[i], n);
        name[n] = '\0';
        shell_flag(b, "--env", name);
    }
    rc_buf_append_str(b, "-- ");
    shell_word(b, j->entrypoint);
    rc_buf_append_char(b, '\0');
}

static void start_driver(jent_t *e)
{
    rc_job_mgr_t *m = e->m;
    rc_job_t *j = e->job;
    char hex[9], path[4200], err[512];
    rc_buf_t b = RC_BUF_INIT;
    if (e->stop_requested || m->closing) {
        finish(e, RC_JOB_STOPPED, "", "Job was intentionally stopped before it started.");
        return;
    }
    rc_job_id_hex(j->job_id, hex);
    /* Ours first, the user's env_vars after them: later entries win. */
    size_t nextra = 0;
    const char **extra = rc_calloc(4 + e->nenv, sizeof(char *));
    char *ours[4] = {NULL, NULL, NULL, NULL};
    rc_buf_printf(&b, "RAY_ADDRESS=%s", m->gcs_address);
    ours[0] = rc_strndup(b.data, b.len);
    b.len = 0;
    rc_buf_printf(&b, "RAY_JOB_ID=%s", hex);
    ours[1] = rc_strndup(b.data, b.len);
    b.len = 0;
    rc_buf_printf(&b, "RAY_SUBMISSION_ID=%s", j->submission_id);
    ours[2] = rc_strndup(b.data, b.len);
    b.len = 0;
    if (m->password) {
        rc_buf_printf(&b, "RAYC_REDIS_PASSWORD=%s", m->password);
        ours[3] = rc_strndup(b.data, b.len);
    }
    for (int i = 0; i < 4; i++)
        if (ours[i]) extra[nextra++] = ours[i];
    for (size_t i = 0; i < e->nenv; i++) extra[nextra++] = e->env[i];
    char **env = rc_envv_new(extra, nextra);
    rc_job_mgr_log_path(m, j, path, sizeof(path));
    rc_buf_t cmd = RC_BUF_INIT;
    int remote = wants_resources(j);
    if (remote) runner_command(m, e, path, &cmd);
    /* A driver placed by the scheduler gets its cwd on the node that runs it. */
    rc_job_proc_opts_t po = {.entrypoint = remote ? cmd.data : j->entrypoint,
                             .cwd = remote ? NULL : e->cwd,
                             .env = env,
                             .log_path = path};
    rc_err_t rc = rc_job_proc_start(m->loop, &po, driver_exited, e, &e->proc, err, sizeof(err));
    rc_buf_free(&cmd);
    rc_envv_free(env);
    for (int i = 0; i < 4; i++) rc_free(ours[i]);
    rc_free(extra);
    rc_buf_free(&b);
    if (rc != RC_OK) {
        finish(e, RC_JOB_FAILED, "JOB_ENTRYPOINT_COMMAND_START_ERROR", err);
        return;
    }
    m->live++;
    j->driver_pid = (int32_t)rc_job_proc_pid(e->proc);
    j->driver_start_ticks = 0;
    rc_proc_stat(rc_job_proc_pid(e->proc), NULL, &j->driver_start_ticks);
    rc_job_set_status(j, RC_JOB_RUNNING, rc_clock_wall_ms(), "Job is currently running.");
    save(m, e);
    rc_log_info("jobs", "job running submission_id=%s job_id=%s pid=%d", j->submission_id, hex,
                j->driver_pid);
}

/* ---- working_dir from a URL ---------------------------------------------------- */

static size_t fetch_write(char *p, size_t sz, size_t n, void *arg)
{
    return fwrite(p, sz, n, arg) == n ? n * sz : 0;
}

static void fetch_run(uv_work_t *w)
{
    fetch_t *f = w->data;
    FILE *out = fopen(f->zip, "we");
    if (!out) {
        snprintf(f->err, sizeof(f->err), "cannot create %s: %s", f->zip, strerror(errno));
        return;
    }
    CURL *c = curl_easy_init();
    char cerr[CURL_ERROR_SIZE] = "";
    long code = 0;
    curl_easy_setopt(c, CURLOPT_URL, f->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)DOWNLOAD_MAX);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)DOWNLOAD_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    if (fclose(out) != 0 && rc == CURLE_OK) rc = CURLE_WRITE_ERROR;
    if (rc != CURLE_OK)
        snprintf(f->err, sizeof(f->err), "cannot download working_dir %s: %s", f->url,
                 cerr[0] ? cerr : curl_easy_strerror(rc));
    else if (code != 200)
        snprintf(f->err, sizeof(f->err), "cannot download working_dir %s: HTTP status %ld", f->url,
                 code);
    else
        f->ok = 1;
}

static void fetch_free(fetch_t *f)
{
    rc_free(f->url);
    rc_free(f);
}

static void fetch_failed(fetch_t *f)
{
    jent_t *e = f->e;
    e->fetch = NULL;
    e->m->live--;
    if (e->stop_requested)
        finish(e, RC_JOB_STOPPED, "", "Job was intentionally stopped before it started.");
    else
        finish(e, RC_JOB_FAILED, "RUNTIME_ENV_SETUP_FAILED", f->err);
}

/* The archive's single top-level directory, if that is all it holds (Ray's rule). */
static char *unpacked_root(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return rc_strdup(dir);
    struct dirent *x;
    char *only = NULL;
    int count = 0;
    while ((x = readdir(d)) != NULL) {
        if (!strcmp(x->d_name, ".") || !strcmp(x->d_name, "..")) continue;
        count++;
        char p[4400];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", dir, x->d_name);
        if (count == 1 && lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) only = rc_strdup(p);
    }
    closedir(d);
    if (count == 1 && only) return only;
    rc_free(only);
    return rc_strdup(dir);
}

static void unzip_closed(uv_handle_t *h)
{
    fetch_t *f = h->data;
    jent_t *e = f->e;
    if (!f->ok) {
        fetch_failed(f);
        fetch_free(f);
        return;
    }
    e->fetch = NULL;
    e->m->live--;
    unlink(f->zip);
    e->cwd = unpacked_root(f->dir);
    fetch_free(f);
    start_driver(e);
}

static void unzip_exited(uv_process_t *p, int64_t status, int sig)
{
    fetch_t *f = p->data;
    f->ok = status == 0 && sig == 0;
    if (!f->ok)
        snprintf(f->err, sizeof(f->err),
                 "working_dir archive %s could not be unpacked (unzip exit status %lld): is "
                 "it a .zip file?",
                 f->url, (long long)(sig ? 128 + sig : status));
    uv_close((uv_handle_t *)p, unzip_closed);
}

static void fetch_done(uv_work_t *w, int status)
{
    fetch_t *f = w->data;
    if (status != 0 || !f->ok || f->e->stop_requested || f->e->m->closing) {
        if (f->ok || status != 0) snprintf(f->err, sizeof(f->err), "working_dir set-up cancelled");
        fetch_failed(f);
        fetch_free(f);
        return;
    }
    f->ok = 0;
    char *args[] = {"unzip", "-q", "-o", f->zip, "-d", f->dir, NULL};
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE}, {.flags = UV_IGNORE}, {.flags = UV_IGNORE}};
    uv_process_options_t po = {
        .exit_cb = unzip_exited, .file = "unzip", .args = args, .stdio_count = 3, .stdio = stdio};
    f->unzip.data = f;
    int rc = uv_spawn(f->e->m->loop, &f->unzip, &po);
    if (rc != 0) {
        snprintf(f->err, sizeof(f->err),
                 "cannot run unzip to unpack working_dir: %s (install the unzip package)",
                 uv_strerror(rc));
        uv_close((uv_handle_t *)&f->unzip, unzip_closed);
    }
}

static void start_fetch(jent_t *e, const char *url)
{
    rc_job_mgr_t *m = e->m;
    fetch_t *f = rc_calloc(1, sizeof(*f));
    f->e = e;
    f->url = rc_strdup(url);
    rc_job_store_path(m->storage, e->job->submission_id, "working_dir.zip", f->zip, sizeof(f->zip));
    rc_job_store_path(m->storage, e->job->submission_id, "working_dir", f->dir, sizeof(f->dir));
    f->work.data = f;
    e->fetch = f;
    m->live++;
    rc_job_set_str(&e->job->message, "Downloading working_dir.");
    uv_queue_work(m->loop, &f->work, fetch_run, fetch_done);
}

/* ---- API -------------------------------------------------------------------- */

static int is_url(const char *s)
{
    return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

rc_err_t rc_job_mgr_submit(rc_job_mgr_t *m, const rc_job_req_t *req, const rc_job_t **out,
                           char *err, size_t errcap)
{
    char sid[RC_JOB_SUBMISSION_ID_MAX + 1];
    if (m->closing) {
        snprintf(err, errcap, "the head is shutting down; submit the job again later");
        return RC_ESTATE;
    }
    if (req->submission_id) {
        snprintf(sid, sizeof(sid), "%s", req->submission_id);
        if (rc_job_mgr_find(m, sid)) {
            snprintf(err, errcap,
                     "Job with submission_id %s already exists. Please use a different "
                     "submission_id.",
                     sid);
            return RC_EEXISTS;
        }
    } else {
        do rc_job_submission_id_new(sid);
        while (rc_job_mgr_find(m, sid));
    }
    if (req->working_dir && !is_url(req->working_dir)) {
        struct stat st;
        if (req->working_dir[0] != '/') {
            snprintf(err, errcap,
                     "runtime_env.working_dir '%s' must be an absolute path (a directory on the "
                     "shared volume that every node mounts) or an http(s):// URL of a .zip",
                     req->working_dir);
            return RC_EINVAL;
        }
        if (stat(req->working_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, errcap,
                     "runtime_env.working_dir '%s' is not a directory on the head: put it on "
                     "the shared volume (--storage) or give an http(s):// URL of a .zip",
                     req->working_dir);
            return RC_EINVAL;
        }
    }
    jent_t *e = rc_calloc(1, sizeof(*e));
    e->m = m;
    e->job = rc_job_new(req, sid, m->next_job_id, rc_clock_wall_ms());
    if (req->nenv) {
        e->env = rc_calloc(req->nenv, sizeof(char *));
        for (size_t i = 0; i < req->nenv; i++) e->env[i] = rc_strdup(req->env[i]);
        e->nenv = req->nenv;
    }
    add_ent(m, e);
    /* A stale directory (a deleted job's leftovers) must not leak into this one. */
    rc_job_store_delete(m->storage, sid, err, errcap);
    save(m, e);
    rc_log_info("jobs", "job submitted submission_id=%s entrypoint=\"%s\"", sid,
                e->job->entrypoint);
    if (req->working_dir && is_url(req->working_dir)) {
        start_fetch(e, req->working_dir);
    } else {
        if (req->working_dir) e->cwd = rc_strdup(req->working_dir);
        start_driver(e);
    }
    *out = e->job;
    return RC_OK;
}

rc_err_t rc_job_mgr_set_metadata(rc_job_mgr_t *m, const rc_job_t *j, const char *json, size_t len,
                                 char *err, size_t errcap)
{
    jent_t *e = find_ent(m, j);
    if (!e) {
        snprintf(err, errcap, "no such job");
        return RC_ENOTFOUND;
    }
    if (rc_job_status_terminal(j->status)) {
        snprintf(err, errcap, "job %s has ended (%s): its metadata is final", j->submission_id,
                 rc_job_status_name(j->status));
        return RC_ESTATE;
    }
    char *merged;
    rc_err_t rc = rc_job_metadata_merge(j->metadata_json, json, len, &merged, err, errcap);
    if (rc != RC_OK) return rc;
    rc_free(e->job->metadata_json);
    e->job->metadata_json = merged;
    save(m, e);
    return RC_OK;
}

const rc_job_t *rc_job_mgr_find(const rc_job_mgr_t *m, const char *id)
{
    uint32_t jid;
    int is_hex = rc_job_id_parse(id, &jid);
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->ents[i]->job->submission_id, id) == 0) return m->ents[i]->job;
    if (is_hex)
        for (size_t i = 0; i < m->n; i++)
            if (m->ents[i]->job->job_id == jid) return m->ents[i]->job;
    return NULL;
}

size_t rc_job_mgr_count(const rc_job_mgr_t *m)
{
    return m->n;
}

const rc_job_t *rc_job_mgr_at(const rc_job_mgr_t *m, size_t i)
{
    return i < m->n ? m->ents[i]->job : NULL;
}

void rc_job_mgr_stop(rc_job_mgr_t *m, const rc_job_t *j, int *stopped)
{
    jent_t *e = find_ent(m, j);
    *stopped = 0;
    if (!e || rc_job_status_terminal(j->status)) return;
    *stopped = 1;
    if (e->stop_requested) return;
    e->stop_requested = 1;
    rc_log_info("jobs", "stopping job submission_id=%s", j->submission_id);
    if (e->proc) rc_job_proc_stop(e->proc);
    /* A download in flight ends in fetch_done, which sees stop_requested. */
}

rc_err_t rc_job_mgr_delete(rc_job_mgr_t *m, const rc_job_t *j, char *err, size_t errcap)
{
    jent_t *e = find_ent(m, j);
    if (!e) {
        snprintf(err, errcap, "Job %s does not exist", j->submission_id);
        return RC_ENOTFOUND;
    }
    if (!rc_job_status_terminal(j->status) || e->proc || e->fetch) {
        snprintf(err, errcap,
                 "Attempted to delete job '%s', but it is in a non-terminal state (%s). Stop it "
                 "first (rayc job stop %s).",
                 j->submission_id, rc_job_status_name(j->status), j->submission_id);
        return RC_ESTATE;
    }
    rc_err_t rc = rc_job_store_delete(m->storage, j->submission_id, err, errcap);
    if (rc != RC_OK) return rc;
    rc_log_info("jobs", "job deleted submission_id=%s", j->submission_id);
    for (size_t i = 0; i < m->n; i++)
        if (m->ents[i] == e) {
            memmove(&m->ents[i], &m->ents[i + 1], (m->n - i - 1) * sizeof(*m->ents));
            m->n--;
            break;
        }
    free_ent(e);
    return RC_OK;
}

void rc_job_mgr_log_path(const rc_job_mgr_t *m, const rc_job_t *j, char *out, size_t cap)
{
    rc_job_store_path(m->storage, j->submission_id, "driver.log", out, cap);
}

rc_err_t rc_job_mgr_read_log(const rc_job_mgr_t *m, const rc_job_t *j, rc_buf_t *out, char *err,
                             size_t errcap)
{
    return read_log_tail(m, j, m->max_log_read, out, err, errcap);
}

void rc_job_mgr_counts(const rc_job_mgr_t *m, size_t counts[RC_JOB_NSTATUS])
{
    memset(counts, 0, 5 * sizeof(size_t));
    for (size_t i = 0; i < m->n; i++) counts[m->ents[i]->job->status]++;
}

void rc_job_mgr_close(rc_job_mgr_t *m)
{
    if (!m) return;
    m->closing = 1;
    for (size_t i = 0; i < m->n; i++)
        if (m->ents[i]->proc) rc_job_proc_kill(m->ents[i]->proc);
}

void rc_job_mgr_free(rc_job_mgr_t *m)
{
    if (!m) return;
    if (m->live)
        rc_log_warn("jobs", "job manager freed with %zu drivers or downloads running", m->live);
    for (size_t i = 0; i < m->n; i++) free_ent(m->ents[i]);
    rc_free(m->ents);
    rc_free(m->storage);
    rc_free(m->gcs_address);
    rc_free(m->password);
    rc_free(m->runner);
    rc_free(m);
}
