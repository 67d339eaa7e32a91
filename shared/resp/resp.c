/* resp.c — the RESP2 parsers: requests (server side) and replies (client side).
 *
 * Both parsers are pure and incremental (see resp.h). Neither copies the
 * caller's bytes while a message is incomplete; between calls they keep only
 * offsets into the caller's buffer, which the contract ("call again with the
 * same bytes plus more") keeps valid.
 *
 * The command parser follows redis-server's networking.c: the same error texts,
 * the same acceptance of numbers (string2ll rules: optional '-', no '+', no
 * leading zeros, no spaces, must fit in 64 bits) and the same 64 KiB bound on a
 * line that has not ended yet. Where Redis is lenient we are strict: a header
 * line's CR must be followed by LF and a bulk payload by CR LF. A line's length
 * limit is applied to where its terminator lies, not to how many bytes happen to
 * be buffered, so the outcome never depends on how the stream was split.
 *
 * Inline commands are split like redis-cli/sdssplitargs, except that a NUL byte
 * is an ordinary byte (Redis stops at it because it splits a C string). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "resp.h"

/* ---- numbers ------------------------------------------------------------ */

/* Parses all of s[0..n) with Redis's string2ll rules. */
static bool parse_ll(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (n == 0) return false;
    if (s[0] == '-') {
        neg = true;
        i = 1;
        if (n == 1) return false;
    }
    if (s[i] == '0') {
        /* "0" is the only number that may start with a zero ("-0" is refused). */
        if (n != 1) return false;
        *out = 0;
        return true;
    }
    uint64_t v = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)((unsigned char)s[i] - '0');
        if (d > 9) return false;
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return false;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX) return false;
        *out = (int64_t)v;
    }
    return true;
}

/* A byte as it may appear inside an error text: CR and LF become spaces as in
 * Redis's addReplyErrorFormat; other unprintable bytes become '?' so a message
 * is never cut short by a NUL nor carries binary to a terminal. */
static char shown_byte(char c)
{
    unsigned char u = (unsigned char)c;
    if (c == '\r' || c == '\n') return ' ';
    if (u < 0x20 || u >= 0x7f) return '?';
    return c;
}

/* ---- requests ----------------------------------------------------------- */

enum cmd_state {
    CMD_START,     /* nothing parsed of the current command */
    CMD_BULK_LEN,  /* expecting "$<len>\r\n" of argument argc */
    CMD_BULK_DATA, /* expecting bulklen payload bytes and CR LF */
};

struct rc_resp_cmd_parser {
    size_t max_bulk;
    size_t max_elems;
    enum cmd_state state;
    size_t pos;     /* offset of the next unparsed byte of the current command */
    size_t scan;    /* where the search for the current line's end resumes */
    size_t left;    /* bulk arguments still expected */
    size_t bulklen; /* payload length of the argument being read */
    rc_resp_arg_t *argv;
    size_t argc;
    size_t argv_cap;
    char *scratch; /* decoded quoted inline arguments */
    size_t scratch_cap;
    bool failed; /* sticky until reset: the stream cannot be resynchronised */
    char err[64];
};

rc_resp_cmd_parser_t *rc_resp_cmd_parser_new(size_t max_bulk, size_t max_elems)
{
    rc_resp_cmd_parser_t *p = rc_calloc(1, sizeof(*p));
    p->max_bulk = max_bulk ? max_bulk : RC_RESP_DEFAULT_MAX_BULK;
    p->max_elems = max_elems ? max_elems : RC_RESP_DEFAULT_MAX_ELEMS;
    p->argv_cap = 16;
    p->argv = rc_malloc(p->argv_cap * sizeof(*p->argv));
    return p;
}

void rc_resp_cmd_parser_free(rc_resp_cmd_parser_t *p)
{
    if (!p) return;
    rc_free(p->argv);
    rc_free(p->scratch);
    rc_free(p);
}

static void cmd_restart(rc_resp_cmd_parser_t *p)
{
    p->state = CMD_START;
    p->pos = 0;
    p->scan = 0;
    p->left = 0;
    p->bulklen = 0;
}

void rc_resp_cmd_parser_reset(rc_resp_cmd_parser_t *p)
{
    cmd_restart(p);
    p->argc = 0;
    p->failed = false;
    p->err[0] = '\0';
}

const char *rc_resp_cmd_parser_error(const rc_resp_cmd_parser_t *p)
{
    return p->err;
}

const char *rc_resp_cmd_parser_scratch(const rc_resp_cmd_parser_t *p)
{
    return p->scratch;
}

static rc_err_t cmd_fail(rc_resp_cmd_parser_t *p, const char *msg)
{
    snprintf(p->err, sizeof(p->err), "%s", msg);
    p->failed = true;
    p->argc = 0;
    cmd_restart(p);
    return RC_EPROTO;
}

static rc_err_t push_arg(rc_resp_cmd_parser_t *p, size_t off, size_t len)
{
    if (p->argc == p->argv_cap) {
        /* Grows with arguments actually received, never with a peer's claimed
         * count, so memory stays proportional to the bytes sent. */
        size_t cap = p->argv_cap * 2;
        rc_resp_arg_t *a = rc_try_realloc(p->argv, cap * sizeof(*a));
        if (!a) return RC_ENOMEM;
        p->argv = a;
        p->argv_cap = cap;
    }
    p->argv[p->argc].off = off;
    p->argv[p->argc].len = len;
    p->argc++;
    return RC_OK;
}

enum hdr_result { HDR_MORE, HDR_OK, HDR_BAD, HDR_LONG };

/* Reads the number of the header line ("*N" or "$N") that starts at buf[at].
 * HDR_LONG: no CR within RC_RESP_MAX_INLINE bytes (Redis's "too big ... count
 * string"); HDR_BAD: the line ended but is not a valid number followed by CR LF. */
static enum hdr_result read_header(rc_resp_cmd_parser_t *p, const char *buf, size_t len, size_t at,
                                   int64_t *val, size_t *next)
{
    /* Fast path, what every client sends: 1..18 digits without a leading zero
     * (cannot overflow), then CR LF. Anything else takes the exact path. */
    size_t i = at + 1;
    size_t lim = len - at > 20 ? at + 20 : len;
    uint64_t v = 0;
    while (i < lim && (unsigned)((unsigned char)buf[i] - '0') <= 9)
        v = v * 10 + (unsigned)((unsigned char)buf[i++] - '0');
    size_t nd = i - at - 1;
    if (nd >= 1 && nd <= 18 && (nd == 1 || buf[at + 1] != '0') && i + 1 < len && buf[i] == '\r' &&
        buf[i + 1] == '\n') {
        *val = (int64_t)v;
        *next = i + 2;
        return HDR_OK;
    }

    size_t from = p->scan > at ? p->scan : at;
    size_t end = len - at > RC_RESP_MAX_INLINE ? at + RC_RESP_MAX_INLINE + 1 : len;
    const char *cr = from < end ? memchr(buf + from, '\r', end - from) : NULL;
    if (!cr) {
        p->scan = end;
        return len - at > RC_RESP_MAX_INLINE ? HDR_LONG : HDR_MORE;
    }
    size_t c = (size_t)(cr - buf);
    p->scan = c;
    if (c + 1 >= len) return HDR_MORE;
    *next = c + 2;
    /* c == at: the line is empty, not even a type byte (the caller reports that). */
    if (c == at || buf[c + 1] != '\n' || !parse_ll(buf + at + 1, c - at - 1, val)) return HDR_BAD;
    return HDR_OK;
}

static bool inline_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Ends an unquoted token (sdssplitargs does not count \v and \f here). */
static bool inline_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static rc_err_t unbalanced(rc_resp_cmd_parser_t *p)
{
    return cmd_fail(p, "Protocol error: unbalanced quotes in request");
}

/* Splits line[0..n) into arguments. Unquoted tokens are ranges of the
 * caller's buffer; a token with quotes is decoded into the scratch. */
static rc_err_t split_inline(rc_resp_cmd_parser_t *p, const char *line, size_t n)
{
    if (p->scratch_cap < n) {
        size_t cap = p->scratch_cap ? p->scratch_cap : 256;
        while (cap < n) cap *= 2;
        rc_free(p->scratch);
        p->scratch = rc_malloc(cap); /* n <= RC_RESP_MAX_INLINE */
        p->scratch_cap = cap;
    }
    char *s = p->scratch;
    size_t sl = 0;
    size_t i = 0;
    p->argc = 0;
    for (;;) {
        while (i < n && inline_space(line[i])) i++;
        if (i == n) return RC_OK;
        size_t tok = i;
        while (i < n && !inline_sep(line[i]) && line[i] != '"' && line[i] != '\'') i++;
        if (i == n || inline_sep(line[i])) {
            if (push_arg(p, tok, i - tok) != RC_OK) return RC_ENOMEM;
            continue;
        }

        /* The token has quotes: decode it. Quotes may start mid-token
         * (a"b c" is one argument) and a closing quote must end it. */
        size_t s0 = sl;
        memcpy(s + sl, line + tok, i - tok);
        sl += i - tok;
        char quote = 0;
        for (;;) {
            if (!quote) {
                if (i == n || inline_sep(line[i])) break;
                if (line[i] == '"' || line[i] == '\'')
                    quote = line[i++];
                else
                    s[sl++] = line[i++];
                continue;
            }
            if (i == n) return unbalanced(p);
            char c = line[i];
            if (c == quote) {
                if (i + 1 < n && !inline_space(line[i + 1])) return unbalanced(p);
                i++;
                break;
            }
            if (c == '\\' && quote == '\'') {
                /* Single quotes know one escape: \' */
                if (i + 1 < n && line[i + 1] == '\'') {
                    s[sl++] = '\'';
                    i += 2;
                } else {
                    s[sl++] = c;
                    i++;
                }
                continue;
            }
            if (c == '\\' && i + 1 < n) {
                int h, l;
                if (line[i + 1] == 'x' && i + 3 < n && (h = hex_val(line[i + 2])) >= 0 &&
                    (l = hex_val(line[i + 3])) >= 0) {
                    s[sl++] = (char)(h * 16 + l);
                    i += 4;
                    continue;
                }
                char e = line[i + 1];
                switch (e) {
                case 'n': e = '\n'; break;
                case 'r': e = '\r'; break;
                case 't': e = '\t'; break;
                case 'b': e = '\b'; break;
                case 'a': e = '\a'; break;
                default: break;
                }
                s[sl++] = e;
                i += 2;
                continue;
            }
            s[sl++] = c;
            i++;
        }
        if (push_arg(p, s0 | RC_RESP_ARG_SCRATCH, sl - s0) != RC_OK) return RC_ENOMEM;
    }
}

static rc_err_t parse_inline(rc_resp_cmd_parser_t *p, const char *buf, size_t len, size_t *consumed,
                             const rc_resp_arg_t **argv, size_t *argc)
{
    size_t end = len > RC_RESP_MAX_INLINE ? RC_RESP_MAX_INLINE + 1 : len;
    const char *nl = p->scan < end ? memchr(buf + p->scan, '\n', end - p->scan) : NULL;
    if (!nl) {
        if (len > RC_RESP_MAX_INLINE) return cmd_fail(p, "Protocol error: too big inline request");
        p->scan = end;
        return RC_EAGAIN;
    }
    size_t n = (size_t)(nl - buf);
    size_t line = n > 0 && buf[n - 1] == '\r' ? n - 1 : n;
    rc_err_t err = split_inline(p, buf, line);
    if (err != RC_OK) return err;
    cmd_restart(p);
    *consumed = n + 1;
    *argv = p->argv;
    *argc = p->argc;
    return RC_OK;
}

rc_err_t rc_resp_parse_command(rc_resp_cmd_parser_t *p, const char *buf, size_t len,
                               size_t *consumed, const rc_resp_arg_t **argv, size_t *argc)
{
    int64_t v;
    size_t next;
    enum hdr_result r;

    if (p->failed) return RC_EPROTO;
    if (p->pos > len || p->scan > len) {
        /* Fewer bytes than last time: the caller broke the contract (dropped
         * its buffer); start over rather than read what is not there. */
        cmd_restart(p);
    }

    if (p->state == CMD_START) {
        p->argc = 0;
        if (len == 0) return RC_EAGAIN;
        if (buf[0] != '*') return parse_inline(p, buf, len, consumed, argv, argc);
        r = read_header(p, buf, len, 0, &v, &next);
        if (r == HDR_MORE) return RC_EAGAIN;
        if (r == HDR_LONG) return cmd_fail(p, "Protocol error: too big mbulk count string");
        if (r == HDR_BAD || (v > 0 && (uint64_t)v > p->max_elems))
            return cmd_fail(p, "Protocol error: invalid multibulk length");
        if (v <= 0) {
            /* "*0" and negative counts are consumed as an empty command, as Redis does. */
            p->scan = 0;
            *consumed = next;
            *argv = p->argv;
            *argc = 0;
            return RC_OK;
        }
        p->left = (size_t)v;
        p->pos = next;
        p->scan = next;
        p->state = CMD_BULK_LEN;
    }

    while (p->left) {
        if (p->state == CMD_BULK_LEN) {
            size_t at = p->pos;
            if (at >= len) return RC_EAGAIN;
            /* Redis's order: the line must end before its first byte is judged. */
            r = read_header(p, buf, len, at, &v, &next);
            if (r == HDR_MORE) return RC_EAGAIN;
            if (r == HDR_LONG) return cmd_fail(p, "Protocol error: too big bulk count string");
            if (buf[at] != '$') {
                char msg[48];
                snprintf(msg, sizeof(msg), "Protocol error: expected '$', got '%c'",
                         shown_byte(buf[at]));
                return cmd_fail(p, msg);
            }
            if (r == HDR_BAD || v < 0 || (uint64_t)v > p->max_bulk)
                return cmd_fail(p, "Protocol error: invalid bulk length");
            p->bulklen = (size_t)v;
            p->pos = next;
            p->scan = next;
            p->state = CMD_BULK_DATA;
        }
        /* Only a length comparison until the whole payload is there, so a big
         * bulk arriving in pieces costs O(1) per call. */
        size_t avail = len - p->pos;
        if (avail < 2 || avail - 2 < p->bulklen) return RC_EAGAIN;
        const char *e = buf + p->pos + p->bulklen;
        if (e[0] != '\r' || e[1] != '\n')
            return cmd_fail(p, "Protocol error: bulk not followed by CRLF");
        if (push_arg(p, p->pos, p->bulklen) != RC_OK) return RC_ENOMEM;
        p->pos += p->bulklen + 2;
        p->scan = p->pos;
        p->left--;
        p->state = CMD_BULK_LEN;
    }

    *consumed = p->pos;
    *argv = p->argv;
    *argc = p->argc;
    cmd_restart(p);
    return RC_OK;
}

/* ---- replies ------------------------------------------------------------ */

/* A number line (":", "$", "*") longer than this cannot hold a valid number. */
#define NUM_LINE_MAX 32

typedef struct {
    rc_resp_reply_t *arr; /* already attached to its parent (or the root) */
    size_t want;          /* elements announced */
    size_t cap;           /* allocated slots of arr->elems */
} frame_t;

struct rc_resp_reply_parser {
    size_t max_bulk;
    size_t max_elems;
    size_t pos;            /* offset where the current element starts */
    size_t scan;           /* where the search for its line's end resumes */
    rc_resp_reply_t *root; /* the reply being built (owned) */
    frame_t stack[RC_RESP_MAX_DEPTH];
    int depth;
    bool failed;
    char err[64];
};

rc_resp_reply_parser_t *rc_resp_reply_parser_new(size_t max_bulk, size_t max_elems)
{
    rc_resp_reply_parser_t *p = rc_calloc(1, sizeof(*p));
    p->max_bulk = max_bulk ? max_bulk : RC_RESP_DEFAULT_MAX_BULK;
    p->max_elems = max_elems ? max_elems : RC_RESP_DEFAULT_MAX_ELEMS;
    return p;
}

void rc_resp_reply_free(rc_resp_reply_t *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nelems; i++) rc_resp_reply_free(r->elems[i]);
    rc_free(r->elems);
    rc_free(r->str);
    rc_free(r);
}

/* Drops a partial reply. */
static void reply_restart(rc_resp_reply_parser_t *p)
{
    rc_resp_reply_free(p->root);
    p->root = NULL;
    p->depth = 0;
    p->pos = 0;
    p->scan = 0;
}

void rc_resp_reply_parser_free(rc_resp_reply_parser_t *p)
{
    if (!p) return;
    reply_restart(p);
    rc_free(p);
}

const char *rc_resp_reply_parser_error(const rc_resp_reply_parser_t *p)
{
    return p->err;
}

static rc_err_t reply_fail(rc_resp_reply_parser_t *p, const char *msg)
{
    snprintf(p->err, sizeof(p->err), "%s", msg);
    p->failed = true;
    reply_restart(p);
    return RC_EPROTO;
}

/* Finds the first CR LF of the line starting at buf[at] whose CR lies before
 * at + limit. 1: found (*cr); 0: more bytes needed; -1: the line is too long.
 * A lone CR is part of the line, as in hiredis. */
static int find_crlf(size_t *scan, const char *buf, size_t len, size_t at, size_t limit, size_t *cr)
{
    size_t end = len - at > limit ? at + limit : len;
    size_t i = *scan > at ? *scan : at;
    while (i < end) {
        const char *c = memchr(buf + i, '\r', end - i);
        if (!c) break;
        size_t k = (size_t)(c - buf);
        *scan = k;
        if (k + 1 >= len) return 0;
        if (buf[k + 1] == '\n') {
            *cr = k;
            return 1;
        }
        i = k + 1;
    }
    *scan = end;
    return len - at >= limit ? -1 : 0;
}

static rc_resp_reply_t *new_node(rc_resp_type_t type)
{
    rc_resp_reply_t *r = rc_calloc(1, sizeof(*r));
    r->type = type;
    return r;
}

/* Sizes come from the peer: a failed allocation is an error, not an abort. */
static rc_resp_reply_t *new_str(rc_resp_type_t type, const char *s, size_t n)
{
    char *copy = rc_try_malloc(n + 1);
    if (!copy) return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    rc_resp_reply_t *r = new_node(type);
    r->str = copy;
    r->len = n;
    return r;
}

/* Appends node to the array on top of the stack; the array's slots grow with
 * the elements received, not with the count the peer announced. */
static void attach(frame_t *f, rc_resp_reply_t *node)
{
    rc_resp_reply_t *a = f->arr;
    if (a->nelems == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 4;
        if (cap > f->want) cap = f->want;
        a->elems = rc_realloc(a->elems, cap * sizeof(*a->elems));
        f->cap = cap;
    }
    a->elems[a->nelems++] = node;
}

/* Places a finished element; true when it completes the whole reply. */
static bool place(rc_resp_reply_parser_t *p, rc_resp_reply_t *node)
{
    if (p->depth == 0) {
        p->root = node;
        return true;
    }
    attach(&p->stack[p->depth - 1], node);
    while (p->depth > 0 && p->stack[p->depth - 1].arr->nelems == p->stack[p->depth - 1].want)
        p->depth--;
    return p->depth == 0;
}

rc_err_t rc_resp_parse_reply(rc_resp_reply_parser_t *p, const char *buf, size_t len,
                             size_t *consumed, rc_resp_reply_t **out)
{
    if (p->failed) return RC_EPROTO;
    if (p->pos > len || p->scan > len) reply_restart(p); /* see rc_resp_parse_command */

    for (;;) {
        size_t at = p->pos;
        if (at >= len) return RC_EAGAIN;
        char t = buf[at];
        size_t limit;
        const char *too_long;
        switch (t) {
        case '+':
        case '-':
            /* type byte + at most max_bulk bytes, then the CR */
            limit = p->max_bulk < SIZE_MAX - 2 ? p->max_bulk + 2 : SIZE_MAX;
            too_long = "Protocol error: too big simple string";
            break;
        case ':': limit = NUM_LINE_MAX, too_long = "Protocol error: invalid integer"; break;
        case '$': limit = NUM_LINE_MAX, too_long = "Protocol error: invalid bulk length"; break;
        case '*':
            limit = NUM_LINE_MAX, too_long = "Protocol error: invalid multibulk length";
            break;
        default: {
            char msg[48];
            snprintf(msg, sizeof(msg), "Protocol error: invalid reply type '%c'", shown_byte(t));
            return reply_fail(p, msg);
        }
        }
        size_t cr;
        int r = find_crlf(&p->scan, buf, len, at, limit, &cr);
        if (r == 0) return RC_EAGAIN;
        if (r < 0) return reply_fail(p, too_long);

        const char *s = buf + at + 1;
        size_t n = cr - at - 1;
        size_t next = cr + 2;
        int64_t v = 0;
        rc_resp_reply_t *node;
        switch (t) {
        case '+':
        case '-':
            node = new_str(t == '+' ? RC_RESP_STATUS : RC_RESP_ERROR, s, n);
            if (!node) return RC_ENOMEM;
            break;
        case ':':
            if (!parse_ll(s, n, &v)) return reply_fail(p, "Protocol error: invalid integer");
            node = new_node(RC_RESP_INTEGER);
            node->integer = v;
            break;
        case '$':
            if (!parse_ll(s, n, &v) || v < -1 || (v > 0 && (uint64_t)v > p->max_bulk))
                return reply_fail(p, "Protocol error: invalid bulk length");
            if (v == -1) {
                node = new_node(RC_RESP_NIL);
                break;
            }
            /* Incomplete payload: scan stays on the header's CR, so the next
             * call re-reads a few header bytes, never the payload. */
            if (len - next < 2 || len - next - 2 < (size_t)v) return RC_EAGAIN;
            if (buf[next + (size_t)v] != '\r' || buf[next + (size_t)v + 1] != '\n')
                return reply_fail(p, "Protocol error: bulk not followed by CRLF");
            node = new_str(RC_RESP_BULK, buf + next, (size_t)v);
            if (!node) return RC_ENOMEM;
            next += (size_t)v + 2;
            break;
        default: /* '*' */
            if (!parse_ll(s, n, &v) || v < -1 || (v > 0 && (uint64_t)v > p->max_elems))
                return reply_fail(p, "Protocol error: invalid multibulk length");
            if (v == -1) {
                node = new_node(RC_RESP_NIL);
                break;
            }
            if (p->depth == RC_RESP_MAX_DEPTH)
                return reply_fail(p, "Protocol error: reply nested too deeply");
            node = new_node(RC_RESP_ARRAY);
            if (v == 0) break;
            /* A non-empty array joins the tree at once so a partial reply is
             * always owned by p->root, then collects its elements. */
            if (p->depth == 0)
                p->root = node;
            else
                attach(&p->stack[p->depth - 1], node);
            p->stack[p->depth].arr = node;
            p->stack[p->depth].want = (size_t)v;
            p->stack[p->depth].cap = 0;
            p->depth++;
            p->pos = next;
            p->scan = next;
            continue;
        }
        p->pos = next;
        p->scan = next;
        if (place(p, node)) {
            *out = p->root;
            *consumed = p->pos;
            p->root = NULL;
            reply_restart(p);
            return RC_OK;
        }
    }
}
