/*
 * bench_gain.h: the gain circuits' rows of `whiten bench` (src/cli/bench_gain.c).
 */
#ifndef WH_CLI_BENCH_GAIN_H
#define WH_CLI_BENCH_GAIN_H

#include <stdbool.h>
#include <stdio.h>

/* Time gain modulation (pairs frame, K = n(n+1)/2; and a random frame up to n = 16) and
 * gains plus synapses (K = n) at n = 4, 16, 64 (and 256 for the pairs frame unless quick),
 * one BLAS thread, against the dgemm rate `dgemm` (flop/s); print the rows to out as a
 * table. Returns 0, or -1 on a failure. */
int wh__bench_gain(FILE *out, bool quick, double dgemm, double eta);

#endif
