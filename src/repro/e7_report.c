/*
 * e7_report.c: E7's figures and verdicts, from its CSV files alone.
 *
 * The thresholds rest on the noise floor measured in the same run (each
 * network learning from its fixed point C^{1/2}, e7_patches.c), never on a
 * number tuned for one image: photographs, whose patches are heavy-tailed and
 * whose spectrum is wider, sit higher than the synthetic 1/f image, and the
 * verdicts must hold for both. As everywhere in `whiten`, the convergence
 * threshold eps is twice the larger of the two floors and convergence means
 * the error stays below eps for 1/eta samples.
 *
 * Near M = C^{1/2} the filter error and the whitening error are tied: writing
 * M^{-1} C M^{-1} = I + D, in the eigenbasis of C,
 * (M^{-1} - C^{-1/2})_ij = D_ij / (s_i + s_j) with s = sqrt(lambda), so
 * ||M^{-1} - C^{-1/2}||_F <= (1/2) ||D||_2 ||C^{-1/2}||_F to first order. A
 * network whose error is within twice its floor therefore has filters within
 * one floor of ZCA, in relative Frobenius norm.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "plot/plot.h"
#include "repro/e7.h"
#include "whiten.h"

#define E7_TAIL 0.2          /* the final error is the mean over the last 20 % of the run */
#define E7_CS_FRACTION 0.9   /* centre-surround must hold for this share of the filters */

enum { E7_SETS = 3 }; /* filter sets: direct, interneurons, exact ZCA */
static const char *const e7_set_name[E7_SETS] = {"direct", "interneurons", "exact ZCA"};
static const char *const e7_set_file[E7_SETS] = {E7_FILTERS_DIRECT, E7_FILTERS_INTERNEURON,
                                                 E7_FILTERS_ZCA};

typedef struct e7_data {
    wh__matrix errors, run, spectrum, filters[E7_SETS];
} e7_data;

/* What the verdicts rest on, all computed from e7_data; per network [0] direct, [1] interneurons. */
typedef struct e7_numbers {
    double eta, samples;
    double floor[2]; /* mean error of the run from C^{1/2} over the same tail window */
    double eps;      /* twice the larger floor */
    double initial, final[2], flow_final[2], reach[2];
    double rel_diff[2]; /* ||F - Z||_F / ||Z||_F */
    size_t centre_surround[E7_SETS];
    double ratio[E7_SETS]; /* median over filters of (mean neighbour weight) / centre weight */
} e7_numbers;

static void e7_free(e7_data *d)
{
    wh__matrix_free(&d->errors);
    wh__matrix_free(&d->run);
    wh__matrix_free(&d->spectrum);
    for (size_t i = 0; i < E7_SETS; i++)
        wh__matrix_free(&d->filters[i]);
}

static int e7_read(const char *dir, e7_data *d)
{
    memset(d, 0, sizeof *d);
    int rc = wh__repro_read_csv(dir, E7_ERRORS_FILE, E7_ERRORS_COLS, &d->errors);
    if (rc == 0)
        rc = wh__repro_read_csv(dir, E7_RUN_FILE, E7_RUN_COLS, &d->run);
    if (rc == 0)
        rc = wh__repro_read_csv(dir, E7_SPECTRUM_FILE, 1, &d->spectrum);
    for (size_t i = 0; i < E7_SETS && rc == 0; i++) {
        rc = wh__repro_read_csv(dir, e7_set_file[i], E7_N, &d->filters[i]);
        if (rc == 0 && d->filters[i].rows != E7_N) {
            fprintf(stderr, "whiten reproduce: %s/%s: %zu filters, expected %d\n", dir,
                    e7_set_file[i], d->filters[i].rows, E7_N);
            rc = -1;
        }
    }
    if (rc == 0 && (d->errors.rows < 2 || d->run.rows != 1 || d->spectrum.rows != E7_N)) {
        fprintf(stderr, "whiten reproduce: %s: E7's CSV files have the wrong number of rows\n",
                dir);
        rc = -1;
    }
    if (rc != 0)
        e7_free(d);
    return rc;
}

static double e7_cell(const wh__matrix *t, size_t row, size_t col)
{
    return t->data[row * t->cols + col];
}

/* Samples from which column col stays <= eps for 1/eta samples; NAN if never in the run. */
static double e7_reach(const wh__matrix *t, size_t col, double eps, double eta)
{
    wh_passage pass;
    if (wh_passage_init_window(&pass, eps, (uint64_t)(1.0 / eta)) != WH_OK)
        return NAN;
    for (size_t r = 0; r < t->rows; r++)
        if (wh_passage_observe(&pass, (uint64_t)e7_cell(t, r, E7_SAMPLES), eta,
                               e7_cell(t, r, col)))
            return (double)pass.samples;
    return NAN;
}

static double e7_tail_mean(const wh__matrix *t, size_t col)
{
    const size_t from = t->rows - (size_t)ceil(E7_TAIL * (double)t->rows);
    double sum = 0.0;
    for (size_t r = from; r < t->rows; r++)
        sum += e7_cell(t, r, col);
    return sum / (double)(t->rows - from);
}

static double e7_rel_diff(const wh__matrix *f, const wh__matrix *zca)
{
    double diff = 0.0, norm = 0.0;
    for (size_t i = 0; i < E7_N * E7_N; i++) {
        diff += (f->data[i] - zca->data[i]) * (f->data[i] - zca->data[i]);
        norm += zca->data[i] * zca->data[i];
    }
    return sqrt(diff / norm);
}

/* Mean weight of the (up to 4) pixels next to pixel i in filter f. */
static double e7_surround(const double *f, size_t i)
{
    const size_t r = i / E7_SIDE, c = i % E7_SIDE;
    double sum = 0.0;
    int count = 0;
    const bool has[4] = {r > 0, r + 1 < E7_SIDE, c > 0, c + 1 < E7_SIDE};
    const size_t at[4] = {i - E7_SIDE, i + E7_SIDE, i - 1, i + 1};
    for (size_t k = 0; k < 4; k++) {
        sum += has[k] ? f[at[k]] : 0.0;
        count += has[k];
    }
    return sum / count;
}

static int e7_compare(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Filters with a positive centre and a negative mean of its 4 neighbours; median ratio. */
static size_t e7_centre_surround(const wh__matrix *f, double *median_ratio)
{
    double ratio[E7_N];
    size_t count = 0;
    for (size_t i = 0; i < E7_N; i++) {
        const double *row = f->data + i * E7_N, centre = row[i], around = e7_surround(row, i);
        count += centre > 0.0 && around < 0.0;
        ratio[i] = around / centre;
    }
    qsort(ratio, E7_N, sizeof *ratio, e7_compare);
    *median_ratio = 0.5 * (ratio[E7_N / 2 - 1] + ratio[E7_N / 2]);
    return count;
}

static void e7_measure(const e7_data *d, e7_numbers *x)
{
    x->eta = d->run.data[1];
    x->samples = d->run.data[2];
    x->initial = fmax(e7_cell(&d->errors, 0, E7_DIRECT), e7_cell(&d->errors, 0, E7_INTERNEURON));
    for (size_t j = 0; j < 2; j++) {
        x->floor[j] = e7_tail_mean(&d->errors, E7_DIRECT_FLOOR + j);
        x->final[j] = e7_tail_mean(&d->errors, E7_DIRECT + j);
        x->flow_final[j] = e7_cell(&d->errors, d->errors.rows - 1, E7_DIRECT_FLOW + j);
        x->rel_diff[j] = e7_rel_diff(&d->filters[j], &d->filters[2]);
    }
    x->eps = 2.0 * fmax(x->floor[0], x->floor[1]);
    for (size_t j = 0; j < 2; j++)
        x->reach[j] = e7_reach(&d->errors, E7_DIRECT + j, x->eps, x->eta);
    for (size_t s = 0; s < E7_SETS; s++)
        x->centre_surround[s] = e7_centre_surround(&d->filters[s], &x->ratio[s]);
}

/* A sample count, or "never" when the threshold was not reached. */
static void e7_samples_text(char *buf, size_t size, double samples)
{
    if (isnan(samples))
        snprintf(buf, size, "never");
    else
        snprintf(buf, size, "%.0f", samples);
}

static void e7_table(wh__buf *r, const e7_numbers *x)
{
    char reach[2][32];
    for (size_t j = 0; j < 2; j++)
        e7_samples_text(reach[j], sizeof reach[j], x->reach[j]);
    wh__buf_printf(r, "| | direct | interneurons | exact ZCA |\n|:---|---:|---:|---:|\n");
    wh__buf_printf(r, "| whitening error at M0 = I | %.3g | %.3g | |\n", x->initial, x->initial);
    wh__buf_printf(r, "| samples until the error stays ≤ ε = %.3f | %s | %s | |\n", x->eps,
                   reach[0], reach[1]);
    wh__buf_printf(r, "| final online error (mean of the last %.0f %%) | %.3f | %.3f | |\n",
                   100.0 * E7_TAIL, x->final[0], x->final[1]);
    wh__buf_printf(r, "| noise floor: the same, learning from C^{1/2} | %.3f | %.3f | |\n",
                   x->floor[0], x->floor[1]);
    wh__buf_printf(r, "| mean-flow error at the end (closed form) | %.2e | %.2e | |\n",
                   x->flow_final[0], x->flow_final[1]);
    wh__buf_printf(r, "| ‖M⁻¹ − C^{-1/2}‖_F / ‖C^{-1/2}‖_F | %.3f | %.3f | 0 |\n",
                   x->rel_diff[0], x->rel_diff[1]);
    wh__buf_printf(r, "| centre–surround filters (of %d) | %zu | %zu | %zu |\n", E7_N,
                   x->centre_surround[0], x->centre_surround[1], x->centre_surround[2]);
    wh__buf_printf(r, "| median neighbour / centre weight | %.3f | %.3f | %.3f |\n\n",
                   x->ratio[0], x->ratio[1], x->ratio[2]);
}

static void e7_verdicts(wh__buf *r, const e7_numbers *x)
{
    wh__verdict(r, x->final[0] <= 2.0 * x->floor[0] && x->final[1] <= 2.0 * x->floor[1],
                "both networks whiten the patches down to their noise floors: final errors "
                "%.3f (direct) and %.3f (interneurons) within twice the floors measured from "
                "C^{1/2} on another stream of the same patches, %.3f and %.3f (η = %.1e)",
                x->final[0], x->final[1], x->floor[0], x->floor[1], x->eta);
    wh__verdict(r, fmax(x->flow_final[0], x->flow_final[1]) <= 0.1 * fmin(x->final[0], x->final[1]),
                "what remains is online noise, not unfinished learning: the mean flows end at "
                "error %.1e, below a tenth of the online errors",
                fmax(x->flow_final[0], x->flow_final[1]));
    char reach[2][32];
    for (size_t j = 0; j < 2; j++)
        e7_samples_text(reach[j], sizeof reach[j], x->reach[j]);
    wh__verdict(r, x->reach[1] < x->reach[0] || (isnan(x->reach[0]) && !isnan(x->reach[1])),
                "interneurons learn faster: the error stays ≤ ε = %.3f (twice the larger floor) "
                "from %s samples on, against %s for direct connections", x->eps, reach[1],
                reach[0]);
    for (size_t j = 0; j < 2; j++)
        wh__verdict(r, x->rel_diff[j] <= x->floor[j],
                    "%s: the learned filters are the ZCA filters: relative Frobenius difference "
                    "of M⁻¹ from C^{-1/2} %.3f ≤ %.3f, its noise floor (half its error "
                    "threshold, by the first-order bound)", e7_set_name[j], x->rel_diff[j],
                    x->floor[j]);
    for (size_t s = 0; s < E7_SETS; s++)
        wh__verdict(r, (double)x->centre_surround[s] >= E7_CS_FRACTION * E7_N,
                    "%s filters are centre–surround: %zu of %d have a positive centre and "
                    "negative neighbours (≥ %.0f %% required)", e7_set_name[s],
                    x->centre_surround[s], E7_N, 100.0 * E7_CS_FRACTION);
}

/* Every stride-th record of a column, so that markers stay apart in the figure. */
static size_t e7_thin(const wh__matrix *t, size_t col, size_t stride, double *out)
{
    size_t count = 0;
    for (size_t r = 0; r < t->rows; r += stride)
        out[count++] = e7_cell(t, r, col);
    return count;
}

static int e7_error_figure(const char *dir, const e7_data *d, const e7_numbers *x)
{
    const size_t rows = d->errors.rows, stride = rows / 30 + 1;
    double *col = wh__alloc((E7_ERRORS_COLS + 3) * rows, sizeof *col), eps_x[2], eps_y[2];
    if (col == NULL)
        return wh__repro_fail("E7", "figure", WH_ENOMEM);
    for (size_t c = 0; c < E7_ERRORS_COLS; c++)
        for (size_t r = 0; r < rows; r++)
            col[c * rows + r] = e7_cell(&d->errors, r, c);
    double *thin = col + E7_ERRORS_COLS * rows; /* samples, direct, interneurons */
    const size_t marks = e7_thin(&d->errors, E7_SAMPLES, stride, thin);
    e7_thin(&d->errors, E7_DIRECT, stride, thin + rows);
    e7_thin(&d->errors, E7_INTERNEURON, stride, thin + 2 * rows);
    eps_x[0] = 0.0;
    eps_x[1] = col[rows - 1];
    eps_y[0] = eps_y[1] = x->eps;
    char eps_label[96];
    snprintf(eps_label, sizeof eps_label, "ε = %.2f = 2 × larger noise floor", x->eps);
    /* The floor runs first, thin, so that the learning runs are drawn over them. */
    const wh__series series[7] = {
        {"direct from C^½ (noise floor)", WH__DOTTED, 0, rows, col,
         col + E7_DIRECT_FLOOR * rows, NULL, NULL},
        {"interneurons from C^½ (noise floor)", WH__DOTTED, 1, rows, col,
         col + E7_INTERNEURON_FLOOR * rows, NULL, NULL},
        {"direct, mean flow (closed form)", WH__LINE, 0, rows, col, col + E7_DIRECT_FLOW * rows,
         NULL, NULL},
        {"interneurons, mean flow (closed form)", WH__LINE, 1, rows, col,
         col + E7_INTERNEURON_FLOW * rows, NULL, NULL},
        {"direct, online from M0 = I", WH__MARKERS, 0, marks, thin, thin + rows, NULL, NULL},
        {"interneurons, online from M0 = I", WH__MARKERS, 1, marks, thin, thin + 2 * rows, NULL,
         NULL},
        {eps_label, WH__DASHED, 6, 2, eps_x, eps_y, NULL, NULL},
    };
    char note[160];
    const double images = d->run.data[4];
    if (images == 0.0)
        snprintf(note, sizeof note, "synthetic 1/f image; n = %d, η = %.0e", E7_N, x->eta);
    else
        snprintf(note, sizeof note, "%.0f photograph%s (--images); n = %d, η = %.0e", images,
                 images == 1.0 ? "" : "s", E7_N, x->eta);
    const wh__panel panel = {"E7: whitening 8×8 image patches", "samples",
                             "whitening error ||M⁻¹CM⁻¹ − I||₂", false, true, 0, 0,
                             0.3 * fmin(x->floor[0], x->floor[1]), 2.0 * x->initial, 7, series,
                             note, WH__LEGEND_BELOW};
    const wh__figure fig = {1, &panel, 1100, 850};
    char base[4096];
    int rc = wh__repro_path(base, sizeof base, dir, "e7_errors");
    if (rc == 0)
        rc = wh__plot_write(&fig, base);
    wh__free(col);
    return rc;
}

/* All 64 filters of each set, filter of pixel (r, c) at place (r, c) of its 8 x 8 grid. */
static int e7_tile_figure(const char *dir, const e7_data *d)
{
    static const char *const headings[E7_SETS] = {"direct connections (M⁻¹)",
                                                  "interneurons (M⁻¹)", "exact ZCA (C^-1/2)"};
    const double *values[E7_SETS];
    for (size_t s = 0; s < E7_SETS; s++)
        values[s] = d->filters[s].data;
    const wh__tiles tiles = {"E7: the filters, row i of M⁻¹ shown at pixel i's place",
                             "filter weight",
                             E7_SETS,
                             headings,
                             values,
                             E7_N,
                             E7_SIDE,
                             E7_SIDE,
                             E7_SIDE};
    char base[4096];
    int rc = wh__repro_path(base, sizeof base, dir, "e7_filters");
    if (rc == 0)
        rc = wh__plot_tiles(&tiles, base);
    return rc;
}

int wh__e7_render(const char *dir, wh__buf *r)
{
    e7_data d;
    if (e7_read(dir, &d) != 0)
        return -1;
    e7_numbers x;
    e7_measure(&d, &x);
    const double images = d.run.data[4];
    wh__buf_printf(r, "![E7 errors](e7_errors.png)\n\n![E7 filters](e7_filters.png)\n\n");
    wh__buf_printf(r, "%.0f patches of 8×8 pixels from %s (`%s`), centred and scaled to mean "
                      "pixel variance 1; C has eigenvalues from %.3g to %.3g (`%s`). Both "
                      "networks learn online from M0 = I at η = %.1e for %.0f samples (`%s`); "
                      "filters are the rows of M⁻¹ and of C^{-1/2} (`%s`, `%s`, `%s`).\n\n",
                   d.run.data[3], images == 0.0 ? "a synthetic 1/f image" : "the user's PNG images",
                   E7_RUN_FILE, d.spectrum.data[0], d.spectrum.data[E7_N - 1], E7_SPECTRUM_FILE,
                   x.eta, x.samples, E7_ERRORS_FILE, E7_FILTERS_DIRECT, E7_FILTERS_INTERNEURON,
                   E7_FILTERS_ZCA);
    e7_table(r, &x);
    e7_verdicts(r, &x);
    wh__buf_printf(r, "\n");
    int rc = e7_error_figure(dir, &d, &x);
    if (rc == 0)
        rc = e7_tile_figure(dir, &d);
    e7_free(&d);
    return rc;
}
