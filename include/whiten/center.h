/*
 * whiten/center.h: centring, the stage before the whitening networks.
 *
 * The networks whiten centred inputs (their M learns C^{1/2} for
 * C = E[x x^T]); recordings and images have a mean. Centring is a stage of
 * its own, so the circuits stay as the papers define them:
 *
 *   x_c = x - mu                      (wh_center_subtract)
 *   y   = M^{-1} x_c                  (the network)
 *   x   = M y + mu                    (wh_inverse: the way back)
 *
 * mu is either the exact mean of a file (wh_center_exact_mean, for a fit) or a
 * running mean that learns from each sample with its own rate,
 *
 *   mu_t = mu_{t-1} + (x_t - mu_{t-1}) / min(t, window),
 *
 * t counting the samples folded in (from 1): the exact mean of the first
 * `window` samples, then an exponentially weighted mean over about `window`
 * samples, which follows a mean that drifts or switches. window = 0 means no
 * window: the exact mean of every sample so far (1/t for ever).
 *
 * Plan, execute, free: wh_center_new() allocates; the per-sample calls
 * allocate nothing and print nothing; wh_center_free(NULL) is a no-op.
 */
#ifndef WHITEN_CENTER_H
#define WHITEN_CENTER_H

#include <stddef.h>
#include <stdint.h>

#include "whiten/network.h"
#include "whiten/status.h"
#include "whiten/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest window accepted: beyond it 1/window is below the rounding of the mean. */
#define WH_CENTER_MAX_WINDOW 1e15

typedef struct wh_center wh_center;

/*
 * A running mean of n values, zero before the first sample. window is 0 (no
 * window) or in [1, WH_CENTER_MAX_WINDOW]. Statuses: WH_EINVAL (out NULL, a
 * window out of range or not finite), WH_EDIM (n = 0), WH_EOVERFLOW, WH_ENOMEM.
 */
WH_API wh_status wh_center_new(size_t n, double window, wh_center **out);

/* Release a running mean; NULL is fine. */
WH_API void wh_center_free(wh_center *c);

/*
 * Fold sample x (n values) into the mean, mu += (x - mu) / min(t, window).
 * WH_ENONFINITE (nothing changes) if x has a NaN or infinity. O(n).
 */
WH_API wh_status wh_center_update(wh_center *c, const double *x);

/* xc = x - mu (n values; xc may be x). */
WH_API void wh_center_subtract(const wh_center *c, const double *x, double *xc);

/* x = xc + mu (n values; x may be xc). */
WH_API void wh_center_add(const wh_center *c, const double *xc, double *x);

/* The mean mu (n values), owned by c; valid until its next update. */
WH_API const double *wh_center_mean(const wh_center *c);

/* The dimension n, the samples folded in so far (t), and the window (0: none). */
WH_API size_t wh_center_n(const wh_center *c);
WH_API uint64_t wh_center_samples(const wh_center *c);
WH_API double wh_center_window(const wh_center *c);

/*
 * Put a saved (or exactly computed) mean back: mu = mean (n values), as if
 * `samples` samples had been folded in, so that a saved running mean continues
 * bit for bit. WH_EINVAL (NULL), WH_ENONFINITE (nothing changes).
 */
WH_API wh_status wh_center_set(wh_center *c, const double *mean, uint64_t samples);

/* Change the window of a live running mean (0 or [1, WH_CENTER_MAX_WINDOW]); WH_EINVAL if not. */
WH_API wh_status wh_center_set_window(wh_center *c, double window);

/*
 * The exact mean of the rows of X (rows x n, leading dimension ldx) into mean
 * (n values), in two passes (the sum, then the sum of the residuals), so that
 * it is exact to rounding also for data whose mean is large against their
 * spread. WH_EINVAL (NULL, rows = 0, ldx < n), WH_EDIM (n = 0), WH_ENONFINITE.
 * Allocates nothing.
 */
WH_API wh_status wh_center_exact_mean(size_t rows, size_t n, const double *X, size_t ldx,
                                      double *mean);

/*
 * Add independent N(0, ridge) noise to the n values of x (`whiten --ridge`): a network
 * learning from such inputs sees the second moment C + ridge I, which bounds its M
 * below by ridge^(1/2) on data of low rank. The noise of sample `index` (a network's
 * count of learned samples) is a pure function of (seed, index): splitmix64 of
 * seed ^ splitmix64(index) and a counter, Box-Muller in pairs, so a resumed run, the
 * command line and the Python package draw the same noise without saving a generator.
 * ridge <= 0 (or NaN) or x NULL: nothing. Allocates nothing; O(n).
 */
WH_API void wh_ridge_noise(double *x, size_t n, double ridge, uint64_t seed, uint64_t index);

/*
 * The inverse of whitening: the input x (n values) that the network, as it
 * stands, maps to output y, with the centring undone, x = M y + mu; c may be
 * NULL (no centring: x = M y). Exact up to rounding for a frozen network
 * (wh_net_respond, or `whiten apply` without --learn): with --learn each
 * output was made with the M of its own sample. x must not overlap y.
 * Statuses: WH_EINVAL (NULL, or c of another dimension), WH_ENONFINITE (y).
 * Allocates nothing; O(n^2) (O(n^2 k) once after learning for the interneuron
 * network, which forms M = W W^T).
 */
WH_API wh_status wh_inverse(wh_net *net, const wh_center *c, const double *y, double *x);

#ifdef __cplusplus
}
#endif

#endif
