/*
 * whiten/network.h: the two whitening networks of Lipshutz, Pehlevan and
 * Chklovskii (ICLR 2023), learning online one sample at a time.
 *
 * Both networks whiten centred inputs x in R^n: their output y = M^{-1} x has
 * identity covariance once the lateral weights M reach C^{1/2}, where
 * C = E[x x^T].
 *
 *   Algorithm 1, direct recurrent connections (WH_NET_DIRECT):
 *     neural dynamics   dy/dgamma = x - M y,        equilibrium y = M^{-1} x
 *     synaptic update   M <- M + eta (y y^T - I)
 *
 *   Algorithm 2, interneurons (WH_NET_INTERNEURON), k >= n of them:
 *     neural dynamics   dy/dgamma = x - W z,  z = W^T y  (or dz/dgamma = W^T y - z)
 *                       equilibrium y = (W W^T)^{-1} x,  z = W^T y
 *     synaptic update   W <- W + eta (y z^T - W)
 *     so that M = W W^T plays the part of the direct lateral weights.
 *
 * In every update below eta is the rate of the sample being learned: the base
 * rate (wh_net_eta) under a constant schedule, else wh_schedule_eta() of the
 * network's schedule at that sample's index (see wh_schedule).
 *
 * Plan, execute, free: wh_net_new() validates the options and allocates every
 * buffer; wh_net_step() and wh_net_step_expected() allocate nothing and print
 * nothing; wh_net_free(NULL) is a no-op. Matrices are row-major with an
 * explicit leading dimension (the distance between rows, in elements).
 */
#ifndef WHITEN_NETWORK_H
#define WHITEN_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "whiten/status.h"
#include "whiten/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Which circuit. The paper's two, and the two of its follow-ups that whiten
 * through interneuron gains (science.md §7), all of the form
 * M = alpha I + W diag(g) W^T with K = k interneurons:
 *   WH_NET_GAIN (Duong, Lipshutz et al., ICML 2023): the frame W is fixed,
 *     the gains learn, g <- g + eta (z o z - diag(W^T W)), z = W^T y;
 *   WH_NET_GAIN_SYNAPSE (Duong, Simoncelli, Chklovskii & Lipshutz, NeurIPS
 *     2023): the gains learn fast (eta), the synapses slowly (gain.eta_w),
 *     W <- W + eta_w (y (g o z)^T - W diag(g)), columns back to unit length.
 * Their exact step factors M by Cholesky each sample (src/net/gain.c).
 */
typedef enum wh_net_kind {
    WH_NET_DIRECT = 0,      /* Algorithm 1: direct recurrent connections M */
    WH_NET_INTERNEURON = 1, /* Algorithm 2: recurrence through k interneurons, M = W W^T */
    WH_NET_GAIN = 2,        /* gain modulation: M = alpha I + W diag(g) W^T, W a fixed frame */
    WH_NET_GAIN_SYNAPSE = 3 /* gains (fast) plus synapses (slow) */
} wh_net_kind;

/*
 * The gain circuits' own parameters (ignored by the other two). Their gains'
 * learning rate is wh_net_options.eta (so schedules and wh_net_set_eta move
 * the gains); their interneuron count K is wh_net_options.k, 0 meaning
 * n(n+1)/2 for WH_NET_GAIN (the fewest gains that whiten a generic C) and n
 * for WH_NET_GAIN_SYNAPSE.
 */
typedef struct wh_gain_params {
    double alpha;          /* leak, >= 0 (default 1); alpha = 0 needs g0 with M > 0 */
    double eta_w;          /* GAIN_SYNAPSE: synapses' rate, 0 < eta_w < 1 (default 1e-3) */
    double g0;             /* initial gain of every interneuron (default 0: M0 = alpha I) */
    int frame;             /* a wh_frame_kind (whiten/gain.h); default WH_FRAME_DEFAULT */
    const double *matrix;  /* WH_FRAME_MATRIX: the frame, n x K; not owned, copied */
    size_t ld;             /* its leading dimension; 0 means K */
} wh_gain_params;

/* How the initial synapses are chosen. */
typedef enum wh_init_kind {
    WH_INIT_IDENTITY = 0, /* M0 = alpha I: commutes with every C */
    WH_INIT_ROTATED = 1,  /* M0 = alpha R diag(spread) R^T, R Haar-random from seed */
    WH_INIT_MATRIX = 2,   /* M0 given by the caller (symmetric positive definite) */
    WH_INIT_WEIGHTS = 3   /* W0 given by the caller (n x k, rank n); interneurons only */
} wh_init_kind;

/*
 * Initial synapses. For the interneuron network the chosen M0 is realised as
 * W0 = [M0^{1/2} 0] Q with Q a k x k Haar-random orthogonal matrix drawn from
 * `seed`, so that W0 W0^T = M0 whatever k is (science.md §5.2).
 */
typedef struct wh_init {
    wh_init_kind kind;
    double alpha;          /* scale of IDENTITY and ROTATED starts; > 0 (default 1) */
    const double *spread;  /* ROTATED: the n eigenvalues d (> 0) before scaling; not owned */
    const double *matrix;  /* MATRIX: M0, n x n; WEIGHTS: W0, n x k; not owned, copied */
    size_t ld;             /* leading dimension of `matrix`; 0 means its column count */
    uint64_t seed;         /* seeds R (ROTATED) and the interneuron mixing Q */
} wh_init;

/* How the fast neural dynamics are resolved for each sample. */
typedef enum wh_neural_mode {
    WH_NEURAL_EXACT = 0,    /* the equilibrium, solved by a Cholesky factorisation of M */
    WH_NEURAL_SIMULATED = 1 /* Euler steps of the neural ODE until it settles */
} wh_neural_mode;

/*
 * The simulated neural dynamics start from y = 0 (and z = 0) and take Euler
 * steps of size gamma,
 *   direct, or interneurons with instantaneous z = W^T y:  y <- y + gamma (x - M y)
 *   interneurons with their own dynamics:                 y <- y + gamma (x - W z),
 *                                                         z <- z + gamma (W^T y - z)
 * until the residual of the equilibrium equations falls to tol * |x| or below,
 * or max_iter steps have been taken (then WH_ENOCONV; also when the iteration
 * blows up because gamma is too large). gamma = 0 picks a stable step
 * automatically from a Gershgorin bound on the spectrum of M: 1 / bound for
 * the first form, 0.5 / (bound + 1/4) for the second. (Euler's method is stable
 * for gamma < 2 / lambda_max(M) in the first form and, when sigma_max(W) > 1/2,
 * for gamma < 1 / sigma_max^2 in the second.)
 */
typedef struct wh_neural {
    wh_neural_mode mode;
    bool interneuron_dynamics; /* interneurons only: z has its own dynamics */
    double gamma;              /* Euler step; 0 = automatic (default) */
    double tol;                /* relative residual tolerance (default 1e-12) */
    size_t max_iter;           /* iteration cap (default 100000) */
} wh_neural;

/*
 * How a learning step finds y = M^{-1} x and keeps M positive definite. Both
 * solvers compute the same online algorithm; they differ by rounding only
 * (relative difference of M after 10^6 samples at n = 64 well below 1e-10).
 *
 *   WH_SOLVER_EXACT: factor the candidate M by Cholesky every sample, O(n^3)
 *     per sample; a step that would leave M not positive definite is refused
 *     (WH_EDIVERGED, state kept) at the very sample where it happens.
 *   WH_SOLVER_FAST, interneurons: O(n^2 + nk) per sample. P = M^{-1} is kept
 *     by the exact rank-2 (Sherman-Morrison) form of M <- B M B,
 *     B = (1-eta) I + eta y y^T (science.md §5.3), on one triangle; y = P x,
 *     z = W^T y, W <- (1-eta) W + eta y z^T; M = W W^T is formed only when
 *     wh_net_lateral() asks for it. At every sample index that is a multiple
 *     of `refresh` the step is the exact one (M = W W^T, Cholesky) and P is
 *     re-derived from it. Each sample checks that y^T x > 0,
 *     y^T P y > 0 and that y, z are finite (redoing the sample exactly if not);
 *     definiteness of M is certified at every refresh.
 *   WH_SOLVER_FAST, direct: y by conjugate gradients to a relative residual
 *     of 1e-14, preconditioned with the inverse of M from the last refresh
 *     (at sample indices that are multiples of `refresh` the step is the
 *     exact one), less half a period's shifts, and deflated by the outputs
 *     since then (Woodbury), so that only the -eta I shifts, centred, are
 *     left to the iterations. M itself is kept
 *     as the M of the refresh plus Y^T Y - (sum of the rates since) I (Y the
 *     outputs since, each scaled by the square root of its sample's rate, so
 *     that a rate changed within the period is exact) and formed (one dsyrk)
 *     when read and at the next refresh; with a
 *     refresh period over 65 it is updated per sample instead
 *     (M <- M + eta (y y^T - I), O(n^2)). A sample on which CG meets
 *     non-positive curvature or does not converge is redone exactly. A loss of
 *     definiteness between refreshes is reported up to `refresh` samples late.
 *   WH_SOLVER_AUTO (default): the faster path at this n, from crossovers
 *     measured by `whiten bench` (BENCHMARKS.md): FAST for interneurons at
 *     every n (1.7x the exact path at n = 4, 4x at 16, 12x and more from 64),
 *     and for the direct network EXACT below n = WH_AUTO_DIRECT_FAST_N, FAST
 *     from it. A direct network on the FAST path reports a loss of positive
 *     definiteness up to `refresh` samples late (above); ask for
 *     WH_SOLVER_EXACT to have it at the very sample. For gain modulation
 *     (WH_NET_GAIN) EXACT below n = WH_AUTO_GAIN_FAST_N, FAST from it; gains
 *     plus synapses have an exact path only.
 *   WH_SOLVER_FAST for WH_NET_GAIN with a frame of at most two non-zeros a
 *     column (the pairs frame): y by conjugate gradients preconditioned by the
 *     inverse of M at the last refresh, M factored only when its definiteness
 *     is not certified (a bound checked every sample, so a loss of it is
 *     reported at the very sample, as on the exact path) or CG slows down. A
 *     dense frame runs exact steps under this solver.
 *
 * The solver applies to WH_NEURAL_EXACT; simulated neural dynamics always
 * take the exact synaptic path. Saving and restoring (wh_net_restore) a fast
 * network continues bit for bit only when the samples count is a multiple of
 * `refresh` (the fast state is then a function of the synapses alone);
 * elsewhere it continues to rounding (the inverse is re-derived from W).
 */
/* The smallest n at which WH_SOLVER_AUTO runs the direct network's FAST path. */
#define WH_AUTO_DIRECT_FAST_N 30
/* The smallest n at which WH_SOLVER_AUTO runs gain modulation's FAST path (33: the exact
 * step factors M by loops up to n = 32 and by LAPACK beyond, where it runs at 0.7x the
 * fast path and less; at 29-32 the two are within 6 % of each other; BENCHMARKS.md,
 * "--solver auto over a grid"). */
#define WH_AUTO_GAIN_FAST_N 33

typedef enum wh_solver {
    WH_SOLVER_AUTO = 0,
    WH_SOLVER_EXACT = 1,
    WH_SOLVER_FAST = 2
} wh_solver;

/*
 * Default `refresh` of the fast solvers (samples between exact steps), for 0.
 * Interneurons: without refreshes the tracked inverse drifts by about 3e-17
 * per sample (n = 64, eta = 1e-3: relative difference of M from the exact path
 * 2.6e-13 after 10^4 samples, 8.6e-12 after 3 x 10^5); with one every 1000 it
 * stays at the 2.5e-14 that rounding in y alone gives, and the refresh
 * (W W^T, Cholesky, inverse: ~3n^3 flops at dgemm speed) costs under 5 % of the
 * step up to n = 1024. Direct: CG iterations grow with the samples since the
 * refresh. WH_REFRESH_DIRECT is the direct default up to n = 64; beyond, n / 8
 * up to 64 (each refresh factors and inverts M, ~n^3 flops): 32 at n = 256,
 * 64 at n = 1024. wh_net_refresh() tells the period in use.
 */
#define WH_REFRESH_INTERNEURON 1000
#define WH_REFRESH_DIRECT 8

/*
 * A learning-rate schedule: the rate used for the sample with index t (the
 * network's samples count, from 0) is wh_schedule_eta(schedule, eta, t),
 * with eta the network's base rate (wh_net_eta). A decaying rate lets the
 * online estimate settle on stationary data, where a constant one leaves it
 * at a noise floor of order eta; a constant one tracks drifting statistics.
 */
typedef enum wh_schedule_kind {
    WH_SCHEDULE_CONSTANT = 0, /* eta_t = eta */
    WH_SCHEDULE_DECAY = 1     /* eta_t = eta / (1 + (t - start) / tau)^gamma for t >= start,
                               * eta before */
} wh_schedule_kind;

typedef struct wh_schedule {
    wh_schedule_kind kind;
    double tau;     /* samples; > 0 for DECAY */
    double gamma;   /* 1/2 < gamma <= 1 for DECAY (1 = eta / (1 + t / tau)) */
    uint64_t start; /* sample index where the decay starts (t counts the network's samples) */
} wh_schedule;

/*
 * The rate of sample t under schedule s from base rate eta, by the formula of
 * wh_schedule_kind (never larger than eta). s is trusted (validated where a
 * network takes it); a NULL s means CONSTANT.
 */
WH_API double wh_schedule_eta(const wh_schedule *s, double eta, uint64_t t);

/* Everything needed to build a network. Fill with wh_net_options_default(), then set n. */
typedef struct wh_net_options {
    size_t size; /* this struct's size as the caller was compiled: set by the defaults
                  * macro (docs/abi.md, "Structs that grow"); do not set it by hand */
    wh_net_kind kind;
    size_t n;          /* primary neurons = input dimension; >= 1, required (no default) */
    size_t k;          /* interneurons (interneuron network); 0 means k = n */
    double eta;        /* learning rate, 0 < eta < 1 (default 1e-3) */
    wh_init init;
    wh_neural neural;
    wh_solver solver;  /* see wh_solver (default WH_SOLVER_AUTO) */
    size_t refresh;    /* fast solvers: samples between exact steps; 0 = default */
    wh_schedule schedule; /* learning-rate schedule over eta (default WH_SCHEDULE_CONSTANT) */
    wh_gain_params gain; /* WH_NET_GAIN and WH_NET_GAIN_SYNAPSE only */
} wh_net_options;

/* What one step did. Any pointer to it may be NULL. */
typedef struct wh_step_info {
    uint64_t sample;    /* index of the sample this step processed, counting from 0 */
    size_t iterations;  /* iterations of the solve for y: Euler steps of the simulated neural
                         * dynamics; conjugate-gradient iterations on the direct network's FAST
                         * path; 0 for a Cholesky solve (every other exact path) */
} wh_step_info;

typedef struct wh_net wh_net;

/*
 * Defaults: direct network, k = n, eta = 1e-3, M0 = I, exact neural dynamics,
 * solver AUTO, a constant schedule. n has no default: it is left 0, "not set",
 * and wh_net_new() refuses it (WH_EDIM, field "n") until the caller sets it.
 */
WH_API void wh_net_options_default(wh_net_options *opts);
/* The defaults into a struct of `size` bytes, only those; wh_net_options_default(opts) is a
 * macro for wh_net_options_init(opts, sizeof(wh_net_options)), so that the size is the one
 * the caller was compiled with. */
WH_API void wh_net_options_init(wh_net_options *opts, size_t size);
#define wh_net_options_default(opts) wh_net_options_init((opts), sizeof(wh_net_options))

/*
 * Validate `opts` and build a network. On success *out owns a new network; on
 * failure *out is NULL and nothing is leaked. Statuses: WH_EINVAL (NULL
 * argument, unknown kind or schedule kind, WEIGHTS for a direct network, a
 * DECAY schedule whose tau or gamma is out of range), WH_EDIM (n = 0, or n
 * or k too large for LAPACK), WH_EINTERNEURONS (k < n), WH_EETA, WH_ENONFINITE,
 * WH_ENOTSYM (M0 not symmetric), WH_ENOTPD (M0, alpha or spread not positive),
 * WH_ERANK (W0 W0^T singular), WH_EOVERFLOW, WH_ENOMEM, WH_ELINALG.
 */
WH_API wh_status wh_net_new(const wh_net_options *opts, wh_net **out);

/*
 * Which field of `opts` wh_net_new() refuses: returns the status wh_net_new()
 * would return for these options and sets *field (if field is not NULL) to the
 * field's name as written in C, e.g. "n", "k", "eta", "schedule.tau",
 * "neural.gamma", "init.alpha", "init.spread", "init.matrix", "gain.eta_w",
 * "gain.frame" (a static string), or NULL when no field is to blame (WH_OK,
 * WH_ENOMEM, WH_EOVERFLOW, WH_ELINALG, NULL opts). It builds the network and
 * frees it again (the checks of M0 and W0 need their factorisation), so call
 * it after a failure, not before every wh_net_new().
 */
WH_API wh_status wh_net_options_check(const wh_net_options *opts, const char **field);

/* Release a network; NULL is fine. */
WH_API void wh_net_free(wh_net *net);

/*
 * Process one input sample x (n values): compute the output y (n values) and,
 * for the interneuron network, the interneuron activity z = W^T y (k values),
 * then apply the synaptic update. y and z may be NULL when not wanted.
 *
 * Statuses: WH_ENONFINITE (x has a NaN or infinity: nothing changes),
 * WH_ENOCONV (simulated dynamics did not settle: nothing changes),
 * WH_EDIVERGED (the update would leave M not positive definite: the network
 * keeps its state from before this sample, and info->sample names the sample).
 * Outputs are written only on WH_OK.
 */
WH_API wh_status wh_net_step(wh_net *net, const double *x, double *y, double *z,
                             wh_step_info *info);

/*
 * One step of the population (expected) dynamics for a known input covariance
 * C (n x n, symmetric positive definite, leading dimension ldc): the online
 * update with y y^T replaced by its expectation M^{-1} C M^{-1},
 *   direct:       M <- M + eta (M^{-1} C M^{-1} - I)
 *   interneurons: W <- W + eta (M^{-1} C M^{-1} - I) W
 * Deterministic; with t = eta x steps it follows the continuous flows of
 * science.md §3 as eta -> 0. C is checked first (one Cholesky factorisation of a
 * copy, O(n^3) like the step itself), and nothing changes if it is refused.
 * Statuses: WH_EINVAL (NULL net or C, ldc < n), WH_ENONFINITE, WH_ENOTSYM (C not
 * symmetric to a relative 1e-10), WH_ENOTPD (C not positive definite), and
 * WH_EDIVERGED as wh_net_step().
 */
WH_API wh_status wh_net_step_expected(wh_net *net, const double *C, size_t ldc,
                                      wh_step_info *info);

/*
 * Learn from a block of `count` samples (rows of X, count x n, leading
 * dimension ldx): the SAME online algorithm as count calls of wh_net_step(),
 * sample after sample, equal to them up to rounding, only organised for
 * speed. Y (count x n, leading dimension ldy) receives every output y and is
 * required; Z (count x k, leading dimension ldz >= k) receives the
 * interneuron activities z = W^T y, or is NULL (ignored for the direct
 * network). For the interneuron network with the fast solver, up to 64
 * samples at a time are processed with one pass over P = M^{-1} per sample
 * and matrix-matrix (BLAS-3) products at the block's end (src/net/interneuron_block.c);
 * passing Z = NULL saves an O(nk) product per sample. For every other network
 * and solver it is a loop of wh_net_step().
 * Statuses: WH_EINVAL (NULL, count = 0, a leading dimension too small),
 * WH_ENONFINITE (a row of X has a NaN or infinity: nothing is learned and
 * info->sample names that row's sample), and those of wh_net_step(): on
 * WH_ENOCONV or WH_EDIVERGED the samples before the failing one are learned,
 * their outputs written, and info->sample names the failing sample.
 * info->iterations sums the simulated neural dynamics' iterations.
 * Allocates nothing.
 */
WH_API wh_status wh_net_learn_block(wh_net *net, size_t count, const double *X, size_t ldx,
                                    double *Y, size_t ldy, double *Z, size_t ldz,
                                    wh_step_info *info);

/*
 * The most samples one block of wh_net_learn_block() holds for this network:
 * clamp(n / 8, 16, 64) for the fast interneuron path at n >= 40, fewer at a
 * large base eta (the block's rounding grows like (1-eta)^{-2m}, so m <= ln 2 /
 * (-2 ln(1-eta)); a schedule's rates never exceed the base rate, and within a
 * block each sample learns at its own); 0 when it goes sample by sample (n < 40, eta > 0.16, any
 * other network or solver). Refreshes and the end of a call cut blocks shorter.
 */
WH_API size_t wh_net_block_length(const wh_net *net);

/*
 * Minibatch learning: a DIFFERENT algorithm from count calls of wh_net_step().
 * M is held fixed over the block of `count` samples (rows of X, count x n,
 * leading dimension ldx): Y = X M^{-1} by one Cholesky factorisation and a
 * BLAS-3 triangular solve, then the block's updates are summed,
 *   direct:       M <- M + eta (Y^T Y - count I)
 *   interneurons: W <- W + eta (Y^T Y - count I) W
 * (each sample's update with the M of the block's start; when the schedule's
 * rate changes within the block, each sample's term y y^T - I has its own
 * rate). Y (count x n,
 * leading dimension ldy) receives the outputs and is required. The samples
 * count grows by `count`; info->sample is the block's first sample.
 * Statuses: WH_EINVAL (NULL, count = 0, ld too small), WH_ENONFINITE (X; nothing
 * changes), WH_EDIVERGED (the summed update would leave M not positive
 * definite: state kept). Allocates nothing. src/net/plasticity.c.
 */
WH_API wh_status wh_net_step_minibatch(wh_net *net, size_t count, const double *X, size_t ldx,
                                       double *Y, size_t ldy, wh_step_info *info);

/* The old name of wh_net_step_minibatch(), kept for one release (docs/abi.md): it
 * differed from wh_net_learn_block(), the online algorithm in blocks, by one word. */
WH_API WH_DEPRECATED("use wh_net_step_minibatch") wh_status
wh_net_step_block(wh_net *net, size_t count, const double *X, size_t ldx, double *Y, size_t ldy,
                  wh_step_info *info);

/* The solver in use (WH_SOLVER_EXACT or WH_SOLVER_FAST, never AUTO) and its refresh period
 * (the period a FAST solver would use for the paper's two circuits; 0 for the gain
 * circuits, whose every step is exact: they have no fast path and nothing to refresh). */
WH_API wh_solver wh_net_solver(const wh_net *net);
WH_API size_t wh_net_refresh(const wh_net *net);

/* The network's kind, n, k (n for the direct network) and learning rate. */
WH_API wh_net_kind wh_net_get_kind(const wh_net *net);
WH_API size_t wh_net_n(const wh_net *net);
WH_API size_t wh_net_k(const wh_net *net);
WH_API double wh_net_eta(const wh_net *net);

/* Samples (or expected steps) applied so far. */
WH_API uint64_t wh_net_samples(const wh_net *net);

/*
 * The lateral weights M into the caller's buffer (n x n, row-major, leading
 * dimension ldm >= n, both triangles): for the interneuron network W W^T, for a
 * gain circuit alpha I + W diag(g) W^T. Writes nothing in the network. The fast
 * solvers keep M implicitly, so this may form it here: direct, M of the last
 * refresh plus the outputs since (one dsyrk, O(n^2 r)); interneurons, W W^T
 * (O(n^2 k)), allocating an n x k scratch only while the blocked path holds W
 * as a product Q W0 not yet formed; a gain circuit with a dense frame at orders
 * 33 to 96, whose step factors M without forming it, W diag(g) W^T (O(n^2 K),
 * an n x n + (n + 1) x K scratch). Statuses: WH_EINVAL (NULL, ldm < n),
 * WH_ENOMEM (those scratches).
 */
WH_API wh_status wh_net_get_lateral(const wh_net *net, double *M, size_t ldm);

/*
 * The synapses W into the caller's buffer (n x k, row-major, leading dimension
 * ldw >= k): the interneuron network's W, a gain circuit's frame or synapses.
 * Writes nothing in the network (a product Q W0 of the blocked path is formed
 * in W itself). Statuses: WH_EINVAL (NULL, ldw < k, the direct network, which
 * has no W).
 */
WH_API wh_status wh_net_get_weights(const wh_net *net, double *W, size_t ldw);

/*
 * Threads. A network is not locked. A call that takes a `wh_net *` (learning,
 * wh_net_respond, which uses the network's buffers, the setters and restores,
 * wh_inverse, the deprecated pointer getters below) may write in it and must not
 * overlap any other call on the same network. A call that takes a
 * `const wh_net *` writes nothing in it, so any number of threads may make such
 * calls on one network at once while none of the former runs.
 * Different networks share nothing (the BLAS may run threads of its own;
 * OPENBLAS_NUM_THREADS=1 stops it).
 */

/* The old getters, kept one release (docs/abi.md): a pointer into a cache inside
 * the network, brought up to date by the call (so the network is not const and two
 * threads must not call them on one network at once), valid until its next step.
 * NULL for the direct network's weights. */
WH_API WH_DEPRECATED("use wh_net_get_lateral") const double *wh_net_lateral(wh_net *net);
WH_API WH_DEPRECATED("use wh_net_get_weights") const double *wh_net_weights(wh_net *net);

/*
 * The gains g (K = wh_net_k() values) of a gain circuit; NULL for the other
 * two. Owned by the network, valid until its next step. The gain circuits'
 * frame or synapses are wh_net_weights() (n x K), their M = alpha I +
 * W diag(g) W^T is wh_net_lateral(), and wh_net_gain_alpha() their leak.
 */
WH_API const double *wh_net_gains(const wh_net *net);
WH_API double wh_net_gain_alpha(const wh_net *net);
/* The synapses' rate eta_w of WH_NET_GAIN_SYNAPSE; 0 for every other network. */
WH_API double wh_net_gain_eta_w(const wh_net *net);

/*
 * Put saved gains (K values) and, for WH_NET_GAIN_SYNAPSE, synapses W (n x K,
 * leading dimension ldw; NULL keeps the current ones) back into a gain circuit
 * of the same kind, n and K, with `samples` the count seen: learning then
 * continues bit for bit. A WH_NET_GAIN circuit's frame is fixed when it is
 * built (wh_gain_params.matrix), so W must be NULL for it. On failure nothing
 * changes. Statuses: WH_EINVAL (not a gain circuit, NULL g, ldw < K, W for a
 * fixed frame), WH_ENONFINITE, WH_ERANK (a zero column), WH_ENOTPD (M not
 * positive definite).
 */
WH_API wh_status wh_net_restore_gains(wh_net *net, const double *W, size_t ldw, const double *g,
                                      uint64_t samples);

/* Change the base learning rate of a live network. WH_EETA unless 0 < eta < 1. */
WH_API wh_status wh_net_set_eta(wh_net *net, double eta);

/*
 * Change the learning-rate schedule of a live network; it applies from the
 * next sample on (t keeps counting the network's samples). Statuses: WH_EINVAL
 * (NULL, unknown kind, or for DECAY a tau that is not finite and > 0 or a gamma
 * outside (1/2, 1]); on failure nothing changes.
 */
WH_API wh_status wh_net_set_schedule(wh_net *net, const wh_schedule *s);

/* The schedule in use. */
WH_API wh_schedule wh_net_get_schedule(const wh_net *net);

/*
 * Put saved synapses back into a live network of the same kind and size, so
 * that learning continues exactly (bit for bit) where it stopped: for the
 * direct network `synapses` is M (n x n, leading dimension ld, exactly
 * symmetric); for the interneuron network it is W (n x k, leading dimension
 * ld), and M = W W^T is recomputed. `samples` becomes the count of samples
 * seen. On failure the network is unchanged. Statuses: WH_EINVAL (NULL, ld too
 * small), WH_ENONFINITE, WH_ENOTSYM, WH_ENOTPD (M not positive definite),
 * WH_ERANK (W W^T singular). Allocates nothing. src/net/synapses.c.
 */
WH_API wh_status wh_net_restore(wh_net *net, const double *synapses, size_t ld, uint64_t samples);

/*
 * The fast solver's own state, which a bit-for-bit continuation needs besides
 * the synapses: for interneurons P = M^{-1} (as p * Phat), for both networks
 * the Cholesky factor of the last refresh and the samples since it, for the
 * direct network also the M of that refresh, the outputs since and the sum of their rates. It is
 * wh_net_solver_state_size()
 * doubles (0 for the exact solver, whose state is the synapses alone), opaque to the caller: save
 * it with the synapses and, after wh_net_restore() on a network built with the same kind, n, k,
 * solver and refresh, give it back to wh_net_set_solver_state(). Without it a restored fast network
 * re-derives that state from the synapses and continues equal up to rounding only. Statuses:
 * WH_EINVAL (size or layout does not match the network, or the state counts more samples since its
 * last refresh than the samples given to wh_net_restore() allow; nothing changes), WH_ENONFINITE.
 * src/net/direct_cg.c, src/net/interneuron_block.c.
 */
WH_API size_t wh_net_solver_state_size(const wh_net *net);
WH_API wh_status wh_net_get_solver_state(const wh_net *net, double *state, size_t size);
WH_API wh_status wh_net_set_solver_state(wh_net *net, const double *state, size_t size);

/*
 * The output y (n values) and interneuron activity z (k values, may be NULL)
 * of input x, by the same neural dynamics as wh_net_step(), but without any
 * synaptic update: the network is frozen (the samples count does not move).
 * Statuses: WH_ENONFINITE, WH_ENOCONV. Allocates nothing.
 */
WH_API wh_status wh_net_respond(wh_net *net, const double *x, double *y, double *z,
                                wh_step_info *info);

#ifdef __cplusplus
}
#endif

#endif
