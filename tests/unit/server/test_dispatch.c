/* test_dispatch.c — the merged command table: every row is well formed, names
 * are unique, lookup ignores case, and data commands are not offered on the
 * client port. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "srv.h"

static void test_rows(void **state)
{
    const rc_cmd_def_t **all;
    (void)state;
    rc_dispatch_init();
    size_t n = rc_dispatch_all(&all);
    assert_true(n >= 80);
    for (size_t i = 0; i < n; i++) {
        const rc_cmd_def_t *d = all[i];
        assert_non_null(d->fn);
        assert_true(d->arity != 0);
        for (const char *p = d->name; *p; p++)
            assert_true(isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.');
        for (size_t j = i + 1; j < n; j++) assert_string_not_equal(d->name, all[j]->name);
        assert_ptr_equal(rc_dispatch_lookup(d->name, strlen(d->name)), d);
    }
}

static void test_lookup(void **state)
{
    (void)state;
    rc_dispatch_init();
    const rc_cmd_def_t *d = rc_dispatch_lookup("gEt", 3);
    assert_non_null(d);
    assert_string_equal(d->name, "GET");
    assert_null(rc_dispatch_lookup("GETX", 4));
    assert_null(rc_dispatch_lookup("GE", 2));
    assert_null(rc_dispatch_lookup("", 0));
    char longname[200];
    memset(longname, 'A', sizeof(longname));
    assert_null(rc_dispatch_lookup(longname, sizeof(longname)));
    /* The client port serves PING and AUTH but not plain data commands. */
    assert_true(rc_dispatch_lookup("PING", 4)->flags & RC_CMD_CLIENT);
    assert_true(rc_dispatch_lookup("AUTH", 4)->flags & RC_CMD_NOAUTH);
    assert_false(rc_dispatch_lookup("SET", 3)->flags & RC_CMD_CLIENT);
    assert_false(rc_dispatch_lookup("FLUSHALL", 8)->flags & RC_CMD_CLIENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
