/*
 * average.c: fit --average (average.h).
 */
#include "cli/average.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/data.h"
#include "core/alloc.h"
#include "core/linalg.h"
#include "net/view.h"

static bool averages_gains(const wh_net *net)
{
    return wh_net_get_kind(net) == WH_NET_GAIN;
}

int wh__cli_average_start(const char *command, wh_net *net, double fraction, uint64_t total,
                          wh__cli_average *a)
{
    *a = (wh__cli_average){NULL, 0, 0.0, 0};
    if (fraction == 0.0)
        return WH__EXIT_OK;
    if (wh_net_get_kind(net) == WH_NET_GAIN_SYNAPSE) {
        fprintf(stderr, "whiten %s: option --average: gains plus synapses have no average "
                        "network (M is not linear in W and g together)\n", command);
        return WH__EXIT_USAGE;
    }
    const size_t n = wh_net_n(net);
    a->len = averages_gains(net) ? wh_net_k(net) : n * n;
    a->sum = wh__alloc(a->len, sizeof *a->sum);
    if (a->sum == NULL)
        return wh__cli_fail(command, "--average", WH_ENOMEM);
    const uint64_t last = (uint64_t)ceil(fraction * (double)total);
    a->from = total - (last < total ? last : total);
    return WH__EXIT_OK;
}

void wh__cli_average_add(wh__cli_average *a, wh_net *net, uint64_t end, size_t count)
{
    if (a->len == 0 || end <= a->from)
        return;
    const double w = (double)(end - a->from < count ? end - a->from : count);
    const double *x = averages_gains(net) ? wh_net_gains(net) : wh__net_lateral(net);
    for (size_t i = 0; i < a->len; i++)
        a->sum[i] += w * x[i];
    a->weight += w;
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

int wh__cli_average_finish(const char *command, wh__cli_average *a, wh_net *net)
{
    if (a->len == 0 || !(a->weight > 0.0))
        return WH__EXIT_OK;
    for (size_t i = 0; i < a->len; i++)
        a->sum[i] /= a->weight;
    wh_status st;
    if (averages_gains(net))
        st = wh_net_restore_gains(net, NULL, wh_net_k(net), a->sum, wh_net_samples(net));
    else if (wh_net_get_kind(net) == WH_NET_DIRECT)
        st = wh_net_restore(net, a->sum, wh_net_n(net), wh_net_samples(net));
    else
        st = restore_interneurons(net, a->sum);
    return st == WH_OK ? WH__EXIT_OK : wh__cli_fail(command, "--average", st);
}

void wh__cli_average_free(wh__cli_average *a)
{
    wh__free(a->sum);
    *a = (wh__cli_average){NULL, 0, 0.0, 0};
}
