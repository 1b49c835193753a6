/*
 * closed_form.c: the exact per-mode dynamics of a start commuting with C
 * (science.md §4), the oracles of every flow and convergence-time test.
 *
 * For the direct network a mode m with s = sqrt(lambda), u = m/s obeys
 * t = s [G(u) - G(u0)], G(u) = -u + (1/2) ln|(1+u)/(1-u)|. It is inverted
 * in the variable x with u = tanh x (u < 1) or u = coth x (u > 1): there
 *   below:  H(x) = G(tanh x) = x - tanh x,  H'(x) = tanh^2 x
 *   above:  H(x) = G(coth x) = x - coth x,  H'(x) = coth^2 x
 * are smooth and increasing, m = s tanh x (or s / tanh x) keeps full relative
 * precision even very close to u = 1 or far from it, and Newton's method,
 * kept inside a shrinking bracket, converges from any start.
 */
#include <float.h>
#include <math.h>

#include "whiten/flow.h"

#define NEWTON_MAX_ITER 200

/* atanh(u) - u = u^3/3 + u^5/5 + ... for 0 <= u < 1/2, summed: the difference cancels. */
static double series_below(double u)
{
    const double u2 = u * u;
    double power = u * u2, sum = 0.0;
    for (int k = 3; k < 200; k += 2) {
        const double term = power / k;
        sum += term;
        if (term <= 0.25 * DBL_EPSILON * sum)
            break;
        power *= u2;
    }
    return sum;
}

/* H(x) on either branch. */
static double branch_h(bool above, double x)
{
    if (above)
        return x - 1.0 / tanh(x);
    const double u = tanh(x);
    return u < 0.5 ? series_below(u) : x - u;
}

static double branch_dh(bool above, double x)
{
    const double th = tanh(x);
    return above ? 1.0 / (th * th) : th * th;
}

/* The x in [lo, hi] with H(x) = g, H increasing and H(lo) <= g <= H(hi). */
static double solve_branch(bool above, double g, double lo, double hi)
{
    double x = 0.5 * (lo + hi);
    for (int i = 0; i < NEWTON_MAX_ITER; i++) {
        const double r = branch_h(above, x) - g;
        if (r == 0.0)
            return x;
        if (r > 0.0)
            hi = x;
        else
            lo = x;
        double next = x - r / branch_dh(above, x);
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi); /* Newton left the bracket: bisect instead */
        if (fabs(next - x) <= 2.0 * DBL_EPSILON * fabs(next) || hi - lo <= DBL_EPSILON * hi)
            return next;
        x = next;
    }
    return x;
}

static double direct_mode(double lambda, double m0, double t)
{
    const double s = sqrt(lambda), u0 = m0 / s;
    if (u0 == 1.0 || t == 0.0)
        return m0;
    const bool above = u0 > 1.0;
    const double x0 = above ? atanh(1.0 / u0) : atanh(u0);
    const double g = branch_h(above, x0) + t / s;
    /* Brackets: H' >= 1 above, so x <= x0 + t/s; below, H(x) > x - 1, so x < g + 1. */
    const double x = solve_branch(above, g, x0, above ? x0 + t / s : g + 1.0);
    return above ? s / tanh(x) : s * tanh(x);
}

/* m(t)^2 = lambda (1 - e^{-4t}) + m0^2 e^{-4t}: two non-negative terms, no cancellation. */
static double interneuron_mode(double lambda, double m0, double t)
{
    const double decay = exp(-2.0 * t);
    return sqrt(-lambda * expm1(-4.0 * t) + (m0 * decay) * (m0 * decay));
}

static bool positive_finite(double v)
{
    return isfinite(v) && v > 0.0;
}

wh_status wh_flow_mode(wh_net_kind kind, double lambda, double m0, double t, double *m)
{
    if (m == NULL || !positive_finite(lambda) || !positive_finite(m0) || !isfinite(t) || t < 0.0 ||
        (kind != WH_NET_DIRECT && kind != WH_NET_INTERNEURON))
        return WH_EINVAL;
    *m = kind == WH_NET_DIRECT ? direct_mode(lambda, m0, t) : interneuron_mode(lambda, m0, t);
    return WH_OK;
}

/* s [G(u_eps) - G(u0)] on the branch of u0. */
static double direct_time(double lambda, double m0, double eps)
{
    const double s = sqrt(lambda), u0 = m0 / s;
    const bool above = u0 > 1.0;
    const double x0 = above ? atanh(1.0 / u0) : atanh(u0);
    const double x_eps = above ? atanh(sqrt(1.0 - eps)) : atanh(1.0 / sqrt(1.0 + eps));
    return s * (branch_h(above, x_eps) - branch_h(above, x0));
}

/* (1/4) ln(|d| (1 -/+ eps) / (eps lambda)), d = m0^2 - lambda = (m0 - s)(m0 + s). */
static double interneuron_time(double lambda, double m0, double eps)
{
    const double s = sqrt(lambda);
    const double d = (m0 - s) * (m0 + s);
    return 0.25 * log(fabs(d) * (d > 0.0 ? 1.0 - eps : 1.0 + eps) / (eps * lambda));
}

wh_status wh_flow_mode_time(wh_net_kind kind, double lambda, double m0, double eps, double *t)
{
    if (t == NULL || !positive_finite(lambda) || !positive_finite(m0) || !positive_finite(eps) ||
        (kind != WH_NET_DIRECT && kind != WH_NET_INTERNEURON))
        return WH_EINVAL;
    /* The error |lambda/m^2 - 1| moves monotonically to 0: none to wait for if already there.
     * Above sqrt(lambda) the error is below 1, so reaching here there means eps < 1. */
    const double error = fabs((lambda / m0) / m0 - 1.0);
    if (error <= eps)
        *t = 0.0;
    else
        *t = kind == WH_NET_DIRECT ? direct_time(lambda, m0, eps)
                                   : interneuron_time(lambda, m0, eps);
    return WH_OK;
}

wh_status wh_flow_closed_time(wh_net_kind kind, size_t n, const double *lambda, const double *m0,
                              double eps, double *t)
{
    if (t == NULL || lambda == NULL || m0 == NULL || n == 0)
        return WH_EINVAL;
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double ti;
        wh_status st = wh_flow_mode_time(kind, lambda[i], m0[i], eps, &ti);
        if (st != WH_OK)
            return st;
        worst = fmax(worst, ti);
    }
    *t = worst;
    return WH_OK;
}
