/*
 * fast.c: the fast solvers' state, and the dispatch between the networks.
 */
#include "net/fast.h"

#include "core/alloc.h"
#include "core/linalg.h"

wh_status wh__fast_new(wh_net *net)
{
    size_t nn;
    if (!wh__size_mul(net->n, net->n, &nn))
        return WH_EOVERFLOW;
    wh__fast *f = net->fast = wh__alloc(1, sizeof *f);
    if (f == NULL)
        return WH_ENOMEM;
    f->stale = true;
    f->p = 1.0;
    double **vectors[] = {&f->u, &f->v, &f->r, &f->d, &f->q, &f->s};
    for (size_t i = 0; i < sizeof vectors / sizeof *vectors; i++)
        if ((*vectors[i] = wh__alloc(net->n, sizeof(double))) == NULL)
            return WH_ENOMEM;
    if (net->kind != WH_NET_INTERNEURON) {
        f->ycap = net->refresh - 1 < WH__CG_RANK_MAX ? net->refresh - 1 : WH__CG_RANK_MAX;
        size_t yn, rows;
        if (!wh__size_mul(f->ycap, net->n, &yn) || !wh__size_mul(f->ycap + 1, net->n, &rows))
            return WH_EOVERFLOW;
        f->Ad = wh__alloc(net->n, sizeof(double));
        f->lazy_lateral = f->ycap + 1 == net->refresh;
        f->Y = wh__alloc(rows, sizeof(double));
        f->Mr = wh__alloc(nn, sizeof(double));
        f->t = wh__alloc(f->ycap > 0 ? f->ycap : 1, sizeof(double));
        f->P = wh__alloc(nn, sizeof(double));
        f->H = wh__alloc(yn > 0 ? yn : 1, sizeof(double));
        f->K = wh__alloc(WH__CG_RANK_MAX * WH__CG_RANK_MAX, sizeof(double));
        return f->Ad && f->Y && f->Mr && f->t && f->P && f->H && f->K ? WH_OK : WH_ENOMEM;
    }
    if ((f->P = wh__alloc(nn, sizeof(double))) == NULL)
        return WH_ENOMEM;
    return wh__block_new(net);
}

void wh__fast_free(wh__fast *f)
{
    if (f == NULL)
        return;
    double *buffers[] = {f->P,  f->u, f->v,  f->r, f->d, f->q, f->s,
                         f->Ad, f->Y, f->Mr, f->t, f->H, f->K};
    for (size_t i = 0; i < sizeof buffers / sizeof *buffers; i++)
        wh__free(buffers[i]);
    wh__block_free(f->block);
    wh__free(f);
}

void wh__net_synapses_changed(wh_net *net)
{
    /* Whoever replaced the synapses left M and L consistent; only P is stale. */
    if (net->fast != NULL) {
        net->fast->stale = true;
        net->fast->since = 0;
        net->fast->inverse_ok = false;
        if (net->kind == WH_NET_DIRECT)
            wh__fast_direct_restart(net);
        wh__block_forget(net);
    }
}

wh_status wh__fast_step(wh_net *net, const double *x, size_t *iterations)
{
    *iterations = 0;
    if (net->kind == WH_NET_INTERNEURON)
        return wh__fast_interneuron_step(net, x);
    return wh__fast_direct_step(net, x, iterations);
}

wh_status wh__fast_respond(wh_net *net, const double *x, size_t *iterations)
{
    *iterations = 0;
    if (net->kind == WH_NET_INTERNEURON)
        return wh__fast_interneuron_respond(net, x);
    return wh__fast_direct_respond(net, x, iterations);
}

void wh__fast_lateral(wh_net *net)
{
    wh__fast *f = net->fast;
    if (f != NULL && net->kind == WH_NET_DIRECT)
        wh__fast_direct_lateral(net);
    if (f == NULL || !f->lateral_stale)
        return;
    if (net->kind == WH_NET_INTERNEURON)
        wh__gram(net->n, net->k, wh__block_weights(net), net->k, net->M, net->n);
    else
        wh__mirror_lower(net->n, net->M, net->n);
    f->lateral_stale = false;
}

wh_status wh__fast_sync(wh_net *net)
{
    /* Called before learning off the per-sample and blocked paths, which update W itself. */
    if (net->fast != NULL && net->kind == WH_NET_INTERNEURON)
        wh__block_settle(net);
    wh__fast_lateral(net);
    /* A direct factor of a centred M_r is not M's either. */
    if (net->fast == NULL || (net->fast->since == 0 && net->fast->centre == 0.0))
        return WH_OK;
    if (net->kind == WH_NET_INTERNEURON)
        return wh__fast_interneuron_rederive(net);
    return wh__fast_direct_refactor(net);
}
