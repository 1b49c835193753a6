/*
 * stages.c: centring, ridge noise, initial scale and divergence advice for
 * the subcommands (stages.h).
 */
#include "cli/stages.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/condition.h"
#include "cli/data.h"
#include "cli/options.h"
#include "core/alloc.h"

void wh__cli_stages_free(wh__cli_stages *st)
{
    wh_center_free(st->center);
    st->center = NULL;
    wh__free(st->before);
    st->before = NULL;
}

void wh__cli_stages_undo(wh__cli_stages *st)
{
    if (st->center != NULL && st->before != NULL && !st->mean_frozen)
        wh_center_set(st->center, st->before, st->before_samples);
}

int wh__cli_center_file(const char *command, wh__matrix *X, bool no_center, wh__cli_stages *st)
{
    if (no_center)
        return WH__EXIT_OK;
    const size_t n = X->cols;
    wh_status s = wh_center_new(n, 0.0, &st->center);
    double *mean = s == WH_OK ? wh__alloc(n, sizeof *mean) : NULL;
    if (s == WH_OK && mean == NULL)
        s = WH_ENOMEM;
    if (s == WH_OK)
        s = wh_center_exact_mean(X->rows, n, X->data, n, mean);
    if (s == WH_OK)
        s = wh_center_set(st->center, mean, X->rows);
    wh__free(mean);
    if (s != WH_OK)
        return wh__cli_fail(command, "the data's mean", s);
    for (size_t r = 0; r < X->rows; r++)
        wh_center_subtract(st->center, X->data + r * n, X->data + r * n);
    return WH__EXIT_OK;
}

int wh__cli_center_running(const char *command, size_t n, double window, wh__cli_stages *st)
{
    wh_status s = wh_center_new(n, window, &st->center);
    return s == WH_OK ? WH__EXIT_OK : wh__cli_fail(command, "the running mean", s);
}

wh_status wh__cli_stages_input(wh__cli_stages *st, bool learn, uint64_t index, size_t n,
                               const double *x, double *out)
{
    if (st->center != NULL) {
        if (st->before == NULL && (st->before = wh__alloc(n, sizeof *st->before)) == NULL)
            return WH_ENOMEM;
        memcpy(st->before, wh_center_mean(st->center), n * sizeof *st->before);
        st->before_samples = wh_center_samples(st->center);
        wh_status s = learn && !st->mean_frozen ? wh_center_update(st->center, x) : WH_OK;
        if (s != WH_OK)
            return s;
        wh_center_subtract(st->center, x, out);
    } else if (out != x) {
        memcpy(out, x, n * sizeof *out);
    }
    if (learn && st->ridge > 0.0)
        wh_ridge_noise(out, n, st->ridge, st->ridge_seed, index);
    return WH_OK;
}

int wh__cli_init_scale(const char *command, const char *text, const wh__matrix *X,
                       double *alpha)
{
    char *end = NULL;
    if (strcmp(text, "auto") != 0) {
        *alpha = strtod(text, &end);
        if (end != text && *end == '\0' && *alpha > 0.0 && *alpha <= 1e12)
            return WH__EXIT_OK;
        fprintf(stderr,
                "whiten %s: option --init-scale: expected 'auto' or a number in (0, 1e12], "
                "got '%s'\n",
                command, text);
        return WH__EXIT_USAGE;
    }
    if (X == NULL) {
        fprintf(stderr, "whiten %s: option --init-scale: 'auto' needs data to take the scale "
                        "from; give a number\n",
                command);
        return WH__EXIT_USAGE;
    }
    const size_t rows = X->rows < WH__INIT_SCALE_ROWS ? X->rows : WH__INIT_SCALE_ROWS;
    double sum = 0.0;
    for (size_t i = 0; i < rows * X->cols; i++)
        sum += X->data[i] * X->data[i];
    *alpha = sqrt(sum / (double)(rows * X->cols));
    if (!(*alpha > 0.0) || !isfinite(*alpha)) {
        /* All zeros: the diagnosis refuses such data; a scale of 1 keeps the network valid. */
        *alpha = 1.0;
    }
    return WH__EXIT_OK;
}

void wh__cli_divergence_advice(char *buf, size_t size, wh_net_kind kind, double eta,
                               double alpha, double lo, double hi)
{
    const double small = sqrt(fmax(lo, 0.0)), large = sqrt(fmax(hi, 0.0));
    if (kind == WH_NET_DIRECT && !isnan(lo) && eta > 0.1 * small)
        snprintf(buf, size,
                 "the direct network moves M's eigenvalues by about eta = %g per sample, and "
                 "the data's smallest standard deviation along a principal direction is "
                 "sqrt(lambda_min) = %.3g: give --eta well below it (e.g. --eta %.2g) or "
                 "rescale the data; a larger initial scale would not help",
                 eta, small, 0.01 * small);
    else if (!isnan(hi) && alpha < 0.1 * large)
        snprintf(buf, size,
                 "the initial M0 = %g I is small against the data (sqrt(lambda_max) = %.3g), so "
                 "the first outputs are large and the first steps overshoot: give "
                 "--init-scale auto (or about %.3g), or a smaller eta",
                 alpha, large, large);
    else if (isnan(lo) && kind == WH_NET_DIRECT)
        snprintf(buf, size,
                 "try a smaller eta (the direct network needs eta well below the data's "
                 "smallest standard deviation), or a larger initial scale if the data are "
                 "large against it");
    else if (isnan(lo))
        snprintf(buf, size, "try a smaller eta (e.g. %g)", 0.1 * eta);
    else
        snprintf(buf, size, "try a smaller eta");
}

bool wh__cli_unconverged_advice(char *buf, size_t size, wh_net_kind kind, double eta,
                                double alpha, double error, double hi)
{
    const double large = sqrt(fmax(hi, 0.0));
    if (!(error > WH__CLI_UNCONVERGED))
        return false;
    if (kind == WH_NET_DIRECT && large > 10.0)
        snprintf(buf, size,
                 "the direct network learns in a time proportional to the data's scale "
                 "(sqrt(lambda_max) = %.3g), so it has not converged: divide the data by about "
                 "%.3g, or use --net interneuron, whose speed does not depend on the scale",
                 large, large);
    else if (large > 0.0 && (alpha < 0.01 * large || alpha > 100.0 * large))
        snprintf(buf, size,
                 "the initial M0 = %g I is far from the data's scale (sqrt(lambda_max) = %.3g), "
                 "and the way from one to the other takes time: give --init-scale auto",
                 alpha, large);
    else if (eta >= 0.1)
        snprintf(buf, size,
                 "eta = %g is large: the estimate hovers at a noise floor that grows with eta; "
                 "give a smaller --eta (e.g. 1e-3)",
                 eta);
    else
        snprintf(buf, size,
                 "give more --passes, or a smaller --eta with --schedule decay (the default)");
    return true;
}

int wh__cli_schedule(const char *command, const char *kind, const char *fallback, double tau,
                     double gamma, wh_net_kind net, double eta, double alpha, uint64_t start,
                     wh_schedule *out)
{
    const char *name = kind != NULL ? kind : fallback;
    *out = (wh_schedule){WH_SCHEDULE_CONSTANT, 0.0, 1.0, 0};
    if (strcmp(name, "constant") == 0)
        return WH__EXIT_OK;
    if (strcmp(name, "decay") != 0) {
        fprintf(stderr, "whiten %s: option --schedule: expected 'constant' or 'decay', got '%s'\n",
                command, name);
        return WH__EXIT_USAGE;
    }
    const double auto_tau = (net == WH_NET_DIRECT ? alpha : 1.0) / eta;
    *out = (wh_schedule){WH_SCHEDULE_DECAY, tau > 0.0 ? tau : auto_tau, gamma, start};
    return WH__EXIT_OK;
}

int wh__cli_continue_schedule(const char *command, wh_net *net, bool given, const char *kind,
                              double tau, double gamma, double alpha)
{
    if (!given)
        return WH__EXIT_OK;
    wh_schedule s;
    int rc = wh__cli_schedule(command, kind, "decay", tau, gamma, wh_net_get_kind(net),
                              wh_net_eta(net), alpha, wh_net_samples(net), &s);
    if (rc == WH__EXIT_OK && wh_net_set_schedule(net, &s) != WH_OK)
        rc = wh__cli_fail(command, "--schedule", WH_EINVAL);
    return rc;
}

const char *wh__cli_schedule_text(char *buf, size_t size, const wh_schedule *s)
{
    if (s->kind == WH_SCHEDULE_CONSTANT)
        snprintf(buf, size, "constant eta");
    else
        snprintf(buf, size, "eta decaying with tau %.4g, gamma %.4g from sample %llu", s->tau,
                 s->gamma, (unsigned long long)s->start);
    return buf;
}

bool wh__cli_schedule_given(int argc, char **argv)
{
    return wh__options_given(argc, argv, "schedule") || wh__options_given(argc, argv, "tau") ||
           wh__options_given(argc, argv, "gamma");
}

int wh__cli_check_center_window(const char *command, double window)
{
    if (window > 0.0 && window < 1.0) {
        fprintf(stderr, "whiten %s: option --center-window: expected 0 or a number of "
                        "samples >= 1, got %g\n",
                command, window);
        return WH__EXIT_USAGE;
    }
    return WH__EXIT_OK;
}

int wh__cli_continued_given(const char *command, int argc, char **argv, double center_window,
                            wh__cli_continued *given)
{
    given->eta = wh__options_given(argc, argv, "eta");
    given->ridge = wh__options_given(argc, argv, "ridge");
    given->window = wh__options_given(argc, argv, "center-window");
    given->schedule = wh__cli_schedule_given(argc, argv);
    return wh__cli_check_center_window(command, center_window);
}
