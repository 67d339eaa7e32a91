/* test_config.c — the agent's flags, defaults and validation (worker/agent/config.h):
 * meminfo and cgroup parsing, Ray's memory split, --resources and --labels
 * errors, --node-name, and whole flag sets with a fake host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

#define GiB (INT64_C(1) << 30)

static void test_meminfo(void **state)
{
    (void)state;
    int64_t b = -1;
    const char *mi = "MemTotal:       32768000 kB\n"
                     "MemFree:         1000000 kB\n"
                     "MemAvailable:   20000000 kB\n"
                     "Buffers:          100000 kB\n"
                     "Cached:          5000000 kB\n";
    assert_int_equal(rc_agent_meminfo_available(mi, &b), RC_OK);
    assert_int_equal(b, INT64_C(20000000) * 1024);
    /* Old kernels: MemFree + Buffers + Cached. */
    const char *old = "MemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 2 kB\nCached: 3 kB\n";
    assert_int_equal(rc_agent_meminfo_available(old, &b), RC_OK);
    assert_int_equal(b, 15 * 1024);
    /* A field name that merely starts the same is not the field. */
    assert_int_equal(rc_agent_meminfo_available("MemAvailableX: 5 kB\n", &b), RC_ENOTFOUND);
    assert_int_equal(rc_agent_meminfo_available("", &b), RC_ENOTFOUND);
    assert_int_equal(rc_agent_meminfo_available("MemAvailable: garbage\n", &b), RC_ENOTFOUND);
    assert_int_equal(rc_agent_meminfo_available(NULL, &b), RC_ENOTFOUND);
}

static void test_cgroup(void **state)
{
    (void)state;
    int64_t b = -1;
    assert_int_equal(rc_agent_cgroup_memory("4294967296\n", "1073741824\n", &b), 1);
    assert_int_equal(b, 3 * GiB);
    assert_int_equal(rc_agent_cgroup_memory("100\n", "200\n", &b), 1);
    assert_int_equal(b, 0);
    assert_int_equal(rc_agent_cgroup_memory("max\n", "1000\n", &b), 0);
    assert_int_equal(rc_agent_cgroup_memory("9223372036854771712\n", "1000\n", &b), 0);
    assert_int_equal(rc_agent_cgroup_memory("", "", &b), 0);

    assert_int_equal(rc_agent_cgroup_cpus("200000 100000\n"), 2);
    assert_int_equal(rc_agent_cgroup_cpus("150000 100000\n"), 2); /* rounded up, as Ray */
    assert_int_equal(rc_agent_cgroup_cpus("50000 100000\n"), 1);
    assert_int_equal(rc_agent_cgroup_cpus("max 100000\n"), 0);
    assert_int_equal(rc_agent_cgroup_cpus("junk"), 0);
    assert_int_equal(rc_agent_cgroup_cpus(NULL), 0);
}

static void test_default_memory(void **state)
{
    (void)state;
    int64_t mem, os;
    rc_res_default_memory(10 * GiB, &mem, &os);
    assert_int_equal(os, (int64_t)(10.0 * (double)GiB * 0.3));
    assert_int_equal(mem + os, 10 * GiB);
    /* The object store is capped at 200 GB; memory is still 70%. */
    rc_res_default_memory(INT64_C(1000000000000), &mem, &os);
    assert_int_equal(os, RC_RES_OBJECT_STORE_MAX);
    assert_int_equal(mem, INT64_C(700000000000));
    rc_res_default_memory(0, &mem, &os);
    assert_int_equal(mem, 0);
    assert_int_equal(os, 0);
}

static void resources_bad(const char *json, const char *needle)
{
    rc_res_t r;
    char err[512] = "";
    assert_int_equal(rc_agent_resources_parse(json, &r, err, sizeof(err)), RC_EINVAL);
    if (!strstr(err, needle)) fail_msg("error '%s' lacks '%s'", err, needle);
    assert_true(rc_res_is_zero(&r));
    rc_res_free(&r);
}

static void test_resources(void **state)
{
    (void)state;
    rc_res_t r;
    char err[512] = "";
    assert_int_equal(
        rc_agent_resources_parse("{\"accel\": 2, \"tpu.v4\": 0.5}", &r, err, sizeof(err)), RC_OK);
    assert_int_equal(rc_res_get(&r, "accel"), RC_RES_UNITS(2));
    assert_int_equal(rc_res_get(&r, "tpu.v4"), RC_RES_SCALE / 2);
    assert_int_equal(rc_res_get(&r, "CPU"), 0);
    rc_res_free(&r);
    assert_int_equal(rc_agent_resources_parse("{}", &r, err, sizeof(err)), RC_OK);
    rc_res_free(&r);

    resources_bad("{\"CPU\": 2}", "use --num-cpus");
    resources_bad("{\"GPU\": 1}", "use --num-gpus");
    resources_bad("{\"memory\": 100}", "use --memory");
    resources_bad("{\"object_store_memory\": 100}", "use --object-store-memory");
    resources_bad("{\"a\": -1}", "negative");
    resources_bad("{\"a\": \"x\"}", "expected a number");
    resources_bad("{\"bad name\": 1}", "invalid");
    resources_bad("[1]", "object");
    resources_bad("{\"a\": 1", "not valid JSON");
    /* Lower-case "cpu" is a custom resource in Ray, not CPU. */
    assert_int_equal(rc_agent_resources_parse("{\"cpu\": 1}", &r, err, sizeof(err)), RC_OK);
    rc_res_free(&r);
}

static void labels_bad(const char *json, const char *needle)
{
    rc_agent_label_t *l = (rc_agent_label_t *)1;
    size_t n = 99;
    char err[512] = "";
    assert_int_equal(rc_agent_labels_parse(json, &l, &n, err, sizeof(err)), RC_EINVAL);
    if (!strstr(err, needle)) fail_msg("error '%s' lacks '%s'", err, needle);
    assert_null(l);
    assert_int_equal(n, 0);
}

static void test_labels(void **state)
{
    (void)state;
    rc_agent_label_t *l = NULL;
    size_t n = 0;
    char err[512] = "";
    assert_int_equal(rc_agent_labels_parse("{\"zone\": \"us-east-1a\", \"example.com/tier\": "
                                           "\"gold\", \"empty\": \"\", \"zone\": \"b\"}",
                                           &l, &n, err, sizeof(err)),
                     RC_OK);
    assert_int_equal(n, 3);
    assert_string_equal(l[0].key, "zone");
    assert_string_equal(l[0].value, "b"); /* the last value of a repeated key */
    assert_string_equal(l[1].key, "example.com/tier");
    assert_string_equal(l[2].value, "");
    rc_agent_labels_free(l, n);
    assert_int_equal(rc_agent_labels_parse("{}", &l, &n, err, sizeof(err)), RC_OK);
    assert_int_equal(n, 0);
    rc_agent_labels_free(l, n);

    labels_bad("{\"zone\": 1}", "must be a string");
    labels_bad("{\"ray.io/node-id\": \"x\"}", "reserved");
    labels_bad("{\"-zone\": \"a\"}", "is invalid");
    labels_bad("{\"zone\": \"a b\"}", "value of \"zone\" is invalid");
    labels_bad("{\"Example.COM/x\": \"a\"}", "DNS subdomain");
    labels_bad("{\"/x\": \"a\"}", "DNS subdomain");
    labels_bad("{\"\": \"a\"}", "must not be empty");
    labels_bad("[\"a\"]", "JSON object");
    labels_bad("{zone: a}", "not valid JSON");
    char big[200];
    snprintf(big, sizeof(big), "{\"k\": \"%070d\"}", 0);
    labels_bad(big, "at most 63");
}

static void test_group(void **state)
{
    (void)state;
    assert_true(rc_agent_group_valid("default"));
    assert_true(rc_agent_group_valid("gpu-workers_2.a"));
    assert_false(rc_agent_group_valid(""));
    assert_false(rc_agent_group_valid("-x"));
    assert_false(rc_agent_group_valid("a b"));
    assert_false(rc_agent_group_valid(NULL));
    char long_name[80];
    memset(long_name, 'a', 64);
    long_name[64] = '\0';
    assert_false(rc_agent_group_valid(long_name));
    long_name[63] = '\0';
    assert_true(rc_agent_group_valid(long_name));
}

static rc_agent_host_t fake_host(void)
{
    rc_agent_host_t h;
    memset(&h, 0, sizeof(h));
    h.cpus = 8;
    h.mem_available = 10 * GiB;
    strcpy(h.ip, "10.1.2.3");
    strcpy(h.hostname, "node-a");
    return h;
}

/* Parses a NULL-terminated list of arguments. */
static rc_err_t parse(const rc_agent_host_t *h, rc_agent_config_t *cfg, char *err, size_t cap, ...)
{
    char *argv[32];
    int argc = 0, help = 0;
    va_list ap;
    va_start(ap, cap);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 32;) argv[argc++] = a;
    va_end(ap);
    return rc_agent_config_from_flags(argc, argv, h, cfg, &help, err, cap);
}

static void test_defaults(void **state)
{
    (void)state;
    rc_agent_host_t h = fake_host();
    rc_agent_config_t c;
    char err[512] = "";
    assert_int_equal(parse(&h, &c, err, sizeof(err), "--address", "head:7000", NULL), RC_OK);
    assert_string_equal(c.head.host, "head");
    assert_int_equal(c.head.port, 7000);
    assert_string_equal(c.head_text, "head:7000");
    assert_null(c.password);
    assert_int_equal(rc_res_get(&c.total, "CPU"), RC_RES_UNITS(8));
    assert_int_equal(rc_res_get(&c.total, "GPU"), 0);
    int64_t mem, os;
    rc_res_default_memory(10 * GiB, &mem, &os);
    assert_int_equal(rc_res_get(&c.total, "memory"), RC_RES_UNITS(mem));
    assert_int_equal(rc_res_get(&c.total, "object_store_memory"), RC_RES_UNITS(os));
    assert_string_equal(c.group, "default");
    assert_string_equal(c.node_ip, "10.1.2.3");
    assert_string_equal(c.hostname, "node-a");
    assert_string_equal(c.temp_dir, "/tmp/ray");
    assert_int_equal(c.block, 0);
    assert_int_equal(c.reconnect_timeout_ms, RC_AGENT_RECONNECT_TIMEOUT_MS);
    assert_int_equal(c.start_timeout_ms, RC_AGENT_START_TIMEOUT_MS);
    rc_agent_config_free(&c);

    /* RAY_ADDRESS when --address is absent; ray://HOST joins the GCS port. */
    h.ray_address = "ray://ray-cluster-ray-head";
    h.reconnect_timeout = "2.5";
    assert_int_equal(parse(&h, &c, err, sizeof(err), NULL), RC_OK);
    assert_string_equal(c.head.host, "ray-cluster-ray-head");
    assert_int_equal(c.head.port, 6379);
    assert_int_equal(c.reconnect_timeout_ms, 2500);
    rc_agent_config_free(&c);
}

static void test_all_flags(void **state)
{
    (void)state;
    rc_agent_host_t h = fake_host();
    rc_agent_config_t c;
    char err[512] = "";
    assert_int_equal(parse(&h, &c, err, sizeof(err), "--address=10.0.0.1:6379", "--redis-password",
                           "pw", "--num-cpus=2", "--num-gpus", "1", "--memory", "4GiB",
                           "--object_store_memory", "1g", "--resources", "{\"accel\": 3}",
                           "--labels", "{\"zone\": \"a\"}", "--group", "gpu", "--node-ip-address",
                           "10.0.0.9", "--temp-dir", "/tmp/x", "--block",
                           "--dashboard-host=0.0.0.0", "--dashboard-port", "8265",
                           "--metrics-export-port=8080", NULL),
                     RC_OK);
    assert_string_equal(c.password, "pw");
    assert_int_equal(rc_res_get(&c.total, "CPU"), RC_RES_UNITS(2));
    assert_int_equal(rc_res_get(&c.total, "GPU"), RC_RES_UNITS(1));
    assert_int_equal(rc_res_get(&c.total, "memory"), RC_RES_UNITS(4 * GiB));
    assert_int_equal(rc_res_get(&c.total, "object_store_memory"), RC_RES_UNITS(GiB));
    assert_int_equal(rc_res_get(&c.total, "accel"), RC_RES_UNITS(3));
    assert_int_equal(c.nlabels, 1);
    assert_string_equal(c.labels[0].key, "zone");
    assert_string_equal(c.group, "gpu");
    assert_string_equal(c.node_ip, "10.0.0.9");
    assert_string_equal(c.temp_dir, "/tmp/x");
    assert_int_equal(c.block, 1);
    assert_string_equal(c.hostname, "node-a"); /* no --node-name: the host name */
    rc_agent_config_free(&c);

    /* --node-name: what the node registers as (the chart passes the pod name). */
    assert_int_equal(parse(&h, &c, err, sizeof(err), "--address=h",
                           "--node-name=ray-cluster-ray-worker-workergroup-7d9f-x2kq", NULL),
                     RC_OK);
    assert_string_equal(c.hostname, "ray-cluster-ray-worker-workergroup-7d9f-x2kq");
    rc_agent_config_free(&c);
    assert_int_equal(parse(&h, &c, err, sizeof(err), "--address=h", "--node_name", "n1", NULL),
                     RC_OK);
    assert_string_equal(c.hostname, "n1");
    rc_agent_config_free(&c);

    /* --memory alone keeps the object store default (30% of available). */
    assert_int_equal(parse(&h, &c, err, sizeof(err), "--address=h", "--memory=1GiB", NULL), RC_OK);
    int64_t mem, os;
    rc_res_default_memory(10 * GiB, &mem, &os);
    assert_int_equal(rc_res_get(&c.total, "memory"), RC_RES_UNITS(GiB));
    assert_int_equal(rc_res_get(&c.total, "object_store_memory"), RC_RES_UNITS(os));
    rc_agent_config_free(&c);

    int help = 0;
    char *hargv[] = {"--help"};
    assert_int_equal(rc_agent_config_from_flags(1, hargv, &h, &c, &help, err, sizeof(err)), RC_OK);
    assert_int_equal(help, 1);
    rc_agent_config_free(&c);
}

static void flags_bad(const rc_agent_host_t *h, const char *needle, ...)
{
    char *argv[16];
    int argc = 0, help = 0;
    va_list ap;
    va_start(ap, needle);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 16;) argv[argc++] = a;
    va_end(ap);
    rc_agent_config_t c;
    char err[512] = "";
    assert_int_equal(rc_agent_config_from_flags(argc, argv, h, &c, &help, err, sizeof(err)),
                     RC_EINVAL);
    if (!strstr(err, needle)) fail_msg("error '%s' lacks '%s'", err, needle);
    rc_agent_config_free(&c);
}

static void test_flag_errors(void **state)
{
    (void)state;
    rc_agent_host_t h = fake_host();
    flags_bad(&h, "no head address", NULL);
    flags_bad(&h, "unknown flag --nmu-cpus", "--address=h", "--nmu-cpus=2", NULL);
    flags_bad(&h, "--num-cpus", "--address=h", "--num-cpus=-1", NULL);
    flags_bad(&h, "--num-cpus", "--address=h", "--num-cpus=two", NULL);
    flags_bad(&h, "--memory", "--address=h", "--memory=lots", NULL);
    flags_bad(&h, "--address", "--address=h:notaport", NULL);
    flags_bad(&h, "use --num-cpus", "--address=h", "--resources={\"CPU\": 4}", NULL);
    flags_bad(&h, "use --num-gpus", "--address=h", "--resources", "{\"GPU\": 1}", NULL);
    flags_bad(&h, "reserved", "--address=h", "--labels={\"ray.io/x\": \"y\"}", NULL);
    flags_bad(&h, "--group", "--address=h", "--group=bad name", NULL);
    flags_bad(&h, "--node-ip-address", "--address=h", "--node-ip-address=a b", NULL);
    flags_bad(&h, "unexpected argument", "--address=h", "extra", NULL);
    flags_bad(&h, "--node-name '' is invalid", "--address=h", "--node-name=", NULL);
    flags_bad(&h, "--node-name 'a b' is invalid", "--address=h", "--node-name=a b", NULL);
    flags_bad(&h, "--node-name", "--address=h", "--node-name=a\nb", NULL);
    char long_name[300];
    memset(long_name, 'n', 254);
    long_name[254] = '\0';
    char long_flag[320];
    snprintf(long_flag, sizeof(long_flag), "--node-name=%s", long_name);
    flags_bad(&h, "1-253 printable", "--address=h", long_flag, NULL);
    flags_bad(&h, "no resources", "--address=h", "--num-cpus=0", "--memory=0",
              "--object-store-memory=0", NULL);
    h.reconnect_timeout = "soon";
    flags_bad(&h, "RAYC_WORKER_RECONNECT_TIMEOUT_S", "--address=h", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meminfo),        cmocka_unit_test(test_cgroup),
        cmocka_unit_test(test_default_memory), cmocka_unit_test(test_resources),
        cmocka_unit_test(test_labels),         cmocka_unit_test(test_group),
        cmocka_unit_test(test_defaults),       cmocka_unit_test(test_all_flags),
        cmocka_unit_test(test_flag_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
