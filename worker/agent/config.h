/* config.h — the node agent's configuration: `rayc start --address=…` flags,
 * their defaults (as Ray computes them) and their validation.
 *
 * Owns: rc_agent_config_t (what the agent needs to register and run) and the
 * pure functions that build it. Nothing here touches the network; the facts
 * about the machine (cores, available memory, default IP, environment) are
 * gathered once by rc_agent_host_probe into rc_agent_host_t and passed in, so
 * every default and every error can be unit-tested from strings.
 *
 * Defaults, as `ray start` computes them:
 *   --num-cpus             the usable cores, capped by a cgroup CPU quota (rounded up)
 *   --num-gpus             0
 *   --memory               70% of the available memory (MemAvailable, or the cgroup
 *                          limit minus its usage when that is smaller)
 *   --object-store-memory  30% of the available memory, at most 200 GB
 *   --group                "default"
 *   --node-ip-address      the first non-loopback IPv4 address
 *   --node-name            the host name (gethostname); registered as the node's hostname
 *   --temp-dir             /tmp/ray
 *   --storage              none: the object store spills to TEMP-DIR/spill
 * --resources must not name CPU, GPU, memory or object_store_memory (use the
 * dedicated flags, as Ray says). --labels is a JSON object of string values;
 * keys and values follow Ray's (Kubernetes') label syntax and keys may not use
 * the reserved "ray.io/" prefix. */
#ifndef RC_AGENT_CONFIG_H
#define RC_AGENT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "err.h"
#include "res.h"

#define RC_AGENT_GROUP_MAX        63
#define RC_AGENT_LABEL_NAME_MAX   63
#define RC_AGENT_LABEL_PREFIX_MAX 253
#define RC_AGENT_LABEL_VALUE_MAX  63
#define RC_AGENT_MAX_LABELS       64
#define RC_AGENT_NODE_NAME_MAX    253 /* a Kubernetes pod name's limit */

#define RC_AGENT_RECONNECT_TIMEOUT_MS 60000
#define RC_AGENT_START_TIMEOUT_MS     10000

typedef struct {
    char *key, *value; /* owned */
} rc_agent_label_t;

/* Facts about this machine and process (see rc_agent_host_probe). */
typedef struct {
    int64_t cpus;          /* usable cores (affinity and cgroup quota applied), >= 1 */
    int64_t mem_available; /* bytes the node may use; 0 when unknown */
    char ip[64];           /* default node IP */
    char hostname[256];
    const char *ray_address;       /* $RAY_ADDRESS or NULL */
    const char *reconnect_timeout; /* $RAYC_WORKER_RECONNECT_TIMEOUT_S or NULL */
} rc_agent_host_t;

typedef struct {
    rc_addr_t head;           /* the head's GCS address */
    char head_text[280];      /* "host:port", for messages */
    char *password;           /* owned; NULL when none */
    rc_res_t total;           /* everything this node offers */
    rc_agent_label_t *labels; /* owned, in the order given */
    size_t nlabels;
    char group[RC_AGENT_GROUP_MAX + 1];
    char node_ip[64];
    char hostname[256]; /* --node-name, else the host name: what the node registers as */
    char *temp_dir;     /* owned */
    char *storage;      /* --storage (owned) or NULL: the object store spills under it */
    int block;
    int64_t num_executors;         /* --num-executors; 0: one per whole CPU (at least 1) */
    uint64_t reconnect_timeout_ms; /* give up after losing the head this long */
    uint64_t start_timeout_ms;     /* give up on the first registration after this long */
} rc_agent_config_t;

/* Gathers rc_agent_host_t from /proc/meminfo, the cgroup files, libuv and the
 * environment. The strings it points to live as long as the environment. */
void rc_agent_host_probe(rc_agent_host_t *h);

/* Parses the flags (argv[0..argc), program name excluded) into cfg, applying
 * the defaults from host. Returns RC_OK; RC_EINVAL with err saying what was
 * wrong (the flag parser's text for syntax errors). *help is set (and cfg left
 * empty) when --help was given. cfg is always safe to rc_agent_config_free. */
rc_err_t rc_agent_config_from_flags(int argc, char **argv, const rc_agent_host_t *host,
                                    rc_agent_config_t *cfg, int *help, char *err, size_t errcap);
/* Appends the --help text of the flags. */
void rc_agent_config_help(rc_buf_t *out);
void rc_agent_config_free(rc_agent_config_t *cfg);

/* MemAvailable from the text of /proc/meminfo, in bytes; on kernels without it
 * MemFree + Buffers + Cached. RC_ENOTFOUND when the text has none of these. */
rc_err_t rc_agent_meminfo_available(const char *meminfo, int64_t *bytes);
/* cgroup memory left: limit (memory.max of v2, or memory.limit_in_bytes of v1)
 * minus usage (memory.current / memory.usage_in_bytes). Returns 1 and sets
 * *bytes (>= 0) when a limit applies; 0 for "max", absurd v1 "no limit" values
 * or unreadable text. */
int rc_agent_cgroup_memory(const char *limit, const char *usage, int64_t *bytes);
/* CPUs allowed by a cgroup v2 cpu.max ("QUOTA PERIOD" or "max PERIOD"), rounded
 * up as Ray does; 0 when unlimited or unreadable. */
int64_t rc_agent_cgroup_cpus(const char *cpu_max);

/* --resources: a JSON object of custom resources (rc_res_parse_json) that must
 * not contain the predefined CPU/GPU/memory/object_store_memory. out is
 * initialised by the call and empty on error. */
rc_err_t rc_agent_resources_parse(const char *json, rc_res_t *out, char *err, size_t errcap);
/* --labels: a JSON object of string values. On success *out and *n hold owned
 * labels (free with rc_agent_labels_free). */
rc_err_t rc_agent_labels_parse(const char *json, rc_agent_label_t **out, size_t *n, char *err,
                               size_t errcap);
void rc_agent_labels_free(rc_agent_label_t *labels, size_t n);
/* 1 when name is a usable worker-group name: 1..63 characters of
 * [A-Za-z0-9_.-], starting and ending with a letter or digit. */
int rc_agent_group_valid(const char *name);

#endif
