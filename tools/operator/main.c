/* main.c — rayc-operator: scales rayc worker-group Deployments from the head's
 * resource demand (see operator.h and README.md). Flags, signals and the loop:
 * one pass every periodSeconds, the health endpoint served in between. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "flags.h"
#include "log.h"
#include "logfmt.h"
#include "op_config.h"
#include "operator.h"
#include "shape.h"

static volatile sig_atomic_t stop;

/* --check-config: what the operator would work with, or why the file is wrong. */
static int check_config(const char *path)
{
    rc_op_config_t c;
    char err[1024];
    if (rc_op_config_load(path, &c, err, sizeof(err)) != RC_OK) {
        fprintf(stderr, "rayc-operator: %s\n", err);
        return 1;
    }
    rc_buf_t b = RC_BUF_INIT;
    printf("%s: head %s, namespace %s, every %lld ms, idle after %lld ms\n", path, c.head_address,
           c.namespace_ ? c.namespace_ : "(the service account's)", (long long)c.period_ms,
           (long long)c.idle_timeout_ms);
    for (size_t i = 0; i < c.ngroups; i++) {
        const rc_op_group_t *g = &c.groups[i];
        rc_buf_clear(&b);
        rc_res_format(&g->shape, &b);
        printf("group %s: deployment %s, %lld..%lld replicas, pods %s, one pod adds %.*s%s\n",
               g->name, g->deployment, (long long)g->min_replicas, (long long)g->max_replicas,
               g->pod_selector, (int)b.len, b.data,
               g->shape_known == RC_OP_SHAPE_ALL ? ""
                                                 : " (the rest from a live node of the group)");
    }
    rc_buf_free(&b);
    rc_op_config_free(&c);
    return 0;
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *kube_api = NULL, *sa_dir = NULL, *health_host = "0.0.0.0";
    int64_t health_port = 8080;
    int once = 0, check = 0;
    char err[1024];
    const rc_flag_t flags[] = {
        {"config", RC_FLAG_STRING, &config, "operator.json (required; see README.md)", "FILE", 0, 0,
         NULL},
        {"health-port", RC_FLAG_INT, &health_port,
         "port of GET /-/healthz (default 8080; 0 turns it off)", "N", 0, 65535, NULL},
        {"health-host", RC_FLAG_STRING, &health_host,
         "address the health endpoint binds (default 0.0.0.0)", "IP", 0, 0, NULL},
        {"check-config", RC_FLAG_BOOL, &check,
         "read --config, print the groups and their node shapes, exit (1 when it is wrong)", NULL,
         0, 0, NULL},
        {"once", RC_FLAG_BOOL, &once, "run one reconcile pass and exit (0 when it succeeded)", NULL,
         0, 0, NULL},
        {"kube-api", RC_FLAG_STRING, &kube_api,
         "Kubernetes API URL (default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)",
         "URL", 0, 0, NULL},
        {"sa-dir", RC_FLAG_STRING, &sa_dir,
         "service account directory with token, ca.crt, namespace (default "
         "/var/run/secrets/kubernetes.io/serviceaccount)",
         "DIR", 0, 0, NULL},
    };
    int rc =
        rc_flags_main(flags, sizeof(flags) / sizeof(flags[0]), argc - 1, argv + 1, "rayc-operator",
                      "Scales rayc worker-group Deployments from the head's resource "
                      "demand, as Ray's autoscaler does. Password: $RAYC_REDIS_PASSWORD.");
    if (rc >= 0) return rc;
    rc_log_init();
    if (!config || !*config) {
        fprintf(stderr, "rayc-operator: --config FILE is required (see --help)\n");
        return 2;
    }
    if (check) return check_config(config);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: a wait ends at once */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    rc_operator_opts_t o = {config,      kube_api,         sa_dir,
                            health_host, (int)health_port, getenv("RAYC_REDIS_PASSWORD")};
    rc_operator_t *op = NULL;
    if (rc_operator_new(&o, &op, err, sizeof(err)) != RC_OK) {
        rc_logfmt_t l;
        rc_logfmt_begin(&l, "error", "startup-failed");
        rc_logfmt_str(&l, "reason", err);
        rc_logfmt_end(&l);
        return 1;
    }
    rc_logfmt_t l;
    rc_logfmt_begin(&l, "info", "started");
    rc_logfmt_str(&l, "config", config);
    rc_logfmt_int(&l, "period_ms", rc_operator_period_ms(op));
    rc_logfmt_int(&l, "health_port", rc_operator_health_port(op));
    rc_logfmt_end(&l);

    int status = 0;
    while (!stop) {
        int64_t next = rc_clock_mono_ms() + rc_operator_period_ms(op);
        rc_err_t e = rc_operator_pass(op);
        if (once) {
            status = e == RC_OK ? 0 : 1;
            break;
        }
        for (int64_t left; !stop && (left = next - rc_clock_mono_ms()) > 0;)
            rc_operator_idle(op, left);
    }
    rc_logfmt_begin(&l, "info", "stopped");
    rc_logfmt_str(&l, "reason", stop ? "signal" : "--once");
    rc_logfmt_end(&l);
    rc_operator_free(op);
    return status;
}
