/* json.c — strict JSON reader (recursive descent, depth-limited) and writer. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

/* Numbers longer than this are refused: no double needs more digits, and
 * strtod on megabytes of digits is a cheap way to burn CPU. */
#define MAX_NUMBER_TEXT 1024

typedef struct {
    char *key;
    size_t klen;
    rc_json_t *val;
} member_t;

struct rc_json {
    rc_json_type_t type;
    int is_int;
    union {
        int b;
        struct {
            double d;
            int64_t i;
        } num;
        struct {
            char *s;
            size_t len;
        } str;
        struct {
            rc_json_t **items;
            size_t len;
        } arr;
        struct {
            member_t *items;
            size_t len;
        } obj;
    } u;
};

/* ---------------------------------------------------------------- UTF-8 */

size_t rc_utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t need;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0; /* overlong */
        if (c == 0xED) hi = 0x9F; /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90; /* overlong */
        if (c == 0xF4) hi = 0x8F; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (n < need) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return need;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---------------------------------------------------------------- tree */

static void node_free(rc_json_t *v)
{
    if (!v) return;
    switch (v->type) {
    case RC_JSON_STRING: rc_free(v->u.str.s); break;
    case RC_JSON_ARRAY:
        for (size_t i = 0; i < v->u.arr.len; i++) node_free(v->u.arr.items[i]);
        rc_free(v->u.arr.items);
        break;
    case RC_JSON_OBJECT:
        for (size_t i = 0; i < v->u.obj.len; i++) {
            rc_free(v->u.obj.items[i].key);
            node_free(v->u.obj.items[i].val);
        }
        rc_free(v->u.obj.items);
        break;
    default: break;
    }
    rc_free(v);
}

void rc_json_free(rc_json_t *root)
{
    node_free(root);
}

/* ---------------------------------------------------------------- parser */

typedef struct {
    const char *text;
    size_t len;
    size_t pos;
    char *err;
    size_t errcap;
    rc_err_t code;
} parser_t;

/* Records the first error with its line and column (1-based; columns count
 * characters, not bytes, so they match what an editor shows). */
static void fail_at(parser_t *p, size_t at, rc_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail_at(parser_t *p, size_t at, rc_err_t code, const char *fmt, ...)
{
    if (p->code != RC_OK) return;
    p->code = code;
    if (!p->err || p->errcap == 0) return;
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < p->len; i++) {
        unsigned char c = (unsigned char)p->text[i];
        if (c == '\n') {
            line++;
            col = 1;
        } else if ((c & 0xC0) != 0x80) {
            col++;
        }
    }
    int n = snprintf(p->err, p->errcap, "line %zu, column %zu: ", line, col);
    if (n < 0 || (size_t)n >= p->errcap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errcap - (size_t)n, fmt, ap);
    va_end(ap);
}

static void oom(parser_t *p)
{
    fail_at(p, p->pos, RC_ENOMEM, "out of memory");
}

/* "'x'", "byte 0xC3" or "end of input" for the byte at pos. */
static const char *describe(const parser_t *p, size_t pos, char *buf, size_t cap)
{
    if (pos >= p->len) return "end of input";
    unsigned char c = (unsigned char)p->text[pos];
    if (c >= 0x21 && c < 0x7F)
        snprintf(buf, cap, "'%c'", c);
    else if (c == ' ')
        snprintf(buf, cap, "a space");
    else if (c == '\n')
        snprintf(buf, cap, "a line break");
    else if (c == '\t')
        snprintf(buf, cap, "a tab");
    else
        snprintf(buf, cap, "byte 0x%02X", c);
    return buf;
}

/* "expected X" with what was found instead. */
static void fail_expected(parser_t *p, const char *what)
{
    if (p->pos >= p->len) {
        fail_at(p, p->pos, RC_ESYNTAX, "unexpected end of input, expected %s", what);
    } else {
        char buf[32];
        fail_at(p, p->pos, RC_ESYNTAX, "expected %s, got %s", what,
                describe(p, p->pos, buf, sizeof(buf)));
    }
}

static void skip_ws(parser_t *p)
{
    while (p->pos < p->len) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static rc_json_t *new_node(parser_t *p, rc_json_type_t type)
{
    rc_json_t *v = rc_try_malloc(sizeof(*v));
    if (!v) {
        oom(p);
        return NULL;
    }
    memset(v, 0, sizeof(*v));
    v->type = type;
    return v;
}

static int hex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

/* Parses the string starting at the '"' at p->pos into a new NUL-terminated
 * buffer. The decoded text is never longer than the quoted text (every escape
 * shrinks), so one allocation of the quoted length suffices. */
static int parse_string(parser_t *p, char **out, size_t *out_len)
{
    const char *t = p->text;
    size_t start = p->pos, end = start + 1;
    while (end < p->len && t[end] != '"') end += t[end] == '\\' ? 2 : 1;
    if (end >= p->len) {
        fail_at(p, start, RC_ESYNTAX, "unterminated string");
        return 0;
    }
    char *s = rc_try_malloc(end - start);
    if (!s) {
        oom(p);
        return 0;
    }
    size_t n = 0, i = start + 1;
    while (i < end) {
        unsigned char c = (unsigned char)t[i];
        if (c < 0x20) {
            fail_at(p, i, RC_ESYNTAX, "control character U+%04X in string must be escaped", c);
            goto fail;
        }
        if (c >= 0x80) {
            size_t k = rc_utf8_seq_len((const unsigned char *)t + i, end - i);
            if (!k) {
                fail_at(p, i, RC_ESYNTAX, "invalid UTF-8 byte 0x%02X in string", c);
                goto fail;
            }
            memcpy(s + n, t + i, k);
            n += k;
            i += k;
            continue;
        }
        if (c != '\\') {
            s[n++] = (char)c;
            i++;
            continue;
        }
        char e = t[i + 1]; /* i + 1 < end: the scan above skipped escaped quotes */
        switch (e) {
        case '"': s[n++] = '"'; break;
        case '\\': s[n++] = '\\'; break;
        case '/': s[n++] = '/'; break;
        case 'b': s[n++] = '\b'; break;
        case 'f': s[n++] = '\f'; break;
        case 'n': s[n++] = '\n'; break;
        case 'r': s[n++] = '\r'; break;
        case 't': s[n++] = '\t'; break;
        case 'u': {
            uint32_t cp, lo;
            if (end - i < 6 || !hex4(t + i + 2, &cp)) {
                fail_at(p, i, RC_ESYNTAX, "invalid \\u escape in string: expected 4 hex digits");
                goto fail;
            }
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail_at(p, i, RC_ESYNTAX,
                        "lone surrogate \\u%04X in string (a low surrogate must follow a high "
                        "one)",
                        cp);
                goto fail;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - i < 12 || t[i + 6] != '\\' || t[i + 7] != 'u' || !hex4(t + i + 8, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF) {
                    fail_at(p, i, RC_ESYNTAX,
                            "lone surrogate \\u%04X in string (a high surrogate must be followed "
                            "by a low one)",
                            cp);
                    goto fail;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            n += utf8_encode(cp, s + n);
            i += 6;
            continue;
        }
        default: {
            unsigned char ec = (unsigned char)e;
            if (ec >= 0x21 && ec < 0x7F)
                fail_at(p, i, RC_ESYNTAX, "invalid escape '\\%c' in string", e);
            else
                fail_at(p, i, RC_ESYNTAX, "invalid escape (backslash before byte 0x%02X) in string",
                        ec);
            goto fail;
        }
        }
        i += 2;
    }
    s[n] = '\0';
    *out = s;
    *out_len = n;
    p->pos = end + 1;
    return 1;
fail:
    rc_free(s);
    return 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int starts_with(const parser_t *p, size_t pos, const char *word)
{
    size_t n = strlen(word);
    return p->len - pos >= n && memcmp(p->text + pos, word, n) == 0;
}

static rc_json_t *parse_number(parser_t *p)
{
    const char *t = p->text;
    size_t start = p->pos, i = p->pos;
    int integral = 1;
    if (t[i] == '-') i++;
    if (i >= p->len || !is_digit(t[i])) {
        if (starts_with(p, i, "Infinity"))
            fail_at(p, start, RC_ESYNTAX, "Infinity is not valid JSON (numbers must be finite)");
        else {
            p->pos = i;
            fail_expected(p, "a digit after '-'");
        }
        return NULL;
    }
    if (t[i] == '0' && i + 1 < p->len && is_digit(t[i + 1])) {
        fail_at(p, i, RC_ESYNTAX, "leading zeros are not allowed in numbers");
        return NULL;
    }
    while (i < p->len && is_digit(t[i])) i++;
    if (i < p->len && t[i] == '.') {
        integral = 0;
        i++;
        if (i >= p->len || !is_digit(t[i])) {
            p->pos = i;
            fail_expected(p, "a digit after '.'");
            return NULL;
        }
        while (i < p->len && is_digit(t[i])) i++;
    }
    if (i < p->len && (t[i] == 'e' || t[i] == 'E')) {
        integral = 0;
        i++;
        if (i < p->len && (t[i] == '+' || t[i] == '-')) i++;
        if (i >= p->len || !is_digit(t[i])) {
            p->pos = i;
            fail_expected(p, "a digit in the exponent");
            return NULL;
        }
        while (i < p->len && is_digit(t[i])) i++;
    }
    size_t n = i - start;
    if (n > MAX_NUMBER_TEXT) {
        fail_at(p, start, RC_ERANGE, "number has more than %d characters", MAX_NUMBER_TEXT);
        return NULL;
    }
    char tmp[MAX_NUMBER_TEXT + 1];
    memcpy(tmp, t + start, n);
    tmp[n] = '\0';
    errno = 0;
    double d = strtod(tmp, NULL);
    if (!isfinite(d)) {
        fail_at(p, start, RC_ERANGE, "number %.40s%s is too large", tmp, n > 40 ? "..." : "");
        return NULL;
    }
    rc_json_t *v = new_node(p, RC_JSON_NUMBER);
    if (!v) return NULL;
    v->u.num.d = d;
    if (integral && rc_str_to_i64(tmp, n, &v->u.num.i) == RC_OK) v->is_int = 1;
    p->pos = i;
    return v;
}

static rc_json_t *parse_value(parser_t *p, int depth);

static rc_json_t *parse_array(parser_t *p, int depth)
{
    size_t cap = 0;
    rc_json_t *v = new_node(p, RC_JSON_ARRAY);
    if (!v) return NULL;
    p->pos++; /* '[' */
    skip_ws(p);
    if (p->pos < p->len && p->text[p->pos] == ']') {
        p->pos++;
        return v;
    }
    for (;;) {
        rc_json_t *item = parse_value(p, depth);
        if (!item) goto fail;
        if (v->u.arr.len == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            rc_json_t **items = rc_try_realloc(v->u.arr.items, ncap * sizeof(*items));
            if (!items) {
                node_free(item);
                oom(p);
                goto fail;
            }
            v->u.arr.items = items;
            cap = ncap;
        }
        v->u.arr.items[v->u.arr.len++] = item;
        skip_ws(p);
        if (p->pos < p->len && p->text[p->pos] == ',') {
            p->pos++;
            skip_ws(p);
            if (p->pos < p->len && p->text[p->pos] == ']') {
                fail_at(p, p->pos, RC_ESYNTAX, "trailing comma before ']'");
                goto fail;
            }
            continue;
        }
        if (p->pos < p->len && p->text[p->pos] == ']') {
            p->pos++;
            return v;
        }
        fail_expected(p, "',' or ']' after array element");
        goto fail;
    }
fail:
    node_free(v);
    return NULL;
}

static rc_json_t *parse_object(parser_t *p, int depth)
{
    size_t cap = 0;
    rc_json_t *v = new_node(p, RC_JSON_OBJECT);
    if (!v) return NULL;
    p->pos++; /* '{' */
    skip_ws(p);
    if (p->pos < p->len && p->text[p->pos] == '}') {
        p->pos++;
        return v;
    }
    for (;;) {
        member_t m = {NULL, 0, NULL};
        if (p->pos >= p->len || p->text[p->pos] != '"') {
            fail_expected(p, "a string key in double quotes");
            goto fail;
        }
        if (!parse_string(p, &m.key, &m.klen)) goto fail;
        skip_ws(p);
        if (p->pos >= p->len || p->text[p->pos] != ':') {
            rc_free(m.key);
            fail_expected(p, "':' after object key");
            goto fail;
        }
        p->pos++;
        m.val = parse_value(p, depth);
        if (!m.val) {
            rc_free(m.key);
            goto fail;
        }
        if (v->u.obj.len == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            member_t *items = rc_try_realloc(v->u.obj.items, ncap * sizeof(*items));
            if (!items) {
                rc_free(m.key);
                node_free(m.val);
                oom(p);
                goto fail;
            }
            v->u.obj.items = items;
            cap = ncap;
        }
        v->u.obj.items[v->u.obj.len++] = m;
        skip_ws(p);
        if (p->pos < p->len && p->text[p->pos] == ',') {
            p->pos++;
            skip_ws(p);
            if (p->pos < p->len && p->text[p->pos] == '}') {
                fail_at(p, p->pos, RC_ESYNTAX, "trailing comma before '}'");
                goto fail;
            }
            continue;
        }
        if (p->pos < p->len && p->text[p->pos] == '}') {
            p->pos++;
            return v;
        }
        fail_expected(p, "',' or '}' after object member");
        goto fail;
    }
fail:
    node_free(v);
    return NULL;
}

static rc_json_t *parse_literal(parser_t *p, const char *word, rc_json_type_t type, int b)
{
    size_t n = strlen(word);
    if (!starts_with(p, p->pos, word)) {
        char what[16];
        snprintf(what, sizeof(what), "'%s'", word);
        /* Point at the first byte that differs, not at the start of the word. */
        size_t i = 0;
        while (i < n && p->pos + i < p->len && p->text[p->pos + i] == word[i]) i++;
        p->pos += i;
        fail_expected(p, what);
        return NULL;
    }
    rc_json_t *v = new_node(p, type);
    if (!v) return NULL;
    v->u.b = b;
    p->pos += n;
    return v;
}

static rc_json_t *parse_value(parser_t *p, int depth)
{
    skip_ws(p);
    if (p->pos >= p->len) {
        fail_expected(p, "a value");
        return NULL;
    }
    char c = p->text[p->pos];
    switch (c) {
    case '{':
    case '[':
        if (depth >= RC_JSON_MAX_DEPTH) {
            fail_at(p, p->pos, RC_ETOOBIG, "nesting deeper than %d levels", RC_JSON_MAX_DEPTH);
            return NULL;
        }
        return c == '{' ? parse_object(p, depth + 1) : parse_array(p, depth + 1);
    case '"': {
        rc_json_t *v = new_node(p, RC_JSON_STRING);
        if (!v) return NULL;
        if (!parse_string(p, &v->u.str.s, &v->u.str.len)) {
            node_free(v);
            return NULL;
        }
        return v;
    }
    case 't': return parse_literal(p, "true", RC_JSON_BOOL, 1);
    case 'f': return parse_literal(p, "false", RC_JSON_BOOL, 0);
    case 'n': return parse_literal(p, "null", RC_JSON_NULL, 0);
    case 'N':
        if (starts_with(p, p->pos, "NaN")) {
            fail_at(p, p->pos, RC_ESYNTAX, "NaN is not valid JSON (numbers must be finite)");
            return NULL;
        }
        break;
    case 'I':
        if (starts_with(p, p->pos, "Infinity")) {
            fail_at(p, p->pos, RC_ESYNTAX, "Infinity is not valid JSON (numbers must be finite)");
            return NULL;
        }
        break;
    default:
        if (c == '-' || is_digit(c)) return parse_number(p);
        break;
    }
    fail_expected(p, "a value");
    return NULL;
}

rc_err_t rc_json_parse(const char *text, size_t len, rc_json_t **out, char *err, size_t errcap)
{
    parser_t p = {text, len, 0, err, errcap, RC_OK};
    *out = NULL;
    if (err && errcap) err[0] = '\0';
    if (!text) p.len = 0;
    rc_json_t *v = parse_value(&p, 0);
    if (!v) return p.code != RC_OK ? p.code : RC_EINTERNAL;
    skip_ws(&p);
    if (p.pos < p.len) {
        char buf[32];
        fail_at(&p, p.pos, RC_ESYNTAX, "unexpected %s after the JSON value",
                describe(&p, p.pos, buf, sizeof(buf)));
        node_free(v);
        return p.code;
    }
    *out = v;
    return RC_OK;
}

/* ---------------------------------------------------------------- accessors */

const char *rc_json_type_name(rc_json_type_t t)
{
    switch (t) {
    case RC_JSON_NULL: return "null";
    case RC_JSON_BOOL: return "bool";
    case RC_JSON_NUMBER: return "number";
    case RC_JSON_STRING: return "string";
    case RC_JSON_ARRAY: return "array";
    case RC_JSON_OBJECT: return "object";
    }
    return "unknown";
}

rc_json_type_t rc_json_type(const rc_json_t *v)
{
    return v ? v->type : RC_JSON_NULL;
}

const rc_json_t *rc_json_getn(const rc_json_t *v, const char *key, size_t klen)
{
    if (!v || v->type != RC_JSON_OBJECT || !key) return NULL;
    /* Backwards, so a repeated key resolves to its last occurrence. */
    for (size_t i = v->u.obj.len; i-- > 0;) {
        const member_t *m = &v->u.obj.items[i];
        if (m->klen == klen && memcmp(m->key, key, klen) == 0) return m->val;
    }
    return NULL;
}

const rc_json_t *rc_json_get(const rc_json_t *v, const char *key)
{
    return key ? rc_json_getn(v, key, strlen(key)) : NULL;
}

size_t rc_json_len(const rc_json_t *v)
{
    if (!v) return 0;
    if (v->type == RC_JSON_ARRAY) return v->u.arr.len;
    if (v->type == RC_JSON_OBJECT) return v->u.obj.len;
    return 0;
}

const rc_json_t *rc_json_at(const rc_json_t *v, size_t i)
{
    if (!v || v->type != RC_JSON_ARRAY || i >= v->u.arr.len) return NULL;
    return v->u.arr.items[i];
}

const char *rc_json_key_at(const rc_json_t *v, size_t i, size_t *klen)
{
    if (!v || v->type != RC_JSON_OBJECT || i >= v->u.obj.len) {
        if (klen) *klen = 0;
        return NULL;
    }
    if (klen) *klen = v->u.obj.items[i].klen;
    return v->u.obj.items[i].key;
}

const rc_json_t *rc_json_value_at(const rc_json_t *v, size_t i)
{
    if (!v || v->type != RC_JSON_OBJECT || i >= v->u.obj.len) return NULL;
    return v->u.obj.items[i].val;
}

const char *rc_json_str(const rc_json_t *v, size_t *len)
{
    if (!v || v->type != RC_JSON_STRING) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = v->u.str.len;
    return v->u.str.s;
}

double rc_json_num(const rc_json_t *v)
{
    return v && v->type == RC_JSON_NUMBER ? v->u.num.d : 0;
}

int rc_json_is_int(const rc_json_t *v)
{
    return v && v->type == RC_JSON_NUMBER && v->is_int;
}

int rc_json_int(const rc_json_t *v, int64_t *out)
{
    if (!v || v->type != RC_JSON_NUMBER) return 0;
    if (v->is_int) {
        *out = v->u.num.i;
        return 1;
    }
    double d = v->u.num.d;
    /* 2^63 itself is out of range; every double below it in magnitude that is
     * integral converts exactly. */
    if (d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
        *out = (int64_t)d;
        return 1;
    }
    return 0;
}

int rc_json_bool(const rc_json_t *v)
{
    return v && v->type == RC_JSON_BOOL && v->u.b;
}

/* ---------------------------------------------------------------- writer */

void rc_json_write_str(rc_buf_t *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0;
    rc_buf_reserve(out, len + 2);
    rc_buf_append_char(out, '"');
    while (i < len) {
        unsigned char c = u[i];
        size_t k = 1;
        if (c >= 0x20 && c != '"' && c != '\\' &&
            (c < 0x80 || (k = rc_utf8_seq_len(u + i, len - i)))) {
            /* Safe bytes are copied in runs, not one by one. */
            i += k;
            run += k;
            continue;
        }
        if (run) rc_buf_append(out, s + i - run, run);
        run = 0;
        if (c >= 0x80) {
            rc_buf_append(out, "\xEF\xBF\xBD", 3);
            i++;
            continue;
        }
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        rc_buf_append(out, esc, n);
        i++;
    }
    if (run) rc_buf_append(out, s + i - run, run);
    rc_buf_append_char(out, '"');
}

size_t rc_json_format_double(double v, char *out)
{
    /* The fewest significant digits (1..17) that read back exactly. Reading
     * back exactly is monotone in the digit count, so a binary search finds
     * the shortest in about four formatting rounds. */
    if (v == floor(v) && fabs(v) < 1e17) {
        /* Integral values as integers: "100", not "1e+02". */
        int n = snprintf(out, 32, "%.0f", v);
        return n > 0 ? (size_t)n : 0;
    }
    int lo = 1, hi = 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        int m = snprintf(out, 32, "%.*g", mid, v);
        if (m > 0 && m < 32 && strtod(out, NULL) == v)
            hi = mid;
        else
            lo = mid + 1;
    }
    int n = snprintf(out, 32, "%.*g", lo, v);
    return n > 0 ? (size_t)n : 0;
}

void rc_jw_init(rc_jw_t *w, rc_buf_t *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
}

static void before_value(rc_jw_t *w)
{
    if (w->depth == 0) {
        RC_ASSERT(!w->complete); /* one top-level value per rc_jw_init */
        return;
    }
    uint64_t bit = 1ULL << (w->depth - 1);
    if (w->is_obj & bit) {
        RC_ASSERT(w->after_key); /* an object member needs rc_jw_key first */
        w->after_key = 0;
        return;
    }
    if (w->has_items & bit) rc_buf_append_char(w->out, ',');
    w->has_items |= bit;
}

static void after_value(rc_jw_t *w)
{
    if (w->depth == 0) w->complete = 1;
}

static void open_level(rc_jw_t *w, int obj)
{
    before_value(w);
    RC_ASSERT(w->depth < RC_JW_MAX_DEPTH);
    uint64_t bit = 1ULL << (w->depth & 63); /* the mask only tells analysers what RC_ASSERT did */
    w->depth++;
    if (obj)
        w->is_obj |= bit;
    else
        w->is_obj &= ~bit;
    w->has_items &= ~bit;
    rc_buf_append_char(w->out, obj ? '{' : '[');
}

static void close_level(rc_jw_t *w, int obj)
{
    RC_ASSERT(w->depth > 0);
    uint64_t bit = 1ULL << (w->depth - 1);
    RC_ASSERT(((w->is_obj & bit) != 0) == (obj != 0));
    RC_ASSERT(!w->after_key); /* a key without its value */
    w->depth--;
    rc_buf_append_char(w->out, obj ? '}' : ']');
    after_value(w);
}

void rc_jw_obj_begin(rc_jw_t *w)
{
    open_level(w, 1);
}

void rc_jw_obj_end(rc_jw_t *w)
{
    close_level(w, 1);
}

void rc_jw_arr_begin(rc_jw_t *w)
{
    open_level(w, 0);
}

void rc_jw_arr_end(rc_jw_t *w)
{
    close_level(w, 0);
}

void rc_jw_keyn(rc_jw_t *w, const char *key, size_t len)
{
    RC_ASSERT(w->depth > 0);
    uint64_t bit = 1ULL << (w->depth - 1);
    RC_ASSERT((w->is_obj & bit) && !w->after_key);
    if (w->has_items & bit) rc_buf_append_char(w->out, ',');
    w->has_items |= bit;
    rc_json_write_str(w->out, key, len);
    rc_buf_append_char(w->out, ':');
    w->after_key = 1;
}

void rc_jw_key(rc_jw_t *w, const char *key)
{
    rc_jw_keyn(w, key, strlen(key));
}

void rc_jw_strn(rc_jw_t *w, const char *s, size_t len)
{
    before_value(w);
    rc_json_write_str(w->out, s, len);
    after_value(w);
}

void rc_jw_str(rc_jw_t *w, const char *s)
{
    if (!s) {
        rc_jw_null(w);
        return;
    }
    rc_jw_strn(w, s, strlen(s));
}

void rc_jw_int(rc_jw_t *w, int64_t v)
{
    before_value(w);
    rc_buf_append_i64(w->out, v);
    after_value(w);
}

void rc_jw_uint(rc_jw_t *w, uint64_t v)
{
    before_value(w);
    rc_buf_append_u64(w->out, v);
    after_value(w);
}

void rc_jw_double(rc_jw_t *w, double v)
{
    if (!isfinite(v)) {
        rc_jw_null(w);
        return;
    }
    char tmp[32];
    size_t n = rc_json_format_double(v, tmp);
    before_value(w);
    rc_buf_append(w->out, tmp, n);
    after_value(w);
}

void rc_jw_bool(rc_jw_t *w, int v)
{
    before_value(w);
    rc_buf_append_str(w->out, v ? "true" : "false");
    after_value(w);
}

void rc_jw_null(rc_jw_t *w)
{
    before_value(w);
    rc_buf_append(w->out, "null", 4);
    after_value(w);
}

void rc_jw_raw(rc_jw_t *w, const char *json, size_t len)
{
    before_value(w);
    rc_buf_append(w->out, json, len);
    after_value(w);
}

void rc_jw_value(rc_jw_t *w, const rc_json_t *v)
{
    switch (rc_json_type(v)) {
    case RC_JSON_NULL: rc_jw_null(w); break;
    case RC_JSON_BOOL: rc_jw_bool(w, v->u.b); break;
    case RC_JSON_NUMBER:
        if (v->is_int)
            rc_jw_int(w, v->u.num.i);
        else
            rc_jw_double(w, v->u.num.d);
        break;
    case RC_JSON_STRING: rc_jw_strn(w, v->u.str.s, v->u.str.len); break;
    case RC_JSON_ARRAY:
        rc_jw_arr_begin(w);
        for (size_t i = 0; i < v->u.arr.len; i++) rc_jw_value(w, v->u.arr.items[i]);
        rc_jw_arr_end(w);
        break;
    case RC_JSON_OBJECT:
        rc_jw_obj_begin(w);
        for (size_t i = 0; i < v->u.obj.len; i++) {
            rc_jw_keyn(w, v->u.obj.items[i].key, v->u.obj.items[i].klen);
            rc_jw_value(w, v->u.obj.items[i].val);
        }
        rc_jw_obj_end(w);
        break;
    }
}

int rc_jw_done(const rc_jw_t *w)
{
    return w->depth == 0 && w->complete && !w->after_key;
}
