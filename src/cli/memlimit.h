/*
 * memlimit.h: a limit on the address space (ulimit -v) ends a run with a
 * message, never a hang.
 *
 * OpenBLAS takes a 128 MB work buffer per thread at the thread's first call and,
 * when the allocation fails, retries it for ever; its own worker threads take
 * theirs while the library loads, before main(), and exit() waits for them. So
 * under a limit the command line runs BLAS on one thread from the start (by
 * starting itself again with OPENBLAS_NUM_THREADS=1), checks that one buffer
 * fits, and makes BLAS take it at once, before the data fill the address space.
 */
#ifndef WH_CLI_MEMLIMIT_H
#define WH_CLI_MEMLIMIT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Called first in main(). Without a limit it does nothing. Under one it may
 * replace the process (execv of /proc/self/exe with the same argv); when the
 * buffer does not fit it prints one line and ends the process with status 1.
 */
void wh__cli_memlimit_prepare(char **argv);

/*
 * Before a command starts *threads threads that each call BLAS: under a limit,
 * check that their buffers fit beside the one taken at the start. A count the
 * user chose (`chosen`) that does not fit is refused with one line naming
 * --threads (WH__EXIT_FAILURE); the default (one per core) is lowered to what fits.
 */
int wh__cli_memlimit_threads(const char *command, bool chosen, size_t *threads);

/*
 * Under a limit, check before the work that the figure renderer (PLplot, cairo,
 * pango and fontconfig, whose own threads abort the process when they cannot
 * start) will find its room. Prints one line and returns WH__EXIT_FAILURE if not.
 */
int wh__cli_memlimit_figures(const char *command);

/* The address-space limit in bytes, or 0 when there is none. */
double wh__cli_memlimit_bytes(void);

#endif
