/*
 * rng.h: seeded random streams for libwhiten (GSL's MT19937).
 *
 * The generator's storage comes from wh__alloc(), so allocation-failure tests
 * reach it too. The 64-bit seed is mixed (splitmix64) down to the 32 bits that
 * MT19937 takes, so nearby seeds give unrelated streams.
 */
#ifndef WH_CORE_RNG_H
#define WH_CORE_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* A new generator seeded from `seed`; NULL if out of memory. */
gsl_rng *wh__rng_new(uint64_t seed);

void wh__rng_free(gsl_rng *rng);

/* Fill v[0..count) with independent standard normal draws. */
void wh__rng_gaussian(gsl_rng *rng, double *v, size_t count);

#endif
