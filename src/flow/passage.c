/*
 * passage.c: the first sample at which an online or population run's
 * whitening error reaches eps, as a sample count and as eta x samples.
 */
#include <math.h>

#include "whiten/flow.h"

wh_status wh_passage_init(wh_passage *p, double eps)
{
    if (p == NULL || !isfinite(eps) || !(eps > 0.0))
        return WH_EINVAL;
    *p = (wh_passage){.eps = eps, .reached = false, .samples = 0, .time = NAN};
    return WH_OK;
}

bool wh_passage_observe(wh_passage *p, uint64_t samples, double eta, double error)
{
    if (p->reached || !(error <= p->eps))
        return false;
    p->reached = true;
    p->samples = samples;
    p->time = eta * (double)samples;
    return true;
}
