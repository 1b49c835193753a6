/*
 * whiten/metrics.h: how far a network is from whitening its inputs.
 *
 * For inputs of known covariance C and lateral weights M, the output
 * covariance is M^{-1} C M^{-1}, and
 *   spectral      = || M^{-1} C M^{-1} - I ||_2   (the whitening error)
 *   frobenius     = || M^{-1} C M^{-1} - I ||_F
 *   sqrt_relative = || M - C^{1/2} ||_F / || C^{1/2} ||_F
 * For data of unknown covariance a running, exponentially weighted estimate
 * of the output covariance stands in for M^{-1} C M^{-1}.
 */
#ifndef WHITEN_METRICS_H
#define WHITEN_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "whiten/status.h"
#include "whiten/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wh_errors {
    double spectral;      /* || Cyy - I ||_2 */
    double frobenius;     /* || Cyy - I ||_F */
    double sqrt_relative; /* || M - C^{1/2} ||_F / || C^{1/2} ||_F; NaN where C is unknown */
} wh_errors;

typedef struct wh_metrics wh_metrics;

/*
 * Prepare to measure against covariance C (n x n, leading dimension ldc):
 * copies C, computes C^{1/2} and allocates all workspace. Statuses: WH_EINVAL,
 * WH_EDIM, WH_ENONFINITE, WH_ENOTSYM, WH_ENOTPD, WH_EOVERFLOW, WH_ENOMEM, WH_ELINALG.
 */
WH_API wh_status wh_metrics_new(size_t n, const double *C, size_t ldc, wh_metrics **out);

WH_API void wh_metrics_free(wh_metrics *m);

/* Measure against a new covariance of the same size (after a context switch). */
WH_API wh_status wh_metrics_set_covariance(wh_metrics *m, const double *C, size_t ldc);

/*
 * The three errors of lateral weights M (n x n, leading dimension ldm).
 * WH_ENOTPD if M is not positive definite. Allocates nothing; O(n^3).
 */
WH_API wh_status wh_metrics_eval(wh_metrics *m, const double *M, size_t ldm, wh_errors *out);

/* C^{1/2} (n x n, leading dimension n), owned by m. */
WH_API const double *wh_metrics_sqrt(const wh_metrics *m);

typedef struct wh_running_cov wh_running_cov;

/*
 * An exponentially weighted output covariance over about `window` samples:
 *   S <- (1 - 1/window) S + (1/window) y y^T,
 * reported with the start-up bias removed (divided by 1 - (1 - 1/window)^t).
 * 1 <= window <= 1e15, else WH_EINVAL. Statuses also WH_EDIM, WH_EOVERFLOW, WH_ENOMEM.
 */
WH_API wh_status wh_running_cov_new(size_t n, double window, wh_running_cov **out);

WH_API void wh_running_cov_free(wh_running_cov *rc);

/* Fold in one output y (n values). O(n^2); allocates nothing. A NaN or infinity in y
 * stays in the estimate: wh_running_cov_errors() then returns WH_ENONFINITE. */
WH_API void wh_running_cov_update(wh_running_cov *rc, const double *y);

/* The bias-corrected estimate into S (n x n, leading dimension lds); zero before any update. */
WH_API void wh_running_cov_matrix(const wh_running_cov *rc, double *S, size_t lds);

/*
 * Spectral and Frobenius distances of the estimate from I (sqrt_relative is
 * NaN). WH_EINVAL before the first update, WH_ENONFINITE if a non-finite output
 * was folded in. O(n^3); allocates nothing.
 */
WH_API wh_status wh_running_cov_errors(wh_running_cov *rc, wh_errors *out);

#ifdef __cplusplus
}
#endif

#endif
