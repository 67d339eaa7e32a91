/* test_err.c — every error has a text and a name; unknown values are safe;
 * RC_ASSERT aborts with a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"

static void test_all_have_text_and_name(void **state)
{
    assert_int_equal(RC_OK, 0);
    assert_int_equal(RC_EOK, 0);
    for (int i = 0; i < RC_ERR_COUNT; i++) {
        const char *text = rc_strerror((rc_err_t)i);
        const char *name = rc_errname((rc_err_t)i);
        assert_non_null(text);
        assert_non_null(name);
        assert_true(strlen(text) > 0);
        assert_string_not_equal(text, "unknown error");
        assert_int_equal(strncmp(name, "RC_E", 4), 0);
        assert_true(strlen(name) > 4);
        /* Texts are lower-case phrases without a trailing period. */
        assert_true(text[0] >= 'a' && text[0] <= 'z');
        assert_int_not_equal(text[strlen(text) - 1], '.');
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(name, rc_errname((rc_err_t)j));
            assert_string_not_equal(text, rc_strerror((rc_err_t)j));
        }
    }
    assert_string_equal(rc_errname(RC_OK), "RC_EOK");
    assert_string_equal(rc_errname(RC_ENOMEM), "RC_ENOMEM");
    assert_string_equal(rc_strerror(RC_ENOMEM), "out of memory");
    assert_string_equal(rc_errname(RC_EINTERNAL), "RC_EINTERNAL");
    assert_int_equal(RC_EINTERNAL, RC_ERR_COUNT - 1);
}

static void test_out_of_range(void **state)
{
    const int bad[] = {RC_ERR_COUNT, RC_ERR_COUNT + 1, 1000, -1, -1000, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_string_equal(rc_strerror((rc_err_t)bad[i]), "unknown error");
        assert_string_equal(rc_errname((rc_err_t)bad[i]), "RC_E?");
    }
}

static void test_assert_aborts(void **state)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        int x = 1;
        RC_ASSERT(x == 1); /* holds: nothing happens */
        RC_ASSERT(x == 2);
        _exit(0);
    }
    close(fds[1]);
    char buf[512] = {0};
    size_t n = 0;
    ssize_t r;
    while (n < sizeof(buf) - 1 && (r = read(fds[0], buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)r;
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(buf, "internal invariant broken: x == 2 ("));
    assert_non_null(strstr(buf, "test_err.c:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_have_text_and_name),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_assert_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
