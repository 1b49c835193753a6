/*
 * e9_basis.c: E9, gains plus synapses on a context sequence with a shared basis
 * (science.md §7 fact 4; Duong, Simoncelli, Chklovskii & Lipshutz, NeurIPS 2023).
 *
 * 64 contexts C_c = S_c^2, S_c = I + V diag(lambda_c) V^T, one orthonormal V shared by
 * all, sparse random lambda_c (wh_context_family). The circuit M = I + W diag(g) W^T with
 * K = n, gains fast (eta_g = 0.05), synapses slow (eta_w = 10^-3), columns of W back to
 * unit length after each step, sees each context for 512 steps in turn, in population
 * mode and online. Recorded per presentation: the distance of W from V up to the order
 * and signs of its columns (wh_frame_distance), and the whitening error against the
 * current context right after the switch, half-way and at the end.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot.h"
#include "repro/repro.h"
#include "whiten.h"
#include "net/view.h"

#define E9_FILE     "e9_basis.csv"
#define E9_N        4
#define E9_CONTEXTS 64
#define E9_STEPS    512 /* per presentation */
#define E9_EARLY    256 /* steps after a switch for the half-way error */
#define E9_VALUES   4   /* per presentation and run: distance, error at switch, early, end */
#define E9_COLS     (2 + 2 * E9_VALUES)

static const char *const e9_header[E9_COLS] = {"presentation",          "context",
                                               "population_distance",   "population_error_switch",
                                               "population_error_half", "population_error_end",
                                               "online_distance",       "online_error_switch",
                                               "online_error_half",     "online_error_end"};

typedef struct e9_plan {
    size_t presentations;
    double V[E9_N * E9_N];
    double C[E9_CONTEXTS * E9_N * E9_N];
    uint64_t seed;
} e9_plan;

/* Unit 0 population, unit 1 online: E9_VALUES per presentation into out. */
static void e9_job(size_t unit, void *arg, double *out)
{
    const e9_plan *p = arg;
    const bool online = unit == 1;
    for (size_t v = 0; v < p->presentations * E9_VALUES; v++)
        out[v] = NAN;
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = WH_NET_GAIN_SYNAPSE, o.n = E9_N, o.k = E9_N, o.eta = 0.05, o.gain.eta_w = 1e-3;
    o.init.seed = p->seed + 901; /* the random starting frame */
    wh_metrics *m[E9_CONTEXTS] = {NULL};
    wh__run r = {0};
    wh_status st = wh__run_open(&o, p->C, E9_CONTEXTS, E9_STEPS, p->seed + 902, &r);
    for (size_t c = 0; st == WH_OK && c < E9_CONTEXTS; c++)
        st = wh_metrics_new(E9_N, p->C + c * E9_N * E9_N, E9_N, &m[c]);
    double x[E9_N];
    for (size_t q = 0; st == WH_OK && q < p->presentations; q++) {
        const size_t c = q % E9_CONTEXTS;
        double *row = out + q * E9_VALUES;
        wh_frame_distance(E9_N, E9_N, wh__net_weights(r.net), E9_N, p->V, E9_N, &row[0]);
        for (size_t t = 0; st == WH_OK && t < E9_STEPS; t++) {
            if (t == 0 || t == E9_EARLY) {
                wh_errors e;
                wh_metrics_eval(m[c], wh__net_lateral(r.net), E9_N, &e);
                row[t == 0 ? 1 : 2] = e.spectral;
            }
            if (online) {
                wh_source_next(r.src, x, NULL);
                st = wh_net_step(r.net, x, NULL, NULL, NULL);
            } else {
                st = wh_net_step_expected(r.net, p->C + c * E9_N * E9_N, E9_N, NULL);
            }
        }
        wh_errors e;
        if (st == WH_OK && wh_metrics_eval(m[c], wh__net_lateral(r.net), E9_N, &e) == WH_OK)
            row[3] = e.spectral;
    }
    for (size_t c = 0; c < E9_CONTEXTS; c++)
        wh_metrics_free(m[c]);
    wh__run_close(&r);
}

static int e9_compute(const wh__repro_settings *s, const char *dir)
{
    e9_plan *p = calloc(1, sizeof *p);
    if (p == NULL)
        return wh__repro_fail("E9", "plan", WH_ENOMEM);
    p->presentations = s->full ? 300 : 120;
    p->seed = s->seed;
    wh_context_spec spec;
    wh_context_spec_default(&spec);
    spec.n = E9_N, spec.contexts = E9_CONTEXTS, spec.seed = s->seed + 900;
    wh_status st = wh_context_family(&spec, p->V, E9_N, NULL, p->C);
    if (st != WH_OK) {
        free(p);
        return wh__repro_fail("E9", "context family", st);
    }
    const size_t width = p->presentations * E9_VALUES;
    double *res = calloc(2 * width, sizeof *res);
    double *table = calloc(p->presentations * E9_COLS, sizeof *table);
    int rc = res == NULL || table == NULL ? wh__repro_fail("E9", "result table", WH_ENOMEM) : 0;
    const wh__sweep sweep = {2, width, e9_job, p};
    if (rc == 0)
        rc = wh__sweep_run(s, &sweep, res);
    for (size_t q = 0; rc == 0 && q < p->presentations; q++) {
        double *row = table + q * E9_COLS;
        row[0] = (double)q, row[1] = (double)(q % E9_CONTEXTS);
        for (size_t u = 0; u < 2; u++)
            memcpy(row + 2 + u * E9_VALUES, res + u * width + q * E9_VALUES,
                   E9_VALUES * sizeof *row);
    }
    if (rc == 0)
        rc = wh__repro_write_csv(dir, E9_FILE, e9_header, E9_COLS, table, p->presentations);
    free(table);
    free(res);
    free(p);
    return rc;
}

static int e9_figure(const char *dir, const wh__matrix *t)
{
    double **col = wh__columns(t);
    if (col == NULL)
        return -1;
    const size_t n = t->rows;
    const wh__series dist[2] = {
        {"population", WH__LINE, 1, n, col[0], col[2], NULL, NULL},
        {"online", WH__LINE, 5, n, col[0], col[6], NULL, NULL},
    };
    const wh__series err[2] = {
        {"population", WH__LINE, 1, n, col[0], col[5], NULL, NULL},
        {"online", WH__LINE, 5, n, col[0], col[9], NULL, NULL},
    };
    const wh__panel panels[2] = {
        {"E9: the synapses learn the contexts' shared basis", "presentation (512 steps each)",
         "|W − V P S| (best signed permutation)", false, true, 0, 0, 1e-10, 1e1, 2, dist,
         "n = K = 4, 64 contexts, η_g = 0.05, η_w = 10⁻³", WH__LEGEND_BELOW},
        {"then the gains alone whiten new contexts", "presentation",
         "whitening error (current context)", false, true, 0, 0, 1e-19, 1e1, 2, err,
         "at the end of each presentation (population: to rounding)", WH__LEGEND_BELOW},
    };
    const wh__figure fig = {2, panels, 1600, 780};
    char base[4096];
    int rc = wh__repro_path(base, sizeof base, dir, "e9_basis");
    if (rc == 0)
        rc = wh__plot_write(&fig, base);
    wh__free_columns(col, E9_COLS);
    return rc;
}

/* Mean of column c over rows [from, to) (NaN, a failed run, makes it NaN). */
static double e9_mean(const wh__matrix *t, size_t c, size_t from, size_t to)
{
    double s = 0.0;
    for (size_t r = from; r < to; r++)
        s += t->data[r * E9_COLS + c];
    return s / (double)(to - from);
}

static double e9_inf(double v)
{
    return isnan(v) ? (double)INFINITY : v;
}

/* Median of column c over rows [from, to) (NaN counts as +infinity). */
static double e9_median(const wh__matrix *t, size_t c, size_t from, size_t to)
{
    double v[1024], q1, med, q3;
    size_t k = 0;
    for (size_t r = from; r < to && k < 1024; r++)
        v[k++] = t->data[r * E9_COLS + c];
    wh__quartiles(v, k, &q1, &med, &q3);
    return med;
}

static int e9_render(const char *dir, wh__buf *r)
{
    wh__matrix t;
    if (wh__repro_read_csv(dir, E9_FILE, E9_COLS, &t) != 0)
        return -1;
    if (t.rows < 10) {
        wh__matrix_free(&t);
        return -1;
    }
    const size_t fifth = t.rows / 5, last = t.rows - 1, from = last + 1 - fifth;
    const double *first = t.data, *end = t.data + last * E9_COLS;
    const double pop_early = e9_mean(&t, 5, 1, fifth + 1),
                 pop_late = e9_median(&t, 5, from, last + 1);
    const double on_early = e9_mean(&t, 9, 1, fifth + 1),
                 on_late = e9_median(&t, 9, from, last + 1);
    const double on_dist = e9_median(&t, 6, from, last + 1);
    double pop_worst = 0.0;
    for (size_t q = from; q <= last; q++)
        pop_worst = fmax(pop_worst, e9_inf(t.data[q * E9_COLS + 5]));
    wh__buf_printf(
        r,
        "![E9](e9_basis.png)\n\nPer presentation (`%s`). The error at the end of a "
        "presentation (512 steps after the switch), mean over the first fifth of "
        "the presentations, median over the last fifth:\n\n"
        "| run | W–V distance at start | at the end | error at the end, first fifth (mean) | "
        "last fifth |\n|:---|---:|---:|---:|---:|\n"
        "| population | %.3f | %.2e | %.3f | %.2e |\n"
        "| online | %.3f | %.3f | %.3f | %.3f |\n\n",
        E9_FILE, first[2], end[2], pop_early, pop_late, first[6], end[6], on_early, on_late);
    wh__verdict(r, first[2] >= 0.5 && end[2] <= 1e-3,
                "population: W aligns with the shared basis V (distance %.2f → %.1e ≤ 1e-3)",
                first[2], end[2]);
    wh__verdict(r, on_dist <= 0.3 && on_dist < 0.5 * first[6],
                "online: the distance falls to the noise floor (median %.3f over the last fifth, "
                "≤ 0.3, from %.2f)",
                on_dist, first[6]);
    wh__verdict(r, pop_worst <= 0.1 * pop_early && pop_worst <= 0.05,
                "population: once W ≈ V the gains alone whiten every new context within a "
                "presentation (error at its end: mean %.3f over the first fifth; over the last, "
                "median %.1e and worst %.1e, ≤ 0.05 and at least 10× lower)",
                pop_early, pop_late, pop_worst);
    wh__buf_printf(r, "\n");
    int rc = e9_figure(dir, &t);
    wh__matrix_free(&t);
    return rc;
}

const wh__experiment wh__e9_basis = {"E9", "Gains plus synapses learn a shared basis", e9_compute,
                                     e9_render};
