/* main.c — rayc-sim-nodes: registers N simulated worker nodes with a head and
 * keeps them reporting (sim_nodes.c), as a test helper and as the load
 * generator of tools/bench/nodes.sh.
 *
 *   rayc-sim-nodes --address 127.0.0.1:6379 --nodes 1000 --interval-ms 100 --duration-s 20
 *
 * Prints a summary on stdout at the end: a human block, then one
 * `summary key=value …` line for scripts. Exit 0 when nodes ran, 1 when none
 * could register, 2 for bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "addr.h"
#include "flags.h"
#include "log.h"
#include "res.h"
#include "sim_nodes.h"

/* One connection per node: make sure the descriptors are there. */
static void raise_nofile(size_t need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need) return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < need)
        fprintf(stderr,
                "rayc-sim-nodes: warning: only %llu file descriptors allowed (ulimit -n), %zu "
                "needed: some nodes will fail to connect\n",
                (unsigned long long)rl.rlim_cur, need);
}

int main(int argc, char **argv)
{
    const char *address = NULL, *password = NULL, *group = "sim", *node_ip = "127.0.0.1";
    const char *resources = NULL;
    int64_t nodes = 100, interval_ms = 100, memory = (int64_t)8 << 30, osm = (int64_t)2 << 30;
    int64_t parallel = 64;
    double duration_s = 0, num_cpus = 4, progress_s = 5;
    int vary = 0, no_unregister = 0;
    const rc_flag_t flags[] = {
        {"address", RC_FLAG_STRING, &address,
         "the head's GCS address (default: $RAY_ADDRESS, else 127.0.0.1:6379)", "HOST:PORT", 0, 0,
         NULL},
        {"redis-password", RC_FLAG_STRING, &password, "password given to rayc start --head", "PW",
         0, 0, NULL},
        {"nodes", RC_FLAG_INT, &nodes, "number of simulated nodes (default 100)", "N", 1, 100000,
         NULL},
        {"interval-ms", RC_FLAG_INT, &interval_ms, "ms between two reports of a node (default 100)",
         "MS", 1, 3600000, NULL},
        {"duration-s", RC_FLAG_DOUBLE, &duration_s,
         "stop after this many seconds (default: at SIGINT/SIGTERM)", "S", 0, 1e7, NULL},
        {"group", RC_FLAG_STRING, &group, "worker group of the nodes (default sim)", "NAME", 0, 0,
         NULL},
        {"num-cpus", RC_FLAG_DOUBLE, &num_cpus, "CPUs of each node (default 4)", "N", 0, 1e6, NULL},
        {"memory", RC_FLAG_BYTES, &memory, "memory of each node (default 8GiB)", "BYTES", 0, 1e15,
         NULL},
        {"object-store-memory", RC_FLAG_BYTES, &osm, "object store of each node (default 2GiB)",
         "BYTES", 0, 1e15, NULL},
        {"resources", RC_FLAG_STRING, &resources, "custom resources of each node, JSON",
         "'{\"name\": N}'", 0, 0, NULL},
        {"node-ip-address", RC_FLAG_STRING, &node_ip,
         "address the nodes register with (default 127.0.0.1)", "IP", 0, 0, NULL},
        {"vary", RC_FLAG_BOOL, &vary, "report random available resources (else all free)", NULL, 0,
         0, NULL},
        {"no-unregister", RC_FLAG_BOOL, &no_unregister,
         "at the end just disconnect: the head's health check declares the nodes dead", NULL, 0, 0,
         NULL},
        {"connect-parallel", RC_FLAG_INT, &parallel, "registrations in flight at once (default 64)",
         "N", 1, 100000, NULL},
        {"progress-s", RC_FLAG_DOUBLE, &progress_s,
         "a progress line on stderr every S seconds (default 5; 0: none)", "S", 0, 1e6, NULL},
    };
    const size_t nflags = sizeof(flags) / sizeof(flags[0]);
    char err[512];

    rc_log_init();
    int code = rc_flags_main(flags, nflags, argc - 1, argv + 1, "rayc-sim-nodes",
                             "Registers simulated worker nodes with a head, one connection each, "
                             "and sends\nNODE.REPORT for each every --interval-ms.");
    if (code >= 0) return code;

    rc_addr_t addr;
    const char *env = getenv("RAY_ADDRESS");
    if (!(address && *address) && !(env && *env)) address = "127.0.0.1:6379";
    if (rc_addr_resolve(address, &addr, err, sizeof(err)) != RC_OK) {
        fprintf(stderr, "rayc-sim-nodes: %s\n", err);
        return 2;
    }
    rc_sim_opts_t o = {.host = addr.host,
                       .port = addr.port,
                       .password = password,
                       .nodes = (size_t)nodes,
                       .interval_ms = (int)interval_ms,
                       .duration_s = duration_s,
                       .group = group,
                       .node_ip = node_ip,
                       .vary = vary,
                       .unregister = !no_unregister,
                       .connect_parallel = (int)parallel,
                       .progress_s = progress_s};
    if (resources) {
        if (rc_res_parse_json(resources, strlen(resources), &o.total, err, sizeof(err)) != RC_OK) {
            fprintf(stderr, "rayc-sim-nodes: --resources: %s\n", err);
            return 2;
        }
    } else {
        rc_res_init(&o.total);
    }
    if (rc_res_set(&o.total, "CPU", rc_res_from_double(num_cpus)) != RC_OK ||
        rc_res_set(&o.total, "memory", memory * RC_RES_SCALE) != RC_OK ||
        rc_res_set(&o.total, "object_store_memory", osm * RC_RES_SCALE) != RC_OK) {
        fprintf(stderr, "rayc-sim-nodes: a resource amount is out of range\n");
        rc_res_free(&o.total);
        return 2;
    }
    raise_nofile((size_t)nodes + 64);

    rc_sim_stats_t st;
    int rc = rc_sim_run(&o, &st);
    rc_res_free(&o.total);
    if (rc != 0) return 1;
    double per_s = st.run_s > 0 ? (double)st.reports_ok / st.run_s : 0;
    printf("rayc-sim-nodes: %lld nodes for %.1f s, a report every %lld ms\n", (long long)nodes,
           st.run_s, (long long)interval_ms);
    printf("  registered      %llu", (unsigned long long)st.registered);
    if (st.all_registered_s > 0) printf(" (all within %.2f s)", st.all_registered_s);
    printf("\n  reports         %llu sent, %llu answered (%.0f/s), %llu late (previous one "
           "unanswered)\n",
           (unsigned long long)st.reports_sent, (unsigned long long)st.reports_ok, per_s,
           (unsigned long long)st.late);
    printf("  report latency  p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", st.lat_p50_ms,
           st.lat_p99_ms, st.lat_max_ms);
    printf("  errors %llu, disconnects %llu, NOTFOUND %llu, drained %llu, unregistered %llu\n",
           (unsigned long long)st.errors, (unsigned long long)st.disconnects,
           (unsigned long long)st.notfound, (unsigned long long)st.drained,
           (unsigned long long)st.unregistered);
    printf("summary nodes=%lld registered=%llu all_registered_s=%.3f run_s=%.3f sent=%llu ok=%llu "
           "ok_per_s=%.1f late=%llu p50_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%llu "
           "disconnects=%llu unregistered=%llu\n",
           (long long)nodes, (unsigned long long)st.registered, st.all_registered_s, st.run_s,
           (unsigned long long)st.reports_sent, (unsigned long long)st.reports_ok, per_s,
           (unsigned long long)st.late, st.lat_p50_ms, st.lat_p99_ms, st.lat_max_ms,
           (unsigned long long)st.errors, (unsigned long long)st.disconnects,
           (unsigned long long)st.unregistered);
    return st.registered > 0 ? 0 : 1;
}
