/*
 * cmd_bench.c: `whiten bench`, the learning paths against each other and
 * against this machine's own limits.
 *
 * For each n (k = 2n) the same pre-generated samples go through every path:
 * interneurons exact and fast, direct exact and fast (conjugate gradients),
 * and the direct minibatch algorithm. Reported per path: samples/s (thread
 * CPU time, best of --repeat runs: the machine may be shared), the relative
 * difference of the final M from the exact path of the same network, a model
 * of flops and bytes moved per sample, and the fraction of the ceiling those
 * imply, from a dgemm rate and a dgemv bandwidth measured on the spot (the
 * bandwidth with a matrix as large as the path's working set).
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/bench_gain.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/data.h"
#include "cli/memlimit.h"
#include "cli/options.h"
#include "core/alloc.h"
#include "core/linalg.h"
#include "net/view.h"
#include "plot/plot.h"
#include "repro/repro.h"
#include "whiten.h"

#define BENCH_MAX_N 5
#define BENCH_PATHS 6
#define BENCH_BLOCK 64

typedef struct bench_options {
    bool quick, json, no_sweep;
    size_t repeat;
    size_t n; /* one n only (0: the default list) */
    double eta;
    uint64_t seed;
    const char *plot;
} bench_options;

typedef struct path_result {
    double rate;       /* samples per second of thread CPU time, best run */
    double wall_rate;  /* samples per second of wall time, same run */
    double diff;       /* relative difference of final M from the exact path */
    double iterations; /* mean CG iterations per sample (direct fast) */
    size_t block;      /* samples per block of the blocked path (0: per sample) */
    size_t refresh;    /* samples between exact steps of the fast paths (wh_net_refresh) */
    double flops, bytes, fraction;
} path_result;

/* How a path is fed: one wh_net_step per sample, wh_net_learn_block (the same online
 * algorithm) or wh_net_step_minibatch (the minibatch algorithm) per BENCH_BLOCK samples. */
typedef enum feed { FEED_STEP, FEED_LEARN_BLOCK, FEED_MINIBATCH } feed;

typedef struct path {
    const char *name;
    wh_net_kind kind;
    wh_solver solver;
    feed feed;
} path;

/* Rows of paths[], in order. */
enum { P_IEXACT, P_IFAST, P_IBLOCK, P_DEXACT, P_DCG, P_DMINI };

static const path paths[BENCH_PATHS] = {
    {"interneuron-exact", WH_NET_INTERNEURON, WH_SOLVER_EXACT, FEED_STEP},
    {"interneuron-fast", WH_NET_INTERNEURON, WH_SOLVER_FAST, FEED_STEP},
    {"interneuron-block", WH_NET_INTERNEURON, WH_SOLVER_FAST, FEED_LEARN_BLOCK},
    {"direct-exact", WH_NET_DIRECT, WH_SOLVER_EXACT, FEED_STEP},
    {"direct-fast-cg", WH_NET_DIRECT, WH_SOLVER_FAST, FEED_STEP},
    {"direct-minibatch", WH_NET_DIRECT, WH_SOLVER_EXACT, FEED_MINIBATCH},
};

static double clock_of(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/*
 * Samples per n: enough for a stable rate, few enough that the exact paths finish. Up to
 * n = 256 (not --quick) at least two refresh periods of the interneurons' fast paths and a
 * block more: their work models count a refresh every WH_REFRESH_INTERNEURON samples, and a
 * run of 305 samples (n = 256, until 2026-12-06) made none (nor did the first sample's
 * inverse, n^3 outside the model, weigh the same). Measured at n = 256, alternating: the
 * blocked path 3.45-3.55e4 samples/s over 305 samples, 3.19-3.31e4 over 2064, its
 * refreshes made; the bench there takes ~25 s instead of ~10. At n = 1024 the exact paths
 * would take minutes so.
 */
static size_t samples_for(size_t n, bool quick)
{
    const double s = (quick ? 2e7 : 3.2e8) / ((double)n * (double)n * sqrt((double)n));
    const double least = !quick && n <= 256 ? 2.0 * WH_REFRESH_INTERNEURON + 64.0 : 40.0;
    return (size_t)fmin(quick ? 20000.0 : 100000.0, fmax(s, least));
}

static wh_status make_net(const path *p, size_t n, double eta, wh_net **net)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = p->kind;
    o.n = n;
    o.k = 2 * n;
    o.eta = eta;
    o.solver = p->solver;
    return wh_net_new(&o, net);
}

/* One run of a path over the samples; the network is kept for the comparison of M. */
static wh_status run_path(const path *p, size_t n, size_t count, const double *X, double *Y,
                          double eta, wh_net **net, double *cpu, double *wall, double *iters)
{
    wh_status st = make_net(p, n, eta, net);
    double t0 = clock_of(CLOCK_THREAD_CPUTIME_ID), w0 = clock_of(CLOCK_MONOTONIC);
    size_t total_iters = 0;
    const size_t stride = p->feed == FEED_STEP ? 1 : BENCH_BLOCK;
    for (size_t i = 0; st == WH_OK && i < count; i += stride) {
        wh_step_info info = {0};
        const size_t b = count - i < stride ? count - i : stride;
        if (p->feed == FEED_MINIBATCH)
            st = wh_net_step_minibatch(*net, b, X + i * n, n, Y, n, &info);
        else if (p->feed == FEED_LEARN_BLOCK)
            st = wh_net_learn_block(*net, b, X + i * n, n, Y, n, NULL, 0, &info);
        else
            st = wh_net_step(*net, X + i * n, Y, NULL, &info);
        total_iters += info.iterations;
    }
    *cpu = clock_of(CLOCK_THREAD_CPUTIME_ID) - t0;
    *wall = clock_of(CLOCK_MONOTONIC) - w0;
    *iters = (double)total_iters / (double)count;
    return st;
}

/* Model of the work per sample of each path (flops, bytes of matrix traffic); m is the
 * blocked path's block length (wh_net_block_length; 0: it goes sample by sample), rr the
 * refresh period (wh_net_refresh). */
static void work_model(size_t pi, size_t nn, double iters, size_t mm, size_t rr, double *flops,
                       double *bytes)
{
    const double n = (double)nn, k = 2.0 * n, n2 = n * n, n3 = n2 * n, m = (double)mm;
    const double R = rr > 0 ? (double)rr : 1.0, j = (R - 1.0) / 2.0; /* mean samples since */
    if (pi == P_IBLOCK && mm == 0)
        pi = P_IFAST;
    switch (pi) {
    case P_IEXACT: /* 2 trsv, gemv, scale + ger, syrk W W^T, Cholesky; copies */
        *flops = 2 * n2 + 5 * n * k + n2 * k + n3 / 3;
        *bytes = 8 * (n2 + 5 * n * k + 4 * n2);
        break;
    case P_IFAST: /* 2 symv + syr2 on a triangle, gemv, scale + axpy on W; refresh every 1000 */
        *flops = 6 * n2 + 5 * n * k + (n2 * k + n3) / WH_REFRESH_INTERNEURON;
        *bytes = 8 * (2 * n2 + 3 * n * k);
        break;
    case P_IBLOCK: /* per sample: symv on the triangle, 3 gemv over V (2j x n, mean j = m/2:
                      V x, V^T S V x, V y; s = y^T P y is formed from V y, never P y itself);
                      per block: symm (2 n^2 m), S V (8 m^2 n), syr2k of rank 2m on a
                      triangle (4 m n^2), 2 gemm + trmm on the n x n product Q (4 n^2 m +
                      m^2 n, Q updated in place); per refresh: W = Q W0, W W^T, Cholesky,
                      inverse. Not counted: the O(m^2) products with S and T a sample, and
                      the sums of squares bounding the weights (m n a block). Bytes: P's
                      triangle and 3 passes over V a sample; a block, P's triangle read by
                      symm and read and written by syr2k (1.5 n^2), Q read by Y Q and read
                      and written by its update (3 n^2), V and S V (4 m n) */
        *flops = 2 * n2 + 6 * m * n + 2 * n2 + 8 * m * n + 4 * n2 + 4 * n2 + m * n +
                 (3 * n2 * k + n3) / WH_REFRESH_INTERNEURON;
        *bytes = 8 * (n2 / 2 + 3 * m * n + (1.5 * n2 + 3 * n2 + 4 * m * n) / m);
        break;
    case P_DEXACT: /* 2 trsv, copy, syr, mirror, copy, Cholesky */
        *flops = 3 * n2 + n3 / 3;
        *bytes = 8 * (7 * n2);
        break;
    case P_DCG: { /* deflated CG: iters + 1 applications of A^{-1} (P r and 4 j n of
                     Woodbury), P y of the new row and its j dots; per refresh M formed by a
                     syrk (n^2 R), Cholesky + inverse (n^3) and the copies. P r reads P's
                     triangle (dsymv) beyond n = 64, all of P (dgemv, faster there) up to it */
        const double p_bytes = nn <= 64 ? n2 : n2 / 2;
        *flops = (iters + 1) * (2 * n2 + 4 * j * n) + 2 * n2 + 2 * j * n + n2 + n3 / R;
        *bytes = 8 * ((iters + 2) * p_bytes + (iters + 2) * 2 * j * n + 7 * n2 / R);
        break;
    }
    default: /* two triangular solves and a syrk per sample, Cholesky per BENCH_BLOCK */
        *flops = 3 * n2 + (n3 / 3 + 2 * n2) / BENCH_BLOCK;
        *bytes = 8 * (n2 + 6 * n2 / BENCH_BLOCK);
        break;
    }
}

static double rel_diff(size_t n, const double *a, const double *b)
{
    double d = 0.0, s = 0.0;
    for (size_t i = 0; i < n * n; i++) {
        d = fmax(d, fabs(a[i] - b[i]));
        s = fmax(s, fabs(b[i]));
    }
    return d / s;
}

/* dgemm rate (flop/s) at 512 x 512, best of three. */
static double measure_dgemm(void)
{
    const size_t m = 512;
    double *a = wh__alloc(3 * m * m, sizeof *a), best = 0.0;
    if (a == NULL)
        return NAN;
    for (size_t i = 0; i < 2 * m * m; i++)
        a[i] = 1.0 / (double)(i % 97 + 1);
    for (int r = 0; r < 3; r++) {
        double t0 = clock_of(CLOCK_THREAD_CPUTIME_ID);
        wh__gemm(false, false, m, m, m, 1.0, a, m, a + m * m, m, 0.0, a + 2 * m * m, m);
        best = fmax(best, 2.0 * (double)(m * m * m) / (clock_of(CLOCK_THREAD_CPUTIME_ID) - t0));
    }
    wh__free(a);
    return best;
}

/* dgemv bandwidth (bytes/s) with a matrix of `bytes` bytes (the working set), best of runs. */
static double measure_dgemv(double bytes)
{
    const size_t cols = 512, rows = (size_t)fmax(8.0, bytes / 8.0 / (double)cols);
    double *a = wh__alloc(rows * cols + rows + cols, sizeof *a), best = 0.0;
    if (a == NULL)
        return NAN;
    double *x = a + rows * cols, *y = x + cols;
    for (size_t i = 0; i < rows * cols; i++)
        a[i] = 1.0 / (double)(i % 89 + 1);
    const size_t reps = (size_t)fmax(3.0, 2e8 / (double)(rows * cols));
    for (int r = 0; r < 3; r++) {
        double t0 = clock_of(CLOCK_THREAD_CPUTIME_ID);
        for (size_t i = 0; i < reps; i++)
            wh__gemv(false, rows, cols, 1.0, a, cols, x, 0.0, y);
        const double t = clock_of(CLOCK_THREAD_CPUTIME_ID) - t0;
        best = fmax(best, 8.0 * (double)(rows * cols) * (double)reps / t);
    }
    wh__free(a);
    return best;
}

/* The two-thread sweep (measure_sweep). */
typedef struct sweep_result {
    double seconds[2]; /* wall time on 1 and on 2 threads, the best of SWEEP_ROUNDS each */
    double speedup;
    size_t failures; /* runs whose network failed (must be 0) */
} sweep_result;

/* What WH_SOLVER_AUTO chose for one circuit at one n: the row of paths[] that runs it
 * (the blocked interneuron row, as the command line feeds it), and the best row of the
 * same online algorithm (the minibatch row is another algorithm). */
typedef struct auto_choice {
    size_t path, best;
} auto_choice;

typedef struct bench_table {
    size_t count;
    size_t n[BENCH_MAX_N], samples[BENCH_MAX_N];
    auto_choice chose[BENCH_MAX_N][2]; /* [n][0]: interneurons, [n][1]: direct */
    double bandwidth[BENCH_MAX_N];
    double dgemm;
    path_result r[BENCH_MAX_N][BENCH_PATHS];
    bool swept; /* the sweep ran (not --no-sweep) */
    sweep_result sweep;
} bench_table;

static void fill_data(size_t n, size_t count, uint64_t seed, double *X)
{
    /* Independent standard normal inputs through a fixed mixing: C has spread ~ 10. */
    uint64_t s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (size_t i = 0; i < count * n; i++) {
        double u = 0.0;
        for (int j = 0; j < 4; j++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            u += (double)(s >> 11) * 0x1p-53 - 0.5;
        }
        X[i] = u * sqrt(3.0) * (1.0 + 2.0 * (double)(i % n) / (double)n);
    }
}

/* A sweep as `whiten reproduce` runs one: independent online runs through
 * wh__parallel_for, one BLAS thread each, timed by the wall clock. */
#define SWEEP_RUNS    8
#define SWEEP_N       32
#define SWEEP_SAMPLES 20000
#define SWEEP_ROUNDS  10

typedef struct sweep_job {
    const double *X; /* SWEEP_SAMPLES x SWEEP_N, shared and read-only */
    wh_status st[SWEEP_RUNS];
} sweep_job;

static void sweep_run(size_t i, void *ctx)
{
    sweep_job *job = ctx;
    const path p = {"", WH_NET_INTERNEURON, WH_SOLVER_FAST, FEED_STEP};
    wh_net *net = NULL;
    /* The status lives on this thread's stack until the run ends: job->st shares
     * one cache line between the threads, and a store per sample would bounce it. */
    wh_status st = make_net(&p, SWEEP_N, 1e-3 * (1.0 + 0.1 * (double)i), &net);
    for (size_t t = 0; st == WH_OK && t < SWEEP_SAMPLES; t++)
        st = wh_net_step(net, job->X + t * SWEEP_N, NULL, NULL, NULL);
    wh_net_free(net);
    job->st[i] = st;
}

static wh_status measure_sweep(uint64_t seed, sweep_result *r)
{
    static double X[SWEEP_SAMPLES * SWEEP_N];
    fill_data(SWEEP_N, SWEEP_SAMPLES, seed, X);
    sweep_job job = {.X = X};
    r->failures = 0;
    r->seconds[0] = r->seconds[1] = INFINITY;
    /* 1, 2, 1, 2, ... threads, the best of each: neither count gets the warm start, and
     * the best of several rides out the noise of a shared host (runs here vary by 1.5x). */
    for (size_t round = 0; round < 2 * SWEEP_ROUNDS; round++) {
        const size_t threads = 1 + round % 2;
        const double t0 = clock_of(CLOCK_MONOTONIC);
        wh__parallel_for(SWEEP_RUNS, threads, sweep_run, &job);
        r->seconds[threads - 1] = fmin(r->seconds[threads - 1], clock_of(CLOCK_MONOTONIC) - t0);
        for (size_t i = 0; i < SWEEP_RUNS; i++)
            r->failures += job.st[i] != WH_OK;
    }
    r->speedup = r->seconds[0] / r->seconds[1];
    return r->failures == 0 ? WH_OK : WH_EDIVERGED;
}

/* The row of paths[] that WH_SOLVER_AUTO runs for `kind` at n, and the fastest row of the
 * same circuit's online algorithm in this run. */
static wh_status choose_auto(const bench_table *t, size_t ni, wh_net_kind kind, double eta,
                             auto_choice *c)
{
    const path probe = {"", kind, WH_SOLVER_AUTO, FEED_STEP};
    wh_net *net = NULL;
    wh_status st = make_net(&probe, t->n[ni], eta, &net);
    if (st != WH_OK)
        return st;
    const bool fast = wh_net_solver(net) == WH_SOLVER_FAST;
    wh_net_free(net);
    const size_t first = kind == WH_NET_INTERNEURON ? P_IEXACT : P_DEXACT;
    const size_t last = kind == WH_NET_INTERNEURON ? P_IBLOCK : P_DCG;
    c->path = kind == WH_NET_INTERNEURON ? (fast ? P_IBLOCK : P_IEXACT) : (fast ? P_DCG : P_DEXACT);
    c->best = first;
    for (size_t p = first; p <= last; p++)
        if (t->r[ni][p].rate > t->r[ni][c->best].rate)
            c->best = p;
    return WH_OK;
}

static wh_status bench_n(const bench_options *o, bench_table *t, size_t ni)
{
    const size_t n = t->n[ni], count = t->samples[ni];
    double *X = wh__alloc(count * n, sizeof *X), *Y = wh__alloc(BENCH_BLOCK * n, sizeof *Y);
    double *exact_M[2] = {wh__alloc(n * n, sizeof(double)), wh__alloc(n * n, sizeof(double))};
    wh_status st = X && Y && exact_M[0] && exact_M[1] ? WH_OK : WH_ENOMEM;
    if (st == WH_OK)
        fill_data(n, count, o->seed, X);
    for (size_t pi = 0; st == WH_OK && pi < BENCH_PATHS; pi++) {
        path_result *r = &t->r[ni][pi];
        r->rate = 0.0;
        for (size_t rep = 0; st == WH_OK && rep < o->repeat; rep++) {
            wh_net *net = NULL;
            double cpu, wall;
            st = run_path(&paths[pi], n, count, X, Y, o->eta, &net, &cpu, &wall, &r->iterations);
            if (st == WH_OK && (double)count / cpu > r->rate) {
                r->rate = (double)count / cpu;
                r->wall_rate = (double)count / wall;
            }
            if (st == WH_OK) {
                r->block = wh_net_block_length(net);
                r->refresh = wh_net_refresh(net);
                const double *M = wh__net_lateral(net);
                double *ref = exact_M[paths[pi].kind == WH_NET_DIRECT ? 1 : 0];
                if (paths[pi].solver == WH_SOLVER_EXACT && paths[pi].feed != FEED_MINIBATCH)
                    memcpy(ref, M, n * n * sizeof *ref);
                r->diff = rel_diff(n, M, ref);
            }
            wh_net_free(net);
        }
        work_model(pi, n, r->iterations, r->block, r->refresh, &r->flops, &r->bytes);
        const double ceiling = fmin(t->dgemm / r->flops, t->bandwidth[ni] / r->bytes);
        r->fraction = r->rate / ceiling;
    }
    if (st == WH_OK)
        st = choose_auto(t, ni, WH_NET_INTERNEURON, o->eta, &t->chose[ni][0]);
    if (st == WH_OK)
        st = choose_auto(t, ni, WH_NET_DIRECT, o->eta, &t->chose[ni][1]);
    wh__free(X);
    wh__free(Y);
    wh__free(exact_M[0]);
    wh__free(exact_M[1]);
    return st;
}

/* AUTO's rate as a fraction of the best path's. */
static double auto_share(const bench_table *t, size_t ni, size_t circuit)
{
    const auto_choice *c = &t->chose[ni][circuit];
    return t->r[ni][c->path].rate / t->r[ni][c->best].rate;
}

static void print_table(const bench_table *t)
{
    printf("whiten bench: one BLAS thread; samples/s by thread CPU time; k = 2n\n");
    printf("dgemm rate %.1f GFlop/s (512 x 512)\n\n", t->dgemm * 1e-9);
    printf("%5s %-18s %12s %10s %10s %10s %9s %7s\n", "n", "path", "samples/s", "rel.diff M",
           "Mflop/smp", "MB/smp", "GB/s ceil", "ceil %");
    for (size_t i = 0; i < t->count; i++)
        for (size_t p = 0; p < BENCH_PATHS; p++) {
            const path_result *r = &t->r[i][p];
            printf("%5zu %-18s %12.4g %10.2g %10.4g %10.4g %9.1f %6.0f%%\n", t->n[i], paths[p].name,
                   r->rate, r->diff, r->flops * 1e-6, r->bytes * 1e-6, t->bandwidth[i] * 1e-9,
                   100.0 * r->fraction);
        }
    printf("\nrel.diff M: against the exact path of the same network (the minibatch row is a\n"
           "different algorithm, so its difference is not rounding). direct-fast-cg iterations\n"
           "(refresh):");
    for (size_t i = 0; i < t->count; i++)
        printf(" n=%zu %.1f (%zu)", t->n[i], t->r[i][P_DCG].iterations, t->r[i][P_DCG].refresh);
    printf("\n\n--solver auto (the path it runs, its rate as a share of the best path's):\n");
    for (size_t i = 0; i < t->count; i++)
        printf("n=%-5zu interneurons: %s (%.0f %% of %s)   direct: %s (%.0f %% of %s)\n", t->n[i],
               paths[t->chose[i][0].path].name, 100.0 * auto_share(t, i, 0),
               paths[t->chose[i][0].best].name, paths[t->chose[i][1].path].name,
               100.0 * auto_share(t, i, 1), paths[t->chose[i][1].best].name);
    if (!t->swept) {
        printf("\nsweep: not run (--no-sweep)\n");
        return;
    }
    printf("\nsweep: %d independent runs (interneurons, n = %d, %d samples each) by wall\n"
           "clock, best of %d: %.2f s on 1 thread, %.2f s on 2 threads, speed-up %.2fx\n",
           SWEEP_RUNS, SWEEP_N, SWEEP_SAMPLES, SWEEP_ROUNDS, t->sweep.seconds[0],
           t->sweep.seconds[1], t->sweep.speedup);
}

/* The sweep's object of the JSON (absent under --no-sweep). */
static void add_json_sweep(cJSON *root, const sweep_result *r)
{
    cJSON *sweep = cJSON_AddObjectToObject(root, "sweep");
    cJSON_AddNumberToObject(sweep, "runs", SWEEP_RUNS);
    cJSON_AddNumberToObject(sweep, "n", SWEEP_N);
    cJSON_AddNumberToObject(sweep, "samples_per_run", SWEEP_SAMPLES);
    cJSON_AddNumberToObject(sweep, "best_of", SWEEP_ROUNDS);
    cJSON_AddNumberToObject(sweep, "seconds_1_thread", r->seconds[0]);
    cJSON_AddNumberToObject(sweep, "seconds_2_threads", r->seconds[1]);
    cJSON_AddNumberToObject(sweep, "speedup", r->speedup);
}

/* The JSON of the paper's circuits' rows and the sweep; the gain rows are added to it. */
static cJSON *json_of(const bench_table *t, const bench_options *o)
{
    cJSON *root = cJSON_CreateObject(), *rows = cJSON_AddArrayToObject(root, "results");
    cJSON_AddNumberToObject(root, "dgemm_flops_per_s", t->dgemm);
    cJSON_AddNumberToObject(root, "eta", o->eta);
    cJSON_AddNumberToObject(root, "repeat", (double)o->repeat);
    if (t->swept)
        add_json_sweep(root, &t->sweep);
    for (size_t i = 0; i < t->count; i++)
        for (size_t p = 0; p < BENCH_PATHS; p++) {
            const path_result *r = &t->r[i][p];
            cJSON *row = cJSON_CreateObject();
            cJSON_AddNumberToObject(row, "n", (double)t->n[i]);
            cJSON_AddNumberToObject(row, "k", 2.0 * (double)t->n[i]);
            cJSON_AddStringToObject(row, "path", paths[p].name);
            cJSON_AddNumberToObject(row, "samples", (double)t->samples[i]);
            cJSON_AddNumberToObject(row, "samples_per_s", r->rate);
            cJSON_AddNumberToObject(row, "samples_per_s_wall", r->wall_rate);
            cJSON_AddNumberToObject(row, "rel_diff_M", r->diff);
            cJSON_AddNumberToObject(row, "flops_per_sample", r->flops);
            cJSON_AddNumberToObject(row, "bytes_per_sample", r->bytes);
            cJSON_AddNumberToObject(row, "dgemv_bytes_per_s", t->bandwidth[i]);
            cJSON_AddNumberToObject(row, "fraction_of_ceiling", r->fraction);
            if (p == P_DCG) {
                cJSON_AddNumberToObject(row, "cg_iterations", r->iterations);
                cJSON_AddNumberToObject(row, "refresh", (double)r->refresh);
            }
            if (p == P_IBLOCK)
                cJSON_AddNumberToObject(row, "block_length", (double)r->block);
            const size_t circuit = paths[p].kind == WH_NET_DIRECT ? 1 : 0;
            cJSON_AddBoolToObject(row, "auto", t->chose[i][circuit].path == p);
            if (t->chose[i][circuit].path == p)
                cJSON_AddNumberToObject(row, "auto_share_of_best", auto_share(t, i, circuit));
            cJSON_AddItemToArray(rows, row);
        }
    return root;
}

static int print_json(cJSON *root)
{
    char *text = cJSON_Print(root);
    if (text == NULL)
        return WH__EXIT_FAILURE;
    puts(text);
    cJSON_free(text);
    return WH__EXIT_OK;
}

/* samples/s against n, one series per path, with n^-2 and n^-3 guides through the fast
 * interneuron and exact interneuron points at the middle n. */
/* BASE.png and BASE.svg can be written, checked before the minutes of measuring. */
static int check_plot_paths(const char *base)
{
    char png[4096], svg[4096];
    if ((size_t)snprintf(png, sizeof png, "%s.png", base) >= sizeof png ||
        (size_t)snprintf(svg, sizeof svg, "%s.svg", base) >= sizeof svg) {
        fprintf(stderr, "whiten bench: option --plot: the name is too long\n");
        return WH__EXIT_USAGE;
    }
    const wh__cli_file files[] = {{"plot", png, true, NULL}, {"plot", svg, true, NULL}};
    int rc = wh__cli_check_files("bench", files, sizeof files / sizeof *files);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_memlimit_figures("bench");
    return rc;
}

static int plot_rates(const bench_table *t, const char *base)
{
    static double x[BENCH_MAX_N], y[BENCH_PATHS][BENCH_MAX_N], g2[BENCH_MAX_N], g3[BENCH_MAX_N];
    const size_t mid = t->count / 2;
    for (size_t i = 0; i < t->count; i++) {
        x[i] = (double)t->n[i];
        for (size_t p = 0; p < BENCH_PATHS; p++)
            y[p][i] = t->r[i][p].rate;
        g2[i] = t->r[mid][P_IBLOCK].rate * pow(x[i] / x[mid], -2.0);
        g3[i] = t->r[mid][P_IEXACT].rate * pow(x[i] / x[mid], -3.0);
    }
    wh__series s[BENCH_PATHS + 2];
    for (size_t p = 0; p < BENCH_PATHS; p++)
        s[p] = (wh__series){paths[p].name, WH__LINE_MARKERS, (int)p, t->count, x, y[p], NULL, NULL};
    s[BENCH_PATHS] = (wh__series){"O(n^2) guide", WH__DASHED, 6, t->count, x, g2, NULL, NULL};
    s[BENCH_PATHS + 1] = (wh__series){"O(n^3) guide", WH__DASHED, 7, t->count, x, g3, NULL, NULL};
    const wh__panel panel = {.title = "Learning speed of each path",
                             .xlabel = "n (input dimension; k = 2n)",
                             .ylabel = "samples per second (one BLAS thread)",
                             .xlog = true,
                             .ylog = true,
                             .nseries = BENCH_PATHS + 2,
                             .series = s,
                             .note = "whiten bench; CPU time of the thread",
                             .legend = WH__LEGEND_OUTSIDE_RIGHT};
    const wh__figure fig = {.npanels = 1, .panels = &panel};
    return wh__plot_write(&fig, base);
}

static const wh__command_help bench_help = {
    "bench",
    "Time every learning path (interneurons exact/fast/block, direct exact/fast/minibatch) at\n"
    "n = 4, 16, 64, 256, 1024 (k = 2n) on pre-generated data, against this machine's limits.",
    "Prints a table (or --json): samples/s, relative difference of the final M from the\n"
    "exact path, modelled flops and bytes per sample, and the fraction of the ceiling they\n"
    "imply from a dgemm rate and a dgemv bandwidth measured now. Runs one BLAS thread.\n"
    "Writes a log-log plot of samples/s against n (--plot BASE: BASE.png and BASE.svg).\n"
    "Last, a sweep of 8 independent runs as `whiten reproduce` runs them, on 1 and on 2\n"
    "threads (wall clock): the speed-up from parallelism across runs. Compare with a\n"
    "NumPy loop on this machine: benchmarks/numpy_reference.py and benchmarks/ratios.py.\n"
    "For each n it says which path --solver auto runs for each circuit and its rate as a\n"
    "share of the fastest path of the same online algorithm. Then the gain circuits' rows\n"
    "(in the JSON: \"gain_results\"). benchmarks/auto_grid.sh runs it over a grid of n.",
    "whiten bench --quick --plot bench\n"
    "  whiten bench --n 30 --repeat 1 --no-sweep --json",
};

int wh__cmd_bench(int argc, char **argv)
{
    bench_options o = {false, false, false, 3, 0, wh__cli_net_default().eta, 1, NULL};
    const wh__option table[] = {
        wh__opt_flag("quick", &o.quick, "n = 4, 16, 64 only, fewer samples, one run"),
        wh__opt_flag("json", &o.json, "print JSON instead of the table"),
        wh__opt_flag("no-sweep", &o.no_sweep,
                     "skip the two-thread sweep (for many runs of one --n each)"),
        wh__opt_size("repeat", &o.repeat, 1, 100, "runs per path; the fastest counts"),
        wh__opt_size("n", &o.n, 0, 4096,
                     "only this n (0: the default list), e.g. --n 32 to find a crossover"),
        wh__opt_double("eta", &o.eta, 0, 1, WH__OPEN_MIN | WH__OPEN_MAX, "learning rate"),
        wh__opt_u64("seed", &o.seed, 0, 1.8e19, "seed of the pre-generated data"),
        wh__opt_string("plot", &o.plot, "write BASE.png and BASE.svg"),
    };
    int rc = wh__options_parse(&bench_help, table, sizeof table / sizeof *table, argc, argv);
    if (rc == WH__PARSE_HELP)
        return WH__EXIT_OK;
    if (rc != WH__PARSE_OK)
        return WH__EXIT_USAGE;
    static const char *const repeat[] = {"repeat"};
    if (o.quick && wh__cli_refuse_given("bench", argc, argv, repeat, 1,
                                        "does not apply to --quick, which times once") !=
                       WH__EXIT_OK)
        return WH__EXIT_USAGE;
    if (o.plot != NULL && (rc = check_plot_paths(o.plot)) != WH__EXIT_OK)
        return rc;
    wh__linalg_single_thread();
    static bench_table t;
    static const size_t all_n[BENCH_MAX_N] = {4, 16, 64, 256, 1024};
    t.count = o.n != 0 ? 1 : (o.quick ? 3 : BENCH_MAX_N);
    if (o.quick)
        o.repeat = 1;
    t.dgemm = measure_dgemm();
    wh_status st = WH_OK;
    for (size_t i = 0; i < t.count && st == WH_OK; i++) {
        t.n[i] = o.n != 0 ? o.n : all_n[i];
        t.samples[i] = samples_for(t.n[i], o.quick);
        const double n = (double)t.n[i];
        t.bandwidth[i] = measure_dgemv(8.0 * (3.0 * n * n));
        st = bench_n(&o, &t, i);
    }
    t.swept = !o.no_sweep;
    if (st == WH_OK && t.swept)
        st = measure_sweep(o.seed, &t.sweep);
    if (st != WH_OK) {
        fprintf(stderr, "whiten bench: %s (%s)\n", wh_status_message(st), wh_status_name(st));
        return WH__EXIT_FAILURE;
    }
    const wh__bench_gain_setup gain = {o.quick, o.n, o.repeat, t.dgemm, o.eta, measure_dgemv};
    cJSON *root = o.json ? json_of(&t, &o) : NULL;
    if (o.json && root == NULL)
        return WH__EXIT_FAILURE;
    if (!o.json)
        print_table(&t);
    rc = wh__bench_gain(stdout, root, &gain) == 0 ? WH__EXIT_OK : WH__EXIT_FAILURE;
    if (rc == WH__EXIT_OK && o.json)
        rc = print_json(root);
    cJSON_Delete(root);
    if (rc == WH__EXIT_OK && o.plot != NULL && plot_rates(&t, o.plot) != 0)
        rc = WH__EXIT_FAILURE;
    return rc;
}
