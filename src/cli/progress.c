#define _POSIX_C_SOURCE 200809L
#include "cli/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH    30
#define SHOW_AFTER   1.0 /* seconds: shorter runs draw nothing */
#define REDRAW_EVERY 0.1

double wh__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void wh__progress_start(wh__progress *p, uint64_t total, bool quiet)
{
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->shown = false;
    p->total = total;
    p->start = p->last = wh__now();
}

static void draw(const wh__progress *p, uint64_t done, double now)
{
    const double rate = (double)done / (now - p->start);
    if (p->total == 0) {
        fprintf(stderr, "\r%llu samples  %.3g samples/s ", (unsigned long long)done, rate);
        return;
    }
    const double frac = (double)done / (double)p->total;
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = (double)i < frac * BAR_WIDTH ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    const double eta = rate > 0.0 ? (double)(p->total - done) / rate : 0.0;
    fprintf(stderr, "\r[%s] %3.0f%%  %.3g samples/s  ETA %.0fs ", bar, 100.0 * frac, rate, eta);
}

void wh__progress_update(wh__progress *p, uint64_t done)
{
    /* Look at the clock only every 1024 samples: updates must cost nothing. */
    if (!p->enabled || (done & 1023u) != 0)
        return;
    const double now = wh__now();
    if (now - p->start < SHOW_AFTER || now - p->last < REDRAW_EVERY)
        return;
    p->last = now;
    p->shown = true;
    draw(p, done, now);
}

void wh__progress_finish(wh__progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r%*s\r", BAR_WIDTH + 50, "");
    p->shown = false;
}
