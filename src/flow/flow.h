/*
 * flow.h: the inside of a wh_flow, shared by the files of src/flow/.
 *
 * The ODE state y is what GSL integrates: for the direct flow and the closed
 * interneuron M flow, the lower triangle of the symmetric M packed row by row
 * (n (n + 1) / 2 entries, so that symmetry holds exactly and every entry is
 * error-controlled once); for the interneuron W flow, W itself (n x k).
 */
#ifndef WH_FLOW_FLOW_H
#define WH_FLOW_FLOW_H

#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_roots.h>

#include "core/linalg.h"
#include "whiten/flow.h"

struct wh_flow {
    wh_net_kind kind;
    bool weights; /* the state is W (interneuron W flow), not packed M */
    size_t n, k, dim;
    double eps;
    size_t max_steps;

    double *C;           /* the input covariance, n x n */
    double *y, *y0;      /* state now and at t = 0 */
    double *y_prev;      /* state at the start of the last step */
    double *y_trial;     /* state at a trial time of the crossing search */
    double *yerr, *dydt; /* scratch for those trial steps */
    double t, t_prev, h; /* time, time at the start of the last step, next step size */
    double h0;           /* first step size after a reset */
    double error;        /* whitening error at t */
    double error0;       /* whitening error at t = 0 */
    double t_eps;        /* first time with error <= eps; NaN until found */
    uint64_t steps;

    double *M;            /* M(t), n x n: what wh_flow_lateral() shows */
    double *M_trial;      /* M at a trial time of the crossing search */
    double *rM, *rL, *rS; /* workspace of the vector field, n x n each */

    wh_metrics *metrics;
    wh__eig eig;

    gsl_odeiv2_system system;
    gsl_odeiv2_step *stepper;
    gsl_odeiv2_control *control;
    gsl_odeiv2_evolve *evolve;
    gsl_root_fsolver *root;
    wh_status trial_status;              /* failure inside the crossing search */
    double bracket_t[2], bracket_gap[2]; /* the search's ends and their values, fixed */
};

/* The vector field in GSL's form; params is the wh_flow. src/flow/field.c. */
int wh__flow_field(double t, const double y[], double dydt[], void *params);

/* M from a state y (packed M or W) into M (n x n). src/flow/field.c. */
void wh__flow_lateral_of(const wh_flow *flow, const double *y, double *M);

/* Pack the lower triangle of M (n x n) into y. src/flow/field.c. */
void wh__flow_pack(size_t n, const double *M, double *y);

/* Locate the crossing of eps inside the last step [t_prev, t]. src/flow/crossing.c. */
wh_status wh__flow_locate_crossing(wh_flow *flow, double *crossing);

#endif
