/* argv.c — repeated flags; see argv.h. */
#include "argv.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"

rc_err_t rc_argv_take(int *argc, char **argv, const char *name, const char ***vals, size_t *n,
                      char *err, size_t errcap)
{
    size_t nlen = strlen(name);
    int out = 0, i = 0;
    *vals = rc_calloc((size_t)(*argc > 0 ? *argc : 1), sizeof(char *));
    *n = 0;
    while (i < *argc) {
        char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (i < *argc) argv[out++] = argv[i++];
            break;
        }
        if (strncmp(a, "--", 2) == 0 && strncmp(a + 2, name, nlen) == 0) {
            const char *rest = a + 2 + nlen;
            if (*rest == '=') {
                (*vals)[(*n)++] = rest + 1;
                i++;
                continue;
            }
            if (*rest == '\0') {
                if (i + 1 >= *argc) {
                    snprintf(err, errcap, "--%s needs a value (--%s VALUE)", name, name);
                    rc_free(*vals);
                    *vals = NULL;
                    *n = 0;
                    return RC_EINVAL;
                }
                (*vals)[(*n)++] = argv[i + 1];
                i += 2;
                continue;
            }
        }
        argv[out++] = argv[i++];
    }
    *argc = out;
    return RC_OK;
}
