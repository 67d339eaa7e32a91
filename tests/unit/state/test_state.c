/* test_state.c — State API query parsing, filters, windows and the envelope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "state.h"

static const rc_state_col_t cols[] = {
    {"id", 0}, {"name", 0}, {"state", 0}, {"n", 0}, {"res", 0}, {"secret", 1}, {NULL, 0},
};

static const char *const states[] = {"RUNNING", "FINISHED", "FAILED"};

/* Lists rows id 0..nrows-1 (state cycles, name "f<id%3>", secret "s<id>") and
 * parses the answer. */
static rc_json_t *list(const char *query, int nrows, uint64_t total, const char *warning)
{
    rc_state_query_t q;
    char err[300];
    assert_int_equal(rc_state_query_parse(query, &q, err, sizeof(err)), RC_OK);
    assert_int_equal(rc_state_query_check(&q, cols, err, sizeof(err)), RC_OK);
    rc_buf_t out = RC_BUF_INIT;
    rc_state_list_t L;
    rc_state_list_begin(&L, &q, cols, &out);
    for (int i = 0; i < nrows; i++) {
        if (rc_state_list_done(&L)) {
            rc_state_list_count(&L, (uint64_t)(nrows - i));
            break;
        }
        rc_jw_t *w = rc_state_list_row(&L);
        if (!w) continue;
        char name[16];
        snprintf(name, sizeof(name), "f%d", i % 3);
        rc_jw_obj_begin(w);
        rc_jw_key(w, "id");
        rc_jw_int(w, i);
        rc_jw_key(w, "name");
        rc_jw_str(w, name);
        rc_jw_key(w, "state");
        rc_jw_str(w, states[i % 3]);
        rc_jw_key(w, "res");
        rc_jw_obj_begin(w);
        rc_jw_key(w, "CPU");
        rc_jw_int(w, 1);
        rc_jw_obj_end(w);
        if (i % 2) {
            rc_jw_key(w, "n");
            rc_jw_null(w);
        }
        if (rc_state_list_detail(&L)) {
            snprintf(name, sizeof(name), "s%d", i);
            rc_jw_key(w, "secret");
            rc_jw_str(w, name);
        }
        rc_jw_obj_end(w);
        rc_state_list_row_end(&L);
    }
    rc_state_list_end(&L, total, warning);
    rc_state_query_free(&q);
    rc_json_t *doc = NULL;
    assert_int_equal(rc_json_parse(out.data, out.len, &doc, err, sizeof(err)), RC_OK);
    rc_buf_free(&out);
    assert_true(rc_json_bool(rc_json_get(doc, "result")));
    return doc;
}

static const rc_json_t *inner(const rc_json_t *doc)
{
    return rc_json_get(rc_json_get(rc_json_get(doc, "data"), "result"), "result");
}

static int64_t num(const rc_json_t *doc, const char *key)
{
    int64_t v = -1;
    rc_json_int(rc_json_get(rc_json_get(rc_json_get(doc, "data"), "result"), key), &v);
    return v;
}

static int64_t row_id(const rc_json_t *doc, size_t i)
{
    int64_t v = -1;
    rc_json_int(rc_json_get(rc_json_at(inner(doc), i), "id"), &v);
    return v;
}

static void test_default_limit_and_counts(void **state)
{
    (void)state;
    rc_json_t *d = list("", 250, 1000, "older rows were dropped");
    assert_int_equal(rc_json_len(inner(d)), 100);
    assert_int_equal(num(d, "total"), 1000);
    assert_int_equal(num(d, "num_after_truncation"), 250);
    assert_int_equal(num(d, "num_filtered"), 250);
    assert_int_equal(row_id(d, 0), 0);
    assert_int_equal(row_id(d, 99), 99);
    const rc_json_t *w = rc_json_get(rc_json_get(rc_json_get(d, "data"), "result"), "warnings");
    assert_int_equal(rc_json_len(w), 1);
    /* Without detail the detail field is absent. */
    assert_null(rc_json_get(rc_json_at(inner(d), 0), "secret"));
    rc_json_free(d);
}

static void test_limit_offset_detail(void **state)
{
    (void)state;
    rc_json_t *d = list("limit=5&offset=10&detail=true", 30, 0, NULL);
    assert_int_equal(rc_json_len(inner(d)), 5);
    assert_int_equal(row_id(d, 0), 10);
    assert_int_equal(row_id(d, 4), 14);
    assert_int_equal(num(d, "total"), 30);
    assert_non_null(rc_json_get(rc_json_at(inner(d), 0), "secret"));
    rc_json_free(d);
    d = list("offset=100", 30, 0, NULL);
    assert_int_equal(rc_json_len(inner(d)), 0);
    assert_int_equal(num(d, "num_filtered"), 30);
    rc_json_free(d);
}

static void test_filters(void **state)
{
    (void)state;
    /* state is case-blind; name is not. */
    rc_json_t *d =
        list("filter_keys=state&filter_predicates=%3D&filter_values=running&limit=3", 30, 0, NULL);
    assert_int_equal(num(d, "num_filtered"), 10);
    assert_int_equal(rc_json_len(inner(d)), 3);
    assert_int_equal(row_id(d, 0), 0);
    assert_int_equal(row_id(d, 2), 6);
    rc_json_free(d);
    d = list("filter_keys=name&filter_predicates=%3D&filter_values=F1", 30, 0, NULL);
    assert_int_equal(num(d, "num_filtered"), 0);
    rc_json_free(d);
    /* != and two filters together; offset counts matching rows. */
    d = list("filter_keys=state&filter_predicates=!%3D&filter_values=RUNNING"
             "&filter_keys=name&filter_predicates=%3D&filter_values=f1&offset=1",
             30, 0, NULL);
    assert_int_equal(num(d, "num_filtered"), 10);
    assert_int_equal(rc_json_len(inner(d)), 9);
    assert_int_equal(row_id(d, 0), 4);
    rc_json_free(d);
    /* A missing or null field is null; numbers compare as written. */
    d = list("filter_keys=n&filter_predicates=%3D&filter_values=null", 10, 0, NULL);
    assert_int_equal(num(d, "num_filtered"), 10);
    rc_json_free(d);
    d = list("filter_keys=id&filter_predicates=%3D&filter_values=7", 10, 0, NULL);
    assert_int_equal(num(d, "num_filtered"), 1);
    assert_int_equal(row_id(d, 0), 7);
    rc_json_free(d);
    /* A filter on a detail field works without detail, and the field stays hidden. */
    d = list("filter_keys=secret&filter_predicates=%3D&filter_values=s12", 30, 0, NULL);
    assert_int_equal(num(d, "num_filtered"), 1);
    assert_int_equal(row_id(d, 0), 12);
    assert_null(rc_json_get(rc_json_at(inner(d), 0), "secret"));
    assert_non_null(rc_json_get(rc_json_at(inner(d), 0), "res"));
    rc_json_free(d);
}

static void check_bad(const char *query, const char *want)
{
    rc_state_query_t q;
    char err[300] = "";
    rc_err_t rc = rc_state_query_parse(query, &q, err, sizeof(err));
    if (rc == RC_OK) {
        rc = rc_state_query_check(&q, cols, err, sizeof(err));
        rc_state_query_free(&q);
    }
    assert_int_equal(rc, RC_EINVAL);
    if (!strstr(err, want)) fail_msg("'%s' gave '%s', expected '%s'", query, err, want);
}

static void test_bad_queries(void **state)
{
    (void)state;
    check_bad("limit=0", "from 1 to 10000");
    check_bad("limit=10001", "from 1 to 10000");
    check_bad("limit=-1", "from 1 to 10000");
    check_bad("limit=abc", "from 1 to 10000");
    check_bad("offset=x", "0 or more");
    check_bad("detail=maybe", "true or false");
    check_bad("filter_keys=state&filter_predicates=%3E&filter_values=x", "= or !=");
    check_bad("filter_keys=state&filter_predicates=%3D", "triples");
    check_bad("filter_keys=bogus&filter_predicates=%3D&filter_values=x",
              "the keys are id, name, state");
    rc_buf_t many = RC_BUF_INIT;
    for (int i = 0; i < RC_STATE_MAX_FILTERS + 1; i++) rc_buf_append_str(&many, "filter_keys=id&");
    rc_buf_append_char(&many, '\0');
    check_bad(many.data, "too many filters");
    rc_buf_free(&many);
    /* Unknown parameters are ignored (Ray's clients send timeout). */
    rc_state_query_t q;
    char err[100];
    assert_int_equal(rc_state_query_parse("timeout=30&exclude_driver=true", &q, err, sizeof(err)),
                     RC_OK);
    assert_int_equal(q.limit, RC_STATE_LIMIT_DEFAULT);
    rc_state_query_free(&q);
}

static void test_error_envelope(void **state)
{
    (void)state;
    rc_buf_t out = RC_BUF_INIT;
    rc_state_error_json(&out, "bad \"limit\"");
    rc_json_t *d = NULL;
    assert_int_equal(rc_json_parse(out.data, out.len, &d, NULL, 0), RC_OK);
    assert_false(rc_json_bool(rc_json_get(d, "result")));
    assert_string_equal(rc_json_str(rc_json_get(d, "msg"), NULL), "bad \"limit\"");
    assert_int_equal(rc_json_type(rc_json_get(d, "data")), RC_JSON_OBJECT);
    rc_json_free(d);
    rc_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_limit_and_counts),
        cmocka_unit_test(test_limit_offset_detail),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_bad_queries),
        cmocka_unit_test(test_error_envelope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
