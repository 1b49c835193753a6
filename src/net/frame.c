/*
 * frame.c: frames of the gain circuits, their cross-Gram, the closed-form gain
 * optimum, and the distance between a frame and a basis (whiten/gain.h).
 */
#include "whiten/gain.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "core/rng.h"

/* Up to this many columns wh_frame_distance tries every permutation. */
#define EXACT_MATCH_MAX 8

size_t wh_frame_full_size(size_t n)
{
    size_t m;
    if (!wh__size_mul(n, n + 1, &m) || n + 1 == 0)
        return 0;
    return m / 2;
}

static wh_status check_frame(size_t n, size_t K, const double *W, size_t ldw)
{
    if (W == NULL || ldw < K)
        return WH_EINVAL;
    if (n == 0 || K == 0 || n > wh__linalg_max_dim() || K > wh__linalg_max_dim())
        return WH_EDIM;
    return WH_OK;
}

wh_status wh_frame_random(size_t n, size_t K, uint64_t seed, double *W, size_t ldw)
{
    wh_status st = check_frame(n, K, W, ldw);
    if (st != WH_OK)
        return st;
    gsl_rng *rng = wh__rng_new(seed);
    if (rng == NULL)
        return WH_ENOMEM;
    for (size_t i = 0; i < n; i++)
        wh__rng_gaussian(rng, W + i * ldw, K);
    wh__rng_free(rng);
    for (size_t j = 0; j < K; j++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += W[i * ldw + j] * W[i * ldw + j];
        s = 1.0 / sqrt(s); /* a Gaussian column is zero with probability 0 */
        for (size_t i = 0; i < n; i++)
            W[i * ldw + j] *= s;
    }
    return WH_OK;
}

wh_status wh_frame_pairs(size_t n, double *W, size_t ldw)
{
    const size_t K = wh_frame_full_size(n);
    if (n == 0 || K == 0)
        return WH_EDIM;
    wh_status st = check_frame(n, K, W, ldw);
    if (st != WH_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        memset(W + i * ldw, 0, K * sizeof *W);
    for (size_t i = 0; i < n; i++)
        W[i * ldw + i] = 1.0;
    size_t col = n;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++, col++)
            W[i * ldw + col] = W[j * ldw + col] = sqrt(0.5);
    return WH_OK;
}

/* G = (W^T W) o (W^T W), K x K, into a fresh buffer (*G). */
static wh_status cross_gram(size_t n, size_t K, const double *W, size_t ldw, double **G)
{
    size_t kk;
    if (!wh__size_mul(K, K, &kk))
        return WH_EOVERFLOW;
    if (!wh__finite(n, K, W, ldw))
        return WH_ENONFINITE;
    *G = wh__alloc(kk, sizeof **G);
    if (*G == NULL)
        return WH_ENOMEM;
    wh__gemm(true, false, K, K, n, 1.0, W, ldw, W, ldw, 0.0, *G, K);
    for (size_t i = 0; i < kk; i++)
        (*G)[i] *= (*G)[i];
    return WH_OK;
}

wh_status wh_frame_condition(size_t n, size_t K, const double *W, size_t ldw, double *condition)
{
    wh_status st = check_frame(n, K, W, ldw);
    if (st != WH_OK || condition == NULL)
        return st != WH_OK ? st : WH_EINVAL;
    double *G = NULL;
    wh__eig eig = {0};
    st = cross_gram(n, K, W, ldw, &G);
    if (st == WH_OK)
        st = wh__eig_init(&eig, K);
    if (st == WH_OK)
        st = wh__eig_solve(&eig, G, K, false);
    if (st == WH_OK) {
        /* G is positive semi-definite; a relative eigenvalue at rounding level is zero. */
        const double lo = eig.w[0], hi = eig.w[K - 1];
        *condition = lo > hi * 1e-14 ? hi / lo : (double)INFINITY;
    }
    wh__eig_free(&eig);
    wh__free(G);
    return st;
}

/* b_j = w_j^T (R - alpha I) w_j for R = C^{1/2} (n x n), into b (K). */
static void projected_target(size_t n, size_t K, const double *W, size_t ldw, const double *R,
                             double alpha, double *b)
{
    for (size_t j = 0; j < K; j++) {
        double s = 0.0;
        for (size_t a = 0; a < n; a++) {
            const double wa = W[a * ldw + j];
            if (wa == 0.0)
                continue;
            double row = -alpha * wa;
            for (size_t c = 0; c < n; c++)
                row += R[a * n + c] * W[c * ldw + j];
            s += wa * row;
        }
        b[j] = s;
    }
}

wh_status wh_gain_optimum(size_t n, size_t K, const double *W, size_t ldw, double alpha,
                          const double *C, size_t ldc, double *g)
{
    wh_status st = check_frame(n, K, W, ldw);
    if (st != WH_OK)
        return st;
    if (C == NULL || g == NULL || ldc < n || !(alpha >= 0.0))
        return isnan(alpha) ? WH_ENONFINITE : WH_EINVAL;
    if (!isfinite(alpha) || !wh__finite(n, n, C, ldc))
        return WH_ENONFINITE;
    size_t nn;
    if (!wh__size_mul(n, n, &nn))
        return WH_EOVERFLOW;
    double *G = NULL, *R = wh__alloc(nn, sizeof *R);
    wh__eig eig = {0};
    st = R == NULL ? WH_ENOMEM : wh__eig_init(&eig, n);
    if (st == WH_OK)
        st = wh__sym_power(&eig, C, ldc, 0.5, R, n);
    if (st == WH_OK)
        st = cross_gram(n, K, W, ldw, &G);
    if (st == WH_OK) {
        projected_target(n, K, W, ldw, R, alpha, g);
        /* G is symmetric positive semi-definite: singular when a pivot of its Cholesky
         * factor falls to rounding level (relative 1e-7, i.e. condition past ~1e14). */
        double top = 0.0;
        for (size_t j = 0; j < K; j++)
            top = fmax(top, G[j * K + j]);
        st = wh__chol(K, G, K) ? WH_OK : WH_ERANK;
        for (size_t j = 0; st == WH_OK && j < K; j++)
            if (!(G[j * K + j] > 1e-7 * sqrt(top)))
                st = WH_ERANK;
    }
    if (st == WH_OK)
        wh__chol_solve(K, G, K, g);
    wh__eig_free(&eig);
    wh__free(G);
    wh__free(R);
    return st;
}

/* cost[a * K + b] = min over signs of |v_a - s w_b|^2 = |v_a|^2 + |w_b|^2 - 2 |v_a . w_b|. */
static void match_costs(size_t n, size_t K, const double *W, size_t ldw, const double *V,
                        size_t ldv, double *cost)
{
    for (size_t a = 0; a < K; a++)
        for (size_t b = 0; b < K; b++) {
            double vv = 0.0, ww = 0.0, vw = 0.0;
            for (size_t i = 0; i < n; i++) {
                const double v = V[i * ldv + a], w = W[i * ldw + b];
                vv += v * v, ww += w * w, vw += v * w;
            }
            cost[a * K + b] = fmax(vv + ww - 2.0 * fabs(vw), 0.0);
        }
}

/* The least total cost of assigning rows a.. of cost to unused columns (mask `used`). */
static double best_assignment(size_t K, const double *cost, size_t a, unsigned used)
{
    if (a == K)
        return 0.0;
    double best = (double)INFINITY;
    for (size_t b = 0; b < K; b++)
        if (!(used & (1u << b))) {
            const double c = cost[a * K + b] + best_assignment(K, cost, a + 1, used | (1u << b));
            best = fmin(best, c);
        }
    return best;
}

static double greedy_assignment(size_t K, const double *cost, unsigned char *used)
{
    double total = 0.0;
    memset(used, 0, K);
    for (size_t a = 0; a < K; a++) {
        size_t pick = K;
        for (size_t b = 0; b < K; b++)
            if (!used[b] && (pick == K || cost[a * K + b] < cost[a * K + pick]))
                pick = b;
        used[pick] = 1;
        total += cost[a * K + pick];
    }
    return total;
}

wh_status wh_frame_distance(size_t n, size_t K, const double *W, size_t ldw, const double *V,
                            size_t ldv, double *distance)
{
    wh_status st = check_frame(n, K, W, ldw);
    if (st != WH_OK)
        return st;
    if (V == NULL || ldv < K || distance == NULL)
        return WH_EINVAL;
    size_t kk;
    if (!wh__size_mul(K, K, &kk))
        return WH_EOVERFLOW;
    double *cost = wh__alloc(kk, sizeof *cost);
    unsigned char *used = wh__alloc(K, 1);
    if (cost == NULL || used == NULL) {
        wh__free(cost);
        wh__free(used);
        return WH_ENOMEM;
    }
    match_costs(n, K, W, ldw, V, ldv, cost);
    const double total =
        K <= EXACT_MATCH_MAX ? best_assignment(K, cost, 0, 0u) : greedy_assignment(K, cost, used);
    *distance = sqrt(total);
    wh__free(cost);
    wh__free(used);
    return WH_OK;
}
