/* cmd_start.c — `rayc start`: picks the program (rayc-head for --head,
 * rayc-worker otherwise) and execs it with the same flags, so the flags are
 * parsed and validated in one place, by the program that uses them. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "proc.h"

static int is_head_flag(const char *a)
{
    return strcmp(a, "--head") == 0 || strncmp(a, "--head=", 7) == 0;
}

int rc_cli_start(int argc, char **argv)
{
    int head = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (is_head_flag(argv[i]))
            head = !(strcmp(argv[i], "--head=false") == 0 || strcmp(argv[i], "--head=0") == 0);
    }
    const char *prog = head ? "rayc-head" : "rayc-worker";
    char path[PATH_MAX];
    if (rc_proc_sibling(prog, path, sizeof(path)) != 0) {
        fprintf(stderr, "rayc start: cannot find %s next to the rayc binary (%s): %s\n", prog, path,
                head ? "rebuild rayc" : "this build has no worker program yet");
        return 1;
    }
    char **args = rc_calloc((size_t)argc + 2, sizeof(char *));
    args[0] = (char *)prog;
    for (int i = 0; i < argc; i++) args[i + 1] = argv[i];
    execv(path, args);
    fprintf(stderr, "rayc start: cannot run %s: %s\n", path, strerror(errno));
    rc_free(args);
    return 1;
}
