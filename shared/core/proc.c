/* proc.c — sibling programs and /proc/<pid>/stat (see proc.h). */
#include "proc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int rc_proc_sibling(const char *prog, char *out, size_t cap)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *slash = NULL;
    if (n > 0) {
        self[n] = '\0';
        slash = strrchr(self, '/');
    }
    if (!slash) {
        snprintf(out, cap, "%s", prog);
        return -1;
    }
    *slash = '\0';
    if ((size_t)snprintf(out, cap, "%s/%s", self, prog) >= cap) return -1;
    return access(out, X_OK) == 0 ? 0 : -1;
}

int rc_proc_stat(pid_t pid, char *state, uint64_t *start_ticks)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold spaces and ')': the fields after it start
     * after the last ')'. "pid (comm) state ..." — state is field 3,
     * starttime field 22. */
    const char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || !p[2]) return -1;
    if (state) *state = p[2];
    if (start_ticks) {
        unsigned long long ticks = 0;
        int field = 2;
        for (const char *q = p + 1; *q; q++) {
            if (*q != ' ') continue;
            if (++field == 22) {
                sscanf(q + 1, "%llu", &ticks);
                break;
            }
        }
        *start_ticks = ticks;
    }
    return 0;
}
