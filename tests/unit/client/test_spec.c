/* test_spec.c — task options and arguments → TaskSpec bytes (shared/client/spec.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "spec.h"
#include "task.pb-c.h"

typedef struct {
    rc_spec_enc_t enc;
    rc_buf_t out;
    char err[512];
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f));
    rc_spec_enc_init(&f->enc);
    rc_buf_init(&f->out);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    rc_spec_enc_free(&f->enc);
    rc_buf_free(&f->out);
    free(f);
    return 0;
}

static Rayc__TaskSpecBatch *decode(fx_t *f)
{
    Rayc__TaskSpecBatch *b =
        rayc__task_spec_batch__unpack(NULL, f->out.len, (const uint8_t *)f->out.data);
    assert_non_null(b);
    return b;
}

static int64_t amount(const Rayc__TaskSpec *s, const char *name)
{
    for (size_t i = 0; i < s->resources->n_amounts; i++)
        if (!strcmp(s->resources->amounts[i]->name, name)) return s->resources->amounts[i]->amount;
    return 0;
}

static void test_defaults_and_args(void **state)
{
    fx_t *f = *state;
    rayc_ref_t ref;
    memset(ref.id, 0xab, sizeof(ref.id));
    rayc_arg_t args[2] = {rayc_arg_bytes("hello", 5), rayc_arg_ref(ref)};
    rc_spec_in_t in = {
        .id = rc_id_random(), .library = "/lib/x.so", .function = "fn", .args = args, .nargs = 2};
    assert_int_equal(rc_spec_encode(&f->enc, &in, &f->out, f->err, sizeof(f->err)), RAYC_OK);
    Rayc__TaskSpecBatch *b = decode(f);
    assert_int_equal(b->n_specs, 1);
    Rayc__TaskSpec *s = b->specs[0];
    assert_memory_equal(s->task_id.data, in.id.b, 16);
    assert_int_equal(s->kind, RAYC__TASK_KIND__TASK_FUNCTION);
    assert_string_equal(s->library, "/lib/x.so");
    assert_string_equal(s->function, "fn");
    assert_int_equal(s->n_args, 2);
    assert_int_equal(s->args[0]->value_case, RAYC__TASK_ARG__VALUE_DATA);
    assert_memory_equal(s->args[0]->data.data, "hello", 5);
    assert_int_equal(s->args[1]->value_case, RAYC__TASK_ARG__VALUE_REF);
    assert_memory_equal(s->args[1]->ref.data, ref.id, 16);
    assert_int_equal(amount(s, "CPU"), RC_RES_UNITS(1));
    assert_int_equal(s->resources->n_amounts, 1);
    assert_int_equal(s->max_retries, 3);
    assert_int_equal(s->strategy, RAYC__STRATEGY__STRATEGY_DEFAULT);
    assert_string_equal(s->group, "");
    rayc__task_spec_batch__free_unpacked(b, NULL);
}

static void test_options(void **state)
{
    fx_t *f = *state;
    rayc_task_opts_t o;
    rayc_task_opts_init(&o);
    o.num_cpus = 0.5;
    o.num_gpus = 2;
    o.memory = 1 << 20;
    o.resources = "{\"disk\": 1.25, \"zone:a\": 1}";
    o.max_retries = 0;
    o.retry_exceptions = 1;
    o.strategy = RAYC_NODE_AFFINITY;
    o.node_id = "00112233445566778899aabbccddeeff";
    o.soft = 1;
    o.group = "gpu";
    o.name = "train";
    const char *argv[] = {"sleep", "1", NULL};
    rc_spec_in_t in = {.id = rc_id_random(), .argv = argv, .opts = &o};
    assert_int_equal(rc_spec_encode(&f->enc, &in, &f->out, f->err, sizeof(f->err)), RAYC_OK);
    /* Same options again: served by the encoder's cache, same bytes but the id. */
    in.id = rc_id_random();
    assert_int_equal(rc_spec_encode(&f->enc, &in, &f->out, f->err, sizeof(f->err)), RAYC_OK);
    Rayc__TaskSpecBatch *b = decode(f);
    assert_int_equal(b->n_specs, 2);
    for (size_t i = 0; i < 2; i++) {
        Rayc__TaskSpec *s = b->specs[i];
        assert_int_equal(s->kind, RAYC__TASK_KIND__TASK_COMMAND);
        assert_int_equal(s->n_argv, 2);
        assert_string_equal(s->argv[0], "sleep");
        assert_int_equal(amount(s, "CPU"), 5000);
        assert_int_equal(amount(s, "GPU"), RC_RES_UNITS(2));
        assert_int_equal(amount(s, "memory"), (int64_t)(1 << 20) * RC_RES_SCALE);
        assert_int_equal(amount(s, "disk"), 12500);
        assert_int_equal(amount(s, "zone:a"), RC_RES_UNITS(1));
        assert_int_equal(s->max_retries, 0);
        assert_true(s->retry_exceptions);
        assert_int_equal(s->strategy, RAYC__STRATEGY__STRATEGY_NODE_AFFINITY);
        assert_int_equal(s->affinity_node_id.len, 16);
        assert_int_equal(s->affinity_node_id.data[15], 0xff);
        assert_true(s->affinity_soft);
        assert_string_equal(s->group, "gpu");
        assert_string_equal(s->name, "train");
    }
    assert_memory_equal(b->specs[1]->task_id.data, in.id.b, 16);
    rayc__task_spec_batch__free_unpacked(b, NULL);
}

static void expect_err(fx_t *f, rc_spec_in_t *in, int code, const char *needle)
{
    size_t before = f->out.len;
    f->err[0] = '\0';
    assert_int_equal(rc_spec_encode(&f->enc, in, &f->out, f->err, sizeof(f->err)), code);
    assert_int_equal(f->out.len, before);
    if (!strstr(f->err, needle)) fail_msg("message '%s' lacks '%s'", f->err, needle);
}

static void test_invalid(void **state)
{
    fx_t *f = *state;
    rayc_task_opts_t o;
    rayc_task_opts_init(&o);
    rc_spec_in_t in = {.id = rc_id_random(), .library = "", .function = "fn", .opts = &o};
    expect_err(f, &in, RAYC_EINVAL, "library is empty");
    in.library = "/x.so";
    in.function = NULL;
    expect_err(f, &in, RAYC_EINVAL, "function is empty");
    in.function = "fn";

    o.resources = "{\"disk\": -1}";
    expect_err(f, &in, RAYC_EINVAL, "bad resources");
    o.resources = "not json";
    expect_err(f, &in, RAYC_EINVAL, "bad resources");
    o.resources = "{\"CPU\": 2}";
    expect_err(f, &in, RAYC_EINVAL, "num_cpus");
    o.resources = NULL;
    o.num_cpus = -1;
    expect_err(f, &in, RAYC_EINVAL, "num_cpus");
    o.num_cpus = 1;
    o.strategy = RAYC_NODE_AFFINITY;
    o.node_id = "abc";
    expect_err(f, &in, RAYC_EINVAL, "32 hex");
    o.node_id = NULL;
    expect_err(f, &in, RAYC_EINVAL, "32 hex");
    o.strategy = (rayc_strategy_t)7;
    expect_err(f, &in, RAYC_EINVAL, "unknown strategy");
    o.strategy = RAYC_DEFAULT;
    o.max_retries = -5;
    expect_err(f, &in, RAYC_EINVAL, "max_retries");
    o.max_retries = 3;

    static char big[RC_SPEC_INLINE_MAX + 1];
    rayc_arg_t a = rayc_arg_bytes(big, sizeof(big));
    in.args = &a;
    in.nargs = 1;
    expect_err(f, &in, RAYC_ETOOBIG, "rayc_put it and pass rayc_arg_ref");
    a = rayc_arg_bytes(NULL, 3);
    expect_err(f, &in, RAYC_EINVAL, "data is NULL");

    const char *empty[] = {NULL};
    rc_spec_in_t cmd = {.id = rc_id_random(), .argv = empty};
    expect_err(f, &cmd, RAYC_EINVAL, "argv is empty");
    /* After errors the encoder still works. */
    in.nargs = 0;
    assert_int_equal(rc_spec_encode(&f->enc, &in, &f->out, f->err, sizeof(f->err)), RAYC_OK);
}

static void test_resources_only(void **state)
{
    (void)state;
    rayc_task_opts_t o;
    rayc_task_opts_init(&o);
    o.num_cpus = 0;
    o.resources = "{}";
    rc_res_t r;
    char err[256];
    assert_int_equal(rc_spec_resources(&o, &r, err, sizeof(err)), RAYC_OK);
    assert_true(rc_res_is_zero(&r));
    rc_res_free(&r);
    o.num_gpus = 0.00001;
    assert_int_equal(rc_spec_resources(&o, &r, err, sizeof(err)), RAYC_EINVAL);
    assert_non_null(strstr(err, "num_gpus"));
    rc_res_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults_and_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
        cmocka_unit_test(test_resources_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
