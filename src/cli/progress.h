/*
 * progress.h: a progress bar on standard error for long runs.
 *
 * Shown only when standard error is a terminal, --quiet was not given, and
 * the run has already taken more than a second (short runs stay silent). It
 * is redrawn at most ten times a second, with samples per second and the
 * estimated time left, and erased at the end.
 */
#ifndef WH_CLI_PROGRESS_H
#define WH_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct wh__progress {
    bool enabled, shown;
    uint64_t total;
    double start, last;
} wh__progress;

/* Prepare a bar for `total` samples (0 if unknown); silent if quiet. */
void wh__progress_start(wh__progress *p, uint64_t total, bool quiet);

/* Report `done` samples; cheap enough to call every sample. */
void wh__progress_update(wh__progress *p, uint64_t done);

/* Erase the bar, if it was drawn. */
void wh__progress_finish(wh__progress *p);

/* Seconds on a monotonic clock. */
double wh__now(void);

#endif
