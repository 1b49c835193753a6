/*
 * bench_gain.c: `whiten bench`, the gain circuits (science.md §7).
 *
 * Each step of a gain circuit factors M = alpha I + W diag(g) W^T by Cholesky, because
 * the gains move every one of its K = n(n+1)/2 directions at once (a rank-K change). The
 * work model, flops per sample:
 *   Cholesky n^3/3, two triangular solves 2n^2, and
 *   pairs frame (two non-zeros a column): z, the gains and M in about 8K = 4n^2 + 4n;
 *   random frame (dense): z = W^T y 2nK, and W diag(g) W^T by one dsyr2k, 2 n^2 K = n^4;
 *   gains + synapses (K = n, dense, learning): dsyr2k 2n^3, W's update and norms 6n^2.
 * The ceiling is that many flops at the dgemm rate measured on the spot; at small n the
 * per-call overheads dominate and no path approaches it.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/bench_gain.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "core/alloc.h"
#include "whiten.h"

typedef struct gain_row {
    const char *name;
    wh_net_kind kind;
    int frame;
    size_t n, K, samples;
    double rate, flops, fraction;
} gain_row;

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double model(const gain_row *r)
{
    const double n = (double)r->n, K = (double)r->K, base = n * n * n / 3.0 + 2.0 * n * n;
    if (r->kind == WH_NET_GAIN_SYNAPSE)
        return base + 2.0 * n * n * K + 8.0 * n * K;
    return r->frame == WH_FRAME_PAIRS ? base + 8.0 * K : base + 2.0 * n * K + 2.0 * n * n * K;
}

/* Best of three runs of r->samples samples, seeded Gaussian inputs of spread ~ 10. */
static int time_row(gain_row *r, double eta)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = r->kind, o.n = r->n, o.eta = eta, o.gain.frame = r->frame, o.gain.eta_w = eta / 10;
    double *X = wh__alloc(r->samples * r->n, sizeof *X);
    if (X == NULL)
        return -1;
    unsigned long long s = 88172645463325252ULL;
    for (size_t i = 0; i < r->samples * r->n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        X[i] = ((double)(s >> 11) * 0x1p-53 - 0.5) * 3.4 * (1.0 + 2.0 * (double)(i % r->n));
    }
    int rc = 0;
    for (int run = 0; run < 3 && rc == 0; run++) {
        wh_net *net = NULL;
        wh_status st = wh_net_new(&o, &net);
        const double t0 = cpu_now();
        for (size_t i = 0; st == WH_OK && i < r->samples; i++)
            st = wh_net_step(net, X + i * r->n, NULL, NULL, NULL);
        const double t = cpu_now() - t0;
        if (st == WH_OK) {
            r->K = wh_net_k(net);
            r->rate = fmax(r->rate, (double)r->samples / t);
        } else {
            fprintf(stderr, "whiten bench: %s at n = %zu: %s\n", r->name, r->n,
                    wh_status_message(st));
            rc = -1;
        }
        wh_net_free(net);
    }
    wh__free(X);
    return rc;
}

int wh__bench_gain(FILE *out, bool quick, double dgemm, double eta)
{
    gain_row rows[12];
    size_t count = 0;
    const size_t sizes[4] = {4, 16, 64, 256};
    for (size_t i = 0; i < (quick ? 3u : 4u); i++) {
        const size_t n = sizes[i], samples = quick ? 2000
                                                   : (n <= 16   ? 100000
                                                      : n <= 64 ? 5000
                                                                : 300);
        rows[count++] =
            (gain_row){"gain-pairs", WH_NET_GAIN, WH_FRAME_PAIRS, n, 0, samples, 0, 0, 0};
        if (n <= 16)
            rows[count++] =
                (gain_row){"gain-random", WH_NET_GAIN, WH_FRAME_RANDOM, n, 0, samples, 0, 0, 0};
        if (n <= 64)
            rows[count++] = (gain_row){
                "gain-synapse", WH_NET_GAIN_SYNAPSE, WH_FRAME_DEFAULT, n, 0, samples, 0, 0, 0};
    }
    for (size_t i = 0; i < count; i++) {
        if (time_row(&rows[i], eta) != 0)
            return -1;
        rows[i].flops = model(&rows[i]);
        rows[i].fraction = rows[i].rate * rows[i].flops / dgemm;
    }
    fprintf(out,
            "\ngain circuits (exact: a Cholesky factor per sample), one BLAS thread\n"
            "%-14s %5s %7s %14s %14s %10s\n",
            "path", "n", "K", "samples/s", "flops/sample", "of dgemm");
    for (size_t i = 0; i < count; i++)
        fprintf(out, "%-14s %5zu %7zu %14.0f %14.0f %9.1f%%\n", rows[i].name, rows[i].n, rows[i].K,
                rows[i].rate, rows[i].flops, 100.0 * rows[i].fraction);
    return 0;
}
