/* file.h — the file operations of rayc-synth on the shared volume: read-only
 * mappings of input files and atomic writes of results.
 *
 * A part file or model is written to a temporary name unique to this process
 * and attempt (PATH.tmp.PID.CLOCK.SEQ) and renamed into place, so a reader sees
 * all of it or nothing, and two attempts of a retried task (a worker thought
 * dead may still be running) never interleave their bytes. Errors come back as
 * text naming the path and the system's reason. */
#ifndef RC_FILE_H
#define RC_FILE_H

#include <stddef.h>

#include "err.h"

typedef struct {
    const char *data; /* NULL for an empty file */
    size_t len;
} rc_file_map_t;

/* Maps the regular file at path read-only. */
rc_err_t rc_file_map(const char *path, rc_file_map_t *out, char *err, size_t errcap);
void rc_file_unmap(rc_file_map_t *m);

/* A file being written under its temporary name. */
typedef struct {
    int fd;
    char path[4096];
    char tmp[4200];
} rc_file_atomic_t;

rc_err_t rc_file_atomic_open(rc_file_atomic_t *a, const char *path, char *err, size_t errcap);
rc_err_t rc_file_atomic_write(rc_file_atomic_t *a, const void *data, size_t len, char *err,
                              size_t errcap);
/* Closes and renames into place; on failure the temporary file is removed. */
rc_err_t rc_file_atomic_commit(rc_file_atomic_t *a, char *err, size_t errcap);
/* Closes and removes the temporary file (after a failed write). */
void rc_file_atomic_abort(rc_file_atomic_t *a);

/* Writes data[0..len) to path atomically (open, write, commit). */
rc_err_t rc_file_write_atomic(const char *path, const void *data, size_t len, char *err,
                              size_t errcap);

#endif
