/*
 * flow.c: setting up, resetting and inspecting a wh_flow.
 *
 * The initial synapses come from a throw-away wh_net built with the same
 * wh_init, so a flow and a network given the same options start from the very
 * same M0 (and W0): the population recursion can be compared with the flow
 * step for step, and init.c stays the one place that draws initial synapses.
 */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/options.h"
#include "flow/flow.h"
#include "net/view.h"

static void flow_defaults(wh_flow_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->kind = WH_NET_DIRECT;
    opts->n = 0; /* required: no default dimension */
    opts->init.kind = WH_INIT_IDENTITY;
    opts->init.alpha = 1.0;
    opts->init.seed = 1;
    opts->rtol = 1e-10;
    opts->atol = 0.0;
    opts->eps = 0.01;
    opts->max_steps = 1000000;
}

void wh_flow_options_init(wh_flow_options *opts, size_t size)
{
    wh_flow_options d;
    flow_defaults(&d);
    wh__options_write(opts, size, &d, sizeof d);
}

void(wh_flow_options_default)(wh_flow_options *opts)
{
    wh_flow_options_init(opts, sizeof *opts);
}

static wh_status check_options(const wh_flow_options *o)
{
    if (o->kind != WH_NET_DIRECT && o->kind != WH_NET_INTERNEURON)
        return WH_EINVAL;
    if (o->closed_lateral && o->kind == WH_NET_DIRECT)
        return WH_EINVAL;
    if (o->n == 0 || o->n > wh__linalg_max_dim())
        return WH_EDIM;
    if (o->covariance == NULL || (o->ldc != 0 && o->ldc < o->n))
        return WH_EINVAL;
    if (!isfinite(o->rtol) || !isfinite(o->atol) || !isfinite(o->eps))
        return WH_ENONFINITE;
    /* GSL's control refuses negative tolerances through its error handler: refuse them here.
     * Below WH_FLOW_RTOL_MIN rounding dominates the error estimate and, near t = 0 where GSL's
     * one-ulp guard cannot fire, the step size collapses towards 1e-280 instead of failing. */
    if (!(o->rtol >= WH_FLOW_RTOL_MIN && o->rtol < 1.0) || o->atol < 0.0 || !(o->eps > 0.0))
        return WH_EINVAL;
    return o->max_steps == 0 ? WH_EINVAL : WH_OK;
}

/* The initial synapses, exactly as wh_net_new() would draw them. */
static wh_status initial_network(const wh_flow_options *o, wh_net **net)
{
    wh_net_options no;
    wh_net_options_default(&no);
    no.kind = o->kind;
    no.n = o->n;
    no.k = o->k;
    no.eta = 0.5; /* unused: the network only holds the start */
    no.init = o->init;
    return wh_net_new(&no, net);
}

static wh_status allocate(wh_flow *f)
{
    size_t nn;
    if (!wh__size_mul(f->n, f->n, &nn))
        return WH_EOVERFLOW;
    double **square[] = {&f->C, &f->M, &f->M_trial, &f->rM, &f->rL, &f->rS};
    for (size_t i = 0; i < sizeof square / sizeof *square; i++)
        if ((*square[i] = wh__alloc(nn, sizeof(double))) == NULL)
            return WH_ENOMEM;
    double **state[] = {&f->y, &f->y0, &f->y_prev, &f->y_trial, &f->yerr, &f->dydt};
    for (size_t i = 0; i < sizeof state / sizeof *state; i++)
        if ((*state[i] = wh__alloc(f->dim, sizeof(double))) == NULL)
            return WH_ENOMEM;
    return wh__eig_init(&f->eig, f->n);
}

/* Sizes and the state at t = 0 from the throw-away network. */
static wh_status shape_and_start(wh_flow *f, const wh_flow_options *o, wh_net *net)
{
    const size_t n = f->n;
    f->k = wh_net_k(net);
    f->weights = o->kind == WH_NET_INTERNEURON && !o->closed_lateral;
    /* n (n + 1) / 2 cannot overflow once n passed the LAPACK dimension limit. */
    if (f->weights && !wh__size_mul(n, f->k, &f->dim))
        return WH_EOVERFLOW;
    if (!f->weights)
        f->dim = n * (n + 1) / 2;
    wh_status st = allocate(f);
    if (st != WH_OK)
        return st;
    wh__copy(n, n, o->covariance, o->ldc == 0 ? n : o->ldc, f->C, n);
    if (f->weights)
        memcpy(f->y0, wh__net_weights(net), f->dim * sizeof *f->y0);
    else
        wh__flow_pack(n, wh__net_lateral(net), f->y0);
    return WH_OK;
}

/* rtol x the smallest scale an eigenvalue of M visits on the way (for W, its square root). */
static wh_status automatic_atol(wh_flow *f, wh_net *net, double rtol, double *atol)
{
    wh_status st = wh__eig_solve(&f->eig, wh__net_lateral(net), f->n, false);
    const double m_min = f->eig.w[0];
    if (st == WH_OK)
        st = wh__eig_solve(&f->eig, f->C, f->n, false);
    if (st != WH_OK)
        return st;
    const double scale = fmin(m_min, sqrt(f->eig.w[0]));
    *atol = rtol * (f->weights ? sqrt(scale) : scale);
    return WH_OK;
}

/* A first step of 1 % of the time the start would take to change by its own size. */
static wh_status first_step(wh_flow *f)
{
    if (wh__flow_field(0.0, f->y0, f->dydt, f) != GSL_SUCCESS)
        return WH_ENOTPD;
    const double size = wh__frobenius(1, f->dim, f->y0, f->dim);
    const double speed = wh__frobenius(1, f->dim, f->dydt, f->dim);
    f->h0 = speed > 0.0 ? fmin(1e-2 * size / speed, 1.0) : 1.0;
    if (!(f->h0 > 0.0))
        f->h0 = 1e-12;
    return WH_OK;
}

static wh_status integrator(wh_flow *f, double rtol, double atol)
{
    f->system = (gsl_odeiv2_system){wh__flow_field, NULL, f->dim, f};
    f->stepper = gsl_odeiv2_step_alloc(gsl_odeiv2_step_rk8pd, f->dim);
    f->control = gsl_odeiv2_control_standard_new(atol, rtol, 1.0, 0.0);
    f->evolve = gsl_odeiv2_evolve_alloc(f->dim);
    if (f->stepper == NULL || f->control == NULL || f->evolve == NULL)
        return WH_ENOMEM;
    /* The root solver's layout is public, so its storage comes from wh__alloc (as in rng.c). */
    f->root = wh__alloc(1, sizeof *f->root);
    if (f->root == NULL)
        return WH_ENOMEM;
    f->root->type = gsl_root_fsolver_brent;
    f->root->state = wh__alloc(1, f->root->type->size);
    if (f->root->state == NULL)
        return WH_ENOMEM;
    return first_step(f);
}

static wh_status setup(wh_flow *f, const wh_flow_options *o)
{
    wh_net *net = NULL;
    f->kind = o->kind;
    f->n = o->n;
    f->eps = o->eps;
    f->max_steps = o->max_steps;
    wh_status st = wh_metrics_new(o->n, o->covariance, o->ldc == 0 ? o->n : o->ldc, &f->metrics);
    if (st == WH_OK)
        st = initial_network(o, &net);
    if (st == WH_OK)
        st = shape_and_start(f, o, net);
    double atol = o->atol;
    if (st == WH_OK && atol == 0.0)
        st = automatic_atol(f, net, o->rtol, &atol);
    if (st == WH_OK)
        st = integrator(f, o->rtol, atol);
    wh_errors e = {0};
    if (st == WH_OK)
        st = wh_metrics_eval(f->metrics, wh__net_lateral(net), f->n, &e);
    f->error0 = e.spectral;
    wh_net_free(net);
    return st;
}

wh_status wh_flow_new(const wh_flow_options *opts, wh_flow **out)
{
    if (out == NULL)
        return WH_EINVAL;
    *out = NULL;
    if (opts == NULL)
        return WH_EINVAL;
    wh_flow_options full; /* the caller's fields over the defaults of any it does not have */
    flow_defaults(&full);
    if (!wh__options_read(opts, sizeof full, sizeof full, &full))
        return WH_EINVAL;
    opts = &full;
    wh_status st = check_options(opts);
    if (st != WH_OK)
        return st;
    wh_flow *f = wh__alloc(1, sizeof *f);
    if (f == NULL)
        return WH_ENOMEM;
    st = setup(f, opts);
    if (st != WH_OK) {
        wh_flow_free(f);
        return st;
    }
    wh_flow_reset(f);
    *out = f;
    return WH_OK;
}

void wh_flow_free(wh_flow *flow)
{
    if (flow == NULL)
        return;
    double *buffers[] = {flow->C, flow->M,  flow->M_trial, flow->rM,      flow->rL,   flow->rS,
                         flow->y, flow->y0, flow->y_prev,  flow->y_trial, flow->yerr, flow->dydt};
    for (size_t i = 0; i < sizeof buffers / sizeof *buffers; i++)
        wh__free(buffers[i]);
    wh__eig_free(&flow->eig);
    wh_metrics_free(flow->metrics);
    gsl_odeiv2_step_free(flow->stepper);
    gsl_odeiv2_control_free(flow->control);
    gsl_odeiv2_evolve_free(flow->evolve);
    if (flow->root != NULL)
        wh__free(flow->root->state);
    wh__free(flow->root);
    wh__free(flow);
}

void wh_flow_reset(wh_flow *flow)
{
    if (flow == NULL)
        return;
    memcpy(flow->y, flow->y0, flow->dim * sizeof *flow->y);
    wh__flow_lateral_of(flow, flow->y, flow->M);
    flow->t = flow->t_prev = 0.0;
    flow->h = flow->h0;
    flow->steps = 0;
    flow->error = flow->error0;
    flow->t_eps = flow->error0 <= flow->eps ? 0.0 : (double)NAN;
    gsl_odeiv2_evolve_reset(flow->evolve);
    gsl_odeiv2_step_reset(flow->stepper);
}

double wh_flow_time(const wh_flow *flow)
{
    return flow == NULL ? (double)NAN : flow->t;
}

double wh_flow_convergence_time(const wh_flow *flow)
{
    return flow == NULL ? (double)NAN : flow->t_eps;
}

double wh_flow_error(const wh_flow *flow)
{
    return flow == NULL ? (double)NAN : flow->error;
}

uint64_t wh_flow_steps(const wh_flow *flow)
{
    return flow == NULL ? 0 : flow->steps;
}

const double *wh_flow_lateral(const wh_flow *flow)
{
    return flow == NULL ? NULL : flow->M;
}

const double *wh_flow_weights(const wh_flow *flow)
{
    return flow == NULL ? NULL : flow->weights ? flow->y : NULL;
}

size_t wh_flow_n(const wh_flow *flow)
{
    return flow == NULL ? 0 : flow->n;
}

size_t wh_flow_k(const wh_flow *flow)
{
    return flow == NULL ? 0 : flow->k;
}

wh_status wh_flow_errors(wh_flow *flow, wh_errors *out)
{
    if (flow == NULL)
        return WH_EINVAL;
    return wh_metrics_eval(flow->metrics, flow->M, flow->n, out);
}

wh_status wh_flow_eigenvalues(wh_flow *flow, double *out)
{
    if (flow == NULL || out == NULL)
        return WH_EINVAL;
    wh_status st = wh__eig_solve(&flow->eig, flow->M, flow->n, false);
    if (st == WH_OK)
        memcpy(out, flow->eig.w, flow->n * sizeof *out);
    return st;
}
