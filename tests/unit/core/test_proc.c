/* test_proc.c — sibling programs and /proc/<pid>/stat: our own state and start
 * time, a zombie child, a pid that does not exist. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"

static void test_stat(void **state)
{
    (void)state;
    char st = 0;
    uint64_t t1 = 0, t2 = 0;
    assert_int_equal(rc_proc_stat(getpid(), &st, &t1), 0);
    assert_int_equal(st, 'R');
    assert_true(t1 > 0);
    assert_int_equal(rc_proc_stat(getpid(), NULL, &t2), 0);
    assert_true(t1 == t2);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) _exit(0);
    /* Not reaped yet: a zombie, with its own start time. */
    for (int i = 0; i < 200 && st != 'Z'; i++) {
        usleep(5000);
        assert_int_equal(rc_proc_stat(child, &st, &t2), 0);
    }
    assert_int_equal(st, 'Z');
    assert_true(t2 >= t1);
    waitpid(child, NULL, 0);
    assert_int_equal(rc_proc_stat(child, &st, NULL), -1);
}

static void test_sibling(void **state)
{
    (void)state;
    char self[4096], path[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    assert_true(n > 0);
    self[n] = '\0';
    const char *name = strrchr(self, '/') + 1;
    assert_int_equal(rc_proc_sibling(name, path, sizeof(path)), 0);
    assert_string_equal(path, self);
    assert_int_equal(rc_proc_sibling("rayc-no-such-program", path, sizeof(path)), -1);
    assert_non_null(strstr(path, "/rayc-no-such-program"));
    char tiny[8];
    assert_int_equal(rc_proc_sibling("rayc-no-such-program", tiny, sizeof(tiny)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_stat), cmocka_unit_test(test_sibling)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
