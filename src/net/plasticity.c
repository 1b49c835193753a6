/*
 * plasticity.c: the synaptic updates, online and expected.
 *
 *   direct        M <- M + eta (y y^T - I)          (anti-Hebbian + homeostatic)
 *   interneurons  W <- W + eta (y z^T - W)          (Hebbian + decay)
 * and their population versions with y y^T replaced by M^{-1} C M^{-1}, eta
 * the rate of the sample (or step) being learned (wh__net_rate).
 * Each writes a candidate into the *_next buffers; wh__net_accept() keeps it
 * only if the candidate M is positive definite.
 */
#include <cblas.h>

#include "core/linalg.h"
#include "net/net.h"

static void subtract_identity(size_t n, double scale, double *a)
{
    for (size_t i = 0; i < n; i++)
        a[i * n + i] -= scale;
}

/* M_next = W_next W_next^T. */
static void lateral_from_weights(wh_net *net)
{
    wh__gram(net->n, net->k, net->W_next, net->k, net->M_next, net->n);
}

void wh__net_lateral_online(size_t n, double eta, const double *y, const double *before,
                            size_t stride, double *m)
{
    cblas_dsyr(CblasRowMajor, CblasLower, (blasint)n, eta, y, 1, m, (blasint)n);
    for (size_t i = 0; i < n; i++)
        m[i * n + i] = before[i * stride] + eta * (y[i] * y[i] - 1.0);
}

void wh__net_propose_online(wh_net *net)
{
    const size_t n = net->n, k = net->k;
    const double eta = wh__net_rate(net);
    if (net->kind == WH_NET_DIRECT) {
        wh__copy(n, n, net->M, n, net->M_next, n);
        wh__net_lateral_online(n, eta, net->y, net->M, n + 1, net->M_next);
        wh__mirror_lower(n, net->M_next, n);
        return;
    }
    wh__copy(n, k, net->W, k, net->W_next, k);
    cblas_dscal((blasint)(n * k), 1.0 - eta, net->W_next, 1);
    cblas_dger(CblasRowMajor, (blasint)n, (blasint)k, eta, net->y, 1, net->z, 1, net->W_next,
               (blasint)k);
    lateral_from_weights(net);
}

void wh__net_propose_expected(wh_net *net, const double *C, size_t ldc)
{
    const size_t n = net->n, k = net->k;
    const double eta = wh__net_rate(net);
    /* S = M^{-1} C M^{-1} - I: the expected y y^T - I. */
    wh__copy(n, n, C, ldc, net->S, n);
    wh__chol_sandwich(n, net->L, n, net->S, n);
    subtract_identity(n, 1.0, net->S);
    if (net->kind == WH_NET_DIRECT) {
        wh__copy(n, n, net->M, n, net->M_next, n);
        cblas_daxpy((blasint)(n * n), eta, net->S, 1, net->M_next, 1);
        return;
    }
    wh__copy(n, k, net->W, k, net->W_next, k);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, (blasint)k, (blasint)n,
                eta, net->S, (blasint)n, net->W, (blasint)k, 1.0, net->W_next, (blasint)k);
    lateral_from_weights(net);
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
    if (net->kind == WH_NET_INTERNEURON)
        swap(&net->W, &net->W_next);
    net->samples++;
    return WH_OK;
}
