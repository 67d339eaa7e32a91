/* cmd.c — replies and argument helpers shared by every command handler (see cmd.h). */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "resp.h"
#include "strutil.h"

void rc_cmd_reply_wrong_args(rc_cmd_ctx_t *c)
{
    /* Redis names the command in lower case, whatever case the client used. */
    char name[64];
    size_t n = c->argc ? c->argl[0] : 0;
    if (n >= sizeof(name)) n = sizeof(name) - 1;
    for (size_t i = 0; i < n; i++) name[i] = (char)tolower((unsigned char)c->argv[0][i]);
    name[n] = '\0';
    rc_resp_write_errorf(c->out, "ERR wrong number of arguments for '%s' command", name);
}

void rc_cmd_reply_syntax(rc_cmd_ctx_t *c)
{
    rc_resp_write_error(c->out, "ERR syntax error");
}

void rc_cmd_reply_wrongtype(rc_cmd_ctx_t *c)
{
    rc_resp_write_error(c->out,
                        "WRONGTYPE Operation against a key holding the wrong kind of value");
}

void rc_cmd_reply_not_int(rc_cmd_ctx_t *c)
{
    rc_resp_write_error(c->out, "ERR value is not an integer or out of range");
}

int rc_cmd_arg_is(const rc_cmd_ctx_t *c, size_t i, const char *lit)
{
    size_t n = strlen(lit);
    return i < c->argc && c->argl[i] == n && strncasecmp(c->argv[i], lit, n) == 0;
}

int rc_cmd_arg_i64(const rc_cmd_ctx_t *c, size_t i, int64_t *out)
{
    return i < c->argc && rc_parse_i64_strict(c->argv[i], c->argl[i], out);
}
