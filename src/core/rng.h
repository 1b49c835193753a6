/*
 * rng.h: seeded random streams for libwhiten: MT19937 as a GSL generator type
 * of our own.
 *
 * The generator is Matsumoto and Nishimura's MT19937 (ACM TOMACS 8, 1998, with
 * the 2002 initialisation init_genrand), written here from that definition as
 * a gsl_rng_type whose state layout is ours (rng.c), so that GSL's samplers
 * (gsl_ran_gaussian_ziggurat, gsl_rng_uniform) draw from it while no code
 * depends on how GSL stores its own MT19937. Seeded alike, it gives exactly
 * gsl_rng_mt19937's sequence (tests/test_source.c checks 10^6 draws of
 * several seeds, 0 included, which both take as 4357), so states and results
 * saved before it are unchanged.
 *
 * The generator's storage comes from wh__alloc(), so allocation-failure tests
 * reach it too. The 64-bit seed is mixed (splitmix64) down to the 32 bits that
 * MT19937 takes, so nearby seeds give unrelated streams.
 */
#ifndef WH_CORE_RNG_H
#define WH_CORE_RNG_H

#include <stdbool.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

/* MT19937's state as saved: 624 words of the state vector, then the position index. */
#define WH__MT_N 624
#define WH__RNG_WORDS (WH__MT_N + 1)

/* The generator type: gsl_rng_alloc(wh__rng_type()) and gsl_rng_set() work as for any. */
const gsl_rng_type *wh__rng_type(void);

/* A new generator of that type seeded from `seed`; NULL if out of memory. */
gsl_rng *wh__rng_new(uint64_t seed);

void wh__rng_free(gsl_rng *rng);

/* Fill v[0..count) with independent standard normal draws. */
void wh__rng_gaussian(gsl_rng *rng, double *v, size_t count);

/*
 * The state of a generator of wh__rng_type() as WH__RNG_WORDS 32-bit words
 * (words 0-623 the state vector mt[], word 624 the index 0-624 of the next
 * word to temper, 624 meaning "twist first"): false for a generator of
 * another type.
 */
bool wh__rng_get_words(const gsl_rng *rng, uint32_t words[WH__RNG_WORDS]);

/*
 * Set a generator of wh__rng_type() from such words. False, and the generator
 * unchanged, for another type, an index above 624, or a state whose 19937
 * bits (the top bit of word 0 and words 1 to 623) are all zero, from which
 * MT19937 emits nothing but zeros.
 */
bool wh__rng_set_words(gsl_rng *rng, const uint32_t words[WH__RNG_WORDS]);

#endif
