/*
 * gain.h: the gain-modulating circuits of science.md §7, one model for both,
 *
 *   M = alpha I + W diag(g) W^T,   y = M^{-1} x,   z = W^T y,
 *   gains     g <- g + eta_g (z o z - diag(W^T W))
 *   synapses  W <- W + eta_w (y (g o z)^T - W diag(g))      (eta_w > 0 only)
 *
 * with the population versions replacing y y^T by M^{-1} C M^{-1}. The gain
 * circuit (ICML 2023) keeps its frame W fixed (eta_w = 0); gains plus synapses
 * (NeurIPS 2023) learn W slowly and, with `renormalise`, put its columns back
 * to unit length after each step. Both the gains and the synapses are updated
 * from the same response: the synapse rule uses the gains that produced y.
 *
 * Every step is exact: M is formed and factored by Cholesky, O(n^3 + n^2 K)
 * per sample (O(n^3 + K) for a fixed frame with at most two non-zeros per
 * column, such as wh_frame_pairs()); a dense frame at orders WH__CHOL_GRAM_MIN
 * to _MAX factors M straight from W and g and forms M only when it is read
 * (m_stale). State is double-buffered as in the other
 * circuits: a candidate (W, g, M, L) is built beside the current one and kept
 * only if M factors, so a step that would leave M not positive definite is
 * refused (WH_EDIVERGED) with the circuit as it was.
 *
 * This module depends on src/core only; src/net/ wraps it as two kinds of
 * wh_net.
 */
#ifndef WH_NET_GAIN_H
#define WH_NET_GAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "whiten/status.h"

typedef struct wh__gain_options {
    size_t n, K;      /* primary neurons and interneurons (gains); both >= 1 */
    double alpha;     /* leak, >= 0 */
    double eta_g;     /* gains' rate, 0 <= eta_g < 1 (0: gains fixed) */
    double eta_w;     /* synapses' rate, 0 <= eta_w < 1 (0: frame fixed) */
    bool renormalise; /* columns of W back to unit length after each synapse step */
    const double *W0; /* initial frame, n x K, leading dimension ldw; copied */
    size_t ldw;
    const double *g0; /* initial gains (K values), or NULL for g = g0_value */
    double g0_value;
} wh__gain_options;

typedef struct wh__gain {
    size_t n, K;
    double alpha, eta_g, eta_w;
    bool renormalise;
    uint64_t samples;

    double *W, *W_next;   /* frame / synapses, n x K */
    double *g, *g_next;   /* gains, K */
    double *wn, *wn_next; /* squared column norms diag(W^T W), K */
    double *M, *M_next;   /* alpha I + W diag(g) W^T, n x n, both triangles (the fast
                           * path: M's upper one, P's lower below it; n + 1 rows) */
    bool m_stale;         /* M not formed: the step factored M straight from W and g
                           * (wh__chol_gram_diag); wh__gain_lateral forms it on demand */
    double *L, *L_next;   /* Cholesky factors (lower triangle) */
    double *y, *z, *gz;   /* response: n, K; gz: K values of scratch */
    double *A;            /* n x K scratch (more for wh__chol_gram_diag's) */
    double *S;            /* n x n scratch */

    /* A fixed frame with at most two non-zeros per column keeps them here, so that
     * z = W^T y and W diag(g) W^T cost O(K); NULL when W is dense or learns. */
    size_t *row_a, *row_b; /* rows of the (up to) two non-zeros; row_b == row_a if one */
    double *val_a, *val_b; /* their values (val_b = 0 if one): W itself is n x K, read
                            * by columns it would be a cache miss per entry at large n */

    /* The fast path (wh__gain_enable_fast; a fixed sparse frame only), gain.c: y by
     * conjugate gradients preconditioned by P, M updated in place on its upper triangle and
     * factored only at refreshes. */
    bool fast;        /* enabled (and the frame qualifies) */
    bool pairs;       /* the frame is wh_frame_pairs' layout: the column pass's own loop */
    bool p_valid;     /* P is the inverse of M at the last refresh (CG mode) */
    bool slow;        /* the last solve took more than CG_REFRESH_ITER iterations */
    double *g_r;      /* K: the gains of the last refresh, M(g_r) = L L^T */
    double *P;        /* n x n scratch where P is formed (it is kept below M, in M) */
    double *cg;       /* 4n of scratch: r, d, q, s */
    uint64_t period;  /* samples between refreshes, at most */
    uint64_t since;   /* samples since the last refresh */
    uint64_t hold;    /* exact steps left before CG is tried again */
    uint64_t backoff; /* the next hold */
    /* Statistics, not state: solves by CG, their iterations, refreshes, inverses formed,
     * Cholesky factors (refreshes and the exact steps of a hold). */
    uint64_t cg_solves, cg_iterations, refreshes, inverses, factors;
} wh__gain;

/* Validate and build. Statuses: WH_EINVAL (NULL W0, ldw < K), WH_EDIM, WH_EETA (a rate
 * outside [0, 1)), WH_ENONFINITE, WH_ERANK (a zero column of W0), WH_ENOTPD (the initial
 * M not positive definite, e.g. alpha = 0 with g = 0), WH_EOVERFLOW, WH_ENOMEM. With
 * `renormalise`, the columns of W0 are scaled to unit length first. */
wh_status wh__gain_new(const wh__gain_options *opts, wh__gain **out);
void wh__gain_free(wh__gain *c);

/* y = M^{-1} x into c->y, z = W^T y into c->z. Nothing learns. WH_EDIVERGED only on the
 * fast path, when M lost definiteness since its last refresh (its next step refuses). */
wh_status wh__gain_respond(wh__gain *c, const double *x);

/* One online step on x (finite, not checked): respond, then learn. WH_EDIVERGED (state
 * kept) if the new M is not positive definite or not finite. */
wh_status wh__gain_step(wh__gain *c, const double *x);

/* One population step for covariance C (trusted). Statuses as wh__gain_step. */
wh_status wh__gain_step_expected(wh__gain *c, const double *C, size_t ldc);

/* Put W (n x K, leading dimension ldw; NULL keeps the frame) and g (K) back, and the
 * samples count; the circuit then continues bit for bit. WH_ENONFINITE, WH_EINVAL,
 * WH_ENOTPD (M would not be positive definite); on failure nothing changes. */
wh_status wh__gain_restore(wh__gain *c, const double *W, size_t ldw, const double *g,
                           uint64_t samples);

/* Change the rates of a live circuit (schedules). WH_EETA outside [0, 1); a fixed frame
 * stays fixed (eta_w must remain 0 for a circuit built with eta_w = 0). */
wh_status wh__gain_set_rates(wh__gain *c, double eta_g, double eta_w);

/*
 * The fast path of a fixed frame with at most two non-zeros a column (the pairs frame):
 * see gain.c, "The fast path". wh__gain_enable_fast allocates it (WH_ENOMEM); a frame that
 * does not qualify keeps the exact step (c->fast stays false, WH_OK). wh__gain_step_fast
 * is wh__gain_step's equal up to the solver's tolerance, with the same refusals.
 */
wh_status wh__gain_enable_fast(wh__gain *c);
wh_status wh__gain_step_fast(wh__gain *c, const double *x);

/* The fast path's state beyond g: g_r (K), M's upper triangle by rows (n(n+1)/2), then
 * since, slow, hold, backoff, p_valid, as doubles (wh__gain_fast_state_size values);
 * wh__gain_fast_set_state puts g and it back, after which the circuit continues bit for bit.
 * WH_EINVAL for a state that cannot be, WH_ENOTPD if the refresh's M does not factor. */
size_t wh__gain_fast_state_size(const wh__gain *c);
void wh__gain_fast_get_state(const wh__gain *c, double *state);
wh_status wh__gain_fast_set_state(wh__gain *c, const double *g, const double *state);

/* M with both triangles in c->M (the fast path keeps only its upper one up to date); forms
 * M there if the step did not (m_stale), so not from two threads at once. */
const double *wh__gain_lateral(wh__gain *c);

/* The exact path's M (n x n, leading dimension ldm) into the caller's buffer, the bits of
 * wh__gain_lateral, writing nothing in the circuit: if the step did not form M it is
 * formed in scratch allocated here (WH_ENOMEM). Not for the fast path (M's upper triangle
 * and P share c->M there: gain_path.c mirrors it). */
wh_status wh__gain_copy_lateral(const wh__gain *c, double *M, size_t ldm);

#endif
