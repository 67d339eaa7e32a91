/* static.h — the dashboard's web UI: files of one directory served over GET/HEAD.
 *
 * Safety. No file outside the root can be read. The path a request names
 * (already percent-decoded by http.c, which refuses %00) is refused with 400
 * when a segment is "." or "..", a segment inside it is empty ("//"), or it
 * holds a backslash. The candidate is then resolved with realpath() and must be
 * the root or lie under root + "/": a symlink inside the root that points
 * outside it is a 404, one that points inside it is followed. The file is opened
 * O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK (a FIFO cannot block the loop) and
 * must be a regular file of at most RC_STATIC_MAX_FILE bytes (else 404 / 500).
 * Request bodies are bounded by the HTTP server (413, see http.h).
 *
 * Answers. "/" and a path naming a directory serve its index.html; a directory
 * without one is a 404. Content-Type comes from the file name's extension
 * (text types with charset=utf-8; unknown ones application/octet-stream); every
 * answer carries "Cache-Control: no-cache" and "X-Content-Type-Options: nosniff".
 * Methods other than GET and HEAD are answered 405 with "Allow: GET, HEAD". HEAD
 * is answered like GET: nng's server drops the body of an answer to HEAD and
 * keeps its Content-Length.
 *
 * Threads. Everything runs on the head's loop thread: files are read there,
 * whole, with blocking read(2). The UI's files are small (tens of KiB) and on
 * a local disk, so this costs less than handing them to another thread. */
#ifndef RC_STATIC_H
#define RC_STATIC_H

#include <stddef.h>

#include "err.h"
#include "http.h"

/* Largest file served (a bigger one is answered 500 and logged). */
#define RC_STATIC_MAX_FILE ((size_t)8 << 20)

typedef struct rc_static rc_static_t;

/* root: directory of the web UI, resolved once with realpath. Fails with
 * RC_ENOTFOUND when it does not exist or is not a directory, RC_EIO when it
 * cannot be read; err then says what was wrong and what to do. */
rc_err_t rc_static_new(const char *root, rc_static_t **out, char *err, size_t errcap);
void rc_static_free(rc_static_t *s);
/* The resolved root. */
const char *rc_static_root(const rc_static_t *s);

/* Serves req from the root and returns 1 (req answered and freed), or returns
 * 0 without touching req when its path is not a static one: "/api", "/metrics",
 * "/-" and everything under them belong to other routes. */
int rc_static_serve(rc_static_t *s, rc_http_req_t *req);

/* Where the UI is: $RAYC_DASHBOARD_WEB_DIR if set and not empty, else
 * <directory of this executable>/../share/rayc/dashboard/web if that is a
 * directory, else the source tree's dashboard/web (compiled in). */
void rc_static_default_root(char *out, size_t cap);

#endif
