/*
 * average.c: Polyak-Ruppert averaging of a network's M or gains (whiten/average.h).
 *
 * Beside the networks rather than inside them, like wh_inverse(): it needs only what a
 * network exposes (M, the gains) and its restore calls.
 */
#include "whiten/average.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "net/view.h"

struct wh_average {
    wh_net_kind kind;
    size_t n, k;
    size_t len;    /* values in sum: n * n, or k gains */
    double *sum;   /* sum of w M (or w g) */
    double weight; /* sum of w */
};

static bool averages_gains(wh_net_kind kind)
{
    return kind == WH_NET_GAIN;
}

wh_status wh_average_new(const wh_net *net, wh_average **out)
{
    if (out != NULL)
        *out = NULL;
    if (net == NULL || out == NULL || wh_net_get_kind(net) == WH_NET_GAIN_SYNAPSE)
        return WH_EINVAL;
    const wh_net_kind kind = wh_net_get_kind(net);
    const size_t n = wh_net_n(net), k = wh_net_k(net);
    size_t len = k;
    if (!averages_gains(kind) && !wh__size_mul(n, n, &len))
        return WH_EOVERFLOW;
    wh_average *a = wh__alloc(1, sizeof *a);
    if (a == NULL)
        return WH_ENOMEM;
    *a = (wh_average){kind, n, k, len, wh__alloc(len, sizeof(double)), 0.0};
    if (a->sum == NULL) {
        wh_average_free(a);
        return WH_ENOMEM;
    }
    *out = a;
    return WH_OK;
}

void wh_average_free(wh_average *a)
{
    if (a == NULL)
        return;
    wh__free(a->sum);
    wh__free(a);
}

static bool same_network(const wh_average *a, const wh_net *net)
{
    return wh_net_get_kind(net) == a->kind && wh_net_n(net) == a->n && wh_net_k(net) == a->k;
}

wh_status wh_average_add(wh_average *a, wh_net *net, double w)
{
    if (a == NULL || net == NULL || !(w > 0.0 && isfinite(w)) || !same_network(a, net))
        return WH_EINVAL;
    const double *x = averages_gains(a->kind) ? wh_net_gains(net) : wh__net_lateral(net);
    for (size_t i = 0; i < a->len; i++)
        a->sum[i] += w * x[i];
    a->weight += w;
    return WH_OK;
}

double wh_average_weight(const wh_average *a)
{
    return a != NULL ? a->weight : 0.0;
}

/* Interneurons: W = [Mbar^(1/2) 0], n x k. */
static wh_status restore_interneurons(wh_net *net, const double *M)
{
    const size_t n = wh_net_n(net), k = wh_net_k(net);
    double *S = wh__alloc(n * n, sizeof *S), *W = wh__alloc(n * k, sizeof *W);
    wh__eig e = {0};
    wh_status st = S == NULL || W == NULL ? WH_ENOMEM : wh__eig_init(&e, n);
    if (st == WH_OK)
        st = wh__sym_power(&e, M, n, 0.5, S, n);
    for (size_t i = 0; st == WH_OK && i < n; i++)
        memcpy(W + i * k, S + i * n, n * sizeof *W);
    if (st == WH_OK)
        st = wh_net_restore(net, W, k, wh_net_samples(net));
    wh__eig_free(&e);
    wh__free(S);
    wh__free(W);
    return st;
}

wh_status wh_average_apply(const wh_average *a, wh_net *net)
{
    if (a == NULL || net == NULL || !(a->weight > 0.0) || !same_network(a, net))
        return WH_EINVAL;
    double *mean = wh__alloc(a->len, sizeof *mean);
    if (mean == NULL)
        return WH_ENOMEM;
    for (size_t i = 0; i < a->len; i++)
        mean[i] = a->sum[i] / a->weight;
    wh_status st;
    if (averages_gains(a->kind))
        st = wh_net_restore_gains(net, NULL, a->k, mean, wh_net_samples(net));
    else if (a->kind == WH_NET_DIRECT)
        st = wh_net_restore(net, mean, a->n, wh_net_samples(net));
    else
        st = restore_interneurons(net, mean);
    wh__free(mean);
    return st;
}
