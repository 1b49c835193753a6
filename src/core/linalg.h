/*
 * linalg.h: the one seam between libwhiten and BLAS/LAPACK.
 *
 * All matrices are row-major with an explicit leading dimension. Symmetric
 * matrices are stored in full (both triangles). A Cholesky factor L with
 * A = L L^T occupies the lower triangle of its buffer; whatever lies above
 * the diagonal is ignored by every routine that reads a factor. Small orders
 * (up to 32) run as plain loops, larger ones through BLAS/LAPACK (linalg.c
 * says why). None of these routines allocates except wh__eig_init() and
 * wh__haar().
 */
#ifndef WH_CORE_LINALG_H
#define WH_CORE_LINALG_H

#include <stdbool.h>
#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "whiten/status.h"

/* Largest dimension handed to BLAS/LAPACK (their integers are 32-bit). */
size_t wh__linalg_max_dim(void);

/* Copy a rows x cols block. */
void wh__copy(size_t rows, size_t cols, const double *src, size_t lds, double *dst, size_t ldd);

/* Copy the lower triangle (diagonal included) of an n x n matrix; dst's upper part is left. */
void wh__copy_lower(size_t n, const double *src, size_t lds, double *dst, size_t ldd);

/* dst = a I (n x n). */
void wh__set_identity(size_t n, double a, double *dst, size_t ldd);

/* True if every entry of the rows x cols block is finite. */
bool wh__finite(size_t rows, size_t cols, const double *a, size_t lda);

/* True if |A_ij - A_ji| <= rtol * max |A| for all i, j. */
bool wh__is_symmetric(size_t n, const double *a, size_t lda, double rtol);

/* Copy the lower triangle of A onto its upper triangle. */
void wh__mirror_lower(size_t n, double *a, size_t lda);

/* C = A A^T for A n x k, both triangles filled. */
void wh__gram(size_t n, size_t k, const double *a, size_t lda, double *c, size_t ldc);

/* y = alpha A x for symmetric A stored in its lower triangle (dsymv; y is overwritten). */
void wh__symv_lower(size_t n, double alpha, const double *a, size_t lda, const double *x,
                    double *y);

/* A += alpha (x y^T + y x^T) on the lower triangle (dsyr2). */
void wh__syr2_lower(size_t n, double alpha, const double *x, const double *y, double *a,
                    size_t lda);

/* Factor A = L L^T in place (lower triangle). False if A is not positive definite. */
bool wh__chol(size_t n, double *a, size_t lda);

/* Solve (L L^T) x = b in place, b of length n. */
void wh__chol_solve(size_t n, const double *l, size_t ldl, double *b);

/* B <- (L L^T)^{-1} B (L L^T)^{-1} for B n x n. */
void wh__chol_sandwich(size_t n, const double *l, size_t ldl, double *b, size_t ldb);

/* B <- (L L^T)^{-1} B for B n x m (m right-hand sides). */
void wh__chol_solve_many(size_t n, size_t m, const double *l, size_t ldl, double *b, size_t ldb);

/* P = (L L^T)^{-1}, lower triangle only (the upper one of p is left alone). */
bool wh__chol_inverse(size_t n, const double *l, size_t ldl, double *p, size_t ldp);

/* B <- B (L L^T)^{-1} for B m x n: each row b^T becomes b^T M^{-1} (M symmetric). */
void wh__chol_solve_rows(size_t n, size_t m, const double *l, size_t ldl, double *b, size_t ldb);

/* Frobenius norm of a rows x cols block. */
double wh__frobenius(size_t rows, size_t cols, const double *a, size_t lda);

/* Gershgorin bound on the spectral radius of A: max_i sum_j |A_ij|. */
double wh__gershgorin(size_t n, const double *a, size_t lda);

/*
 * Workspace for symmetric eigen-decompositions of order n (LAPACK dsyev).
 * After wh__eig_solve() the eigenvalues are in w (ascending) and, when
 * vectors were asked for, row i of `a` holds the eigenvector of w[i].
 */
typedef struct wh__eig {
    size_t n;
    double *a;    /* n x n, leading dimension n */
    double *w;    /* n eigenvalues */
    double *work;
    size_t lwork;
} wh__eig;

wh_status wh__eig_init(wh__eig *e, size_t n);
void wh__eig_free(wh__eig *e);
wh_status wh__eig_solve(wh__eig *e, const double *a, size_t lda, bool vectors);

/* Spectral norm of a symmetric A: max |eigenvalue|; WH_ENONFINITE if A has a NaN or infinity. */
wh_status wh__sym_norm2(wh__eig *e, const double *a, size_t lda, double *norm);

/* S = A^{p} for symmetric positive definite A and power p (e.g. 0.5); WH_ENOTPD otherwise. */
wh_status wh__sym_power(wh__eig *e, const double *a, size_t lda, double p, double *s, size_t lds);

/* Q: a Haar-distributed random n x n orthogonal matrix drawn from rng. */
wh_status wh__haar(gsl_rng *rng, size_t n, double *q, size_t ldq);

#endif
