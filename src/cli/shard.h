/*
 * shard.h: one share of a sweep, and the folders the shards share
 * (issue 18; docs/cluster.md).
 *
 * `--shard I/N` (or, under a Slurm job array, SLURM_ARRAY_TASK_ID and
 * SLURM_ARRAY_TASK_COUNT, or SLURM_ARRAY_TASK_ID with `--shards N`) makes a
 * command compute share I of N of its sweep's runs. Every shard writes only
 * its own file DIR/shards/shard-I-of-N.zip (atomically), and works in a
 * scratch folder of its own under DIR/shards, so shards of one sweep on any
 * number of machines share DIR without clashing. The merge reads every
 * DIR/shards/shard-*-of-N.zip.
 */
#ifndef WH_CLI_SHARD_H
#define WH_CLI_SHARD_H

#include <stddef.h>

#include "repro/journal.h"

typedef struct wh__shard {
    size_t index, count; /* share `index` of `count`; count 0: not sharded */
} wh__shard;

/*
 * The share of this process, for command `cmd` (for messages): from `spec`
 * ("I/N", or NULL), else from the Slurm array's variables (with `shards` the
 * array's size if not 0). Prints why and returns WH__EXIT_USAGE on a bad value.
 */
int wh__shard_choose(const char *cmd, const char *spec, size_t shards, wh__shard *out);

/* DIR and DIR/shards, made if missing (by any number of shards at once). */
int wh__shard_folders(const char *cmd, const char *dir);

/* DIR/shards/shard-I-of-N.zip into buf. */
int wh__shard_file(const char *cmd, const char *dir, wh__shard s, char *buf, size_t size);

/*
 * Every DIR/shards/shard-I-of-N.zip, sorted by I: malloc'd paths and indices
 * (free with wh__shard_list_free), and N. Prints why and returns
 * WH__EXIT_FAILURE when there are none or they are of different N.
 */
int wh__shard_list(const char *cmd, const char *dir, char ***paths, size_t **index, size_t *count,
                   size_t *shards);
void wh__shard_list_free(char **paths, size_t *index, size_t count);

/* A fresh scratch folder DIR/shards/.tmp-TAG-HOST-PID into buf. */
int wh__scratch_make(const char *cmd, const char *dir, const char *tag, char *buf, size_t size);

/* Move every file of the scratch folder into DIR (rename, replacing). */
int wh__scratch_move(const char *cmd, const char *scratch, const char *dir);

/* Remove the scratch folder and the files in it. */
void wh__scratch_remove(const char *scratch);

/*
 * Print "re-submit" advice for the shards flagged in missing[0..shards) (the
 * array tasks whose runs are missing), for command `cmd`.
 */
void wh__shard_advise(const char *cmd, const unsigned char *missing, size_t shards);

/*
 * After a merge journal j went through every sweep: one line per shard and
 * sweep naming the runs missing, a count, and the array tasks to re-submit.
 * Returns WH__EXIT_FAILURE.
 */
int wh__shard_report_missing(const char *cmd, wh__journal *j, size_t shards, const char *out);

#endif
