/*
 * e5_switch.c: E5, statistics that switch between contexts.
 *
 * Inputs alternate every `every` samples between context A (spectrum
 * [0.1, 10], one random rotation) and context B (the same spectrum scaled by
 * 100, another rotation). Both networks learn from M0 = I, online from samples
 * and in population mode, and the whitening error is measured against the
 * covariance of the current context. Re-adaptation time is the number of
 * samples after a switch until the error falls to a threshold.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "plot/plot.h"
#include "repro/repro.h"
#include "whiten.h"

#define E5_FILE "e5_switch.csv"
#define E5_COLS 6
#define E5_ONLINE_EPS 0.5     /* above the online noise floor at eta = 1e-3 */
#define E5_POPULATION_EPS 0.05

static const char *const e5_header[E5_COLS] = {
    "samples", "context", "direct_online", "interneuron_online", "direct_population",
    "interneuron_population"};

typedef struct e5_plan {
    size_t n;
    double eta;
    uint64_t every, blocks, record;
    uint64_t seed;
    double C[2 * 100]; /* the two contexts' covariances, n x n each, packed (n <= 10) */
    size_t rows;
    double *table; /* rows x E5_COLS */
} e5_plan;

static wh_status e5_contexts(e5_plan *p)
{
    wh_spectrum a = {.n = p->n, .lo = 0.1, .hi = 10.0, .rotate = true, .seed = p->seed + 51};
    wh_spectrum b = {.n = p->n, .lo = 10.0, .hi = 1000.0, .rotate = true, .seed = p->seed + 52};
    wh_status st = wh_covariance_from_spectrum(&a, p->C, p->n);
    return st == WH_OK ? wh_covariance_from_spectrum(&b, p->C + p->n * p->n, p->n) : st;
}

static wh_status e5_make(const e5_plan *p, wh_net_kind kind, wh__run *run, wh_metrics **other)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = kind;
    o.n = p->n;
    o.k = 2 * p->n;
    o.eta = p->eta;
    *other = NULL;
    wh_status st = wh__run_open(&o, p->C, 2, p->every, p->seed + 53, run);
    if (st == WH_OK)
        st = wh_metrics_new(p->n, p->C + p->n * p->n, p->n, other);
    return st;
}

/* Unit j: network j % 2, online (j < 2) or population (j >= 2): column 2 + j of the table. */
static void e5_job(size_t j, void *arg, double *column)
{
    const e5_plan *p = arg;
    const bool population = j >= 2;
    wh__run run;
    wh_metrics *m[2] = {NULL, NULL};
    wh_status st = e5_make(p, (wh_net_kind)(j % 2), &run, &m[1]);
    m[0] = run.metrics;
    double x[10];
    for (uint64_t t = 0; t < p->every * p->blocks; t++) {
        const size_t c = (size_t)((t / p->every) % 2); /* as the source schedules it */
        if (t % p->record == 0) {
            wh_errors e = {NAN, NAN, NAN};
            if (st == WH_OK)
                wh_metrics_eval(m[c], wh_net_lateral(run.net), p->n, &e);
            column[t / p->record] = e.spectral;
        }
        if (st != WH_OK)
            continue;
        if (population)
            st = wh_net_step_expected(run.net, p->C + c * p->n * p->n, p->n, NULL);
        else {
            wh_source_next(run.src, x, NULL);
            st = wh_net_step(run.net, x, NULL, NULL, NULL);
        }
    }
    wh_metrics_free(m[1]);
    wh__run_close(&run);
}

static int e5_compute(const wh__repro_settings *s, const char *dir)
{
    e5_plan p = {.n = s->full ? 10 : 6,
                 .eta = 1e-3,
                 .every = s->full ? 100000 : 40000,
                 .blocks = s->full ? 6 : 4,
                 .record = 200,
                 .seed = s->seed};
    wh_status st = e5_contexts(&p);
    if (st != WH_OK)
        return wh__repro_fail("E5", "context covariances", st);
    p.rows = (size_t)(p.every * p.blocks / p.record);
    p.table = wh__alloc(p.rows * E5_COLS, sizeof *p.table);
    if (p.table == NULL)
        return wh__repro_fail("E5", "result table", WH_ENOMEM);
    for (size_t r = 0; r < p.rows; r++) {
        p.table[r * E5_COLS] = (double)(r * p.record);
        p.table[r * E5_COLS + 1] = (double)((r * p.record / p.every) % 2);
    }
    double *columns = wh__alloc(4 * p.rows, sizeof *columns);
    const wh__sweep sweep = {4, p.rows, e5_job, &p};
    int rc = columns != NULL ? wh__sweep_run(s, &sweep, columns)
                             : wh__repro_fail("E5", "result table", WH_ENOMEM);
    for (size_t j = 0; rc == 0 && j < 4; j++)
        wh__column_put(columns + j * p.rows, p.rows, E5_COLS, 2 + j, p.table);
    if (rc == 0)
        rc = wh__repro_write_csv(dir, E5_FILE, e5_header, E5_COLS, p.table, p.rows);
    wh__free(columns);
    wh__free(p.table);
    return rc;
}

/* Samples from row `from` (a switch) until column col first reaches eps; NaN if never. */
static double e5_readapt(const wh__matrix *t, size_t from, size_t to, size_t col, double eps)
{
    for (size_t r = from; r < to; r++)
        if (t->data[r * E5_COLS + col] <= eps)
            return t->data[r * E5_COLS] - t->data[from * E5_COLS];
    return NAN;
}

typedef struct e5_switch {
    size_t row;         /* first row of the new context */
    int to_context;     /* 0: back to the low-variance A, 1: to B */
    double time[4];     /* re-adaptation samples per column 2..5 */
} e5_switch;

static size_t e5_switches(const wh__matrix *t, e5_switch *sw, size_t cap)
{
    size_t count = 0;
    for (size_t r = 1; r < t->rows && count < cap; r++) {
        if (t->data[r * E5_COLS + 1] == t->data[(r - 1) * E5_COLS + 1])
            continue;
        sw[count].row = r;
        sw[count].to_context = (int)t->data[r * E5_COLS + 1];
        count++;
    }
    for (size_t i = 0; i < count; i++) {
        const size_t end = i + 1 < count ? sw[i + 1].row : t->rows;
        for (size_t c = 0; c < 4; c++)
            sw[i].time[c] = e5_readapt(t, sw[i].row, end, 2 + c,
                                       c < 2 ? E5_ONLINE_EPS : E5_POPULATION_EPS);
    }
    return count;
}

static int e5_figure(const char *dir, const wh__matrix *t)
{
    double **col = wh__columns(t);
    if (col == NULL)
        return wh__repro_fail("E5", "figure", WH_ENOMEM);
    const wh__series series[4] = {
        {"direct, online", WH__LINE, 4, t->rows, col[0], col[2], NULL, NULL},
        {"interneurons, online", WH__LINE, 5, t->rows, col[0], col[3], NULL, NULL},
        {"direct, population", WH__LINE, 0, t->rows, col[0], col[4], NULL, NULL},
        {"interneurons, population", WH__LINE, 1, t->rows, col[0], col[5], NULL, NULL},
    };
    const wh__panel panel = {"E5: re-adaptation after the input statistics switch",
                             "samples",
                             "whitening error ||M⁻¹CM⁻¹ − I||₂ (current context)",
                             false, true, 0, 0, 1e-3, 1e3, 4, series,
                             "A: spectrum [0.1, 10]; B: ×100, rotated; "
                             "η = 10⁻³, M0 = I",
                             WH__LEGEND_OUTSIDE_RIGHT};
    const wh__figure fig = {1, &panel, 1200, 650};
    char base[4096];
    int rc = wh__repro_path(base, sizeof base, dir, "e5_switch");
    if (rc == 0)
        rc = wh__plot_write(&fig, base);
    wh__free_columns(col, E5_COLS);
    return rc;
}

static void e5_table(wh__buf *r, const e5_switch *sw, size_t count)
{
    wh__buf_printf(r, "| switch | to | direct online | interneurons online | direct population "
                      "| interneurons population |\n|---:|:---|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < count; i++)
        wh__buf_printf(r, "| %zu | %s | %.0f | %.0f | %.0f | %.0f |\n", i + 1,
                       sw[i].to_context ? "B (×100)" : "A", sw[i].time[0], sw[i].time[1],
                       sw[i].time[2], sw[i].time[3]);
}

static int e5_render(const char *dir, wh__buf *r)
{
    wh__matrix t;
    if (wh__repro_read_csv(dir, E5_FILE, E5_COLS, &t) != 0)
        return -1;
    e5_switch sw[64];
    const size_t count = e5_switches(&t, sw, 64);
    wh__buf_printf(r, "![E5](e5_switch.png)\n\nSamples needed after each switch to bring the "
                      "whitening error to %g online and %g in population mode (`%s`):\n\n",
                   E5_ONLINE_EPS, E5_POPULATION_EPS, E5_FILE);
    e5_table(r, sw, count);
    wh__buf_printf(r, "\n");
    bool back_faster = count > 0, all_pop = count > 0;
    for (size_t i = 0; i < count; i++) {
        double time[4]; /* never re-adapting within the block is slower than any time */
        for (size_t c = 0; c < 4; c++)
            time[c] = isnan(sw[i].time[c]) ? (double)INFINITY : sw[i].time[c];
        all_pop &= time[3] < time[2];
        if (sw[i].to_context == 0)
            back_faster &= time[1] * 3.0 <= time[0];
    }
    wh__verdict(r, all_pop,
                "population mode: interneurons re-adapt faster than direct connections after "
                "every switch");
    wh__verdict(r, back_faster,
                "online: after each switch back to the low-variance context A, interneurons "
                "re-adapt at least 3× faster");
    wh__buf_printf(r, "\n");
    int rc = e5_figure(dir, &t);
    wh__matrix_free(&t);
    return rc;
}

const wh__experiment wh__e5_switch = {"E5", "Re-adaptation when the statistics switch", e5_compute,
                                      e5_render};
