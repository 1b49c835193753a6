/*
 * state.c: putting saved synapses back into a network.
 *
 * The candidate goes into the *_next buffers and is factored there, exactly
 * as a learning step does (plasticity.c), and is swapped in only if it is
 * valid. Because a step leaves M, L (and W) in precisely this relation - M
 * exactly symmetric, L its Cholesky factor, M = W W^T by wh__gram - restoring
 * from the saved M or W reproduces the network bit for bit.
 */
#include <math.h>
#include <string.h>

#include "core/linalg.h"
#include "net/fast.h"
#include "net/net.h"

/* Relative asymmetry tolerated: the expected update may leave rounding-level asymmetry. */
#define SYMMETRY_RTOL 1e-12

static void swap(double **a, double **b)
{
    double *t = *a;
    *a = *b;
    *b = t;
}

/* Candidate M (direct) into M_next, copied as it is (not symmetrised) so that bits survive. */
static wh_status propose_lateral(wh_net *net, const double *M, size_t ld)
{
    const size_t n = net->n;
    if (!wh__finite(n, n, M, ld))
        return WH_ENONFINITE;
    if (!wh__is_symmetric(n, M, ld, SYMMETRY_RTOL))
        return WH_ENOTSYM;
    wh__copy(n, n, M, ld, net->M_next, n);
    return WH_OK;
}

/* Candidate W into W_next and M_next = W W^T. */
static wh_status propose_weights(wh_net *net, const double *W, size_t ld)
{
    if (!wh__finite(net->n, net->k, W, ld))
        return WH_ENONFINITE;
    wh__copy(net->n, net->k, W, ld, net->W_next, net->k);
    wh__gram(net->n, net->k, net->W_next, net->k, net->M_next, net->n);
    return WH_OK;
}

wh_status wh_net_restore(wh_net *net, const double *synapses, size_t ld, uint64_t samples)
{
    const bool direct = net != NULL && net->kind == WH_NET_DIRECT;
    if (net == NULL || synapses == NULL || ld < (direct ? net->n : net->k))
        return WH_EINVAL;
    wh_status st = direct ? propose_lateral(net, synapses, ld) : propose_weights(net, synapses, ld);
    if (st != WH_OK)
        return st;
    wh__copy(net->n, net->n, net->M_next, net->n, net->L_next, net->n);
    if (!wh__chol(net->n, net->L_next, net->n))
        return direct ? WH_ENOTPD : WH_ERANK;
    swap(&net->M, &net->M_next);
    swap(&net->L, &net->L_next);
    if (!direct)
        swap(&net->W, &net->W_next);
    net->samples = samples;
    wh__net_synapses_changed(net);
    return WH_OK;
}

/*
 * The fast solver's state as doubles: a header {layout, since, stale, p} (direct:
 * the centre c in place of p), then L (n x n), the factor of the last refresh
 * (direct: of M_r - c I, its lower triangle), then
 *   interneurons: Phat (n x n), and the blocked path's lazy synapses: a flag
 *     (1 while they are lazy), Q (n x n) and the W it multiplies (n x k); the
 *     weights saved with the synapses are their product;
 *   direct: M_r, the M that factor belongs to (n x n, its lower triangle), the
 *     outputs of the samples since, each times the square root of its rate
 *     (ycap x n, rows past `since` zero), from which its conjugate gradients
 *     are deflated and M is formed, and the sum of those samples' rates; the M
 *     saved with the synapses is that form.
 * What can be derived is not stored: M (wh_net_restore() set it from the
 * synapses), the direct path's P and Woodbury rows, the sum of squares of W.
 * The layout tag guards against giving one network's state to another;
 * direct was 1 before Y, 3 before M_r and 5 before the rates (unscaled Y),
 * interneurons 2 before the lazy product.
 */
enum { HEADER = 4, LAYOUT_DIRECT = 6, LAYOUT_INTERNEURON = 4 };

/* Interneurons' lazy synapses after Phat: {lazy}, Q (n x n), the W it multiplies (n x k). */
static size_t lazy_size(const wh_net *net)
{
    return 1 + net->n * net->n + net->n * net->k;
}

size_t wh_net_solver_state_size(const wh_net *net)
{
    if (net == NULL || net->fast == NULL)
        return 0;
    return HEADER + 2 * net->n * net->n +
           (net->kind == WH_NET_INTERNEURON ? lazy_size(net) : net->fast->ycap * net->n + 1);
}

static double layout(const wh_net *net)
{
    return net->kind == WH_NET_INTERNEURON ? LAYOUT_INTERNEURON : LAYOUT_DIRECT;
}

/* The lower triangle of the n x n matrix a, zeros above: the direct path's L and M_r keep
 * only that triangle, and what lies above it is whatever the buffer held before. */
static void lower_of(size_t n, const double *a, double *out)
{
    wh__copy_lower(n, a, n, out, n);
    for (size_t i = 0; i < n; i++)
        memset(out + i * n + i + 1, 0, (n - i - 1) * sizeof *out);
}

wh_status wh_net_get_solver_state(const wh_net *net, double *state, size_t size)
{
    if (state == NULL || size == 0 || size != wh_net_solver_state_size(net))
        return WH_EINVAL;
    const size_t nn = net->n * net->n;
    const wh__fast *f = net->fast;
    state[0] = layout(net);
    state[1] = (double)f->since;
    state[2] = f->stale ? 1.0 : 0.0;
    state[3] = net->kind == WH_NET_INTERNEURON ? f->p : f->centre;
    if (net->kind == WH_NET_INTERNEURON) {
        memcpy(state + HEADER, net->L, nn * sizeof *state);
        memcpy(state + HEADER + nn, f->P, nn * sizeof *state);
        const wh__block *b = f->block;
        double *lazy = state + HEADER + 2 * nn;
        memset(lazy, 0, lazy_size(net) * sizeof *lazy);
        if (b->lazy) {
            lazy[0] = 1.0;
            memcpy(lazy + 1, b->Q, nn * sizeof *lazy);
            memcpy(lazy + 1 + nn, net->W, net->n * net->k * sizeof *lazy);
        }
    } else {
        lower_of(net->n, net->L, state + HEADER);
        lower_of(net->n, f->Mr, state + HEADER + nn);
        /* Rows past `since` are left from earlier periods and never read: saved as zeros. */
        const size_t kept = (f->since < f->ycap ? f->since : f->ycap) * net->n;
        memcpy(state + HEADER + 2 * nn, f->Y, kept * sizeof *state);
        memset(state + HEADER + 2 * nn + kept, 0, (f->ycap * net->n - kept) * sizeof *state);
        state[size - 1] = f->drift;
    }
    return WH_OK;
}

static wh_status check_solver_state(const wh_net *net, const double *state, size_t size)
{
    if (state == NULL || size == 0 || size != wh_net_solver_state_size(net))
        return WH_EINVAL;
    if (!wh__finite(1, size, state, size))
        return WH_ENONFINITE;
    const double since = state[1];
    if (state[0] != layout(net) || !(since >= 0.0 && since < (double)net->refresh) ||
        since != floor(since) || (state[2] != 0.0 && state[2] != 1.0) ||
        !(state[3] > 0.0 || (net->kind == WH_NET_DIRECT && state[3] == 0.0)))
        return WH_EINVAL;
    /* The direct path keeps one row of Y per sample since the refresh: more samples since
     * than the count the synapses were restored with allows would run past Y. Only a failed
     * refactor (stale) leaves since = 1 on a period's first sample. */
    if (net->kind == WH_NET_DIRECT && since > (double)(net->samples % net->refresh) &&
        !(since == 1.0 && state[2] == 1.0))
        return WH_EINVAL;
    if (net->kind == WH_NET_INTERNEURON) {
        const double *lazy = state + HEADER + 2 * net->n * net->n;
        if (lazy[0] != 0.0 && lazy[0] != 1.0)
            return WH_EINVAL;
    } else if (!(state[size - 1] >= 0.0)) {
        return WH_EINVAL; /* the sum of the rates since the refresh */
    }
    return WH_OK;
}

wh_status wh_net_set_solver_state(wh_net *net, const double *state, size_t size)
{
    wh_status st = check_solver_state(net, state, size);
    if (st != WH_OK)
        return st;
    const size_t nn = net->n * net->n;
    wh__fast *f = net->fast;
    f->since = (size_t)state[1];
    f->stale = state[2] != 0.0;
    f->inverse_ok = false;
    memcpy(net->L, state + HEADER, nn * sizeof *state);
    if (net->kind == WH_NET_INTERNEURON) {
        f->p = state[3];
        memcpy(f->P, state + HEADER + nn, nn * sizeof *state);
        const double *lazy = state + HEADER + 2 * nn;
        if (lazy[0] != 0.0)
            wh__block_resume(net, lazy + 1, lazy + 1 + nn);
    } else {
        f->centre = state[3];
        memcpy(f->Mr, state + HEADER + nn, nn * sizeof *state);
        memcpy(f->Y, state + HEADER + 2 * nn, f->ycap * net->n * sizeof *state);
        f->drift = state[size - 1];
        /* The M just restored from the synapses is the one formed at this count. */
        f->m_since = f->since;
    }
    return WH_OK;
}
