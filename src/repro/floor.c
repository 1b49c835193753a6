/*
 * floor.c: the online noise floor, measured from the fixed point.
 */
#include "core/alloc.h"
#include "repro/floor.h"
#include "net/view.h"

#include <gsl/gsl_eigen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FLOOR_READS 2000

double wh__relaxation_time(wh_net_kind kind, double lambda_max)
{
    return kind == WH_NET_INTERNEURON ? 0.25 : 0.5 * sqrt(lambda_max);
}

double wh__largest_eigenvalue(const double *C, size_t n)
{
    double *a = wh__alloc(n * n, sizeof *a), top = (double)NAN;
    gsl_vector *ev = gsl_vector_alloc(n);
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(n);
    if (a != NULL && ev != NULL && w != NULL) {
        memcpy(a, C, n * n * sizeof *a);
        gsl_matrix_view av = gsl_matrix_view_array(a, n, n);
        if (gsl_eigen_symm(&av.matrix, ev, w) == 0)
            top = gsl_vector_max(ev);
    }
    gsl_eigen_symm_free(w);
    gsl_vector_free(ev);
    wh__free(a);
    return top;
}

static int compare(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Learn from the fixed point and read the error FLOOR_READS times after the burn-in. */
static wh_status measure(wh_net *net, wh_metrics *m, wh_source *src, wh__floor_input next,
                         void *ctx, uint64_t burn, uint64_t every, double *reads, double *x)
{
    const size_t n = wh_net_n(net);
    wh_status st = WH_OK;
    for (uint64_t t = 0; st == WH_OK && t < burn + every * FLOOR_READS; t++) {
        if (t >= burn && (t - burn) % every == 0) {
            wh_errors e;
            st = wh_metrics_eval(m, wh__net_lateral(net), n, &e);
            reads[(t - burn) / every] = e.spectral;
        }
        if (next != NULL)
            next(ctx, t, x);
        else
            wh_source_next(src, x, NULL);
        if (st == WH_OK)
            st = wh_net_step(net, x, NULL, NULL, NULL);
    }
    return st;
}

wh_status wh__noise_floor(const wh_net_options *o, const double *C, wh__floor_input next,
                          void *ctx, uint64_t seed, wh__floor *out)
{
    const size_t n = o->n;
    wh_net_options opts = *o;
    wh_source_options so;
    wh_source_options_default(&so);
    so.n = n;
    so.covariances = C;
    so.seed = seed;
    wh_metrics *m = NULL;
    wh_net *net = NULL;
    wh_source *src = NULL;
    double *reads = wh__alloc((FLOOR_READS + n), sizeof *reads);
    wh_status st = reads == NULL ? WH_ENOMEM : wh_metrics_new(n, C, n, &m);
    const double tau = wh__relaxation_time(o->kind, wh__largest_eigenvalue(C, n));
    if (st == WH_OK && !isfinite(tau))
        st = WH_ELINALG;
    if (st == WH_OK) {
        opts.init.kind = WH_INIT_MATRIX;
        opts.init.matrix = wh_metrics_sqrt(m);
        opts.init.ld = n;
        st = wh_net_new(&opts, &net);
    }
    if (st == WH_OK && next == NULL)
        st = wh_source_new(&so, &src);
    const uint64_t burn = (uint64_t)ceil(3.0 * tau / o->eta);
    const uint64_t every = (uint64_t)ceil(20.0 * tau / o->eta / FLOOR_READS);
    if (st == WH_OK)
        st = measure(net, m, src, next, ctx, burn, every, reads, reads + FLOOR_READS);
    if (st == WH_OK) {
        double sum = 0.0;
        for (size_t i = 0; i < FLOOR_READS; i++)
            sum += reads[i];
        qsort(reads, FLOOR_READS, sizeof *reads, compare);
        *out = (wh__floor){sum / FLOOR_READS, reads[(size_t)(0.95 * FLOOR_READS)],
                           burn + every * FLOOR_READS};
    }
    wh_source_free(src);
    wh_net_free(net);
    wh_metrics_free(m);
    wh__free(reads);
    return st;
}
