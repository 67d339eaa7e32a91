/* test_config.c — operator.json (tools/operator/op_config.h) and the node shape
 * of a group (shape.h): a full valid file, defaults, every bad field with the
 * message naming it, and shapes from rayStartParams, limits, requests, KubeRay's
 * quoted resources string, and completion from an ALIVE node. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "decide.h"
#include "op_config.h"
#include "shape.h"
#include "view.h"

#define GiB INT64_C(1073741824)

static const char *good =
    "{\"headAddress\": \"ray-cluster-ray-head:6379\", \"namespace\": \"syntho\","
    " \"periodSeconds\": 5, \"idleTimeoutSeconds\": 60,"
    " \"groups\": [{\"name\": \"workergroup\", \"deployment\": "
    "\"ray-cluster-ray-worker-workergroup\","
    "   \"minReplicas\": 1, \"maxReplicas\": 3,"
    "   \"rayStartParams\": {\"num-cpus\": \"2\", \"resources\": \"{\\\"gizmo\\\": 1}\","
    "                        \"block\": \"true\"},"
    "   \"resources\": {\"limits\": {\"cpu\": \"500m\", \"memory\": \"2Gi\"},"
    "                   \"requests\": {\"cpu\": \"250m\", \"memory\": \"1Gi\"}},"
    "   \"podSelector\": \"ray.io/cluster=ray-cluster,ray.io/group=workergroup\"},"
    "  {\"name\": \"gpu\", \"deployment\": \"ray-cluster-ray-worker-gpu\", \"maxReplicas\": 2,"
    "   \"rayStartParams\": {\"num-gpus\": 1},"
    "   \"podSelector\": \"ray.io/group=gpu\"}]}";

static void test_valid(void **state)
{
    (void)state;
    rc_op_config_t c;
    char err[512] = "";
    assert_int_equal(rc_op_config_parse(good, strlen(good), &c, err, sizeof(err)), RC_OK);
    assert_string_equal(c.head_address, "ray-cluster-ray-head:6379");
    assert_string_equal(c.namespace_, "syntho");
    assert_int_equal(c.period_ms, 5000);
    assert_int_equal(c.idle_timeout_ms, 60000);
    assert_int_equal(c.ngroups, 2);
    const rc_op_group_t *g = &c.groups[0];
    assert_string_equal(g->name, "workergroup");
    assert_string_equal(g->deployment, "ray-cluster-ray-worker-workergroup");
    assert_string_equal(g->pod_selector, "ray.io/cluster=ray-cluster,ray.io/group=workergroup");
    assert_int_equal(g->min_replicas, 1);
    assert_int_equal(g->max_replicas, 3);
    /* rayStartParams win over limits: 2 CPUs, not 500m rounded up. */
    assert_int_equal(g->shape.cpu, RC_RES_UNITS(2));
    /* A 2 GiB limit: the worker there offers 70% as memory, 30% as object store. */
    int64_t mem, os;
    rc_res_default_memory(2 * GiB, &mem, &os);
    assert_int_equal(g->shape.memory, RC_RES_UNITS(mem));
    assert_int_equal(g->shape.object_store_memory, RC_RES_UNITS(os));
    assert_true(mem > (2 * GiB) * 69 / 100 && mem < (2 * GiB) * 71 / 100);
    assert_int_equal(rc_res_get(&g->shape, "gizmo"), RC_RES_UNITS(1));
    assert_int_equal(g->shape_known, RC_OP_SHAPE_ALL);
    /* Defaults: minReplicas 0; GPU from num-gpus given as a number. */
    g = &c.groups[1];
    assert_int_equal(g->min_replicas, 0);
    assert_int_equal(g->shape.gpu, RC_RES_UNITS(1));
    assert_int_equal(g->shape_known & RC_OP_SHAPE_CPU, 0);
    rc_op_config_free(&c);

    const char *minimal = "{\"headAddress\": \"h\", \"groups\": [{\"name\": \"g\", "
                          "\"deployment\": \"d\", \"maxReplicas\": 0, \"podSelector\": \"a=b\"}]}";
    assert_int_equal(rc_op_config_parse(minimal, strlen(minimal), &c, err, sizeof(err)), RC_OK);
    assert_null(c.namespace_);
    assert_int_equal(c.period_ms, 5000);
    assert_int_equal(c.idle_timeout_ms, 60000);
    rc_op_config_free(&c);

    const char *fractional =
        "{\"headAddress\": \"h:1\", \"periodSeconds\": 0.5, "
        "\"idleTimeoutSeconds\": 0, \"groups\": [{\"name\": \"g\", "
        "\"deployment\": \"d\", \"maxReplicas\": 1, \"podSelector\": \"a=b\"}]}";
    assert_int_equal(rc_op_config_parse(fractional, strlen(fractional), &c, err, sizeof(err)),
                     RC_OK);
    assert_int_equal(c.period_ms, 500);
    assert_int_equal(c.idle_timeout_ms, 0);
    rc_op_config_free(&c);
}

/* Replaces the first occurrence of from in good by to and expects an error
 * containing needle. */
static void bad_edit(const char *from, const char *to, const char *needle)
{
    char text[4096], err[512] = "";
    const char *at = strstr(good, from);
    if (!at) fail_msg("'%s' not in the sample", from);
    snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
    rc_op_config_t c;
    assert_int_equal(rc_op_config_parse(text, strlen(text), &c, err, sizeof(err)), RC_EINVAL);
    if (!strstr(err, needle)) fail_msg("error '%s' lacks '%s' (edit '%s')", err, needle, to);
    rc_op_config_free(&c);
}

static void bad_text(const char *text, const char *needle)
{
    char err[512] = "";
    rc_op_config_t c;
    assert_int_equal(rc_op_config_parse(text, strlen(text), &c, err, sizeof(err)), RC_EINVAL);
    if (!strstr(err, needle)) fail_msg("error '%s' lacks '%s'", err, needle);
    rc_op_config_free(&c);
}

static void test_errors(void **state)
{
    (void)state;
    bad_text("", "not valid JSON");
    bad_text("{\"headAddress\": \"h\",}", "not valid JSON");
    bad_text("[]", "must be a JSON object");
    bad_text("{\"groups\": []}", "headAddress: missing");
    bad_text("{\"headAddress\": \"h\"}", "groups: must be an array");
    bad_text("{\"headAddress\": \"h\", \"groups\": []}", "an empty array");
    bad_text("{\"headAddress\": \"h\", \"groups\": {}}", "groups: must be an array of 1 to 64");
    bad_text("{\"headAddress\": \"h\", \"groups\": [3]}", "groups[0]: must be an object");

    bad_edit("\"headAddress\": \"ray-cluster-ray-head:6379\"", "\"headAddress\": 6379",
             "headAddress: must be a string, got number");
    bad_edit("ray-cluster-ray-head:6379", "head:notaport", "headAddress:");
    bad_edit("ray-cluster-ray-head:6379", "ray://head", "not a ray:// address");
    bad_edit("\"namespace\": \"syntho\"", "\"namespace\": \"Syntho\"",
             "namespace: 'Syntho' is not a namespace name");
    bad_edit("\"periodSeconds\": 5", "\"periodSeconds\": 0", "periodSeconds: must be a number");
    bad_edit("\"periodSeconds\": 5", "\"periodSeconds\": \"5\"", "periodSeconds:");
    bad_edit("\"idleTimeoutSeconds\": 60", "\"idleTimeoutSeconds\": -1", "idleTimeoutSeconds:");
    bad_edit("\"periodSeconds\"", "\"period\"", "period: unknown field (known: headAddress");

    bad_edit("\"name\": \"workergroup\"", "\"name\": \"\"", "groups[0].name: '' is not");
    bad_edit("\"name\": \"workergroup\"", "\"name\": \"bad name\"", "groups[0].name");
    bad_edit("\"name\": \"workergroup\"", "\"nmae\": \"workergroup\"",
             "groups[0].nmae: unknown field");
    bad_edit("\"deployment\": \"ray-cluster-ray-worker-workergroup\"", "\"deployment\": \"Ray_W\"",
             "groups[0].deployment: 'Ray_W' is not a Deployment name");
    bad_edit("\"deployment\": \"ray-cluster-ray-worker-workergroup\",", "",
             "groups[0].deployment: missing");
    bad_edit("\"minReplicas\": 1", "\"minReplicas\": -1", "groups[0].minReplicas: must be a whole");
    bad_edit("\"minReplicas\": 1", "\"minReplicas\": 1.5", "groups[0].minReplicas");
    bad_edit("\"minReplicas\": 1", "\"minReplicas\": \"1\"", "got string");
    bad_edit("\"maxReplicas\": 3", "\"maxReplicas\": 0",
             "groups[0].maxReplicas: 0 is below minReplicas (1)");
    bad_edit("\"maxReplicas\": 3,", "", "groups[0].maxReplicas: missing");
    bad_edit("\"maxReplicas\": 3", "\"maxReplicas\": 10001", "from 0 to 10000");
    bad_edit("\"podSelector\": \"ray.io/cluster=ray-cluster,ray.io/group=workergroup\"",
             "\"podSelector\": \"\"", "groups[0].podSelector: must be a label selector");
    bad_edit("\"name\": \"gpu\"", "\"name\": \"workergroup\"",
             "groups[1].name: 'workergroup' is already used by groups[0]");
    bad_edit("\"deployment\": \"ray-cluster-ray-worker-gpu\"",
             "\"deployment\": \"ray-cluster-ray-worker-workergroup\"",
             "groups[1].deployment: 'ray-cluster-ray-worker-workergroup' is already used");

    /* Shapes: the messages name the field. */
    bad_edit("\"num-cpus\": \"2\"", "\"num-cpus\": \"two\"",
             "groups[0].rayStartParams.num-cpus: must be a whole number");
    bad_edit("\"num-cpus\": \"2\"", "\"num_cpus\": \"1.5\"", "groups[0].rayStartParams.num_cpus");
    bad_edit("\"num-gpus\": 1", "\"num-gpus\": true", "groups[1].rayStartParams.num-gpus");
    bad_edit("\"block\": \"true\"", "\"memory\": \"lots\"",
             "groups[0].rayStartParams.memory: must be a byte size");
    bad_edit("\"resources\": \"{\\\"gizmo\\\": 1}\"", "\"resources\": \"{gizmo}\"",
             "groups[0].rayStartParams.resources: resources are not valid JSON");
    bad_edit("\"resources\": \"{\\\"gizmo\\\": 1}\"", "\"resources\": {\"gizmo\": 1}",
             "groups[0].rayStartParams.resources: must be a string");
    bad_edit("\"resources\": \"{\\\"gizmo\\\": 1}\"", "\"resources\": \"{\\\"CPU\\\": 1}\"",
             "must not name CPU");
    bad_edit("\"cpu\": \"500m\"", "\"cpu\": \"500x\"",
             "groups[0].resources.limits.cpu: '500x' has an unknown suffix 'x'");
    bad_edit("\"memory\": \"2Gi\"", "\"memory\": \"-2Gi\"",
             "groups[0].resources.limits.memory: '-2Gi' is negative");
    bad_edit("\"memory\": \"1Gi\"", "\"memory\": true",
             "groups[0].resources.requests.memory: must be a quantity");
    bad_edit("\"requests\"", "\"request\"", "groups[0].resources.request: unknown field");
    bad_edit("\"rayStartParams\": {\"num-gpus\": 1}", "\"rayStartParams\": [1]",
             "groups[1].rayStartParams: must be an object");
}

static void test_load(void **state)
{
    (void)state;
    char path[] = "/tmp/rc-opconfig-XXXXXX", err[512] = "";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, good, strlen(good)), (ssize_t)strlen(good));
    close(fd);
    rc_op_config_t c;
    assert_int_equal(rc_op_config_load(path, &c, err, sizeof(err)), RC_OK);
    assert_int_equal(c.ngroups, 2);
    rc_op_config_free(&c);
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, "{", 1), 1);
    close(fd);
    assert_int_equal(rc_op_config_load(path, &c, err, sizeof(err)), RC_EINVAL);
    assert_non_null(strstr(err, "invalid configuration"));
    assert_non_null(strstr(err, path));
    unlink(path);
    assert_int_equal(rc_op_config_load(path, &c, err, sizeof(err)), RC_EIO);
    assert_non_null(strstr(err, "cannot read the configuration"));
    assert_non_null(strstr(err, "No such file"));
}

static rc_err_t shape_of(const char *params, const char *resources, rc_res_t *out, unsigned *known,
                         char *err, size_t cap)
{
    rc_json_t *p = NULL, *r = NULL;
    if (params) assert_int_equal(rc_json_parse(params, strlen(params), &p, NULL, 0), RC_OK);
    if (resources)
        assert_int_equal(rc_json_parse(resources, strlen(resources), &r, NULL, 0), RC_OK);
    rc_err_t e = rc_op_shape_from_spec(p, r, "groups[0]", out, known, err, cap);
    rc_json_free(p);
    rc_json_free(r);
    return e;
}

static void test_shapes(void **state)
{
    (void)state;
    rc_res_t s;
    unsigned known;
    char err[256];
    /* Limits: CPU rounded up like the worker's cgroup rule, memory split as the
     * worker splits it (70% memory, 30% object store). */
    assert_int_equal(shape_of(NULL, "{\"limits\": {\"cpu\": \"1500m\", \"memory\": \"1G\"}}", &s,
                              &known, err, sizeof(err)),
                     RC_OK);
    assert_int_equal(s.cpu, RC_RES_UNITS(2));
    assert_int_equal(s.memory, RC_RES_UNITS(700000000));
    assert_int_equal(s.object_store_memory, RC_RES_UNITS(300000000));
    assert_int_equal(s.gpu, 0);
    assert_int_equal(known, RC_OP_SHAPE_ALL);
    rc_res_free(&s);
    /* No limit: requests.cpu; requests.memory is not a shape (the worker uses the limit). */
    assert_int_equal(shape_of(NULL, "{\"requests\": {\"cpu\": \"1000m\", \"memory\": \"1Gi\"}}", &s,
                              &known, err, sizeof(err)),
                     RC_OK);
    assert_int_equal(s.cpu, RC_RES_UNITS(1));
    assert_int_equal(s.memory, 0);
    assert_int_equal(known, RC_OP_SHAPE_CPU | RC_OP_SHAPE_GPU);
    rc_res_free(&s);
    /* rayStartParams: numbers or strings, dashes or underscores, byte sizes,
     * KubeRay's quoted resources. */
    assert_int_equal(shape_of("{\"num_cpus\": 4, \"num-gpus\": \"2\", \"memory\": \"4GiB\","
                              " \"object-store-memory\": 1000000,"
                              " \"resources\": \"\\\"{\\\\\\\"accel\\\\\\\": 0.5}\\\"\"}",
                              "{\"limits\": {\"cpu\": \"8\", \"memory\": \"16Gi\"}}", &s, &known,
                              err, sizeof(err)),
                     RC_OK);
    assert_int_equal(s.cpu, RC_RES_UNITS(4));
    assert_int_equal(s.gpu, RC_RES_UNITS(2));
    assert_int_equal(s.memory, RC_RES_UNITS(4 * GiB));
    assert_int_equal(s.object_store_memory, RC_RES_UNITS(1000000));
    assert_int_equal(rc_res_get(&s, "accel"), RC_RES_UNITS(1) / 2);
    assert_int_equal(known, RC_OP_SHAPE_ALL);
    rc_res_free(&s);
    /* Nothing: only GPU (0) is known. */
    assert_int_equal(shape_of(NULL, NULL, &s, &known, err, sizeof(err)), RC_OK);
    assert_true(rc_res_is_zero(&s));
    assert_int_equal(known, RC_OP_SHAPE_GPU);

    /* Completion from an ALIVE node of the group, through rc_op_group_shape. */
    rc_op_config_t c;
    const char *cfg = "{\"headAddress\": \"h\", \"groups\": [{\"name\": \"g\", \"deployment\": "
                      "\"d\", \"maxReplicas\": 2, \"podSelector\": \"a=b\","
                      " \"rayStartParams\": {\"resources\": \"{\\\"gizmo\\\": 1}\"}}]}";
    assert_int_equal(rc_op_config_parse(cfg, strlen(cfg), &c, err, sizeof(err)), RC_OK);
    rc_op_view_t v;
    rc_op_view_init(&v, 1);
    rc_res_t out;
    assert_int_equal(rc_op_group_shape(&c, 0, &v, &out), 0); /* CPU unknown, no node */
    rc_res_free(&out);
    const char *nodes =
        "[{\"node_id\": \"00000000000000000000000000000001\", \"node_ip\": \"10.0.0.1\","
        " \"hostname\": \"p1\", \"group\": \"other\", \"state\": \"ALIVE\","
        " \"resources_total\": {\"CPU\": 9}, \"resources_available\": {\"CPU\": 9}},"
        " {\"node_id\": \"00000000000000000000000000000002\", \"node_ip\": \"10.0.0.2\","
        " \"hostname\": \"p2\", \"group\": \"g\", \"state\": \"DEAD\","
        " \"resources_total\": {\"CPU\": 7}, \"resources_available\": {}},"
        " {\"node_id\": \"00000000000000000000000000000003\", \"node_ip\": \"10.0.0.3\","
        " \"hostname\": \"p3\", \"group\": \"g\", \"state\": \"ALIVE\","
        " \"resources_total\": {\"CPU\": 3, \"memory\": 1000, \"gizmo\": 1, "
        "\"object_store_memory\": 500},"
        " \"resources_available\": {\"CPU\": 3}}]";
    assert_int_equal(rc_op_view_set_nodes(&v, nodes, strlen(nodes), err, sizeof(err)), RC_OK);
    assert_int_equal(rc_op_group_shape(&c, 0, &v, &out), 1);
    assert_int_equal(out.cpu, RC_RES_UNITS(3)); /* from the ALIVE node of the group */
    assert_int_equal(out.memory, RC_RES_UNITS(1000));
    assert_int_equal(out.object_store_memory, RC_RES_UNITS(500));
    assert_int_equal(rc_res_get(&out, "gizmo"), RC_RES_UNITS(1)); /* from the spec */
    rc_res_free(&out);
    rc_op_view_free(&v);
    rc_op_config_free(&c);
}

static void test_dns_names(void **state)
{
    (void)state;
    assert_true(rc_op_dns_label_valid("syntho"));
    assert_true(rc_op_dns_label_valid("a-1"));
    assert_false(rc_op_dns_label_valid("-a"));
    assert_false(rc_op_dns_label_valid("a."));
    assert_false(rc_op_dns_label_valid(""));
    assert_true(rc_op_dns_subdomain_valid("ray-cluster-ray-worker.g1"));
    assert_false(rc_op_dns_subdomain_valid("a..b"));
    assert_false(rc_op_dns_subdomain_valid("A"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),     cmocka_unit_test(test_errors),
        cmocka_unit_test(test_load),      cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_dns_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
