/*
 * e6_overparam.c: E6, what overparameterisation does and does not change
 * (science.md §5.1 and §5.2).
 *
 * (a) The interneuron network with k = n, 2n and 4n interneurons, started
 *     from the same W0 W0^T and fed the same stream, follows one trajectory of
 *     M: the number of interneurons does not matter.
 * (b) A stability map over the initial scale alpha and the learning rate eta:
 *     the interneuron update M <- B M B keeps M positive definite; the direct
 *     update has no such guard.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "plot/plot.h"
#include "repro/repro.h"
#include "whiten.h"
#include "net/view.h"

#define E6K_FILE "e6_interneurons.csv"
#define E6K_COLS 6
#define E6S_FILE "e6_stability.csv"
#define E6S_COLS 6
#define E6_N 6

static const char *const e6k_header[E6K_COLS] = {"samples", "error_k_n", "error_k_2n",
                                                 "error_k_4n", "rel_diff_2n", "rel_diff_4n"};
static const char *const e6s_header[E6S_COLS] = {
    "alpha", "eta", "direct_failed_at", "interneuron_failed_at", "direct_error",
    "interneuron_error"};

typedef struct e6_plan {
    uint64_t seed, samples, record;
    double C[E6_N * E6_N];
    size_t rows, nalpha, neta;
    double *k_table, *s_table;
} e6_plan;

static double rel_diff(const double *a, const double *b, size_t count)
{
    double diff = 0.0, scale = 0.0;
    for (size_t i = 0; i < count; i++) {
        diff = fmax(diff, fabs(a[i] - b[i]));
        scale = fmax(scale, fabs(b[i]));
    }
    return diff / scale;
}

/*
 * (a) Unit j runs k = n << j: its error every p->record samples into out[0..rows),
 * then its M at those samples into out[rows..), for comparing the three runs.
 */
static void e6_k_run(size_t j, void *arg, double *out)
{
    const e6_plan *p = arg;
    double *trace = out + p->rows;
    static const double spread[E6_N] = {0.5, 1.0, 2.0, 4.0, 8.0, 16.0};
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = WH_NET_INTERNEURON;
    o.n = E6_N;
    o.k = E6_N << j;
    o.eta = 1e-3;
    o.init.kind = WH_INIT_ROTATED;
    o.init.spread = spread;
    o.init.seed = p->seed + 61;
    wh__run run;
    wh_status st = wh__run_open(&o, p->C, 1, 0, p->seed + 62, &run);
    double x[E6_N];
    for (uint64_t t = 0; t <= p->samples; t++) {
        if (t % p->record == 0) {
            const size_t row = (size_t)(t / p->record);
            wh_errors e = {(double)NAN, (double)NAN, (double)NAN};
            if (st == WH_OK)
                wh_metrics_eval(run.metrics, wh__net_lateral(run.net), E6_N, &e);
            out[row] = e.spectral;
            if (st == WH_OK)
                memcpy(trace + row * E6_N * E6_N, wh__net_lateral(run.net),
                       E6_N * E6_N * sizeof(double));
        }
        if (st == WH_OK && t < p->samples) {
            wh_source_next(run.src, x, NULL);
            st = wh_net_step(run.net, x, NULL, NULL, NULL);
        }
    }
    wh__run_close(&run);
}

/* (b) Unit `cell` of the stability map: both networks from M0 = alpha I at rate eta, into row. */
static void e6_cell(size_t cell, void *arg, double *row)
{
    const e6_plan *p = arg;
    const size_t ia = cell % p->nalpha, ie = cell / p->nalpha;
    const double alpha = pow(10.0, -2.0 + 4.0 * (double)ia / (double)(p->nalpha - 1));
    const double eta = pow(10.0, -4.0 + 3.5 * (double)ie / (double)(p->neta - 1));
    row[0] = alpha;
    row[1] = eta;
    for (int kind = 0; kind < 2; kind++) {
        wh_net_options o;
        wh_net_options_default(&o);
        o.kind = (wh_net_kind)kind;
        o.n = E6_N;
        o.k = 2 * E6_N;
        o.eta = eta;
        o.init.alpha = alpha;
        wh__run run;
        wh_status st = wh__run_open(&o, p->C, 1, 0, p->seed + 63 + cell, &run);
        double x[E6_N];
        uint64_t t = 0;
        for (; st == WH_OK && t < p->samples; t++) {
            wh_source_next(run.src, x, NULL);
            st = wh_net_step(run.net, x, NULL, NULL, NULL);
        }
        wh_errors e = {(double)NAN, (double)NAN, (double)NAN};
        if (run.metrics != NULL)
            wh_metrics_eval(run.metrics, wh__net_lateral(run.net), E6_N, &e);
        /* -1: never failed; a run that could not even start counts as failing at once */
        row[2 + kind] = st == WH_OK ? -1.0 : (run.net == NULL ? 0.0 : (double)t - 1.0);
        row[4 + kind] = e.spectral;
        wh__run_close(&run);
    }
}

/* The k table from the three runs (rows + rows x n x n values each, as e6_k_run leaves them). */
static void e6_differences(e6_plan *p, const double *runs)
{
    const size_t nn = E6_N * E6_N, width = p->rows * (1 + nn);
    const double *traces[3];
    for (size_t j = 0; j < 3; j++) {
        wh__column_put(runs + j * width, p->rows, E6K_COLS, 1 + j, p->k_table);
        traces[j] = runs + j * width + p->rows;
    }
    for (size_t r = 0; r < p->rows; r++) {
        p->k_table[r * E6K_COLS] = (double)(r * p->record);
        for (size_t j = 1; j < 3; j++)
            p->k_table[r * E6K_COLS + 3 + j] =
                rel_diff(traces[j] + r * nn, traces[0] + r * nn, nn);
    }
}

static int e6_compute(const wh__repro_settings *s, const char *dir)
{
    e6_plan p = {.seed = s->seed,
                 .samples = s->full ? 100000 : 20000,
                 .record = s->full ? 500 : 200,
                 .nalpha = s->full ? 13 : 9,
                 .neta = s->full ? 11 : 8};
    wh_spectrum spec = {.n = E6_N, .lo = 0.1, .hi = 10.0, .rotate = true, .seed = s->seed + 60};
    wh_status st = wh_covariance_from_spectrum(&spec, p.C, E6_N);
    if (st != WH_OK)
        return wh__repro_fail("E6", "input covariance", st);
    p.rows = (size_t)(p.samples / p.record) + 1;
    const size_t cells = p.nalpha * p.neta, nn = E6_N * E6_N;
    p.k_table = wh__alloc(p.rows * E6K_COLS, sizeof *p.k_table);
    p.s_table = wh__alloc(cells * E6S_COLS, sizeof *p.s_table);
    double *runs = wh__alloc(3 * p.rows * (1 + nn), sizeof *runs);
    int rc = p.k_table != NULL && p.s_table != NULL && runs != NULL
                 ? 0
                 : wh__repro_fail("E6", "result tables", WH_ENOMEM);
    const wh__sweep k_sweep = {3, p.rows * (1 + nn), e6_k_run, &p};
    const wh__sweep map = {cells, E6S_COLS, e6_cell, &p};
    if (rc == 0)
        rc = wh__sweep_run(s, &k_sweep, runs);
    if (rc == 0)
        rc = wh__sweep_run(s, &map, p.s_table);
    if (rc == 0) {
        e6_differences(&p, runs);
        rc = wh__repro_write_csv(dir, E6K_FILE, e6k_header, E6K_COLS, p.k_table, p.rows);
        if (rc == 0)
            rc = wh__repro_write_csv(dir, E6S_FILE, e6s_header, E6S_COLS, p.s_table, cells);
    }
    wh__free(runs);
    wh__free(p.k_table);
    wh__free(p.s_table);
    return rc;
}

/* Every 4th record of column c from record `first` on (markers that stay apart). */
static size_t e6_every_fourth(const double *const *col, size_t rows, size_t c, size_t first,
                              double *xs, double *ys)
{
    size_t m = 0;
    for (size_t r = first; r < rows; r += 4) {
        xs[m] = col[0][r];
        ys[m++] = col[c][r];
    }
    return m;
}

static int e6_k_figure(const char *dir, const wh__matrix *t, double worst)
{
    double **col = wh__columns(t);
    double *marks = wh__alloc(4 * (t->rows / 4 + 1), sizeof *marks);
    if (col == NULL || marks == NULL) {
        wh__free(marks);
        wh__free_columns(col, E6K_COLS);
        return wh__repro_fail("E6", "figure", WH_ENOMEM);
    }
    char note[200];
    snprintf(note, sizeof note,
             "n = %d, η = 10⁻³, same W0W0ᵀ and stream; the three runs' M agree to %.1e",
             E6_N, worst);
    const size_t q = t->rows / 4 + 1;
    /* The curves lie on each other: k = 2n and 4n get markers at interleaved records. */
    const size_t m2 = e6_every_fourth((const double *const *)col, t->rows, 2, 1, marks, marks + q);
    const size_t m4 = e6_every_fourth((const double *const *)col, t->rows, 3, 3, marks + 2 * q,
                                      marks + 3 * q);
    const wh__series series[3] = {
        {"k = n (line)", WH__LINE, 0, t->rows, col[0], col[1], NULL, NULL},
        {"k = 2n (every 4th record from the 2nd)", WH__MARKERS, 1, m2, marks, marks + q, NULL,
         NULL},
        {"k = 4n (every 4th record from the 4th)", WH__MARKERS, 2, m4, marks + 2 * q,
         marks + 3 * q, NULL, NULL},
    };
    const wh__panel panel = {"E6a: the number of interneurons does not change the learning",
                             "samples", "whitening error ||M⁻¹CM⁻¹ − I||₂", false, true,
                             0, 0, 0.05, 60.0, 3, series, note, WH__LEGEND_TOP_RIGHT};
    const wh__figure fig = {1, &panel, 1100, 650};
    char base[4096];
    int rc = wh__repro_path(base, sizeof base, dir, "e6_interneurons");
    if (rc == 0)
        rc = wh__plot_write(&fig, base);
    wh__free(marks);
    wh__free_columns(col, E6K_COLS);
    return rc;
}

/* A cell whitens when M stayed positive definite and its final error is at most this. */
#define E6_WHITENS 0.5

enum { E6_WHITENED, E6_NOT_WHITENED, E6_LOST, E6_OUTCOMES };

static int e6_outcome(const double *row, int kind)
{
    if (row[2 + kind] >= 0.0)
        return E6_LOST;
    return row[4 + kind] <= E6_WHITENS ? E6_WHITENED : E6_NOT_WHITENED;
}

/* Split the map's cells by outcome for network `kind`: xy[o] holds x then y of outcome o. */
static void e6_split(const wh__matrix *t, int kind, double *const xy[E6_OUTCOMES],
                     size_t count[E6_OUTCOMES])
{
    for (size_t o = 0; o < E6_OUTCOMES; o++)
        count[o] = 0;
    for (size_t r = 0; r < t->rows; r++) {
        const double *row = t->data + r * E6S_COLS;
        const int o = e6_outcome(row, kind);
        xy[o][count[o]] = row[0];
        xy[o][t->rows + count[o]++] = row[1];
    }
}

static int e6_map_figure(const char *dir, const wh__matrix *t)
{
    const size_t n = t->rows;
    double *buf = wh__alloc(2 * E6_OUTCOMES * 2 * (n + 1), sizeof *buf);
    if (buf == NULL)
        return wh__repro_fail("E6", "figure", WH_ENOMEM);
    static const char *const label[E6_OUTCOMES] = {
        "whitens: final error ≤ 0.5", "stays positive definite, error > 0.5",
        "M loses positive definiteness"};
    static const int color[E6_OUTCOMES] = {2, 5, 1};
    wh__series series[2][E6_OUTCOMES];
    wh__panel panels[2];
    static const char *const titles[2] = {"direct connections (Algorithm 1)",
                                          "interneurons (Algorithm 2)"};
    for (int kind = 0; kind < 2; kind++) {
        double *xy[E6_OUTCOMES];
        size_t count[E6_OUTCOMES];
        for (size_t o = 0; o < E6_OUTCOMES; o++)
            xy[o] = buf + ((size_t)kind * E6_OUTCOMES + o) * 2 * (n + 1);
        e6_split(t, kind, xy, count);
        for (size_t o = 0; o < E6_OUTCOMES; o++)
            series[kind][o] = (wh__series){label[o], WH__MARKERS, color[o], count[o], xy[o],
                                           xy[o] + n, NULL, NULL};
        panels[kind] = (wh__panel){titles[kind], "initial scale α (M0 = α I)", "learning rate η",
                                   true, true, 0.005, 200.0, 3e-5, 1.0, E6_OUTCOMES, series[kind],
                                   "E6b: online, n = 6, spectrum [0.1, 10]",
                                   WH__LEGEND_BELOW};
    }
    const wh__figure fig = {2, panels, 1500, 820};
    char base[4096];
    int rc = wh__repro_path(base, sizeof base, dir, "e6_stability");
    if (rc == 0)
        rc = wh__plot_write(&fig, base);
    wh__free(buf);
    return rc;
}

static void e6_map_verdicts(wh__buf *r, const wh__matrix *t)
{
    size_t direct_failed = 0, inter_failed = 0, direct_small = 0;
    for (size_t i = 0; i < t->rows; i++) {
        const double *row = t->data + i * E6S_COLS;
        direct_failed += row[2] >= 0.0;
        inter_failed += row[3] >= 0.0;
        direct_small += row[2] >= 0.0 && row[0] < 1.0;
    }
    size_t whitened[2] = {0, 0};
    for (size_t i = 0; i < t->rows; i++)
        for (int kind = 0; kind < 2; kind++)
            whitened[kind] += e6_outcome(t->data + i * E6S_COLS, kind) == E6_WHITENED;
    wh__buf_printf(r, "\nStability map over %zu (α, η) cells (`%s`): the direct network lost "
                      "positive definiteness in %zu cells (%zu of them with α < 1), the "
                      "interneuron network in %zu. Staying positive definite is not whitening: "
                      "the final error is at most %.1f in %zu cells for direct connections and "
                      "%zu for interneurons (the rest are too slow from their α, or too noisy "
                      "at their η).\n\n",
                   t->rows, E6S_FILE, direct_failed, direct_small, inter_failed, E6_WHITENS,
                   whitened[0], whitened[1]);
    wh__verdict(r, inter_failed == 0,
                "interneurons: M stays positive definite in every cell (M <- B M B, science.md §5.1)");
    wh__verdict(r, direct_failed > 0,
                "direct connections: M loses positive definiteness in part of the map "
                "(no multiplicative guard)");
}

static int e6_render(const char *dir, wh__buf *r)
{
    wh__matrix k, map;
    if (wh__repro_read_csv(dir, E6K_FILE, E6K_COLS, &k) != 0)
        return -1;
    if (wh__repro_read_csv(dir, E6S_FILE, E6S_COLS, &map) != 0) {
        wh__matrix_free(&k);
        return -1;
    }
    double worst = 0.0;
    for (size_t i = 0; i < k.rows; i++)
        for (size_t c = 4; c < 6; c++) {
            const double d = k.data[i * E6K_COLS + c];
            worst = isnan(d) ? (double)INFINITY : fmax(worst, d);
        }
    wh__buf_printf(r, "![E6a](e6_interneurons.png)\n\nLargest relative difference of M between "
                      "k = 2n or 4n and k = n over the run (`%s`): %.2e.\n\n",
                   E6K_FILE, worst);
    wh__verdict(r, worst <= 1e-10,
                "the number of interneurons does not change M: relative difference %.1e <= 1e-10",
                worst);
    wh__buf_printf(r, "\n![E6b](e6_stability.png)\n");
    e6_map_verdicts(r, &map);
    int rc = e6_k_figure(dir, &k, worst);
    if (rc == 0)
        rc = e6_map_figure(dir, &map);
    wh__matrix_free(&k);
    wh__matrix_free(&map);
    return rc;
}

const wh__experiment wh__e6_overparam = {"E6", "Overparameterisation and stability", e6_compute,
                                         e6_render};
