/*
 * direct_cg.c: Algorithm 1 without a Cholesky factorisation per sample.
 *
 * M <- M + eta (y y^T - I) has no low-rank inverse update (the -eta I shift
 * defeats Sherman-Morrison, science.md §5.4), so y = M^{-1} x is found by
 * conjugate gradients preconditioned with the Cholesky factor L of a recent M:
 * the preconditioned matrix is I plus a perturbation of rank and size set by
 * the samples since that factor, and CG reaches a relative residual of
 * WH__CG_TOL in a few iterations of O(n^2). Every `refresh` samples the step
 * is the exact one: the candidate M is factored, which both refreshes the
 * preconditioner and certifies M > 0.
 *
 * What is checked when: every sample, CG must meet only positive curvature
 * d^T M d > 0 (else M is not positive definite) and converge within
 * WH__CG_MAX_ITER iterations with a finite y; if not, this sample is redone
 * exactly (factor the current M: WH_EDIVERGED, state kept, if that fails).
 * Definiteness of M itself is certified only at refreshes, so a loss of it
 * between them is reported at the latest `refresh` samples late.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "core/linalg.h"
#include "net/fast.h"

static blasint bi(size_t v)
{
    return (blasint)v;
}

wh_status wh__fast_direct_refactor(wh_net *net)
{
    const size_t n = net->n;
    wh__copy(n, n, net->M, n, net->L, n);
    if (!wh__chol(n, net->L, n)) {
        /* L is garbage now: a nonzero count makes wh__fast_sync() factor again. */
        net->fast->stale = true;
        net->fast->since = 1;
        return WH_EDIVERGED;
    }
    net->fast->since = 0;
    net->fast->stale = false;
    return WH_OK;
}

/* s = (L L^T)^{-1} r: the preconditioner. */
static void precondition(const wh_net *net, const double *r, double *s)
{
    memcpy(s, r, net->n * sizeof *s);
    wh__chol_solve(net->n, net->L, net->n, s);
}

/* r = x - M y. */
static void residual(const wh_net *net, const double *x, double *r)
{
    memcpy(r, x, net->n * sizeof *r);
    cblas_dsymv(CblasRowMajor, CblasLower, bi(net->n), -1.0, net->M, bi(net->n), net->y, 1, 1.0,
                r, 1);
}

/* Preconditioned CG for M y = x from y = (L L^T)^{-1} x; WH_ENOCONV on breakdown or no convergence. */
static wh_status pcg(wh_net *net, const double *x, size_t *iterations)
{
    wh__fast *f = net->fast;
    const blasint n = bi(net->n);
    const double target = WH__CG_TOL * cblas_dnrm2(n, x, 1);
    precondition(net, x, net->y);
    residual(net, x, f->r);
    precondition(net, f->r, f->s);
    memcpy(f->d, f->s, net->n * sizeof *f->d);
    double rs = cblas_ddot(n, f->r, 1, f->s, 1);
    for (size_t it = 0; it <= WH__CG_MAX_ITER; it++) {
        const double rnorm = cblas_dnrm2(n, f->r, 1);
        *iterations = it;
        if (rnorm <= target)
            return isfinite(cblas_ddot(n, net->y, 1, net->y, 1)) ? WH_OK : WH_ENOCONV;
        if (!isfinite(rnorm) || it == WH__CG_MAX_ITER)
            return WH_ENOCONV;
        wh__symv_lower(net->n, 1.0, net->M, net->n, f->d, f->q);
        const double curvature = cblas_ddot(n, f->d, 1, f->q, 1);
        if (!(curvature > 0.0))
            return WH_ENOCONV;
        const double alpha = rs / curvature;
        cblas_daxpy(n, alpha, f->d, 1, net->y, 1);
        cblas_daxpy(n, -alpha, f->q, 1, f->r, 1);
        precondition(net, f->r, f->s);
        const double rs_next = cblas_ddot(n, f->r, 1, f->s, 1);
        cblas_daxpby(n, 1.0, f->s, 1, rs_next / rs, f->d, 1);
        rs = rs_next;
    }
    return WH_ENOCONV;
}

/* y = M^{-1} x by a fresh factor of the current M. */
static wh_status exact_solve(wh_net *net, const double *x)
{
    wh_status st = wh__fast_direct_refactor(net);
    if (st != WH_OK)
        return st;
    memcpy(net->y, x, net->n * sizeof *x);
    wh__chol_solve(net->n, net->L, net->n, net->y);
    return WH_OK;
}

static wh_status solve(wh_net *net, const double *x, size_t *iterations)
{
    /* After a failed factorisation L is garbage; after an outside change it is fresh. */
    if (net->fast->stale && net->fast->since > 0)
        return exact_solve(net, x);
    wh_status st = pcg(net, x, iterations);
    return st == WH_OK ? WH_OK : exact_solve(net, x);
}

wh_status wh__fast_direct_respond(wh_net *net, const double *x, size_t *iterations)
{
    return solve(net, x, iterations);
}

/* M <- M + eta (y y^T - I) in place on the lower triangle; the upper one lags. */
static void update_lateral(wh_net *net)
{
    const size_t n = net->n;
    cblas_dsyr(CblasRowMajor, CblasLower, bi(n), net->eta, net->y, 1, net->M, bi(n));
    for (size_t i = 0; i < n; i++)
        net->M[i * n + i] -= net->eta;
    net->fast->lateral_stale = true;
}

wh_status wh__fast_direct_step(wh_net *net, const double *x, size_t *iterations)
{
    wh__fast *f = net->fast;
    wh_status st = solve(net, x, iterations);
    if (st != WH_OK)
        return st;
    if ((net->samples + 1) % net->refresh == 0) {
        wh__net_propose_online(net);
        st = wh__net_accept(net);
        if (st == WH_OK) {
            f->since = 0;
            f->lateral_stale = false;
        }
        return st;
    }
    update_lateral(net);
    f->since++;
    net->samples++;
    return WH_OK;
}
