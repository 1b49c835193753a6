#include "core/rng.h"

#include <gsl/gsl_randist.h>

#include "core/alloc.h"

static unsigned long mix_seed(uint64_t seed)
{
    uint64_t z = seed + UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    z ^= z >> 31;
    /* MT19937 uses 32 bits of its seed and treats 0 as "the default seed". */
    unsigned long s = (unsigned long)(z & UINT64_C(0xffffffff));
    return s == 0 ? 1UL : s;
}

gsl_rng *wh__rng_new(uint64_t seed)
{
    gsl_rng *rng = wh__alloc(1, sizeof *rng);
    if (rng == NULL)
        return NULL;
    rng->type = gsl_rng_mt19937;
    rng->state = wh__alloc(1, rng->type->size);
    if (rng->state == NULL) {
        wh__free(rng);
        return NULL;
    }
    gsl_rng_set(rng, mix_seed(seed));
    return rng;
}

void wh__rng_free(gsl_rng *rng)
{
    if (rng == NULL)
        return;
    wh__free(rng->state);
    wh__free(rng);
}

void wh__rng_gaussian(gsl_rng *rng, double *v, size_t count)
{
    for (size_t i = 0; i < count; i++)
        v[i] = gsl_ran_gaussian_ziggurat(rng, 1.0);
}
