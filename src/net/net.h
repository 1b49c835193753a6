/*
 * net.h: the inside of a wh_net, and the table of operations every circuit's
 * path provides (docs/architecture.md).
 *
 * A network is a dispatcher (network.c) over one wh__net_ops table, chosen
 * once by the constructor from the circuit and the solver. Files depend one
 * way: network.c -> a path's table file (direct_exact.c, direct_cg.c,
 * interneuron_exact.c, interneuron_block.c) -> shared pieces that call no
 * circuit (interneuron_fast.c, lazy_weights.c, plasticity.c, neural.c,
 * synapses.c, init.c, fast.c, schedule.c) -> src/core. scripts/net_layers.py
 * checks it.
 *
 * The paper's two circuits keep their state double-buffered: a step writes the
 * candidate synapses into the *_next buffers, factors the candidate M, and only
 * if that succeeds swaps the buffers in. So a step that fails leaves the
 * network exactly as it was.
 */
#ifndef WH_NET_NET_H
#define WH_NET_NET_H

#include "whiten/network.h"

typedef struct wh__net_ops wh__net_ops;

struct wh_net {
    const wh__net_ops *ops; /* the circuit's path: everything that differs between them */
    wh_net_kind kind;
    size_t n, k;
    double eta; /* base rate; sample t learns at wh_schedule_eta(&schedule, eta, t) */
    wh_schedule schedule;
    wh_neural neural;
    uint64_t samples;
    wh_solver solver; /* resolved: WH_SOLVER_EXACT or WH_SOLVER_FAST */
    size_t refresh;   /* fast solvers: samples between exact refreshes */
    double *y, *z;    /* outputs of the current sample: n and k values (network.c) */
    double *check;    /* n x n: wh_net_step_expected's test that C is a covariance */

    /* The paper's circuits (synapses.c allocates them; NULL for a circuit of its own): */
    double *M, *M_next;    /* lateral weights, n x n (interneurons: W W^T) */
    double *L, *L_next;    /* Cholesky factors of M and M_next (lower triangle) */
    double *W, *W_next;    /* interneuron synapses, n x k; NULL for the direct network */
    double *ry, *rz;       /* residuals of the simulated neural dynamics: n and k */
    double *S;             /* n x n scratch for the expected and summed updates */
    struct wh__fast *fast; /* state of a fast path (fast.h); NULL on an exact one */

    /* The gain circuits (gain_path.c over gain.c); NULL for the paper's circuits. */
    struct wh__gain *gain;
};

/*
 * What a circuit's path provides. Every operation may assume net->n, k, eta,
 * schedule, neural, solver, refresh and the buffers y (n), z (k) are set, x is
 * finite, and sizes and leading dimensions were checked. Outputs go to net->y
 * (and net->z when has_z); a learning operation counts net->samples and, on a
 * failure, leaves the network as it was before the failing sample.
 */
struct wh__net_ops {
    const char *name; /* for messages and docs: "direct, exact", ... */
    bool has_z;       /* z = W^T y (k values) is an output */
    /* Allocate the path's buffers and the initial synapses from opts->init. */
    wh_status (*create)(wh_net *net, const wh_net_options *opts);
    void (*destroy)(wh_net *net); /* free what create allocated (also after it failed) */
    /* The output of x without learning (the samples count does not move). */
    wh_status (*respond)(wh_net *net, const double *x, size_t *iterations);
    /* One sample of the online algorithm at rate wh__net_rate(net). */
    wh_status (*learn)(wh_net *net, const double *x, size_t *iterations);
    /* count samples at once, equal to count learn()s up to rounding; NULL: a loop of learn.
     * Z may be NULL. On failure the samples before the failing one are learned. */
    wh_status (*learn_block)(wh_net *net, size_t count, const double *X, size_t ldx, double *Y,
                             size_t ldy, double *Z, size_t ldz);
    size_t (*block_length)(const wh_net *net); /* most samples of one block; NULL: 0 */
    /* One step of the population dynamics for covariance C. */
    wh_status (*learn_expected)(wh_net *net, const double *C, size_t ldc);
    /* The minibatch algorithm (wh_net_step_minibatch); NULL: not defined for the circuit. */
    wh_status (*learn_minibatch)(wh_net *net, size_t count, const double *X, size_t ldx, double *Y,
                                 size_t ldy);
    const double *(*lateral)(wh_net *net); /* M, n x n, brought up to date */
    const double *(*weights)(wh_net *net); /* W, n x k; NULL (the entry): no synapse matrix */
    /* M (n x n) and W (n x k) into the caller's buffer, the same bits as lateral() and
     * weights(), writing nothing in the network (wh_net_get_lateral, wh_net_get_weights);
     * WH_ENOMEM only where a product must be formed in scratch. copy_weights NULL: no W. */
    wh_status (*copy_lateral)(const wh_net *net, double *M, size_t ldm);
    wh_status (*copy_weights)(const wh_net *net, double *W, size_t ldw);
    /* Saved synapses back, and the samples count; nothing changes on failure. */
    wh_status (*restore)(wh_net *net, const double *synapses, size_t ld, uint64_t samples);
    /* The path's own state beyond the synapses (NULL entries: none). set_state validates it
     * (WH_EINVAL, nothing changes); the dispatcher checked the size and finiteness. */
    size_t (*state_size)(const wh_net *net);
    void (*get_state)(const wh_net *net, double *state);
    wh_status (*set_state)(wh_net *net, const double *state);
};

/* The paths of the paper's circuits (one table each). */
extern const wh__net_ops wh__direct_exact_ops;      /* direct_exact.c */
extern const wh__net_ops wh__direct_cg_ops;         /* direct_cg.c */
extern const wh__net_ops wh__interneuron_exact_ops; /* interneuron_exact.c */
extern const wh__net_ops wh__interneuron_fast_ops;  /* interneuron_block.c */
extern const wh__net_ops wh__gain_ops;              /* gain_path.c */
extern const wh__net_ops wh__gain_fast_ops;         /* gain_path.c */
extern const wh__net_ops wh__gain_synapse_ops;      /* gain_path.c */

/* The learning rate of the next sample, the one with index net->samples. schedule.c. */
double wh__net_rate(const wh_net *net);

/* WH_OK if s is a valid schedule, else WH_EINVAL. schedule.c. */
wh_status wh__schedule_check(const wh_schedule *s);

/* The paper's circuits' buffers (W, W_next only `with_weights`); free them. synapses.c. */
wh_status wh__synapses_alloc(wh_net *net, bool with_weights);
void wh__synapses_free(wh_net *net);

/* Saved M (n x n, exactly symmetric) or W (n x k) into the network with their factor, and
 * the samples count; WH_EINVAL, WH_ENONFINITE, WH_ENOTSYM, WH_ENOTPD / WH_ERANK; nothing
 * changes on failure. synapses.c. */
wh_status wh__synapses_restore_lateral(wh_net *net, const double *M, size_t ld, uint64_t samples);
wh_status wh__synapses_restore_weights(wh_net *net, const double *W, size_t ld, uint64_t samples);

/* Initial synapses from init: M (and L) of the direct network; W, M = W W^T and L of the
 * interneuron network. init.c. */
wh_status wh__init_direct(wh_net *net, const wh_init *init);
wh_status wh__init_interneurons(wh_net *net, const wh_init *init);

/* The equilibrium y = M^{-1} x by the factor net->L (and z = W^T y with interneurons);
 * the simulated neural dynamics (interneurons: through W, or with their own dynamics
 * when net->neural says so). neural.c. */
void wh__neural_solve(wh_net *net, const double *x, bool interneurons);
wh_status wh__neural_simulate(wh_net *net, const double *x, bool interneurons, size_t *iterations);

/*
 * The lower triangle of m (n x n) += eta (y y^T - I), its diagonal computed as
 * d_i + eta (y_i^2 - 1) from the diagonal d before the update (before[i * stride]).
 * Adding eta y_i^2 and then subtracting eta would round the same way every sample
 * (eta's bits below the entry's last place do not change), a bias of about half a unit
 * in the last place per sample; the one sum has an error that varies with y.
 * plasticity.c.
 */
void wh__net_lateral_online(size_t n, double eta, const double *y, const double *before,
                            size_t stride, double *m);

/* Candidate synapses after the online update with net->y (net->z) at the sample's rate:
 * direct M + eta (y y^T - I), interneurons (1 - eta) W + eta y z^T. plasticity.c. */
void wh__direct_propose_online(wh_net *net);
void wh__interneuron_propose_online(wh_net *net);

/* Candidate synapses after adding eta times the update direction net->S (n x n):
 * direct M + eta S, interneurons W + eta S W. plasticity.c. */
typedef void wh__propose_summed(wh_net *net, double eta);
void wh__direct_propose_summed(wh_net *net, double eta);
void wh__interneuron_propose_summed(wh_net *net, double eta);

/* Factor the candidate M and swap it (and W_next, if any) in; WH_EDIVERGED (state kept)
 * if not positive definite. Counts the sample. plasticity.c. */
wh_status wh__net_accept(wh_net *net);

/* The expected step and the minibatch algorithm from exact M and L, with the circuit's
 * rule `propose` (see wh_net_step_expected, wh_net_step_minibatch). plasticity.c. */
wh_status wh__net_expected(wh_net *net, const double *C, size_t ldc, wh__propose_summed *propose);
wh_status wh__net_minibatch(wh_net *net, size_t count, const double *X, size_t ldx, double *Y,
                            size_t ldy, wh__propose_summed *propose);

#endif
