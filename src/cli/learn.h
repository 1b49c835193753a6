/*
 * learn.h: running a network over the rows of a data file.
 */
#ifndef WH_CLI_LEARN_H
#define WH_CLI_LEARN_H

#include <stdbool.h>

#include "cli/checkpoint.h"
#include "cli/stages.h"
#include "io/io.h"
#include "whiten.h"

/*
 * Feed the rows of X to net `passes` times through the stages (centring, ridge
 * noise; NULL: none), learning (wh_net_step) or frozen (wh_net_respond). If Y
 * is not NULL (X's shape) it receives the outputs of the last pass. A failure
 * is reported on stderr naming the row and pass (and, for a divergence,
 * `advice`); returns an exit status.
 */
int wh__cli_run_rows(const char *command, wh_net *net, wh__cli_stages *stages,
                     const wh__matrix *X, size_t passes, bool learn, wh__matrix *Y, bool quiet,
                     const char *advice);

/*
 * Learn from the rows of X, passes times, from sample `start` of that run on
 * (0, or where a resumed checkpoint stopped), with --ridge noise if asked,
 * writing checkpoints as run->checkpoint asks (path NULL: none). Stopped by SIGINT/SIGTERM
 * it writes a last checkpoint and returns 128 + the signal number. For `whiten fit`. The
 * rows go to wh_net_learn_block() in chunks of up to 64 samples (the same online algorithm,
 * blocked for speed) that end at multiples of 64 samples and at pass ends whatever the
 * checkpoint options; checkpoints and signals are honoured between chunks.
 */
typedef struct wh__cli_fit_run {
    size_t passes;
    uint64_t start;  /* samples of the run already done */
    const wh__cli_stages *stages; /* X is centred already; the ridge noise and the saved mean */
    wh__checkpoint checkpoint;
    bool quiet;
    const char *problem; /* the run's fingerprint, kept in its checkpoints; may be NULL */
    const char *advice; /* printed after a divergence */
    double average;     /* --average: the fraction of the run over which M is averaged; 0 */
} wh__cli_fit_run;

int wh__cli_fit_rows(const char *command, wh_net *net, const wh__matrix *X,
                     const wh__cli_fit_run *run);

/*
 * The whitening error ||M^-1 C M^-1 - I||_2 of the network against the data's
 * second-moment matrix C = X^T X / rows + ridge I (what the network whitens; the
 * covariance when X is centred, as fit and simulate centre it). NaN if C
 * is singular (fewer independent samples than dimensions).
 */
double wh__cli_data_error(wh_net *net, const wh__matrix *X, double ridge);

#endif
