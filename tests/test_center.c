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
