/*
 * step.c: one integrator step, evolve to a time, run to convergence.
 *
 * Every call hands GSL only what it accepts (a positive step towards a later
 * time), so gsl_odeiv2_evolve_apply() never reaches GSL's error handler; its
 * return codes are mapped to statuses. When GSL gives up on a step it may
 * leave the rejected state in y, so the state from before the step is put
 * back: a failed call changes nothing.
 */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "flow/flow.h"

/* GSL's outcome of a step in libwhiten's terms. */
static wh_status from_gsl(int status)
{
    switch (status) {
    case GSL_SUCCESS:
        return WH_OK;
    case GSL_EDOM: /* the field found M not positive definite even at the smallest step */
        return WH_EDIVERGED;
    default: /* GSL_FAILURE: the tolerance cannot be met at the smallest step */
        return WH_ESTEPSIZE;
    }
}

static void remember(wh_flow *f)
{
    memcpy(f->y_prev, f->y, f->dim * sizeof *f->y);
    f->t_prev = f->t;
}

static void restore(wh_flow *f, double error)
{
    memcpy(f->y, f->y_prev, f->dim * sizeof *f->y);
    f->t = f->t_prev;
    f->error = error;
    wh__flow_lateral_of(f, f->y, f->M);
}

/* One accepted adaptive step towards t_limit, with M and the error brought up to date. */
static wh_status advance(wh_flow *f, double t_limit)
{
    double h = f->h;
    int status = gsl_odeiv2_evolve_apply(f->evolve, f->control, f->stepper, &f->system, &f->t,
                                         t_limit, &h, f->y);
    if (status != GSL_SUCCESS)
        return from_gsl(status);
    /* At a time so large that the steps the tolerance allows are below its resolution,
     * GSL reports a step that left t where it was: no step could be taken. */
    if (!(f->t > f->t_prev))
        return WH_ESTEPSIZE;
    f->h = h;
    wh__flow_lateral_of(f, f->y, f->M);
    wh_errors e;
    wh_status st = wh_metrics_eval(f->metrics, f->M, f->n, &e);
    if (st == WH_ENOTPD)
        st = WH_EDIVERGED;
    if (st == WH_OK)
        f->error = e.spectral;
    return st;
}

wh_status wh_flow_step(wh_flow *flow, double t_limit, wh_flow_step_info *info)
{
    if (flow == NULL || !isfinite(t_limit) || !(t_limit > flow->t))
        return WH_EINVAL;
    const double error_before = flow->error;
    remember(flow);
    wh_status st = advance(flow, t_limit);
    double crossing = NAN;
    const bool crossed = st == WH_OK && isnan(flow->t_eps) && flow->error <= flow->eps;
    if (crossed)
        st = wh__flow_locate_crossing(flow, &crossing);
    if (st != WH_OK) {
        restore(flow, error_before);
        return st;
    }
    flow->steps++;
    if (crossed)
        flow->t_eps = crossing;
    if (info != NULL)
        *info =
            (wh_flow_step_info){flow->t, flow->t - flow->t_prev, flow->error, crossed, crossing};
    return WH_OK;
}

wh_status wh_flow_evolve(wh_flow *flow, double t)
{
    if (flow == NULL || !isfinite(t) || t < flow->t)
        return WH_EINVAL;
    for (size_t steps = 0; flow->t < t; steps++) {
        if (steps == flow->max_steps)
            return WH_EMAXSTEPS;
        wh_status st = wh_flow_step(flow, t, NULL);
        if (st != WH_OK)
            return st;
    }
    return WH_OK;
}

wh_status wh_flow_converge(wh_flow *flow, double t_max, double *t_eps)
{
    if (flow == NULL || t_eps == NULL || !isfinite(t_max))
        return WH_EINVAL;
    *t_eps = NAN;
    for (size_t steps = 0; isnan(flow->t_eps); steps++) {
        if (flow->t >= t_max)
            return WH_ETMAX;
        if (steps == flow->max_steps)
            return WH_EMAXSTEPS;
        wh_status st = wh_flow_step(flow, t_max, NULL);
        if (st != WH_OK)
            return st;
    }
    *t_eps = flow->t_eps;
    return WH_OK;
}
