/*
 * test_linalg.c: the plain-loop paths of src/core/linalg.c (orders up to 32, and the
 * straight factor of W diag(g) W^T up to 100) against OpenBLAS and LAPACK themselves,
 * the second method. Orders 1, 2, 7,
 * 31 and 32 with leading dimensions larger than n; the loops must agree with
 * the library to rounding, and the factorisation must refuse what dpotrf
 * refuses.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/linalg.h"
#include "support.h"

enum { LD = 37 };

static const size_t orders[] = {1, 2, 7, 31, 32};

/* A symmetric positive definite n x n matrix (leading dimension LD) with entries of
 * different sizes: B B^T / n + 0.5 I for a B from a fixed sequence. */
static void spd(size_t n, double *a)
{
    double b[32 * 32];
    for (size_t i = 0; i < n * n; i++)
        b[i] = sin(2.385 * (double)i + 0.7) * (1.0 + (double)(i % 5));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double v = i == j ? 0.5 : 0.0;
            for (size_t k = 0; k < n; k++)
                v += b[i * n + k] * b[j * n + k] / (double)n;
            a[i * LD + j] = v;
        }
}

/* LAPACK's factor of the same matrix (row-major lower = column-major upper). */
static void lapack_chol(size_t n, double *a)
{
    cr_assert_eq(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, a, LD), 0);
}

static double lower_diff(size_t n, const double *a, const double *b)
{
    double d = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            d = fmax(d, fabs(a[i * LD + j] - b[i * LD + j]));
            s = fmax(s, fabs(b[i * LD + j]));
        }
    return d / s;
}

Test(linalg, small_cholesky_and_solves_match_lapack)
{
    for (size_t t = 0; t < sizeof orders / sizeof *orders; t++) {
        const size_t n = orders[t];
        static double a[32 * LD], l[32 * LD], ref[32 * LD], x[32], y[32];
        spd(n, a);
        memcpy(l, a, sizeof l);
        memcpy(ref, a, sizeof ref);
        cr_assert(wh__chol(n, l, LD));
        lapack_chol(n, ref);
        cr_assert_leq(lower_diff(n, l, ref), 1e-14, "n %zu: factor differs by %g", n,
                      lower_diff(n, l, ref));
        for (size_t i = 0; i < n; i++)
            x[i] = y[i] = cos(1.3 * (double)i) + 0.2;
        wh__chol_solve(n, l, LD, x);
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (blasint)n, ref, LD, y,
                    1);
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (blasint)n, ref, LD, y, 1);
        cr_assert_leq(wh_test_rel_diff(1, n, x, n, y, n), 1e-12, "n %zu: solve", n);
    }
}

Test(linalg, small_sandwich_solves_and_gram_match_blas)
{
    for (size_t t = 0; t < sizeof orders / sizeof *orders; t++) {
        const size_t n = orders[t], m = 5; /* < FEW_RHS in linalg.c: the loops */
        static double a[32 * LD], l[32 * LD], b[32 * LD], c[32 * LD], r[32 * LD], s[32 * LD];
        spd(n, a);
        memcpy(l, a, sizeof l);
        cr_assert(wh__chol(n, l, LD));
        /* Sandwich: B <- M^{-1} B M^{-1} for symmetric B, against four dtrsm. */
        spd(n, b);
        memcpy(c, b, sizeof c);
        wh__chol_sandwich(n, l, LD, b, LD);
        const blasint nn = (blasint)n;
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, nn, nn, 1.0,
                    l, LD, c, LD);
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, nn, nn, 1.0,
                    l, LD, c, LD);
        cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, nn, nn, 1.0,
                    l, LD, c, LD);
        cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, nn, nn, 1.0,
                    l, LD, c, LD);
        cr_assert_leq(wh_test_rel_diff(n, n, b, LD, c, LD), 1e-12, "n %zu: sandwich", n);
        /* Many right-hand sides from the left (n x m) and rows from the right (m x n). */
        for (size_t i = 0; i < 32 * LD; i++)
            r[i] = s[i] = sin(0.37 * (double)i);
        wh__chol_solve_many(n, m, l, LD, r, LD);
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, nn,
                    (blasint)m, 1.0, l, LD, s, LD);
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, nn,
                    (blasint)m, 1.0, l, LD, s, LD);
        cr_assert_leq(wh_test_rel_diff(n, m, r, LD, s, LD), 1e-12, "n %zu: solve_many", n);
        wh__chol_solve_rows(n, m, l, LD, r, LD);
        cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (blasint)m,
                    nn, 1.0, l, LD, s, LD);
        cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, (blasint)m,
                    nn, 1.0, l, LD, s, LD);
        cr_assert_leq(wh_test_rel_diff(m, n, r, LD, s, LD), 1e-12, "n %zu: solve_rows", n);
        /* W W^T for W n x 3 (the loops up to n = 32, n k <= 256) and n x (n + 3). */
        for (size_t k = 3; k <= n + 3; k += n) {
            wh__gram(n, k, a, LD, b, LD);
            cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, nn, (blasint)k, 1.0, a, LD, 0.0, c,
                        LD);
            cr_assert_leq(lower_diff(n, b, c), 1e-14, "n %zu k %zu: gram", n, k);
        }
    }
}

/*
 * C = A diag(g) A^T. Up to order 32 and k 32 the vectorised loops must give, bit for bit,
 * the plain sum over t in order of (a_it g_t) a_jt for j <= i (the oracle below, one entry
 * at a time), mirrored exactly; beyond, dsyrk or dsyr2k to rounding. Orders that are not
 * multiples of the loops' block of 8 (and odd, for their pairs of rows), gains of both
 * signs, a leading dimension past n whose extra columns must be left alone.
 */
Test(linalg, gram_diag_matches_its_sum_and_blas)
{
    static const size_t ns[] = {1, 2, 7, 9, 16, 31, 32, 33}, ks[] = {1, 5, 16, 32, 36};
    static double a[40 * LD], c[40 * LD], g[40];
    static double scratch[41 * 40];
    for (size_t in = 0; in < sizeof ns / sizeof *ns; in++)
        for (size_t ik = 0; ik < sizeof ks / sizeof *ks; ik++)
            for (int sign = 0; sign < 2; sign++) {
                const size_t n = ns[in], k = ks[ik];
                for (size_t i = 0; i < n * LD; i++)
                    a[i] = sin(1.37 * (double)i + 0.2);
                for (size_t t = 0; t < k; t++)
                    g[t] = (sign && t % 3 == 1 ? -0.3 : 0.5) + 0.25 * cos((double)t);
                for (size_t i = 0; i < n * LD; i++)
                    c[i] = 1e300; /* the sentinel past column n */
                wh__gram_diag(n, k, a, LD, g, scratch, c, LD);
                double err = 0.0, scale = 0.0;
                for (size_t i = 0; i < n; i++) {
                    for (size_t j = n; j < LD; j++)
                        cr_assert_eq(c[i * LD + j], 1e300, "n %zu k %zu: column %zu written", n,
                                     k, j);
                    for (size_t j = 0; j <= i; j++) {
                        double v = 0.0;
                        for (size_t t = 0; t < k; t++)
                            v += a[i * LD + t] * g[t] * a[j * LD + t];
                        cr_assert_eq(c[j * LD + i], c[i * LD + j], "n %zu k %zu: not symmetric",
                                     n, k);
                        if (n <= 32 && k <= 32)
                            cr_assert_eq(c[i * LD + j], v, "n %zu k %zu: (%zu, %zu) %.17g, sum %.17g",
                                         n, k, i, j, c[i * LD + j], v);
                        err = fmax(err, fabs(c[i * LD + j] - v));
                        scale = fmax(scale, fabs(v));
                    }
                }
                cr_assert_leq(err, 1e-13 * scale, "n %zu k %zu: %g", n, k, err / scale);
                if (n > 32 || k > 32)
                    continue;
                /* The baseline build of the loops, bit for bit (on an AVX2 machine the
                 * other is the AVX2 build). */
                static double d[40 * LD];
                memcpy(d, c, sizeof d);
                wh__gram_diag_baseline(n, k, a, LD, g, d, LD);
                cr_assert_arr_eq(d, c, sizeof d, "n %zu k %zu: baseline and AVX2 differ", n, k);
            }
}

/*
 * L L^T = alpha I + W diag(g) W^T straight from W and g (wh__chol_gram_diag), against the
 * matrix formed by plain sums and factored by LAPACK's dpotrf: the factor to 1e-13, L L^T
 * back to the matrix, the AVX2 and baseline builds bit for bit, the upper triangle and
 * the columns past n untouched. Orders about the panel of 4 columns and the groups of 8
 * rows, K below, at and above n, gains of both signs, alpha 0 and 1; then an indefinite
 * matrix (negative gains) and a NaN in W refused, as dpotrf refuses them.
 */
Test(linalg, straight_factor_matches_the_formed_matrix_and_dpotrf)
{
    enum { NMAX = 100, LDW = 211, LDL = 103 };
    static const size_t ns[] = {1, 3, 4, 5, 8, 9, 33, 37, 64, 96, 100};
    static double w[NMAX * LDW], g[LDW], m[NMAX * LDL], l[NMAX * LDL], b[NMAX * LDL];
    static double scratch[(2 * LDW + NMAX + 4) * (NMAX + 16)];
    for (size_t in = 0; in < sizeof ns / sizeof *ns; in++)
        for (int variant = 0; variant < 3; variant++) {
            const size_t n = ns[in], k = variant == 0 ? n : variant == 1 ? n / 2 + 1 : 2 * n + 3;
            const double alpha = variant == 2 ? 0.0 : 1.0; /* k > n: well conditioned */
            cr_assert_leq(wh__chol_gram_diag_scratch(n, k), sizeof scratch / sizeof *scratch);
            uint64_t state = 88172645463325252ULL; /* xorshift: W of full rank */
            for (size_t i = 0; i < n * LDW; i++) {
                state ^= state << 13, state ^= state >> 7, state ^= state << 17;
                w[i] = (double)(state >> 11) * 0x1p-53 - 0.5;
            }
            for (size_t t = 0; t < k; t++) /* some negative, the sum still definite */
                g[t] = variant == 2 && t % 5 == 1 ? -0.02 : 0.5 + 0.25 * cos((double)t);
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j <= i; j++) {
                    double v = i == j ? alpha : 0.0;
                    for (size_t t = 0; t < k; t++)
                        v += w[i * LDW + t] * g[t] * w[j * LDW + t];
                    m[i * LDL + j] = m[j * LDL + i] = v;
                }
            memcpy(b, m, sizeof b);
            cr_assert_eq(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, b, LDL), 0,
                         "n %zu k %zu: the oracle is not definite", n, k);
            for (size_t i = 0; i < NMAX * LDL; i++)
                l[i] = 1e300;
            cr_assert(wh__chol_gram_diag(n, k, alpha, w, LDW, g, scratch, l, LDL), "n %zu k %zu",
                      n, k);
            double err = 0.0, scale = 0.0, back = 0.0, mscale = 0.0;
            for (size_t i = 0; i < n; i++) {
                for (size_t j = i + 1; j < LDL; j++)
                    cr_assert_eq(l[i * LDL + j], 1e300, "n %zu k %zu: (%zu, %zu) written", n, k,
                                 i, j);
                for (size_t j = 0; j <= i; j++) {
                    err = fmax(err, fabs(l[i * LDL + j] - b[i * LDL + j]));
                    scale = fmax(scale, fabs(b[i * LDL + j]));
                    double v = 0.0;
                    for (size_t t = 0; t <= j; t++)
                        v += l[i * LDL + t] * l[j * LDL + t];
                    back = fmax(back, fabs(v - m[i * LDL + j]));
                    mscale = fmax(mscale, fabs(m[i * LDL + j]));
                }
            }
            cr_assert_leq(err, 1e-13 * scale, "n %zu k %zu: factor off by %g", n, k, err / scale);
            cr_assert_leq(back, 1e-13 * mscale, "n %zu k %zu: L L^T off by %g", n, k,
                          back / mscale);
            memcpy(b, l, sizeof b);
            cr_assert(wh__chol_gram_diag_baseline(n, k, alpha, w, LDW, g, scratch, b, LDL));
            cr_assert_arr_eq(b, l, sizeof b, "n %zu k %zu: baseline and AVX2 differ", n, k);
        }
    /* Refused: negative gains (alpha I + W diag(g) W^T indefinite), a NaN in W. */
    const size_t n = 37, k = 40;
    for (size_t t = 0; t < k; t++)
        g[t] = -1.0;
    cr_assert_not(wh__chol_gram_diag(n, k, 1.0, w, LDW, g, scratch, l, LDL));
    cr_assert_not(wh__chol_gram_diag_baseline(n, k, 1.0, w, LDW, g, scratch, l, LDL));
    for (size_t t = 0; t < k; t++)
        g[t] = 1.0;
    cr_assert(wh__chol_gram_diag(n, k, 1.0, w, LDW, g, scratch, l, LDL));
    w[30 * LDW + 7] = NAN;
    cr_assert_not(wh__chol_gram_diag(n, k, 1.0, w, LDW, g, scratch, l, LDL));
    w[0] = INFINITY; /* at n = 1 the infinite pivot is the only one: no NaN follows it */
    cr_assert_not(wh__chol_gram_diag(1, k, 1.0, w, LDW, g, scratch, l, LDL));
    cr_assert_not(wh__chol_gram_diag_baseline(1, k, 1.0, w, LDW, g, scratch, l, LDL));
    /* Only the last pivot not positive (I + diag(0, ..., 0, -2) = diag(1, ..., 1, -1)):
     * nothing after it would turn a square root of a negative into a refusal. */
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < k; t++)
            w[i * LDW + t] = i == t ? 1.0 : 0.0;
    for (size_t t = 0; t < k; t++)
        g[t] = t == n - 1 ? -2.0 : 0.0;
    cr_assert_not(wh__chol_gram_diag(n, k, 1.0, w, LDW, g, scratch, l, LDL));
    cr_assert_not(wh__chol_gram_diag_baseline(n, k, 1.0, w, LDW, g, scratch, l, LDL));
    g[n - 1] = -1.0; /* a zero pivot: refused as dpotrf refuses it */
    cr_assert_not(wh__chol_gram_diag(n, k, 1.0, w, LDW, g, scratch, l, LDL));
    g[n - 1] = -0.5;
    cr_assert(wh__chol_gram_diag(n, k, 1.0, w, LDW, g, scratch, l, LDL));
    cr_assert_eq(l[(n - 1) * LDL + n - 1], sqrt(0.5));
}

/* The mirror goes by tiles of 16: orders around the tile, a leading dimension past n whose
 * extra columns must be left alone, and the lower triangle unchanged. */
Test(linalg, mirror_lower_copies_the_lower_triangle_exactly)
{
    static const size_t ns[] = {1, 15, 16, 17, 33, 40};
    enum { LDM = 43 };
    static double a[40 * LDM];
    for (size_t t = 0; t < sizeof ns / sizeof *ns; t++) {
        const size_t n = ns[t];
        for (size_t i = 0; i < 40 * LDM; i++)
            a[i] = (double)i;
        wh__mirror_lower(n, a, LDM);
        for (size_t i = 0; i < 40; i++)
            for (size_t j = 0; j < LDM; j++) {
                const double want = i < n && j < n && j > i ? (double)(j * LDM + i)
                                                            : (double)(i * LDM + j);
                cr_assert_eq(a[i * LDM + j], want, "n %zu: (%zu, %zu)", n, i, j);
            }
    }
}

Test(linalg, small_symv_and_syr2_match_blas)
{
    for (size_t t = 0; t < sizeof orders / sizeof *orders; t++) {
        const size_t n = orders[t];
        static double a[32 * LD], b[32 * LD], x[32], y[32], u[32], v[32];
        spd(n, a);
        memcpy(b, a, sizeof b);
        for (size_t i = 0; i < n; i++) {
            x[i] = cos(0.9 * (double)i) - 0.3;
            y[i] = sin(1.7 * (double)i) + 0.1;
        }
        wh__symv_lower(n, 2.385, a, LD, x, u);
        cblas_dsymv(CblasRowMajor, CblasLower, (blasint)n, 2.385, a, LD, x, 1, 0.0, v, 1);
        cr_assert_leq(wh_test_rel_diff(1, n, u, n, v, n), 1e-14, "n %zu: symv", n);
        /* the upper triangle alone (NaN below it), against the same product */
        static double c[32 * LD];
        memcpy(c, a, sizeof c);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < i; j++)
                c[i * LD + j] = NAN;
        wh__symv_upper(n, 2.385, c, LD, x, u);
        cr_assert_leq(wh_test_rel_diff(1, n, u, n, v, n), 1e-14, "n %zu: symv upper", n);
        wh__syr2_lower(n, -0.61, x, y, a, LD);
        cblas_dsyr2(CblasRowMajor, CblasLower, (blasint)n, -0.61, x, 1, y, 1, b, LD);
        cr_assert_leq(lower_diff(n, a, b), 1e-14, "n %zu: syr2", n);
    }
}

Test(linalg, small_trmv_matches_blas_both_ways)
{
    for (size_t t = 0; t < sizeof orders / sizeof *orders; t++) {
        const size_t n = orders[t];
        static double a[32 * LD], u[32], v[32];
        spd(n, a);
        lapack_chol(n, a); /* a lower triangle with entries of every size; the upper is junk */
        for (int trans = 0; trans < 2; trans++) {
            for (size_t i = 0; i < n; i++)
                u[i] = v[i] = cos(0.9 * (double)i + 0.4 * trans) - 0.3;
            wh__trmv_lower(trans != 0, n, a, LD, u);
            cblas_dtrmv(CblasRowMajor, CblasLower, trans ? CblasTrans : CblasNoTrans,
                        CblasNonUnit, (blasint)n, a, LD, v, 1);
            cr_assert_leq(wh_test_rel_diff(1, n, u, n, v, n), 1e-14, "n %zu, trans %d: trmv", n,
                          trans);
        }
    }
}

Test(linalg, small_cholesky_refuses_what_dpotrf_refuses)
{
    static double a[32 * LD];
    spd(7, a);
    a[3 * LD + 3] = -1.0; /* no longer positive definite */
    cr_assert_not(wh__chol(7, a, LD));
    spd(7, a);
    a[5 * LD + 5] = NAN;
    cr_assert_not(wh__chol(7, a, LD));
    spd(31, a);
    for (size_t j = 0; j < 31; j++) /* row 30 = row 29: singular */
        a[30 * LD + j] = a[j * LD + 30] = a[29 * LD + j];
    a[30 * LD + 30] = a[29 * LD + 29];
    cr_assert_not(wh__chol(31, a, LD));
}

/* wh__chol_inverse beyond 64 inverts the factor by halves (dtrmm) and forms P with dlauum.
 * Oracles: LAPACK's dpotri on the same factor, and P M = I. Orders just past the leaf,
 * odd, and two levels deep; leading dimensions larger than n. */
Test(linalg, blocked_inverse_matches_dpotri_and_inverts)
{
    static const size_t big[] = {65, 97, 130, 257};
    for (size_t c = 0; c < sizeof big / sizeof *big; c++) {
        const size_t n = big[c], ld = n + 3;
        double *m = calloc(n * ld, sizeof *m), *l = calloc(n * ld, sizeof *l),
               *p = calloc(n * ld, sizeof *p), *q = calloc(n * ld, sizeof *q);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j <= i; j++) {
                const double v = i == j ? 2.0 + (double)(i % 7) / 3.0
                                        : 0.3 * sin(1.7 * (double)(i * n + j)) / sqrt((double)n);
                m[i * ld + j] = m[j * ld + i] = v;
            }
        memcpy(l, m, n * ld * sizeof *l);
        cr_assert_eq(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, l, (lapack_int)ld),
                     0);
        cr_assert(wh__chol_inverse(n, l, ld, p, ld));
        memcpy(q, l, n * ld * sizeof *q);
        cr_assert_eq(LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, q, (lapack_int)ld),
                     0);
        wh__mirror_lower(n, p, ld);
        wh__mirror_lower(n, q, ld);
        cr_assert_lt(wh_test_rel_diff(n, n, p, ld, q, ld), 1e-13, "n = %zu", n);
        double worst = 0.0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double v = 0.0;
                for (size_t k = 0; k < n; k++)
                    v += p[i * ld + k] * m[k * ld + j];
                worst = fmax(worst, fabs(v - (i == j ? 1.0 : 0.0)));
            }
        cr_assert_lt(worst, 1e-13, "n = %zu: |P M - I| = %g", n, worst);
        free(m);
        free(l);
        free(p);
        free(q);
    }
}
