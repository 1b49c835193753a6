/*
 * e4_online.c: E4, the online networks themselves on sampled data.
 *
 * From M0 = alpha I, both networks learn online at learning rate eta; the
 * number of samples until the whitening error comes to stay below eps (for
 * 1/eta samples, the rule of `whiten simulate`) is compared with T_eps / eta
 * from the closed form of the flow (science.md §4: in discrete time the number
 * of samples is about T_eps / eta). eps is twice the larger of the two
 * networks' measured noise floors (science.md §3). Small alpha shows where
 * discrete time departs from the flow: the direct network's first steps
 * overshoot (science.md §5.1).
 *
 * The noise floors themselves are measured at n = 10 for several eta (both
 * networks, several seeds): the interneurons' faster local relaxation (rate 4
 * against 2/sqrt(lambda)) lets each sample move M further, so at the same eta
 * their floor is higher: the price of speed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "plot/plot.h"
#include "repro/floor.h"
#include "repro/repro.h"
#include "whiten.h"
#include "net/view.h"

#define E4_TIMES_FILE "e4_samples_to_eps.csv"
#define E4_TIMES_COLS 10
#define E4_CURVES_FILE "e4_curves.csv"
#define E4_CURVES_COLS 5
#define E4_N 4
#define E4_ETA 1e-3
#define E4_FLOORS_FILE "e4_floors.csv"
#define E4_FLOORS_COLS 7
#define E4_FLOOR_N 10
#define E4_FLOOR_ETAS 3
#define E4_CHECK 20        /* samples between error checks */
#define E4_RECORD 500      /* samples between points of the curves */
#define E4_CURVE_ALPHA 30.0

static const char *const e4_times_header[E4_TIMES_COLS] = {
    "alpha", "direct_median", "direct_q1", "direct_q3", "direct_flow_T_over_eta",
    "interneuron_median", "interneuron_q1", "interneuron_q3", "interneuron_flow_T_over_eta", "eps"};
static const char *const e4_floors_header[E4_FLOORS_COLS] = {
    "n", "eta", "seed", "direct_floor", "direct_q95", "interneuron_floor", "interneuron_q95"};
static const double e4_floor_etas[E4_FLOOR_ETAS] = {1e-3, 3e-4, 1e-4};
static const char *const e4_curves_header[E4_CURVES_COLS] = {
    "samples", "direct_online", "interneuron_online", "direct_flow", "interneuron_flow"};

typedef struct e4_plan {
    uint64_t seed;
    double C[E4_N * E4_N], lambda[E4_N];
    size_t nalpha, nseeds, floor_seeds;
    double eps; /* twice the larger noise floor at n = E4_N, eta = E4_ETA */
    double Cf[E4_FLOOR_N * E4_FLOOR_N];
    uint64_t curve_samples;
    double *samples; /* [alpha][seed][net] samples to eps */
    double *curves;  /* rows x E4_CURVES_COLS */
    double *online;  /* 2 x rows: the online columns of the curves, one network after the other */
} e4_plan;

static double e4_alpha(const e4_plan *p, size_t i)
{
    return pow(10.0, -2.0 + 4.0 * (double)i / (double)(p->nalpha - 1));
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
    wh_passage_init_window(&pass, p->eps, (uint64_t)(1.0 / E4_ETA));
    wh__run run;
    wh_status st = wh__run_open(&o, p->C, 1, 0, seed, &run);
    double x[E4_N];
    for (uint64_t t = 0; st == WH_OK && t <= cap && (curve != NULL || !pass.reached); t++) {
        const bool record = curve != NULL && t % E4_RECORD == 0;
        if (t % E4_CHECK == 0 || record) {
            wh_errors e = {(double)NAN, (double)NAN, (double)NAN};
            st = wh_metrics_eval(run.metrics, wh__net_lateral(run.net), E4_N, &e);
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
        const double t = e4_flow_time(p, (wh_net_kind)kind, alpha, p->eps);
        /* At least 100 000 samples: the slow starts from small alpha take far longer than T/eta. */
        const uint64_t cap = isfinite(t) ? (uint64_t)(3.0 * t / E4_ETA) + 100000 : 1000000;
        out[kind] = e4_run(p, (wh_net_kind)kind, alpha, p->seed + 4243u * is + 1, cap, NULL);
    }
}

/*
 * Unit j of the floor sweep: row 0 is E4's own setting (n = E4_N, eta = E4_ETA,
 * the threshold of the runs); then n = E4_FLOOR_N for each eta and seed.
 */
static void e4_floor_job(size_t j, void *arg, double *row)
{
    const e4_plan *p = arg;
    const bool own = j == 0;
    const size_t n = own ? E4_N : E4_FLOOR_N, ie = own ? 0 : (j - 1) / p->floor_seeds;
    const uint64_t seed = own ? 0 : (j - 1) % p->floor_seeds;
    row[0] = (double)n;
    row[1] = own ? E4_ETA : e4_floor_etas[ie];
    row[2] = (double)seed;
    for (int kind = 0; kind < 2; kind++) {
        wh_net_options o;
        wh_net_options_default(&o);
        o.kind = (wh_net_kind)kind;
        o.n = n;
        o.k = 2 * n;
        o.eta = row[1];
        o.solver = WH_SOLVER_FAST;
        wh__floor f = {(double)NAN, (double)NAN, 0};
        if (wh__noise_floor(&o, own ? p->C : p->Cf, NULL, NULL, p->seed + 4400 + 97 * j, &f) !=
            WH_OK)
            f.mean = f.q95 = (double)NAN;
        row[3 + 2 * kind] = f.mean;
        row[4 + 2 * kind] = f.q95;
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
            out[3] = e4_flow_time(p, (wh_net_kind)kind, row[0], p->eps) / E4_ETA;
        }
        row[9] = p->eps;
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
    e4_plan p = {.seed = s->seed, .nalpha = s->full ? 17 : 9, .nseeds = s->full ? 32 : 8};
    wh_spectrum spec = {.n = E4_N, .lo = 0.1, .hi = 10.0, .rotate = true, .seed = s->seed + 40};
    for (size_t i = 0; i < E4_N; i++)
        p.lambda[i] = 0.1 * pow(100.0, (double)i / (E4_N - 1));
    wh_status st = wh_covariance_from_spectrum(&spec, p.C, E4_N);
    if (st != WH_OK)
        return wh__repro_fail("E4", "input covariance", st);
    wh_spectrum fspec = {.n = E4_FLOOR_N, .lo = 0.1, .hi = 10.0, .rotate = true,
                         .seed = s->seed + 44};
    if ((st = wh_covariance_from_spectrum(&fspec, p.Cf, E4_FLOOR_N)) != WH_OK)
        return wh__repro_fail("E4", "covariance of the floors", st);
    p.floor_seeds = s->full ? 4 : 2;
    const size_t nfloors = 1 + E4_FLOOR_ETAS * p.floor_seeds;
    double *floors = wh__alloc(nfloors * E4_FLOORS_COLS, sizeof *floors);
    const wh__sweep floor_sweep = {nfloors, E4_FLOORS_COLS, e4_floor_job, &p};
    /* Shared: the runs' threshold p.eps comes from its results (repro.h). */
    int frc = floors != NULL ? wh__sweep_run_shared(s, &floor_sweep, floors)
                             : wh__repro_fail("E4", "floor table", WH_ENOMEM);
    if (frc == 0)
        frc = wh__repro_write_csv(dir, E4_FLOORS_FILE, e4_floors_header, E4_FLOORS_COLS, floors,
                                  nfloors);
    p.eps = floors != NULL ? 2.0 * fmax(floors[3], floors[5]) : (double)NAN;
    wh__free(floors);
    if (frc != 0)
        return frc;
    if (!isfinite(p.eps))
        return wh__repro_fail("E4", "the noise floor at n = 4", WH_ELINALG);
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

static int e4_figure(const char *dir, const wh__matrix *times, const wh__matrix *curves,
                     const wh__matrix *floors)
{
    double **tc = wh__columns(times), **cc = wh__columns(curves);
    int rc = -1;
    if (tc != NULL && cc != NULL) {
        const size_t n = times->rows, m = curves->rows;
        const double eps = tc[9][0], floor_d = floors->data[3], floor_i = floors->data[5];
        const double hx[2] = {cc[0][0], cc[0][m - 1]}, he[2] = {eps, eps},
                     hd[2] = {floor_d, floor_d}, hi[2] = {floor_i, floor_i};
        char eps_label[64];
        snprintf(eps_label, sizeof eps_label, "ε = %.2f = 2 × larger noise floor", eps);
        const wh__series left[7] = {
            {"interneurons, online", WH__LINE, 5, m, cc[0], cc[2], NULL, NULL},
            {"direct, online", WH__LINE, 4, m, cc[0], cc[1], NULL, NULL},
            {"direct, flow (closed form)", WH__DASHED, 0, m, cc[0], cc[3], NULL, NULL},
            {"interneurons, flow (closed form)", WH__DASHED, 1, m, cc[0], cc[4], NULL, NULL},
            {eps_label, WH__DOTTED, 6, 2, hx, he, NULL, NULL},
            {"noise floor, direct", WH__DOTTED, 4, 2, hx, hd, NULL, NULL},
            {"noise floor, interneurons", WH__DOTTED, 5, 2, hx, hi, NULL, NULL},
        };
        const wh__series right[4] = {
            {"direct: online median, IQR", WH__MARKERS, 0, n, tc[0], tc[1], tc[2], tc[3]},
            {"direct: T#dε#u/η of the flow", WH__LINE, 0, n, tc[0], tc[4], NULL, NULL},
            {"interneurons: online median, IQR", WH__MARKERS, 1, n, tc[0], tc[5], tc[6], tc[7]},
            {"interneurons: T#dε#u/η of the flow", WH__LINE, 1, n, tc[0], tc[8], NULL, NULL},
        };
        const wh__panel panels[2] = {
            {"online learning from M0 = 30 I", "samples", "whitening error ||M⁻¹CM⁻¹ − I||₂",
             false, true, 0, 0, 0.05, 3.0, 7, left, "η = 10⁻³, n = 4, spectrum [0.1, 10]",
             WH__LEGEND_BELOW},
            {"samples until the error stays below ε", "initial scale α (M0 = α I)",
             "samples", true, true, 0, 0, 0, 0, 4, right,
             "markers: online (none: never in the run); lines: flow",
             WH__LEGEND_BELOW},
        };
        const wh__figure fig = {2, panels, 1500, 900};
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
    wh__buf_printf(r, "| α | direct online (median [IQR]) | direct T<sub>ε</sub>/η | interneurons online "
                      "(median [IQR]) | interneurons T<sub>ε</sub>/η |\n|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < t->rows; i++) {
        const double *row = t->data + i * E4_TIMES_COLS;
        wh__buf_printf(r, "| %.3g | %.0f [%.0f, %.0f] | %.0f | %.0f [%.0f, %.0f] | %.0f |\n",
                       row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8]);
    }
}

/* A median sample count, +inf when runs never got there (written as nan or inf). */
static double e4_samples(double v)
{
    return isnan(v) ? (double)INFINITY : v;
}

/*
 * The slow start: at every alpha < 0.04 the direct network needs at least 5x
 * T_eps/eta of its flow (its first discrete steps overshoot), and more samples
 * than the interneurons. Returns the smallest direct ratio.
 */
static bool e4_slow_start(const wh__matrix *t, double *ratio, double *alpha)
{
    size_t found = 0;
    bool all = true;
    for (size_t i = 0; i < t->rows; i++) {
        const double *row = t->data + i * E4_TIMES_COLS;
        if (row[0] > 0.04)
            continue;
        const double q = e4_samples(row[1]) / row[4];
        if (found++ == 0 || q < *ratio) {
            *ratio = q;
            *alpha = row[0];
        }
        all &= q >= 5.0 && e4_samples(row[5]) < e4_samples(row[1]);
    }
    return found > 0 && all;
}

/* Floors at n = E4_FLOOR_N, per eta: mean over seeds, min and max. */
typedef struct e4_floor_row {
    double eta, mean[2], lo[2], hi[2];
    size_t seeds;
} e4_floor_row;

static size_t e4_floor_rows(const wh__matrix *f, e4_floor_row *out, size_t cap)
{
    size_t count = 0;
    for (size_t r = 1; r < f->rows; r++) {
        const double *row = f->data + r * E4_FLOORS_COLS;
        size_t k = 0;
        while (k < count && out[k].eta != row[1])
            k++;
        if (k == count) {
            if (count == cap)
                continue;
            out[count++] = (e4_floor_row){row[1], {0, 0}, {INFINITY, INFINITY},
                                          {-INFINITY, -INFINITY}, 0};
        }
        for (int j = 0; j < 2; j++) {
            const double v = row[3 + 2 * j];
            out[k].mean[j] += v;
            out[k].lo[j] = fmin(out[k].lo[j], v);
            out[k].hi[j] = fmax(out[k].hi[j], v);
        }
        out[k].seeds++;
    }
    for (size_t k = 0; k < count; k++)
        for (int j = 0; j < 2; j++)
            out[k].mean[j] /= (double)out[k].seeds;
    return count;
}

static void e4_floor_verdicts(wh__buf *r, const wh__matrix *f)
{
    e4_floor_row rows[16];
    const size_t count = e4_floor_rows(f, rows, 16);
    wh__buf_printf(r, "\nNoise floors at n = %d, spectrum [0.1, 10] (`%s`): mean whitening error "
                      "of each network learning online from its fixed point C^{1/2} over 20 "
                      "relaxation times, after 3 of burn-in; mean over %zu seeds [min, max]:\n\n"
                      "| η | direct | interneurons | interneurons / direct |\n"
                      "|---:|---:|---:|---:|\n",
                   E4_FLOOR_N, E4_FLOORS_FILE, count > 0 ? rows[0].seeds : 0);
    bool higher = count >= 2;
    double x[16], y[2][16];
    for (size_t k = 0; k < count; k++) {
        const e4_floor_row *q = &rows[k];
        wh__buf_printf(r, "| %.0e | %.3f [%.3f, %.3f] | %.3f [%.3f, %.3f] | %.2f |\n", q->eta,
                       q->mean[0], q->lo[0], q->hi[0], q->mean[1], q->lo[1], q->hi[1],
                       q->mean[1] / q->mean[0]);
        higher &= q->lo[1] > q->hi[0]; /* every interneuron seed above every direct one */
        x[k] = log(q->eta);
        for (int j = 0; j < 2; j++)
            y[j][k] = log(q->mean[j]);
    }
    double a, slope[2] = {(double)NAN, (double)NAN}, r2[2] = {(double)NAN, (double)NAN};
    for (int j = 0; count >= 2 && j < 2; j++)
        wh__fit_line(count, x, y[j], &a, &slope[j], &r2[j]);
    wh__buf_printf(r, "\n");
    wh__verdict(r, higher,
                "the price of speed: at every η the interneuron network's noise floor lies above "
                "the direct one's (every seed), by %.2f× at η = %.0e",
                count > 0 ? rows[0].mean[1] / rows[0].mean[0] : (double)NAN,
                count > 0 ? rows[0].eta : (double)NAN);
    wh__verdict(r, fabs(slope[0] - 0.5) <= 0.1 && fabs(slope[1] - 0.5) <= 0.1,
                "both floors grow as √η: log-log slopes %.3f (direct) and %.3f (interneurons), "
                "within 0.1 of ½", slope[0], slope[1]);
}

static int e4_render(const char *dir, wh__buf *r)
{
    wh__matrix times, curves, floors;
    if (wh__repro_read_csv(dir, E4_TIMES_FILE, E4_TIMES_COLS, &times) != 0)
        return -1;
    if (wh__repro_read_csv(dir, E4_CURVES_FILE, E4_CURVES_COLS, &curves) != 0) {
        wh__matrix_free(&times);
        return -1;
    }
    if (wh__repro_read_csv(dir, E4_FLOORS_FILE, E4_FLOORS_COLS, &floors) != 0) {
        wh__matrix_free(&times);
        wh__matrix_free(&curves);
        return -1;
    }
    const double eps = times.data[9], *own = floors.data;
    wh__buf_printf(r, "![E4](e4_online.png)\n\nSamples until the whitening error comes to stay "
                      "below ε for 1/η samples (the rule of `whiten simulate`) online (η = %g, "
                      "n = 4; median and interquartile range over the seeds, `%s`), beside T<sub>ε</sub>/η "
                      "from the flow. ε = %.3f is twice the larger of the two networks' noise "
                      "floors measured at this n and η (%.3f direct, %.3f interneurons, `%s`, "
                      "first row):\n\n",
                   E4_ETA, E4_TIMES_FILE, eps, own[3], own[5], E4_FLOORS_FILE);
    e4_table(r, &times);
    const double dw = e4_worst_ratio(&times, 0), iw = e4_worst_ratio(&times, 1);
    wh__buf_printf(r, "\n");
    wh__verdict(r, dw <= 0.25 && iw <= 0.25,
                "online samples-to-ε ≈ T<sub>ε</sub>/η for α ≥ 1: largest relative gap %.2f (direct), "
                "%.2f (interneurons), within 0.25",
                dw, iw);
    const double *last = times.data + (times.rows - 1) * E4_TIMES_COLS;
    wh__verdict(r, last[1] >= 10.0 * last[5],
                "at α = %.3g the online interneuron network needs %.0f× fewer samples than the "
                "direct one",
                last[0], last[1] / last[5]);
    double ratio = (double)NAN, at = (double)NAN;
    const bool slow = e4_slow_start(&times, &ratio, &at);
    const double *first = times.data;
    wh__verdict(r, slow,
                "the direct network's slow start in discrete time: for every α < 0.04 it needs at "
                "least 5× the T<sub>ε</sub>/η of its flow (%.1f× at α = %.3g; its first steps overshoot, "
                "science.md §5.1) and more samples than the interneurons (%.1f× their T<sub>ε</sub>/η at "
                "α = %.3g)",
                ratio, at, e4_samples(first[5]) / first[8], first[0]);
    e4_floor_verdicts(r, &floors);
    wh__buf_printf(r, "\n");
    int rc = e4_figure(dir, &times, &curves, &floors);
    wh__matrix_free(&times);
    wh__matrix_free(&curves);
    wh__matrix_free(&floors);
    return rc;
}

const wh__experiment wh__e4_online = {"E4", "The online networks on sampled data", e4_compute,
                                      e4_render};
