/*
 * average.c: fit --average (average.h), over the library's wh_average.
 */
#include "cli/average.h"

#include <math.h>
#include <stdio.h>

#include "cli/commands.h"
#include "cli/data.h"

int wh__cli_average_start(const char *command, wh_net *net, double fraction, uint64_t total,
                          wh__cli_average *a)
{
    *a = (wh__cli_average){NULL, 0};
    if (fraction == 0.0)
        return WH__EXIT_OK;
    if (wh_net_get_kind(net) == WH_NET_GAIN_SYNAPSE) {
        fprintf(stderr, "whiten %s: option --average: gains plus synapses have no average "
                        "network (M is not linear in W and g together)\n", command);
        return WH__EXIT_USAGE;
    }
    const wh_status st = wh_average_new(net, &a->average);
    if (st != WH_OK)
        return wh__cli_fail(command, "--average", st);
    const uint64_t last = (uint64_t)ceil(fraction * (double)total);
    a->from = total - (last < total ? last : total);
    return WH__EXIT_OK;
}

void wh__cli_average_add(wh__cli_average *a, wh_net *net, uint64_t end, size_t count)
{
    if (a->average == NULL || end <= a->from)
        return;
    wh_average_add(a->average, net, (double)(end - a->from < count ? end - a->from : count));
}

int wh__cli_average_finish(const char *command, wh__cli_average *a, wh_net *net)
{
    if (a->average == NULL || !(wh_average_weight(a->average) > 0.0))
        return WH__EXIT_OK;
    const wh_status st = wh_average_apply(a->average, net);
    return st == WH_OK ? WH__EXIT_OK : wh__cli_fail(command, "--average", st);
}

void wh__cli_average_free(wh__cli_average *a)
{
    wh_average_free(a->average);
    *a = (wh__cli_average){NULL, 0};
}
