/*
 * memlimit.c: see memlimit.h. Nothing here runs unless RLIMIT_AS is finite.
 */
#define _GNU_SOURCE /* MAP_NORESERVE */
#include "cli/memlimit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/linalg.h"

/*
 * The address space one BLAS thread needs: OpenBLAS's buffer (128 MiB and two
 * pages on x86-64) and some room for the allocator. Checked by mapping it
 * without reserving memory, which the limit counts all the same.
 */
#define BLAS_ROOM ((size_t)136 << 20)

/*
 * Each further thread also reserves a malloc arena (64 MiB) and its stack
 * (8 MiB) before it calls BLAS: measured, 2 threads hang at a limit of 380 MB
 * with less than this per thread and run at 420 MB.
 */
#define THREAD_ROOM (BLAS_ROOM + ((size_t)80 << 20))

/*
 * What drawing the figures maps beyond that: measured, reproduce --only E1
 * aborts in pango at a limit of 270 MB and draws at 290 MB (with 200 MB mapped
 * before it), so about 90 MB; more for safety.
 */
#define FIGURE_ROOM ((size_t)128 << 20)

double wh__cli_memlimit_bytes(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return 0.0;
    return (double)rl.rlim_cur;
}

/* The address space this process maps now, in bytes (0 if unknown). */
static double mapped_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (f == NULL)
        return 0.0;
    if (fscanf(f, "%lu", &pages) != 1)
        pages = 0;
    fclose(f);
    return (double)pages * (double)sysconf(_SC_PAGESIZE);
}

static bool room_for(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return false;
    munmap(p, bytes);
    return true;
}

void wh__cli_memlimit_prepare(char **argv)
{
    const double limit = wh__cli_memlimit_bytes();
    if (limit == 0.0)
        return;
    const char *threads = getenv("OPENBLAS_NUM_THREADS");
    if (threads == NULL || strcmp(threads, "1") != 0) {
        /* OpenBLAS read its thread count while loading: only a new start changes it.
         * If execv fails, carry on; the check below still refuses a limit too tight. */
        if (setenv("OPENBLAS_NUM_THREADS", "1", 1) == 0)
            execv("/proc/self/exe", argv);
    }
    if (room_for(BLAS_ROOM)) {
        wh__linalg_warm_up();
        return;
    }
    fprintf(stderr,
            "whiten: the address-space limit (ulimit -v) of %.0f MB leaves no room for the "
            "%zu MB work buffer of BLAS; whiten needs a limit of at least %.0f MB\n",
            limit / 1048576.0, BLAS_ROOM >> 20, (mapped_now() + (double)BLAS_ROOM) / 1048576.0 + 1);
    /* _exit: a BLAS thread may still be retrying its buffer, and exit() would wait for it. */
    fflush(NULL);
    _exit(WH__EXIT_FAILURE);
}

int wh__cli_memlimit_threads(const char *command, bool chosen, size_t *threads)
{
    const double limit = wh__cli_memlimit_bytes();
    if (limit == 0.0 || *threads <= 1)
        return WH__EXIT_OK;
    size_t fit = *threads;
    while (fit > 1 && !room_for((fit - 1) * THREAD_ROOM))
        fit--;
    if (fit == *threads || !chosen) {
        *threads = fit;
        return WH__EXIT_OK;
    }
    fprintf(stderr,
            "whiten %s: --threads %zu needs %zu MB more address space for the work buffers of "
            "BLAS than the limit (ulimit -v) of %.0f MB leaves; %zu thread(s) fit\n",
            command, *threads, ((*threads - 1) * THREAD_ROOM) >> 20, limit / 1048576.0, fit);
    return WH__EXIT_FAILURE;
}

int wh__cli_memlimit_figures(const char *command)
{
    const double limit = wh__cli_memlimit_bytes();
    if (limit == 0.0 || room_for(FIGURE_ROOM))
        return WH__EXIT_OK;
    fprintf(stderr,
            "whiten %s: drawing the figures needs about %zu MB more address space than the "
            "limit (ulimit -v) of %.0f MB leaves; raise it to at least %.0f MB\n",
            command, FIGURE_ROOM >> 20, limit / 1048576.0,
            (mapped_now() + (double)FIGURE_ROOM) / 1048576.0 + 1);
    return WH__EXIT_FAILURE;
}
