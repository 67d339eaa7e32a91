/* main.c — rayc-head: parses Ray's `ray start --head` flags, detaches unless
 * --block, and runs the head's loop. `rayc start --head …` execs this program.
 *
 * Detaching reports readiness through a pipe: the parent waits until the child
 * has bound its ports and loaded its state, then prints the address (or the
 * child's error) and exits, so `rayc start` returns only once the port accepts
 * connections. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "alloc.h"
#include "daemon.h"
#include "flags.h"
#include "head.h"
#include "log.h"
#include "netutil.h"

typedef struct {
    int head, block, help, include_dashboard;
    int64_t port, client_port, max_clients, dashboard_port;
    const char *password, *storage, *temp_dir, *node_ip, *bind_host, *cluster_name;
    const char *dashboard_host, *job_storage, *dashboard_web_dir;
    /* Ray's node flags, which a chart's head.rayStartParams often carries
     * (num-cpus: "0" keeps Ray's head free of tasks): accepted, and ignored with a
     * log line, because rayc's head is never a worker node. */
    const char *node_flags[7]; /* as node_flags[] below (NNODE_FLAGS) */
} opts_t;

#define NODE_TASKS                                                                                 \
    "the head runs no tasks (as Ray's head with num-cpus 0); give node resources to `rayc start "  \
    "--address=…` workers"
static const struct {
    const char *name, *why;
} node_flags[] = {
    {"num-cpus", NODE_TASKS},
    {"num-gpus", NODE_TASKS},
    {"memory", NODE_TASKS},
    {"object-store-memory", NODE_TASKS},
    {"resources", NODE_TASKS},
    {"labels", NODE_TASKS},
    {"metrics-export-port", "/metrics is served on the dashboard port"},
};
#define NNODE_FLAGS (sizeof(node_flags) / sizeof(node_flags[0]))
_Static_assert(sizeof(((opts_t *)0)->node_flags) / sizeof(const char *) == NNODE_FLAGS,
               "opts_t.node_flags has one slot per node_flags[] entry");

/* One log line per node flag given: what was ignored and why. */
static void log_ignored_node_flags(const opts_t *o)
{
    for (size_t i = 0; i < NNODE_FLAGS; i++)
        if (o->node_flags[i])
            rc_log_info("head", "--%s=%s ignored: %s", node_flags[i].name, o->node_flags[i],
                        node_flags[i].why);
}

/* How the dashboard is reached from elsewhere: a wildcard bind by this node's IP. */
static void dashboard_url(const opts_t *o, const char *ip, int dport, char *out, size_t cap)
{
    const char *host = o->dashboard_host;
    if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::")) host = ip;
    rc_addr_join("http://", host, dport, out, cap);
}

static void print_started(const opts_t *o, const char *ip, int port, int dport)
{
    char url[300];
    printf("Local node IP: %s\n\n"
           "--------------------\n"
           "Ray runtime started.\n"
           "--------------------\n\n"
           "Next steps\n"
           "  To add another node to this Ray cluster, run\n"
           "    rayc start --address='%s:%d'%s\n\n"
           "  To connect to this cluster from a program, use the address\n"
           "    %s:%d   (RAY_ADDRESS, or rayc_connect() in the C SDK)\n\n"
           "  To inspect the GCS with redis-cli, run\n"
           "    redis-cli -h %s -p %d%s\n\n"
           "  To terminate the Ray runtime, run\n"
           "    rayc stop%s%s\n",
           ip, ip, port, o->password && *o->password ? " --redis-password=<password>" : "", ip,
           port, ip, port, o->password && *o->password ? " -a <password>" : "",
           strcmp(o->temp_dir, "/tmp/ray") ? " --temp-dir=" : "",
           strcmp(o->temp_dir, "/tmp/ray") ? o->temp_dir : "");
    if (dport > 0) {
        dashboard_url(o, ip, dport, url, sizeof(url));
        printf("\n  To submit a job with the Jobs CLI, run\n"
               "    RAY_ADDRESS='%s' rayc job submit -- <shell command>\n\n"
               "  To monitor the cluster, view the dashboard at\n"
               "    %s\n",
               url, url);
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    opts_t o = {.port = 6379,
                .client_port = 10001,
                .max_clients = 10000,
                .storage = "memory",
                .temp_dir = "/tmp/ray",
                .include_dashboard = 1,
                .dashboard_port = 8265,
                .dashboard_host = "127.0.0.1",
                .bind_host = "0.0.0.0",
                .cluster_name = "default"};
    const rc_flag_t base[] = {
        {"head", RC_FLAG_BOOL, &o.head, "start the head node (implied)", NULL, 0, 0, NULL},
        {"port", RC_FLAG_INT, &o.port, "GCS port (Redis protocol)", "PORT", 0, 65535, NULL},
        {"ray-client-server-port", RC_FLAG_INT, &o.client_port,
         "client port for the SDK outside the cluster (0 disables)", "PORT", 0, 65535, NULL},
        {"redis-password", RC_FLAG_STRING, &o.password,
         "password that clients and workers must AUTH with", "PW", 0, 0, NULL},
        {"gcs-storage", RC_FLAG_STRING, &o.storage,
         "where the GCS keeps its tables: memory or redis://HOST:PORT[/DB]", "URL", 0, 0, NULL},
        {"cluster-name", RC_FLAG_STRING, &o.cluster_name,
         "namespace of this cluster's keys in external storage", "NAME", 0, 0, NULL},
        {"temp-dir", RC_FLAG_STRING, &o.temp_dir, "directory for logs and pid files", "DIR", 0, 0,
         NULL},
        {"node-ip-address", RC_FLAG_STRING, &o.node_ip, "IP address of this node", "IP", 0, 0,
         NULL},
        {"bind-host", RC_FLAG_STRING, &o.bind_host, "address the GCS listens on", "IP", 0, 0, NULL},
        {"max-clients", RC_FLAG_INT, &o.max_clients, "most connections at once", "N", 1, 1000000,
         NULL},
        {"block", RC_FLAG_BOOL, &o.block, "stay in the foreground", NULL, 0, 0, NULL},
        {"include-dashboard", RC_FLAG_BOOL, &o.include_dashboard,
         "serve the dashboard and the Jobs API (default true)", NULL, 0, 0, NULL},
        {"dashboard-host", RC_FLAG_STRING, &o.dashboard_host,
         "address the dashboard listens on (0.0.0.0 exposes it)", "IP", 0, 0, NULL},
        {"dashboard-port", RC_FLAG_INT, &o.dashboard_port, "dashboard and Jobs API port", "PORT", 1,
         65535, NULL},
        {"dashboard-web-dir", RC_FLAG_STRING, &o.dashboard_web_dir,
         "directory of the dashboard's web UI (default: the one installed with rayc)", "DIR", 0, 0,
         NULL},
        {"storage", RC_FLAG_STRING, &o.job_storage,
         "shared directory for job records and logs (default <temp-dir>/storage)", "DIR", 0, 0,
         NULL},
    };
    /* The head's own flags, then Ray's node flags (accepted, ignored). */
    const size_t nbase = sizeof(base) / sizeof(base[0]), nflags = nbase + NNODE_FLAGS;
    rc_flag_t flags[sizeof(base) / sizeof(base[0]) + NNODE_FLAGS];
    memcpy(flags, base, sizeof(base));
    for (size_t i = 0; i < NNODE_FLAGS; i++)
        flags[nbase + i] = (rc_flag_t){node_flags[i].name,
                                       RC_FLAG_STRING,
                                       &o.node_flags[i],
                                       "accepted for Ray compatibility, ignored",
                                       "VALUE",
                                       0,
                                       0,
                                       NULL};
    char err[1024];

    rc_log_init();
    int code = rc_flags_main(flags, nflags, argc - 1, argv + 1, "rayc start --head",
                             "Starts the head node: the GCS on --port and the client port.");
    if (code >= 0) return code;

    char logdir[4096], logpath[4200], pidpath[4200], ip[64], storage[4200], session[64];
    snprintf(logdir, sizeof(logdir), "%s/logs", o.temp_dir);
    if (rc_mkdirs(logdir) != 0) {
        fprintf(stderr, "rayc start --head: cannot create %s: %s (choose another --temp-dir)\n",
                logdir, strerror(errno));
        return 1;
    }
    snprintf(logpath, sizeof(logpath), "%s/rayc-head.log", logdir);
    if (o.job_storage && *o.job_storage)
        snprintf(storage, sizeof(storage), "%s", o.job_storage);
    else
        snprintf(storage, sizeof(storage), "%s/storage", o.temp_dir);
    if (storage[0] != '/') {
        fprintf(stderr, "rayc start --head: --storage must be an absolute path, not '%s'\n",
                storage);
        return 1;
    }
    if (o.node_ip)
        snprintf(ip, sizeof(ip), "%s", o.node_ip);
    else
        rc_net_default_ip(ip, sizeof(ip));

    rc_daemon_t daemon = {-1};
    if (!o.block) {
        char msg[1100];
        int r = rc_daemon_fork(&daemon, msg, sizeof(msg));
        if (r < 0) {
            perror("rayc start --head: fork");
            return 1;
        }
        if (r == 1) {
            int gport = 0, dport = 0;
            sscanf(msg, "%d %d", &gport, &dport);
            print_started(&o, ip, gport, dport);
            return 0;
        }
        if (r == 0) {
            fprintf(stderr, "rayc start --head: %s\n  log: %s\n", msg, logpath);
            return 1;
        }
    }

    rc_log_open_file(logpath);
    rc_head_opts_t ho;
    rc_head_opts_default(&ho);
    ho.port = (int)o.port;
    ho.client_port = (int)o.client_port;
    ho.password = o.password;
    ho.gcs_storage = o.storage;
    ho.cluster_name = o.cluster_name;
    ho.bind_host = o.bind_host;
    ho.max_clients = (size_t)o.max_clients;
    ho.dashboard_host = o.dashboard_host;
    ho.dashboard_port = o.include_dashboard ? (int)o.dashboard_port : 0;
    ho.dashboard_web_dir = o.dashboard_web_dir;
    ho.storage = storage;
    ho.node_ip = ip;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(session, sizeof(session), "session_%Y-%m-%d_%H-%M-%S", &tm);
    snprintf(session + strlen(session), sizeof(session) - strlen(session), "_%d", (int)getpid());
    ho.session_name = session;
    signal(SIGPIPE, SIG_IGN);

    rc_head_t *h = NULL;
    if (rc_head_new(&ho, &h, err, sizeof(err)) != RC_OK) {
        rc_log_error("head", "start-up failed: %s", err);
        if (daemon.fd >= 0)
            rc_daemon_failed(&daemon, err);
        else
            fprintf(stderr, "rayc start --head: %s\n", err);
        return 1;
    }
    if (rc_pidfile_write(o.temp_dir, "rayc-head", pidpath, sizeof(pidpath)) != 0)
        rc_log_warn("head",
                    "cannot write the pid file under %s/pids: rayc stop will not find "
                    "this head",
                    o.temp_dir);
    rc_log_info("head", "started pid=%d port=%d ip=%s log=%s", (int)getpid(), rc_head_port(h), ip,
                logpath);
    log_ignored_node_flags(&o);
    if (daemon.fd >= 0) {
        char ok[32];
        snprintf(ok, sizeof(ok), "%d %d", rc_head_port(h), rc_head_dashboard_port(h));
        rc_daemon_ready(&daemon, ok);
    } else {
        print_started(&o, ip, rc_head_port(h), rc_head_dashboard_port(h));
    }
    rc_head_run(h);
    rc_head_free(h);
    unlink(pidpath);
    rc_log_info("head", "stopped");
    rc_log_close();
    return 0;
}
