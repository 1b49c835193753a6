/*
 * test_gain.c: the gain-modulating circuits (src/net/gain.c) and their frames
 * (src/net/frame.c) against the facts of science.md §7.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "core/rng.h"
#include "net/gain.h"
#include "net/net.h"
#include "net/view.h"
#include "support.h"

static double *pairs_frame(size_t n)
{
    const size_t K = wh_frame_full_size(n);
    double *W = malloc(n * K * sizeof *W);
    assert_status(wh_frame_pairs(n, W, K), WH_OK);
    return W;
}

static double *random_frame(size_t n, size_t K, uint64_t seed)
{
    double *W = malloc(n * K * sizeof *W);
    assert_status(wh_frame_random(n, K, seed, W, K), WH_OK);
    return W;
}

static wh__gain *gain_circuit(size_t n, size_t K, const double *W, double alpha, double eta_g,
                              double eta_w)
{
    wh__gain_options o = {.n = n,
                          .K = K,
                          .alpha = alpha,
                          .eta_g = eta_g,
                          .eta_w = eta_w,
                          .renormalise = eta_w > 0.0,
                          .W0 = W,
                          .ldw = K};
    wh__gain *c = NULL;
    assert_status(wh__gain_new(&o, &c), WH_OK);
    return c;
}

/* out = alpha I + W diag(g) W^T by plain sums (an oracle independent of gain.c's paths). */
static void lateral_oracle(size_t n, size_t K, const double *W, const double *g, double alpha,
                           double *out)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = i == j ? alpha : 0.0;
            for (size_t m = 0; m < K; m++)
                s += W[i * K + m] * g[m] * W[j * K + m];
            out[i * n + j] = s;
        }
}

/* ||M^{-1} C M^{-1} - I||_2 */
static double whitening_error(size_t n, const double *M, const double *C)
{
    wh_metrics *m = NULL;
    assert_status(wh_metrics_new(n, C, n, &m), WH_OK);
    wh_errors e;
    assert_status(wh_metrics_eval(m, M, n, &e), WH_OK);
    wh_metrics_free(m);
    return e.spectral;
}

/* §7 fact 1: alpha = 0, g = 1 fixed, eta_w = eta is Algorithm 2, bit for bit. */
Test(gain, reduces_to_algorithm_2_bit_for_bit)
{
    const size_t n = 5, k = 7;
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = WH_NET_INTERNEURON, o.n = n, o.k = k, o.eta = 2.385e-3, o.solver = WH_SOLVER_EXACT;
    o.init.kind = WH_INIT_IDENTITY, o.init.alpha = 1.7, o.init.seed = 5;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    const double ones[7] = {1, 1, 1, 1, 1, 1, 1};
    wh__gain_options go = {.n = n,
                           .K = k,
                           .alpha = 0.0,
                           .eta_g = 0.0,
                           .eta_w = o.eta,
                           .W0 = wh__net_weights(net),
                           .ldw = k,
                           .g0 = ones};
    wh__gain *c = NULL;
    assert_status(wh__gain_new(&go, &c), WH_OK);
    double *C = wh_test_covariance(n, 0.2, 5.0, 9);
    wh_source *src = wh_test_source(C, n, 3);
    double x[5], y[5];
    for (int t = 0; t < 2000; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(net, x, y, NULL, NULL), WH_OK);
        assert_status(wh__gain_step(c, x), WH_OK);
        cr_assert(memcmp(y, c->y, sizeof y) == 0, "sample %d: y differs", t);
    }
    cr_assert(memcmp(wh__net_weights(net), c->W, n * k * sizeof(double)) == 0, "W differs");
    cr_assert(memcmp(wh__net_lateral(net), c->M, n * n * sizeof(double)) == 0, "M differs");
    cr_assert(memcmp(c->g, ones, sizeof ones) == 0, "the gains moved");
    wh_source_free(src);
    free(C);
    wh__gain_free(c);
    wh_net_free(net);
}

/* alpha I + W diag(g*) W^T = C^{1/2} for frames that span the symmetric matrices. */
static void check_optimum(size_t n, size_t K, const double *W, double alpha)
{
    double *C = wh_test_covariance(n, 0.3, 7.0, 21), *g = malloc(K * sizeof *g);
    double *M = malloc(n * n * sizeof *M), *R = malloc(n * n * sizeof *R);
    assert_status(wh_gain_optimum(n, K, W, K, alpha, C, n, g), WH_OK);
    lateral_oracle(n, K, W, g, alpha, M);
    wh_test_matmul(n, n, n, M, M, R); /* M^2 must be C */
    cr_assert_leq(wh_test_rel_diff(n, n, R, n, C, n), 1e-10, "(alpha I + W diag(g*) W^T)^2 != C");
    free(C), free(g), free(M), free(R);
}

Test(gain, optimum_realises_the_square_root)
{
    double *P = pairs_frame(4), *Q = random_frame(4, 10, 3), *S = random_frame(3, 6, 8);
    check_optimum(4, 10, P, 1.0);
    check_optimum(4, 10, Q, 1.0);
    check_optimum(3, 6, S, 0.0);
    check_optimum(4, 10, P, 2.385);
    free(P), free(Q), free(S);
}

Test(gain, optimum_refuses_a_frame_that_cannot_span)
{
    double *W = random_frame(4, 12, 1), *C = wh_test_covariance(4, 1.0, 2.0, 1), g[12];
    assert_status(wh_gain_optimum(4, 12, W, 12, 1.0, C, 4, g), WH_ERANK); /* K > n(n+1)/2 */
    assert_status(wh_gain_optimum(4, 10, W, 12, -1.0, C, 4, g), WH_EINVAL);
    assert_status(wh_gain_optimum(4, 10, W, 12, NAN, C, 4, g), WH_ENONFINITE);
    C[0] = -5.0;
    C[5] = -5.0;
    assert_status(wh_gain_optimum(4, 10, W, 12, 1.0, C, 4, g), WH_ENOTPD);
    free(W), free(C);
}

/* §7 fact 2: the population gain flow from g = 0 reaches g* (1e-8). */
static void population_reaches_optimum(size_t n, size_t K, const double *W, double eta_g, int steps)
{
    double *C = wh_test_covariance(n, 0.5, 4.0, 17), *g = malloc(K * sizeof *g);
    assert_status(wh_gain_optimum(n, K, W, K, 1.0, C, n, g), WH_OK);
    wh__gain *c = gain_circuit(n, K, W, 1.0, eta_g, 0.0);
    for (int t = 0; t < steps; t++)
        assert_status(wh__gain_step_expected(c, C, n), WH_OK);
    cr_assert_leq(wh_test_rel_diff(1, K, c->g, K, g, K), 1e-8, "population gains %g from g*",
                  wh_test_rel_diff(1, K, c->g, K, g, K));
    cr_assert_leq(whitening_error(n, c->M, C), 1e-8);
    wh__gain_free(c);
    free(C), free(g);
}

Test(gain, population_gains_reach_the_closed_form)
{
    double *P = pairs_frame(4), *Q = random_frame(3, 6, 6); /* cross-Gram condition 612 */
    population_reaches_optimum(4, 10, P, 0.2, 3000);
    population_reaches_optimum(3, 6, Q, 0.2, 20000);
    free(P), free(Q);
}

/* §7 fact 3: K = n random gains stall far from white, where K = n(n+1)/2 whiten. */
Test(gain, too_few_gains_cannot_whiten)
{
    const size_t n = 4;
    double *C = wh_test_covariance(n, 0.5, 8.0, 29), *W = random_frame(n, n, 6);
    wh__gain *c = gain_circuit(n, n, W, 1.0, 0.2, 0.0);
    for (int t = 0; t < 20000; t++)
        assert_status(wh__gain_step_expected(c, C, n), WH_OK);
    cr_assert_geq(whitening_error(n, c->M, C), 0.5, "K = n whitened a generic C");
    wh__gain_free(c);
    free(C), free(W);
}

/* The sparse path (pairs frame) and the dense path give M = alpha I + W diag(g) W^T. */
Test(gain, online_lateral_matches_its_definition)
{
    const size_t n = 4, K = 10;
    double *P = pairs_frame(n), *Q = random_frame(n, K, 2), *C = wh_test_covariance(n, 0.5, 3, 4);
    double M[16], x[4];
    double *frames[] = {P, Q};
    for (size_t f = 0; f < 2; f++) {
        wh__gain *c = gain_circuit(n, K, frames[f], 1.0, 0.01, 0.0);
        cr_assert((c->row_a != NULL) == (f == 0), "sparse path chosen wrongly");
        wh_source *src = wh_test_source(C, n, 12);
        for (int t = 0; t < 500; t++) {
            wh_source_next(src, x, NULL);
            assert_status(wh__gain_step(c, x), WH_OK);
        }
        lateral_oracle(n, K, c->W, c->g, 1.0, M);
        cr_assert_leq(wh_test_rel_diff(n, n, c->M, n, M, n), 1e-14, "frame %zu", f);
        /* The response is M^{-1} x and W^T M^{-1} x. */
        double r[4], z[10];
        wh__gain_respond(c, x);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, 4, 4, 1.0, M, 4, c->y, 1, 0.0, r, 1);
        cr_assert_leq(wh_test_rel_diff(1, n, r, n, x, n), 1e-12);
        cblas_dgemv(CblasRowMajor, CblasTrans, 4, 10, 1.0, c->W, 10, c->y, 1, 0.0, z, 1);
        cr_assert_leq(wh_test_rel_diff(1, K, c->z, K, z, K), 1e-14);
        wh_source_free(src);
        wh__gain_free(c);
    }
    free(P), free(Q), free(C);
}

/*
 * A gain step that leaves M indefinite is refused at that very sample, with the
 * state kept. The oracle predicts the sample by its own arithmetic: small inputs make
 * every z_i^2 - 1 negative, so the gains fall until alpha I + W diag(g) W^T loses
 * definiteness.
 */
Test(gain, refused_at_the_sample_where_M_loses_definiteness)
{
    const size_t n = 3, K = 6;
    const double eta_g = 0.05, alpha = 1.0;
    double *W = pairs_frame(n), g[6] = {0}, M[9], x[3];
    wh__gain *c = gain_circuit(n, K, W, alpha, eta_g, 0.0);
    int expected = -1;
    for (int t = 0; t < 1000 && expected < 0; t++) {
        x[0] = 0.01 * cos(t), x[1] = 0.02 * sin(3.0 * t), x[2] = 0.015;
        wh__gain_respond(c, x);
        for (size_t j = 0; j < K; j++)
            g[j] = c->g[j] + eta_g * (c->z[j] * c->z[j] - 1.0);
        lateral_oracle(n, K, W, g, alpha, M);
        if (wh_test_min_eig(n, M) <= 0.0)
            expected = t;
        else
            assert_status(wh__gain_step(c, x), WH_OK);
    }
    cr_assert(expected > 5, "the oracle found no loss of definiteness (%d)", expected);
    double before[9], gbefore[6];
    memcpy(before, c->M, sizeof before);
    memcpy(gbefore, c->g, sizeof gbefore);
    assert_status(wh__gain_step(c, x), WH_EDIVERGED);
    cr_assert_eq(c->samples, (uint64_t)expected, "samples %llu", (unsigned long long)c->samples);
    cr_assert(memcmp(before, c->M, sizeof before) == 0 && memcmp(gbefore, c->g, sizeof g) == 0,
              "a refused step changed the state");
    wh__gain_free(c);
    free(W);
}

/*
 * The same at orders where a dense frame's step factors M straight from W and g (40, 96)
 * and on either side of them (32, 97, M formed and factored by wh__chol), a fixed random
 * frame: inputs too small to matter let every gain fall by about eta_g a sample until
 * alpha I + W diag(g) W^T, whose smallest eigenvalue the oracle computes from the gains
 * the step would propose, loses definiteness. The step is refused at that very sample
 * and the circuit keeps its gains, its factor and its M (as read).
 */
Test(gain, refused_at_the_sample_where_M_loses_definiteness_at_middle_orders)
{
    static const size_t ns[] = {32, 40, 96, 97};
    for (size_t v = 0; v < sizeof ns / sizeof *ns; v++) {
        const size_t n = ns[v], K = n;
        const double eta_g = 0.01, alpha = 1.0;
        double *W = random_frame(n, K, 60 + v), *g = malloc(K * sizeof *g);
        double *M = malloc(n * n * sizeof *M), *x = malloc(n * sizeof *x);
        wh__gain *c = gain_circuit(n, K, W, alpha, eta_g, 0.0);
        int expected = -1;
        for (int t = 0; t < 1000 && expected < 0; t++) {
            for (size_t i = 0; i < n; i++)
                x[i] = 0.01 * cos((double)(t * 7 + (int)i));
            wh__gain_respond(c, x);
            for (size_t j = 0; j < K; j++)
                g[j] = c->g[j] + eta_g * (c->z[j] * c->z[j] - c->wn[j]);
            lateral_oracle(n, K, W, g, alpha, M);
            if (wh_test_min_eig(n, M) <= 0.0)
                expected = t;
            else
                assert_status(wh__gain_step(c, x), WH_OK);
        }
        cr_assert(expected > 5, "n %zu: the oracle found no loss of definiteness (%d)", n,
                  expected);
        cr_assert_eq(c->m_stale, n >= WH__CHOL_GRAM_MIN && n <= WH__CHOL_GRAM_MAX, "n %zu", n);
        double *L = malloc(n * n * sizeof *L), *gbefore = malloc(K * sizeof *gbefore);
        memcpy(L, c->L, n * n * sizeof *L);
        memcpy(gbefore, c->g, K * sizeof *gbefore);
        lateral_oracle(n, K, W, gbefore, alpha, M);
        assert_status(wh__gain_step(c, x), WH_EDIVERGED);
        cr_assert_eq(c->samples, (uint64_t)expected, "n %zu: samples %llu, expected %d", n,
                     (unsigned long long)c->samples, expected);
        cr_assert(memcmp(L, c->L, n * n * sizeof *L) == 0 &&
                      memcmp(gbefore, c->g, K * sizeof *gbefore) == 0,
                  "n %zu: a refused step changed the state", n);
        cr_assert_leq(wh_test_rel_diff(n, n, wh__gain_lateral(c), n, M, n), 1e-14, "n %zu", n);
        wh__gain_free(c);
        free(W), free(g), free(M), free(x), free(L), free(gbefore);
    }
}

/* Save (W, g, samples) and restore into a fresh circuit: it continues bit for bit. */
static void check_restore(size_t n, size_t K, const double *W0, double eta_w)
{
    double *C = wh_test_covariance(n, 0.5, 4.0, 2), *x = malloc(n * sizeof *x);
    wh__gain *a = gain_circuit(n, K, W0, 1.0, 0.02, eta_w);
    wh_source *src = wh_test_source(C, n, 8);
    for (int t = 0; t < 300; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh__gain_step(a, x), WH_OK);
    }
    /* A fixed frame is rebuilt from the saved frame; a learning one is restored. */
    wh__gain *b = gain_circuit(n, K, eta_w > 0.0 ? W0 : a->W, 1.0, 0.02, eta_w);
    assert_status(wh__gain_restore(b, eta_w > 0.0 ? a->W : NULL, K, a->g, a->samples), WH_OK);
    for (int t = 0; t < 300; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh__gain_step(a, x), WH_OK);
        assert_status(wh__gain_step(b, x), WH_OK);
    }
    cr_assert(memcmp(a->W, b->W, n * K * sizeof(double)) == 0, "W differs");
    cr_assert(memcmp(a->g, b->g, K * sizeof(double)) == 0, "g differs");
    cr_assert(memcmp(wh__gain_lateral(a), wh__gain_lateral(b), n * n * sizeof(double)) == 0,
              "M differs");
    cr_assert(memcmp(a->L, b->L, n * n * sizeof(double)) == 0, "L differs");
    cr_assert_eq(a->samples, b->samples);
    wh_source_free(src);
    wh__gain_free(a);
    wh__gain_free(b);
    free(C), free(x);
}

Test(gain, restore_continues_bit_for_bit)
{
    double *P = pairs_frame(3), *Q = random_frame(6, 6, 31), *R = random_frame(40, 40, 32);
    check_restore(3, 6, P, 0.0);
    check_restore(6, 6, Q, 1e-3);
    check_restore(40, 40, R, 1e-3); /* factored straight from W and g (orders 33 to 96) */
    free(P), free(Q), free(R);
}

/*
 * From order 33 to 96 a dense frame's step factors alpha I + W diag(g) W^T straight from W
 * and g, M not formed (gain.c, accept). Against the oracle of plain sums: M formed
 * on demand, the factor (L L^T), and the response M y = x; for gains plus synapses and for
 * a fixed random frame, K below and above n.
 */
Test(gain, straight_factor_matches_its_definition)
{
    static const size_t ns[] = {33, 40, 64}, Ks[] = {33, 40, 90};
    for (size_t v = 0; v < 3; v++) {
        const size_t n = ns[v], K = Ks[v];
        const double eta_w = v == 2 ? 0.0 : 1e-3;
        double *W0 = random_frame(n, K, 40 + v), *C = wh_test_covariance(n, 0.5, 4.0, 5);
        double *M = malloc(n * n * sizeof *M), *x = malloc(n * sizeof *x), *r = malloc(n * sizeof *r);
        wh__gain *c = gain_circuit(n, K, W0, 1.0, 0.01, eta_w);
        wh_source *src = wh_test_source(C, n, 13);
        for (int t = 0; t < 200; t++) {
            wh_source_next(src, x, NULL);
            assert_status(wh__gain_step(c, x), WH_OK);
        }
        cr_assert(c->m_stale, "n %zu: the step formed M", n);
        lateral_oracle(n, K, c->W, c->g, 1.0, M);
        cr_assert_leq(wh_test_rel_diff(n, n, wh__gain_lateral(c), n, M, n), 1e-14, "n %zu", n);
        cr_assert_not(c->m_stale);
        double back = 0.0, scale = 0.0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j <= i; j++) {
                double s = 0.0;
                for (size_t t = 0; t <= j; t++)
                    s += c->L[i * n + t] * c->L[j * n + t];
                back = fmax(back, fabs(s - M[i * n + j]));
                scale = fmax(scale, fabs(M[i * n + j]));
            }
        cr_assert_leq(back, 1e-13 * scale, "n %zu: L L^T off by %g", n, back / scale);
        wh__gain_respond(c, x);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, M, (int)n, c->y, 1, 0.0, r, 1);
        cr_assert_leq(wh_test_rel_diff(1, n, r, n, x, n), 1e-12, "n %zu", n);
        wh_source_free(src);
        wh__gain_free(c);
        free(W0), free(C), free(M), free(x), free(r);
    }
}

/* The straight factor refuses as the formed one: a NaN input (which reaches the gains) and
 * gains that leave M indefinite, the state kept. */
Test(gain, straight_factor_refuses_with_the_state_kept)
{
    const size_t n = 40, K = 40;
    double *W0 = random_frame(n, K, 7), *C = wh_test_covariance(n, 0.5, 4.0, 6), x[40], g[40], kept[40];
    wh__gain *c = gain_circuit(n, K, W0, 1.0, 0.01, 1e-3);
    wh_source *src = wh_test_source(C, n, 14);
    for (int t = 0; t < 20; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh__gain_step(c, x), WH_OK);
    }
    double *L = malloc(n * n * sizeof *L), *W = malloc(n * K * sizeof *W);
    memcpy(L, c->L, n * n * sizeof *L);
    memcpy(W, c->W, n * K * sizeof *W);
    memcpy(kept, c->g, sizeof kept);
    x[3] = NAN;
    assert_status(wh__gain_step(c, x), WH_EDIVERGED);
    for (size_t j = 0; j < K; j++)
        g[j] = -1.0; /* alpha I - W W^T: indefinite, W's columns being unit vectors */
    assert_status(wh__gain_restore(c, W, K, g, 99), WH_ENOTPD);
    cr_assert_eq(c->samples, 20);
    cr_assert(memcmp(L, c->L, n * n * sizeof *L) == 0 && memcmp(W, c->W, n * K * sizeof *W) == 0 &&
                  memcmp(kept, c->g, sizeof kept) == 0,
              "a refused step changed the state");
    wh_source_free(src);
    wh__gain_free(c);
    free(W0), free(C), free(L), free(W);
}

Test(gain, refuses_bad_options)
{
    double *W = random_frame(3, 6, 1);
    wh__gain_options base = {.n = 3, .K = 6, .alpha = 1.0, .eta_g = 0.01, .W0 = W, .ldw = 6};
    wh__gain *c = NULL;
    struct {
        wh__gain_options o;
        wh_status want;
    } cases[] = {
        {base, WH_OK},     {base, WH_EETA},       {base, WH_EETA}, {base, WH_ENONFINITE},
        {base, WH_EETA},   {base, WH_EINVAL},     {base, WH_EDIM}, {base, WH_EINVAL},
        {base, WH_ENOTPD}, {base, WH_ENONFINITE},
    };
    cases[1].o.eta_g = 1.0;
    cases[2].o.eta_g = -0.1;
    cases[3].o.eta_g = NAN;
    cases[4].o.eta_w = 1.5;
    cases[5].o.alpha = -1.0;
    cases[6].o.K = 0;
    cases[7].o.ldw = 5;
    cases[8].o.alpha = 0.0; /* g = 0: M = 0 */
    cases[9].o.alpha = INFINITY;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wh_status st = wh__gain_new(&cases[i].o, &c);
        cr_assert(st == cases[i].want, "case %zu: %s, want %s", i, wh_status_name(st),
                  wh_status_name(cases[i].want));
        wh__gain_free(c);
    }
    for (size_t i = 0; i < 3; i++)
        W[i * 6 + 4] = 0.0; /* a zero column */
    assert_status(wh__gain_new(&base, &c), WH_ERANK);
    cr_assert_null(c);
    free(W);
}

Test(gain, construction_survives_every_failed_allocation)
{
    double *W = random_frame(3, 6, 1);
    wh__gain_options o = {.n = 3, .K = 6, .alpha = 1.0, .eta_g = 0.01, .W0 = W, .ldw = 6};
    for (size_t nth = 0;; nth++) {
        long live = wh__alloc_live();
        wh__gain *c = NULL;
        wh__alloc_fail_at(nth);
        wh_status st = wh__gain_new(&o, &c);
        const bool fired = !wh__alloc_armed();
        wh__alloc_fail_at(WH__ALLOC_NEVER);
        wh__gain_free(c);
        cr_assert_eq(wh__alloc_live(), live, "allocation %zu leaked", nth);
        if (!fired) {
            assert_status(st, WH_OK);
            break;
        }
        assert_status(st, WH_ENOMEM);
    }
    free(W);
}

/* The pairs frame: K = n(n+1)/2 unit columns that span, far better conditioned than random. */
Test(frame, pairs_frame_spans_and_is_well_conditioned)
{
    for (size_t n = 2; n <= 8; n++) {
        const size_t K = wh_frame_full_size(n);
        cr_assert_eq(K, n * (n + 1) / 2);
        double *P = pairs_frame(n), cond, worst = 0.0;
        for (size_t j = 0; j < K; j++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += P[i * K + j] * P[i * K + j];
            assert_close(s, 1.0, 1e-15);
        }
        assert_status(wh_frame_condition(n, K, P, K, &cond), WH_OK);
        cr_assert(isfinite(cond) && cond < 2.0 * (double)(n * n), "pairs cond %g at n = %zu", cond,
                  n);
        for (uint64_t seed = 1; seed <= 5; seed++) {
            double *Q = random_frame(n, K, seed), c;
            assert_status(wh_frame_condition(n, K, Q, K, &c), WH_OK);
            worst = fmax(worst, c);
            free(Q);
        }
        if (n >= 3)
            cr_assert_gt(worst, 5.0 * cond, "n = %zu: random %g vs pairs %g", n, worst, cond);
        free(P);
    }
    double *Q = random_frame(3, 7, 1), c;
    assert_status(wh_frame_condition(3, 7, Q, 7, &c), WH_OK);
    cr_assert(isinf(c), "K > n(n+1)/2 must be singular, got %g", c);
    free(Q);
}

Test(frame, distance_ignores_order_and_sign)
{
    const size_t n = 4;
    double V[16], W[16], d;
    gsl_rng *rng = wh__rng_new(3);
    assert_status(wh__haar(rng, n, V, n), WH_OK);
    wh__rng_free(rng);
    const size_t perm[4] = {2, 0, 3, 1};
    const double sign[4] = {-1, 1, 1, -1};
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            W[i * n + j] = sign[j] * V[i * n + perm[j]];
    assert_status(wh_frame_distance(n, n, W, n, V, n, &d), WH_OK);
    cr_assert_leq(d, 1e-14);
    W[5] += 0.3;
    assert_status(wh_frame_distance(n, n, W, n, V, n, &d), WH_OK);
    assert_close(d, 0.3, 1e-12);
}

/* §7 fact 4: W = V, g = lambda_c, alpha = 1 whitens context c exactly. */
Test(source, context_family_shares_its_basis)
{
    wh_context_spec spec;
    wh_context_spec_default(&spec);
    spec.n = 5, spec.contexts = 7, spec.seed = 44;
    double V[25], lambda[35], *C = malloc(7 * 25 * sizeof *C), VtV[25], M[25], R[25];
    assert_status(wh_context_family(&spec, V, 5, lambda, C), WH_OK);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 5, 5, 5, 1.0, V, 5, V, 5, 0.0, VtV, 5);
    double Id[25] = {0};
    for (size_t i = 0; i < 5; i++)
        Id[i * 6] = 1.0;
    cr_assert_leq(wh_test_rel_diff(5, 5, VtV, 5, Id, 5), 1e-14);
    size_t zeros = 0;
    for (size_t c = 0; c < 7; c++) {
        for (size_t m = 0; m < 5; m++) {
            cr_assert(lambda[c * 5 + m] >= 0.0 && lambda[c * 5 + m] <= 10.0);
            zeros += lambda[c * 5 + m] == 0.0;
        }
        lateral_oracle(5, 5, V, lambda + c * 5, 1.0, M);
        wh_test_matmul(5, 5, 5, M, M, R);
        cr_assert_leq(wh_test_rel_diff(5, 5, R, 5, C + c * 25, 5), 1e-13, "context %zu", c);
        cr_assert_leq(whitening_error(5, M, C + c * 25), 1e-12);
    }
    cr_assert(zeros > 5 && zeros < 30, "%zu of 35 gains zero with keep = 1/2", zeros);
    spec.keep = 0.0;
    assert_status(wh_context_family(&spec, V, 5, lambda, C), WH_EINVAL);
    free(C);
}

/* §7 fact 4: population gains plus synapses align W with the shared basis V. */
Test(gain, population_synapses_learn_the_shared_basis)
{
    const size_t n = 4, contexts = 64;
    wh_context_spec spec;
    wh_context_spec_default(&spec);
    spec.n = n, spec.seed = 5;
    double V[16], *C = malloc(contexts * n * n * sizeof *C), d0, d;
    assert_status(wh_context_family(&spec, V, n, NULL, C), WH_OK);
    double *W = random_frame(n, n, 77);
    wh__gain *c = gain_circuit(n, n, W, 1.0, 0.05, 1e-3);
    assert_status(wh_frame_distance(n, n, c->W, n, V, n, &d0), WH_OK);
    for (size_t p = 0; p < 100; p++)
        for (int t = 0; t < 512; t++)
            assert_status(wh__gain_step_expected(c, C + (p % contexts) * n * n, n), WH_OK);
    assert_status(wh_frame_distance(n, n, c->W, n, V, n, &d), WH_OK);
    cr_assert_gt(d0, 0.5, "the start was already aligned: %g", d0);
    cr_assert_leq(d, 1e-3, "distance to V %g after 100 presentations (from %g)", d, d0);
    wh__gain_free(c);
    free(W), free(C);
}

static wh_net_options gain_options(wh_net_kind kind, size_t n, double eta)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = kind, o.n = n, o.eta = eta;
    return o;
}

/* Through the public interface: WH_NET_GAIN defaults to K = n(n+1)/2 and the pairs frame. */
Test(gain_net, public_gain_circuit_reaches_the_optimum)
{
    const size_t n = 4;
    wh_net_options o = gain_options(WH_NET_GAIN, n, 0.2);
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    cr_assert_eq(wh_net_k(net), 10);
    double *P = pairs_frame(n), *C = wh_test_covariance(n, 0.5, 4.0, 3), g[10], y[4], z[10];
    cr_assert(memcmp(wh__net_weights(net), P, 40 * sizeof(double)) == 0, "not the pairs frame");
    assert_status(wh_gain_optimum(n, 10, P, 10, 1.0, C, n, g), WH_OK);
    for (int t = 0; t < 3000; t++)
        assert_status(wh_net_step_expected(net, C, n, NULL), WH_OK);
    cr_assert_eq(wh_net_samples(net), 3000);
    cr_assert_leq(wh_test_rel_diff(1, 10, wh_net_gains(net), 10, g, 10), 1e-8);
    cr_assert_leq(whitening_error(n, wh__net_lateral(net), C), 1e-8);
    const double x[4] = {0.3, -1.2, 2.385, 0.7};
    wh_step_info info;
    assert_status(wh_net_respond(net, x, y, z, &info), WH_OK);
    cr_assert_eq(info.sample, 3000);
    double r[4];
    cblas_dgemv(CblasRowMajor, CblasNoTrans, 4, 4, 1.0, wh__net_lateral(net), 4, y, 1, 0.0, r, 1);
    cr_assert_leq(wh_test_rel_diff(1, n, r, n, x, n), 1e-12);
    /* The frame is fixed: wh_net_restore takes back that very frame only. */
    double gains[10];
    memcpy(gains, wh_net_gains(net), sizeof gains);
    assert_status(wh_net_restore(net, P, 10, 3000), WH_OK);
    cr_assert(memcmp(gains, wh_net_gains(net), sizeof gains) == 0, "restore moved the gains");
    P[3] += 1e-3;
    assert_status(wh_net_restore(net, P, 10, 0), WH_EINVAL);
    cr_assert_eq(wh_net_samples(net), 3000);
    double Y[8];
    assert_status(wh_net_step_minibatch(net, 2, P, 4, Y, 4, NULL), WH_EINVAL);
    wh_net_free(net);
    free(P), free(C);
}

Test(gain_net, public_gain_synapse_saves_and_continues_bit_for_bit)
{
    const size_t n = 3;
    wh_net_options o = gain_options(WH_NET_GAIN_SYNAPSE, n, 0.05);
    o.gain.eta_w = 2e-3, o.init.seed = 9;
    wh_net *a = NULL, *b = NULL;
    assert_status(wh_net_new(&o, &a), WH_OK);
    cr_assert_eq(wh_net_k(a), 3);
    double *C = wh_test_covariance(n, 0.5, 4.0, 3), x[3], ya[3], yb[3], za[3], zb[3];
    wh_source *src = wh_test_source(C, n, 4);
    for (int t = 0; t < 400; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(a, x, NULL, NULL, NULL), WH_OK);
    }
    o.init.seed = 10; /* another start: the restore must replace it */
    assert_status(wh_net_new(&o, &b), WH_OK);
    assert_status(wh_net_restore_gains(b, wh__net_weights(a), 3, wh_net_gains(a), 400), WH_OK);
    for (int t = 0; t < 400; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(a, x, ya, za, NULL), WH_OK);
        assert_status(wh_net_step(b, x, yb, zb, NULL), WH_OK);
        cr_assert(memcmp(ya, yb, sizeof ya) == 0 && memcmp(za, zb, sizeof za) == 0, "sample %d", t);
    }
    cr_assert(memcmp(wh__net_weights(a), wh__net_weights(b), 9 * sizeof(double)) == 0);
    cr_assert_eq(wh_net_samples(b), 800);
    wh_source_free(src);
    wh_net_free(a);
    wh_net_free(b);
    free(C);
}

/*
 * At orders 33 to 96 a dense frame's step does not form M (m_stale); wh_net_get_lateral
 * takes a const network and must write nothing in it (whiten/network.h, "Threads": any
 * number of threads may read one network at once), yet give alpha I + W diag(g) W^T, into
 * a leading dimension past n, with the bits of the library's own view.
 */
Test(gain_net, public_lateral_of_a_straight_factor_writes_nothing)
{
    const size_t n = 40, ld = 43;
    wh_net_options o = gain_options(WH_NET_GAIN_SYNAPSE, n, 0.01);
    o.gain.eta_w = 1e-3, o.init.seed = 12;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    double *C = wh_test_covariance(n, 0.5, 4.0, 3), *x = malloc(n * sizeof *x);
    wh_source *src = wh_test_source(C, n, 5);
    for (int t = 0; t < 30; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(net, x, NULL, NULL, NULL), WH_OK);
    }
    const wh__gain *c = net->gain;
    const size_t K = c->K;
    cr_assert(c->m_stale, "the step formed M: this test no longer tests the straight factor");
    double *kept = malloc(n * n * sizeof *kept), *M = malloc(n * ld * sizeof *M);
    double *oracle = malloc(n * n * sizeof *oracle);
    memcpy(kept, c->M, n * n * sizeof *kept);
    for (size_t i = 0; i < n * ld; i++)
        M[i] = -7.0;
    assert_status(wh_net_get_lateral(net, M, ld), WH_OK);
    cr_assert(c->m_stale && memcmp(kept, c->M, n * n * sizeof *kept) == 0,
              "wh_net_get_lateral wrote in a const network");
    lateral_oracle(n, K, c->W, c->g, o.gain.alpha, oracle);
    cr_assert_leq(wh_test_rel_diff(n, n, M, ld, oracle, n), 1e-14);
    for (size_t i = 0; i < n; i++)
        for (size_t j = n; j < ld; j++)
            cr_assert_eq(M[i * ld + j], -7.0, "(%zu, %zu) past n written", i, j);
    const double *view = wh__net_lateral(net); /* forms M in the network */
    for (size_t i = 0; i < n; i++)
        cr_assert(memcmp(M + i * ld, view + i * n, n * sizeof *M) == 0, "row %zu: other bits", i);
    wh_source_free(src);
    wh_net_free(net);
    free(C), free(x), free(kept), free(M), free(oracle);
}

Test(gain_net, public_options_refused)
{
    struct {
        wh_net_kind kind;
        size_t n, k;
        double eta, eta_w, alpha;
        int frame, solver;
        wh_status want;
    } cases[] = {
        {WH_NET_GAIN, 3, 0, 0.01, 1e-3, 1.0, WH_FRAME_DEFAULT, WH_SOLVER_AUTO, WH_OK},
        {WH_NET_GAIN, 3, 5, 0.01, 1e-3, 1.0, WH_FRAME_PAIRS, WH_SOLVER_AUTO, WH_EDIM},
        {WH_NET_GAIN, 3, 0, 0.01, 1e-3, 1.0, WH_FRAME_MATRIX, WH_SOLVER_AUTO, WH_EINVAL},
        {WH_NET_GAIN, 3, 0, 0.01, 1e-3, 1.0, 7, WH_SOLVER_AUTO, WH_EINVAL},
        {WH_NET_GAIN, 3, 0, 0.01, 1e-3, 1.0, WH_FRAME_DEFAULT, WH_SOLVER_FAST, WH_OK},
        {WH_NET_GAIN, 3, 0, 1.0, 1e-3, 1.0, WH_FRAME_DEFAULT, WH_SOLVER_AUTO, WH_EETA},
        {WH_NET_GAIN, 3, 0, 0.01, 1e-3, -0.5, WH_FRAME_DEFAULT, WH_SOLVER_AUTO, WH_EINVAL},
        {WH_NET_GAIN, 3, 0, 0.01, 1e-3, 0.0, WH_FRAME_DEFAULT, WH_SOLVER_AUTO, WH_ENOTPD},
        {WH_NET_GAIN, 0, 0, 0.01, 1e-3, 1.0, WH_FRAME_DEFAULT, WH_SOLVER_AUTO, WH_EDIM},
        {WH_NET_GAIN_SYNAPSE, 3, 0, 0.01, 0.0, 1.0, WH_FRAME_DEFAULT, WH_SOLVER_AUTO, WH_EETA},
        {WH_NET_GAIN_SYNAPSE, 3, 0, 0.01, NAN, 1.0, WH_FRAME_DEFAULT, WH_SOLVER_AUTO,
         WH_ENONFINITE},
        {WH_NET_GAIN_SYNAPSE, 3, 2, 0.01, 1e-3, 1.0, WH_FRAME_RANDOM, WH_SOLVER_AUTO, WH_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wh_net_options o = gain_options(cases[i].kind, cases[i].n, cases[i].eta);
        o.k = cases[i].k, o.gain.eta_w = cases[i].eta_w, o.gain.alpha = cases[i].alpha;
        o.gain.frame = cases[i].frame, o.solver = (wh_solver)cases[i].solver;
        wh_net *net = NULL;
        wh_status st = wh_net_new(&o, &net);
        cr_assert(st == cases[i].want, "case %zu: %s, want %s", i, wh_status_name(st),
                  wh_status_name(cases[i].want));
        cr_assert((net != NULL) == (st == WH_OK));
        /* gain modulation has a fast path (asked for, or AUTO from WH_AUTO_GAIN_FAST_N) */
        const bool fast = cases[i].kind == WH_NET_GAIN && cases[i].solver == WH_SOLVER_FAST;
        cr_assert(net == NULL || wh_net_solver(net) == (fast ? WH_SOLVER_FAST : WH_SOLVER_EXACT),
                  "case %zu: solver %d", i, net != NULL ? (int)wh_net_solver(net) : -1);
        wh_net_free(net);
    }
}

/* A gain circuit has no fast path and nothing to refresh: wh_net_refresh() says 0, even
 * when a period was asked for; the paper's circuits keep theirs. */
Test(gain_net, refresh_is_zero)
{
    const wh_net_kind kinds[] = {WH_NET_GAIN, WH_NET_GAIN_SYNAPSE, WH_NET_DIRECT};
    for (size_t i = 0; i < 3; i++)
        for (size_t asked = 0; asked <= 5; asked += 5) {
            wh_net_options o = gain_options(kinds[i], 3, 0.01);
            o.refresh = asked, o.solver = WH_SOLVER_FAST;
            wh_net *net = NULL;
            assert_status(wh_net_new(&o, &net), WH_OK);
            const size_t want = kinds[i] == WH_NET_DIRECT ? (asked ? asked : WH_REFRESH_DIRECT) : 0;
            cr_assert_eq(wh_net_refresh(net), want, "kind %d, refresh %zu asked: %zu", kinds[i],
                         asked, wh_net_refresh(net));
            wh_net_free(net);
        }
}

/* A network and its restored copy, fed the same 300 samples (x: n of scratch), end with
 * the same M and gains, bit for bit. */
static void continue_together(wh_net *a, wh_net *b, wh_source *src, double *x, const char *what)
{
    const size_t n = wh_net_n(a), K = wh_net_k(a);
    for (int t = 0; t < 300; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(a, x, NULL, NULL, NULL), WH_OK);
        assert_status(wh_net_step(b, x, NULL, NULL, NULL), WH_OK);
    }
    cr_assert(memcmp(wh__net_lateral(a), wh__net_lateral(b), n * n * sizeof(double)) == 0,
              "%s: M differs", what);
    cr_assert(memcmp(wh_net_gains(a), wh_net_gains(b), K * sizeof(double)) == 0,
              "%s: g differs", what);
}

/* The dispatcher's own calls: wh_net_restore (W) and the solver state (the gains). */
Test(gain_net, restore_and_solver_state_continue_bit_for_bit)
{
    const size_t n = 4;
    wh_net_kind kinds[2] = {WH_NET_GAIN, WH_NET_GAIN_SYNAPSE};
    for (size_t i = 0; i < 2; i++) {
        wh_net_options o = gain_options(kinds[i], n, 0.01);
        wh_net *a = NULL, *b = NULL;
        assert_status(wh_net_new(&o, &a), WH_OK);
        assert_status(wh_net_new(&o, &b), WH_OK);
        double *C = wh_test_covariance(n, 0.5, 4.0, 3), x[4], g[10];
        wh_source *src = wh_test_source(C, n, 4);
        for (int t = 0; t < 300; t++) {
            wh_source_next(src, x, NULL);
            assert_status(wh_net_step(a, x, NULL, NULL, NULL), WH_OK);
        }
        const size_t K = wh_net_k(a);
        cr_assert_eq(wh_net_solver_state_size(a), K);
        assert_status(wh_net_get_solver_state(a, g, K), WH_OK);
        cr_assert(memcmp(g, wh_net_gains(a), K * sizeof *g) == 0);
        assert_status(wh_net_restore(b, wh__net_weights(a), K, 300), WH_OK);
        assert_status(wh_net_set_solver_state(b, g, K), WH_OK);
        continue_together(a, b, src, x, i == 0 ? "gain" : "gain-synapse");
        wh_source_free(src);
        free(C);
        wh_net_free(a);
        wh_net_free(b);
    }
}

/* ---- The fast path of a sparse fixed frame (gain.c, "The fast path") ---- */

static wh_net *gain_net(size_t n, double eta, wh_solver solver)
{
    wh_net_options o = gain_options(WH_NET_GAIN, n, eta);
    o.solver = solver, o.gain.frame = WH_FRAME_PAIRS;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    cr_assert_eq(wh_net_solver(net), solver);
    return net;
}

/*
 * The fast path against the exact one (a Cholesky factor per sample) on the same stream:
 * the gains and M agree to 1e-10 relative after thousands of samples, at an n whose
 * products are loops (12) and one where they are BLAS (40); CG did most of the solves,
 * and the fast path's M is M(g) (the closed form alpha I + W diag(g) W^T, by plain sums).
 */
Test(gain_fast, agrees_with_the_exact_path)
{
    const size_t sizes[2] = {12, 40}, samples[2] = {4000, 600};
    for (size_t s = 0; s < 2; s++) {
        const size_t n = sizes[s], K = wh_frame_full_size(n);
        wh_net *exact = gain_net(n, 2e-4, WH_SOLVER_EXACT),
               *fast = gain_net(n, 2e-4, WH_SOLVER_FAST);
        double *C = wh_test_covariance(n, 0.3, 3.0, 7 + s), *x = malloc(n * sizeof *x);
        wh_source *src = wh_test_source(C, n, 11 + s);
        for (size_t t = 0; t < samples[s]; t++) {
            wh_source_next(src, x, NULL);
            assert_status(wh_net_step(exact, x, NULL, NULL, NULL), WH_OK);
            assert_status(wh_net_step(fast, x, NULL, NULL, NULL), WH_OK);
        }
        const wh__gain *c = fast->gain;
        cr_assert(c->fast && c->cg_solves > samples[s] / 2, "n = %zu: %llu CG solves of %zu", n,
                  (unsigned long long)c->cg_solves, samples[s]);
        const double dg = wh_test_rel_diff(1, K, wh_net_gains(fast), K, wh_net_gains(exact), K);
        const double dm =
            wh_test_rel_diff(n, n, wh__net_lateral(fast), n, wh__net_lateral(exact), n);
        cr_assert_leq(dg, 1e-10, "n = %zu: gains differ by %g", n, dg);
        cr_assert_leq(dm, 1e-10, "n = %zu: M differs by %g", n, dm);
        double *W = pairs_frame(n), *M = malloc(n * n * sizeof *M);
        lateral_oracle(n, K, W, wh_net_gains(fast), 1.0, M);
        const double dl = wh_test_rel_diff(n, n, wh__net_lateral(fast), n, M, n);
        cr_assert_leq(dl, 1e-12, "n = %zu: M is %g from M(g)", n, dl);
        /* and y answers x: ||M y - x|| small */
        double y[40], r[40];
        assert_status(wh_net_respond(fast, x, y, NULL, NULL), WH_OK);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, M, (int)n, y, 1, 0.0, r, 1);
        cr_assert_leq(wh_test_rel_diff(1, n, r, n, x, n), 1e-12);
        free(W), free(M), free(C), free(x);
        wh_source_free(src);
        wh_net_free(exact);
        wh_net_free(fast);
    }
}

/* Saved mid-period (CG mode, M updated in place since the refresh) and restored into a
 * fresh network, the fast path continues bit for bit; a state that cannot be is refused. */
Test(gain_fast, solver_state_continues_bit_for_bit)
{
    const size_t n = 10;
    wh_net *a = gain_net(n, 2e-4, WH_SOLVER_FAST), *b = gain_net(n, 2e-4, WH_SOLVER_FAST);
    double *C = wh_test_covariance(n, 0.3, 3.0, 5), x[10];
    wh_source *src = wh_test_source(C, n, 6);
    for (int t = 0; t < 205; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(a, x, NULL, NULL, NULL), WH_OK);
    }
    cr_assert(a->gain->since > 0 && a->gain->p_valid, "not saved between refreshes");
    const size_t size = wh_net_solver_state_size(a), K = wh_net_k(a);
    cr_assert_eq(size, 2 * K + n * (n + 1) / 2 + 5);
    double *state = malloc(size * sizeof *state);
    assert_status(wh_net_get_solver_state(a, state, size), WH_OK);
    assert_status(wh_net_restore(b, wh__net_weights(a), K, 205), WH_OK);
    state[size - 3] = 0.5; /* a hold of half a sample */
    cr_assert(wh_net_set_solver_state(b, state, size) != WH_OK);
    assert_status(wh_net_get_solver_state(a, state, size), WH_OK);
    assert_status(wh_net_set_solver_state(b, state, size), WH_OK);
    continue_together(a, b, src, x, "fast");
    free(state), free(C);
    wh_source_free(src);
    wh_net_free(a);
    wh_net_free(b);
}

/*
 * The exact path's refusal scenario (above) on the fast path: the loss of definiteness is
 * reported no earlier than the exact path reports it and at most one refresh period later,
 * and the refused step leaves the circuit as it was (finite, the same gains).
 */
Test(gain_fast, refuses_within_a_period_of_the_loss_of_definiteness)
{
    const size_t n = 3, K = 6;
    double *W = pairs_frame(n), x[3];
    wh__gain *exact = gain_circuit(n, K, W, 1.0, 0.05, 0.0),
             *fast = gain_circuit(n, K, W, 1.0, 0.05, 0.0);
    assert_status(wh__gain_enable_fast(fast), WH_OK);
    cr_assert(fast->fast);
    int refused_exact = -1, refused_fast = -1;
    for (int t = 0; t < 1000 && (refused_exact < 0 || refused_fast < 0); t++) {
        x[0] = 0.01 * cos(t), x[1] = 0.02 * sin(3.0 * t), x[2] = 0.015;
        if (refused_exact < 0 && wh__gain_step(exact, x) == WH_EDIVERGED)
            refused_exact = t;
        if (refused_fast < 0) {
            double g[6];
            const wh_status st = wh__gain_step_fast(fast, x);
            if (st != WH_OK) {
                assert_status(st, WH_EDIVERGED);
                refused_fast = t;
                /* back at the last refresh: its gains, M(g_r), positive definite */
                cr_assert(memcmp(fast->g_r, fast->g, sizeof g) == 0, "not the refresh's gains");
                double M[9];
                lateral_oracle(n, K, W, fast->g, 1.0, M);
                cr_assert_leq(wh_test_rel_diff(n, n, wh__gain_lateral(fast), n, M, n), 1e-15);
                cr_assert_gt(wh_test_min_eig(n, M), 0.0);
                assert_status(wh__gain_respond(fast, x), WH_OK);
            }
        }
    }
    cr_assert(refused_exact > 5, "the exact path refused at %d", refused_exact);
    cr_assert(refused_fast >= refused_exact && refused_fast <= refused_exact + 8,
              "fast refused at %d, exact at %d (period 8)", refused_fast, refused_exact);
    wh__gain_free(exact);
    wh__gain_free(fast);
    free(W);
}

/* Two fast circuits on one frame, the second with the general column pass (c->pairs
 * cleared where the frame qualified), fed the same stream. */
static void pairs_against_general(size_t n, double eta_g, int samples, uint64_t seed)
{
    const size_t K = wh_frame_full_size(n);
    double *W = pairs_frame(n), *x = malloc(n * sizeof *x);
    wh__gain *a = gain_circuit(n, K, W, 1.0, eta_g, 0.0),
             *b = gain_circuit(n, K, W, 1.0, eta_g, 0.0);
    assert_status(wh__gain_enable_fast(a), WH_OK);
    assert_status(wh__gain_enable_fast(b), WH_OK);
    cr_assert(a->fast && a->pairs && b->pairs, "n = %zu: the pairs frame not recognised", n);
    b->pairs = false;
    double *C = wh_test_covariance(n, 0.3, 3.0, seed);
    wh_source *src = wh_test_source(C, n, seed + 1);
    for (int t = 0; t < samples; t++) {
        wh_source_next(src, x, NULL);
        a->eta_g = b->eta_g = t % 97 == 50 ? 0.0 : eta_g; /* the branch of a rate of 0 too */
        assert_status(wh__gain_step_fast(a, x), WH_OK);
        assert_status(wh__gain_step_fast(b, x), WH_OK);
        /* The pairs loop sums M's diagonal in another order: rounding, not growing. */
        const double dy = wh_test_rel_diff(1, n, a->y, n, b->y, n),
                     dz = wh_test_rel_diff(1, K, a->z, K, b->z, K),
                     dg = wh_test_rel_diff(1, K, a->g, K, b->g, K),
                     dm = wh_test_rel_diff(n, n, a->M, n, b->M, n);
        cr_assert(dy <= 1e-12 && dz <= 1e-12 && dg <= 1e-12 && dm <= 1e-13,
                  "n = %zu, sample %d: y %g, z %g, g %g, M %g apart", n, t, dy, dz, dg, dm);
    }
    cr_assert(a->cg_solves > (uint64_t)samples / 2 && a->refreshes > 2,
              "n = %zu: %llu CG solves, %llu refreshes", n, (unsigned long long)a->cg_solves,
              (unsigned long long)a->refreshes);
    wh_source_free(src);
    free(C), free(W), free(x);
    wh__gain_free(a);
    wh__gain_free(b);
}

/*
 * The pairs frame's own column pass (fused_update_pairs: no index or value arrays, a
 * vectorised loop per row of pairs, M's diagonal summed apart) gives the general pass's
 * y, z, g and M to rounding after every sample (1e-12 relative; their sums differ only in
 * the order of the diagonal's), through CG solves and refreshes, at an even n, an odd
 * one, and one whose products are BLAS calls.
 */
Test(gain_fast, pairs_loop_matches_the_general_loop)
{
    pairs_against_general(12, 2e-3, 600, 31);
    pairs_against_general(13, 2e-3, 600, 33);
    pairs_against_general(41, 5e-4, 300, 35);
}

/* Only the pairs frame's very layout takes that loop: the columns in another order, or one
 * pair with other values, keep the general pass (and the fast path); the built-in frame and
 * the same frame given as a matrix take it. */
Test(gain_fast, pairs_loop_only_for_the_pairs_layout)
{
    const size_t n = 6, K = wh_frame_full_size(n);
    double *W = pairs_frame(n);
    for (int variant = 0; variant < 2; variant++) {
        double *V = malloc(n * K * sizeof *V);
        memcpy(V, W, n * K * sizeof *V);
        for (size_t i = 0; i < n; i++) {
            if (variant == 0) { /* the first two pairs swapped */
                const double t = V[i * K + n];
                V[i * K + n] = V[i * K + n + 1], V[i * K + n + 1] = t;
            } else if (V[i * K + K - 1] != 0.0) { /* the last pair (n-2, n-1) at 0.6 */
                V[i * K + K - 1] = 0.6;
            }
        }
        wh__gain *c = gain_circuit(n, K, V, 1.0, 1e-3, 0.0);
        assert_status(wh__gain_enable_fast(c), WH_OK);
        cr_assert(c->fast && !c->pairs, "variant %d taken for the pairs frame", variant);
        wh__gain_free(c);
        free(V);
    }
    wh_net *built_in = gain_net(n, 1e-3, WH_SOLVER_FAST);
    cr_assert(built_in->gain->pairs);
    wh_net_options o = gain_options(WH_NET_GAIN, n, 1e-3);
    o.solver = WH_SOLVER_FAST, o.gain.frame = WH_FRAME_MATRIX, o.gain.matrix = W;
    wh_net *given = NULL;
    assert_status(wh_net_new(&o, &given), WH_OK);
    cr_assert(given->gain->fast && given->gain->pairs);
    wh_net_free(built_in);
    wh_net_free(given);
    free(W);
}
