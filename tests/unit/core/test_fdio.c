/* test_fdio.c — rc_write_all: a buffer larger than a pipe's capacity arrives
 * whole while a reader drains it; a bad descriptor is RC_EIO. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_write_all)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
