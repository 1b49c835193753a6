/*
 * init.c: the initial synapses of a network.
 *
 * The direct network starts from M0. The interneuron network starts from
 * W0 = [M0^{1/2} 0] Q, Q a k x k Haar-random orthogonal matrix, so that
 * W0 W0^T = M0 for every k and the choice of k changes nothing but the
 * mixing (science.md §5.2). One generator seeded from init->seed draws first
 * the rotation R of a ROTATED start, then Q.
 */
#include <math.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "core/rng.h"
#include "net/net.h"

/* Relative asymmetry tolerated in a user's M0 (text files round the last digits). */
#define SYMMETRY_RTOL 1e-10

static wh_status check_scale(double alpha)
{
    if (!isfinite(alpha))
        return WH_ENONFINITE;
    return alpha > 0.0 ? WH_OK : WH_ENOTPD;
}

static wh_status check_spread(size_t n, const double *spread)
{
    if (spread == NULL)
        return WH_EINVAL;
    if (!wh__finite(1, n, spread, n))
        return WH_ENONFINITE;
    for (size_t i = 0; i < n; i++)
        if (!(spread[i] > 0.0))
            return WH_ENOTPD;
    return WH_OK;
}

/* M0 = alpha R diag(d) R^T, summed as alpha d_m r_m r_m^T over the rows r_m of R. */
static wh_status rotated_start(size_t n, const wh_init *init, gsl_rng *rng, double *R, double *M0)
{
    wh_status st = wh__haar(rng, n, R, n);
    if (st != WH_OK)
        return st;
    wh__set_identity(n, 0.0, M0, n);
    for (size_t m = 0; m < n; m++)
        wh__syr_lower(n, init->alpha * init->spread[m], R + m * n, M0, n);
    wh__mirror_lower(n, M0, n);
    return WH_OK;
}

static wh_status user_matrix(size_t n, const wh_init *init, double *M0)
{
    const size_t ld = init->ld == 0 ? n : init->ld;
    if (init->matrix == NULL || ld < n)
        return WH_EINVAL;
    if (!wh__finite(n, n, init->matrix, ld))
        return WH_ENONFINITE;
    if (!wh__is_symmetric(n, init->matrix, ld, SYMMETRY_RTOL))
        return WH_ENOTSYM;
    wh__copy(n, n, init->matrix, ld, M0, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            M0[i * n + j] = M0[j * n + i] = 0.5 * (M0[i * n + j] + M0[j * n + i]);
    return WH_OK;
}

/* M0 into net->M for the IDENTITY, ROTATED and MATRIX starts. */
static wh_status initial_lateral(wh_net *net, const wh_init *init, gsl_rng *rng)
{
    wh_status st;
    switch (init->kind) {
    case WH_INIT_IDENTITY:
        st = check_scale(init->alpha);
        if (st == WH_OK)
            wh__set_identity(net->n, init->alpha, net->M, net->n);
        return st;
    case WH_INIT_ROTATED:
        st = check_scale(init->alpha);
        if (st == WH_OK)
            st = check_spread(net->n, init->spread);
        if (st == WH_OK)
            st = rotated_start(net->n, init, rng, net->S, net->M);
        return st;
    case WH_INIT_MATRIX:
        return user_matrix(net->n, init, net->M);
    default:
        return WH_EINVAL;
    }
}

/* Factor net->M into net->L; `failure` is the status when M is not positive definite. */
static wh_status factor_lateral(wh_net *net, wh_status failure)
{
    wh__copy(net->n, net->n, net->M, net->n, net->L, net->n);
    return wh__chol(net->n, net->L, net->n) ? WH_OK : failure;
}

static wh_status user_weights(wh_net *net, const wh_init *init)
{
    const size_t ld = init->ld == 0 ? net->k : init->ld;
    if (init->matrix == NULL || ld < net->k)
        return WH_EINVAL;
    if (!wh__finite(net->n, net->k, init->matrix, ld))
        return WH_ENONFINITE;
    wh__copy(net->n, net->k, init->matrix, ld, net->W, net->k);
    wh__gram(net->n, net->k, net->W, net->k, net->M, net->n);
    return factor_lateral(net, WH_ERANK);
}

/* W0 = M0^{1/2} Q[0:n, :], then M = W0 W0^T recomputed so that M and W agree exactly. */
static wh_status mixed_weights(wh_net *net, gsl_rng *rng)
{
    const size_t n = net->n, k = net->k;
    wh__eig eig;
    double *Q = NULL;
    size_t kk;
    if (!wh__size_mul(k, k, &kk))
        return WH_EOVERFLOW;
    wh_status st = wh__eig_init(&eig, n);
    if (st != WH_OK)
        return st;
    Q = wh__alloc(kk, sizeof *Q);
    st = Q == NULL ? WH_ENOMEM : wh__sym_power(&eig, net->M, n, 0.5, net->S, n);
    if (st == WH_OK)
        st = wh__haar(rng, k, Q, k);
    if (st == WH_OK) {
        wh__gemm(false, false, n, k, n, 1.0, net->S, n, Q, k, 0.0, net->W, k);
        wh__gram(n, k, net->W, k, net->M, n);
        st = factor_lateral(net, WH_ENOTPD);
    }
    wh__free(Q);
    wh__eig_free(&eig);
    return st;
}

wh_status wh__init_direct(wh_net *net, const wh_init *init)
{
    if (init->kind == WH_INIT_WEIGHTS)
        return WH_EINVAL;
    gsl_rng *rng = wh__rng_new(init->seed);
    if (rng == NULL)
        return WH_ENOMEM;
    wh_status st = initial_lateral(net, init, rng);
    if (st == WH_OK)
        st = factor_lateral(net, WH_ENOTPD);
    wh__rng_free(rng);
    return st;
}

wh_status wh__init_interneurons(wh_net *net, const wh_init *init)
{
    if (init->kind == WH_INIT_WEIGHTS)
        return user_weights(net, init);
    gsl_rng *rng = wh__rng_new(init->seed);
    if (rng == NULL)
        return WH_ENOMEM;
    wh_status st = initial_lateral(net, init, rng);
    if (st == WH_OK)
        st = factor_lateral(net, WH_ENOTPD);
    if (st == WH_OK)
        st = mixed_weights(net, rng);
    wh__rng_free(rng);
    return st;
}
