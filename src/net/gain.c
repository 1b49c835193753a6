/*
 * gain.c: the gain-modulating circuits, M = alpha I + W diag(g) W^T (gain.h).
 *
 * A step reads like the algorithm: respond (y = M^{-1} x by the Cholesky factor
 * kept with the circuit, z = W^T y); propose the new gains and synapses; form
 * and factor the candidate M; keep it only if it factors.
 */
#include "net/gain.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/linalg.h"

/* The fast path's constants (see "The fast path" below). */
#define CG_TOL 1e-14
enum { CG_MAX_ITER = 40, CG_REFRESH_ITER = 8, CG_MIN_LIFE = 6, CG_HOLD_MIN = 8, CG_HOLD_MAX = 4096 };

static wh_status check_rate(double eta)
{
    if (!isfinite(eta))
        return WH_ENONFINITE;
    return eta >= 0.0 && eta < 1.0 ? WH_OK : WH_EETA;
}

static wh_status check_options(const wh__gain_options *o)
{
    if (o->W0 == NULL || o->ldw < o->K)
        return WH_EINVAL;
    if (o->n == 0 || o->K == 0 || o->n > wh__linalg_max_dim() || o->K > wh__linalg_max_dim())
        return WH_EDIM;
    if (!isfinite(o->alpha) || (o->g0 == NULL && !isfinite(o->g0_value)))
        return WH_ENONFINITE;
    if (o->alpha < 0.0)
        return WH_EINVAL;
    wh_status st = check_rate(o->eta_g);
    if (st == WH_OK)
        st = check_rate(o->eta_w);
    if (st != WH_OK)
        return st;
    if (!wh__finite(o->n, o->K, o->W0, o->ldw) ||
        (o->g0 != NULL && !wh__finite(1, o->K, o->g0, o->K)))
        return WH_ENONFINITE;
    return WH_OK;
}

static wh_status allocate(wh__gain *c)
{
    size_t nn, nk;
    if (!wh__size_mul(c->n, c->n, &nn) || !wh__size_mul(c->n, c->K, &nk))
        return WH_EOVERFLOW;
    /* M and M_next have a row more: the fast path keeps P's lower triangle one row down in
     * M's buffer (see "The fast path"). */
    double **square[] = {&c->M, &c->M_next, &c->L, &c->L_next, &c->S};
    for (size_t i = 0; i < sizeof square / sizeof *square; i++)
        if ((*square[i] = wh__alloc(nn + (i < 2 ? c->n : 0), sizeof(double))) == NULL)
            return WH_ENOMEM;
    if ((c->W = wh__alloc(nk, sizeof(double))) == NULL)
        return WH_ENOMEM;
    double **gains[] = {&c->g, &c->g_next, &c->wn, &c->wn_next, &c->z, &c->gz};
    for (size_t i = 0; i < sizeof gains / sizeof *gains; i++)
        if ((*gains[i] = wh__alloc(c->K, sizeof(double))) == NULL)
            return WH_ENOMEM;
    c->y = wh__alloc(c->n, sizeof(double));
    return c->y == NULL ? WH_ENOMEM : WH_OK;
}

/* Orders at which a dense frame's step factors M straight from W and g (accept). */
static bool straight_factor_order(size_t n)
{
    return n >= WH__CHOL_GRAM_MIN && n <= WH__CHOL_GRAM_MAX;
}

/*
 * The n x K buffers beyond W, only where they are used: W_next for synapses that learn,
 * the scratch A for a dense frame (forming M, the population step). A sparse fixed frame
 * needs neither: at n = 256 with K = n(n+1)/2 that is 135 MB not allocated.
 */
static wh_status allocate_wide(wh__gain *c)
{
    const size_t nk = c->n * c->K; /* W's size: no overflow */
    if (c->eta_w > 0.0 && (c->W_next = wh__alloc(nk, sizeof(double))) == NULL)
        return WH_ENOMEM;
    size_t scratch = nk + c->K;
    if (straight_factor_order(c->n) && wh__chol_gram_diag_scratch(c->n, c->K) > scratch)
        scratch = wh__chol_gram_diag_scratch(c->n, c->K); /* ~3 n K: W's size, no overflow */
    if (c->row_a == NULL && (c->A = wh__alloc(scratch, sizeof(double))) == NULL)
        return WH_ENOMEM;
    return WH_OK;
}

void wh__gain_free(wh__gain *c)
{
    if (c == NULL)
        return;
    void *buffers[] = {c->W,     c->W_next, c->g,     c->g_next, c->wn, c->wn_next, c->M, c->M_next,
                       c->L,     c->L_next, c->y,     c->z,      c->gz, c->A,       c->S, c->row_a,
                       c->row_b, c->val_a,  c->val_b, c->g_r,    c->P,  c->cg};
    for (size_t i = 0; i < sizeof buffers / sizeof *buffers; i++)
        wh__free(buffers[i]);
    wh__free(c);
}

/* wn_j = |w_j|^2 for the columns of W (n x K). */
static void column_norms(size_t n, size_t K, const double *W, double *wn)
{
    for (size_t j = 0; j < K; j++)
        wn[j] = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < K; j++)
            wn[j] += W[i * K + j] * W[i * K + j];
}

/* Scale every column of W to unit length; false if one is zero. */
static bool unit_columns(size_t n, size_t K, double *W, double *wn)
{
    column_norms(n, K, W, wn);
    for (size_t j = 0; j < K; j++) {
        if (!(wn[j] > 0.0))
            return false;
        wn[j] = 1.0 / sqrt(wn[j]);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < K; j++)
            W[i * K + j] *= wn[j];
    column_norms(n, K, W, wn);
    return true;
}

/*
 * A fixed frame whose columns each have at most two non-zeros (the pairs frame,
 * the standard basis): remember their rows so that z and M cost O(K). Allocates
 * only when the frame qualifies; WH_ENOMEM is the only failure.
 */
static wh_status find_sparse_columns(wh__gain *c)
{
    const size_t n = c->n, K = c->K;
    for (size_t j = 0; j < K; j++) {
        size_t nonzeros = 0;
        for (size_t i = 0; i < n; i++)
            nonzeros += c->W[i * K + j] != 0.0;
        if (nonzeros > 2)
            return WH_OK;
    }
    c->row_a = wh__alloc(K, sizeof *c->row_a);
    c->row_b = wh__alloc(K, sizeof *c->row_b);
    c->val_a = wh__alloc(K, sizeof *c->val_a);
    c->val_b = wh__alloc(K, sizeof *c->val_b);
    if (c->row_a == NULL || c->row_b == NULL || c->val_a == NULL || c->val_b == NULL)
        return WH_ENOMEM;
    for (size_t j = 0; j < K; j++) {
        size_t found = 0;
        for (size_t i = 0; i < n; i++) {
            if (c->W[i * K + j] == 0.0)
                continue;
            if (found++ == 0)
                c->row_a[j] = c->row_b[j] = i;
            else
                c->row_b[j] = i;
        }
        c->val_a[j] = c->W[c->row_a[j] * K + j];
        c->val_b[j] = c->row_b[j] == c->row_a[j] ? 0.0 : c->W[c->row_b[j] * K + j];
    }
    return WH_OK;
}

static bool all_ones(size_t K, const double *g)
{
    for (size_t j = 0; j < K; j++)
        if (g[j] != 1.0)
            return false;
    return true;
}

/*
 * m = alpha I + W diag(g) W^T, both triangles. With every gain exactly 1 it is the
 * Gram product W W^T that Algorithm 2 forms (plasticity.c), so that alpha = 0, g = 1
 * reproduces that circuit bit for bit. A sparse frame sums its two-non-zero columns,
 * O(K). A dense one is wh__gram_diag (src/core/linalg.c): loops up to order 32, one
 * dsyrk of W diag(sqrt g) (n^2 K flops) beyond when every gain is positive, else one
 * dsyr2k; exactly symmetric in every case.
 */
static void form_lateral_in(const wh__gain *c, const double *W, const double *g, double *scratch,
                            double *m)
{
    const size_t n = c->n, K = c->K;
    if (c->row_a != NULL) {
        wh__set_identity(n, c->alpha, m, n);
        for (size_t j = 0; j < K; j++) {
            const size_t a = c->row_a[j], b = c->row_b[j];
            const double wa = c->val_a[j], wb = c->val_b[j];
            if (a == b) {
                m[a * n + a] += g[j] * (wa * wa);
                continue;
            }
            m[a * n + a] += g[j] * (wa * wa);
            m[b * n + b] += g[j] * (wb * wb);
            m[a * n + b] += g[j] * (wa * wb);
            m[b * n + a] = m[a * n + b];
        }
        return;
    }
    if (all_ones(K, g))
        wh__gram(n, K, W, K, m, n);
    else
        wh__gram_diag(n, K, W, K, g, scratch, m, n);
    for (size_t i = 0; i < n; i++)
        m[i * n + i] += c->alpha;
}

/* form_lateral with the circuit's own scratch (a dense frame's product uses (n + 1) K). */
static void form_lateral(wh__gain *c, const double *W, const double *g, double *m)
{
    form_lateral_in(c, W, g, c->A, m);
}

/*
 * Factor the candidate M_next into L_next; false if it is not finite or not positive
 * definite. M_next is exactly symmetric, so its lower triangle is all of it, and a NaN or
 * an infinity anywhere in that triangle reaches the factor's diagonal at its row (through
 * the square root of a_ii less the row's squares) or stops the factorisation: the
 * diagonal is the finite check, n values instead of n^2.
 */
static bool factor_candidate(wh__gain *c)
{
    const size_t n = c->n;
    wh__copy_lower(n, c->M_next, n, c->L_next, n);
    if (!wh__chol(n, c->L_next, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(c->L_next[i * n + i]))
            return false;
    return true;
}

static void swap(double **a, double **b)
{
    double *t = *a;
    *a = *b;
    *b = t;
}

/*
 * Form and factor M_next from W_next (or W when the frame is fixed) and g_next; swap all in.
 * At orders 33 to 96 a dense frame's candidate is factored straight from W and g_next
 * (wh__chol_gram_diag, which refuses a pivot that is not positive and finite, as
 * factor_candidate refuses): each column of M is made and factored in one pass, never
 * stored, mirrored or copied, 1.3x the step at n = 64; M is left unformed (m_stale) until
 * read. With every gain exactly 1 the step keeps the Gram product and the factor of
 * Algorithm 2 (form_lateral), for the reduction's bits.
 */
static wh_status accept(wh__gain *c)
{
    const bool learns = c->eta_w > 0.0;
    const double *W = learns ? c->W_next : c->W;
    const bool straight =
        c->row_a == NULL && straight_factor_order(c->n) && !all_ones(c->K, c->g_next);
    bool factored;
    if (straight) {
        factored = wh__chol_gram_diag(c->n, c->K, c->alpha, W, c->K, c->g_next, c->A, c->L_next,
                                      c->n);
    } else {
        form_lateral(c, W, c->g_next, c->M_next);
        factored = factor_candidate(c);
    }
    if (!factored)
        return WH_EDIVERGED;
    c->m_stale = straight;
    swap(&c->M, &c->M_next);
    swap(&c->L, &c->L_next);
    swap(&c->g, &c->g_next);
    if (learns) {
        swap(&c->W, &c->W_next);
        swap(&c->wn, &c->wn_next);
    }
    c->samples++;
    return WH_OK;
}

wh_status wh__gain_new(const wh__gain_options *opts, wh__gain **out)
{
    if (out == NULL)
        return WH_EINVAL;
    *out = NULL;
    if (opts == NULL)
        return WH_EINVAL;
    wh_status st = check_options(opts);
    if (st != WH_OK)
        return st;
    wh__gain *c = wh__alloc(1, sizeof *c);
    if (c == NULL)
        return WH_ENOMEM;
    *c = (wh__gain){.n = opts->n,
                    .K = opts->K,
                    .alpha = opts->alpha,
                    .eta_g = opts->eta_g,
                    .eta_w = opts->eta_w,
                    .renormalise = opts->renormalise};
    st = allocate(c);
    if (st == WH_OK) {
        wh__copy(c->n, c->K, opts->W0, opts->ldw, c->W, c->K);
        for (size_t j = 0; j < c->K; j++)
            c->g[j] = opts->g0 != NULL ? opts->g0[j] : opts->g0_value;
        if (!c->renormalise)
            column_norms(c->n, c->K, c->W, c->wn);
        else if (!unit_columns(c->n, c->K, c->W, c->wn))
            st = WH_ERANK;
    }
    for (size_t j = 0; st == WH_OK && j < c->K; j++)
        if (!(c->wn[j] > 0.0))
            st = WH_ERANK;
    if (st == WH_OK && c->eta_w == 0.0)
        st = find_sparse_columns(c);
    if (st == WH_OK)
        st = allocate_wide(c);
    if (st == WH_OK) {
        form_lateral(c, c->W, c->g, c->M_next);
        st = factor_candidate(c) ? WH_OK : WH_ENOTPD;
    }
    if (st != WH_OK) {
        wh__gain_free(c);
        return st;
    }
    swap(&c->M, &c->M_next);
    swap(&c->L, &c->L_next);
    *out = c;
    return WH_OK;
}

static wh_status pcg(wh__gain *c, const double *x, size_t *iterations);

/* z = W^T y. */
static void interneurons(wh__gain *c)
{
    const size_t n = c->n, K = c->K;
    if (c->row_a != NULL) {
        for (size_t j = 0; j < K; j++) {
            const size_t a = c->row_a[j], b = c->row_b[j];
            c->z[j] = c->val_a[j] * c->y[a] + (a == b ? 0.0 : c->val_b[j] * c->y[b]);
        }
        return;
    }
    wh__gemv(true, n, K, 1.0, c->W, K, c->y, 0.0, c->z);
}

/* Nothing learns and nothing of the state changes, on the fast path too: between refreshes
 * y comes from CG, and if CG fails the current M is factored into the scratch L_next for
 * this answer only. */
wh_status wh__gain_respond(wh__gain *c, const double *x)
{
    const size_t n = c->n;
    const double *l = c->L;
    if (c->fast && c->p_valid && c->since > 0) {
        size_t iterations;
        if (pcg(c, x, &iterations) == WH_OK) {
            interneurons(c);
            return WH_OK;
        }
        form_lateral(c, c->W, c->g, c->M_next);
        if (!factor_candidate(c))
            return WH_EDIVERGED; /* M lost definiteness since the refresh: the next step says so */
        l = c->L_next;
    }
    memcpy(c->y, x, n * sizeof *x);
    wh__chol_solve(n, l, n, c->y);
    interneurons(c);
    return WH_OK;
}

/* g_next = g + eta_g (v - wn), v the interneurons' (expected) squared activity. */
static void propose_gains(wh__gain *c, const double *v)
{
    for (size_t j = 0; j < c->K; j++)
        c->g_next[j] = c->eta_g > 0.0 ? c->g[j] + c->eta_g * (v[j] - c->wn[j]) : c->g[j];
}

/*
 * The synapses' candidate after W_next already holds its Hebbian term: columns back to
 * unit length if asked, and their squared norms.
 */
static void finish_synapses(wh__gain *c)
{
    if (c->renormalise)
        unit_columns(c->n, c->K, c->W_next, c->wn_next);
    else
        column_norms(c->n, c->K, c->W_next, c->wn_next);
}

/*
 * W_next = W diag(1 - eta_w g) + eta_w y (g o z)^T. With g = 1 this is the very
 * sequence of operations of Algorithm 2 (a scaling by 1 - eta, then dger).
 */
static void propose_synapses_online(wh__gain *c)
{
    const size_t n = c->n, K = c->K;
    for (size_t j = 0; j < K; j++) {
        c->gz[j] = c->g[j] * c->z[j];
        c->A[j] = 1.0 - c->eta_w * c->g[j];
    }
    if (!c->renormalise) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < K; j++)
                c->W_next[i * K + j] = c->W[i * K + j] * c->A[j];
        wh__ger(n, K, c->eta_w, c->y, c->gz, c->W_next, K);
        finish_synapses(c);
        return;
    }
    /* Renormalised (gains plus synapses): the Hebbian step and the squared column norms
     * in one pass over W, the scaling and the new norms in a second, where the unfused
     * form (scaling, dger, norms, scaling, norms) made five. */
    double *restrict wn = c->wn_next, *restrict scale = c->A;
    const double *restrict gz = c->gz;
    for (size_t j = 0; j < K; j++)
        wn[j] = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double ey = c->eta_w * c->y[i];
        const double *restrict w = c->W + i * K;
        double *restrict dst = c->W_next + i * K;
        for (size_t j = 0; j < K; j++) {
            dst[j] = w[j] * scale[j] + ey * gz[j];
            wn[j] += dst[j] * dst[j];
        }
    }
    /* restrict: these loops vectorise (two square roots and divisions an instruction). */
    for (size_t j = 0; j < K; j++)
        scale[j] = 1.0 / sqrt(wn[j]); /* a zero column: infinity, and M_next is refused */
    for (size_t j = 0; j < K; j++)
        wn[j] = 0.0;
    for (size_t i = 0; i < n; i++) {
        double *restrict dst = c->W_next + i * K;
        for (size_t j = 0; j < K; j++) {
            dst[j] *= scale[j];
            wn[j] += dst[j] * dst[j];
        }
    }
}

wh_status wh__gain_step(wh__gain *c, const double *x)
{
    wh__gain_respond(c, x);
    for (size_t j = 0; j < c->K; j++)
        c->gz[j] = c->z[j] * c->z[j];
    propose_gains(c, c->gz);
    if (c->eta_w > 0.0)
        propose_synapses_online(c);
    return accept(c);
}

static wh_status refresh(wh__gain *c, bool inverse);
static bool form_inverse(wh__gain *c);

/*
 * Population step: S = M^{-1} C M^{-1} - I (the expected y y^T - I), then
 *   g_next = g + eta_g (diag(W^T S W) + wn - wn) = g + eta_g diag(W^T S W),
 *   W_next = W + eta_w S W diag(g).
 * (diag(W^T (S + I) W) - diag(W^T W) = diag(W^T S W) exactly in real arithmetic.)
 */
wh_status wh__gain_step_expected(wh__gain *c, const double *C, size_t ldc)
{
    const size_t n = c->n, K = c->K;
    if (c->fast && c->since > 0 && refresh(c, false) != WH_OK)
        return WH_EDIVERGED;
    wh__copy(n, n, C, ldc, c->S, n);
    wh__chol_sandwich(n, c->L, n, c->S, n);
    for (size_t i = 0; i < n; i++)
        c->S[i * n + i] -= 1.0;
    if (c->row_a != NULL) { /* diag(W^T S W) from each column's two non-zeros, O(K) */
        for (size_t j = 0; j < K; j++) {
            const size_t a = c->row_a[j], b = c->row_b[j];
            const double wa = c->val_a[j], wb = c->val_b[j];
            c->gz[j] = a == b ? wa * wa * c->S[a * n + a]
                              : wa * wa * c->S[a * n + a] + wb * wb * c->S[b * n + b] +
                                    2.0 * wa * wb * c->S[b * n + a];
        }
    } else {
        wh__symm_lower(true, n, K, 1.0, c->S, n, c->W, K, 0.0, c->A, K);
        for (size_t j = 0; j < K; j++)
            c->gz[j] = 0.0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < K; j++)
                c->gz[j] += c->W[i * K + j] * c->A[i * K + j];
    }
    for (size_t j = 0; j < K; j++)
        c->g_next[j] = c->eta_g > 0.0 ? c->g[j] + c->eta_g * c->gz[j] : c->g[j];
    if (c->eta_w > 0.0) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < K; j++)
                c->W_next[i * K + j] = c->W[i * K + j] + c->eta_w * c->A[i * K + j] * c->g[j];
        finish_synapses(c);
    }
    const wh_status st = accept(c);
    if (st == WH_OK && c->fast) { /* L factors the new M; P is stale: refresh at the next step */
        c->p_valid = false;
        c->since = 0;
    }
    return st;
}

wh_status wh__gain_restore(wh__gain *c, const double *W, size_t ldw, const double *g,
                           uint64_t samples)
{
    if (c == NULL || g == NULL || (W != NULL && ldw < c->K))
        return WH_EINVAL;
    if (!wh__finite(1, c->K, g, c->K) || (W != NULL && !wh__finite(c->n, c->K, W, ldw)))
        return WH_ENONFINITE;
    const bool learns = c->eta_w > 0.0;
    if (W != NULL && !learns)
        return WH_EINVAL; /* a fixed frame is the circuit's own, not state */
    if (W != NULL) {
        wh__copy(c->n, c->K, W, ldw, c->W_next, c->K);
        column_norms(c->n, c->K, c->W_next, c->wn_next);
        for (size_t j = 0; j < c->K; j++)
            if (!(c->wn_next[j] > 0.0))
                return WH_ERANK;
    } else if (learns) {
        wh__copy(c->n, c->K, c->W, c->K, c->W_next, c->K);
        memcpy(c->wn_next, c->wn, c->K * sizeof *c->wn);
    }
    memcpy(c->g_next, g, c->K * sizeof *g);
    if (accept(c) != WH_OK)
        return WH_ENOTPD;
    c->samples = samples;
    if (c->fast) { /* a refresh: L factors M(g) */
        memcpy(c->g_r, c->g, c->K * sizeof *c->g);
        c->since = c->hold = 0;
        c->slow = false;
        c->backoff = CG_HOLD_MIN;
        c->p_valid = form_inverse(c);
    }
    return WH_OK;
}

wh_status wh__gain_set_rates(wh__gain *c, double eta_g, double eta_w)
{
    wh_status st = check_rate(eta_g);
    if (st == WH_OK)
        st = check_rate(eta_w);
    if (st != WH_OK)
        return st;
    if ((c->eta_w > 0.0) != (eta_w > 0.0))
        return WH_EINVAL;
    c->eta_g = eta_g;
    c->eta_w = eta_w;
    return WH_OK;
}

/*
 * The fast path (WH_SOLVER_FAST with a fixed frame of at most two non-zeros a column, such
 * as the pairs frame). With such a frame z, the gains and M cost O(K) = O(n^2) a sample,
 * and the exact step's Cholesky factor, n^3/3, is the rest (5.6 Mflop at n = 256). Here M
 * is factored only at refreshes; between them
 *
 *   y = M^{-1} x by conjugate gradients on the current M (one symmetric product with M's
 *     upper triangle an iteration), preconditioned by P = the inverse of M at the last
 *     refresh (one symmetric product with P's lower triangle), from y0 = P x, to a relative
 *     residual of CG_TOL. P's lower triangle is kept in M's own buffer one row down (P[i][j]
 *     at M + (i + 1) n + j, j <= i: M's strictly lower triangle and one extra row), so the
 *     two products read one array of n(n + 1) doubles, 514 KB at n = 256 against 1 MB as
 *     two n x n ones, about the 512 KiB of this machine's L2; M's lower triangle is
 *     therefore never M on this path (readers get M's upper triangle mirrored);
 *   z, the gains and M in one pass over the K columns: z_j, dg_j = eta_g (z_j^2 - |w_j|^2),
 *     g_j += dg_j (the exact step's very arithmetic), and M += dg_j w_j w_j^T on M's upper
 *     triangle, which for the pairs frame is written row by row (the lower triangle would
 *     be a cache line a column). M is thus M(g) up to the rounding of the increments since
 *     the refresh, where it is formed from g again.
 *
 * A refresh (at the start of a step, every `period` samples, or when the previous solve
 * took more than CG_REFRESH_ITER iterations, or when CG fails: a curvature d^T M d that is
 * not positive, a value not finite, or no convergence in CG_MAX_ITER iterations) forms M
 * from g, factors it (WH_EDIVERGED, nothing changed, if it does not factor), solves this
 * sample with the factor and forms P from it (about 2n^3/3 flops). Definiteness is thus
 * checked at every refresh and, between refreshes, by CG's curvatures: as on the direct
 * network's fast path, a loss of it can be reported up to `period` samples late; the exact
 * path reports it at the very sample.
 *
 * When a preconditioner served at most 2 samples before CG slowed down again (the gains
 * move too fast for one to last, as in a transient from a poor start), the next `hold`
 * samples are exact steps (a factor each, no inverse), hold doubling each time up to
 * CG_HOLD_MAX, so that such a stretch costs about what the exact path costs.
 *
 * Every decision depends on the state (g, M, g_r, since, slow, hold, backoff) and the sample
 * only, so a saved state continues bit for bit.
 */

/* The refresh period at n: a refresh costs ~n^3 flops, a sample ~n^2 per CG iteration. */
static uint64_t fast_period(size_t n)
{
    const size_t p = n / 4;
    return p < 8 ? 8 : (p > 64 ? 64 : p);
}

/*
 * Whether the sparse frame is wh_frame_pairs' (up to the values): the identity's columns
 * in order, then the pairs (a, b), a < b, in order, with the values and squared norms of
 * the first column of each kind throughout. Then fused_update_pairs may run.
 */
static bool canonical_pairs(const wh__gain *c)
{
    const size_t n = c->n;
    if (c->K != n * (n + 1) / 2)
        return false;
    for (size_t j = 0; j < n; j++)
        if (c->row_a[j] != j || c->row_b[j] != j || c->val_a[j] != c->val_a[0] ||
            c->val_b[j] != 0.0 || c->wn[j] != c->wn[0])
            return false;
    size_t j = n;
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++, j++)
            if (c->row_a[j] != a || c->row_b[j] != b || c->val_a[j] != c->val_a[n] ||
                c->val_b[j] != c->val_b[n] || c->wn[j] != c->wn[n])
                return false;
    return true;
}

wh_status wh__gain_enable_fast(wh__gain *c)
{
    if (c->eta_w > 0.0 || c->row_a == NULL)
        return WH_OK; /* a learning or dense frame: M costs O(n^2 K) anyway; exact steps */
    const size_t n = c->n;
    c->g_r = wh__alloc(c->K, sizeof *c->g_r);
    c->P = wh__alloc(n * n, sizeof *c->P);
    c->cg = wh__alloc(4 * n, sizeof *c->cg);
    if (c->g_r == NULL || c->P == NULL || c->cg == NULL)
        return WH_ENOMEM;
    memcpy(c->g_r, c->g, c->K * sizeof *c->g);
    c->fast = true;
    c->pairs = canonical_pairs(c);
    c->period = fast_period(n);
    c->since = c->hold = 0;
    c->slow = false;
    c->backoff = CG_HOLD_MIN;
    c->p_valid = form_inverse(c);
    return WH_OK;
}

/* The preconditioner's lower triangle in M's buffer, one row down (see above). */
static double *preconditioner(const wh__gain *c)
{
    return c->M + c->n;
}

/* P = the inverse of the factor's matrix (L), formed in the scratch c->P and, if it could
 * be, put below M's upper triangle; false (M's buffer untouched) if not. */
static bool form_inverse(wh__gain *c)
{
    c->inverses++;
    if (!wh__chol_inverse(c->n, c->L, c->n, c->P, c->n))
        return false;
    wh__copy_lower(c->n, c->P, c->n, preconditioner(c), c->n);
    return true;
}

/* M formed from g and factored; P from the factor if `inverse`. WH_EDIVERGED, nothing
 * changed, if M does not factor. */
static wh_status refresh(wh__gain *c, bool inverse)
{
    form_lateral(c, c->W, c->g, c->M_next);
    if (!factor_candidate(c))
        return WH_EDIVERGED;
    swap(&c->M, &c->M_next);
    swap(&c->L, &c->L_next);
    memcpy(c->g_r, c->g, c->K * sizeof *c->g);
    c->since = 0;
    c->slow = false;
    c->refreshes++;
    c->factors++;
    c->p_valid = inverse && form_inverse(c);
    return WH_OK;
}

/* y = M^{-1} x by preconditioned conjugate gradients (M: upper triangle, P: lower, below it);
 * WH_EDIVERGED if they fail. */
static wh_status pcg(wh__gain *c, const double *x, size_t *iterations)
{
    const size_t n = c->n;
    double *y = c->y, *r = c->cg, *d = r + n, *q = d + n, *s = q + n;
    const double *p = preconditioner(c);
    *iterations = 0;
    double xx = 0.0;
    for (size_t i = 0; i < n; i++)
        xx += x[i] * x[i];
    const double stop = CG_TOL * CG_TOL * xx;
    wh__symv_lower(n, 1.0, p, n, x, y);
    wh__symv_upper(n, 1.0, c->M, n, y, q);
    double rr = 0.0;
    for (size_t i = 0; i < n; i++) {
        r[i] = x[i] - q[i];
        rr += r[i] * r[i];
    }
    if (rr <= stop)
        return WH_OK;
    wh__symv_lower(n, 1.0, p, n, r, s);
    double rs = 0.0;
    for (size_t i = 0; i < n; i++) {
        d[i] = s[i];
        rs += r[i] * s[i];
    }
    for (size_t it = 1; it <= CG_MAX_ITER; it++) {
        wh__symv_upper(n, 1.0, c->M, n, d, q);
        double dq = 0.0;
        for (size_t i = 0; i < n; i++)
            dq += d[i] * q[i];
        if (!(dq > 0.0) || !isfinite(dq) || !isfinite(rs))
            return WH_EDIVERGED;
        const double a = rs / dq;
        rr = 0.0;
        for (size_t i = 0; i < n; i++) {
            y[i] += a * d[i];
            r[i] -= a * q[i];
            rr += r[i] * r[i];
        }
        *iterations = it;
        if (rr <= stop)
            return wh__finite(1, n, y, n) ? WH_OK : WH_EDIVERGED;
        wh__symv_lower(n, 1.0, p, n, r, s);
        double rs_next = 0.0;
        for (size_t i = 0; i < n; i++)
            rs_next += r[i] * s[i];
        const double b = rs_next / rs;
        for (size_t i = 0; i < n; i++)
            d[i] = s[i] + b * d[i];
        rs = rs_next;
    }
    return WH_EDIVERGED;
}

/*
 * fused_update for the canonical pairs frame (c->pairs: wh_frame_pairs' layout and values,
 * checked by canonical_pairs): the identity's n columns, then the pairs (a, b), a < b, row
 * by row, every value and norm that of the first column of its kind. The arithmetic of
 * every entry and its order are the general loop's, so the bits are too; only the index
 * and value arrays go, and M[a][a], which every column of row a updates, is accumulated in
 * a register in the same order (the general loop adds to memory, a store-to-load chain of
 * ~8 cycles a column), while M[a][b] runs along the row.
 */
/* One a's pairs (a, b), b > a, len of them: contiguous in z, g, row a of M and dd (M[b][b]'s
 * share); nothing is carried from one column to the next, so the loop vectorises. Returns
 * what they add to M[a][a], summed in four partial sums. */
typedef struct pair_coefs {
    double wb, eta, wn2;  /* a pair's second value, the rate, a pair's squared norm */
    double waa, wbb, wab; /* the products of its two values */
} pair_coefs;

static double pairs_row(size_t len, double ya, const double *restrict yb, const pair_coefs *co,
                        double *restrict z, double *restrict g, double *restrict mrow,
                        double *restrict dd)
{
    const double wb = co->wb, eta = co->eta, wn2 = co->wn2, waa = co->waa, wbb = co->wbb,
                 wab = co->wab;
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    size_t i = 0;
    for (; i + 4 <= len; i += 4)
        for (size_t q = 0; q < 4; q++) {
            const double zi = ya + wb * yb[i + q];
            z[i + q] = zi;
            const double gi = g[i + q] + eta * (zi * zi - wn2), dg = gi - g[i + q];
            g[i + q] = gi;
            s[q] += dg * waa;
            dd[i + q] += dg * wbb;
            mrow[i + q] += dg * wab;
        }
    for (; i < len; i++) {
        const double zi = ya + wb * yb[i];
        z[i] = zi;
        const double gi = g[i] + eta * (zi * zi - wn2), dg = gi - g[i];
        g[i] = gi;
        s[i % 4] += dg * waa;
        dd[i] += dg * wbb;
        mrow[i] += dg * wab;
    }
    return (s[0] + s[1]) + (s[2] + s[3]);
}

static void fused_update_pairs(wh__gain *c)
{
    const size_t n = c->n;
    const double eta = c->eta_g, *restrict y = c->y;
    const double w1 = c->val_a[0], wn1 = c->wn[0], w11 = w1 * w1;
    double *restrict m = c->M, *restrict z = c->z, *restrict g = c->g;
    for (size_t a = 0; a < n; a++) {
        const double za = w1 * y[a] + 0.0;
        z[a] = za;
        if (!(eta > 0.0))
            continue;
        const double ga = g[a] + eta * (za * za - wn1), dg = ga - g[a];
        g[a] = ga;
        m[a * n + a] += dg * w11;
    }
    if (n < 2)
        return;
    const double wa = c->val_a[n], wb = c->val_b[n], wn2 = c->wn[n];
    if (!(eta > 0.0)) {
        for (size_t a = 0, j = n; a + 1 < n; j += n - 1 - a, a++) {
            const double ya = wa * y[a];
            for (size_t b = a + 1; b < n; b++)
                z[j + b - a - 1] = ya + wb * y[b];
        }
        return;
    }
    /* What each column adds to the diagonal is gathered apart (M[b][b]'s share by b in dd)
     * and summed after: a sum carried from column to column (the general pass's order) was
     * one add's latency a column. So the diagonal's sums are not in the general pass's
     * order: equal to rounding (tests/test_gain.c). */
    const pair_coefs co = {wb, eta, wn2, wa * wa, wb * wb, wa * wb};
    double *dd = c->gz;
    for (size_t b = 0; b < n; b++)
        dd[b] = 0.0;
    for (size_t a = 0, j = n; a + 1 < n; j += n - 1 - a, a++)
        m[a * n + a] += pairs_row(n - 1 - a, wa * y[a], y + a + 1, &co, z + j, g + j,
                                  m + a * n + a + 1, dd + a + 1);
    for (size_t b = 1; b < n; b++)
        m[b * n + b] += dd[b];
}

/*
 * z = W^T y, g += eta_g (z o z - wn) and M += W diag(that change) W^T on M's upper
 * triangle, in one pass over the columns (two non-zeros each, rows a <= b).
 */
static void fused_update(wh__gain *c)
{
    if (c->pairs) {
        fused_update_pairs(c);
        return;
    }
    const size_t n = c->n, K = c->K;
    const double eta = c->eta_g, *y = c->y;
    double *m = c->M;
    for (size_t j = 0; j < K; j++) {
        const size_t a = c->row_a[j], b = c->row_b[j];
        const double wa = c->val_a[j], wb = c->val_b[j];
        const double z = wa * y[a] + (a == b ? 0.0 : wb * y[b]);
        c->z[j] = z;
        if (!(eta > 0.0))
            continue;
        const double g = c->g[j] + eta * (z * z - c->wn[j]), dg = g - c->g[j];
        c->g[j] = g;
        m[a * n + a] += dg * (wa * wa);
        if (a != b) {
            m[b * n + b] += dg * (wb * wb);
            m[a * n + b] += dg * (wa * wb);
        }
    }
}

/*
 * M lost definiteness since the last refresh (it did not factor): the circuit goes back to
 * that refresh's gains and M, which were factored (L still factors M(g_r), P is still its
 * inverse), and the step is refused. The samples since are not unlearnt from the count.
 */
static wh_status roll_back(wh__gain *c)
{
    const size_t n = c->n;
    memcpy(c->g, c->g_r, c->K * sizeof *c->g);
    form_lateral(c, c->W, c->g, c->M_next); /* M's upper triangle only: P is below it */
    for (size_t i = 0; i < n; i++)
        memcpy(c->M + i * n + i, c->M_next + i * n + i, (n - i) * sizeof *c->M);
    c->since = 0;
    c->slow = false;
    return WH_EDIVERGED;
}

/* An exact step in the fast path's hold (L is the factor of M); P formed when it ends. */
static wh_status held_step(wh__gain *c, const double *x)
{
    memcpy(c->y, x, c->n * sizeof *x);
    wh__chol_solve(c->n, c->L, c->n, c->y);
    interneurons(c);
    for (size_t j = 0; j < c->K; j++)
        c->gz[j] = c->z[j] * c->z[j];
    propose_gains(c, c->gz);
    c->factors++;
    const wh_status st = accept(c);
    if (st != WH_OK)
        return st;
    if (--c->hold == 0) {
        memcpy(c->g_r, c->g, c->K * sizeof *c->g);
        c->since = 0;
        c->slow = false;
        c->p_valid = form_inverse(c);
    }
    return WH_OK;
}

wh_status wh__gain_step_fast(wh__gain *c, const double *x)
{
    if (!c->fast)
        return wh__gain_step(c, x);
    if (c->hold > 0)
        return held_step(c, x);
    size_t iterations = 0;
    bool factored = false;
    if (c->since >= c->period || c->slow || !c->p_valid) {
        /* A preconditioner that served at most 2 samples before CG slowed down: hold. */
        if (c->slow && c->since < CG_MIN_LIFE && c->p_valid) {
            c->hold = c->backoff;
            c->backoff = c->backoff < CG_HOLD_MAX ? 2 * c->backoff : CG_HOLD_MAX;
        } else if (!c->slow && c->p_valid) {
            c->backoff = CG_HOLD_MIN; /* it lasted its period */
        }
        const wh_status st = refresh(c, c->hold == 0);
        if (st != WH_OK)
            return roll_back(c);
        if (c->hold > 0)
            return held_step(c, x);
        factored = true;
    } else {
        c->cg_solves++;
        const wh_status st = pcg(c, x, &iterations);
        c->cg_iterations += iterations;
        if (st != WH_OK) {
            if (refresh(c, true) != WH_OK)
                return roll_back(c);
            factored = true;
            iterations = CG_MAX_ITER + 1;
        }
    }
    if (factored) {
        memcpy(c->y, x, c->n * sizeof *x);
        wh__chol_solve(c->n, c->L, c->n, c->y);
    }
    fused_update(c);
    c->since++;
    c->slow = iterations > CG_REFRESH_ITER;
    c->samples++;
    return WH_OK;
}

/* On the fast path M's upper triangle mirrored into the scratch S (P is below it in M). */
const double *wh__gain_lateral(wh__gain *c)
{
    const size_t n = c->n;
    if (!c->fast) {
        if (c->m_stale) { /* the same bits as a step that formed it */
            form_lateral(c, c->W, c->g, c->M);
            c->m_stale = false;
        }
        return c->M;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++)
            c->S[i * n + j] = c->S[j * n + i] = c->M[i * n + j];
    return c->S;
}

wh_status wh__gain_copy_lateral(const wh__gain *c, double *M, size_t ldm)
{
    const size_t n = c->n;
    if (!c->m_stale) {
        wh__copy(n, n, c->M, n, M, ldm);
        return WH_OK;
    }
    /* Formed in scratch of its own, not in c->M or c->A: two threads may read one circuit
     * at once (whiten/network.h, "Threads"), and the diagonal's += alpha of two formings
     * in one buffer would overlap. n^2 + (n + 1) K doubles: no more than M and A take. */
    double *m = wh__alloc(n * n + (n + 1) * c->K, sizeof *m);
    if (m == NULL)
        return WH_ENOMEM;
    form_lateral_in(c, c->W, c->g, m + n * n, m);
    wh__copy(n, n, m, n, M, ldm);
    wh__free(m);
    return WH_OK;
}

size_t wh__gain_fast_state_size(const wh__gain *c)
{
    return c->K + c->n * (c->n + 1) / 2 + 5;
}

void wh__gain_fast_get_state(const wh__gain *c, double *state)
{
    const size_t n = c->n, K = c->K;
    memcpy(state, c->g_r, K * sizeof *state);
    double *m = state + K;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++)
            *m++ = c->M[i * n + j];
    m[0] = (double)c->since;
    m[1] = c->slow ? 1.0 : 0.0;
    m[2] = (double)c->hold;
    m[3] = (double)c->backoff;
    m[4] = c->p_valid ? 1.0 : 0.0;
}

static bool count_ok(double v, double max)
{
    return v >= 0.0 && v <= max && v == floor(v);
}

static bool flag_ok(double v)
{
    return v == 0.0 || v == 1.0;
}

wh_status wh__gain_fast_set_state(wh__gain *c, const double *g, const double *state)
{
    const size_t n = c->n, K = c->K;
    const double *mu = state + K, *e = mu + n * (n + 1) / 2;
    if (!c->fast || !count_ok(e[0], 9.0e15) || !flag_ok(e[1]) || !count_ok(e[2], CG_HOLD_MAX) ||
        !count_ok(e[3], CG_HOLD_MAX) || e[3] < CG_HOLD_MIN || !flag_ok(e[4]))
        return WH_EINVAL;
    const bool cg_mode = e[2] == 0.0 && e[4] == 1.0;
    /* CG mode: L factors M(g_r) and P is its inverse; M is the saved one. Otherwise (a hold,
     * or no P): L factors M(g) = M. */
    form_lateral(c, c->W, cg_mode ? state : g, c->M_next);
    if (!factor_candidate(c))
        return WH_ENOTPD;
    swap(&c->L, &c->L_next);
    if (cg_mode && !form_inverse(c)) {
        swap(&c->L, &c->L_next);
        return WH_ENOTPD;
    }
    if (cg_mode) { /* M's upper triangle; P is below it */
        for (size_t i = 0; i < n; i++)
            for (size_t j = i; j < n; j++)
                c->M[i * n + j] = *mu++;
    } else {
        swap(&c->M, &c->M_next);
    }
    memcpy(c->g, g, K * sizeof *g);
    memcpy(c->g_r, cg_mode ? state : g, K * sizeof *g);
    c->since = (uint64_t)e[0];
    c->slow = e[1] == 1.0;
    c->hold = (uint64_t)e[2];
    c->backoff = (uint64_t)e[3];
    c->p_valid = cg_mode;
    return WH_OK;
}
