/*
 * gain_path.c: the gain circuits (science.md §7) as paths of a wh_net.
 *
 * Two tables over one module, src/net/gain.c: WH_NET_GAIN (a fixed frame, eta_w = 0)
 * and WH_NET_GAIN_SYNAPSE (synapses learning at gain.eta_w, columns renormalised).
 * The gains learn at the network's rate (wh__net_rate: eta and its schedule). Each step
 * is exact (a Cholesky factor of M per sample), so there is no fast path. The gains are
 * state beyond the synapses: they travel as the path's solver state (K values), and
 * wh_net_restore_gains() puts both back in one call.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "net/gain.h"
#include "net/net.h"
#include "net/view.h"
#include "whiten/gain.h"

/* Which frame a circuit of K interneurons starts from. */
static int resolve_frame(const wh_net_options *o, bool fixed, size_t K)
{
    if (o->gain.frame != WH_FRAME_DEFAULT)
        return o->gain.frame;
    return fixed && K == wh_frame_full_size(o->n) ? WH_FRAME_PAIRS : WH_FRAME_RANDOM;
}

/* The initial frame into W (n x K, tight). */
static wh_status initial_frame(const wh_net_options *o, bool fixed, size_t K, double *W)
{
    switch (resolve_frame(o, fixed, K)) {
    case WH_FRAME_RANDOM:
        return wh_frame_random(o->n, K, o->init.seed, W, K);
    case WH_FRAME_PAIRS:
        return K == wh_frame_full_size(o->n) ? wh_frame_pairs(o->n, W, K) : WH_EDIM;
    case WH_FRAME_MATRIX: {
        const size_t ld = o->gain.ld == 0 ? K : o->gain.ld;
        if (o->gain.matrix == NULL || ld < K)
            return WH_EINVAL;
        wh__copy(o->n, K, o->gain.matrix, ld, W, K);
        return WH_OK;
    }
    default:
        return WH_EINVAL;
    }
}

static wh_status check_gain_options(const wh_net_options *o, bool fixed)
{
    if (!isfinite(o->gain.eta_w) || !isfinite(o->gain.alpha) || !isfinite(o->gain.g0))
        return WH_ENONFINITE;
    if (!fixed && !(o->gain.eta_w > 0.0 && o->gain.eta_w < 1.0))
        return WH_EETA;
    /* Only the exact equilibrium: there are no simulated gain dynamics. */
    return o->neural.mode == WH_NEURAL_EXACT ? WH_OK : WH_EINVAL;
}

static wh_status create(wh_net *net, const wh_net_options *o, bool fixed)
{
    wh_status st = check_gain_options(o, fixed);
    if (st != WH_OK)
        return st;
    size_t nk;
    if (!wh__size_mul(net->n, net->k, &nk))
        return WH_EOVERFLOW;
    double *W = wh__alloc(nk, sizeof *W);
    if (W == NULL)
        return WH_ENOMEM;
    st = initial_frame(o, fixed, net->k, W);
    if (st == WH_OK) {
        const wh__gain_options go = {.n = net->n,
                                     .K = net->k,
                                     .alpha = o->gain.alpha,
                                     .eta_g = net->eta,
                                     .eta_w = fixed ? 0.0 : o->gain.eta_w,
                                     .renormalise = !fixed,
                                     .W0 = W,
                                     .ldw = net->k,
                                     .g0_value = o->gain.g0};
        st = wh__gain_new(&go, &net->gain);
    }
    wh__free(W);
    return st;
}

static wh_status create_gain(wh_net *net, const wh_net_options *opts)
{
    return create(net, opts, true);
}

static wh_status create_gain_synapse(wh_net *net, const wh_net_options *opts)
{
    return create(net, opts, false);
}

static void destroy(wh_net *net)
{
    wh__gain_free(net->gain);
    net->gain = NULL;
}

static void copy_outputs(wh_net *net)
{
    memcpy(net->y, net->gain->y, net->n * sizeof *net->y);
    memcpy(net->z, net->gain->z, net->k * sizeof *net->z);
}

static wh_status respond(wh_net *net, const double *x, size_t *iterations)
{
    *iterations = 0;
    const wh_status st = wh__gain_respond(net->gain, x);
    if (st == WH_OK)
        copy_outputs(net);
    return st;
}

/* The gains learn at this sample's scheduled rate. */
static wh_status learn(wh_net *net, const double *x, size_t *iterations)
{
    *iterations = 0;
    net->gain->eta_g = wh__net_rate(net);
    wh_status st = wh__gain_step(net->gain, x);
    net->samples = net->gain->samples;
    if (st == WH_OK)
        copy_outputs(net);
    return st;
}

static wh_status learn_expected(wh_net *net, const double *C, size_t ldc)
{
    net->gain->eta_g = wh__net_rate(net);
    wh_status st = wh__gain_step_expected(net->gain, C, ldc);
    net->samples = net->gain->samples;
    return st;
}

static const double *lateral(wh_net *net)
{
    return wh__gain_lateral(net->gain);
}

static const double *weights(wh_net *net)
{
    return net->gain->W;
}

/* The same bits as lateral(): on the fast path M's upper triangle, mirrored. */
static wh_status copy_lateral(const wh_net *net, double *M, size_t ldm)
{
    const size_t n = net->n;
    if (!net->gain->fast) /* M formed in scratch if the step did not form it */
        return wh__gain_copy_lateral(net->gain, M, ldm);
    const double *m = net->gain->M;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++)
            M[i * ldm + j] = M[j * ldm + i] = m[i * n + j];
    return WH_OK;
}

static wh_status copy_weights(const wh_net *net, double *W, size_t ldw)
{
    wh__copy(net->n, net->k, net->gain->W, net->k, W, ldw);
    return WH_OK;
}

/* Synapses back (gain-synapse), or the frame itself (gain: it is fixed, so only the very
 * same frame is accepted), with the gains as they are. */
static wh_status restore(wh_net *net, const double *W, size_t ld, uint64_t samples)
{
    wh__gain *c = net->gain;
    const bool fixed = c->eta_w == 0.0;
    for (size_t i = 0; fixed && i < net->n; i++)
        if (memcmp(W + i * ld, c->W + i * net->k, net->k * sizeof *W) != 0)
            return WH_EINVAL;
    wh_status st = wh__gain_restore(c, fixed ? NULL : W, ld, c->g, samples);
    if (st == WH_OK)
        net->samples = samples;
    return st;
}

static size_t state_size(const wh_net *net)
{
    return net->k;
}

static void get_state(const wh_net *net, double *state)
{
    memcpy(state, net->gain->g, net->k * sizeof *state);
}

static wh_status set_state(wh_net *net, const double *state)
{
    wh_status st = wh__gain_restore(net->gain, NULL, 0, state, net->samples);
    return st == WH_OK ? WH_OK : WH_EINVAL;
}

/* The fast path: conjugate gradients between refreshes (gain.c, "The fast path"); a frame
 * that does not qualify (dense) runs exact steps under this table. */
static wh_status create_gain_fast(wh_net *net, const wh_net_options *opts)
{
    wh_status st = create(net, opts, true);
    return st == WH_OK ? wh__gain_enable_fast(net->gain) : st;
}

static wh_status learn_fast(wh_net *net, const double *x, size_t *iterations)
{
    *iterations = 0;
    net->gain->eta_g = wh__net_rate(net);
    const uint64_t before = net->gain->cg_iterations;
    wh_status st = wh__gain_step_fast(net->gain, x);
    *iterations = (size_t)(net->gain->cg_iterations - before);
    net->samples = net->gain->samples;
    if (st == WH_OK)
        copy_outputs(net);
    return st;
}

static size_t state_size_fast(const wh_net *net)
{
    return net->k + (net->gain->fast ? wh__gain_fast_state_size(net->gain) : 0);
}

static void get_state_fast(const wh_net *net, double *state)
{
    memcpy(state, net->gain->g, net->k * sizeof *state);
    if (net->gain->fast)
        wh__gain_fast_get_state(net->gain, state + net->k);
}

static wh_status set_state_fast(wh_net *net, const double *state)
{
    if (!net->gain->fast)
        return set_state(net, state);
    wh_status st = wh__gain_fast_set_state(net->gain, state, state + net->k);
    return st == WH_OK ? WH_OK : WH_EINVAL;
}

const wh__net_ops wh__gain_ops = {
    .name = "gain modulation, exact (Cholesky per sample)",
    .has_z = true,
    .create = create_gain,
    .destroy = destroy,
    .respond = respond,
    .learn = learn,
    .learn_expected = learn_expected,
    .lateral = lateral,
    .copy_lateral = copy_lateral,
    .copy_weights = copy_weights,
    .weights = weights,
    .restore = restore,
    .state_size = state_size,
    .get_state = get_state,
    .set_state = set_state,
};

const wh__net_ops wh__gain_fast_ops = {
    .name = "gain modulation, fast (conjugate gradients, factor at refreshes)",
    .has_z = true,
    .create = create_gain_fast,
    .destroy = destroy,
    .respond = respond,
    .learn = learn_fast,
    .learn_expected = learn_expected,
    .lateral = lateral,
    .copy_lateral = copy_lateral,
    .copy_weights = copy_weights,
    .weights = weights,
    .restore = restore,
    .state_size = state_size_fast,
    .get_state = get_state_fast,
    .set_state = set_state_fast,
};

const wh__net_ops wh__gain_synapse_ops = {
    .name = "gains plus synapses, exact (Cholesky per sample)",
    .has_z = true,
    .create = create_gain_synapse,
    .destroy = destroy,
    .respond = respond,
    .learn = learn,
    .learn_expected = learn_expected,
    .lateral = lateral,
    .copy_lateral = copy_lateral,
    .copy_weights = copy_weights,
    .weights = weights,
    .restore = restore,
    .state_size = state_size,
    .get_state = get_state,
    .set_state = set_state,
};

const double *wh_net_gains(const wh_net *net)
{
    return net != NULL && net->gain != NULL ? net->gain->g : NULL;
}

double wh_net_gain_alpha(const wh_net *net)
{
    if (net == NULL)
        return (double)NAN;
    return net->gain != NULL ? net->gain->alpha : 0.0;
}

double wh_net_gain_eta_w(const wh_net *net)
{
    if (net == NULL)
        return (double)NAN;
    return net->gain != NULL ? net->gain->eta_w : 0.0;
}

wh_status wh_net_restore_gains(wh_net *net, const double *W, size_t ldw, const double *g,
                               uint64_t samples)
{
    if (net == NULL || net->gain == NULL)
        return WH_EINVAL;
    wh_status st = wh__gain_restore(net->gain, W, ldw, g, samples);
    if (st == WH_OK)
        net->samples = samples;
    return st;
}

bool wh__net_gain_work(const wh_net *net, uint64_t counts[6])
{
    if (net == NULL || net->gain == NULL || !net->gain->fast)
        return false;
    const wh__gain *c = net->gain;
    counts[0] = c->cg_solves, counts[1] = c->cg_iterations, counts[2] = c->refreshes;
    counts[3] = c->inverses, counts[4] = c->factors, counts[5] = c->pairs ? 1 : 0;
    return true;
}
