/*
 * crossing.c: where inside the last step the whitening error reached eps.
 *
 * GSL's Runge-Kutta steppers have no dense output, so the error at a trial
 * time tau in [t_prev, t] comes from one fresh rk8pd step of size tau - t_prev
 * from the state at the start of the step. That step is shorter than one the
 * error control already accepted, so it is at least as accurate. Brent's
 * method (GSL) then narrows the bracket to a few ulps of t.
 *
 * GSL's root solver reports a bracket that does not straddle zero, or a
 * non-finite function value, through its error handler. Both are ruled out
 * here: the bracket's ends are evaluated and checked first, and GSL is handed
 * exactly those values again; the function always returns a finite value (a
 * failure is recorded in flow->trial_status and ends the search).
 */
#include <float.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "flow/flow.h"

#define CROSSING_MAX_ITER 200

static double failed(wh_flow *f, wh_status st)
{
    if (f->trial_status == WH_OK)
        f->trial_status = st;
    return 1.0; /* any finite value: the search stops at the next check */
}

/* E(M(tau)) - eps, with M(tau) from one step of size tau - t_prev (f->dydt holds the
 * field at the start of the step). */
static double gap(double tau, void *params)
{
    wh_flow *f = params;
    /* GSL evaluates the ends again and insists they straddle zero: give it the very values
     * already checked, not a recomputation that might differ in the last bit. */
    for (int end = 0; end < 2; end++)
        if (tau == f->bracket_t[end])
            return f->bracket_gap[end];
    memcpy(f->y_trial, f->y_prev, f->dim * sizeof *f->y_trial);
    const double dt = tau - f->t_prev;
    if (dt > 0.0 && gsl_odeiv2_step_apply(f->stepper, f->t_prev, dt, f->y_trial, f->yerr, f->dydt,
                                          NULL, &f->system) != GSL_SUCCESS)
        return failed(f, WH_EDIVERGED);
    wh__flow_lateral_of(f, f->y_trial, f->M_trial);
    wh_errors e;
    wh_status st = wh_metrics_eval(f->metrics, f->M_trial, f->n, &e);
    if (st != WH_OK)
        return failed(f, st == WH_ENOTPD ? WH_EDIVERGED : st);
    if (!isfinite(e.spectral))
        return failed(f, WH_ENONFINITE);
    return e.spectral - f->eps;
}

static wh_status brent(wh_flow *f, gsl_function *fn, double lo, double hi, double *root)
{
    gsl_root_fsolver_set(f->root, fn, lo, hi);
    for (int i = 0; i < CROSSING_MAX_ITER && f->trial_status == WH_OK; i++) {
        gsl_root_fsolver_iterate(f->root);
        lo = gsl_root_fsolver_x_lower(f->root);
        hi = gsl_root_fsolver_x_upper(f->root);
        if (gsl_root_test_interval(lo, hi, 4.0 * DBL_EPSILON * fabs(hi) + DBL_MIN, 0.0) ==
            GSL_SUCCESS)
            break;
    }
    *root = gsl_root_fsolver_root(f->root);
    return f->trial_status;
}

wh_status wh__flow_locate_crossing(wh_flow *f, double *crossing)
{
    gsl_function fn = {gap, f};
    f->trial_status = WH_OK;
    if (wh__flow_field(f->t_prev, f->y_prev, f->dydt, f) != GSL_SUCCESS)
        return WH_EDIVERGED;
    const double lo = f->t_prev, hi = f->t;
    f->bracket_t[0] = f->bracket_t[1] = NAN; /* no cached ends while they are computed */
    const double gap_lo = gap(lo, f), gap_hi = gap(hi, f);
    f->bracket_t[0] = lo;
    f->bracket_t[1] = hi;
    f->bracket_gap[0] = gap_lo;
    f->bracket_gap[1] = gap_hi;
    if (f->trial_status != WH_OK)
        return f->trial_status;
    /* The re-stepped end may differ from the accepted step in its last bits: an error within
     * rounding of eps at either end puts the crossing at that end. */
    if (!(gap_lo > 0.0)) {
        *crossing = lo;
        return WH_OK;
    }
    if (!(gap_hi <= 0.0)) {
        *crossing = hi;
        return WH_OK;
    }
    return brent(f, &fn, lo, hi, crossing);
}
