/*
 * condition.h: what the data ask of a network, checked before learning.
 *
 * A network learns M -> C^{1/2} for the data's second-moment matrix
 * C = X^T X / T, and M must stay positive definite. A direction of C with no
 * variance (a channel that is all zeros, two channels that are equal or
 * proportional, fewer samples than channels) makes C singular: M shrinks
 * along it at every step until it is no longer positive definite. A condition
 * number near 1e12 is as bad in practice. These are refused with a diagnosis
 * that names the channels; --ridge EPS then whitens C + EPS I instead.
 */
#ifndef WH_CLI_CONDITION_H
#define WH_CLI_CONDITION_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/names.h"
#include "io/io.h"

/* Condition numbers above this are refused without --ridge; above WARN, a warning. */
#define WH__COND_REFUSE 1e12
#define WH__COND_WARN   1e6
/* Data with more channels than this are not diagnosed (an O(n^3) eigendecomposition). */
#define WH__DIAGNOSE_MAX_N 2048

/*
 * Diagnose X (rows are samples) for a network with learning rate eta: prints a
 * warning, or refuses (exit 1) singular or nearly singular data unless ridge > 0,
 * naming constant, all-zero, equal and proportional channels (numbered from 0,
 * as numpy counts, with their names from a CSV header when `names` has them). `mean` is the mean already subtracted from X (NULL: X is not
 * centred), so that the message speaks of the covariance and of a constant
 * channel's value. spectrum (may be NULL) receives C's smallest and largest
 * eigenvalues (NaN when not computed), for advice after a divergence.
 * Returns an exit status.
 */
int wh__cli_diagnose_data(const char *command, const char *path, const wh__matrix *X,
                          const wh__cli_names *names, const double *mean, double ridge,
                          double eta, bool quiet, double spectrum[2]);

/* The smallest and largest eigenvalues of a symmetric C (n x n) into spectrum (NaN on
 * failure). */
void wh__cli_spectrum(const double *C, size_t n, double spectrum[2]);


#endif
