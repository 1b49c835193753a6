/*
 * whiten/gain.h: frames and closed forms of the gain-modulating circuits
 * (science.md §7; Duong, Lipshutz et al., ICML 2023; Duong, Simoncelli,
 * Chklovskii & Lipshutz, NeurIPS 2023).
 *
 * Both circuits have lateral weights M = alpha I + W diag(g) W^T with a frame
 * W in R^{n x K} (one column per interneuron) and gains g in R^K. These calls
 * build frames, measure them, and give the gains' closed-form optimum. They
 * allocate their own workspace (they are set-up calls, not per-sample ones).
 * Matrices are row-major with an explicit leading dimension.
 */
#ifndef WHITEN_GAIN_H
#define WHITEN_GAIN_H

#include <stddef.h>
#include <stdint.h>

#include "whiten/status.h"
#include "whiten/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which frame a gain circuit starts from. */
typedef enum wh_frame_kind {
    WH_FRAME_DEFAULT = 0, /* PAIRS for WH_NET_GAIN when K = n(n+1)/2, else RANDOM */
    WH_FRAME_RANDOM = 1,  /* Gaussian columns scaled to unit length, from the init seed */
    WH_FRAME_PAIRS = 2,   /* {e_i} then {(e_i + e_j)/sqrt 2, i < j}: K = n(n+1)/2, sparse */
    WH_FRAME_MATRIX = 3   /* the caller's own n x K matrix: taken as given by WH_NET_GAIN
                             (its rule uses |w_i|^2), scaled to unit columns by
                             WH_NET_GAIN_SYNAPSE */
} wh_frame_kind;

/* n (n + 1) / 2, the number of gains that can whiten a generic covariance; 0 on overflow. */
WH_API size_t wh_frame_full_size(size_t n);

/*
 * K random unit columns: W_ij = G_ij / |G_j|, G standard normal from `seed`
 * (the same seed gives the same frame on every host). W is n x K, leading
 * dimension ldw >= K. Statuses: WH_EINVAL (NULL, ldw < K), WH_EDIM, WH_ENOMEM.
 */
WH_API wh_status wh_frame_random(size_t n, size_t K, uint64_t seed, double *W, size_t ldw);

/*
 * The pairs frame: columns e_0 .. e_{n-1}, then (e_i + e_j)/sqrt 2 for i < j
 * in lexicographic order, K = n(n+1)/2. The K matrices w w^T span the
 * symmetric n x n matrices (the standard basis of the diagonal, and each
 * off-diagonal pair E_ij + E_ji less two diagonal ones), so every covariance
 * has an exact gain optimum; the cross-Gram (W^T W) o (W^T W) is far better
 * conditioned than a random frame's (condition 16 at n = 4 and 160 at n = 16,
 * against medians of 1.3e3 and 6.5e5 for random unit frames), and W diag(c) W^T
 * costs O(K) since each column has two non-zeros.
 * Statuses: WH_EINVAL (NULL, ldw < K), WH_EDIM.
 */
WH_API wh_status wh_frame_pairs(size_t n, double *W, size_t ldw);

/*
 * The 2-norm condition number of the cross-Gram G = (W^T W) o (W^T W) (o
 * elementwise, K x K), which governs how fast the population gains converge
 * (science.md §7 fact 2); infinity when G is singular (K > n(n+1)/2, or a
 * frame whose w w^T do not span). Statuses: WH_EINVAL, WH_EDIM, WH_ENONFINITE,
 * WH_ENOMEM, WH_ELINALG.
 */
WH_API wh_status wh_frame_condition(size_t n, size_t K, const double *W, size_t ldw,
                                    double *condition);

/*
 * The gains' closed-form optimum
 *   g* = ((W^T W) o (W^T W))^{-1} diag(W^T (C^{1/2} - alpha I) W),
 * the only fixed point of the gain dynamics when the w_i w_i^T span the
 * symmetric matrices (K = n(n+1)/2 for a generic frame); then
 * alpha I + W diag(g*) W^T = C^{1/2} to rounding. Entries may be negative.
 * C is n x n symmetric positive definite (leading dimension ldc), g receives K
 * values. Statuses: WH_EINVAL (NULL, ld too small, alpha < 0), WH_EDIM,
 * WH_ENONFINITE, WH_ENOTPD (C not positive definite), WH_ERANK (the
 * cross-Gram is singular: K > n(n+1)/2 or the frame does not span),
 * WH_ENOMEM, WH_ELINALG.
 */
WH_API wh_status wh_gain_optimum(size_t n, size_t K, const double *W, size_t ldw, double alpha,
                                 const double *C, size_t ldc, double *g);

/*
 * How far a frame W (n x K) is from a basis V (n x K, K <= n... any K) up to
 * the order and signs of its columns: the Frobenius norm of W - V P S for the
 * signed permutation P S that minimises it (science.md §7 fact 4), found
 * exactly by trying all permutations for K <= 8 and greedily (each column of
 * V takes the unused column of W with the largest |cosine|) beyond. Statuses:
 * WH_EINVAL, WH_EDIM, WH_ENOMEM.
 */
WH_API wh_status wh_frame_distance(size_t n, size_t K, const double *W, size_t ldw, const double *V,
                                   size_t ldv, double *distance);

#ifdef __cplusplus
}
#endif

#endif
