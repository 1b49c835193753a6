/*
 * test_null.c: the NULL policy of whiten.h, for every public function.
 *
 * One Test(null, wh_name) per function the headers declare WH_API, named after it:
 * tests/null_complete.sh fails when a declared function has no test here, so a new
 * function cannot be added without deciding its NULL answer. Each test passes NULL
 * for every pointer the function needs, one at a time, with the others valid, and
 * checks the documented answer (whiten.h): WH_EINVAL and nothing changed for a call
 * that returns a status, a no-op for a void call, the neutral value for a query.
 */
#include <math.h>
#include <string.h>

#include "support.h"

#define N 3

static const double C3[N * N] = {2.385, 0.25, 0.0, 0.25, 1.5, -0.125, 0.0, -0.125, 0.75};
static const double X3[N] = {0.5, -1.25, 0.375};

static wh_net *net_of(wh_net_kind kind)
{
    wh_net *net = wh_test_net(kind, N, kind == WH_NET_DIRECT ? 0 : 5, 0.01, 1.0);
    cr_assert_not_null(net);
    return net;
}

static wh_net *gain_net(void)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = WH_NET_GAIN;
    o.n = N;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    return net;
}

static wh_flow *flow_of(void)
{
    wh_flow_options o;
    wh_flow_options_default(&o);
    o.n = N;
    o.covariance = C3;
    wh_flow *f = NULL;
    assert_status(wh_flow_new(&o, &f), WH_OK);
    return f;
}

static wh_source *source_of(void)
{
    wh_source *s = wh_test_source(C3, N, 7);
    cr_assert_not_null(s);
    return s;
}

static wh_center *center_of(void)
{
    wh_center *c = NULL;
    assert_status(wh_center_new(N, 0.0, &c), WH_OK);
    return c;
}

/* A constructor with a NULL out, and with NULL options: WH_EINVAL, *out NULL. */
#define CHECK_NEW(call_null_out, call_null_opts, out)                                              \
    do {                                                                                           \
        assert_status(call_null_out, WH_EINVAL);                                                   \
        out = (void *)&out;                                                                        \
        assert_status(call_null_opts, WH_EINVAL);                                                  \
        cr_assert_null(out);                                                                       \
    } while (0)

/* ---- status, version ---------------------------------------------------------------- */

Test(null, wh_status_name) { cr_assert_str_eq(wh_status_name(WH_EINVAL), "WH_EINVAL"); }
Test(null, wh_status_message) { cr_assert_not_null(wh_status_message((wh_status)999)); }
Test(null, wh_version) { cr_assert_not_null(wh_version()); }

/* ---- network ------------------------------------------------------------------------ */

Test(null, wh_schedule_eta) { cr_assert_eq(wh_schedule_eta(NULL, 0.25, 1000), 0.25); }

Test(null, wh_net_options_default) { (wh_net_options_default)(NULL); }
Test(null, wh_net_options_init) { wh_net_options_init(NULL, sizeof(wh_net_options)); }

Test(null, wh_net_new)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.n = N;
    wh_net *net;
    CHECK_NEW(wh_net_new(&o, NULL), wh_net_new(NULL, &net), net);
}

Test(null, wh_net_free) { wh_net_free(NULL); }

Test(null, wh_net_options_check)
{
    const char *field = "unset";
    assert_status(wh_net_options_check(NULL, &field), WH_EINVAL);
    cr_assert_null(field);
    wh_net_options o;
    wh_net_options_default(&o);
    assert_status(wh_net_options_check(&o, NULL), WH_EDIM); /* field optional; n not set */
}

Test(null, wh_net_step)
{
    double y[N];
    assert_status(wh_net_step(NULL, X3, y, NULL, NULL), WH_EINVAL);
    wh_net *net = net_of(WH_NET_DIRECT);
    assert_status(wh_net_step(net, NULL, y, NULL, NULL), WH_EINVAL);
    cr_assert_eq(wh_net_samples(net), 0);
    assert_status(wh_net_step(net, X3, NULL, NULL, NULL), WH_OK); /* y, z, info optional */
    cr_assert_eq(wh_net_samples(net), 1);
    wh_net_free(net);
}

Test(null, wh_net_respond)
{
    double y[N];
    assert_status(wh_net_respond(NULL, X3, y, NULL, NULL), WH_EINVAL);
    wh_net *net = net_of(WH_NET_INTERNEURON);
    assert_status(wh_net_respond(net, NULL, y, NULL, NULL), WH_EINVAL);
    assert_status(wh_net_respond(net, X3, NULL, NULL, NULL), WH_OK);
    wh_net_free(net);
}

Test(null, wh_net_step_expected)
{
    wh_step_info info = {77, 77};
    assert_status(wh_net_step_expected(NULL, C3, N, &info), WH_EINVAL);
    wh_net *net = net_of(WH_NET_DIRECT);
    assert_status(wh_net_step_expected(net, NULL, N, &info), WH_EINVAL);
    cr_assert_eq(wh_net_samples(net), 0);
    assert_status(wh_net_step_expected(net, C3, N, NULL), WH_OK);
    wh_net_free(net);
}

Test(null, wh_net_learn_block)
{
    double X[2 * N], Y[2 * N];
    memcpy(X, X3, sizeof X3);
    memcpy(X + N, X3, sizeof X3);
    assert_status(wh_net_learn_block(NULL, 2, X, N, Y, N, NULL, 0, NULL), WH_EINVAL);
    wh_net *net = net_of(WH_NET_INTERNEURON);
    assert_status(wh_net_learn_block(net, 2, NULL, N, Y, N, NULL, 0, NULL), WH_EINVAL);
    assert_status(wh_net_learn_block(net, 2, X, N, NULL, N, NULL, 0, NULL), WH_EINVAL);
    cr_assert_eq(wh_net_samples(net), 0);
    assert_status(wh_net_learn_block(net, 2, X, N, Y, N, NULL, 0, NULL), WH_OK);
    wh_net_free(net);
}

Test(null, wh_net_block_length) { cr_assert_eq(wh_net_block_length(NULL), 0); }

Test(null, wh_net_step_minibatch)
{
    double Y[N];
    assert_status(wh_net_step_minibatch(NULL, 1, X3, N, Y, N, NULL), WH_EINVAL);
    wh_net *net = net_of(WH_NET_DIRECT);
    assert_status(wh_net_step_minibatch(net, 1, NULL, N, Y, N, NULL), WH_EINVAL);
    assert_status(wh_net_step_minibatch(net, 1, X3, N, NULL, N, NULL), WH_EINVAL);
    cr_assert_eq(wh_net_samples(net), 0);
    wh_net_free(net);
}

/* The deprecated old name: the same call. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Test(null, wh_net_step_block)
{
    double Y[N];
    assert_status(wh_net_step_block(NULL, 1, X3, N, Y, N, NULL), WH_EINVAL);
    wh_net *net = net_of(WH_NET_DIRECT);
    assert_status(wh_net_step_block(net, 1, NULL, N, Y, N, NULL), WH_EINVAL);
    assert_status(wh_net_step_block(net, 1, X3, N, Y, N, NULL), WH_OK);
    cr_assert_eq(wh_net_samples(net), 1);
    wh_net_free(net);
}
#pragma GCC diagnostic pop

Test(null, wh_net_solver) { cr_assert_eq(wh_net_solver(NULL), WH_SOLVER_AUTO); }
Test(null, wh_net_refresh) { cr_assert_eq(wh_net_refresh(NULL), 0); }
Test(null, wh_net_get_kind) { cr_assert_eq(wh_net_get_kind(NULL), WH_NET_DIRECT); }
Test(null, wh_net_n) { cr_assert_eq(wh_net_n(NULL), 0); }
Test(null, wh_net_k) { cr_assert_eq(wh_net_k(NULL), 0); }
Test(null, wh_net_eta) { cr_assert(isnan(wh_net_eta(NULL))); }
Test(null, wh_net_samples) { cr_assert_eq(wh_net_samples(NULL), 0); }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Test(null, wh_net_lateral) { cr_assert_null(wh_net_lateral(NULL)); }
Test(null, wh_net_weights) { cr_assert_null(wh_net_weights(NULL)); }
#pragma GCC diagnostic pop

Test(null, wh_net_get_lateral)
{
    double M[N * N] = {2.5};
    assert_status(wh_net_get_lateral(NULL, M, N), WH_EINVAL);
    wh_net *net = net_of(WH_NET_INTERNEURON);
    assert_status(wh_net_get_lateral(net, NULL, N), WH_EINVAL);
    assert_status(wh_net_get_lateral(net, M, N - 1), WH_EINVAL);
    cr_assert_eq(M[0], 2.5);
    assert_status(wh_net_get_lateral(net, M, N), WH_OK);
    assert_close(M[0], 1.0, 1e-12); /* M0 = I */
    wh_net_free(net);
}

Test(null, wh_net_get_weights)
{
    double W[N * 5] = {2.5};
    assert_status(wh_net_get_weights(NULL, W, 5), WH_EINVAL);
    wh_net *net = net_of(WH_NET_INTERNEURON);
    assert_status(wh_net_get_weights(net, NULL, 5), WH_EINVAL);
    cr_assert_eq(W[0], 2.5);
    wh_net_free(net);
}
Test(null, wh_net_gains) { cr_assert_null(wh_net_gains(NULL)); }
Test(null, wh_net_gain_alpha) { cr_assert(isnan(wh_net_gain_alpha(NULL))); }
Test(null, wh_net_gain_eta_w) { cr_assert(isnan(wh_net_gain_eta_w(NULL))); }

Test(null, wh_net_restore_gains)
{
    wh_net *net = gain_net();
    const size_t K = wh_net_k(net);
    double g[16] = {0};
    cr_assert_leq(K, 16);
    assert_status(wh_net_restore_gains(NULL, NULL, 0, g, 5), WH_EINVAL);
    assert_status(wh_net_restore_gains(net, NULL, 0, NULL, 5), WH_EINVAL);
    cr_assert_eq(wh_net_samples(net), 0);
    assert_status(wh_net_restore_gains(net, NULL, 0, g, 5), WH_OK); /* W optional */
    cr_assert_eq(wh_net_samples(net), 5);
    wh_net_free(net);
}

Test(null, wh_net_set_eta)
{
    assert_status(wh_net_set_eta(NULL, 0.5), WH_EINVAL);
}

Test(null, wh_net_set_schedule)
{
    const wh_schedule s = {WH_SCHEDULE_DECAY, 100.0, 1.0, 0};
    assert_status(wh_net_set_schedule(NULL, &s), WH_EINVAL);
    wh_net *net = net_of(WH_NET_DIRECT);
    assert_status(wh_net_set_schedule(net, NULL), WH_EINVAL);
    cr_assert_eq(wh_net_get_schedule(net).kind, WH_SCHEDULE_CONSTANT);
    wh_net_free(net);
}

Test(null, wh_net_get_schedule) { cr_assert_eq(wh_net_get_schedule(NULL).kind, WH_SCHEDULE_CONSTANT); }

Test(null, wh_net_restore)
{
    const double M[N * N] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    assert_status(wh_net_restore(NULL, M, N, 4), WH_EINVAL);
    wh_net *net = net_of(WH_NET_DIRECT);
    assert_status(wh_net_restore(net, NULL, N, 4), WH_EINVAL);
    cr_assert_eq(wh_net_samples(net), 0);
    wh_net_free(net);
}

Test(null, wh_net_solver_state_size) { cr_assert_eq(wh_net_solver_state_size(NULL), 0); }

static wh_net *fast_net(void)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = WH_NET_INTERNEURON;
    o.n = N;
    o.solver = WH_SOLVER_FAST;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    cr_assert_gt(wh_net_solver_state_size(net), 0);
    return net;
}

Test(null, wh_net_get_solver_state)
{
    wh_net *net = fast_net();
    const size_t size = wh_net_solver_state_size(net);
    double *state = calloc(size, sizeof *state);
    assert_status(wh_net_get_solver_state(NULL, state, size), WH_EINVAL);
    assert_status(wh_net_get_solver_state(net, NULL, size), WH_EINVAL);
    free(state);
    wh_net_free(net);
}

Test(null, wh_net_set_solver_state)
{
    wh_net *net = fast_net();
    const size_t size = wh_net_solver_state_size(net);
    double *state = calloc(size, sizeof *state);
    assert_status(wh_net_get_solver_state(net, state, size), WH_OK);
    assert_status(wh_net_set_solver_state(NULL, state, size), WH_EINVAL);
    assert_status(wh_net_set_solver_state(net, NULL, size), WH_EINVAL);
    free(state);
    wh_net_free(net);
}

/* ---- centring ----------------------------------------------------------------------- */

Test(null, wh_center_new)
{
    assert_status(wh_center_new(N, 0.0, NULL), WH_EINVAL);
}

Test(null, wh_center_free) { wh_center_free(NULL); }

Test(null, wh_center_update)
{
    assert_status(wh_center_update(NULL, X3), WH_EINVAL);
    wh_center *c = center_of();
    assert_status(wh_center_update(c, NULL), WH_EINVAL);
    cr_assert_eq(wh_center_samples(c), 0);
    wh_center_free(c);
}

Test(null, wh_center_subtract)
{
    double out[N] = {2.5, 2.5, 2.5};
    wh_center *c = center_of();
    wh_center_subtract(NULL, X3, out);
    wh_center_subtract(c, NULL, out);
    wh_center_subtract(c, X3, NULL);
    cr_assert_eq(out[0], 2.5); /* nothing written */
    wh_center_free(c);
}

Test(null, wh_center_add)
{
    double out[N] = {2.5, 2.5, 2.5};
    wh_center *c = center_of();
    wh_center_add(NULL, X3, out);
    wh_center_add(c, NULL, out);
    wh_center_add(c, X3, NULL);
    cr_assert_eq(out[0], 2.5);
    wh_center_free(c);
}

Test(null, wh_center_mean) { cr_assert_null(wh_center_mean(NULL)); }
Test(null, wh_center_n) { cr_assert_eq(wh_center_n(NULL), 0); }
Test(null, wh_center_samples) { cr_assert_eq(wh_center_samples(NULL), 0); }
Test(null, wh_center_window) { cr_assert(isnan(wh_center_window(NULL))); }

Test(null, wh_center_set)
{
    assert_status(wh_center_set(NULL, X3, 3), WH_EINVAL);
    wh_center *c = center_of();
    assert_status(wh_center_set(c, NULL, 3), WH_EINVAL);
    cr_assert_eq(wh_center_samples(c), 0);
    wh_center_free(c);
}

Test(null, wh_center_set_window) { assert_status(wh_center_set_window(NULL, 10.0), WH_EINVAL); }

Test(null, wh_center_exact_mean)
{
    double mean[N];
    assert_status(wh_center_exact_mean(1, N, NULL, N, mean), WH_EINVAL);
    assert_status(wh_center_exact_mean(1, N, X3, N, NULL), WH_EINVAL);
}

Test(null, wh_inverse)
{
    double x[N];
    wh_net *net = net_of(WH_NET_DIRECT);
    wh_center *c = center_of();
    assert_status(wh_inverse(NULL, c, X3, x), WH_EINVAL);
    assert_status(wh_inverse(net, c, NULL, x), WH_EINVAL);
    assert_status(wh_inverse(net, c, X3, NULL), WH_EINVAL);
    assert_status(wh_inverse(net, NULL, X3, x), WH_OK); /* no centring: x = M y */
    wh_center_free(c);
    wh_net_free(net);
}

Test(null, wh_ridge_noise)
{
    double x[N] = {1.0, 2.0, 3.0};
    wh_ridge_noise(NULL, N, 0.5, 1, 0);
    wh_ridge_noise(x, N, NAN, 1, 0);
    cr_assert_eq(x[0], 1.0);
}

/* ---- averaging ---------------------------------------------------------------------- */

Test(null, wh_average_new)
{
    wh_net *net = net_of(WH_NET_DIRECT);
    wh_average *a = NULL;
    CHECK_NEW(wh_average_new(net, NULL), wh_average_new(NULL, &a), a);
    wh_net_free(net);
}

Test(null, wh_average_free) { wh_average_free(NULL); }

Test(null, wh_average_add)
{
    wh_net *net = net_of(WH_NET_DIRECT);
    wh_average *a = NULL;
    assert_status(wh_average_new(net, &a), WH_OK);
    assert_status(wh_average_add(NULL, net, 1.0), WH_EINVAL);
    assert_status(wh_average_add(a, NULL, 1.0), WH_EINVAL);
    wh_average_free(a);
    wh_net_free(net);
}

Test(null, wh_average_weight) { cr_assert_eq(wh_average_weight(NULL), 0.0); }

Test(null, wh_average_apply)
{
    wh_net *net = net_of(WH_NET_DIRECT);
    wh_average *a = NULL;
    assert_status(wh_average_new(net, &a), WH_OK);
    assert_status(wh_average_add(a, net, 1.0), WH_OK);
    assert_status(wh_average_apply(NULL, net), WH_EINVAL);
    assert_status(wh_average_apply(a, NULL), WH_EINVAL);
    wh_average_free(a);
    wh_net_free(net);
}

/* ---- flows -------------------------------------------------------------------------- */

Test(null, wh_flow_options_default) { (wh_flow_options_default)(NULL); }
Test(null, wh_flow_options_init) { wh_flow_options_init(NULL, sizeof(wh_flow_options)); }

Test(null, wh_flow_new)
{
    wh_flow_options o;
    wh_flow_options_default(&o);
    o.n = N;
    o.covariance = C3;
    wh_flow *f;
    CHECK_NEW(wh_flow_new(&o, NULL), wh_flow_new(NULL, &f), f);
    o.covariance = NULL;
    assert_status(wh_flow_new(&o, &f), WH_EINVAL);
    cr_assert_null(f);
}

Test(null, wh_flow_free) { wh_flow_free(NULL); }
Test(null, wh_flow_reset) { wh_flow_reset(NULL); }

Test(null, wh_flow_step)
{
    assert_status(wh_flow_step(NULL, 1.0, NULL), WH_EINVAL);
    wh_flow *f = flow_of();
    assert_status(wh_flow_step(f, 1.0, NULL), WH_OK); /* info optional */
    wh_flow_free(f);
}

Test(null, wh_flow_evolve) { assert_status(wh_flow_evolve(NULL, 1.0), WH_EINVAL); }

Test(null, wh_flow_converge)
{
    double t;
    assert_status(wh_flow_converge(NULL, 10.0, &t), WH_EINVAL);
    wh_flow *f = flow_of();
    assert_status(wh_flow_converge(f, 1e4, NULL), WH_EINVAL);
    cr_assert_eq(wh_flow_steps(f), 0);
    wh_flow_free(f);
}

Test(null, wh_flow_time) { cr_assert(isnan(wh_flow_time(NULL))); }
Test(null, wh_flow_convergence_time) { cr_assert(isnan(wh_flow_convergence_time(NULL))); }
Test(null, wh_flow_error) { cr_assert(isnan(wh_flow_error(NULL))); }
Test(null, wh_flow_steps) { cr_assert_eq(wh_flow_steps(NULL), 0); }
Test(null, wh_flow_lateral) { cr_assert_null(wh_flow_lateral(NULL)); }
Test(null, wh_flow_weights) { cr_assert_null(wh_flow_weights(NULL)); }
Test(null, wh_flow_n) { cr_assert_eq(wh_flow_n(NULL), 0); }
Test(null, wh_flow_k) { cr_assert_eq(wh_flow_k(NULL), 0); }

Test(null, wh_flow_errors)
{
    wh_errors e;
    assert_status(wh_flow_errors(NULL, &e), WH_EINVAL);
    wh_flow *f = flow_of();
    assert_status(wh_flow_errors(f, NULL), WH_EINVAL);
    wh_flow_free(f);
}

Test(null, wh_flow_eigenvalues)
{
    double ev[N];
    assert_status(wh_flow_eigenvalues(NULL, ev), WH_EINVAL);
    wh_flow *f = flow_of();
    assert_status(wh_flow_eigenvalues(f, NULL), WH_EINVAL);
    wh_flow_free(f);
}

Test(null, wh_flow_mode)
{
    assert_status(wh_flow_mode(WH_NET_DIRECT, 2.0, 1.0, 1.0, NULL), WH_EINVAL);
}

Test(null, wh_flow_mode_time)
{
    assert_status(wh_flow_mode_time(WH_NET_DIRECT, 2.0, 1.0, 0.01, NULL), WH_EINVAL);
}

Test(null, wh_flow_closed_time)
{
    const double lambda[N] = {1.0, 2.0, 3.0}, m0[N] = {1.0, 1.0, 1.0};
    double t;
    assert_status(wh_flow_closed_time(WH_NET_DIRECT, N, NULL, m0, 0.01, &t), WH_EINVAL);
    assert_status(wh_flow_closed_time(WH_NET_DIRECT, N, lambda, m0, 0.01, NULL), WH_EINVAL);
    assert_status(wh_flow_closed_time(WH_NET_DIRECT, N, lambda, NULL, 0.01, &t), WH_EINVAL);
}

Test(null, wh_passage_init) { assert_status(wh_passage_init(NULL, 0.1), WH_EINVAL); }

Test(null, wh_passage_init_window)
{
    assert_status(wh_passage_init_window(NULL, 0.1, 10), WH_EINVAL);
}

Test(null, wh_passage_observe) { cr_assert(!wh_passage_observe(NULL, 5, 0.01, 0.0)); }

/* ---- gain circuits' frames ---------------------------------------------------------- */

Test(null, wh_frame_full_size) { cr_assert_eq(wh_frame_full_size(N), 6); }

Test(null, wh_frame_random) { assert_status(wh_frame_random(N, 4, 1, NULL, 4), WH_EINVAL); }
Test(null, wh_frame_pairs) { assert_status(wh_frame_pairs(N, NULL, 6), WH_EINVAL); }

Test(null, wh_frame_condition)
{
    double W[N * 6], cond;
    assert_status(wh_frame_pairs(N, W, 6), WH_OK);
    assert_status(wh_frame_condition(N, 6, NULL, 6, &cond), WH_EINVAL);
    assert_status(wh_frame_condition(N, 6, W, 6, NULL), WH_EINVAL);
}

Test(null, wh_gain_optimum)
{
    double W[N * 6], g[6];
    assert_status(wh_frame_pairs(N, W, 6), WH_OK);
    assert_status(wh_gain_optimum(N, 6, NULL, 6, 1.0, C3, N, g), WH_EINVAL);
    assert_status(wh_gain_optimum(N, 6, W, 6, 1.0, NULL, N, g), WH_EINVAL);
    assert_status(wh_gain_optimum(N, 6, W, 6, 1.0, C3, N, NULL), WH_EINVAL);
}

Test(null, wh_frame_distance)
{
    double W[N * N] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, d;
    assert_status(wh_frame_distance(N, N, NULL, N, W, N, &d), WH_EINVAL);
    assert_status(wh_frame_distance(N, N, W, N, NULL, N, &d), WH_EINVAL);
    assert_status(wh_frame_distance(N, N, W, N, W, N, NULL), WH_EINVAL);
}

/* ---- metrics ------------------------------------------------------------------------ */

Test(null, wh_metrics_new)
{
    wh_metrics *m;
    assert_status(wh_metrics_new(N, C3, N, NULL), WH_EINVAL);
    assert_status(wh_metrics_new(N, NULL, N, &m), WH_EINVAL);
    cr_assert_null(m);
}

Test(null, wh_metrics_free) { wh_metrics_free(NULL); }

Test(null, wh_metrics_set_covariance)
{
    assert_status(wh_metrics_set_covariance(NULL, C3, N), WH_EINVAL);
    wh_metrics *m;
    assert_status(wh_metrics_new(N, C3, N, &m), WH_OK);
    assert_status(wh_metrics_set_covariance(m, NULL, N), WH_EINVAL);
    cr_assert_not_null(wh_metrics_sqrt(m)); /* the old C kept */
    wh_metrics_free(m);
}

Test(null, wh_metrics_eval)
{
    wh_errors e;
    wh_metrics *m;
    assert_status(wh_metrics_new(N, C3, N, &m), WH_OK);
    assert_status(wh_metrics_eval(NULL, C3, N, &e), WH_EINVAL);
    assert_status(wh_metrics_eval(m, NULL, N, &e), WH_EINVAL);
    assert_status(wh_metrics_eval(m, C3, N, NULL), WH_EINVAL);
    wh_metrics_free(m);
}

Test(null, wh_metrics_sqrt) { cr_assert_null(wh_metrics_sqrt(NULL)); }

Test(null, wh_running_cov_new) { assert_status(wh_running_cov_new(N, 10.0, NULL), WH_EINVAL); }
Test(null, wh_running_cov_free) { wh_running_cov_free(NULL); }

Test(null, wh_running_cov_update)
{
    wh_running_cov *rc;
    assert_status(wh_running_cov_new(N, 10.0, &rc), WH_OK);
    wh_running_cov_update(NULL, X3);
    wh_running_cov_update(rc, NULL);
    double S[N * N] = {0};
    wh_running_cov_matrix(rc, S, N);
    cr_assert_eq(S[0], 0.0); /* nothing was folded in */
    wh_running_cov_free(rc);
}

Test(null, wh_running_cov_matrix)
{
    double S[N * N] = {2.5};
    wh_running_cov *rc;
    assert_status(wh_running_cov_new(N, 10.0, &rc), WH_OK);
    wh_running_cov_matrix(NULL, S, N);
    wh_running_cov_matrix(rc, NULL, N);
    cr_assert_eq(S[0], 2.5);
    wh_running_cov_free(rc);
}

Test(null, wh_running_cov_errors)
{
    wh_errors e;
    assert_status(wh_running_cov_errors(NULL, &e), WH_EINVAL);
    wh_running_cov *rc;
    assert_status(wh_running_cov_new(N, 10.0, &rc), WH_OK);
    assert_status(wh_running_cov_errors(rc, NULL), WH_EINVAL);
    wh_running_cov_free(rc);
}

/* ---- sources ------------------------------------------------------------------------ */

Test(null, wh_covariance_from_spectrum)
{
    wh_spectrum s = {N, NULL, 1.0, 2.0, false, 1};
    double C[N * N];
    assert_status(wh_covariance_from_spectrum(NULL, C, N), WH_EINVAL);
    assert_status(wh_covariance_from_spectrum(&s, NULL, N), WH_EINVAL);
}

Test(null, wh_context_spec_default) { (wh_context_spec_default)(NULL); }
Test(null, wh_context_spec_init) { wh_context_spec_init(NULL, sizeof(wh_context_spec)); }

Test(null, wh_context_family)
{
    wh_context_spec spec;
    wh_context_spec_default(&spec);
    spec.n = 2;
    spec.contexts = 2;
    double V[4], lambdas[4], C[8];
    assert_status(wh_context_family(NULL, V, 2, lambdas, C), WH_EINVAL);
    assert_status(wh_context_family(&spec, V, 2, lambdas, NULL), WH_EINVAL);
    assert_status(wh_context_family(&spec, NULL, 2, NULL, C), WH_OK); /* V, lambdas optional */
}

Test(null, wh_source_options_default) { (wh_source_options_default)(NULL); }
Test(null, wh_source_options_init) { wh_source_options_init(NULL, sizeof(wh_source_options)); }

Test(null, wh_source_new)
{
    wh_source_options o;
    wh_source_options_default(&o);
    o.n = N;
    o.covariances = C3;
    wh_source *s;
    CHECK_NEW(wh_source_new(&o, NULL), wh_source_new(NULL, &s), s);
    o.covariances = NULL;
    assert_status(wh_source_new(&o, &s), WH_EINVAL);
    cr_assert_null(s);
}

Test(null, wh_source_free) { wh_source_free(NULL); }

Test(null, wh_source_next)
{
    double x[N];
    wh_source *s = source_of();
    wh_source_next(NULL, x, NULL);
    wh_source_next(s, NULL, NULL);
    cr_assert_eq(wh_source_samples(s), 0); /* nothing drawn */
    wh_source_next(s, x, NULL);            /* context optional */
    cr_assert_eq(wh_source_samples(s), 1);
    wh_source_free(s);
}

Test(null, wh_source_context_at) { cr_assert_eq(wh_source_context_at(NULL, 5), 0); }

Test(null, wh_source_covariance)
{
    cr_assert_null(wh_source_covariance(NULL, 0));
}

Test(null, wh_source_n) { cr_assert_eq(wh_source_n(NULL), 0); }
Test(null, wh_source_contexts) { cr_assert_eq(wh_source_contexts(NULL), 0); }
Test(null, wh_source_samples) { cr_assert_eq(wh_source_samples(NULL), 0); }

Test(null, wh_source_get_state)
{
    static uint32_t words[WH_SOURCE_STATE_WORDS];
    uint64_t samples;
    wh_source *s = source_of();
    assert_status(wh_source_get_state(NULL, words, &samples), WH_EINVAL);
    assert_status(wh_source_get_state(s, NULL, &samples), WH_EINVAL);
    assert_status(wh_source_get_state(s, words, NULL), WH_EINVAL);
    wh_source_free(s);
}

Test(null, wh_source_set_state)
{
    static uint32_t words[WH_SOURCE_STATE_WORDS];
    uint64_t samples;
    wh_source *s = source_of();
    assert_status(wh_source_get_state(s, words, &samples), WH_OK);
    assert_status(wh_source_set_state(NULL, words, 3), WH_EINVAL);
    assert_status(wh_source_set_state(s, NULL, 3), WH_EINVAL);
    cr_assert_eq(wh_source_samples(s), 0);
    wh_source_free(s);
}
