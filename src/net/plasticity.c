/*
 * plasticity.c: the synaptic updates of the paper's two circuits, online,
 * expected and summed over a minibatch.
 *
 *   direct        M <- M + eta (y y^T - I)          (anti-Hebbian + homeostatic)
 *   interneurons  W <- W + eta (y z^T - W)          (Hebbian + decay)
 * and their population versions with y y^T replaced by M^{-1} C M^{-1}, eta
 * the rate of the sample (or step) being learned (wh__net_rate). Each writes a
 * candidate into the *_next buffers; wh__net_accept() keeps it only if the
 * candidate M is positive definite. Each circuit's path calls its own rule;
 * nothing here calls a path.
 */

#include "core/linalg.h"
#include "net/net.h"

void wh__net_lateral_online(size_t n, double eta, const double *y, const double *before,
                            size_t stride, double *m)
{
    wh__syr_lower(n, eta, y, m, n);
    for (size_t i = 0; i < n; i++)
        m[i * n + i] = before[i * stride] + eta * (y[i] * y[i] - 1.0);
}

void wh__direct_propose_online(wh_net *net)
{
    const size_t n = net->n;
    wh__copy(n, n, net->M, n, net->M_next, n);
    wh__net_lateral_online(n, wh__net_rate(net), net->y, net->M, n + 1, net->M_next);
    wh__mirror_lower(n, net->M_next, n);
}

void wh__interneuron_propose_online(wh_net *net)
{
    const size_t n = net->n, k = net->k;
    const double eta = wh__net_rate(net);
    wh__copy(n, k, net->W, k, net->W_next, k);
    wh__scal(n * k, 1.0 - eta, net->W_next);
    wh__ger(n, k, eta, net->y, net->z, net->W_next, k);
    wh__gram(n, k, net->W_next, k, net->M_next, n);
}

void wh__direct_propose_summed(wh_net *net, double eta)
{
    const size_t n = net->n;
    wh__copy(n, n, net->M, n, net->M_next, n);
    wh__axpy(n * n, eta, net->S, net->M_next);
}

void wh__interneuron_propose_summed(wh_net *net, double eta)
{
    const size_t n = net->n, k = net->k;
    wh__copy(n, k, net->W, k, net->W_next, k);
    wh__gemm(false, false, n, k, n, eta, net->S, n, net->W, k, 1.0, net->W_next, k);
    wh__gram(n, k, net->W_next, k, net->M_next, n);
}

static void swap(double **a, double **b)
{
    double *t = *a;
    *a = *b;
    *b = t;
}

wh_status wh__net_accept(wh_net *net)
{
    const size_t n = net->n;
    wh__copy(n, n, net->M_next, n, net->L_next, n);
    if (!wh__finite(n, n, net->M_next, n) || !wh__chol(n, net->L_next, n))
        return WH_EDIVERGED;
    swap(&net->M, &net->M_next);
    swap(&net->L, &net->L_next);
    if (net->W_next != NULL)
        swap(&net->W, &net->W_next);
    net->samples++;
    return WH_OK;
}

wh_status wh__net_expected(wh_net *net, const double *C, size_t ldc, wh__propose_summed *propose)
{
    const size_t n = net->n;
    /* S = M^{-1} C M^{-1} - I: the expected y y^T - I. */
    wh__copy(n, n, C, ldc, net->S, n);
    wh__chol_sandwich(n, net->L, n, net->S, n);
    for (size_t i = 0; i < n; i++)
        net->S[i * n + i] -= 1.0;
    propose(net, wh__net_rate(net));
    return wh__net_accept(net);
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
        wh__syrk_lower(true, n, count, 1.0, Y, ldy, 0.0, net->S, n);
    } else {
        wh__set_identity(n, 0.0, net->S, n);
        shift = 0.0;
        for (size_t b = 0; b < count; b++) {
            const double eta = wh_schedule_eta(&net->schedule, net->eta, net->samples + b);
            wh__syr_lower(n, eta, Y + b * ldy, net->S, n);
            shift += eta;
        }
        rate = 1.0;
    }
    wh__mirror_lower(n, net->S, n);
    for (size_t i = 0; i < n; i++)
        net->S[i * n + i] -= shift;
    return rate;
}

/*
 * The minibatch variant, a different algorithm from the online one: M is held
 * fixed over the block, so the outputs come from one factorisation and one
 * BLAS-3 solve, Y = X M^{-1}, and the block's updates are summed,
 *   sum_b (y_b y_b^T - I) = Y^T Y - count I =: S,
 *   direct M <- M + eta S,   interneurons W <- W + eta S W
 * (y_b z_b^T = y_b y_b^T W). For a block of one sample this is the online step.
 * Under a schedule whose rate changes within the block each sample's update
 * keeps its own rate: S = sum_b eta_b (y_b y_b^T - I), added with weight 1.
 */
wh_status wh__net_minibatch(wh_net *net, size_t count, const double *X, size_t ldx, double *Y,
                            size_t ldy, wh__propose_summed *propose)
{
    wh__copy(count, net->n, X, ldx, Y, ldy);
    wh__chol_solve_rows(net->n, count, net->L, net->n, Y, ldy);
    propose(net, summed_update(net, count, Y, ldy));
    wh_status st = wh__net_accept(net);
    if (st == WH_OK)
        net->samples += count - 1;
    return st;
}
