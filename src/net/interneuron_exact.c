/*
 * interneuron_exact.c: Algorithm 2 (recurrence through k interneurons) on its
 * exact path.
 *
 * Each sample: solve for the output (y = M^{-1} x, M = W W^T, by the Cholesky
 * factor kept with the network, or the simulated neural dynamics of the
 * circuit), z = W^T y; propose W' = (1 - eta) W + eta y z^T and M' = W' W'^T;
 * keep them only if M' factors (O(n^2 k + n^3)).
 */
#include "core/linalg.h"
#include "net/net.h"

static wh_status create(wh_net *net, const wh_net_options *opts)
{
    wh_status st = wh__synapses_alloc(net, true);
    return st == WH_OK ? wh__init_interneurons(net, &opts->init) : st;
}

static void destroy(wh_net *net)
{
    wh__synapses_free(net);
}

static wh_status respond(wh_net *net, const double *x, size_t *iterations)
{
    *iterations = 0;
    if (net->neural.mode == WH_NEURAL_SIMULATED)
        return wh__neural_simulate(net, x, true, iterations);
    wh__neural_solve(net, x, true);
    return WH_OK;
}

static wh_status learn(wh_net *net, const double *x, size_t *iterations)
{
    wh_status st = respond(net, x, iterations);
    if (st != WH_OK)
        return st;
    wh__interneuron_propose_online(net);
    return wh__net_accept(net);
}

static wh_status learn_expected(wh_net *net, const double *C, size_t ldc)
{
    return wh__net_expected(net, C, ldc, wh__interneuron_propose_summed);
}

static wh_status learn_minibatch(wh_net *net, size_t count, const double *X, size_t ldx, double *Y,
                                 size_t ldy)
{
    return wh__net_minibatch(net, count, X, ldx, Y, ldy, wh__interneuron_propose_summed);
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

static wh_status copy_weights(const wh_net *net, double *W, size_t ldw)
{
    wh__copy(net->n, net->k, net->W, net->k, W, ldw);
    return WH_OK;
}

static const double *weights(wh_net *net)
{
    return net->W;
}

const wh__net_ops wh__interneuron_exact_ops = {
    .name = "interneurons, exact (Cholesky per sample)",
    .has_z = true,
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
    .copy_weights = copy_weights,
    .weights = weights,
    .restore = wh__synapses_restore_weights,
    .state_size = NULL,
    .get_state = NULL,
    .set_state = NULL,
};
