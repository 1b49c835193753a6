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
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "net/view.h"

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

/* Exact and fast networks on one stream; the relative difference of M (and y) at the end. */
static void fast_equals_exact(wh_net_kind kind, size_t n, long samples, size_t refresh, double tol)
{
    double *C = wh_test_covariance(n, 0.1, 10.0, 7);
    wh_source *src = wh_test_source(C, n, 8);
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
    const double dm = wh_test_rel_diff(n, n, wh__net_lateral(fast), n, wh__net_lateral(exact), n);
    cr_assert_leq(dm, tol, "relative difference of M after %ld samples: %g (tolerance %g)",
                  samples, dm, tol);
    cr_assert_leq(worst_y, 1e3 * tol, "largest relative difference of y: %g", worst_y);
    cr_assert_eq(wh_net_samples(fast), (uint64_t)samples);
    cr_assert_leq(wh_test_asymmetry(n, wh__net_lateral(fast)), 0.0);
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

Test(fast, direct_beyond_the_kept_outputs_equals_the_exact_path)
{
    /* refresh 100: the direct path keeps the outputs of 64 samples since a refresh, so
     * samples 65 to 99 of each period take the undeflated CG (preconditioner P, M d by
     * dsymv), the rest the deflated one. */
    fast_equals_exact(WH_NET_DIRECT, 24, 3000, 100, 1e-10);
}

/*
 * The direct fast path keeps M as M_r + eta Y^T Y - since eta I and forms it only
 * when read. Reading it between refreshes must give the exact path's M, and must
 * not change what the network learns afterwards (bit for bit against a network
 * that is never read). Refresh 13 at n = 40: reads at every phase of the period.
 */
Test(fast, reading_direct_M_between_refreshes_is_exact_and_changes_nothing)
{
    const size_t n = 40;
    double *C = wh_test_covariance(n, 0.1, 10.0, 11);
    wh_source *src = wh_test_source(C, n, 12);
    wh_net *exact = solver_net(WH_NET_DIRECT, n, 1e-3, WH_SOLVER_EXACT, 0, 2.385);
    wh_net *read = solver_net(WH_NET_DIRECT, n, 1e-3, WH_SOLVER_FAST, 13, 2.385);
    wh_net *quiet = solver_net(WH_NET_DIRECT, n, 1e-3, WH_SOLVER_FAST, 13, 2.385);
    double x[40], ye[40], yr[40], yq[40], worst = 0.0;
    for (int t = 0; t < 300; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(exact, x, ye, NULL, NULL), WH_OK);
        assert_status(wh_net_step(read, x, yr, NULL, NULL), WH_OK);
        assert_status(wh_net_step(quiet, x, yq, NULL, NULL), WH_OK);
        cr_assert(memcmp(yr, yq, sizeof yr) == 0, "reading M changed the output of sample %d", t);
        if (t % 3 == 0)
            worst = fmax(worst,
                         wh_test_rel_diff(n, n, wh__net_lateral(read), n, wh__net_lateral(exact), n));
    }
    cr_assert_leq(worst, 1e-12, "M read between refreshes is %g from the exact path's", worst);
    cr_assert(memcmp(wh__net_lateral(read), wh__net_lateral(quiet), n * n * sizeof(double)) == 0,
              "final M differs after reads");
    free(C);
    wh_source_free(src);
    wh_net_free(exact);
    wh_net_free(read);
    wh_net_free(quiet);
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

/* WH_SOLVER_AUTO's path on either side of the crossovers benchmarks/auto_grid.sh measured
 * (BENCHMARKS.md, "--solver auto over a grid"): a threshold moved without new measurements
 * fails here, and one moved with them moves these rows. */
Test(fast, auto_switches_where_the_grid_measured_the_crossovers)
{
    const struct {
        wh_net_kind kind;
        size_t n;
        wh_solver want;
    } cases[] = {
        {WH_NET_INTERNEURON, 4, WH_SOLVER_FAST}, {WH_NET_INTERNEURON, 256, WH_SOLVER_FAST},
        {WH_NET_DIRECT, 29, WH_SOLVER_EXACT},    {WH_NET_DIRECT, 30, WH_SOLVER_FAST},
        {WH_NET_GAIN, 32, WH_SOLVER_EXACT},      {WH_NET_GAIN, 33, WH_SOLVER_FAST},
        {WH_NET_GAIN_SYNAPSE, 64, WH_SOLVER_EXACT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wh_net_options o;
        wh_net_options_default(&o);
        o.kind = cases[i].kind, o.n = cases[i].n, o.eta = 1e-3, o.solver = WH_SOLVER_AUTO;
        wh_net *net = NULL;
        assert_status(wh_net_new(&o, &net), WH_OK);
        cr_assert_eq(wh_net_solver(net), cases[i].want, "case %zu (kind %d, n = %zu): solver %d",
                     i, (int)cases[i].kind, cases[i].n, (int)wh_net_solver(net));
        wh_net_free(net);
    }
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
    wh_source *src = wh_test_source(C, n, 4);
    wh_net *net = solver_net(WH_NET_INTERNEURON, n, 0.01, WH_SOLVER_FAST, 1000, 1.7);
    double x[6], y[6], r[6];
    for (int t = 0; t < 123; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(net, x, NULL, NULL, NULL), WH_OK);
    }
    const double x0[6] = {0.3, -1.2, 2.385, 0.05, -0.7, 1.1};
    assert_status(wh_net_respond(net, x0, y, NULL, NULL), WH_OK);
    wh_test_matmul(n, n, 1, wh__net_lateral(net), y, r);
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
    wh_source *src = wh_test_source(C, n, 14);
    wh_net *a = solver_net(WH_NET_INTERNEURON, n, 0.01, WH_SOLVER_FAST, 0, 1.0);
    wh_net *b = solver_net(WH_NET_INTERNEURON, n, 0.01, WH_SOLVER_EXACT, 0, 3.0);
    double x[5];
    for (int t = 0; t < 77; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(a, x, NULL, NULL, NULL), WH_OK);
    }
    double W[50];
    memcpy(W, wh__net_weights(b), sizeof W);
    assert_status(wh_net_restore(a, W, 10, 0), WH_OK);
    for (int t = 0; t < 500; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(a, x, NULL, NULL, NULL), WH_OK);
        assert_status(wh_net_step(b, x, NULL, NULL, NULL), WH_OK);
    }
    cr_assert_leq(wh_test_rel_diff(n, n, wh__net_lateral(a), n, wh__net_lateral(b), n), 1e-12);
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
    wh_source *src = wh_test_source(C, n, 18);
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
        cr_assert_leq(wh_test_rel_diff(n, n, wh__net_lateral(a), n, wh__net_lateral(b), n), 1e-12);
        wh_net_free(a);
        wh_net_free(b);
    }
    free(C);
    wh_source_free(src);
}

/* Direct network from a small start with a large eta loses definiteness: reported, state kept. */
/*
 * An output whose square overflows (x = 1e160, M near I) must be refused at that very
 * sample by both solvers, whatever the phase of the refresh period, and leave the
 * network as it was, as the exact path does: what follows is bit for bit what a twin
 * that never saw the sample does. (The fast path once returned WH_OK with an infinite
 * y there, and M turned NaN; then it refused the sample but had re-based its solver.)
 */
Test(fast, direct_output_overflow_is_refused_at_its_sample)
{
    const size_t n = 40;
    const size_t refresh[] = {0, 1, 8, 100};
    const wh_solver solver[] = {WH_SOLVER_EXACT, WH_SOLVER_FAST, WH_SOLVER_FAST, WH_SOLVER_FAST};
    double *C = wh_test_covariance(n, 0.5, 2.0, 23);
    double x[40], bad[40], y[40], yt[40], before[1600];
    for (size_t c = 0; c < 4; c++) {
        wh_source *src = wh_test_source(C, n, 24);
        wh_net *net = solver_net(WH_NET_DIRECT, n, 1e-3, solver[c], refresh[c], 1.0);
        wh_net *twin = solver_net(WH_NET_DIRECT, n, 1e-3, solver[c], refresh[c], 1.0);
        for (int t = 0; t < 5; t++) { /* into the period, the M formed lazily */
            wh_source_next(src, x, NULL);
            assert_status(wh_net_step(net, x, y, NULL, NULL), WH_OK);
            assert_status(wh_net_step(twin, x, yt, NULL, NULL), WH_OK);
        }
        memcpy(before, wh__net_lateral(net), sizeof before);
        memcpy(bad, x, sizeof bad);
        bad[3] = 1e160;
        wh_step_info info;
        assert_status(wh_net_step(net, bad, y, NULL, &info), WH_EDIVERGED);
        cr_assert_eq(info.sample, 5, "case %zu", c);
        cr_assert_eq(wh_net_samples(net), 5);
        cr_assert(memcmp(before, wh__net_lateral(net), sizeof before) == 0, "case %zu: M changed",
                  c);
        for (int t = 0; t < 60; t++) {
            wh_source_next(src, x, NULL);
            assert_status(wh_net_step(net, x, y, NULL, NULL), WH_OK);
            assert_status(wh_net_step(twin, x, yt, NULL, NULL), WH_OK);
            cr_assert(memcmp(y, yt, sizeof y) == 0,
                      "case %zu: output %d after the refused sample differs from the twin's", c, t);
        }
        cr_assert(memcmp(wh__net_lateral(net), wh__net_lateral(twin), sizeof before) == 0,
                  "case %zu: M differs from the twin's", c);
        wh_net_free(net);
        wh_net_free(twin);
        wh_source_free(src);
    }
    free(C);
}

/*
 * wh_net_respond() is a frozen output: it must not change what the network learns
 * afterwards, even where it takes the fast solver's exact fallback (the second sample of
 * a new network used to refactor and re-base the solver). Refresh 13 at n = 40, a
 * response before every learning step, against a twin that is never asked.
 */
Test(fast, direct_responses_change_nothing_the_network_learns)
{
    const size_t n = 40;
    double *C = wh_test_covariance(n, 0.1, 10.0, 25);
    wh_source *src = wh_test_source(C, n, 26);
    wh_net *asked = solver_net(WH_NET_DIRECT, n, 1e-3, WH_SOLVER_FAST, 13, 2.385);
    wh_net *twin = solver_net(WH_NET_DIRECT, n, 1e-3, WH_SOLVER_FAST, 13, 2.385);
    double x[40], probe[40], y[40], yt[40], r[40];
    for (size_t i = 0; i < n; i++)
        probe[i] = sin(0.7 * (double)i);
    for (int t = 0; t < 100; t++) {
        assert_status(wh_net_respond(asked, probe, r, NULL, NULL), WH_OK);
        wh_source_next(src, x, NULL);
        wh_step_info info;
        assert_status(wh_net_step(asked, x, y, NULL, NULL), WH_OK);
        assert_status(wh_net_step(twin, x, yt, NULL, &info), WH_OK);
        cr_assert(memcmp(y, yt, sizeof y) == 0, "output %d differs after responses", t);
        /* The fresh factor of a new network serves CG from the first sample on. */
        if (t == 1)
            cr_assert_gt(info.iterations, 0, "sample 1 took the exact fallback");
    }
    cr_assert(memcmp(wh__net_lateral(asked), wh__net_lateral(twin), n * n * sizeof(double)) == 0,
              "M differs after responses");
    /* A solver whose last factorisation failed (stale, since 1) answers by the exact
     * fallback: a response must not make that factor the solver's base either. */
    const size_t size = wh_net_solver_state_size(twin);
    double *state = malloc(size * sizeof *state), *syn = malloc(n * n * sizeof *syn);
    assert_status(wh_net_get_solver_state(twin, state, size), WH_OK);
    memcpy(syn, wh__net_lateral(twin), n * n * sizeof *syn);
    state[1] = 1.0;
    state[2] = 1.0;
    wh_net *pair[2];
    for (int i = 0; i < 2; i++) {
        pair[i] = solver_net(WH_NET_DIRECT, n, 1e-3, WH_SOLVER_FAST, 13, 2.385);
        assert_status(wh_net_restore(pair[i], syn, n, 100), WH_OK);
        assert_status(wh_net_set_solver_state(pair[i], state, size), WH_OK);
    }
    assert_status(wh_net_respond(pair[0], probe, r, NULL, NULL), WH_OK);
    wh_source_next(src, x, NULL);
    assert_status(wh_net_step(pair[0], x, y, NULL, NULL), WH_OK);
    assert_status(wh_net_step(pair[1], x, yt, NULL, NULL), WH_OK);
    cr_assert(memcmp(y, yt, sizeof y) == 0, "a response re-based a stale solver");
    wh_net_free(pair[0]);
    wh_net_free(pair[1]);
    free(state);
    free(syn);
    free(C);
    wh_source_free(src);
    wh_net_free(asked);
    wh_net_free(twin);
}

Test(fast, direct_divergence_is_reported_and_the_state_kept)
{
    const size_t n = 4;
    double *C = wh_test_covariance(n, 0.1, 10.0, 19);
    wh_source *src = wh_test_source(C, n, 20);
    wh_net *net = solver_net(WH_NET_DIRECT, n, 0.4, WH_SOLVER_FAST, 4, 0.45);
    double x[4], before[16];
    wh_status st = WH_OK;
    int t = 0;
    for (; t < 10000 && st == WH_OK; t++) {
        memcpy(before, wh__net_lateral(net), sizeof before);
        wh_source_next(src, x, NULL);
        st = wh_net_step(net, x, NULL, NULL, NULL);
    }
    assert_status(st, WH_EDIVERGED);
    cr_assert(memcmp(before, wh__net_lateral(net), sizeof before) == 0, "state changed");
    assert_status(wh_net_step(net, x, NULL, NULL, NULL), WH_EDIVERGED);
    free(C);
    wh_source_free(src);
    wh_net_free(net);
}

/* One learn_block case: its network against the exact path stepping sample by sample. */
typedef struct block_case {
    size_t n, k;
    double eta;
    size_t refresh; /* of the blocked network; 0 = default */
    long samples;
    bool want_z;
    double tol;
} block_case;

static wh_net *interneuron_net(const block_case *c, wh_solver solver, size_t refresh)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = WH_NET_INTERNEURON;
    o.n = c->n;
    o.k = c->k;
    o.eta = c->eta;
    o.init.kind = WH_INIT_ROTATED;
    o.init.alpha = 2.385;
    o.init.seed = 29;
    double spread[256];
    for (size_t i = 0; i < c->n; i++)
        spread[i] = 0.5 + (double)i / (double)c->n;
    o.init.spread = spread;
    o.solver = solver;
    o.refresh = refresh;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    return net;
}

/* Feed the stream in chunks of ragged sizes (1, 2, 3, 5, 8, ... up to 200) so that
 * blocks start and stop everywhere, including across refreshes and calls; the reference
 * network (solver `reference`, default refresh) steps sample by sample. */
static void block_equals_stepping(const block_case *c, wh_solver reference)
{
    const size_t n = c->n, k = c->k;
    double *C = wh_test_covariance(n, 0.1, 10.0, 31);
    wh_source *src = wh_test_source(C, n, 32);
    wh_net *ref = interneuron_net(c, reference, 0);
    wh_net *blk = interneuron_net(c, WH_SOLVER_FAST, c->refresh);
    enum { MAXC = 200 };
    double *X = malloc(MAXC * n * sizeof *X), *Y = malloc(MAXC * n * sizeof *Y);
    double *Z = malloc(MAXC * k * sizeof *Z), *y = malloc(n * sizeof *y),
           *z = malloc(k * sizeof *z);
    double worst_y = 0.0, worst_z = 0.0;
    size_t a = 1, b = 2;
    for (long t = 0; t < c->samples;) {
        const size_t count = (size_t)fmin((double)a, (double)(c->samples - t));
        for (size_t i = 0; i < count; i++)
            wh_source_next(src, X + i * n, NULL);
        wh_step_info info;
        assert_status(wh_net_learn_block(blk, count, X, n, Y, n, c->want_z ? Z : NULL, k, &info),
                      WH_OK);
        cr_assert_eq(info.sample, (uint64_t)t);
        for (size_t i = 0; i < count; i++) {
            cr_assert_eq(wh_net_step(ref, X + i * n, y, z, NULL), WH_OK,
                         "eta %g: exact path failed at %ld", c->eta, t + (long)i);
            worst_y = fmax(worst_y, wh_test_rel_diff(1, n, Y + i * n, n, y, n));
            if (c->want_z)
                worst_z = fmax(worst_z, wh_test_rel_diff(1, k, Z + i * k, k, z, k));
        }
        t += (long)count;
        const size_t next = a + b;
        a = b;
        b = next > MAXC ? 1 : next;
    }
    cr_assert_eq(wh_net_samples(blk), (uint64_t)c->samples);
    const double dm = wh_test_rel_diff(n, n, wh__net_lateral(blk), n, wh__net_lateral(ref), n);
    const double dw = wh_test_rel_diff(n, k, wh__net_weights(blk), k, wh__net_weights(ref), k);
    cr_assert_leq(dm, c->tol, "n %zu k %zu eta %g: relative difference of M %g (tolerance %g)", n,
                  k, c->eta, dm, c->tol);
    cr_assert_leq(dw, c->tol, "n %zu k %zu eta %g: relative difference of W %g (tolerance %g)", n,
                  k, c->eta, dw, c->tol);
    cr_assert_leq(worst_y, 1e2 * c->tol, "largest relative difference of y: %g", worst_y);
    cr_assert_leq(worst_z, 1e2 * c->tol, "largest relative difference of z: %g", worst_z);
    cr_assert_leq(wh_test_asymmetry(n, wh__net_lateral(blk)), 0.0);
    free(X);
    free(Y);
    free(Z);
    free(y);
    free(z);
    free(C);
    wh_source_free(src);
    wh_net_free(ref);
    wh_net_free(blk);
}

Test(block, interneuron_blocks_equal_the_exact_online_path)
{
    /* n >= 40: below it learn_block takes the per-sample path (interneuron_block.c). */
    static const block_case cases[] = {
        {48, 96, 1e-3, 0, 12000, false, 1e-10}, /* the common case: blocks of 16 */
        {41, 41, 5e-3, 50, 3000, true, 1e-10},  /* k = n, refreshes inside chunks */
        {44, 67, 0.05, 0, 100, true, 1e-10},    /* blocks capped at 6 samples by rho (at this
                                                   eta rounding grows ~10x per 100 samples on
                                                   every path: a short run) */
        {3, 6, 0.01, 1, 500, true, 1e-12},      /* n < 40, refresh = 1: every sample exact */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        block_equals_stepping(&cases[i], WH_SOLVER_EXACT);
}

/* Beyond n = 120 each sample's P0 y is a dsymv on P0's triangle, not a dgemv on a mirrored
 * copy (interneuron_block.c): blocks of 16 over two refreshes against the per-sample fast
 * path (O(n^2) a sample, where the exact path's Cholesky a sample would take minutes here).
 * Rounding leaves M within ~1e-13 of the per-sample path's; a relative error of 1e-9 in
 * y^T P_j y (the s of the rank-2 update) moves it by ~1e-10. */
Test(block, interneuron_blocks_beyond_n_120_equal_the_per_sample_path)
{
    static const block_case beyond = {130, 200, 1e-3, 0, 2400, true, 1e-11};
    block_equals_stepping(&beyond, WH_SOLVER_FAST);
}

/* The direct network's, the exact solver's, and the fast interneuron path's where no block
 * fits (eta > 0.16: see block_length in interneuron_block.c) learn_block is wh_net_step, bit for bit. */
Test(block, other_paths_are_the_step_loop_bit_for_bit)
{
    const size_t n = 6;
    double *C = wh_test_covariance(n, 0.2, 5.0, 33);
    wh_source *src = wh_test_source(C, n, 34);
    const struct {
        wh_net_kind kind;
        wh_solver solver;
        double eta;
    } paths[] = {{WH_NET_DIRECT, WH_SOLVER_EXACT, 0.02},
                 {WH_NET_DIRECT, WH_SOLVER_FAST, 0.02},
                 {WH_NET_INTERNEURON, WH_SOLVER_EXACT, 0.02},
                 {WH_NET_INTERNEURON, WH_SOLVER_FAST, 0.3}};
    double X[70 * 6], Y[70 * 6], y[6];
    for (int i = 0; i < 70; i++)
        wh_source_next(src, X + i * 6, NULL);
    for (size_t p = 0; p < sizeof paths / sizeof *paths; p++) {
        wh_net *a = solver_net(paths[p].kind, n, paths[p].eta, paths[p].solver, 0, 1.4);
        wh_net *b = solver_net(paths[p].kind, n, paths[p].eta, paths[p].solver, 0, 1.4);
        assert_status(wh_net_learn_block(a, 70, X, n, Y, n, NULL, 0, NULL), WH_OK);
        for (int i = 0; i < 70; i++) {
            assert_status(wh_net_step(b, X + i * 6, y, NULL, NULL), WH_OK);
            cr_assert(memcmp(y, Y + i * 6, sizeof y) == 0, "path %zu: y of sample %d differs", p,
                      i);
        }
        cr_assert(memcmp(wh__net_lateral(a), wh__net_lateral(b), n * n * sizeof(double)) == 0);
        wh_net_free(a);
        wh_net_free(b);
    }
    free(C);
    wh_source_free(src);
}

/* Bad calls are refused; a non-finite row names its sample and nothing is learned. */
Test(block, refusals_name_the_sample_and_learn_nothing)
{
    const size_t n = 4;
    wh_net *net = solver_net(WH_NET_INTERNEURON, n, 0.01, WH_SOLVER_FAST, 0, 1.2);
    double X[10 * 4], Y[10 * 4], Z[10 * 8], M0[16];
    for (int i = 0; i < 40; i++)
        X[i] = sin(2.385 * i);
    assert_status(wh_net_learn_block(net, 3, X, n, Y, n, NULL, 0, NULL), WH_OK);
    memcpy(M0, wh__net_lateral(net), sizeof M0);
    X[6 * 4 + 2] = NAN;
    wh_step_info info;
    assert_status(wh_net_learn_block(net, 10, X, n, Y, n, Z, 8, &info), WH_ENONFINITE);
    cr_assert_eq(info.sample, 3 + 6, "info.sample %llu", (unsigned long long)info.sample);
    cr_assert_eq(wh_net_samples(net), 3);
    cr_assert(memcmp(M0, wh__net_lateral(net), sizeof M0) == 0, "a refused block changed M");
    assert_status(wh_net_learn_block(net, 0, X, n, Y, n, NULL, 0, NULL), WH_EINVAL);
    assert_status(wh_net_learn_block(net, 2, X, n - 1, Y, n, NULL, 0, NULL), WH_EINVAL);
    assert_status(wh_net_learn_block(net, 2, X, n, NULL, n, NULL, 0, NULL), WH_EINVAL);
    assert_status(wh_net_learn_block(net, 2, X, n, Y, n, Z, 7, NULL), WH_EINVAL);
    assert_status(wh_net_learn_block(NULL, 2, X, n, Y, n, NULL, 0, &info), WH_EINVAL);
    wh_net_free(net);
}

/* count samples of a fixed covariance (returned in *C, to free) into X, n apart, the one at
 * `at` scaled by `factor`; the source is returned for the caller to free. */
static wh_source *one_sample_scaled(size_t n, int count, int at, double factor, double *X,
                                    double **C)
{
    *C = wh_test_covariance(n, 0.2, 5.0, 37);
    wh_source *src = wh_test_source(*C, n, 38);
    for (int i = 0; i < count; i++)
        wh_source_next(src, X + (size_t)i * n, NULL);
    for (size_t j = 0; j < n; j++)
        X[(size_t)at * n + j] *= factor;
    return src;
}

/* A sample that blows M up mid-block (x scaled by 1e80: finite y, overflowing W W^T) is
 * refused at the same sample as the per-sample path refuses it, with the samples before
 * it learned; n >= 40 so that blocks are formed. */
Test(block, a_failure_mid_block_names_the_sample_the_step_loop_names)
{
    enum { N = 48, COUNT = 200, BAD = 25 };
    static double X[COUNT * N], Y[COUNT * N];
    double *C;
    wh_source *src = one_sample_scaled(N, COUNT, BAD, 1e80, X, &C);
    wh_net *a = solver_net(WH_NET_INTERNEURON, N, 1e-3, WH_SOLVER_FAST, 0, 1.3);
    wh_net *b = solver_net(WH_NET_INTERNEURON, N, 1e-3, WH_SOLVER_FAST, 0, 1.3);
    wh_status st = WH_OK;
    uint64_t failed = 0;
    for (int i = 0; i < COUNT && st == WH_OK; i++) {
        wh_step_info one;
        st = wh_net_step(b, X + i * N, NULL, NULL, &one);
        failed = one.sample;
    }
    assert_status(st, WH_EDIVERGED);
    wh_step_info info;
    assert_status(wh_net_learn_block(a, COUNT, X, N, Y, N, NULL, 0, &info), WH_EDIVERGED);
    cr_assert_eq(info.sample, failed, "learn_block failed at sample %llu, the step loop at %llu",
                 (unsigned long long)info.sample, (unsigned long long)failed);
    cr_assert_eq(wh_net_samples(a), wh_net_samples(b));
    cr_assert_leq(wh_test_rel_diff(N, N, wh__net_lateral(a), N, wh__net_lateral(b), N), 1e-12);
    free(C);
    wh_source_free(src);
    wh_net_free(a);
    wh_net_free(b);
}

/* A sample scaled by 1e60 mid-block: the weights stay finite, but the bound on |Q|_F that
 * lets a block update Q in place overflows, so that block takes the exact route (Q_next
 * formed aside, its sum of squares checked, swapped in) and the bound is re-derived from it;
 * the blocks after it update in place again. Against the step loop over the same samples. */
Test(block, a_huge_sample_takes_the_exact_route_and_the_blocks_go_on)
{
    enum { N = 48, COUNT = 400, HUGE = 25 };
    static double X[COUNT * N], Y[COUNT * N], y[N];
    double *C;
    wh_source *src = one_sample_scaled(N, COUNT, HUGE, 1e60, X, &C);
    wh_net *a = solver_net(WH_NET_INTERNEURON, N, 1e-3, WH_SOLVER_FAST, 0, 1.3);
    wh_net *b = solver_net(WH_NET_INTERNEURON, N, 1e-3, WH_SOLVER_FAST, 0, 1.3);
    assert_status(wh_net_learn_block(a, COUNT, X, N, Y, N, NULL, 0, NULL), WH_OK);
    double worst = 0.0;
    for (int i = 0; i < COUNT; i++) {
        assert_status(wh_net_step(b, X + i * N, y, NULL, NULL), WH_OK);
        worst = fmax(worst, wh_test_rel_diff(1, N, Y + i * N, N, y, N));
    }
    cr_assert_eq(wh_net_samples(a), COUNT);
    const double dm = wh_test_rel_diff(N, N, wh__net_lateral(a), N, wh__net_lateral(b), N);
    cr_assert_leq(dm, 1e-12, "relative difference of M %g", dm);
    cr_assert_leq(worst, 1e-12, "largest relative difference of y %g", worst);
    free(C);
    wh_source_free(src);
    wh_net_free(a);
    wh_net_free(b);
}

/* The block length is the documented clamp(n / 8, 16, 64) from n = 40 on, capped by
 * ln 2 / (-2 ln(1 - eta)), and 0 wherever learn_block goes sample by sample. */
Test(block, block_length_follows_its_rule)
{
    const struct {
        wh_net_kind kind;
        wh_solver solver;
        size_t n;
        double eta;
        size_t want;
    } cases[] = {
        {WH_NET_INTERNEURON, WH_SOLVER_FAST, 48, 1e-3, 16},
        {WH_NET_INTERNEURON, WH_SOLVER_FAST, 256, 1e-3, 32},
        {WH_NET_INTERNEURON, WH_SOLVER_FAST, 600, 1e-3, 64},
        {WH_NET_INTERNEURON, WH_SOLVER_FAST, 48, 0.05, 6},  /* 0.3466 / 0.0513 = 6.76 */
        {WH_NET_INTERNEURON, WH_SOLVER_FAST, 48, 0.2, 0},   /* cap 1.55: no block of two */
        {WH_NET_INTERNEURON, WH_SOLVER_FAST, 39, 1e-3, 0},  /* below n = 40 */
        {WH_NET_INTERNEURON, WH_SOLVER_EXACT, 48, 1e-3, 0},
        {WH_NET_DIRECT, WH_SOLVER_FAST, 48, 1e-3, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wh_net *net = solver_net(cases[i].kind, cases[i].n, cases[i].eta, cases[i].solver, 0,
                                 1.0);
        cr_assert_eq(wh_net_block_length(net), cases[i].want, "case %zu: %zu, want %zu", i,
                     wh_net_block_length(net), cases[i].want);
        wh_net_free(net);
    }
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
        assert_status(wh_net_step_minibatch(b, 1, x, n, yb, n, NULL), WH_OK);
        cr_assert_leq(wh_test_rel_diff(1, n, yb, n, ya, n), 1e-14);
        cr_assert_leq(wh_test_rel_diff(n, n, wh__net_lateral(b), n, wh__net_lateral(a), n), 1e-14);
        wh_net_free(a);
        wh_net_free(b);
    }
}

/* A block holds M fixed: outputs M0^{-1} x_b, then M0 + eta (sum y y^T - B I). */
Test(minibatch, a_block_sums_the_updates_with_M_held_fixed)
{
    enum { N = 4, B = 9 };
    double *C = wh_test_covariance(N, 0.2, 5.0, 23);
    wh_source *src = wh_test_source(C, N, 24);
    wh_net *net = solver_net(WH_NET_DIRECT, N, 0.02, WH_SOLVER_FAST, 0, 1.6);
    double X[B * N], Y[B * N], M0[N * N], want[N * N], r[N];
    for (int b = 0; b < B; b++)
        wh_source_next(src, X + b * N, NULL);
    memcpy(M0, wh__net_lateral(net), sizeof M0);
    wh_step_info info;
    assert_status(wh_net_step_minibatch(net, B, X, N, Y, N, &info), WH_OK);
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
    cr_assert_leq(wh_test_rel_diff(N, N, wh__net_lateral(net), N, want, N), 1e-13);
    double bad[N] = {1.0, NAN, 0.0, 0.0};
    assert_status(wh_net_step_minibatch(net, 1, bad, N, Y, N, NULL), WH_ENONFINITE);
    assert_status(wh_net_step_minibatch(net, 0, X, N, Y, N, NULL), WH_EINVAL);
    assert_status(wh_net_step_minibatch(net, 1, X, N, NULL, N, NULL), WH_EINVAL);
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

Test(slow, interneuron_blocks_equal_the_exact_path_after_a_million_samples, .timeout = 1200)
{
    if (getenv("WH_TEST_SLOW") == NULL)
        cr_skip_test("set WH_TEST_SLOW=1 (meson test --suite slow)");
    const block_case c = {64, 128, 1e-3, 0, 1000000, false, 1e-10};
    block_equals_stepping(&c, WH_SOLVER_EXACT);
}

Test(slow, interneurons_equal_the_exact_path_after_a_million_samples, .timeout = 1200)
{
    slow_check(WH_NET_INTERNEURON);
}

Test(slow, direct_equals_the_exact_path_after_a_million_samples, .timeout = 1200)
{
    slow_check(WH_NET_DIRECT);
}
