/*
 * e1_flows.c: E1, the two flows from several initial scales, integrated
 * numerically beside their closed forms (science.md §3-§4).
 *
 * From M0 = alpha I every eigenvalue m_i of M evolves alone; the whitening
 * error of the integrated flow is compared with max_i |lambda_i/m_i(t)^2 - 1|
 * from the closed-form modes, and the integrated eigenvalues of M with the
 * closed-form m_i(t).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "plot/plot.h"
#include "repro/repro.h"
#include "whiten.h"

#define E1_FILE "e1_flows.csv"
#define E1_COLS 6
#define E1_N 4
#define E1_ALPHAS 4
#define E1_TIMES 60

static const char *const e1_header[E1_COLS] = {"network", "alpha", "time", "error_flow",
                                               "error_closed_form", "eigenvalue_rel_gap"};
static const double e1_alphas[E1_ALPHAS] = {0.1, 1.0, 10.0, 100.0};

typedef struct e1_plan {
    double C[E1_N * E1_N], lambda[E1_N];
    double *table; /* 2 * E1_ALPHAS * E1_TIMES rows */
} e1_plan;

/* Closed-form modes at time t, ascending, and their whitening error. */
static double e1_closed(const e1_plan *p, wh_net_kind kind, double alpha, double t, double *m)
{
    double error = 0.0;
    for (size_t i = 0; i < E1_N; i++) {
        m[i] = (double)NAN;
        wh_flow_mode(kind, p->lambda[i], alpha, t, &m[i]);
        error = fmax(error, fabs(p->lambda[i] / (m[i] * m[i]) - 1.0));
    }
    return error;
}

/* The time grid: log-spaced from 1e-3 to a little past the closed-form T_eps(1e-3). */
static double e1_time(const e1_plan *p, wh_net_kind kind, double alpha, size_t j)
{
    const double m0[E1_N] = {alpha, alpha, alpha, alpha};
    double end = 10.0;
    wh_flow_closed_time(kind, E1_N, p->lambda, m0, 1e-3, &end);
    end = fmax(1.2 * end, 1e-2);
    return 1e-3 * pow(end / 1e-3, (double)j / (E1_TIMES - 1));
}

/* Unit `job`: one network from one alpha, its E1_TIMES rows of the table into out. */
static void e1_job(size_t job, void *arg, double *out)
{
    const e1_plan *p = arg;
    const wh_net_kind kind = (wh_net_kind)(job / E1_ALPHAS);
    const double alpha = e1_alphas[job % E1_ALPHAS];
    wh_flow_options o;
    wh_flow_options_default(&o);
    o.kind = kind;
    o.n = E1_N;
    o.covariance = p->C;
    o.init.alpha = alpha;
    wh_flow *flow = NULL;
    wh_status st = wh_flow_new(&o, &flow);
    for (size_t j = 0; j < E1_TIMES; j++) {
        double *row = out + j * E1_COLS, m[E1_N], eig[E1_N];
        row[0] = (double)kind;
        row[1] = alpha;
        row[2] = e1_time(p, kind, alpha, j);
        row[4] = e1_closed(p, kind, alpha, row[2], m);
        row[3] = row[5] = (double)NAN;
        if (st == WH_OK)
            st = wh_flow_evolve(flow, row[2]);
        if (st == WH_OK && wh_flow_eigenvalues(flow, eig) == WH_OK) {
            row[3] = wh_flow_error(flow);
            row[5] = 0.0;
            for (size_t i = 0; i < E1_N; i++)
                row[5] = fmax(row[5], fabs(eig[i] - m[i]) / m[i]);
        }
    }
    wh_flow_free(flow);
}

static int e1_compute(const wh__repro_settings *s, const char *dir)
{
    e1_plan p;
    wh_spectrum spec = {.n = E1_N, .lo = 0.1, .hi = 10.0, .rotate = true, .seed = s->seed + 11};
    for (size_t i = 0; i < E1_N; i++)
        p.lambda[i] = 0.1 * pow(100.0, (double)i / (E1_N - 1));
    wh_status st = wh_covariance_from_spectrum(&spec, p.C, E1_N);
    if (st != WH_OK)
        return wh__repro_fail("E1", "input covariance", st);
    const size_t rows = 2 * E1_ALPHAS * E1_TIMES;
    p.table = wh__alloc(rows * E1_COLS, sizeof *p.table);
    if (p.table == NULL)
        return wh__repro_fail("E1", "result table", WH_ENOMEM);
    const wh__sweep sweep = {2 * E1_ALPHAS, E1_TIMES * E1_COLS, e1_job, &p};
    int rc = wh__sweep_run(s, &sweep, p.table);
    if (rc == 0)
        rc = wh__repro_write_csv(dir, E1_FILE, e1_header, E1_COLS, p.table, rows);
    wh__free(p.table);
    return rc;
}

/* Columns (time, flow error, closed-form error) of the rows of one network and alpha. */
static size_t e1_select(const wh__matrix *t, int kind, double alpha, double *x, double *num,
                        double *exact)
{
    size_t m = 0;
    for (size_t r = 0; r < t->rows; r++) {
        const double *row = t->data + r * E1_COLS;
        if ((int)row[0] != kind || row[1] != alpha)
            continue;
        x[m] = row[2];
        num[m] = row[3];
        exact[m++] = row[4];
    }
    return m;
}

static int e1_figure(const char *dir, const wh__matrix *t)
{
    static const char *const labels[E1_ALPHAS] = {"α = 0.1", "α = 1", "α = 10", "α = 100"};
    const size_t cap = t->rows + 1;
    double *buf = wh__alloc(3 * 2 * E1_ALPHAS * cap, sizeof *buf);
    if (buf == NULL)
        return wh__repro_fail("E1", "figure", WH_ENOMEM);
    wh__series series[2][2 * E1_ALPHAS];
    wh__panel panels[2];
    static const char *const titles[2] = {"direct connections: dM/dt = M⁻¹CM⁻¹ − I",
                                          "interneurons: dW/dt = (M⁻¹CM⁻¹ − I) W"};
    for (int kind = 0; kind < 2; kind++) {
        for (size_t a = 0; a < E1_ALPHAS; a++) {
            double *x = buf + (size_t)(kind * E1_ALPHAS + (int)a) * 3 * cap;
            size_t m = e1_select(t, kind, e1_alphas[a], x, x + cap, x + 2 * cap);
            series[kind][2 * a] = (wh__series){labels[a], WH__LINE, (int)a, m, x, x + 2 * cap,
                                               NULL, NULL};
            series[kind][2 * a + 1] = (wh__series){NULL, WH__MARKERS, (int)a, m, x, x + cap,
                                                   NULL, NULL};
        }
        panels[kind] = (wh__panel){titles[kind], "continuous time t = η × samples",
                                   "whitening error ||M⁻¹CM⁻¹ − I||₂", true, true,
                                   1e-3, 2e3, 1e-4, 1e4, 2 * E1_ALPHAS, series[kind],
                                   "lines: closed form; markers: integrated (rk8pd, rtol 1e-10)",
                                   WH__LEGEND_BOTTOM_LEFT};
    }
    const wh__figure fig = {2, panels, 1500, 650};
    char base[4096];
    int rc = wh__repro_path(base, sizeof base, dir, "e1_flows");
    if (rc == 0)
        rc = wh__plot_write(&fig, base);
    wh__free(buf);
    return rc;
}

static int e1_render(const char *dir, wh__buf *r)
{
    wh__matrix t;
    if (wh__repro_read_csv(dir, E1_FILE, E1_COLS, &t) != 0)
        return -1;
    double worst = 0.0;
    for (size_t i = 0; i < t.rows; i++) {
        const double gap = t.data[i * E1_COLS + 5];
        worst = isnan(gap) ? (double)INFINITY : fmax(worst, gap);
    }
    wh__buf_printf(r, "![E1](e1_flows.png)\n\nBoth flows from M0 = α I, α ∈ {0.1, 1, 10, 100}, "
                      "n = 4, spectrum [0.1, 10] (`%s`). Largest relative gap between the "
                      "integrated eigenvalues of M and the closed-form modes: %.2e.\n\n",
                   E1_FILE, worst);
    wh__verdict(r, worst <= 1e-8,
                "integrated trajectories agree with the closed forms to %.1e <= 1e-8", worst);
    wh__buf_printf(r, "\n");
    int rc = e1_figure(dir, &t);
    wh__matrix_free(&t);
    return rc;
}

const wh__experiment wh__e1_flows = {"E1", "The two flows beside their closed forms", e1_compute,
                                     e1_render};
