/*
 * state.c: saving and restoring a source's random stream.
 *
 * The source draws from our own MT19937 (core/rng.h), whose state is the 624
 * words of the generator and its position: exactly the 625 words saved, so
 * nothing here depends on how GSL, or the host's `unsigned long`, would store
 * them.
 */
#include "core/rng.h"
#include "source/source.h"

_Static_assert(WH_SOURCE_STATE_WORDS == WH__RNG_WORDS, "the saved state is the generator's");

wh_status wh_source_get_state(const wh_source *src, uint32_t words[WH_SOURCE_STATE_WORDS],
                              uint64_t *samples)
{
    if (src == NULL || words == NULL || samples == NULL || !wh__rng_get_words(src->rng, words))
        return WH_EINVAL;
    *samples = src->t;
    return WH_OK;
}

wh_status wh_source_set_state(wh_source *src, const uint32_t words[WH_SOURCE_STATE_WORDS],
                              uint64_t samples)
{
    if (src == NULL || words == NULL || !wh__rng_set_words(src->rng, words))
        return WH_EINVAL;
    src->t = samples;
    return WH_OK;
}
