/*
 * test_metrics.c: the whitening errors against closed forms.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

Test(metrics, zero_at_the_square_root)
{
    double *C = wh_test_covariance(6, 0.01, 100.0, 5);
    wh_metrics *m = NULL;
    assert_status(wh_metrics_new(6, C, 6, &m), WH_OK);
    const double *S = wh_metrics_sqrt(m);
    double S2[36];
    wh_test_matmul(6, 6, 6, S, S, S2);
    cr_assert_leq(wh_test_rel_diff(6, 6, S2, 6, C, 6), 1e-13, "C^{1/2} squared is not C");
    cr_assert_gt(wh_test_min_eig(6, S), 0.0);
    wh_errors e;
    assert_status(wh_metrics_eval(m, S, 6, &e), WH_OK);
    cr_assert_leq(e.spectral, 1e-11);
    cr_assert_leq(e.frobenius, 1e-11);
    cr_assert_leq(e.sqrt_relative, 1e-15);
    wh_metrics_free(m);
    free(C);
}

Test(metrics, closed_form_for_M_commuting_with_C)
{
    /* M = alpha I and C = U diag(lambda) U^T: the output covariance has
     * eigenvalues lambda / alpha^2. */
    const double lambda[3] = {0.3, 2.385, 7.0}, alpha = 1.6;
    double C[9];
    wh_spectrum spec = {.n = 3, .eigenvalues = lambda, .rotate = true, .seed = 8};
    assert_status(wh_covariance_from_spectrum(&spec, C, 3), WH_OK);
    wh_metrics *m = NULL;
    assert_status(wh_metrics_new(3, C, 3, &m), WH_OK);
    double M[9] = {alpha, 0, 0, 0, alpha, 0, 0, 0, alpha};
    wh_errors e;
    assert_status(wh_metrics_eval(m, M, 3, &e), WH_OK);
    double spectral = 0.0, frob = 0.0, num = 0.0, den = 0.0;
    for (size_t i = 0; i < 3; i++) {
        double d = lambda[i] / (alpha * alpha) - 1.0;
        spectral = fmax(spectral, fabs(d));
        frob += d * d;
        num += pow(alpha - sqrt(lambda[i]), 2);
        den += lambda[i];
    }
    assert_close(e.spectral, spectral, 1e-13);
    assert_close(e.frobenius, sqrt(frob), 1e-13);
    assert_close(e.sqrt_relative, sqrt(num / den), 1e-13);
    /* After a context switch the same object measures against the new C. */
    const double D[9] = {alpha * alpha, 0, 0, 0, alpha * alpha, 0, 0, 0, alpha * alpha};
    assert_status(wh_metrics_set_covariance(m, D, 3), WH_OK);
    assert_status(wh_metrics_eval(m, M, 3, &e), WH_OK);
    cr_assert_leq(e.spectral, 1e-14);
    wh_metrics_free(m);
}

Test(running_cov, matches_a_direct_exponentially_weighted_average)
{
    const size_t n = 3;
    const double window = 4.0, a = 1.0 - 1.0 / window;
    wh_running_cov *rc = NULL;
    assert_status(wh_running_cov_new(n, window, &rc), WH_OK);
    double want[9] = {0}, weight = 0.0, y[3], got[9];
    for (int t = 0; t < 7; t++) {
        for (size_t i = 0; i < n; i++)
            y[i] = sin(2.385 * (double)(t * 3 + (int)i) + 0.3);
        wh_running_cov_update(rc, y);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                want[i * n + j] = a * want[i * n + j] + (1.0 - a) * y[i] * y[j];
        weight = a * weight + (1.0 - a);
    }
    for (size_t i = 0; i < 9; i++)
        want[i] /= weight;
    wh_running_cov_matrix(rc, got, n);
    cr_assert_leq(wh_test_rel_diff(n, n, got, n, want, n), 1e-15);
    wh_errors e;
    assert_status(wh_running_cov_errors(rc, &e), WH_OK);
    for (size_t i = 0; i < n; i++)
        want[i * n + i] -= 1.0;
    double frob = 0.0;
    for (size_t i = 0; i < 9; i++)
        frob += want[i] * want[i];
    assert_close(e.frobenius, sqrt(frob), 1e-14);
    wh_running_cov_free(rc);
}

Test(running_cov, window_one_is_the_last_outer_product)
{
    wh_running_cov *rc = NULL;
    assert_status(wh_running_cov_new(2, 1.0, &rc), WH_OK);
    const double y1[2] = {3.0, -1.0}, y2[2] = {0.5, 2.0};
    double S[4];
    wh_running_cov_update(rc, y1);
    wh_running_cov_update(rc, y2);
    wh_running_cov_matrix(rc, S, 2);
    cr_assert(S[0] == 0.25 && S[1] == 1.0 && S[2] == 1.0 && S[3] == 4.0);
    wh_running_cov_free(rc);
}
