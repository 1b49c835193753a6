/*
 * running_cov.c: an exponentially weighted estimate of the output covariance,
 * for data whose input covariance is unknown.
 */
#include <math.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "whiten/metrics.h"

struct wh_running_cov {
    size_t n;
    double decay;  /* 1 - 1/window */
    double weight; /* 1 - decay^t: the total weight folded in so far */
    double *S;     /* the unnormalised estimate (lower triangle kept) */
    double *E;     /* scratch: the normalised estimate minus I */
    wh__eig eig;
};

wh_status wh_running_cov_new(size_t n, double window, wh_running_cov **out)
{
    if (out == NULL)
        return WH_EINVAL;
    *out = NULL;
    /* Beyond ~1e15 samples 1 - 1/window rounds to 1 and the estimate would never fill. */
    if (!(window >= 1.0) || !(window <= 1e15))
        return WH_EINVAL;
    if (n == 0 || n > wh__linalg_max_dim())
        return WH_EDIM;
    size_t nn;
    if (!wh__size_mul(n, n, &nn))
        return WH_EOVERFLOW;
    wh_running_cov *rc = wh__alloc(1, sizeof *rc);
    if (rc == NULL)
        return WH_ENOMEM;
    rc->n = n;
    rc->decay = 1.0 - 1.0 / window;
    rc->S = wh__alloc(nn, sizeof *rc->S);
    rc->E = wh__alloc(nn, sizeof *rc->E);
    wh_status st = (rc->S == NULL || rc->E == NULL) ? WH_ENOMEM : wh__eig_init(&rc->eig, n);
    if (st != WH_OK) {
        wh_running_cov_free(rc);
        return st;
    }
    *out = rc;
    return WH_OK;
}

void wh_running_cov_free(wh_running_cov *rc)
{
    if (rc == NULL)
        return;
    wh__free(rc->S);
    wh__free(rc->E);
    wh__eig_free(&rc->eig);
    wh__free(rc);
}

void wh_running_cov_update(wh_running_cov *rc, const double *y)
{
    if (rc == NULL || y == NULL)
        return;
    const size_t n = rc->n;
    wh__scale_lower(n, rc->decay, rc->S, n);
    wh__syr_lower(n, 1.0 - rc->decay, y, rc->S, n);
    rc->weight = rc->decay * rc->weight + (1.0 - rc->decay);
}

void wh_running_cov_matrix(const wh_running_cov *rc, double *S, size_t lds)
{
    if (rc == NULL || S == NULL)
        return;
    const size_t n = rc->n;
    const double scale = rc->weight > 0.0 ? 1.0 / rc->weight : 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            S[i * lds + j] = S[j * lds + i] = scale * rc->S[i * n + j];
}

wh_status wh_running_cov_errors(wh_running_cov *rc, wh_errors *out)
{
    if (rc == NULL || out == NULL || rc->weight <= 0.0)
        return WH_EINVAL;
    const size_t n = rc->n;
    wh_running_cov_matrix(rc, rc->E, n);
    for (size_t i = 0; i < n; i++)
        rc->E[i * n + i] -= 1.0;
    wh_status st = wh__sym_norm2(&rc->eig, rc->E, n, &out->spectral);
    if (st != WH_OK)
        return st;
    out->frobenius = wh__frobenius(n, n, rc->E, n);
    out->sqrt_relative = (double)NAN;
    return WH_OK;
}
