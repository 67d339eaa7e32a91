/* gcs_harness.h — shared by the tests of head/gcs: a keyspace + KV fixture and
 * a call helper that runs a command row as the server's dispatcher would
 * (arity check, then the handler) and returns the exact RESP bytes written.
 * It also checks that every handler wrote exactly one complete reply. */
#ifndef RC_GCS_HARNESS_H
#define RC_GCS_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "../cmd_harness.h"

#include "buf.h"
#include "cmd.h"
#include "db.h"
#include "kv.h"

typedef struct {
    rc_db_t *db;
    rc_kv_t *kv;
    rc_buf_t out;
    uint64_t now;
} fx_t;

#define FX_T0 1700000000000ULL /* a fixed "now" in ms */

static inline int fx_setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f));
    f->db = rc_db_new();
    f->kv = rc_kv_new();
    rc_buf_init(&f->out);
    f->now = FX_T0;
    *state = f;
    return 0;
}

static inline int fx_teardown(void **state)
{
    fx_t *f = *state;
    rc_db_free(f->db);
    rc_kv_free(f->kv);
    rc_buf_free(&f->out);
    free(f);
    return 0;
}

static inline const rc_cmd_def_t *fx_find_cmd(const char *name, size_t len)
{
    for (size_t i = 0; i < rc_db_commands_count; i++)
        if (strlen(rc_db_commands[i].name) == len &&
            strncasecmp(rc_db_commands[i].name, name, len) == 0)
            return &rc_db_commands[i];
    for (size_t i = 0; i < rc_kv_commands_count; i++)
        if (strlen(rc_kv_commands[i].name) == len &&
            strncasecmp(rc_kv_commands[i].name, name, len) == 0)
            return &rc_kv_commands[i];
    return NULL;
}

static inline const char *fx_callv(fx_t *f, size_t argc, const char **argv, const size_t *argl)
{
    rc_buf_clear(&f->out);
    const rc_cmd_def_t *d = fx_find_cmd(argv[0], argl[0]);
    assert_non_null(d);
    rc_cmd_ctx_t c = {argc, argv, argl, &f->out, f->db, f->kv, NULL, NULL, f->now, NULL, NULL};
    th_run(d, &c);
    assert_true(f->out.len > 0);
    assert_ptr_equal(th_skip_reply(f->out.data, f->out.data + f->out.len),
                     f->out.data + f->out.len);
    return f->out.data;
}

/* NULL-terminated list of C-string arguments. */
static inline const char *fx_call(fx_t *f, const char *a0, ...)
{
    const char *argv[64];
    size_t argl[64];
    va_list ap;
    va_start(ap, a0);
    size_t argc = th_args(a0, ap, argv, argl, 64);
    va_end(ap);
    return fx_callv(f, argc, argv, argl);
}

#define CALL(...)         fx_call(f, __VA_ARGS__, NULL)
#define EXPECT(want, ...) assert_string_equal(CALL(__VA_ARGS__), want)
#define FX                fx_t *f = *state

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOTINT    "-ERR value is not an integer or out of range\r\n"
#define SYNTAX    "-ERR syntax error\r\n"
#define OK        "+OK\r\n"
#define NIL       "$-1\r\n"

#endif
