/*
 * flow_gain.h: `whiten flow --net gain`, the gain circuit's population dynamics beside the
 * closed-form optimum g* (science.md §7 fact 2). src/cli/flow_gain.c.
 */
#ifndef WH_CLI_FLOW_GAIN_H
#define WH_CLI_FLOW_GAIN_H

#include <stdbool.h>

#include "cli/data.h"

typedef struct wh__flow_gain_args {
    wh__cli_net net;       /* n, K, alpha, frame, seed; net.eta is ignored */
    const double *C;       /* n x n covariance (rotated by the caller) */
    double dt, eps, t_max; /* Euler step, whitening-error threshold, time limit */
    size_t max_steps;      /* Euler steps allowed */
    bool json;
} wh__flow_gain_args;

/* Integrate dg/dt = diag(W^T (M^-1 C M^-1 - I) W) from g = 0 by Euler steps of dt until the
 * whitening error is <= eps (or t_max), then report T_eps, g, g* and |g - g*| / |g*|.
 * Returns an exit status. */
int wh__flow_gain(const wh__flow_gain_args *a);

#endif
