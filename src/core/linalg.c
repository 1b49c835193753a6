/*
 * linalg.c: BLAS/LAPACK behind one seam.
 *
 * LAPACKE's row-major wrappers allocate a transposed copy on every call, so
 * this file calls the column-major _work routines instead. A symmetric
 * row-major matrix is its own column-major transpose, and the row-major lower
 * triangle is the column-major upper one: factoring with uplo 'U' in column
 * major leaves L (A = L L^T) in the row-major lower triangle.
 */
#include "core/linalg.h"

#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"

/* Four doubles: one AVX register, two SSE2 ones (GCC and clang vector extension). */
typedef double quad __attribute__((vector_size(32)));

static blasint bi(size_t v)
{
    return (blasint)v;
}

/*
 * Up to this order the Cholesky family (factor, solves, sandwich), W W^T,
 * the triangular and symmetric matrix-vector products and the rank-2 update run as plain
 * loops.
 * OpenBLAS takes a global lock to hand out a work buffer in dpotrf, dtrsm,
 * dtrsv, dsyrk and dsymv, even on one thread; on small matrices, called from
 * several threads at once (the sweeps of `whiten reproduce`), that lock was
 * most of the cost: two threads ran E3 2.5x slower than one (perf: futex
 * waits under blas_memory_alloc). At these sizes the loops are also no slower
 * than the calls' own overhead.
 */
#define SMALL 32

/* Calls that do more work than this per lock (many right-hand sides, a wide W W^T) go to
 * BLAS-3 even at small orders: there the lock is shared out over the call, and the
 * loops, which do not vectorise their sums, would be slower (measured: a 64-row block
 * solve at n = 16 ran 2.2x slower as loops, W W^T at n = 16, k = 32 1.3x). */
#define FEW_RHS 8
#define SMALL_GRAM 256

/*
 * Solve (L L^T) x = b in place, b's entries `stride` apart. Each row's sum ends with the
 * entry solved last (forward: k up to i - 1; backward: k down to i + 1), and the pivot is
 * applied as a product with its reciprocal, which does not wait on the sum: the chain from
 * one entry to the next is then a multiply and a subtraction, not a division (at n = 16 the
 * divisions were most of the solves' time).
 */
static void solve_strided(size_t n, const double *l, size_t ldl, double *b, size_t stride)
{
    for (size_t i = 0; i < n; i++) {
        const double r = 1.0 / l[i * ldl + i];
        double v = b[i * stride];
        for (size_t k = 0; k < i; k++)
            v -= l[i * ldl + k] * b[k * stride];
        b[i * stride] = v * r;
    }
    for (size_t i = n; i-- > 0;) {
        const double r = 1.0 / l[i * ldl + i];
        double v = b[i * stride];
        for (size_t k = n; --k > i;)
            v -= l[k * ldl + i] * b[k * stride];
        b[i * stride] = v * r;
    }
}

/*
 * A = L L^T in place, row by row of L; false at the first pivot that is not positive
 * (or NaN), as dpotrf. A division an entry, not a product with the pivot's reciprocal
 * (which was 3 % faster at n = 16): with the reciprocal a singular matrix whose last row
 * repeats the one before left a pivot of +1e-16 where dpotrf and this loop find one <= 0
 * (tests/test_linalg.c, tests/test_refusals.c).
 */
static bool chol_loops(size_t n, double *a, size_t lda)
{
    for (size_t j = 0; j < n; j++) {
        double *rj = a + j * lda;
        double d = rj[j];
        for (size_t k = 0; k < j; k++)
            d -= rj[k] * rj[k];
        if (!(d > 0.0))
            return false;
        rj[j] = d = sqrt(d);
        for (size_t i = j + 1; i < n; i++) {
            double *ri = a + i * lda, v = ri[j];
            for (size_t k = 0; k < j; k++)
                v -= ri[k] * rj[k];
            ri[j] = v / d;
        }
    }
    return true;
}

/*
 * L L^T = alpha I + W diag(g) W^T in one pass (wh__chol_gram_diag), for the gain circuits'
 * exact step at middle orders, where forming M (dsyrk) and then factoring it (dpotrf) cost
 * 19.2 us at n = K = 64 and this 12.2 (measured here, one thread). Left-looking by panels
 * of CHOL_PANEL columns: each panel's columns of M below the diagonal, less what the
 * columns of L before it take away, are one sum
 *   p_ij = sum_t w_it (w_jt g_t) - sum_{t < j0} l_it l_jt       (i >= j0, j in the panel)
 * over K + j0 terms, vectorised over eight rows i at a time with the panel's four j in
 * registers (eight sums in flight, each t a load of eight w_it and four broadcasts); then
 * the panel is factored column by column (a division an entry, as wh__chol's loops).
 * W^T, (W diag(g))^T, L^T and the panel are kept transposed in scratch, so that every
 * load runs along i. M itself is never formed.
 */
enum { CHOL_PANEL = 4, CHOL_ROWS = 8 };

/* The length of a row of those transposed copies: n rounded up to 8, and 8 more (a
 * group of rows may start 4 short of n's multiple of 8 and run past it; and at n = 64
 * rows 512 bytes apart fell into 8 of L1's 64 sets). */
static size_t chol_gram_row(size_t n)
{
    return (n + 7) / 8 * 8 + 8;
}

size_t wh__chol_gram_diag_scratch(size_t n, size_t k)
{
    return (2 * k + n + CHOL_PANEL) * chol_gram_row(n);
}

/* s[c] += sign sum over t < count of x[t][0:8] b[t][c], c < CHOL_PANEL, rows ld apart (a
 * sign of -1 subtracts each product exactly: x (-b) is -(x b)). */
static inline __attribute__((always_inline)) void
panel_terms(quad s[CHOL_PANEL][2], const double *x, const double *b, size_t ld, size_t count,
            double sign)
{
    for (size_t t = 0; t < count; t++) {
        quad x0, x1;
        memcpy(&x0, x + t * ld, sizeof x0);
        memcpy(&x1, x + t * ld + 4, sizeof x1);
        for (size_t c = 0; c < CHOL_PANEL; c++) {
            const double v = sign * b[t * ld + c];
            const quad u = {v, v, v, v};
            s[c][0] += x0 * u;
            s[c][1] += x1 * u;
        }
    }
}

static inline __attribute__((always_inline)) bool
chol_gram_loops(size_t n, size_t k, double alpha, const double *w, size_t ldw, const double *g,
                double *scratch, double *l, size_t ldl)
{
    const size_t ld = chol_gram_row(n);
    double *at = scratch, *bt = at + k * ld, *lt = bt + k * ld, *pt = lt + n * ld;
    for (size_t t = 0; t < k; t++) {
        double *restrict ar = at + t * ld, *restrict br = bt + t * ld;
        for (size_t i = 0; i < n; i++) {
            ar[i] = w[i * ldw + t];
            br[i] = w[i * ldw + t] * g[t];
        }
        for (size_t i = n; i < ld; i++)
            ar[i] = br[i] = 0.0;
    }
    for (size_t j = 0; j < n; j++) /* rows of L^T past n: read by the last group, unused */
        for (size_t i = n; i < ld; i++)
            lt[j * ld + i] = 0.0;
    for (size_t j0 = 0; j0 < n; j0 += CHOL_PANEL) {
        const size_t nb = n - j0 < CHOL_PANEL ? n - j0 : CHOL_PANEL;
        for (size_t i0 = j0; i0 < n; i0 += CHOL_ROWS) {
            quad s[CHOL_PANEL][2];
            for (size_t c = 0; c < CHOL_PANEL; c++)
                s[c][0] = s[c][1] = (quad){0.0, 0.0, 0.0, 0.0};
            panel_terms(s, at + i0, bt + j0, ld, k, 1.0);
            panel_terms(s, lt + i0, lt + j0, ld, j0, -1.0);
            for (size_t c = 0; c < CHOL_PANEL; c++) {
                memcpy(pt + c * ld + i0, &s[c][0], sizeof s[c][0]);
                memcpy(pt + c * ld + i0 + 4, &s[c][1], sizeof s[c][1]);
            }
        }
        /* The panel, column by column: the pivot (false unless > 0: also a NaN, which any
         * non-finite entry of W or g reaches by its row), the column below it, and what it
         * takes from the panel's later columns. */
        for (size_t c = 0; c < nb; c++) {
            const size_t j = j0 + c;
            double *restrict p = pt + c * ld, *restrict lj = lt + j * ld;
            const double d = p[j] + alpha;
            if (!(d > 0.0) || !isfinite(d)) /* an infinite pivot too: at n = 1 no NaN follows */
                return false;
            const double r = sqrt(d);
            lj[j] = r;
            for (size_t i = j + 1; i < n; i++)
                lj[i] = p[i] / r;
            for (size_t c2 = c + 1; c2 < nb; c2++) {
                double *restrict q = pt + c2 * ld;
                const double f = lj[j0 + c2];
                for (size_t i = j0 + c2; i < n; i++)
                    q[i] -= lj[i] * f;
            }
        }
        for (size_t c = 0; c < nb; c++)
            for (size_t i = j0 + c; i < n; i++)
                l[i * ldl + j0 + c] = lt[(j0 + c) * ld + i];
    }
    return true;
}

/* Compiled for AVX2 and for the baseline, chosen at run time, as the Gram loops below. */
__attribute__((target("avx2"))) static bool chol_gram_avx2(size_t n, size_t k, double alpha,
                                                           const double *w, size_t ldw,
                                                           const double *g, double *scratch,
                                                           double *l, size_t ldl)
{
    return chol_gram_loops(n, k, alpha, w, ldw, g, scratch, l, ldl);
}

bool wh__chol_gram_diag_baseline(size_t n, size_t k, double alpha, const double *w, size_t ldw,
                                 const double *g, double *scratch, double *l, size_t ldl)
{
    return chol_gram_loops(n, k, alpha, w, ldw, g, scratch, l, ldl);
}

bool wh__chol_gram_diag(size_t n, size_t k, double alpha, const double *w, size_t ldw,
                        const double *g, double *scratch, double *l, size_t ldl)
{
    if (__builtin_cpu_supports("avx2"))
        return chol_gram_avx2(n, k, alpha, w, ldw, g, scratch, l, ldl);
    return wh__chol_gram_diag_baseline(n, k, alpha, w, ldw, g, scratch, l, ldl);
}

size_t wh__linalg_max_dim(void)
{
    /* Leave room for n * n workspace queries and leading dimensions in 32-bit ints. */
    return 46340;
}

void wh__linalg_single_thread(void)
{
    openblas_set_num_threads(1);
}

int wh__linalg_threads(void)
{
    return openblas_get_num_threads();
}

void wh__linalg_set_threads(int threads)
{
    openblas_set_num_threads(threads);
}

void wh__linalg_warm_up(void)
{
    const double a = 1.0;
    double c = 0.0;
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, 1, 1, 1.0, &a, 1, 0.0, &c, 1);
}

void wh__copy(size_t rows, size_t cols, const double *src, size_t lds, double *dst, size_t ldd)
{
    for (size_t i = 0; i < rows; i++)
        memcpy(dst + i * ldd, src + i * lds, cols * sizeof *dst);
}

void wh__copy_lower(size_t n, const double *src, size_t lds, double *dst, size_t ldd)
{
    for (size_t i = 0; i < n; i++)
        memcpy(dst + i * ldd, src + i * lds, (i + 1) * sizeof *dst);
}

void wh__set_identity(size_t n, double a, double *dst, size_t ldd)
{
    for (size_t i = 0; i < n; i++) {
        memset(dst + i * ldd, 0, n * sizeof *dst);
        dst[i * ldd + i] = a;
    }
}

bool wh__finite(size_t rows, size_t cols, const double *a, size_t lda)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            if (!isfinite(a[i * lda + j]))
                return false;
    return true;
}

wh_status wh__check_spd(size_t n, const double *a, size_t lda, double rtol, double *scratch)
{
    if (!wh__finite(n, n, a, lda))
        return WH_ENONFINITE;
    if (!wh__is_symmetric(n, a, lda, rtol))
        return WH_ENOTSYM;
    wh__copy(n, n, a, lda, scratch, n);
    return wh__chol(n, scratch, n) ? WH_OK : WH_ENOTPD;
}

bool wh__is_symmetric(size_t n, const double *a, size_t lda, double rtol)
{
    double scale = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            scale = fmax(scale, fabs(a[i * lda + j]));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (fabs(a[i * lda + j] - a[j * lda + i]) > rtol * scale)
                return false;
    return true;
}

/*
 * By tiles of 16 x 16: a column of the upper triangle is a store every lda doubles, and at
 * lda = 256 those all fall in two of L1's 64 sets, so that copying whole columns at once
 * missed on nearly every store (perf: a sixth of the gains-plus-synapses step at n = 256).
 */
void wh__mirror_lower(size_t n, double *a, size_t lda)
{
    enum { TILE = 16 };
    for (size_t ib = 0; ib < n; ib += TILE) {
        const size_t ie = ib + TILE < n ? ib + TILE : n;
        for (size_t jb = 0; jb <= ib; jb += TILE)
            for (size_t i = ib; i < ie; i++) {
                const size_t je = jb + TILE < i ? jb + TILE : i;
                for (size_t j = jb; j < je; j++)
                    a[j * lda + i] = a[i * lda + j];
            }
    }
}

void wh__gram(size_t n, size_t k, const double *a, size_t lda, double *c, size_t ldc)
{
    if (n <= SMALL && n * k <= SMALL_GRAM) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j <= i; j++) {
                double v = 0.0;
                for (size_t t = 0; t < k; t++)
                    v += a[i * lda + t] * a[j * lda + t];
                c[i * ldc + j] = v;
            }
    } else {
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, bi(n), bi(k), 1.0, a, bi(lda), 0.0,
                    c, bi(ldc));
    }
    wh__mirror_lower(n, c, ldc);
}

/* Whether every gain is positive (and finite): then A diag(g) A^T = B B^T with
 * B = A diag(sqrt g). */
static bool all_positive(size_t k, const double *g)
{
    for (size_t t = 0; t < k; t++)
        if (!(g[t] > 0.0 && isfinite(g[t])))
            return false;
    return true;
}

/*
 * Small orders: c_ij = sum over t of (a_it g_t) a_jt, t in order, for j <= i, then
 * mirrored. A is transposed first (k x n, rows padded with zeros to a multiple of 8), so
 * that a row of c goes eight entries at a time by a loop over t whose loads are
 * contiguous and whose sums do not wait on each other: it vectorises, where a dot
 * product per entry is one chain of dependent sums; and dsyrk's packing and call cost more
 * than its 2 176 multiply-adds at n = k = 16 (the gains-plus-synapses step there, perf: a
 * quarter of it in dsyrk; these loops take half its time).
 */
static inline __attribute__((always_inline)) void
gram_diag_loops(size_t n, size_t k, const double *a, size_t lda, const double *g, double *c,
                size_t ldc)
{
    enum { BLOCK = 8 };
    const size_t np = (n + BLOCK - 1) / BLOCK * BLOCK;
    double at[SMALL * SMALL], bt[SMALL * SMALL]; /* A^T and (A diag(g))^T */
    for (size_t t = 0; t < k; t++) {
        for (size_t i = 0; i < n; i++) {
            at[t * np + i] = a[i * lda + t];
            bt[t * np + i] = a[i * lda + t] * g[t];
        }
        for (size_t i = n; i < np; i++)
            at[t * np + i] = 0.0;
    }
    /* Two rows at a time, eight entries of each: sixteen sums in flight (four AVX
     * registers, eight SSE2 ones), so that the adds' latency is hidden; written with vector
     * types because the compiler, left to itself, vectorised over t with shuffles and
     * spills. */
    for (size_t i = 0; i < n; i += 2) {
        const size_t i1 = i + 1 < n ? i + 1 : i; /* an odd n's last row: itself twice */
        for (size_t j = 0; j <= i1; j += BLOCK) {
            quad s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
            for (size_t t = 0; t < k; t++) {
                const double u0 = bt[t * np + i], u1 = bt[t * np + i1];
                const quad b0 = {u0, u0, u0, u0}, b1 = {u1, u1, u1, u1};
                quad r0, r1;
                memcpy(&r0, at + t * np + j, sizeof r0);
                memcpy(&r1, at + t * np + j + 4, sizeof r1);
                s0 += b0 * r0;
                s1 += b0 * r1;
                s2 += b1 * r0;
                s3 += b1 * r1;
            }
            /* Entries past the diagonal land in the upper triangle, which the mirror
             * overwrites; past the last column (n not a multiple of 8) they are dropped. */
            double row0[BLOCK], row1[BLOCK];
            memcpy(row0, &s0, sizeof s0);
            memcpy(row0 + 4, &s1, sizeof s1);
            memcpy(row1, &s2, sizeof s2);
            memcpy(row1 + 4, &s3, sizeof s3);
            const size_t w = j + BLOCK <= n ? BLOCK : n - j;
            memcpy(c + i * ldc + j, row0, w * sizeof(double));
            memcpy(c + i1 * ldc + j, row1, w * sizeof(double));
        }
    }
    wh__mirror_lower(n, c, ldc);
}

/*
 * The same loops compiled twice: for AVX2 (one register holds a quad: at n = k = 16 the
 * step of gains plus synapses ran 1.2x faster with it) and for the baseline. No fused
 * multiply-adds in either (-ffp-contract=off; AVX2 does not imply FMA), so both give the
 * same bits (tests/test_linalg.c compares them).
 */
__attribute__((target("avx2"))) static void gram_diag_avx2(size_t n, size_t k, const double *a,
                                                           size_t lda, const double *g, double *c,
                                                           size_t ldc)
{
    gram_diag_loops(n, k, a, lda, g, c, ldc);
}

void wh__gram_diag_baseline(size_t n, size_t k, const double *a, size_t lda, const double *g,
                            double *c, size_t ldc)
{
    gram_diag_loops(n, k, a, lda, g, c, ldc);
}

void wh__gram_diag(size_t n, size_t k, const double *a, size_t lda, const double *g,
                   double *scratch, double *c, size_t ldc)
{
    if (n <= SMALL && k <= SMALL) {
        if (__builtin_cpu_supports("avx2"))
            gram_diag_avx2(n, k, a, lda, g, c, ldc);
        else
            wh__gram_diag_baseline(n, k, a, lda, g, c, ldc);
        return;
    }
    /* B = A diag(sqrt g) and one dsyrk (n^2 k flops) when every gain is positive (the
     * usual case); otherwise 0.5 (B A^T + A B^T) with B = A diag(g), one dsyr2k (2 n^2 k).
     * Both are exactly symmetric. */
    const bool positive = all_positive(k, g);
    double *f = scratch + n * k;
    for (size_t t = 0; t < k; t++)
        f[t] = positive ? sqrt(g[t]) : g[t];
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < k; t++)
            scratch[i * k + t] = a[i * lda + t] * f[t];
    if (positive)
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, bi(n), bi(k), 1.0, scratch, bi(k),
                    0.0, c, bi(ldc));
    else
        cblas_dsyr2k(CblasRowMajor, CblasLower, CblasNoTrans, bi(n), bi(k), 0.5, scratch, bi(k),
                     a, bi(lda), 0.0, c, bi(ldc));
    wh__mirror_lower(n, c, ldc);
}

void wh__symv_lower(size_t n, double alpha, const double *a, size_t lda, const double *x,
                    double *y)
{
    if (n > SMALL) {
        cblas_dsymv(CblasRowMajor, CblasLower, bi(n), alpha, a, bi(lda), x, 1, 0.0, y, 1);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const double *ri = a + i * lda;
        double v = ri[i] * x[i];
        for (size_t j = 0; j < i; j++) {
            v += ri[j] * x[j];
            y[j] += ri[j] * x[i];
        }
        y[i] = v;
    }
    for (size_t i = 0; i < n; i++)
        y[i] *= alpha;
}

void wh__symv_upper(size_t n, double alpha, const double *a, size_t lda, const double *x,
                    double *y)
{
    if (n > SMALL) {
        cblas_dsymv(CblasRowMajor, CblasUpper, bi(n), alpha, a, bi(lda), x, 1, 0.0, y, 1);
        return;
    }
    for (size_t i = 0; i < n; i++)
        y[i] = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *ri = a + i * lda;
        double v = y[i] + ri[i] * x[i];
        for (size_t j = i + 1; j < n; j++) {
            v += ri[j] * x[j];
            y[j] += ri[j] * x[i];
        }
        y[i] = v;
    }
    for (size_t i = 0; i < n; i++)
        y[i] *= alpha;
}

void wh__syr2_lower(size_t n, double alpha, const double *x, const double *y, double *a,
                    size_t lda)
{
    if (n > SMALL) {
        cblas_dsyr2(CblasRowMajor, CblasLower, bi(n), alpha, x, 1, y, 1, a, bi(lda));
        return;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            a[i * lda + j] += alpha * (x[i] * y[j] + y[i] * x[j]);
}

void wh__gram_t(size_t n, size_t rows, double alpha, const double *a, size_t lda, double *c,
                size_t ldc)
{
    /* Only diagnoses and benchmarks call this, once per run: no small-order loops. */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, bi(n), bi(rows), alpha, a, bi(lda), 0.0, c,
                bi(ldc));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            c[i * ldc + j] = c[j * ldc + i];
}

void wh__syr_lower(size_t n, double alpha, const double *x, double *a, size_t lda)
{
    cblas_dsyr(CblasRowMajor, CblasLower, bi(n), alpha, x, 1, a, bi(lda));
}

void wh__scale_lower(size_t n, double alpha, double *a, size_t lda)
{
    for (size_t i = 0; i < n; i++)
        cblas_dscal(bi(i + 1), alpha, a + i * lda, 1);
}

static CBLAS_TRANSPOSE op(bool trans)
{
    return trans ? CblasTrans : CblasNoTrans;
}

double wh__dot(size_t n, const double *x, const double *y)
{
    return cblas_ddot(bi(n), x, 1, y, 1);
}

double wh__nrm2(size_t n, const double *x)
{
    return cblas_dnrm2(bi(n), x, 1);
}

void wh__axpy(size_t n, double alpha, const double *x, double *y)
{
    cblas_daxpy(bi(n), alpha, x, 1, y, 1);
}

void wh__scal(size_t n, double alpha, double *x)
{
    cblas_dscal(bi(n), alpha, x, 1);
}

void wh__gemv(bool trans, size_t rows, size_t cols, double alpha, const double *a, size_t lda,
              const double *x, double beta, double *y)
{
    cblas_dgemv(CblasRowMajor, op(trans), bi(rows), bi(cols), alpha, a, bi(lda), x, 1, beta, y,
                1);
}

void wh__gemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, double alpha,
              const double *a, size_t lda, const double *b, size_t ldb, double beta, double *c,
              size_t ldc)
{
    cblas_dgemm(CblasRowMajor, op(trans_a), op(trans_b), bi(m), bi(n), bi(k), alpha, a, bi(lda),
                b, bi(ldb), beta, c, bi(ldc));
}

void wh__ger(size_t m, size_t n, double alpha, const double *x, const double *y, double *a,
             size_t lda)
{
    cblas_dger(CblasRowMajor, bi(m), bi(n), alpha, x, 1, y, 1, a, bi(lda));
}

void wh__syrk_lower(bool trans, size_t n, size_t k, double alpha, const double *a, size_t lda,
                    double beta, double *c, size_t ldc)
{
    cblas_dsyrk(CblasRowMajor, CblasLower, op(trans), bi(n), bi(k), alpha, a, bi(lda), beta, c,
                bi(ldc));
}

void wh__syr2k_lower(bool trans, size_t n, size_t k, double alpha, const double *a, size_t lda,
                     const double *b, size_t ldb, double beta, double *c, size_t ldc)
{
    cblas_dsyr2k(CblasRowMajor, CblasLower, op(trans), bi(n), bi(k), alpha, a, bi(lda), b,
                 bi(ldb), beta, c, bi(ldc));
}

void wh__symm_lower(bool left, size_t m, size_t n, double alpha, const double *a, size_t lda,
                    const double *b, size_t ldb, double beta, double *c, size_t ldc)
{
    cblas_dsymm(CblasRowMajor, left ? CblasLeft : CblasRight, CblasLower, bi(m), bi(n), alpha, a,
                bi(lda), b, bi(ldb), beta, c, bi(ldc));
}

void wh__symv_lower_beta(size_t n, double alpha, const double *a, size_t lda, const double *x,
                         double beta, double *y)
{
    cblas_dsymv(CblasRowMajor, CblasLower, bi(n), alpha, a, bi(lda), x, 1, beta, y, 1);
}

void wh__trmv_lower(bool trans, size_t n, const double *l, size_t ldl, double *x)
{
    if (n > SMALL) {
        cblas_dtrmv(CblasRowMajor, CblasLower, op(trans), CblasNonUnit, bi(n), l, bi(ldl), x, 1);
        return;
    }
    /* In place: L x from the last entry up (x_i reads x_0..x_i), L^T x from the first down
     * (x_i reads x_i..x_{n-1}). */
    if (!trans) {
        for (size_t i = n; i-- > 0;) {
            double v = 0.0;
            for (size_t k = 0; k <= i; k++)
                v += l[i * ldl + k] * x[k];
            x[i] = v;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            double v = 0.0;
            for (size_t k = i; k < n; k++)
                v += l[k * ldl + i] * x[k];
            x[i] = v;
        }
    }
}

void wh__trmm_lower(bool left, bool trans, size_t m, size_t n, double alpha, const double *l,
                    size_t ldl, double *b, size_t ldb)
{
    cblas_dtrmm(CblasRowMajor, left ? CblasLeft : CblasRight, CblasLower, op(trans), CblasNonUnit,
                bi(m), bi(n), alpha, l, bi(ldl), b, bi(ldb));
}

bool wh__chol(size_t n, double *a, size_t lda)
{
    if (n <= SMALL)
        return chol_loops(n, a, lda);
    return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', bi(n), a, bi(lda)) == 0;
}

void wh__chol_solve(size_t n, const double *l, size_t ldl, double *b)
{
    if (n <= SMALL) {
        solve_strided(n, l, ldl, b, 1);
        return;
    }
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, bi(n), l, bi(ldl), b, 1);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, bi(n), l, bi(ldl), b, 1);
}

/* The sandwich's four triangular solves by BLAS-3. */
static void blas_sandwich(size_t n, const double *l, size_t ldl, double *b, size_t ldb)
{
    const blasint nn = bi(n), lt = bi(ldl), ld = bi(ldb);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, nn, nn, 1.0, l,
                lt, b, ld);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, nn, nn, 1.0, l, lt,
                b, ld);
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, nn, nn, 1.0, l,
                lt, b, ld);
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, nn, nn, 1.0, l,
                lt, b, ld);
}

/* The sandwich's four triangular solves, by columns then rows (small n). */
static void sandwich_loops(size_t n, const double *l, size_t ldl, double *b, size_t ldb)
{
    for (size_t j = 0; j < n; j++)
        solve_strided(n, l, ldl, b + j, ldb);
    for (size_t i = 0; i < n; i++)
        solve_strided(n, l, ldl, b + i * ldb, 1);
}

void wh__chol_sandwich(size_t n, const double *l, size_t ldl, double *b, size_t ldb)
{
    /* M^{-1} = L^{-T} L^{-1}: two solves from the left, two from the right. */
    if (n <= SMALL)
        sandwich_loops(n, l, ldl, b, ldb);
    else
        blas_sandwich(n, l, ldl, b, ldb);
    /* Rounding leaves the result a hair from symmetric; the exact answer is symmetric. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++) {
            double mean = 0.5 * (b[i * ldb + j] + b[j * ldb + i]);
            b[i * ldb + j] = mean;
            b[j * ldb + i] = mean;
        }
}

void wh__chol_solve_many(size_t n, size_t m, const double *l, size_t ldl, double *b, size_t ldb)
{
    if (n <= SMALL && m < FEW_RHS) {
        for (size_t j = 0; j < m; j++)
            solve_strided(n, l, ldl, b + j, ldb);
        return;
    }
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, bi(n), bi(m),
                1.0, l, bi(ldl), b, bi(ldb));
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, bi(n), bi(m), 1.0,
                l, bi(ldl), b, bi(ldb));
}

/* Below this order the triangular inverse is LAPACK's own (dtrtri), and P = (L L^T)^{-1}
 * LAPACK's dpotri. OpenBLAS 0.3.21 runs both unblocked (dtrti2: a dtrmv per column) up to
 * n = 64: measured here, P at n = 64 took 22 us by dpotri, 13 us by the halves below down
 * to 16 (15 us to 32, 20 us to 64), and 4.4 against 3.5 us at n = 32; at n = 128 and 256
 * the leaf of 16 is as fast as 32 or 64 to within the noise. The direct network's CG path
 * inverts at every refresh (every 8 samples up to n = 64), so this was a quarter of its
 * time at n = 64. */
#define TRI_LEAF 16

/*
 * X = L^{-1} in place, L row-major lower (n x n, leading dimension ld), by halves:
 * [L11 0; L21 L22]^{-1} = [X11 0; -X22 L21 X11, X22], with the off-diagonal block by two
 * dtrmm. OpenBLAS 0.3.21's dtrtri runs its unblocked kernel here (6.6 GFlop/s at
 * n = 256, under half its dpotrf's rate); the halves put the work in BLAS-3. False if
 * a diagonal entry is zero.
 */
static bool triangular_inverse(size_t n, double *l, size_t ld)
{
    if (n <= TRI_LEAF)
        return LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, 'U', 'N', bi(n), l, bi(ld)) == 0;
    const size_t h = n / 2, r = n - h;
    double *l21 = l + h * ld, *l22 = l21 + h;
    if (!triangular_inverse(h, l, ld) || !triangular_inverse(r, l22, ld))
        return false;
    cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, bi(r), bi(h),
                1.0, l, bi(ld), l21, bi(ld));
    cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, bi(r), bi(h),
                -1.0, l22, bi(ld), l21, bi(ld));
    return true;
}

bool wh__chol_inverse(size_t n, const double *l, size_t ldl, double *p, size_t ldp)
{
    /* Row-major lower is column-major upper, as for wh__chol: L^{-1} in row-major is
     * U^{-1} in column-major, and dlauum forms U^{-1} U^{-T} = (L L^T)^{-1}. */
    wh__copy_lower(n, l, ldl, p, ldp);
    if (n <= TRI_LEAF)
        return LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', bi(n), p, bi(ldp)) == 0;
    return triangular_inverse(n, p, ldp) &&
           LAPACKE_dlauum_work(LAPACK_COL_MAJOR, 'U', bi(n), p, bi(ldp)) == 0;
}

void wh__chol_solve_rows(size_t n, size_t m, const double *l, size_t ldl, double *b, size_t ldb)
{
    /* B M^{-1} = B L^{-T} L^{-1}. */
    if (n <= SMALL && m < FEW_RHS) {
        for (size_t i = 0; i < m; i++)
            solve_strided(n, l, ldl, b + i * ldb, 1);
        return;
    }
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, bi(m), bi(n),
                1.0, l, bi(ldl), b, bi(ldb));
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, bi(m), bi(n),
                1.0, l, bi(ldl), b, bi(ldb));
}

double wh__frobenius(size_t rows, size_t cols, const double *a, size_t lda)
{
    double sum = 0.0;
    for (size_t i = 0; i < rows; i++)
        sum += cblas_ddot(bi(cols), a + i * lda, 1, a + i * lda, 1);
    return sqrt(sum);
}

double wh__gershgorin(size_t n, const double *a, size_t lda)
{
    double bound = 0.0;
    for (size_t i = 0; i < n; i++)
        bound = fmax(bound, cblas_dasum(bi(n), a + i * lda, 1));
    return bound;
}

wh_status wh__eig_init(wh__eig *e, size_t n)
{
    memset(e, 0, sizeof *e);
    e->n = n;
    double query = 0.0;
    if (LAPACKE_dsyev_work(LAPACK_COL_MAJOR, 'V', 'U', bi(n), NULL, bi(n), NULL, &query, -1) != 0)
        return WH_ELINALG;
    e->lwork = (size_t)query;
    if (e->lwork < 3 * n)
        e->lwork = 3 * n;
    size_t nn;
    if (!wh__size_mul(n, n, &nn))
        return WH_EOVERFLOW;
    e->a = wh__alloc(nn, sizeof *e->a);
    e->w = wh__alloc(n, sizeof *e->w);
    e->work = wh__alloc(e->lwork, sizeof *e->work);
    if (e->a == NULL || e->w == NULL || e->work == NULL) {
        wh__eig_free(e);
        return WH_ENOMEM;
    }
    return WH_OK;
}

void wh__eig_free(wh__eig *e)
{
    wh__free(e->a);
    wh__free(e->w);
    wh__free(e->work);
    e->a = e->w = e->work = NULL;
}

wh_status wh__eig_solve(wh__eig *e, const double *a, size_t lda, bool vectors)
{
    /* Column-major eigenvector columns are the rows of the row-major buffer. */
    wh__copy(e->n, e->n, a, lda, e->a, e->n);
    lapack_int info = LAPACKE_dsyev_work(LAPACK_COL_MAJOR, vectors ? 'V' : 'N', 'U', bi(e->n),
                                         e->a, bi(e->n), e->w, e->work, bi(e->lwork));
    return info == 0 ? WH_OK : WH_ELINALG;
}

wh_status wh__sym_norm2(wh__eig *e, const double *a, size_t lda, double *norm)
{
    /* dsyev succeeds on a NaN matrix and fmax would then drop the NaN: refuse it here. */
    if (!wh__finite(e->n, e->n, a, lda))
        return WH_ENONFINITE;
    wh_status st = wh__eig_solve(e, a, lda, false);
    if (st != WH_OK)
        return st;
    *norm = fmax(fabs(e->w[0]), fabs(e->w[e->n - 1]));
    return WH_OK;
}

wh_status wh__sym_power(wh__eig *e, const double *a, size_t lda, double p, double *s, size_t lds)
{
    const size_t n = e->n;
    wh_status st = wh__eig_solve(e, a, lda, true);
    if (st != WH_OK)
        return st;
    if (!(e->w[0] > 0.0))
        return WH_ENOTPD;
    /* S = V diag(w^p) V^T with V^T in e->a: S_ij = sum_m w_m^p a_mi a_mj. */
    for (size_t i = 0; i < n; i++)
        memset(s + i * lds, 0, n * sizeof *s);
    for (size_t m = 0; m < n; m++)
        cblas_dsyr(CblasRowMajor, CblasLower, bi(n), pow(e->w[m], p), e->a + m * n, 1, s, bi(lds));
    wh__mirror_lower(n, s, lds);
    return WH_OK;
}

wh_status wh__haar(gsl_rng *rng, size_t n, double *q, size_t ldq)
{
    /* QR of a Gaussian matrix, with the signs of R's diagonal moved into Q,
     * is Haar-distributed (Mezzadri, Notices AMS 54, 2007). */
    double query = 0.0;
    if (LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, bi(n), bi(n), NULL, bi(ldq), NULL, &query, -1) != 0)
        return WH_ELINALG;
    size_t lwork = (size_t)query;
    if (LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, bi(n), bi(n), bi(n), NULL, bi(ldq), NULL, &query,
                            -1) != 0)
        return WH_ELINALG;
    if ((size_t)query > lwork)
        lwork = (size_t)query;
    if (lwork < n)
        lwork = n;
    double *tau = wh__alloc(n, sizeof *tau);
    double *diag = wh__alloc(n, sizeof *diag);
    double *work = wh__alloc(lwork, sizeof *work);
    wh_status st = WH_ENOMEM;
    if (tau == NULL || diag == NULL || work == NULL)
        goto done;
    for (size_t i = 0; i < n; i++)
        wh__rng_gaussian(rng, q + i * ldq, n);
    st = WH_ELINALG;
    if (LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, bi(n), bi(n), q, bi(ldq), tau, work, bi(lwork)) != 0)
        goto done;
    for (size_t j = 0; j < n; j++)
        diag[j] = q[j * ldq + j];
    if (LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, bi(n), bi(n), bi(n), q, bi(ldq), tau, work,
                            bi(lwork)) != 0)
        goto done;
    /* Column j of the column-major Q is row j of the row-major buffer. */
    for (size_t j = 0; j < n; j++)
        if (diag[j] < 0.0)
            cblas_dscal(bi(n), -1.0, q + j * ldq, 1);
    st = WH_OK;
done:
    wh__free(tau);
    wh__free(diag);
    wh__free(work);
    return st;
}
