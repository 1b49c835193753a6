/*
 * e8_gains.c: E8, gain modulation (science.md §7; Duong, Lipshutz et al., ICML 2023).
 *
 * One covariance C (n = 4, spectrum [0.1, 10], rotated), the gain circuit
 * M = I + W diag(g) W^T from g = 0, in population mode (eta_g = 0.05) and online
 * (eta_g = 10^-3), both to t = eta x steps = 200. Frames: the pairs frame and random
 * unit frames with K = n(n+1)/2 (which can whiten C), and a random frame with K = n
 * (which cannot). The oracle is the closed form g* = ((W^T W) o (W^T W))^{-1}
 * diag(W^T (C^{1/2} - I) W): the learned gains are compared with it, not only the
 * whitening error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot.h"
#include "repro/repro.h"
#include "whiten.h"
#include "net/view.h"

#define E8_FRAMES     "e8_frames.csv"
#define E8_CURVES     "e8_curves.csv"
#define E8_N          4
#define E8_KMAX       10    /* n(n+1)/2 */
#define E8_RECORD     200   /* rows of each curve: one per unit of time t */
#define E8_T          200.0 /* t = eta x steps of every run */
#define E8_EPS        1e-3  /* population error that counts as whitened */
#define E8_SUMMARY    7
#define E8_FRAME_COLS 9
#define E8_CURVE_COLS 9

enum { E8_PAIRS_POP = 0, E8_PAIRS_ONLINE = 1, E8_FEW_POP = 2, E8_RANDOM_POP = 3 };

static const char *const e8_frame_header[E8_FRAME_COLS] = {"unit",
                                                           "run",
                                                           "seed",
                                                           "K",
                                                           "cross_gram_condition",
                                                           "time_to_eps",
                                                           "final_error",
                                                           "final_gain_gap",
                                                           "averaged_gain_gap"};
static const char *const e8_curve_header[E8_CURVE_COLS] = {"t",
                                                           "pairs_population_error",
                                                           "pairs_population_gap",
                                                           "pairs_online_error",
                                                           "pairs_online_gap",
                                                           "few_gains_population_error",
                                                           "random_population_error_median",
                                                           "random_population_error_worst",
                                                           "random_population_gap_median"};

typedef struct e8_plan {
    double C[E8_N * E8_N];
    size_t seeds; /* random frames with K = n(n+1)/2 */
    uint64_t seed;
} e8_plan;

/* The run of unit i and its frame (n x K into W, K into *K). */
static int e8_run_kind(size_t i)
{
    return i < 3 ? (int)i : E8_RANDOM_POP;
}

static wh_status e8_frame(const e8_plan *p, size_t i, double *W, size_t *K, uint64_t *seed)
{
    const int run = e8_run_kind(i);
    *seed = p->seed + 800 + i;
    if (run == E8_PAIRS_POP || run == E8_PAIRS_ONLINE) {
        *K = E8_KMAX;
        return wh_frame_pairs(E8_N, W, *K);
    }
    *K = run == E8_FEW_POP ? E8_N : E8_KMAX;
    return wh_frame_random(E8_N, *K, *seed, W, *K);
}

/* |g - g*| / |g*| */
static double e8_gap(size_t K, const double *g, const double *gstar)
{
    double d = 0.0, s = 0.0;
    for (size_t j = 0; j < K; j++)
        d += (g[j] - gstar[j]) * (g[j] - gstar[j]), s += gstar[j] * gstar[j];
    return sqrt(d / s);
}

/*
 * Unit i into out: E8_SUMMARY values {K, condition, time to eps, final error, final gap,
 * gap of the gains averaged over the last quarter, seed}, then the error curve and the
 * gap curve (E8_RECORD values each).
 */
static void e8_job(size_t i, void *arg, double *out)
{
    const e8_plan *p = arg;
    const int run = e8_run_kind(i);
    const bool online = run == E8_PAIRS_ONLINE;
    double W[E8_N * E8_KMAX], gstar[E8_KMAX], gsum[E8_KMAX] = {0}, x[E8_N];
    size_t K;
    uint64_t seed;
    for (size_t v = 0; v < E8_SUMMARY + 2 * E8_RECORD; v++)
        out[v] = NAN;
    wh_status st = e8_frame(p, i, W, &K, &seed);
    double cond = NAN;
    if (st == WH_OK)
        st = wh_frame_condition(E8_N, K, W, K, &cond);
    const bool spans = st == WH_OK && isfinite(cond) && K == E8_KMAX;
    if (spans)
        st = wh_gain_optimum(E8_N, K, W, K, 1.0, p->C, E8_N, gstar);
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = WH_NET_GAIN, o.n = E8_N, o.k = K, o.eta = online ? 1e-3 : 0.05;
    o.gain.frame = WH_FRAME_MATRIX, o.gain.matrix = W, o.gain.ld = K;
    wh__run r = {0};
    if (st == WH_OK)
        st = wh__run_open(&o, p->C, 1, 0, p->seed + 850, &r);
    const uint64_t steps = (uint64_t)(E8_T / o.eta), every = steps / E8_RECORD;
    double t_eps = NAN;
    wh_errors e = {NAN, NAN, NAN};
    for (uint64_t t = 0; st == WH_OK && t <= steps; t++) {
        if (t % every == 0 || t == steps) {
            wh_metrics_eval(r.metrics, wh__net_lateral(r.net), E8_N, &e);
            if (isnan(t_eps) && e.spectral <= E8_EPS)
                t_eps = (double)t * o.eta;
            if (t < steps) {
                out[E8_SUMMARY + t / every] = e.spectral;
                out[E8_SUMMARY + E8_RECORD + t / every] =
                    spans ? e8_gap(K, wh_net_gains(r.net), gstar) : (double)NAN;
            }
        }
        if (t == steps)
            break;
        if (t >= steps - steps / 4)
            for (size_t j = 0; j < K; j++)
                gsum[j] += wh_net_gains(r.net)[j] / (double)(steps / 4);
        if (online) {
            wh_source_next(r.src, x, NULL);
            st = wh_net_step(r.net, x, NULL, NULL, NULL);
        } else {
            st = wh_net_step_expected(r.net, p->C, E8_N, NULL);
        }
    }
    out[0] = (double)K, out[1] = cond, out[2] = t_eps, out[3] = e.spectral;
    if (st == WH_OK && spans) {
        out[4] = e8_gap(K, wh_net_gains(r.net), gstar);
        out[5] = e8_gap(K, gsum, gstar);
    }
    out[6] = (double)seed;
    wh__run_close(&r);
}

/* Median and maximum of the random frames' column v (NaN counts as +infinity). */
static void e8_spread(const double *res, size_t width, size_t first, size_t count, size_t v,
                      double *median, double *worst)
{
    double vals[64], q1, q3;
    for (size_t s = 0; s < count; s++)
        vals[s] = res[(first + s) * width + v];
    wh__quartiles(vals, count, &q1, median, &q3);
    *worst = vals[count - 1];
}

static int e8_write(const e8_plan *p, const double *res, size_t units, size_t width,
                    const char *dir)
{
    double frames[(3 + 64) * E8_FRAME_COLS], curves[E8_RECORD * E8_CURVE_COLS];
    for (size_t i = 0; i < units; i++) {
        const double *u = res + i * width;
        const double row[E8_FRAME_COLS] = {
            (double)i, (double)e8_run_kind(i), u[6], u[0], u[1], u[2], u[3], u[4], u[5]};
        memcpy(frames + i * E8_FRAME_COLS, row, sizeof row);
    }
    for (size_t r = 0; r < E8_RECORD; r++) {
        double *c = curves + r * E8_CURVE_COLS, worst, unused;
        c[0] = (double)r * E8_T / E8_RECORD;
        c[1] = res[E8_SUMMARY + r];
        c[2] = res[E8_SUMMARY + E8_RECORD + r];
        c[3] = res[width + E8_SUMMARY + r];
        c[4] = res[width + E8_SUMMARY + E8_RECORD + r];
        c[5] = res[2 * width + E8_SUMMARY + r];
        e8_spread(res, width, 3, p->seeds, E8_SUMMARY + r, &c[6], &worst);
        c[7] = worst;
        e8_spread(res, width, 3, p->seeds, E8_SUMMARY + E8_RECORD + r, &c[8], &unused);
    }
    int rc = wh__repro_write_csv(dir, E8_FRAMES, e8_frame_header, E8_FRAME_COLS, frames, units);
    return rc == 0 ? wh__repro_write_csv(dir, E8_CURVES, e8_curve_header, E8_CURVE_COLS, curves,
                                         E8_RECORD)
                   : rc;
}

static int e8_compute(const wh__repro_settings *s, const char *dir)
{
    e8_plan p = {.seeds = s->full ? 32 : 8, .seed = s->seed};
    wh_spectrum spec = {.n = E8_N, .lo = 0.1, .hi = 10.0, .rotate = true, .seed = s->seed + 801};
    wh_status st = wh_covariance_from_spectrum(&spec, p.C, E8_N);
    if (st != WH_OK)
        return wh__repro_fail("E8", "covariance", st);
    const size_t units = 3 + p.seeds, width = E8_SUMMARY + 2 * E8_RECORD;
    double *res = calloc(units * width, sizeof *res);
    if (res == NULL)
        return wh__repro_fail("E8", "result table", WH_ENOMEM);
    const wh__sweep sweep = {units, width, e8_job, &p};
    int rc = wh__sweep_run(s, &sweep, res);
    if (rc == 0)
        rc = e8_write(&p, res, units, width, dir);
    free(res);
    return rc;
}

static int e8_figure(const char *dir, const wh__matrix *c)
{
    double **col = wh__columns(c);
    if (col == NULL)
        return -1;
    const size_t n = c->rows;
    const wh__series errors[5] = {
        {"pairs frame, population", WH__LINE, 1, n, col[0], col[1], NULL, NULL},
        {"pairs frame, online", WH__LINE, 5, n, col[0], col[3], NULL, NULL},
        {"random frames, median", WH__LINE, 4, n, col[0], col[6], NULL, NULL},
        {"random frames, slowest", WH__DASHED, 4, n, col[0], col[7], NULL, NULL},
        {"K = n random gains", WH__LINE, 0, n, col[0], col[5], NULL, NULL},
    };
    const wh__series gaps[3] = {
        {"pairs frame, population", WH__LINE, 1, n, col[0], col[2], NULL, NULL},
        {"pairs frame, online", WH__LINE, 5, n, col[0], col[4], NULL, NULL},
        {"random frames, median", WH__LINE, 4, n, col[0], col[8], NULL, NULL},
    };
    const wh__panel panels[2] = {
        {"E8: gain modulation whitens when K = n(n+1)/2", "t = η × steps",
         "whitening error ||M⁻¹CM⁻¹ − I||₂", false, true, 0, 0, 1e-12, 10, 5, errors,
         "n = 4, g = 0 at first; η = 0.05 (population), 10⁻³ (online)",
         WH__LEGEND_BELOW},
        {"learned gains against the closed form g*", "t = η × steps", "|g − g*| / |g*|", false,
         true, 0, 0, 1e-12, 10, 3, gaps, "g* = ((WᵀW)∘(WᵀW))⁻¹ diag(Wᵀ(C^½ − I)W)",
         WH__LEGEND_BELOW},
    };
    const wh__figure fig = {2, panels, 1600, 850};
    char base[4096];
    int rc = wh__repro_path(base, sizeof base, dir, "e8_gains");
    if (rc == 0)
        rc = wh__plot_write(&fig, base);
    wh__free_columns(col, E8_CURVE_COLS);
    return rc;
}

static double e8_inf(double v)
{
    return isnan(v) ? (double)INFINITY : v;
}

static void e8_verdicts(const wh__matrix *f, wh__buf *r)
{
    const double *pop = f->data, *onl = f->data + E8_FRAME_COLS, *few = f->data + 2 * E8_FRAME_COLS;
    double min_cond = (double)INFINITY, times[64], q1, median, q3;
    size_t seeds = 0;
    for (size_t i = 3; i < f->rows && seeds < 64; i++, seeds++) {
        const double *u = f->data + i * E8_FRAME_COLS;
        min_cond = fmin(min_cond, u[4]);
        times[seeds] = u[5];
    }
    wh__quartiles(times, seeds, &q1, &median, &q3);
    wh__verdict(r, pop[7] <= 1e-6,
                "population: the learned gains agree with the closed form g* (|g − g*|/|g*| = "
                "%.1e ≤ 1e-6)",
                pop[7]);
    wh__verdict(r, onl[8] <= 0.05,
                "online: the gains averaged over the last quarter are within the noise of g* "
                "(|ḡ − g*|/|g*| = %.3f ≤ 0.05; last gains %.3f, error %.3f)",
                onl[8], onl[7], onl[6]);
    wh__verdict(r, few[6] >= 0.1 && pop[6] <= 1e-6,
                "K = n gains cannot whiten a generic C (error stalls at %.2f ≥ 0.1) where K = "
                "n(n+1)/2 reach %.1e",
                few[6], pop[6]);
    wh__verdict(r, pop[4] < min_cond && e8_inf(pop[5]) < e8_inf(median),
                "the pairs frame is better conditioned than every random frame (%.0f against at "
                "best %.0f) and whitens sooner than the median random frame (t = %.1f against "
                "%.1f)",
                pop[4], min_cond, pop[5], median);
}

static int e8_render(const char *dir, wh__buf *r)
{
    wh__matrix f, c;
    if (wh__repro_read_csv(dir, E8_FRAMES, E8_FRAME_COLS, &f) != 0)
        return -1;
    if (f.rows < 4 || wh__repro_read_csv(dir, E8_CURVES, E8_CURVE_COLS, &c) != 0) {
        wh__matrix_free(&f);
        return -1;
    }
    wh__buf_printf(r,
                   "![E8](e8_gains.png)\n\nEach frame (`%s`; run 0 pairs population, 1 pairs "
                   "online, 2 K = n population, 3 random population):\n\n"
                   "| run | K | cond((WᵀW)∘(WᵀW)) | t to error %g | final error | |g − g*|/|g*| "
                   "|\n|---:|---:|---:|---:|---:|---:|\n",
                   E8_FRAMES, E8_EPS);
    for (size_t i = 0; i < f.rows; i++) {
        const double *u = f.data + i * E8_FRAME_COLS;
        wh__buf_printf(r, "| %.0f | %.0f | %.3g | %.1f | %.2e | %.2e |\n", u[1], u[3], u[4], u[5],
                       u[6], u[7]);
    }
    wh__buf_printf(r, "\n");
    e8_verdicts(&f, r);
    wh__buf_printf(r, "\n");
    int rc = e8_figure(dir, &c);
    wh__matrix_free(&f);
    wh__matrix_free(&c);
    return rc;
}

const wh__experiment wh__e8_gains = {"E8", "Gain modulation: learned gains against g*", e8_compute,
                                     e8_render};
