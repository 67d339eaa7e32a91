/* rand.c — xoshiro256** per thread, seeded by getrandom(2) through splitmix64. */
#include "rand.h"

#include <pthread.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static _Thread_local uint64_t state[4];
static _Thread_local int seeded;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* The child of fork() runs on a copy of the forking thread's state; without a
 * reseed it would repeat the parent's ids. The handler runs in that thread,
 * which is the only one in the child, so clearing its flag is enough. */
static void after_fork_child(void)
{
    seeded = 0;
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, after_fork_child);
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void seed_from(uint64_t seed)
{
    /* splitmix64 spreads any seed (even 0) into a state that is not all zero. */
    for (int i = 0; i < 4; i++) state[i] = splitmix64(&seed);
    seeded = 1;
}

static void seed_random(void)
{
    uint64_t s = 0;
    pthread_once(&atfork_once, register_atfork);
    if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s)) {
        /* No entropy yet (early boot) or no syscall: mix what differs between
         * processes and threads; these numbers are not used for secrets. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ ((uint64_t)getpid() << 16) ^
            (uint64_t)(uintptr_t)&s;
    }
    seed_from(s);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t rc_rand_u64(void)
{
    if (!seeded) seed_random();
    uint64_t result = rotl(state[1] * 5, 7) * 9;
    uint64_t t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
}

double rc_rand_double(void)
{
    return (double)(rc_rand_u64() >> 11) * 0x1.0p-53;
}

uint64_t rc_rand_below(uint64_t n)
{
    if (n == 0) return 0;
    /* Lemire's multiply-shift: reject the few low products that would make
     * some results more likely than others. */
    unsigned __int128 m = (unsigned __int128)rc_rand_u64() * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = (unsigned __int128)rc_rand_u64() * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

void rc_rand_seed(uint64_t seed)
{
    pthread_once(&atfork_once, register_atfork);
    seed_from(seed);
}

void rc_rand_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n >= 8) {
        uint64_t v = rc_rand_u64();
        memcpy(p, &v, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = rc_rand_u64();
        memcpy(p, &v, n);
    }
}
