/*
 * spectrum.c: covariances C = U diag(lambda) U^T from a described spectrum.
 */
#include <math.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "core/rng.h"
#include "whiten/source.h"

static wh_status fill_eigenvalues(const wh_spectrum *spec, double *lambda)
{
    const size_t n = spec->n;
    if (spec->eigenvalues != NULL) {
        for (size_t i = 0; i < n; i++)
            lambda[i] = spec->eigenvalues[i];
    } else {
        if (!isfinite(spec->lo) || !isfinite(spec->hi))
            return WH_ENONFINITE;
        if (!(spec->lo > 0.0) || spec->hi < spec->lo)
            return WH_ENOTPD;
        const double ratio = spec->hi / spec->lo;
        for (size_t i = 0; i < n; i++)
            lambda[i] = n == 1 ? spec->lo : spec->lo * pow(ratio, (double)i / (double)(n - 1));
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(lambda[i]))
            return WH_ENONFINITE;
        if (!(lambda[i] > 0.0))
            return WH_ENOTPD;
    }
    return WH_OK;
}

/* C = sum_m lambda_m u_m u_m^T over the rows u_m of a Haar-random U (seeded). */
static wh_status rotate(const wh_spectrum *spec, const double *lambda, double *C, size_t ldc)
{
    const size_t n = spec->n;
    size_t nn;
    if (!wh__size_mul(n, n, &nn))
        return WH_EOVERFLOW;
    gsl_rng *rng = wh__rng_new(spec->seed);
    double *U = wh__alloc(nn, sizeof *U);
    wh_status st = (rng == NULL || U == NULL) ? WH_ENOMEM : wh__haar(rng, n, U, n);
    if (st == WH_OK) {
        wh__set_identity(n, 0.0, C, ldc);
        for (size_t m = 0; m < n; m++)
            wh__syr_lower(n, lambda[m], U + m * n, C, ldc);
        wh__mirror_lower(n, C, ldc);
    }
    wh__free(U);
    wh__rng_free(rng);
    return st;
}

wh_status wh_covariance_from_spectrum(const wh_spectrum *spec, double *C, size_t ldc)
{
    if (spec == NULL || C == NULL)
        return WH_EINVAL;
    if (spec->n == 0 || spec->n > wh__linalg_max_dim())
        return WH_EDIM;
    if (ldc < spec->n)
        return WH_EINVAL;
    double *lambda = wh__alloc(spec->n, sizeof *lambda);
    if (lambda == NULL)
        return WH_ENOMEM;
    wh_status st = fill_eigenvalues(spec, lambda);
    if (st == WH_OK && spec->rotate) {
        st = rotate(spec, lambda, C, ldc);
    } else if (st == WH_OK) {
        wh__set_identity(spec->n, 0.0, C, ldc);
        for (size_t i = 0; i < spec->n; i++)
            C[i * ldc + i] = lambda[i];
    }
    wh__free(lambda);
    return st;
}
