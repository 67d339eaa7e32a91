/* job_runner.c — rayc-job-runner: the job manager's stand-in for a driver that
 * asked for entrypoint resources (entrypoint_num_cpus/gpus/memory/resources).
 *
 *   rayc-job-runner --log PATH [--cwd DIR] [--num-cpus N] [--num-gpus N]
 *                   [--memory BYTES] [--resources JSON] [--env NAME]… -- ENTRYPOINT
 *
 * It runs where the job manager starts drivers (the head), connects with the
 * SDK ($RAY_ADDRESS), and submits the entrypoint as a command task (`/bin/sh -c
 * ENTRYPOINT`) asking for those resources, so the scheduler places it on a
 * node that fits; the task's output is appended to PATH (the job's driver log
 * on the shared volume), its cwd is DIR, and it gets RAY_ADDRESS, RAY_JOB_ID,
 * RAY_SUBMISSION_ID, RAYC_REDIS_PASSWORD and each --env NAME from our
 * environment. SIGTERM (the job's stop) cancels the task: the worker sends
 * SIGTERM to its process group, then SIGKILL 3 s later. The exit status is the
 * entrypoint's. Not retried on node death (a driver is not), as in Ray. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rayc.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int usage(const char *why)
{
    fprintf(stderr,
            "rayc-job-runner: %s\nusage: rayc-job-runner --log PATH [--cwd DIR] [--num-cpus N] "
            "[--num-gpus N] [--memory BYTES] [--resources JSON] [--env NAME]... -- ENTRYPOINT\n",
            why);
    return 2;
}

static int number(const char *flag, const char *text, double *out)
{
    char *end;
    *out = strtod(text, &end);
    if (*text == '\0' || *end != '\0' || *out < 0) {
        fprintf(stderr, "rayc-job-runner: %s wants a number >= 0, not '%s'\n", flag, text);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    rayc_task_opts_t o;
    rayc_task_opts_init(&o);
    o.num_cpus = 0;
    o.max_retries = 0;
    o.stop_signal = SIGTERM;
    const char *entrypoint = NULL;
    static const char *passed[] = {"RAY_ADDRESS", "RAY_JOB_ID", "RAY_SUBMISSION_ID",
                                   "RAYC_REDIS_PASSWORD"};
    const size_t npassed = sizeof(passed) / sizeof(passed[0]);
    const char **env = calloc((size_t)argc + npassed, sizeof(char *));
    char **owned = calloc((size_t)argc + npassed, sizeof(char *));
    size_t nenv = 0;
    if (!env || !owned) return 1;
    for (size_t i = 0; i < npassed; i++) {
        const char *v = getenv(passed[i]);
        if (!v) continue;
        size_t n = strlen(passed[i]) + strlen(v) + 2;
        owned[nenv] = malloc(n);
        if (!owned[nenv]) return 1;
        snprintf(owned[nenv], n, "%s=%s", passed[i], v);
        env[nenv] = owned[nenv];
        nenv++;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--") == 0) {
            if (i + 2 != argc) return usage("give the entrypoint as one word after --");
            entrypoint = argv[i + 1];
            break;
        }
        if (!v) return usage("a flag lacks its value");
        i++;
        if (strcmp(a, "--log") == 0) {
            o.log_path = v;
        } else if (strcmp(a, "--cwd") == 0) {
            o.cwd = v;
        } else if (strcmp(a, "--num-cpus") == 0) {
            if (number(a, v, &o.num_cpus)) return 2;
        } else if (strcmp(a, "--num-gpus") == 0) {
            if (number(a, v, &o.num_gpus)) return 2;
        } else if (strcmp(a, "--memory") == 0) {
            if (number(a, v, &o.memory)) return 2;
        } else if (strcmp(a, "--resources") == 0) {
            o.resources = v;
        } else if (strcmp(a, "--env") == 0) {
            const char *val = getenv(v);
            if (!val) continue;
            size_t n = strlen(v) + strlen(val) + 2;
            owned[nenv] = malloc(n);
            if (!owned[nenv]) return 1;
            snprintf(owned[nenv], n, "%s=%s", v, val);
            env[nenv] = owned[nenv];
            nenv++;
        } else {
            return usage("unknown flag");
        }
    }
    if (!entrypoint || !o.log_path) return usage("--log and the entrypoint are required");
    o.env = env;
    o.nenv = nenv;
    o.name = "job driver";

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    rayc_client_t *c = NULL;
    int rc = rayc_connect(NULL, NULL, &c);
    if (rc != RAYC_OK) {
        fprintf(stderr, "rayc-job-runner: cannot connect to the cluster: %s\n",
                rayc_last_error(NULL));
        return 1;
    }
    const char *cmd[] = {"/bin/sh", "-c", entrypoint, NULL};
    rayc_ref_t ref;
    rc = rayc_submit_cmd(c, cmd, &o, &ref);
    if (rc != RAYC_OK) {
        fprintf(stderr, "rayc-job-runner: cannot submit the entrypoint: %s\n", rayc_last_error(c));
        rayc_disconnect(c);
        return 1;
    }
    int cancelled = 0, code = 1;
    for (;;) {
        rayc_value_t v;
        rc = rayc_get(c, &ref, 1, 0.2, &v);
        if (rc == RAYC_ETIMEOUT) {
            rayc_value_free(&v);
            if (stop_requested && !cancelled) {
                cancelled = 1;
                rayc_cancel(c, &ref, 0);
            }
            continue;
        }
        if (v.err == RAYC_OK || v.err == RAYC_ETASK) {
            code = v.exit_code;
        } else {
            fprintf(stderr, "rayc-job-runner: the entrypoint did not finish: %s%s%s\n",
                    rayc_strerror(v.err), v.message ? ": " : "", v.message ? v.message : "");
            code = cancelled ? 128 + SIGTERM : 1;
        }
        rayc_value_free(&v);
        break;
    }
    rayc_release(c, &ref, 1);
    rayc_disconnect(c);
    for (size_t i = 0; i < nenv; i++) free(owned[i]);
    free(owned);
    free(env);
    return code;
}
