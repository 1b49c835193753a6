/*
 * respond.c: the output of a frozen network, without learning.
 *
 * The same neural dynamics as a learning step (exact or simulated), but the
 * synapses stay as they are: this is what `whiten apply` does by default.
 */
#include <string.h>

#include "core/linalg.h"
#include "net/net.h"

wh_status wh_net_respond(wh_net *net, const double *x, double *y, double *z, wh_step_info *info)
{
    if (info != NULL) {
        info->sample = net->samples;
        info->iterations = 0;
    }
    if (!wh__finite(1, net->n, x, net->n))
        return WH_ENONFINITE;
    size_t iterations = 0;
    wh_status st = wh__net_respond(net, x, &iterations);
    if (info != NULL)
        info->iterations = iterations;
    if (st != WH_OK)
        return st;
    wh__net_copy_outputs(net, y, z);
    return WH_OK;
}
