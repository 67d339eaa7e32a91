/* test_prom.c — the Prometheus text writer: escaping of hostile label values,
 * names, values, histogram cumulativity, one HELP/TYPE per family, and calls
 * that break the contract writing nothing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "prom.h"

static size_t count_str(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *s = strstr(hay, needle); s; s = strstr(s + 1, needle)) n++;
    return n;
}

static void test_hostile_label_value(void **state)
{
    (void)state;
    rc_buf_t out = RC_BUF_INIT;
    rc_prom_t p;
    rc_prom_init(&p, &out);
    assert_int_equal(rc_prom_family(&p, "rayc_tasks", RC_PROM_GAUGE, "Tasks.\nBy \\ name."), RC_OK);
    rc_prom_label_t l[] = {{"state", "FINISHED"}, {"name", "a\"b\\c\nd"}};
    assert_int_equal(rc_prom_sample_u64(&p, l, 2, 7), RC_OK);
    /* invalid UTF-8 (a lone continuation byte, a truncated 3-byte sequence)
     * becomes U+FFFD; valid multi-byte text is kept */
    rc_prom_label_t u[] = {{"name", "x\x80y\xE2\x82"}, {"state", "\xC3\xA9t\xC3\xA9"}};
    assert_int_equal(rc_prom_sample_u64(&p, u, 2, 1), RC_OK);
    rc_prom_label_t empty[] = {{"name", NULL}};
    assert_int_equal(rc_prom_sample(&p, empty, 1, 0.5), RC_OK);
    assert_string_equal(out.data, "# HELP rayc_tasks Tasks.\\nBy \\\\ name.\n"
                                  "# TYPE rayc_tasks gauge\n"
                                  "rayc_tasks{state=\"FINISHED\",name=\"a\\\"b\\\\c\\nd\"} 7\n"
                                  "rayc_tasks{name=\"x\xEF\xBF\xBDy\xEF\xBF\xBD\xEF\xBF\xBD\","
                                  "state=\"\xC3\xA9t\xC3\xA9\"} 1\n"
                                  "rayc_tasks{name=\"\"} 0.5\n");
    rc_prom_free(&p);
    rc_buf_free(&out);
}

static void test_values(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0, "0"},           {-0.0, "0"},
        {3, "3"},           {-2, "-2"},
        {0.1, "0.1"},       {1.0 / 3, "0.3333333333333333"},
        {1e300, "1e+300"},  {NAN, "NaN"},
        {INFINITY, "+Inf"}, {-INFINITY, "-Inf"},
        {0.0025, "0.0025"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rc_buf_t out = RC_BUF_INIT;
        rc_prom_append_value(&out, cases[i].v);
        assert_string_equal(out.data, cases[i].text);
        rc_buf_free(&out);
    }
    rc_buf_t out = RC_BUF_INIT;
    rc_prom_t p;
    rc_prom_init(&p, &out);
    assert_int_equal(rc_prom_family(&p, "c_total", RC_PROM_COUNTER, NULL), RC_OK);
    assert_int_equal(rc_prom_sample_u64(&p, NULL, 0, UINT64_MAX), RC_OK);
    assert_string_equal(out.data, "# TYPE c_total counter\nc_total 18446744073709551615\n");
    rc_prom_free(&p);
    rc_buf_free(&out);
}

static void test_names(void **state)
{
    (void)state;
    assert_true(rc_prom_metric_name_valid("rayc_tasks"));
    assert_true(rc_prom_metric_name_valid(":a:b_9"));
    assert_false(rc_prom_metric_name_valid("9a"));
    assert_false(rc_prom_metric_name_valid("a-b"));
    assert_false(rc_prom_metric_name_valid(""));
    assert_false(rc_prom_metric_name_valid(NULL));
    assert_true(rc_prom_label_name_valid("node_id"));
    assert_true(rc_prom_label_name_valid("_x"));
    assert_false(rc_prom_label_name_valid("__name__"));
    assert_false(rc_prom_label_name_valid("a:b"));
    assert_false(rc_prom_label_name_valid("1a"));
    assert_false(rc_prom_label_name_valid(""));

    rc_buf_t out = RC_BUF_INIT;
    rc_prom_t p;
    rc_prom_init(&p, &out);
    /* no family yet */
    assert_int_equal(rc_prom_sample(&p, NULL, 0, 1), RC_EINVAL);
    assert_int_equal(rc_prom_family(&p, "bad-name", RC_PROM_GAUGE, "x"), RC_EINVAL);
    /* a refused family takes no samples */
    assert_int_equal(rc_prom_sample(&p, NULL, 0, 1), RC_EINVAL);
    assert_int_equal(out.len, 0);
    assert_int_equal(rc_prom_family(&p, "g", RC_PROM_GAUGE, "x"), RC_OK);
    size_t len = out.len;
    assert_int_equal(rc_prom_sample(&p, (rc_prom_label_t[]){{"a-b", "v"}}, 1, 1), RC_EINVAL);
    assert_int_equal(rc_prom_sample(&p, (rc_prom_label_t[]){{"a", "1"}, {"a", "2"}}, 2, 1),
                     RC_EINVAL);
    assert_int_equal(rc_prom_histogram(&p, NULL, 0, NULL, 0, (uint64_t[]){1}, 0), RC_EINVAL);
    assert_int_equal(out.len, len);
    rc_prom_free(&p);
    rc_buf_free(&out);
}

static void test_one_help_type_per_family(void **state)
{
    (void)state;
    rc_buf_t out = RC_BUF_INIT;
    rc_prom_t p;
    rc_prom_init(&p, &out);
    assert_int_equal(rc_prom_family(&p, "rayc_nodes", RC_PROM_GAUGE, "Nodes."), RC_OK);
    char v[16];
    for (int i = 0; i < 100; i++) {
        snprintf(v, sizeof(v), "g%d", i);
        assert_int_equal(rc_prom_sample_u64(&p, (rc_prom_label_t[]){{"group", v}}, 1, 1), RC_OK);
    }
    assert_int_equal(rc_prom_family(&p, "rayc_jobs", RC_PROM_GAUGE, "Jobs."), RC_OK);
    assert_int_equal(rc_prom_sample_u64(&p, NULL, 0, 2), RC_OK);
    /* a family again (even with another type) is refused and writes nothing */
    size_t len = out.len;
    assert_int_equal(rc_prom_family(&p, "rayc_nodes", RC_PROM_COUNTER, "Again."), RC_EEXISTS);
    assert_int_equal(rc_prom_sample_u64(&p, NULL, 0, 3), RC_EINVAL);
    assert_int_equal(out.len, len);
    /* a prefix of an earlier name is another family */
    assert_int_equal(rc_prom_family(&p, "rayc_node", RC_PROM_GAUGE, "Prefix."), RC_OK);
    assert_int_equal(count_str(out.data, "# HELP rayc_nodes "), 1);
    assert_int_equal(count_str(out.data, "# TYPE rayc_nodes gauge\n"), 1);
    assert_int_equal(count_str(out.data, "# TYPE rayc_jobs gauge\n"), 1);
    assert_int_equal(count_str(out.data, "\nrayc_nodes{group=\""), 100);
    /* HELP comes right before TYPE, and both before the first sample */
    assert_non_null(strstr(out.data, "# HELP rayc_nodes Nodes.\n# TYPE rayc_nodes gauge\n"
                                     "rayc_nodes{group=\"g0\"} 1\n"));
    rc_prom_free(&p);
    rc_buf_free(&out);
}

static void test_histogram(void **state)
{
    (void)state;
    rc_buf_t out = RC_BUF_INIT;
    rc_prom_t p;
    rc_prom_init(&p, &out);
    static const double bounds[] = {0.001, 0.5, 1, 30};
    const uint64_t buckets[] = {2, 0, 3, 1, 4}; /* last: above 30 s */
    assert_int_equal(rc_prom_family(&p, "lat_seconds", RC_PROM_HISTOGRAM, "Latency."), RC_OK);
    /* plain samples do not belong to a histogram family */
    assert_int_equal(rc_prom_sample(&p, NULL, 0, 1), RC_EINVAL);
    assert_int_equal(
        rc_prom_histogram(&p, (rc_prom_label_t[]){{"le", "1"}}, 1, bounds, 4, buckets, 0),
        RC_EINVAL);
    static const double unsorted[] = {1, 0.5};
    assert_int_equal(rc_prom_histogram(&p, NULL, 0, unsorted, 2, buckets, 0), RC_EINVAL);
    static const double inf[] = {1, INFINITY};
    assert_int_equal(rc_prom_histogram(&p, NULL, 0, inf, 2, buckets, 0), RC_EINVAL);
    assert_int_equal(
        rc_prom_histogram(&p, (rc_prom_label_t[]){{"k", "v"}}, 1, bounds, 4, buckets, 150.25),
        RC_OK);
    assert_int_equal(rc_prom_histogram(&p, NULL, 0, bounds, 4, buckets, 1.5), RC_OK);
    assert_string_equal(out.data, "# HELP lat_seconds Latency.\n"
                                  "# TYPE lat_seconds histogram\n"
                                  "lat_seconds_bucket{k=\"v\",le=\"0.001\"} 2\n"
                                  "lat_seconds_bucket{k=\"v\",le=\"0.5\"} 2\n"
                                  "lat_seconds_bucket{k=\"v\",le=\"1\"} 5\n"
                                  "lat_seconds_bucket{k=\"v\",le=\"30\"} 6\n"
                                  "lat_seconds_bucket{k=\"v\",le=\"+Inf\"} 10\n"
                                  "lat_seconds_sum{k=\"v\"} 150.25\n"
                                  "lat_seconds_count{k=\"v\"} 10\n"
                                  "lat_seconds_bucket{le=\"0.001\"} 2\n"
                                  "lat_seconds_bucket{le=\"0.5\"} 2\n"
                                  "lat_seconds_bucket{le=\"1\"} 5\n"
                                  "lat_seconds_bucket{le=\"30\"} 6\n"
                                  "lat_seconds_bucket{le=\"+Inf\"} 10\n"
                                  "lat_seconds_sum 1.5\n"
                                  "lat_seconds_count 10\n");
    rc_prom_free(&p);
    rc_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_label_value),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_one_help_type_per_family),
        cmocka_unit_test(test_histogram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
