/*
 * checkpoint.h: periodic checkpoints, and a clean stop on SIGINT and SIGTERM.
 *
 * A long run given --checkpoint FILE saves its state every --checkpoint-every
 * samples and/or --checkpoint-seconds seconds, atomically (src/io/file.c:
 * temporary file, fsync, rename, fsync of the folder), so FILE always holds a
 * complete checkpoint however the process dies. SIGINT and SIGTERM only set a
 * flag; the learning loop reads it between samples, writes a last checkpoint
 * and returns 128 + the signal number (130, 143), as a shell reports a process
 * killed by that signal. --resume FILE finishes the run bit for bit.
 */
#ifndef WH_CLI_CHECKPOINT_H
#define WH_CLI_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct wh__checkpoint {
    const char *path; /* NULL: no checkpoints, and signals keep their default action */
    uint64_t every;   /* samples between checkpoints; 0: none */
    double seconds;   /* wall-clock seconds between checkpoints; 0: none */
    double last;      /* when the last one was written (wh__now) */
    uint64_t prev;    /* `done` of the last wh__checkpoint_due call; UINT64_MAX before it */
} wh__checkpoint;

/* No checkpoints (path NULL, no period), as a command's options start. */
wh__checkpoint wh__checkpoint_none(void);

/* Catch SIGINT and SIGTERM (only if c->path is set) and start the clock. */
void wh__checkpoint_start(wh__checkpoint *c);

/*
 * For a command that must save what it learned however it ends (stream):
 * catch SIGINT, SIGTERM and SIGHUP without restarting reads (a blocked read
 * returns, and the loop sees the flag), and ignore SIGPIPE (a closed
 * downstream pipe becomes a write error the command reports).
 */
void wh__checkpoint_catch_all(void);

/* The signal caught since wh__checkpoint_start, or 0. */
int wh__checkpoint_signal(void);

/* Whether a periodic checkpoint is due after `done` samples of the run: a multiple of
 * `every` was reached since the previous call (on the first call, done is one), or
 * `seconds` have passed (looked at when done is a multiple of 256). Called after every
 * sample it is due exactly at the multiples; called every few samples (fit's blocks), at
 * the first call at or after each. */
bool wh__checkpoint_due(wh__checkpoint *c, uint64_t done);

/* The exit status for a run stopped by signal signo: 128 + signo. */
int wh__checkpoint_exit_status(int signo);

#endif
