/* job_store.c — atomic job records on the shared volume. */
#include "job_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "daemon.h"
#include "fdio.h"
#include "log.h"

#define RECORD_MAX (16u << 20)

void rc_job_store_path(const char *storage, const char *sid, const char *leaf, char *out,
                       size_t cap)
{
    if (leaf)
        snprintf(out, cap, "%s/jobs/%s/%s", storage, sid, leaf);
    else if (sid)
        snprintf(out, cap, "%s/jobs/%s", storage, sid);
    else
        snprintf(out, cap, "%s/jobs", storage);
}

rc_err_t rc_job_store_init(const char *storage, char *err, size_t errcap)
{
    char path[4096];
    rc_job_store_path(storage, NULL, NULL, path, sizeof(path));
    if (rc_mkdirs(path) != 0) {
        snprintf(err, errcap,
                 "cannot create the job directory %s: %s (choose another with "
                 "--storage)",
                 path, strerror(errno));
        return RC_EIO;
    }
    return RC_OK;
}

rc_err_t rc_job_store_save(const char *storage, const rc_job_t *j, char *err, size_t errcap)
{
    char dir[4096], tmp[4200], final[4200];
    rc_buf_t b = RC_BUF_INIT;
    int fd = -1;
    rc_job_store_path(storage, j->submission_id, NULL, dir, sizeof(dir));
    if (rc_mkdirs(dir) != 0) goto fail;
    snprintf(tmp, sizeof(tmp), "%s/.job.pb.%d.tmp", dir, (int)getpid());
    snprintf(final, sizeof(final), "%s/job.pb", dir);
    rc_job_pack(j, &b);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || rc_write_all(fd, b.data, b.len) != RC_OK || fsync(fd) != 0) goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, final) != 0) goto fail;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    rc_buf_free(&b);
    return RC_OK;
fail:
    snprintf(err, errcap, "cannot write the record of job %s under %s: %s", j->submission_id, dir,
             strerror(errno));
    if (fd >= 0) close(fd);
    unlink(tmp);
    rc_buf_free(&b);
    return RC_EIO;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

rc_err_t rc_job_store_delete(const char *storage, const char *sid, char *err, size_t errcap)
{
    char dir[4096];
    rc_job_store_path(storage, sid, NULL, dir, sizeof(dir));
    /* FTW_PHYS: a symlink planted in the directory is removed, never followed. */
    if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT) {
        snprintf(err, errcap, "cannot remove %s: %s", dir, strerror(errno));
        return RC_EIO;
    }
    return RC_OK;
}

static rc_err_t read_record(const char *path, rc_job_t **out, char *err, size_t errcap)
{
    rc_buf_t b = RC_BUF_INIT;
    rc_err_t rc = rc_read_file(path, O_NOFOLLOW, RECORD_MAX, &b);
    if (rc == RC_OK) {
        rc = rc_job_unpack((const uint8_t *)b.data, b.len, out, err, errcap);
    } else {
        if (rc == RC_ETOOBIG)
            snprintf(err, errcap, "larger than %u bytes", RECORD_MAX);
        else if (errno == EINVAL)
            snprintf(err, errcap, "not a regular file of at most %u bytes", RECORD_MAX);
        else
            snprintf(err, errcap, "%s", strerror(errno));
        rc = RC_EIO;
    }
    rc_buf_free(&b);
    return rc;
}

rc_err_t rc_job_store_load(const char *storage, rc_job_store_fn fn, void *arg, char *err,
                           size_t errcap)
{
    char dir[4096];
    rc_job_store_path(storage, NULL, NULL, dir, sizeof(dir));
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) return RC_OK;
        snprintf(err, errcap, "cannot read the job directory %s: %s", dir, strerror(errno));
        return RC_EIO;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[4200], rerr[256];
        rc_job_t *j = NULL;
        if (!rc_job_submission_id_valid(e->d_name)) continue;
        rc_job_store_path(storage, e->d_name, "job.pb", path, sizeof(path));
        if (access(path, F_OK) != 0) continue;
        if (read_record(path, &j, rerr, sizeof(rerr)) != RC_OK) {
            rc_log_warn("jobs", "skipping unreadable job record path=%s err=\"%s\"", path, rerr);
            continue;
        }
        if (strcmp(j->submission_id, e->d_name) != 0) {
            rc_log_warn("jobs", "skipping job record in the wrong directory path=%s", path);
            rc_job_free(j);
            continue;
        }
        fn(arg, j);
    }
    closedir(d);
    return RC_OK;
}
