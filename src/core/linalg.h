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

/* Run BLAS on one thread in this process (a process-wide setting: the command line's). */
void wh__linalg_single_thread(void);

/* BLAS's process-wide thread count, and setting it (the Python extension runs the library on
 * one thread and gives the caller's count back: python/whiten/_whiten.c). */
int wh__linalg_threads(void);
void wh__linalg_set_threads(int threads);

/*
 * Make BLAS take the work buffer of the calling thread now (one 1 x 1 product).
 * OpenBLAS allocates that buffer (128 MB of address space) at a thread's first
 * call and, when the allocation fails, retries for ever: the command line calls
 * this once, at its start, after checking that the buffer fits its limits.
 */
void wh__linalg_warm_up(void);

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

/* WH_OK if A (n x n) is finite, symmetric to rtol (as wh__is_symmetric) and positive
 * definite, else WH_ENONFINITE, WH_ENOTSYM or WH_ENOTPD; scratch (n x n, leading
 * dimension n) receives a Cholesky factor on the way. */
wh_status wh__check_spd(size_t n, const double *a, size_t lda, double rtol, double *scratch);

/* Copy the lower triangle of A onto its upper triangle. */
void wh__mirror_lower(size_t n, double *a, size_t lda);

/* C = A A^T for A n x k, both triangles filled. */
void wh__gram(size_t n, size_t k, const double *a, size_t lda, double *c, size_t ldc);

/* C = A diag(g) A^T for A n x k, both triangles filled, exactly symmetric; scratch holds
 * (n + 1) x k doubles (used from order 33 or k 33 on). */
void wh__gram_diag(size_t n, size_t k, const double *a, size_t lda, const double *g,
                   double *scratch, double *c, size_t ldc);
/* Its loops (n, k <= 32) as compiled for the baseline instruction set, which wh__gram_diag
 * runs where the processor has no AVX2: for the test that both give the same bits. */
void wh__gram_diag_baseline(size_t n, size_t k, const double *a, size_t lda, const double *g,
                            double *c, size_t ldc);

/* y = alpha A x for symmetric A stored in its lower triangle (dsymv; y is overwritten). */
void wh__symv_lower(size_t n, double alpha, const double *a, size_t lda, const double *x,
                    double *y);
/* The same, A stored in its upper triangle (row-major: a[i * lda + j], j >= i). */
void wh__symv_upper(size_t n, double alpha, const double *a, size_t lda, const double *x,
                    double *y);

/* A += alpha (x y^T + y x^T) on the lower triangle (dsyr2). */
void wh__syr2_lower(size_t n, double alpha, const double *x, const double *y, double *a,
                    size_t lda);

/* C = A^T A for A rows x n (n x n result), both triangles filled (dsyrk). */
void wh__gram_t(size_t n, size_t rows, double alpha, const double *a, size_t lda, double *c,
                size_t ldc);

/* A += alpha x x^T on the lower triangle (dsyr). */
void wh__syr_lower(size_t n, double alpha, const double *x, double *a, size_t lda);

/* A <- alpha A on the lower triangle (diagonal included). */
void wh__scale_lower(size_t n, double alpha, double *a, size_t lda);

/*
 * Plain BLAS, row-major, unit strides, lower triangles: the library's other
 * BLAS calls, one wrapper each, so that every call goes through this seam (its
 * lock policy and checks). op(A) is A, or A^T when `trans` is true; `left`
 * puts the symmetric or triangular A on the left of B.
 */
double wh__dot(size_t n, const double *x, const double *y);
double wh__nrm2(size_t n, const double *x);
void wh__axpy(size_t n, double alpha, const double *x, double *y); /* y += alpha x */
void wh__scal(size_t n, double alpha, double *x);                   /* x *= alpha */

/* y = alpha op(A) x + beta y for A rows x cols (dgemv). */
void wh__gemv(bool trans, size_t rows, size_t cols, double alpha, const double *a, size_t lda,
              const double *x, double beta, double *y);

/* C = alpha op(A) op(B) + beta C, C m x n, inner dimension k (dgemm). */
void wh__gemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, double alpha,
              const double *a, size_t lda, const double *b, size_t ldb, double beta, double *c,
              size_t ldc);

/* A += alpha x y^T for A m x n (dger). */
void wh__ger(size_t m, size_t n, double alpha, const double *x, const double *y, double *a,
             size_t lda);

/* C = alpha op(A) op(A)^T + beta C on the lower triangle; op(A) n x k (dsyrk). */
void wh__syrk_lower(bool trans, size_t n, size_t k, double alpha, const double *a, size_t lda,
                    double beta, double *c, size_t ldc);

/* C = alpha (op(A) op(B)^T + op(B) op(A)^T) + beta C, lower triangle (dsyr2k). */
void wh__syr2k_lower(bool trans, size_t n, size_t k, double alpha, const double *a, size_t lda,
                     const double *b, size_t ldb, double beta, double *c, size_t ldc);

/* C = alpha A B + beta C (left) or alpha B A + beta C, A symmetric in its lower
 * triangle, C m x n (dsymm). */
void wh__symm_lower(bool left, size_t m, size_t n, double alpha, const double *a, size_t lda,
                    const double *b, size_t ldb, double beta, double *c, size_t ldc);

/* y = alpha A x + beta y, A symmetric in its lower triangle (dsymv, at every order). */
void wh__symv_lower_beta(size_t n, double alpha, const double *a, size_t lda, const double *x,
                         double beta, double *y);

/* x <- op(L) x for L lower triangular, non-unit diagonal (dtrmv). */
void wh__trmv_lower(bool trans, size_t n, const double *l, size_t ldl, double *x);

/* B <- alpha op(L) B (left) or alpha B op(L), L lower triangular, B m x n (dtrmm). */
void wh__trmm_lower(bool left, bool trans, size_t m, size_t n, double alpha, const double *l,
                    size_t ldl, double *b, size_t ldb);

/* Factor A = L L^T in place (lower triangle). False if A is not positive definite. */
bool wh__chol(size_t n, double *a, size_t lda);

/*
 * L L^T = alpha I + W diag(g) W^T (W n x k) straight from W and g, M never formed: the
 * lower triangle of l is L, its upper triangle is left alone. False at the first pivot that
 * is not positive and finite (a non-finite W or g reaches a NaN or infinite one; wh__chol
 * refuses the NaN, not an infinity). scratch holds
 * wh__chol_gram_diag_scratch(n, k) doubles. Faster than W diag(g) W^T and wh__chol at
 * middle orders (WH__CHOL_GRAM_MIN to WH__CHOL_GRAM_MAX), equal to them up to rounding.
 */
#define WH__CHOL_GRAM_MIN 33
#define WH__CHOL_GRAM_MAX 96
bool wh__chol_gram_diag(size_t n, size_t k, double alpha, const double *w, size_t ldw,
                        const double *g, double *scratch, double *l, size_t ldl);
size_t wh__chol_gram_diag_scratch(size_t n, size_t k);
/* Its loops as compiled for the baseline instruction set: for the test that both builds
 * give the same bits. */
bool wh__chol_gram_diag_baseline(size_t n, size_t k, double alpha, const double *w, size_t ldw,
                                 const double *g, double *scratch, double *l, size_t ldl);

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
