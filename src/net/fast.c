/*
 * fast.c: the fast paths' state (fast.h): its allocation and release. Each
 * path (direct_cg.c, interneuron_block.c) adds the buffers it needs.
 */
#include "net/fast.h"

#include "core/alloc.h"
#include "core/linalg.h"

wh_status wh__fast_new(wh_net *net)
{
    wh__fast *f = net->fast = wh__alloc(1, sizeof *f);
    if (f == NULL)
        return WH_ENOMEM;
    f->stale = true;
    f->p = 1.0;
    double **vectors[] = {&f->u, &f->v, &f->r, &f->d, &f->q, &f->s};
    for (size_t i = 0; i < sizeof vectors / sizeof *vectors; i++)
        if ((*vectors[i] = wh__alloc(net->n, sizeof(double))) == NULL)
            return WH_ENOMEM;
    return WH_OK;
}

static void block_free(wh__block *b)
{
    if (b == NULL)
        return;
    double *buffers[] = {b->G, b->V, b->S, b->T, b->YW, b->a, b->b, b->r, b->Q, b->Q_next, b->Wv,
                          b->P_full};
    for (size_t i = 0; i < sizeof buffers / sizeof *buffers; i++)
        wh__free(buffers[i]);
    wh__free(b);
}

void wh__fast_free(wh__fast *f)
{
    if (f == NULL)
        return;
    double *buffers[] = {f->P,  f->u, f->v,  f->r, f->d, f->q, f->s,
                         f->Ad, f->Y, f->Mr, f->t, f->H, f->K};
    for (size_t i = 0; i < sizeof buffers / sizeof *buffers; i++)
        wh__free(buffers[i]);
    block_free(f->block);
    wh__free(f);
}
