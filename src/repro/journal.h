/*
 * journal.h: what a reproduction has done so far, kept as a checkpoint file.
 *
 * The unit of work is one independent run inside an experiment's sweep (one
 * alpha, one seed, one cell of a map; see wh__sweep_run in repro.h). The
 * journal holds the results of the completed units of the experiment under
 * way and the list of experiments already finished (their CSV files are
 * written). It saves itself to the checkpoint file, atomically
 * (src/io/file.c), every `every` completed units and/or `seconds` seconds,
 * and whenever an experiment finishes. A reproduction resumed from it skips
 * the finished experiments and the completed units, and since each unit's
 * result depends only on its index and the options, it ends with the files an
 * uninterrupted run writes, byte for byte.
 *
 * Sharding (issue 18, docs/cluster.md): a journal of shard I of N owns unit i
 * of sweep s of experiment E when wh__journal_owner(E, s, i, N) == I, computes
 * only those, and keeps every sweep when an experiment ends (the shard's file
 * is its share of the results; the CSV files come from the merge). Ownership
 * depends on the unit's name alone, and each unit's result on its index and
 * the options alone, so any split gives the same numbers. A merge journal
 * (wh__journal_merge) is the union of the shards' files: it computes nothing,
 * and records each unit it lacks as missing instead, so that one pass through
 * the experiments names every missing run. For this to hold an experiment's
 * sweeps must not depend on the results of its earlier sweeps (a shard sees
 * only its own units of those).
 *
 * Units complete on worker threads; every function here may be called from
 * any thread. Messages go to stderr, prefixed "whiten reproduce: ".
 */
#ifndef WH_REPRO_JOURNAL_H
#define WH_REPRO_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wh__journal wh__journal;

/* What compute() and wh__sweep_run return when a signal stopped the run (0: done, -1: failed). */
#define WH__REPRO_STOPPED 1

typedef struct wh__journal_options {
    const char *path; /* the checkpoint file */
    uint64_t every;   /* completed units between checkpoints; 0: none */
    double seconds;   /* wall-clock seconds between checkpoints; 0: none */
    int (*signal)(void); /* the signal that asks the run to stop, or 0 */
    size_t options;      /* the settings a resume must repeat, as name/value pairs */
    const char *const *option_name, *const *option_value;
    size_t shard, shards; /* this journal computes shard `shard` of `shards`; 0 shards: all */
    const char *command;  /* for messages, "whiten COMMAND: "; NULL: "reproduce" */
} wh__journal_options;

/*
 * A journal of nothing done yet (resume NULL), or of the checkpoint file
 * `resume`, which must record the same settings. Returns 0; on a file that
 * cannot be read or is damaged prints why (naming the file) and returns -1;
 * on a checkpoint of other settings prints the first that differs and returns
 * WH__JOURNAL_OTHER_RUN. The settings are copied.
 */
#define WH__JOURNAL_OTHER_RUN (-2)
int wh__journal_open(const wh__journal_options *o, const char *resume, wh__journal **j);
void wh__journal_free(wh__journal *j);

/* Whether experiment `id` finished in an earlier session. False for a NULL journal. */
bool wh__journal_finished(const wh__journal *j, const char *id);

/* Experiment `id` starts (or goes on): its sweeps are numbered from 0 again. */
void wh__journal_begin(wh__journal *j, const char *id);

/* The experiment begun has written its files: record it, drop its units (a shard keeps
 * them), save. 0 or -1. */
int wh__journal_end(wh__journal *j);

/* Save now (the last checkpoint of an interrupted run). 0 or -1 (with a message). */
int wh__journal_save(wh__journal *j);

/* The signal that stopped the run, or 0. */
int wh__journal_signal(const wh__journal *j);

/* Seconds of computation kept, over every session; and the number of sessions. */
double wh__journal_seconds(const wh__journal *j);
uint64_t wh__journal_sessions(const wh__journal *j);

/*
 * For wh__sweep_run: the sweep that comes next in the experiment begun, of
 * count units of width values. Copies the values of the units already done
 * into results (count x width) and sets *slot. -1 (with a message) if the
 * checkpoint's sweep has another shape, or out of memory.
 */
int wh__journal_sweep(wh__journal *j, size_t count, size_t width, double *results, size_t *slot);

/*
 * Whether unit i of the sweep in slot is to be computed now: not done before,
 * and owned by this journal's shard. A merge journal computes nothing: it
 * records each unit not done as missing and returns false.
 */
bool wh__journal_unit_wanted(wh__journal *j, size_t slot, size_t i);

/* Whether unit i of the sweep in slot is another shard's and not done here (a shard's journal). */
bool wh__journal_unit_foreign(const wh__journal *j, size_t slot, size_t i);

/* The shard of `shards` that owns unit `unit` of sweep `sweep` of experiment `id`. */
size_t wh__journal_owner(const char *id, size_t sweep, size_t unit, size_t shards);

/*
 * The union of the shard files paths[0..count) (shards `shard[f]` of `shards`
 * each), as a journal that computes nothing (see above). Every file must
 * record the same settings, every unit in it must be one its shard owns, and
 * no unit may be in two files. Returns 0, or -1 with a message naming the file
 * and the reason. The settings are those of the files (wh__journal_setting).
 */
int wh__journal_merge(const char *command, const char *const *paths, const size_t *shard,
                      size_t count, size_t shards, wh__journal **j);

/* The value of setting `name` the journal records, or NULL. */
const char *wh__journal_setting(const wh__journal *j, const char *name);

/*
 * The units a merge journal found missing, in the order of the sweeps and
 * units: how many, and the k-th (experiment id, sweep, unit).
 */
size_t wh__journal_missing(wh__journal *j);
void wh__journal_missing_at(const wh__journal *j, size_t k, const char **id, size_t *sweep,
                            size_t *unit);

/* Units the journal holds as done, over all its sweeps. */
size_t wh__journal_units_done(const wh__journal *j);

/* Unit i is done with these width values; saves a checkpoint if one is due. */
void wh__journal_complete(wh__journal *j, size_t slot, size_t i, const double *values);

/* Whether workers should stop taking units: a signal, or a checkpoint that failed. */
bool wh__journal_stopping(const wh__journal *j);

/* How the sweep in slot ended: 0 every unit done (of this shard's; a merge journal: always),
 * WH__REPRO_STOPPED, or -1. */
int wh__journal_sweep_status(const wh__journal *j, size_t slot);

#endif
