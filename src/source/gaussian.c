/*
 * gaussian.c: a seeded Gaussian source that cycles through contexts.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/options.h"
#include "core/linalg.h"
#include "core/rng.h"
#include "source/source.h"

/* Relative asymmetry tolerated in a covariance. */
#define SYMMETRY_RTOL 1e-10

static void source_defaults(wh_source_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->n = 0; /* required: no default dimension */
    opts->contexts = 1;
    opts->seed = 1;
}

void wh_source_options_init(wh_source_options *opts, size_t size)
{
    wh_source_options d;
    source_defaults(&d);
    wh__options_write(opts, size, &d, sizeof d);
}

void(wh_source_options_default)(wh_source_options *opts)
{
    wh_source_options_init(opts, sizeof *opts);
}

static wh_status check_options(const wh_source_options *o, size_t *total)
{
    if (o->covariances == NULL || o->contexts == 0)
        return WH_EINVAL;
    if (o->n == 0 || o->n > wh__linalg_max_dim())
        return WH_EDIM;
    size_t nn;
    if (!wh__size_mul(o->n, o->n, &nn) || !wh__size_mul(nn, o->contexts, total))
        return WH_EOVERFLOW;
    if (!wh__finite(1, *total, o->covariances, *total))
        return WH_ENONFINITE;
    for (size_t c = 0; c < o->contexts; c++)
        if (!wh__is_symmetric(o->n, o->covariances + c * nn, o->n, SYMMETRY_RTOL))
            return WH_ENOTSYM;
    return WH_OK;
}

static wh_status factor_contexts(wh_source *src)
{
    const size_t nn = src->n * src->n;
    memcpy(src->L, src->C, src->contexts * nn * sizeof *src->L);
    for (size_t c = 0; c < src->contexts; c++)
        if (!wh__chol(src->n, src->L + c * nn, src->n))
            return WH_ENOTPD;
    return WH_OK;
}

wh_status wh_source_new(const wh_source_options *opts, wh_source **out)
{
    if (out == NULL)
        return WH_EINVAL;
    *out = NULL;
    if (opts == NULL)
        return WH_EINVAL;
    wh_source_options full; /* the caller's fields over the defaults of any it does not have */
    source_defaults(&full);
    if (!wh__options_read(opts, sizeof full, sizeof full, &full))
        return WH_EINVAL;
    opts = &full;
    size_t total;
    wh_status st = check_options(opts, &total);
    if (st != WH_OK)
        return st;
    wh_source *src = wh__alloc(1, sizeof *src);
    if (src == NULL)
        return WH_ENOMEM;
    src->n = opts->n;
    src->contexts = opts->contexts;
    src->switch_every = opts->switch_every;
    src->C = wh__alloc(total, sizeof *src->C);
    src->L = wh__alloc(total, sizeof *src->L);
    src->rng = wh__rng_new(opts->seed);
    st = (src->C == NULL || src->L == NULL || src->rng == NULL) ? WH_ENOMEM : WH_OK;
    if (st == WH_OK) {
        memcpy(src->C, opts->covariances, total * sizeof *src->C);
        st = factor_contexts(src);
    }
    if (st != WH_OK) {
        wh_source_free(src);
        return st;
    }
    *out = src;
    return WH_OK;
}

void wh_source_free(wh_source *src)
{
    if (src == NULL)
        return;
    wh__free(src->C);
    wh__free(src->L);
    wh__rng_free(src->rng);
    wh__free(src);
}

size_t wh_source_context_at(const wh_source *src, uint64_t t)
{
    if (src == NULL || src->switch_every == 0)
        return 0;
    return (size_t)((t / src->switch_every) % src->contexts);
}

void wh_source_next(wh_source *src, double *x, size_t *context)
{
    if (src == NULL || x == NULL)
        return;
    const size_t c = wh_source_context_at(src, src->t);
    wh__rng_gaussian(src->rng, x, src->n);
    wh__trmv_lower(false, src->n, src->L + c * src->n * src->n, src->n, x);
    src->t++;
    if (context != NULL)
        *context = c;
}

const double *wh_source_covariance(const wh_source *src, size_t context)
{
    return src != NULL && context < src->contexts ? src->C + context * src->n * src->n : NULL;
}

size_t wh_source_n(const wh_source *src)
{
    return src != NULL ? src->n : 0;
}

size_t wh_source_contexts(const wh_source *src)
{
    return src != NULL ? src->contexts : 0;
}

uint64_t wh_source_samples(const wh_source *src)
{
    return src != NULL ? src->t : 0;
}
