/*
 * bench_gain.h: the gain circuits' rows of `whiten bench` (src/cli/bench_gain.c).
 */
#ifndef WH_CLI_BENCH_GAIN_H
#define WH_CLI_BENCH_GAIN_H

#include <stdbool.h>
#include <stdio.h>

/* Time gain modulation (pairs frame, K = n(n+1)/2, exact and fast; a random frame up to n = 16) and
 * gains plus synapses (K = n) at n = 4, 16, 64 and 256 (not 256 if quick; only only_n if
 * it is not 0), one BLAS thread, against the dgemm rate `dgemm` (flop/s) and against the
 * step's own LAPACK/BLAS kernels timed alone at the same n (the fast path: against
 * `bandwidth`, the dgemv bytes/s at a working set, as well); print the rows to out as a
 * table. Returns 0, or -1 on a failure. */
int wh__bench_gain(FILE *out, bool quick, size_t only_n, double dgemm, double eta,
                   double (*bandwidth)(double bytes));

#endif
