/*
 * direct_cg.c: Algorithm 1 without a Cholesky factorisation per sample.
 *
 * M <- M + eta (y y^T - I) has no low-rank inverse update (the -eta I shift
 * defeats Sherman-Morrison, science.md §5.4), so y = M^{-1} x is found by
 * conjugate gradients. At every refresh (each sample index that is a
 * multiple of `refresh`) the step is the exact one: the candidate M_r is
 * factored, which certifies M > 0. What is factored is M_r - c I with
 * c = (refresh - 1) eta / 2 (eta the refresh's rate; it certifies M_r all the
 * more), or M_r itself (c = 0) if that fails or the period is longer than Y
 * holds, and P = (M_r - c I)^{-1} is formed from the factor.
 * `since` samples later, sample s having learned at its own rate eta_s,
 *   M = A - sigma I,   A = M_r - c I + Y^T Y,   sigma = sum_s eta_s - c,
 * with Y the outputs since, each scaled by sqrt(eta_s), kept (up to
 * WH__CG_RANK_MAX rows); sum_s eta_s is `drift`. With a constant rate this is
 * M_r + eta Y^T Y - since eta I; a schedule or wh_net_set_eta() changing the
 * rate within a period changes nothing else. A^{-1} is
 * exact by Woodbury from P and the Cholesky factor of the small capacitance
 * K = I + Y P Y^T, one row per sample (deflation: the rank-`since`
 * drift is gone from the preconditioned matrix I - sigma A^{-1}, whose
 * eigenvalues lie within |sigma| / lambda_min(A) of 1), so CG meets a
 * relative residual of WH__CG_TOL in a few iterations, each one symmetric
 * product with P and O(n since): M d comes from the recurrence of A d (see
 * pcg), not from a pass over M. Measured here (n = 256), this is 2x the
 * speed of CG preconditioned by two triangular solves with M d by dsymv.
 * The centre c halves the largest |sigma| of a period: about 0.6 fewer
 * iterations a sample at n = 256 (5.3 -> 4.7).
 *
 * M itself is never updated per sample while Y holds the whole period (refresh
 * <= WH__CG_RANK_MAX + 1): it is M_r + Y^T Y - drift I, formed on its
 * lower triangle by one dsyrk when read (lateral_lower) and at the
 * refresh, always from M_r, so a reader cannot change the fit. That keeps P
 * alone in the cache between refreshes: 1.17x at n = 256.
 *
 * What is checked when: every sample, CG must meet only positive curvature
 * d^T M d > 0 (else M is not positive definite) and converge within
 * WH__CG_MAX_ITER iterations with a finite y; if not, this sample is redone
 * exactly (factor the current M: WH_EDIVERGED, state kept, if that fails).
 * Definiteness of M itself is certified only at refreshes, so a loss of it
 * between them is reported at the latest `refresh` samples late.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "net/fast.h"

/* dst's lower triangle = M_r + (rows of Y)^T (rows of Y) - shift I, shift the sum of
 * those rows' rates (Y's rows are scaled by their square roots). */
static void form_lateral(const wh_net *net, size_t rows, double shift, double *dst, size_t ldd)
{
    const size_t n = net->n;
    wh__copy_lower(n, net->fast->Mr, n, dst, ldd);
    if (rows == 0)
        return;
    wh__syrk_lower(true, n, rows, 1.0, net->fast->Y, n, 1.0, dst, ldd);
    for (size_t i = 0; i < n; i++)
        dst[i * ldd + i] -= shift;
}

/* Bring the lower triangle of net->M up to the current sample (a lazy M is formed from
 * M_r and Y). */
static void lateral_lower(wh_net *net)
{
    wh__fast *f = net->fast;
    if (f->m_since == f->since)
        return;
    form_lateral(net, f->since, f->drift, net->M, net->n);
    f->m_since = f->since;
    f->lateral_stale = true;
}

/* Start from the synapses just put in from outside: M_r = M, nothing since. */
static void restart(wh_net *net)
{
    wh__fast *f = net->fast;
    wh__copy_lower(net->n, net->M, net->n, f->Mr, net->n);
    f->stale = true;
    f->since = f->m_since = 0;
    f->inverse_ok = false;
    f->centre = f->drift = 0.0;
}

/* Factor the current M (formed first if lazy) into L_next; false if it is not positive
 * definite. */
static bool factor_lateral(wh_net *net)
{
    const size_t n = net->n;
    lateral_lower(net);
    wh__copy_lower(n, net->M, n, net->L_next, n);
    return wh__chol(n, net->L_next, n);
}

/* Make the factor in L_next the solver's base: M_r = M, no samples since, no centre. */
static void adopt_factor(wh_net *net)
{
    wh__fast *f = net->fast;
    double *t = net->L;
    net->L = net->L_next;
    net->L_next = t;
    wh__copy_lower(net->n, net->M, net->n, f->Mr, net->n);
    f->since = f->m_since = 0;
    f->centre = f->drift = 0.0;
    f->stale = false;
    f->inverse_ok = false;
}

/* Factor the current M and make it the base. WH_EDIVERGED if not positive definite. */
static wh_status refactor(wh_net *net)
{
    wh__fast *f = net->fast;
    if (!factor_lateral(net)) {
        /* `stale` with a nonzero count makes the next step factor again instead of
         * trusting P; M is current and M_r is made M, so the count is its own too. */
        wh__copy_lower(net->n, net->M, net->n, f->Mr, net->n);
        f->stale = true;
        f->since = f->m_since = 1;
        f->drift = 0.0;
        return WH_EDIVERGED;
    }
    adopt_factor(net);
    return WH_OK;
}

/*
 * Up to this order P is kept whole (its upper triangle mirrored at each refresh) and
 * applied by dgemv rather than dsymv on its lower triangle: measured here (one BLAS thread,
 * OpenBLAS 0.3.21) 0.41 against 0.60 us a product at n = 64, 0.11 against 0.21 at 32, but
 * 1.77 against 1.53 at n = 128, where the triangle's half of the bytes wins. The same
 * flops; the rounding of the two differs, not the algorithm.
 */
#define WHOLE_P_MAX 64

/* h = P v. */
static void apply_inverse(const wh_net *net, const double *v, double *h)
{
    const size_t n = net->n;
    if (n <= WHOLE_P_MAX)
        wh__gemv(false, n, n, 1.0, net->fast->P, n, v, 0.0, h);
    else
        wh__symv_lower(n, 1.0, net->fast->P, n, v, h);
}

/* s = (L L^T)^{-1} r = P r: the preconditioner without deflation. */
static void precondition(const wh_net *net, const double *r, double *s)
{
    apply_inverse(net, r, s);
}

/* P = (L L^T)^{-1} from the current L, unless it is already. */
static wh_status derive_inverse(wh_net *net)
{
    wh__fast *f = net->fast;
    if (f->inverse_ok)
        return WH_OK;
    if (!wh__chol_inverse(net->n, net->L, net->n, f->P, net->n))
        return WH_EDIVERGED;
    if (net->n <= WHOLE_P_MAX)
        wh__mirror_lower(net->n, f->P, net->n);
    /* The factor was fresh (garbage never gets here: solve() takes the exact path while
     * `stale` and `since` > 0), so P now belongs to the synapses. */
    f->stale = false;
    f->inverse_ok = true;
    f->deflated = 0;
    f->deflation_ok = true;
    return WH_OK;
}

/*
 * Row i of the deflation: h_i = P y_i into H, and row i of the Cholesky factor of
 * K = I + Y P Y^T (the Woodbury capacitance of A = M_r + Y^T Y, Y's rows scaled). False
 * if K is not positive definite to rounding (then the path goes undeflated).
 */
static bool extend_deflation(wh_net *net, size_t i)
{
    wh__fast *f = net->fast;
    const size_t n = net->n, ld = WH__CG_RANK_MAX;
    const double *y = f->Y + i * n;
    double *h = f->H + i * n, *k = f->K + i * ld;
    apply_inverse(net, y, h);
    for (size_t j = 0; j < i; j++) {
        double v = wh__dot(n, h, f->Y + j * n);
        for (size_t l = 0; l < j; l++)
            v -= k[l] * f->K[j * ld + l];
        k[j] = v / f->K[j * ld + j];
    }
    double d = 1.0 + wh__dot(n, h, y);
    for (size_t l = 0; l < i; l++)
        d -= k[l] * k[l];
    if (!(d > 0.0) || !isfinite(d))
        return false;
    k[i] = sqrt(d);
    return true;
}

/* Deflation rows for every sample since the factor; false if they cannot all be had. */
static bool deflation_ready(wh_net *net)
{
    wh__fast *f = net->fast;
    if (f->since > f->ycap)
        return false;
    while (f->deflated < f->since && f->deflation_ok)
        f->deflation_ok = extend_deflation(net, f->deflated++);
    return f->deflation_ok;
}

/* z = A^{-1} r = P r - H^T K^{-1} H r, A = M_r + Y^T Y (Woodbury). */
static void deflated_precondition(const wh_net *net, const double *r, double *z)
{
    const wh__fast *f = net->fast;
    const size_t n = net->n, m = f->since, ld = WH__CG_RANK_MAX;
    double *t = f->t;
    apply_inverse(net, r, z);
    if (m == 0)
        return;
    wh__gemv(false, m, n, 1.0, f->H, n, r, 0.0, t);
    for (size_t i = 0; i < m; i++) {
        double v = t[i];
        for (size_t l = 0; l < i; l++)
            v -= f->K[i * ld + l] * t[l];
        t[i] = v / f->K[i * ld + i];
    }
    for (size_t i = m; i-- > 0;) {
        double v = t[i];
        for (size_t l = i + 1; l < m; l++)
            v -= f->K[l * ld + i] * t[l];
        t[i] = v / f->K[i * ld + i];
    }
    wh__gemv(true, m, n, -1.0, f->H, n, t, 1.0, z);
}

/* r = x - M y. */
static void residual(wh_net *net, const double *x, double *r)
{
    lateral_lower(net);
    memcpy(r, x, net->n * sizeof *r);
    wh__symv_lower_beta(net->n, -1.0, net->M, net->n, net->y, 1.0, r);
}

/* |r| from its sum of squares rr, computed beside r's update; by dnrm2 (which scales)
 * where rr may have lost to underflow or overflow, so that the test against the target
 * is the same as dnrm2's. */
static double norm_of(size_t n, const double *r, double rr)
{
    return rr > 0x1p-900 && rr < 0x1p900 ? sqrt(rr) : wh__nrm2(n, r);
}

/*
 * The sums of the loops below go into LANES partial sums, entry i into lane i % LANES,
 * added at the end: one running sum would make each loop a chain of n dependent
 * additions (4 cycles each), which at n = 64 cost more than the arithmetic.
 */
#define LANES 4

static double lanes_total(const double *acc)
{
    return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

/* sum of a_i b_i. */
static double dot_lanes(size_t n, const double *restrict a, const double *restrict b)
{
    double acc[LANES] = {0.0};
    for (size_t i = 0; i < n; i++)
        acc[i % LANES] += a[i] * b[i];
    return lanes_total(acc);
}

/* d = s + beta d, ad = r + beta ad, q = ad - shift d;
 * returns d.q, the curvature of M along d. */
static double next_direction(size_t n, double beta, double shift, const double *restrict s,
                             const double *restrict r, double *restrict d, double *restrict ad,
                             double *restrict q)
{
    double acc[LANES] = {0.0};
    for (size_t i = 0; i < n; i++) {
        d[i] = s[i] + beta * d[i];
        ad[i] = r[i] + beta * ad[i];
        q[i] = ad[i] - shift * d[i];
        acc[i % LANES] += d[i] * q[i];
    }
    return lanes_total(acc);
}

/* y += alpha d, r -= alpha q; returns r.r. */
static double advance(size_t n, double alpha, const double *restrict d, const double *restrict q,
                      double *restrict y, double *restrict r)
{
    double acc[LANES] = {0.0};
    for (size_t i = 0; i < n; i++) {
        y[i] += alpha * d[i];
        r[i] -= alpha * q[i];
        acc[i % LANES] += r[i] * r[i];
    }
    return lanes_total(acc);
}

/*
 * Preconditioned CG for M y = x; WH_ENOCONV on breakdown or no convergence.
 * Since the factor, M = A - drift I with A = M_r + Y^T Y, M_r = L L^T
 * and Y the outputs since, scaled. Deflated (all of Y at hand, the usual case), the
 * preconditioner is A^{-1} by Woodbury, so only the shift is left to CG (the
 * preconditioned matrix is I - since eta A^{-1}), and M d needs no pass over a
 * matrix: with s = A^{-1} r the next direction d' = s + beta d has
 * A d' = r + beta A d, so M d = A d - sigma d by recurrence. The initial
 * guess y0 = A^{-1} x leaves the residual sigma y0 (A y0 = x to
 * rounding). Otherwise (more samples since than Y holds, or a capacitance
 * that rounding left indefinite) the preconditioner is P and M d one dsymv.
 *
 * The vector work of an iteration is three plain loops over n (r.s; the directions,
 * M d and d.M d; y, r and |r|^2), not a BLAS call per operation: at n = 64 the calls'
 * own overhead was a large part of it.
 */
static wh_status pcg(wh_net *net, const double *x, size_t *iterations)
{
    wh__fast *f = net->fast;
    const size_t n = net->n;
    if (derive_inverse(net) != WH_OK)
        return WH_ENOCONV;
    const bool deflated = deflation_ready(net);
    const double shift = f->drift - f->centre;
    void (*apply)(const wh_net *, const double *, double *) =
        deflated ? deflated_precondition : precondition;
    const double target = WH__CG_TOL * wh__nrm2(n, x);
    double *y = net->y, *r = f->r;
    apply(net, x, y);
    if (deflated)
        for (size_t i = 0; i < n; i++)
            r[i] = shift * y[i];
    else
        residual(net, x, r);
    double rr = dot_lanes(n, r, r), rs = 0.0;
    for (size_t it = 0;; it++) {
        const double rnorm = norm_of(n, r, rr);
        *iterations = it;
        if (rnorm <= target)
            return isfinite(dot_lanes(n, y, y)) ? WH_OK : WH_ENOCONV;
        if (!isfinite(rnorm) || it == WH__CG_MAX_ITER)
            return WH_ENOCONV;
        /* The preconditioned residual only once it is known to be needed: the last one
         * of a solve would cost a pass over P for nothing. */
        apply(net, r, f->s);
        const double rs_next = dot_lanes(n, r, f->s);
        double beta = 0.0; /* the first direction is s itself (and A d = r) */
        if (it == 0) {
            memcpy(f->d, f->s, n * sizeof *f->d);
            memcpy(f->Ad, r, n * sizeof *f->Ad);
        } else {
            beta = rs_next / rs;
        }
        rs = rs_next;
        double curvature;
        if (deflated) {
            curvature = next_direction(n, beta, shift, f->s, r, f->d, f->Ad, f->q);
        } else {
            for (size_t i = 0; i < n; i++)
                f->d[i] = f->s[i] + beta * f->d[i];
            wh__symv_lower(n, 1.0, net->M, n, f->d, f->q);
            curvature = dot_lanes(n, f->d, f->q);
        }
        if (!(curvature > 0.0))
            return WH_ENOCONV;
        rr = advance(n, rs / curvature, f->d, f->q, y, r);
    }
}

/*
 * y = M^{-1} x by a fresh factor of the current M, made in L_next. Only a learning step
 * (commit) whose y is usable makes that factor the solver's base (M_r = M, since 0): a
 * refused sample, or a frozen response, leaves the solver state as it was, so that what
 * follows is bit for bit what would have followed without it. WH_EDIVERGED if M is not
 * positive definite, or if y overflows: M + eta y y^T would not be finite, which the
 * exact path refuses at this sample too (y^T y finite bounds every y_i y_j).
 */
static wh_status exact_solve(wh_net *net, const double *x, bool commit)
{
    const size_t n = net->n;
    if (!factor_lateral(net))
        return WH_EDIVERGED;
    memcpy(net->y, x, n * sizeof *x);
    wh__chol_solve(n, net->L_next, n, net->y);
    if (!isfinite(wh__dot(n, net->y, net->y)))
        return WH_EDIVERGED;
    if (commit)
        adopt_factor(net);
    return WH_OK;
}

static wh_status solve(wh_net *net, const double *x, size_t *iterations, bool commit)
{
    /* After a failed refactor (sync) P is not to be trusted: `stale`, `since` 1. */
    if (net->fast->stale && net->fast->since > 0)
        return exact_solve(net, x, commit);
    wh_status st = pcg(net, x, iterations);
    return st == WH_OK ? WH_OK : exact_solve(net, x, commit);
}

static wh_status respond(wh_net *net, const double *x, size_t *iterations)
{
    *iterations = 0;
    return solve(net, x, iterations, false);
}

/* sqrt(eta) y into row `row` of Y. */
static void keep_output(wh_net *net, size_t row, double eta)
{
    const size_t n = net->n;
    const double scale = sqrt(eta);
    double *dst = net->fast->Y + row * n;
    for (size_t i = 0; i < n; i++)
        dst[i] = scale * net->y[i];
}

/* y, learned at rate eta, into Y; unless M is lazy, M <- M + eta (y y^T - I) on its lower
 * triangle, the upper one lagging. */
static void update_lateral(wh_net *net, double eta)
{
    const size_t n = net->n;
    wh__fast *f = net->fast;
    if (f->since < f->ycap)
        keep_output(net, f->since, eta);
    f->drift += eta;
    if (f->lazy_lateral)
        return;
    lateral_lower(net);
    for (size_t i = 0; i < n; i++) /* the diagonal before, into a free vector */
        f->v[i] = net->M[i * n + i];
    wh__net_lateral_online(n, eta, net->y, f->v, 1, net->M);
    f->m_since++;
    f->lateral_stale = true;
}

/*
 * The exact step at a refresh, at rate eta: the candidate M + eta (y y^T - I) (from M_r
 * and Y, with the current y as Y's last row, when M is lazy) becomes the next M_r, and is factored
 * into L; WH_EDIVERGED, state kept, if it is not positive definite. Only lower
 * triangles are touched, the candidate is formed in M_next (which then trades places
 * with M_r), and net->M is left to be formed from it when read.
 */
static wh_status refresh(wh_net *net, double eta)
{
    const size_t n = net->n;
    wh__fast *f = net->fast;
    double *cand = net->M_next, *l = net->L_next;
    if (f->lazy_lateral) {
        keep_output(net, f->since, eta);
        form_lateral(net, f->since + 1, f->drift + eta, cand, n);
    } else {
        lateral_lower(net);
        wh__copy_lower(n, net->M, n, cand, n);
        wh__net_lateral_online(n, eta, net->y, net->M, n + 1, cand);
    }
    /* Centre the shifts: over a period `since` runs from 0 to refresh - 1, so factor
     * cand - c I with c half the largest shift at this rate; if that is not positive definite, cand
     * itself (which alone must be). Not beyond the outputs Y keeps: there the iterations
     * are undeflated, and a centre far from M_r would only spoil the preconditioner. */
    double c = f->lazy_lateral ? 0.5 * (double)(net->refresh - 1) * eta : 0.0;
    wh__copy_lower(n, cand, n, l, n);
    for (size_t i = 0; i < n; i++)
        l[i * n + i] -= c;
    if (!wh__chol(n, l, n)) {
        c = 0.0;
        wh__copy_lower(n, cand, n, l, n);
        if (!wh__chol(n, l, n))
            return WH_EDIVERGED;
    }
    /* A NaN or infinity anywhere in the candidate's lower triangle reaches the factor's
     * diagonal at its row (through the square root of a_ii minus the row's squares), and
     * LAPACK's factorisation need not stop at it: so the diagonal is the finite check. */
    for (size_t i = 0; i < n; i++)
        if (!isfinite(l[i * n + i]))
            return WH_EDIVERGED;
    f->centre = c;
    f->drift = 0.0;
    net->M_next = f->Mr;
    f->Mr = cand;
    net->L_next = net->L;
    net->L = l;
    f->since = 0;
    f->m_since = SIZE_MAX; /* net->M is not formed for this period yet */
    f->stale = false;
    f->lateral_stale = true;
    f->inverse_ok = false;
    net->samples++;
    return WH_OK;
}

static wh_status learn(wh_net *net, const double *x, size_t *iterations)
{
    wh__fast *f = net->fast;
    *iterations = 0;
    wh_status st = solve(net, x, iterations, true);
    if (st != WH_OK)
        return st;
    const double eta = wh__net_rate(net);
    if ((net->samples + 1) % net->refresh == 0)
        return refresh(net, eta);
    update_lateral(net, eta);
    f->since++;
    net->samples++;
    return WH_OK;
}

/* ---- The table of the direct fast path. ---- */

static void destroy(wh_net *net)
{
    wh__fast_free(net->fast);
    wh__synapses_free(net);
}

/* Y keeps the outputs of up to WH__CG_RANK_MAX samples since a refresh: with a refresh
 * period that fits, M is lazy (formed from M_r and Y only when read). */
static wh_status create(wh_net *net, const wh_net_options *opts)
{
    wh_status st = wh__synapses_alloc(net, false);
    if (st == WH_OK)
        st = wh__fast_new(net);
    if (st != WH_OK)
        return st;
    wh__fast *f = net->fast;
    f->ycap = net->refresh - 1 < WH__CG_RANK_MAX ? net->refresh - 1 : WH__CG_RANK_MAX;
    f->lazy_lateral = f->ycap + 1 == net->refresh;
    size_t nn, yn, rows;
    if (!wh__size_mul(net->n, net->n, &nn) || !wh__size_mul(f->ycap, net->n, &yn) ||
        !wh__size_mul(f->ycap + 1, net->n, &rows))
        return WH_EOVERFLOW;
    f->Ad = wh__alloc(net->n, sizeof(double));
    f->Y = wh__alloc(rows, sizeof(double));
    f->Mr = wh__alloc(nn, sizeof(double));
    f->t = wh__alloc(f->ycap > 0 ? f->ycap : 1, sizeof(double));
    f->P = wh__alloc(nn, sizeof(double));
    f->H = wh__alloc(yn > 0 ? yn : 1, sizeof(double));
    f->K = wh__alloc(WH__CG_RANK_MAX * WH__CG_RANK_MAX, sizeof(double));
    if (!(f->Ad && f->Y && f->Mr && f->t && f->P && f->H && f->K))
        return WH_ENOMEM;
    st = wh__init_direct(net, &opts->init);
    if (st == WH_OK)
        restart(net);
    return st;
}

/* What lateral() returns, formed in M from the same pieces by the same operations. */
static wh_status copy_lateral(const wh_net *net, double *M, size_t ldm)
{
    const wh__fast *f = net->fast;
    if (f->m_since == f->since)
        wh__copy_lower(net->n, net->M, net->n, M, ldm);
    else
        form_lateral(net, f->since, f->drift, M, ldm);
    wh__mirror_lower(net->n, M, ldm);
    return WH_OK;
}

static const double *lateral(wh_net *net)
{
    lateral_lower(net);
    if (net->fast->lateral_stale) {
        wh__mirror_lower(net->n, net->M, net->n);
        net->fast->lateral_stale = false;
    }
    return net->M;
}

/* M formed and L its factor, before an update from outside the path. A factor of a
 * centred M_r is not M's either. */
static wh_status sync(wh_net *net)
{
    lateral(net);
    if (net->fast->since == 0 && net->fast->centre == 0.0)
        return WH_OK;
    return refactor(net);
}

static wh_status learn_expected(wh_net *net, const double *C, size_t ldc)
{
    wh_status st = sync(net);
    if (st == WH_OK)
        st = wh__net_expected(net, C, ldc, wh__direct_propose_summed);
    if (st == WH_OK)
        restart(net);
    return st;
}

static wh_status learn_minibatch(wh_net *net, size_t count, const double *X, size_t ldx, double *Y,
                                 size_t ldy)
{
    wh_status st = sync(net);
    if (st == WH_OK)
        st = wh__net_minibatch(net, count, X, ldx, Y, ldy, wh__direct_propose_summed);
    if (st == WH_OK)
        restart(net);
    return st;
}

static wh_status restore(wh_net *net, const double *M, size_t ld, uint64_t samples)
{
    wh_status st = wh__synapses_restore_lateral(net, M, ld, samples);
    if (st == WH_OK)
        restart(net);
    return st;
}

/*
 * The solver state as doubles: a header {layout, since, stale, c}, then L (n x n, its
 * lower triangle), the factor of M_r - c I at the last refresh, M_r (its lower
 * triangle), the outputs of the samples since, each times the square root of its rate
 * (ycap x n, rows past `since` zero), and the sum of those rates. What can be derived
 * is not stored: M (restore formed it from the synapses, and it is M_r + Y^T Y - drift
 * I), P and the Woodbury rows. The layout tag guards against giving one network's state
 * to another: 1 before Y, 3 before M_r, 5 before the rates (unscaled Y); the
 * interneurons' are even.
 */
enum { HEADER = 4, LAYOUT = 6 };

static size_t state_size(const wh_net *net)
{
    return HEADER + 2 * net->n * net->n + net->fast->ycap * net->n + 1;
}

/* The lower triangle of the n x n matrix a, zeros above: L and M_r keep only that
 * triangle, and what lies above it is whatever the buffer held before. */
static void lower_of(size_t n, const double *a, double *out)
{
    wh__copy_lower(n, a, n, out, n);
    for (size_t i = 0; i < n; i++)
        memset(out + i * n + i + 1, 0, (n - i - 1) * sizeof *out);
}

static void get_state(const wh_net *net, double *state)
{
    const size_t nn = net->n * net->n;
    const wh__fast *f = net->fast;
    state[0] = LAYOUT;
    state[1] = (double)f->since;
    state[2] = f->stale ? 1.0 : 0.0;
    state[3] = f->centre;
    lower_of(net->n, net->L, state + HEADER);
    lower_of(net->n, f->Mr, state + HEADER + nn);
    /* Rows past `since` are left from earlier periods and never read: saved as zeros. */
    const size_t kept = (f->since < f->ycap ? f->since : f->ycap) * net->n;
    double *rows = state + HEADER + 2 * nn;
    memcpy(rows, f->Y, kept * sizeof *state);
    memset(rows + kept, 0, (f->ycap * net->n - kept) * sizeof *state);
    rows[f->ycap * net->n] = f->drift;
}

/* Y keeps one row per sample since the refresh: more samples since than the count the
 * synapses were restored with allows would run past it. Only a failed refactor (stale)
 * leaves since = 1 on a period's first sample. */
static wh_status set_state(wh_net *net, const double *state)
{
    const size_t nn = net->n * net->n;
    const double since = state[1], drift = state[HEADER + 2 * nn + net->fast->ycap * net->n];
    const bool stale = state[2] == 1.0;
    if (state[0] != LAYOUT || !(since >= 0.0 && since < (double)net->refresh) ||
        since != floor(since) || (state[2] != 0.0 && !stale) || !(state[3] >= 0.0) ||
        (since > (double)(net->samples % net->refresh) && !(since == 1.0 && stale)) ||
        !(drift >= 0.0))
        return WH_EINVAL;
    wh__fast *f = net->fast;
    f->since = (size_t)since;
    f->stale = stale;
    f->inverse_ok = false;
    f->centre = state[3];
    f->drift = drift;
    memcpy(net->L, state + HEADER, nn * sizeof *state);
    memcpy(f->Mr, state + HEADER + nn, nn * sizeof *state);
    memcpy(f->Y, state + HEADER + 2 * nn, f->ycap * net->n * sizeof *state);
    /* The M just restored from the synapses is the one formed at this count. */
    f->m_since = f->since;
    return WH_OK;
}

const wh__net_ops wh__direct_cg_ops = {
    .name = "direct, fast (conjugate gradients)",
    .has_z = false,
    .create = create,
    .destroy = destroy,
    .respond = respond,
    .learn = learn,
    .learn_block = NULL,
    .block_length = NULL,
    .learn_expected = learn_expected,
    .learn_minibatch = learn_minibatch,
    .lateral = lateral,
    .copy_lateral = copy_lateral,
    .weights = NULL,
    .restore = restore,
    .state_size = state_size,
    .get_state = get_state,
    .set_state = set_state,
};
