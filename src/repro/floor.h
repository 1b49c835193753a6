/*
 * floor.h: the online noise floor of a network, measured.
 *
 * Online learning never settles: each sample kicks M, so near the fixed point
 * M* = C^{1/2} the whitening error fluctuates around a floor that grows with
 * eta and n (science.md §3). A convergence threshold below that floor is
 * decided by noise; `whiten simulate` and `whiten reproduce` measure the floor
 * and put their thresholds above it.
 */
#ifndef WH_REPRO_FLOOR_H
#define WH_REPRO_FLOOR_H

#include <stdint.h>

#include "whiten.h"

/* Writes the input of sample t into x (n values); for data files. */
typedef void (*wh__floor_input)(void *ctx, uint64_t t, double *x);

typedef struct wh__floor {
    double mean;      /* mean whitening error at stationarity */
    double q95;       /* its 95th percentile */
    uint64_t samples; /* samples the measurement took (burn-in included) */
} wh__floor;

/*
 * The noise floor of the network `o` describes (its init is ignored) at
 * covariance C (n x n): started at M = C^{1/2} it learns online from
 * next(ctx, t, x) (or, next == NULL, from a Gaussian source of covariance C
 * seeded by `seed`) for a burn-in of 3 and a measurement of 20 relaxation
 * times tau / eta samples, tau = 1/4 for interneurons and sqrt(lambda_max)/2
 * for direct connections (the slowest local rates, science.md §3); the error
 * is read 2000 times over the measurement. Returns the status of the run.
 */
wh_status wh__noise_floor(const wh_net_options *o, const double *C, wh__floor_input next,
                          void *ctx, uint64_t seed, wh__floor *out);

/* The relaxation time tau of the slowest mode near the fixed point (see above). */
double wh__relaxation_time(wh_net_kind kind, double lambda_max);

/* The largest eigenvalue of the symmetric n x n matrix C (NaN on failure). */
double wh__largest_eigenvalue(const double *C, size_t n);

#endif
