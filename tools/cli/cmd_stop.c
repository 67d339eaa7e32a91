/* cmd_stop.c — `rayc stop`: SIGTERM to every process recorded under
 * <temp-dir>/pids by `rayc start`, then SIGKILL to those still alive after the
 * grace period. A pid is signalled only if it still runs a rayc program, so a
 * stale pid file never hits a process that reused the number. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "flags.h"
#include "proc.h"

typedef struct {
    pid_t pid;
    char pidfile[4352];
    char comm[32];
} proc_t;

static int read_comm(pid_t pid, char *out, size_t cap)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    if (!fgets(out, (int)cap, f)) {
        fclose(f);
        return -1;
    }
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
    return 0;
}

static int alive(pid_t pid)
{
    char comm[32];
    /* A zombie still answers kill(0); /proc/PID/stat's state tells it apart. */
    char state;
    if (kill(pid, 0) != 0 && errno == ESRCH) return 0;
    if (rc_proc_stat(pid, &state, NULL) != 0 || state == 'Z') return 0;
    return read_comm(pid, comm, sizeof(comm)) == 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int rc_cli_stop(int argc, char **argv)
{
    const char *temp_dir = "/tmp/ray";
    int force = 0;
    double grace = 16; /* Ray's default --grace-period */
    const rc_flag_t flags[] = {
        {"temp-dir", RC_FLAG_STRING, &temp_dir, "directory given to rayc start", "DIR", 0, 0, NULL},
        {"force", RC_FLAG_BOOL, &force, "send SIGKILL at once", NULL, 0, 0, NULL},
        {"grace-period", RC_FLAG_DOUBLE, &grace, "seconds to wait before SIGKILL", "S", 0, 3600,
         NULL},
    };
    int code = rc_flags_main(flags, 3, argc, argv, "rayc stop",
                             "Stops the rayc processes that `rayc start` started on this machine.");
    if (code >= 0) return code;

    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/pids", temp_dir);
    DIR *d = opendir(dir);
    proc_t *procs = NULL;
    size_t n = 0, cap = 0;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            if (len < 5 || strcmp(e->d_name + len - 4, ".pid") != 0) continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                procs = rc_realloc(procs, cap * sizeof(*procs));
            }
            proc_t *p = &procs[n];
            snprintf(p->pidfile, sizeof(p->pidfile), "%s/%s", dir, e->d_name);
            FILE *f = fopen(p->pidfile, "r");
            int pid = 0;
            if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 1) {
                if (f) fclose(f);
                unlink(p->pidfile); /* unreadable or garbage: nothing to signal */
                continue;
            }
            fclose(f);
            p->pid = (pid_t)pid;
            if (read_comm(p->pid, p->comm, sizeof(p->comm)) != 0 ||
                strncmp(p->comm, "rayc", 4) != 0) {
                unlink(p->pidfile); /* stale: the process is gone or is not ours */
                continue;
            }
            n++;
        }
        closedir(d);
    }
    for (size_t i = 0; i < n; i++) kill(procs[i].pid, force ? SIGKILL : SIGTERM);
    double deadline = now_s() + grace;
    size_t killed = 0;
    for (;;) {
        size_t left = 0;
        for (size_t i = 0; i < n; i++) left += procs[i].pid && alive(procs[i].pid);
        if (left == 0) break;
        if (now_s() >= deadline) {
            for (size_t i = 0; i < n; i++)
                if (procs[i].pid && alive(procs[i].pid)) {
                    kill(procs[i].pid, SIGKILL);
                    killed++;
                }
            /* SIGKILL is not ignorable; give the kernel a moment to reap. */
            for (int t = 0; t < 40; t++) {
                size_t still = 0;
                for (size_t i = 0; i < n; i++) still += procs[i].pid && alive(procs[i].pid);
                if (still == 0) break;
                usleep(50 * 1000);
            }
            break;
        }
        usleep(50 * 1000);
    }
    for (size_t i = 0; i < n; i++) unlink(procs[i].pidfile);
    if (n == 0)
        printf("Did not find any active rayc processes.\n");
    else
        printf("Stopped all %zu rayc processes.%s\n", n,
               killed ? " (some needed SIGKILL after the grace period)" : "");
    rc_free(procs);
    return 0;
}
