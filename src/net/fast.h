/*
 * fast.h: the state of the fast learning paths (WH_SOLVER_FAST): direct_cg.c,
 * interneuron_fast.c and interneuron_block.c, with lazy_weights.c and fast.c.
 *
 * The exact path factors the candidate M for every sample (O(n^3)). The fast
 * paths keep enough state to find y = M^{-1} x in O(n^2):
 *
 *   interneurons (interneuron_fast.c): P = M^{-1} tracked by the exact
 *     Sherman-Morrison form of M <- B M B (science.md §5.3), stored as its
 *     lower triangle times a scalar, P = p * Phat, so that the 1/(1-eta)^2
 *     of every step costs one multiplication. M = W W^T is not needed by the
 *     step: wh_net_get_lateral() forms it when asked (wh__fast_lateral). Keeping it
 *     by the O(n^2) identity M <- (1-eta)^2 M + eta(1-eta)(y x^T + x y^T)
 *     + eta^2 (y^T x) y y^T (valid as M y = x) cost ~30 % of the step's time.
 *     At every sample index that is a multiple of `refresh` the step is the
 *     exact one (M = W W^T, Cholesky of the candidate) and P is re-derived from
 *     the factor, which bounds the drift of P and certifies M > 0.
 *   direct (direct_cg.c): conjugate gradients on M y = x, deflated by the
 *     outputs since the last refresh and preconditioned by P, the inverse of
 *     the M factored then (the candidate M at every sample index that is a
 *     multiple of `refresh`); M itself is M_r + Y^T Y - drift I, with
 *     M_r the M of the refresh, Y the outputs since, each scaled by the square
 *     root of its rate, and drift the sum of those rates, formed on its lower
 *     triangle (one dsyrk) only when it is read and at the next refresh, the
 *     upper triangle mirrored when M is read. A refresh period longer than Y
 *     holds updates M per sample (dsyr) instead.
 *
 * Between refreshes net->L is the factor of an older M, so everything that
 * reads it must first call wh__fast_sync().
 */
#ifndef WH_NET_FAST_H
#define WH_NET_FAST_H

#include <stdbool.h>
#include <stddef.h>

#include "net/net.h"

/* Relative residual ||x - M y|| / ||x|| at which conjugate gradients stop. */
#define WH__CG_TOL 1e-14

/* Conjugate-gradient iterations before the step falls back to a fresh factor. */
#define WH__CG_MAX_ITER 64

/* Most samples since the factor whose outputs the direct path keeps: with them CG is
 * deflated and M d costs O(n) instead of a pass over M (direct_cg.c). */
#define WH__CG_RANK_MAX 64

/* Scale of P beyond which it is folded back into Phat (keeps p far from overflow). */
#define WH__FAST_RESCALE 0x1p64

/* Most samples one block of wh_net_learn_block() holds (interneuron_block.c). */
#define WH__BLOCK_MAX 64

/*
 * Workspace of the blocked interneuron path (interneuron_block.c). Within a block
 * of m samples that starts from P0 = p Phat and weights W0 = Q W,
 *   P_j = rho_j (P0 + V^T S V),   W_j = a^j (I + Y^T T Y) W0,   a = 1 - eta,
 * where V holds y_i (row 2i) and P0 y_i (row 2i+1) of the samples so far,
 * so Y is V with leading dimension 2n.
 */
/* The factor by which the bound of |Q|_F is widened when set, for the rounding of Q
 * itself and of the sum of squares it came from. */
#define WH__QNORM_SLACK (1.0 + 0x1p-20)

typedef struct wh__block {
    double *G;         /* 2 WH__BLOCK_MAX x n: P0 x_j of the block's inputs; at its end, S V */
    double *V;         /* 2 WH__BLOCK_MAX x n: the basis, y_i and P0 y_i interleaved */
    double *S;         /* 2 WH__BLOCK_MAX square: coefficients of P's correction */
    double *T;         /* WH__BLOCK_MAX square, lower triangular: coefficients of W's */
    double *YW;        /* WH__BLOCK_MAX x k: (Y Q)^T, then (T Y Q)^T (n x m of it) */
    double *a, *b, *r; /* 2 WH__BLOCK_MAX: V x, S V x; WH__BLOCK_MAX: Y y, then T^T Y y */
    /* Lazy synapses: while `lazy`, the weights are Q W with W = net->W, and the blocks
     * update the n x n product Q instead of the n x k W (half the work at k = 2n). */
    double *Q, *Q_next; /* n x n; Q_next only when the bound below overflows */
    double *Wv;         /* n x k: Q W for readers (wh_net_weights), valid while view_ok */
    double *P_full;     /* n x n up to n = 120: Phat at the block's start, both triangles
                         * (dgemv reads it); beyond, dsymv reads P itself */
    double wsq;         /* sum of squares of net->W when Q started */
    double qnorm;       /* an upper bound of |Q|_F (interneuron_block.c, advance_weights),
                         * widened by WH__QNORM_SLACK each time it is set */
    bool lazy, view_ok;
} wh__block;

typedef struct wh__fast wh__fast;

struct wh__fast {
    double *P;     /* interneurons: Phat, lower triangle of n x n, P = p * Phat; direct: M_r^{-1} */
    double p;      /* the scale of P */
    double *u, *v; /* n-vectors: P y, and the rank-2 direction of an update */
    double *r, *d, *q, *s; /* conjugate gradients: residual, direction, M d, preconditioned r */
    double *Ad;        /* conjugate gradients: A d by recurrence (direct_cg.c) */
    double *Y;         /* direct: (ycap + 1) x n, the outputs y of the `since` samples since L,
                        * each times the square root of its rate, and a row for the
                        * refresh's own y */
    double *Mr;        /* direct: lower triangle of M at the refresh that L factors */
    size_t m_since;    /* direct: samples since the refresh that net->M's lower triangle has */
    double centre;     /* direct: L factors M_r - centre I (see direct_cg.c) */
    double drift;      /* direct: the sum of the rates of the samples since the refresh */
    bool lazy_lateral; /* direct: ycap holds every sample of a period, so M is formed from Mr
                        * and Y only when read or refreshed (no pass over M per sample) */
    double *t;         /* direct: ycap, the capacitance solve of the Woodbury preconditioner */
    size_t ycap;       /* direct: rows Y holds, min(refresh - 1, WH__CG_RANK_MAX) */
    bool inverse_ok;   /* direct: P is the inverse of the current L L^T */
    double *H;         /* direct: ycap x n, rows P y_i of the deflation */
    double *K;         /* direct: WH__CG_RANK_MAX square, Cholesky of I + Y P Y^T */
    size_t deflated;   /* direct: rows of H and K computed for the current factor */
    bool deflation_ok; /* direct: K stayed positive definite for those rows */
    size_t since;  /* fast (non-exact) steps since M and L were last consistent */
    bool stale;    /* P (or L) does not belong to the current synapses */
    bool lateral_stale; /* net->M lags: interneurons W W^T, direct its upper triangle */
    wh__block *block;   /* interneurons: workspace of wh_net_learn_block() */
};

/* The fast state with its n-vectors; the paths add their own buffers. WH_ENOMEM,
 * WH_EOVERFLOW. fast.c. */
wh_status wh__fast_new(wh_net *net);
void wh__fast_free(wh__fast *f);

/* The interneuron weights as a reader sees them: Q W while the blocked path holds them
 * lazily (formed into the block's view cache on the first read, which is why the network
 * is not const), else net->W. Changes nothing the learning depends on. lazy_weights.c. */
const double *wh__lazy_weights(wh_net *net);
/* Fold Q into net->W before anything that updates W itself (a learning step off the
 * blocked path). The bits are those of the view. lazy_weights.c. */
void wh__lazy_settle(wh_net *net);
/* The weights without forming anything: net->W, or the product's view if it is formed;
 * NULL while a product is running unformed. lazy_weights.c. */
const double *wh__lazy_view(const wh_net *net);
/* The weights (the bits wh__lazy_weights gives) into W (n x k, leading dimension ldw),
 * writing nothing in the network. lazy_weights.c. */
void wh__lazy_copy(const wh_net *net, double *W, size_t ldw);
/* The synapses were replaced from outside: Q no longer applies. lazy_weights.c. */
void wh__lazy_forget(wh_net *net);
/* Start Q = I over the current W, unless a product is already running. lazy_weights.c. */
void wh__lazy_start(wh_net *net);
/* Continue a saved product: Q (n x n) over the weights W (n x k), both copied in. */
void wh__lazy_resume(wh_net *net, const double *Q, const double *W);

/* The per-sample fast interneuron path (science.md §5.3). interneuron_fast.c. */
wh_status wh__interneuron_fast_step(wh_net *net, const double *x);
wh_status wh__interneuron_fast_respond(wh_net *net, const double *x);
/* M = W W^T, its factor and P re-derived from net->W (settled); WH_EDIVERGED. */
wh_status wh__interneuron_fast_rederive(wh_net *net);

#endif
