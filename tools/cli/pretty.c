/* pretty.c — indented JSON and YAML; see pretty.h. */
#include "pretty.h"

#include <string.h>
#include <strings.h>

static void pad(rc_buf_t *out, int n)
{
    for (int i = 0; i < n; i++) rc_buf_append_char(out, ' ');
}

static int nonempty_container(const rc_json_t *v)
{
    rc_json_type_t t = rc_json_type(v);
    return (t == RC_JSON_OBJECT || t == RC_JSON_ARRAY) && rc_json_len(v) > 0;
}

/* Scalars and empty containers as compact JSON. */
static void compact(const rc_json_t *v, rc_buf_t *out)
{
    rc_jw_t w;
    rc_jw_init(&w, out);
    rc_jw_value(&w, v);
}

/* ---- JSON ---- */

static void json_at(const rc_json_t *v, int indent, rc_buf_t *out)
{
    if (!nonempty_container(v)) {
        compact(v, out);
        return;
    }
    int obj = rc_json_type(v) == RC_JSON_OBJECT;
    rc_buf_append_char(out, obj ? '{' : '[');
    for (size_t i = 0; i < rc_json_len(v); i++) {
        rc_buf_append_str(out, i ? ",\n" : "\n");
        pad(out, indent + 2);
        if (obj) {
            size_t klen;
            const char *k = rc_json_key_at(v, i, &klen);
            rc_json_write_str(out, k, klen);
            rc_buf_append_str(out, ": ");
            json_at(rc_json_value_at(v, i), indent + 2, out);
        } else {
            json_at(rc_json_at(v, i), indent + 2, out);
        }
    }
    rc_buf_append_char(out, '\n');
    pad(out, indent);
    rc_buf_append_char(out, obj ? '}' : ']');
}

void rc_pretty_json(const rc_json_t *v, rc_buf_t *out)
{
    json_at(v, 0, out);
    rc_buf_append_char(out, '\n');
}

/* ---- YAML ---- */

/* A key or string value: plain when no reader could take it for anything
 * but that string, else JSON-quoted. */
static void text(const char *s, size_t len, rc_buf_t *out)
{
    static const char *const reserved[] = {"true", "false", "yes", "no", "on",
                                           "off",  "null",  "y",   "n",  "~"};
    int plain =
        len > 0 && ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_');
    for (size_t i = 0; plain && i < len; i++) {
        char c = s[i];
        plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.' || c == '/';
    }
    for (size_t i = 0; plain && i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strlen(reserved[i]) == len && strncasecmp(s, reserved[i], len) == 0) plain = 0;
    if (plain)
        rc_buf_append(out, s, len);
    else
        rc_json_write_str(out, s, len);
}

static void scalar(const rc_json_t *v, rc_buf_t *out)
{
    size_t len;
    const char *s = rc_json_str(v, &len);
    if (s)
        text(s, len, out);
    else
        compact(v, out);
}

static void yaml_seq(const rc_json_t *v, int indent, rc_buf_t *out);

/* A mapping whose first line may continue the current one (after "- "). */
static void yaml_map(const rc_json_t *v, int indent, int first_inline, rc_buf_t *out)
{
    for (size_t i = 0; i < rc_json_len(v); i++) {
        size_t klen;
        const char *k = rc_json_key_at(v, i, &klen);
        const rc_json_t *val = rc_json_value_at(v, i);
        if (!(i == 0 && first_inline)) pad(out, indent);
        text(k, klen, out);
        rc_buf_append_char(out, ':');
        if (nonempty_container(val)) {
            rc_buf_append_char(out, '\n');
            if (rc_json_type(val) == RC_JSON_OBJECT)
                yaml_map(val, indent + 2, 0, out);
            else
                yaml_seq(val, indent + 2, out);
        } else {
            rc_buf_append_char(out, ' ');
            scalar(val, out);
            rc_buf_append_char(out, '\n');
        }
    }
}

static void yaml_seq(const rc_json_t *v, int indent, rc_buf_t *out)
{
    for (size_t i = 0; i < rc_json_len(v); i++) {
        const rc_json_t *e = rc_json_at(v, i);
        pad(out, indent);
        rc_buf_append_char(out, '-');
        if (nonempty_container(e) && rc_json_type(e) == RC_JSON_OBJECT) {
            rc_buf_append_char(out, ' ');
            yaml_map(e, indent + 2, 1, out);
        } else if (nonempty_container(e)) {
            rc_buf_append_char(out, '\n');
            yaml_seq(e, indent + 2, out);
        } else {
            rc_buf_append_char(out, ' ');
            scalar(e, out);
            rc_buf_append_char(out, '\n');
        }
    }
}

void rc_pretty_yaml(const rc_json_t *v, int indent, rc_buf_t *out)
{
    if (nonempty_container(v) && rc_json_type(v) == RC_JSON_OBJECT)
        yaml_map(v, indent, 0, out);
    else if (nonempty_container(v))
        yaml_seq(v, indent, out);
    else {
        pad(out, indent);
        scalar(v, out);
        rc_buf_append_char(out, '\n');
    }
}
