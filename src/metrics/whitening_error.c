/*
 * whitening_error.c: distances of a network from whitening a known covariance.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "whiten/metrics.h"

#define SYMMETRY_RTOL 1e-10

struct wh_metrics {
    size_t n;
    double *C;     /* the input covariance */
    double *Csqrt; /* C^{1/2} */
    double csqrt_norm;
    double *L;     /* Cholesky factor of the M under evaluation */
    double *S;     /* scratch: M^{-1} C M^{-1} - I, then M - C^{1/2} */
    wh__eig eig;
};

wh_status wh_metrics_new(size_t n, const double *C, size_t ldc, wh_metrics **out)
{
    if (out == NULL)
        return WH_EINVAL;
    *out = NULL;
    if (C == NULL || ldc < n)
        return WH_EINVAL;
    if (n == 0 || n > wh__linalg_max_dim())
        return WH_EDIM;
    size_t nn;
    if (!wh__size_mul(n, n, &nn))
        return WH_EOVERFLOW;
    wh_metrics *m = wh__alloc(1, sizeof *m);
    if (m == NULL)
        return WH_ENOMEM;
    m->n = n;
    m->C = wh__alloc(nn, sizeof *m->C);
    m->Csqrt = wh__alloc(nn, sizeof *m->Csqrt);
    m->L = wh__alloc(nn, sizeof *m->L);
    m->S = wh__alloc(nn, sizeof *m->S);
    wh_status st = (m->C == NULL || m->Csqrt == NULL || m->L == NULL || m->S == NULL)
                       ? WH_ENOMEM
                       : wh__eig_init(&m->eig, n);
    if (st == WH_OK)
        st = wh_metrics_set_covariance(m, C, ldc);
    if (st != WH_OK) {
        wh_metrics_free(m);
        return st;
    }
    *out = m;
    return WH_OK;
}

void wh_metrics_free(wh_metrics *m)
{
    if (m == NULL)
        return;
    wh__free(m->C);
    wh__free(m->Csqrt);
    wh__free(m->L);
    wh__free(m->S);
    wh__eig_free(&m->eig);
    wh__free(m);
}

wh_status wh_metrics_set_covariance(wh_metrics *m, const double *C, size_t ldc)
{
    if (m == NULL || C == NULL || ldc < m->n)
        return WH_EINVAL;
    const size_t n = m->n;
    if (!wh__finite(n, n, C, ldc))
        return WH_ENONFINITE;
    if (!wh__is_symmetric(n, C, ldc, SYMMETRY_RTOL))
        return WH_ENOTSYM;
    wh_status st = wh__sym_power(&m->eig, C, ldc, 0.5, m->S, n);
    if (st != WH_OK)
        return st;
    wh__copy(n, n, C, ldc, m->C, n);
    wh__copy(n, n, m->S, n, m->Csqrt, n);
    m->csqrt_norm = wh__frobenius(n, n, m->Csqrt, n);
    return WH_OK;
}

wh_status wh_metrics_eval(wh_metrics *m, const double *M, size_t ldm, wh_errors *out)
{
    if (m == NULL || M == NULL || out == NULL || ldm < m->n)
        return WH_EINVAL;
    const size_t n = m->n;
    wh__copy(n, n, M, ldm, m->L, n);
    if (!wh__finite(n, n, m->L, n) || !wh__chol(n, m->L, n))
        return WH_ENOTPD;
    wh__copy(n, n, m->C, n, m->S, n);
    wh__chol_sandwich(n, m->L, n, m->S, n);
    for (size_t i = 0; i < n; i++)
        m->S[i * n + i] -= 1.0;
    wh_status st = wh__sym_norm2(&m->eig, m->S, n, &out->spectral);
    if (st != WH_OK)
        return st;
    out->frobenius = wh__frobenius(n, n, m->S, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            m->S[i * n + j] = M[i * ldm + j] - m->Csqrt[i * n + j];
    out->sqrt_relative = wh__frobenius(n, n, m->S, n) / m->csqrt_norm;
    return WH_OK;
}

const double *wh_metrics_sqrt(const wh_metrics *m)
{
    return m != NULL ? m->Csqrt : NULL;
}
