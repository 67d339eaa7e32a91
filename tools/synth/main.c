/* main.c — rayc-synth: learns a table's statistics and writes a synthetic table
 * of any size, on a rayc cluster through the client SDK (rayc.h).
 *
 *   rayc-synth fit      --input data.csv --model model.bin
 *   rayc-synth generate --model model.bin --rows N --output out.csv [--seed S]
 *   rayc-synth run      --input data.csv --rows N --output out.csv [--seed S] [--model M]
 *   rayc-synth sample   --rows N --output data.csv [--seed S]
 *
 * Common flags: --address (default $RAY_ADDRESS), --shard-rows, --local (no
 * cluster: one process, the benchmark's baseline), --work-dir (part files; the
 * default is OUTPUT.parts or MODEL.parts beside the file), --library (the task
 * library; default ../lib/librayc_synth.so beside this program), --timeout,
 * --task-delay-ms (tests and demos: every shard task sleeps first).
 *
 * Fitting: one quote-aware scan of the input here (header, rows, shard
 * boundaries, and every CSV error with its line), then pass 1 (marginals) and
 * pass 2 (the copula's correlations) as shard tasks, each merged by a reduce
 * task that writes the model to the shared volume. Generation: shard tasks each
 * write a part file (seeded by seed and shard index, written atomically, so a
 * retry on another worker writes the same bytes), then this program
 * concatenates them after the header. Paths given to tasks are absolute: the
 * workers must see the same files (a shared volume).
 *
 * Output: progress lines on stdout, then one JSON summary line
 *   {"event":"summary","command":"run","rows":…,"columns":…,"seconds":…,…}
 * (the SDK offers no call to set a job's metadata). Exit 0 on success, 1 when
 * the work failed (the message says why), 2 on bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "copula.h"
#include "drive.h"
#include "file.h"
#include "flags.h"
#include "json.h"
#include "model.h"
#include "rayc.h"
#include "sample.h"
#include "scan.h"
#include "synth.h"

#define PROG "rayc-synth"
/* Fit shards at most (more rows per shard beyond): see do_fit. */
#define MAX_FIT_SHARDS 1024

typedef struct {
    const char *command;
    const char *input, *model, *output, *address, *library, *work_dir;
    int64_t rows, seed, shard_rows, delay_ms;
    double timeout;
    int local;
    int seen_rows;
} opts_t;

typedef struct {
    opts_t *o;
    char input[RC_SYNTH_PATH_MAX], model[RC_SYNTH_PATH_MAX], output[RC_SYNTH_PATH_MAX];
    char work[RC_SYNTH_PATH_MAX], library[RC_SYNTH_PATH_MAX];
    int made_work; /* we created the work dir: remove it at the end */
    int temp_model;
    rayc_client_t *client;
    rc_drive_t drive;
    /* Figures for the summary. */
    uint64_t rows_in, rows_out;
    size_t ncols, fit_shards, gen_shards;
    double t0, fit_s, gen_s, gen_rows_per_s;
} run_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *msg)
{
    fprintf(stderr, PROG ": %s\n", msg);
    fflush(stdout);
    return 1;
}

/* snprintf that may truncate (paths were checked to leave room; messages may be cut). */
static void fmt(char *out, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *out, size_t cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(out, cap, f, ap);
    va_end(ap);
}

/* An absolute form of path (it need not exist): tasks run elsewhere. */
static int abs_path(const char *path, char *out, size_t cap)
{
    if (!path) return -1;
    if (path[0] == '/') {
        if (strlen(path) >= cap) return -1;
        strcpy(out, path);
        return 0;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd))) return -1;
    int n = snprintf(out, cap, "%s/%s", cwd, path);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* ../lib/librayc_synth.so relative to this executable. */
static int default_library(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) return -1;
    exe[n] = '\0';
    char guess[PATH_MAX + 32];
    snprintf(guess, sizeof(guess), "%s/../lib/librayc_synth.so", dirname(exe));
    char real[PATH_MAX];
    if (!realpath(guess, real) || strlen(real) >= cap) return -1;
    strcpy(out, real);
    return 0;
}

static int prepare(run_t *r, const char *work_base)
{
    opts_t *o = r->o;
    char msg[RC_SYNTH_PATH_MAX + 128];
    if (o->input && abs_path(o->input, r->input, sizeof(r->input)))
        return die("--input: path too long");
    if (o->model && abs_path(o->model, r->model, sizeof(r->model)))
        return die("--model: path too long");
    if (o->output && abs_path(o->output, r->output, sizeof(r->output)))
        return die("--output: path too long");
    if (o->work_dir) {
        if (abs_path(o->work_dir, r->work, sizeof(r->work))) return die("--work-dir: too long");
    } else {
        char base[RC_SYNTH_PATH_MAX];
        if (abs_path(work_base, base, sizeof(base)) ||
            snprintf(r->work, sizeof(r->work), "%s.parts", base) >= (int)sizeof(r->work))
            return die("path too long");
    }
    if (strlen(r->work) > sizeof(r->work) - 64) return die("--work-dir: path too long");
    if (mkdir(r->work, 0755) == 0) {
        r->made_work = 1;
    } else if (errno != EEXIST) {
        fmt(msg, sizeof(msg), "cannot create the work directory %s: %s", r->work, strerror(errno));
        return die(msg);
    }
    if (o->local) return 0;
    if (o->library) {
        if (abs_path(o->library, r->library, sizeof(r->library)))
            return die("--library: path too long");
    } else if (default_library(r->library, sizeof(r->library))) {
        return die("cannot find ../lib/librayc_synth.so beside this program; give it with "
                   "--library PATH (readable at the same path on every worker)");
    }
    int sdk = rayc_connect(o->address, NULL, &r->client);
    if (sdk != RAYC_OK) {
        snprintf(msg, sizeof(msg), "%s (use --local to run without a cluster)",
                 rayc_last_error(NULL));
        return die(msg);
    }
    return 0;
}

static void work_path(const run_t *r, const char *name, char *out, size_t cap)
{
    fmt(out, cap, "%s/%s", r->work, name);
}

static void finish(run_t *r)
{
    rc_drive_free(&r->drive);
    if (r->client) rayc_disconnect(r->client);
    r->client = NULL;
    if (!r->work[0]) return; /* prepare failed before choosing it */
    char p[RC_SYNTH_PATH_MAX + 32];
    work_path(r, "marginals.bin", p, sizeof(p));
    unlink(p);
    if (r->temp_model) unlink(r->model);
    if (r->made_work) rmdir(r->work);
}

static uint64_t gen_rows(const void *data, size_t len)
{
    uint64_t rows = 0, bytes = 0;
    return rc_synth_gen_result_decode(data, len, &rows, &bytes) == RC_OK ? rows : 0;
}

/* ---- fit ----------------------------------------------------------------------- */

static int do_fit(run_t *r)
{
    opts_t *o = r->o;
    char err[1024];
    double t0 = now_s();
    rc_file_map_t map;
    if (rc_file_map(r->input, &map, err, sizeof(err)) != RC_OK) return die(err);
    rc_scan_t scan;
    rc_err_t rc =
        rc_scan_csv(map.data, map.len, r->input, (uint64_t)o->shard_rows, &scan, err, sizeof(err));
    rc_file_unmap(&map);
    if (rc != RC_OK) return die(err);
    /* A reduce takes every shard's result: keep their number (and its input) bounded. */
    size_t k = rc_scan_coalesce(&scan, MAX_FIT_SHARDS);
    r->rows_in = scan.rows;
    r->ncols = scan.ncols;
    r->fit_shards = scan.nshards;
    printf("fit: %s: %llu rows, %zu columns, %zu shards of up to %lld rows (scan %.2f s)\n",
           r->input, (unsigned long long)scan.rows, scan.ncols, scan.nshards,
           (long long)o->shard_rows * (long long)k, now_s() - t0);
    fflush(stdout);

    char marg[RC_SYNTH_PATH_MAX + 32];
    work_path(r, "marginals.bin", marg, sizeof(marg));
    rc_buf_t *reqs = rc_calloc(scan.nshards, sizeof(rc_buf_t));
    rc_synth_fit_req_t *fr = rc_calloc(1, sizeof(*fr));
    snprintf(fr->input, sizeof(fr->input), "%s", r->input);
    fr->ncols = (uint32_t)scan.ncols;
    fr->delay_ms = (uint32_t)o->delay_ms;
    for (size_t i = 0; i < scan.nshards; i++) {
        fr->begin = scan.shards[i].begin;
        fr->end = scan.shards[i].end;
        fr->first_line = scan.shards[i].first_line;
        rc_synth_fit_req_encode(fr, &reqs[i]);
    }
    rc = rc_drive_shards(&r->drive, "fit 1/2", "synth_fit_marginals", rc_synth_fit_marginals, reqs,
                         scan.nshards, rc_synth_fit_result_rows, err, sizeof(err));
    rc_buf_t req = RC_BUF_INIT, res = RC_BUF_INIT;
    if (rc == RC_OK) {
        rc_synth_reduce1_req_t r1 = {.ncols = (uint32_t)scan.ncols,
                                     .names = (const char *const *)scan.names};
        fmt(r1.out, sizeof(r1.out), "%s", marg);
        rc_synth_reduce1_req_encode(&r1, &req);
        rc = rc_drive_reduce(&r->drive, "synth_reduce_marginals", rc_synth_reduce_marginals, &req,
                             &res, err, sizeof(err));
    }
    rc_synth_summary_t sum;
    if (rc == RC_OK && rc_synth_summary_decode(res.data, res.len, &sum) == RC_OK) {
        printf("columns:");
        for (size_t i = 0; i < scan.ncols && i < sum.ncols; i++) {
            if (sum.kind[i] == RC_COL_NUMERIC)
                printf(" %s (%s)", scan.names[i], sum.integer[i] ? "integer" : "numeric");
            else
                printf(" %s (categorical, %u values)", scan.names[i], sum.ncat[i]);
        }
        printf("\n%s", sum.notes);
        fflush(stdout);
    }
    if (rc == RC_OK) {
        fmt(fr->model, sizeof(fr->model), "%s", marg);
        for (size_t i = 0; i < scan.nshards; i++) {
            rc_buf_clear(&reqs[i]);
            fr->begin = scan.shards[i].begin;
            fr->end = scan.shards[i].end;
            fr->first_line = scan.shards[i].first_line;
            rc_synth_fit_req_encode(fr, &reqs[i]);
        }
        rc = rc_drive_shards(&r->drive, "fit 2/2", "synth_fit_copula", rc_synth_fit_copula, reqs,
                             scan.nshards, rc_synth_fit_result_rows, err, sizeof(err));
    }
    if (rc == RC_OK) {
        rc_synth_reduce2_req_t r2;
        fmt(r2.marginals, sizeof(r2.marginals), "%s", marg);
        snprintf(r2.out, sizeof(r2.out), "%s", r->model);
        rc_buf_clear(&req);
        rc_buf_clear(&res);
        rc_synth_reduce2_req_encode(&r2, &req);
        rc = rc_drive_reduce(&r->drive, "synth_reduce_copula", rc_synth_reduce_copula, &req, &res,
                             err, sizeof(err));
    }
    double shrink;
    if (rc == RC_OK && rc_synth_reduce2_result_decode(res.data, res.len, &shrink) == RC_OK &&
        shrink < 1.0) {
        printf("note: the correlation estimate was not positive definite; it was shrunk by "
               "%.3f toward independence\n",
               shrink);
    }
    for (size_t i = 0; i < scan.nshards; i++) rc_buf_free(&reqs[i]);
    rc_free(reqs);
    rc_free(fr);
    rc_buf_free(&req);
    rc_buf_free(&res);
    rc_scan_free(&scan);
    r->fit_s = now_s() - t0;
    if (rc != RC_OK) return die(err);
    printf("model: %s (fitted in %.2f s)\n", r->model, r->fit_s);
    fflush(stdout);
    return 0;
}

/* ---- generate ------------------------------------------------------------------- */

/* Appends the file at path (expected bytes long) to fd, then removes it. */
static int append_part(int fd, const char *path, uint64_t expected, char *err, size_t errcap)
{
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        fmt(err, errcap, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(in, &st) != 0 || (uint64_t)st.st_size != expected) {
        fmt(err, errcap, "%s: %lld bytes, the task reported %llu", path, (long long)st.st_size,
            (unsigned long long)expected);
        close(in);
        return -1;
    }
    uint64_t left = expected;
    int use_copy = 1;
    char buf[1 << 16];
    while (left > 0) {
        ssize_t n;
        if (use_copy) {
            n = copy_file_range(in, NULL, fd, NULL, left, 0);
            if (n < 0 &&
                (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
                use_copy = 0;
                continue;
            }
        } else {
            n = read(in, buf, sizeof(buf));
            if (n > 0 && write(fd, buf, (size_t)n) != n) n = -1;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            fmt(err, errcap, "%s: cannot copy into the output: %s", path,
                n < 0 ? strerror(errno) : "unexpected end of file");
            close(in);
            return -1;
        }
        left -= (uint64_t)n;
    }
    close(in);
    unlink(path);
    return 0;
}

static int do_generate(run_t *r)
{
    opts_t *o = r->o;
    char err[1024];
    double t0 = now_s();
    rc_model_t m;
    if (rc_model_load(r->model, &m, err, sizeof(err)) != RC_OK) return die(err);
    uint64_t rows = (uint64_t)o->rows, per = (uint64_t)o->shard_rows;
    size_t n = (size_t)((rows + per - 1) / per);
    r->gen_shards = n;
    r->ncols = m.ncols;
    printf("generate: %llu rows, %zu columns, %zu shards of up to %llu rows, seed %lld\n",
           (unsigned long long)rows, m.ncols, n, (unsigned long long)per, (long long)o->seed);
    fflush(stdout);
    rc_buf_t *reqs = rc_calloc(n ? n : 1, sizeof(rc_buf_t));
    rc_synth_gen_req_t *g = rc_calloc(1, sizeof(*g));
    snprintf(g->model, sizeof(g->model), "%s", r->model);
    g->seed = (uint64_t)o->seed;
    g->delay_ms = (uint32_t)o->delay_ms;
    for (size_t i = 0; i < n; i++) {
        fmt(g->part, sizeof(g->part), "%s/part-%06zu.csv", r->work, i);
        g->shard = i;
        g->rows = i + 1 < n ? per : rows - per * (uint64_t)(n - 1);
        rc_synth_gen_req_encode(g, &reqs[i]);
    }
    rc_err_t rc = rc_drive_shards(&r->drive, "generate", "synth_generate", rc_synth_generate, reqs,
                                  n, gen_rows, err, sizeof(err));
    r->gen_rows_per_s = r->drive.last_rows_per_s;
    if (rc == RC_OK) {
        /* Header, then the parts in shard order. */
        rc_file_atomic_t out;
        rc = rc_file_atomic_open(&out, r->output, err, sizeof(err));
        rc_buf_t head = RC_BUF_INIT;
        rc_copula_header(&m, &head);
        if (rc == RC_OK) rc = rc_file_atomic_write(&out, head.data, head.len, err, sizeof(err));
        rc_buf_free(&head);
        for (size_t i = 0; i < n && rc == RC_OK; i++) {
            uint64_t prow, pbytes;
            char part[RC_SYNTH_PATH_MAX + 32];
            fmt(part, sizeof(part), "%s/part-%06zu.csv", r->work, i);
            if (rc_synth_gen_result_decode(r->drive.results[i].data, r->drive.results[i].len, &prow,
                                           &pbytes) != RC_OK) {
                snprintf(err, sizeof(err), "shard %zu: malformed result", i);
                rc = RC_EPROTO;
            } else if (append_part(out.fd, part, pbytes, err, sizeof(err)) != 0) {
                rc = RC_EIO;
            } else {
                r->rows_out += prow;
            }
        }
        if (rc == RC_OK)
            rc = rc_file_atomic_commit(&out, err, sizeof(err));
        else if (out.fd >= 0)
            rc_file_atomic_abort(&out);
    }
    for (size_t i = 0; i < n; i++) {
        char part[RC_SYNTH_PATH_MAX + 32];
        fmt(part, sizeof(part), "%s/part-%06zu.csv", r->work, i);
        unlink(part); /* after a failure: parts not yet appended */
        rc_buf_free(&reqs[i]);
    }
    rc_drive_release(&r->drive);
    rc_free(reqs);
    rc_free(g);
    rc_model_free(&m);
    r->gen_s = now_s() - t0;
    if (rc != RC_OK) return die(err);
    printf("output: %s (%llu rows in %.2f s)\n", r->output, (unsigned long long)r->rows_out,
           r->gen_s);
    fflush(stdout);
    return 0;
}

/* ---- summary, commands, flags --------------------------------------------------- */

static void print_summary(const run_t *r)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "event");
    rc_jw_str(&w, "summary");
    rc_jw_key(&w, "command");
    rc_jw_str(&w, r->o->command);
    rc_jw_key(&w, "mode");
    rc_jw_str(&w, r->o->local ? "local" : "cluster");
    rc_jw_key(&w, "rows");
    rc_jw_uint(&w, r->rows_out ? r->rows_out : r->rows_in);
    rc_jw_key(&w, "columns");
    rc_jw_uint(&w, r->ncols);
    rc_jw_key(&w, "seconds");
    rc_jw_double(&w, now_s() - r->t0);
    if (r->rows_in) {
        rc_jw_key(&w, "input_rows");
        rc_jw_uint(&w, r->rows_in);
        rc_jw_key(&w, "fit_shards");
        rc_jw_uint(&w, r->fit_shards);
        rc_jw_key(&w, "fit_seconds");
        rc_jw_double(&w, r->fit_s);
    }
    if (r->gen_shards) {
        rc_jw_key(&w, "generate_shards");
        rc_jw_uint(&w, r->gen_shards);
        rc_jw_key(&w, "generate_seconds");
        rc_jw_double(&w, r->gen_s);
        rc_jw_key(&w, "generate_rows_per_s");
        rc_jw_double(&w, r->gen_rows_per_s);
        rc_jw_key(&w, "seed");
        rc_jw_int(&w, r->o->seed);
        rc_jw_key(&w, "output");
        rc_jw_str(&w, r->output);
    }
    if (r->model[0] && !r->temp_model) {
        rc_jw_key(&w, "model");
        rc_jw_str(&w, r->model);
    }
    rc_jw_obj_end(&w);
    printf("%s\n", b.data);
    fflush(stdout);
    rc_buf_free(&b);
}

/* Under `rayc job submit`, the figures also go into the job's metadata (string
 * values, as the Jobs API keeps them), where the Jobs API and the dashboard
 * show them. A refusal is reported, not fatal: the output is already written. */
static void set_job_metadata(const run_t *r)
{
    if (!r->client || !getenv("RAY_SUBMISSION_ID")) return;
    char rows[32], cols[32], secs[32];
    snprintf(rows, sizeof(rows), "%llu",
             (unsigned long long)(r->rows_out ? r->rows_out : r->rows_in));
    snprintf(cols, sizeof(cols), "%zu", r->ncols);
    snprintf(secs, sizeof(secs), "%.3f", now_s() - r->t0);
    rc_buf_t b = RC_BUF_INIT;
    rc_jw_t w;
    rc_jw_init(&w, &b);
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "synth_command");
    rc_jw_str(&w, r->o->command);
    rc_jw_key(&w, "rows");
    rc_jw_str(&w, rows);
    rc_jw_key(&w, "columns");
    rc_jw_str(&w, cols);
    rc_jw_key(&w, "seconds");
    rc_jw_str(&w, secs);
    rc_jw_obj_end(&w);
    if (rayc_job_set_metadata(r->client, b.data) != RAYC_OK)
        fprintf(stderr, PROG ": warning: cannot set the job's metadata: %s\n",
                rayc_last_error(r->client));
    rc_buf_free(&b);
}

static int need(const char *value, const char *flag, const char *cmd)
{
    if (value) return 0;
    fprintf(stderr, PROG " %s: %s is required (see " PROG " %s --help)\n", cmd, flag, cmd);
    return 2;
}

static int cmd_run(opts_t *o)
{
    run_t r;
    memset(&r, 0, sizeof(r));
    r.o = o;
    r.t0 = now_s();
    int fit = strcmp(o->command, "generate") != 0, gen = strcmp(o->command, "fit") != 0;
    int rc;
    if (fit && (rc = need(o->input, "--input", o->command))) return rc;
    if (strcmp(o->command, "run") != 0 && (rc = need(o->model, "--model", o->command))) return rc;
    if (gen && (rc = need(o->output, "--output", o->command))) return rc;
    if (gen && !o->seen_rows) return need(NULL, "--rows", o->command);
    rc = prepare(&r, gen ? o->output : o->model);
    if (rc == 0) {
        rc_drive_init(&r.drive, r.client, r.library);
        r.drive.timeout_s = o->timeout;
        if (!o->model) {
            r.temp_model = 1;
            work_path(&r, "model.bin", r.model, sizeof(r.model));
        }
        if (fit) rc = do_fit(&r);
        if (rc == 0 && gen) rc = do_generate(&r);
        if (rc == 0) {
            print_summary(&r);
            set_job_metadata(&r);
        }
    }
    finish(&r);
    return rc;
}

static int cmd_sample(opts_t *o)
{
    int rc = need(o->output, "--output", "sample");
    if (rc) return rc;
    if (!o->seen_rows) return need(NULL, "--rows", "sample");
    char err[1024];
    double t0 = now_s();
    if (rc_sample_write(o->output, (uint64_t)o->rows, (uint64_t)o->seed, err, sizeof(err)) != RC_OK)
        return die(err);
    printf("sample: %s (%lld rows, %d columns, seed %lld, %.2f s)\n", o->output, (long long)o->rows,
           RC_SAMPLE_COLS, (long long)o->seed, now_s() - t0);
    return 0;
}

static const struct {
    const char *name;
    const char *usage;
    const char *help;
} commands[] = {
    {"fit", "--input data.csv --model model.bin", "learn a model from a CSV table"},
    {"generate", "--model model.bin --rows N --output out.csv [--seed S]",
     "write a synthetic table from a model"},
    {"run", "--input data.csv --rows N --output out.csv [--seed S] [--model model.bin]",
     "fit, then generate"},
    {"sample", "--rows N --output data.csv [--seed S]",
     "write a sample table (8 columns with known correlations)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: " PROG " <command> [flags]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-9s %s\n            %s\n", commands[i].name, commands[i].usage,
                commands[i].help);
    fprintf(f, "\n`" PROG " <command> --help` lists a command's flags.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    opts_t o = {.command = argv[1], .shard_rows = 10000, .timeout = -1};
    size_t ci = 0, nc = sizeof(commands) / sizeof(commands[0]);
    while (ci < nc && strcmp(commands[ci].name, o.command) != 0) ci++;
    if (ci == nc) {
        fprintf(stderr, PROG ": unknown command '%s'\n\n", o.command);
        usage(stderr);
        return 2;
    }
    /* Each flag with the commands it applies to (f fit, g generate, r run, s sample). */
    const struct {
        const char *cmds;
        rc_flag_t flag;
    } all[] = {
        {"fr",
         {"input", RC_FLAG_STRING, &o.input, "the CSV table to learn (header line, RFC 4180)",
          "PATH", 0, 0, NULL}},
        {"fgr",
         {"model", RC_FLAG_STRING, &o.model, "the model file (fit writes it, generate reads it)",
          "PATH", 0, 0, NULL}},
        {"grs",
         {"output", RC_FLAG_STRING, &o.output, "the CSV table to write", "PATH", 0, 0, NULL}},
        {"grs", {"rows", RC_FLAG_INT, &o.rows, "rows to write", "N", 1, 1e15, &o.seen_rows}},
        {"grs",
         {"seed", RC_FLAG_INT, &o.seed, "random seed (default 0): same seed, same output", "S", 0,
          9.2e18, NULL}},
        {"fgr",
         {"address", RC_FLAG_STRING, &o.address,
          "the cluster: HOST:6379 or ray://HOST:10001 (default $RAY_ADDRESS)", "ADDR", 0, 0, NULL}},
        {"fgr",
         {"shard-rows", RC_FLAG_INT, &o.shard_rows, "rows per shard task (default 10000)", "N", 1,
          1e9, NULL}},
        {"fgr",
         {"local", RC_FLAG_BOOL, &o.local, "run in this process, without a cluster", NULL, 0, 0,
          NULL}},
        {"fgr",
         {"work-dir", RC_FLAG_STRING, &o.work_dir,
          "directory for part files on the shared volume (default OUTPUT.parts, or "
          "MODEL.parts for fit)",
          "DIR", 0, 0, NULL}},
        {"fgr",
         {"library", RC_FLAG_STRING, &o.library,
          "the task library (default ../lib/librayc_synth.so beside this program)", "PATH", 0, 0,
          NULL}},
        {"fgr",
         {"timeout", RC_FLAG_DOUBLE, &o.timeout, "give up a phase after this many seconds", "S", 0,
          1e9, NULL}},
        {"fgr",
         {"task-delay-ms", RC_FLAG_INT, &o.delay_ms,
          "every shard task sleeps this long first (tests and demos)", "MS", 0, 600000, NULL}},
    };
    rc_flag_t flags[sizeof(all) / sizeof(all[0])];
    size_t nflags = 0;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (strchr(all[i].cmds, o.command[0])) flags[nflags++] = all[i].flag;
    char desc[512];
    snprintf(desc, sizeof(desc), "%s %s %s\n\n%s.", PROG, commands[ci].name, commands[ci].usage,
             commands[ci].help);
    char prog[64];
    snprintf(prog, sizeof(prog), PROG " %s", commands[ci].name);
    int rc = rc_flags_main(flags, nflags, argc - 2, argv + 2, prog, desc);
    if (rc >= 0) return rc;
    if (strcmp(o.command, "sample") == 0) return cmd_sample(&o);
    return cmd_run(&o);
}
