#include "cli/learn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/average.h"
#include "cli/commands.h"
#include "cli/condition.h"
#include "cli/data.h"
#include "cli/progress.h"
#include "core/alloc.h"
#include "net/view.h"

static int report(const char *command, wh_status st, size_t row, size_t pass, const char *advice)
{
    fprintf(stderr, "whiten %s: row %zu of pass %zu: %s (%s)", command, row + 1, pass + 1,
            wh_status_message(st), wh_status_name(st));
    if (st == WH_EDIVERGED && advice != NULL)
        fprintf(stderr, "; %s", advice);
    fputc('\n', stderr);
    return WH__EXIT_FAILURE;
}

int wh__cli_run_rows(const char *command, wh_net *net, wh__cli_stages *stages,
                     const wh__matrix *X, size_t passes, bool learn, wh__matrix *Y, bool quiet,
                     const char *advice)
{
    wh__progress bar;
    wh__progress_start(&bar, (uint64_t)X->rows * passes, quiet);
    double *y = wh__alloc(2 * X->cols, sizeof *y), *xc = y != NULL ? y + X->cols : NULL;
    int rc = WH__EXIT_OK;
    if (y == NULL) {
        fprintf(stderr, "whiten %s: out of memory for one output row\n", command);
        rc = WH__EXIT_FAILURE;
    }
    for (size_t p = 0; p < passes && rc == WH__EXIT_OK; p++)
        for (size_t r = 0; r < X->rows && rc == WH__EXIT_OK; r++) {
            const double *x = X->data + r * X->cols;
            double *out = Y != NULL ? Y->data + r * X->cols : y;
            wh_status st = WH_OK;
            if (stages != NULL) {
                st = wh__cli_stages_input(stages, learn, wh_net_samples(net), X->cols, x, xc);
                x = xc;
            }
            if (st == WH_OK)
                st = learn ? wh_net_step(net, x, out, NULL, NULL)
                           : wh_net_respond(net, x, out, NULL, NULL);
            if (st != WH_OK) {
                if (stages != NULL)
                    wh__cli_stages_undo(stages);
                rc = report(command, st, r, p, advice);
            }
            wh__progress_update(&bar, (uint64_t)p * X->rows + r + 1);
        }
    wh__progress_finish(&bar);
    wh__free(y);
    return rc;
}

/* Before sample i: a periodic checkpoint, or a last one and a stop after a signal. */
static int checkpoint(const char *command, wh_net *net, const wh__cli_stages *stages,
                      wh__checkpoint *c, uint64_t i, uint64_t start, uint64_t total,
                      const char *problem)
{
    const int signo = wh__checkpoint_signal();
    /* Always asked, also at the start: it keeps track of the multiples crossed. */
    const bool due = wh__checkpoint_due(c, i);
    if (signo == 0 && (i == start || !due))
        return WH__EXIT_OK;
    wh__state run = {.run_done = i, .run_total = total};
    snprintf(run.run_command, sizeof run.run_command, "%s", command);
    snprintf(run.run_problem, sizeof run.run_problem, "%s", problem != NULL ? problem : "");
    const int rc = wh__cli_write_checkpoint(command, c->path, net, stages, NULL, &run);
    if (signo == 0 || rc != WH__EXIT_OK)
        return rc;
    fprintf(stderr, "whiten %s: stopped by signal %d after %llu of %llu samples; "
                    "continue with --resume %s\n",
            command, signo, (unsigned long long)i, (unsigned long long)total, c->path);
    return wh__checkpoint_exit_status(signo);
}

/* Samples fit hands wh_net_learn_block() at most at once. */
#define CHUNK 64

/*
 * Where the chunk that starts at sample i of the run ends: at the next
 * multiple of CHUNK, at the end of the pass or of the run. These depend on
 * nothing but the run's own sample index (not on where it was resumed, nor
 * on the checkpoint options), and checkpoints and signals are honoured only
 * there, so a fit learns in the same blocks and ends bit for bit the same
 * however it was checkpointed, interrupted and resumed. A periodic checkpoint
 * is written at the first boundary at or after each multiple of its period.
 */
static uint64_t chunk_end(uint64_t i, uint64_t total, size_t rows)
{
    uint64_t end = (i / CHUNK + 1) * CHUNK;
    const uint64_t pass_end = (i / rows + 1) * rows;
    end = pass_end < end ? pass_end : end;
    return end < total ? end : total;
}

/* Rows r .. r + count of X, or under --ridge noisy copies of them in buf (the noise of
 * each indexed by its sample's count in the network). */
static const double *chunk_input(const wh_net *net, const wh__matrix *X, size_t r, size_t count,
                                 const wh__cli_fit_run *run, double *buf)
{
    const double *rows = X->data + r * X->cols;
    if (run->stages->ridge == 0.0)
        return rows;
    memcpy(buf, rows, count * X->cols * sizeof *buf);
    for (size_t j = 0; j < count; j++)
        wh_ridge_noise(buf + j * X->cols, X->cols, run->stages->ridge,
                            run->stages->ridge_seed, wh_net_samples(net) + j);
    return buf;
}

int wh__cli_fit_rows(const char *command, wh_net *net, const wh__matrix *X,
                     const wh__cli_fit_run *run)
{
    const uint64_t total = (uint64_t)X->rows * run->passes;
    const size_t n = X->cols;
    wh__checkpoint clock = run->checkpoint;
    wh__progress bar;
    double *buf = wh__alloc(2 * CHUNK * n, sizeof *buf);
    if (buf == NULL)
        return wh__cli_fail(command, "buffers", WH_ENOMEM);
    wh__cli_average average;
    int rc = wh__cli_average_start(command, net, run->average, total, &average);
    if (rc != WH__EXIT_OK) {
        wh__free(buf);
        return rc;
    }
    wh__progress_start(&bar, total, run->quiet);
    wh__checkpoint_start(&clock);
    for (uint64_t i = run->start; i < total && rc == WH__EXIT_OK;) {
        if (clock.path != NULL &&
            (rc = checkpoint(command, net, run->stages, &clock, i, run->start, total,
                             run->problem)) != WH__EXIT_OK)
            break;
        const size_t r = (size_t)(i % X->rows),
                     count = (size_t)(chunk_end(i, total, X->rows) - i);
        const uint64_t before = wh_net_samples(net);
        wh_step_info info;
        wh_status st = wh_net_learn_block(net, count, chunk_input(net, X, r, count, run, buf), n,
                                          buf + CHUNK * n, n, NULL, 0, &info);
        if (st != WH_OK)
            rc = report(command, st, r + (size_t)(info.sample - before), (size_t)(i / X->rows),
                        run->advice);
        i += count;
        if (st == WH_OK)
            wh__cli_average_add(&average, net, i, count);
        wh__progress_update(&bar, i);
    }
    wh__progress_finish(&bar);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_average_finish(command, &average, net);
    wh__cli_average_free(&average);
    wh__free(buf);
    return rc;
}

double wh__cli_data_error(wh_net *net, const wh__matrix *X, double ridge)
{
    const size_t n = X->cols;
    double *C = wh__alloc(n * n, sizeof *C);
    wh_metrics *m = NULL;
    wh_errors e = {NAN, NAN, NAN};
    if (C == NULL)
        return NAN;
    for (size_t r = 0; r < X->rows; r++)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                C[i * n + j] += X->data[r * n + i] * X->data[r * n + j] / (double)X->rows;
    for (size_t i = 0; i < n; i++)
        C[i * n + i] += ridge;
    if (wh_metrics_new(n, C, n, &m) == WH_OK &&
        wh_metrics_eval(m, wh__net_lateral(net), n, &e) != WH_OK)
        e.spectral = NAN;
    wh_metrics_free(m);
    wh__free(C);
    return e.spectral;
}
