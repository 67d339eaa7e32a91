/* test_envv.c — environment vectors: our variables kept, extra entries replace
 * them, and the later of two extra entries with one name wins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "envv.h"

static const char *find(char **env, const char *name)
{
    size_t n = strlen(name);
    const char *hit = NULL;
    int count = 0;
    for (size_t i = 0; env[i]; i++)
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=') {
            hit = env[i] + n + 1;
            count++;
        }
    if (count > 1) fail_msg("%s appears %d times", name, count);
    return hit;
}

static void test_envv(void **state)
{
    (void)state;
    setenv("RC_ENVV_KEEP", "kept", 1);
    setenv("RC_ENVV_REPLACE", "old", 1);
    const char *extra[] = {"RC_ENVV_REPLACE=new", "RC_ENVV_TWICE=first", "RC_ENVV_TWICE=second",
                           "RC_ENVV_EMPTY="};
    char **env = rc_envv_new(extra, 4);
    assert_string_equal(find(env, "RC_ENVV_KEEP"), "kept");
    assert_string_equal(find(env, "RC_ENVV_REPLACE"), "new");
    assert_string_equal(find(env, "RC_ENVV_TWICE"), "second");
    assert_string_equal(find(env, "RC_ENVV_EMPTY"), "");
    rc_envv_free(env);
    env = rc_envv_new(NULL, 0);
    assert_string_equal(find(env, "RC_ENVV_KEEP"), "kept");
    rc_envv_free(env);
    rc_envv_free(NULL);
    /* Over a given base instead of our environment. */
    char *base[] = {"A=1", "B=2", NULL};
    const char *more[] = {"B=3", "C=4"};
    env = rc_envv_merge(base, more, 2);
    assert_string_equal(find(env, "A"), "1");
    assert_string_equal(find(env, "B"), "3");
    assert_string_equal(find(env, "C"), "4");
    assert_null(find(env, "RC_ENVV_KEEP"));
    rc_envv_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_envv)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
