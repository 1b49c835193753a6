/*
 * support.h: shared helpers for the Criterion suites.
 *
 * Comparisons print both values and the tolerance when they fail.
 */
#ifndef WH_TESTS_SUPPORT_H
#define WH_TESTS_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include <criterion/criterion.h>

#include "whiten.h"

/* Assert a status, printing its name when it differs. */
#define assert_status(got, want)                                                                   \
    do {                                                                                           \
        wh_status got_ = (got), want_ = (want);                                                    \
        cr_assert(got_ == want_, "%s: got %s, want %s", #got, wh_status_name(got_),               \
                  wh_status_name(want_));                                                          \
    } while (0)

/* |a - b| <= tol * max(1, |b|) */
#define assert_close(a, b, tol)                                                                    \
    do {                                                                                           \
        double a_ = (a), b_ = (b), t_ = (tol);                                                     \
        double scale_ = fabs(b_) > 1.0 ? fabs(b_) : 1.0;                                           \
        cr_assert(fabs(a_ - b_) <= t_ * scale_, "%s = %.17g, want %.17g (tolerance %g)", #a, a_, \
                  b_, t_);                                                                         \
    } while (0)

/* max |A_ij - B_ij| / max(1, max |B_ij|) over n x m matrices with leading dimensions. */
double wh_test_rel_diff(size_t n, size_t m, const double *a, size_t lda, const double *b,
                        size_t ldb);

/* A covariance with eigenvalues log-spaced in [lo, hi], rotated by a Haar matrix from seed. */
double *wh_test_covariance(size_t n, double lo, double hi, uint64_t seed);

/* Smallest eigenvalue of a symmetric n x n matrix (LAPACK). */
double wh_test_min_eig(size_t n, const double *a);

/* Largest |A_ij - A_ji|. */
double wh_test_asymmetry(size_t n, const double *a);

/* C = A B for A n x m and B m x p (row-major, tight). */
void wh_test_matmul(size_t n, size_t m, size_t p, const double *a, const double *b, double *c);

/* A network from the defaults with the given kind, n, k, eta and M0 = alpha I. */
wh_net *wh_test_net(wh_net_kind kind, size_t n, size_t k, double eta, double alpha);

/* A Gaussian source of n channels with covariance C (n x n) and the given seed. */
wh_source *wh_test_source(const double *C, size_t n, uint64_t seed);

#endif
