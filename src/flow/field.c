/*
 * field.c: the right-hand sides of the three flows (science.md §3).
 *
 *   direct          dM/dt = M^{-1} C M^{-1} - I
 *   interneuron W   dW/dt = (M^{-1} C M^{-1} - I) W,  M = W W^T
 *   interneuron M   dM/dt = M^{-1} C + C M^{-1} - 2 M
 *
 * Each works in the flow's rM, rL, rS buffers and allocates nothing. A trial
 * state of a Runge-Kutta stage whose M is not positive definite (or not
 * finite) makes the field return GSL_EDOM: GSL then retries the step at half
 * the size, so an accepted state always has a positive definite M.
 */
#include <gsl/gsl_errno.h>
#include <string.h>

#include "flow/flow.h"

void wh__flow_pack(size_t n, const double *M, double *y)
{
    for (size_t i = 0; i < n; i++) {
        memcpy(y, M + i * n, (i + 1) * sizeof *y);
        y += i + 1;
    }
}

static void unpack(size_t n, const double *y, double *M)
{
    for (size_t i = 0; i < n; i++) {
        memcpy(M + i * n, y, (i + 1) * sizeof *y);
        y += i + 1;
    }
    wh__mirror_lower(n, M, n);
}

void wh__flow_lateral_of(const wh_flow *flow, const double *y, double *M)
{
    if (flow->weights)
        wh__gram(flow->n, flow->k, y, flow->k, M, flow->n);
    else
        unpack(flow->n, y, M);
}

/* rM = M(y) and rL its Cholesky factor; false if M is not finite or not positive definite. */
static bool factor(wh_flow *f, const double *y)
{
    const size_t n = f->n;
    wh__flow_lateral_of(f, y, f->rM);
    if (!wh__finite(n, n, f->rM, n))
        return false;
    wh__copy(n, n, f->rM, n, f->rL, n);
    return wh__chol(n, f->rL, n);
}

/* rS = M^{-1} C M^{-1} - I, the expected y y^T - I. */
static void output_excess(wh_flow *f)
{
    const size_t n = f->n;
    wh__copy(n, n, f->C, n, f->rS, n);
    wh__chol_sandwich(n, f->rL, n, f->rS, n);
    for (size_t i = 0; i < n; i++)
        f->rS[i * n + i] -= 1.0;
}

static void direct_field(wh_flow *f, double *dydt)
{
    output_excess(f);
    wh__flow_pack(f->n, f->rS, dydt);
}

static void weights_field(wh_flow *f, const double *W, double *dydt)
{
    output_excess(f);
    wh__gemm(false, false, f->n, f->k, f->n, 1.0, f->rS, f->n, W, f->k, 0.0, dydt, f->k);
}

/* dM/dt = P + P^T - 2 M with P = M^{-1} C, solved directly rather than through W. */
static void closed_field(wh_flow *f, double *dydt)
{
    const size_t n = f->n;
    wh__copy(n, n, f->C, n, f->rS, n);
    wh__chol_solve_many(n, n, f->rL, n, f->rS, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            *dydt++ = f->rS[i * n + j] + f->rS[j * n + i] - 2.0 * f->rM[i * n + j];
}

int wh__flow_field(double t, const double y[], double dydt[], void *params)
{
    (void)t; /* the flows are autonomous */
    wh_flow *f = params;
    if (!factor(f, y))
        return GSL_EDOM;
    if (f->weights)
        weights_field(f, y, dydt);
    else if (f->kind == WH_NET_DIRECT)
        direct_field(f, dydt);
    else
        closed_field(f, dydt);
    return GSL_SUCCESS;
}
