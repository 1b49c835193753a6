/*
 * interneuron_block.c: Algorithm 2 on a block of samples, exactly, with BLAS-3, and the
 * table of the fast interneuron path (its per-sample steps are interneuron_fast.c's).
 *
 * The online algorithm is sequential: sample j needs the P and W left by
 * sample j-1. But every update is a low-rank change of the block's starting
 * point (science.md §5.1, §5.3), so within a block of m samples
 *   W_j = B_{j-1} ... B_0 W0 = A_j (I + Y^T T Y) W0,     A_j = a_0 ... a_{j-1},
 *   P_j = M_j^{-1}         = rho_j (P0 + V^T S V),        rho_j = A_j^{-2},
 * a_i = 1 - eta_i with eta_i the rate of sample i (a schedule may vary it),
 * with Y the outputs y_0 .. y_{j-1} (rows), T lower triangular, and V the
 * rows y_i and h_i = P0 y_i. Then
 *   y_j = P_j x_j = rho_j (P0 x_j + V^T S V x_j),
 * where P0 x_j for the whole block is one BLAS-3 product, and
 *   u_j = P_j y_j = rho_j (h_j + V^T S V y_j)
 * needs one pass over P0 (h_j) and O(nj) more. The Sherman-Morrison update
 * of P_j (interneuron_fast.c) is a rank-2 change along y_j and u_j, both in
 * the span of V once y_j and h_j are appended, so it only changes S (O(j)
 * per sample); it reads u_j only through its coefficients S V y_j and
 * s = y_j^T u_j = rho_j (y_j^T h_j + (V y_j)^T S V y_j), so u_j is never
 * formed: three passes over V a sample (V x_j, V^T of its coefficients,
 * V y_j). Likewise B_j Q_j adds the row (eta_j/a_j) [r^T T, 1] to T, with
 * r = Y y_j. At the end of the block
 *   Q <- A_m (Q + Y^T (T (Y Q))),   P0 <- rho_m (P0 + V^T (S V)),
 * three matrix products and a rank-2m symmetric update (dsyr2k).
 *
 * Q is the product of every B since the weights were last formed: the
 * synapses are Q W (W = net->W), kept lazily because the step never needs
 * them, only y = P x does. Q is n x n where W is n x k, so at k = 2n the
 * blocks do half the work W itself would cost (1.2-1.3x the speed at n = 64
 * to 1024). z_j, when asked for, is A_j W^T (Q^T v). The weights are formed
 * (Q W, one dgemm) for a reader into a cache, and folded into net->W before
 * any step that updates W itself: the per-sample path, so at every refresh
 * (lazy_weights.c). Both give the same bits, and a reader changes nothing the
 * learning depends on. The solver state (below) carries Q and the W it
 * multiplies, so a restore continues it.
 *
 * The result is the online algorithm of wh_net_step() sample for sample,
 * equal up to rounding, and so are its checks: a sample whose y^T x or
 * y^T P y is not positive (or whose quantities are not finite) ends the block
 * before it and is redone by the per-sample path, which redoes it exactly.
 * Blocks stop short of the samples on which the per-sample path refreshes,
 * which then take exactly the per-sample path's exact step.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "net/fast.h"

/*
 * Up to this order each sample's h = P0 y is a dgemv on P0 with both triangles (P_full),
 * beyond it a dsymv on P0's lower triangle. OpenBLAS's dgemv takes its work buffer from the
 * stack up to n = 120 and dsymv takes a global lock for one on every call, which two threads
 * learning at once fought over at n = 64 (see run_block); beyond 120 dgemv takes the lock too,
 * and the triangle is half the bytes: at n = 256 the full P0 is 512 KB, all of L2, and its
 * copy and mirror every block besides (measured at n = 256: the block path 1.02x faster with
 * dsymv). Beyond it P_full is not allocated.
 */
#define FULL_P_MAX 120

/* Leading dimension of S: the basis holds two vectors per sample. */
#define LDS (2 * WH__BLOCK_MAX)

static wh_status block_new(wh_net *net)
{
    const size_t n = net->n, m = WH__BLOCK_MAX;
    size_t vn, yk, nn, nk;
    if (!wh__size_mul(2 * m, n, &vn) || !wh__size_mul(m, net->k, &yk) || !wh__size_mul(n, n, &nn) ||
        !wh__size_mul(n, net->k, &nk))
        return WH_EOVERFLOW;
    wh__block *b = net->fast->block = wh__alloc(1, sizeof *b);
    if (b == NULL)
        return WH_ENOMEM;
    const struct {
        double **p;
        size_t count;
    } buffers[] = {{&b->G, vn},      {&b->V, vn},  {&b->S, LDS * LDS},
                   {&b->T, m * m},   {&b->YW, yk}, {&b->a, 2 * m},
                   {&b->b, 2 * m},   {&b->r, m},   {&b->Q, nn},
                   {&b->Q_next, nn}, {&b->Wv, nk}, {&b->P_full, n <= FULL_P_MAX ? nn : 0}};
    for (size_t i = 0; i < sizeof buffers / sizeof *buffers; i++)
        if ((*buffers[i].p = wh__alloc(buffers[i].count, sizeof(double))) == NULL)
            return WH_ENOMEM;
    return WH_OK;
}

/*
 * The block length that runs fastest, measured here (2-core AMD EPYC,
 * OpenBLAS 0.3.21, eta = 1e-3, k = 2n; samples/s against the per-sample path):
 * at n = 4 and 16 every block length loses (many small BLAS calls cost more
 * than the passes over P they save); at n = 64 m = 16 gains 1.33x, at n = 256
 * m = 32 gains 1.57x, at n = 1024 m = 64 gains 2.9x. The O(nm) cost of the
 * corrections grows with m, the BLAS-3 products at the block's end get faster.
 */
static size_t preferred_length(size_t n)
{
    if (n < 40)
        return 0;
    const size_t m = n / 8;
    return m < 16 ? 16 : (m > WH__BLOCK_MAX ? WH__BLOCK_MAX : m);
}

/*
 * Samples the next block may hold: at most WH__BLOCK_MAX, and few enough that
 * rho = a^{-2m} <= 2. Along the directions of the block's outputs M hardly
 * shrinks, so there V^T S V cancels nearly all of P0 and what remains is
 * ~ P0 / rho: rounding grows like rho (at rho ~ 1e17, for eta = 0.4 and
 * m = 40, nothing is left). rho <= 2 costs at most one bit and still allows
 * 64 samples for eta <= 5e-3. Blocks stop short of the samples on which the
 * per-sample path refreshes. 0: the next sample goes through the per-sample
 * path (also whenever fewer than two samples would fit: eta > 0.16, or n < 40).
 */
static size_t block_capacity(const wh_net *net)
{
    /* From the base rate: a schedule's rates never exceed it. */
    const double cap = 0.34657359 / -log1p(-net->eta); /* ln 2 / (-2 ln(1 - eta)) */
    const size_t m = preferred_length(net->n);
    const size_t held = cap < (double)m ? (size_t)cap : m;
    return held < 2 ? 0 : held;
}

/* The next block's length: the capacity (block_capacity, fixed for a call), cut by the
 * next refresh and the samples left. */
static size_t block_length(const wh_net *net, size_t capacity, size_t left)
{
    size_t m = capacity;
    if (m == 0)
        return 0;
    const size_t before_refresh = net->refresh - 1 - (size_t)(net->samples % net->refresh);
    m = m < before_refresh ? m : before_refresh;
    return m < left ? m : left;
}

/* b->a = V[0:w] q and b->b = S[0:w, 0:w] V[0:w] q: the coefficients of the correction
 * V^T S V q over the basis. w > 0. */
static void coefficients(wh__block *b, size_t n, size_t w, const double *q)
{
    wh__gemv(false, w, n, 1.0, b->V, n, q, 0.0, b->a);
    wh__symv_lower(w, 1.0, b->S, LDS, b->a, b->b);
}

/* v += V[0:w]^T S[0:w, 0:w] V[0:w] q; b->a, b->b keep V q and S V q. w may be 0. */
static void correction(wh__block *b, size_t n, size_t w, const double *q, double *v)
{
    if (w == 0)
        return;
    coefficients(b, n, w, q);
    wh__gemv(true, w, n, 1.0, b->V, n, b->b, 1.0, v);
}

/*
 * S <- S - c (e_w t^T + t e_w^T) + (c^2 s / rho) e_w e_w^T over the basis
 * extended by y_j (index w) and h_j (w + 1), where u = rho V^T t with
 * t = [S V y; 0; 1]. This is P_j - c (y u^T + u y^T) + c^2 s y y^T.
 */
static void update_coefficients(wh__block *b, size_t w, double c, double s, double rho)
{
    double *S = b->S;
    for (size_t i = 0; i < w + 2; i++)
        S[w * LDS + i] = S[(w + 1) * LDS + i] = S[i * LDS + w] = S[i * LDS + w + 1] = 0.0;
    for (size_t i = 0; i < w; i++)
        S[w * LDS + i] = S[i * LDS + w] = -c * b->b[i];
    S[w * LDS + w + 1] = S[(w + 1) * LDS + w] = -c;
    S[w * LDS + w] = c * c * s / rho;
}

/* Row j of T: (eta/a) [r^T T, 1], r = Y y_j (the even entries of V y_j in b->a);
 * leaves T^T r in b->r. */
static void update_product(wh__block *b, size_t j, double eta)
{
    const double g = eta / (1.0 - eta);
    for (size_t i = 0; i < j; i++)
        b->r[i] = b->a[2 * i];
    if (j > 0)
        wh__trmv_lower(true, j, b->T, WH__BLOCK_MAX, b->r);
    for (size_t i = 0; i < j; i++)
        b->T[j * WH__BLOCK_MAX + i] = g * b->r[i];
    b->T[j * WH__BLOCK_MAX + j] = g;
}

/* z_j = W_j^T y_j = A_j W0^T (y + Y^T T^T r) into z, with T^T r in b->r and A_j the
 * product of the block's (1 - eta_i), i < j. */
static void interneuron_output(const wh_net *net, size_t j, double shrink, const double *y,
                               double *z)
{
    wh__block *b = net->fast->block;
    const size_t n = net->n;
    double *v = net->fast->v;
    memcpy(v, y, n * sizeof *v);
    if (j > 0)
        wh__gemv(true, j, n, 1.0, b->V, 2 * n, b->r, 1.0, v);
    /* W_j^T v = A_j W^T (Q^T v): Q^T v into y's slot h (free until h_j is formed). */
    double *t = b->G + j * n;
    wh__gemv(true, n, n, 1.0, b->Q, n, v, 0.0, t);
    wh__gemv(true, n, net->k, shrink, net->W, net->k, t, 0.0, z);
}

/*
 * Sample j of the block, learned at rate eta: y_j and h_j into V, S and T
 * extended. rho and shrink are the products of the block's 1 / (1 - eta_i)^2
 * and (1 - eta_i) over the samples i < j. False if a check fails (row j of T
 * may be written then, but a commit reads only the rows before it).
 */
static bool block_sample(wh_net *net, size_t j, const double *x, double eta, double rho,
                         double shrink, double *z)
{
    wh__fast *f = net->fast;
    wh__block *b = f->block;
    const size_t n = net->n, w = 2 * j;
    double *y = b->V + w * n, *h = y + n;
    memcpy(y, b->G + j * n, n * sizeof *y);
    correction(b, n, w, x, y);
    wh__scal(n, rho, y);
    if (n <= FULL_P_MAX)
        wh__gemv(false, n, n, f->p, b->P_full, n, y, 0.0, h);
    else
        wh__symv_lower(n, f->p, f->P, n, y, h);
    /* s = y^T P_j y = rho (y^T h + a^T S a) with a = V y: u = P_j y itself is never needed
     * (S's update reads b = S a), so V is read three times a sample, not four. */
    double ab = 0.0;
    if (w > 0) {
        coefficients(b, n, w, y);
        ab = wh__dot(w, b->a, b->b);
    }
    const double xy = wh__dot(n, x, y), yy = wh__dot(n, y, y);
    const double s = rho * (wh__dot(n, y, h) + ab);
    if (!(xy > 0.0 && s > 0.0 && isfinite(xy + yy + s)))
        return false;
    update_product(b, j, eta);
    if (z != NULL) {
        interneuron_output(net, j, shrink, y, z);
        if (!isfinite(wh__dot(net->k, z, z)))
            return false;
    }
    update_coefficients(b, w, eta / ((1.0 - eta) + eta * yy), s, rho);
    return true;
}

/*
 * Q <- A_m (Q + Y^T (T (Y Q))), the weights then Q W; false (nothing changes)
 * unless their sum of squares, the trace of M = W W^T (which bounds every
 * entry of M), is finite: the per-sample path's check that z^T z is finite, for
 * the whole block. |Q W|_F <= |Q|_F |W|_F settles it without forming Q W, and
 * so does, before Q is touched, the bound carried for |Q|_F (b->qnorm):
 * |Q_next|_F <= A_m (|Q|_F + |Y|_F |T Y Q|_F). Then Q is updated in place (the
 * same dgemm with beta = A_m as into a copy: the same bits). Only when that
 * bound overflows is Q_next formed aside and its sum of squares checked (and
 * if that overflows too, Q_next W itself): the decision is the same either
 * way, and the bound is re-derived from Q_next's sum of squares.
 */
static bool advance_weights(wh_net *net, size_t m, double am)
{
    wh__block *b = net->fast->block;
    const size_t n = net->n;
    /* (T Y Q)^T = Q^T Y^T T^T, n x m: OpenBLAS runs the product with the long side n as
     * its rows 1.2x faster than Y Q (m x n) at n = 256, m = 32 (130 against 100 us). */
    wh__gemm(true, true, n, m, n, 1.0, b->Q, n, b->V, 2 * n, 0.0, b->YW, m);
    wh__trmm_lower(false, true, n, m, 1.0, b->T, WH__BLOCK_MAX, b->YW, m);
    double ysq = 0.0;
    for (size_t i = 0; i < m; i++)
        ysq += wh__dot(n, b->V + 2 * i * n, b->V + 2 * i * n);
    const double qnorm = am * (b->qnorm + sqrt(ysq * wh__dot(m * n, b->YW, b->YW)));
    /* 4 = 2^2: room for the rounding of the bound and of the sum of squares it stands
     * for, so that it passes only where the exact route below would. */
    if (isfinite(4.0 * qnorm * qnorm * b->wsq)) {
        wh__gemm(true, true, n, n, m, am, b->V, 2 * n, b->YW, m, am, b->Q, n);
        b->qnorm = qnorm * WH__QNORM_SLACK;
        return true;
    }
    wh__copy(n, n, b->Q, n, b->Q_next, n);
    wh__gemm(true, true, n, n, m, am, b->V, 2 * n, b->YW, m, am, b->Q_next, n);
    const double qsq = wh__dot(n * n, b->Q_next, b->Q_next);
    if (!isfinite(qsq * b->wsq)) {
        const size_t nb = n, k = net->k;
        wh__gemm(false, false, nb, k, nb, 1.0, b->Q_next, nb, net->W, k, 0.0, net->W_next, k);
        if (!isfinite(wh__dot(n * net->k, net->W_next, net->W_next)))
            return false;
    }
    double *t = b->Q;
    b->Q = b->Q_next;
    b->Q_next = t;
    b->qnorm = sqrt(qsq) * WH__QNORM_SLACK;
    return true;
}

/* Phat <- Phat + V^T S V / p over the block's 2m basis vectors; p <- rho p. */
static void commit_inverse(wh_net *net, size_t m, double rho)
{
    wh__fast *f = net->fast;
    wh__block *b = f->block;
    const size_t n = net->n, w = 2 * m;
    wh__symm_lower(true, w, n, 1.0, b->S, LDS, b->V, n, 0.0, b->G, n);
    wh__syr2k_lower(true, n, w, 0.5 / f->p, b->V, n, b->G, n, 1.0, f->P, n);
    f->p *= rho;
    if (f->p > WH__FAST_RESCALE) {
        for (size_t i = 0; i < n; i++)
            wh__scal(i + 1, f->p, f->P + i * n);
        f->p = 1.0;
    }
}

/* End a block of m >= 1 samples (rho and am the products of their 1 / (1 - eta_i)^2 and
 * 1 - eta_i): the synapses and P move on. False if the weights would not be finite
 * (nothing changes). */
static bool commit(wh_net *net, size_t m, double rho, double am)
{
    if (!advance_weights(net, m, am))
        return false;
    commit_inverse(net, m, rho);
    net->fast->block->view_ok = false;
    net->samples += m;
    net->fast->since += m;
    net->fast->lateral_stale = true;
    return true;
}

/*
 * Up to m samples as one block. Returns how many were learned: fewer than m
 * when a sample's check failed (that sample and those after it are left), 0
 * also when the block's W would not be finite (nothing learned).
 */
static size_t run_block(wh_net *net, size_t m, const double *X, size_t ldx, double *Y, size_t ldy,
                        double *Z, size_t ldz)
{
    wh__fast *f = net->fast;
    wh__block *b = f->block;
    const size_t n = net->n;
    wh__lazy_start(net);
    wh__symm_lower(false, m, n, f->p, f->P, n, X, ldx, 0.0, b->G, n);
    /* P0 with both triangles, so that each sample's h = P0 y is a dgemv: OpenBLAS's dsymv
     * takes a global lock for a work buffer on every call (linalg.c), which two threads
     * learning at once (two Python fits) fought over once per sample, their CPU time 1.6x
     * at n = 64; dgemv takes its buffer from the stack up to n = 120 and is also faster. */
    if (n <= FULL_P_MAX) {
        wh__copy_lower(n, f->P, n, b->P_full, n);
        wh__mirror_lower(n, b->P_full, n);
    }
    double rho = 1.0, shrink = 1.0;
    size_t j = 0;
    for (; j < m; j++) {
        /* Each sample at its own rate (a schedule may change it within the block). */
        const double eta = wh_schedule_eta(&net->schedule, net->eta, net->samples + j);
        if (!block_sample(net, j, X + j * ldx, eta, rho, shrink, Z != NULL ? Z + j * ldz : NULL))
            break;
        rho /= (1.0 - eta) * (1.0 - eta);
        shrink *= 1.0 - eta;
    }
    if (j == 0 || !commit(net, j, rho, shrink))
        return 0;
    for (size_t i = 0; i < j; i++)
        memcpy(Y + i * ldy, b->V + 2 * i * n, n * sizeof *Y);
    return j;
}

/* One sample through the per-sample fast path, outputs into the rows given. */
static wh_status single(wh_net *net, const double *x, double *y, double *z)
{
    wh_status st = wh__interneuron_fast_step(net, x);
    if (st != WH_OK)
        return st;
    memcpy(y, net->y, net->n * sizeof *y);
    if (z != NULL)
        memcpy(z, net->z, net->k * sizeof *z);
    return WH_OK;
}

static wh_status learn_block(wh_net *net, size_t count, const double *X, size_t ldx, double *Y,
                             size_t ldy, double *Z, size_t ldz)
{
    size_t singles = 0; /* samples that must take the per-sample path next */
    const size_t capacity = block_capacity(net);
    for (size_t i = 0; i < count;) {
        double *z = Z != NULL ? Z + i * ldz : NULL;
        const size_t m = block_length(net, capacity, count - i);
        if (singles > 0 || m == 0 || net->fast->stale) {
            wh_status st = single(net, X + i * ldx, Y + i * ldy, z);
            if (st != WH_OK)
                return st;
            singles -= singles > 0;
            i++;
            continue;
        }
        const size_t got = run_block(net, m, X + i * ldx, ldx, Y + i * ldy, ldy, z, ldz);
        i += got;
        singles = got > 0 ? (got < m) : m;
    }
    return WH_OK;
}

/* ---- The fast interneuron path's table: everything but the blocks is per sample. ---- */

static void destroy(wh_net *net)
{
    wh__fast_free(net->fast);
    wh__synapses_free(net);
}

static wh_status create(wh_net *net, const wh_net_options *opts)
{
    size_t nn;
    if (!wh__size_mul(net->n, net->n, &nn))
        return WH_EOVERFLOW;
    wh_status st = wh__synapses_alloc(net, true);
    if (st == WH_OK)
        st = wh__fast_new(net);
    if (st == WH_OK)
        st = (net->fast->P = wh__alloc(nn, sizeof(double))) != NULL ? WH_OK : WH_ENOMEM;
    if (st == WH_OK)
        st = block_new(net);
    if (st == WH_OK)
        st = wh__init_interneurons(net, &opts->init);
    return st;
}

static wh_status respond(wh_net *net, const double *x, size_t *iterations)
{
    *iterations = 0;
    return wh__interneuron_fast_respond(net, x);
}

static wh_status learn(wh_net *net, const double *x, size_t *iterations)
{
    *iterations = 0;
    return wh__interneuron_fast_step(net, x);
}

static size_t block_length_of(const wh_net *net)
{
    return block_capacity(net);
}

static const double *lateral(wh_net *net)
{
    wh__fast *f = net->fast;
    if (f->lateral_stale) {
        wh__gram(net->n, net->k, wh__lazy_weights(net), net->k, net->M, net->n);
        f->lateral_stale = false;
    }
    return net->M;
}

static const double *weights(wh_net *net)
{
    return wh__lazy_weights(net);
}

static wh_status copy_weights(const wh_net *net, double *W, size_t ldw)
{
    wh__lazy_copy(net, W, ldw);
    return WH_OK;
}

/* What lateral() returns: M itself when it is current, else W W^T with W formed (into
 * scratch while the synapses are a product Q W) as lateral() forms it. */
static wh_status copy_lateral(const wh_net *net, double *M, size_t ldm)
{
    const size_t n = net->n, k = net->k;
    if (!net->fast->lateral_stale) {
        wh__copy(n, n, net->M, n, M, ldm);
        return WH_OK;
    }
    const double *W = wh__lazy_view(net);
    double *scratch = NULL;
    if (W == NULL) {
        scratch = wh__alloc(n * k, sizeof *scratch); /* n k was allocated before: no overflow */
        if (scratch == NULL)
            return WH_ENOMEM;
        wh__lazy_copy(net, scratch, k);
        W = scratch;
    }
    wh__gram(n, k, W, k, M, ldm);
    wh__free(scratch);
    return WH_OK;
}

/* W settled into net->W, M = W W^T and L its factor, before an update from outside the
 * per-sample and blocked paths (they update W themselves). */
static wh_status sync(wh_net *net)
{
    wh__lazy_settle(net);
    lateral(net);
    return net->fast->since == 0 ? WH_OK : wh__interneuron_fast_rederive(net);
}

/* The synapses were replaced from outside a learning step: P is re-derived next. */
static void restart(wh_net *net)
{
    net->fast->stale = true;
    net->fast->since = 0;
    net->fast->lateral_stale = false;
    wh__lazy_forget(net);
}

static wh_status learn_expected(wh_net *net, const double *C, size_t ldc)
{
    wh_status st = sync(net);
    if (st == WH_OK)
        st = wh__net_expected(net, C, ldc, wh__interneuron_propose_summed);
    if (st == WH_OK)
        restart(net);
    return st;
}

static wh_status learn_minibatch(wh_net *net, size_t count, const double *X, size_t ldx, double *Y,
                                 size_t ldy)
{
    wh_status st = sync(net);
    if (st == WH_OK)
        st = wh__net_minibatch(net, count, X, ldx, Y, ldy, wh__interneuron_propose_summed);
    if (st == WH_OK)
        restart(net);
    return st;
}

static wh_status restore(wh_net *net, const double *W, size_t ld, uint64_t samples)
{
    wh_status st = wh__synapses_restore_weights(net, W, ld, samples);
    if (st == WH_OK)
        restart(net);
    return st;
}

/*
 * The solver state as doubles: a header {layout, since, stale, p}, then L (n x n), the
 * factor of the last refresh, Phat (n x n), and the blocked path's lazy synapses: a flag
 * (1 while they are lazy), Q (n x n) and the W it multiplies (n x k); the weights saved
 * with the synapses are their product. What can be derived is not stored: M (restore
 * set it from the synapses), the sum of squares of W. The layout tag guards against
 * giving one network's state to another (2 before the lazy product; the direct path's
 * are odd).
 */
enum { HEADER = 4, LAYOUT = 4 };

static size_t state_size(const wh_net *net)
{
    return HEADER + 3 * net->n * net->n + 1 + net->n * net->k;
}

static void get_state(const wh_net *net, double *state)
{
    const size_t nn = net->n * net->n;
    const wh__fast *f = net->fast;
    state[0] = LAYOUT;
    state[1] = (double)f->since;
    state[2] = f->stale ? 1.0 : 0.0;
    state[3] = f->p;
    memcpy(state + HEADER, net->L, nn * sizeof *state);
    memcpy(state + HEADER + nn, f->P, nn * sizeof *state);
    double *lazy = state + HEADER + 2 * nn;
    memset(lazy, 0, (1 + nn + net->n * net->k) * sizeof *lazy);
    if (f->block->lazy) {
        lazy[0] = 1.0;
        memcpy(lazy + 1, f->block->Q, nn * sizeof *lazy);
        memcpy(lazy + 1 + nn, net->W, net->n * net->k * sizeof *lazy);
    }
}

static wh_status set_state(wh_net *net, const double *state)
{
    const size_t nn = net->n * net->n;
    const double since = state[1], *lazy = state + HEADER + 2 * nn;
    if (state[0] != LAYOUT || !(since >= 0.0 && since < (double)net->refresh) ||
        since != floor(since) || (state[2] != 0.0 && state[2] != 1.0) || !(state[3] > 0.0) ||
        (lazy[0] != 0.0 && lazy[0] != 1.0))
        return WH_EINVAL;
    wh__fast *f = net->fast;
    f->since = (size_t)since;
    f->stale = state[2] != 0.0;
    f->p = state[3];
    memcpy(net->L, state + HEADER, nn * sizeof *state);
    memcpy(f->P, state + HEADER + nn, nn * sizeof *state);
    if (lazy[0] != 0.0)
        wh__lazy_resume(net, lazy + 1, lazy + 1 + nn);
    return WH_OK;
}

const wh__net_ops wh__interneuron_fast_ops = {
    .name = "interneurons, fast (tracked inverse, blocks)",
    .has_z = true,
    .create = create,
    .destroy = destroy,
    .respond = respond,
    .learn = learn,
    .learn_block = learn_block,
    .block_length = block_length_of,
    .learn_expected = learn_expected,
    .learn_minibatch = learn_minibatch,
    .lateral = lateral,
    .copy_lateral = copy_lateral,
    .copy_weights = copy_weights,
    .weights = weights,
    .restore = restore,
    .state_size = state_size,
    .get_state = get_state,
    .set_state = set_state,
};
