#include "cli/learn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/progress.h"

static int report(const char *command, wh_status st, size_t row, size_t pass)
{
    fprintf(stderr, "whiten %s: row %zu of pass %zu: %s (%s)\n", command, row + 1, pass + 1,
            wh_status_message(st), wh_status_name(st));
    return WH__EXIT_FAILURE;
}

int wh__cli_run_rows(const char *command, wh_net *net, const wh__matrix *X, size_t passes,
                     bool learn, wh__matrix *Y, bool quiet)
{
    wh__progress bar;
    wh__progress_start(&bar, (uint64_t)X->rows * passes, quiet);
    double *y = malloc(X->cols * sizeof *y);
    int rc = y == NULL ? WH__EXIT_FAILURE : WH__EXIT_OK;
    for (size_t p = 0; p < passes && rc == WH__EXIT_OK; p++)
        for (size_t r = 0; r < X->rows && rc == WH__EXIT_OK; r++) {
            const double *x = X->data + r * X->cols;
            double *out = Y != NULL ? Y->data + r * X->cols : y;
            wh_status st = learn ? wh_net_step(net, x, out, NULL, NULL)
                                 : wh_net_respond(net, x, out, NULL, NULL);
            if (st != WH_OK)
                rc = report(command, st, r, p);
            wh__progress_update(&bar, (uint64_t)p * X->rows + r + 1);
        }
    wh__progress_finish(&bar);
    free(y);
    return rc;
}

double wh__cli_data_error(const wh_net *net, const wh__matrix *X)
{
    const size_t n = X->cols;
    double *C = calloc(n * n, sizeof *C);
    wh_metrics *m = NULL;
    wh_errors e = {NAN, NAN, NAN};
    if (C == NULL)
        return NAN;
    for (size_t r = 0; r < X->rows; r++)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                C[i * n + j] += X->data[r * n + i] * X->data[r * n + j] / (double)X->rows;
    if (wh_metrics_new(n, C, n, &m) == WH_OK &&
        wh_metrics_eval(m, wh_net_lateral(net), n, &e) != WH_OK)
        e.spectral = NAN;
    wh_metrics_free(m);
    free(C);
    return e.spectral;
}
