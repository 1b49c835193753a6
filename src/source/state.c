/*
 * state.c: saving and restoring a source's random stream.
 *
 * GSL keeps MT19937's state as { unsigned long mt[624]; int mti; } (mt.c).
 * That layout is private to GSL, so it is mirrored here and checked against
 * the size GSL reports before any byte is touched; the 32-bit words are then
 * copied one by one, which makes the saved form independent of the width of
 * `unsigned long` on the host.
 */
#include <string.h>

#include "source/source.h"

#define MT_N 624

typedef struct mt_state {
    unsigned long mt[MT_N];
    int mti;
} mt_state;

static bool is_mt19937(const wh_source *src)
{
    return src != NULL && src->rng != NULL && src->rng->type == gsl_rng_mt19937 &&
           gsl_rng_mt19937->size == sizeof(mt_state);
}

wh_status wh_source_get_state(const wh_source *src, uint32_t words[WH_SOURCE_STATE_WORDS],
                              uint64_t *samples)
{
    if (!is_mt19937(src) || words == NULL || samples == NULL)
        return WH_EINVAL;
    mt_state s;
    memcpy(&s, src->rng->state, sizeof s);
    for (size_t i = 0; i < MT_N; i++)
        words[i] = (uint32_t)(s.mt[i] & 0xffffffffUL);
    words[MT_N] = (uint32_t)s.mti;
    *samples = src->t;
    return WH_OK;
}

/*
 * MT19937's 19937 bits of state are the top bit of word 0 and all of words 1
 * to 623: the twist reads only those. If they are all zero the recurrence stays
 * at zero, and the generator emits zeros for ever (after at most one output of
 * word 0's low bits). Every other state lies on the one cycle of period
 * 2^19937 - 1, so this is the only state to refuse.
 */
static bool stuck_at_zero(const uint32_t words[WH_SOURCE_STATE_WORDS])
{
    if ((words[0] & 0x80000000u) != 0)
        return false;
    for (size_t i = 1; i < MT_N; i++)
        if (words[i] != 0)
            return false;
    return true;
}

wh_status wh_source_set_state(wh_source *src, const uint32_t words[WH_SOURCE_STATE_WORDS],
                              uint64_t samples)
{
    if (!is_mt19937(src) || words == NULL || words[MT_N] > MT_N || stuck_at_zero(words))
        return WH_EINVAL;
    mt_state s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < MT_N; i++)
        s.mt[i] = words[i];
    s.mti = (int)words[MT_N];
    memcpy(src->rng->state, &s, sizeof s);
    src->t = samples;
    return WH_OK;
}
