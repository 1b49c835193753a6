/*
 * test_flow.c: the continuous synaptic dynamics against their oracles.
 *
 * Oracles: the closed forms of science.md §4 (themselves checked against the
 * ODE they solve), the fixed point C^{1/2}, the agreement of the W flow with
 * the closed M flow, and the population recursion converging to the flow at
 * rate eta.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "flow/flow.h"
#include "support.h"
#include "whiten.h"
#include "net/view.h"

/* Eigenvalues spanning 10^4, and scales from far below to far above their square roots. */
static const double lambdas[] = {1e-2, 2.385, 1e2};
static const double alphas[] = {1e-2, 0.137, 1.0, 4.2, 31.0, 1e3};
#define N_LAMBDA (sizeof lambdas / sizeof *lambdas)
#define N_ALPHA  (sizeof alphas / sizeof *alphas)

typedef struct flow_case {
    wh_net_kind kind;
    bool closed;
    const char *name;
} flow_case;

static const flow_case cases[] = {
    {WH_NET_DIRECT, false, "direct"},
    {WH_NET_INTERNEURON, false, "interneuron W"},
    {WH_NET_INTERNEURON, true, "interneuron closed M"},
};

static double *covariance_of(size_t n, const double *lambda, bool rotate, uint64_t seed)
{
    double *C = calloc(n * n, sizeof *C);
    cr_assert_not_null(C);
    wh_spectrum spec = {.n = n, .eigenvalues = lambda, .rotate = rotate, .seed = seed};
    assert_status(wh_covariance_from_spectrum(&spec, C, n), WH_OK);
    return C;
}

static wh_flow_options options_for(const flow_case *c, size_t n, const double *C, double alpha)
{
    wh_flow_options o;
    wh_flow_options_default(&o);
    o.kind = c->kind;
    o.closed_lateral = c->closed;
    o.n = n;
    o.k = c->kind == WH_NET_INTERNEURON ? n + 2 : 0;
    o.covariance = C;
    o.init.alpha = alpha;
    return o;
}

static wh_flow *new_flow(const wh_flow_options *o)
{
    wh_flow *f = NULL;
    assert_status(wh_flow_new(o, &f), WH_OK);
    return f;
}

static double rel(double got, double want)
{
    return fabs(got - want) / fabs(want);
}

/* ---- the closed forms are the oracles, so first check them against their ODEs ---- */

static double mode_at(wh_net_kind kind, double lambda, double m0, double t)
{
    double m = NAN;
    assert_status(wh_flow_mode(kind, lambda, m0, t, &m), WH_OK);
    return m;
}

Test(flow, closed_forms_solve_their_odes)
{
    const double m0s[] = {1e-3, 0.31, 0.9, 1.2, 7.7, 1e4};
    for (int kind = 0; kind < 2; kind++)
        for (size_t i = 0; i < N_LAMBDA; i++)
            for (size_t j = 0; j < sizeof m0s / sizeof *m0s; j++) {
                const double lambda = lambdas[i], m0 = m0s[j] * sqrt(lambda);
                cr_assert_eq(mode_at((wh_net_kind)kind, lambda, m0, 0.0), m0);
                double T;
                assert_status(wh_flow_mode_time((wh_net_kind)kind, lambda, m0, 0.01, &T), WH_OK);
                /* Central difference of m(t) at t = T/2 against the right-hand side. */
                const double t = 0.5 * T, dt = 1e-5 * t;
                const double m = mode_at((wh_net_kind)kind, lambda, m0, t);
                const double slope = (mode_at((wh_net_kind)kind, lambda, m0, t + dt) -
                                      mode_at((wh_net_kind)kind, lambda, m0, t - dt)) /
                                     (2.0 * dt);
                const double field =
                    kind == WH_NET_DIRECT ? lambda / (m * m) - 1.0 : 2.0 * (lambda / m - m);
                cr_assert(fabs(slope - field) <= 1e-6 * fmax(fabs(field), 1e-3),
                          "kind %d lambda %g m0 %g: dm/dt %.12g, field %.12g (tol 1e-6)", kind,
                          lambda, m0, slope, field);
                /* At T_eps the mode's error is eps. */
                const double mT = mode_at((wh_net_kind)kind, lambda, m0, T);
                const double error = fabs(lambda / (mT * mT) - 1.0);
                cr_assert(fabs(error - 0.01) <= 1e-9, "kind %d lambda %g m0 %g: error at T %.15g",
                          kind, lambda, m0, error);
            }
}

Test(flow, closed_time_is_zero_when_already_whitened)
{
    double T = -1.0;
    assert_status(wh_flow_mode_time(WH_NET_DIRECT, 4.0, 2.001, 0.01, &T), WH_OK);
    cr_assert_eq(T, 0.0);
    assert_status(wh_flow_mode_time(WH_NET_INTERNEURON, 4.0, 3.0, 0.9, &T), WH_OK);
    cr_assert_eq(T, 0.0); /* error 5/9 is already below 0.9 */
    assert_status(wh_flow_mode_time(WH_NET_INTERNEURON, 4.0, 3.0, 0.5, &T), WH_OK);
    cr_assert_gt(T, 0.0);
}

/* ---- numerical flows against the closed forms (commuting starts M0 = alpha I) ---- */

static void check_against_closed_form(const flow_case *c, double alpha, const double *C)
{
    wh_flow_options o = options_for(c, N_LAMBDA, C, alpha);
    wh_flow *f = new_flow(&o);
    double m0[N_LAMBDA], T_closed, T;
    for (size_t i = 0; i < N_LAMBDA; i++)
        m0[i] = alpha;
    assert_status(wh_flow_closed_time(c->kind, N_LAMBDA, lambdas, m0, 0.01, &T_closed), WH_OK);
    const double fractions[] = {0.05, 0.3, 0.7, 1.0, 1.6};
    for (size_t s = 0; s < sizeof fractions / sizeof *fractions; s++) {
        const double t = fractions[s] * T_closed;
        assert_status(wh_flow_evolve(f, t), WH_OK);
        double eig[N_LAMBDA];
        assert_status(wh_flow_eigenvalues(f, eig), WH_OK);
        for (size_t i = 0; i < N_LAMBDA; i++) { /* m(t) keeps the order of lambda */
            const double want = mode_at(c->kind, lambdas[i], alpha, t);
            cr_assert(rel(eig[i], want) <= 1e-8,
                      "%s alpha %g t %g mode %zu: flow %.15g, closed form %.15g (tol 1e-8)",
                      c->name, alpha, t, i, eig[i], want);
        }
    }
    wh_flow_reset(f);
    assert_status(wh_flow_converge(f, 1e7, &T), WH_OK);
    cr_assert(rel(T, T_closed) <= 1e-6, "%s alpha %g: T_eps %.15g, closed form %.15g (tol 1e-6)",
              c->name, alpha, T, T_closed);
    wh_flow_free(f);
}

Test(flow, commuting_starts_match_closed_forms)
{
    double *C = covariance_of(N_LAMBDA, lambdas, true, 11);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (size_t a = 0; a < N_ALPHA; a++)
            check_against_closed_form(&cases[c], alphas[a], C);
    free(C);
}

/* ---- the headline: linear against logarithmic ---- */

/* Least-squares slope of y against x. */
static double slope(const double *x, const double *y, size_t count)
{
    double mx = 0.0, my = 0.0, sxy = 0.0, sxx = 0.0;
    for (size_t i = 0; i < count; i++) {
        mx += x[i] / (double)count;
        my += y[i] / (double)count;
    }
    for (size_t i = 0; i < count; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
    }
    return sxy / sxx;
}

static double numerical_time(const flow_case *c, const double *C, size_t n, double alpha)
{
    wh_flow_options o = options_for(c, n, C, alpha);
    wh_flow *f = new_flow(&o);
    double T = NAN;
    assert_status(wh_flow_converge(f, 1e7, &T), WH_OK);
    wh_flow_free(f);
    return T;
}

Test(flow, headline_slopes)
{
    const double lambda[] = {0.5, 2.0, 8.0};
    double *C = covariance_of(3, lambda, true, 5);
    enum { POINTS = 9 };
    double a[POINTS], log_a[POINTS], T_direct[POINTS], T_inter[POINTS];
    for (size_t i = 0; i < POINTS; i++) {
        a[i] = 10.0 * pow(10.0, (double)i / 4.0); /* 10 ... 1000 */
        log_a[i] = log(a[i]);
        T_direct[i] = numerical_time(&cases[0], C, 3, a[i]);
        T_inter[i] = numerical_time(&cases[1], C, 3, a[i]);
    }
    const double s_direct = slope(a, T_direct, POINTS), s_inter = slope(log_a, T_inter, POINTS);
    cr_log_info("direct T_eps vs alpha: slope %.5f; interneuron T_eps vs ln alpha: slope %.5f",
                s_direct, s_inter);
    cr_assert(fabs(s_direct - 1.0) <= 0.02, "direct slope %.6f, want 1 (tol 0.02)", s_direct);
    cr_assert(fabs(s_inter - 0.5) <= 0.02, "interneuron slope %.6f, want 0.5 (tol 0.02)", s_inter);
    free(C);
}

/* ---- non-commuting starts M0 = alpha R D R^T ---- */

static const double spread4[] = {0.7, 1.9, 3.1, 5.3};
static const double lambda4[] = {0.2, 1.3, 4.4, 9.0};

static wh_flow *rotated_flow(const flow_case *c, const double *C)
{
    wh_flow_options o = options_for(c, 4, C, 2.385);
    o.init.kind = WH_INIT_ROTATED;
    o.init.spread = spread4;
    o.init.seed = 29;
    return new_flow(&o);
}

/* Step to t, checking after every step that M is symmetric positive definite. */
static void step_checking_spd(wh_flow *f, double t)
{
    while (wh_flow_time(f) < t) {
        assert_status(wh_flow_step(f, t, NULL), WH_OK);
        const double *M = wh_flow_lateral(f);
        cr_assert_eq(wh_test_asymmetry(4, M), 0.0);
        cr_assert_gt(wh_test_min_eig(4, M), 0.0, "M not positive definite at t = %g",
                     wh_flow_time(f));
    }
}

Test(flow, noncommuting_w_flow_matches_closed_m_flow)
{
    double *C = covariance_of(4, lambda4, true, 3);
    wh_flow *w = rotated_flow(&cases[1], C), *m = rotated_flow(&cases[2], C);
    cr_assert_not_null(wh_flow_weights(w));
    cr_assert_null(wh_flow_weights(m));
    cr_assert_leq(wh_test_rel_diff(4, 4, wh_flow_lateral(w), 4, wh_flow_lateral(m), 4), 1e-14);
    const double times[] = {0.013, 0.1, 0.5, 1.0, 2.5};
    for (size_t i = 0; i < sizeof times / sizeof *times; i++) {
        step_checking_spd(w, times[i]);
        step_checking_spd(m, times[i]);
        const double d = wh_test_rel_diff(4, 4, wh_flow_lateral(w), 4, wh_flow_lateral(m), 4);
        cr_assert(d <= 1e-8, "t %g: W flow and closed M flow differ by %.3e (tol 1e-8)", times[i],
                  d);
    }
    wh_flow_free(w);
    wh_flow_free(m);
    free(C);
}

static void check_reaches_sqrt(const flow_case *c, const double *C, double t, double tol)
{
    wh_flow *f = rotated_flow(c, C);
    step_checking_spd(f, t);
    wh_errors e;
    assert_status(wh_flow_errors(f, &e), WH_OK);
    cr_assert(e.sqrt_relative <= tol, "%s at t %g: ||M - C^1/2|| / ||C^1/2|| = %.3e (tol %g)",
              c->name, t, e.sqrt_relative, tol);
    cr_assert(e.spectral <= 2.0 * tol, "%s at t %g: whitening error %.3e", c->name, t, e.spectral);
    wh_flow_free(f);
}

Test(flow, noncommuting_starts_stay_spd_and_reach_sqrt_c)
{
    double *C = covariance_of(4, lambda4, true, 3);
    /* Slowest rates: 2 / sqrt(lambda_max) = 0.67 (direct), 4 (interneurons). */
    check_reaches_sqrt(&cases[0], C, 60.0, 1e-9);
    check_reaches_sqrt(&cases[1], C, 10.0, 1e-9);
    check_reaches_sqrt(&cases[2], C, 10.0, 1e-9);
    free(C);
}

/* The convergence time is root-found inside a step, not read off the step grid. */
Test(flow, convergence_time_is_located_inside_the_step)
{
    double *C = covariance_of(4, lambda4, true, 3);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        wh_flow *f = rotated_flow(&cases[c], C);
        double T;
        assert_status(wh_flow_converge(f, 1e6, &T), WH_OK);
        cr_assert_gt(wh_flow_time(f), T, "%s: flow should stop at the end of the step",
                     cases[c].name);
        cr_assert_eq(wh_flow_convergence_time(f), T);
        wh_flow_reset(f);
        cr_assert(isnan(wh_flow_convergence_time(f)));
        assert_status(wh_flow_evolve(f, T), WH_OK);
        cr_assert(fabs(wh_flow_error(f) - 0.01) <= 1e-9,
                  "%s: error at T_eps %.15g, want 0.01 (tol 1e-9)", cases[c].name,
                  wh_flow_error(f));
        /* Just before T the error is still above eps (first passage). */
        wh_flow_reset(f);
        assert_status(wh_flow_evolve(f, T * (1.0 - 1e-6)), WH_OK);
        cr_assert_gt(wh_flow_error(f), 0.01);
        wh_flow_free(f);
    }
    free(C);
}

/* ---- the population recursion follows the flow as eta -> 0 ---- */

static double population_gap(const flow_case *c, const double *C, double eta, double t)
{
    wh_net_options no;
    wh_net_options_default(&no);
    no.kind = c->kind;
    no.n = 4;
    no.k = 6;
    no.eta = eta;
    no.init = (wh_init){.kind = WH_INIT_ROTATED, .alpha = 2.385, .spread = spread4, .seed = 29};
    wh_net *net = NULL;
    assert_status(wh_net_new(&no, &net), WH_OK);
    const uint64_t steps = (uint64_t)llround(t / eta);
    for (uint64_t s = 0; s < steps; s++)
        assert_status(wh_net_step_expected(net, C, 4, NULL), WH_OK);
    wh_flow *f = rotated_flow(c, C);
    assert_status(wh_flow_evolve(f, t), WH_OK);
    const double d = wh_test_rel_diff(4, 4, wh__net_lateral(net), 4, wh_flow_lateral(f), 4);
    wh_flow_free(f);
    wh_net_free(net);
    return d;
}

Test(flow, population_recursion_tracks_the_flow_at_rate_eta)
{
    double *C = covariance_of(4, lambda4, true, 3);
    for (size_t c = 0; c < 2; c++) {
        const double g2 = population_gap(&cases[c], C, 1e-2, 1.5);
        const double g3 = population_gap(&cases[c], C, 1e-3, 1.5);
        const double g4 = population_gap(&cases[c], C, 1e-4, 1.5);
        cr_log_info("%s: |M_pop - M(t)| / |M(t)| at t 1.5: %.3e, %.3e, %.3e for eta 1e-2..1e-4",
                    cases[c].name, g2, g3, g4);
        cr_assert(g3 / g2 >= 0.07 && g3 / g2 <= 0.13, "%s: gap ratio %.4f for eta 1e-3/1e-2",
                  cases[c].name, g3 / g2);
        cr_assert(g4 / g3 >= 0.07 && g4 / g3 <= 0.13, "%s: gap ratio %.4f for eta 1e-4/1e-3",
                  cases[c].name, g4 / g3);
    }
    free(C);
}

/* First passage of the population run: samples and eta x samples, near T_eps of the flow. */
Test(flow, population_first_passage_approaches_flow_time)
{
    const double lambda[] = {0.5, 2.0, 8.0};
    double *C = covariance_of(3, lambda, true, 5);
    wh_metrics *m = NULL;
    assert_status(wh_metrics_new(3, C, 3, &m), WH_OK);
    const double T = numerical_time(&cases[1], C, 3, 20.0);
    double last = INFINITY;
    for (double eta = 1e-2; eta > 5e-5; eta /= 10.0) {
        wh_net *net = wh_test_net(WH_NET_INTERNEURON, 3, 3, eta, 20.0);
        wh_passage p;
        assert_status(wh_passage_init(&p, 0.01), WH_OK);
        wh_errors e;
        for (uint64_t s = 0; !p.reached && s < 100000; s++) {
            assert_status(wh_metrics_eval(m, wh__net_lateral(net), 3, &e), WH_OK);
            if (!wh_passage_observe(&p, wh_net_samples(net), eta, e.spectral))
                assert_status(wh_net_step_expected(net, C, 3, NULL), WH_OK);
        }
        cr_assert(p.reached);
        cr_assert_eq(p.time, eta * (double)p.samples);
        cr_assert(!wh_passage_observe(&p, p.samples + 1, eta, 0.0),
                  "only the first passage counts");
        const double gap = fabs(p.time - T);
        cr_assert(gap <= 0.2 * last + eta, "eta %g: passage time %.8g vs flow %.8g", eta, p.time,
                  T);
        cr_assert(gap <= 5.0 * eta * T, "eta %g: passage time %.8g vs flow %.8g", eta, p.time, T);
        last = gap;
        wh_net_free(net);
    }
    wh_metrics_free(m);
    free(C);
}

/*
 * Convergence as a stay below eps: a dip that comes back up does not count; the
 * stay that lasts the window does, dated from its start; window 0 is first passage.
 */
Test(flow, passage_window_ignores_dips)
{
    const double errors[] = {0.9, 0.38, 0.52, 0.31, 0.29, 0.41, 0.33, 0.27, 0.30, 0.28, 0.45};
    wh_passage first, stay;
    assert_status(wh_passage_init(&first, 0.4), WH_OK);
    assert_status(wh_passage_init_window(&stay, 0.4, 300), WH_OK);
    assert_status(wh_passage_init_window(&stay, -0.4, 300), WH_EINVAL);
    assert_status(wh_passage_init_window(&stay, 0.4, 300), WH_OK);
    for (size_t i = 0; i < sizeof errors / sizeof *errors; i++) {
        wh_passage_observe(&first, 100 * i, 1e-3, errors[i]);
        wh_passage_observe(&stay, 100 * i, 1e-3, errors[i]);
    }
    cr_assert(first.reached && first.samples == 100, "first passage at %llu",
              (unsigned long long)first.samples);
    /* Below 0.4 from sample 600 to 900 (300 samples); the 0.45 at 1000 comes too late. */
    cr_assert(stay.reached && stay.samples == 600, "stay from %llu",
              (unsigned long long)stay.samples);
    cr_assert_float_eq(stay.time, 0.6, 1e-15);
}

/* ---- extreme starts finish, or stop with a status that names the reason ---- */

Test(flow, extreme_starts)
{
    double *C = wh_test_covariance(5, 1e-3, 1e3, 17); /* a spectrum 10^6 wide */
    double lambda[5], m0[5];
    for (size_t i = 0; i < 5; i++) {
        lambda[i] = 1e-3 * pow(1e6, (double)i / 4.0);
        m0[i] = 1e-3;
    }
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        wh_flow_options o = options_for(&cases[c], 5, C, 1e-3);
        wh_flow *f = new_flow(&o);
        double T, T_closed;
        assert_status(wh_flow_converge(f, 1e7, &T), WH_OK);
        assert_status(wh_flow_closed_time(cases[c].kind, 5, lambda, m0, 0.01, &T_closed), WH_OK);
        cr_assert(rel(T, T_closed) <= 1e-6, "%s: T_eps %.15g, closed form %.15g (tol 1e-6)",
                  cases[c].name, T, T_closed);
        wh_flow_free(f);
    }
    free(C);
}

Test(flow, stops_name_their_reason)
{
    double *C = wh_test_covariance(3, 0.1, 10.0, 2);
    wh_flow_options o = options_for(&cases[0], 3, C, 1e3);
    wh_flow *f = new_flow(&o);
    double T = 0.0;
    assert_status(wh_flow_converge(f, 50.0, &T), WH_ETMAX);
    cr_assert(isnan(T));
    cr_assert_eq(wh_flow_time(f), 50.0);
    cr_assert_str_eq(wh_status_name(WH_ETMAX), "WH_ETMAX");
    wh_flow_free(f);

    o.max_steps = 3;
    f = new_flow(&o);
    assert_status(wh_flow_converge(f, 1e6, &T), WH_EMAXSTEPS);
    assert_status(wh_flow_evolve(f, 900.0), WH_EMAXSTEPS);
    cr_assert_str_eq(wh_status_name(WH_EMAXSTEPS), "WH_EMAXSTEPS");
    wh_flow_free(f);

    /* A tolerance below rounding is refused up front rather than crawling at h ~ 1e-280. */
    o.max_steps = 1000000;
    o.rtol = 1e-16;
    assert_status(wh_flow_new(&o, &f), WH_EINVAL);
    cr_assert_null(f);
    free(C);
}

/* ---- every refusal, and out-of-memory at every allocation ---- */

Test(flow, refuses_bad_options)
{
    double *C = wh_test_covariance(3, 0.1, 10.0, 2);
    wh_flow_options o = options_for(&cases[0], 3, C, 1.0);
    static char dummy;
    wh_flow *f = (wh_flow *)(void *)&dummy; /* must be reset to NULL on failure */
    assert_status(wh_flow_new(NULL, &f), WH_EINVAL);
    cr_assert_null(f);
    assert_status(wh_flow_new(&o, NULL), WH_EINVAL);
    wh_flow_options b;
    b = o, b.covariance = NULL;
    assert_status(wh_flow_new(&b, &f), WH_EINVAL);
    b = o, b.closed_lateral = true;
    assert_status(wh_flow_new(&b, &f), WH_EINVAL);
    b = o, b.rtol = 0.0;
    assert_status(wh_flow_new(&b, &f), WH_EINVAL);
    b = o, b.rtol = NAN;
    assert_status(wh_flow_new(&b, &f), WH_ENONFINITE);
    b = o, b.atol = -1e-9;
    assert_status(wh_flow_new(&b, &f), WH_EINVAL);
    b = o, b.eps = 0.0;
    assert_status(wh_flow_new(&b, &f), WH_EINVAL);
    b = o, b.max_steps = 0;
    assert_status(wh_flow_new(&b, &f), WH_EINVAL);
    b = o, b.n = 0;
    assert_status(wh_flow_new(&b, &f), WH_EDIM);
    b = o, b.ldc = 2;
    assert_status(wh_flow_new(&b, &f), WH_EINVAL);
    b = o, b.kind = (wh_net_kind)7;
    assert_status(wh_flow_new(&b, &f), WH_EINVAL);
    b = o, b.kind = WH_NET_INTERNEURON, b.k = 2;
    assert_status(wh_flow_new(&b, &f), WH_EINTERNEURONS);
    b = o, b.init.alpha = -1.0;
    assert_status(wh_flow_new(&b, &f), WH_ENOTPD);
    b = o, b.init.kind = WH_INIT_ROTATED, b.init.spread = NULL;
    assert_status(wh_flow_new(&b, &f), WH_EINVAL);
    double bad[9];
    memcpy(bad, C, sizeof bad);
    bad[0] = -5.0;
    b = o, b.covariance = bad;
    assert_status(wh_flow_new(&b, &f), WH_ENOTPD);
    bad[1] += 1.0;
    assert_status(wh_flow_new(&b, &f), WH_ENOTSYM);
    cr_assert_null(f);
    wh_flow_free(NULL);
    free(C);
}

Test(flow, refuses_bad_calls)
{
    double *C = wh_test_covariance(2, 0.5, 3.0, 4);
    wh_flow_options o = options_for(&cases[1], 2, C, 3.0);
    wh_flow *f = new_flow(&o);
    assert_status(wh_flow_step(f, 0.0, NULL), WH_EINVAL);
    assert_status(wh_flow_step(f, INFINITY, NULL), WH_EINVAL);
    assert_status(wh_flow_evolve(f, 0.5), WH_OK);
    assert_status(wh_flow_evolve(f, 0.25), WH_EINVAL);
    assert_status(wh_flow_evolve(f, NAN), WH_EINVAL);
    assert_status(wh_flow_converge(f, 10.0, NULL), WH_EINVAL);
    wh_flow_step_info info;
    assert_status(wh_flow_step(f, 0.75, &info), WH_OK);
    cr_assert_eq(info.t, wh_flow_time(f));
    cr_assert_gt(info.h, 0.0);
    cr_assert_eq(info.error, wh_flow_error(f));
    cr_assert_eq(wh_flow_n(f), 2);
    cr_assert_eq(wh_flow_k(f), 4);
    wh_flow_free(f);
    double m = 0.0, t = 0.0;
    assert_status(wh_flow_mode(WH_NET_DIRECT, 0.0, 1.0, 1.0, &m), WH_EINVAL);
    assert_status(wh_flow_mode(WH_NET_DIRECT, 1.0, -1.0, 1.0, &m), WH_EINVAL);
    assert_status(wh_flow_mode(WH_NET_DIRECT, 1.0, 1.0, -1.0, &m), WH_EINVAL);
    assert_status(wh_flow_mode(WH_NET_INTERNEURON, 1.0, 1.0, NAN, &m), WH_EINVAL);
    assert_status(wh_flow_mode((wh_net_kind)5, 1.0, 1.0, 1.0, &m), WH_EINVAL);
    assert_status(wh_flow_mode_time(WH_NET_DIRECT, 1.0, 2.0, 0.0, &t), WH_EINVAL);
    assert_status(wh_flow_closed_time(WH_NET_DIRECT, 0, &m, &m, 0.01, &t), WH_EINVAL);
    wh_passage p;
    assert_status(wh_passage_init(&p, 0.0), WH_EINVAL);
    assert_status(wh_passage_init(&p, NAN), WH_EINVAL);
    free(C);
}

Test(flow, cleans_up_after_every_failed_allocation)
{
    double *C = wh_test_covariance(3, 0.1, 10.0, 2);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        wh_flow_options o = options_for(&cases[c], 3, C, 2.0);
        wh_flow *f = NULL;
        size_t nth = 0;
        for (;; nth++) {
            wh__alloc_fail_at(nth);
            wh_status st = wh_flow_new(&o, &f);
            const bool fired = !wh__alloc_armed();
            wh__alloc_fail_at(WH__ALLOC_NEVER);
            if (!fired) {
                assert_status(st, WH_OK);
                break;
            }
            assert_status(st, WH_ENOMEM);
            cr_assert_null(f);
        }
        cr_assert_gt(nth, 5, "%s: only %zu allocations", cases[c].name, nth);
        double T;
        assert_status(wh_flow_converge(f, 1e3, &T), WH_OK);
        wh_flow_free(f);
    }
    free(C);
}

/* ---- failure paths of a step and of the crossing search (white-box: flow/flow.h) ---- */

/*
 * A step that GSL cannot take changes nothing: the time, the state, the error and the
 * step count are those from before, and evolve and converge pass the status on. The state
 * is made one whose M is not positive definite (M[0][0] = -1, packed entry 0), on which
 * the field fails at every trial step, as it would on a flow that had left the cone.
 * (GSL puts y back itself when it gives up; this checks the contract as a caller sees
 * it, time, error and count included, whoever keeps it.)
 */
Test(flow, a_failed_step_changes_nothing)
{
    double *C = wh_test_covariance(3, 0.1, 10.0, 2);
    wh_flow_options o = options_for(&cases[0], 3, C, 0.137);
    wh_flow *f = new_flow(&o);
    assert_status(wh_flow_step(f, 1.0, NULL), WH_OK);
    f->y[0] = -1.0;
    wh__flow_lateral_of(f, f->y, f->M); /* a consistent flow, if not a positive definite one */
    double y[6], M[9];
    memcpy(y, f->y, sizeof y);
    memcpy(M, wh_flow_lateral(f), sizeof M);
    const double t = wh_flow_time(f), error = wh_flow_error(f);
    const uint64_t steps = wh_flow_steps(f);
    wh_flow_step_info info = {.t = -1.0};
    assert_status(wh_flow_step(f, 2.0, &info), WH_EDIVERGED);
    cr_assert_eq(info.t, -1.0, "a failed step wrote its info");
    assert_status(wh_flow_evolve(f, 3.0), WH_EDIVERGED);
    double t_eps = 0.0;
    assert_status(wh_flow_converge(f, 10.0, &t_eps), WH_EDIVERGED);
    cr_assert(isnan(t_eps));
    cr_assert_eq(wh_flow_time(f), t);
    cr_assert_eq(wh_flow_error(f), error);
    cr_assert_eq(wh_flow_steps(f), steps);
    cr_assert(memcmp(f->y, y, sizeof y) == 0, "a failed step left another state");
    cr_assert(memcmp(wh_flow_lateral(f), M, sizeof M) == 0, "a failed step left another M");
    wh_flow_free(f);
    free(C);
}

/*
 * Where a step below the resolution of the time is needed (t = 1e30: one ulp is 1.4e14,
 * and the flow, far from white, needs steps of order 1e-4), no step is possible: the
 * tolerance cannot be met by any step that moves t. Refused, state kept, rather than a
 * step reported done that did not move.
 */
Test(flow, a_step_below_the_resolution_of_time_is_refused)
{
    double *C = wh_test_covariance(3, 0.1, 10.0, 2);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        wh_flow_options o = options_for(&cases[c], 3, C, 0.137);
        wh_flow *f = new_flow(&o);
        f->t = f->t_prev = 1e30;
        const double error = wh_flow_error(f);
        assert_status(wh_flow_step(f, 2e30, NULL), WH_ESTEPSIZE);
        cr_assert_eq(wh_flow_time(f), 1e30, "%s: the time moved", cases[c].name);
        cr_assert_eq(wh_flow_error(f), error, "%s", cases[c].name);
        assert_status(wh_flow_evolve(f, 2e30), WH_ESTEPSIZE);
        cr_assert_eq(wh_flow_steps(f), 0, "%s", cases[c].name);
        wh_flow_free(f);
    }
    free(C);
}

/* A flow in the middle of a step from M0 = alpha I to time dt, as wh_flow_step leaves it
 * before it looks for the crossing: start and end of the step in y_prev, t_prev and y, t. */
static wh_flow *flow_after_step(const double *C, double alpha, double dt)
{
    wh_flow_options o = options_for(&cases[0], 3, C, alpha);
    wh_flow *f = new_flow(&o);
    memcpy(f->y_prev, f->y, f->dim * sizeof *f->y);
    f->t_prev = 0.0;
    f->t = dt;
    return f;
}

/*
 * The crossing search's ends: an error already within eps at the start of the step puts
 * the crossing there, and one still above eps at its end puts it at the end (the
 * re-stepped ends may differ from the accepted step in their last bits, so either may
 * happen by rounding when wh_flow_step asks).
 */
Test(flow, crossing_search_puts_a_crossing_outside_the_step_at_its_end)
{
    double *C = wh_test_covariance(3, 0.1, 10.0, 2);
    wh_flow *f = flow_after_step(C, 0.137, 1e-3);
    double crossing = NAN;
    f->eps = 2.0 * wh_flow_error(f);
    assert_status(wh__flow_locate_crossing(f, &crossing), WH_OK);
    cr_assert_eq(crossing, 0.0, "crossing %g, want the start of the step", crossing);
    f->eps = 1e-300;
    assert_status(wh__flow_locate_crossing(f, &crossing), WH_OK);
    cr_assert_eq(crossing, 1e-3, "crossing %g, want the end of the step", crossing);
    wh_flow_free(f);
    free(C);
}

/*
 * The search's failures are reported, not hidden in a crossing time: a start whose M is
 * not positive definite (the field fails there), and a trial step that leaves the cone
 * (M0 = 30 I against eigenvalues of at most 10 decays at rate about 1, so one rk8pd step
 * of length 1000 takes its stages through M < 0).
 */
Test(flow, crossing_search_reports_its_failures)
{
    double *C = wh_test_covariance(3, 0.1, 10.0, 2);
    double crossing = 7.0;
    wh_flow *f = flow_after_step(C, 0.137, 1e-3);
    f->eps = 1e-300;
    f->y_prev[0] = -1.0;
    assert_status(wh__flow_locate_crossing(f, &crossing), WH_EDIVERGED);
    wh_flow_free(f);
    f = flow_after_step(C, 30.0, 1e3);
    f->eps = 1e-300;
    assert_status(wh__flow_locate_crossing(f, &crossing), WH_EDIVERGED);
    cr_assert_eq(crossing, 7.0, "a failed search wrote a crossing");
    wh_flow_free(f);
    free(C);
}
