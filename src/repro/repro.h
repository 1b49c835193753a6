/*
 * repro.h: the experiments that reproduce the paper's claims (science.md §6).
 *
 * Each experiment has two stages. compute() runs the numerics and writes its
 * CSV files; render() reads those CSV files back, draws the figures and
 * appends a section to REPORT.md whose verdicts are computed from the CSV
 * numbers alone. So a report can be regenerated from the CSVs
 * (`whiten reproduce --report-only`), and changing a number in a CSV changes
 * the verdict that rests on it.
 */
#ifndef WH_REPRO_REPRO_H
#define WH_REPRO_REPRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/io.h"
#include "repro/journal.h"
#include "whiten.h"

typedef struct wh__repro_settings {
    bool full;          /* --full: more seeds and longer runs than --quick */
    uint64_t seed;      /* every random stream derives from it */
    size_t threads;     /* worker threads for sweeps (results do not depend on it) */
    const char *images; /* E7: comma-separated PNG files, or NULL for the synthetic image */
    wh__journal *journal; /* the checkpoint of the run, or NULL */
} wh__repro_settings;

/*
 * compute() returns 0 when its CSV files are written, -1 on a failure (with a
 * message), or WH__REPRO_STOPPED when a signal stopped one of its sweeps
 * (nothing written; the journal holds the units done).
 */
typedef struct wh__experiment {
    const char *id;    /* "E5" */
    const char *title; /* a short heading */
    int (*compute)(const wh__repro_settings *s, const char *dir);
    int (*render)(const char *dir, wh__buf *report);
} wh__experiment;

/* The experiments, in order. */
const wh__experiment *const *wh__experiments(size_t *count);

/*
 * Run job(i, ctx) for i in [0, count) on `threads` threads (1 = in this
 * thread). Jobs must write only their own slots of ctx, so results are the
 * same whatever the thread count. If a thread cannot be started the others,
 * and this one, do its share. Returns 0.
 */
int wh__parallel_for(size_t count, size_t threads, void (*job)(size_t i, void *ctx), void *ctx);

/*
 * A sweep: count independent units (runs) of an experiment; job(i, ctx, out)
 * computes unit i into out[0..width) from i and ctx alone, writing nothing
 * else. wh__sweep_run fills results (count x width, row i for unit i) on
 * s->threads threads. With a journal, units a checkpoint already holds are
 * copied instead of computed, each completed unit is journalled (and may
 * trigger a checkpoint), and after a signal no new unit starts. A shard's
 * journal computes only the shard's units (the other rows stay as they were:
 * the experiment goes on to its next sweep, and its CSV files go to a scratch
 * folder); a merge's journal computes none (journal.h). So a sweep whose
 * results a later sweep of the experiment reads (E4's noise floors set the
 * threshold of its runs) must run by wh__sweep_run_shared: every shard then
 * computes all of its units (journalling only its own), so that what follows
 * sees the whole of it. Returns 0 when every unit (of the shard) is done,
 * WH__REPRO_STOPPED, or -1 (with a message).
 */
typedef struct wh__sweep {
    size_t count, width;
    void (*job)(size_t i, void *ctx, double *out);
    void *ctx;
} wh__sweep;

int wh__sweep_run(const wh__repro_settings *s, const wh__sweep *w, double *results);

/* The same, for a sweep whose results later sweeps read: every shard computes all of it. */
int wh__sweep_run_shared(const wh__repro_settings *s, const wh__sweep *w, double *results);

/* Copy a contiguous vector of rows values into column c of a rows x cols table. */
void wh__column_put(const double *column, size_t rows, size_t cols, size_t c, double *table);

/* dir/name as one path in buf; -1 (with a message) if it does not fit. */
int wh__repro_path(char *buf, size_t size, const char *dir, const char *name);

/* Write rows x cols values with a header line, atomically, to dir/name. */
int wh__repro_write_csv(const char *dir, const char *name, const char *const *header, size_t cols,
                        const double *data, size_t rows);

/* Read dir/name back; it must have `cols` columns. Prints the reason on failure. */
int wh__repro_read_csv(const char *dir, const char *name, size_t cols, wh__matrix *out);

/* Append "- ✔ text" or "- ✘ text" to the report; returns ok. */

/* Print why experiment `id` could not compute (what, and the status) and return -1. */
int wh__repro_fail(const char *id, const char *what, wh_status status);
bool wh__verdict(wh__buf *report, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Least-squares line y = a + b x over n points, with R². */
void wh__fit_line(size_t n, const double *x, const double *y, double *a, double *b, double *r2);

/*
 * Fit column ycol against column xcol (or its natural log) over the rows whose
 * x lies in [lo, hi]: slope and R².
 */
void wh__fit_columns(const wh__matrix *t, size_t xcol, size_t ycol, bool log_x, double lo,
                     double hi, double *slope, double *r2);

/* Each column of t as its own malloc'd array (for plotting); free with wh__free_columns. */
double **wh__columns(const wh__matrix *t);
void wh__free_columns(double **cols, size_t count);

/*
 * One online run's objects: a network from `opts`, a seeded source cycling
 * through `contexts` covariances (packed n x n each, switching every
 * `switch_every` samples, 0 = never), and metrics against the first of them.
 * On failure everything opened is closed again. wh__run_close(NULL) is fine.
 */
typedef struct wh__run {
    wh_net *net;
    wh_source *src;
    wh_metrics *metrics;
} wh__run;

wh_status wh__run_open(const wh_net_options *opts, const double *C, size_t contexts,
                       uint64_t switch_every, uint64_t seed, wh__run *run);
void wh__run_close(wh__run *run);

/*
 * Lower quartile, median and upper quartile of v[0..n) (sorted in place; n >= 1).
 * NaN entries (runs that never converged) count as +infinity.
 */
void wh__quartiles(double *v, size_t n, double *q1, double *median, double *q3);

#endif
