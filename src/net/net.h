/*
 * net.h: the inside of a wh_net, shared by the files of src/net/.
 *
 * State is double-buffered: a step writes the candidate synapses into the
 * *_next buffers, factors the candidate M, and only if that succeeds swaps
 * the buffers in. So a step that fails leaves the network exactly as it was.
 */
#ifndef WH_NET_NET_H
#define WH_NET_NET_H

#include "whiten/network.h"

struct wh_net {
    wh_net_kind kind;
    size_t n, k;
    double eta;         /* base rate; sample t learns at wh_schedule_eta(&schedule, eta, t) */
    wh_schedule schedule;
    wh_neural neural;
    uint64_t samples;

    double *M, *M_next; /* lateral weights, n x n (interneurons: W W^T) */
    double *L, *L_next; /* Cholesky factors of M and M_next (lower triangle) */
    double *W, *W_next; /* interneuron synapses, n x k; NULL for the direct network */
    double *y, *z;      /* outputs of the current sample: n and k values */
    double *ry, *rz;    /* residuals of the simulated neural dynamics: n and k */
    double *S;          /* n x n scratch for the expected update */

    wh_solver solver;   /* resolved: WH_SOLVER_EXACT or WH_SOLVER_FAST */
    size_t refresh;     /* fast solvers: samples between exact refreshes */
    struct wh__fast *fast; /* state of the fast solver (src/net/fast.h); NULL if exact */
};

/* The learning rate of the next sample, the one with index net->samples. src/net/schedule.c. */
double wh__net_rate(const wh_net *net);

/* WH_OK if s is a valid schedule, else WH_EINVAL. src/net/schedule.c. */
wh_status wh__schedule_check(const wh_schedule *s);

/* The fast solver's state, if any, no longer belongs to the synapses (they were
 * replaced from outside a learning step): the next fast step re-derives it.
 * Call after anything that writes net->W or net->M other than a step.
 * src/net/fast.c. */
void wh__net_synapses_changed(wh_net *net);

/* Initial synapses from opts->init into net->M (and net->W), with net->L
 * factored. src/net/init.c. */
wh_status wh__net_init_synapses(wh_net *net, const wh_init *init);

/* Outputs y (and z) for input x into net->y, net->z. src/net/neural.c. */
wh_status wh__net_respond(wh_net *net, const double *x, size_t *iterations);

/* Copy the last outputs net->y (and net->z for interneurons) to y and z, each NULL if
 * not wanted. src/net/network.c. */
void wh__net_copy_outputs(const wh_net *net, double *y, double *z);

/*
 * The lower triangle of m (n x n) += eta (y y^T - I), its diagonal computed as
 * d_i + eta (y_i^2 - 1) from the diagonal d before the update (before[i * stride]).
 * Adding eta y_i^2 and then subtracting eta would round the same way every sample
 * (eta's bits below the entry's last place do not change), a bias of about half a unit
 * in the last place per sample; the one sum has an error that varies with y.
 * src/net/plasticity.c.
 */
void wh__net_lateral_online(size_t n, double eta, const double *y, const double *before,
                            size_t stride, double *m);

/* Candidate synapses after the online update with net->y, net->z. src/net/plasticity.c. */
void wh__net_propose_online(wh_net *net);

/* Candidate synapses after the expected update for covariance C. src/net/plasticity.c. */
void wh__net_propose_expected(wh_net *net, const double *C, size_t ldc);

/* Factor the candidate M and swap it in; WH_EDIVERGED (state kept) if not
 * positive definite. src/net/plasticity.c. */
wh_status wh__net_accept(wh_net *net);

#endif
