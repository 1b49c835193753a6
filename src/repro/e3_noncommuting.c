/*
 * e3_noncommuting.c: E3, the headline without the simplifying assumption.
 *
 * Starts M0 = alpha R D R^T with a Haar-random rotation R and a random
 * spread D (log-uniform in [0.1, 1], largest entry 1, so alpha is the largest
 * eigenvalue of M0) do not commute with C, so the modes interact. For each
 * alpha, many seeds: the median and interquartile range of T_eps of both
 * flows, beside the closed form of the commuting start alpha I.
 */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "plot/plot.h"
#include "repro/repro.h"
#include "whiten.h"

#define E3_FILE "e3_noncommuting.csv"
#define E3_COLS 9
#define E3_N 4
#define E3_EPS 0.01

static const char *const e3_header[E3_COLS] = {
    "alpha", "direct_median", "direct_q1", "direct_q3", "interneuron_median",
    "interneuron_q1", "interneuron_q3", "direct_closed_form_alpha_I",
    "interneuron_closed_form_alpha_I"};

typedef struct e3_plan {
    uint64_t seed;
    double C[E3_N * E3_N], lambda[E3_N];
    size_t nalpha, nseeds;
    double *times; /* [alpha][seed][net] */
} e3_plan;

static double e3_alpha(const e3_plan *p, size_t i)
{
    return pow(10.0, -2.0 + 5.0 * (double)i / (double)(p->nalpha - 1));
}

/* A spread log-uniform in [0.1, 1] whose largest entry is exactly 1. */
static void e3_spread(uint64_t seed, double *d)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    size_t top = 0;
    if (rng != NULL)
        gsl_rng_set(rng, (unsigned long)(seed % 4294967291u) + 1u);
    for (size_t i = 0; i < E3_N; i++) {
        /* Out of memory leaves the spread log-spaced rather than random: still a valid start. */
        d[i] = pow(10.0, rng != NULL ? -gsl_rng_uniform(rng) : -(double)i / E3_N);
        top = d[i] > d[top] ? i : top;
    }
    d[top] = 1.0;
    gsl_rng_free(rng);
}

/* Unit `job`: one alpha and one seed; T_eps of both flows into out[0..2). */
static void e3_job(size_t job, void *arg, double *out)
{
    const e3_plan *p = arg;
    const size_t ia = job / p->nseeds, is = job % p->nseeds;
    double d[E3_N];
    e3_spread(p->seed * 1000003u + is, d);
    for (int kind = 0; kind < 2; kind++) {
        wh_flow_options o;
        wh_flow_options_default(&o);
        o.kind = (wh_net_kind)kind;
        o.n = E3_N;
        o.k = 2 * E3_N;
        o.covariance = p->C;
        o.init.kind = WH_INIT_ROTATED;
        o.init.alpha = e3_alpha(p, ia);
        o.init.spread = d;
        o.init.seed = p->seed + 7919u * is;
        o.eps = E3_EPS;
        wh_flow *flow = NULL;
        double t = (double)NAN;
        if (wh_flow_new(&o, &flow) == WH_OK)
            wh_flow_converge(flow, 10.0 * o.init.alpha + 1000.0, &t);
        wh_flow_free(flow);
        out[kind] = t;
    }
}

static void e3_summarise(const e3_plan *p, double *table)
{
    double v[1024];
    for (size_t ia = 0; ia < p->nalpha; ia++) {
        double *row = table + ia * E3_COLS, m0[E3_N];
        row[0] = e3_alpha(p, ia);
        for (int kind = 0; kind < 2; kind++) {
            for (size_t is = 0; is < p->nseeds; is++)
                v[is] = p->times[(ia * p->nseeds + is) * 2 + (size_t)kind];
            wh__quartiles(v, p->nseeds, &row[2 + 3 * kind], &row[1 + 3 * kind], &row[3 + 3 * kind]);
            for (size_t i = 0; i < E3_N; i++)
                m0[i] = row[0];
            row[7 + kind] = (double)NAN;
            wh_flow_closed_time((wh_net_kind)kind, E3_N, p->lambda, m0, E3_EPS, &row[7 + kind]);
        }
    }
}

static int e3_compute(const wh__repro_settings *s, const char *dir)
{
    e3_plan p = {.seed = s->seed, .nalpha = s->full ? 21 : 11, .nseeds = s->full ? 64 : 12};
    wh_spectrum spec = {.n = E3_N, .lo = 0.1, .hi = 10.0, .rotate = true, .seed = s->seed + 31};
    for (size_t i = 0; i < E3_N; i++)
        p.lambda[i] = 0.1 * pow(100.0, (double)i / (E3_N - 1));
    wh_status st = wh_covariance_from_spectrum(&spec, p.C, E3_N);
    if (st != WH_OK)
        return wh__repro_fail("E3", "input covariance", st);
    p.times = wh__alloc(p.nalpha * p.nseeds * 2, sizeof *p.times);
    double *table = wh__alloc(p.nalpha * E3_COLS, sizeof *table);
    int rc;
    if (p.times != NULL && table != NULL) {
        const wh__sweep sweep = {p.nalpha * p.nseeds, 2, e3_job, &p};
        rc = wh__sweep_run(s, &sweep, p.times);
        if (rc == 0) {
            e3_summarise(&p, table);
            rc = wh__repro_write_csv(dir, E3_FILE, e3_header, E3_COLS, table, p.nalpha);
        }
    } else {
        rc = wh__repro_fail("E3", "result tables", WH_ENOMEM);
    }
    wh__free(p.times);
    wh__free(table);
    return rc;
}

static int e3_figure(const char *dir, const wh__matrix *t)
{
    double **col = wh__columns(t);
    if (col == NULL)
        return wh__repro_fail("E3", "figure", WH_ENOMEM);
    const size_t n = t->rows;
    const wh__series series[4] = {
        {"direct: median, IQR band (rotated starts)", WH__LINE_MARKERS, 0, n, col[0], col[1],
         col[2], col[3]},
        {"direct: closed form for α I", WH__DASHED, 0, n, col[0], col[7], NULL, NULL},
        {"interneurons: median, IQR band (rotated starts)", WH__LINE_MARKERS, 1, n, col[0],
         col[4], col[5], col[6]},
        {"interneurons: closed form for α I", WH__DASHED, 1, n, col[0], col[8], NULL, NULL},
    };
    const wh__panel panel = {"E3: starts that do not commute with C", "largest eigenvalue α of M0",
                             "convergence time T#dε#u (continuous time)", true, true, 0, 0, 0, 0, 4,
                             series, "M0 = α R D Rᵀ, R Haar-random, D log-uniform in [0.1, 1]; "
                                     "ε = 0.01, n = 4",
                             WH__LEGEND_TOP_LEFT};
    const wh__figure fig = {1, &panel, 1100, 700};
    char base[4096];
    int rc = wh__repro_path(base, sizeof base, dir, "e3_noncommuting");
    if (rc == 0)
        rc = wh__plot_write(&fig, base);
    wh__free_columns(col, E3_COLS);
    return rc;
}

static int e3_render(const char *dir, wh__buf *r)
{
    wh__matrix t;
    if (wh__repro_read_csv(dir, E3_FILE, E3_COLS, &t) != 0)
        return -1;
    double ds, dr2, is, ir2;
    wh__fit_columns(&t, 0, 1, false, 10.0, 1000.0, &ds, &dr2);
    wh__fit_columns(&t, 0, 4, true, 10.0, 1000.0, &is, &ir2);
    const double *last = t.data + (t.rows - 1) * E3_COLS;
    wh__buf_printf(r, "![E3](e3_noncommuting.png)\n\nMedian and interquartile range of T<sub>ε</sub> "
                      "over random rotated starts (`%s`). Fits of the medians over "
                      "α ∈ [10, 1000]:\n\n| network | fit | slope | R² |\n|:---|:---|---:|---:|\n"
                      "| direct | median T<sub>ε</sub> against α | %.4f | %.6f |\n"
                      "| interneurons | median T<sub>ε</sub> against ln α | %.4f | %.6f |\n\n"
                      "At α = %g the median times are %.1f (direct) and %.2f (interneurons).\n\n",
                   E3_FILE, ds, dr2, is, ir2, last[0], last[1], last[4]);
    wh__verdict(r, fabs(ds - 1.0) <= 0.05 && dr2 >= 0.999,
                "direct: median T<sub>ε</sub> against α has slope %.3f (R² %.4f): still linear", ds, dr2);
    wh__verdict(r, fabs(is - 0.5) <= 0.05 && ir2 >= 0.999,
                "interneurons: median T<sub>ε</sub> against ln α has slope %.3f (R² %.4f): still "
                "logarithmic",
                is, ir2);
    wh__buf_printf(r, "\n");
    int rc = e3_figure(dir, &t);
    wh__matrix_free(&t);
    return rc;
}

const wh__experiment wh__e3_noncommuting = {"E3", "Random starts that do not commute with C",
                                            e3_compute, e3_render};
