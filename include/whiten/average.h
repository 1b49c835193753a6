/*
 * whiten/average.h: Polyak-Ruppert averaging, the stage after a network learns.
 *
 * An online estimate at a learning rate eta hovers around its target with a
 * spread of order sqrt(eta); the weighted mean of its iterates over a stretch
 * much longer than their correlation time (about 1/eta samples),
 *
 *   Mbar = sum_i w_i M_i / sum_i w_i,
 *
 * hovers far less. The caller decides where the iterates are taken (`whiten
 * fit --average` takes the M at the end of each chunk of up to 64 samples,
 * weighted by the chunk's samples inside the averaged stretch) and then puts
 * the average into the network: M itself for the direct network, W =
 * [Mbar^(1/2) 0] for interneurons (any W with W W^T = Mbar is the same
 * network, science.md §5.2), the average gains for gain modulation (M =
 * alpha I + W diag(g) W^T is affine in g, so that is the average of M
 * exactly). Gains plus synapses has no such form and is refused.
 *
 * Plan, execute, free: wh_average_new() allocates; wh_average_add() allocates
 * nothing; wh_average_free(NULL) is a no-op.
 */
#ifndef WHITEN_AVERAGE_H
#define WHITEN_AVERAGE_H

#include <stddef.h>

#include "whiten/network.h"
#include "whiten/status.h"
#include "whiten/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wh_average wh_average;

/*
 * An empty average for networks of net's kind and size. Statuses: WH_EINVAL (NULL, or a
 * gains-plus-synapses network, which has no average network), WH_EOVERFLOW, WH_ENOMEM.
 */
WH_API wh_status wh_average_new(const wh_net *net, wh_average **out);

/* Release an average; NULL is fine. */
WH_API void wh_average_free(wh_average *a);

/*
 * Add the network as it stands with weight w (finite, > 0): sum += w M (the gains g for
 * gain modulation), weight += w. WH_EINVAL (NULL, a weight that is not finite and
 * positive, a network of another kind or size). O(n^2); O(n^2 k) once after learning for
 * interneurons, which form M = W W^T.
 */
WH_API wh_status wh_average_add(wh_average *a, wh_net *net, double w);

/* The sum of the weights added so far (0 before the first). */
WH_API double wh_average_weight(const wh_average *a);

/*
 * Put the average into the network, its sample count unchanged: M = Mbar (direct),
 * W = [Mbar^(1/2) 0] (interneurons), g = gbar (gain modulation). Statuses: WH_EINVAL
 * (NULL, nothing added yet, a network of another kind or size), WH_ENOTPD (an average
 * that is not positive definite: nothing changes), WH_ENOMEM, and those of wh_net_restore()
 * and wh_net_restore_gains(). Allocates O(n^2 + nk) for interneurons.
 */
WH_API wh_status wh_average_apply(const wh_average *a, wh_net *net);

#ifdef __cplusplus
}
#endif

#endif
