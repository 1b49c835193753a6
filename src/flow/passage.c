/*
 * passage.c: when an online or population run's whitening error has come to
 * stay at or below eps: the start of the first stay of `window` samples, as a
 * sample count and as eta x samples.
 */
#include <math.h>

#include "whiten/flow.h"

wh_status wh_passage_init_window(wh_passage *p, double eps, uint64_t window)
{
    if (p == NULL || !isfinite(eps) || !(eps > 0.0))
        return WH_EINVAL;
    *p = (wh_passage){.eps = eps, .time = NAN, .window = window};
    return WH_OK;
}

wh_status wh_passage_init(wh_passage *p, double eps)
{
    return wh_passage_init_window(p, eps, 0);
}

bool wh_passage_observe(wh_passage *p, uint64_t samples, double eta, double error)
{
    if (p == NULL || p->reached)
        return false;
    if (!(error <= p->eps)) {
        p->below = false;
        return false;
    }
    if (!p->below) {
        p->below = true;
        p->since = samples;
    }
    if (samples - p->since < p->window)
        return false;
    p->reached = true;
    p->samples = p->since;
    p->time = eta * (double)p->since;
    return true;
}
