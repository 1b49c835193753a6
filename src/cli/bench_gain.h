/*
 * bench_gain.h: the gain circuits' rows of `whiten bench` (src/cli/bench_gain.c).
 */
#ifndef WH_CLI_BENCH_GAIN_H
#define WH_CLI_BENCH_GAIN_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

/* What the gain rows are timed at and against. */
typedef struct wh__bench_gain_setup {
    bool quick;    /* fewer samples, n = 4, 16, 64 */
    size_t only_n; /* this n only (0: the list) */
    size_t repeat; /* runs per path; the fastest counts */
    double dgemm;  /* the dgemm rate, flop/s */
    double eta;
    double (*bandwidth)(double bytes); /* dgemv bytes/s at a working set of `bytes` */
} wh__bench_gain_setup;

/* Time gain modulation (pairs frame, K = n(n+1)/2, exact and fast; a random frame up to n = 16) and
 * gains plus synapses (K = n) at n = 4, 16, 64 and 256 (not 256 if quick; only only_n if
 * it is not 0), one BLAS thread, against the dgemm rate and against the step's own
 * LAPACK/BLAS kernels timed alone at the same n (the fast path: against the dgemv
 * bandwidth at its working set as well), and say which path WH_SOLVER_AUTO runs for each
 * circuit and frame and its rate as a share of the fastest path of that circuit and frame.
 * With json NULL, print the rows to out as a table; otherwise add them to json as the
 * array "gain_results" (out unused). Returns 0, or -1 on a failure. */
int wh__bench_gain(FILE *out, cJSON *json, const wh__bench_gain_setup *setup);

#endif
