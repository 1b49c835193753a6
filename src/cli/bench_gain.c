/*
 * bench_gain.c: `whiten bench`, the gain circuits (science.md §7).
 *
 * Each step of a gain circuit factors M = alpha I + W diag(g) W^T by Cholesky, because
 * the gains move every one of its K directions at once (a rank-K change). The work
 * model, flops per sample:
 *   Cholesky n^3/3, two triangular solves 2n^2, and
 *   pairs frame (two non-zeros a column, K = n(n+1)/2): z, the gains and M in about 8K;
 *   random frame (dense): z = W^T y 2nK, and W diag(g) W^T = A A^T (A = W diag(sqrt g),
 *     every gain positive, as here) by one dsyrk, n^2 K: with K = n(n+1)/2 that is n^4/2,
 *     the cost that grows faster than n^3;
 *   gains + synapses (K = n, dense, learning): the dsyrk n^2 K, z 2nK, W's update and
 *     norms about 8nK.
 * Two ceilings, both measured on the spot, one BLAS thread:
 *   "of dgemm": the model's flops at the 512 x 512 dgemm rate (the machine's peak), as for
 *     the paper's circuits; at small n no factorisation approaches it (OpenBLAS's dpotrf
 *     itself runs at 2.5 GFlop/s at n = 16 and 12 at n = 64 against ~50 for that dgemm);
 *   "of kernels": the time this machine's LAPACK and BLAS take for the step's unavoidable
 *     kernels at this very n, called back to back on the same sizes (the factor, the two
 *     solves, and for a dense frame the dsyrk), against the step's measured time. The O(K)
 *     and O(nK) vector work around them counts as free, so the ceiling is optimistic and the
 *     fraction says how much of a step is that kernel work.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/bench_gain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "whiten.h"

typedef struct gain_row {
    const char *name;
    wh_net_kind kind;
    int frame;
    size_t n, K, samples;
    double rate, flops, fraction, kernels, kernel_fraction;
} gain_row;

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static bool dense(const gain_row *r)
{
    return r->kind == WH_NET_GAIN_SYNAPSE || r->frame != WH_FRAME_PAIRS;
}

static double model(const gain_row *r)
{
    const double n = (double)r->n, K = (double)r->K, base = n * n * n / 3.0 + 2.0 * n * n;
    if (r->kind == WH_NET_GAIN_SYNAPSE)
        return base + n * n * K + 2.0 * n * K + 8.0 * n * K;
    return dense(r) ? base + 2.0 * n * K + n * n * K : base + 8.0 * K;
}

/*
 * Seconds per sample of the step's kernels at r's sizes, best of three rounds: a Cholesky
 * factor of an n x n positive definite matrix and the two triangular solves with it, and
 * for a dense frame one dsyrk of an n x K matrix. Negative on a failure.
 */
static double kernel_seconds(const gain_row *r)
{
    const size_t n = r->n, K = r->K, nn = n * n;
    double *m = wh__alloc(2 * nn + n * K + n, sizeof *m);
    if (m == NULL)
        return -1.0;
    double *l = m + nn, *a = l + nn, *b = a + n * K;
    for (size_t i = 0; i < n * K; i++)
        a[i] = 1.0 / (double)(i % 89 + 1);
    wh__syrk_lower(false, n, K, 1.0, a, K, 0.0, m, n);
    for (size_t i = 0; i < n; i++)
        m[i * n + i] += 1.0;
    const double per = model(r) > 0.0 ? model(r) : 1.0;
    const size_t reps = (size_t)fmax(3.0, 2e7 / per);
    double best = INFINITY;
    for (int round = 0; round < 3; round++) {
        const double t0 = cpu_now();
        for (size_t k = 0; k < reps; k++) {
            if (dense(r))
                wh__syrk_lower(false, n, K, 1.0, a, K, 0.0, l, n);
            wh__copy_lower(n, m, n, l, n);
            if (!wh__chol(n, l, n)) {
                wh__free(m);
                return -1.0;
            }
            for (size_t i = 0; i < n; i++)
                b[i] = 1.0;
            wh__chol_solve(n, l, n, b);
        }
        best = fmin(best, (cpu_now() - t0) / (double)reps);
    }
    wh__free(m);
    return best;
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

/* Samples per run at n: enough for a stable rate, a second or so a path at most. */
static size_t gain_samples(size_t n, bool quick)
{
    if (quick)
        return n <= 64 ? 2000 : 100;
    return n <= 16 ? 100000 : n <= 64 ? 5000 : n <= 256 ? 300 : 20;
}

int wh__bench_gain(FILE *out, bool quick, size_t only_n, double dgemm, double eta)
{
    gain_row rows[12];
    size_t count = 0;
    const size_t sizes[4] = {4, 16, 64, 256};
    const size_t nsizes = only_n != 0 ? 1 : (quick ? 3u : 4u);
    for (size_t i = 0; i < nsizes; i++) {
        const size_t n = only_n != 0 ? only_n : sizes[i], samples = gain_samples(n, quick);
        rows[count++] =
            (gain_row){"gain-pairs", WH_NET_GAIN, WH_FRAME_PAIRS, n, 0, samples, 0, 0, 0, 0, 0};
        if (n <= 16)
            rows[count++] = (gain_row){
                "gain-random", WH_NET_GAIN, WH_FRAME_RANDOM, n, 0, samples, 0, 0, 0, 0, 0};
        rows[count++] = (gain_row){
            "gain-synapse", WH_NET_GAIN_SYNAPSE, WH_FRAME_DEFAULT, n, 0, samples, 0, 0, 0, 0, 0};
    }
    for (size_t i = 0; i < count; i++) {
        if (time_row(&rows[i], eta) != 0)
            return -1;
        rows[i].flops = model(&rows[i]);
        rows[i].fraction = rows[i].rate * rows[i].flops / dgemm;
        rows[i].kernels = kernel_seconds(&rows[i]);
        if (rows[i].kernels < 0.0)
            return -1;
        rows[i].kernel_fraction = rows[i].rate * rows[i].kernels;
    }
    fprintf(out,
            "\ngain circuits (exact: a Cholesky factor per sample), one BLAS thread\n"
            "%-14s %5s %7s %12s %14s %9s %12s %11s\n",
            "path", "n", "K", "samples/s", "flops/sample", "of dgemm", "kernels us", "of kernels");
    for (size_t i = 0; i < count; i++)
        fprintf(out, "%-14s %5zu %7zu %12.0f %14.0f %8.1f%% %12.3f %10.1f%%\n", rows[i].name,
                rows[i].n, rows[i].K, rows[i].rate, rows[i].flops, 100.0 * rows[i].fraction,
                1e6 * rows[i].kernels, 100.0 * rows[i].kernel_fraction);
    fprintf(out, "of dgemm: the modelled flops at the 512 x 512 dgemm rate; of kernels: the\n"
                 "step's Cholesky factor, two solves (and, dense frames, dsyrk of W diag(sqrt g))\n"
                 "timed alone at this n, against the step's time (vector work counted free)\n");
    return 0;
}
