/*
 * test_center.c: centring (whiten/center.h) against closed forms, and the
 * inverse x = M y + mu against the network's own forward map.
 */
#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "support.h"

/* Rows of a Gaussian with covariance C (n x n) shifted by mu, from seed. */
static double *shifted_rows(size_t rows, size_t n, const double *C, const double *mu,
                            uint64_t seed)
{
    wh_source *src = wh_test_source(C, n, seed);
    double *X = malloc(rows * n * sizeof *X);
    for (size_t r = 0; r < rows; r++) {
        wh_source_next(src, X + r * n, NULL);
        for (size_t j = 0; j < n; j++)
            X[r * n + j] += mu[j];
    }
    wh_source_free(src);
    return X;
}

Test(center, running_mean_is_the_exact_mean_until_the_window)
{
    /* 1/t weights: after t samples the mean is their plain average, whatever the order. */
    const double x[4][2] = {{2.385, -1.0}, {7.25, 3.5}, {-0.125, 9.0}, {1.0, 1.0}};
    wh_center *c = NULL;
    assert_status(wh_center_new(2, 10.0, &c), WH_OK);
    cr_assert_eq(wh_center_mean(c)[0], 0.0);
    for (size_t t = 0; t < 4; t++)
        assert_status(wh_center_update(c, x[t]), WH_OK);
    assert_close(wh_center_mean(c)[0], (2.385 + 7.25 - 0.125 + 1.0) / 4, 1e-15);
    assert_close(wh_center_mean(c)[1], (-1.0 + 3.5 + 9.0 + 1.0) / 4, 1e-15);
    cr_assert_eq(wh_center_samples(c), 4);
    wh_center_free(c);
}

Test(center, past_the_window_the_mean_follows_a_switch_exponentially)
{
    /* After the window fills, a step in the input from a to b leaves
     * mu_t - b = (a - b) (1 - 1/w)^s after s samples of b. */
    const double w = 50.0, a = 3.0, b = -2.0;
    wh_center *c = NULL;
    assert_status(wh_center_new(1, w, &c), WH_OK);
    for (int t = 0; t < 400; t++)
        wh_center_update(c, &a);
    assert_close(wh_center_mean(c)[0], a, 1e-14);
    for (int s = 1; s <= 120; s++) {
        wh_center_update(c, &b);
        if (s % 40 == 0)
            assert_close(wh_center_mean(c)[0] - b, (a - b) * pow(1.0 - 1.0 / w, s), 1e-12);
    }
    wh_center_free(c);
}

Test(center, no_window_is_the_mean_of_everything)
{
    wh_center *c = NULL;
    assert_status(wh_center_new(1, 0.0, &c), WH_OK);
    double sum = 0.0;
    for (int t = 1; t <= 5000; t++) {
        const double v = sin(2.385 * t) + 4.0;
        sum += v;
        wh_center_update(c, &v);
    }
    assert_close(wh_center_mean(c)[0], sum / 5000.0, 1e-13);
    wh_center_free(c);
}

Test(center, exact_mean_survives_a_large_offset)
{
    /* Values 1e8 + small: one pass leaves rounding of order 1e8 * eps * rows; the
     * residual pass brings it back to the spread's rounding. */
    enum { rows = 1001 };
    double X[rows * 2], want[2] = {0.0, 0.0};
    for (size_t r = 0; r < rows; r++) {
        const double d = 0.001 * (double)((int)r - 500);
        X[2 * r] = 1e8 + d;
        X[2 * r + 1] = -3.5 + d * d;
        want[1] += d * d;
    }
    want[0] = 1e8; /* the d are symmetric about 0 */
    want[1] = -3.5 + want[1] / rows;
    double mean[2];
    assert_status(wh_center_exact_mean(rows, 2, X, 2, mean), WH_OK);
    assert_close(mean[0], want[0], 1e-16);
    assert_close(mean[1], want[1], 1e-14);
}

Test(center, refusals)
{
    wh_center *c = NULL;
    assert_status(wh_center_new(3, -1.0, &c), WH_EINVAL);
    cr_assert_null(c);
    assert_status(wh_center_new(3, 0.5, &c), WH_EINVAL);
    assert_status(wh_center_new(3, NAN, &c), WH_EINVAL);
    assert_status(wh_center_new(3, 2e15, &c), WH_EINVAL);
    assert_status(wh_center_new(0, 10.0, &c), WH_EDIM);
    assert_status(wh_center_new(3, 10.0, NULL), WH_EINVAL);
    assert_status(wh_center_new(3, 10.0, &c), WH_OK);
    const double bad[3] = {1.0, NAN, 2.0}, good[3] = {1.0, 2.0, 3.0};
    assert_status(wh_center_update(c, bad), WH_ENONFINITE);
    cr_assert_eq(wh_center_samples(c), 0, "a refused sample was counted");
    cr_assert_eq(wh_center_mean(c)[0], 0.0, "a refused sample moved the mean");
    assert_status(wh_center_set(c, bad, 7), WH_ENONFINITE);
    assert_status(wh_center_set(c, good, 7), WH_OK);
    cr_assert_eq(wh_center_samples(c), 7);
    assert_status(wh_center_set_window(c, 0.9), WH_EINVAL);
    cr_assert_eq(wh_center_window(c), 10.0);
    double mean[3];
    assert_status(wh_center_exact_mean(0, 3, good, 3, mean), WH_EINVAL);
    assert_status(wh_center_exact_mean(1, 3, good, 2, mean), WH_EINVAL);
    assert_status(wh_center_exact_mean(1, 3, bad, 3, mean), WH_ENONFINITE);
    wh_center_free(c);
    wh_center_free(NULL);
}

Test(center, every_allocation_failure_is_cleaned_up)
{
    /* Two allocations: the object and its mean. Failing either leaks nothing. */
    for (size_t nth = 0; nth < 2; nth++) {
        wh_center *c = NULL;
        const long live = wh__alloc_live();
        wh__alloc_fail_at(nth);
        wh_status st = wh_center_new(5, 100.0, &c);
        wh__alloc_fail_at(WH__ALLOC_NEVER);
        assert_status(st, WH_ENOMEM);
        cr_assert_null(c);
        cr_assert_eq(wh__alloc_live(), live, "allocation %zu: a leak", nth);
    }
}

/* Centre, whiten, invert: the inputs come back to rounding, for both networks. */
static void round_trip(wh_net_kind kind)
{
    enum { n = 6, rows = 3000 };
    double *C = wh_test_covariance(n, 0.05, 40.0, 11);
    const double mu[n] = {10.0, -7.5, 2.385, 0.0, 31.0, -0.25};
    double *X = shifted_rows(rows, n, C, mu, 5);
    wh_net *net = wh_test_net(kind, n, 2 * n, 2e-3, 1.0);
    wh_center *c = NULL;
    assert_status(wh_center_new(n, 0.0, &c), WH_OK);
    double xc[n], y[n], back[n];
    for (size_t r = 0; r < rows; r++) {
        assert_status(wh_center_update(c, X + r * n), WH_OK);
        wh_center_subtract(c, X + r * n, xc);
        assert_status(wh_net_step(net, xc, y, NULL, NULL), WH_OK);
    }
    double worst = 0.0;
    for (size_t r = 0; r < rows; r++) {
        wh_center_subtract(c, X + r * n, xc);
        assert_status(wh_net_respond(net, xc, y, NULL, NULL), WH_OK);
        assert_status(wh_inverse(net, c, y, back), WH_OK);
        double num = 0.0, den = 0.0;
        for (size_t j = 0; j < n; j++) {
            num += pow(back[j] - X[r * n + j], 2);
            den += pow(X[r * n + j], 2);
        }
        worst = fmax(worst, sqrt(num / den));
    }
    cr_assert_leq(worst, 1e-12, "x -> y -> x: relative error %g", worst);
    /* Without centring the inverse is M y alone. */
    assert_status(wh_inverse(net, NULL, y, back), WH_OK);
    wh_center_subtract(c, X + (rows - 1) * n, xc);
    cr_assert_leq(wh_test_rel_diff(1, n, back, n, xc, n), 1e-12);
    wh_center *other = NULL;
    assert_status(wh_center_new(n + 1, 0.0, &other), WH_OK);
    assert_status(wh_inverse(net, other, y, back), WH_EINVAL);
    wh_center_free(other);
    wh_center_free(c);
    wh_net_free(net);
    free(X);
    free(C);
}

Test(center, inverse_returns_the_inputs_direct)
{
    round_trip(WH_NET_DIRECT);
}

Test(center, inverse_returns_the_inputs_interneuron)
{
    round_trip(WH_NET_INTERNEURON);
}

/* Two symmetric positive definite 3 x 3 matrices with entries of different sizes. */
static const double M1[9] = {2.385, 0.31, -0.2, 0.31, 1.75, 0.4, -0.2, 0.4, 3.1};
static const double M2[9] = {1.2, -0.5, 0.07, -0.5, 2.9, 0.15, 0.07, 0.15, 0.85};

Test(center, average_of_direct_networks_is_the_weighted_mean_of_M)
{
    /* Mbar = (2 M1 + 3 M2) / 5, put into the network as M itself. */
    wh_net *net = wh_test_net(WH_NET_DIRECT, 3, 0, 1e-3, 1.0);
    wh_average *a = NULL;
    assert_status(wh_average_new(net, &a), WH_OK);
    assert_status(wh_average_apply(a, net), WH_EINVAL); /* nothing added yet */
    assert_status(wh_net_restore(net, M1, 3, 7), WH_OK);
    assert_status(wh_average_add(a, net, 2.0), WH_OK);
    assert_status(wh_net_restore(net, M2, 3, 9), WH_OK);
    assert_status(wh_average_add(a, net, 3.0), WH_OK);
    assert_status(wh_average_add(a, net, 0.0), WH_EINVAL);
    assert_status(wh_average_add(a, net, NAN), WH_EINVAL);
    assert_close(wh_average_weight(a), 5.0, 0.0);
    assert_status(wh_average_apply(a, net), WH_OK);
    double M[9];
    assert_status(wh_net_get_lateral(net, M, 3), WH_OK);
    for (size_t i = 0; i < 9; i++)
        assert_close(M[i], (2.0 * M1[i] + 3.0 * M2[i]) / 5.0, 1e-15);
    cr_assert_eq(wh_net_samples(net), 9, "the sample count is kept");
    wh_average_free(a);
    wh_net_free(net);
}

Test(center, average_of_interneurons_puts_back_a_root_of_the_mean_M)
{
    /* W = [Mbar^(1/2) 0]: W W^T = Mbar, the zero columns beyond n, and Mbar^(1/2) symmetric. */
    wh_net *net = wh_test_net(WH_NET_INTERNEURON, 3, 5, 1e-3, 1.0), *other = NULL;
    wh_average *a = NULL;
    assert_status(wh_average_new(net, &a), WH_OK);
    const double *Ms[2] = {M1, M2};
    for (size_t t = 0; t < 2; t++) {
        /* W = [chol(M) 0] has W W^T = M. */
        double L[9] = {0}, W[15] = {0};
        for (size_t i = 0; i < 3; i++)
            for (size_t j = 0; j <= i; j++) {
                double v = Ms[t][i * 3 + j];
                for (size_t k = 0; k < j; k++)
                    v -= L[i * 3 + k] * L[j * 3 + k];
                L[i * 3 + j] = i == j ? sqrt(v) : v / L[j * 3 + j];
            }
        for (size_t i = 0; i < 3; i++)
            for (size_t j = 0; j < 3; j++)
                W[i * 5 + j] = L[i * 3 + j];
        assert_status(wh_net_restore(net, W, 5, 10 * (t + 1)), WH_OK);
        assert_status(wh_average_add(a, net, t == 0 ? 0.75 : 0.25), WH_OK);
    }
    other = wh_test_net(WH_NET_INTERNEURON, 3, 4, 1e-3, 1.0);
    assert_status(wh_average_add(a, other, 1.0), WH_EINVAL); /* another k */
    assert_status(wh_average_apply(a, net), WH_OK);
    double M[9], W[15];
    assert_status(wh_net_get_lateral(net, M, 3), WH_OK);
    assert_status(wh_net_get_weights(net, W, 5), WH_OK);
    for (size_t i = 0; i < 3; i++) {
        for (size_t j = 0; j < 3; j++) {
            assert_close(M[i * 3 + j], 0.75 * M1[i * 3 + j] + 0.25 * M2[i * 3 + j], 1e-13);
            assert_close(W[i * 5 + j], W[j * 5 + i], 1e-13);
        }
        cr_assert_eq(W[i * 5 + 3], 0.0);
        cr_assert_eq(W[i * 5 + 4], 0.0);
    }
    wh_average_free(a);
    wh_net_free(other);
    wh_net_free(net);
}

Test(center, average_of_gain_modulation_averages_the_gains_and_refuses_synapses)
{
    wh_net *net = wh_test_net(WH_NET_GAIN, 2, 0, 1e-3, 1.0);
    const size_t K = wh_net_k(net);
    double g1[3] = {0.5, 1.25, -0.125}, g2[3] = {0.25, 0.0, 2.0};
    cr_assert_eq(K, 3, "the default K of gain modulation at n = 2 is n(n+1)/2");
    wh_average *a = NULL;
    assert_status(wh_average_new(net, &a), WH_OK);
    assert_status(wh_net_restore_gains(net, NULL, K, g1, 3), WH_OK);
    assert_status(wh_average_add(a, net, 1.0), WH_OK);
    assert_status(wh_net_restore_gains(net, NULL, K, g2, 4), WH_OK);
    assert_status(wh_average_add(a, net, 3.0), WH_OK);
    assert_status(wh_average_apply(a, net), WH_OK);
    for (size_t i = 0; i < K; i++)
        assert_close(wh_net_gains(net)[i], (g1[i] + 3.0 * g2[i]) / 4.0, 1e-15);
    wh_average_free(a);
    wh_net_free(net);
    wh_net *synapses = wh_test_net(WH_NET_GAIN_SYNAPSE, 2, 0, 1e-3, 1.0);
    a = NULL;
    assert_status(wh_average_new(synapses, &a), WH_EINVAL);
    cr_assert_null(a);
    wh_average_free(NULL);
    wh_net_free(synapses);
}

Test(center, ridge_noise_is_a_pure_function_of_seed_and_index_with_variance_ridge)
{
    /* The same (seed, index) gives the same noise; its sample moments over many indices are
     * those of N(0, ridge) (5 standard errors), and the channels are uncorrelated. */
    enum { N = 3, T = 40000 };
    const double ridge = 0.37;
    double sum[N] = {0}, sq[N] = {0}, cross = 0.0;
    for (uint64_t t = 0; t < T; t++) {
        double x[N] = {0}, again[N] = {0};
        wh_ridge_noise(x, N, ridge, 11, t);
        wh_ridge_noise(again, N, ridge, 11, t);
        for (size_t j = 0; j < N; j++) {
            cr_assert_eq(x[j], again[j]);
            sum[j] += x[j];
            sq[j] += x[j] * x[j];
        }
        cross += x[0] * x[1];
    }
    for (size_t j = 0; j < N; j++) {
        cr_assert_leq(fabs(sum[j] / T), 5.0 * sqrt(ridge / T), "channel %zu: mean", j);
        cr_assert_leq(fabs(sq[j] / T - ridge), 5.0 * ridge * sqrt(2.0 / T), "channel %zu: var",
                      j);
    }
    cr_assert_leq(fabs(cross / T), 5.0 * ridge / sqrt((double)T));
    double a[N] = {1.0, 2.0, 3.0}, b[N] = {1.0, 2.0, 3.0};
    wh_ridge_noise(a, N, ridge, 11, 5);
    wh_ridge_noise(b, N, ridge, 12, 5);
    cr_assert_neq(a[0], b[0], "another seed, other noise");
    double z[N] = {1.0, 2.0, 3.0};
    wh_ridge_noise(z, N, 0.0, 11, 5);
    cr_assert_eq(z[2], 3.0, "ridge 0 adds nothing");
}
