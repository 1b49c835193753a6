/*
 * contexts.c: a family of contexts with one shared basis (whiten/source.h).
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/options.h"
#include "core/linalg.h"
#include "core/rng.h"
#include "whiten/source.h"

static void spec_defaults(wh_context_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->n = 0; /* required: no default dimension */
    spec->contexts = 64;
    spec->lambda_max = 10.0;
    spec->keep = 0.5;
    spec->seed = 1;
}

void wh_context_spec_init(wh_context_spec *spec, size_t size)
{
    wh_context_spec d;
    spec_defaults(&d);
    wh__options_write(spec, size, &d, sizeof d);
}

void(wh_context_spec_default)(wh_context_spec *spec)
{
    wh_context_spec_init(spec, sizeof *spec);
}

static wh_status check_spec(const wh_context_spec *s)
{
    if (!isfinite(s->lambda_max) || !isfinite(s->keep))
        return WH_ENONFINITE;
    if (s->contexts == 0 || !(s->lambda_max > 0.0) || !(s->keep > 0.0 && s->keep <= 1.0))
        return WH_EINVAL;
    if (s->n == 0 || s->n > wh__linalg_max_dim())
        return WH_EDIM;
    return WH_OK;
}

/* C = S^2 with S = I + V diag(lambda) V^T, V's columns the basis (V row-major, n x n). */
static void context_covariance(size_t n, const double *V, const double *lambda, double *S,
                               double *C)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = i == j ? 1.0 : 0.0;
            for (size_t m = 0; m < n; m++)
                s += V[i * n + m] * lambda[m] * V[j * n + m];
            S[i * n + j] = s;
        }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = 0.0;
            for (size_t m = 0; m < n; m++)
                s += S[m * n + i] * S[m * n + j];
            C[i * n + j] = C[j * n + i] = s;
        }
}

wh_status wh_context_family(const wh_context_spec *spec, double *V, size_t ldv, double *lambdas,
                            double *C)
{
    if (spec == NULL || C == NULL)
        return WH_EINVAL;
    wh_context_spec full; /* the caller's fields over the defaults of any it does not have */
    spec_defaults(&full);
    if (!wh__options_read(spec, sizeof full, sizeof full, &full) || (V != NULL && ldv < full.n))
        return WH_EINVAL;
    spec = &full;
    wh_status st = check_spec(spec);
    if (st != WH_OK)
        return st;
    const size_t n = spec->n;
    size_t nn, total;
    if (!wh__size_mul(n, n, &nn) || !wh__size_mul(nn, spec->contexts, &total))
        return WH_EOVERFLOW;
    gsl_rng *rng = wh__rng_new(spec->seed);
    double *basis = wh__alloc(nn, sizeof *basis), *S = wh__alloc(nn, sizeof *S);
    double *lambda = wh__alloc(n, sizeof *lambda);
    st = rng == NULL || basis == NULL || S == NULL || lambda == NULL ? WH_ENOMEM
                                                                     : wh__haar(rng, n, basis, n);
    for (size_t c = 0; st == WH_OK && c < spec->contexts; c++) {
        for (size_t m = 0; m < n; m++) {
            const double u = gsl_rng_uniform(rng), v = gsl_rng_uniform(rng);
            lambda[m] = u < spec->keep ? spec->lambda_max * v : 0.0;
        }
        if (lambdas != NULL)
            memcpy(lambdas + c * n, lambda, n * sizeof *lambda);
        context_covariance(n, basis, lambda, S, C + c * nn);
    }
    if (st == WH_OK && V != NULL)
        wh__copy(n, n, basis, n, V, ldv);
    wh__free(lambda);
    wh__free(S);
    wh__free(basis);
    wh__rng_free(rng);
    return st;
}
