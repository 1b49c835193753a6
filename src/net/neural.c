/*
 * neural.c: the fast neural dynamics of the paper's circuits, which give the
 * output for one input.
 *
 * Exactly, the output is the equilibrium y = M^{-1} x (z = W^T y), found by
 * the Cholesky factor of M kept with the network. Simulated, the circuit's
 * own ODE is stepped by Euler's method from rest until it settles.
 */
#include <math.h>
#include <string.h>

#include "core/linalg.h"
#include "net/net.h"

/* The Gershgorin bound is at least lambda_max(M); an empty row cannot occur for M > 0. */
static double automatic_gamma(const wh_net *net)
{
    const double bound = wh__gershgorin(net->n, net->M, net->n);
    return net->neural.interneuron_dynamics ? 0.5 / (bound + 0.25) : 1.0 / bound;
}

static double norm2(size_t count, const double *v)
{
    return wh__nrm2(count, v);
}

/* z = W^T y. */
static void interneuron_activity(wh_net *net)
{
    wh__gemv(true, net->n, net->k, 1.0, net->W, net->k, net->y, 0.0, net->z);
}

/* ry = x - M y, with M y formed through the circuit: W (W^T y) for interneurons. */
static void lateral_residual(wh_net *net, const double *x, bool interneurons)
{
    const size_t n = net->n, k = net->k;
    memcpy(net->ry, x, net->n * sizeof *x);
    if (!interneurons) {
        wh__gemv(false, n, n, -1.0, net->M, n, net->y, 1.0, net->ry);
        return;
    }
    interneuron_activity(net);
    wh__gemv(false, n, k, -1.0, net->W, k, net->z, 1.0, net->ry);
}

/* ry = x - W z and rz = W^T y - z: interneurons with their own dynamics. */
static void joint_residual(wh_net *net, const double *x)
{
    const size_t n = net->n, k = net->k;
    memcpy(net->ry, x, net->n * sizeof *x);
    wh__gemv(false, n, k, -1.0, net->W, k, net->z, 1.0, net->ry);
    memcpy(net->rz, net->z, net->k * sizeof *net->rz);
    wh__gemv(true, n, k, 1.0, net->W, k, net->y, -1.0, net->rz);
}

wh_status wh__neural_simulate(wh_net *net, const double *x, bool interneurons, size_t *iterations)
{
    const bool joint = interneurons && net->neural.interneuron_dynamics;
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
            lateral_residual(net, x, interneurons);
            residual = norm2(net->n, net->ry);
        }
        *iterations = it;
        if (residual <= target)
            break;
        if (!isfinite(residual) || it == net->neural.max_iter)
            return WH_ENOCONV;
        wh__axpy(net->n, gamma, net->ry, net->y);
        if (joint)
            wh__axpy(net->k, gamma, net->rz, net->z);
    }
    /* The reported interneuron activity is the equilibrium relation z = W^T y. */
    if (interneurons)
        interneuron_activity(net);
    return WH_OK;
}

void wh__neural_solve(wh_net *net, const double *x, bool interneurons)
{
    memcpy(net->y, x, net->n * sizeof *x);
    wh__chol_solve(net->n, net->L, net->n, net->y);
    if (interneurons)
        interneuron_activity(net);
}
