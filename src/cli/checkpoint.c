/*
 * checkpoint.c: when to write a checkpoint, and the signal flag.
 *
 * The handler does the only thing that is safe in a signal handler: it stores
 * the signal number in a volatile sig_atomic_t. Writing the checkpoint (malloc,
 * zip encoding, file I/O) happens in the learning loop, between two samples,
 * where the network's state is consistent.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/checkpoint.h"

#include <signal.h>
#include <string.h>

#include "cli/progress.h"

static volatile sig_atomic_t caught = 0;

static void on_signal(int signo)
{
    caught = signo;
}

wh__checkpoint wh__checkpoint_none(void)
{
    return (wh__checkpoint){NULL, 0, 0.0, 0.0, UINT64_MAX};
}

void wh__checkpoint_start(wh__checkpoint *c)
{
    c->last = wh__now();
    c->prev = UINT64_MAX;
    if (c->path == NULL)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void wh__checkpoint_catch_all(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a blocked read returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

int wh__checkpoint_signal(void)
{
    return (int)caught;
}

/* Whether a multiple of c->every was reached since the previous call. */
static bool crossed_multiple(const wh__checkpoint *c, uint64_t done)
{
    if (c->every == 0 || done == 0)
        return false;
    if (c->prev == UINT64_MAX || done < c->prev)
        return done % c->every == 0;
    return done / c->every > c->prev / c->every;
}

bool wh__checkpoint_due(wh__checkpoint *c, uint64_t done)
{
    if (c->path == NULL)
        return false;
    /* Reading the clock costs about as much as a small sample: look every 256. */
    const bool due = crossed_multiple(c, done) ||
                     (c->seconds > 0.0 && done > 0 && done % 256 == 0 &&
                      wh__now() - c->last >= c->seconds);
    c->prev = done;
    if (due)
        c->last = wh__now();
    return due;
}

int wh__checkpoint_exit_status(int signo)
{
    return 128 + signo;
}
