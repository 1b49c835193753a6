/*
 * direct_exact.c: Algorithm 1 (direct recurrent connections) on its exact path.
 *
 * Each sample: solve for the output (y = M^{-1} x by the Cholesky factor kept
 * with the network, or the simulated neural dynamics); propose
 * M + eta (y y^T - I); keep it only if it factors (Cholesky, O(n^3)), so a
 * loss of positive definiteness is refused at the very sample it happens.
 */
#include "core/linalg.h"
#include "net/net.h"

static wh_status create(wh_net *net, const wh_net_options *opts)
{
    wh_status st = wh__synapses_alloc(net, false);
    return st == WH_OK ? wh__init_direct(net, &opts->init) : st;
}

static void destroy(wh_net *net)
{
    wh__synapses_free(net);
}

static wh_status respond(wh_net *net, const double *x, size_t *iterations)
{
    *iterations = 0;
    if (net->neural.mode == WH_NEURAL_SIMULATED)
        return wh__neural_simulate(net, x, false, iterations);
    wh__neural_solve(net, x, false);
    return WH_OK;
}

static wh_status learn(wh_net *net, const double *x, size_t *iterations)
{
    wh_status st = respond(net, x, iterations);
    if (st != WH_OK)
        return st;
    wh__direct_propose_online(net);
    return wh__net_accept(net);
}

static wh_status learn_expected(wh_net *net, const double *C, size_t ldc)
{
    return wh__net_expected(net, C, ldc, wh__direct_propose_summed);
}

static wh_status learn_minibatch(wh_net *net, size_t count, const double *X, size_t ldx, double *Y,
                                 size_t ldy)
{
    return wh__net_minibatch(net, count, X, ldx, Y, ldy, wh__direct_propose_summed);
}

static const double *lateral(wh_net *net)
{
    return net->M;
}

static wh_status copy_lateral(const wh_net *net, double *M, size_t ldm)
{
    wh__copy(net->n, net->n, net->M, net->n, M, ldm);
    return WH_OK;
}

const wh__net_ops wh__direct_exact_ops = {
    .name = "direct, exact (Cholesky per sample)",
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
    .restore = wh__synapses_restore_lateral,
    .state_size = NULL,
    .get_state = NULL,
    .set_state = NULL,
};
