/*
 * e10_family.c: E10, the four circuits on one context-switching stream (science.md §7).
 *
 * The same samples (one seeded source) go to the direct network, the interneuron
 * network, gain modulation (pairs frame, K = n(n+1)/2) and gains plus synapses (K = n),
 * all from M0 = I and all online. The contexts are those of E9 (a shared basis, sparse
 * random spectra), switching every `every` samples; the whitening error is measured
 * against the current context. The cost per sample is each path's work model in flops
 * (the measured rates are `whiten bench`'s, in BENCHMARKS.md: timings would make the CSV
 * files differ from run to run).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot.h"
#include "repro/repro.h"
#include "whiten.h"
#include "net/view.h"

#define E10_CURVES     "e10_curves.csv"
#define E10_COST       "e10_cost.csv"
#define E10_NETS       4
#define E10_NMAX       8
#define E10_CONTEXTS   8
#define E10_RECORD     250 /* samples between recorded errors */
#define E10_EPS        0.5 /* error that counts as re-adapted */
#define E10_CURVE_COLS (2 + E10_NETS)
#define E10_COST_COLS  5

static const char *const e10_curve_header[E10_CURVE_COLS] = {
    "samples", "context", "direct", "interneuron", "gain", "gain_synapse"};
static const char *const e10_cost_header[E10_COST_COLS] = {"circuit", "n", "K", "eta",
                                                           "flops_per_sample"};
static const char *const e10_names[E10_NETS] = {"direct", "interneurons", "gain modulation",
                                                "gains + synapses"};

typedef struct e10_plan {
    size_t n;
    uint64_t every, blocks;
    double eta, eta_w;
    double C[E10_CONTEXTS * E10_NMAX * E10_NMAX];
    uint64_t seed;
} e10_plan;

static wh_net_options e10_options(const e10_plan *p, size_t circuit)
{
    wh_net_options o;
    wh_net_options_default(&o);
    const wh_net_kind kinds[E10_NETS] = {WH_NET_DIRECT, WH_NET_INTERNEURON, WH_NET_GAIN,
                                         WH_NET_GAIN_SYNAPSE};
    o.kind = kinds[circuit], o.n = p->n, o.eta = p->eta, o.gain.eta_w = p->eta_w;
    o.init.seed = p->seed + 1001;
    return o;
}

/*
 * Work models, flops per sample: a Cholesky factor n^3/3 and two triangular solves 2n^2;
 * the interneurons' fast path a rank-2 update of P and W's rank-1 change, about
 * 6n^2 + 4nk; the gain circuit's sparse frame O(K) for z, g and M; gains plus synapses
 * add the dense W diag(g) W^T, formed as one symmetric product (its lower triangle,
 * wh__gram_diag: n^2 K / 2 multiply-adds, counted as n^2 K flops), z = W^T y (2nK) and W's
 * update and norms (about 8nK). The gain circuits' models are those of `whiten bench`'s
 * gain rows (model() in src/cli/bench_gain.c), so E10's costs and the bench's agree.
 */
static double e10_flops(size_t circuit, double n, double K)
{
    const double chol = n * n * n / 3.0 + 2.0 * n * n;
    switch (circuit) {
    case 0:
        return chol + n * n;
    case 1:
        return 6.0 * n * n + 4.0 * n * K;
    case 2:
        return chol + 8.0 * K;
    default:
        return chol + n * n * K + 2.0 * n * K + 8.0 * n * K;
    }
}

/* Circuit i's error every E10_RECORD samples into out; NaN from a failure on. */
static void e10_job(size_t circuit, void *arg, double *out)
{
    const e10_plan *p = arg;
    const uint64_t total = p->every * p->blocks;
    for (uint64_t r = 0; r < total / E10_RECORD; r++)
        out[r] = NAN;
    const wh_net_options o = e10_options(p, circuit);
    wh_metrics *m[E10_CONTEXTS] = {NULL};
    wh__run run = {0};
    const size_t nn = p->n * p->n;
    wh_status st = wh__run_open(&o, p->C, E10_CONTEXTS, p->every, p->seed + 1002, &run);
    for (size_t c = 0; st == WH_OK && c < E10_CONTEXTS; c++)
        st = wh_metrics_new(p->n, p->C + c * nn, p->n, &m[c]);
    double x[E10_NMAX];
    for (uint64_t t = 0; st == WH_OK && t < total; t++) {
        if (t % E10_RECORD == 0) {
            wh_errors e;
            const size_t c = wh_source_context_at(run.src, t);
            if (wh_metrics_eval(m[c], wh__net_lateral(run.net), p->n, &e) == WH_OK)
                out[t / E10_RECORD] = e.spectral;
        }
        wh_source_next(run.src, x, NULL);
        st = wh_net_step(run.net, x, NULL, NULL, NULL);
    }
    for (size_t c = 0; c < E10_CONTEXTS; c++)
        wh_metrics_free(m[c]);
    wh__run_close(&run);
}

static int e10_write_cost(const e10_plan *p, const char *dir)
{
    double rows[E10_NETS * E10_COST_COLS];
    for (size_t i = 0; i < E10_NETS; i++) {
        const wh_net_options o = e10_options(p, i);
        wh_net *net = NULL;
        wh_status st = wh_net_new(&o, &net);
        if (st != WH_OK)
            return wh__repro_fail("E10", "network", st);
        const double n = (double)p->n, K = (double)wh_net_k(net);
        const double row[E10_COST_COLS] = {(double)i, n, K, p->eta, e10_flops(i, n, K)};
        memcpy(rows + i * E10_COST_COLS, row, sizeof row);
        wh_net_free(net);
    }
    return wh__repro_write_csv(dir, E10_COST, e10_cost_header, E10_COST_COLS, rows, E10_NETS);
}

static int e10_compute(const wh__repro_settings *s, const char *dir)
{
    e10_plan p = {.n = s->full ? 6 : 4,
                  .every = s->full ? 40000 : 20000,
                  .blocks = s->full ? 16 : 8,
                  .eta = 2e-3,
                  .eta_w = 2e-4,
                  .seed = s->seed};
    wh_context_spec spec;
    wh_context_spec_default(&spec);
    spec.n = p.n, spec.contexts = E10_CONTEXTS, spec.seed = s->seed + 1000;
    wh_status st = wh_context_family(&spec, NULL, 0, NULL, p.C);
    if (st != WH_OK)
        return wh__repro_fail("E10", "contexts", st);
    const size_t rows = (size_t)(p.every * p.blocks / E10_RECORD);
    double *res = calloc(E10_NETS * rows, sizeof *res);
    double *table = calloc(rows * E10_CURVE_COLS, sizeof *table);
    int rc = res == NULL || table == NULL ? wh__repro_fail("E10", "result table", WH_ENOMEM) : 0;
    const wh__sweep sweep = {E10_NETS, rows, e10_job, &p};
    if (rc == 0)
        rc = wh__sweep_run(s, &sweep, res);
    for (size_t r = 0; rc == 0 && r < rows; r++) {
        table[r * E10_CURVE_COLS] = (double)(r * E10_RECORD);
        table[r * E10_CURVE_COLS + 1] = (double)((r * E10_RECORD / p.every) % E10_CONTEXTS);
    }
    for (size_t i = 0; rc == 0 && i < E10_NETS; i++)
        wh__column_put(res + i * rows, rows, E10_CURVE_COLS, 2 + i, table);
    if (rc == 0)
        rc = wh__repro_write_csv(dir, E10_CURVES, e10_curve_header, E10_CURVE_COLS, table, rows);
    if (rc == 0)
        rc = e10_write_cost(&p, dir);
    free(table);
    free(res);
    return rc;
}

/* Per circuit: the noise floor (median error over the last quarter of every block), the
 * median samples to re-adapt after a switch (NaN counts as never), the median error right
 * after a switch, and how many switches it did not re-adapt within. */
typedef struct e10_summary {
    double floor, readapt, after_switch;
    size_t never, switches;
} e10_summary;

static e10_summary e10_summarise(const wh__matrix *t, size_t col)
{
    double times[256], after[256], q1, q3;
    double *tail = malloc((t->rows + 1) * sizeof *tail);
    size_t ntail = 0, nsw = 0;
    e10_summary s = {NAN, NAN, NAN, 0, 0};
    if (tail == NULL)
        return s;
    size_t start = 0;
    for (size_t r = 1; r <= t->rows; r++) {
        if (r < t->rows && t->data[r * E10_CURVE_COLS + 1] == t->data[(r - 1) * E10_CURVE_COLS + 1])
            continue;
        const size_t len = r - start; /* rows [start, r) are one block */
        for (size_t q = start + len - len / 4; q < r; q++)
            tail[ntail++] = t->data[q * E10_CURVE_COLS + col];
        if (start > 0 && nsw < 256) {
            double when = NAN;
            for (size_t q = start; q < r && isnan(when); q++)
                if (t->data[q * E10_CURVE_COLS + col] <= E10_EPS)
                    when = t->data[q * E10_CURVE_COLS] - t->data[start * E10_CURVE_COLS];
            s.never += isnan(when) ? 1u : 0u;
            times[nsw] = when;
            after[nsw++] = t->data[start * E10_CURVE_COLS + col];
        }
        start = r;
    }
    if (ntail > 0)
        wh__quartiles(tail, ntail, &q1, &s.floor, &q3);
    if (nsw > 0) {
        wh__quartiles(times, nsw, &q1, &s.readapt, &q3);
        wh__quartiles(after, nsw, &q1, &s.after_switch, &q3);
    }
    s.switches = nsw;
    free(tail);
    return s;
}

static int e10_figure(const char *dir, const wh__matrix *t)
{
    double **col = wh__columns(t);
    if (col == NULL)
        return -1;
    const size_t n = t->rows;
    const wh__series series[E10_NETS] = {
        {"direct", WH__LINE, 4, n, col[0], col[2], NULL, NULL},
        {"interneurons", WH__LINE, 5, n, col[0], col[3], NULL, NULL},
        {"gain modulation", WH__LINE, 1, n, col[0], col[4], NULL, NULL},
        {"gains + synapses", WH__LINE, 0, n, col[0], col[5], NULL, NULL},
    };
    const wh__panel panel = {"E10: four circuits on one context-switching stream",
                             "samples",
                             "||M⁻¹CM⁻¹ − I||₂ (current context)",
                             false,
                             true,
                             0,
                             0,
                             1e-2,
                             200,
                             E10_NETS,
                             series,
                             "same samples; contexts share a basis (E9); η = η_g = 2·10⁻³, "
                             "η_w = 2·10⁻⁴, M0 = I",
                             WH__LEGEND_OUTSIDE_RIGHT};
    const wh__figure fig = {1, &panel, 1400, 650};
    char base[4096];
    int rc = wh__repro_path(base, sizeof base, dir, "e10_family");
    if (rc == 0)
        rc = wh__plot_write(&fig, base);
    wh__free_columns(col, E10_CURVE_COLS);
    return rc;
}

static double e10_inf(double v)
{
    return isnan(v) ? (double)INFINITY : v;
}

static int e10_render(const char *dir, wh__buf *r)
{
    wh__matrix t, cost;
    if (wh__repro_read_csv(dir, E10_CURVES, E10_CURVE_COLS, &t) != 0)
        return -1;
    if (wh__repro_read_csv(dir, E10_COST, E10_COST_COLS, &cost) != 0 || cost.rows != E10_NETS) {
        wh__matrix_free(&t);
        return -1;
    }
    e10_summary s[E10_NETS];
    wh__buf_printf(r,
                   "![E10](e10_family.png)\n\nOne stream, four circuits (`%s`, `%s`); "
                   "re-adapted means an error ≤ %g; the noise floor is the median error over "
                   "the last quarter of every block; flops per sample from each path's work "
                   "model (measured rates: `whiten bench`, BENCHMARKS.md):\n\n"
                   "| circuit | K | noise floor | error right after a switch (median) | samples "
                   "to re-adapt (median) | switches never re-adapted | flops per sample |\n"
                   "|:---|---:|---:|---:|---:|---:|---:|\n",
                   E10_CURVES, E10_COST, E10_EPS);
    for (size_t i = 0; i < E10_NETS; i++) {
        s[i] = e10_summarise(&t, 2 + i);
        const double *c = cost.data + i * E10_COST_COLS;
        wh__buf_printf(r, "| %s | %.0f | %.3f | %.2f | %.0f | %zu of %zu | %.0f |\n", e10_names[i],
                       c[2], s[i].floor, s[i].after_switch, s[i].readapt, s[i].never, s[i].switches,
                       c[4]);
    }
    wh__buf_printf(r, "\n");
    bool all = true;
    for (size_t i = 0; i < E10_NETS; i++)
        all &= s[i].floor <= E10_EPS && s[i].never == 0;
    wh__verdict(r, all,
                "every circuit whitens every context: noise floors %.2f, %.2f, %.2f, %.2f "
                "≤ %g, and each re-adapts after every switch",
                s[0].floor, s[1].floor, s[2].floor, s[3].floor, E10_EPS);
    wh__verdict(r, e10_inf(s[1].readapt) < e10_inf(s[0].readapt),
                "interneurons re-adapt faster than direct connections (median %.0f against %.0f "
                "samples)",
                s[1].readapt, s[0].readapt);
    wh__verdict(r,
                e10_inf(s[3].readapt) <= e10_inf(s[2].readapt) &&
                    cost.data[3 * E10_COST_COLS + 2] < cost.data[2 * E10_COST_COLS + 2],
                "gains + synapses, with K = n interneurons, re-adapt no slower than gain "
                "modulation with K = n(n+1)/2 (median %.0f against %.0f samples)",
                s[3].readapt, s[2].readapt);
    wh__buf_printf(r, "\n");
    int rc = e10_figure(dir, &t);
    wh__matrix_free(&t);
    wh__matrix_free(&cost);
    return rc;
}

const wh__experiment wh__e10_family = {"E10", "The four circuits on one context-switching stream",
                                       e10_compute, e10_render};
