/*
 * minibatch.c: the minibatch variant of both networks, a different algorithm.
 *
 * The online networks update M after every sample. Here M is held fixed over
 * a block of samples, so their outputs come from one factorisation and one
 * BLAS-3 solve, Y = X M^{-1}, and the block's updates are summed:
 *   sum_b (y_b y_b^T - I) = Y^T Y - count I =: S,
 *   direct M <- M + eta S,   interneurons W <- W + eta S W
 * (y_b z_b^T = y_b y_b^T W). For a block of one sample this is wh_net_step().
 * Under a schedule whose rate changes within the block each sample's update
 * keeps its own rate: S = sum_b eta_b (y_b y_b^T - I), added with weight 1.
 */
#include <cblas.h>

#include "core/linalg.h"
#include "net/fast.h"
#include "net/net.h"

static blasint bi(size_t v)
{
    return (blasint)v;
}

/* net->S = Y^T Y - count I, and the rate it is added with; or, when the rate changes
 * within the block (it never grows, so the first and last rates tell),
 * net->S = sum_b eta_b (y_b y_b^T - I) and the rate 1. */
static double summed_update(wh_net *net, size_t count, const double *Y, size_t ldy)
{
    const size_t n = net->n;
    const double first = wh__net_rate(net);
    const double last = wh_schedule_eta(&net->schedule, net->eta, net->samples + count - 1);
    double shift = (double)count, rate = first;
    if (first == last) {
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, bi(n), bi(count), 1.0, Y, bi(ldy), 0.0,
                    net->S, bi(n));
    } else {
        wh__set_identity(n, 0.0, net->S, n);
        shift = 0.0;
        for (size_t b = 0; b < count; b++) {
            const double eta = wh_schedule_eta(&net->schedule, net->eta, net->samples + b);
            cblas_dsyr(CblasRowMajor, CblasLower, bi(n), eta, Y + b * ldy, 1, net->S, bi(n));
            shift += eta;
        }
        rate = 1.0;
    }
    wh__mirror_lower(n, net->S, n);
    for (size_t i = 0; i < n; i++)
        net->S[i * n + i] -= shift;
    return rate;
}

/* Candidate synapses from net->S, added with `eta`, into the *_next buffers. */
static void propose_block(wh_net *net, double eta)
{
    const size_t n = net->n, k = net->k;
    if (net->kind == WH_NET_DIRECT) {
        wh__copy(n, n, net->M, n, net->M_next, n);
        cblas_daxpy(bi(n * n), eta, net->S, 1, net->M_next, 1);
        return;
    }
    wh__copy(n, k, net->W, k, net->W_next, k);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bi(n), bi(k), bi(n), eta, net->S,
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
    propose_block(net, summed_update(net, count, Y, ldy));
    st = wh__net_accept(net);
    if (st != WH_OK)
        return st;
    net->samples += count - 1;
    wh__net_synapses_changed(net);
    return WH_OK;
}
