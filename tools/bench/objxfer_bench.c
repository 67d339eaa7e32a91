/* objxfer_bench.c — rayc-objxfer-bench: large-object transfer throughput over
 * the object port (shared/objxfer) next to a plain TCP socket copy of the same
 * bytes on the same loopback path, in one run, alternating, so the figures are
 * a ratio measured side by side (issue 11: target >= 60 % of raw TCP).
 *
 *   rayc-objxfer-bench [--size BYTES]... [--repeat N] [--chunk BYTES]
 *
 * Both sides do what the agents do: the sender's bytes are a sealed memfd
 * mapping (an object in a store), each transfer lands in a fresh memfd mapping
 * (a new object in the receiving store), so page faults count for both. Prints
 * one line per transfer and a summary per size (median GiB/s, ratio). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "objxfer.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "rayc-objxfer-bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* A fresh memfd of size bytes mapped read-write (fd returned in *fd). */
static uint8_t *fresh(uint64_t size, int *fd)
{
    *fd = memfd_create("bench-obj", MFD_CLOEXEC);
    if (*fd < 0 || ftruncate(*fd, (off_t)size) != 0) die("memfd");
    void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
    if (m == MAP_FAILED) die("mmap");
    return m;
}

static void drop(uint8_t *p, uint64_t size, int fd)
{
    munmap(p, size);
    close(fd);
}

/* ---- the source object ---- */

static const uint8_t *src;
static uint64_t src_size;

static rc_err_t lookup(void *arg, const rc_id_t *id, const uint8_t **data, uint64_t *size,
                       char *err, size_t errcap)
{
    (void)arg;
    (void)id;
    (void)err;
    (void)errcap;
    *data = src;
    *size = src_size;
    return RC_OK;
}

static void release(void *arg, const rc_id_t *id)
{
    (void)arg;
    (void)id;
}

typedef struct {
    uint8_t *p;
    int fd;
    uint64_t size;
} dst_t;

static rc_err_t alloc(void *arg, uint64_t size, uint8_t **out, char *err, size_t errcap)
{
    dst_t *d = arg;
    (void)err;
    (void)errcap;
    d->size = size;
    d->p = fresh(size, &d->fd);
    *out = d->p;
    return RC_OK;
}

/* ---- raw TCP: one connection per transfer, write() from the mapping ---- */

static int raw_listen;

static void *raw_server(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(raw_listen, NULL, NULL);
        if (c < 0) return NULL;
        uint64_t off = 0;
        while (off < src_size) {
            ssize_t n = write(c, src + off, src_size - off);
            if (n <= 0) break;
            off += (uint64_t)n;
        }
        close(c);
    }
}

static double raw_once(int port, uint64_t size)
{
    int fd;
    uint8_t *d = fresh(size, &fd);
    double t0 = now();
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) die("connect");
    uint64_t off = 0;
    while (off < size) {
        ssize_t n = read(s, d + off, size - off);
        if (n <= 0) die("read");
        off += (uint64_t)n;
    }
    double dt = now() - t0;
    close(s);
    if (memcmp(d, src, 4096) != 0 || memcmp(d + size - 4096, src + size - 4096, 4096) != 0) {
        fprintf(stderr, "rayc-objxfer-bench: raw copy differs\n");
        exit(1);
    }
    drop(d, size, fd);
    return dt;
}

static double xfer_once(rc_objxfer_client_t *c, const char *addr, uint64_t size)
{
    dst_t d = {0};
    rc_id_t id = RC_ID_NIL;
    char err[512];
    double t0 = now();
    rc_err_t rc = rc_objxfer_fetch(c, addr, &id, RC_OBJXFER_ANY_SIZE, alloc, NULL, &d, NULL, err,
                                   sizeof(err));
    double dt = now() - t0;
    if (rc != RC_OK) {
        fprintf(stderr, "rayc-objxfer-bench: fetch: %s\n", err);
        exit(1);
    }
    if (memcmp(d.p, src, 4096) != 0 || memcmp(d.p + size - 4096, src + size - 4096, 4096) != 0) {
        fprintf(stderr, "rayc-objxfer-bench: object copy differs\n");
        exit(1);
    }
    drop(d.p, d.size, d.fd);
    return dt;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    uint64_t sizes[8];
    int nsizes = 0, repeat = 5;
    uint32_t chunk = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--size") && i + 1 < argc && nsizes < 8)
            sizes[nsizes++] = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--chunk") && i + 1 < argc)
            chunk = (uint32_t)strtoul(argv[++i], NULL, 0);
        else {
            fprintf(stderr, "usage: rayc-objxfer-bench [--size BYTES]... [--repeat N] "
                            "[--chunk BYTES]\n");
            return 2;
        }
    }
    if (!nsizes) {
        sizes[0] = 64ull << 20;
        sizes[1] = 1ull << 30;
        nsizes = 2;
    }
    if (repeat < 1 || repeat > 100) repeat = 5;
    uint64_t max = 0;
    for (int i = 0; i < nsizes; i++)
        if (sizes[i] > max) max = sizes[i];
    /* The source: a sealed memfd of max bytes, like a stored object. */
    int sfd = memfd_create("bench-src", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (sfd < 0 || ftruncate(sfd, (off_t)max) != 0) die("memfd");
    uint8_t *w = mmap(NULL, max, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
    if (w == MAP_FAILED) die("mmap");
    for (uint64_t i = 0; i < max; i += 8) {
        uint64_t v = i * 0x9e3779b97f4a7c15ull;
        memcpy(w + i, &v, max - i < 8 ? max - i : 8);
    }
    munmap(w, max);
    if (fcntl(sfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) die("seal");
    src = mmap(NULL, max, PROT_READ, MAP_SHARED, sfd, 0);
    if (src == MAP_FAILED) die("mmap");

    raw_listen = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (bind(raw_listen, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(raw_listen, 16) != 0 ||
        getsockname(raw_listen, (struct sockaddr *)&a, &al) != 0)
        die("listen");
    pthread_t th;
    pthread_create(&th, NULL, raw_server, NULL);
    int raw_port = ntohs(a.sin_port);

    rc_objxfer_server_opts_t o;
    memset(&o, 0, sizeof(o));
    o.lookup = lookup;
    o.release = release;
    o.chunk = chunk;
    rc_objxfer_server_t *srv;
    char err[512];
    if (rc_objxfer_server_start("tcp://127.0.0.1:0", &o, &srv, err, sizeof(err)) != RC_OK) {
        fprintf(stderr, "rayc-objxfer-bench: %s\n", err);
        return 1;
    }
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", rc_objxfer_server_port(srv));
    rc_objxfer_client_t *cl = rc_objxfer_client_new(0);
    printf("# objxfer chunk %u bytes; each size: %d transfers of each kind, alternating\n",
           chunk ? chunk : RC_OBJXFER_CHUNK_DEFAULT, repeat);
    for (int si = 0; si < nsizes; si++) {
        uint64_t size = sizes[si];
        src_size = size;
        double raw[100], xf[100];
        (void)raw_once(raw_port, size); /* warm both paths once */
        (void)xfer_once(cl, addr, size);
        for (int r = 0; r < repeat; r++) {
            raw[r] = raw_once(raw_port, size);
            xf[r] = xfer_once(cl, addr, size);
            printf("size=%llu rep=%d raw_tcp_gib_s=%.3f objxfer_gib_s=%.3f\n",
                   (unsigned long long)size, r, (double)size / raw[r] / (1 << 30),
                   (double)size / xf[r] / (1 << 30));
        }
        qsort(raw, (size_t)repeat, sizeof(double), cmp);
        qsort(xf, (size_t)repeat, sizeof(double), cmp);
        double rg = (double)size / raw[repeat / 2] / (1 << 30);
        double xg = (double)size / xf[repeat / 2] / (1 << 30);
        printf("SUMMARY size=%llu raw_tcp_gib_s=%.3f objxfer_gib_s=%.3f ratio=%.2f\n",
               (unsigned long long)size, rg, xg, xg / rg);
        if (xg / rg < 0.6)
            printf("# below the 60 %% target at %llu bytes\n", (unsigned long long)size);
    }
    rc_objxfer_client_free(cl);
    rc_objxfer_server_free(srv);
    shutdown(raw_listen, SHUT_RDWR);
    close(raw_listen);
    return 0;
}
