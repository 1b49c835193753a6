/*
 * average.h: fit --average, the Polyak-Ruppert average of the network over the
 * last part of a fit.
 *
 * An online estimate at a learning rate eta hovers around its target with a
 * spread of order sqrt(eta); the mean of its iterates over a stretch much longer
 * than their correlation time (about 1/eta samples) hovers far less. fit learns
 * in chunks of up to 64 samples (learn.c), so the average is taken over the M at
 * each chunk's end, weighted by the samples of the chunk inside the averaged
 * stretch: the per-sample average to within the change of M over one chunk.
 * The network then holds the average: M itself for the direct network, W =
 * [Mbar^(1/2) 0] for interneurons (any W with W W^T = Mbar is the same network,
 * science.md §5.2), the average gains for gain modulation (M is affine in g, so
 * that is the average of M exactly). gains plus synapses has no such form and
 * is refused, as is a checkpointed fit (the running sum is not saved). The sum and
 * the way back into the network are the library's (whiten/average.h), which the
 * Python package's Whitener(average=F) calls in the same chunks, to the same bits.
 */
#ifndef WH_CLI_AVERAGE_H
#define WH_CLI_AVERAGE_H

#include <stddef.h>
#include <stdint.h>

#include "whiten.h"

typedef struct wh__cli_average {
    wh_average *average; /* the library's running average (whiten/average.h); NULL: none */
    uint64_t from;       /* run samples after which averaging starts */
} wh__cli_average;

/*
 * Averaging over the last `fraction` (in (0, 1]; 0: none) of a run of `total`
 * samples of `net`. Exit status (WH__EXIT_USAGE for gains plus synapses).
 */
int wh__cli_average_start(const char *command, wh_net *net, double fraction, uint64_t total,
                          wh__cli_average *a);

/* After the chunk of `count` samples that ended at run sample `end`: its share. */
void wh__cli_average_add(wh__cli_average *a, wh_net *net, uint64_t end, size_t count);

/* Put the average into the network (its samples count unchanged). Exit status. */
int wh__cli_average_finish(const char *command, wh__cli_average *a, wh_net *net);

void wh__cli_average_free(wh__cli_average *a);

#endif
