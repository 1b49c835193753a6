/*
 * e7.h: what the two halves of E7 share: e7_patches.c computes and writes the
 * CSV files named here, e7_report.c reads them back for figures and verdicts.
 */
#ifndef WH_REPRO_E7_H
#define WH_REPRO_E7_H

#include "repro/repro.h"

#define E7_SIDE 8                  /* patches are E7_SIDE x E7_SIDE pixels */
#define E7_N (E7_SIDE * E7_SIDE)   /* n = 64 neurons */

/*
 * samples, error of each network online from M0 = I, of its mean flow (closed
 * form), and of the same network learning online from its fixed point
 * M = C^{1/2} on another stream of the same patches: the noise floor, measured.
 */
#define E7_ERRORS_FILE "e7_errors.csv"
#define E7_ERRORS_COLS 7
enum {
    E7_SAMPLES = 0,
    E7_DIRECT,
    E7_INTERNEURON,
    E7_DIRECT_FLOW,
    E7_INTERNEURON_FLOW,
    E7_DIRECT_FLOOR,
    E7_INTERNEURON_FLOOR
};

/* One row: n, eta, samples, patches in the pool, images (0: synthetic 1/f), image side. */
#define E7_RUN_FILE "e7_run.csv"
#define E7_RUN_COLS 6

/* The eigenvalues of C, ascending, one per row. */
#define E7_SPECTRUM_FILE "e7_spectrum.csv"

/* Filters: row i is the filter of pixel i (row i of M^{-1}, or of C^{-1/2}). */
#define E7_FILTERS_DIRECT "e7_filters_direct.csv"
#define E7_FILTERS_INTERNEURON "e7_filters_interneuron.csv"
#define E7_FILTERS_ZCA "e7_filters_zca.csv"

/* The render stage (e7_report.c) of the experiment wh__e7_patches (e7_patches.c). */
int wh__e7_render(const char *dir, wh__buf *report);

#endif
