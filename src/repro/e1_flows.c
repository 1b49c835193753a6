/*
 * e1_flows.c: E1, the two flows from several initial scales, integrated
 * numerically beside their closed forms (science.md §3-§4).
 *
 * From M0 = alpha I every eigenvalue m_i of M evolves alone; the whitening
 * error of the integrated flow is compared with max_i |lambda_i/m_i(t)^2 - 1|
 * from the closed-form modes, and the integrated eigenvalues of M with the
 * closed-form m_i(t).
 *
 * Then the local relaxation rates: from M0 = (1 + delta) C^{1/2}, a small
 * step out along every eigen-direction at once, each integrated eigenvalue
 * m_i(t) returns to sqrt(lambda_i) as exp(-r_i t); r_i is fitted to
 * ln |m_i(t) - sqrt(lambda_i)| over t in [0, 1]. Linearising the flows of
 * science.md §3 predicts r_i = 4 for interneurons, whatever lambda_i, and
 * r_i = 2 / sqrt(lambda_i) for direct connections.
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
#define E1_MARK_STRIDE 6 /* a marker at every 6th integrated point */
#define E1_RATES_FILE "e1_rates.csv"
#define E1_RATES_COLS 3
#define E1_DELTA 1e-4 /* relative step out of the fixed point */
#define E1_RATE_TIMES 11

static const char *const e1_header[E1_COLS] = {"network", "alpha", "time", "error_flow",
                                               "error_closed_form", "eigenvalue_rel_gap"};
static const double e1_alphas[E1_ALPHAS] = {0.1, 1.0, 10.0, 100.0};
static const char *const e1_rates_header[E1_RATES_COLS] = {"network", "lambda", "rate"};

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

/*
 * The relaxation rate of every mode of network `kind` near the fixed point,
 * fitted from the integrated flow; rows (network, lambda_i, rate) into out.
 */
static wh_status e1_rates(const e1_plan *p, wh_net_kind kind, double *out)
{
    wh_metrics *m = NULL;
    wh_flow *flow = NULL;
    double M0[E1_N * E1_N], t[E1_RATE_TIMES], logd[E1_N][E1_RATE_TIMES], eig[E1_N];
    wh_status st = wh_metrics_new(E1_N, p->C, E1_N, &m);
    if (st == WH_OK) {
        for (size_t i = 0; i < E1_N * E1_N; i++)
            M0[i] = (1.0 + E1_DELTA) * wh_metrics_sqrt(m)[i];
        wh_flow_options o;
        wh_flow_options_default(&o);
        o.kind = kind;
        o.n = E1_N;
        o.covariance = p->C;
        o.init.kind = WH_INIT_MATRIX;
        o.init.matrix = M0;
        o.init.ld = E1_N;
        st = wh_flow_new(&o, &flow);
    }
    for (size_t j = 0; st == WH_OK && j < E1_RATE_TIMES; j++) {
        t[j] = (double)j / (E1_RATE_TIMES - 1);
        st = wh_flow_evolve(flow, t[j]);
        if (st == WH_OK)
            st = wh_flow_eigenvalues(flow, eig);
        for (size_t i = 0; st == WH_OK && i < E1_N; i++)
            logd[i][j] = log(fabs(eig[i] - sqrt(p->lambda[i])));
    }
    for (size_t i = 0; i < E1_N; i++) {
        double a, slope = (double)NAN, r2;
        if (st == WH_OK)
            wh__fit_line(E1_RATE_TIMES, t, logd[i], &a, &slope, &r2);
        out[i * E1_RATES_COLS] = (double)kind;
        out[i * E1_RATES_COLS + 1] = p->lambda[i];
        out[i * E1_RATES_COLS + 2] = -slope;
    }
    wh_flow_free(flow);
    wh_metrics_free(m);
    return st;
}

static int e1_write_rates(const e1_plan *p, const char *dir)
{
    double table[2 * E1_N * E1_RATES_COLS];
    for (int kind = 0; kind < 2; kind++) {
        wh_status st = e1_rates(p, (wh_net_kind)kind, table + (size_t)kind * E1_N * E1_RATES_COLS);
        if (st != WH_OK)
            return wh__repro_fail("E1", "relaxation rates", st);
    }
    return wh__repro_write_csv(dir, E1_RATES_FILE, e1_rates_header, E1_RATES_COLS, table,
                               2 * E1_N);
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
    if (rc == 0)
        rc = e1_write_rates(&p, dir);
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
    double *buf = wh__alloc(5 * 2 * E1_ALPHAS * cap, sizeof *buf);
    if (buf == NULL)
        return wh__repro_fail("E1", "figure", WH_ENOMEM);
    wh__series series[2][2 * E1_ALPHAS];
    wh__panel panels[2];
    static const char *const titles[2] = {"direct connections: dM/dt = M⁻¹CM⁻¹ − I",
                                          "interneurons: dW/dt = (M⁻¹CM⁻¹ − I) W"};
    for (int kind = 0; kind < 2; kind++) {
        for (size_t a = 0; a < E1_ALPHAS; a++) {
            double *x = buf + (size_t)(kind * E1_ALPHAS + (int)a) * 5 * cap;
            const size_t m = e1_select(t, kind, e1_alphas[a], x, x + cap, x + 2 * cap);
            /* Every E1_MARK_STRIDE-th integrated point, offset per alpha: the closed-form
             * lines stay visible between the markers. */
            double *mx = x + 3 * cap, *my = x + 4 * cap;
            size_t marks = 0;
            for (size_t j = a % E1_MARK_STRIDE; j < m; j += E1_MARK_STRIDE) {
                mx[marks] = x[j];
                my[marks++] = x[cap + j];
            }
            series[kind][2 * a] = (wh__series){labels[a], WH__LINE, (int)a, m, x, x + 2 * cap,
                                               NULL, NULL};
            series[kind][2 * a + 1] = (wh__series){NULL, WH__MARKERS, (int)a, marks, mx, my,
                                                   NULL, NULL};
        }
        panels[kind] = (wh__panel){titles[kind], "continuous time t = η × samples",
                                   "whitening error ||M⁻¹CM⁻¹ − I||₂", true, true,
                                   0, 0, 1e-5, 3e3, 2 * E1_ALPHAS, series[kind],
                                   "lines: closed form; markers: rk8pd (every 6th point)",
                                   WH__LEGEND_BOTTOM_LEFT};
    }
    const wh__figure fig = {2, panels, 1500, 700};
    char base[4096];
    int rc = wh__repro_path(base, sizeof base, dir, "e1_flows");
    if (rc == 0)
        rc = wh__plot_write(&fig, base);
    wh__free(buf);
    return rc;
}

/* The rates against the linearised flows: 4 for interneurons, 2 / sqrt(lambda) direct. */
static void e1_rate_verdicts(wh__buf *r, const wh__matrix *t)
{
    double worst[2] = {0.0, 0.0};
    wh__buf_printf(r, "Local relaxation rates near the fixed point C^{1/2}, fitted to "
                      "ln |m_i(t) − √λ_i| of the integrated flows from M0 = (1 + %g) C^{1/2} "
                      "over t ∈ [0, 1] (`%s`):\n\n| λ_i | direct: measured | 2/√λ_i | "
                      "interneurons: measured | 4 |\n|---:|---:|---:|---:|---:|\n",
                   E1_DELTA, E1_RATES_FILE);
    for (size_t i = 0; i < t->rows; i++) {
        const double *row = t->data + i * E1_RATES_COLS;
        const int kind = row[0] == 0.0 ? 0 : 1;
        const double theory = kind == 0 ? 2.0 / sqrt(row[1]) : 4.0;
        const double gap = fabs(row[2] / theory - 1.0);
        worst[kind] = isnan(gap) ? (double)INFINITY : fmax(worst[kind], gap);
        if (kind == 0) /* one table row per mode: the interneuron row of the same lambda */
            for (size_t j = 0; j < t->rows; j++)
                if (t->data[j * E1_RATES_COLS] == 1.0 && t->data[j * E1_RATES_COLS + 1] == row[1])
                    wh__buf_printf(r, "| %.4g | %.4f | %.4f | %.4f | 4 |\n", row[1], row[2],
                                   theory, t->data[j * E1_RATES_COLS + 2]);
    }
    wh__buf_printf(r, "\n");
    wh__verdict(r, worst[1] <= 1e-3,
                "interneurons relax at rate 4 in every mode, whatever λ_i: largest relative "
                "gap %.1e <= 1e-3", worst[1]);
    wh__verdict(r, worst[0] <= 1e-3,
                "direct connections relax at rate 2/√λ_i: largest relative gap %.1e <= 1e-3 "
                "(the slowest mode, of the largest λ, sets the direct network's pace)",
                worst[0]);
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
    wh__matrix rates;
    if (wh__repro_read_csv(dir, E1_RATES_FILE, E1_RATES_COLS, &rates) != 0) {
        wh__matrix_free(&t);
        return -1;
    }
    e1_rate_verdicts(r, &rates);
    wh__matrix_free(&rates);
    wh__buf_printf(r, "\n");
    int rc = e1_figure(dir, &t);
    wh__matrix_free(&t);
    return rc;
}

const wh__experiment wh__e1_flows = {"E1", "The two flows beside their closed forms", e1_compute,
                                     e1_render};
