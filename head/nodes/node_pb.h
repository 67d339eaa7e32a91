/* node_pb.h — NodeInfo and ResourceReport protobufs ↔ node records, with the
 * validation of everything a worker sends (docs/protocol.md).
 *
 * Pure: bytes in, a record or an error message out. Every error says which
 * field was wrong and what to send instead; messages have no RESP code (the
 * command layer adds "ERR " or "NODEVERSION ") and never contain CR/LF, since
 * peer text in them is quoted with control bytes replaced.
 *
 * Decoding goes through an arena (rc_node_arena_t) so the frequent NODE.REPORT
 * costs no malloc: protobuf-c allocates from a preallocated block that is
 * rewound after each message; larger messages fall back to the heap. */
#ifndef RC_NODE_PB_H
#define RC_NODE_PB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "node.h"

/* Limits of what a worker may send. */
#define RC_NODE_MAX_PAYLOAD     ((size_t)1 << 20) /* bytes of one NodeInfo / ResourceReport */
#define RC_NODE_MAX_LABELS      64
#define RC_NODE_MAX_RESOURCES   256 /* entries of one Resources message */
#define RC_NODE_GROUP_MAX       63
#define RC_NODE_STR_MAX         255 /* node_ip, hostname, version, death_reason */
#define RC_NODE_LABEL_KEY_MAX   253
#define RC_NODE_LABEL_VALUE_MAX 253

typedef struct {
    char *base; /* owned */
    size_t cap, used;
} rc_node_arena_t;

void rc_node_arena_init(rc_node_arena_t *a, size_t cap);
void rc_node_arena_free(rc_node_arena_t *a);

typedef enum {
    RC_NODE_PB_REGISTER, /* from NODE.REGISTER: head-filled fields are ignored */
    RC_NODE_PB_STORED    /* from the storage backend: state, death_reason, end_time kept;
                            no protocol version check (the head wrote it) */
} rc_node_pb_mode_t;

/* 1 when name matches [A-Za-z0-9_.-]{1,63}. */
int rc_node_group_valid(const char *name);

/* Decodes and validates a NodeInfo into out, which the call initialises (it is
 * left empty on error, so rc_node_clear is always safe). *has_available is set
 * when the message carried available resources (else out->available is
 * empty). Errors: RC_EPROTO (not a NodeInfo), RC_EVERSION (protocol_version
 * newer or older than this head speaks), RC_EINVAL (a field; err says which). */
rc_err_t rc_node_from_pb(const void *pb, size_t len, rc_node_pb_mode_t mode, rc_node_arena_t *a,
                         rc_node_t *out, int *has_available, char *err, size_t errcap);

/* Appends n as a serialized NodeInfo; with_available 0 leaves out the available
 * resources and last_report_ms (what storage keeps: they change every report). */
void rc_node_to_pb(const rc_node_t *n, int with_available, rc_buf_t *out);

typedef struct {
    rc_id_t id;
    uint64_t seq;
    int has_available; /* the report carried available resources */
    size_t nworkers;   /* workers the report listed (more than were decoded when over the cap) */
} rc_node_report_t;

/* Decodes and validates a ResourceReport. avail (initialised) is overwritten
 * with the reported amounts when has_available, reusing its memory; workers
 * (zeroed or from an earlier call) with the first RC_NODE_MAX_WORKERS listed
 * executors, reusing its array (the rest are neither decoded nor checked).
 * A worker entry is refused (RC_EINVAL) when worker_id is not 16 bytes,
 * task_id is neither empty nor 16 bytes, or pid or start_time_ms is negative.
 * Errors as rc_node_from_pb; on error *avail and *workers hold no meaningful
 * value. */
rc_err_t rc_node_report_from_pb(const void *pb, size_t len, rc_node_arena_t *a,
                                rc_node_report_t *out, rc_res_t *avail, rc_node_workers_t *workers,
                                char *err, size_t errcap);

#endif
