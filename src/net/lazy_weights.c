/*
 * lazy_weights.c: the interneuron weights held as a product Q W.
 *
 * The blocked interneuron path (interneuron_block.c) updates the n x n product
 * Q of every B = (1-eta) I + eta y y^T since the weights were last formed,
 * instead of the n x k W (half the work at k = 2n): the synapses are Q W with
 * W = net->W. They are formed (one dgemm) for a reader into a cache, and folded
 * into net->W before any step that updates W itself (the per-sample path,
 * interneuron_fast.c). Both give the same bits, and a reader changes nothing
 * the learning depends on. Without a block workspace (no blocked path) the
 * weights are simply net->W.
 */

#include <math.h>

#include "core/linalg.h"
#include "net/fast.h"

static const wh__block *lazy_block(const wh_net *net)
{
    const wh__block *b = net->fast != NULL ? net->fast->block : NULL;
    return b != NULL && b->lazy ? b : NULL;
}

/* dst = Q W (n x k, leading dimension ldd): the weights the lazy representation stands
 * for. */
static void lazy_product(const wh_net *net, double *dst, size_t ldd)
{
    const wh__block *b = net->fast->block;
    const size_t n = net->n, k = net->k;
    wh__gemm(false, false, n, k, n, 1.0, b->Q, n, net->W, k, 0.0, dst, ldd);
}

const double *wh__lazy_weights(wh_net *net)
{
    if (lazy_block(net) == NULL)
        return net->W;
    wh__block *b = net->fast->block; /* the view is a cache this call fills: not const */
    if (!b->view_ok) {
        lazy_product(net, b->Wv, net->k);
        b->view_ok = true;
    }
    return b->Wv;
}

const double *wh__lazy_view(const wh_net *net)
{
    const wh__block *b = lazy_block(net);
    return b == NULL ? net->W : (b->view_ok ? b->Wv : NULL);
}

void wh__lazy_copy(const wh_net *net, double *W, size_t ldw)
{
    const double *view = wh__lazy_view(net);
    if (view != NULL)
        wh__copy(net->n, net->k, view, net->k, W, ldw);
    else
        lazy_product(net, W, ldw);
}

void wh__lazy_settle(wh_net *net)
{
    if (lazy_block(net) == NULL)
        return;
    wh__block *b = net->fast->block;
    lazy_product(net, net->W_next, net->k);
    double *t = net->W;
    net->W = net->W_next;
    net->W_next = t;
    b->lazy = b->view_ok = false;
}

void wh__lazy_forget(wh_net *net)
{
    wh__block *b = net->fast != NULL ? net->fast->block : NULL;
    if (b != NULL)
        b->lazy = b->view_ok = false;
}

/* A product Q running over net->W: the sum of squares of W for the overflow bound. */
static void lazy_begin(wh_net *net)
{
    wh__block *b = net->fast->block;
    b->wsq = wh__dot((net->n * net->k), net->W, net->W);
    b->lazy = true;
    b->view_ok = false;
}

void wh__lazy_resume(wh_net *net, const double *Q, const double *W)
{
    wh__copy(net->n, net->n, Q, net->n, net->fast->block->Q, net->n);
    wh__copy(net->n, net->k, W, net->k, net->W, net->k);
    lazy_begin(net);
    wh__block *b = net->fast->block;
    b->qnorm = sqrt(wh__dot(net->n * net->n, b->Q, b->Q)) * WH__QNORM_SLACK;
}

void wh__lazy_start(wh_net *net)
{
    if (net->fast->block->lazy)
        return;
    wh__set_identity(net->n, 1.0, net->fast->block->Q, net->n);
    net->fast->block->qnorm = sqrt((double)net->n);
    lazy_begin(net);
}
