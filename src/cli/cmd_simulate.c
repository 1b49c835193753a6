/*
 * cmd_simulate.c: `whiten simulate`, one network learning on a known problem.
 *
 * The inputs come from a seeded Gaussian source (one covariance, or several
 * contexts that take turns), or from the rows of a data file, cycled. In
 * population mode the network follows the expected update instead (no
 * sampling), which is the small-eta discretisation of the flows of
 * science.md §3. Every --every samples the whitening error against the
 * current covariance is recorded; --out writes that table.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/checkpoint.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/condition.h"
#include "cli/data.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/rows.h"
#include "cli/stages.h"
#include "core/alloc.h"
#include "net/view.h"
#include "repro/floor.h"

#define METRIC_COLS 5

typedef struct sim_options {
    wh__cli_net net;
    size_t samples, every, contexts;
    uint64_t switch_every, window;
    double context_scale, eps, ridge;
    const char *spectrum, *eigenvalues, *data, *out, *save_state, *resume;
    bool rotate, json, population, quiet;
    wh__checkpoint checkpoint;
    bool no_center, header, no_header;
    wh__csv_header header_mode;
    const char *schedule; /* --schedule; NULL: constant */
    double tau, gamma;
    int argc; /* the command line, to tell the options given */
    char **argv;
} sim_options;

/* The problem and the learner, and what the run records. */
typedef struct sim {
    wh_net *net;
    wh_source *src; /* synthetic inputs (also names the context in population mode) */
    wh__matrix X;   /* data-file inputs (centred unless --no-center), cycled; empty if synthetic */
    wh__cli_stages stages; /* the data's mean and the ridge, saved with the network */
    double *C;      /* covariances: contexts x n x n (one, X^T X / T, for data) */
    double spectrum[2]; /* smallest and largest eigenvalue of the data's C (NaN: unknown) */
    wh_metrics *metrics;
    size_t n, context;
    double *x;
    wh__matrix table; /* rows of samples, context, spectral, frobenius, sqrt_relative */
    size_t rows;
    wh_passage passage; /* convergence: the error stays <= eps for a window of samples */
    double eps;         /* --eps, or twice the measured noise floor */
    double floor[2];    /* the measured noise floors (direct, interneurons); NaN if not */
    wh_errors last;
    uint64_t start; /* samples of this run already done (resuming a checkpoint) */
    char problem[sizeof ((wh__state *)NULL)->run_problem]; /* what the run computes */
    uint64_t data_hash; /* of --data as read, before centring */
} sim;

static const char *const metric_names[METRIC_COLS] = {"samples", "context", "spectral_error",
                                                      "frobenius_error", "sqrt_relative_error"};

static const wh__command_help simulate_help = {
    "simulate",
    "Run one whitening network online on synthetic Gaussian inputs (or on a data file)\n"
    "and record its whitening error ||M^-1 C M^-1 - I||_2 as it learns.",
    "Synthetic inputs have covariance C = U diag(lambda) U^T: eigenvalues from\n"
    "--eigenvalues, or log-spaced over --spectrum lo:hi for --n dimensions; U = I, or\n"
    "Haar-random with --rotate. --contexts C > 1 cycles through C covariances every\n"
    "--switch-every samples: context j uses its own random rotation (seed + j) and, for\n"
    "odd j, eigenvalues times --context-scale. --data FILE cycles through the rows of a\n"
    "file instead, centred by the file's exact mean (--no-center: not) and measuring\n"
    "against C = X^T X / T of the centred rows. --population follows the expected\n"
    "update M <- M + eta (M^-1 C M^-1 - I) (or its interneuron form) without sampling:\n"
    "then convergence_samples x eta approximates the flow's convergence time.\n"
    "Converged means the error stays <= eps for --window samples (default 1/eta), so a\n"
    "dip below eps does not count. The default eps is twice the larger of the two\n"
    "networks' noise floors at this eta, measured first (each network learning online\n"
    "from its fixed point M = C^1/2, about 30/eta samples): online errors never settle\n"
    "below that floor. Give --eps to skip the measurement.\n"
    "--out writes samples, context and three errors every --every samples (.csv or\n"
    ".npy); --json prints one summary object; --save-state / --resume save and continue\n"
    "a run bit for bit (same problem options).",
    "whiten simulate --net interneuron --n 10 --spectrum 0.1:10 --rotate --eta 1e-3 "
    "--samples 200000 --every 1000 --out errors.csv --json",
};

/* Context j: its own rotation, eigenvalues scaled on odd j (science.md §6, E5). */
static int build_covariances(const sim_options *o, sim *s)
{
    double *Cj = NULL;
    size_t n = o->net.n == 0 && o->eigenvalues == NULL ? 4 : o->net.n;
    int rc = wh__cli_covariance("simulate", o->eigenvalues, o->spectrum, &n, o->rotate, o->net.seed,
                                &Cj);
    if (rc != WH__EXIT_OK)
        return rc;
    s->n = n;
    s->C = wh__alloc(o->contexts * n * n, sizeof *s->C);
    rc = s->C == NULL ? wh__cli_fail("simulate", "covariances", WH_ENOMEM) : WH__EXIT_OK;
    for (size_t j = 0; j < o->contexts && rc == WH__EXIT_OK; j++) {
        if (j > 0) {
            wh__free(Cj);
            rc = wh__cli_covariance("simulate", o->eigenvalues, o->spectrum, &n, true,
                                    o->net.seed + j, &Cj);
        }
        const double scale = j % 2 == 1 ? o->context_scale : 1.0;
        for (size_t i = 0; rc == WH__EXIT_OK && i < n * n; i++)
            s->C[j * n * n + i] = scale * Cj[i];
    }
    wh__free(Cj);
    return rc;
}

static int build_source(const sim_options *o, sim *s)
{
    wh_source_options so;
    wh_source_options_default(&so);
    so.n = s->n;
    so.contexts = o->contexts;
    so.covariances = s->C;
    so.switch_every = o->contexts > 1 && o->switch_every == 0
                          ? (o->samples + o->contexts - 1) / o->contexts
                          : o->switch_every;
    so.seed = o->net.seed;
    wh_status st = wh_source_new(&so, &s->src);
    return st == WH_OK ? WH__EXIT_OK : wh__cli_fail("simulate", "cannot build the source", st);
}

/* C = X^T X / T of the centred data (unless --no-center): the covariance the network whitens. */
static int data_problem(const sim_options *o, sim *s)
{
    s->stages = (wh__cli_stages){NULL, false, o->ridge, o->net.seed, NULL, 0};
    int rc = wh__cli_read_data_as("simulate", o->data, o->net.n, o->header_mode, &s->X);
    if (rc == WH__EXIT_OK)
        s->data_hash = wh__cli_hash(s->X.data, s->X.rows * s->X.cols * sizeof *s->X.data);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_center_file("simulate", &s->X, o->no_center, &s->stages);
    if (rc == WH__EXIT_OK) {
        wh__cli_names names;
        wh__cli_names_read(o->data, WH__CSV_HEADER_AUTO, s->X.cols, &names);
        rc = wh__cli_diagnose_data(
            "simulate", o->data, &s->X, &names,
            s->stages.center != NULL ? wh_center_mean(s->stages.center) : NULL, o->ridge,
            o->net.eta, o->quiet, s->spectrum);
        wh__cli_names_free(&names);
    }
    if (rc != WH__EXIT_OK)
        return rc;
    s->n = s->X.cols;
    s->C = wh__alloc(s->n * s->n, sizeof *s->C);
    if (s->C == NULL)
        return wh__cli_fail("simulate", "covariance", WH_ENOMEM);
    for (size_t r = 0; r < s->X.rows; r++)
        for (size_t i = 0; i < s->n * s->n; i++)
            s->C[i] +=
                s->X.data[r * s->n + i / s->n] * s->X.data[r * s->n + i % s->n] / (double)s->X.rows;
    /* --ridge: the inputs carry N(0, ridge I) noise, so the network whitens C + ridge I. */
    for (size_t i = 0; i < s->n; i++)
        s->C[i * s->n + i] += o->ridge;
    return WH__EXIT_OK;
}

/*
 * A checkpoint also holds where its run stood: the samples done, the rows
 * recorded and the convergence so far. The run goes on from there to the same
 * --samples, so the result is the uninterrupted run's, bit for bit.
 */
/* What this run computes, for its checkpoints: every option that changes the result, and
 * the data file's rows as read (before centring). */
static void fingerprint(const sim_options *o, sim *s)
{
    char *b = s->problem;
    const size_t z = sizeof s->problem;
    b[0] = '\0';
    if (s->X.data != NULL)
        wh__cli_problem_add(b, z, "data", "%zux%zu:%016llx", s->X.rows, s->X.cols,
                            (unsigned long long)s->data_hash);
    wh__cli_problem_add(b, z, "samples", "%zu", o->samples);
    wh__cli_problem_add(b, z, "every", "%zu", o->every);
    wh__cli_problem_add(b, z, "net", "%s", o->net.net);
    wh__cli_problem_add(b, z, "n", "%zu", s->n);
    wh__cli_problem_add(b, z, "k", "%zu", o->net.k);
    wh__cli_problem_add(b, z, "eta", "%.17g", o->net.eta);
    wh__cli_problem_add(b, z, "init-scale", "%.17g", o->net.init_scale);
    wh__cli_problem_add(b, z, "seed", "%llu", (unsigned long long)o->net.seed);
    wh__cli_problem_add(b, z, "solver", "%s", o->net.solver != NULL ? o->net.solver : "auto");
    wh__cli_problem_add(b, z, "refresh", "%zu", o->net.refresh);
    wh__cli_problem_add(b, z, "spectrum", "%s", o->spectrum != NULL ? o->spectrum : "-");
    wh__cli_problem_add(b, z, "eigenvalues", "%s", o->eigenvalues != NULL ? o->eigenvalues : "-");
    wh__cli_problem_add(b, z, "rotate", "%d", (int)o->rotate);
    wh__cli_problem_add(b, z, "contexts", "%zu", o->contexts);
    wh__cli_problem_add(b, z, "switch-every", "%llu", (unsigned long long)o->switch_every);
    wh__cli_problem_add(b, z, "context-scale", "%.17g", o->context_scale);
    wh__cli_problem_add(b, z, "population", "%d", (int)o->population);
    wh__cli_problem_add(b, z, "ridge", "%.17g", o->ridge);
    wh__cli_problem_add(b, z, "eps", "%.17g", o->eps);
    wh__cli_problem_add(b, z, "window", "%llu", (unsigned long long)o->window);
    if (o->data != NULL) /* synthetic sources have mean zero and are never centred */
        wh__cli_problem_add(b, z, "no-center", "%s", o->no_center ? "given" : "not given");
    wh__cli_problem_add(b, z, "schedule", "%s", o->schedule != NULL ? o->schedule : "constant");
    wh__cli_problem_add(b, z, "tau", "%.17g", o->tau);
    wh__cli_problem_add(b, z, "gamma", "%.17g", o->gamma);
    wh__cli_problem_add_gain(b, z, &o->net);
}

/*
 * What makes this run's inputs, for a --save-state that a later --resume continues: the
 * continuation takes its network from the state and runs its own --samples, --every, --eps
 * and --window, but must draw the same inputs. --switch-every as resolved (0: samples /
 * contexts), since the continuation's --samples may differ.
 */
static void input_fingerprint(const sim_options *o, const sim *s, char *b, size_t z)
{
    b[0] = '\0';
    if (s->X.data != NULL)
        wh__cli_problem_add(b, z, "data", "%zux%zu:%016llx", s->X.rows, s->X.cols,
                            (unsigned long long)s->data_hash);
    wh__cli_problem_add(b, z, "n", "%zu", s->n);
    wh__cli_problem_add(b, z, "spectrum", "%s", o->spectrum != NULL ? o->spectrum : "-");
    wh__cli_problem_add(b, z, "eigenvalues", "%s", o->eigenvalues != NULL ? o->eigenvalues : "-");
    wh__cli_problem_add(b, z, "rotate", "%d", (int)o->rotate);
    wh__cli_problem_add(b, z, "contexts", "%zu", o->contexts);
    if (o->contexts > 1)
        wh__cli_problem_add(b, z, "switch-every", "%llu",
                            (unsigned long long)(o->switch_every != 0
                                                     ? o->switch_every
                                                     : (o->samples + o->contexts - 1) / o->contexts));
    wh__cli_problem_add(b, z, "context-scale", "%.17g", o->context_scale);
    wh__cli_problem_add(b, z, "seed", "%llu", (unsigned long long)o->net.seed);
    wh__cli_problem_add(b, z, "population", "%d", (int)o->population);
    wh__cli_problem_add(b, z, "ridge", "%.17g", o->ridge);
    if (o->data != NULL)
        wh__cli_problem_add(b, z, "no-center", "%s", o->no_center ? "given" : "not given");
}

/*
 * --resume of a finished run's --save-state: it continues with the state's network, rate
 * and schedule on the same inputs. A state simulate did not write (fit's, apply's,
 * stream's) is refused, as is an option that would shape another network or other inputs.
 */
static int continue_state(const sim_options *o, const sim *s, const wh__state *st)
{
    static const char *const network[] = {"net", "K", "k", "eta", "init-scale", "solver",
                                          "refresh", "alpha", "eta-g", "eta-w", "frame",
                                          "schedule", "tau", "gamma"};
    if (st->sim_inputs[0] == '\0' && !(st->has_source && o->data == NULL && !o->population)) {
        fprintf(stderr,
                "whiten simulate: %s: a state that no simulate run wrote (a state of fit, apply "
                "or stream; no simulate_inputs in its meta.json): simulate --resume continues a "
                "simulate run from its --save-state or --checkpoint file (apply --learn and "
                "stream --state learn on from any state)\n",
                o->resume);
        return WH__EXIT_USAGE;
    }
    char now[sizeof st->sim_inputs];
    input_fingerprint(o, s, now, sizeof now);
    int rc = wh__cli_check_problem_in("simulate", o->resume, "state", st->sim_inputs, now);
    for (size_t i = 0; rc == WH__EXIT_OK && i < sizeof network / sizeof *network; i++)
        if (wh__options_given(o->argc, o->argv, network[i])) {
            fprintf(stderr,
                    "whiten simulate: option --%s cannot apply beside --resume %s, a finished "
                    "run's state (the network, its rate and schedule come from it)\n",
                    network[i], o->resume);
            rc = WH__EXIT_USAGE;
        }
    return rc;
}

static int resume_run(const sim_options *o, sim *s, const wh__state *st)
{
    const wh__matrix *r = &st->run_record;
    if (strcmp(st->run_command, "simulate") != 0) {
        fprintf(stderr,
                "whiten simulate: %s: a checkpoint of 'whiten %s', not of simulate: simulate "
                "--resume continues a simulate run from its --checkpoint or --save-state file\n",
                o->resume, st->run_command);
        return WH__EXIT_USAGE;
    }
    fingerprint(o, s);
    const int rc = wh__cli_check_problem("simulate", o->resume, st->run_problem, s->problem);
    if (rc != WH__EXIT_OK)
        return rc;
    if (st->run_total != o->samples ||
        (r->rows > 0 && (r->cols != METRIC_COLS || r->rows > s->table.rows))) {
        fprintf(stderr,
                "whiten simulate: %s: a checkpoint of 'whiten %s' with --samples %llu and %zu "
                "recorded rows; resume it with the options of the run that wrote it\n",
                o->resume, st->run_command, (unsigned long long)st->run_total, r->rows);
        return WH__EXIT_USAGE;
    }
    s->start = st->run_done;
    s->passage.reached = st->run_converged;
    s->passage.samples = st->run_convergence;
    s->passage.time = (double)st->run_convergence * wh_net_eta(s->net);
    s->passage.below = st->run_below;
    s->passage.since = st->run_since;
    s->rows = r->rows;
    if (r->rows > 0)
        memcpy(s->table.data, r->data, r->rows * METRIC_COLS * sizeof *r->data);
    return WH__EXIT_OK;
}

/* A fresh network, or the one saved by --save-state (which then sets net, k and eta). */
static int build_learner(const sim_options *o, sim *s)
{
    if (o->resume == NULL) {
        wh__cli_net spec = o->net;
        spec.n = s->n;
        wh_schedule schedule;
        wh_net_kind kind = WH_NET_INTERNEURON;
        int rc = wh__cli_net_kind("simulate", "net", spec.net, &kind);
        if (rc == WH__EXIT_OK)
            rc = wh__cli_schedule("simulate", o->schedule, "constant", o->tau, o->gamma, kind,
                                  spec.eta, spec.init_scale, 0, &schedule);
        if (rc == WH__EXIT_OK)
            rc = wh__cli_make_net("simulate", &spec, &s->net);
        if (rc == WH__EXIT_OK && wh_net_set_schedule(s->net, &schedule) != WH_OK)
            rc = wh__cli_fail("simulate", "--schedule", WH_EINVAL);
        return rc;
    }
    wh__state st;
    int rc = wh__cli_read_state("simulate", o->resume, &st, &s->net, NULL);
    if (rc != WH__EXIT_OK)
        return rc;
    if (st.n != s->n) {
        fprintf(stderr, "whiten simulate: %s: the saved network has n = %zu, the problem n = %zu\n",
                o->resume, st.n, s->n);
        rc = WH__EXIT_FAILURE;
    } else {
        rc = st.has_run ? resume_run(o, s, &st) : continue_state(o, s, &st);
    }
    if (rc == WH__EXIT_OK && st.has_source && s->src != NULL &&
        wh_source_set_state(s->src, st.mt, st.source_samples) != WH_OK) {
        fprintf(stderr,
                "whiten simulate: %s: source_mt19937 is not a state MT19937 can continue from "
                "(its position word is above 624, or its 19937 state bits are all zero)\n",
                o->resume);
        rc = WH__EXIT_FAILURE;
    }
    wh__state_free(&st);
    return rc;
}

/* The input vector and the table of metrics (one row per --every samples), if they fit. */
static int allocate_buffers(const sim_options *o, sim *s)
{
    const size_t rows = o->samples / o->every + 2;
    char what[160];
    snprintf(what, sizeof what, "--samples %zu with --every %zu (a table of %zu rows of metrics)",
             o->samples, o->every, rows);
    if (wh__cli_check_memory("simulate", what, 8.0 * METRIC_COLS * (double)rows,
                             "; record less often with a larger --every") != WH__EXIT_OK)
        return WH__EXIT_FAILURE;
    s->x = wh__alloc(s->n, sizeof *s->x);
    if (s->x == NULL || !wh__matrix_alloc(&s->table, rows, METRIC_COLS))
        return wh__cli_fail("simulate", what, WH_ENOMEM);
    return WH__EXIT_OK;
}

/* Data rows for the noise-floor run: cycled, with the run's --ridge noise. */
typedef struct floor_rows {
    const wh__matrix *X;
    double ridge;
    uint64_t seed;
} floor_rows;

static void floor_row(void *ctx, uint64_t t, double *x)
{
    const floor_rows *f = ctx;
    memcpy(x, f->X->data + (size_t)(t % f->X->rows) * f->X->cols, f->X->cols * sizeof *x);
    if (f->ridge > 0.0)
        wh_ridge_noise(x, f->X->cols, f->ridge, f->seed, t);
}

/*
 * The noise floor of network `kind` at this run's eta: the larger over the
 * contexts' spectra (both networks are rotation-equivariant, so contexts that
 * differ by a rotation only share a floor: contexts 0 and 1 cover them all).
 */
static wh_status measure_floor(const sim_options *o, sim *s, wh_net_kind kind, double *floor)
{
    wh_net_options no;
    wh_net_options_default(&no);
    no.kind = kind;
    no.n = s->n;
    no.k = kind == WH_NET_INTERNEURON && wh_net_get_kind(s->net) == kind ? wh_net_k(s->net) : 0;
    no.eta = wh_net_eta(s->net);
    no.solver = WH_SOLVER_FAST; /* exact to rounding (interneurons) or to 1e-14 (direct CG) */
    floor_rows rows = {&s->X, o->ridge, o->net.seed};
    wh_status st = WH_OK;
    *floor = 0.0;
    for (size_t c = 0; st == WH_OK && c < (o->contexts > 1 ? 2 : 1); c++) {
        wh__floor f;
        /* Its own stream (seed + 977): the run itself is the same as with --eps given. */
        st = wh__noise_floor(&no, s->C + c * s->n * s->n, s->X.rows > 0 ? floor_row : NULL, &rows,
                             o->net.seed + 977 + c, &f);
        *floor = fmax(*floor, f.mean);
    }
    return st;
}

/*
 * The threshold: --eps, or twice the larger of the two networks' measured noise
 * floors at this eta (the same for both networks, so that their convergence is
 * compared at one error), 0.1 in population mode (no noise). Then the window.
 */
static int set_threshold(const sim_options *o, sim *s)
{
    s->floor[0] = s->floor[1] = (double)NAN;
    s->eps = o->eps > 0.0 ? o->eps : 0.1;
    wh_status st = WH_OK;
    for (int kind = 0; o->eps == 0.0 && !o->population && st == WH_OK && kind < 2; kind++)
        st = measure_floor(o, s, (wh_net_kind)kind, &s->floor[kind]);
    if (st != WH_OK) {
        /* Too large an eta can break a network even at its fixed point; the run says so. */
        if (!o->quiet)
            fprintf(stderr,
                    "whiten simulate: warning: no noise floor at eta = %g (%s from "
                    "M = C^1/2); eps = 0.1\n",
                    wh_net_eta(s->net), wh_status_message(st));
        s->floor[0] = s->floor[1] = (double)NAN;
    } else if (o->eps == 0.0 && !o->population) {
        s->eps = 2.0 * fmax(s->floor[0], s->floor[1]);
    }
    const uint64_t window = o->window > 0 ? o->window : (uint64_t)ceil(1.0 / wh_net_eta(s->net));
    const wh_passage resumed = s->passage;
    wh_passage_init_window(&s->passage, s->eps, window);
    s->passage.reached = resumed.reached;
    s->passage.samples = resumed.samples;
    s->passage.time = resumed.time;
    s->passage.below = resumed.below;
    s->passage.since = resumed.since;
    return WH__EXIT_OK;
}

static int build(const sim_options *o, sim *s)
{
    int rc = o->data != NULL ? data_problem(o, s) : build_covariances(o, s);
    if (rc == WH__EXIT_OK && o->data == NULL)
        rc = build_source(o, s);
    if (rc == WH__EXIT_OK)
        rc = allocate_buffers(o, s);
    if (rc == WH__EXIT_OK)
        rc = build_learner(o, s);
    wh_status st = WH_OK;
    if (rc == WH__EXIT_OK && (st = wh_metrics_new(s->n, s->C, s->n, &s->metrics)) != WH_OK)
        rc = wh__cli_fail("simulate", o->data != NULL ? "the data's X^T X / T" : "metrics", st);
    if (rc == WH__EXIT_OK)
        rc = set_threshold(o, s);
    return rc;
}

static void release(sim *s)
{
    wh_net_free(s->net);
    wh_source_free(s->src);
    wh_metrics_free(s->metrics);
    wh__matrix_free(&s->X);
    wh__cli_stages_free(&s->stages);
    wh__matrix_free(&s->table);
    wh__free(s->C);
    wh__free(s->x);
}

/* The errors of the network now, against the covariance of sample t. */
static wh_status measure(sim *s, uint64_t t)
{
    const size_t c = s->src != NULL ? wh_source_context_at(s->src, t) : 0;
    wh_status st = WH_OK;
    if (c != s->context &&
        (st = wh_metrics_set_covariance(s->metrics, s->C + c * s->n * s->n, s->n)) != WH_OK)
        return st;
    s->context = c;
    return wh_metrics_eval(s->metrics, wh__net_lateral(s->net), s->n, &s->last);
}

static void note_convergence(sim *s, uint64_t t)
{
    wh_passage_observe(&s->passage, t, wh_net_eta(s->net), s->last.spectral);
}

static void record(sim *s, uint64_t t)
{
    double *row = s->table.data + s->rows++ * METRIC_COLS;
    row[0] = (double)t;
    row[1] = (double)s->context;
    row[2] = s->last.spectral;
    row[3] = s->last.frobenius;
    row[4] = s->last.sqrt_relative;
}

/* One sample (or one expected step in population mode). */
static wh_status advance(sim *s, const sim_options *o)
{
    if (o->population)
        return wh_net_step_expected(s->net, s->C + s->context * s->n * s->n, s->n, NULL);
    if (s->src != NULL)
        wh_source_next(s->src, s->x, NULL);
    else
        memcpy(s->x, s->X.data + (size_t)((wh_net_samples(s->net)) % s->X.rows) * s->n,
               s->n * sizeof *s->x);
    if (s->src == NULL && o->ridge > 0.0)
        wh_ridge_noise(s->x, s->n, o->ridge, o->net.seed, wh_net_samples(s->net));
    return wh_net_step(s->net, s->x, NULL, NULL, NULL);
}

/* The network, the source and the run so far, after t samples of the run. */
static int write_checkpoint(const sim *s, const sim_options *o, uint64_t t)
{
    wh__state run = {0};
    strcpy(run.run_command, "simulate");
    memcpy(run.run_problem, s->problem, sizeof run.run_problem);
    run.run_done = t;
    run.run_total = o->samples;
    run.run_converged = s->passage.reached;
    run.run_convergence = s->passage.samples;
    run.run_below = s->passage.below;
    run.run_since = s->passage.since;
    run.run_record = (wh__matrix){s->rows, METRIC_COLS, s->table.data};
    return wh__cli_write_checkpoint("simulate", o->checkpoint.path, s->net,
                                    o->data != NULL ? &s->stages : NULL,
                                    o->population ? NULL : s->src, &run);
}

/* Before sample t: a periodic checkpoint, or a last one and a stop after a signal. */
static int checkpoint(const sim *s, const sim_options *o, wh__checkpoint *c, uint64_t t)
{
    const int signo = wh__checkpoint_signal();
    if (signo == 0 && (t == s->start || !wh__checkpoint_due(c, t)))
        return WH__EXIT_OK;
    const int rc = write_checkpoint(s, o, t);
    if (signo == 0 || rc != WH__EXIT_OK)
        return rc;
    fprintf(stderr,
            "whiten simulate: stopped by signal %d after %llu of %zu samples; "
            "continue with --resume %s\n",
            signo, (unsigned long long)t, o->samples, o->checkpoint.path);
    return wh__checkpoint_exit_status(signo);
}

static int learn(sim *s, const sim_options *o)
{
    fingerprint(o, s);
    wh__progress bar;
    wh__progress_start(&bar, o->samples, o->quiet);
    wh__checkpoint c = o->checkpoint;
    wh__checkpoint_start(&c);
    wh_status st = WH_OK;
    int rc = WH__EXIT_OK;
    /* Contexts follow the count of samples since the very start, across --resume. */
    const uint64_t t0 =
        (o->population || s->src == NULL ? wh_net_samples(s->net) : wh_source_samples(s->src)) -
        s->start;
    for (uint64_t t = s->start; st == WH_OK; t++) {
        if (c.path != NULL && t < o->samples && (rc = checkpoint(s, o, &c, t)) != WH__EXIT_OK)
            break;
        const bool due = t % o->every == 0 || t == o->samples;
        /* The last row measures against the context the network last learned from. */
        if (due || o->population)
            st = measure(s, t0 + (t == o->samples && t > 0 ? t - 1 : t));
        if (st != WH_OK)
            break;
        if (due || o->population)
            note_convergence(s, t);
        if (due)
            record(s, t);
        if (t == o->samples)
            break;
        st = advance(s, o);
        wh__progress_update(&bar, t + 1);
    }
    wh__progress_finish(&bar);
    if (rc != WH__EXIT_OK)
        return rc;
    if (st != WH_OK) {
        /* The sample after those learned was refused; counted from 1, as fit's rows are. */
        char advice[512];
        const double *C = s->C + s->context * s->n * s->n;
        if (o->data == NULL && C != NULL) /* a known covariance: its extreme eigenvalues */
            wh__cli_spectrum(C, s->n, s->spectrum);
        wh__cli_divergence_advice(advice, sizeof advice, wh_net_get_kind(s->net),
                                  wh_net_eta(s->net), o->net.init_scale, s->spectrum[0],
                                  s->spectrum[1]);
        fprintf(stderr, "whiten simulate: sample %llu: %s (%s)%s%s\n",
                (unsigned long long)wh_net_samples(s->net) + 1, wh_status_message(st),
                wh_status_name(st), st == WH_EDIVERGED ? "; " : "",
                st == WH_EDIVERGED ? advice : "");
        return WH__EXIT_FAILURE;
    }
    return WH__EXIT_OK;
}

static void print_json(const sim *s, const sim_options *o, double seconds)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "command", "simulate");
    cJSON_AddStringToObject(j, "net", wh__cli_net_name(wh_net_get_kind(s->net)));
    cJSON_AddStringToObject(j, "mode",
                            o->population     ? "population"
                            : o->data != NULL ? "data"
                                              : "online");
    cJSON_AddNumberToObject(j, "n", (double)s->n);
    cJSON_AddNumberToObject(j, "k", (double)wh_net_k(s->net));
    cJSON_AddNumberToObject(j, "eta", wh_net_eta(s->net));
    cJSON_AddNumberToObject(j, "samples", (double)o->samples);
    cJSON_AddNumberToObject(j, "init_scale", o->net.init_scale);
    cJSON_AddNumberToObject(j, "seed", (double)o->net.seed);
    cJSON_AddNumberToObject(j, "eps", s->eps);
    cJSON_AddStringToObject(j, "eps_from",
                            o->eps > 0.0    ? "--eps"
                            : o->population ? "population default"
                                            : "twice the larger noise floor");
    cJSON_AddNumberToObject(j, "window", (double)s->passage.window);
    if (!isnan(s->floor[0])) {
        cJSON_AddNumberToObject(j, "noise_floor_direct", s->floor[0]);
        cJSON_AddNumberToObject(j, "noise_floor_interneuron", s->floor[1]);
    }
    cJSON_AddNumberToObject(j, "final_error", s->last.spectral);
    cJSON_AddNumberToObject(j, "final_error_frobenius", s->last.frobenius);
    if (s->passage.reached) {
        cJSON_AddNumberToObject(j, "convergence_samples", (double)s->passage.samples);
        cJSON_AddNumberToObject(j, "convergence_time", s->passage.time);
    } else {
        cJSON_AddNullToObject(j, "convergence_samples");
        cJSON_AddNullToObject(j, "convergence_time");
    }
    cJSON_AddNumberToObject(j, "seconds", seconds);
    char *text = cJSON_Print(j);
    if (text != NULL)
        printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(j);
}

static void print_summary(const sim *s, const sim_options *o, double seconds)
{
    printf("whiten simulate: %zu samples in %.3g s; final whitening error %.4g", o->samples,
           seconds, s->last.spectral);
    if (s->passage.reached)
        printf("; error <= %.3g from sample %llu on (t = %g) for %llu samples", s->eps,
               (unsigned long long)s->passage.samples, s->passage.time,
               (unsigned long long)s->passage.window);
    else
        printf("; never <= %.3g for %llu samples", s->eps, (unsigned long long)s->passage.window);
    if (!isnan(s->floor[0]))
        printf(" (eps = twice the larger noise floor: %.3g direct, %.3g interneurons)", s->floor[0],
               s->floor[1]);
    printf("\n");
}

static int finish(sim *s, const sim_options *o, double seconds)
{
    s->table.rows = s->rows;
    int rc = WH__EXIT_OK;
    if (o->out != NULL)
        rc = wh__cli_write_data("simulate", o->out, &s->table, metric_names);
    if (rc == WH__EXIT_OK && o->save_state != NULL) {
        wh__state inputs = {0}; /* no checkpoint: only what the inputs were */
        input_fingerprint(o, s, inputs.sim_inputs, sizeof inputs.sim_inputs);
        rc = wh__cli_write_checkpoint("simulate", o->save_state, s->net,
                                      o->data != NULL ? &s->stages : NULL,
                                      o->population ? NULL : s->src, &inputs);
    }
    if (rc == WH__EXIT_OK && o->json)
        print_json(s, o, seconds);
    else if (rc == WH__EXIT_OK && !o->quiet)
        print_summary(s, o, seconds);
    return rc;
}

static int run_simulate(const sim_options *o)
{
    sim s = {0};
    int rc = build(o, &s);
    if (rc == WH__EXIT_OK) {
        const double start = wh__now();
        rc = learn(&s, o);
        if (rc == WH__EXIT_OK)
            rc = finish(&s, o, wh__now() - start);
    }
    release(&s);
    return rc;
}

/* Options that cannot shape this run are refused, not dropped (issue 16). */
static int refuse_inapplicable(sim_options *o, int argc, char **argv)
{
    static const char *const data_only[] = {"no-center", "ridge", "header", "no-header"};
    static const char *const synthetic[] = {"rotate", "switch-every", "context-scale"};
    static const char *const contexts[] = {"switch-every", "context-scale"};
    int rc = WH__EXIT_OK;
    if (o->data == NULL)
        rc = wh__cli_refuse_given("simulate", argc, argv, data_only, 4, "applies to --data only");
    else
        rc = wh__cli_refuse_given("simulate", argc, argv, synthetic, 3,
                                  "shapes synthetic data, not --data");
    if (rc == WH__EXIT_OK && o->contexts <= 1)
        rc = wh__cli_refuse_given("simulate", argc, argv, contexts, 2,
                                  "needs --contexts 2 or more");
    /* simulate's rate is constant unless --schedule decay (a resume keeps its own). */
    if (rc == WH__EXIT_OK)
        rc = wh__cli_refuse_inapplicable(
            "simulate", argc, argv,
            o->resume == NULL && o->schedule == NULL ? "constant" : o->schedule, &o->net,
            o->checkpoint.path != NULL || o->resume != NULL);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_header_mode("simulate", o->header, o->no_header, &o->header_mode);
    return rc;
}

static int check(const sim_options *o)
{
    wh__format fmt;
    if (o->data != NULL && (o->spectrum != NULL || o->eigenvalues != NULL || o->contexts > 1)) {
        fprintf(stderr, "whiten simulate: --data replaces --spectrum, --eigenvalues and "
                        "--contexts; give one or the other\n");
        return WH__EXIT_USAGE;
    }
    if (o->population && o->data != NULL) {
        fprintf(stderr, "whiten simulate: --population needs a known covariance, not --data\n");
        return WH__EXIT_USAGE;
    }
    const wh__cli_file files[] = {
        {"data", o->data, false, NULL},
        {"resume", o->resume, false, NULL},
        {"out", o->out, true, NULL},
        {"save-state", o->save_state, true, NULL},
        {"checkpoint", o->checkpoint.path, true, "resume"},
    };
    int rc = wh__cli_check_files("simulate", files, sizeof files / sizeof *files);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_npz("simulate", "save-state", o->save_state);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_npz("simulate", "checkpoint", o->checkpoint.path);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_checkpoint_target("simulate", o->checkpoint.path, o->resume, false);
    if (rc == WH__EXIT_OK && o->out != NULL)
        rc = wh__cli_format("simulate", "out", o->out, &fmt);
    return rc;
}

int wh__cmd_simulate(int argc, char **argv)
{
    sim_options o = {.net = wh__cli_net_default(),
                     .samples = 100000,
                     .every = 1000,
                     .contexts = 1,
                     .context_scale = 100.0,
                     .checkpoint = wh__checkpoint_none(),
                     .gamma = WH__CLI_DEFAULT_GAMMA};
    const wh__option table[] = {
        WH__CLI_NET_ROWS(o.net),
        wh__opt_size("n", &o.net.n, 0, 4096,
                     "input dimension (0: 4, or the length of --eigenvalues, or the data's)"),
        wh__opt_size("samples", &o.samples, 1, 1e12, "samples (or expected steps) to run"),
        wh__cli_row_init_scale(&o.net),
        wh__opt_string("spectrum", &o.spectrum,
                       "eigenvalues log-spaced over lo:hi "
                       "(default 0.1:10)"),
        wh__opt_string("eigenvalues", &o.eigenvalues,
                       "eigenvalues as a list, "
                       "e.g. 0.5,2,8"),
        wh__opt_flag("rotate", &o.rotate, "Haar-random eigenvectors"),
        wh__opt_size("contexts", &o.contexts, 1, 64, "covariances taking turns"),
        wh__opt_u64("switch-every", &o.switch_every, 0, 1e15,
                    "samples per context (0: samples / contexts)"),
        wh__opt_double("context-scale", &o.context_scale, 0, 1e12, WH__OPEN_MIN,
                       "eigenvalue scale of odd contexts"),
        wh__opt_string("data", &o.data,
                       "learn from this data file instead, centred by its exact mean"),
        wh__opt_flag("no-center", &o.no_center,
                     "with --data: do not subtract the data's mean (whiten X^T X / T)"),
        wh__cli_row_header(&o.header),
        wh__cli_row_no_header(&o.no_header),
        wh__opt_double(
            "ridge", &o.ridge, 0, 1e12, 0,
            "with --data: whiten C + ridge I, adding independent N(0, ridge) noise to each sample"),
        wh__opt_string(
            "schedule", &o.schedule,
            "learning rate: constant (default) or decay, eta / (1 + t/tau)^gamma (see 'whiten fit "
            "--help')"),
        wh__cli_row_tau(&o.tau),
        wh__cli_row_gamma(&o.gamma),
        wh__opt_flag("population", &o.population, "expected dynamics, no sampling"),
        wh__opt_size("every", &o.every, 1, 1e12, "record the errors every so many samples"),
        wh__opt_string("out", &o.out, "write the recorded errors (.csv or .npy)"),
        wh__opt_double(
            "eps", &o.eps, 0, 1e6, 0,
            "converged once the error stays <= eps for --window samples (0: twice the larger "
            "of the two networks' noise floors, measured first from M = C^1/2 at this eta; "
            "0.1 with --population)"),
        wh__opt_u64("window", &o.window, 0, 1e15,
                    "samples the error must stay <= eps (0: 1/eta, one unit of the flow's time)"),
        wh__opt_flag("json", &o.json, "print one JSON object with the results"),
        wh__opt_string("save-state", &o.save_state, "write the network (and source)"),
        wh__opt_string("resume", &o.resume,
                       "continue a simulate run: its --checkpoint file (same options), or its "
                       "--save-state file (same input options; the network, rate and schedule "
                       "come from it)"),
        wh__cli_row_quiet(&o.quiet),
        WH__CLI_CHECKPOINT_ROWS(o.checkpoint),
    };
    int rc = wh__options_parse(&simulate_help, table, sizeof table / sizeof *table, argc, argv);
    if (rc == WH__PARSE_HELP)
        return WH__EXIT_OK;
    if (rc != WH__PARSE_OK)
        return WH__EXIT_USAGE;
    o.argc = argc;
    o.argv = argv;
    rc = refuse_inapplicable(&o, argc, argv);
    if (rc == WH__EXIT_OK)
        rc = check(&o);
    return rc == WH__EXIT_OK ? run_simulate(&o) : rc;
}
