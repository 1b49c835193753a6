/*
 * whiten/flow.h: the continuous synaptic dynamics (small-eta limit) of both
 * networks, their closed forms, and convergence times (science.md §3-§4).
 *
 * Averaging the synaptic updates over inputs of covariance C and writing
 * t = eta x samples gives two gradient flows:
 *   direct:        dM/dt = M^{-1} C M^{-1} - I
 *   interneurons:  dW/dt = (M^{-1} C M^{-1} - I) W,   M = W W^T,
 *                  which closes on M:  dM/dt = M^{-1} C + C M^{-1} - 2 M.
 * Both settle at M* = C^{1/2}. The whitening error is
 *   E(M) = || M^{-1} C M^{-1} - I ||_2,
 * and the convergence time T_eps is the first t with E(M(t)) <= eps.
 *
 * A wh_flow integrates one of these flows with GSL's adaptive Runge-Kutta
 * Prince-Dormand 8(9) stepper (rk8pd) under per-entry error control
 * |error_i| <= atol + rtol |y_i|. Plan, execute, free: wh_flow_new() validates
 * and allocates everything; wh_flow_step(), wh_flow_evolve() and
 * wh_flow_converge() allocate nothing and print nothing; wh_flow_free(NULL) is
 * a no-op. Matrices are row-major; those returned have leading dimension n
 * (M) or k (W) and belong to the flow, valid until its next call.
 *
 * About GSL's error handler: libwhiten never installs one (it would be global
 * state), and validates every argument it hands GSL, so no GSL routine it
 * calls can report an error through the handler, with one exception: GSL's
 * own allocation of the stepper's workspace inside wh_flow_new(). If malloc
 * fails there, GSL's default handler aborts; an application that must survive
 * out-of-memory should call gsl_set_error_handler_off() at start-up.
 */
#ifndef WHITEN_FLOW_H
#define WHITEN_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "whiten/metrics.h"
#include "whiten/network.h"
#include "whiten/status.h"
#include "whiten/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Smallest relative tolerance accepted: ten units of rounding. */
#define WH_FLOW_RTOL_MIN 2.220446049250313e-15

/* Everything needed to set up a flow. Fill with wh_flow_options_default(). */
typedef struct wh_flow_options {
    size_t size; /* this struct's size as the caller was compiled: set by the defaults
                  * macro (docs/abi.md, "Structs that grow"); do not set it by hand */
    wh_net_kind kind;         /* which network's flow */
    size_t n;                 /* dimension; >= 1 */
    size_t k;                 /* interneurons (0 means k = n); ignored for the direct flow */
    bool closed_lateral;      /* interneurons: integrate the closed M flow instead of W */
    const double *covariance; /* C, n x n, symmetric positive definite; copied */
    size_t ldc;               /* leading dimension of C; 0 means n */
    wh_init init;             /* initial synapses exactly as for wh_net_new() (same seed, same
                                 W0); IDENTITY, ROTATED, MATRIX, or WEIGHTS (interneurons) */
    double rtol;              /* relative error per step, WH_FLOW_RTOL_MIN <= rtol < 1
                                 (default 1e-10) */
    double atol;              /* absolute error per entry, >= 0; 0 (default) means
                                 rtol x min(lambda_min(M0), lambda_min(C)^{1/2}) for M, its
                                 square root for W */
    double eps;               /* threshold of the convergence time, > 0 (default 0.01) */
    size_t max_steps;         /* steps one wh_flow_evolve/converge call may take (default 1e6) */
} wh_flow_options;

/* What one integrator step did. */
typedef struct wh_flow_step_info {
    double t;        /* time after the step */
    double h;        /* size of the step taken */
    double error;    /* whitening error E(M(t)) */
    bool crossed;    /* the error first fell to eps or below during this step */
    double crossing; /* if crossed, the time it did so (root-found inside the step); else NaN */
} wh_flow_step_info;

typedef struct wh_flow wh_flow;

/* Defaults: direct flow, n = 0 and no covariance (the caller must give both), M0 = I,
 * rtol 1e-10, automatic atol, eps 0.01, max_steps 1e6. */
WH_API void wh_flow_options_default(wh_flow_options *opts);
/* The defaults into `size` bytes (as wh_net_options_init); the defaults function is a macro
 * for it with the caller's sizeof. */
WH_API void wh_flow_options_init(wh_flow_options *opts, size_t size);
#define wh_flow_options_default(opts) wh_flow_options_init((opts), sizeof(wh_flow_options))

/*
 * Validate `opts` and set up a flow at t = 0. On failure *out is NULL and
 * nothing is leaked. Statuses: WH_EINVAL (NULL argument or covariance, unknown
 * kind, closed_lateral for the direct flow, rtol outside [WH_FLOW_RTOL_MIN, 1), atol < 0,
 * eps <= 0, max_steps 0, an invalid init), WH_EDIM, WH_EINTERNEURONS,
 * WH_ENONFINITE, WH_ENOTSYM, WH_ENOTPD (C or M0), WH_ERANK, WH_EOVERFLOW,
 * WH_ENOMEM, WH_ELINALG.
 */
WH_API wh_status wh_flow_new(const wh_flow_options *opts, wh_flow **out);

/* Release a flow; NULL is fine. */
WH_API void wh_flow_free(wh_flow *flow);

/* Return to the initial synapses at t = 0, forgetting any convergence time found. */
WH_API void wh_flow_reset(wh_flow *flow);

/*
 * Take one adaptive step, ending no later than t_limit (> current time,
 * finite; else WH_EINVAL). If the whitening error first reaches eps inside
 * this step, the crossing time is located to near machine precision by Brent's
 * method, each trial time evaluated by a fresh rk8pd step from the start of
 * this step. info may be NULL. On failure the flow keeps the state from before
 * the step. Statuses: WH_EINVAL, WH_ESTEPSIZE (the tolerance cannot be met at
 * the smallest step, or by any step that moves t at all), WH_EDIVERGED (M
 * stopped being positive definite), WH_ELINALG.
 */
WH_API wh_status wh_flow_step(wh_flow *flow, double t_limit, wh_flow_step_info *info);

/*
 * Integrate to exactly time t (>= current time, finite; else WH_EINVAL),
 * recording the convergence time if it passes. Statuses as wh_flow_step, and
 * WH_EMAXSTEPS after max_steps steps (the flow stays where it got to).
 */
WH_API wh_status wh_flow_evolve(wh_flow *flow, double t);

/*
 * Integrate until the whitening error first reaches eps and store that time
 * in *t_eps (at once if it was already found). The flow is left at the end of
 * the step that crossed, not at *t_eps. Statuses as wh_flow_evolve, and
 * WH_ETMAX if the error is still above eps at t_max (*t_eps is then NaN).
 */
WH_API wh_status wh_flow_converge(wh_flow *flow, double t_max, double *t_eps);

/* Current time t. */
WH_API double wh_flow_time(const wh_flow *flow);

/* The first time with whitening error <= eps found so far; NaN if none yet. */
WH_API double wh_flow_convergence_time(const wh_flow *flow);

/* Whitening error E(M(t)) at the current time (cached after every step). */
WH_API double wh_flow_error(const wh_flow *flow);

/* Accepted integrator steps since set-up or the last reset. */
WH_API uint64_t wh_flow_steps(const wh_flow *flow);

/* M(t), n x n, leading dimension n (for the W flow, W W^T). */
WH_API const double *wh_flow_lateral(const wh_flow *flow);

/* W(t), n x k, leading dimension k, for the interneuron W flow; NULL otherwise. */
WH_API const double *wh_flow_weights(const wh_flow *flow);

WH_API size_t wh_flow_n(const wh_flow *flow);
WH_API size_t wh_flow_k(const wh_flow *flow);

/* All three errors of M(t) (see whiten/metrics.h). Allocates nothing; O(n^3). */
WH_API wh_status wh_flow_errors(wh_flow *flow, wh_errors *out);

/* The n eigenvalues of M(t), ascending, into out. Allocates nothing; O(n^3). */
WH_API wh_status wh_flow_eigenvalues(wh_flow *flow, double *out);

/*
 * Closed forms for a start that commutes with C (science.md §4): one
 * eigen-direction with eigenvalue lambda of C and m0 of M0 evolves alone.
 *   direct:        dm/dt = lambda/m^2 - 1, solved implicitly by
 *                  t = s [G(m/s) - G(m0/s)], s = sqrt(lambda),
 *                  G(u) = -u + (1/2) ln|(1+u)/(1-u)|; inverted numerically.
 *   interneurons:  m(t)^2 = lambda + (m0^2 - lambda) e^{-4t}.
 * wh_flow_mode() gives m(t); WH_EINVAL unless lambda > 0, m0 > 0, t >= 0, all finite.
 */
WH_API wh_status wh_flow_mode(wh_net_kind kind, double lambda, double m0, double t, double *m);

/*
 * The time at which one mode's error |lambda/m^2 - 1| first reaches eps
 * (0 if it starts there):
 *   interneurons:  (1/4) ln(|d| (1 -/+ eps) / (eps lambda)),  d = m0^2 - lambda
 *   direct:        s [G(u_eps) - G(u0)], u_eps = (1 -/+ eps)^{-1/2}
 * (upper sign when m0 > sqrt(lambda)). WH_EINVAL unless lambda, m0, eps > 0, finite.
 */
WH_API wh_status wh_flow_mode_time(wh_net_kind kind, double lambda, double m0, double eps,
                                   double *t);

/*
 * T_eps of a commuting start: the largest wh_flow_mode_time over n modes with
 * eigenvalues lambda[i] of C and m0[i] of M0 along the same eigenvectors.
 */
WH_API wh_status wh_flow_closed_time(wh_net_kind kind, size_t n, const double *lambda,
                                     const double *m0, double eps, double *t);

/*
 * Convergence of an online or population run: the first sample count from
 * which the error stays <= eps for `window` samples. Feed it the error after
 * each step (or each recorded step) in order. A noisy run's error dips below
 * an eps near its noise floor long before it settles there; asking that it
 * stay below for a window of samples (1/eta: one unit of the flow's time,
 * several relaxation times near the fixed point, science.md §3) keeps such a
 * dip from deciding. window = 0 is the plain first passage.
 */
typedef struct wh_passage {
    double eps;
    bool reached;
    uint64_t samples; /* start of the stay below eps (valid if reached) */
    double time;      /* eta x samples (valid if reached) */
    uint64_t window;  /* samples the error must stay <= eps */
    bool below;       /* the error has been <= eps since `since` (not yet reached) */
    uint64_t since;
} wh_passage;

/* Plain first passage (window 0). WH_EINVAL unless eps > 0 and finite. */
WH_API wh_status wh_passage_init(wh_passage *p, double eps);

/* Convergence as a stay of `window` samples below eps. WH_EINVAL unless eps > 0, finite. */
WH_API wh_status wh_passage_init_window(wh_passage *p, double eps, uint64_t window);

/*
 * Record the error after `samples` samples at learning rate eta; true when
 * convergence is established (once). With a window, that happens at the first
 * observation at least `window` samples after the start of the stay, and
 * p->samples is the start of the stay.
 */
WH_API bool wh_passage_observe(wh_passage *p, uint64_t samples, double eta, double error);

#ifdef __cplusplus
}
#endif

#endif
