/*
 * cmd_demo.c: `whiten demo`, a short demonstration of both networks.
 *
 * Two small experiments on synthetic data: (1) the population (expected)
 * dynamics from M0 = alpha I, timing how long each network takes to whiten
 * as alpha grows; (2) both networks learning online from one sampled stream.
 * Each writes a CSV; a REPORT.md ties them together. Every file is written to
 * a temporary name and renamed into place, so no half-written file is left.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "plot/plot.h"
#include "whiten.h"

#define DEMO_ALPHAS 5
#define DEMO_MAX_ROWS 4096

typedef struct demo_options {
    const char *out;
    size_t n;
    double eta_population;
    double eta_online;
    size_t samples;
    size_t every;
    double eps;
    uint64_t seed;
} demo_options;

typedef struct demo_results {
    double alphas[DEMO_ALPHAS];
    double time[2][DEMO_ALPHAS]; /* eta x steps to reach eps; [kind][alpha]; NAN if never */
    size_t rows;
    double sample[DEMO_MAX_ROWS];
    double error[2][DEMO_MAX_ROWS]; /* online whitening error; [kind][row] */
} demo_results;


static wh_status make_net(wh_net_kind kind, size_t n, double eta, double alpha, wh_net **net)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = kind;
    o.n = n;
    o.k = 2 * n;
    o.eta = eta;
    o.init.alpha = alpha;
    return wh_net_new(&o, net);
}

/* Expected steps from M0 = alpha I until the whitening error is at most eps. */
static wh_status population_time(const demo_options *d, wh_net_kind kind, double alpha,
                                 const double *C, wh_metrics *m, double *time)
{
    wh_net *net = NULL;
    wh_status st = make_net(kind, d->n, d->eta_population, alpha, &net);
    const uint64_t cap = (uint64_t)(1e7 / d->eta_population);
    wh_errors e = {0};
    *time = NAN;
    for (uint64_t step = 0; st == WH_OK && step <= cap; step++) {
        st = wh_metrics_eval(m, wh_net_lateral(net), d->n, &e);
        if (st == WH_OK && e.spectral <= d->eps) {
            *time = (double)step * d->eta_population;
            break;
        }
        if (st == WH_OK)
            st = wh_net_step_expected(net, C, d->n, NULL);
    }
    wh_net_free(net);
    return st;
}

/* Both networks on one sampled stream, the whitening error every d->every samples. */
static wh_status online_run(const demo_options *d, const double *C, wh_metrics *m,
                            demo_results *r)
{
    wh_net *net[2] = {NULL, NULL};
    wh_source *src = NULL;
    wh_source_options so;
    wh_source_options_default(&so);
    so.n = d->n;
    so.covariances = C;
    so.seed = d->seed;
    double *x = calloc(d->n, sizeof *x);
    wh_status st = x == NULL ? WH_ENOMEM : wh_source_new(&so, &src);
    for (int kind = 0; kind < 2 && st == WH_OK; kind++)
        st = make_net((wh_net_kind)kind, d->n, d->eta_online, 1.0, &net[kind]);
    r->rows = 0;
    for (size_t t = 0; st == WH_OK && t <= d->samples; t++) {
        if (t % d->every == 0 && r->rows < DEMO_MAX_ROWS) {
            r->sample[r->rows] = (double)t;
            for (int kind = 0; kind < 2 && st == WH_OK; kind++) {
                wh_errors e;
                st = wh_metrics_eval(m, wh_net_lateral(net[kind]), d->n, &e);
                r->error[kind][r->rows] = e.spectral;
            }
            r->rows++;
        }
        wh_source_next(src, x, NULL);
        for (int kind = 0; kind < 2 && st == WH_OK; kind++)
            st = wh_net_step(net[kind], x, NULL, NULL, NULL);
    }
    wh_net_free(net[0]);
    wh_net_free(net[1]);
    wh_source_free(src);
    free(x);
    return st;
}

typedef int (*emit_fn)(FILE *f, const demo_options *d, const demo_results *r);

/* Write path through a temporary file and a rename: all or nothing. */
static int write_atomically(const char *dir, const char *name, emit_fn emit, const demo_options *d,
                            const demo_results *r)
{
    char path[4096], tmp[4200];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        fprintf(stderr, "whiten demo: output path too long: %s/%s\n", dir, name);
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "whiten demo: cannot write %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    int failed = emit(f, d, r) < 0;
    failed |= fclose(f) != 0;
    if (failed || rename(tmp, path) != 0) {
        fprintf(stderr, "whiten demo: cannot write %s: %s\n", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

static int emit_population(FILE *f, const demo_options *d, const demo_results *r)
{
    (void)d;
    fprintf(f, "alpha,direct_time,interneuron_time\n");
    for (size_t i = 0; i < DEMO_ALPHAS; i++)
        fprintf(f, "%.17g,%.17g,%.17g\n", r->alphas[i], r->time[0][i], r->time[1][i]);
    return ferror(f) ? -1 : 0;
}

static int emit_online(FILE *f, const demo_options *d, const demo_results *r)
{
    (void)d;
    fprintf(f, "samples,direct_error,interneuron_error\n");
    for (size_t i = 0; i < r->rows; i++)
        fprintf(f, "%.17g,%.17g,%.17g\n", r->sample[i], r->error[0][i], r->error[1][i]);
    return ferror(f) ? -1 : 0;
}

/* Mean online error over the last fifth of the run: the noise floor. */
static double tail_mean(const demo_results *r, int kind)
{
    size_t from = r->rows - r->rows / 5, count = 0;
    double sum = 0.0;
    for (size_t i = from; i < r->rows; i++, count++)
        sum += r->error[kind][i];
    return count > 0 ? sum / (double)count : (double)NAN;
}

static int emit_report(FILE *f, const demo_options *d, const demo_results *r)
{
    fprintf(f,
            "# whiten demo\n\n"
            "A short demonstration of libwhiten %s, not yet the reproduction of the paper.\n"
            "Inputs: n = %zu, eigenvalues log-spaced in [0.1, 10], Haar-random eigenvectors "
            "(seed %llu).\n\n"
            "## Population dynamics from M0 = alpha I\n\n"
            "![population](population.png)\n\n"
            "Time t = eta x steps (eta = %g) until the whitening error "
            "||M^-1 C M^-1 - I||_2 <= %g (`population.csv`).\n\n"
            "| alpha | direct | interneurons |\n|---:|---:|---:|\n",
            wh_version(), d->n, (unsigned long long)d->seed, d->eta_population, d->eps);
    for (size_t i = 0; i < DEMO_ALPHAS; i++)
        fprintf(f, "| %g | %.3f | %.3f |\n", r->alphas[i], r->time[0][i], r->time[1][i]);
    fprintf(f,
            "\nThe direct network's time grows in proportion to alpha; the interneuron "
            "network's by about 0.5 per unit of ln alpha.\n\n"
            "## Online learning, M0 = I, eta = %g\n\n"
            "![online](online.png)\n\n"
            "Whitening error every %zu samples for both networks on one stream "
            "(`online.csv`). Mean over the last fifth of the run (the noise floor): "
            "direct %.3f, interneurons %.3f.\n",
            d->eta_online, d->every, tail_mean(r, 0), tail_mean(r, 1));
    return ferror(f) ? -1 : 0;
}

static int plot_population(const char *dir, const demo_options *d, const demo_results *r)
{
    char base[4096], note[160];
    snprintf(base, sizeof base, "%s/population", dir);
    snprintf(note, sizeof note, "expected dynamics, n = %zu, η = %g, spectrum [0.1, 10]", d->n,
             d->eta_population);
    const wh__series series[2] = {
        {"direct (Algorithm 1)", WH__LINE_MARKERS, 0, DEMO_ALPHAS, r->alphas, r->time[0], NULL, NULL},
        {"interneurons (Algorithm 2)", WH__LINE_MARKERS, 1, DEMO_ALPHAS, r->alphas, r->time[1],
         NULL, NULL},
    };
    char ylabel[64];
    snprintf(ylabel, sizeof ylabel, "time t = η × steps to error ≤ %g", d->eps);
    const wh__panel panel = {"Time to whiten from M0 = α I", "initial scale α (M0 = α I)", ylabel,
                             true, true, 0, 0, 0, 0, 2, series, note};
    const wh__figure fig = {1, &panel, 0, 0};
    return wh__plot_write(&fig, base);
}

static int plot_online(const char *dir, const demo_options *d, const demo_results *r)
{
    char base[4096], note[160];
    snprintf(base, sizeof base, "%s/online", dir);
    snprintf(note, sizeof note, "online learning, n = %zu, η = %g, M0 = I", d->n, d->eta_online);
    const wh__series series[2] = {
        {"direct (Algorithm 1)", WH__LINE, 0, r->rows, r->sample, r->error[0], NULL, NULL},
        {"interneurons (Algorithm 2)", WH__LINE, 1, r->rows, r->sample, r->error[1], NULL, NULL},
    };
    const wh__panel panel = {"Online whitening error",
                             "samples",
                             "whitening error ||M^-1 C M^-1 - I||#d2#u",
                             false,
                             true,
                             0, 0, 0, 0, 2, series, note};
    const wh__figure fig = {1, &panel, 0, 0};
    return wh__plot_write(&fig, base);
}

static const wh__command_help demo_help = {
    "demo",
    "Run both whitening networks on synthetic Gaussian data and write population.csv,\n"
    "online.csv and REPORT.md into the output folder.",
    "The population experiment times the expected (averaged) dynamics from M0 = alpha I\n"
    "for alpha = 0.1 ... 1000; the online experiment runs Algorithms 1 and 2 on one\n"
    "sampled stream from M0 = I and records the whitening error ||M^-1 C M^-1 - I||_2.",
    "whiten demo --out results --samples 200000 --eta-online 1e-3",
};

static int report_failure(const char *what, wh_status st)
{
    fprintf(stderr, "whiten demo: %s: %s (%s)\n", what, wh_status_message(st),
            wh_status_name(st));
    return WH__EXIT_FAILURE;
}

static int run_demo(const demo_options *d)
{
    static demo_results r;
    double *C = calloc(d->n * d->n, sizeof *C);
    wh_metrics *m = NULL;
    wh_spectrum spec = {.n = d->n, .lo = 0.1, .hi = 10.0, .rotate = true, .seed = d->seed};
    wh_status st = C == NULL ? WH_ENOMEM : wh_covariance_from_spectrum(&spec, C, d->n);
    if (st == WH_OK)
        st = wh_metrics_new(d->n, C, d->n, &m);
    for (size_t i = 0; i < DEMO_ALPHAS && st == WH_OK; i++) {
        r.alphas[i] = pow(10.0, (double)i - 1.0);
        for (int kind = 0; kind < 2 && st == WH_OK; kind++)
            st = population_time(d, (wh_net_kind)kind, r.alphas[i], C, m, &r.time[kind][i]);
    }
    int rc = st == WH_OK ? WH__EXIT_OK : report_failure("population dynamics", st);
    if (rc == WH__EXIT_OK) {
        st = online_run(d, C, m, &r);
        rc = st == WH_OK ? WH__EXIT_OK : report_failure("online learning", st);
    }
    wh_metrics_free(m);
    free(C);
    if (rc != WH__EXIT_OK)
        return rc;
    if (mkdir(d->out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "whiten demo: cannot create folder %s: %s\n", d->out, strerror(errno));
        return WH__EXIT_FAILURE;
    }
    if (write_atomically(d->out, "population.csv", emit_population, d, &r) != 0 ||
        write_atomically(d->out, "online.csv", emit_online, d, &r) != 0 ||
        write_atomically(d->out, "REPORT.md", emit_report, d, &r) != 0 ||
        plot_population(d->out, d, &r) != 0 || plot_online(d->out, d, &r) != 0)
        return WH__EXIT_FAILURE;
    printf("whiten demo: wrote %s/REPORT.md, population.{csv,png,svg} and online.{csv,png,svg}\n",
           d->out);
    for (size_t i = 0; i < DEMO_ALPHAS; i++)
        printf("  alpha %-7g time to error %g: direct %8.3f  interneurons %6.3f\n", r.alphas[i],
               d->eps, r.time[0][i], r.time[1][i]);
    return WH__EXIT_OK;
}

int wh__cmd_demo(int argc, char **argv)
{
    demo_options d = {"results", 4, 1e-2, 1e-3, 200000, 2000, 0.01, 1};
    const wh__option table[] = {
        {"out", WH__OPT_STRING, &d.out, 0, 0, 0, "folder for the CSVs and REPORT.md"},
        {"n", WH__OPT_SIZE, &d.n, 1, 64, 0, "input dimension"},
        {"eta-population", WH__OPT_DOUBLE, &d.eta_population, 0, 1, WH__OPEN_MIN | WH__OPEN_MAX,
         "learning rate of the population (expected) dynamics"},
        {"eta-online", WH__OPT_DOUBLE, &d.eta_online, 0, 1, WH__OPEN_MIN | WH__OPEN_MAX,
         "learning rate of the online networks"},
        {"samples", WH__OPT_SIZE, &d.samples, 1, 1e9, 0, "samples of the online run"},
        {"every", WH__OPT_SIZE, &d.every, 1, 1e9, 0, "record the online error every so many samples"},
        {"eps", WH__OPT_DOUBLE, &d.eps, 0, 1, WH__OPEN_MIN | WH__OPEN_MAX,
         "whitening-error threshold that counts as converged"},
        {"seed", WH__OPT_U64, &d.seed, 0, 1.8e19, 0, "seed of the covariance and the samples"},
    };
    int rc = wh__options_parse(&demo_help, table, sizeof table / sizeof *table, argc, argv);
    if (rc == WH__PARSE_HELP)
        return WH__EXIT_OK;
    if (rc != WH__PARSE_OK)
        return WH__EXIT_USAGE;
    if (d.samples / d.every >= DEMO_MAX_ROWS) {
        fprintf(stderr, "whiten demo: --samples / --every must be below %d rows\n", DEMO_MAX_ROWS);
        return WH__EXIT_USAGE;
    }
    return run_demo(&d);
}
