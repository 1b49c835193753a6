/*
 * schedule.c: the learning rate of each sample.
 *
 * A network keeps its base rate eta and a schedule; the sample with index t
 * (the samples count before it) learns at wh_schedule_eta(schedule, eta, t).
 * Because the rate is a function of the count alone, a network saved and
 * restored with its count continues with the same rates, bit for bit.
 */
#include <math.h>

#include "net/net.h"

double wh_schedule_eta(const wh_schedule *s, double eta, uint64_t t)
{
    if (s == NULL || s->kind != WH_SCHEDULE_DECAY || t < s->start)
        return eta;
    const double elapsed = (double)(t - s->start);
    return eta / pow(1.0 + elapsed / s->tau, s->gamma);
}

wh_status wh__schedule_check(const wh_schedule *s)
{
    if (s == NULL)
        return WH_EINVAL;
    if (s->kind == WH_SCHEDULE_CONSTANT)
        return WH_OK;
    if (s->kind != WH_SCHEDULE_DECAY)
        return WH_EINVAL;
    const bool tau_ok = isfinite(s->tau) && s->tau > 0.0;
    const bool gamma_ok = s->gamma > 0.5 && s->gamma <= 1.0;
    return tau_ok && gamma_ok ? WH_OK : WH_EINVAL;
}

double wh__net_rate(const wh_net *net)
{
    return wh_schedule_eta(&net->schedule, net->eta, net->samples);
}

wh_status wh_net_set_schedule(wh_net *net, const wh_schedule *s)
{
    if (net == NULL)
        return WH_EINVAL;
    wh_status st = wh__schedule_check(s);
    if (st == WH_OK)
        net->schedule = *s;
    return st;
}

wh_schedule wh_net_get_schedule(const wh_net *net)
{
    return net != NULL ? net->schedule : (wh_schedule){WH_SCHEDULE_CONSTANT, 0.0, 0.0, 0};
}
