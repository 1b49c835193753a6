/*
 * e7_patches.c: E7, whitening 8 x 8 patches of natural images (compute half).
 *
 * A pool of patches is cut at seeded random positions from the 1/f image (or
 * the user's photographs), centred (the mean patch subtracted) and scaled so
 * that the mean pixel variance is 1. C is the covariance of the pool, so it is
 * exactly the covariance of the inputs: both networks learn online from
 * patches drawn uniformly from the pool (the same stream for both), starting
 * at M0 = I. Because M0 commutes with C, the mean flow of each network is
 * known in closed form (science.md §4), and it is recorded beside the online
 * error. The learned filters are the rows of M^{-1}; the exact ZCA filters are
 * the rows of C^{-1/2}.
 *
 * Online errors never settle below a noise floor that depends on eta and on
 * the patches themselves (their spectrum and their heavy tails: photographs
 * sit higher than the Gaussian theory of science.md §3). So the floor is
 * measured, not assumed: each network also learns from M = C^{1/2}, where it
 * has nothing left to learn, for as many samples on another stream of the
 * same pool; what its error shows is noise only.
 */
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "repro/e7.h"
#include "repro/e7_image.h"
#include "repro/repro.h"
#include "whiten.h"
#include "net/view.h"

/*
 * The four runs: network j % 2 (0 direct, 1 interneurons), from M0 = I (j < 2)
 * or from its fixed point C^{1/2} (j >= 2, the noise floor).
 */
enum { E7_RUNS = 4 };

typedef struct e7_plan {
    double eta;
    uint64_t samples, record, seed;
    size_t pool, rows, images, side;
    double *patches; /* pool x E7_N */
    double C[E7_N * E7_N], lambda[E7_N], U[E7_N * E7_N], zca[E7_N * E7_N], root[E7_N * E7_N];
    double *errors;  /* rows x E7_ERRORS_COLS */
    double filters[2][E7_N * E7_N];
    wh_status status[E7_RUNS];
} e7_plan;

/* The images named in `list` (comma-separated PNG paths), or the 1/f image if NULL. */
static int e7_load(const char *list, size_t side, uint64_t seed, wh__image **imgs, size_t *count)
{
    *count = 1;
    for (const char *c = list; c != NULL && *c != '\0'; c++)
        *count += *c == ',';
    *imgs = wh__alloc(*count, sizeof **imgs);
    if (*imgs == NULL)
        return wh__repro_fail("E7", "images", WH_ENOMEM);
    if (list == NULL)
        return wh__image_one_over_f(side, seed, *imgs);
    const char *p = list;
    for (size_t i = 0; i < *count; i++) {
        const size_t len = strcspn(p, ",");
        char path[4096];
        if (len == 0 || len >= sizeof path) {
            fprintf(stderr, "whiten reproduce: option --images: entry %zu of '%s' is %s\n",
                    i + 1, list, len == 0 ? "empty" : "too long");
            return -1;
        }
        memcpy(path, p, len);
        path[len] = '\0';
        if (wh__image_read_png(path, &(*imgs)[i]) != 0)
            return -1;
        p += len + 1;
    }
    return 0;
}

/* Positions where a whole patch fits in image i. */
static size_t e7_positions(const wh__image *img)
{
    return (img->width - E7_SIDE + 1) * (img->height - E7_SIDE + 1);
}

/* Cut the pool: each patch at a position drawn uniformly over all images' positions. */
static int e7_cut(e7_plan *p, const wh__image *imgs, size_t count)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += e7_positions(&imgs[i]);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (rng == NULL || total > gsl_rng_max(rng)) {
        fprintf(stderr, "whiten reproduce: E7: %s\n",
                rng == NULL ? "out of memory" : "the images are too large together");
        gsl_rng_free(rng);
        return -1;
    }
    gsl_rng_set(rng, (unsigned long)(p->seed + 70));
    for (size_t k = 0; k < p->pool; k++) {
        size_t at = (size_t)gsl_rng_uniform_int(rng, (unsigned long)total), i = 0;
        while (at >= e7_positions(&imgs[i]))
            at -= e7_positions(&imgs[i++]);
        const size_t across = imgs[i].width - E7_SIDE + 1;
        const double *corner = imgs[i].pixels + (at / across) * imgs[i].width + at % across;
        for (size_t r = 0; r < E7_SIDE; r++)
            memcpy(p->patches + k * E7_N + r * E7_SIDE, corner + r * imgs[i].width,
                   E7_SIDE * sizeof(double));
    }
    gsl_rng_free(rng);
    return 0;
}

/* Subtract the mean patch, then scale so that trace(C) / n = 1; C is the pool's covariance. */
static void e7_covariance(e7_plan *p)
{
    double mean[E7_N] = {0}, trace = 0.0;
    for (size_t k = 0; k < p->pool; k++)
        for (size_t i = 0; i < E7_N; i++)
            mean[i] += p->patches[k * E7_N + i] / (double)p->pool;
    for (size_t k = 0; k < p->pool; k++)
        for (size_t i = 0; i < E7_N; i++)
            p->patches[k * E7_N + i] -= mean[i];
    for (size_t k = 0; k < p->pool; k++)
        for (size_t i = 0; i < E7_N; i++)
            trace += p->patches[k * E7_N + i] * p->patches[k * E7_N + i];
    const double scale = 1.0 / sqrt(trace / (double)(p->pool * E7_N));
    for (size_t k = 0; k < p->pool * E7_N; k++)
        p->patches[k] *= scale;
    memset(p->C, 0, sizeof p->C);
    for (size_t k = 0; k < p->pool; k++) {
        const double *x = p->patches + k * E7_N;
        for (size_t i = 0; i < E7_N; i++)
            for (size_t j = 0; j <= i; j++)
                p->C[i * E7_N + j] += x[i] * x[j];
    }
    for (size_t i = 0; i < E7_N; i++)
        for (size_t j = 0; j <= i; j++)
            p->C[j * E7_N + i] = p->C[i * E7_N + j] /= (double)p->pool;
}

/* Eigenvalues (ascending) and eigenvectors (columns of U) of a symmetric n x n matrix. */
static int e7_eigen(const double *A, double *lambda, double *U)
{
    double a[E7_N * E7_N];
    memcpy(a, A, sizeof a);
    gsl_matrix_view av = gsl_matrix_view_array(a, E7_N, E7_N);
    gsl_matrix_view uv = gsl_matrix_view_array(U, E7_N, E7_N);
    gsl_vector_view lv = gsl_vector_view_array(lambda, E7_N);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(E7_N);
    if (w == NULL)
        return wh__repro_fail("E7", "eigenvectors", WH_ENOMEM);
    int st = gsl_eigen_symmv(&av.matrix, &lv.vector, &uv.matrix, w);
    gsl_eigen_symmv_free(w);
    if (st == 0)
        st = gsl_eigen_symmv_sort(&lv.vector, &uv.matrix, GSL_EIGEN_SORT_VAL_ASC);
    return st == 0 ? 0 : -1;
}

/* out = U diag(lambda^power) U^T. */
static void e7_power(const double *lambda, const double *U, double power, double *out)
{
    double d[E7_N];
    for (size_t k = 0; k < E7_N; k++)
        d[k] = pow(lambda[k], power);
    for (size_t i = 0; i < E7_N; i++)
        for (size_t j = 0; j < E7_N; j++) {
            double sum = 0.0;
            for (size_t k = 0; k < E7_N; k++)
                sum += U[i * E7_N + k] * d[k] * U[j * E7_N + k];
            out[i * E7_N + j] = sum;
        }
}

/* The filters of lateral weights M: the rows of M^{-1}. */
static int e7_filters(const double *M, double *filters)
{
    double lambda[E7_N], U[E7_N * E7_N];
    if (e7_eigen(M, lambda, U) != 0 || !(lambda[0] > 0.0))
        return -1;
    e7_power(lambda, U, -1.0, filters);
    return 0;
}


static bool e7_from_fixed_point(size_t j)
{
    return j >= 2;
}

/* Build run j's network and the metrics against C. */
static wh_status e7_make(const e7_plan *p, size_t j, wh_net **net, wh_metrics **m)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = j % 2 == 0 ? WH_NET_DIRECT : WH_NET_INTERNEURON;
    if (e7_from_fixed_point(j)) {
        o.init.kind = WH_INIT_MATRIX;
        o.init.matrix = p->root;
        o.init.ld = E7_N;
    }
    o.n = E7_N;
    o.k = E7_N;
    o.eta = p->eta;
    o.init.seed = p->seed + 72;
    /* The default solver: O(n^2) for interneurons, the exact O(n^3) step for the direct
     * network, which reports a loss of definiteness at the very sample. */
    o.solver = WH_SOLVER_AUTO;
    wh_status st = wh_net_new(&o, net);
    return st == WH_OK ? wh_metrics_new(E7_N, p->C, E7_N, m) : st;
}

/*
 * Unit j: run j learns online; out receives its error every p->record
 * samples (p->rows values), its filters (E7_N x E7_N) and its status. Both
 * networks draw the same patch stream from M0 = I, and another one from C^{1/2}.
 */
#define E7_UNIT_WIDTH(rows) ((rows) + E7_N * E7_N + 1)

static void e7_job(size_t j, void *arg, double *out)
{
    const e7_plan *p = arg;
    double *filters = out + p->rows;
    wh_net *net = NULL;
    wh_metrics *m = NULL;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    wh_status st = rng == NULL ? WH_ENOMEM : e7_make(p, j, &net, &m);
    if (rng != NULL)
        gsl_rng_set(rng, (unsigned long)(p->seed + (e7_from_fixed_point(j) ? 73 : 71)));
    for (uint64_t t = 0; t <= p->samples; t++) {
        if (t % p->record == 0) {
            wh_errors e = {(double)NAN, (double)NAN, (double)NAN};
            if (st == WH_OK)
                wh_metrics_eval(m, wh__net_lateral(net), E7_N, &e);
            out[t / p->record] = e.spectral;
        }
        if (st == WH_OK && t < p->samples) {
            const size_t k = (size_t)gsl_rng_uniform_int(rng, (unsigned long)p->pool);
            st = wh_net_step(net, p->patches + k * E7_N, NULL, NULL, NULL);
        }
    }
    if (st == WH_OK && e7_filters(wh__net_lateral(net), filters) != 0)
        st = WH_ELINALG;
    filters[E7_N * E7_N] = (double)st;
    wh_metrics_free(m);
    wh_net_free(net);
    gsl_rng_free(rng);
}

/* Unit j's results (as e7_job leaves them) into the error table, the filters and the status. */
static void e7_unpack(e7_plan *p, size_t j, const double *out)
{
    const size_t column = e7_from_fixed_point(j) ? E7_DIRECT_FLOOR + j - 2 : E7_DIRECT + j;
    wh__column_put(out, p->rows, E7_ERRORS_COLS, column, p->errors);
    if (!e7_from_fixed_point(j))
        memcpy(p->filters[j], out + p->rows, E7_N * E7_N * sizeof *out);
    p->status[j] = (wh_status)out[p->rows + E7_N * E7_N];
}

/* The closed-form error of each mean flow from M0 = I at t = eta x samples. */
static void e7_flows(e7_plan *p)
{
    for (size_t r = 0; r < p->rows; r++) {
        double *row = p->errors + r * E7_ERRORS_COLS;
        row[E7_SAMPLES] = (double)(r * p->record);
        for (size_t j = 0; j < 2; j++) {
            const wh_net_kind kind = j == 0 ? WH_NET_DIRECT : WH_NET_INTERNEURON;
            double worst = 0.0, m = NAN;
            for (size_t i = 0; i < E7_N; i++) {
                if (wh_flow_mode(kind, p->lambda[i], 1.0, p->eta * row[E7_SAMPLES], &m) != WH_OK)
                    m = NAN;
                worst = fmax(worst, fabs(p->lambda[i] / (m * m) - 1.0));
            }
            row[E7_DIRECT_FLOW + j] = worst;
        }
    }
}

static const char *const e7_error_header[E7_ERRORS_COLS] = {
    "samples",          "direct",          "interneuron",           "direct_flow",
    "interneuron_flow", "direct_floor_run", "interneuron_floor_run"};
static const char *const e7_run_header[E7_RUN_COLS] = {"n", "eta", "samples", "patches",
                                                       "images", "image_side"};

/* Column names "r0c0" ... "r7c7": the pixel each weight of a filter applies to. */
static int e7_write_filters(const char *dir, const char *name, const double *f)
{
    char names[E7_N][8];
    const char *header[E7_N];
    for (size_t i = 0; i < E7_N; i++) {
        snprintf(names[i], sizeof names[i], "r%zuc%zu", i / E7_SIDE, i % E7_SIDE);
        header[i] = names[i];
    }
    return wh__repro_write_csv(dir, name, header, E7_N, f, E7_N);
}

static int e7_write(const e7_plan *p, const char *dir)
{
    static const char *const spectrum_header[1] = {"eigenvalue"};
    const double run[E7_RUN_COLS] = {E7_N, p->eta, (double)p->samples, (double)p->pool,
                                     (double)p->images, (double)p->side};
    int rc = wh__repro_write_csv(dir, E7_ERRORS_FILE, e7_error_header, E7_ERRORS_COLS, p->errors,
                                 p->rows);
    if (rc == 0)
        rc = wh__repro_write_csv(dir, E7_RUN_FILE, e7_run_header, E7_RUN_COLS, run, 1);
    if (rc == 0)
        rc = wh__repro_write_csv(dir, E7_SPECTRUM_FILE, spectrum_header, 1, p->lambda, E7_N);
    if (rc == 0)
        rc = e7_write_filters(dir, E7_FILTERS_DIRECT, p->filters[0]);
    if (rc == 0)
        rc = e7_write_filters(dir, E7_FILTERS_INTERNEURON, p->filters[1]);
    if (rc == 0)
        rc = e7_write_filters(dir, E7_FILTERS_ZCA, p->zca);
    return rc;
}

/* Images, pool, covariance and its spectrum: everything the networks learn from. */
static int e7_prepare(e7_plan *p, const wh__repro_settings *s)
{
    wh__image *imgs = NULL;
    size_t count = 0;
    int rc = e7_load(s->images, p->side, s->seed + 69, &imgs, &count);
    p->images = s->images == NULL ? 0 : count;
    p->patches = rc == 0 ? wh__alloc(p->pool * E7_N, sizeof *p->patches) : NULL;
    if (rc == 0 && p->patches == NULL)
        fprintf(stderr, "whiten reproduce: E7: out of memory\n");
    rc = p->patches != NULL ? e7_cut(p, imgs, count) : -1;
    for (size_t i = 0; imgs != NULL && i < count; i++)
        wh__image_free(&imgs[i]);
    wh__free(imgs);
    if (rc != 0)
        return -1;
    e7_covariance(p);
    if (e7_eigen(p->C, p->lambda, p->U) != 0 || !(p->lambda[0] > 1e-8 * p->lambda[E7_N - 1])) {
        fprintf(stderr, "whiten reproduce: E7: the patches' covariance is (nearly) singular "
                        "(smallest eigenvalue %g); give more varied images\n", p->lambda[0]);
        return -1;
    }
    e7_power(p->lambda, p->U, -0.5, p->zca);
    e7_power(p->lambda, p->U, 0.5, p->root);
    return 0;
}

static int e7_compute(const wh__repro_settings *s, const char *dir)
{
    static e7_plan p; /* large (filters, C): kept off the stack; one run at a time */
    memset(&p, 0, sizeof p);
    /* At eta = 3e-5 (1e-5 for --full) the §3 noise floor is about 0.2 (0.1). Both mean
     * flows from M0 = I settle well before t = eta x samples = 13.5 (16 for --full); the
     * direct one is last, slowed by the largest eigenvalue of C (about 36): rate 2/sqrt(36). */
    p.eta = s->full ? 1e-5 : 3e-5;
    p.samples = s->full ? 1600000 : 450000;
    p.record = s->full ? 6000 : 2000;
    p.pool = s->full ? 65536 : 32768;
    p.side = s->full ? 512 : 256;
    p.seed = s->seed;
    p.rows = (size_t)(p.samples / p.record) + 1;
    int rc = e7_prepare(&p, s);
    p.errors = rc == 0 ? wh__alloc(p.rows * E7_ERRORS_COLS, sizeof *p.errors) : NULL;
    const wh__sweep sweep = {E7_RUNS, E7_UNIT_WIDTH(p.rows), e7_job, &p};
    double *runs = p.errors != NULL ? wh__alloc(E7_RUNS * sweep.width, sizeof *runs) : NULL;
    if (runs != NULL) {
        e7_flows(&p);
        rc = wh__sweep_run(s, &sweep, runs);
        for (size_t j = 0; rc == 0 && j < E7_RUNS; j++)
            e7_unpack(&p, j, runs + j * sweep.width);
        for (size_t j = 0; rc == 0 && j < E7_RUNS; j++)
            if (p.status[j] != WH_OK) {
                fprintf(stderr, "whiten reproduce: E7: the %s network failed (from %s): %s\n",
                        j % 2 == 0 ? "direct" : "interneuron",
                        e7_from_fixed_point(j) ? "C^1/2" : "M0 = I",
                        wh_status_message(p.status[j]));
                rc = -1;
            }
        if (rc == 0)
            rc = e7_write(&p, dir);
    } else if (rc == 0)
        rc = wh__repro_fail("E7", "result tables", WH_ENOMEM);
    wh__free(runs);
    wh__free(p.errors);
    wh__free(p.patches);
    return rc;
}

const wh__experiment wh__e7_patches = {"E7", "Whitening filters of natural image patches",
                                       e7_compute, wh__e7_render};
