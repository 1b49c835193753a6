/*
 * test_source.c: synthetic inputs have the covariance they claim, switch
 * contexts on schedule, and repeat bit for bit from a seed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "core/rng.h"
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

/*
 * The source's generator (core/rng.c) is MT19937 written from its definition with a state
 * of our own. Oracle: GSL's gsl_rng_mt19937, seeded alike, over 10^6 words for each of
 * several seeds (0, which both take as 4357; 1; 4357 itself; 5489, the reference's default;
 * a high-entropy seed; 2^32 - 1), and the Gaussian draws the source makes from them.
 */
Test(rng, matches_gsl_mt19937_bit_for_bit)
{
    static const unsigned long seeds[] = {0, 1, 4357, 5489, 2654435769UL, 4294967295UL};
    for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++) {
        gsl_rng *gsl = gsl_rng_alloc(gsl_rng_mt19937), *ours = gsl_rng_alloc(wh__rng_type());
        cr_assert(gsl != NULL && ours != NULL);
        gsl_rng_set(gsl, seeds[s]);
        gsl_rng_set(ours, seeds[s]);
        for (size_t t = 0; t < 1000000; t++) {
            const unsigned long a = gsl_rng_get(gsl), b = gsl_rng_get(ours);
            if (a != b)
                cr_assert_fail("seed %lu, draw %zu: GSL's MT19937 gives %lu, ours %lu",
                               seeds[s], t, a, b);
        }
        for (size_t t = 0; t < 10000; t++) {
            const double a = gsl_ran_gaussian_ziggurat(gsl, 1.0);
            const double b = gsl_ran_gaussian_ziggurat(ours, 1.0);
            if (memcmp(&a, &b, sizeof a) != 0)
                cr_assert_fail("seed %lu, Gaussian draw %zu: %.17g vs %.17g", seeds[s], t, a, b);
        }
        gsl_rng_free(gsl);
        gsl_rng_free(ours);
    }
}

/* Oracle independent of GSL: the reference implementation's published outputs for its
 * default seed 5489 (the first word, and the 10000th, which C++'s std::mt19937 must give). */
Test(rng, gives_the_reference_outputs_of_seed_5489)
{
    gsl_rng *r = gsl_rng_alloc(wh__rng_type());
    gsl_rng_set(r, 5489);
    cr_assert_eq(gsl_rng_get(r), 3499211612UL);
    unsigned long word = 0;
    for (size_t t = 2; t <= 10000; t++)
        word = gsl_rng_get(r);
    cr_assert_eq(word, 4123659995UL);
    gsl_rng_free(r);
}

/* The saved words continue the stream exactly, at any position within a twist; what is no
 * state of ours is refused and leaves the generator as it was. */
Test(rng, words_continue_the_stream_and_bad_words_are_refused)
{
    gsl_rng *a = wh__rng_new(42), *b = wh__rng_new(7);
    uint32_t words[WH__RNG_WORDS], before[WH__RNG_WORDS];
    for (size_t skip = 0; skip < 1300; skip += 433) {
        for (size_t t = 0; t < skip; t++)
            gsl_rng_get(a);
        cr_assert(wh__rng_get_words(a, words));
        cr_assert(wh__rng_set_words(b, words));
        for (size_t t = 0; t < 2000; t++)
            cr_assert_eq(gsl_rng_get(a), gsl_rng_get(b), "skip %zu, draw %zu", skip, t);
    }
    cr_assert(wh__rng_get_words(b, before));
    words[WH__MT_N] = WH__MT_N + 1;
    cr_assert(!wh__rng_set_words(b, words), "a position beyond the state was taken");
    gsl_rng *gsl = gsl_rng_alloc(gsl_rng_mt19937);
    cr_assert(!wh__rng_get_words(gsl, words), "GSL's own generator read as ours");
    words[WH__MT_N] = 0;
    cr_assert(!wh__rng_set_words(gsl, words), "GSL's own generator written as ours");
    cr_assert(wh__rng_get_words(b, words));
    cr_assert(memcmp(words, before, sizeof words) == 0, "a refused state changed the generator");
    gsl_rng_free(gsl);
    wh__rng_free(a);
    wh__rng_free(b);
}
