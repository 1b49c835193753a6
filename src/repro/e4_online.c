/*
 * e4_online.c: E4, the online networks themselves on sampled data.
 *
 * From M0 = alpha I, both networks learn online at learning rate eta; the
 * number of samples until the whitening error first falls to eps is compared
 * with T_eps / eta from the closed form of the flow (science.md §4: in
 * discrete time the number of samples is about T_eps / eta). eps sits above
 * the online noise floor (science.md §3), which the error curves show.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "plot/plot.h"
#include "repro/repro.h"
#include "whiten.h"

#define E4_TIMES_FILE "e4_samples_to_eps.csv"
#define E4_TIMES_COLS 9
#define E4_CURVES_FILE "e4_curves.csv"
#define E4_CURVES_COLS 5
#define E4_N 4
#define E4_ETA 1e-3
#define E4_EPS 0.5
#define E4_CHECK 20        /* samples between error checks */
#define E4_RECORD 500      /* samples between points of the curves */
#define E4_CURVE_ALPHA 30.0

static const char *const e4_times_header[E4_TIMES_COLS] = {
    "alpha", "direct_median", "direct_q1", "direct_q3", "direct_flow_T_over_eta",
    "interneuron_median", "interneuron_q1", "interneuron_q3", "interneuron_flow_T_over_eta"};
static const char *const e4_curves_header[E4_CURVES_COLS] = {
    "samples", "direct_online", "interneuron_online", "direct_flow", "interneuron_flow"};

typedef struct e4_plan {
    uint64_t seed;
    double C[E4_N * E4_N], lambda[E4_N];
    size_t nalpha, nseeds;
    uint64_t curve_samples;
    double *samples; /* [alpha][seed][net] samples to eps */
    double *curves;  /* rows x E4_CURVES_COLS */
    double *online;  /* 2 x rows: the online columns of the curves, one network after the other */
} e4_plan;

static double e4_alpha(const e4_plan *p, size_t i)
{
    return pow(10.0, -0.5 + 2.5 * (double)i / (double)(p->nalpha - 1));
}

static double e4_flow_time(const e4_plan *p, wh_net_kind kind, double alpha, double eps)
{
    const double m0[E4_N] = {alpha, alpha, alpha, alpha};
    double t = (double)NAN;
    wh_flow_closed_time(kind, E4_N, p->lambda, m0, eps, &t);
    return t;
}

/* The whitening error of the flow from alpha I at time t: max over closed-form modes. */
static double e4_flow_error(const e4_plan *p, wh_net_kind kind, double alpha, double t)
{
    double worst = 0.0;
    for (size_t i = 0; i < E4_N; i++) {
        double m = (double)NAN;
        wh_flow_mode(kind, p->lambda[i], alpha, t, &m);
        worst = fmax(worst, fabs(p->lambda[i] / (m * m) - 1.0));
    }
    return worst;
}

/*
 * One online run from alpha I. With `curve` set, the error every E4_RECORD
 * samples goes into curve[t / E4_RECORD]; otherwise the run stops at the
 * first passage below eps. Returns the first-passage sample count (NaN if
 * none within the cap).
 */
static double e4_run(const e4_plan *p, wh_net_kind kind, double alpha, uint64_t seed,
                     uint64_t cap, double *curve)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = kind;
    o.n = E4_N;
    o.k = 2 * E4_N;
    o.eta = E4_ETA;
    o.init.alpha = alpha;
    wh_passage pass;
    wh_passage_init(&pass, E4_EPS);
    wh__run run;
    wh_status st = wh__run_open(&o, p->C, 1, 0, seed, &run);
    double x[E4_N];
    for (uint64_t t = 0; st == WH_OK && t <= cap && (curve != NULL || !pass.reached); t++) {
        const bool record = curve != NULL && t % E4_RECORD == 0;
        if (t % E4_CHECK == 0 || record) {
            wh_errors e = {(double)NAN, (double)NAN, (double)NAN};
            st = wh_metrics_eval(run.metrics, wh_net_lateral(run.net), E4_N, &e);
            wh_passage_observe(&pass, t, E4_ETA, e.spectral);
            if (record)
                curve[t / E4_RECORD] = e.spectral;
        }
        wh_source_next(run.src, x, NULL);
        if (st == WH_OK)
            st = wh_net_step(run.net, x, NULL, NULL, NULL);
    }
    wh__run_close(&run);
    return pass.reached ? (double)pass.samples : (double)NAN;
}

/* Unit j of the first sweep: the error curve of network j at one alpha into curve. */
static void e4_curve_job(size_t j, void *arg, double *curve)
{
    const e4_plan *p = arg;
    e4_run(p, (wh_net_kind)j, E4_CURVE_ALPHA, p->seed + 41, p->curve_samples, curve);
}

/* Unit `job` of the second sweep: one alpha and one seed; samples to eps of both into out. */
static void e4_job(size_t job, void *arg, double *out)
{
    const e4_plan *p = arg;
    const size_t ia = job / p->nseeds, is = job % p->nseeds;
    const double alpha = e4_alpha(p, ia);
    for (int kind = 0; kind < 2; kind++) {
        const double t = e4_flow_time(p, (wh_net_kind)kind, alpha, E4_EPS);
        const uint64_t cap = isfinite(t) ? (uint64_t)(3.0 * t / E4_ETA) + 20000 : 1000000;
        out[kind] = e4_run(p, (wh_net_kind)kind, alpha, p->seed + 4243u * is + 1, cap, NULL);
    }
}

static void e4_summarise(const e4_plan *p, double *table)
{
    double v[1024];
    for (size_t ia = 0; ia < p->nalpha; ia++) {
        double *row = table + ia * E4_TIMES_COLS;
        row[0] = e4_alpha(p, ia);
        for (int kind = 0; kind < 2; kind++) {
            double *out = row + 1 + 4 * kind;
            for (size_t is = 0; is < p->nseeds; is++)
                v[is] = p->samples[(ia * p->nseeds + is) * 2 + (size_t)kind];
            wh__quartiles(v, p->nseeds, &out[1], &out[0], &out[2]);
            out[3] = e4_flow_time(p, (wh_net_kind)kind, row[0], E4_EPS) / E4_ETA;
        }
    }
}

static void e4_fill_curves(e4_plan *p, size_t rows)
{
    for (size_t r = 0; r < rows; r++) {
        double *row = p->curves + r * E4_CURVES_COLS;
        row[0] = (double)(r * E4_RECORD);
        row[1] = p->online[r];
        row[2] = p->online[rows + r];
        row[3] = e4_flow_error(p, WH_NET_DIRECT, E4_CURVE_ALPHA, row[0] * E4_ETA);
        row[4] = e4_flow_error(p, WH_NET_INTERNEURON, E4_CURVE_ALPHA, row[0] * E4_ETA);
    }
}

static int e4_compute(const wh__repro_settings *s, const char *dir)
{
    e4_plan p = {.seed = s->seed, .nalpha = s->full ? 11 : 6, .nseeds = s->full ? 32 : 8};
    wh_spectrum spec = {.n = E4_N, .lo = 0.1, .hi = 10.0, .rotate = true, .seed = s->seed + 40};
    for (size_t i = 0; i < E4_N; i++)
        p.lambda[i] = 0.1 * pow(100.0, (double)i / (E4_N - 1));
    wh_status st = wh_covariance_from_spectrum(&spec, p.C, E4_N);
    if (st != WH_OK)
        return wh__repro_fail("E4", "input covariance", st);
    p.curve_samples = (uint64_t)(1.3 * e4_flow_time(&p, WH_NET_DIRECT, E4_CURVE_ALPHA, 0.01) /
                                 E4_ETA / E4_RECORD) * E4_RECORD;
    const size_t rows = (size_t)(p.curve_samples / E4_RECORD) + 1;
    p.samples = wh__alloc(p.nalpha * p.nseeds * 2, sizeof *p.samples);
    p.curves = wh__alloc(rows * E4_CURVES_COLS, sizeof *p.curves);
    p.online = wh__alloc(2 * rows, sizeof *p.online);
    double *table = wh__alloc(p.nalpha * E4_TIMES_COLS, sizeof *table);
    int rc = p.samples != NULL && p.curves != NULL && p.online != NULL && table != NULL
                 ? 0
                 : wh__repro_fail("E4", "result tables", WH_ENOMEM);
    const wh__sweep curves = {2, rows, e4_curve_job, &p};
    const wh__sweep runs = {p.nalpha * p.nseeds, 2, e4_job, &p};
    if (rc == 0)
        rc = wh__sweep_run(s, &curves, p.online);
    if (rc == 0)
        rc = wh__sweep_run(s, &runs, p.samples);
    if (rc == 0) {
        e4_summarise(&p, table);
        e4_fill_curves(&p, rows);
        rc = wh__repro_write_csv(dir, E4_TIMES_FILE, e4_times_header, E4_TIMES_COLS, table,
                                 p.nalpha);
        if (rc == 0)
            rc = wh__repro_write_csv(dir, E4_CURVES_FILE, e4_curves_header, E4_CURVES_COLS,
                                     p.curves, rows);
    }
    wh__free(p.samples);
    wh__free(p.curves);
    wh__free(p.online);
    wh__free(table);
    return rc;
}

static int e4_figure(const char *dir, const wh__matrix *times, const wh__matrix *curves)
{
    double **tc = wh__columns(times), **cc = wh__columns(curves);
    int rc = -1;
    if (tc != NULL && cc != NULL) {
        const size_t n = times->rows, m = curves->rows;
        const wh__series left[4] = {
            {"direct, online", WH__LINE, 4, m, cc[0], cc[1], NULL, NULL},
            {"interneurons, online", WH__LINE, 5, m, cc[0], cc[2], NULL, NULL},
            {"direct, flow (closed form)", WH__DASHED, 0, m, cc[0], cc[3], NULL, NULL},
            {"interneurons, flow (closed form)", WH__DASHED, 1, m, cc[0], cc[4], NULL, NULL},
        };
        const wh__series right[4] = {
            {"direct: online median, IQR", WH__MARKERS, 0, n, tc[0], tc[1], tc[2], tc[3]},
            {"direct: T_ε / η of the flow", WH__LINE, 0, n, tc[0], tc[4], NULL, NULL},
            {"interneurons: online median, IQR", WH__MARKERS, 1, n, tc[0], tc[5], tc[6], tc[7]},
            {"interneurons: T_ε / η of the flow", WH__LINE, 1, n, tc[0], tc[8], NULL, NULL},
        };
        const wh__panel panels[2] = {
            {"online learning from M0 = 30 I", "samples", "whitening error ||M⁻¹CM⁻¹ − I||₂",
             false, true, 0, 0, 1e-3, 1e2, 4, left, "η = 10⁻³, n = 4, spectrum [0.1, 10]",
             WH__LEGEND_BOTTOM_LEFT},
            {"samples until the error first reaches ε = 0.5", "initial scale α (M0 = α I)",
             "samples", true, true, 0, 0, 0, 0, 4, right, "markers: online runs; lines: flow",
             WH__LEGEND_TOP_LEFT},
        };
        const wh__figure fig = {2, panels, 1500, 650};
        char base[4096];
        rc = wh__repro_path(base, sizeof base, dir, "e4_online");
        if (rc == 0)
            rc = wh__plot_write(&fig, base);
    }
    wh__free_columns(tc, times->cols);
    wh__free_columns(cc, curves->cols);
    return rc;
}

/* Largest |median / (T_eps/eta) - 1| over alpha >= 1 for one network. */
static double e4_worst_ratio(const wh__matrix *t, int kind)
{
    double worst = 0.0;
    for (size_t r = 0; r < t->rows; r++) {
        const double *row = t->data + r * E4_TIMES_COLS;
        if (row[0] < 1.0)
            continue;
        const double gap = fabs(row[1 + 4 * kind] / row[4 + 4 * kind] - 1.0);
        worst = isnan(gap) ? (double)INFINITY : fmax(worst, gap);
    }
    return worst;
}

static void e4_table(wh__buf *r, const wh__matrix *t)
{
    wh__buf_printf(r, "| α | direct online (median) | direct T_ε/η | interneurons online "
                      "(median) | interneurons T_ε/η |\n|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < t->rows; i++) {
        const double *row = t->data + i * E4_TIMES_COLS;
        wh__buf_printf(r, "| %.3g | %.0f | %.0f | %.0f | %.0f |\n", row[0], row[1], row[4],
                       row[5], row[8]);
    }
}

static int e4_render(const char *dir, wh__buf *r)
{
    wh__matrix times, curves;
    if (wh__repro_read_csv(dir, E4_TIMES_FILE, E4_TIMES_COLS, &times) != 0)
        return -1;
    if (wh__repro_read_csv(dir, E4_CURVES_FILE, E4_CURVES_COLS, &curves) != 0) {
        wh__matrix_free(&times);
        return -1;
    }
    wh__buf_printf(r, "![E4](e4_online.png)\n\nSamples until the whitening error first reaches "
                      "ε = %g online (η = %g; median over seeds, `%s`), beside T_ε/η from the "
                      "flow:\n\n",
                   E4_EPS, E4_ETA, E4_TIMES_FILE);
    e4_table(r, &times);
    const double dw = e4_worst_ratio(&times, 0), iw = e4_worst_ratio(&times, 1);
    wh__buf_printf(r, "\n");
    wh__verdict(r, dw <= 0.25 && iw <= 0.25,
                "online samples-to-ε ≈ T_ε/η for α ≥ 1: largest relative gap %.2f (direct), "
                "%.2f (interneurons), within 0.25",
                dw, iw);
    const double *last = times.data + (times.rows - 1) * E4_TIMES_COLS;
    wh__verdict(r, last[1] >= 10.0 * last[5],
                "at α = %.3g the online interneuron network needs %.0f× fewer samples than the "
                "direct one",
                last[0], last[1] / last[5]);
    wh__buf_printf(r, "\n");
    int rc = e4_figure(dir, &times, &curves);
    wh__matrix_free(&times);
    wh__matrix_free(&curves);
    return rc;
}

const wh__experiment wh__e4_online = {"E4", "The online networks on sampled data", e4_compute,
                                      e4_render};
