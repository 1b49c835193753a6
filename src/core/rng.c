/*
 * rng.c: MT19937 as a GSL generator type whose state is ours (rng.h).
 *
 * Written from the published definition (Matsumoto & Nishimura 1998; the
 * initialisation of their 2002 reference, init_genrand): a state of 624
 * 32-bit words, twisted 624 at a time, each word tempered on output.
 */
#include "core/rng.h"

#include <gsl/gsl_randist.h>

#include "core/alloc.h"

/* The recurrence's parameters (the paper's n, m, a, and the upper/lower masks of r = 31). */
#define MT_M 397
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu

/* Our state: the 624 words and the index of the next word to temper (624: twist first). */
typedef struct mt_state {
    uint32_t mt[WH__MT_N];
    uint32_t next;
} mt_state;

/*
 * init_genrand: x[0] = seed, x[i] = 1812433253 (x[i-1] ^ (x[i-1] >> 30)) + i mod 2^32.
 * Seed 0 is taken as 4357, the seed GSL gives its own MT19937 for 0, so that the
 * sequences of every seed agree with gsl_rng_mt19937's.
 */
static void mt_set(void *state, unsigned long seed)
{
    mt_state *s = state;
    s->mt[0] = seed == 0 ? 4357u : (uint32_t)(seed & 0xffffffffUL);
    for (uint32_t i = 1; i < WH__MT_N; i++)
        s->mt[i] = 1812433253u * (s->mt[i - 1] ^ (s->mt[i - 1] >> 30)) + i;
    s->next = WH__MT_N;
}

/* Word k of the next state: the upper bit of x[k] and the lower 31 of x[k+1], twisted,
 * added (xor) to x[k+m]. */
static uint32_t twisted(const uint32_t *mt, size_t k)
{
    const uint32_t y = (mt[k] & MT_UPPER) | (mt[(k + 1) % WH__MT_N] & MT_LOWER);
    return mt[(k + MT_M) % WH__MT_N] ^ (y >> 1) ^ ((y & 1u) != 0 ? MT_MATRIX_A : 0u);
}

/* Each new word depends on words k+1 and k+m of the vector being rewritten in place, so
 * the order (0 to 623) is that of the definition. */
static void mt_twist(mt_state *s)
{
    for (size_t k = 0; k < WH__MT_N; k++)
        s->mt[k] = twisted(s->mt, k);
    s->next = 0;
}

static unsigned long mt_get(void *state)
{
    mt_state *s = state;
    if (s->next >= WH__MT_N)
        mt_twist(s);
    uint32_t y = s->mt[s->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

static double mt_get_double(void *state)
{
    return (double)mt_get(state) / 4294967296.0;
}

static const gsl_rng_type mt_type = {"whiten-mt19937", 0xffffffffUL, 0, sizeof(mt_state),
                                     mt_set, mt_get, mt_get_double};

const gsl_rng_type *wh__rng_type(void)
{
    return &mt_type;
}

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
    rng->type = &mt_type;
    rng->state = wh__alloc(1, sizeof(mt_state));
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

bool wh__rng_get_words(const gsl_rng *rng, uint32_t words[WH__RNG_WORDS])
{
    if (rng == NULL || rng->type != &mt_type)
        return false;
    const mt_state *s = rng->state;
    for (size_t i = 0; i < WH__MT_N; i++)
        words[i] = s->mt[i];
    words[WH__MT_N] = s->next;
    return true;
}

/*
 * MT19937's 19937 bits of state are the top bit of word 0 and all of words 1
 * to 623: the twist reads only those. If they are all zero the recurrence stays
 * at zero, and the generator emits zeros for ever (after at most one output of
 * word 0's low bits). Every other state lies on the one cycle of period
 * 2^19937 - 1, so this is the only state to refuse.
 */
static bool stuck_at_zero(const uint32_t words[WH__RNG_WORDS])
{
    if ((words[0] & MT_UPPER) != 0)
        return false;
    for (size_t i = 1; i < WH__MT_N; i++)
        if (words[i] != 0)
            return false;
    return true;
}

bool wh__rng_set_words(gsl_rng *rng, const uint32_t words[WH__RNG_WORDS])
{
    if (rng == NULL || rng->type != &mt_type || words[WH__MT_N] > WH__MT_N ||
        stuck_at_zero(words))
        return false;
    mt_state *s = rng->state;
    for (size_t i = 0; i < WH__MT_N; i++)
        s->mt[i] = words[i];
    s->next = words[WH__MT_N];
    return true;
}
