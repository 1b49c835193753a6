/*
 * test_fast.c: the fast solvers (src/net/fast*.c, direct_cg.c) against the
 * exact Cholesky path, and the minibatch algorithm against its definition.
 *
 * Oracle: two independent methods for the same online algorithm must agree
 * to rounding (science.md §5.3, §5.4). The 10^6-sample check at
 * n = 64 is in suite "slow" (1.5 to 2 minutes without sanitizers); the unit
 * suite runs the same comparison on 2 x 10^4 samples.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static wh_net *solver_net(wh_net_kind kind, size_t n, double eta, wh_solver solver, size_t refresh,
                          double alpha)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = kind;
    o.n = n;
    o.k = 2 * n;
    o.eta = eta;
    o.init.alpha = alpha;
    o.solver = solver;
    o.refresh = refresh;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    cr_assert_eq(wh_net_solver(net), solver);
    return net;
}

static wh_source *make_source(const double *C, size_t n, uint64_t seed)
{
    wh_source_options so;
    wh_source_options_default(&so);
    so.n = n;
    so.covariances = C;
    so.seed = seed;
    wh_source *src = NULL;
    assert_status(wh_source_new(&so, &src), WH_OK);
    return src;
}

/* Exact and fast networks on one stream; the relative difference of M (and y) at the end. */
static void fast_equals_exact(wh_net_kind kind, size_t n, long samples, size_t refresh, double tol)
{
    double *C = wh_test_covariance(n, 0.1, 10.0, 7);
    wh_source *src = make_source(C, n, 8);
    wh_net *exact = solver_net(kind, n, 1e-3, WH_SOLVER_EXACT, 0, 2.385);
    wh_net *fast = solver_net(kind, n, 1e-3, WH_SOLVER_FAST, refresh, 2.385);
    double *x = malloc(n * sizeof *x), *ya = malloc(n * sizeof *ya), *yb = malloc(n * sizeof *yb);
    double worst_y = 0.0;
    for (long t = 0; t < samples; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(exact, x, ya, NULL, NULL), WH_OK);
        assert_status(wh_net_step(fast, x, yb, NULL, NULL), WH_OK);
        worst_y = fmax(worst_y, wh_test_rel_diff(1, n, yb, n, ya, n));
    }
    const double dm = wh_test_rel_diff(n, n, wh_net_lateral(fast), n, wh_net_lateral(exact), n);
    cr_assert_leq(dm, tol, "relative difference of M after %ld samples: %g (tolerance %g)",
                  samples, dm, tol);
    cr_assert_leq(worst_y, 1e3 * tol, "largest relative difference of y: %g", worst_y);
    cr_assert_eq(wh_net_samples(fast), (uint64_t)samples);
    cr_assert_leq(wh_test_asymmetry(n, wh_net_lateral(fast)), 0.0);
    free(x);
    free(ya);
    free(yb);
    free(C);
    wh_source_free(src);
    wh_net_free(exact);
    wh_net_free(fast);
}

Test(fast, interneurons_equal_the_exact_path)
{
    fast_equals_exact(WH_NET_INTERNEURON, 64, 20000, 0, 1e-10);
}

Test(fast, interneurons_equal_the_exact_path_without_refresh_for_long)
{
    /* A refresh period longer than the run: the tracked inverse alone stays exact. */
    fast_equals_exact(WH_NET_INTERNEURON, 16, 20000, 1000000, 1e-10);
}

Test(fast, direct_conjugate_gradients_equal_the_exact_path)
{
    fast_equals_exact(WH_NET_DIRECT, 64, 20000, 0, 1e-10);
}

Test(fast, refresh_every_sample_is_the_exact_path)
{
    fast_equals_exact(WH_NET_DIRECT, 5, 2000, 1, 1e-12);
    fast_equals_exact(WH_NET_INTERNEURON, 5, 2000, 1, 1e-12);
}

Test(fast, auto_is_fast_for_interneurons_and_exact_for_direct)
{
    wh_net *a = wh_test_net(WH_NET_INTERNEURON, 3, 6, 0.01, 1.0);
    wh_net *b = wh_test_net(WH_NET_DIRECT, 3, 0, 0.01, 1.0);
    cr_assert_eq(wh_net_solver(a), WH_SOLVER_FAST);
    cr_assert_eq(wh_net_refresh(a), WH_REFRESH_INTERNEURON);
    cr_assert_eq(wh_net_solver(b), WH_SOLVER_EXACT);
    wh_net_free(a);
    wh_net_free(b);
}

Test(fast, simulated_dynamics_take_the_exact_path_and_bad_solvers_are_refused)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = WH_NET_INTERNEURON;
    o.n = 3;
    o.solver = WH_SOLVER_FAST;
    o.neural.mode = WH_NEURAL_SIMULATED;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    cr_assert_eq(wh_net_solver(net), WH_SOLVER_EXACT);
    wh_net_free(net);
    o.solver = (wh_solver)7;
    assert_status(wh_net_new(&o, &net), WH_EINVAL);
    cr_assert_null(net);
}

/* The frozen output of a fast network solves M y = x, and z = W^T y. */
Test(fast, respond_solves_the_equilibrium_between_refreshes)
{
    const size_t n = 6;
    double *C = wh_test_covariance(n, 0.2, 5.0, 3);
    wh_source *src = make_source(C, n, 4);
    wh_net *net = solver_net(WH_NET_INTERNEURON, n, 0.01, WH_SOLVER_FAST, 1000, 1.7);
    double x[6], y[6], r[6];
    for (int t = 0; t < 123; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(net, x, NULL, NULL, NULL), WH_OK);
    }
    const double x0[6] = {0.3, -1.2, 2.385, 0.05, -0.7, 1.1};
    assert_status(wh_net_respond(net, x0, y, NULL, NULL), WH_OK);
    wh_test_matmul(n, n, 1, wh_net_lateral(net), y, r);
    cr_assert_leq(wh_test_rel_diff(1, n, r, n, x0, n), 1e-12);
    cr_assert_eq(wh_net_samples(net), 123);
    free(C);
    wh_source_free(src);
    wh_net_free(net);
}

/* Restore, then learn on: the fast path re-derives its inverse from the restored W. */
Test(fast, restore_then_continue_matches_the_exact_path)
{
    const size_t n = 5;
    double *C = wh_test_covariance(n, 0.2, 5.0, 13);
    wh_source *src = make_source(C, n, 14);
    wh_net *a = solver_net(WH_NET_INTERNEURON, n, 0.01, WH_SOLVER_FAST, 0, 1.0);
    wh_net *b = solver_net(WH_NET_INTERNEURON, n, 0.01, WH_SOLVER_EXACT, 0, 3.0);
    double x[5];
    for (int t = 0; t < 77; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(a, x, NULL, NULL, NULL), WH_OK);
    }
    double W[50];
    memcpy(W, wh_net_weights(b), sizeof W);
    assert_status(wh_net_restore(a, W, 10, 0), WH_OK);
    for (int t = 0; t < 500; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(a, x, NULL, NULL, NULL), WH_OK);
        assert_status(wh_net_step(b, x, NULL, NULL, NULL), WH_OK);
    }
    cr_assert_leq(wh_test_rel_diff(n, n, wh_net_lateral(a), n, wh_net_lateral(b), n), 1e-12);
    free(C);
    wh_source_free(src);
    wh_net_free(a);
    wh_net_free(b);
}

/* Population steps between online ones read a consistent L. */
Test(fast, expected_steps_mix_with_fast_online_steps)
{
    const size_t n = 4;
    double *C = wh_test_covariance(n, 0.2, 5.0, 17);
    wh_source *src = make_source(C, n, 18);
    for (int kind = 0; kind < 2; kind++) {
        wh_net *a = solver_net((wh_net_kind)kind, n, 0.01, WH_SOLVER_FAST, 0, 1.3);
        wh_net *b = solver_net((wh_net_kind)kind, n, 0.01, WH_SOLVER_EXACT, 0, 1.3);
        double x[4];
        for (int t = 0; t < 300; t++) {
            wh_source_next(src, x, NULL);
            assert_status(wh_net_step(a, x, NULL, NULL, NULL), WH_OK);
            assert_status(wh_net_step(b, x, NULL, NULL, NULL), WH_OK);
            if (t % 37 == 5) {
                assert_status(wh_net_step_expected(a, C, n, NULL), WH_OK);
                assert_status(wh_net_step_expected(b, C, n, NULL), WH_OK);
            }
        }
        cr_assert_leq(wh_test_rel_diff(n, n, wh_net_lateral(a), n, wh_net_lateral(b), n), 1e-12);
        wh_net_free(a);
        wh_net_free(b);
    }
    free(C);
    wh_source_free(src);
}

/* Direct network from a small start with a large eta loses definiteness: reported, state kept. */
Test(fast, direct_divergence_is_reported_and_the_state_kept)
{
    const size_t n = 4;
    double *C = wh_test_covariance(n, 0.1, 10.0, 19);
    wh_source *src = make_source(C, n, 20);
    wh_net *net = solver_net(WH_NET_DIRECT, n, 0.4, WH_SOLVER_FAST, 4, 0.45);
    double x[4], before[16];
    wh_status st = WH_OK;
    int t = 0;
    for (; t < 10000 && st == WH_OK; t++) {
        memcpy(before, wh_net_lateral(net), sizeof before);
        wh_source_next(src, x, NULL);
        st = wh_net_step(net, x, NULL, NULL, NULL);
    }
    assert_status(st, WH_EDIVERGED);
    cr_assert(memcmp(before, wh_net_lateral(net), sizeof before) == 0, "state changed");
    assert_status(wh_net_step(net, x, NULL, NULL, NULL), WH_EDIVERGED);
    free(C);
    wh_source_free(src);
    wh_net_free(net);
}

/* A block of one sample is one online step. */
Test(minibatch, a_block_of_one_is_an_online_step)
{
    const size_t n = 5;
    const double x[5] = {0.3, -1.2, 2.385, 0.05, -0.7};
    for (int kind = 0; kind < 2; kind++) {
        wh_net *a = solver_net((wh_net_kind)kind, n, 0.03, WH_SOLVER_EXACT, 0, 1.3);
        wh_net *b = solver_net((wh_net_kind)kind, n, 0.03, WH_SOLVER_EXACT, 0, 1.3);
        double ya[5], yb[5];
        assert_status(wh_net_step(a, x, ya, NULL, NULL), WH_OK);
        assert_status(wh_net_step_block(b, 1, x, n, yb, n, NULL), WH_OK);
        cr_assert_leq(wh_test_rel_diff(1, n, yb, n, ya, n), 1e-14);
        cr_assert_leq(wh_test_rel_diff(n, n, wh_net_lateral(b), n, wh_net_lateral(a), n), 1e-14);
        wh_net_free(a);
        wh_net_free(b);
    }
}

/* A block holds M fixed: outputs M0^{-1} x_b, then M0 + eta (sum y y^T - B I). */
Test(minibatch, a_block_sums_the_updates_with_M_held_fixed)
{
    enum { N = 4, B = 9 };
    double *C = wh_test_covariance(N, 0.2, 5.0, 23);
    wh_source *src = make_source(C, N, 24);
    wh_net *net = solver_net(WH_NET_DIRECT, N, 0.02, WH_SOLVER_FAST, 0, 1.6);
    double X[B * N], Y[B * N], M0[N * N], want[N * N], r[N];
    for (int b = 0; b < B; b++)
        wh_source_next(src, X + b * N, NULL);
    memcpy(M0, wh_net_lateral(net), sizeof M0);
    wh_step_info info;
    assert_status(wh_net_step_block(net, B, X, N, Y, N, &info), WH_OK);
    cr_assert_eq(info.sample, 0);
    cr_assert_eq(wh_net_samples(net), B);
    memcpy(want, M0, sizeof want);
    for (int b = 0; b < B; b++) {
        wh_test_matmul(N, N, 1, M0, Y + b * N, r); /* M0 y_b = x_b */
        cr_assert_leq(wh_test_rel_diff(1, N, r, N, X + b * N, N), 1e-13);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                want[i * N + j] += 0.02 * (Y[b * N + i] * Y[b * N + j] - (i == j));
    }
    cr_assert_leq(wh_test_rel_diff(N, N, wh_net_lateral(net), N, want, N), 1e-13);
    double bad[N] = {1.0, NAN, 0.0, 0.0};
    assert_status(wh_net_step_block(net, 1, bad, N, Y, N, NULL), WH_ENONFINITE);
    assert_status(wh_net_step_block(net, 0, X, N, Y, N, NULL), WH_EINVAL);
    assert_status(wh_net_step_block(net, 1, X, N, NULL, N, NULL), WH_EINVAL);
    free(C);
    wh_source_free(src);
    wh_net_free(net);
}

/* The acceptance check: 10^6 samples at n = 64 (suite "slow", WH_TEST_SLOW=1). */
static void slow_check(wh_net_kind kind)
{
    if (getenv("WH_TEST_SLOW") == NULL)
        cr_skip_test("set WH_TEST_SLOW=1 (meson test --suite slow)");
    fast_equals_exact(kind, 64, 1000000, 0, 1e-10);
}

Test(slow, interneurons_equal_the_exact_path_after_a_million_samples, .timeout = 1200)
{
    slow_check(WH_NET_INTERNEURON);
}

Test(slow, direct_equals_the_exact_path_after_a_million_samples, .timeout = 1200)
{
    slow_check(WH_NET_DIRECT);
}
