/*
 * e2_times.c: E2, convergence time against the scale of the initialisation.
 *
 * From M0 = alpha I (a start that commutes with C), the flows of both
 * networks are integrated until the whitening error reaches eps, for alpha
 * from 1e-2 to 1e3, beside the closed-form times of science.md §4. The claim:
 * the direct network's time grows linearly in alpha (slope 1), the
 * interneuron network's logarithmically (slope 1/2 per unit of ln alpha).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "plot/plot.h"
#include "repro/repro.h"
#include "whiten.h"

#define E2_FILE "e2_times.csv"
#define E2_COLS 5
#define E2_N 4
#define E2_EPS 0.01
#define E2_FIT_LO 10.0 /* slopes are fitted over alpha in [10, 1000] */
#define E2_FIT_HI 1000.0

static const char *const e2_header[E2_COLS] = {"alpha", "direct_flow", "direct_closed_form",
                                               "interneuron_flow", "interneuron_closed_form"};

typedef struct e2_plan {
    double C[E2_N * E2_N], lambda[E2_N];
    size_t count;
    double *table; /* count x E2_COLS */
} e2_plan;

/* Numerical and closed-form T_eps for one network from M0 = alpha I. */
static void e2_times(const e2_plan *p, wh_net_kind kind, double alpha, double *flow_time,
                     double *closed_time)
{
    const double m0[E2_N] = {alpha, alpha, alpha, alpha};
    wh_flow_options o;
    wh_flow_options_default(&o);
    o.kind = kind;
    o.n = E2_N;
    o.k = 2 * E2_N;
    o.covariance = p->C;
    o.init.alpha = alpha;
    o.eps = E2_EPS;
    wh_flow *flow = NULL;
    *flow_time = *closed_time = (double)NAN;
    if (wh_flow_new(&o, &flow) == WH_OK)
        wh_flow_converge(flow, 10.0 * alpha + 1000.0, flow_time);
    wh_flow_free(flow);
    wh_flow_closed_time(kind, E2_N, p->lambda, m0, E2_EPS, closed_time);
}

/* Unit i: one alpha, its row of the table into row. */
static void e2_job(size_t i, void *arg, double *row)
{
    const e2_plan *p = arg;
    row[0] = pow(10.0, -2.0 + 5.0 * (double)i / (double)(p->count - 1));
    e2_times(p, WH_NET_DIRECT, row[0], &row[1], &row[2]);
    e2_times(p, WH_NET_INTERNEURON, row[0], &row[3], &row[4]);
}

static int e2_compute(const wh__repro_settings *s, const char *dir)
{
    e2_plan p = {.count = s->full ? 41 : 21};
    wh_spectrum spec = {.n = E2_N, .lo = 0.1, .hi = 10.0, .rotate = true, .seed = s->seed + 21};
    for (size_t i = 0; i < E2_N; i++)
        p.lambda[i] = 0.1 * pow(100.0, (double)i / (E2_N - 1));
    wh_status st = wh_covariance_from_spectrum(&spec, p.C, E2_N);
    if (st != WH_OK)
        return wh__repro_fail("E2", "input covariance", st);
    p.table = wh__alloc(p.count * E2_COLS, sizeof *p.table);
    if (p.table == NULL)
        return wh__repro_fail("E2", "result table", WH_ENOMEM);
    const wh__sweep sweep = {p.count, E2_COLS, e2_job, &p};
    int rc = wh__sweep_run(s, &sweep, p.table);
    if (rc == 0)
        rc = wh__repro_write_csv(dir, E2_FILE, e2_header, E2_COLS, p.table, p.count);
    wh__free(p.table);
    return rc;
}

static double e2_worst_gap(const wh__matrix *t)
{
    double worst = 0.0;
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 1; c < E2_COLS; c += 2) {
            const double num = t->data[r * E2_COLS + c], exact = t->data[r * E2_COLS + c + 1];
            const double gap = exact > 0.0 ? fabs(num - exact) / exact : fabs(num - exact);
            worst = isnan(gap) ? (double)INFINITY : fmax(worst, gap);
        }
    return worst;
}

static int e2_figure(const char *dir, const wh__matrix *t)
{
    double **col = wh__columns(t);
    if (col == NULL)
        return wh__repro_fail("E2", "figure", WH_ENOMEM);
    const size_t n = t->rows;
    const wh__series series[4] = {
        {"direct: closed form", WH__LINE, 0, n, col[0], col[2], NULL, NULL},
        {"direct: integrated flow", WH__MARKERS, 0, n, col[0], col[1], NULL, NULL},
        {"interneurons: closed form", WH__LINE, 1, n, col[0], col[4], NULL, NULL},
        {"interneurons: integrated flow", WH__MARKERS, 1, n, col[0], col[3], NULL, NULL},
    };
    /* The same series unlabelled: the left panel's legend serves both, and in the right
     * one any legend would hide the direct line leaving through the top. */
    wh__series unlabelled[4];
    for (size_t i = 0; i < 4; i++) {
        unlabelled[i] = series[i];
        unlabelled[i].label = NULL;
    }
    const wh__panel panels[2] = {
        {"linear axes: direct grows ∝ α", "initial scale α (M0 = α I)",
         "convergence time T#dε#u (continuous time)", false, false, 0, 0, 0, 0, 4, series,
         "ε = 0.01, n = 4, spectrum [0.1, 10]", WH__LEGEND_TOP_LEFT},
        {"log α axis: interneurons grow ∝ ln α", "initial scale α (M0 = α I)",
         "convergence time T#dε#u (continuous time)", true, false, 0, 0, 0, 12.0, 4, unlabelled,
         "T#dε#u ≈ ½ ln α (interneurons); direct exits above α ≈ 5", WH__LEGEND_TOP_LEFT},
    };
    const wh__figure fig = {2, panels, 1500, 650};
    char base[4096];
    int rc = wh__repro_path(base, sizeof base, dir, "e2_times");
    if (rc == 0)
        rc = wh__plot_write(&fig, base);
    wh__free_columns(col, E2_COLS);
    return rc;
}

static int e2_render(const char *dir, wh__buf *r)
{
    wh__matrix t;
    if (wh__repro_read_csv(dir, E2_FILE, E2_COLS, &t) != 0)
        return -1;
    double ds, dr2, is, ir2;
    wh__fit_columns(&t, 0, 1, false, E2_FIT_LO, E2_FIT_HI, &ds, &dr2);
    wh__fit_columns(&t, 0, 3, true, E2_FIT_LO, E2_FIT_HI, &is, &ir2);
    const double worst = e2_worst_gap(&t);
    wh__buf_printf(r, "![E2](e2_times.png)\n\nConvergence time T<sub>ε</sub> (ε = %g) of the integrated "
                      "flows from M0 = α I, beside the closed forms (`%s`). Slopes fitted over "
                      "α ∈ [%g, %g]:\n\n| network | fit | slope | R² |\n|:---|:---|---:|---:|\n"
                      "| direct | T<sub>ε</sub> against α | %.4f | %.6f |\n"
                      "| interneurons | T<sub>ε</sub> against ln α | %.4f | %.6f |\n\n",
                   E2_EPS, E2_FILE, E2_FIT_LO, E2_FIT_HI, ds, dr2, is, ir2);
    wh__verdict(r, fabs(ds - 1.0) <= 0.02 && dr2 >= 0.999,
                "direct: T<sub>ε</sub> against α has slope %.3f (R² %.4f): linear", ds, dr2);
    wh__verdict(r, fabs(is - 0.5) <= 0.02 && ir2 >= 0.999,
                "interneurons: T<sub>ε</sub> against ln α has slope %.3f (R² %.4f): logarithmic", is, ir2);
    wh__verdict(r, worst <= 1e-6,
                "integrated flows agree with the closed forms: largest relative gap %.1e <= 1e-6",
                worst);
    wh__buf_printf(r, "\n");
    int rc = e2_figure(dir, &t);
    wh__matrix_free(&t);
    return rc;
}

const wh__experiment wh__e2_times = {"E2", "Convergence time against the initial scale (linear "
                                           "vs logarithmic)",
                                     e2_compute, e2_render};
