/* rand.h — fast per-thread pseudo-random numbers (not for cryptography).
 *
 * Owns: one xoshiro256** state per thread (_Thread_local), seeded from
 * getrandom(2) the first time a thread draws a number. Used for ids, the
 * scheduler's random pick among the top-k nodes, jitter and hash seeds.
 *
 * Contract: every function is safe to call from any thread without locking
 * (each thread has its own state). After fork() the child thread reseeds on its
 * next draw, so parent and child never produce the same ids. rc_rand_seed makes
 * the calling thread's sequence deterministic (tests, reproducible benchmarks). */
#ifndef RC_RAND_H
#define RC_RAND_H

#include <stddef.h>
#include <stdint.h>

/* 64 uniformly distributed bits. */
uint64_t rc_rand_u64(void);
/* Uniform in [0, 1), 53 bits of precision. */
double rc_rand_double(void);
/* Uniform in [0, n) without modulo bias; n == 0 returns 0. */
uint64_t rc_rand_below(uint64_t n);
/* Makes the calling thread's sequence a pure function of seed. */
void rc_rand_seed(uint64_t seed);
/* Fills buf with n random bytes. */
void rc_rand_bytes(void *buf, size_t n);

#endif
