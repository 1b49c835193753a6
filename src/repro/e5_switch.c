/*
 * e5_switch.c: E5, statistics that switch between contexts.
 *
 * Inputs alternate every `every` samples between context A (spectrum
 * [0.1, 10], one random rotation) and context B (the same spectrum scaled by
 * 100, another rotation). Both networks learn from M0 = I, online from samples
 * (several seeds) and in population mode, and the whitening error is measured
 * against the covariance of the current context. Re-adaptation time is the
 * number of samples after a switch until the error comes to stay below a
 * threshold for 1/eta samples (the rule of `whiten simulate`); online, the
 * threshold is twice the larger of the two networks' noise floors measured in
 * either context. Every switch is judged, in both directions, for every seed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "plot/plot.h"
#include "repro/floor.h"
#include "repro/repro.h"
#include "whiten.h"
#include "net/view.h"

#define E5_FILE "e5_switch.csv"
#define E5_COLS 6
#define E5_ONLINE_FILE "e5_online.csv"
#define E5_ONLINE_COLS 5
#define E5_FLOORS_FILE "e5_floors.csv"
#define E5_FLOORS_COLS 3
#define E5_POPULATION_EPS 0.05
#define E5_MAX_SEEDS 16

static const char *const e5_header[E5_COLS] = {
    "samples", "context", "direct_online", "interneuron_online", "direct_population",
    "interneuron_population"};
static const char *const e5_online_header[E5_ONLINE_COLS] = {"seed", "samples", "context",
                                                             "direct", "interneuron"};
static const char *const e5_floors_header[E5_FLOORS_COLS] = {"context", "direct_floor",
                                                             "interneuron_floor"};

typedef struct e5_plan {
    size_t n, nseeds;
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

static wh_status e5_make(const e5_plan *p, wh_net_kind kind, uint64_t seed, wh__run *run,
                         wh_metrics **other)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = kind;
    o.n = p->n;
    o.k = 2 * p->n;
    o.eta = p->eta;
    *other = NULL;
    wh_status st = wh__run_open(&o, p->C, 2, p->every, seed, run);
    if (st == WH_OK)
        st = wh_metrics_new(p->n, p->C + p->n * p->n, p->n, other);
    return st;
}

/*
 * Unit j: population runs first (j = 0, 1: network j), then online runs
 * (j = 2 + 2 s + kind: seed s, network kind). The error against the current
 * context every p->record samples into column.
 */
static void e5_job(size_t j, void *arg, double *column)
{
    const e5_plan *p = arg;
    const bool population = j < 2;
    const wh_net_kind kind = (wh_net_kind)(j % 2);
    const uint64_t seed = p->seed + 53 + (population ? 0 : 7717u * ((j - 2) / 2));
    wh__run run;
    wh_metrics *m[2] = {NULL, NULL};
    wh_status st = e5_make(p, kind, seed, &run, &m[1]);
    m[0] = run.metrics;
    double x[10];
    for (uint64_t t = 0; t < p->every * p->blocks; t++) {
        const size_t c = (size_t)((t / p->every) % 2); /* as the source schedules it */
        if (t % p->record == 0) {
            wh_errors e = {NAN, NAN, NAN};
            if (st == WH_OK)
                wh_metrics_eval(m[c], wh__net_lateral(run.net), p->n, &e);
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

/* Unit j of the floor sweep: context j / 2, network j % 2, its floor into out[0]. */
static void e5_floor_job(size_t j, void *arg, double *out)
{
    const e5_plan *p = arg;
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = (wh_net_kind)(j % 2);
    o.n = p->n;
    o.k = 2 * p->n;
    o.eta = p->eta;
    o.solver = WH_SOLVER_FAST;
    wh__floor f;
    out[0] = wh__noise_floor(&o, p->C + (j / 2) * p->n * p->n, NULL, NULL, p->seed + 5500 + j,
                             &f) == WH_OK
                 ? f.mean
                 : (double)NAN;
}

static int e5_write_floors(const e5_plan *p, const wh__repro_settings *s, const char *dir)
{
    /* A shard computes only its own units: the others stay 0 here (their values come
     * from the other shards' files at the merge), never uninitialised. */
    double floors[4] = {0}, table[2 * E5_FLOORS_COLS];
    const wh__sweep sweep = {4, 1, e5_floor_job, (void *)p};
    int rc = wh__sweep_run(s, &sweep, floors);
    for (size_t c = 0; c < 2; c++) {
        table[c * E5_FLOORS_COLS] = (double)c;
        table[c * E5_FLOORS_COLS + 1] = floors[2 * c];
        table[c * E5_FLOORS_COLS + 2] = floors[2 * c + 1];
    }
    return rc == 0 ? wh__repro_write_csv(dir, E5_FLOORS_FILE, e5_floors_header, E5_FLOORS_COLS,
                                         table, 2)
                   : rc;
}

/* The online runs, seed after seed, as rows of e5_online.csv. */
static int e5_write_online(const e5_plan *p, const double *columns, const char *dir)
{
    double *t = wh__alloc(p->nseeds * p->rows * E5_ONLINE_COLS, sizeof *t);
    if (t == NULL)
        return wh__repro_fail("E5", "online table", WH_ENOMEM);
    for (size_t s = 0; s < p->nseeds; s++)
        for (size_t r = 0; r < p->rows; r++) {
            double *row = t + (s * p->rows + r) * E5_ONLINE_COLS;
            row[0] = (double)s;
            row[1] = p->table[r * E5_COLS];
            row[2] = p->table[r * E5_COLS + 1];
            row[3] = columns[(2 + 2 * s) * p->rows + r];
            row[4] = columns[(3 + 2 * s) * p->rows + r];
        }
    int rc = wh__repro_write_csv(dir, E5_ONLINE_FILE, e5_online_header, E5_ONLINE_COLS, t,
                                 p->nseeds * p->rows);
    wh__free(t);
    return rc;
}

static int e5_compute(const wh__repro_settings *s, const char *dir)
{
    e5_plan p = {.n = s->full ? 10 : 6,
                 .nseeds = s->full ? 5 : 3,
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
    const size_t units = 2 + 2 * p.nseeds;
    double *columns = wh__alloc(units * p.rows, sizeof *columns);
    const wh__sweep sweep = {units, p.rows, e5_job, &p};
    int rc = columns != NULL ? wh__sweep_run(s, &sweep, columns)
                             : wh__repro_fail("E5", "result table", WH_ENOMEM);
    /* The table of the figure: seed 0 online, and population mode. */
    static const size_t unit_of_column[4] = {2, 3, 0, 1};
    for (size_t j = 0; rc == 0 && j < 4; j++)
        wh__column_put(columns + unit_of_column[j] * p.rows, p.rows, E5_COLS, 2 + j, p.table);
    if (rc == 0)
        rc = wh__repro_write_csv(dir, E5_FILE, e5_header, E5_COLS, p.table, p.rows);
    if (rc == 0)
        rc = e5_write_online(&p, columns, dir);
    if (rc == 0)
        rc = e5_write_floors(&p, s, dir);
    wh__free(columns);
    wh__free(p.table);
    return rc;
}

/*
 * Samples from row `from` (a switch) until the value at column col of the
 * rows [from, to) comes to stay <= eps for `window` samples; +inf if never.
 */
static double e5_readapt(const wh__matrix *t, size_t from, size_t to, size_t col, double eps,
                         uint64_t window)
{
    wh_passage pass;
    wh_passage_init_window(&pass, eps, window);
    const size_t c = t->cols;
    for (size_t r = from; r < to && !pass.reached; r++)
        wh_passage_observe(&pass, (uint64_t)(t->data[r * c + (c == E5_ONLINE_COLS)] -
                                             t->data[from * c + (c == E5_ONLINE_COLS)]),
                           1.0, t->data[r * c + col]);
    return pass.reached ? (double)pass.samples : (double)INFINITY;
}

typedef struct e5_switch {
    size_t row;          /* first row of the new context (in e5_switch.csv) */
    int to_context;      /* 0: back to the low-variance A, 1: to B */
    double population[2];
    double online[E5_MAX_SEEDS][2]; /* per seed: direct, interneurons */
} e5_switch;

/* The switches of e5_switch.csv and the re-adaptation times of every run after each. */
static size_t e5_switches(const wh__matrix *t, const wh__matrix *online, size_t nseeds,
                          double eps, uint64_t window, e5_switch *sw, size_t cap)
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
        for (size_t k = 0; k < 2; k++)
            sw[i].population[k] =
                e5_readapt(t, sw[i].row, end, 4 + k, E5_POPULATION_EPS, window);
        for (size_t s = 0; s < nseeds; s++)
            for (size_t k = 0; k < 2; k++)
                sw[i].online[s][k] = e5_readapt(online, s * t->rows + sw[i].row,
                                                s * t->rows + end, 3 + k, eps, window);
    }
    return count;
}

static int e5_figure(const char *dir, const wh__matrix *t, double eps)
{
    double **col = wh__columns(t);
    if (col == NULL)
        return -1;
    const double hx[2] = {col[0][0], col[0][t->rows - 1]}, he[2] = {eps, eps};
    char eps_label[64];
    snprintf(eps_label, sizeof eps_label, "online threshold ε = %.2f", eps);
    /* The direct online trace, which the claim rests on, is drawn last: on top. */
    const wh__series series[5] = {
        {"interneurons, population", WH__DASHED, 1, t->rows, col[0], col[5], NULL, NULL},
        {"direct, population", WH__DASHED, 0, t->rows, col[0], col[4], NULL, NULL},
        {"interneurons, online", WH__LINE, 5, t->rows, col[0], col[3], NULL, NULL},
        {"direct, online", WH__LINE, 0, t->rows, col[0], col[2], NULL, NULL},
        {eps_label, WH__DOTTED, 6, 2, hx, he, NULL, NULL},
    };
    const wh__panel panel = {"E5: re-adaptation after the input statistics switch",
                             "samples",
                             "||M⁻¹CM⁻¹ − I||₂ (current context)",
                             false, true, 0, 0, 1e-3, 1e3, 5, series,
                             "A: spectrum [0.1, 10]; B: ×100, rotated; "
                             "η = 10⁻³, M0 = I; online: seed 0",
                             WH__LEGEND_OUTSIDE_RIGHT};
    const wh__figure fig = {1, &panel, 1300, 650};
    char base[4096];
    int rc = wh__repro_path(base, sizeof base, dir, "e5_switch");
    if (rc == 0)
        rc = wh__plot_write(&fig, base);
    wh__free_columns(col, E5_COLS);
    return rc;
}

static int e5_compare(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median, smallest and largest of network k's online times after switch sw. */
static void e5_spread(const e5_switch *sw, size_t nseeds, size_t k, double *med, double *lo,
                      double *hi)
{
    double v[E5_MAX_SEEDS];
    for (size_t s = 0; s < nseeds; s++)
        v[s] = sw->online[s][k];
    qsort(v, nseeds, sizeof *v, e5_compare);
    *med = nseeds % 2 == 1 ? v[nseeds / 2] : 0.5 * (v[nseeds / 2 - 1] + v[nseeds / 2]);
    *lo = v[0];
    *hi = v[nseeds - 1];
}

static void e5_table(wh__buf *r, const e5_switch *sw, size_t count, size_t nseeds)
{
    wh__buf_printf(r, "| switch | to | direct online (median [min, max]) | interneurons online "
                      "(median [min, max]) | direct population | interneurons population |\n"
                      "|---:|:---|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < count; i++) {
        double m[2], lo[2], hi[2];
        for (size_t k = 0; k < 2; k++)
            e5_spread(&sw[i], nseeds, k, &m[k], &lo[k], &hi[k]);
        wh__buf_printf(r, "| %zu | %s | %.0f [%.0f, %.0f] | %.0f [%.0f, %.0f] | %.0f | %.0f |\n",
                       i + 1, sw[i].to_context ? "B (×100)" : "A", m[0], lo[0], hi[0], m[1],
                       lo[1], hi[1], sw[i].population[0], sw[i].population[1]);
    }
}

/*
 * Online, after every switch to context `to` and for every seed: interneurons
 * re-adapt faster. *speedup is the smallest ratio direct / interneurons.
 */
static bool e5_online_faster(const e5_switch *sw, size_t count, size_t nseeds, int to,
                             double *speedup, size_t *judged)
{
    bool ok = true;
    *speedup = (double)INFINITY;
    *judged = 0;
    for (size_t i = 0; i < count; i++)
        for (size_t s = 0; sw[i].to_context == to && s < nseeds; s++) {
            const double d = sw[i].online[s][0], in = sw[i].online[s][1];
            ok &= in < d;
            *speedup = fmin(*speedup, isinf(in) ? 0.0 : d / fmax(in, 1.0));
            (*judged)++;
        }
    return ok && *judged > 0;
}

typedef struct e5_data {
    wh__matrix t, online, floors;
} e5_data;

static void e5_free(e5_data *d)
{
    wh__matrix_free(&d->t);
    wh__matrix_free(&d->online);
    wh__matrix_free(&d->floors);
}

static int e5_read(const char *dir, e5_data *d)
{
    memset(d, 0, sizeof *d);
    int rc = wh__repro_read_csv(dir, E5_FILE, E5_COLS, &d->t);
    if (rc == 0)
        rc = wh__repro_read_csv(dir, E5_ONLINE_FILE, E5_ONLINE_COLS, &d->online);
    if (rc == 0)
        rc = wh__repro_read_csv(dir, E5_FLOORS_FILE, E5_FLOORS_COLS, &d->floors);
    if (rc == 0 && (d->t.rows == 0 || d->online.rows % d->t.rows != 0 || d->floors.rows != 2 ||
                    d->online.rows / d->t.rows > E5_MAX_SEEDS)) {
        fprintf(stderr, "whiten reproduce: %s: E5's CSV files do not fit together\n", dir);
        rc = -1;
    }
    if (rc != 0)
        e5_free(d);
    return rc;
}

static int e5_render(const char *dir, wh__buf *r)
{
    e5_data d;
    if (e5_read(dir, &d) != 0)
        return -1;
    const size_t nseeds = d.online.rows / d.t.rows;
    const double *f = d.floors.data;
    const double eps = 2.0 * fmax(fmax(f[1], f[2]), fmax(f[4], f[5]));
    const uint64_t window = 1000; /* 1/eta samples */
    e5_switch sw[64];
    const size_t count = e5_switches(&d.t, &d.online, nseeds, eps, window, sw, 64);
    wh__buf_printf(r, "![E5](e5_switch.png)\n\nSamples needed after each switch until the "
                      "whitening error stays below ε for %llu samples (1/η), online over %zu "
                      "seeds (`%s`) and in population mode (`%s`). Online ε = %.3f is twice "
                      "the largest noise floor of the two networks in the two contexts (A: "
                      "%.3f direct, %.3f interneurons; B: %.3f, %.3f; `%s`); population ε = "
                      "%g. The figure shows seed 0; inf: not within the block of %llu samples.\n\n",
                   (unsigned long long)window, nseeds, E5_ONLINE_FILE, E5_FILE, eps, f[1], f[2],
                   f[4], f[5], E5_FLOORS_FILE, E5_POPULATION_EPS,
                   (unsigned long long)(count > 0 ? d.t.data[sw[0].row * E5_COLS] : 0.0));
    e5_table(r, sw, count, nseeds);
    wh__buf_printf(r, "\n");
    bool all_pop = count > 0;
    for (size_t i = 0; i < count; i++)
        all_pop &= sw[i].population[1] < sw[i].population[0];
    wh__verdict(r, all_pop,
                "population mode: interneurons re-adapt faster than direct connections after "
                "every switch");
    for (int to = 1; to >= 0; to--) {
        double speedup;
        size_t judged;
        const bool ok = e5_online_faster(sw, count, nseeds, to, &speedup, &judged);
        wh__verdict(r, ok,
                    "online, every switch to %s and every seed (%zu runs): interneurons re-adapt "
                    "faster, at least %.1f× faster",
                    to ? "B (variance ×100)" : "A (back to the low variance)", judged, speedup);
    }
    wh__buf_printf(r, "\n");
    int rc = e5_figure(dir, &d.t, eps);
    e5_free(&d);
    return rc;
}

const wh__experiment wh__e5_switch = {"E5", "Re-adaptation when the statistics switch", e5_compute,
                                      e5_render};
