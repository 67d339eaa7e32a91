/* node_version.h — the version of the worker ↔ head node protocol
 * (docs/protocol.md, shared/proto/node.proto).
 *
 * A worker sends its RC_NODE_PROTOCOL_VERSION in NodeInfo.protocol_version; the
 * head refuses a version newer than its own (-NODEVERSION) and one below
 * RC_NODE_PROTOCOL_MIN_VERSION (0 means the field was not set). Raise it when a
 * change to the messages or commands would be misread by an older peer. */
#ifndef RC_NODE_VERSION_H
#define RC_NODE_VERSION_H

#define RC_NODE_PROTOCOL_VERSION     1
#define RC_NODE_PROTOCOL_MIN_VERSION 1

#endif
