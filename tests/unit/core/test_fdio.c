/* test_fdio.c — rc_write_all: a buffer larger than a pipe's capacity arrives
 * whole while a reader drains it; a bad descriptor is RC_EIO. rc_read_file:
 * whole files up to the bound and exactly at it, one byte over is RC_ETOOBIG,
 * missing files, directories and symlinks under O_NOFOLLOW are RC_EIO. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fdio.h"

static void test_write_all(void **state)
{
    (void)state;
    enum { N = 1 << 20 };
    char *buf = malloc(N);
    assert_non_null(buf);
    for (size_t i = 0; i < N; i++) buf[i] = (char)(i * 31);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(fds[1]);
        size_t got = 0;
        int ok = 1;
        char chunk[4096];
        ssize_t n;
        while ((n = read(fds[0], chunk, sizeof(chunk))) > 0) {
            for (ssize_t k = 0; k < n; k++) ok &= chunk[k] == (char)((got + (size_t)k) * 31);
            got += (size_t)n;
        }
        _exit(ok && got == N ? 0 : 1);
    }
    close(fds[0]);
    assert_int_equal(rc_write_all(fds[1], buf, N), RC_OK);
    close(fds[1]);
    int st = 0;
    waitpid(child, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(rc_write_all(-1, buf, 1), RC_EIO);
    assert_int_equal(rc_write_all(-1, buf, 0), RC_OK);
    free(buf);
}

static void test_read_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/rayc-fdio-XXXXXX", path[64], link[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/f", dir);
    snprintf(link, sizeof(link), "%s/l", dir);
    enum { N = 200000 };
    char *data = malloc(N);
    for (int i = 0; i < N; i++) data[i] = (char)(i * 7);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_int_equal(rc_write_all(fd, data, N), RC_OK);
    close(fd);

    rc_buf_t b = RC_BUF_INIT;
    rc_buf_append_str(&b, "kept:");
    assert_int_equal(rc_read_file(path, 0, N, &b), RC_OK); /* exactly the bound */
    assert_int_equal(b.len, 5 + N);
    assert_memory_equal(b.data, "kept:", 5);
    assert_memory_equal(b.data + 5, data, N);
    rc_buf_clear(&b);
    assert_int_equal(rc_read_file(path, 0, N - 1, &b), RC_ETOOBIG);
    rc_buf_clear(&b);
    assert_int_equal(rc_read_file(dir, 0, N, &b), RC_EIO);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(rc_read_file(link, 0, N, &b), RC_OK);
    rc_buf_clear(&b);
    assert_int_equal(rc_read_file(link, O_NOFOLLOW, N, &b), RC_EIO);
    unlink(link);
    unlink(path);
    assert_int_equal(rc_read_file(path, 0, N, &b), RC_EIO);
    assert_int_equal(errno, ENOENT);
    rmdir(dir);
    rc_buf_free(&b);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_write_all),
                                       cmocka_unit_test(test_read_file)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
