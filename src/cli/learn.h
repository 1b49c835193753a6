/*
 * learn.h: running a network over the rows of a data file.
 */
#ifndef WH_CLI_LEARN_H
#define WH_CLI_LEARN_H

#include <stdbool.h>

#include "io/io.h"
#include "whiten.h"

/*
 * Feed the rows of X to net `passes` times, learning (wh_net_step) or frozen
 * (wh_net_respond). If Y is not NULL (X's shape) it receives the outputs of the
 * last pass. A failure is reported on stderr naming the row and pass; returns
 * an exit status.
 */
int wh__cli_run_rows(const char *command, wh_net *net, const wh__matrix *X, size_t passes,
                     bool learn, wh__matrix *Y, bool quiet);

/*
 * The whitening error ||M^-1 C M^-1 - I||_2 of the network against the data's
 * second-moment matrix C = X^T X / rows (what the network whitens). NaN if C
 * is singular (fewer independent samples than dimensions).
 */
double wh__cli_data_error(const wh_net *net, const wh__matrix *X);

#endif
