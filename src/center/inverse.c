/*
 * inverse.c: from outputs back to inputs, x = M y + mu (whiten/center.h).
 *
 * Beside centring rather than inside the networks: it needs only the lateral
 * weights a network already exposes, and the mean of the stage before it.
 */
#include "core/linalg.h"
#include "whiten/center.h"
#include "net/view.h"

wh_status wh_inverse(wh_net *net, const wh_center *c, const double *y, double *x)
{
    if (net == NULL || y == NULL || x == NULL)
        return WH_EINVAL;
    const size_t n = wh_net_n(net);
    if (c != NULL && wh_center_n(c) != n)
        return WH_EINVAL;
    if (!wh__finite(1, n, y, n))
        return WH_ENONFINITE;
    /* M is symmetric with both triangles filled; the lower one is enough. */
    wh__symv_lower(n, 1.0, wh__net_lateral(net), n, y, x);
    if (c != NULL)
        wh_center_add(c, x, x);
    return WH_OK;
}
