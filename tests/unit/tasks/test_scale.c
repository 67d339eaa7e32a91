/* test_scale.c — throughput of submit → pull → done → get for 100,000 no-op
 * tasks on 2 fake nodes, and the head memory of queued tasks (printed; the
 * assertions are generous bounds, the figures are for the report). */
#include <time.h>

#include "tasks_harness.h"

#ifdef RC_SANITIZED
#define NTASKS  20000
#define NQUEUED 100000
#else
#define NTASKS  100000
#define NQUEUED 1000000
#endif
#define BATCH 1000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
    FILE *fp = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (fp) {
        if (fscanf(fp, "%ld %ld", &pages, &res) != 2) res = 0;
        fclose(fp);
    }
    return res * 4;
}

static void throughput(void **state)
{
    tf_t *f = tf_new();
    tf_node(f, 1, 1000);
    tf_node(f, 2, 1000);
    spec_t *s = calloc(BATCH, sizeof(*s));
    res_t *r = calloc(BATCH, sizeof(*r));
    rc_buf_t packed = RC_BUF_INIT;
    double t0 = now_s(), tsub = 0;
    int64_t finished = 0;
    for (int base = 0; base < NTASKS; base += BATCH) {
        for (int i = 0; i < BATCH; i++) s[i] = spec_default(base + i + 1);
        pack_batch(s, BATCH, &packed);
        double a = now_s();
        assert_int_equal(reply_int(tf_call_bin(f, "TASK.SUBMIT", packed.data, packed.len)), BATCH);
        tsub += now_s() - a;
        for (int node = 1; node <= 2; node++) {
            Rayc__PullReply *pr = tf_pull(f, node, BATCH, 0);
            for (size_t i = 0; i < pr->n_tasks; i++) {
                const uint8_t *id = pr->tasks[i]->task_id.data;
                r[i].k = (int)((uint32_t)id[12] << 24 | (uint32_t)id[13] << 16 |
                               (uint32_t)id[14] << 8 | id[15]);
                r[i].attempt = 0;
                r[i].status = 0;
                r[i].data = "ok";
            }
            finished += tf_done(f, r, pr->n_tasks);
            rayc__pull_reply__free_unpacked(pr, NULL);
        }
        /* GET and release the batch (argv of 1000 refs). */
        const char **argv = malloc((BATCH + 2) * sizeof(*argv));
        size_t *argl = malloc((BATCH + 2) * sizeof(*argl));
        hex_t *hx = malloc(BATCH * sizeof(*hx));
        argv[0] = "TASK.GET";
        argv[1] = "0";
        for (int i = 0; i < BATCH; i++) {
            hx[i] = hexid(tid(base + i + 1));
            argv[i + 2] = hx[i].s;
        }
        for (int i = 0; i < BATCH + 2; i++) argl[i] = strlen(argv[i]);
        const char *g = tf_callv(f, BATCH + 2, argv, argl);
        assert_true(strncmp(g, "*1000\r\n$", 8) == 0);
        argv[1] = "OBJ.RELEASE";
        assert_int_equal(reply_int(tf_callv(f, BATCH + 1, argv + 1, argl + 1)), BATCH);
        free(argv);
        free(argl);
        free(hx);
    }
    double dt = now_s() - t0;
    assert_int_equal(finished, NTASKS);
    rc_task_stats_t st;
    rc_task_plane_stats(f->p, &st);
    assert_int_equal(st.count[RC_TASK_FINISHED], NTASKS);
    assert_int_equal(st.records, 0);
    printf("# %d no-op tasks submit->pull->done->get->release: %.3f s, %.0f tasks/s "
           "(submit alone: %.0f tasks/s)\n",
           NTASKS, dt, NTASKS / dt, NTASKS / tsub);
    rc_buf_free(&packed);
    free(s);
    free(r);
    tf_free(f);
    (void)state;
}

static void queued_memory(void **state)
{
    tf_t *f = tf_new();
    tf_node(f, 1, 1);
    spec_t *s = calloc(BATCH, sizeof(*s));
    rc_buf_t packed = RC_BUF_INIT;
    long before = rss_kb();
    for (int base = 0; base < NQUEUED; base += BATCH) {
        for (int i = 0; i < BATCH; i++) s[i] = spec_default(base + i + 1);
        pack_batch(s, BATCH, &packed);
        assert_int_equal(reply_int(tf_call_bin(f, "TASK.SUBMIT", packed.data, packed.len)), BATCH);
    }
    long after = rss_kb();
    double per = (double)(after - before) * 1024.0 / NQUEUED;
    printf("# %d queued no-op tasks: RSS +%ld MiB, %.0f bytes per task\n", NQUEUED,
           (after - before) / 1024, per);
    assert_int_equal(tf_count(f, RC_TASK_PENDING_NODE_ASSIGNMENT), NQUEUED - 1);
#ifndef RC_SANITIZED
    assert_true(per < 500);
#endif
    rc_buf_free(&packed);
    free(s);
    tf_free(f);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(throughput),
        cmocka_unit_test(queued_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
