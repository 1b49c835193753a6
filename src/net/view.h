/*
 * view.h: a network's lateral weights and synapses as pointers into its own
 * cache, for the library's own drivers (the command line, reproduce, the flows,
 * the tests), each of which owns its network and reads it from one thread.
 *
 * Reading through these brings the cache up to date, so they take a non-const
 * network and must not run on one network from two threads at once. The public
 * getters, wh_net_get_lateral() and wh_net_get_weights(), copy into the caller's
 * buffer instead and write nothing. Both give the same bits.
 */
#ifndef WH_NET_VIEW_H
#define WH_NET_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "whiten/network.h"

/* M (n x n, leading dimension n), valid until the network's next call that learns. */
const double *wh__net_lateral(wh_net *net);

/* W (n x k, leading dimension k); NULL for the direct network. Valid as M is. */
const double *wh__net_weights(wh_net *net);

/* Gain modulation's fast path, what it did so far (for `whiten bench`'s work model):
 * counts[0..4] = CG solves, CG iterations, refreshes, inverses formed, Cholesky factors;
 * counts[5] = 1 if the column pass is the pairs frame's own loop (no index or value arrays),
 * 0 if it is the general one. False (counts untouched) for any other network or path. */
bool wh__net_gain_work(const wh_net *net, uint64_t counts[6]);

#endif
