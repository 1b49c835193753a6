/*
 * neural.c: the fast neural dynamics, which give the output for one input.
 *
 * Exactly, the output is the equilibrium y = M^{-1} x (z = W^T y), found by
 * the Cholesky factor of M kept with the network. Simulated, the circuit's
 * own ODE is stepped by Euler's method from rest until it settles.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "core/linalg.h"
#include "net/fast.h"
#include "net/net.h"

/* The Gershgorin bound is at least lambda_max(M); an empty row cannot occur for M > 0. */
static double automatic_gamma(const wh_net *net)
{
    const double bound = wh__gershgorin(net->n, net->M, net->n);
    return net->neural.interneuron_dynamics ? 0.5 / (bound + 0.25) : 1.0 / bound;
}

static double norm2(size_t count, const double *v)
{
    return cblas_dnrm2((blasint)count, v, 1);
}

/* ry = x - M y, with M y formed through the circuit: W (W^T y) for interneurons. */
static void lateral_residual(wh_net *net, const double *x)
{
    const blasint n = (blasint)net->n, k = (blasint)net->k;
    memcpy(net->ry, x, net->n * sizeof *x);
    if (net->kind == WH_NET_DIRECT) {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n, -1.0, net->M, n, net->y, 1, 1.0, net->ry, 1);
        return;
    }
    cblas_dgemv(CblasRowMajor, CblasTrans, n, k, 1.0, net->W, k, net->y, 1, 0.0, net->z, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, n, k, -1.0, net->W, k, net->z, 1, 1.0, net->ry, 1);
}

/* ry = x - W z and rz = W^T y - z: interneurons with their own dynamics. */
static void joint_residual(wh_net *net, const double *x)
{
    const blasint n = (blasint)net->n, k = (blasint)net->k;
    memcpy(net->ry, x, net->n * sizeof *x);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, n, k, -1.0, net->W, k, net->z, 1, 1.0, net->ry, 1);
    memcpy(net->rz, net->z, net->k * sizeof *net->rz);
    cblas_dgemv(CblasRowMajor, CblasTrans, n, k, 1.0, net->W, k, net->y, 1, -1.0, net->rz, 1);
}

static wh_status simulate(wh_net *net, const double *x, size_t *iterations)
{
    const bool joint = net->neural.interneuron_dynamics;
    const double gamma = net->neural.gamma > 0.0 ? net->neural.gamma : automatic_gamma(net);
    const double target = net->neural.tol * norm2(net->n, x);
    memset(net->y, 0, net->n * sizeof *net->y);
    memset(net->z, 0, net->k * sizeof *net->z);
    for (size_t it = 0; it <= net->neural.max_iter; it++) {
        double residual;
        if (joint) {
            joint_residual(net, x);
            residual = hypot(norm2(net->n, net->ry), norm2(net->k, net->rz));
        } else {
            lateral_residual(net, x);
            residual = norm2(net->n, net->ry);
        }
        *iterations = it;
        if (residual <= target)
            break;
        if (!isfinite(residual) || it == net->neural.max_iter)
            return WH_ENOCONV;
        cblas_daxpy((blasint)net->n, gamma, net->ry, 1, net->y, 1);
        if (joint)
            cblas_daxpy((blasint)net->k, gamma, net->rz, 1, net->z, 1);
    }
    /* The reported interneuron activity is the equilibrium relation z = W^T y. */
    if (net->kind == WH_NET_INTERNEURON)
        cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)net->n, (blasint)net->k, 1.0, net->W,
                    (blasint)net->k, net->y, 1, 0.0, net->z, 1);
    return WH_OK;
}

wh_status wh__net_respond(wh_net *net, const double *x, size_t *iterations)
{
    *iterations = 0;
    if (net->neural.mode == WH_NEURAL_SIMULATED)
        return simulate(net, x, iterations);
    if (net->fast != NULL)
        return wh__fast_respond(net, x, iterations);
    memcpy(net->y, x, net->n * sizeof *x);
    wh__chol_solve(net->n, net->L, net->n, net->y);
    if (net->kind == WH_NET_INTERNEURON)
        cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)net->n, (blasint)net->k, 1.0, net->W,
                    (blasint)net->k, net->y, 1, 0.0, net->z, 1);
    return WH_OK;
}
