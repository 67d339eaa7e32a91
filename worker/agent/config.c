/* config.c — the agent's flags, defaults and validation (see config.h). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "alloc.h"
#include "flags.h"
#include "json.h"
#include "netutil.h"

/* The raw values the flag parser fills in; strings point into argv. */
typedef struct {
    const char *address, *password, *resources, *labels, *group, *node_ip, *temp_dir, *node_name;
    const char *dashboard_host, *storage;
    int64_t num_cpus, num_gpus, memory, object_store_memory, dashboard_port, metrics_port;
    int64_t num_executors;
    int block;
    int seen_cpus, seen_memory, seen_object_store;
} raw_t;

#define NFLAGS 18

/* One table for parsing and for --help, so they never disagree. */
static void flag_table(raw_t *r, rc_flag_t out[NFLAGS])
{
    const rc_flag_t t[NFLAGS] = {
        {"address", RC_FLAG_STRING, &r->address,
         "the head's GCS address (default: $RAY_ADDRESS); ray://HOST[:PORT] also accepted",
         "HOST:PORT", 0, 0, NULL},
        {"redis-password", RC_FLAG_STRING, &r->password, "the head's password (AUTH)", "PW", 0, 0,
         NULL},
        {"num-cpus", RC_FLAG_INT, &r->num_cpus, "CPUs this node offers (default: its cores)", "N",
         0, 1000000, &r->seen_cpus},
        {"num-gpus", RC_FLAG_INT, &r->num_gpus, "GPUs this node offers (default: 0)", "N", 0,
         100000, NULL},
        {"memory", RC_FLAG_BYTES, &r->memory,
         "memory for tasks (default: 70% of the available memory)", "BYTES", 0,
         (double)RC_RES_MAX_UNITS, &r->seen_memory},
        {"object-store-memory", RC_FLAG_BYTES, &r->object_store_memory,
         "object store size (default: 30% of the available memory)", "BYTES", 0,
         (double)RC_RES_MAX_UNITS, &r->seen_object_store},
        {"resources", RC_FLAG_STRING, &r->resources,
         "custom resources as JSON, e.g. '{\"accel\": 2}'", "JSON", 0, 0, NULL},
        {"labels", RC_FLAG_STRING, &r->labels, "node labels as JSON, e.g. '{\"zone\": \"a\"}'",
         "JSON", 0, 0, NULL},
        {"group", RC_FLAG_STRING, &r->group, "worker group of this node (default: default)", "NAME",
         0, 0, NULL},
        {"node-ip-address", RC_FLAG_STRING, &r->node_ip,
         "address other nodes reach this one at (default: first non-loopback IPv4)", "IP", 0, 0,
         NULL},
        {"node-name", RC_FLAG_STRING, &r->node_name,
         "the name this node registers as (its hostname in listings; default: the host "
         "name); the Helm chart passes the pod name",
         "NAME", 0, 0, NULL},
        {"temp-dir", RC_FLAG_STRING, &r->temp_dir,
         "directory for logs and pid files (default: /tmp/ray)", "DIR", 0, 0, NULL},
        {"storage", RC_FLAG_STRING, &r->storage,
         "the cluster's shared directory (the head's --storage, mounted here): the object "
         "store spills to its spill/ (default: TEMP-DIR/spill)",
         "DIR", 0, 0, NULL},
        {"block", RC_FLAG_BOOL, &r->block, "stay in the foreground", NULL, 0, 0, NULL},
        {"num-executors", RC_FLAG_INT, &r->num_executors,
         "task slots: executor processes and commands run at once (default: --num-cpus)", "N", 1,
         4096, NULL},
        /* Head-only flags a shared rayStartParams block may also hand to workers:
         * accepted so such charts work, and ignored (documented in worker/README.md). */
        {"dashboard-host", RC_FLAG_STRING, &r->dashboard_host,
         "accepted for Ray compatibility, unused", "IP", 0, 0, NULL},
        {"dashboard-port", RC_FLAG_INT, &r->dashboard_port,
         "accepted for Ray compatibility, unused", "PORT", 0, 65535, NULL},
        {"metrics-export-port", RC_FLAG_INT, &r->metrics_port,
         "accepted for Ray compatibility, unused", "PORT", 0, 65535, NULL},
    };
    memcpy(out, t, sizeof(t));
}

void rc_agent_config_help(rc_buf_t *out)
{
    raw_t r;
    rc_flag_t flags[NFLAGS];
    memset(&r, 0, sizeof(r));
    flag_table(&r, flags);
    rc_flags_help(flags, NFLAGS, out);
}

/* ---- machine facts ---- */

/* Reads a small file whole into buf (NUL-terminated); 0 on success. */
static int read_small(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    return 0;
}

void rc_agent_host_probe(rc_agent_host_t *h)
{
    char buf[8192], lim[64], use[64];
    int64_t avail = 0, cg;
    memset(h, 0, sizeof(*h));
    h->cpus = (int64_t)uv_available_parallelism();
    if (read_small("/sys/fs/cgroup/cpu.max", buf, sizeof(buf)) == 0) {
        int64_t q = rc_agent_cgroup_cpus(buf);
        if (q > 0 && q < h->cpus) h->cpus = q;
    }
    if (h->cpus < 1) h->cpus = 1;
    if (read_small("/proc/meminfo", buf, sizeof(buf)) == 0 &&
        rc_agent_meminfo_available(buf, &avail) != RC_OK)
        avail = 0;
    /* In a container MemAvailable describes the host; the cgroup says what is ours. */
    if ((read_small("/sys/fs/cgroup/memory.max", lim, sizeof(lim)) == 0 &&
         read_small("/sys/fs/cgroup/memory.current", use, sizeof(use)) == 0) ||
        (read_small("/sys/fs/cgroup/memory/memory.limit_in_bytes", lim, sizeof(lim)) == 0 &&
         read_small("/sys/fs/cgroup/memory/memory.usage_in_bytes", use, sizeof(use)) == 0)) {
        if (rc_agent_cgroup_memory(lim, use, &cg) && (avail == 0 || cg < avail)) avail = cg;
    }
    h->mem_available = avail;
    rc_net_default_ip(h->ip, sizeof(h->ip));
    if (gethostname(h->hostname, sizeof(h->hostname) - 1) != 0)
        snprintf(h->hostname, sizeof(h->hostname), "localhost");
    h->ray_address = getenv("RAY_ADDRESS");
    h->reconnect_timeout = getenv("RAYC_WORKER_RECONNECT_TIMEOUT_S");
}

/* ---- pure parsers ---- */

/* Finds "Name:   1234 kB" at a line start; 1 and *kb set when present. */
static int meminfo_field(const char *text, const char *name, int64_t *kb)
{
    size_t nlen = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, nlen) != 0 || p[nlen] != ':') continue;
        char *end;
        errno = 0;
        long long v = strtoll(p + nlen + 1, &end, 10);
        if (end == p + nlen + 1 || errno || v < 0) return 0;
        *kb = v;
        return 1;
    }
    return 0;
}

rc_err_t rc_agent_meminfo_available(const char *meminfo, int64_t *bytes)
{
    int64_t a, f, b, c;
    if (!meminfo) return RC_ENOTFOUND;
    if (meminfo_field(meminfo, "MemAvailable", &a)) {
        *bytes = a * 1024;
        return RC_OK;
    }
    if (meminfo_field(meminfo, "MemFree", &f) && meminfo_field(meminfo, "Buffers", &b) &&
        meminfo_field(meminfo, "Cached", &c)) {
        *bytes = (f + b + c) * 1024;
        return RC_OK;
    }
    return RC_ENOTFOUND;
}

/* A whole non-negative decimal number, optionally followed by whitespace. */
static int parse_u63(const char *s, int64_t *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9') return 0;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || v < 0) return 0;
    while (*end == ' ' || *end == '\n' || *end == '\t') end++;
    if (*end) return 0;
    *out = v;
    return 1;
}

int rc_agent_cgroup_memory(const char *limit, const char *usage, int64_t *bytes)
{
    int64_t l, u;
    if (!parse_u63(limit, &l) || !parse_u63(usage, &u)) return 0;
    /* cgroup v1 writes "no limit" as a huge page-rounded number. */
    if (l >= (INT64_C(1) << 60)) return 0;
    *bytes = l > u ? l - u : 0;
    return 1;
}

int64_t rc_agent_cgroup_cpus(const char *cpu_max)
{
    long long quota, period;
    if (!cpu_max || sscanf(cpu_max, "%lld %lld", &quota, &period) != 2) return 0;
    if (quota <= 0 || period <= 0) return 0;
    return (int64_t)((quota + period - 1) / period);
}

rc_err_t rc_agent_resources_parse(const char *json, rc_res_t *out, char *err, size_t errcap)
{
    static const struct {
        const char *name, *flag;
    } predefined[] = {{"CPU", "--num-cpus"},
                      {"GPU", "--num-gpus"},
                      {"memory", "--memory"},
                      {"object_store_memory", "--object-store-memory"}};
    rc_json_t *root = NULL;
    char jerr[200];
    rc_res_init(out);
    rc_err_t e = rc_json_parse(json, strlen(json), &root, jerr, sizeof(jerr));
    if (e != RC_OK) {
        snprintf(err, errcap, "--resources is not valid JSON: %s (example: '{\"accel\": 2}')",
                 jerr);
        return RC_EINVAL;
    }
    for (size_t i = 0; i < rc_json_len(root) && rc_json_type(root) == RC_JSON_OBJECT; i++) {
        const char *key = rc_json_key_at(root, i, NULL);
        for (size_t k = 0; k < sizeof(predefined) / sizeof(predefined[0]); k++) {
            if (strcmp(key, predefined[k].name) != 0) continue;
            snprintf(err, errcap,
                     "--resources must not contain \"%s\": use %s instead (as in Ray, the "
                     "predefined resources have their own flags)",
                     predefined[k].name, predefined[k].flag);
            rc_json_free(root);
            return RC_EINVAL;
        }
    }
    char rerr[200];
    e = rc_res_from_json(root, out, rerr, sizeof(rerr));
    rc_json_free(root);
    if (e != RC_OK) {
        snprintf(err, errcap, "--resources: %s", rerr);
        return RC_EINVAL;
    }
    return RC_OK;
}

/* [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])? of at most max characters; empty is
 * accepted only when allow_empty. */
static int label_word_ok(const char *s, size_t n, size_t max, int allow_empty)
{
    if (n == 0) return allow_empty;
    if (n > max) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (alnum) continue;
        if ((c == '-' || c == '_' || c == '.') && i > 0 && i + 1 < n) continue;
        return 0;
    }
    return 1;
}

/* A DNS subdomain: dot-separated lower-case labels of [a-z0-9-], each starting
 * and ending alphanumeric, 253 characters at most. */
static int dns_subdomain_ok(const char *s, size_t n)
{
    if (n == 0 || n > RC_AGENT_LABEL_PREFIX_MAX) return 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return 0;
            continue;
        }
        if (i == start || s[start] == '-' || s[i - 1] == '-' || i - start > 63) return 0;
        start = i + 1;
    }
    return 1;
}

static rc_err_t check_label(const char *key, size_t klen, const char *val, size_t vlen, char *err,
                            size_t errcap)
{
    char qk[80];
    rc_buf_t b = RC_BUF_INIT;
    rc_json_write_str(&b, key, klen > 60 ? 60 : klen);
    snprintf(qk, sizeof(qk), "%s%s", b.data, klen > 60 ? "..." : "");
    rc_buf_free(&b);
    if (strlen(key) != klen || klen == 0) {
        snprintf(err, errcap, "--labels: a label key must not be empty or contain NUL");
        return RC_EINVAL;
    }
    if (strncmp(key, "ray.io/", 7) == 0) {
        snprintf(err, errcap,
                 "--labels: key %s uses the prefix \"ray.io/\", which is reserved for labels "
                 "that Ray sets itself: choose another prefix",
                 qk);
        return RC_EINVAL;
    }
    const char *slash = memchr(key, '/', klen);
    const char *name = slash ? slash + 1 : key;
    size_t nlen = slash ? klen - (size_t)(name - key) : klen;
    if (slash && !dns_subdomain_ok(key, (size_t)(slash - key))) {
        snprintf(err, errcap,
                 "--labels: the prefix of key %s must be a DNS subdomain (lower-case letters, "
                 "digits, '-' and '.', at most %d characters), like \"example.com/zone\"",
                 qk, RC_AGENT_LABEL_PREFIX_MAX);
        return RC_EINVAL;
    }
    if (!label_word_ok(name, nlen, RC_AGENT_LABEL_NAME_MAX, 0)) {
        snprintf(err, errcap,
                 "--labels: key %s is invalid: the name (after an optional \"prefix/\") must be "
                 "1-%d characters of letters, digits, '-', '_' and '.', starting and ending "
                 "with a letter or digit",
                 qk, RC_AGENT_LABEL_NAME_MAX);
        return RC_EINVAL;
    }
    if (strlen(val) != vlen || !label_word_ok(val, vlen, RC_AGENT_LABEL_VALUE_MAX, 1)) {
        snprintf(err, errcap,
                 "--labels: the value of %s is invalid: use at most %d characters of letters, "
                 "digits, '-', '_' and '.', starting and ending with a letter or digit (or an "
                 "empty string)",
                 qk, RC_AGENT_LABEL_VALUE_MAX);
        return RC_EINVAL;
    }
    return RC_OK;
}

void rc_agent_labels_free(rc_agent_label_t *labels, size_t n)
{
    for (size_t i = 0; labels && i < n; i++) {
        rc_free(labels[i].key);
        rc_free(labels[i].value);
    }
    rc_free(labels);
}

rc_err_t rc_agent_labels_parse(const char *json, rc_agent_label_t **out, size_t *n, char *err,
                               size_t errcap)
{
    rc_json_t *root = NULL;
    char jerr[200];
    rc_agent_label_t *labels = NULL;
    size_t count = 0;
    rc_err_t e;
    *out = NULL;
    *n = 0;
    if (rc_json_parse(json, strlen(json), &root, jerr, sizeof(jerr)) != RC_OK) {
        snprintf(err, errcap, "--labels is not valid JSON: %s (example: '{\"zone\": \"a\"}')",
                 jerr);
        return RC_EINVAL;
    }
    if (rc_json_type(root) != RC_JSON_OBJECT) {
        snprintf(err, errcap,
                 "--labels must be a JSON object of string values, like '{\"zone\": \"a\"}', "
                 "got %s",
                 rc_json_type_name(rc_json_type(root)));
        e = RC_EINVAL;
        goto fail;
    }
    size_t total = rc_json_len(root);
    if (total > RC_AGENT_MAX_LABELS) {
        snprintf(err, errcap, "--labels: %zu labels given, at most %d are allowed", total,
                 RC_AGENT_MAX_LABELS);
        e = RC_EINVAL;
        goto fail;
    }
    labels = rc_calloc(total ? total : 1, sizeof(*labels));
    for (size_t i = 0; i < total; i++) {
        size_t klen, vlen = 0;
        const char *key = rc_json_key_at(root, i, &klen);
        const rc_json_t *v = rc_json_value_at(root, i);
        const char *val = rc_json_str(v, &vlen);
        if (!val) {
            char qk[80];
            rc_buf_t b = RC_BUF_INIT;
            rc_json_write_str(&b, key, klen > 60 ? 60 : klen);
            snprintf(qk, sizeof(qk), "%s", b.data);
            rc_buf_free(&b);
            snprintf(err, errcap, "--labels: the value of %s must be a string, got %s", qk,
                     rc_json_type_name(rc_json_type(v)));
            e = RC_EINVAL;
            goto fail;
        }
        e = check_label(key, klen, val, vlen, err, errcap);
        if (e != RC_OK) goto fail;
        /* A repeated key: the last value wins, as in a Python dict. */
        size_t j;
        for (j = 0; j < count && strcmp(labels[j].key, key) != 0; j++) {
        }
        if (j < count) {
            rc_free(labels[j].value);
            labels[j].value = rc_strndup(val, vlen);
            continue;
        }
        labels[count].key = rc_strndup(key, klen);
        labels[count].value = rc_strndup(val, vlen);
        count++;
    }
    rc_json_free(root);
    *out = labels;
    *n = count;
    return RC_OK;
fail:
    rc_agent_labels_free(labels, count);
    rc_json_free(root);
    return e;
}

int rc_agent_group_valid(const char *name)
{
    return name && label_word_ok(name, strlen(name), RC_AGENT_GROUP_MAX, 0);
}

/* ---- the whole configuration ---- */

void rc_agent_config_free(rc_agent_config_t *cfg)
{
    if (!cfg) return;
    if (cfg->password) explicit_bzero(cfg->password, strlen(cfg->password));
    rc_free(cfg->password);
    rc_free(cfg->temp_dir);
    rc_free(cfg->storage);
    rc_res_free(&cfg->total);
    rc_agent_labels_free(cfg->labels, cfg->nlabels);
    memset(cfg, 0, sizeof(*cfg));
}

/* Seconds from the environment as milliseconds; def when absent. */
static rc_err_t env_seconds(const char *text, const char *name, uint64_t def, uint64_t *out,
                            char *err, size_t errcap)
{
    double v;
    if (!text || !*text) {
        *out = def;
        return RC_OK;
    }
    if (rc_str_to_double(text, strlen(text), &v) != RC_OK || v <= 0 || v > 86400) {
        snprintf(err, errcap, "%s must be a number of seconds in (0, 86400], got '%.40s'", name,
                 text);
        return RC_EINVAL;
    }
    *out = (uint64_t)(v * 1000);
    return RC_OK;
}

rc_err_t rc_agent_config_from_flags(int argc, char **argv, const rc_agent_host_t *host,
                                    rc_agent_config_t *cfg, int *help, char *err, size_t errcap)
{
    raw_t r;
    rc_flag_t flags[NFLAGS];
    rc_flags_result_t res;
    rc_err_t e = RC_EINVAL;
    char aerr[256];
    memset(cfg, 0, sizeof(*cfg));
    rc_res_init(&cfg->total);
    memset(&r, 0, sizeof(r));
    *help = 0;
    flag_table(&r, flags);
    if (rc_flags_parse(flags, NFLAGS, argc, argv, 0, &res) != RC_OK) {
        snprintf(err, errcap, "%s", res.error);
        rc_flags_result_free(&res);
        return RC_EINVAL;
    }
    if (res.help) {
        *help = 1;
        rc_flags_result_free(&res);
        return RC_OK;
    }
    if (res.npos > 0) {
        snprintf(err, errcap, "unexpected argument '%.60s' (see --help)", res.pos[0]);
        rc_flags_result_free(&res);
        return RC_EINVAL;
    }
    rc_flags_result_free(&res);

    const char *addr = r.address && *r.address ? r.address : host->ray_address;
    if (!addr || !*addr) {
        snprintf(err, errcap,
                 "no head address: pass --address=HOST:6379 (the head's GCS port) or set "
                 "RAY_ADDRESS; to start a head, use --head");
        goto fail;
    }
    if (rc_addr_parse(addr, &cfg->head, aerr, sizeof(aerr)) != RC_OK) {
        snprintf(err, errcap, "--address: %s", aerr);
        goto fail;
    }
    /* ray://HOST means the client port, which has no node commands: a worker
     * joins through the GCS port of the same head. */
    if (cfg->head.ray_client && cfg->head.port == RC_CLIENT_DEFAULT_PORT)
        cfg->head.port = RC_GCS_DEFAULT_PORT;
    rc_addr_format(&cfg->head, cfg->head_text, sizeof(cfg->head_text));

    if (r.password && *r.password) cfg->password = rc_strdup(r.password);

    int64_t def_mem, def_os;
    rc_res_default_memory(host->mem_available, &def_mem, &def_os);
    int64_t cpus = r.seen_cpus ? r.num_cpus : host->cpus;
    int64_t memory = r.seen_memory ? r.memory : def_mem;
    int64_t os = r.seen_object_store ? r.object_store_memory : def_os;
    if (r.resources && rc_agent_resources_parse(r.resources, &cfg->total, err, errcap) != RC_OK)
        goto fail;
    if (rc_res_set(&cfg->total, "CPU", RC_RES_UNITS(cpus)) != RC_OK ||
        rc_res_set(&cfg->total, "GPU", RC_RES_UNITS(r.num_gpus)) != RC_OK ||
        rc_res_set(&cfg->total, "memory", RC_RES_UNITS(memory)) != RC_OK ||
        rc_res_set(&cfg->total, "object_store_memory", RC_RES_UNITS(os)) != RC_OK) {
        snprintf(err, errcap, "resource amounts out of range");
        goto fail;
    }
    if (rc_res_is_zero(&cfg->total)) {
        snprintf(err, errcap,
                 "this node would offer no resources at all: give --num-cpus, --memory or "
                 "--resources");
        goto fail;
    }

    if (r.labels &&
        rc_agent_labels_parse(r.labels, &cfg->labels, &cfg->nlabels, err, errcap) != RC_OK)
        goto fail;

    const char *group = r.group ? r.group : "default";
    if (!rc_agent_group_valid(group)) {
        snprintf(err, errcap,
                 "--group '%.64s' is invalid: use 1-%d characters of letters, digits, '-', '_' "
                 "and '.', starting and ending with a letter or digit",
                 group, RC_AGENT_GROUP_MAX);
        goto fail;
    }
    snprintf(cfg->group, sizeof(cfg->group), "%s", group);

    if (r.node_ip) {
        static const char ok_chars[] = "0123456789abcdefghijklmnopqrstuvwxyz"
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ.:-_%";
        if (!*r.node_ip || strlen(r.node_ip) >= sizeof(cfg->node_ip) ||
            strspn(r.node_ip, ok_chars) != strlen(r.node_ip)) {
            snprintf(err, errcap, "--node-ip-address '%.64s' is not an IP address or host name",
                     r.node_ip);
            goto fail;
        }
        snprintf(cfg->node_ip, sizeof(cfg->node_ip), "%s", r.node_ip);
    } else {
        snprintf(cfg->node_ip, sizeof(cfg->node_ip), "%s", host->ip[0] ? host->ip : "127.0.0.1");
    }
    if (r.node_name) {
        /* The head keeps at most RC_NODE_STR_MAX (255) bytes of it and the
         * operator matches it against pod names (at most 253). */
        size_t len = strlen(r.node_name), i;
        for (i = 0; i < len && (unsigned char)r.node_name[i] > 0x20 && r.node_name[i] != 0x7f;
             i++) {
        }
        if (len == 0 || len > RC_AGENT_NODE_NAME_MAX || i < len) {
            snprintf(err, errcap,
                     "--node-name '%.64s' is invalid: use 1-%d printable characters without "
                     "spaces (e.g. the pod name)",
                     r.node_name, RC_AGENT_NODE_NAME_MAX);
            goto fail;
        }
        snprintf(cfg->hostname, sizeof(cfg->hostname), "%s", r.node_name);
    } else {
        snprintf(cfg->hostname, sizeof(cfg->hostname), "%s",
                 host->hostname[0] ? host->hostname : "localhost");
    }

    const char *temp_dir = r.temp_dir ? r.temp_dir : "/tmp/ray";
    if (!*temp_dir || strlen(temp_dir) > 3000) {
        snprintf(err, errcap, "--temp-dir must be a directory path (at most 3000 bytes)");
        goto fail;
    }
    cfg->temp_dir = rc_strdup(temp_dir);
    if (r.storage && (!*r.storage || strlen(r.storage) > 3000)) {
        snprintf(err, errcap, "--storage must be a directory path (at most 3000 bytes)");
        goto fail;
    }
    cfg->storage = r.storage ? rc_strdup(r.storage) : NULL;
    cfg->block = r.block;
    cfg->num_executors = r.num_executors;
    cfg->start_timeout_ms = RC_AGENT_START_TIMEOUT_MS;
    if (env_seconds(host->reconnect_timeout, "RAYC_WORKER_RECONNECT_TIMEOUT_S",
                    RC_AGENT_RECONNECT_TIMEOUT_MS, &cfg->reconnect_timeout_ms, err,
                    errcap) != RC_OK)
        goto fail;
    return RC_OK;
fail:
    rc_agent_config_free(cfg);
    rc_res_init(&cfg->total);
    return e;
}
