/* fuzz_resp.c — libFuzzer target for both RESP2 parsers.
 *
 * The input is a byte stream given to the command parser and, separately, to
 * the reply parser, consuming every command/reply until an error or the end.
 * The same stream is then fed split at a point derived from the first byte
 * (prefix first, the rest at the first RC_EAGAIN), and, for short inputs, one
 * byte at a time. The results (consumed lengths, arguments or reply trees,
 * final status and error text) must be identical; a mismatch aborts. Each
 * call gets an exact-size heap copy of the bytes it may read, so ASan reports
 * any read past len. Bits of the first byte also pick small limits so the
 * max_bulk / max_elems paths are reached. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "resp.h"

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_resp: %s\n", what);
        abort();
    }
}

static void log_bytes(rc_buf_t *log, const char *s, size_t n)
{
    rc_buf_append_u64(log, n);
    rc_buf_append_char(log, ':');
    rc_buf_append(log, s, n);
}

/* ---- commands ---- */

static void run_cmds(rc_resp_cmd_parser_t *p, const char *data, size_t len, size_t first,
                     size_t step, rc_buf_t *log)
{
    size_t avail = first < len ? first : len;
    size_t off = 0;
    for (;;) {
        size_t n = avail - off;
        char *copy = rc_malloc(n);
        if (n) memcpy(copy, data + off, n);
        size_t consumed = 0, argc = 0;
        const rc_resp_arg_t *argv = NULL;
        rc_err_t rc = rc_resp_parse_command(p, copy, n, &consumed, &argv, &argc);
        if (rc == RC_EAGAIN && avail < len) {
            rc_free(copy);
            avail = len - avail > step ? avail + step : len;
            continue;
        }
        rc_buf_printf(log, "%d|", (int)rc);
        if (rc == RC_OK) {
            check(consumed > 0 && consumed <= n, "command: consumed out of range");
            rc_buf_append_u64(log, consumed);
            for (size_t i = 0; i < argc; i++) {
                if (!(argv[i].off & RC_RESP_ARG_SCRATCH))
                    check(argv[i].off <= consumed && argv[i].len <= consumed - argv[i].off,
                          "command: argument outside the command");
                log_bytes(log, rc_resp_arg_ptr(p, copy, &argv[i]), argv[i].len);
            }
            rc_buf_append_char(log, ';');
            off += consumed;
            rc_free(copy);
            continue;
        }
        rc_free(copy);
        if (rc == RC_EPROTO) {
            const char *e = rc_resp_cmd_parser_error(p);
            check(strncmp(e, "Protocol error: ", 16) == 0, "command: error text");
            rc_buf_append_str(log, e);
        } else {
            check(rc == RC_EAGAIN, "command: unexpected status");
        }
        return;
    }
}

/* ---- replies ---- */

static void log_reply(rc_buf_t *log, const rc_resp_reply_t *r, int depth)
{
    check(depth <= RC_RESP_MAX_DEPTH, "reply: too deep");
    rc_buf_printf(log, "%d|", (int)r->type);
    switch (r->type) {
    case RC_RESP_STATUS:
    case RC_RESP_ERROR:
    case RC_RESP_BULK:
        check(r->str && r->str[r->len] == '\0', "reply: string not terminated");
        log_bytes(log, r->str, r->len);
        break;
    case RC_RESP_INTEGER: rc_buf_append_i64(log, r->integer); break;
    case RC_RESP_NIL: break;
    case RC_RESP_ARRAY:
        rc_buf_append_u64(log, r->nelems);
        for (size_t i = 0; i < r->nelems; i++) log_reply(log, r->elems[i], depth + 1);
        break;
    default: check(0, "reply: bad type");
    }
}

static void run_replies(rc_resp_reply_parser_t *p, const char *data, size_t len, size_t first,
                        size_t step, rc_buf_t *log)
{
    size_t avail = first < len ? first : len;
    size_t off = 0;
    for (;;) {
        size_t n = avail - off;
        char *copy = rc_malloc(n);
        if (n) memcpy(copy, data + off, n);
        size_t consumed = 0;
        rc_resp_reply_t *r = NULL;
        rc_err_t rc = rc_resp_parse_reply(p, copy, n, &consumed, &r);
        rc_free(copy);
        if (rc == RC_EAGAIN && avail < len) {
            avail = len - avail > step ? avail + step : len;
            continue;
        }
        rc_buf_printf(log, "%d|", (int)rc);
        if (rc == RC_OK) {
            check(consumed > 0 && consumed <= n, "reply: consumed out of range");
            rc_buf_append_u64(log, consumed);
            log_reply(log, r, 0);
            rc_resp_reply_free(r);
            rc_buf_append_char(log, ';');
            off += consumed;
            continue;
        }
        if (rc == RC_EPROTO) {
            const char *e = rc_resp_reply_parser_error(p);
            check(strncmp(e, "Protocol error: ", 16) == 0, "reply: error text");
            rc_buf_append_str(log, e);
        } else {
            check(rc == RC_EAGAIN, "reply: unexpected status");
        }
        return;
    }
}

static void same(const rc_buf_t *a, const rc_buf_t *b, const char *what)
{
    check(a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0), what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const char *in = (const char *)data;
    size_t split = (size_t)data[0] * size / 256;
    size_t max_bulk = (data[0] & 1) ? 8 : 0;
    size_t max_elems = (data[0] & 2) ? 3 : 0;
    int bytewise = size <= 512;

    rc_buf_t whole = RC_BUF_INIT, part = RC_BUF_INIT;

    rc_resp_cmd_parser_t *cp = rc_resp_cmd_parser_new(max_bulk, max_elems);
    run_cmds(cp, in, size, size, size, &whole);
    rc_resp_cmd_parser_reset(cp);
    run_cmds(cp, in, size, split, size, &part);
    same(&whole, &part, "command parser: split result differs from whole");
    if (bytewise) {
        rc_buf_clear(&part);
        rc_resp_cmd_parser_reset(cp);
        run_cmds(cp, in, size, 0, 1, &part);
        same(&whole, &part, "command parser: byte-at-a-time result differs from whole");
    }
    rc_resp_cmd_parser_free(cp);

    rc_buf_clear(&whole);
    rc_buf_clear(&part);
    rc_resp_reply_parser_t *rp = rc_resp_reply_parser_new(max_bulk, max_elems);
    run_replies(rp, in, size, size, size, &whole);
    rc_resp_reply_parser_free(rp);
    /* A fresh parser: the reply parser has no reset, and an abandoned partial
     * reply must be freed by rc_resp_reply_parser_free (LeakSanitizer). */
    rp = rc_resp_reply_parser_new(max_bulk, max_elems);
    run_replies(rp, in, size, split, size, &part);
    rc_resp_reply_parser_free(rp);
    same(&whole, &part, "reply parser: split result differs from whole");
    if (bytewise) {
        rc_buf_clear(&part);
        rp = rc_resp_reply_parser_new(max_bulk, max_elems);
        run_replies(rp, in, size, 0, 1, &part);
        rc_resp_reply_parser_free(rp);
        same(&whole, &part, "reply parser: byte-at-a-time result differs from whole");
    }

    /* Round trip: each whole command re-encoded by the writer parses back to
     * the same arguments. */
    cp = rc_resp_cmd_parser_new(0, 0);
    size_t off = 0;
    for (int guard = 0; guard < 64 && off < size; guard++) {
        size_t consumed, argc;
        const rc_resp_arg_t *argv;
        if (rc_resp_parse_command(cp, in + off, size - off, &consumed, &argv, &argc) != RC_OK)
            break;
        const char **ptrs = rc_malloc((argc + 1) * sizeof(*ptrs));
        size_t *lens = rc_malloc((argc + 1) * sizeof(*lens));
        for (size_t i = 0; i < argc; i++) {
            ptrs[i] = rc_resp_arg_ptr(cp, in + off, &argv[i]);
            lens[i] = argv[i].len;
        }
        rc_buf_t enc = RC_BUF_INIT;
        rc_resp_write_command(&enc, argc, ptrs, lens);
        rc_resp_cmd_parser_t *cp2 = rc_resp_cmd_parser_new(0, 0);
        size_t c2, argc2;
        const rc_resp_arg_t *argv2;
        rc_err_t rc = rc_resp_parse_command(cp2, enc.data, enc.len, &c2, &argv2, &argc2);
        check(rc == RC_OK && c2 == enc.len && argc2 == argc, "round trip: command");
        for (size_t i = 0; i < argc; i++)
            check(argv2[i].len == lens[i] &&
                      (lens[i] == 0 || memcmp(enc.data + argv2[i].off, ptrs[i], lens[i]) == 0),
                  "round trip: argument");
        rc_resp_cmd_parser_free(cp2);
        rc_buf_free(&enc);
        rc_free(ptrs);
        rc_free(lens);
        off += consumed;
    }
    rc_resp_cmd_parser_free(cp);

    rc_buf_free(&whole);
    rc_buf_free(&part);
    return 0;
}
