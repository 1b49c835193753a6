/*
 * test_source.c: synthetic inputs have the covariance they claim, switch
 * contexts on schedule, and repeat bit for bit from a seed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

Test(spectrum, log_spacing_and_rotation_keep_the_eigenvalues)
{
    double D[9], R[9];
    wh_spectrum spec = {.n = 3, .lo = 0.1, .hi = 10.0};
    assert_status(wh_covariance_from_spectrum(&spec, D, 3), WH_OK);
    assert_close(D[0], 0.1, 1e-15);
    assert_close(D[4], 1.0, 1e-15); /* geometric middle */
    assert_close(D[8], 10.0, 1e-15);
    cr_assert_eq(D[1], 0.0);
    spec.rotate = true;
    spec.seed = 77;
    assert_status(wh_covariance_from_spectrum(&spec, R, 3), WH_OK);
    cr_assert_gt(fabs(R[1]), 1e-3, "rotated covariance looks diagonal");
    cr_assert_eq(wh_test_asymmetry(3, R), 0.0);
    assert_close(R[0] + R[4] + R[8], 11.1, 1e-13);         /* trace */
    assert_close(wh_test_min_eig(3, R), 0.1, 1e-13);       /* smallest eigenvalue */
    /* Frobenius norm: sqrt(sum lambda^2) is rotation-invariant. */
    double f = 0.0;
    for (size_t i = 0; i < 9; i++)
        f += R[i] * R[i];
    assert_close(sqrt(f), sqrt(0.01 + 1.0 + 100.0), 1e-13);
}

Test(spectrum, given_eigenvalues_and_a_single_dimension)
{
    const double lambda[2] = {2.385, 0.5};
    double C[4], one;
    wh_spectrum spec = {.n = 2, .eigenvalues = lambda};
    assert_status(wh_covariance_from_spectrum(&spec, C, 2), WH_OK);
    cr_assert(C[0] == 2.385 && C[3] == 0.5 && C[1] == 0.0 && C[2] == 0.0);
    wh_spectrum single = {.n = 1, .lo = 3.5, .hi = 7.0};
    assert_status(wh_covariance_from_spectrum(&single, &one, 1), WH_OK);
    cr_assert_eq(one, 3.5);
}

static wh_source *source_of(const double *covs, size_t n, size_t contexts, uint64_t every,
                            uint64_t seed)
{
    wh_source_options so;
    wh_source_options_default(&so);
    so.n = n;
    so.contexts = contexts;
    so.covariances = covs;
    so.switch_every = every;
    so.seed = seed;
    wh_source *src = NULL;
    assert_status(wh_source_new(&so, &src), WH_OK);
    return src;
}

/* Sample covariance of `count` draws, compared with C in Frobenius norm. */
static double sample_covariance_error(wh_source *src, const double *C, size_t n, size_t count)
{
    double *S = calloc(n * n, sizeof *S), *x = calloc(n, sizeof *x);
    for (size_t t = 0; t < count; t++) {
        wh_source_next(src, x, NULL);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                S[i * n + j] += x[i] * x[j] / (double)count;
    }
    double diff = 0.0, norm = 0.0;
    for (size_t i = 0; i < n * n; i++) {
        diff += (S[i] - C[i]) * (S[i] - C[i]);
        norm += C[i] * C[i];
    }
    free(S);
    free(x);
    return sqrt(diff / norm);
}

Test(source, samples_have_the_requested_covariance)
{
    double *C = wh_test_covariance(4, 0.2, 5.0, 12);
    wh_source *src = source_of(C, 4, 1, 0, 13);
    /* Relative sampling error of 2e5 draws is about sqrt(2 / 2e5) ~ 0.003 per entry. */
    double err = sample_covariance_error(src, C, 4, 200000);
    cr_assert_lt(err, 0.01, "sample covariance off by %g (relative Frobenius)", err);
    cr_assert_eq(wh_source_samples(src), 200000);
    wh_source_free(src);
    free(C);
}

Test(source, contexts_switch_on_schedule_and_each_has_its_covariance)
{
    double covs[2][9];
    double *A = wh_test_covariance(3, 0.1, 1.0, 1), *B = wh_test_covariance(3, 10.0, 100.0, 2);
    memcpy(covs[0], A, sizeof covs[0]);
    memcpy(covs[1], B, sizeof covs[1]);
    wh_source *src = source_of(&covs[0][0], 3, 2, 50000, 3);
    cr_assert_eq(wh_source_contexts(src), 2);
    cr_assert_eq(wh_source_context_at(src, 0), 0);
    cr_assert_eq(wh_source_context_at(src, 49999), 0);
    cr_assert_eq(wh_source_context_at(src, 50000), 1);
    cr_assert_eq(wh_source_context_at(src, 100000), 0);
    cr_assert_eq(wh_source_context_at(src, 150001), 1);
    cr_assert(memcmp(wh_source_covariance(src, 1), B, sizeof covs[1]) == 0);
    cr_assert_null(wh_source_covariance(src, 2));
    for (int block = 0; block < 4; block++) {
        double err = sample_covariance_error(src, covs[block % 2], 3, 50000);
        cr_assert_lt(err, 0.02, "block %d: sample covariance off by %g", block, err);
    }
    size_t context;
    double x[3];
    wh_source_next(src, x, &context);
    cr_assert_eq(context, 0);
    wh_source_free(src);
    free(A);
    free(B);
}

Test(source, a_seed_repeats_bit_for_bit_and_another_seed_differs)
{
    double *C = wh_test_covariance(5, 0.1, 10.0, 4);
    wh_source *a = source_of(C, 5, 1, 0, 2385), *b = source_of(C, 5, 1, 0, 2385);
    wh_source *c = source_of(C, 5, 1, 0, 2386);
    double xa[5], xb[5], xc[5];
    size_t same_as_other_seed = 0;
    for (int t = 0; t < 1000; t++) {
        wh_source_next(a, xa, NULL);
        wh_source_next(b, xb, NULL);
        wh_source_next(c, xc, NULL);
        cr_assert(memcmp(xa, xb, sizeof xa) == 0, "sample %d differs for one seed", t);
        same_as_other_seed += memcmp(xa, xc, sizeof xa) == 0;
    }
    cr_assert_eq(same_as_other_seed, 0);
    wh_source_free(a);
    wh_source_free(b);
    wh_source_free(c);
    free(C);
}
