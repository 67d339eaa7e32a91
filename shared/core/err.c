/* err.c — texts of the error enum and the always-on assertion. */
#include "err.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const texts[] = {
#define RC_ERR_TEXT(name, text) text,
    RC_ERR_MAP(RC_ERR_TEXT)
#undef RC_ERR_TEXT
};

static const char *const names[] = {
#define RC_ERR_NAME(name, text) "RC_E" #name,
    RC_ERR_MAP(RC_ERR_NAME)
#undef RC_ERR_NAME
};

const char *rc_strerror(rc_err_t err)
{
    if ((unsigned)err >= RC_ERR_COUNT) return "unknown error";
    return texts[err];
}

const char *rc_errname(rc_err_t err)
{
    if ((unsigned)err >= RC_ERR_COUNT) return "RC_E?";
    return names[err];
}

void rc_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "rayc: internal invariant broken: %s (%s:%d); aborting\n", expr, file, line);
    fflush(stderr);
    abort();
}
