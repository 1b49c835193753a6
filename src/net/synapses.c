/*
 * synapses.c: the buffers of the paper's two circuits, and saved synapses
 * put back into them.
 *
 * A restored candidate goes into the *_next buffers and is factored there,
 * exactly as a learning step does (plasticity.c), and is swapped in only if
 * it is valid. Because a step leaves M, L (and W) in precisely this relation -
 * M exactly symmetric, L its Cholesky factor, M = W W^T by wh__gram -
 * restoring from the saved M or W reproduces the network bit for bit.
 */
#include "core/alloc.h"
#include "core/linalg.h"
#include "net/net.h"

/* Relative asymmetry tolerated: the expected update may leave rounding-level asymmetry. */
#define SYMMETRY_RTOL 1e-12

wh_status wh__synapses_alloc(wh_net *net, bool with_weights)
{
    size_t nn, nk;
    if (!wh__size_mul(net->n, net->n, &nn) || !wh__size_mul(net->n, net->k, &nk))
        return WH_EOVERFLOW;
    double **square[] = {&net->M, &net->M_next, &net->L, &net->L_next, &net->S};
    for (size_t i = 0; i < sizeof square / sizeof *square; i++)
        if ((*square[i] = wh__alloc(nn, sizeof(double))) == NULL)
            return WH_ENOMEM;
    net->ry = wh__alloc(net->n, sizeof(double));
    net->rz = wh__alloc(net->k, sizeof(double));
    if (net->ry == NULL || net->rz == NULL)
        return WH_ENOMEM;
    if (with_weights) {
        net->W = wh__alloc(nk, sizeof(double));
        net->W_next = wh__alloc(nk, sizeof(double));
        if (net->W == NULL || net->W_next == NULL)
            return WH_ENOMEM;
    }
    return WH_OK;
}

void wh__synapses_free(wh_net *net)
{
    double *buffers[] = {net->M, net->M_next, net->L,  net->L_next, net->W,
                         net->W_next, net->ry, net->rz, net->S};
    for (size_t i = 0; i < sizeof buffers / sizeof *buffers; i++)
        wh__free(buffers[i]);
}

static void swap(double **a, double **b)
{
    double *t = *a;
    *a = *b;
    *b = t;
}

/* Factor the candidate M_next and swap it (and W_next) in; `failure` if it does not factor. */
static wh_status adopt(wh_net *net, uint64_t samples, wh_status failure)
{
    wh__copy(net->n, net->n, net->M_next, net->n, net->L_next, net->n);
    if (!wh__chol(net->n, net->L_next, net->n))
        return failure;
    swap(&net->M, &net->M_next);
    swap(&net->L, &net->L_next);
    if (net->W != NULL)
        swap(&net->W, &net->W_next);
    net->samples = samples;
    return WH_OK;
}

/* The candidate is copied as it is (not symmetrised) so that bits survive. */
wh_status wh__synapses_restore_lateral(wh_net *net, const double *M, size_t ld, uint64_t samples)
{
    const size_t n = net->n;
    if (M == NULL || ld < n)
        return WH_EINVAL;
    if (!wh__finite(n, n, M, ld))
        return WH_ENONFINITE;
    if (!wh__is_symmetric(n, M, ld, SYMMETRY_RTOL))
        return WH_ENOTSYM;
    wh__copy(n, n, M, ld, net->M_next, n);
    return adopt(net, samples, WH_ENOTPD);
}

wh_status wh__synapses_restore_weights(wh_net *net, const double *W, size_t ld, uint64_t samples)
{
    if (W == NULL || ld < net->k)
        return WH_EINVAL;
    if (!wh__finite(net->n, net->k, W, ld))
        return WH_ENONFINITE;
    wh__copy(net->n, net->k, W, ld, net->W_next, net->k);
    wh__gram(net->n, net->k, net->W_next, net->k, net->M_next, net->n);
    return adopt(net, samples, WH_ERANK);
}
