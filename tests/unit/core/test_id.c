/* test_id.c — 128-bit ids: randomness, hex text, hashing, fork safety. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "id.h"
#include "rand.h"

static int cmp_ids(const void *a, const void *b)
{
    return rc_id_cmp(a, b);
}

static void test_random_unique(void **state)
{
    size_t n = 100000;
    rc_id_t *ids = rc_malloc(n * sizeof(*ids));
    for (size_t i = 0; i < n; i++) {
        ids[i] = rc_id_random();
        assert_false(rc_id_is_nil(&ids[i]));
    }
    qsort(ids, n, sizeof(*ids), cmp_ids);
    for (size_t i = 1; i < n; i++) assert_false(rc_id_eq(&ids[i - 1], &ids[i]));
    rc_free(ids);
}

static void test_nil_eq_cmp(void **state)
{
    rc_id_t nil = RC_ID_NIL, a = rc_id_random(), b = a;
    assert_true(rc_id_is_nil(&nil));
    assert_false(rc_id_is_nil(&a));
    assert_true(rc_id_eq(&a, &b));
    assert_int_equal(rc_id_cmp(&a, &b), 0);
    b.b[15] ^= 1;
    assert_false(rc_id_eq(&a, &b));
    assert_int_not_equal(rc_id_cmp(&a, &b), 0);
    assert_true(rc_id_cmp(&a, &b) == -rc_id_cmp(&b, &a) ||
                (rc_id_cmp(&a, &b) < 0) == (rc_id_cmp(&b, &a) > 0));
    /* A seeded thread still never yields nil, even from a seed of 0. */
    rc_rand_seed(0);
    for (int i = 0; i < 1000; i++) {
        rc_id_t id = rc_id_random();
        assert_false(rc_id_is_nil(&id));
    }
}

static void test_hex(void **state)
{
    rc_id_t id, back;
    for (int i = 0; i < 16; i++) id.b[i] = (uint8_t)(i * 17 + 0x0a);
    char hex[RC_ID_HEX_LEN + 1];
    rc_id_to_hex(&id, hex);
    assert_string_equal(hex, "0a1b2c3d4e5f708192a3b4c5d6e7f809");
    assert_int_equal(rc_id_from_hex(hex, strlen(hex), &back), RC_OK);
    assert_true(rc_id_eq(&id, &back));
    assert_int_equal(rc_id_from_hex("0A1B2C3D4E5F708192A3B4C5D6E7F809", 32, &back), RC_OK);
    assert_true(rc_id_eq(&id, &back));

    rc_id_t nil = RC_ID_NIL;
    rc_id_to_hex(&nil, hex);
    assert_string_equal(hex, "00000000000000000000000000000000");
    assert_int_equal(rc_id_from_hex(hex, 32, &back), RC_OK);
    assert_true(rc_id_is_nil(&back));

    for (int i = 0; i < 1000; i++) {
        id = rc_id_random();
        rc_id_to_hex(&id, hex);
        assert_int_equal(strlen(hex), 32);
        for (int k = 0; k < 32; k++)
            assert_true((hex[k] >= '0' && hex[k] <= '9') || (hex[k] >= 'a' && hex[k] <= 'f'));
        assert_int_equal(rc_id_from_hex(hex, 32, &back), RC_OK);
        assert_true(rc_id_eq(&id, &back));
    }

    /* Anything but exactly 32 hex digits is refused and leaves out alone. */
    const char *bad[] = {
        "",
        "0a1b2c3d4e5f708192a3b4c5d6e7f80",
        "0a1b2c3d4e5f708192a3b4c5d6e7f8090",
        "0x1b2c3d4e5f708192a3b4c5d6e7f809",
        " a1b2c3d4e5f708192a3b4c5d6e7f809",
        "0a1b2c3d4e5f708192a3b4c5d6e7f80 ",
        "0a1b2c3d4e5f708192a3b4c5d6e7f80g",
        "-a1b2c3d4e5f708192a3b4c5d6e7f809",
        "0a1b2c3d4e5f7081\0002a3b4c5d6e7f809",
        "0a1b2c3d-4e5f-7081-92a3-b4c5d6e7",
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    };
    rc_id_t keep = rc_id_random(), out = keep;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t len = i == 8 ? 32 : strlen(bad[i]); /* [8] has a NUL inside */
        assert_int_equal(rc_id_from_hex(bad[i], len, &out), RC_EINVAL);
        assert_true(rc_id_eq(&out, &keep));
    }
    assert_int_equal(rc_id_from_hex(NULL, 32, &out), RC_EINVAL);
    /* A longer buffer is fine when len says 32. */
    assert_int_equal(rc_id_from_hex("0a1b2c3d4e5f708192a3b4c5d6e7f809trailing", 32, &out), RC_OK);
}

static void test_hex_bytes(void **state)
{
    (void)state;
    const uint8_t b[4] = {0x02, 0x00, 0xab, 0xff};
    uint8_t back[4] = {9, 9, 9, 9};
    char hex[9];
    rc_hex_encode(b, sizeof(b), hex);
    assert_string_equal(hex, "0200abff");
    assert_int_equal(rc_hex_decode("0200ABff", 8, back, 4), RC_OK);
    assert_memory_equal(back, b, 4);
    uint8_t same[4] = {9, 9, 9, 9};
    assert_int_equal(rc_hex_decode("0200abf", 7, same, 4), RC_EINVAL);
    assert_int_equal(rc_hex_decode("0200abfg", 8, same, 4), RC_EINVAL);
    assert_int_equal(rc_hex_decode("0200abff00", 10, same, 4), RC_EINVAL);
    assert_int_equal(rc_hex_decode(NULL, 0, same, 4), RC_EINVAL);
    const uint8_t nine[4] = {9, 9, 9, 9};
    assert_memory_equal(same, nine, 4); /* untouched on errors */
    rc_hex_encode(b, 0, hex);
    assert_string_equal(hex, "");
}

static void test_hash(void **state)
{
    /* Flipping any single bit changes the hash, and about half its bits. */
    rc_id_t id = rc_id_random();
    uint64_t h = rc_id_hash(&id);
    assert_true(h == rc_id_hash(&id));
    int total = 0;
    for (int bit = 0; bit < 128; bit++) {
        rc_id_t x = id;
        x.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        uint64_t hx = rc_id_hash(&x);
        assert_true(hx != h);
        total += __builtin_popcountll(hx ^ h);
    }
    assert_true(total > 128 * 20 && total < 128 * 44);

    /* Ids that differ only in a counter (not random) still spread over buckets. */
    int buckets[64] = {0};
    for (uint32_t i = 0; i < 64000; i++) {
        rc_id_t c = RC_ID_NIL;
        memcpy(c.b + 12, &i, 4);
        buckets[rc_id_hash(&c) & 63]++;
    }
    for (int i = 0; i < 64; i++) assert_true(buckets[i] > 800 && buckets[i] < 1200);
}

static void test_fork_reseeds(void **state)
{
    /* Same seed before fork: without the atfork reseed, parent and child
     * would produce the same "random" ids. */
    rc_rand_seed(777);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        rc_id_t c = rc_id_random();
        ssize_t w = write(fds[1], &c, sizeof(c));
        _exit(w == (ssize_t)sizeof(c) ? 0 : 1);
    }
    rc_id_t p = rc_id_random(), c;
    assert_int_equal(read(fds[0], &c, sizeof(c)), sizeof(c));
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_false(rc_id_eq(&p, &c));
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_unique), cmocka_unit_test(test_nil_eq_cmp),
        cmocka_unit_test(test_hex),           cmocka_unit_test(test_hex_bytes),
        cmocka_unit_test(test_hash),          cmocka_unit_test(test_fork_reseeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
