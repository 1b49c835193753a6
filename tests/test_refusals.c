/*
 * test_refusals.c: every input the library must refuse, provoked on purpose.
 */
#include <math.h>
#include <string.h>

#include "support.h"
#include "net/view.h"

static wh_net_options base(wh_net_kind kind)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = kind;
    o.n = 3;
    return o;
}

static wh_status try_new(const wh_net_options *o)
{
    wh_net *net = (wh_net *)&net; /* a non-NULL value the call must overwrite */
    wh_status st = wh_net_new(o, &net);
    if (st != WH_OK)
        cr_assert_null(net, "a failed wh_net_new left *out non-NULL");
    wh_net_free(net);
    return st;
}

Test(refusals, sizes)
{
    wh_net_options o = base(WH_NET_DIRECT);
    o.n = 0;
    assert_status(try_new(&o), WH_EDIM);
    o = base(WH_NET_INTERNEURON);
    o.k = 2;
    assert_status(try_new(&o), WH_EINTERNEURONS);
    o.k = 3;
    assert_status(try_new(&o), WH_OK);
    o.n = 100000;
    o.k = 100000;
    assert_status(try_new(&o), WH_EDIM);
}

Test(refusals, learning_rate_outside_the_open_unit_interval)
{
    const double bad[] = {0.0, 1.0, -0.1, 1.5, NAN, INFINITY};
    wh_net_options o = base(WH_NET_INTERNEURON);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        o.eta = bad[i];
        assert_status(try_new(&o), WH_EETA);
    }
    o.eta = 0.999;
    assert_status(try_new(&o), WH_OK);
}

Test(refusals, missing_arguments_and_unknown_kinds)
{
    wh_net *net = NULL;
    assert_status(wh_net_new(NULL, &net), WH_EINVAL);
    wh_net_options o = base(WH_NET_DIRECT);
    assert_status(wh_net_new(&o, NULL), WH_EINVAL);
    o.kind = (wh_net_kind)7;
    assert_status(try_new(&o), WH_EINVAL);
    o = base(WH_NET_DIRECT);
    o.init.kind = (wh_init_kind)9;
    assert_status(try_new(&o), WH_EINVAL);
    o = base(WH_NET_DIRECT);
    o.neural.mode = (wh_neural_mode)5;
    assert_status(try_new(&o), WH_EINVAL);
}

Test(refusals, initial_scale_and_spread)
{
    wh_net_options o = base(WH_NET_DIRECT);
    o.init.alpha = 0.0;
    assert_status(try_new(&o), WH_ENOTPD);
    o.init.alpha = -2.0;
    assert_status(try_new(&o), WH_ENOTPD);
    o.init.alpha = NAN;
    assert_status(try_new(&o), WH_ENONFINITE);
    o = base(WH_NET_DIRECT);
    o.init.kind = WH_INIT_ROTATED;
    assert_status(try_new(&o), WH_EINVAL); /* no spread */
    const double spread[3] = {1.0, -0.5, 2.0};
    o.init.spread = spread;
    assert_status(try_new(&o), WH_ENOTPD);
}

Test(refusals, user_M0_not_symmetric_or_not_positive_definite)
{
    const double asym[9] = {2.0, 0.5, 0.0, 0.4, 2.0, 0.0, 0.0, 0.0, 2.0};
    const double indefinite[9] = {1.0, 2.0, 0.0, 2.0, 1.0, 0.0, 0.0, 0.0, 1.0};
    const double with_nan[9] = {1.0, 0.0, 0.0, 0.0, NAN, 0.0, 0.0, 0.0, 1.0};
    for (int kind = 0; kind < 2; kind++) {
        wh_net_options o = base((wh_net_kind)kind);
        o.init.kind = WH_INIT_MATRIX;
        assert_status(try_new(&o), WH_EINVAL); /* no matrix */
        o.init.matrix = asym;
        assert_status(try_new(&o), WH_ENOTSYM);
        o.init.matrix = indefinite;
        assert_status(try_new(&o), WH_ENOTPD);
        o.init.matrix = with_nan;
        assert_status(try_new(&o), WH_ENONFINITE);
    }
}

Test(refusals, rank_deficient_W0_and_W0_for_the_direct_network)
{
    /* Rows 1 and 3 are parallel: rank 2 < n = 3. */
    const double W0[12] = {1, 2, 0, 1, 0, 1, 1, 0, 2, 4, 0, 2};
    wh_net_options o = base(WH_NET_INTERNEURON);
    o.k = 4;
    o.init.kind = WH_INIT_WEIGHTS;
    o.init.matrix = W0;
    assert_status(try_new(&o), WH_ERANK);
    o = base(WH_NET_DIRECT);
    o.init.kind = WH_INIT_WEIGHTS;
    o.init.matrix = W0;
    assert_status(try_new(&o), WH_EINVAL);
}

Test(refusals, simulated_dynamics_options)
{
    wh_net_options o = base(WH_NET_DIRECT);
    o.neural.mode = WH_NEURAL_SIMULATED;
    o.neural.tol = 0.0;
    assert_status(try_new(&o), WH_EINVAL);
    o.neural.tol = 1e-10;
    o.neural.max_iter = 0;
    assert_status(try_new(&o), WH_EINVAL);
    o.neural.max_iter = 10;
    o.neural.gamma = -1.0;
    assert_status(try_new(&o), WH_EINVAL);
    o.neural.gamma = 0.0;
    o.neural.interneuron_dynamics = true; /* the direct network has no interneurons */
    assert_status(try_new(&o), WH_EINVAL);
}

Test(refusals, non_finite_sample_changes_nothing)
{
    for (int kind = 0; kind < 2; kind++) {
        wh_net *net = wh_test_net((wh_net_kind)kind, 3, 4, 0.1, 1.3);
        double M[9], y[3] = {7, 7, 7};
        memcpy(M, wh__net_lateral(net), sizeof M);
        const double x[3] = {1.0, NAN, 0.5}, xi[3] = {INFINITY, 0.0, 0.5};
        wh_step_info info;
        assert_status(wh_net_step(net, x, y, NULL, &info), WH_ENONFINITE);
        assert_status(wh_net_step(net, xi, y, NULL, &info), WH_ENONFINITE);
        cr_assert_eq(info.sample, 0);
        cr_assert_eq(wh_net_samples(net), 0);
        cr_assert(memcmp(M, wh__net_lateral(net), sizeof M) == 0);
        cr_assert_eq(y[0], 7.0, "outputs written on failure");
        wh_net_free(net);
    }
}

Test(refusals, neural_dynamics_that_cannot_settle_in_time)
{
    wh_net_options o = base(WH_NET_DIRECT);
    o.init.alpha = 2.385;
    o.neural.mode = WH_NEURAL_SIMULATED;
    o.neural.max_iter = 3;
    o.neural.tol = 1e-12;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    /* With M = alpha I, gamma = 1/alpha reaches the equilibrium in one step: too easy. */
    wh_net_free(net);
    const double M0[9] = {3.0, 0.2, 0.1, 0.2, 0.4, 0.0, 0.1, 0.0, 1.0};
    o.init.kind = WH_INIT_MATRIX;
    o.init.matrix = M0;
    assert_status(wh_net_new(&o, &net), WH_OK);
    const double x[3] = {1.0, -2.0, 0.5};
    wh_step_info info;
    assert_status(wh_net_step(net, x, NULL, NULL, &info), WH_ENOCONV);
    cr_assert_eq(info.iterations, 3);
    cr_assert_eq(wh_net_samples(net), 0);
    cr_assert(memcmp(M0, wh__net_lateral(net), sizeof M0) == 0);
    /* An unstable step size diverges instead of settling; that is reported too. */
    wh_net_free(net);
    o.neural.max_iter = 100000;
    o.neural.gamma = 1.0; /* > 2 / lambda_max(M0) */
    assert_status(wh_net_new(&o, &net), WH_OK);
    assert_status(wh_net_step(net, x, NULL, NULL, &info), WH_ENOCONV);
    wh_net_free(net);
}

Test(refusals, sources_and_spectra)
{
    wh_source *src = NULL;
    wh_source_options so;
    wh_source_options_default(&so);
    so.n = 2;
    assert_status(wh_source_new(&so, &src), WH_EINVAL); /* no covariances */
    const double asym[4] = {1.0, 0.5, 0.4, 1.0}, indefinite[4] = {1.0, 2.0, 2.0, 1.0};
    const double nonfinite[4] = {1.0, 0.0, 0.0, INFINITY};
    so.covariances = asym;
    assert_status(wh_source_new(&so, &src), WH_ENOTSYM);
    so.covariances = indefinite;
    assert_status(wh_source_new(&so, &src), WH_ENOTPD);
    so.covariances = nonfinite;
    assert_status(wh_source_new(&so, &src), WH_ENONFINITE);
    so.n = 0;
    assert_status(wh_source_new(&so, &src), WH_EDIM);
    cr_assert_null(src);

    double C[4];
    wh_spectrum spec = {.n = 2, .lo = 0.0, .hi = 1.0};
    assert_status(wh_covariance_from_spectrum(&spec, C, 2), WH_ENOTPD);
    spec.lo = 2.0;
    assert_status(wh_covariance_from_spectrum(&spec, C, 2), WH_ENOTPD); /* hi < lo */
    const double lambda[2] = {1.0, -1.0};
    spec.eigenvalues = lambda;
    assert_status(wh_covariance_from_spectrum(&spec, C, 2), WH_ENOTPD);
    assert_status(wh_covariance_from_spectrum(&spec, C, 1), WH_EINVAL); /* ldc < n */
    spec.n = 0;
    assert_status(wh_covariance_from_spectrum(&spec, C, 2), WH_EDIM);
}

Test(refusals, metrics_and_running_covariance)
{
    wh_metrics *m = NULL;
    const double C[4] = {2.0, 0.0, 0.0, -1.0}, good[4] = {2.0, 0.1, 0.1, 1.0};
    assert_status(wh_metrics_new(2, C, 2, &m), WH_ENOTPD);
    assert_status(wh_metrics_new(0, C, 2, &m), WH_EDIM);
    assert_status(wh_metrics_new(2, NULL, 2, &m), WH_EINVAL);
    assert_status(wh_metrics_new(2, good, 2, &m), WH_OK);
    wh_errors e;
    const double indefinite[4] = {1.0, 2.0, 2.0, 1.0};
    assert_status(wh_metrics_eval(m, indefinite, 2, &e), WH_ENOTPD);
    assert_status(wh_metrics_set_covariance(m, C, 2), WH_ENOTPD);
    wh_metrics_free(m);

    wh_running_cov *rc = NULL;
    assert_status(wh_running_cov_new(2, 0.5, &rc), WH_EINVAL);
    assert_status(wh_running_cov_new(2, NAN, &rc), WH_EINVAL);
    assert_status(wh_running_cov_new(2, 1e16, &rc), WH_EINVAL); /* 1 - 1/window rounds to 1 */
    assert_status(wh_running_cov_new(2, 10.0, &rc), WH_OK);
    assert_status(wh_running_cov_errors(rc, &e), WH_EINVAL); /* nothing folded in yet */
    /* A NaN output must not read as perfect whitening. */
    const double bad[2] = {NAN, 0.0}, fine[2] = {1.0, -0.5};
    wh_running_cov_update(rc, bad);
    wh_running_cov_update(rc, fine);
    assert_status(wh_running_cov_errors(rc, &e), WH_ENONFINITE);
    wh_running_cov_free(rc);
}

Test(status, every_status_has_its_own_name_and_message)
{
    for (int i = 0; i < (int)WH_STATUS_COUNT; i++) {
        const char *name = wh_status_name((wh_status)i), *msg = wh_status_message((wh_status)i);
        cr_assert(name != NULL && strncmp(name, "WH_", 3) == 0 && strcmp(name, "WH_UNKNOWN") != 0,
                  "status %d has no name", i);
        cr_assert(msg != NULL && msg[0] != '\0' && strcmp(msg, "unknown status") != 0,
                  "status %d has no message", i);
        for (int j = 0; j < i; j++) {
            cr_assert_str_neq(name, wh_status_name((wh_status)j));
            cr_assert_str_neq(msg, wh_status_message((wh_status)j));
        }
    }
    cr_assert_str_eq(wh_status_name(WH_STATUS_COUNT), "WH_UNKNOWN");
    cr_assert_str_eq(wh_status_name((wh_status)-1), "WH_UNKNOWN");
}

Test(misc, free_accepts_NULL)
{
    wh_net_free(NULL);
    wh_source_free(NULL);
    wh_metrics_free(NULL);
    wh_running_cov_free(NULL);
}

/* wh_net_step_expected takes only a covariance: a C that is not symmetric, not positive
 * definite or not finite is refused with nothing changed, on every circuit and path; a
 * good one moves M = I to the closed form I + eta (C - I) (M^{-1} C M^{-1} = C at M = I). */
Test(refusals, expected_step_refuses_a_C_that_is_no_covariance)
{
    const double good[9] = {2.385, 0.5, -0.25, 0.5, 1.75, 0.125, -0.25, 0.125, 0.625};
    const double skew[9] = {2.385, 0.5, -0.25, 0.375, 1.75, 0.125, -0.25, 0.125, 0.625};
    const double indefinite[9] = {2.385, 0.5, 0.0, 0.5, -0.75, 0.0, 0.0, 0.0, 1.0};
    const double nonfinite[9] = {2.385, 0.5, 0.0, 0.5, NAN, 0.0, 0.0, 0.0, 1.0};
    const struct {
        wh_net_kind kind;
        wh_solver solver;
    } paths[] = {{WH_NET_DIRECT, WH_SOLVER_EXACT},      {WH_NET_DIRECT, WH_SOLVER_FAST},
                 {WH_NET_INTERNEURON, WH_SOLVER_EXACT}, {WH_NET_INTERNEURON, WH_SOLVER_FAST},
                 {WH_NET_GAIN, WH_SOLVER_EXACT},        {WH_NET_GAIN_SYNAPSE, WH_SOLVER_EXACT}};
    const double eta = 0.0375;
    for (size_t p = 0; p < sizeof paths / sizeof *paths; p++) {
        wh_net_options o = base(paths[p].kind);
        o.solver = paths[p].solver;
        o.eta = eta;
        wh_net *net = NULL;
        assert_status(wh_net_new(&o, &net), WH_OK);
        double before[9];
        memcpy(before, wh__net_lateral(net), sizeof before);
        assert_status(wh_net_step_expected(net, skew, 3, NULL), WH_ENOTSYM);
        assert_status(wh_net_step_expected(net, indefinite, 3, NULL), WH_ENOTPD);
        assert_status(wh_net_step_expected(net, nonfinite, 3, NULL), WH_ENONFINITE);
        assert_status(wh_net_step_expected(net, good, 2, NULL), WH_EINVAL);
        cr_assert_eq(wh_net_samples(net), 0, "path %zu: a refused C was counted", p);
        cr_assert(memcmp(before, wh__net_lateral(net), sizeof before) == 0,
                  "path %zu: a refused C changed M", p);
        if (paths[p].kind == WH_NET_DIRECT) {
            assert_status(wh_net_step_expected(net, good, 3, NULL), WH_OK);
            const double *M = wh__net_lateral(net);
            for (size_t i = 0; i < 9; i++)
                assert_close(M[i], (i % 4 == 0 ? 1.0 : 0.0) + eta * (good[i] - (i % 4 == 0)),
                             1e-15);
        }
        wh_net_free(net);
    }
}

/* n has no default: left unset it is refused, naming "n"; and every refusal of
 * wh_net_new names its field through wh_net_options_check (one row per field). */
static void bad_n(wh_net_options *o) { o->n = 0; }
static void bad_k(wh_net_options *o) { o->kind = WH_NET_INTERNEURON, o->k = 2; }
static void bad_kind(wh_net_options *o) { o->kind = (wh_net_kind)17; }
static void bad_eta(wh_net_options *o) { o->eta = 1.5; }
static void bad_solver(wh_net_options *o) { o->solver = (wh_solver)9; }
static void bad_tau(wh_net_options *o) { o->schedule = (wh_schedule){WH_SCHEDULE_DECAY, -1, 1, 0}; }
static void bad_gamma(wh_net_options *o) { o->schedule = (wh_schedule){WH_SCHEDULE_DECAY, 9, 2, 0}; }
static void bad_mode(wh_net_options *o) { o->neural.mode = (wh_neural_mode)5; }
static void bad_tol(wh_net_options *o) { o->neural.mode = WH_NEURAL_SIMULATED, o->neural.tol = 0; }
static void bad_alpha(wh_net_options *o) { o->init.alpha = -2.385; }
static void bad_spread(wh_net_options *o) { o->init.kind = WH_INIT_ROTATED; }
static void bad_matrix(wh_net_options *o) { o->init.kind = WH_INIT_MATRIX; }
static void bad_weights(wh_net_options *o) { o->init.kind = WH_INIT_WEIGHTS; }
static void bad_eta_w(wh_net_options *o) { o->kind = WH_NET_GAIN_SYNAPSE, o->gain.eta_w = 2; }
static void bad_frame(wh_net_options *o) { o->kind = WH_NET_GAIN, o->gain.frame = 42; }

Test(refusals, n_is_required_and_every_refusal_names_its_field)
{
    const struct {
        void (*spoil)(wh_net_options *);
        wh_status status;
        const char *field;
    } rows[] = {
        {bad_n, WH_EDIM, "n"},
        {bad_k, WH_EINTERNEURONS, "k"},
        {bad_kind, WH_EINVAL, "kind"},
        {bad_eta, WH_EETA, "eta"},
        {bad_solver, WH_EINVAL, "solver"},
        {bad_tau, WH_EINVAL, "schedule.tau"},
        {bad_gamma, WH_EINVAL, "schedule.gamma"},
        {bad_mode, WH_EINVAL, "neural.mode"},
        {bad_tol, WH_EINVAL, "neural.tol"},
        {bad_alpha, WH_ENOTPD, "init.alpha"},
        {bad_spread, WH_EINVAL, "init.spread"},
        {bad_matrix, WH_EINVAL, "init.matrix"},
        {bad_weights, WH_EINVAL, "init.kind"},
        {bad_eta_w, WH_EETA, "gain.eta_w"},
        {bad_frame, WH_EINVAL, "gain.frame"},
    };
    wh_net_options o;
    wh_net_options_default(&o);
    cr_assert_eq(o.n, 0, "wh_net_options_default set n = %zu; it must be left unset", o.n);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        o = base(WH_NET_DIRECT);
        rows[i].spoil(&o);
        const char *field = NULL;
        assert_status(try_new(&o), rows[i].status);
        assert_status(wh_net_options_check(&o, &field), rows[i].status);
        cr_assert(field != NULL && strcmp(field, rows[i].field) == 0,
                  "row %zu: field '%s', want '%s'", i, field != NULL ? field : "(null)",
                  rows[i].field);
    }
    const char *field = "unset";
    o = base(WH_NET_INTERNEURON);
    assert_status(wh_net_options_check(&o, &field), WH_OK);
    cr_assert_null(field);
}

/* Option structs that grow (docs/abi.md): the defaults macro passes the caller's sizeof,
 * the library writes only that many bytes and reads only them; a struct never given
 * its defaults (size 0) is refused naming "size", and a longer struct from a newer header
 * is taken when the fields this library does not know are zero, refused when one is set. */
Test(refusals, option_structs_carry_their_size)
{
    struct {
        wh_net_options o;
        double future[2];
    } big;
    memset(&big, 0xAB, sizeof big);
    const size_t older = offsetof(wh_net_options, gain); /* as if gain were a new field */
    wh_net_options_init(&big.o, older);
    cr_assert_eq(big.o.size, older);
    cr_assert_eq(big.o.eta, 1e-3);
    const unsigned char *bytes = (const unsigned char *)&big;
    for (size_t i = older; i < sizeof big; i++)
        cr_assert_eq(bytes[i], 0xAB, "byte %zu beyond the caller's size was written", i);

    wh_net_options_init(&big.o, sizeof big); /* a newer caller: its unknown fields zeroed */
    cr_assert_eq(big.o.size, sizeof big);
    cr_assert_eq(big.future[0], 0.0);
    big.o.n = 3;
    assert_status(try_new(&big.o), WH_OK);
    big.future[1] = 2.385; /* a field this library does not know, set */
    const char *field = NULL;
    assert_status(wh_net_options_check(&big.o, &field), WH_EINVAL);
    cr_assert_str_eq(field, "size");

    wh_net_options o = base(WH_NET_DIRECT);
    cr_assert_eq(o.size, sizeof o);
    o.size = 0; /* filled by hand, never given its defaults */
    assert_status(wh_net_options_check(&o, &field), WH_EINVAL);
    cr_assert_str_eq(field, "size");

    const double C[4] = {2.0, 0.5, 0.5, 1.0};
    wh_flow_options fo;
    wh_flow_options_default(&fo);
    fo.n = 2, fo.covariance = C, fo.size = 0;
    wh_flow *flow = NULL;
    assert_status(wh_flow_new(&fo, &flow), WH_EINVAL);
    fo.size = sizeof fo;
    assert_status(wh_flow_new(&fo, &flow), WH_OK);
    wh_flow_free(flow);

    wh_source_options so;
    wh_source_options_default(&so);
    so.n = 2, so.covariances = C, so.size = 0;
    wh_source *src = NULL;
    assert_status(wh_source_new(&so, &src), WH_EINVAL);
    so.size = sizeof so;
    assert_status(wh_source_new(&so, &src), WH_OK);
    wh_source_free(src);

    wh_context_spec spec;
    wh_context_spec_default(&spec);
    spec.n = 2, spec.contexts = 2, spec.size = 0;
    double Cs[8];
    assert_status(wh_context_family(&spec, NULL, 0, NULL, Cs), WH_EINVAL);
    spec.size = sizeof spec;
    assert_status(wh_context_family(&spec, NULL, 0, NULL, Cs), WH_OK);
}
