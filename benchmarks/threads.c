/*
 * threads.c: the C library alone, two fits on one thread in turn against two pthreads at
 * once: the control for benchmarks/python_threads.py, without Python, numpy or the GIL.
 *
 *   cc -O2 -Iinclude -Ibuild/include benchmarks/threads.c -Lbuild/src -lwhiten -lpthread -lm \
 *      -o /tmp/threads && LD_LIBRARY_PATH=build/src /tmp/threads [n] [samples] [rounds] [work]
 *
 * work: "fit" (default; interneurons, k = n, eta = 1e-3, the fast solver, wh_net_learn_block
 * in chunks of 64 as the Python package and `whiten fit` call it), "fma" (a register-only
 * loop of independent AVX2 fused multiply-adds: the FP pipes' throughput), "chain" (one
 * dependent scalar multiply-add chain: latency-bound, leaves the pipes mostly idle), or
 * "stream" (reads and writes a 4 MiB array: memory). Each round times (a) one thread doing
 * the work twice and (b) two threads doing it once each; best of `rounds`, alternating.
 * Prints the ratio (a)/(b), the CPU seconds per wall second of (b), and the CPU seconds one
 * job takes alone and beside the other: their ratio is what the two threads cost each other
 * (a lock, shared caches or pipes), whatever else the host runs. What the host gives
 * two threads of each kind of work says whether a ratio under 2 is ours or the machine's.
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <whiten.h>

typedef struct {
    size_t n, samples;
    const char *work;
    double *X, *Y;
    double cpu, wall;
    double sink;
    int status;
} job;

static double now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double *gaussian(size_t count, size_t n, uint64_t seed)
{
    double *X = malloc(count * n * sizeof *X);
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < count * n; i++) {
        double u[2];
        for (int j = 0; j < 2; j++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            u[j] = ((double)(s >> 11) + 0.5) / 9007199254740992.0;
        }
        const double lam = pow(100.0, (double)(i % n) / (double)(n > 1 ? n - 1 : 1)) / 10.0;
        X[i] = sqrt(lam) * sqrt(-2.0 * log(u[0])) * cos(6.283185307179586 * u[1]);
    }
    return X;
}

static int fit(job *j)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = WH_NET_INTERNEURON;
    o.n = j->n;
    o.k = j->n;
    o.eta = 1e-3;
    wh_net *net = NULL;
    if (wh_net_new(&o, &net) != WH_OK)
        return 1;
    wh_step_info info;
    for (size_t r = 0; r < j->samples; r += 64) {
        const size_t len = j->samples - r < 64 ? j->samples - r : 64;
        if (wh_net_learn_block(net, len, j->X + r * j->n, j->n, j->Y, j->n, NULL, 0, &info) !=
            WH_OK) {
            wh_net_free(net);
            return 1;
        }
    }
    wh_net_free(net);
    return 0;
}

static void *run(void *arg)
{
    job *j = arg;
    const double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
    if (strcmp(j->work, "fit") == 0) {
        j->status = fit(j);
    } else if (strcmp(j->work, "fma") == 0) {
        /* 8 independent 4-wide chains: enough to fill two FMA pipes. */
        double a[8][4] = {{0}};
        const double m = 0.999999, c = 1e-7;
        const size_t iters = j->samples * j->n * 4;
        for (size_t i = 0; i < iters; i++)
            for (int k = 0; k < 8; k++)
                for (int l = 0; l < 4; l++)
                    a[k][l] = fma(a[k][l], m, c);
        for (int k = 0; k < 8; k++)
            j->sink += a[k][0] + a[k][3];
    } else if (strcmp(j->work, "chain") == 0) {
        double a = 0.0;
        const size_t iters = j->samples * j->n * 8;
        for (size_t i = 0; i < iters; i++)
            a = a * 0.999999 + 1e-7;
        j->sink = a;
    } else {
        const size_t len = 1u << 19; /* 4 MiB of doubles */
        double *b = calloc(len, sizeof *b);
        const size_t sweeps = j->samples * j->n / len * 16 + 1;
        for (size_t s = 0; s < sweeps; s++)
            for (size_t i = 0; i < len; i++)
                b[i] = b[i] * 0.5 + 1.0;
        j->sink = b[len / 2];
        free(b);
    }
    j->cpu = now(CLOCK_THREAD_CPUTIME_ID) - c0;
    j->wall = now(CLOCK_MONOTONIC) - w0;
    return NULL;
}

int main(int argc, char **argv)
{
    const size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
    const size_t samples = argc > 2 ? strtoul(argv[2], NULL, 10) : 200000;
    const int rounds = argc > 3 ? atoi(argv[3]) : 5;
    const char *work = argc > 4 ? argv[4] : "fit";
    job jobs[2];
    for (int i = 0; i < 2; i++) {
        jobs[i] = (job){.n = n, .samples = samples, .work = work};
        if (strcmp(work, "fit") == 0) {
            jobs[i].X = gaussian(samples, n, (uint64_t)i + 1);
            jobs[i].Y = malloc(64 * n * sizeof(double));
        }
    }
    double best1 = INFINITY, best2 = INFINITY, share = 0.0, cpu1 = INFINITY, cpu2 = INFINITY;
    for (int r = 0; r < rounds; r++) {
        double w0 = now(CLOCK_MONOTONIC);
        run(&jobs[0]);
        const double alone = jobs[0].cpu;
        run(&jobs[1]);
        const double one = now(CLOCK_MONOTONIC) - w0;
        cpu1 = fmin(cpu1, fmin(alone, jobs[1].cpu));
        pthread_t t[2];
        w0 = now(CLOCK_MONOTONIC);
        for (int i = 0; i < 2; i++)
            pthread_create(&t[i], NULL, run, &jobs[i]);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        const double two = now(CLOCK_MONOTONIC) - w0;
        const double cpu = (jobs[0].cpu + jobs[1].cpu) / two;
        cpu2 = fmin(cpu2, fmin(jobs[0].cpu, jobs[1].cpu));
        printf("round %d: one thread %.3f s, two threads %.3f s (%.2fx), CPU/wall %.2f "
               "(threads %.3f/%.3f s CPU of %.3f/%.3f s)\n",
               r, one, two, one / two, cpu, jobs[0].cpu, jobs[1].cpu, jobs[0].wall,
               jobs[1].wall);
        if (one < best1)
            best1 = one;
        if (two < best2)
            best2 = two, share = cpu;
        if (jobs[0].status || jobs[1].status)
            return 1;
    }
    printf("%s n = %zu, 2 x %zu: best one thread %.3f s, two threads %.3f s: %.2fx "
           "(CPU/wall %.2f); CPU seconds of one job: alone %.3f, beside the other %.3f "
           "(%.2fx)\n", work, n, samples, best1, best2, best1 / best2, share, cpu1, cpu2,
           cpu2 / cpu1);
    return 0;
}
