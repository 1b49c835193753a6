/*
 * minibatch.c: the minibatch variant of both networks, a different algorithm.
 *
 * The online networks update M after every sample. Here M is held fixed over
 * a block of samples, so their outputs come from one factorisation and one
 * BLAS-3 solve, Y = X M^{-1}, and the block's updates are summed:
 *   sum_b (y_b y_b^T - I) = Y^T Y - count I =: S,
 *   direct M <- M + eta S,   interneurons W <- W + eta S W
 * (y_b z_b^T = y_b y_b^T W). For a block of one sample this is wh_net_step().
 */
#include <cblas.h>

#include "core/linalg.h"
#include "net/fast.h"
#include "net/net.h"

static blasint bi(size_t v)
{
    return (blasint)v;
}

/* net->S = Y^T Y - count I. */
static void summed_update(wh_net *net, size_t count, const double *Y, size_t ldy)
{
    const size_t n = net->n;
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, bi(n), bi(count), 1.0, Y, bi(ldy), 0.0,
                net->S, bi(n));
    wh__mirror_lower(n, net->S, n);
    for (size_t i = 0; i < n; i++)
        net->S[i * n + i] -= (double)count;
}

/* Candidate synapses from net->S into the *_next buffers. */
static void propose_block(wh_net *net)
{
    const size_t n = net->n, k = net->k;
    if (net->kind == WH_NET_DIRECT) {
        wh__copy(n, n, net->M, n, net->M_next, n);
        cblas_daxpy(bi(n * n), net->eta, net->S, 1, net->M_next, 1);
        return;
    }
    wh__copy(n, k, net->W, k, net->W_next, k);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bi(n), bi(k), bi(n), net->eta, net->S,
                bi(n), net->W, bi(k), 1.0, net->W_next, bi(k));
    wh__gram(n, k, net->W_next, k, net->M_next, n);
}

wh_status wh_net_step_block(wh_net *net, size_t count, const double *X, size_t ldx, double *Y,
                            size_t ldy, wh_step_info *info)
{
    if (info != NULL) {
        info->sample = net != NULL ? net->samples : 0;
        info->iterations = 0;
    }
    if (net == NULL || X == NULL || Y == NULL || count == 0 || ldx < net->n || ldy < net->n)
        return WH_EINVAL;
    if (!wh__finite(count, net->n, X, ldx))
        return WH_ENONFINITE;
    wh_status st = wh__fast_sync(net);
    if (st != WH_OK)
        return st;
    wh__copy(count, net->n, X, ldx, Y, ldy);
    wh__chol_solve_rows(net->n, count, net->L, net->n, Y, ldy);
    summed_update(net, count, Y, ldy);
    propose_block(net);
    st = wh__net_accept(net);
    if (st != WH_OK)
        return st;
    net->samples += count - 1;
    wh__net_synapses_changed(net);
    return WH_OK;
}
