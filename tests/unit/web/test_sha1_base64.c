/* test_sha1_base64.c — SHA-1 against the FIPS 180 / RFC 3174 vectors and base64
 * against RFC 4648 section 10. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "base64.h"
#include "sha1.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static void check_sha1(const void *data, size_t len, const char *want)
{
    uint8_t d[20];
    char h[41];
    rc_sha1(data, len, d);
    hex(d, 20, h);
    assert_string_equal(h, want);
}

static void test_sha1_vectors(void **state)
{
    check_sha1("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    check_sha1("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_sha1(m448, strlen(m448), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                       "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    check_sha1(m896, strlen(m896), "a49b2446a02c645bf419f995b67091253a04a259");
    char *million = rc_malloc(1000000);
    memset(million, 'a', 1000000);
    check_sha1(million, 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    rc_free(million);
    check_sha1("The quick brown fox jumps over the lazy dog", 43,
               "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}

/* Lengths around the padding boundaries (55/56: the length still fits the last
 * block or not; 63/64/65: a full block then the tail). Digests from sha1sum. */
static void test_sha1_boundaries(void **state)
{
    char a[128];
    memset(a, 'a', sizeof a);
    check_sha1(a, 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a");
    check_sha1(a, 56, "c2db330f6083854c99d4b5bfb6e8f29f201be699");
    check_sha1(a, 63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5");
    check_sha1(a, 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d");
    check_sha1(a, 65, "11655326c708d70319be2610e8a57d9a5b959d3b");
}

static void check_b64(const char *in, const char *want)
{
    char out[64];
    size_t n = rc_base64_encode(in, strlen(in), out);
    assert_int_equal(n, strlen(want));
    assert_string_equal(out, want);
}

static void test_base64_vectors(void **state)
{
    check_b64("", "");
    check_b64("f", "Zg==");
    check_b64("fo", "Zm8=");
    check_b64("foo", "Zm9v");
    check_b64("foob", "Zm9vYg==");
    check_b64("fooba", "Zm9vYmE=");
    check_b64("foobar", "Zm9vYmFy");
    /* Every alphabet position, including '+' and '/'. */
    uint8_t bin[] = {0xfb, 0xff, 0xbf, 0x00, 0x10, 0x83};
    char out[16];
    assert_int_equal(rc_base64_encode(bin, sizeof bin, out), 8);
    assert_string_equal(out, "+/+/ABCD");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha1_vectors),
        cmocka_unit_test(test_sha1_boundaries),
        cmocka_unit_test(test_base64_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
