/*
 * interneuron_fast.c: Algorithm 2 in O(n^2 + nk) per sample (science.md §5.3).
 *
 * The synaptic update is W <- B W with B = (1-eta) I + eta y y^T, so that
 * M <- B M B and P = M^{-1} <- B^{-1} P B^{-1}. Sherman-Morrison gives
 *   B^{-1} = (I - c y y^T) / (1-eta),   c = eta / ((1-eta) + eta |y|^2),
 *   P <- (P - c (y u^T + u y^T) + c^2 s y y^T) / (1-eta)^2,   u = P y, s = y^T u,
 * a symmetric rank-2 update, applied to the lower triangle only (dsyr2): an
 * unsymmetrised update lets rounding grow like (1-eta)^{-2t}. The division
 * goes into the scalar p of P = p * Phat.
 *
 * What is checked when: every sample, that y, z and the quadratic forms
 * x^T P x = y^T x and y^T P y are finite and positive (necessary for P > 0);
 * if not, this sample is redone exactly from W (M = W W^T, Cholesky). Every
 * `refresh` samples the step is the exact one, whose Cholesky of the
 * candidate M certifies M > 0 (else WH_EDIVERGED, state kept), and P is
 * re-derived from that factor.
 */
#include <math.h>
#include <string.h>

#include "core/linalg.h"
#include "net/fast.h"

/* Phat = M^{-1} from the current factor L, with p = 1. */
static wh_status derive_inverse(wh_net *net)
{
    wh__fast *f = net->fast;
    if (!wh__chol_inverse(net->n, net->L, net->n, f->P, net->n))
        return WH_EDIVERGED;
    f->p = 1.0;
    f->stale = false;
    return WH_OK;
}

wh_status wh__interneuron_fast_rederive(wh_net *net)
{
    const size_t n = net->n; /* W is net->W: every caller settled it */
    net->fast->stale = true;
    wh__gram(n, net->k, net->W, net->k, net->M, n);
    net->fast->lateral_stale = false;
    wh__copy(n, n, net->M, n, net->L, n);
    if (!wh__finite(n, n, net->M, n) || !wh__chol(n, net->L, n)) {
        /* L is garbage now: a nonzero count makes the next sync factor again. */
        net->fast->since = 1;
        return WH_EDIVERGED;
    }
    net->fast->since = 0;
    return derive_inverse(net);
}

/* y = P x and z = W^T y into net->y and net->z. */
static void outputs(wh_net *net, const double *x)
{
    const wh__fast *f = net->fast;
    const size_t n = net->n, k = net->k;
    wh__symv_lower(net->n, f->p, f->P, net->n, x, net->y);
    wh__gemv(true, n, k, 1.0, wh__lazy_weights(net), k, net->y, 0.0, net->z);
}

static wh_status ready(wh_net *net)
{
    return net->fast->stale ? derive_inverse(net) : WH_OK;
}

wh_status wh__interneuron_fast_respond(wh_net *net, const double *x)
{
    wh_status st = ready(net);
    if (st == WH_OK)
        outputs(net, x);
    return st;
}

/* The exact step with the current y and z: M = W W^T and its Cholesky for the candidate. */
static wh_status exact_update(wh_net *net)
{
    wh__interneuron_propose_online(net);
    wh_status st = wh__net_accept(net);
    if (st != WH_OK)
        return st;
    net->fast->since = 0;
    net->fast->lateral_stale = false;
    return derive_inverse(net);
}

/* Fallback when a cheap check fails: this sample done as the exact path does it. */
static wh_status exact_step(wh_net *net, const double *x)
{
    wh_status st = wh__interneuron_fast_rederive(net);
    if (st != WH_OK)
        return st;
    memcpy(net->y, x, net->n * sizeof *x);
    wh__chol_solve(net->n, net->L, net->n, net->y);
    wh__gemv(true, net->n, net->k, 1.0, net->W, net->k, net->y, 0.0, net->z);
    return exact_update(net);
}

/* Phat += (y v^T + v y^T) / p with v = -c u + (c^2 s / 2) y; then p /= (1-eta)^2. */
static void update_inverse(wh_net *net, double eta, double yy, double s)
{
    wh__fast *f = net->fast;
    const size_t n = net->n;
    const double c = eta / ((1.0 - eta) + eta * yy);
    for (size_t i = 0; i < n; i++)
        f->v[i] = -c * f->u[i] + 0.5 * c * c * s * net->y[i];
    wh__syr2_lower(n, 1.0 / f->p, net->y, f->v, f->P, n);
    f->p /= (1.0 - eta) * (1.0 - eta);
    if (f->p > WH__FAST_RESCALE) {
        for (size_t i = 0; i < n; i++)
            wh__scal(i + 1, f->p, f->P + i * n);
        f->p = 1.0;
    }
}

/* Rows up to this long are updated by one plain loop: two BLAS calls per row cost more
 * than the row (n = 16, k = 32: 32 calls a sample). */
#define SHORT_ROW 64

/* W <- (1-eta) W + eta y z^T, row by row so that the second pass finds the row in cache
 * (OpenBLAS's daxpby, which would do it in one, is several times slower than the two). */
static void update_weights(wh_net *net, double eta)
{
    const size_t k = net->k;
    const double a = 1.0 - eta;
    const double *restrict z = net->z;
    for (size_t i = 0; i < net->n; i++) {
        double *restrict w = net->W + i * k;
        const double b = eta * net->y[i];
        if (k <= SHORT_ROW) {
            for (size_t j = 0; j < k; j++)
                w[j] = a * w[j] + b * z[j];
            continue;
        }
        wh__scal(k, a, w);
        wh__axpy(k, b, z, w);
    }
}

wh_status wh__interneuron_fast_step(wh_net *net, const double *x)
{
    wh__fast *f = net->fast;
    const size_t n = net->n;
    wh__lazy_settle(net);
    wh_status st = ready(net);
    if (st != WH_OK)
        return exact_step(net, x);
    outputs(net, x);
    wh__symv_lower(net->n, f->p, f->P, net->n, net->y, f->u);
    const double xy = wh__dot(n, x, net->y), yy = wh__dot(n, net->y, net->y);
    const double s = wh__dot(n, net->y, f->u);
    const double zz = wh__dot(net->k, net->z, net->z);
    if (!(xy > 0.0 && s > 0.0 && isfinite(xy + yy + s + zz)))
        return exact_step(net, x);
    if ((net->samples + 1) % net->refresh == 0)
        return exact_update(net);
    const double eta = wh__net_rate(net);
    update_inverse(net, eta, yy, s);
    update_weights(net, eta);
    f->lateral_stale = true;
    f->since++;
    net->samples++;
    return WH_OK;
}
