/* test_log.c — the log line format, level parsing and filtering,
 * RAYC_LOG_LEVEL, file output, and whole lines under concurrent writers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <regex.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "log.h"

static char path[64];

static int setup(void **state)
{
    snprintf(path, sizeof(path), "/tmp/rayc-test-log-%d.log", (int)getpid());
    unlink(path);
    rc_log_set_stderr(0); /* keep the test output clean; lines go to the file */
    assert_int_equal(rc_log_open_file(path), RC_OK);
    rc_log_set_level(RC_LOG_INFO);
    return 0;
}

static int teardown(void **state)
{
    rc_log_close();
    rc_log_set_stderr(1);
    unlink(path);
    return 0;
}

/* The file's contents so far (to free), then truncates it. */
static char *slurp(void)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *data = rc_calloc(1, 1 << 20);
    size_t n = fread(data, 1, (1 << 20) - 1, f);
    data[n] = '\0';
    fclose(f);
    assert_int_equal(truncate(path, 0), 0);
    return data;
}

static void discard(void)
{
    rc_free(slurp());
}

static void match(const char *line, const char *pattern)
{
    regex_t re;
    assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    int rc = regexec(&re, line, 0, NULL, 0);
    regfree(&re);
    if (rc != 0) fail_msg("line '%s' does not match /%s/", line, pattern);
}

#define TS "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "

static void test_format(void **state)
{
    char line[256];
    int n = rc_log_format(line, sizeof(line), RC_LOG_INFO, "gcs", "listening port=6379");
    assert_int_equal(n, (int)strlen(line));
    match(line, TS "INFO  gcs: listening port=6379$");
    rc_log_format(line, sizeof(line), RC_LOG_DEBUG, "sched", "x");
    match(line, TS "DEBUG sched: x$");
    rc_log_format(line, sizeof(line), RC_LOG_WARN, "w", "y");
    match(line, TS "WARN  w: y$");
    rc_log_format(line, sizeof(line), RC_LOG_ERROR, "e", "z");
    match(line, TS "ERROR e: z$");
    /* Out-of-range levels do not index past the names. */
    rc_log_format(line, sizeof(line), (rc_log_level_t)99, "e", "z");
    match(line, TS "ERROR e: z$");
    rc_log_format(line, sizeof(line), (rc_log_level_t)-1, "e", "z");
    match(line, TS "ERROR e: z$");

    /* The time is now, in UTC. */
    time_t before = time(NULL);
    rc_log_format(line, sizeof(line), RC_LOG_INFO, "t", "now");
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    assert_non_null(strptime(line, "%Y-%m-%dT%H:%M:%S", &tm));
    time_t logged = timegm(&tm);
    assert_true(logged >= before - 1 && logged <= time(NULL) + 1);

    /* A small buffer truncates safely and reports the full length. */
    char small[10];
    n = rc_log_format(small, sizeof(small), RC_LOG_INFO, "gcs", "hello");
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_true(n > (int)sizeof(small));
}

static void test_level_parse(void **state)
{
    static const struct {
        const char *s;
        rc_log_level_t level;
    } ok[] = {{"debug", RC_LOG_DEBUG},  {"DEBUG", RC_LOG_DEBUG}, {"info", RC_LOG_INFO},
              {"Info", RC_LOG_INFO},    {"warn", RC_LOG_WARN},   {"warning", RC_LOG_WARN},
              {"WARNING", RC_LOG_WARN}, {"error", RC_LOG_ERROR}, {"off", RC_LOG_OFF}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        rc_log_level_t l = (rc_log_level_t)42;
        assert_int_equal(rc_log_level_parse(ok[i].s, &l), RC_OK);
        assert_int_equal(l, ok[i].level);
    }
    const char *bad[] = {"", "verbose", "inf", "debug ", " info", "3", "err"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rc_log_level_t l = (rc_log_level_t)42;
        assert_int_equal(rc_log_level_parse(bad[i], &l), RC_EINVAL);
        assert_int_equal(l, 42);
    }
}

static int evaluated;
static int side_effect(void)
{
    return ++evaluated;
}

static void test_filtering(void **state)
{
    rc_log_set_level(RC_LOG_WARN);
    assert_int_equal(rc_log_get_level(), RC_LOG_WARN);
    rc_log_debug("t", "debug %d", 1);
    rc_log_info("t", "info %d", 2);
    rc_log_warn("t", "warn %d", 3);
    rc_log_error("t", "error %d", 4);
    rc_log(RC_LOG_OFF, "t", "never"); /* OFF is a threshold, not a level to log at */
    char *data = slurp();
    assert_null(strstr(data, "debug 1"));
    assert_null(strstr(data, "info 2"));
    assert_non_null(strstr(data, "WARN  t: warn 3\n"));
    assert_non_null(strstr(data, "ERROR t: error 4\n"));
    assert_null(strstr(data, "never"));
    rc_free(data);

    /* rc_log_debug does not even evaluate its arguments when filtered. */
    evaluated = 0;
    rc_log_set_level(RC_LOG_INFO);
    rc_log_debug("t", "%d", side_effect());
    assert_int_equal(evaluated, 0);
    rc_log_set_level(RC_LOG_DEBUG);
    rc_log_debug("t", "value=%d", side_effect());
    assert_int_equal(evaluated, 1);
    data = slurp();
    match(data, TS "DEBUG t: value=1\n$");
    rc_free(data);

    rc_log_set_level(RC_LOG_OFF);
    rc_log_error("t", "silenced");
    data = slurp();
    assert_string_equal(data, "");
    rc_free(data);
    rc_log_set_level(RC_LOG_INFO);
}

static void test_env(void **state)
{
    setenv("RAYC_LOG_LEVEL", "debug", 1);
    rc_log_set_level(RC_LOG_INFO);
    rc_log_init();
    assert_int_equal(rc_log_get_level(), RC_LOG_DEBUG);
    setenv("RAYC_LOG_LEVEL", "ERROR", 1);
    rc_log_init();
    assert_int_equal(rc_log_get_level(), RC_LOG_ERROR);
    /* Empty or unset: the level stays. */
    setenv("RAYC_LOG_LEVEL", "", 1);
    rc_log_init();
    assert_int_equal(rc_log_get_level(), RC_LOG_ERROR);
    unsetenv("RAYC_LOG_LEVEL");
    rc_log_init();
    assert_int_equal(rc_log_get_level(), RC_LOG_ERROR);
    /* An unknown value keeps info and says so. */
    rc_log_set_level(RC_LOG_INFO);
    setenv("RAYC_LOG_LEVEL", "chatty", 1);
    discard();
    rc_log_init();
    assert_int_equal(rc_log_get_level(), RC_LOG_INFO);
    char *data = slurp();
    match(data, TS "WARN  log: ignoring RAYC_LOG_LEVEL=chatty: use debug, info, warn or error\n$");
    rc_free(data);
    unsetenv("RAYC_LOG_LEVEL");
}

static void test_file(void **state)
{
    discard();
    rc_log_info("gcs", "first");
    rc_log_info("gcs", "second key=%s", "v");
    char *data = slurp();
    match(data, TS "INFO  gcs: first\n[0-9-]+T[0-9:.]+Z INFO  gcs: second key=v\n$");
    rc_free(data);

    /* A message longer than the line buffer is cut, still one line. */
    char *big = rc_malloc(10000);
    memset(big, 'm', 9999);
    big[9999] = '\0';
    rc_log_info("big", "%s", big);
    rc_free(big);
    data = slurp();
    assert_int_equal(data[strlen(data) - 1], '\n');
    assert_ptr_equal(strchr(data, '\n'), data + strlen(data) - 1); /* exactly one line */
    assert_true(strlen(data) > 2000 && strlen(data) < 2400);
    rc_free(data);

    /* Reopening switches files; the old one gets nothing more. */
    char path2[80];
    snprintf(path2, sizeof(path2), "%s.2", path);
    unlink(path2);
    assert_int_equal(rc_log_open_file(path2), RC_OK);
    rc_log_info("x", "to the second file");
    FILE *f = fopen(path2, "r");
    assert_non_null(f);
    char buf[256] = {0};
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    match(buf, TS "INFO  x: to the second file\n$");
    unlink(path2);
    data = slurp();
    assert_string_equal(data, "");
    rc_free(data);
    assert_int_equal(rc_log_open_file(path), RC_OK);

    /* A path that cannot be opened is an error, and logging goes on. */
    assert_int_equal(rc_log_open_file("/nonexistent-dir/x/y.log"), RC_EIO);
    rc_log_info("x", "still here");
    data = slurp();
    assert_non_null(strstr(data, "still here"));
    rc_free(data);
}

#define NTHREADS 4
#define NLINES   500

static void *writer(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < NLINES; i++) rc_log_info("thread", "id=%ld seq=%d pad=%0100d", id, i, 0);
    return NULL;
}

static void test_threads(void **state)
{
    discard();
    pthread_t t[NTHREADS];
    for (long i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, writer, (void *)i);
    for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
    char *data = slurp();
    /* Every line is whole: no interleaving inside a line. */
    int lines = 0;
    for (char *save = NULL, *line = strtok_r(data, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        match(line, TS "INFO  thread: id=[0-9] seq=[0-9]+ pad=0{100}$");
        lines++;
    }
    assert_int_equal(lines, NTHREADS * NLINES);
    rc_free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),    cmocka_unit_test(test_level_parse),
        cmocka_unit_test(test_filtering), cmocka_unit_test(test_env),
        cmocka_unit_test(test_file),      cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
