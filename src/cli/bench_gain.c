/*
 * bench_gain.c: `whiten bench`, the gain circuits (science.md §7).
 *
 * Each step of a gain circuit factors M = alpha I + W diag(g) W^T by Cholesky, because
 * the gains move every one of its K directions at once (a rank-K change). The work
 * model, flops per sample:
 *   Cholesky n^3/3, two triangular solves 2n^2, and
 *   pairs frame (two non-zeros a column, K = n(n+1)/2): z, the gains and M in about 8K;
 *   random frame (dense): z = W^T y 2nK, and W diag(g) W^T (wh__gram_diag: vectorised
 *     loops for its lower triangle up to order 32, one dsyrk of W diag(sqrt g) beyond;
 *     from order 33 to 96 formed and factored in one pass, wh__chol_gram_diag, the same
 *     flops), counted n^2 K: with K = n(n+1)/2 that is n^4/2, the cost that grows faster
 *     than n^3;
 *   gains + synapses (K = n, dense, learning): that product n^2 K, z 2nK, W's update and
 *     norms about 8nK.
 * Two ceilings, both measured on the spot, one BLAS thread:
 *   "of dgemm": the model's flops at the 512 x 512 dgemm rate (the machine's peak), as for
 *     the paper's circuits; at small n no factorisation approaches it (OpenBLAS's dpotrf
 *     itself runs at 2.5 GFlop/s at n = 16 and 12 at n = 64 against ~50 for that dgemm);
 *   "of kernels": the time the step's unavoidable kernels take at this very n, called back
 *     to back on the same sizes (the factor, the two solves, and for a dense frame
 *     W diag(g) W^T as the step forms it), against the step's measured time. The O(K) and
 *     O(nK) vector work around them counts as free, so the ceiling is optimistic and the
 *     fraction says how much of a step is that kernel work.
 *
 * The fast path of the pairs frame (gain-pairs-fast, src/net/gain.c "The fast path") is
 * counted from what it did in the run (wh__net_gain_work): each CG solve is 2 + 2 x its
 * iterations symmetric products (P x, M y0 and P r0, then M d each iteration and P r each
 * but the last: pcg() in gain.c; until 2026-12-06 the model counted 3 + 2 x iterations, a
 * product a solve that is not made), each 2n^2 flops reading a triangle (4n^2 bytes); each
 * Cholesky factor (refreshes and the exact steps of a hold) n^3/3 + 2n^2, each inverse
 * 2n^3/3; and every sample one pass over the K columns, 8K flops and the bytes of the loop
 * that ran: the pairs frame's own loop 56 a column (the gain read and written, z written,
 * M's entry read and written, and z copied out to the network's output, a read and a
 * write), the general loop 96 (the same plus two row indices, two values and |w|^2 read;
 * until 2026-12-06 the model counted 88, the copy of z once). Its ceiling is that of the
 * paper's circuits: min(dgemm rate / flops, dgemv bandwidth at its working set / bytes),
 * the working set being M and P (one array of n + 1 rows: 8n(n + 1) bytes; 16n^2 until
 * P moved into M's buffer) and the column arrays the loop reads or writes, 8K bytes each
 * (g, z and the output z; the general loop's five more): for this path the bytes bind from
 * n = 64 on, and the factor's flops are the smaller part.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/bench_gain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "net/view.h"
#include "whiten.h"

typedef struct gain_row {
    const char *name;
    wh_net_kind kind;
    int frame;
    wh_solver solver;
    size_t n, K, samples;
    double rate, flops, fraction, kernels, kernel_fraction;
    double bytes, iterations; /* fast path: per sample, from the run's counts */
    double working_set;       /* fast path: bytes its ceiling's bandwidth is measured at */
    bool auto_runs;           /* WH_SOLVER_AUTO runs this row's path at this n */
    double auto_share;        /* auto row: its rate over the best of its circuit and frame */
} gain_row;

#define GAIN_MAX_ROWS 16

typedef struct gain_table {
    size_t count;
    gain_row rows[GAIN_MAX_ROWS];
} gain_table;

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
 * for a dense frame W diag(g) W^T as the step forms it (wh__gram_diag: vectorised loops up
 * to order 32, one dsyrk beyond; at orders WH__CHOL_GRAM_MIN to _MAX the step factors
 * alpha I + W diag(g) W^T straight from W, wh__chol_gram_diag, and so does this). Negative
 * on a failure.
 */
static double kernel_seconds(const gain_row *r)
{
    const size_t n = r->n, K = r->K, nn = n * n;
    const bool straight = dense(r) && n >= WH__CHOL_GRAM_MIN && n <= WH__CHOL_GRAM_MAX;
    const size_t gram = wh__chol_gram_diag_scratch(n, K) > (n + 1) * K
                            ? wh__chol_gram_diag_scratch(n, K)
                            : (n + 1) * K;
    double *m = wh__alloc(2 * nn + n * K + n + K + gram, sizeof *m);
    if (m == NULL)
        return -1.0;
    double *l = m + nn, *a = l + nn, *b = a + n * K, *g = b + n, *scratch = g + K;
    for (size_t i = 0; i < n * K; i++)
        a[i] = 1.0 / (double)(i % 89 + 1);
    for (size_t j = 0; j < K; j++)
        g[j] = 1.0 + 1.0 / (double)(j % 7 + 1);
    wh__gram_diag(n, K, a, K, g, scratch, m, n);
    for (size_t i = 0; i < n; i++)
        m[i * n + i] += 1.0;
    const double per = model(r) > 0.0 ? model(r) : 1.0;
    const size_t reps = (size_t)fmax(3.0, 2e7 / per);
    double best = INFINITY;
    for (int round = 0; round < 3; round++) {
        const double t0 = cpu_now();
        for (size_t k = 0; k < reps; k++) {
            bool factored;
            if (straight) {
                factored = wh__chol_gram_diag(n, K, 1.0, a, K, g, scratch, l, n);
            } else {
                if (dense(r))
                    wh__gram_diag(n, K, a, K, g, scratch, l, n);
                wh__copy_lower(n, m, n, l, n);
                factored = wh__chol(n, l, n);
            }
            if (!factored) {
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

/* Best of `repeat` runs of r->samples samples, seeded Gaussian inputs of spread ~ 10. */
static int time_row(gain_row *r, double eta, size_t repeat)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = r->kind, o.n = r->n, o.eta = eta, o.gain.frame = r->frame, o.gain.eta_w = eta / 10;
    o.solver = r->solver;
    double *X = wh__alloc(r->samples * r->n, sizeof *X);
    if (X == NULL)
        return -1;
    unsigned long long s = 88172645463325252ULL;
    for (size_t i = 0; i < r->samples * r->n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        X[i] = ((double)(s >> 11) * 0x1p-53 - 0.5) * 3.4 * (1.0 + 2.0 * (double)(i % r->n));
    }
    int rc = 0;
    for (size_t run = 0; run < repeat && rc == 0; run++) {
        wh_net *net = NULL;
        wh_status st = wh_net_new(&o, &net);
        const double t0 = cpu_now();
        for (size_t i = 0; st == WH_OK && i < r->samples; i++)
            st = wh_net_step(net, X + i * r->n, NULL, NULL, NULL);
        const double t = cpu_now() - t0;
        uint64_t counts[6];
        if (st == WH_OK && wh__net_gain_work(net, counts)) {
            const double n = (double)r->n, K = (double)wh_net_k(net), S = (double)r->samples;
            const double symv = 2.0 * (double)counts[0] + 2.0 * (double)counts[1];
            r->flops = (symv * 2.0 * n * n + (double)counts[4] * (n * n * n / 3.0 + 2.0 * n * n) +
                        (double)counts[3] * 2.0 * n * n * n / 3.0) /
                           S +
                       8.0 * K;
            const bool pairs = counts[5] == 1;
            r->bytes = symv * 4.0 * n * n / S + (pairs ? 56.0 : 96.0) * K;
            r->working_set = 8.0 * n * (n + 1.0) + (pairs ? 3.0 : 8.0) * 8.0 * K;
            r->iterations = (double)counts[1] / S;
        }
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

/* Whether WH_SOLVER_AUTO runs r's solver for r's circuit and frame at r's n. */
static bool auto_runs(const gain_row *r, double eta)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = r->kind, o.n = r->n, o.eta = eta, o.gain.frame = r->frame, o.gain.eta_w = eta / 10;
    wh_net *net = NULL;
    if (wh_net_new(&o, &net) != WH_OK)
        return false;
    const bool same = wh_net_solver(net) == r->solver;
    wh_net_free(net);
    return same;
}

/* The rows at one n: the pairs frame exact and fast, a random frame up to n = 16, gains
 * plus synapses. */
static void add_rows(gain_table *t, size_t n, size_t samples)
{
    const gain_row rows[4] = {
        {.name = "gain-pairs", .kind = WH_NET_GAIN, .frame = WH_FRAME_PAIRS, .solver = WH_SOLVER_EXACT},
        {.name = "gain-pairs-fast", .kind = WH_NET_GAIN, .frame = WH_FRAME_PAIRS, .solver = WH_SOLVER_FAST},
        {.name = "gain-random", .kind = WH_NET_GAIN, .frame = WH_FRAME_RANDOM, .solver = WH_SOLVER_EXACT},
        {.name = "gain-synapse", .kind = WH_NET_GAIN_SYNAPSE, .frame = WH_FRAME_DEFAULT,
         .solver = WH_SOLVER_EXACT},
    };
    for (size_t i = 0; i < 4; i++) {
        if (rows[i].frame == WH_FRAME_RANDOM && n > 16)
            continue; /* its dense rank-K product grows as n^4 */
        gain_row *r = &t->rows[t->count++];
        *r = rows[i];
        r->n = n, r->samples = samples;
    }
}

/* Time row r and fill its work model, ceilings and whether AUTO runs it. */
static int measure_row(gain_row *r, const wh__bench_gain_setup *s)
{
    if (time_row(r, s->eta, s->repeat) != 0)
        return -1;
    r->auto_runs = auto_runs(r, s->eta);
    if (r->bytes > 0.0) { /* the fast path: flops and bytes as it ran */
        const double ceiling = fmin(s->dgemm / r->flops, s->bandwidth(r->working_set) / r->bytes);
        r->fraction = r->rate / ceiling;
        r->kernels = r->kernel_fraction = NAN;
        return 0;
    }
    r->flops = model(r);
    r->fraction = r->rate * r->flops / s->dgemm;
    r->kernels = kernel_seconds(r);
    if (r->kernels < 0.0)
        return -1;
    r->kernel_fraction = r->rate * r->kernels;
    return 0;
}

/* Each AUTO row's rate over the fastest row of the same n, circuit and frame (the one
 * algorithm, run by another path). */
static void auto_shares(gain_table *t)
{
    for (size_t i = 0; i < t->count; i++) {
        gain_row *a = &t->rows[i];
        double best = a->rate;
        for (size_t j = 0; j < t->count; j++) {
            const gain_row *b = &t->rows[j];
            if (b->n == a->n && b->kind == a->kind && b->frame == a->frame)
                best = fmax(best, b->rate);
        }
        a->auto_share = a->auto_runs ? a->rate / best : (double)NAN;
    }
}

static void print_rows(FILE *out, const gain_table *t)
{
    fprintf(out,
            "\ngain circuits (exact: a Cholesky factor per sample; fast: CG between refreshes),"
            " one BLAS thread\n"
            "%-15s %5s %7s %12s %14s %9s %12s %11s %6s %9s\n",
            "path", "n", "K", "samples/s", "flops/sample", "of ceil.", "kernels us", "of kernels",
            "CG it", "auto");
    for (size_t i = 0; i < t->count; i++) {
        const gain_row *r = &t->rows[i];
        char kernels[32] = "-", share[32] = "-", iterations[32] = "-", chosen[32] = "";
        if (!isnan(r->kernels)) { /* exact rows; the fast row has its byte ceiling instead */
            snprintf(kernels, sizeof kernels, "%.3f", 1e6 * r->kernels);
            snprintf(share, sizeof share, "%.1f%%", 100.0 * r->kernel_fraction);
        } else {
            snprintf(iterations, sizeof iterations, "%.2f", r->iterations);
        }
        if (r->auto_runs)
            snprintf(chosen, sizeof chosen, "auto %.0f%%", 100.0 * r->auto_share);
        fprintf(out, "%-15s %5zu %7zu %12.0f %14.0f %8.1f%% %12s %11s %6s %9s\n", r->name, r->n,
                r->K, r->rate, r->flops, 100.0 * r->fraction, kernels, share, iterations, chosen);
    }
    fprintf(out, "of ceil.: exact rows, the modelled flops at the 512 x 512 dgemm rate; the fast\n"
                 "row, min(dgemm rate / flops, dgemv bandwidth at its working set / bytes) as\n"
                 "it ran. of kernels: the step's Cholesky factor, two solves (and, dense frames,\n"
                 "W diag(g) W^T) timed alone at this n, against the step's time\n"
                 "(vector work counted free). auto: the path --solver auto runs here, and its\n"
                 "rate as a share of the fastest path of the same circuit and frame.\n");
}

static void add_json_rows(cJSON *json, const gain_table *t)
{
    cJSON *rows = cJSON_AddArrayToObject(json, "gain_results");
    for (size_t i = 0; i < t->count; i++) {
        const gain_row *r = &t->rows[i];
        cJSON *row = cJSON_CreateObject();
        cJSON_AddNumberToObject(row, "n", (double)r->n);
        cJSON_AddNumberToObject(row, "K", (double)r->K);
        cJSON_AddStringToObject(row, "path", r->name);
        cJSON_AddNumberToObject(row, "samples", (double)r->samples);
        cJSON_AddNumberToObject(row, "samples_per_s", r->rate);
        cJSON_AddNumberToObject(row, "flops_per_sample", r->flops);
        cJSON_AddNumberToObject(row, "fraction_of_ceiling", r->fraction);
        if (isnan(r->kernels)) {
            cJSON_AddNumberToObject(row, "bytes_per_sample", r->bytes);
            cJSON_AddNumberToObject(row, "cg_iterations", r->iterations);
        } else {
            cJSON_AddNumberToObject(row, "kernel_seconds", r->kernels);
            cJSON_AddNumberToObject(row, "fraction_of_kernels", r->kernel_fraction);
        }
        cJSON_AddBoolToObject(row, "auto", r->auto_runs);
        if (r->auto_runs)
            cJSON_AddNumberToObject(row, "auto_share_of_best", r->auto_share);
        cJSON_AddItemToArray(rows, row);
    }
}

int wh__bench_gain(FILE *out, cJSON *json, const wh__bench_gain_setup *setup)
{
    static gain_table t;
    t.count = 0;
    const size_t sizes[4] = {4, 16, 64, 256};
    const size_t nsizes = setup->only_n != 0 ? 1 : (setup->quick ? 3u : 4u);
    for (size_t i = 0; i < nsizes; i++) {
        const size_t n = setup->only_n != 0 ? setup->only_n : sizes[i];
        add_rows(&t, n, gain_samples(n, setup->quick));
    }
    for (size_t i = 0; i < t.count; i++)
        if (measure_row(&t.rows[i], setup) != 0)
            return -1;
    auto_shares(&t);
    if (json != NULL)
        add_json_rows(json, &t);
    else
        print_rows(out, &t);
    return 0;
}
